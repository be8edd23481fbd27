// Channels to clienteled: plain text or TLS (optionally with a client
// certificate, for mutual TLS), and a bearer token sent with every call.
// Used by the CLI, the tests and the bench tools alike.
//
// OpenChannel is thread-safe; the channel it returns is too.
#ifndef CLIENTELE_CLIENT_CONNECTION_H_
#define CLIENTELE_CLIENT_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace clientele::client {

struct ConnectionOptions {
  // host:port, or several separated by commas, which the channel spreads
  // calls over (round robin among those that are up). Names among
  // several are resolved when the channel opens, each to every address it
  // has (IPv4 when every server has one, else IPv6).
  std::string server;
  std::string token;            // sent as "authorization: Bearer TOKEN"; "" sends none
  bool tls = false;             // TLS; implied by any of the files below
  std::string ca_file;          // PEM: trust this CA instead of the system's roots
  std::string cert_file;        // PEM: the client's certificate chain (mutual TLS) ...
  std::string key_file;         // ... and its key; both or neither
  std::string tls_server_name;  // the name to check in the server's certificate, if not the host
  // Plain text with a token to a host that is not loopback. Off: such a
  // channel is refused, since the token could be read on the way.
  bool allow_remote_plaintext = false;
};

// A channel per `options` (connecting happens on the first call, so an
// unreachable server shows as UNAVAILABLE then; a name among several
// servers that cannot be resolved is UNAVAILABLE now). INVALID_ARGUMENT naming
// the file when a PEM file cannot be read or only one of cert and key is
// given, when the token has characters that metadata cannot carry, or when
// a token would go in plain text to a host that is not loopback (unless
// allow_remote_plaintext). Any TLS option, tls_server_name included,
// means TLS.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options,
                                                           grpc::ChannelArguments arguments = {});

// The servers of ConnectionOptions::server, one per comma-separated
// entry (spaces around each trimmed, empty entries dropped).
std::vector<std::string> SplitServers(std::string_view servers);

// What a channel to `servers` (each "host:port" or "[v6]:port") connects
// to: one server as it is, since gRPC resolves a name itself; several as
// one "ipv4:" or "ipv6:" list of their addresses, which the channel's
// round robin spreads calls over. Names among several are resolved now
// (UNAVAILABLE if one cannot be), each to every address it has, an address
// reached twice listed once, and an IPv6 scope (fe80::1%eth0) kept.
// INVALID_ARGUMENT for a server without a port, or servers with no
// address family in common. Thread-safe.
absl::StatusOr<std::string> ChannelTarget(const std::vector<std::string>& servers);

// HealthCheckResponse.ServingStatus values that clienteled reports.
inline constexpr int kHealthServing = 1;
inline constexpr int kHealthNotServing = 2;  // running, but no valid ruleset is loaded

// The standard gRPC health check for the whole server (service ""), sent
// without generated stubs (Debian's gRPC ships none). Returns the status
// the server reports (kHealthServing, kHealthNotServing, 0 for UNKNOWN),
// or -1 when the call fails: the server is unreachable or did not answer
// within `timeout`. Needs no token.
int CheckHealth(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_CONNECTION_H_
