// Binding a cpp-httplib server to a configured "host:port", shared by the
// HTTP ports of clienteled (metrics, the JSON gateway). Stateless.
#ifndef CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_
#define CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_

#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace clientele::server {

// Binds `server` to `listen` ("host:port" or "[v6]:port"; port 0 picks a
// free one) and returns the address as bound: `listen` with the port
// chosen. INVALID_ARGUMENT when `listen` is not host:port, UNAVAILABLE
// when it cannot be bound; `setting` names the setting in both
// ("metrics_listen").
absl::StatusOr<std::string> BindHttpServer(httplib::Server* server, const std::string& listen,
                                           std::string_view setting);

// Serves the bound `server` on a new thread named `thread_name` and
// returns once it is running, so that its stop() is never lost: httplib
// ignores a stop() that comes before its loop has started, and joining
// the thread would then wait for ever.
std::thread ServeInBackground(httplib::Server* server, const char* thread_name);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_
