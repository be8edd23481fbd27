// The compiled program's building blocks: the text search that `contains`
// uses (a prefix scan for short texts, std::string_view::find for long
// ones) must agree with std::string_view::find everywhere.
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "rules/internal/program.h"

namespace clientele::rules::program_internal {
namespace {

TEST(ContainsTextTest, EdgeCases) {
  EXPECT_TRUE(ContainsText("功能更强大,价格更优惠", "价格更优惠"));
  EXPECT_TRUE(ContainsText("好评", "好评"));
  EXPECT_FALSE(ContainsText("好", "好评"));           // needle longer than the text
  EXPECT_TRUE(ContainsText("abc", ""));               // the empty text is everywhere
  EXPECT_TRUE(ContainsText("abc", "c"));              // one byte
  EXPECT_FALSE(ContainsText("", "a"));
  EXPECT_TRUE(ContainsText("xxab", "ab"));            // at the very end
  EXPECT_FALSE(ContainsText("xxa", "ab"));
  EXPECT_FALSE(ContainsText("差评", "好评"));          // same first byte, different character
  std::string long_text(300, 'x');
  EXPECT_FALSE(ContainsText(long_text, "好评"));
  EXPECT_TRUE(ContainsText(long_text + "好评", "好评"));
}

TEST(ContainsTextTest, AgreesWithFindOnRandomTexts) {
  std::mt19937 random(5);
  const std::string pieces[] = {"好", "评", "差", "价格", "更", "a", "b", ",", "功能更强大"};
  auto text = [&](int max_pieces) {
    std::string out;
    int n = std::uniform_int_distribution<int>(0, max_pieces)(random);
    for (int i = 0; i < n; ++i) out += pieces[random() % std::size(pieces)];
    return out;
  };
  for (int i = 0; i < 20000; ++i) {
    std::string haystack = text(i % 2 == 0 ? 12 : 120);
    std::string needle = text(3);
    ASSERT_EQ(ContainsText(haystack, needle),
              std::string_view(haystack).find(needle) != std::string_view::npos)
        << "'" << needle << "' in '" << haystack << "'";
  }
}

}  // namespace
}  // namespace clientele::rules::program_internal
