#include "server/gateway/json_messages.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "clientele/v1/customers.pb.h"
#include "clientele/v1/diagnostics.pb.h"

namespace clientele::server::gateway {
namespace {

using ::testing::HasSubstr;

TEST(JsonMessagesTest, AMethodIsFoundByItsGrpcPathInOurPackageOnly) {
  // Linked in by naming a message of the file.
  ASSERT_NE(v1::GetCustomerRequest::descriptor(), nullptr);
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
      FindMethod("/clientele.v1.Customers/GetCustomer");
  ASSERT_TRUE(method.ok()) << method.status();
  EXPECT_EQ((*method)->input_type(), v1::GetCustomerRequest::descriptor());
  for (const char* path :
       {"/clientele.v1.Customers/Nope", "/clientele.v1.Nope/Get", "/google.protobuf.Nothing/Get",
        "/grpc.health.v1.Health/Check", "clientele.v1.Customers/GetCustomer", "/", ""}) {
    EXPECT_EQ(FindMethod(path).status().code(), absl::StatusCode::kNotFound) << path;
  }
}

TEST(JsonMessagesTest, JsonBecomesTheMessageAndBackAsTheCliPrintsIt) {
  const google::protobuf::Descriptor& type = *v1::GetCustomerRequest::descriptor();
  absl::StatusOr<std::string> bytes = SerializedFromJson(type, R"({"customer_id": "c-1"})");
  ASSERT_TRUE(bytes.ok());
  v1::GetCustomerRequest request;
  ASSERT_TRUE(request.ParseFromString(*bytes));
  EXPECT_EQ(request.customer_id(), "c-1");
  EXPECT_EQ(*SerializedFromJson(type, ""), "");  // the empty request
  // Printed with the .proto's names and zero values.
  EXPECT_EQ(*JsonFromSerialized(type, ""), R"({"customer_id":""})");
  EXPECT_EQ(JsonFromSerialized(type, "\xff").status().code(), absl::StatusCode::kInternal);
}

TEST(JsonMessagesTest, AMalformedRequestNamesTheTypeAndTheField) {
  const google::protobuf::Descriptor& type = *v1::GetCustomerRequest::descriptor();
  absl::StatusOr<std::string> unknown = SerializedFromJson(type, R"({"customer": "c-1"})");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("clientele.v1.GetCustomerRequest"));
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("customer"));
  EXPECT_EQ(SerializedFromJson(type, "{").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      SerializedFromJson(*v1::PingRequest::descriptor(), R"({"payload": "!!"})").status().code(),
      absl::StatusCode::kInvalidArgument);  // not base64
}

TEST(JsonMessagesTest, ContentTypesAndQuotedText) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_EQ(JsonQuoted("a\"b\\c\n"), R"("a\"b\\c\n")");
}

}  // namespace
}  // namespace clientele::server::gateway
