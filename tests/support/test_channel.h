// A channel to a test server (tests/support/server_process.h) that sends
// one of its test tokens with every call.
#ifndef CLIENTELE_TESTS_SUPPORT_TEST_CHANNEL_H_
#define CLIENTELE_TESTS_SUPPORT_TEST_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "client/connection.h"
#include "tests/support/server_process.h"

namespace clientele::testing {

// Plain text to `address` with `token` ("" for none). Aborts the test
// binary if the options are refused, which plain text never is.
inline std::shared_ptr<grpc::Channel> TestChannel(const std::string& address,
                                                  const std::string& token = kAdminToken) {
  client::ConnectionOptions options;
  options.server = address;
  options.token = token;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::OpenChannel(options);
  if (!channel.ok()) std::abort();
  return *channel;
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_TEST_CHANNEL_H_
