#include "common/host_port.h"

#include <gtest/gtest.h>

namespace clientele {
namespace {

TEST(HostPortTest, TheHostWithoutPortOrBrackets) {
  EXPECT_EQ(HostOf("127.0.0.1:50051"), "127.0.0.1");
  EXPECT_EQ(HostOf("example.com:8080"), "example.com");
  EXPECT_EQ(HostOf("example.com"), "example.com");
  EXPECT_EQ(HostOf("[::1]:50051"), "::1");
  EXPECT_EQ(HostOf("[::1]"), "::1");
  EXPECT_EQ(HostOf("[fe80::1%eth0]:1"), "fe80::1%eth0");
  EXPECT_EQ(HostOf(""), "");
}

}  // namespace
}  // namespace clientele
