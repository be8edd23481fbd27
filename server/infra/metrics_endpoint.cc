#include "server/infra/metrics_endpoint.h"

#include <httplib.h>

#include "common/strings.h"

namespace clientele::server {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen, std::function<std::string()> render) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !ParseInteger(std::string_view(listen).substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(StrCat("metrics_listen '", listen, "' is not host:port"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);

  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint);
  endpoint->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *endpoint->server_;
  // Scrapes are rare and quick: two threads, not one per core.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.Get("/metrics",
             [render = std::move(render)](const httplib::Request&, httplib::Response& response) {
               response.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
             });
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(StrCat("cannot listen for metrics on ", listen));
  }
  endpoint->address_ = StrCat(listen.substr(0, colon), ":", bound);
  endpoint->thread_ = std::thread([&server] {
    pthread_setname_np(pthread_self(), "metrics-http");
    server.listen_after_bind();
  });
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace clientele::server
