// What every remote command of `clientele` shares: the server address and
// deadline options, the gRPC channel, idempotency keys for writes, the
// mapping of gRPC status codes to exit codes (client/exit_codes.h) and the
// two output forms (human text, or --json: one JSON object per line).
//
// Functions are thread-compatible; nothing here keeps state between calls.
#ifndef CLIENTELE_CLIENT_REMOTE_H_
#define CLIENTELE_CLIENT_REMOTE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "client/exit_codes.h"
#include "google/protobuf/message.h"

namespace clientele::client {

// The listen address of config/server.yaml.
inline constexpr char kDefaultServer[] = "127.0.0.1:50051";
// The environment variable that overrides kDefaultServer.
inline constexpr char kServerEnvironmentVariable[] = "CLIENTELE_SERVER";
// Deadlines when --timeout is not given: a unary call, and a whole stream
// (customers import, evaluate-many).
inline constexpr double kUnaryTimeoutSeconds = 10;
inline constexpr double kStreamTimeoutSeconds = 600;
inline constexpr double kSimulationTimeoutSeconds = 120;

// The environment variables that give the token and TLS options when
// their flags are not given.
inline constexpr char kTokenEnvironmentVariable[] = "CLIENTELE_TOKEN";
inline constexpr char kTokenFileEnvironmentVariable[] = "CLIENTELE_TOKEN_FILE";
// The two switches take 1, true, yes, on or 0, false, no, off.
inline constexpr char kTlsEnvironmentVariable[] = "CLIENTELE_TLS";
inline constexpr char kPlaintextEnvironmentVariable[] = "CLIENTELE_PLAINTEXT";
inline constexpr char kCaEnvironmentVariable[] = "CLIENTELE_TLS_CA";
inline constexpr char kCertEnvironmentVariable[] = "CLIENTELE_TLS_CERT";
inline constexpr char kKeyEnvironmentVariable[] = "CLIENTELE_TLS_KEY";
inline constexpr char kTlsServerNameEnvironmentVariable[] = "CLIENTELE_TLS_SERVER_NAME";

struct RemoteOptions {
  std::string server = kDefaultServer;  // host:port
  double timeout_seconds = 0;           // 0: the command's default (above)
  bool json = false;                    // JSON (lines) instead of tables
  // As given on the command line; empty ones are taken from the
  // environment by PrepareConnection.
  std::string token;
  std::string token_file;
  bool tls = false;
  bool plaintext = false;  // a token in plain text to a non-loopback host is allowed
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string tls_server_name;
  // Set by PrepareConnection.
  std::shared_ptr<grpc::Channel> channel;
};

// Paging of the List commands: one page from page_token, or with `all`
// every page from there on.
struct PageOptions {
  int32_t page_size = 0;  // 1..1000; 0: the server's default (100)
  std::string page_token;
  bool all = false;
};

// $CLIENTELE_SERVER when set and not empty, else kDefaultServer.
std::string DefaultServer();

// Completes the connection options from the environment, reads the token
// file (its first line) and opens options->channel (client/connection.h).
// INVALID_ARGUMENT naming the flag or variable when a file cannot be read.
// Every remote command runs it before anything else.
absl::Status PrepareConnection(RemoteOptions* options);

// The channel PrepareConnection opened. Connecting happens on the first
// call; an unreachable server shows as UNAVAILABLE.
// REQUIRES: PrepareConnection(&options) succeeded.
std::shared_ptr<grpc::Channel> Connect(const RemoteOptions& options);

// Sets the deadline of `context` to now + options.timeout_seconds, or
// + default_seconds when that is 0.
void SetDeadline(const RemoteOptions& options, double default_seconds,
                 grpc::ClientContext* context);

// kExitNotFound, kExitConflict, kExitBadInput, kExitDenied or kExitServerError for a
// failed call; kExitOk for OK.
int ExitCodeFor(grpc::StatusCode code);

// "NOT_FOUND", "UNAVAILABLE", ...
std::string_view StatusCodeName(grpc::StatusCode code);

// Prints "error: CODE: message" to `err` (with a hint naming the server
// when it could not be reached or did not answer in time — for UNAVAILABLE,
// a health check of up to 2 s tells a server that is down from one that
// runs without valid rules — and how to give a token or which role is
// needed when the call was refused) and returns
// ExitCodeFor(status.error_code()). REQUIRES: !status.ok().
int ReportError(const grpc::Status& status, const RemoteOptions& options, std::ostream& err);

// The idempotency key of a write: the one given with --key, else a new
// random one ("cli-" and 32 hex digits) that the user may retry with.
struct IdempotencyKey {
  std::string key;
  bool generated = false;
};
IdempotencyKey ResolveKey(const std::string& given);

// The line that human output ends with for a write: "key: K" (and, for a
// generated key, how to retry with it).
std::string KeyLine(const IdempotencyKey& key);

// Repeated `--attribute NAME=VALUE` options into a request's map; false
// (with the error on `err`, `example` showing the form) for one without a
// name or '=', or a name given twice.
bool ParseNameValues(const std::vector<std::string>& given, std::string_view example,
                     google::protobuf::Map<std::string, std::string>* values, std::ostream& err);

// Prints `message` as one line of JSON (proto3 JSON mapping with the proto
// field names; fields with default values included, int64 as strings).
void PrintJson(const google::protobuf::Message& message, std::ostream& out);

// Calls the unary RPC `method` on a new stub over `options`' channel with
// the unary deadline.
template <typename Stub, typename Request, typename Response>
grpc::Status CallUnary(const RemoteOptions& options,
                       grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                    Response*),
                       const Request& request, Response* response) {
  Stub stub(Connect(options));
  grpc::ClientContext context;
  SetDeadline(options, kUnaryTimeoutSeconds, &context);
  return (stub.*method)(&context, request, response);
}

// The end of a unary command: on error reports it (and returns its exit
// code); else prints the response as JSON with --json, or render(response)
// as text, and returns kExitOk.
template <typename Response, typename Render>
int PrintResult(const grpc::Status& status, const Response& response,
                const RemoteOptions& options, std::ostream& out, std::ostream& err,
                Render render) {
  if (!status.ok()) return ReportError(status, options, err);
  if (options.json) {
    PrintJson(response, out);
  } else {
    out << render(response);
  }
  return kExitOk;
}

// PrintResult for a write: the human text ends with KeyLine(key); with
// --json a generated key goes to `err`, keeping `out` pure JSON. When the
// outcome is unknown (kExitServerError: the write may or may not have
// happened) the key is printed after the error, to retry with.
template <typename Response, typename Render>
int PrintWriteResult(const grpc::Status& status, const Response& response,
                     const IdempotencyKey& key, const RemoteOptions& options, std::ostream& out,
                     std::ostream& err, Render render) {
  if (!status.ok()) {
    const int code = ReportError(status, options, err);
    if (code == kExitServerError) err << KeyLine(key);
    return code;
  }
  if (options.json && key.generated) err << KeyLine(key);
  return PrintResult(status, response, options, out, err,
                     [&](const Response& r) { return render(r) + KeyLine(key); });
}

// Fetches the pages of a List RPC into *pages: fetch(token, &response)
// makes one call; the first token is page.page_token, then each page's
// next_page_token while page.all. Stops at the first error and returns it.
template <typename Response, typename Fetch>
grpc::Status FetchPages(const PageOptions& page, Fetch fetch, std::vector<Response>* pages) {
  std::string token = page.page_token;
  do {
    pages->emplace_back();
    if (grpc::Status s = fetch(token, &pages->back()); !s.ok()) return s;
    token = pages->back().next_page_token();
  } while (page.all && !token.empty());
  return grpc::Status::OK;
}

// The end of a List command: on error reports it; else prints every page
// as a JSON line with --json, or render(pages) as text.
template <typename Response, typename Render>
int PrintPages(const grpc::Status& status, const std::vector<Response>& pages,
               const RemoteOptions& options, std::ostream& out, std::ostream& err,
               Render render) {
  if (!status.ok()) return ReportError(status, options, err);
  if (options.json) {
    for (const Response& page : pages) PrintJson(page, out);
  } else {
    out << render(pages);
  }
  return kExitOk;
}

// The footer of a listing whose last page has `next_page_token`: how to
// get the rest ("" when there is none).
std::string MoreLine(const std::string& next_page_token);

// Reads a stream that follows something as it happens (rules watch, tasks
// watch), printing each message with `print` (called with its number, from
// 1), until the server ends it, the deadline passes, or `count` messages
// (0: no end) have come. The exit code: an error the server ended it with,
// else kExitOk.
template <typename Message, typename Print>
int FollowStream(grpc::ClientContext& context, grpc::ClientReader<Message>& reader, int64_t count,
                 const RemoteOptions& remote, std::ostream& out, std::ostream& err, Print print) {
  Message message;
  int64_t received = 0;
  while (reader.Read(&message)) {
    print(message, ++received);
    out.flush();
    if (count > 0 && received >= count) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader.Finish();
  if (count > 0 && received >= count) return kExitOk;
  if (!status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return ReportError(status, remote, err);
  }
  return kExitOk;
}

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_REMOTE_H_
