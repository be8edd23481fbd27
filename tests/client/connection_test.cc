#include "client/connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <net/if.h>

#include "absl/strings/str_cat.h"

namespace clientele::client {
namespace {

using ::testing::HasSubstr;

TEST(ChannelTargetTest, OneServerIsLeftToGrpcAsItIs) {
  EXPECT_EQ(ChannelTarget({"app-1.example:50051"}).value(), "app-1.example:50051");
}

TEST(ChannelTargetTest, SeveralLiteralsOfOneFamilyBecomeOneListWithoutRepeats) {
  EXPECT_EQ(ChannelTarget({"127.0.0.1:1", "127.0.0.2:2", "127.0.0.1:1"}).value(),
            "ipv4:127.0.0.1:1,127.0.0.2:2");
  EXPECT_EQ(ChannelTarget({"[::1]:1", "[::1]:2"}).value(), "ipv6:[::1]:1,[::1]:2");
}

TEST(ChannelTargetTest, ALinkLocalAddressKeepsItsInterface) {
  // The loopback interface's index stands in for a real link's: the scope
  // is what is checked, not that the address answers.
  const unsigned loopback = if_nametoindex("lo");
  ASSERT_NE(loopback, 0u);
  EXPECT_EQ(ChannelTarget({"[fe80::1%lo]:50051", "[::1]:50052"}).value(),
            absl::StrCat("ipv6:[fe80::1%25", loopback, "]:50051,[::1]:50052"));
  EXPECT_EQ(ChannelTarget({absl::StrCat("[fe80::2%", loopback, "]:1"), "[::1]:2"}).value(),
            absl::StrCat("ipv6:[fe80::2%25", loopback, "]:1,[::1]:2"));
}

TEST(ChannelTargetTest, ServersWithoutAFamilyInCommonAreRefused) {
  const absl::StatusOr<std::string> target = ChannelTarget({"127.0.0.1:1", "[::1]:2"});
  EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(target.status().message(), HasSubstr("no address family in common"));
}

TEST(ChannelTargetTest, AServerWithoutAPortIsRefused) {
  for (const char* server : {"localhost", "[::1]", "127.0.0.1:"}) {
    const absl::StatusOr<std::string> target = ChannelTarget({"127.0.0.1:1", server});
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument) << server;
    EXPECT_THAT(target.status().message(), HasSubstr("has no port")) << server;
  }
}

}  // namespace
}  // namespace clientele::client
