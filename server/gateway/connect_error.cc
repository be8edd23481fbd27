#include "server/gateway/connect_error.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "common/strings.h"
#include "google/rpc/status.pb.h"
#include "server/gateway/json_messages.h"

namespace clientele::server::gateway {
namespace {

// The detail as JSON, when its type is one the server knows
// (google.rpc.ErrorInfo, BadRequest); "" otherwise.
std::string DebugJson(const google::protobuf::Any& detail) {
  const std::string_view url = detail.type_url();
  const std::string type_name(url.substr(url.rfind('/') + 1));
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
  if (type == nullptr) return "";
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  if (!detail.UnpackTo(message.get())) return "";
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(*message, &json, options).ok()) return "";
  return json;
}

// The details of grpc-status-details-bin in Connect's shape: a JSON
// array, "[]" when there are none.
std::string DetailsJson(std::string_view status_details) {
  google::rpc::Status status;
  if (status_details.empty() ||
      !status.ParseFromArray(status_details.data(), static_cast<int>(status_details.size()))) {
    return "[]";
  }
  std::string json = "[";
  for (const google::protobuf::Any& detail : status.details()) {
    const std::string_view url = detail.type_url();
    std::string value = absl::Base64Escape(detail.value());
    while (!value.empty() && value.back() == '=') value.pop_back();  // Connect sends it unpadded
    StrAppend(&json, json.size() > 1 ? "," : "",
              "{\"type\":", JsonQuoted(url.substr(url.rfind('/') + 1)),
              ",\"value\":", JsonQuoted(value));
    if (const std::string debug = DebugJson(detail); !debug.empty()) {
      StrAppend(&json, ",\"debug\":", debug);
    }
    json += "}";
  }
  return json + "]";
}

}  // namespace

namespace {

// Each code with Connect's name for it and its HTTP status, in one place.
struct CodeInfo {
  absl::StatusCode code;
  std::string_view name;
  int http_status;
};
constexpr CodeInfo kCodes[] = {
    {absl::StatusCode::kOk, "ok", 200},
    {absl::StatusCode::kCancelled, "canceled", 499},  // Connect's spelling
    {absl::StatusCode::kUnknown, "unknown", 500},
    {absl::StatusCode::kInvalidArgument, "invalid_argument", 400},
    {absl::StatusCode::kDeadlineExceeded, "deadline_exceeded", 504},
    {absl::StatusCode::kNotFound, "not_found", 404},
    {absl::StatusCode::kAlreadyExists, "already_exists", 409},
    {absl::StatusCode::kPermissionDenied, "permission_denied", 403},
    {absl::StatusCode::kResourceExhausted, "resource_exhausted", 429},
    {absl::StatusCode::kFailedPrecondition, "failed_precondition", 400},
    {absl::StatusCode::kAborted, "aborted", 409},
    {absl::StatusCode::kOutOfRange, "out_of_range", 400},
    {absl::StatusCode::kUnimplemented, "unimplemented", 501},
    {absl::StatusCode::kInternal, "internal", 500},
    {absl::StatusCode::kUnavailable, "unavailable", 503},
    {absl::StatusCode::kDataLoss, "data_loss", 500},
    {absl::StatusCode::kUnauthenticated, "unauthenticated", 401},
};

// The entry of `code`; a code gRPC does not define is "unknown", 500.
const CodeInfo& InfoOf(absl::StatusCode code) {
  for (const CodeInfo& info : kCodes) {
    if (info.code == code) return info;
  }
  return kCodes[2];
}

}  // namespace

int HttpStatusOf(absl::StatusCode code) { return InfoOf(code).http_status; }

std::string_view ConnectCodeName(absl::StatusCode code) { return InfoOf(code).name; }

HttpError ConnectError(absl::StatusCode code, std::string_view message,
                       std::string_view status_details) {
  // Written out in this order, for people reading it: code, message, details.
  HttpError error;
  error.http_status = HttpStatusOf(code);
  error.json =
      StrCat("{\"code\":\"", ConnectCodeName(code), "\",\"message\":", JsonQuoted(message));
  const std::string details = DetailsJson(status_details);
  if (details != "[]") StrAppend(&error.json, ",\"details\":", details);
  error.json += "}";
  return error;
}

HttpError ConnectError(const absl::Status& status) {
  return ConnectError(status.code(), View(status.message()));
}

}  // namespace clientele::server::gateway
