// The HTTP endpoint Prometheus scrapes: GET /metrics on its own port,
// served by cpp-httplib (Debian's libcpp-httplib-dev) on a thread of its
// own, away from the gRPC port and its tokens. It shows counts, timings,
// rule ids and the ruleset version, never customer data. Thread safety:
// start and destroy it from one thread; it serves on its own thread and
// reads only Metrics, which is thread-safe.
#ifndef CLIENTELE_SERVER_INFRA_METRICS_ENDPOINT_H_
#define CLIENTELE_SERVER_INFRA_METRICS_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace clientele::server {

class MetricsEndpoint {
 public:
  // Listens on `listen` (host:port; port 0 picks a free one) and answers
  // GET /metrics with render() as text/plain; version=0.0.4; anything else
  // is 404. UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen, std::function<std::string()> render);
  ~MetricsEndpoint();  // stops serving and joins the thread

  const std::string& address() const { return address_; }  // host:port, the port chosen

 private:
  MetricsEndpoint() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_METRICS_ENDPOINT_H_
