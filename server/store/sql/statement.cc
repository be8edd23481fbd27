#include "server/store/sql/statement.h"

#include "common/strings.h"

namespace clientele::server::sql {

absl::Status FromError(const Error& e, std::string_view doing) {
  // What a held write was to find, whatever the call that sent it did.
  if (e.kind() == ErrorKind::kNotFound) return absl::NotFoundError(e.what());
  std::string message = StrCat("database error while ", doing, ": ", e.what());
  switch (e.kind()) {
    case ErrorKind::kUnavailable:
    case ErrorKind::kConflict:
      return absl::UnavailableError(message);
    case ErrorKind::kFull:
      return absl::ResourceExhaustedError(message);
    case ErrorKind::kDuplicate:
    case ErrorKind::kConstraint:
    case ErrorKind::kNotFound:
    case ErrorKind::kOther:
      break;
  }
  return absl::InternalError(message);
}

}  // namespace clientele::server::sql
