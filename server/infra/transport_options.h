// How clienteled's ports are secured, as the server config gives it: TLS
// (optionally mutual) or, when said explicitly, plain text. The gRPC port
// and the JSON gateway's share it. Plain structs without gRPC or OpenSSL,
// so that the config (server/config.h) can hold them;
// server/api/grpc/transport.h makes gRPC credentials of them, and
// server/gateway/ an OpenSSL context. Plain values.
#ifndef CLIENTELE_SERVER_INFRA_TRANSPORT_OPTIONS_H_
#define CLIENTELE_SERVER_INFRA_TRANSPORT_OPTIONS_H_

#include <optional>
#include <string>

namespace clientele::server {

// The TLS files of the ports (PEM).
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

#endif  // CLIENTELE_SERVER_INFRA_TRANSPORT_OPTIONS_H_
