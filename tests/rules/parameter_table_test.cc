#include "rules/parameter_table.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/replaced.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::IsOkAndHolds;
using ::clientele::testing::Replaced;
using ::clientele::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string SeedParameters() {
  std::ifstream in(CLIENTELE_SOURCE_DIR "/config/rules/parameters.yaml");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const ParameterRow* Row(const ParameterTable& table, const std::string& name) {
  for (const ParameterRow& row : table.rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

constexpr char kForms[] = R"(kind: parameters
parameters:
  # a whole number
  limit: 40   # years
  step: 0.1
  words: ["投诉", "退货"]   # a list
  start: 2026-11-01
  product: "产品B"
  plain_text: 产品B
  on: true
  vip_points:
    value: 5000
    description: 钻石会员 threshold
  inline_long: {value: 7, description: "in brackets"}
  block: |
    several
    lines
  continued: first part
    and the rest
  anchored: &a 5
  tagged: !!str 5
)";

TEST(ParameterTableTest, TheSeedsParametersWithTheirComments) {
  const ParameterTable table = ReadParameterTable({{"parameters.yaml", SeedParameters()}});
  EXPECT_TRUE(table.problems.empty());
  std::vector<std::string> names;
  for (const ParameterRow& row : table.rows) names.push_back(row.name);
  EXPECT_THAT(names, ElementsAre("young_age_limit", "high_value_min_frequency",
                                 "high_value_min_amount", "loyal_min_frequency", "loyal_min_amount",
                                 "young_band_limit", "middle_band_limit", "satisfied_above",
                                 "big_purchase_amount", "medium_purchase_amount", "review_step"));
  const ParameterRow& young = *Row(table, "young_age_limit");
  EXPECT_EQ(young.value, "40");
  EXPECT_EQ(young.file, "parameters.yaml");
  EXPECT_EQ(young.line, 7);
  EXPECT_EQ(young.comment,
            "年龄 × 消费能力 (customer_segmentation): under this age counts as young.");
  EXPECT_TRUE(young.editable);
  // The first of a group carries the comment; the others show it as their heading.
  const ParameterRow& first = *Row(table, "high_value_min_frequency");
  EXPECT_EQ(first.comment,
            "按购买行为分类 (classify_customers): purchases in the stats window and\n"
            "average amount needed for 高价值客户 and 忠诚客户.");
  EXPECT_EQ(first.group_comment, "");
  const ParameterRow& amount = *Row(table, "loyal_min_amount");
  EXPECT_EQ(amount.comment, "");
  EXPECT_EQ(amount.group_comment, first.comment);
  EXPECT_EQ(Row(table, "review_step")->value, "0.1");
}

TEST(ParameterTableTest, EveryFormOfValue) {
  const ParameterTable table = ReadParameterTable({{"p.yaml", kForms}});
  EXPECT_EQ(Row(table, "limit")->value, "40");
  EXPECT_EQ(Row(table, "limit")->comment, "a whole number");  // the lines above come first
  EXPECT_EQ(Row(table, "words")->value, R"(["投诉", "退货"])");
  EXPECT_EQ(Row(table, "words")->comment, "a list");  // none above: the one after
  EXPECT_EQ(Row(table, "start")->value, "2026-11-01");
  EXPECT_EQ(Row(table, "product")->value, "\"产品B\"");
  EXPECT_EQ(Row(table, "plain_text")->value, "产品B");
  EXPECT_EQ(Row(table, "on")->value, "true");
  EXPECT_EQ(Row(table, "vip_points")->value, "5000");
  EXPECT_EQ(Row(table, "vip_points")->description, "钻石会员 threshold");
  EXPECT_EQ(Row(table, "inline_long")->value, "7");
  EXPECT_EQ(Row(table, "inline_long")->description, "in brackets");
  for (const char* name : {"block", "continued", "anchored", "tagged"}) {
    EXPECT_FALSE(Row(table, name)->editable) << name;
    EXPECT_THAT(Row(table, name)->not_editable_reason, HasSubstr("YAML editor")) << name;
  }
}

TEST(ParameterTableTest, OnlyParametersFilesAndTheirProblems) {
  const ParameterTable table =
      ReadParameterTable({{"segments.yaml", "kind: segmentation\nparameters: {x: 1}\n"},
                          {"broken.yaml", "kind: parameters\nparameters:\n  a: [1\n"},
                          {"other-broken.yaml", "kind: offers\noffers: [\n"},
                          {"p.yaml", "kind: parameters\nparameters:\n  a: 1\n"}});
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].file, "p.yaml");
  ASSERT_EQ(table.problems.size(), 1u);
  EXPECT_EQ(table.problems[0].file, "broken.yaml");
}

TEST(ParameterTableTest, AValueEditChangesThatValueAndNothingElse) {
  const std::string seed = SeedParameters();
  EXPECT_THAT(SetParameterValue({"parameters.yaml", seed}, "young_age_limit", "35"),
              IsOkAndHolds(Replaced(seed, "young_age_limit: 40", "young_age_limit: 35")));
  // Blanks around the cell's text do not go in.
  EXPECT_THAT(SetParameterValue({"parameters.yaml", seed}, "review_step", "  0.15 "),
              IsOkAndHolds(Replaced(seed, "review_step: 0.1", "review_step: 0.15")));
  // Writing each value back as it is changes not a byte.
  for (const ParameterRow& row : ReadParameterTable({{"parameters.yaml", seed}}).rows) {
    EXPECT_THAT(SetParameterValue({"parameters.yaml", seed}, row.name, row.value),
                IsOkAndHolds(seed))
        << row.name;
  }
}

TEST(ParameterTableTest, EditsKeepCommentsQuotesAndTheLongForm) {
  const RuleSource forms{"p.yaml", kForms};
  EXPECT_THAT(SetParameterValue(forms, "limit", "35"),
              IsOkAndHolds(Replaced(kForms, "limit: 40   # years", "limit: 35   # years")));
  EXPECT_THAT(SetParameterValue(forms, "words", R"(["投诉", "退货", "差评"])"),
              IsOkAndHolds(Replaced(kForms, R"(words: ["投诉", "退货"]   # a list)",
                                    R"(words: ["投诉", "退货", "差评"]   # a list)")));
  EXPECT_THAT(SetParameterValue(forms, "product", "\"产品C\""),
              IsOkAndHolds(Replaced(kForms, "product: \"产品B\"", "product: \"产品C\"")));
  EXPECT_THAT(SetParameterValue(forms, "vip_points", "6000"),
              IsOkAndHolds(Replaced(kForms, "value: 5000", "value: 6000")));
  EXPECT_THAT(SetParameterValue(forms, "inline_long", "8"),
              IsOkAndHolds(Replaced(kForms, "{value: 7,", "{value: 8,")));
  EXPECT_THAT(SetParameterValue(forms, "start", "2026-11-11"),
              IsOkAndHolds(Replaced(kForms, "start: 2026-11-01", "start: 2026-11-11")));
  // A number may become text: for the loader to judge where it is used.
  EXPECT_THAT(SetParameterValue(forms, "limit", "\"40\""),
              IsOkAndHolds(Replaced(kForms, "limit: 40 ", "limit: \"40\" ")));
}

TEST(ParameterTableTest, ValuesThatAreNotOneValueAreRefusedWithWhatToWrite) {
  const RuleSource forms{"p.yaml", kForms};
  struct Case {
    std::string value;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{{"", "a value is needed"},
                                         {"   ", "a value is needed"},
                                         {"40 # years", "starts a comment"},
                                         {"1\n2", "one line"},
                                         {"a: b", "a key and a value"},
                                         {"- 5", "list item"},
                                         {"[1, 2", "not closed"},
                                         {"\"open", "not closed"},
                                         {"&a 5", "meaning of its own"},
                                         {"*a", "meaning of its own"},
                                         {"!!str 5", "meaning of its own"},
                                         {"|", "meaning of its own"},
                                         {"~", "no value"}}) {
    EXPECT_THAT(SetParameterValue(forms, "limit", c.value),
                StatusIs(absl::StatusCode::kInvalidArgument, c.says))
        << c.value;
  }
  // Plain text may hold commas and brackets in a block...
  EXPECT_THAT(SetParameterValue(forms, "plain_text", "a, b]"),
              IsOkAndHolds(Replaced(kForms, "plain_text: 产品B", "plain_text: a, b]")));
  // ...but inside brackets a comma ends a plain text: it cannot go there unquoted.
  EXPECT_THAT(SetParameterValue(forms, "inline_long", "a, b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "quotes"));
  EXPECT_THAT(SetParameterValue(forms, "inline_long", "\"a, b\""), IsOk());
  EXPECT_THAT(SetParameterValue(forms, "nope", "1"),
              StatusIs(absl::StatusCode::kNotFound, "no parameter 'nope' in p.yaml"));
  EXPECT_THAT(SetParameterValue(forms, "block", "1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "block of lines"));
  EXPECT_THAT(SetParameterValue(forms, "continued", "1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "several lines"));
  EXPECT_THAT(SetParameterValue({"x.yaml", "kind: parameters\nparameters:\n  a: [1\n"}, "a", "2"),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot be read"));
}

TEST(ParameterTableTest, ACommentEditWritesLinesAboveAtTheParametersIndentation) {
  const std::string seed = SeedParameters();
  const RuleSource source{"parameters.yaml", seed};
  // Replacing the lines above.
  EXPECT_THAT(
      SetParameterComment(source, "young_age_limit", "under this age: young\n(2027 plan)"),
      IsOkAndHolds(Replaced(
          seed, "  # 年龄 × 消费能力 (customer_segmentation): under this age counts as young.\n",
          "  # under this age: young\n  # (2027 plan)\n")));
  // Adding some where there were none.
  EXPECT_THAT(SetParameterComment(source, "loyal_min_amount", "元"),
              IsOkAndHolds(Replaced(seed, "  loyal_min_amount: 500\n",
                                    "  # 元\n  loyal_min_amount: 500\n")));
  // Removing them.
  EXPECT_THAT(
      SetParameterComment(source, "review_step", ""),
      IsOkAndHolds(Replaced(seed, "  # 客户关系管理: satisfaction change per review.\n", "")));
  // An edit reads back as written, and the others' comments stay.
  absl::StatusOr<std::string> edited =
      SetParameterComment(source, "loyal_min_amount", "元\n\n两行");
  ASSERT_THAT(edited.status(), IsOk());
  const ParameterTable table = ReadParameterTable({{"parameters.yaml", *edited}});
  EXPECT_EQ(Row(table, "loyal_min_amount")->comment, "元\n\n两行");
  EXPECT_EQ(Row(table, "young_age_limit")->comment,
            Row(ReadParameterTable({source}), "young_age_limit")->comment);
}

TEST(ParameterTableTest, ACommentAfterTheValueIsEditedThere) {
  const std::string text = "kind: parameters\nparameters:\n  a: 1  # old\n  b: 2\n";
  const RuleSource source{"p.yaml", text};
  EXPECT_THAT(SetParameterComment(source, "a", "new"),
              IsOkAndHolds(Replaced(text, "# old", "# new")));
  EXPECT_THAT(SetParameterComment(source, "a", ""),
              IsOkAndHolds(Replaced(text, "a: 1  # old\n", "a: 1\n")));
  // Two lines go above, and the one after the value gives way.
  EXPECT_THAT(SetParameterComment(source, "a", "one\ntwo"),
              IsOkAndHolds(Replaced(text, "  a: 1  # old\n", "  # one\n  # two\n  a: 1\n")));
  EXPECT_THAT(SetParameterComment({"p.yaml", "kind: parameters\nparameters: {a: 1}\n"}, "a", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "inside brackets"));
  EXPECT_THAT(SetParameterComment(source, "a", "x\ry"),
              StatusIs(absl::StatusCode::kInvalidArgument, "carriage return"));
}

TEST(ParameterTableTest, WindowsLineEndsStay) {
  const std::string text = "kind: parameters\r\nparameters:\r\n  # c\r\n  a: 1\r\n  b: x\r\n";
  const RuleSource source{"p.yaml", text};
  const ParameterTable table = ReadParameterTable({source});
  EXPECT_EQ(Row(table, "a")->comment, "c");
  EXPECT_EQ(Row(table, "b")->value, "x");
  EXPECT_THAT(SetParameterValue(source, "b", "y"), IsOkAndHolds(Replaced(text, "b: x", "b: y")));
}

TEST(ParameterTableTest, AListOverSeveralLinesIsEditedInTheFileAndItsCommentIsItsOwn) {
  const std::string text =
      "kind: parameters\nparameters:\n  stores: [88,\n           168]  # flagship\n"
      "  after: 1\ntime_zone: Asia/Shanghai\n";
  const RuleSource source{"p.yaml", text};
  const ParameterTable table = ReadParameterTable({source});
  EXPECT_FALSE(Row(table, "stores")->editable);
  EXPECT_EQ(Row(table, "stores")->comment, "");
  EXPECT_EQ(Row(table, "after")->value, "1");
  EXPECT_THAT(SetParameterValue(source, "stores", "[1]"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "several lines"));
  // The parameter after it is edited as any other, the rest kept.
  EXPECT_THAT(SetParameterComment(source, "after", "x"),
              IsOkAndHolds(Replaced(text, "  after: 1\n", "  # x\n  after: 1\n")));
}

TEST(ParameterTableTest, LinesOfABlockOfTextAreNoCommentOfTheNextParameter) {
  const std::string text =
      "kind: parameters\nparameters:\n  vip_points:\n    value: 5000\n    description: |\n"
      "      钻石会员 threshold\n      #双十一 only\n  loyal_min_amount: 500\n";
  const RuleSource source{"p.yaml", text};
  EXPECT_EQ(Row(ReadParameterTable({source}), "loyal_min_amount")->comment, "");
  EXPECT_THAT(SetParameterComment(source, "loyal_min_amount", "元"),
              IsOkAndHolds(Replaced(text, "  loyal_min_amount", "  # 元\n  loyal_min_amount")));
}

TEST(ParameterTableTest, InsideBracketsACommaMustBeQuotedAndNothingElseChanges) {
  const std::string text = "kind: parameters\nparameters: {a: 1, b: 2}\n";
  const RuleSource source{"p.yaml", text};
  EXPECT_THAT(SetParameterValue(source, "a", "x, c"),
              StatusIs(absl::StatusCode::kInvalidArgument, "inside brackets"));
  EXPECT_THAT(SetParameterValue(source, "a", "x}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "inside brackets"));
  EXPECT_THAT(SetParameterValue(source, "a", "\"x, c\""),
              IsOkAndHolds(Replaced(text, "{a: 1,", "{a: \"x, c\",")));
  // The long form in braces inside a block map keeps the comment lines above.
  const std::string block =
      "kind: parameters\nparameters:\n  # rate\n  r: {value: 1, description: d}\n";
  EXPECT_EQ(Row(ReadParameterTable({{"q.yaml", block}}), "r")->comment, "rate");
  EXPECT_THAT(SetParameterComment({"q.yaml", block}, "r", "new"),
              IsOkAndHolds(Replaced(block, "# rate", "# new")));
}

TEST(ParameterTableTest, CommentLinesFollowTheFilesLineEnds) {
  const std::string text = "kind: parameters\r\nparameters:\r\n  a: 1\r\n";
  EXPECT_THAT(SetParameterComment({"p.yaml", text}, "a", "one\ntwo"),
              IsOkAndHolds(Replaced(text, "  a: 1", "  # one\r\n  # two\r\n  a: 1")));
}

TEST(ParameterReadersTest, TheRulesThatReadEachSeedParameter) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ruleset != nullptr);
  const auto readers = loaded.ruleset->ParameterReaders();
  EXPECT_THAT(readers.at("young_age_limit"),
              ElementsAre("segmentation life_stage young_low_income",
                          "segmentation life_stage young_mid_income",
                          "segmentation life_stage middle_aged_high_income"));
  EXPECT_THAT(readers.at("satisfied_above"),
              ElementsAre("segmentation satisfaction_level satisfied"));
  // Every parameter of the seeds is read by some rule.
  EXPECT_EQ(readers.size(), 11u);
}

}  // namespace
}  // namespace clientele::rules
