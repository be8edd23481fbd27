#include "client/remote.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>

#include "client/connection.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "common/strings.h"

namespace clientele::client {

std::string DefaultServer() {
  const char* value = std::getenv(kServerEnvironmentVariable);
  return value != nullptr && *value != '\0' ? value : kDefaultServer;
}

namespace {

// The flag's value, else the environment variable's (else "").
std::string FlagOrEnvironment(const std::string& flag, const char* variable) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(variable);
  return value != nullptr ? value : "";
}

// The first line of the file, without surrounding whitespace.
absl::StatusOr<std::string> ReadToken(std::string_view source, const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::InvalidArgumentError(StrCat(source, ": cannot read a token from '", path, "'"));
  }
  const size_t begin = line.find_first_not_of(" \t\r");
  const size_t end = line.find_last_not_of(" \t\r");
  if (begin == std::string::npos) {
    return absl::InvalidArgumentError(StrCat(source, ": '", path, "' holds no token"));
  }
  return line.substr(begin, end - begin + 1);
}

// A yes/no environment variable; unset or empty is no.
absl::StatusOr<bool> EnvironmentSwitch(const char* variable) {
  const std::string value = FlagOrEnvironment("", variable);
  for (const char* yes : {"1", "true", "yes", "on"}) {
    if (value == yes) return true;
  }
  for (const char* no : {"", "0", "false", "no", "off"}) {
    if (value == no) return false;
  }
  return absl::InvalidArgumentError(
      StrCat("$", variable, " must be 1, true, yes, on or 0, false, no, off; not '", value, "'"));
}

}  // namespace

absl::Status PrepareConnection(RemoteOptions* options) {
  ConnectionOptions connection;
  connection.server = options->server;
  // Flags before the environment; a token before a token file.
  if (!options->token.empty()) {
    connection.token = options->token;
  } else if (!options->token_file.empty()) {
    absl::StatusOr<std::string> token = ReadToken("--token-file", options->token_file);
    if (!token.ok()) return token.status();
    connection.token = *token;
  } else if (const std::string token = FlagOrEnvironment("", kTokenEnvironmentVariable);
             !token.empty()) {
    connection.token = token;
  } else if (const std::string file = FlagOrEnvironment("", kTokenFileEnvironmentVariable);
             !file.empty()) {
    absl::StatusOr<std::string> token = ReadToken(kTokenFileEnvironmentVariable, file);
    if (!token.ok()) return token.status();
    connection.token = *token;
  }
  absl::StatusOr<bool> tls = EnvironmentSwitch(kTlsEnvironmentVariable);
  if (!tls.ok()) return tls.status();
  absl::StatusOr<bool> plaintext = EnvironmentSwitch(kPlaintextEnvironmentVariable);
  if (!plaintext.ok()) return plaintext.status();
  connection.tls = options->tls || *tls;
  connection.allow_remote_plaintext = options->plaintext || *plaintext;
  connection.ca_file = FlagOrEnvironment(options->ca_file, kCaEnvironmentVariable);
  connection.cert_file = FlagOrEnvironment(options->cert_file, kCertEnvironmentVariable);
  connection.key_file = FlagOrEnvironment(options->key_file, kKeyEnvironmentVariable);
  connection.tls_server_name =
      FlagOrEnvironment(options->tls_server_name, kTlsServerNameEnvironmentVariable);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(connection);
  if (!channel.ok()) return channel.status();
  options->channel = std::move(*channel);
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Connect(const RemoteOptions& options) { return options.channel; }

void SetDeadline(const RemoteOptions& options, double default_seconds,
                 grpc::ClientContext* context) {
  const double seconds = options.timeout_seconds > 0 ? options.timeout_seconds : default_seconds;
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(seconds)));
}

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kExitBadInput;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
      return kExitConflict;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return kExitDenied;
    default:
      return kExitServerError;
  }
}

std::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

int ReportError(const grpc::Status& status, const RemoteOptions& options, std::ostream& err) {
  err << "error: " << StatusCodeName(status.error_code()) << ": "
      << EscapeControlCharacters(status.error_message(), "\n") << "\n";
  // The reason, when the server gave a specific one (not just the code's
  // name): what a script can tell a reused key from a recorded purchase by.
  if (google::rpc::Status details; details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info) && info.reason() != StatusCodeName(status.error_code())) {
        err << "  reason: " << EscapeControlCharacters(info.reason()) << "\n";
      }
    }
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    // UNAVAILABLE comes from the connection (nothing answers) or from a
    // running server (no valid rules, the database busy): the health
    // check, which needs no token and no rules, tells which.
    const int health = options.channel == nullptr
                           ? -1
                           : CheckHealth(options.channel, std::chrono::seconds(2));
    if (health == kHealthNotServing) {
      err << "  (clienteled at " << options.server
          << " is running but serves no rules: its rule files have errors; clientele rules "
             "status lists them)\n";
    } else if (health == kHealthServing) {
      err << "  (clienteled at " << options.server
          << " is running but could not serve this call just now; try again)\n";
    } else {
      err << "  (is clienteled running at " << options.server << "? Choose the server with "
          << "--server HOST:PORT or " << kServerEnvironmentVariable
          << "; if it speaks TLS, add --tls and --tls-ca FILE)\n";
    }
  } else if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    err << "  (give the token with --token-file FILE, or $" << kTokenEnvironmentVariable << " or $"
        << kTokenFileEnvironmentVariable << ")\n";
  } else if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    err << "  (use a token of the role named above; see clientele token new)\n";
  } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    err << "  (" << options.server << " did not answer in time; --timeout SECONDS allows more)\n";
  }
  return ExitCodeFor(status.error_code());
}

IdempotencyKey ResolveKey(const std::string& given) {
  if (!given.empty()) return {given, false};
  std::random_device random;
  std::string key = "cli-";
  for (int i = 0; i < 4; ++i) {
    const uint32_t word = random();
    for (int shift = 24; shift >= 0; shift -= 8) {
      key += HexByte(static_cast<unsigned char>(word >> shift));
    }
  }
  return {key, true};
}

bool ParseNameValues(const std::vector<std::string>& given, std::string_view example,
                     google::protobuf::Map<std::string, std::string>* values, std::ostream& err) {
  for (const std::string& attribute : given) {
    const size_t equals = attribute.find('=');
    if (equals == std::string::npos || equals == 0) {
      err << "error: --attribute must be NAME=VALUE, e.g. " << example << ", not '" << attribute
          << "'\n";
      return false;
    }
    const std::string name = attribute.substr(0, equals);
    if (values->contains(name)) {
      err << "error: --attribute " << name << " is given twice\n";
      return false;
    }
    (*values)[name] = attribute.substr(equals + 1);
  }
  return true;
}

std::string KeyLine(const IdempotencyKey& key) {
  if (!key.generated) return StrCat("key: ", key.key, "\n");
  return StrCat("key: ", key.key, "  (generated; to retry this write, add --key ", key.key, ")\n");
}

std::string MoreLine(const std::string& next_page_token) {
  if (next_page_token.empty()) return "";
  return StrCat("more: add --page-token ", next_page_token, " for the next page, or --all\n");
}

void PrintJson(const google::protobuf::Message& message, std::ostream& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  // Printing a valid message cannot fail (there are no Any fields to resolve).
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
    text = "{}";
  }
  out << text << "\n";
}

}  // namespace clientele::client
