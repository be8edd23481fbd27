// The standard gRPC health check from tests: client::CheckHealth (the
// CLI's own) with a 10 s deadline.
#ifndef CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_
#define CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_

#include <chrono>
#include <memory>

#include "client/connection.h"

namespace clientele::testing {

inline constexpr int kHealthServing = client::kHealthServing;
inline constexpr int kHealthNotServing = client::kHealthNotServing;

// The serving status the server reports, or -1 when the call fails.
inline int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  return client::CheckHealth(channel, std::chrono::seconds(10));
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_
