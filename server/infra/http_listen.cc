#include "server/infra/http_listen.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "common/host_port.h"
#include "common/strings.h"

namespace clientele::server {

absl::StatusOr<std::string> BindHttpServer(httplib::Server* server, const std::string& listen,
                                           std::string_view setting) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !ParseInteger(std::string_view(listen).substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(StrCat(setting, " '", listen, "' is not host:port"));
  }
  const std::string host(HostOf(listen));
  const int bound =
      port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(StrCat(setting, ": cannot listen on ", listen));
  }
  return StrCat(listen.substr(0, colon), ":", bound);
}

std::thread ServeInBackground(httplib::Server* server, const char* thread_name) {
  auto ended = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([server, thread_name, ended] {
    pthread_setname_np(pthread_self(), thread_name);
    server->listen_after_bind();
    *ended = true;
  });
  while (!server->is_running() && !*ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return thread;
}

}  // namespace clientele::server
