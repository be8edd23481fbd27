// Tests the plain words of explanations (ConditionCheck::reason and
// as_needed, rules/decision.h): what a marketer reads for each kind of
// comparison, whether it held or kept its rule from matching, with
// parameters shown by name and value, constants written on the left, `not`,
// text searches, lists and segment sets; and the sentence builder of
// rules/internal/check_words.h on its own.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/internal/check_words.h"
#include "rules/ruleset.h"

namespace clientele::rules {
namespace {

using check_words_internal::Abbreviate;
using check_words_internal::DescribeComparison;
using check_words_internal::Operand;
using check_words_internal::Relation;

constexpr char kParameters[] = R"(kind: parameters
parameters:
  frequent: 10
  young_age_limit: 40
  web_channels: [线上, 线上线下]
)";

// A collect dimension evaluates every rule, so that each one is explained.
constexpr char kWords[] = R"(kind: segmentation
dimensions:
  - id: words
    hit_policy: collect
    rules:
      - id: frequent
        when: purchase_frequency > frequent
        segment: 常客
      - id: left_literal
        when: 40 > age
        segment: 年轻
      - id: left_parameter
        when: young_age_limit > age
        segment: 年轻2
      - id: not_young
        when: not (age < young_age_limit)
        segment: 非年轻
      - id: low_spender
        when: consumption == "low"
        segment: 低消费
      - id: not_offline
        when: channel != "offline"
        segment: 非线下
      - id: web
        when: channel in web_channels
        segment: 线上用户
      - id: exact_age
        when: age == 30
        segment: 三十岁
      - id: recent
        when: days_since(last_purchase_at) <= 30
        segment: 近期
      - id: at_least
        when: points >= 1000
        segment: 积分多
      - id: either
        when: age < 20 or points >= 100
        segment: 其一
      - id: not_both
        when: not (age < 40 and consumption == "low")
        segment: 非年轻低
      - id: literal_text
        when: '"男性顾客" contains gender'
        segment: 男
  - id: tags
    hit_policy: collect
    rules:
      - id: vip
        when: points >= 100
        segment: VIP
      - id: old_customer
        when: age >= 60
        segment: 老客户
  - id: focus
    rules:
      - id: vip_focus
        when: '"VIP" in segment.tags'
        segment: 重点
      - id: not_old
        when: '"老客户" not in segment.tags'
        segment: 新客户关注
    default: 常规
)";

constexpr char kImprovements[] = R"(kind: improvements
actions:
  - id: price
    when: feedback contains "价格更优惠"
    action: 降价
  - id: any_service
    when: feedback contains any ["售后", "客服"]
    action: 改进售后
  - id: all_words
    when: feedback contains all ["太贵", "优惠"]
    action: 再降价
)";

class ExplanationWordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadResult loaded = RuleSet::LoadSources({{"parameters.yaml", kParameters},
                                             {"segments.yaml", kWords},
                                             {"improvements.yaml", kImprovements}});
    ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
    ruleset_ = loaded.ruleset;
  }

  // The explanation of `rule_id` for the customer (and feedback, if any).
  RuleExplanation Explain(const Customer& customer, std::string_view rule_id,
                          const Feedback* feedback = nullptr) {
    absl::StatusOr<Date> today = Date::Parse("2026-11-24");
    EvalInput input{&customer, nullptr, nullptr, feedback, *today};
    Decision decision;
    Explanation why;
    EXPECT_TRUE(ruleset_->Evaluate(input, &decision, &why).ok());
    for (const RuleExplanation& rule : why.rules) {
      if (rule.rule_id == rule_id) return rule;
    }
    ADD_FAILURE() << "rule " << rule_id << " not explained";
    return {};
  }

  // The reasons of the rule's checks, each prefixed with ✓ or ✗ as needed.
  std::vector<std::string> Reasons(const Customer& customer, std::string_view rule_id,
                                   const Feedback* feedback = nullptr) {
    std::vector<std::string> reasons;
    for (const ConditionCheck& check : Explain(customer, rule_id, feedback).checks) {
      reasons.push_back((check.as_needed ? "✓ " : "✗ ") + check.reason);
    }
    return reasons;
  }

  std::shared_ptr<const RuleSet> ruleset_;
};

Customer Aged(int64_t age) {
  Customer c;
  c.age = age;
  return c;
}

TEST_F(ExplanationWordsTest, ThresholdsNameTheParameterAndItsValue) {
  Customer c;
  c.purchase_frequency = 7;
  EXPECT_THAT(Reasons(c, "frequent"),
              ::testing::ElementsAre("✗ purchase_frequency is 7, needs more than frequent (10)"));
  c.purchase_frequency = 12;
  EXPECT_THAT(Reasons(c, "frequent"),
              ::testing::ElementsAre("✓ purchase_frequency is 12, more than frequent (10)"));
  c.points = 999;
  EXPECT_THAT(Reasons(c, "at_least"),
              ::testing::ElementsAre("✗ points is 999, needs at least 1000"));
  c.points = 1000;
  EXPECT_THAT(Reasons(c, "at_least"), ::testing::ElementsAre("✓ points is 1000, at least 1000"));
}

TEST_F(ExplanationWordsTest, TheFieldComesFirstWhenTheConstantIsWrittenFirst) {
  EXPECT_THAT(Reasons(Aged(25), "left_literal"),
              ::testing::ElementsAre("✓ age is 25, less than 40"));
  EXPECT_THAT(Reasons(Aged(45), "left_literal"),
              ::testing::ElementsAre("✗ age is 45, needs less than 40"));
  EXPECT_THAT(Reasons(Aged(45), "left_parameter"),
              ::testing::ElementsAre("✗ age is 45, needs less than young_age_limit (40)"));
}

TEST_F(ExplanationWordsTest, UnderNotTheRuleNeedsTheComparisonToFail) {
  RuleExplanation young = Explain(Aged(25), "not_young");
  ASSERT_EQ(young.checks.size(), 1u);
  EXPECT_TRUE(young.checks[0].result);
  EXPECT_FALSE(young.checks[0].as_needed);
  EXPECT_EQ(young.checks[0].reason, "age is 25, needs at least young_age_limit (40)");
  EXPECT_THAT(Reasons(Aged(50), "not_young"),
              ::testing::ElementsAre("✓ age is 50, at least young_age_limit (40)"));
}

// In `a or b`, a false `a` is no failure once `b` holds; in `not (a and
// b)`, a true `a` is none once `b` is false. Those parts read as facts.
TEST_F(ExplanationWordsTest, PartsOfAnAndOrThatCameOutFineAreNotFailures) {
  Customer c = Aged(30);
  c.points = 200;
  EXPECT_THAT(Reasons(c, "either"),
              ::testing::ElementsAre("✓ age is 30, at least 20", "✓ points is 200, at least 100"));
  c.points = 50;
  EXPECT_THAT(Reasons(c, "either"), ::testing::ElementsAre("✗ age is 30, needs less than 20",
                                                           "✗ points is 50, needs at least 100"));
  c.consumption = Consumption::kMid;
  RuleExplanation fine = Explain(c, "not_both");
  EXPECT_TRUE(fine.matched);
  EXPECT_THAT(Reasons(c, "not_both"),
              ::testing::ElementsAre("✓ age is 30, less than 40", "✓ consumption is \"mid\", not \"low\""));
  c.consumption = Consumption::kLow;
  EXPECT_FALSE(Explain(c, "not_both").matched);
  EXPECT_THAT(Reasons(c, "not_both"),
              ::testing::ElementsAre("✗ age is 30, needs at least 40",
                                     "✗ consumption is \"low\", needs anything but \"low\""));
}

TEST_F(ExplanationWordsTest, ALiteralOnTheLeftOfATextSearchStaysThere) {
  Customer c;
  c.gender = "男";
  EXPECT_THAT(Reasons(c, "literal_text"),
              ::testing::ElementsAre("✓ \"男性顾客\" contains gender (\"男\")"));
  c.gender = "女";
  EXPECT_THAT(Reasons(c, "literal_text"),
              ::testing::ElementsAre("✗ \"男性顾客\" needs to contain gender (\"女\")"));
}

TEST_F(ExplanationWordsTest, TextEqualityAndLists) {
  Customer c;
  c.consumption = Consumption::kMid;
  EXPECT_THAT(Reasons(c, "low_spender"),
              ::testing::ElementsAre("✗ consumption is \"mid\", needs \"low\""));
  c.consumption = Consumption::kLow;
  EXPECT_THAT(Reasons(c, "low_spender"), ::testing::ElementsAre("✓ consumption is \"low\""));

  c.channel = Channel::kOffline;
  EXPECT_THAT(Reasons(c, "not_offline"),
              ::testing::ElementsAre("✗ channel is \"offline\", needs anything but \"offline\""));
  c.channel = Channel::kOnline;
  EXPECT_THAT(Reasons(c, "not_offline"),
              ::testing::ElementsAre("✓ channel is \"online\", not \"offline\""));

  std::vector<std::string> web = Reasons(c, "web");
  ASSERT_EQ(web.size(), 1u);
  EXPECT_THAT(web[0], ::testing::StartsWith("✓ channel is \"online\", one of web_channels ("));
  c.channel = Channel::kOffline;
  web = Reasons(c, "web");
  ASSERT_EQ(web.size(), 1u);
  EXPECT_THAT(web[0], ::testing::StartsWith("✗ channel is \"offline\", needs one of web_channels ("));

  EXPECT_THAT(Reasons(Aged(31), "exact_age"),
              ::testing::ElementsAre("✗ age is 31, needs exactly 30"));
  EXPECT_THAT(Reasons(Aged(30), "exact_age"), ::testing::ElementsAre("✓ age is 30"));
}

TEST_F(ExplanationWordsTest, ComputedValuesAreShownByTheirExpression) {
  Customer c;
  c.last_purchase_at = *Date::Parse("2026-10-01");
  EXPECT_THAT(Reasons(c, "recent"),
              ::testing::ElementsAre("✗ days_since(last_purchase_at) is 54, needs at most 30"));
}

TEST_F(ExplanationWordsTest, SegmentSetsSayWhatTheyInclude) {
  Customer c;
  c.points = 500;
  EXPECT_THAT(Reasons(c, "vip_focus"),
              ::testing::ElementsAre("✓ segment.tags is [VIP], includes \"VIP\""));
  c.points = 0;
  EXPECT_THAT(Reasons(c, "vip_focus"),
              ::testing::ElementsAre("✗ segment.tags is [], needs to include \"VIP\""));
  EXPECT_THAT(Reasons(c, "not_old"),
              ::testing::ElementsAre("✓ segment.tags is [], does not include \"老客户\""));
  c.age = 65;
  EXPECT_THAT(Reasons(c, "not_old"),
              ::testing::ElementsAre("✗ segment.tags is [老客户], must not include \"老客户\""));
}

TEST_F(ExplanationWordsTest, TextSearchesShowTheTextShortened) {
  Customer c;
  Feedback short_text{"产品A", "希望价格更优惠", FeedbackSource::kUnknown};
  EXPECT_THAT(Reasons(c, "price", &short_text),
              ::testing::ElementsAre(
                  "✓ feedback is \"希望价格更优惠\", contains \"价格更优惠\""));
  Feedback long_text{"产品A",
                     "这个产品的功能非常强大，我每天都在使用它来完成工作，但是包装可以更环保一些，"
                     "物流也可以更快",
                     FeedbackSource::kUnknown};
  std::vector<std::string> reasons = Reasons(c, "price", &long_text);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_THAT(reasons[0], ::testing::StartsWith("✗ feedback is \"这个产品的功能非常强大"));
  EXPECT_THAT(reasons[0], ::testing::HasSubstr("…\", needs to contain \"价格更优惠\""));

  EXPECT_THAT(Reasons(c, "any_service", &short_text),
              ::testing::ElementsAre("✗ feedback is \"希望价格更优惠\", needs to contain one of "
                                     "[\"售后\", \"客服\"]"));
  Feedback expensive{"产品A", "太贵了", FeedbackSource::kUnknown};
  EXPECT_THAT(Reasons(c, "all_words", &expensive),
              ::testing::ElementsAre("✗ feedback is \"太贵了\", needs to contain all of "
                                     "[\"太贵\", \"优惠\"]"));
}

TEST(CheckWordsTest, EveryRelationReadsBothWays) {
  const Operand field{"x", "5", false};
  const Operand limit{"3", "3", true};
  struct Case {
    Relation relation;
    bool result;
    bool wanted;
    std::string sentence;
  };
  const std::vector<Case> cases = {
      {Relation::kMore, true, true, "x is 5, more than 3"},
      {Relation::kLess, false, true, "x is 5, needs less than 3"},
      {Relation::kLess, false, false, "x is 5, at least 3"},
      {Relation::kAtMost, false, true, "x is 5, needs at most 3"},
      {Relation::kAtMost, true, false, "x is 5, needs more than 3"},
      {Relation::kEqual, false, true, "x is 5, needs exactly 3"},
      {Relation::kNotEqual, true, true, "x is 5, not 3"},
      {Relation::kNotEqual, false, true, "x is 5, needs anything but 3"},
      {Relation::kNotIn, false, true, "x is 5, needs none of 3"},
      {Relation::kContains, true, false, "x is 5, must not contain 3"},
      {Relation::kContainsAny, false, false, "x is 5, contains none of 3"},
      {Relation::kNotIncludes, false, true, "x is 5, must not include 3"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DescribeComparison(field, c.relation, limit, c.result, c.wanted), c.sentence)
        << static_cast<int>(c.relation) << " " << c.result << " " << c.wanted;
  }
  const Operand named{"limit", "3", false};
  EXPECT_EQ(DescribeComparison(field, Relation::kEqual, named, true, true),
            "x is 5, the same as limit (3)");
}

TEST(CheckWordsTest, AbbreviateKeepsWholeCharactersAndQuotes) {
  EXPECT_EQ(Abbreviate("\"短\""), "\"短\"");
  EXPECT_EQ(Abbreviate("\"一二三四五\"", 3), "\"一二三…\"");
  EXPECT_EQ(Abbreviate("abcdef", 4), "abcd…");
  EXPECT_EQ(Abbreviate("[a, b]", 10), "[a, b]");
}

}  // namespace
}  // namespace clientele::rules
