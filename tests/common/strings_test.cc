// StrCat / StrAppend (common/strings.h): text, integers and floating point.
#include "common/strings.h"

#include "gtest/gtest.h"

namespace clientele {
namespace {

TEST(StrCatTest, JoinsTextAndIntegers) {
  EXPECT_EQ(StrCat("line ", 12, ": ", std::string("name"), ' ', -3), "line 12: name -3");
}

TEST(StrCatTest, WritesFloatingPointAsTheShortestTextThatReadsBack) {
  // A double once converted to char silently: StrCat(1.0) was "\x01".
  EXPECT_EQ(StrCat(1.0), "1");
  EXPECT_EQ(StrCat(0.25), "0.25");
  EXPECT_EQ(StrCat(0.1), "0.1");
  EXPECT_EQ(StrCat("rate=", 0.05f), "rate=0.05");
  std::string out = "x";
  StrAppend(&out, " ", 2.5);
  EXPECT_EQ(out, "x 2.5");
}

}  // namespace
}  // namespace clientele
