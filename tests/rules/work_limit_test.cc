// Tests the work limit of rules/ruleset.h: RuleSet::WorkBound, a ruleset
// that is refused at load when its rules alone exceed
// LoadOptions::max_evaluation_work, and an evaluation refused with
// RESOURCE_EXHAUSTED (before any rule runs, the decision untouched) when
// the texts it would search take it over the limit.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kSegments[] = R"(kind: segmentation
dimensions:
  - id: age_band
    rules:
      - id: young
        when: age < 30
        segment: young
      - id: middle
        when: age < 50
        segment: middle
    default: senior
)";

// `count` keywords, searched for in the interaction text by one rule.
std::string InteractionsWithKeywords(int count) {
  std::string keywords;
  for (int i = 0; i < count; ++i) keywords += (i ? ", \"" : "\"") + std::to_string(i) + "号\"";
  return "kind: interactions\nrules:\n  - id: keywords\n    when: interaction contains any [" +
         keywords + "]\n    satisfaction_change: 0.1\n";
}

constexpr char kLoyalty[] = R"(kind: loyalty
earning:
  rules:
    - id: big
      when: purchase.amount >= 1000
      points: floor(purchase.amount / 10)
  default:
    id: small
    points: 1
tiers:
  - name: bronze
    min_points: 0
  - name: gold
    min_points: 500
)";

LoadResult LoadWithLimit(int keywords, uint64_t limit) {
  return RuleSet::LoadSources({{"segments.yaml", kSegments},
                               {"interactions.yaml", InteractionsWithKeywords(keywords)},
                               {"loyalty.yaml", kLoyalty}},
                              {.max_evaluation_work = limit});
}

std::shared_ptr<const RuleSet> MustLoad(int keywords, uint64_t limit) {
  LoadResult loaded = LoadWithLimit(keywords, limit);
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

EvalInput InputFor(const Customer& customer, const Interaction* interaction,
                   const Purchase* purchase = nullptr) {
  EvalInput input;
  input.customer = &customer;
  input.interaction = interaction;
  input.purchase = purchase;
  input.today = *Date::Parse("2026-12-01");
  return input;
}

TEST(WorkBoundTest, GrowsWithTheTextSearchedAndTheKeywordsSearchedFor) {
  auto few = MustLoad(2, 0);
  auto many = MustLoad(40, 0);
  ASSERT_NE(few, nullptr);
  ASSERT_NE(many, nullptr);
  Customer customer;
  Interaction short_text{"好评"};
  Interaction long_text{std::string(1600, 'x')};  // 100 blocks of 16 bytes
  const uint64_t few_short = few->WorkBound(InputFor(customer, &short_text));
  const uint64_t few_long = few->WorkBound(InputFor(customer, &long_text));
  const uint64_t many_long = many->WorkBound(InputFor(customer, &long_text));
  // Two keywords: the long text costs two scans of 100 blocks more.
  EXPECT_EQ(few_long - few_short, 2 * 100);
  // 38 keywords more: at least 38 more scans of the long text.
  EXPECT_GE(many_long - few_long, 38 * 100);
}

TEST(WorkBoundTest, CountsOnlyTheRuleKindsTheEventsCallFor) {
  auto ruleset = MustLoad(2, 0);
  ASSERT_NE(ruleset, nullptr);
  Customer customer;
  Interaction interaction{"好评"};
  Purchase purchase;
  purchase.amount = Decimal::FromInteger(2000);
  const uint64_t bare = ruleset->WorkBound(InputFor(customer, nullptr));
  const uint64_t with_interaction = ruleset->WorkBound(InputFor(customer, &interaction));
  const uint64_t with_purchase = ruleset->WorkBound(InputFor(customer, nullptr, &purchase));
  EXPECT_GT(bare, 0u);
  EXPECT_GT(with_interaction, bare);
  EXPECT_GT(with_purchase, bare);
  // The summary's figure has every event, with empty texts.
  Interaction empty{""};
  EXPECT_EQ(ruleset->Summarize().work_without_text,
            with_purchase + ruleset->WorkBound(InputFor(customer, &empty)) - bare);
}

TEST(WorkBoundTest, TheLongestCustomerTextsCountWhereRulesSearchThem) {
  auto ruleset = RuleSet::LoadSources({{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: vip_name
    rules:
      - id: vip
        when: lower(name) contains "vip"
        segment: vip
    default: other
)"}});
  ASSERT_TRUE(ruleset.ok()) << FormatDiagnostics(ruleset.diagnostics);
  Customer short_name, long_name;
  short_name.name = "Li";
  long_name.name = std::string(320, 'a');  // 20 blocks
  const uint64_t a = ruleset.ruleset->WorkBound(InputFor(short_name, nullptr));
  const uint64_t b = ruleset.ruleset->WorkBound(InputFor(long_name, nullptr));
  // lower() copies the name once and `contains` scans the copy once.
  EXPECT_EQ(b - a, 2 * 20);
}

TEST(WorkLimitTest, AnEvaluationWhoseTextsTakeItOverTheLimitIsRefusedUntouched) {
  Customer customer;
  customer.age = 25;
  Interaction short_text{"3号 好评"};
  Interaction long_text{std::string(16'000, 'x') + "3号"};
  auto unlimited = MustLoad(40, 0);
  ASSERT_NE(unlimited, nullptr);
  const uint64_t short_bound = unlimited->WorkBound(InputFor(customer, &short_text));
  const uint64_t long_bound = unlimited->WorkBound(InputFor(customer, &long_text));
  ASSERT_LT(short_bound * 10, long_bound);

  auto limited = MustLoad(40, short_bound * 2);
  ASSERT_NE(limited, nullptr);
  EXPECT_EQ(limited->work_limit(), short_bound * 2);
  Decision decision;
  ASSERT_THAT(limited->Evaluate(InputFor(customer, &short_text), &decision), IsOk());
  EXPECT_TRUE(decision.interaction.applied);
  EXPECT_EQ(decision.interaction.rule_id, "keywords");

  // The refusal names the limit and the text to blame, and leaves the
  // previous decision as it was.
  absl::Status refused = limited->Evaluate(InputFor(customer, &long_text), &decision);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted, ""));
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("could take up to " + std::to_string(long_bound) +
                        " work units, over the limit of " + std::to_string(short_bound * 2)));
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("searching the interaction text (16004 bytes) 40 times"));
  EXPECT_TRUE(decision.interaction.applied);
  EXPECT_EQ(decision.interaction.rule_id, "keywords");
  ASSERT_FALSE(decision.segments.empty());
  EXPECT_EQ(decision.segments[0].segment, "young");

  // Without the limit the same evaluation runs.
  EXPECT_THAT(unlimited->Evaluate(InputFor(customer, &long_text), &decision), IsOk());
  // An explanation is refused the same way.
  Explanation explanation;
  EXPECT_THAT(limited->Evaluate(InputFor(customer, &long_text), &decision, &explanation),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
}

TEST(WorkLimitTest, ARulesetWhoseRulesAloneExceedTheLimitDoesNotLoad) {
  auto unlimited = MustLoad(200, 0);
  ASSERT_NE(unlimited, nullptr);
  const uint64_t work = unlimited->Summarize().work_without_text;
  ASSERT_GT(work, 200u);  // 200 keywords, each one scan at least

  LoadResult refused = LoadWithLimit(200, work - 1);
  EXPECT_FALSE(refused.ok());
  ASSERT_EQ(refused.diagnostics.size(), 1u);
  EXPECT_EQ(refused.diagnostics[0].severity, Severity::kError);
  EXPECT_THAT(refused.diagnostics[0].message,
              HasSubstr("can take up to " + std::to_string(work) +
                        " work units before any text is searched; the limit is " +
                        std::to_string(work - 1)));
  EXPECT_THAT(refused.diagnostics[0].hint, HasSubstr("max_evaluation_work"));

  EXPECT_TRUE(LoadWithLimit(200, work).ok());
}

TEST(WorkLimitTest, TheShippedRulesetIsFarBelowTheServersDefaultLimit) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  // With every text at the server's default limits (2000 bytes of text,
  // 200 of names and products), one evaluation stays under 1 % of the
  // default max_evaluation_work of 1,000,000.
  Customer customer;
  customer.id = std::string(64, '1');
  customer.name = customer.occupation = customer.gender = customer.tier = std::string(200, 'n');
  Purchase purchase;
  purchase.product = std::string(200, 'p');
  Interaction interaction{std::string(2000, 't')};
  Feedback feedback;
  feedback.product = std::string(200, 'p');
  feedback.text = std::string(2000, 't');
  EvalInput input = InputFor(customer, &interaction, &purchase);
  input.feedback = &feedback;
  EXPECT_LT(loaded.ruleset->WorkBound(input), 10'000u);
}

}  // namespace
}  // namespace clientele::rules
