// The gRPC port's credentials from its TransportOptions: TLS (optionally
// mutual) or, when the options say plaintext, none. Stateless and
// thread-safe.
#ifndef CLIENTELE_SERVER_API_GRPC_TRANSPORT_H_
#define CLIENTELE_SERVER_API_GRPC_TRANSPORT_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/infra/transport_options.h"

namespace clientele::server {

// Reads the PEM files of transport.tls and checks them before gRPC sees them:
// each must exist and parse, and the key must belong to the certificate.
// INVALID_ARGUMENT naming the file and the problem. With client_ca, clients
// must present a certificate that CA signed (mutual TLS).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TransportOptions& transport);

// "tls", "mutual tls" or "plaintext", for the log line at start.
std::string TransportName(const TransportOptions& transport);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_TRANSPORT_H_
