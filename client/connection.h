// Channels to clienteled: plain text or TLS (optionally with a client
// certificate, for mutual TLS), and a bearer token sent with every call.
// Used by the CLI, the tests and the bench tools alike.
//
// OpenChannel is thread-safe; the channel it returns is too.
#ifndef CLIENTELE_CLIENT_CONNECTION_H_
#define CLIENTELE_CLIENT_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace clientele::client {

struct ConnectionOptions {
  std::string server;           // host:port
  std::string token;            // sent as "authorization: Bearer TOKEN"; "" sends none
  bool tls = false;             // TLS; implied by any of the files below
  std::string ca_file;          // PEM: trust this CA instead of the system's roots
  std::string cert_file;        // PEM: the client's certificate chain (mutual TLS) ...
  std::string key_file;         // ... and its key; both or neither
  std::string tls_server_name;  // the name to check in the server's certificate, if not the host
};

// A channel per `options` (connecting happens on the first call, so an
// unreachable server shows as UNAVAILABLE then). INVALID_ARGUMENT naming
// the file when a PEM file cannot be read or only one of cert and key is
// given, or when the token has characters that metadata cannot carry.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(
    const ConnectionOptions& options, grpc::ChannelArguments arguments = {});

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_CONNECTION_H_
