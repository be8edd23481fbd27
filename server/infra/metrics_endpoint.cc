#include "server/infra/metrics_endpoint.h"

#include <httplib.h>

#include "server/infra/http_listen.h"

namespace clientele::server {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen, std::function<std::string()> render) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint);
  endpoint->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *endpoint->server_;
  // Scrapes are rare and quick: two threads, not one per core.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.Get("/metrics",
             [render = std::move(render)](const httplib::Request&, httplib::Response& response) {
               response.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
             });
  absl::StatusOr<std::string> address = BindHttpServer(&server, listen, "metrics_listen");
  if (!address.ok()) return address.status();
  endpoint->address_ = *std::move(address);
  endpoint->thread_ = ServeInBackground(&server, "metrics-http");
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace clientele::server
