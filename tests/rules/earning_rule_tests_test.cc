// Rule tests (kind: tests, rules/rule_tests.cc) of a ruleset that earns
// with bonuses and multipliers: cases whose purchases give a date, a
// category and a quantity (also as example rows), the diagnostics for a
// bad purchase.date or quantity, coverage of bonuses and multipliers, and
// the warning for undated cases.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/diagnostic.h"
#include "rules/rule_tests.h"
#include "rules/ruleset.h"

namespace clientele::rules {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// 2026-12-05 is a Saturday, 2026-12-02 a Wednesday, 2026-12-07 a Monday.
constexpr char kLoyalty[] =
    "kind: loyalty\n"
    "earning:\n"
    "  rules:\n"
    "    - id: big\n"
    "      when: purchase.amount >= 500\n"
    "      points: 100\n"
    "  default: {id: per_10_yuan, points: floor(purchase.amount / 10)}\n"
    "  bonuses:\n"
    "    - id: bulk\n"
    "      when: purchase.quantity >= 3\n"
    "      points: purchase.quantity * 10\n"
    "  multipliers:\n"
    "    - id: electronics\n"
    "      when: purchase.category == \"electronics\"\n"
    "      factor: 2\n"
    "    - id: weekend\n"
    "      when: weekday(today()) >= 6\n"
    "      factor: 3\n"
    "  max_points_per_purchase: 500\n"
    "tiers:\n"
    "  - {name: 普通会员, min_points: 0}\n"
    "  - {name: 银卡会员, min_points: 500}\n";

LoadResult Load(const std::string& cases) {
  return RuleSet::LoadSources(
      {{"loyalty.yaml", kLoyalty}, {"tests.yaml", "kind: tests\ncases:\n" + cases}});
}

std::vector<std::string> Headlines(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.Headline());
  return out;
}

TEST(EarningRuleTests, CasesWithDateCategoryAndQuantityPass) {
  LoadResult loaded = Load(
      "  - name: a Saturday's electronics recorded on Monday\n"
      "    today: 2026-12-07\n"
      "    purchase: {amount: 600, date: 2026-12-05, category: electronics, quantity: 4}\n"
      "    expect: {points: 340}\n"  // 100 x 3 + 40
      "  - name: a Monday's purchase recorded on Saturday\n"
      "    today: 2026-12-05\n"
      "    purchase: {amount: 600, date: 2026-11-30, category: books}\n"
      "    expect: {points: 100}\n"
      "  - name: capped\n"
      "    today: 2026-12-05\n"
      "    customer: {points: 450}\n"
      "    purchase: {amount: 600, category: electronics, quantity: 30}\n"
      "    expect: {points: 500, tier: 银卡会员}\n"  // 300 + 300 -> 500
      "  - name: by example\n"
      "    today: 2026-12-07\n"
      "    purchase: {amount: 150}\n"
      "    examples:\n"
      "      - {purchase.category: electronics, expect.points: 30}\n"
      "      - {purchase.date: 2026-12-06, expect.points: 45}\n"
      "      - {purchase.quantity: 3, expect.points: 45}\n"
      "      - {purchase.date: 2026-12-06, purchase.category: electronics, "
      "purchase.quantity: 3, expect.points: 75}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, true);
  EXPECT_EQ(report.passed(), 7);
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_THAT(report.warnings, IsEmpty()) << "every case has its day";
}

TEST(EarningRuleTests, AWrongExpectationFails) {
  LoadResult loaded = Load(
      "  - name: the sum of the factors is not how they combine\n"
      "    today: 2026-12-05\n"
      "    purchase: {amount: 600, category: electronics}\n"
      "    expect: {points: 500}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  ASSERT_EQ(report.cases.size(), 1u);
  EXPECT_FALSE(report.cases[0].passed);
  ASSERT_EQ(report.cases[0].failures.size(), 1u);
  EXPECT_THAT(report.cases[0].failures[0].message, HasSubstr("points: expected 500, got 300"));
}

TEST(EarningRuleTests, ABadDateOrQuantityIsAProblemAtItsPlace) {
  LoadResult loaded = Load(
      "  - name: no such day\n"
      "    today: 2026-12-07\n"
      "    purchase: {amount: 600, date: 2026-02-30}\n"
      "    expect: {points: 100}\n"
      "  - name: not a day at all\n"
      "    purchase: {amount: 600, date: saturday}\n"
      "    expect: {points: 100}\n"
      "  - name: nothing bought\n"
      "    purchase: {amount: 600, quantity: 0}\n"
      "    expect: {points: 100}\n"
      "  - name: half an item\n"
      "    purchase: {amount: 600, quantity: 1.5}\n"
      "    expect: {points: 100}\n"
      "  - name: a typo\n"
      "    purchase: {amount: 600, quantiti: 2}\n"
      "    expect: {points: 100}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.cases, IsEmpty()) << "a malformed case does not run";
  EXPECT_THAT(Headlines(report.problems),
              ElementsAre("tests.yaml:5:35: error: a purchase's date is a day YYYY-MM-DD",
                          "tests.yaml:8:35: error: a purchase's date is a day YYYY-MM-DD",
                          "tests.yaml:11:39: error: a purchase's quantity is a whole number, at "
                          "least 1",
                          "tests.yaml:14:39: error: a purchase's quantity is a whole number, at "
                          "least 1",
                          "tests.yaml:17:29: error: unknown key 'quantiti' in a purchase; did you "
                          "mean 'quantity'?"));
  ASSERT_EQ(report.problems.size(), 5u);
  EXPECT_EQ(report.problems[0].hint, "e.g. date: 2026-11-28");
  EXPECT_EQ(report.problems[2].hint, "e.g. quantity: 3");
}

TEST(EarningRuleTests, ABadDateInAnExampleRowIsAProblemAtTheRow) {
  LoadResult loaded = Load(
      "  - name: rows\n"
      "    today: 2026-12-07\n"
      "    purchase: {amount: 150}\n"
      "    examples:\n"
      "      - {purchase.date: 2026-12-06, expect.points: 45}\n"
      "      - {purchase.date: 2026-12-32, expect.points: 45}\n"
      "      - {purchase.quantity: -2, expect.points: 15}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  ASSERT_EQ(report.cases.size(), 1u);
  EXPECT_TRUE(report.cases[0].passed) << FormatRuleTestReport(report, false);
  std::vector<int> lines;
  for (const Diagnostic& d : report.problems) lines.push_back(d.line);
  EXPECT_THAT(lines, ElementsAre(8, 9)) << FormatRuleTestReport(report, false);
  EXPECT_THAT(Headlines(report.problems),
              ElementsAre(HasSubstr("a purchase's date is a day YYYY-MM-DD"),
                          HasSubstr("a purchase's quantity is a whole number, at least 1")));
}

// Coverage counts a rule as matched when some case's decision names it;
// bonuses and multipliers are rules of the ruleset (RuleSet::Rules), so a
// case that earns by them covers them.
TEST(EarningRuleTests, CoverageCountsBonusesAndMultipliersThatApplied) {
  LoadResult loaded = Load(
      "  - name: everything at once\n"
      "    today: 2026-12-05\n"
      "    purchase: {amount: 600, category: electronics, quantity: 3}\n"
      "    expect: {points: 330}\n"
      "  - name: the default\n"
      "    today: 2026-12-02\n"
      "    purchase: {amount: 100, category: electronics}\n"
      "    expect: {points: 20, tier: 普通会员}\n"
      "  - name: silver\n"
      "    today: 2026-12-02\n"
      "    customer: {points: 600}\n"
      "    expect: {tier: 银卡会员}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, true);
  // big, per_10_yuan, bulk, electronics (matched, though weekend's higher
  // factor applied on the Saturday: it applied on the Wednesday), weekend,
  // and both tiers.
  EXPECT_EQ(report.rules.size(), 7u);
  EXPECT_EQ(report.matched.size(), report.rules.size()) << FormatRuleTestReport(report, true);
  EXPECT_EQ(report.coverage_percent(), 100.0);
}

// Without `today:`, a case that reaches a bonus or multiplier reading the
// day may pass today and fail on another: warned, as for other rules.
TEST(EarningRuleTests, AnUndatedCaseReachingTheWeekendMultiplierIsWarned) {
  LoadResult loaded = Load(
      "  - name: undated\n"
      "    purchase: {amount: 100}\n"
      "    expect: {tier: 普通会员}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0].message,
              HasSubstr("test 'undated' has no 'today:' and reaches loyalty multipliers rule "
                        "'weekend', which depends on the day"));
}

// A case whose purchase has its own day runs the earning rules on that
// day, whatever day the run is: reaching the weekend multiplier does not
// make it depend on the real day.
TEST(EarningRuleTests, ADatedPurchaseDoesNotDependOnTheDayOfTheRun) {
  LoadResult loaded = Load(
      "  - name: dated purchase, undated case\n"
      "    purchase: {amount: 100, date: 2026-12-05}\n"
      "    expect: {points: 30}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  // It passes whatever the day of the run.
  for (const char* day : {"2026-12-02", "2026-12-06", "2027-03-01"}) {
    const RuleTestReport report = RunRuleTests(*loaded.ruleset, {.today = *Date::Parse(day)});
    EXPECT_TRUE(report.ok()) << day << "\n" << FormatRuleTestReport(report, false);
  }
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, false);
  EXPECT_THAT(report.warnings, IsEmpty()) << FormatRuleTestReport(report, false);
}

}  // namespace
}  // namespace clientele::rules
