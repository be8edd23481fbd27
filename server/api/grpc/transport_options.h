// How the gRPC port is secured, as the server config gives it: TLS
// (optionally mutual) or, when said explicitly, plain text. Plain structs
// without gRPC, so that the config (server/config.h) can hold them without
// pulling in gRPC; transport.h makes credentials of them. Plain values.
#ifndef CLIENTELE_SERVER_API_GRPC_TRANSPORT_OPTIONS_H_
#define CLIENTELE_SERVER_API_GRPC_TRANSPORT_OPTIONS_H_

#include <optional>
#include <string>

namespace clientele::server {

// The TLS files of the gRPC port (PEM).
struct TlsFiles {
  std::string cert;  // the server's certificate chain
  std::string key;   // its private key
  std::string
      client_ca;  // mutual TLS: clients must present a certificate this CA signed; "" for none
};

// TLS, or plain text when `plaintext`; exactly one of the two.
struct TransportOptions {
  std::optional<TlsFiles> tls;
  bool plaintext = false;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_TRANSPORT_OPTIONS_H_
