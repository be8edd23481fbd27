// The gateway's view of the API: a gRPC method of clientele.v1 found by
// its HTTP path, and its messages in protobuf's JSON mapping with the
// options the CLI's --json prints with (field names as in the .proto,
// fields at their default printed), so that the docs show one JSON.
// Everything is read from the generated descriptors: a method is on HTTP
// the day it is in the proto. Stateless and thread-safe.
#ifndef CLIENTELE_SERVER_GATEWAY_JSON_MESSAGES_H_
#define CLIENTELE_SERVER_GATEWAY_JSON_MESSAGES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace google::protobuf {
class Descriptor;
class MethodDescriptor;
}  // namespace google::protobuf

namespace clientele::server::gateway {

// The package whose services the gateway serves.
inline constexpr std::string_view kServedPackage = "clientele.v1";

// The method at `path`, "/clientele.v1.<Service>/<Method>" (gRPC's own
// path of the method). NOT_FOUND for any other path, naming what exists.
absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(std::string_view path);

// A message of type `type` from its JSON ("" is the empty message),
// serialized. INVALID_ARGUMENT naming the field for a field the type does
// not have, a value of the wrong type, or JSON that does not parse.
absl::StatusOr<std::string> SerializedFromJson(const google::protobuf::Descriptor& type,
                                               std::string_view json);

// The JSON of a serialized message of type `type`. INTERNAL when the
// bytes are not one (the server's own answer: never expected).
absl::StatusOr<std::string> JsonFromSerialized(const google::protobuf::Descriptor& type,
                                               std::string_view bytes);

// True when a Content-Type header says application/json (in any case,
// with or without parameters such as charset).
bool IsJsonContentType(std::string_view content_type);

// `text` as a JSON string: quoted, with what JSON needs escaped.
std::string JsonQuoted(std::string_view text);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_JSON_MESSAGES_H_
