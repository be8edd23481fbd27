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

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string_view ConnectCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kCancelled:
      return "canceled";  // Connect's spelling
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kInternal:
      return "internal";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

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
