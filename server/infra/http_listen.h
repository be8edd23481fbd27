// Binding a cpp-httplib server to a configured "host:port", shared by the
// HTTP ports of clienteled (metrics, the JSON gateway). Stateless.
#ifndef CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_
#define CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_

#include <string>
#include <string_view>

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

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_HTTP_LISTEN_H_
