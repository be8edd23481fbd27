// The compiled program's building blocks: the text search that `contains`
// uses (16 positions at a time, screened by the needle's first and last
// bytes, then a byte loop for short texts) must agree with
// std::string_view::find everywhere.
#include <cstring>
#include <memory>
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

// Every position of the needle in every text length up to past four
// 16-byte blocks, so that each block boundary, the overlapping final block
// and the byte loop are all hit; the text is in its own allocation sized
// exactly, so that a read past its end shows under AddressSanitizer.
TEST(ContainsTextTest, FindsTheNeedleAtEveryPosition) {
  const std::string needle = "售后服务";
  for (size_t length = needle.size(); length <= 80; ++length) {
    for (size_t at = 0; at + needle.size() <= length; ++at) {
      std::unique_ptr<char[]> text(new char[length]);
      std::memset(text.get(), 'x', length);
      std::memcpy(text.get() + at, needle.data(), needle.size());
      std::string_view view(text.get(), length);
      ASSERT_TRUE(ContainsText(view, needle)) << length << " " << at;
      text[at + needle.size() - 1] = 'y';  // same first byte, wrong last
      ASSERT_FALSE(ContainsText(view, needle)) << length << " " << at;
    }
  }
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
