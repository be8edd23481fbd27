// What the gRPC bench tools (clientele_load, clientele_soak) share: they go
// to 127.0.0.1 only, over a channel of their own, and report percentiles.
#ifndef CLIENTELE_BENCH_BENCH_SUPPORT_H_
#define CLIENTELE_BENCH_BENCH_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/percentile.h"
#include "client/connection.h"

namespace clientele::bench {

// `address` may list several, separated by commas (client::SplitServers):
// all must be.
inline bool IsLoopback(const std::string& address) {
  const std::vector<std::string> servers = client::SplitServers(address);
  for (const std::string& server : servers) {
    if (server.rfind("127.0.0.1:", 0) != 0 && server.rfind("localhost:", 0) != 0 &&
        server.rfind("[::1]:", 0) != 0) {
      return false;
    }
  }
  return !servers.empty();
}

// `token`, or $CLIENTELE_TOKEN when it is empty.
inline std::string TokenOrEnvironment(const std::string& token) {
  if (!token.empty()) return token;
  const char* from_environment = std::getenv("CLIENTELE_TOKEN");
  return from_environment != nullptr ? from_environment : "";
}

// A plain-text channel to `server` with its own connection (no subchannel
// shared with other channels of the process); null, with the reason on
// stderr, when the options are refused.
inline std::shared_ptr<grpc::Channel> OpenOwnChannel(const std::string& server,
                                                     const std::string& token) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  client::ConnectionOptions connection;
  connection.server = server;
  connection.token = token;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> opened =
      client::OpenChannel(connection, arguments);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", std::string(opened.status().message()).c_str());
    return nullptr;
  }
  return *opened;
}

}  // namespace clientele::bench

#endif  // CLIENTELE_BENCH_BENCH_SUPPORT_H_
