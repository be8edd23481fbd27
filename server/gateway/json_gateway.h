// The JSON gateway: clienteled's API over HTTP/1.1 for backends that do
// not speak gRPC and for the console (console_endpoints.h), on its own port
// (http_listen), secured as the gRPC port is (TLS, optionally mutual, or
// plain text where the config allows it).
//
//   POST /clientele.v1.<Service>/<Method>
//   Content-Type: application/json
//   Authorization: Bearer TOKEN
//   Connect-Timeout-Ms: 5000            (optional: the call's deadline)
//
// takes the request in protobuf's JSON mapping and answers the response
// the same way (json_messages.h), or a failure as {"code", "message",
// "details"} with the code's HTTP status (connect_error.h): the Connect
// protocol's unary shape, so curl and generic HTTP tools need nothing of
// ours. A server stream answers newline-delimited JSON, a line
// {"result": …} per message and a last {"error": …} if it fails after
// its first message (blank lines keep an idle stream open; skip them), or
// Server-Sent Events when the request accepts text/event-stream; such a
// method may also be called as GET with its request in the `message`
// query parameter, as a browser's EventSource calls. Client-streaming
// methods (ImportCustomers) stay gRPC-only.
//
// A call carries its token in Authorization: Bearer, or comes from the
// console with its login cookie and CSRF header (console_session.h).
//
// There is no code per method: every call goes through the real gRPC
// server over its in-process channel, with the caller's token, so roles,
// limits, metrics and logs apply unchanged, and a method is on HTTP the
// day it is in the proto.
//
// Thread safety: Start, Stop and the destructor from one thread; requests
// are served on the gateway's own threads.
#ifndef CLIENTELE_SERVER_GATEWAY_JSON_GATEWAY_H_
#define CLIENTELE_SERVER_GATEWAY_JSON_GATEWAY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "server/gateway/console_logins.h"
#include "server/infra/transport_options.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace google::protobuf {
class MethodDescriptor;
}

namespace clientele::server::gateway {

class ServerStreamCall;

struct JsonGatewayOptions {
  std::string listen;                      // host:port; port 0 picks a free one
  TransportOptions transport;              // the gRPC port's: its TLS files, or plain text
  std::shared_ptr<grpc::Channel> channel;  // the gRPC server's in-process channel
  size_t max_body_bytes = 8 << 20;         // a larger request is 413
  int threads = 16;                        // requests served at once; at most half of them streams
  // The console's logins: who a pasted token is (the server's token
  // table), and their timeouts (console_logins.h).
  ConsoleLogins::Authenticate authenticate;
  ConsoleLoginOptions logins;
};

class JsonGateway {
 public:
  // Binds and starts serving. INVALID_ARGUMENT for a malformed listen
  // address or TLS files that OpenSSL refuses; UNAVAILABLE when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<JsonGateway>> Start(JsonGatewayOptions options);
  ~JsonGateway();  // Stop()

  // Ends the open streams (their last line: UNAVAILABLE, the server is
  // stopping) and takes no new connections. The calls under way go on:
  // shut the gRPC server down next (its grace period bounds them), then
  // Stop(). Idempotent.
  void BeginStop();
  // BeginStop, and waits until every request has been answered.
  // Idempotent.
  void Stop();

  const std::string& address() const { return address_; }  // host:port, the port chosen

 private:
  explicit JsonGateway(JsonGatewayOptions options);
  void Route();
  void Serve(const httplib::Request& request, httplib::Response& response);
  void ServeUnary(const google::protobuf::MethodDescriptor& method, const std::string& body,
                  const httplib::Request& request, httplib::Response& response);
  void ServeStream(const google::protobuf::MethodDescriptor& method, const std::string& body,
                   const httplib::Request& request, httplib::Response& response);
  // Counts an open stream in; false when the gateway is stopping or as
  // many streams as allowed are open.
  bool AddStream(ServerStreamCall* call);
  void RemoveStream(ServerStreamCall* call);
  bool stopping() const;

  const JsonGatewayOptions options_;
  const std::unique_ptr<ConsoleLogins> logins_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
  mutable Mutex mutex_;
  std::set<ServerStreamCall*> streams_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_JSON_GATEWAY_H_
