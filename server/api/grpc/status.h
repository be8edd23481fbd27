// The one place where absl::Status becomes grpc::Status (and back), and
// what of a failure may be logged. Stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_GRPC_STATUS_H_
#define CLIENTELE_SERVER_API_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace clientele::server::grpc_internal {

// The gRPC status of a failure: its message with control characters
// escaped (line breaks kept: diagnostics take several lines), and in the
// grpc-status-details-bin trailer a google.rpc.Status with an ErrorInfo
// (the reason: status_details.h, else the code's name; the field, if
// any, in its metadata) and, for INVALID_ARGUMENT about a field, a
// BadRequest naming it.
grpc::Status ToGrpc(const absl::Status& status);

// The absl::Status of a gRPC status (the same code and message).
absl::Status FromGrpc(const grpc::Status& status);

// What of a failure's message may be logged. Messages about the request
// may echo what it held (a name, a birthday, a text), which must not reach
// the logs: of those only the field they name is kept ("customer.birthday"
// of "customer.birthday: '1979-13-01' is not a date"). The server's own
// failures (INTERNAL, UNAVAILABLE, refusals, deadlines) hold no request
// data and are logged whole.
std::string LoggableError(const absl::Status& status);

}  // namespace clientele::server::grpc_internal

#endif  // CLIENTELE_SERVER_API_GRPC_STATUS_H_
