#include "server/api/grpc/calls.h"

#include <optional>
#include <string>
#include <vector>

#include "server/infra/log.h"
#include "server/infra/metrics.h"

namespace clientele::server::grpc_internal {

void LogCall(std::string_view method, const absl::Status& status,
             std::chrono::steady_clock::time_point began, std::string_view caller) {
  const auto elapsed = std::chrono::steady_clock::now() - began;
  Metrics::Global().RecordCall(method, status.code(), elapsed);
  const LogLevel level = status.ok() ? LogLevel::kDebug : LogLevel::kInfo;
  if (!LogEnabled(level)) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  std::vector<std::pair<std::string_view, std::string>> fields = {
      {"method", std::string(method)},
      {"code", absl::StatusCodeToString(status.code())},
      {"us", std::to_string(micros)}};
  if (!caller.empty()) fields.emplace_back("caller", std::string(caller));
  if (!status.ok()) fields.emplace_back("error", LoggableError(status));
  Log(level, "call", fields);
}

absl::StatusOr<Caller> Admit(const Authenticator& auth, grpc::CallbackServerContext* context,
                             std::string_view method) {
  const auto& metadata = context->client_metadata();
  std::optional<std::string_view> authorization;
  if (const auto found = metadata.find("authorization"); found != metadata.end()) {
    authorization = std::string_view(found->second.data(), found->second.size());
  }
  absl::StatusOr<Caller> caller = auth.Authenticate(authorization);
  if (!caller.ok()) return caller.status();
  if (absl::Status s = Authenticator::Authorize(*caller, method); !s.ok()) return s;
  if (context->deadline() < std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("the deadline passed before the call started");
  }
  return caller;
}

grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, std::string_view method,
                                 const absl::Status& why) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  LogCall(method, why, std::chrono::steady_clock::now());
  reactor->Finish(ToGrpc(why));
  return reactor;
}

}  // namespace clientele::server::grpc_internal
