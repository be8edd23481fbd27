// GoogleTest matchers for absl::Status / StatusOr (Debian's Abseil has none).
#ifndef CLIENTELE_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define CLIENTELE_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace clientele::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status: " << status.ToString();
  return status.ok();
}

// The status has `code` and a message containing `substring`.
MATCHER_P2(StatusIs, code, substring, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status: " << status.ToString();
  return status.code() == code &&
         std::string(status.message()).find(substring) != std::string::npos;
}

// An OK StatusOr whose value `matcher` matches.
MATCHER_P(IsOkAndHolds, matcher, "") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_STATUS_MATCHERS_H_
