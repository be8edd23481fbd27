// Text edits for tests that compare a file with what an edit should have
// made of it.
#ifndef CLIENTELE_TESTS_SUPPORT_REPLACED_H_
#define CLIENTELE_TESTS_SUPPORT_REPLACED_H_

#include <string>

#include "gtest/gtest.h"

namespace clientele::testing {

// `text` with its one `from` replaced by `to`; a failure of the test when
// `from` is not in it exactly once (the expectation would mean nothing).
inline std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " twice";
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_REPLACED_H_
