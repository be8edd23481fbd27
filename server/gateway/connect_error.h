// A failed call as the JSON gateway answers it: the Connect protocol's
// unary error shape, {"code", "message", "details"}, with the HTTP status
// of the code (connectrpc.com/docs/protocol, "Error Codes"). Stateless
// and thread-safe.
#ifndef CLIENTELE_SERVER_GATEWAY_CONNECT_ERROR_H_
#define CLIENTELE_SERVER_GATEWAY_CONNECT_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace clientele::server::gateway {

struct HttpError {
  int http_status = 500;
  std::string json;  // {"code": "invalid_argument", "message": ..., "details": [...]}
};

// The HTTP status of a gRPC (or absl, the same numbers) status code:
// INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS and ABORTED 409, CANCELLED 499, RESOURCE_EXHAUSTED 429,
// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, the rest 500.
int HttpStatusOf(absl::StatusCode code);

// The code's name in Connect's spelling: "invalid_argument".
std::string_view ConnectCodeName(absl::StatusCode code);

// The error of a call that failed with `code` and `message`, its JSON
// keys in that order. `status_details` is gRPC's grpc-status-details-bin:
// a serialized google.rpc.Status whose details each become {"type",
// "value" (base64 of the message, unpadded), "debug" (the message as
// JSON, when its type is known)}; "" for none, and then the JSON has no
// "details".
HttpError ConnectError(absl::StatusCode code, std::string_view message,
                       std::string_view status_details = "");

// The same for an error of the gateway's own (a malformed request).
HttpError ConnectError(const absl::Status& status);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONNECT_ERROR_H_
