#include "rules/rule_tests.h"

#include <set>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientele::rules {
namespace {

using ::testing::HasSubstr;

const char* kSegments =
    "kind: segmentation\n"
    "dimensions:\n"
    "  - id: age_band\n"
    "    rules:\n"
    "      - id: young\n"
    "        when: age < limit\n"
    "        segment: 年轻客户\n"
    "      - id: middle\n"
    "        when: age < 60\n"
    "        segment: 中年客户\n"
    "    default: 老年客户\n";
const char* kParameters = "kind: parameters\nparameters:\n  limit: 30\n";
const char* kLoyalty =
    "kind: loyalty\n"
    "earning:\n"
    "  rules:\n"
    "    - id: big\n"
    "      when: purchase.amount >= 500\n"
    "      points: 100\n"
    "  default: {id: small, points: 20}\n"
    "tiers:\n"
    "  - {name: 普通会员, min_points: 0}\n"
    "  - {name: 银卡会员, min_points: 500}\n";

std::shared_ptr<const RuleSet> Load(const std::string& tests) {
  LoadResult loaded = RuleSet::LoadSources({{"parameters.yaml", kParameters},
                                            {"segments.yaml", kSegments},
                                            {"loyalty.yaml", kLoyalty},
                                            {"tests.yaml", "kind: tests\ncases:\n" + tests}});
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

TEST(RuleTestsTest, PassingCasesAndCoverage) {
  auto rules = Load(
      "  - name: young\n"
      "    customer: {age: 25}\n"
      "    expect: {segments: {age_band: 年轻客户}, tier: 普通会员}\n"
      "  - name: big purchase\n"
      "    customer: {points: 450}\n"
      "    purchase: {amount: 600}\n"
      "    expect: {points: 100, tier: 银卡会员}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, true);
  EXPECT_EQ(report.passed(), 2);
  EXPECT_EQ(report.failed(), 0);
  // young, big, 普通会员 and 银卡会员 of: young, middle, big, small, 2 tiers.
  EXPECT_EQ(report.matched.size(), 4u);
  const std::string text = FormatRuleTestReport(report, true);
  EXPECT_THAT(text, HasSubstr("coverage: 4 of 6 rules matched by some case (66.7 %)\n"));
  EXPECT_THAT(text, HasSubstr("  segmentation age_band › middle  (segments.yaml:8)\n"));
  EXPECT_THAT(text, HasSubstr("  loyalty earning › small  (loyalty.yaml:7)\n"));
  EXPECT_THAT(text, HasSubstr("2 passed, 0 failed\n"));
}

std::vector<std::string> Messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> messages;
  for (const Diagnostic& d : diagnostics) messages.push_back(d.message);
  return messages;
}

std::vector<std::string> Places(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> places;
  for (const Diagnostic& d : diagnostics) {
    places.push_back(d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column));
  }
  return places;
}

TEST(RuleTestsTest, AFailingCaseSaysExpectedActualAndTheRuleAtTheExpectation) {
  auto rules = Load(
      "  - name: forty is middle aged\n"
      "    customer: {age: 40}\n"
      "    purchase: {amount: 300}\n"
      "    expect:\n"
      "      segments: {age_band: 年轻客户}\n"
      "      points: 100\n"
      "      tier: ''\n");
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_TRUE(report.problems.empty()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.cases.size(), 1u);
  const RuleTestCaseResult& c = report.cases[0];
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.file, "tests.yaml");
  EXPECT_EQ(c.line, 3);
  EXPECT_THAT(Messages(c.failures),
              ::testing::ElementsAre("segments.age_band: expected 年轻客户, got 中年客户 (rule middle)",
                                     "points: expected 100, got 20 (rule small)",
                                     "tier: expected (none), got 普通会员 (points after: 20)"));
  // Each failure points at the value it checked, not at the case's name.
  EXPECT_THAT(Places(c.failures),
              ::testing::ElementsAre("tests.yaml:7:28", "tests.yaml:8:15", "tests.yaml:9:13"));
  const std::vector<Diagnostic> diagnostics = RuleTestDiagnostics(report);
  ASSERT_EQ(diagnostics.size(), 3u);
  EXPECT_EQ(diagnostics[0].line, 7);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("test 'forty is middle aged' failed: segments."));
  EXPECT_EQ(diagnostics[1].line, 8);
  const std::string text = FormatRuleTestReport(report, false);
  EXPECT_THAT(text, HasSubstr("FAIL tests.yaml:3 forty is middle aged\n"
                              "     tests.yaml:7:28: segments.age_band: "));
  EXPECT_THAT(text, HasSubstr("     tests.yaml:8:15: points: expected 100, got 20 (rule small)\n"
                              "         8 |       points: 100\n"
                              "           |               ^\n"));
}

TEST(RuleTestsTest, AFailingExampleRowPointsAtTheRowsValueOrTheCasesExpectation) {
  auto rules = Load(
      "  - name: bands\n"
      "    purchase: {amount: 300}\n"
      "    expect: {points: 100}\n"
      "    examples:\n"
      "      - {customer.age: 45, expect.segments.age_band: 年轻客户}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_TRUE(report.problems.empty()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.cases.size(), 1u);
  EXPECT_THAT(Places(report.cases[0].failures),
              ::testing::ElementsAre("tests.yaml:7:54", "tests.yaml:5:22"));
}

TEST(RuleTestsTest, UnknownNamesInExpectationsGetDidYouMean) {
  auto rules = Load(
      "  - name: typos\n"
      "    customer: {age: 40}\n"
      "    purchase: {amount: 300}\n"
      "    expect:\n"
      "      segments: {age_band: 中年客戶}\n"
      "      offers: [礼物]\n"
      "      tier: 银卡会\n"
      "      actions: [call]\n"
      "  - name: row typo\n"
      "    examples:\n"
      "      - {customer.age: 45, expect.segments.age_band: 老年客}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  EXPECT_TRUE(report.cases.empty());
  EXPECT_THAT(Places(report.problems),
              ::testing::ElementsAre("tests.yaml:7:28", "tests.yaml:8:16", "tests.yaml:9:13",
                                     "tests.yaml:10:17", "tests.yaml:13:54"));
  EXPECT_THAT(Messages(report.problems),
              ::testing::ElementsAre(
                  "no rule gives the segment '中年客戶' in dimension 'age_band'; did you mean '中年客户'?",
                  "no rule gives the offer '礼物'", "no rule gives the tier '银卡会'; did you mean '银卡会员'?",
                  "no rule gives the action 'call'",
                  "no rule gives the segment '老年客' in dimension 'age_band'; did you mean '老年客户'?"));
}

// A case without `today:` runs on the real day: when it reaches a rule
// whose outcome depends on the day (a validity window, today(),
// days_since()), it may pass on weekdays and fail on a campaign weekend.
TEST(RuleTestsTest, AnUndatedCaseThatReachesADateDependentRuleIsWarned) {
  const char* offers =
      "kind: offers\n"
      "offers:\n"
      "  - {id: weekend, when: age > 0, offer: 周末, valid_from: 2026-01-01, valid_until: 2026-01-02}\n"
      "  - {id: anniversary, when: days_since(joined_at) < 30, offer: 新客}\n"
      "  - {id: always, when: age >= 0, offer: 常, stacking: stackable}\n";
  const std::string tests =
      "kind: tests\ncases:\n"
      "  - name: undated\n"
      "    customer: {age: 30}\n"
      "    expect: {offers: [常]}\n"
      "  - name: dated\n"
      "    today: 2026-03-01\n"
      "    customer: {age: 30}\n"
      "    expect: {offers: [常]}\n";
  LoadResult loaded = RuleSet::LoadSources({{"parameters.yaml", kParameters},
                                            {"segments.yaml", kSegments},
                                            {"offers.yaml", offers},
                                            {"tests.yaml", tests}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_EQ(loaded.ruleset->DateDependentRules(),
            (std::set<std::pair<std::string, std::string>>{{"offers", "weekend"},
                                                           {"offers", "anniversary"}}));
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  ASSERT_EQ(report.cases.size(), 2u);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(Places(report.warnings)[0], "tests.yaml:3:5");
  EXPECT_EQ(report.warnings[0].severity, Severity::kWarning);
  EXPECT_THAT(report.warnings[0].message,
              HasSubstr("test 'undated' has no 'today:' and reaches offers rule 'weekend', which "
                        "depends on the day"));
  EXPECT_THAT(FormatRuleTestReport(report, false), HasSubstr("2 passed, 0 failed, 1 warning\n"));
  // With a day given to the whole run, nothing depends on the real day.
  EXPECT_TRUE(RunRuleTests(*loaded.ruleset, {.today = Date::FromDays(20000)}).warnings.empty());
}

TEST(RuleTestsTest, ExamplesRunOneCasePerRow) {
  auto rules = Load(
      "  - name: bands\n"
      "    examples:\n"
      "      - {customer.age: 25, expect.segments.age_band: 年轻客户}\n"
      "      - {customer.age: 45, expect.segments.age_band: 中年客户}\n"
      "      - {customer.age: 75, expect.segments.age_band: 中年客户}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_EQ(report.cases.size(), 3u);
  EXPECT_TRUE(report.cases[0].passed);
  EXPECT_TRUE(report.cases[1].passed);
  EXPECT_FALSE(report.cases[2].passed);
  EXPECT_EQ(report.cases[2].name, "bands [example 3: customer.age=75, expect.segments.age_band=中年客户]");
  EXPECT_EQ(report.cases[2].line, 7);
}

TEST(RuleTestsTest, ParametersCompileAVariantOfTheRuleset) {
  auto rules = Load(
      "  - name: with a higher limit 35 is young\n"
      "    parameters: {limit: 40}\n"
      "    customer: {age: 35}\n"
      "    expect: {segments: {age_band: 年轻客户}}\n"
      "  - name: with the file's limit 35 is not\n"
      "    customer: {age: 35}\n"
      "    expect: {segments: {age_band: 中年客户}}\n"
      "  - name: an unknown parameter\n"
      "    parameters: {limt: 40}\n"
      "    customer: {age: 35}\n"
      "    expect: {segments: {age_band: 中年客户}}\n"
      "  - name: a quoted value is text, which age cannot be compared with\n"
      "    parameters: {limit: \"40\"}\n"
      "    customer: {age: 35}\n"
      "    expect: {segments: {age_band: 年轻客户}}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_EQ(report.cases.size(), 2u);
  EXPECT_TRUE(report.cases[0].passed) << FormatRuleTestReport(report, false);
  EXPECT_TRUE(report.cases[1].passed);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].line, 11);
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("no parameter 'limt' to set; did you mean 'limit'?"));
  EXPECT_EQ(report.problems[1].line, 15);
  EXPECT_THAT(report.problems[1].message, HasSubstr("with these parameters the ruleset does not load"));
}

TEST(RuleTestsTest, MalformedCasesAreProblemsWithTheirPlace) {
  auto rules = Load(
      "  - name: typo\n"
      "    customer: {agee: 25}\n"
      "    expekt: {}\n"
      "  - name: unknown dimension\n"
      "    customer: {age: 25}\n"
      "    expect: {segments: {age_bnd: 年轻客户}}\n"
      "  - customer: {age: 25}\n"
      "    expect: {tier: 普通会员}\n");
  const RuleTestReport report = RunRuleTests(*rules);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.cases.empty());
  std::vector<std::string> headlines;
  for (const Diagnostic& d : report.problems) headlines.push_back(d.Headline());
  EXPECT_THAT(headlines, ::testing::Contains(HasSubstr(
                             "tests.yaml:4:16: error: unknown customer field 'agee'; did you mean 'age'?")));
  EXPECT_THAT(headlines, ::testing::Contains(HasSubstr(
                             "tests.yaml:5:5: error: unknown key 'expekt' in a test case; did you mean 'expect'?")));
  EXPECT_THAT(headlines, ::testing::Contains(HasSubstr(
                             "tests.yaml:8:25: error: there is no dimension 'age_bnd'; did you mean 'age_band'?")));
  EXPECT_THAT(headlines, ::testing::Contains(HasSubstr("tests.yaml:9:5: error: a test case needs a name")));
}

TEST(RuleTestsTest, ARulesetWithoutTestsPasses) {
  LoadResult loaded = RuleSet::LoadSources({{"segments.yaml", kSegments}, {"parameters.yaml", kParameters}});
  ASSERT_TRUE(loaded.ok());
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.cases.empty());
}

TEST(RuleTestsTest, TheDefaultRulesetsTestsPassAndCoverEveryRule) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleTestReport report = RunRuleTests(*loaded.ruleset, {*Date::Parse("2026-11-24")});
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, true);
  EXPECT_GE(report.passed(), 20);
  EXPECT_EQ(report.matched.size(), report.rules.size()) << FormatRuleTestReport(report, true);
}

}  // namespace
}  // namespace clientele::rules
