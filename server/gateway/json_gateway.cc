#include "server/gateway/json_gateway.h"

#include <google/protobuf/descriptor.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/strings.h"
#include "server/gateway/connect_error.h"
#include "server/gateway/console_endpoints.h"
#include "server/gateway/console_session.h"
#include "server/gateway/in_process_call.h"
#include "server/gateway/json_messages.h"
#include "server/gateway/stream_framing.h"
#include "server/infra/http_listen.h"

namespace clientele::server::gateway {
namespace {

using google::protobuf::MethodDescriptor;

// How long a stream's first message is waited for before its answer
// starts: a call refused at once (a bad token, a bad request) then gets
// its own HTTP status instead of a 200 whose only line is an error.
constexpr std::chrono::milliseconds kFirstMessageWait(1'000);
// How long an idle stream waits between keep-alives. A client that left
// is noticed only by a write that fails, the second after it left (the
// first still goes into the socket's buffer), so this bounds how long a
// stream and its thread outlive their client.
constexpr std::chrono::milliseconds kKeepAliveInterval(5'000);

void Answer(const HttpError& error, httplib::Response& response) {
  response.status = error.http_status;
  response.set_content(error.json, "application/json");
}

void AnswerError(absl::StatusCode code, std::string_view message, httplib::Response& response) {
  Answer(ConnectError(code, message), response);
}

void AnswerGrpcError(const grpc::Status& status, httplib::Response& response) {
  Answer(ConnectError(static_cast<absl::StatusCode>(status.error_code()), status.error_message(),
                      status.error_details()),
         response);
}

// The call's options: its authorization (console_session.h's
// AuthorizationOf: the caller's header as it came, or the console login's)
// and the deadline of Connect-Timeout-Ms. INVALID_ARGUMENT for a timeout
// that is not a number of milliseconds.
absl::StatusOr<CallOptions> OptionsOf(const httplib::Request& request, ConsoleLogins* logins,
                                      std::string* login_id) {
  CallOptions options;
  absl::StatusOr<CallAuthorization> authorization = AuthorizationOf(request, logins);
  if (!authorization.ok()) return authorization.status();
  options.authorization = std::move(authorization->header);
  *login_id = std::move(authorization->login_id);
  // gRPC takes metadata of printable ASCII only, and a call with anything
  // else would end the process, not the call.
  const bool printable = std::all_of(options.authorization.begin(), options.authorization.end(),
                                     [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (!printable || options.authorization.size() > 4096) {
    return absl::UnauthenticatedError(
        "the Authorization header must be 'Bearer TOKEN' in printable ASCII");
  }
  if (request.has_header("Connect-Timeout-Ms")) {
    const std::string timeout = request.get_header_value("Connect-Timeout-Ms");
    int64_t milliseconds = 0;
    // Connect allows at most 10 digits.
    if (timeout.empty() || timeout.size() > 10 || !ParseInteger(timeout, &milliseconds) ||
        milliseconds < 0) {
      return absl::InvalidArgumentError(
          StrCat("Connect-Timeout-Ms must be a whole number of milliseconds, not '", timeout, "'"));
    }
    options.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(milliseconds);
  }
  return options;
}

// Refuses, before its body is read, a request the gateway does not take:
// a method other than GET and POST (HEAD would run a GET handler), and a
// POST whose body is not plainly Content-Length bytes long, because only
// then does httplib hold the body to max_body_bytes: chunked or
// compressed bodies, and bodies read until the connection closes, are
// not. True when it answered.
//
// The body of a refused request is never read, so the connection is closed
// after the answer: left open, the body's bytes would be read as the next
// request on it (a way to smuggle requests past a proxy that shares
// connections). httplib 0.11.4 closes a connection only when writing an
// answer fails, so the answer's content provider writes it all and then
// says it failed.
bool RefuseUnreadableRequest(const httplib::Request& request, size_t max_body_bytes,
                             httplib::Response& response) {
  const auto refuse = [&response](int status, absl::StatusCode code, std::string message) {
    response.status = status;
    response.set_header("Connection", "close");
    std::string json = ConnectError(code, message).json;
    const size_t size = json.size();
    response.set_content_provider(
        size, "application/json",
        [json = std::move(json)](size_t offset, size_t length, httplib::DataSink& sink) {
          sink.write(json.data() + offset, length);
          return false;  // all written; ends the connection
        });
    return true;
  };
  if (request.method != "GET" && request.method != "POST") {
    response.set_header("Allow", "GET, POST");
    return refuse(405, absl::StatusCode::kUnimplemented,
                  StrCat("the method ", request.method, " is not served: POST calls, GET reads"));
  }
  if (request.method != "POST") return false;
  if (request.has_header("Transfer-Encoding")) {
    return refuse(411, absl::StatusCode::kInvalidArgument,
                  "send the body with a Content-Length, not chunked");
  }
  if (const std::string encoding = request.get_header_value("Content-Encoding");
      !encoding.empty() && encoding != "identity") {
    return refuse(415, absl::StatusCode::kInvalidArgument,
                  StrCat("a compressed body (Content-Encoding: ", encoding, ") is not taken"));
  }
  if (!request.has_header("Content-Length")) {
    return refuse(411, absl::StatusCode::kInvalidArgument,
                  "a POST needs a Content-Length (0 for the empty request)");
  }
  int64_t length = -1;
  if (!ParseInteger(request.get_header_value("Content-Length"), &length) || length < 0) {
    return refuse(400, absl::StatusCode::kInvalidArgument, "the Content-Length is not a number");
  }
  if (static_cast<uint64_t>(length) > max_body_bytes) {
    return refuse(413, absl::StatusCode::kResourceExhausted,
                  StrCat("the request is larger than the ", max_body_bytes, " bytes allowed"));
  }
  return false;
}

// Sets up TLS as the gRPC port has it: the certificate chain and its key,
// TLS 1.2 at least, and with client_ca a client certificate it signed.
bool SetUpTls(const TlsFiles& files, SSL_CTX& context) {
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  // Without a session id context, OpenSSL fails every resumed handshake
  // once client certificates are verified (and clients such as libcurl
  // resume).
  static constexpr unsigned char kSessionContext[] = "clientele-http";
  SSL_CTX_set_session_id_context(&context, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_options(&context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(&context, files.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(&context, files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&context) != 1) {
    return false;
  }
  if (!files.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(&context, files.client_ca.c_str(), nullptr) != 1) {
      return false;
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (names == nullptr) return false;
    SSL_CTX_set_client_CA_list(&context, names);
    SSL_CTX_set_verify(&context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return true;
}

// What httplib answers by itself (no route, a body too large, a request
// it cannot read), in the same JSON shape as every other failure.
void AnswerHttpError(size_t max_body_bytes, const httplib::Request& request,
                     httplib::Response& response) {
  if (!response.body.empty()) return;  // a failure of ours, already written
  const int status = response.status;
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  std::string message = StrCat("the request cannot be served (HTTP ", status, ")");
  if (status == 404) {
    code = absl::StatusCode::kNotFound;
    message = StrCat("no such path '", request.path,
                     "'; a method is called as POST /clientele.v1.<Service>/<Method>");
  } else if (status == 413) {
    code = absl::StatusCode::kResourceExhausted;
    message = StrCat("the request is larger than the ", max_body_bytes, " bytes allowed");
  } else if (status >= 500) {
    code = absl::StatusCode::kInternal;
  }
  const HttpError error = ConnectError(code, message);
  response.set_content(error.json, "application/json");  // the status stays httplib's
}

}  // namespace

JsonGateway::JsonGateway(JsonGatewayOptions options)
    : options_(std::move(options)),
      logins_(std::make_unique<ConsoleLogins>(options_.authenticate, options_.logins)) {}

absl::StatusOr<std::unique_ptr<JsonGateway>> JsonGateway::Start(JsonGatewayOptions options) {
  std::unique_ptr<JsonGateway> gateway(new JsonGateway(std::move(options)));
  const JsonGatewayOptions& set = gateway->options_;
  if (set.transport.tls.has_value()) {
    const TlsFiles files = *set.transport.tls;
    auto server = std::make_unique<httplib::SSLServer>(
        [&files](SSL_CTX& context) { return SetUpTls(files, context); });
    if (!server->is_valid()) {
      return absl::InvalidArgumentError(StrCat(
          "http_listen: OpenSSL refuses the TLS files (tls.cert '", files.cert, "', tls.key '",
          files.key, "'",
          files.client_ca.empty() ? "" : StrCat(", tls.client_ca '", files.client_ca, "'"), ")"));
    }
    gateway->server_ = std::move(server);
  } else {
    gateway->server_ = std::make_unique<httplib::Server>();
  }
  gateway->Route();
  absl::StatusOr<std::string> address =
      BindHttpServer(gateway->server_.get(), set.listen, "http_listen");
  if (!address.ok()) return address.status();
  gateway->address_ = *std::move(address);
  gateway->thread_ = ServeInBackground(gateway->server_.get(), "json-gateway");
  return gateway;
}

JsonGateway::~JsonGateway() { Stop(); }

void JsonGateway::BeginStop() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
    for (ServerStreamCall* call : streams_) call->Cancel();
  }
  if (server_ != nullptr) server_->stop();
}

void JsonGateway::Stop() {
  BeginStop();
  if (thread_.joinable()) thread_.join();
}

bool JsonGateway::stopping() const {
  MutexLock lock(&mutex_);
  return stopping_;
}

void JsonGateway::Route() {
  httplib::Server& server = *server_;
  const int threads = options_.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(options_.max_body_bytes);
  // A thread serves one connection at a time, idle ones too: short
  // waits, so that a few slow or idle clients cannot hold every thread.
  server.set_read_timeout(10, 0);
  server.set_keep_alive_timeout(2);
  const bool tls = options_.transport.tls.has_value();
  server.set_pre_routing_handler([max_body_bytes = options_.max_body_bytes](
                                     const httplib::Request& request, httplib::Response& response) {
    return RefuseUnreadableRequest(request, max_body_bytes, response)
               ? httplib::Server::HandlerResponse::Handled
               : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_post_routing_handler([tls](const httplib::Request&, httplib::Response& response) {
    // An API answer is data: never cached, never sniffed into HTML, never
    // framed; and no CORS headers, so other origins cannot read it. (The
    // console's pages set their own policy and caching.)
    if (!response.has_header("Cache-Control")) response.set_header("Cache-Control", "no-store");
    if (!response.has_header("Content-Security-Policy")) {
      response.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("X-Frame-Options", "DENY");
    if (tls) response.set_header("Strict-Transport-Security", "max-age=31536000");
  });
  const size_t max_body_bytes = options_.max_body_bytes;
  server.set_error_handler(
      [max_body_bytes](const httplib::Request& request, httplib::Response& response) {
        AnswerHttpError(max_body_bytes, request, response);
      });
  // The console's endpoints first: the API's pattern below matches
  // /console/login too.
  AddConsoleEndpoints(&server, logins_.get(), tls);
  const auto serve = [this](const httplib::Request& request, httplib::Response& response) {
    Serve(request, response);
  };
  // Every path of two segments; Serve sorts out which name a method.
  server.Post(R"(/[^/]+/[^/]+)", serve);
  server.Get(R"(/[^/]+/[^/]+)", serve);
}

void JsonGateway::Serve(const httplib::Request& request, httplib::Response& response) {
  absl::StatusOr<const MethodDescriptor*> found = FindMethod(request.path);
  if (!found.ok()) return Answer(ConnectError(found.status()), response);
  const MethodDescriptor& method = **found;
  if (method.client_streaming()) {
    return AnswerError(absl::StatusCode::kUnimplemented,
                       StrCat(method.name(),
                              " streams its requests, which HTTP/1.1 cannot carry here: call it "
                              "over gRPC (the CLI does)"),
                       response);
  }
  std::string body;
  if (request.method == "GET") {
    if (!method.server_streaming()) {
      response.set_header("Allow", "POST");
      response.status = 405;
      const HttpError error =
          ConnectError(absl::StatusCode::kUnimplemented,
                       StrCat(method.name(), " is called with POST (only streams may be GET)"));
      response.set_content(error.json, "application/json");
      return;
    }
    body = request.get_param_value("message");  // the request's JSON, as EventSource sends it
  } else {
    const std::string type = request.get_header_value("Content-Type");
    if (!IsJsonContentType(type)) {
      response.status = 415;
      const HttpError error = ConnectError(
          absl::StatusCode::kInvalidArgument,
          StrCat("the request must be Content-Type: application/json, not '", type, "'"));
      response.set_content(error.json, "application/json");
      return;
    }
    body = request.body;
  }
  if (method.server_streaming()) return ServeStream(method, body, request, response);
  ServeUnary(method, body, request, response);
}

void JsonGateway::ServeUnary(const MethodDescriptor& method, const std::string& body,
                             const httplib::Request& request, httplib::Response& response) {
  std::string login_id;  // a call is over before a login can end
  absl::StatusOr<CallOptions> options = OptionsOf(request, logins_.get(), &login_id);
  if (!options.ok()) return Answer(ConnectError(options.status()), response);
  absl::StatusOr<std::string> bytes = SerializedFromJson(*method.input_type(), body);
  if (!bytes.ok()) return Answer(ConnectError(bytes.status()), response);
  const UnaryOutcome outcome =
      CallUnary(options_.channel, StrCat("/", method.service()->full_name(), "/", method.name()),
                *bytes, *options);
  if (!outcome.status.ok()) return AnswerGrpcError(outcome.status, response);
  absl::StatusOr<std::string> json = JsonFromSerialized(*method.output_type(), outcome.response);
  if (!json.ok()) return Answer(ConnectError(json.status()), response);
  response.set_content(*json, "application/json");
}

void JsonGateway::ServeStream(const MethodDescriptor& method, const std::string& body,
                              const httplib::Request& request, httplib::Response& response) {
  // A stream for a console login lasts no longer than the login.
  std::string login_id;
  absl::StatusOr<CallOptions> options = OptionsOf(request, logins_.get(), &login_id);
  if (!options.ok()) return Answer(ConnectError(options.status()), response);
  absl::StatusOr<std::string> bytes = SerializedFromJson(*method.input_type(), body);
  if (!bytes.ok()) return Answer(ConnectError(bytes.status()), response);
  auto call = std::make_shared<ServerStreamCall>(
      options_.channel, StrCat("/", method.service()->full_name(), "/", method.name()), *bytes,
      *options);
  if (!AddStream(call.get())) {
    return stopping()
               ? AnswerError(absl::StatusCode::kUnavailable, "clienteled is stopping", response)
               : AnswerError(absl::StatusCode::kResourceExhausted,
                             StrCat("as many streams as the HTTP port serves at once (",
                                    options_.threads / 2, ") are open; try again later"),
                             response);
  }
  // The first message, or the failure that ends the call at once.
  std::string first;
  ServerStreamCall::Read read = call->Next(&first, kFirstMessageWait);
  if (read == ServerStreamCall::Read::kEnded && !call->status().ok()) {
    RemoveStream(call.get());
    if (call->status().error_code() == grpc::StatusCode::CANCELLED && stopping()) {
      return AnswerError(absl::StatusCode::kUnavailable, "clienteled is stopping", response);
    }
    return AnswerGrpcError(call->status(), response);
  }
  const StreamFraming framing = StreamFraming::For(request.get_header_value("Accept"));
  const MethodDescriptor* stream_method = &method;
  auto provider = [this, call, framing, stream_method, read, first = std::move(first),
                   login_id = std::move(login_id)](size_t, httplib::DataSink& sink) mutable {
    const auto write = [&sink](const std::string& text) {
      return sink.write(text.data(), text.size());
    };
    std::string message = std::move(first);
    for (;;) {
      if (read == ServerStreamCall::Read::kMessage) {
        absl::StatusOr<std::string> json =
            JsonFromSerialized(*stream_method->output_type(), message);
        const std::string text =
            json.ok() ? framing.Message(*json) : framing.Error(ConnectError(json.status()).json);
        if (!write(text) || !json.ok()) {
          call->Cancel();
          return false;  // the client left, or the server's answer did not print
        }
      } else if (read == ServerStreamCall::Read::kStillWaiting) {
        if (!write(framing.KeepAlive())) {
          call->Cancel();
          return false;
        }
      } else {
        break;
      }
      if (!login_id.empty() && !logins_->IsLive(login_id)) {
        call->Cancel();
        write(framing.Error(ConnectError(absl::StatusCode::kUnauthenticated,
                                         "the console's login has ended: log in again")
                                .json));
        sink.done();
        return true;
      }
      read = call->Next(&message, kKeepAliveInterval);
    }
    grpc::Status status = call->status();
    if (status.error_code() == grpc::StatusCode::CANCELLED && stopping()) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "clienteled is stopping");
    }
    if (!status.ok()) {
      const HttpError error = ConnectError(static_cast<absl::StatusCode>(status.error_code()),
                                           status.error_message(), status.error_details());
      write(framing.Error(error.json));
    }
    sink.done();
    return true;
  };
  response.set_chunked_content_provider(std::string(framing.content_type()), std::move(provider),
                                        [this, call](bool) { RemoveStream(call.get()); });
}

bool JsonGateway::AddStream(ServerStreamCall* call) {
  MutexLock lock(&mutex_);
  if (stopping_ || streams_.size() >= static_cast<size_t>(options_.threads / 2)) return false;
  streams_.insert(call);
  return true;
}

void JsonGateway::RemoveStream(ServerStreamCall* call) {
  MutexLock lock(&mutex_);
  streams_.erase(call);
}

}  // namespace clientele::server::gateway
