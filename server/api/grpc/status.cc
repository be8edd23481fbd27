#include "server/api/grpc/status.h"

#include <algorithm>
#include <string_view>

#include "common/status_details.h"
#include "common/strings.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace clientele::server::grpc_internal {

namespace {

// Whether failures with `code` are about the request, so that their
// messages may echo what it held (a name, a birthday, a text). The
// server's own failures (INTERNAL, UNAVAILABLE, refusals, deadlines) hold
// no request data.
bool IsAboutTheRequest(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

// A field path of ours: lower case, digits, '_', '.', '[' and ']'.
bool IsFieldPath(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '[' ||
           c == ']';
  });
}

// The request field a failure is about: the one attached to it
// (status_details.h), else the field path its message starts with
// ("customer.birthday" of "customer.birthday: ... is not a date"), else "".
std::string FieldOfFailure(const absl::Status& status) {
  if (std::string field = FieldOf(status); !field.empty()) return field;
  if (!IsAboutTheRequest(status.code())) return "";
  const std::string_view message = View(status.message());
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || !IsFieldPath(message.substr(0, colon))) return "";
  return std::string(message.substr(0, colon));
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::string message = EscapeControlCharacters(View(status.message()), "\n");
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  google::rpc::ErrorInfo info;
  const std::string reason = ReasonOf(status);
  info.set_reason(reason.empty() ? absl::StatusCodeToString(status.code()) : reason);
  info.set_domain("clientele");
  const std::string field = FieldOfFailure(status);
  if (!field.empty()) (*info.mutable_metadata())["field"] = field;
  details.add_details()->PackFrom(info);
  if (!field.empty() && status.code() == absl::StatusCode::kInvalidArgument) {
    google::rpc::BadRequest bad_request;
    google::rpc::BadRequest::FieldViolation* violation = bad_request.add_field_violations();
    violation->set_field(field);
    const std::string prefix = StrCat(field, ": ");
    violation->set_description(message.rfind(prefix, 0) == 0 ? message.substr(prefix.size())
                                                              : message);
    details.add_details()->PackFrom(bad_request);
  }
  // absl::StatusCode and grpc::StatusCode share their numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& status) {
  // The same numbering, as in ToGrpc.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::string LoggableError(const absl::Status& status) {
  if (!IsAboutTheRequest(status.code())) return std::string(status.message());
  // An attached field may hold a map key the caller chose: logged only
  // when it is a plain path.
  const std::string field = FieldOfFailure(status);
  return IsFieldPath(field) ? StrCat("about ", field, " (details went to the caller only)")
                            : "(details went to the caller only)";
}

}  // namespace clientele::server::grpc_internal
