#include "rules/diff.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace clientele::rules {
namespace {

std::vector<RuleSource> DefaultRuleset() {
  std::vector<RuleSource> files;
  absl::StatusOr<std::vector<std::filesystem::path>> paths =
      RuleSet::RuleFilePaths(CLIENTELE_SOURCE_DIR "/config/rules");
  EXPECT_TRUE(paths.ok());
  for (const auto& path : *paths) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    files.push_back({path.filename().string(), content.str()});
  }
  return files;
}

std::string& FileText(std::vector<RuleSource>& files, const std::string& name) {
  for (RuleSource& f : files) {
    if (f.path == name) return f.content;
  }
  ADD_FAILURE() << "no file " << name;
  static std::string none;
  return none;
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

const RuleChange* Find(const RuleSetDiff& diff, const std::string& rule) {
  for (const RuleChange& c : diff.changes) {
    if (c.rule == rule) return &c;
  }
  return nullptr;
}

TEST(DiffTest, TheSameFilesHaveNoChanges) {
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), DefaultRuleset());
  EXPECT_TRUE(diff.empty());
  EXPECT_EQ(FormatRuleSetDiff(diff), "no rule changed\n");
}

TEST(DiffTest, CommentsAndLayoutAreNotChanges) {
  std::vector<RuleSource> after = DefaultRuleset();
  FileText(after, "loyalty.yaml") += "\n# a comment at the end\n";
  EXPECT_TRUE(DiffRuleSources(DefaultRuleset(), after).empty());
}

TEST(DiffTest, AChangedConditionNamesTheRuleAndBothValues) {
  std::vector<RuleSource> after = DefaultRuleset();
  Replace(FileText(after, "segments.yaml"),
          "when: age < young_age_limit and consumption == \"low\"",
          "when: age < 35 and consumption == \"low\"");
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), after);
  ASSERT_EQ(diff.changes.size(), 1u) << FormatRuleSetDiff(diff);
  const RuleChange& c = diff.changes[0];
  EXPECT_EQ(c.kind, RuleChange::Kind::kChanged);
  EXPECT_EQ(c.rule, "segmentation › dimension life_stage › rule young_low_income");
  EXPECT_EQ(c.file, "segments.yaml");
  ASSERT_EQ(c.details.size(), 1u);
  EXPECT_EQ(c.details[0],
            "when: age < young_age_limit and consumption == \"low\" → age < 35 and consumption == \"low\"");
}

TEST(DiffTest, AParameterChangeIsOneLine) {
  std::vector<RuleSource> after = DefaultRuleset();
  Replace(FileText(after, "parameters.yaml"), "young_age_limit: 40", "young_age_limit: 45");
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), after);
  ASSERT_EQ(diff.changes.size(), 1u) << FormatRuleSetDiff(diff);
  EXPECT_EQ(diff.changes[0].rule, "parameters › young_age_limit");
  EXPECT_EQ(diff.changes[0].details, std::vector<std::string>{"value: 40 → 45"});
}

TEST(DiffTest, AddedAndRemovedRulesAndTiers) {
  std::vector<RuleSource> after = DefaultRuleset();
  Replace(FileText(after, "loyalty.yaml"), "  - name: 钻石会员\n    min_points: 5000\n", "");
  FileText(after, "offers.yaml") +=
      "  - id: vip_gift\n    when: segment.life_stage == \"其他\"\n    offer: 会员礼品\n"
      "    priority: 5\n    stacking: stackable\n";
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), after);
  const RuleChange* added = Find(diff, "offers › offer vip_gift");
  ASSERT_NE(added, nullptr) << FormatRuleSetDiff(diff);
  EXPECT_EQ(added->kind, RuleChange::Kind::kAdded);
  EXPECT_NE(std::find(added->details.begin(), added->details.end(), "offer: 会员礼品"),
            added->details.end());
  EXPECT_EQ(std::find(added->details.begin(), added->details.end(), "id: vip_gift"),
            added->details.end())
      << "the id is in the rule's path already";
  const RuleChange* removed = Find(diff, "loyalty › tier 钻石会员");
  ASSERT_NE(removed, nullptr) << FormatRuleSetDiff(diff);
  EXPECT_EQ(removed->kind, RuleChange::Kind::kRemoved);
  EXPECT_EQ(diff.changes.back().rule, "loyalty › tier 钻石会员") << "removals come last";
  const std::string text = FormatRuleSetDiff(diff);
  EXPECT_NE(text.find("+ offers › offer vip_gift  (offers.yaml)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- loyalty › tier 钻石会员  (loyalty.yaml)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("2 changes: 1 added, 1 removed, 0 changed\n"), std::string::npos) << text;
}

TEST(DiffTest, ReorderingAFirstMatchListIsAChange) {
  std::vector<RuleSource> after = DefaultRuleset();
  std::string& loyalty = FileText(after, "loyalty.yaml");
  const std::string big =
      "    - id: big_purchase\n      when: purchase.amount >= big_purchase_amount\n      points: 100\n";
  const std::string medium =
      "    - id: medium_purchase\n      when: purchase.amount >= medium_purchase_amount\n      points: 50\n";
  Replace(loyalty, big + medium, medium + big);
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), after);
  ASSERT_EQ(diff.changes.size(), 2u) << FormatRuleSetDiff(diff);
  const RuleChange* moved = Find(diff, "loyalty › earning › rule big_purchase");
  ASSERT_NE(moved, nullptr);
  ASSERT_EQ(moved->details.size(), 1u);
  EXPECT_EQ(moved->details[0].rfind("order: now 2nd of the list (was 1st)", 0), 0u)
      << moved->details[0];
}

TEST(DiffTest, QuotingAValueIsAChange) {
  // "40" is text, 40 a number: the loader reads them differently.
  std::vector<RuleSource> after = DefaultRuleset();
  Replace(FileText(after, "parameters.yaml"), "young_age_limit: 40", "young_age_limit: \"40\"");
  const RuleSetDiff diff = DiffRuleSources(DefaultRuleset(), after);
  ASSERT_EQ(diff.changes.size(), 1u) << FormatRuleSetDiff(diff);
  EXPECT_EQ(diff.changes[0].details, std::vector<std::string>{"value: 40 → \"40\""});
}

TEST(DiffTest, ASelfReferencingAliasDoesNotRecurseForever) {
  // x.y is x again, so x › y › y › ... never ends; the walk stops.
  std::vector<RuleSource> files = {{"a.yaml", "kind: offers\nx: &a {y: *a, z: 1}\n"}};
  const RuleSetDiff diff = DiffRuleSources(files, {});
  ASSERT_FALSE(diff.changes.empty());
  EXPECT_EQ(diff.changes[0].rule, "offers › x");
  EXPECT_EQ(diff.changes[0].kind, RuleChange::Kind::kRemoved);
  EXPECT_LT(diff.changes.size(), 40u);
}

TEST(DiffTest, MovingARuleToAnotherFileIsNotAChange) {
  std::vector<RuleSource> before = {
      {"a.yaml", "kind: offers\noffers:\n  - id: x\n    when: age < 30\n    offer: X\n"}};
  std::vector<RuleSource> after = {
      {"b.yaml", "kind: offers\noffers:\n  - id: x\n    when: age < 30\n    offer: X\n"}};
  EXPECT_TRUE(DiffRuleSources(before, after).changes.empty());
}

TEST(DiffTest, FilesThatAreNotYamlAreReported) {
  std::vector<RuleSource> after = {{"bad.yaml", "kind: offers\noffers: [\n"}};
  const RuleSetDiff diff = DiffRuleSources({}, after);
  ASSERT_EQ(diff.problems.size(), 1u);
  EXPECT_EQ(diff.problems[0].file, "bad.yaml");
  EXPECT_EQ(diff.problems[0].line, 2);
  EXPECT_EQ(diff.problems[0].message, "this '[' is never closed");
}

TEST(DiffTest, SyntaxErrorsAreReported) {
  std::vector<RuleSource> after = {{"bad.yaml", "kind: offers\noffers: x: y\n"}};
  const RuleSetDiff diff = DiffRuleSources({}, after);
  ASSERT_EQ(diff.problems.size(), 1u);
  EXPECT_NE(diff.problems[0].message.find("not valid YAML"), std::string::npos);
}

TEST(DiffTest, AnAliasBombIsReportedNotExpanded) {
  std::string bomb = "kind: offers\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    const char previous = static_cast<char>(level - 1);
    bomb += std::string(1, level) + ": &" + std::string(1, level) + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + std::string(1, previous);
    bomb += "]\n";
  }
  const RuleSetDiff diff = DiffRuleSources({}, {{"bomb.yaml", bomb}});
  ASSERT_EQ(diff.problems.size(), 1u);
  EXPECT_NE(diff.problems[0].message.find("expand to more than"), std::string::npos);
}

}  // namespace
}  // namespace clientele::rules
