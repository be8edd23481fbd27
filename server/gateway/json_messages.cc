#include "server/gateway/json_messages.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <memory>

#include "common/strings.h"

namespace clientele::server::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// A new, empty message of `type`, from the generated code.
std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  const Message* prototype = MessageFactory::generated_factory()->GetPrototype(&type);
  return std::unique_ptr<Message>(prototype->New());
}

}  // namespace

absl::StatusOr<const MethodDescriptor*> FindMethod(std::string_view path) {
  const std::string_view usage =
      "; a method is called as POST /clientele.v1.<Service>/<Method>, as in "
      "proto/clientele/v1/*.proto";
  const size_t slash = path.rfind('/');
  if (path.size() < 2 || path.front() != '/' || slash == 0 || slash == std::string_view::npos) {
    return absl::NotFoundError(StrCat("no such path '", path, "'", usage));
  }
  const std::string service_name(path.substr(1, slash - 1));
  const std::string method_name(path.substr(slash + 1));
  const ServiceDescriptor* service =
      service_name.starts_with(StrCat(kServedPackage, "."))
          ? DescriptorPool::generated_pool()->FindServiceByName(service_name)
          : nullptr;
  if (service == nullptr) {
    return absl::NotFoundError(StrCat("no service '", service_name, "'", usage));
  }
  const MethodDescriptor* method = service->FindMethodByName(method_name);
  if (method == nullptr) {
    return absl::NotFoundError(
        StrCat("the service ", service_name, " has no method '", method_name, "'", usage));
  }
  return method;
}

absl::StatusOr<std::string> SerializedFromJson(const Descriptor& type, std::string_view json) {
  std::unique_ptr<Message> message = NewMessage(type);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a default
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      json.empty() ? "{}" : google::protobuf::StringPiece(json.data(), json.size()), message.get(),
      options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        StrCat("the request is not a ", type.full_name(),
               " in protobuf's JSON mapping: ", std::string(parsed.message())));
  }
  return message->SerializeAsString();
}

absl::StatusOr<std::string> JsonFromSerialized(const Descriptor& type, std::string_view bytes) {
  std::unique_ptr<Message> message = NewMessage(type);
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(StrCat("the server's answer is not a ", type.full_name()));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;     // as the CLI's --json
  options.always_print_primitive_fields = true;  // a zero is shown, not left out
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(*message, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(
        StrCat("cannot print a ", type.full_name(), " as JSON: ", std::string(printed.message())));
  }
  return json;
}

bool IsJsonContentType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json";
}

std::string JsonQuoted(std::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string json;
  // A string Value always prints; protobuf escapes what JSON needs escaped.
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) return "\"\"";
  return json;
}

}  // namespace clientele::server::gateway
