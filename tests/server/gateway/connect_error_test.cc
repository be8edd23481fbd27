#include "server/gateway/connect_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace clientele::server::gateway {
namespace {

using Json = nlohmann::json;

TEST(ConnectErrorTest, EveryCodeHasConnectsNameAndHttpStatus) {
  const std::vector<std::tuple<absl::StatusCode, std::string, int>> table = {
      {absl::StatusCode::kCancelled, "canceled", 499},
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
      {absl::StatusCode::kUnauthenticated, "unauthenticated", 401}};
  for (const auto& [code, name, status] : table) {
    const HttpError error = ConnectError(code, "why");
    EXPECT_EQ(error.http_status, status) << name;
    const Json json = Json::parse(error.json);
    EXPECT_EQ(json["code"], name);
    EXPECT_EQ(json["message"], "why");
    EXPECT_FALSE(json.contains("details"));
  }
}

TEST(ConnectErrorTest, TheMessageIsEscapedAndKeyOrderIsCodeMessageDetails) {
  const HttpError error =
      ConnectError(absl::StatusCode::kInvalidArgument, "a \"quote\", a \\ and\na line 生日礼物");
  EXPECT_EQ(Json::parse(error.json)["message"], "a \"quote\", a \\ and\na line 生日礼物");
  EXPECT_EQ(error.json.find("\n"), std::string::npos);  // one line
  EXPECT_LT(error.json.find("\"code\""), error.json.find("\"message\""));
}

TEST(ConnectErrorTest, DetailsAreDecodedWithTheirTypeValueAndDebugJson) {
  google::rpc::Status status;
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("customer.birthday");
  violation->set_description("not a date");
  status.add_details()->PackFrom(bad_request);
  // A type the server does not know keeps its bytes, without debug.
  google::protobuf::Any unknown;
  unknown.set_type_url("type.googleapis.com/example.Unknown");
  unknown.set_value("\x01\x02");
  *status.add_details() = unknown;

  const HttpError error = ConnectError(absl::StatusCode::kInvalidArgument, "customer.birthday: x",
                                       status.SerializeAsString());
  const Json details = Json::parse(error.json)["details"];
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0]["type"], "google.rpc.BadRequest");
  EXPECT_EQ(details[0]["debug"]["field_violations"][0]["field"], "customer.birthday");
  const std::string value = details[0]["value"];
  EXPECT_EQ(value.find('='), std::string::npos);  // unpadded, as Connect sends it
  EXPECT_EQ(details[1]["type"], "example.Unknown");
  EXPECT_EQ(details[1]["value"], "AQI");
  EXPECT_FALSE(details[1].contains("debug"));
  // Bytes that are not a google.rpc.Status: no details, no failure.
  EXPECT_FALSE(Json::parse(ConnectError(absl::StatusCode::kInternal, "x", "\xff\xff").json)
                   .contains("details"));
}

}  // namespace
}  // namespace clientele::server::gateway
