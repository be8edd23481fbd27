// Golden table of bad rulesets: for each, the exact diagnostics the loader
// (rules/loader.cc, with the parser and compiler behind it) reports, at
// their exact file, line and column, and whether loading fails. Some cases
// also pin the hint and the caret length of the first diagnostic, and a
// (for now disabled) test pins the full compiler-style rendering. Columns
// count Unicode code points, so Chinese text before an error counts one
// column per character.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"

namespace clientele::rules {
namespace {

using ::testing::ElementsAreArray;

// One bad ruleset and everything the loader must say about it.
struct Case {
  std::string name;
  std::vector<RuleSource> files;
  // Diagnostic::Headline() of every diagnostic, in the order reported.
  std::vector<std::string> headlines;
  // The hint and caret length of the first diagnostic; unchecked when unset.
  std::string first_hint = "";
  int first_length = 0;
  LoadOptions options = {};
};

// Names the case in failure messages instead of a byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A segmentation file with one rule whose condition is on line 6 and
// starts at column 15.
std::string SegmentationWhen(std::string_view condition) {
  return std::string(R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: )") + std::string(condition) + R"(
        segment: young
    default: other
)";
}

// Two dimensions; the rule of the second, `value`, has its condition on
// line 12 starting at column 15. `life_stage` has segments young, other.
std::string TwoDimensionsWhen(std::string_view condition) {
  return std::string(R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < 40
        segment: young
    default: other
  - id: value
    rules:
      - id: young_value
        when: )") + std::string(condition) + R"(
        segment: promising
    default: regular
)";
}

constexpr char kParameters[] = R"(kind: parameters
parameters:
  young_age_limit: 40
)";

constexpr char kLoyaltyDecimalPoints[] = R"(kind: loyalty
earning:
  rules:
    - id: big_purchase
      when: purchase.amount >= 500
      points: 2.5
  default:
    id: small_purchase
    points: 20
)";

std::string Nested(int depth, std::string_view inner) {
  return std::string(depth, '(') + std::string(inner) + std::string(depth, ')');
}

std::vector<Case> YamlAndStructureCases() {
  return {
      {"YamlBadIndentation",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < 40
      segment: young
    default: other
)"}},
       {"segments.yaml:7:7: error: this is not valid YAML: end of map not found"}},
      {.name = "YamlTabIndentation",
       .files = {{"segments.yaml", "kind: segmentation\ndimensions:\n\t- id: life_stage\n"}},
       .headlines = {"segments.yaml:3:2: error: this is not valid YAML: illegal block entry"},
       .first_hint = "YAML indentation must use spaces, not tabs"},
      {.name = "YamlWhenStartsWithQuote",
       .files = {{"offers.yaml", R"(kind: offers
offers:
  - id: vip_gift
    when: "VIP" in segment.tier
    offer: gift
)"}},
       .headlines = {"offers.yaml:4:17: error: this is not valid YAML: end of map not found"},
       .first_hint = "a value that starts with a quote must be quoted as a whole: wrap it in "
                     "the other kind of quotes, e.g. when: '\"VIP\" in segment.tags'",
       .first_length = 1},
      {"RootIsAList",
       {{"segments.yaml", "- kind: segmentation\n"}},
       {"segments.yaml:1:1: error: a rule file must be a mapping of keys such as 'kind:'"}},
      {"MissingKind",
       {{"segments.yaml", "description: customer segments\ndimensions: []\n"}},
       {"segments.yaml:1:1: error: the file does not say its 'kind'"}},
      {"UnknownKindDidYouMean",
       {{"segments.yaml", "kind: segmentaton\n"}},
       {"segments.yaml:1:7: error: unknown kind 'segmentaton'; did you mean 'segmentation'?"}},
      {"UnknownTopLevelKey",
       {{"segments.yaml", R"(kind: segmentation
dimension:
  - id: life_stage
)"}},
       {"segments.yaml:2:1: error: unknown key 'dimension' in this segmentation file; "
        "did you mean 'dimensions'?"}},
      {"UnknownRuleKeyWen",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        wen: age < 40
        segment: young
    default: other
)"}},
       {"segments.yaml:5:9: error: a rule of dimension 'life_stage' has no 'when'",
        "segments.yaml:6:9: error: unknown key 'wen' in a segmentation rule; "
        "did you mean 'when'?"}},
      {"DuplicateYamlKey",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < 40
        when: age < 30
        segment: young
    default: other
)"}},
       {"segments.yaml:7:9: error: 'when' is given twice in a segmentation rule"}},
      {"MissingId",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - when: age < 40
        segment: young
    default: other
)"}},
       {"segments.yaml:5:9: error: a rule of dimension 'life_stage' has no 'id'"}},
      {"MissingWhen",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        segment: young
    default: other
)"}},
       {"segments.yaml:5:9: error: a rule of dimension 'life_stage' has no 'when'"}},
      {"EmptyFile", {{"empty.yaml", ""}}, {"empty.yaml:1:1: error: the file is empty"}},
      {"OnlyComments",
       {{"comments.yaml", "# nothing here yet\n# TODO: segments\n"}},
       {"comments.yaml:1:1: error: the file is empty"}},
      {"InvalidUtf8",
       {{"segments.yaml", "kind: segmentation\ndescription: 客户\xff细分\n"}},
       {"segments.yaml:2:16: error: the file is not valid UTF-8 (byte 0xff)"}},
      {.name = "FileOverSizeLimit",
       .files = {{"params.yaml", kParameters}},
       .headlines = {"params.yaml:1:1: error: the file is 51 bytes; the limit is 32 bytes"},
       .options = {.max_file_bytes = 32}},
  };
}

std::vector<Case> ExpressionCases() {
  return {
      {"AssignInsteadOfEquals",
       {{"segments.yaml", SegmentationWhen("age = 40")}},
       {"segments.yaml:6:19: error: '=' is not a comparison"}},
      {.name = "DoubleAmpersand",
       .files = {{"segments.yaml", SegmentationWhen("age < 40 && consumption == \"low\"")}},
       .headlines = {"segments.yaml:6:24: error: '&&' is not an operator here"},
       .first_hint = "write 'and' instead of '&&'",
       .first_length = 2},
      {"BangOperator",
       {{"segments.yaml", SegmentationWhen("age > 1 and !(age < 40)")}},
       {"segments.yaml:6:27: error: '!' is not an operator here"}},
      {.name = "UnquotedChineseText",
       .files = {{"segments.yaml", SegmentationWhen("consumption == 低")}},
       .headlines = {"segments.yaml:6:30: error: text '低' must be in quotes"},
       .first_hint = "write \"低\"",
       .first_length = 1},
      {"ColumnCountsChineseAsOne",
       {{"segments.yaml", SegmentationWhen("consumption == \"低\" and age = 40")}},
       {"segments.yaml:6:42: error: '=' is not a comparison"}},
      {"ChainedComparison",
       {{"segments.yaml", SegmentationWhen("1 < age < 3")}},
       {"segments.yaml:6:23: error: comparisons cannot be chained"}},
      {"OperatorBeforeClosingParenthesis",
       {{"segments.yaml", SegmentationWhen("(age < 40 and) or age > 60")}},
       {"segments.yaml:6:28: error: unexpected ')' where a value was expected"}},
      {"UnclosedParenthesis",
       {{"segments.yaml", SegmentationWhen("(age < 40 or age > 60 points > 5")}},
       {"segments.yaml:6:37: error: unexpected 'points' where ')' was expected"}},
      {"UnclosedListInExpression",
       {{"segments.yaml", SegmentationWhen("consumption in [\"low\", \"mid\" and age < 40")}},
       {"segments.yaml:6:44: error: unexpected 'and' in a list"}},
      {.name = "UnknownFieldDidYouMeanAge",
       .files = {{"segments.yaml", SegmentationWhen("agee < 40 and consumption == \"low\"")}},
       .headlines = {"segments.yaml:6:15: error: unknown field 'agee'; did you mean 'age'?"},
       .first_length = 4},
      {"UnknownParameter",
       {{"params.yaml", kParameters},
        {"segments.yaml", SegmentationWhen("age < params.young_age_limt")}},
       {"segments.yaml:6:28: error: unknown parameter 'young_age_limt'; "
        "did you mean 'young_age_limit'?"}},
      {"UnknownFunction",
       {{"segments.yaml", SegmentationWhen("abss(age - 40) < 5")}},
       {"segments.yaml:6:15: error: unknown function 'abss'; did you mean 'abs'?"}},
      {"UnknownSegmentDimension",
       {{"segments.yaml", TwoDimensionsWhen("segment.life_stag == \"young\"")}},
       {"segments.yaml:12:23: error: unknown segmentation dimension 'life_stag'; "
        "did you mean 'life_stage'?"}},
      {.name = "NotASegmentOfTheDimension",
       .files = {{"segments.yaml", TwoDimensionsWhen("segment.life_stage == \"yong\"")}},
       .headlines = {"segments.yaml:12:37: error: 'yong' is not a segment of dimension "
                     "'life_stage'; did you mean 'young'?"},
       .first_hint = "segments of 'life_stage': young, other",
       .first_length = 6},
      {"ConsumptionNotLowMidHigh",
       {{"segments.yaml", SegmentationWhen("consumption == \"medium\"")}},
       {"segments.yaml:6:30: error: 'medium' is not a consumption level "
        "(accepted: low, mid, high, 低, 中, 高)"}},
      {"NumberComparedWithText",
       {{"segments.yaml", SegmentationWhen("age == \"40\"")}},
       {"segments.yaml:6:15: error: cannot compare a whole number with a text"}},
      {"TextOrderedWithLessThan",
       {{"segments.yaml", SegmentationWhen("name < \"b\"")}},
       {"segments.yaml:6:15: error: a text can only be compared with == or !="}},
      {"AndOnANumber",
       {{"segments.yaml", SegmentationWhen("age and consumption == \"low\"")}},
       {"segments.yaml:6:15: error: 'and' joins conditions; this is a whole number"}},
      {"NotOnANumber",
       {{"segments.yaml", SegmentationWhen("not age")}},
       {"segments.yaml:6:19: error: 'not' needs a condition; this is a whole number"}},
      {"WhenIsArithmetic",
       {{"segments.yaml", SegmentationWhen("age + 1")}},
       {"segments.yaml:6:15: error: 'when' must be a true/false; this is a whole number"}},
      {"DecimalPoints",
       {{"loyalty.yaml", kLoyaltyDecimalPoints}},
       {"loyalty.yaml:6:15: error: 'points' must be a whole number; "
        "this is a decimal number"}},
      {"PurchaseOutsideLoyalty",
       {{"segments.yaml", SegmentationWhen("purchase.amount > 100")}},
       {"segments.yaml:6:15: error: there is no purchase here: purchase is only known "
        "in loyalty earning rules"}},
      {.name = "ExpressionOverLengthLimit",
       .files = {{"segments.yaml", SegmentationWhen("age < 40 and consumption == \"low\"")}},
       .headlines = {"segments.yaml:6:15: error: the expression is 33 bytes long; "
                     "the limit is 16"},
       .options = {.max_expression_bytes = 16}},
      // Long enough to pass the length limit; the depth limit must stop it.
      {.name = "TenThousandNestedParentheses",
       .files = {{"segments.yaml", SegmentationWhen(Nested(10000, "age < 40"))}},
       .headlines = {"segments.yaml:6:47: error: the expression nests deeper than 64 levels"},
       .options = {.max_expression_bytes = 1 << 20}},
  };
}

std::vector<Case> WholeSetCases() {
  return {
      {"ReservedParameterName",
       {{"params.yaml", "kind: parameters\nparameters:\n  age: 40\n"}},
       {"params.yaml:3:3: error: parameter 'age' has the name of a field, function or "
        "keyword"}},
      {.name = "DuplicateRuleIdAcrossFiles",
       .files = {{"segments.yaml", SegmentationWhen("age < 40")},
                 {"offers.yaml", R"(kind: offers
offers:
  - id: young
    when: age < 30
    offer: gift
)"}},
       .headlines = {"offers.yaml:3:9: error: rule id 'young' is used twice"},
       .first_hint = "the first is at segments.yaml:5; every rule needs its own id",
       .first_length = 5},
      {"DuplicateDimensionId",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < 40
        segment: young
    default: other
  - id: life_stage
    rules:
      - id: old
        when: age >= 60
        segment: old
    default: other
)"}},
       {"segments.yaml:9:9: error: dimension 'life_stage' is defined twice"}},
      {.name = "UnreachableFirstMatchRule",
       .files = {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: under_40
        when: age < 40
        segment: young
      - id: under_30
        when: age < 30
        segment: very_young
    default: other
)"}},
       .headlines = {"segments.yaml:9:15: error: rule 'under_30' can never match: the "
                     "earlier rule 'under_40' (line 5) in dimension 'life_stage' matches "
                     "every customer it would"},
       .first_hint = "move 'under_30' above 'under_40', or narrow the condition of "
                     "'under_40'",
       .first_length = 8},
      {"UnreachableEarningRule",
       {{"loyalty.yaml", R"(kind: loyalty
earning:
  rules:
    - id: medium_purchase
      when: purchase.amount >= 300
      points: 50
    - id: big_purchase
      when: purchase.amount >= 500
      points: 100
  default:
    id: small_purchase
    points: 20
)"}},
       {"loyalty.yaml:8:13: error: rule 'big_purchase' can never match: the earlier rule "
        "'medium_purchase' (line 4) in the earning rules matches every customer it would"}},
      {.name = "ThresholdGapIsAWarning",
       .files = {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: age_band
    rules:
      - id: young
        when: age < 30
        segment: 青年
      - id: middle
        when: age >= 30 and age < 40
        segment: 中年
      - id: senior
        when: age >= 45
        segment: 老年
    default: 其他
)"}},
       .headlines = {"segments.yaml:12:15: warning: in dimension 'age_band', no rule covers age 40 to 44, "
        "between rule 'middle' (line 8) and rule 'senior': those customers get the default "
        "segment '其他'"},
       .first_hint = "if that is not meant, make the ranges meet: end one with < N and start "
                     "the next with >= N"},
      {"ThresholdOverlapAndDecimalGapAreWarnings",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: spend
    rules:
      - id: low
        when: average_purchase_amount <= 500
        segment: 低
      - id: mid
        when: average_purchase_amount >= 500 and average_purchase_amount < 2000
        segment: 中
      - id: high
        when: average_purchase_amount > 2000
        segment: 高
    default: 未知
)"}},
       {"segments.yaml:9:15: warning: rule 'mid' overlaps the earlier rule 'low' (line 5) in "
        "dimension 'spend': for average_purchase_amount exactly 500 both match, and 'low' "
        "comes first, so it takes them",
        "segments.yaml:12:15: warning: in dimension 'spend', no rule covers "
        "average_purchase_amount exactly 2000, between rule 'mid' (line 8) and rule 'high': "
        "those customers get the default segment '未知'"}},
      {"ThresholdGapInOneRowOfAGrid",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: grid
    rules:
      - id: young_low
        when: age < 40 and consumption == "low"
        segment: 年轻低
      - id: old_low
        when: age > 40 and consumption == "low"
        segment: 年长低
      - id: young_high
        when: age <= 39 and consumption == "high"
        segment: 年轻高
      - id: old_high
        when: age >= 40 and consumption == "high"
        segment: 年长高
      - id: cascade_a
        when: points < 100
        segment: A
      - id: cascade_b
        when: points < 1000
        segment: B
    default: 其他
)"}},
       // Whole numbers: `age <= 39` and `age >= 40` leave nothing between them;
       // `points < 100` then `points < 1000` is the usual cascade, and those
       // two rules may catch a 40-year-old (the "high" row may not).
       {"segments.yaml:9:15: warning: in dimension 'grid', no rule covers age 40, between "
        "rule 'young_low' (line 5) and rule 'old_low': those customers get the default "
        "segment '其他' (unless another rule of the list matches them)"}},
      {"ThresholdTablesThatMeetAreSilent",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: value
    rules:
      - id: top
        when: points >= 1000
        segment: 高
      - id: middle
        when: points >= 100
        segment: 中
    default: 低
  - id: satisfaction_band
    rules:
      - id: unhappy
        when: satisfaction < 3
        segment: 不满意
      - id: neutral
        when: satisfaction >= 3 and satisfaction <= 4
        segment: 一般
      - id: happy
        when: satisfaction > 4
        segment: 满意
    default: 未评分
)"}},
       {}},
      {"EarningBandGap",
       {{"loyalty.yaml", R"(kind: loyalty
earning:
  rules:
    - id: big_purchase
      when: purchase.amount >= 1000
      points: 100
    - id: medium_purchase
      when: purchase.amount >= 300 and purchase.amount < 800
      points: 50
)"}},
       {"loyalty.yaml:2:1: error: loyalty earning has no default: purchases that match no rule "
        "would earn nothing, silently",
        "loyalty.yaml:5:13: warning: in the earning rules, no rule covers purchase.amount at "
        "least 800 and less than 1000, between rule 'medium_purchase' (line 7) and rule "
        "'big_purchase': those purchases earn nothing"}},
      {"ConditionNeverTrueIsAWarning",
       {{"segments.yaml", SegmentationWhen("age < 30 and age > 40")}},
       {"segments.yaml:6:15: warning: rule 'young' can never match: its condition is "
        "never true"}},
      {"MissingDefaultInFirstMatchDimension",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < 40
        segment: young
)"}},
       {"segments.yaml:3:9: error: dimension 'life_stage' has no default: customers that "
        "match no rule would get no segment"}},
      {"MissingEarningDefault",
       {{"loyalty.yaml", R"(kind: loyalty
earning:
  rules:
    - id: big_purchase
      when: purchase.amount >= 500
      points: 100
)"}},
       {"loyalty.yaml:2:1: error: loyalty earning has no default: purchases that match "
        "no rule would earn nothing, silently"}},
      {"DimensionCycle",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: value
    rules:
      - id: valuable
        when: segment.risk == "safe"
        segment: high
    default: low
  - id: risk
    rules:
      - id: safe
        when: segment.value == "high"
        segment: safe
    default: risky
)"}},
       {"segments.yaml:12:15: error: segmentation dimensions depend on each other in a "
        "cycle: value -> risk -> value"}},
      {"TiersNotIncreasing",
       {{"loyalty.yaml", R"(kind: loyalty
earning:
  rules:
    - id: big_purchase
      when: purchase.amount >= 500
      points: 100
  default:
    id: small_purchase
    points: 20
tiers:
  - name: silver
    min_points: 500
  - name: gold
    min_points: 300
)"}},
       {"loyalty.yaml:14:17: error: tier 'gold' needs 300 points, not more than tier "
        "'silver' before it (500)"}},
      {"SecondLoyaltyFile",
       {{"loyalty_a.yaml", kLoyaltyDecimalPoints},
        {"loyalty_b.yaml", "kind: loyalty\ntiers:\n  - name: silver\n    min_points: 0\n"}},
       {"loyalty_a.yaml:6:15: error: 'points' must be a whole number; "
        "this is a decimal number",
        "loyalty_b.yaml:1:7: error: loyalty rules are already defined in loyalty_a.yaml"}},
      // Errors found in discovery order (segmentation before offers, rule
      // errors before the missing default) are reported by file and line.
      {"AllErrorsOfTwoFilesSorted",
       {{"b_segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: agee < 40
        segment: young
      - id: old
        wen: age >= 60
        segment: old
)"},
        {"a_offers.yaml", R"(kind: offers
offers:
  - id: low_spender_coupon
    when: consumption == 低
    offer: coupon
  - id: vip_gift
    when: segment.life_stage == "young"
    offer: gift
    stacking: exclusiv
)"}},
       {"a_offers.yaml:4:26: error: text '低' must be in quotes",
        "a_offers.yaml:9:15: error: unknown stacking 'exclusiv'; did you mean 'exclusive'?",
        "b_segments.yaml:3:9: error: dimension 'life_stage' has no default: customers that "
        "match no rule would get no segment",
        "b_segments.yaml:6:15: error: unknown field 'agee'; did you mean 'age'?",
        "b_segments.yaml:8:9: error: a rule of dimension 'life_stage' has no 'when'",
        "b_segments.yaml:9:9: error: unknown key 'wen' in a segmentation rule; "
        "did you mean 'when'?"}},
  };
}

// An interactions file with the given satisfaction_range (on line 2,
// starting at column 21).
std::string InteractionsWithRange(std::string_view range) {
  return std::string("kind: interactions\nsatisfaction_range: ") + std::string(range) + R"(
rules:
  - id: good
    when: interaction contains "好评"
    satisfaction_change: 0.1
)";
}

// Mistakes whose position or wording once came out wrong.
std::vector<Case> RegressionCases() {
  return {
      {"EmptyWhenIsReportedAtItsKey",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when:
        segment: young
    default: other
)"}},
       {"segments.yaml:6:9: error: 'when' is empty"}},
      {"ExpressionEndsInsideParenthesis",
       {{"segments.yaml", SegmentationWhen("(age < 40 and consumption == \"low\"")}},
       {"segments.yaml:6:49: error: the expression ends too early: ')' is missing"}},
      {"TrailingOperator",
       {{"segments.yaml", SegmentationWhen("age < 40 and")}},
       {"segments.yaml:6:27: error: the expression ends too early: a value is missing"}},
      {"UnclosedListAtEndOfFile",
       {{"params.yaml", "kind: parameters\nparameters:\n  levels: [low, mid\n"}},
       {"params.yaml:3:11: error: this '[' is never closed"},
       "end the list with ']' on this line, or write one item per line instead"},
      {"ExclamationMarkReadAsYamlTag",
       {{"segments.yaml", SegmentationWhen("!(age < 40)")}},
       {"segments.yaml:6:15: error: YAML read '!(age' as a tag, so the when lost its beginning"},
       "write 'not' instead of '!', e.g. when: not (age < 40)"},
      {"KindSegmentsSuggestsSegmentation",
       {{"segments.yaml", "kind: segments\ndimensions: []\n"}},
       {"segments.yaml:1:7: error: unknown kind 'segments'; did you mean 'segmentation'?"}},
      {"MissingKindGuessesFromKeys",
       {{"offers.yaml", "offers:\n  - id: a\n    when: true\n    offer: x\n"}},
       {"offers.yaml:1:1: error: the file does not say its 'kind'"},
       "add a first line: kind: offers"},
      {"DimensionNameWithoutSegmentPrefix",
       {{"segments.yaml", TwoDimensionsWhen("life_stage == \"young\"")}},
       {"segments.yaml:12:15: error: unknown field 'life_stage'; did you mean "
        "'segment.life_stage'?"}},
      {"PriorityMustBeAWholeNumber",
       {{"offers.yaml", "kind: offers\noffers:\n  - id: a\n    when: true\n    offer: x\n"
                        "    priority: high\n"}},
       {"offers.yaml:6:15: error: 'priority' must be a whole number, not 'high'"}},
      {"SatisfactionRangeUpsideDown",
       {{"interactions.yaml", InteractionsWithRange("{min: 5, max: 1}")}},
       {"interactions.yaml:2:21: error: satisfaction_range: max is below min"}},
      {"SatisfactionInitialOutsideRange",
       {{"interactions.yaml", InteractionsWithRange("{min: 1, max: 5, initial: 7}")}},
       {"interactions.yaml:2:47: error: satisfaction_range: initial must lie between min and "
        "max"}},
      {"CatchAllFirstRuleCountsAsDefault",
       {{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: everyone
    rules:
      - id: all
        when: true
        segment: 全部
      - id: young
        when: age < 30
        segment: 年轻
)"}},
       {"segments.yaml:9:15: error: rule 'young' can never match: the earlier rule 'all' "
        "(line 5) in dimension 'everyone' matches every customer it would"}},
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (auto* group : {&YamlAndStructureCases, &ExpressionCases, &WholeSetCases,
                      &RegressionCases}) {
    for (Case& c : group()) cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<std::string> Headlines(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> headlines;
  for (const Diagnostic& d : diagnostics) headlines.push_back(d.Headline());
  return headlines;
}

bool ExpectsError(const std::vector<std::string>& headlines) {
  for (const std::string& headline : headlines) {
    if (headline.find(": error: ") != std::string::npos) return true;
  }
  return false;
}

class LoaderDiagnosticsTest : public ::testing::TestWithParam<Case> {};

TEST_P(LoaderDiagnosticsTest, ReportsExactlyTheseDiagnostics) {
  const Case& c = GetParam();
  LoadResult result = RuleSet::LoadSources(c.files, c.options);
  EXPECT_THAT(Headlines(result.diagnostics), ElementsAreArray(c.headlines))
      << FormatDiagnostics(result.diagnostics);
  EXPECT_EQ(result.ruleset == nullptr, ExpectsError(c.headlines));
  if (result.diagnostics.empty()) return;
  const Diagnostic& first = result.diagnostics.front();
  if (!c.first_hint.empty()) {
    EXPECT_EQ(first.hint, c.first_hint);
  }
  if (c.first_length != 0) {
    EXPECT_EQ(first.length, c.first_length);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, LoaderDiagnosticsTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(LoaderDiagnosticsTableTest, HasAtLeastThirtyFiveCases) {
  EXPECT_GE(AllCases().size(), 35u);
}

// The first diagnostic of `files`, rendered.
std::string RenderFirst(std::vector<RuleSource> files) {
  LoadResult result = RuleSet::LoadSources(std::move(files));
  if (result.diagnostics.empty()) return "(no diagnostics)";
  return FormatDiagnostic(result.diagnostics.front());
}

// The full compiler-style rendering, laid out as in rules/diagnostic.h: the
// '|' of the caret and source lines in one column, the caret under the
// first character of the error (Chinese characters are two columns wide).
// The caret sits exactly under the error, also after Chinese text.
TEST(FormatDiagnosticTest, CaretUnderlinesTheErrorInTheSourceLine) {
  EXPECT_EQ(RenderFirst({{"segments.yaml",
                          SegmentationWhen("agee < 40 and consumption == \"low\"")}}),
            "segments.yaml:6:15: error: unknown field 'agee'; did you mean 'age'?\n"
            "    6 |         when: agee < 40 and consumption == \"low\"\n"
            "      |               ^~~~\n");
  EXPECT_EQ(RenderFirst({{"segments.yaml", SegmentationWhen("consumption == 低")}}),
            "segments.yaml:6:30: error: text '低' must be in quotes\n"
            "    6 |         when: consumption == 低\n"
            "      |                              ^~\n"
            "      = hint: write \"低\"\n");
  EXPECT_EQ(RenderFirst({{"segments.yaml",
                          TwoDimensionsWhen("segment.life_stage == \"yong\"")}}),
            "segments.yaml:12:37: error: 'yong' is not a segment of dimension "
            "'life_stage'; did you mean 'young'?\n"
            "   12 |         when: segment.life_stage == \"yong\"\n"
            "      |                                     ^~~~~~\n"
            "      = hint: segments of 'life_stage': young, other\n");
  EXPECT_EQ(RenderFirst({{"offers.yaml", R"(kind: offers
offers:
  - id: vip_gift
    when: "VIP" in segment.tier
    offer: gift
)"}}),
            "offers.yaml:4:17: error: this is not valid YAML: end of map not found\n"
            "    4 |     when: \"VIP\" in segment.tier\n"
            "      |                 ^\n"
            "      = hint: a value that starts with a quote must be quoted as a whole: "
            "wrap it in the other kind of quotes, e.g. when: '\"VIP\" in segment.tags'\n");
}

// A narrow range whose middle has more decimals than a rounding would keep
// loads (it once crashed), and unrated customers start in its middle.
TEST(LoaderTest, NarrowSatisfactionRangeLoads) {
  LoadResult result =
      RuleSet::LoadSources({{"interactions.yaml", InteractionsWithRange("{min: 1.0001, max: 1.0002}")}});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  Customer never_rated;
  Interaction good{"好评"};
  Decision decision;
  ASSERT_TRUE(result.ruleset
                  ->Evaluate({&never_rated, nullptr, &good, nullptr, *Date::Parse("2026-01-01")},
                             &decision)
                  .ok());
  EXPECT_EQ(decision.interaction.satisfaction_before.ToString(), "1.0002");  // middle, rounded
  EXPECT_EQ(decision.interaction.satisfaction_after.ToString(), "1.0002");   // clamped
}

// A real 50 MB file on disk is rejected by its size, without being read;
// the other files of the directory are still checked.
TEST(LoadDirectoryTest, RejectsFiftyMegabyteFileBySize) {
  const std::filesystem::path directory =
      std::filesystem::path(::testing::TempDir()) / "loader_diagnostics_test_big";
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  {
    std::ofstream out(directory / "huge.yaml", std::ios::binary);
    const std::string megabyte = std::string(1023, '#') + "\n";
    for (int i = 0; i < 50 * 1024; ++i) out << megabyte;
  }
  std::ofstream(directory / "params.yaml", std::ios::binary) << kParameters;

  LoadResult result = RuleSet::LoadDirectory(directory);

  EXPECT_EQ(result.ruleset, nullptr);
  EXPECT_THAT(Headlines(result.diagnostics),
              ElementsAreArray({(directory / "huge.yaml").string() +
                                ":1:1: error: the file is 52428800 bytes; the limit is "
                                "1048576 bytes"}))
      << FormatDiagnostics(result.diagnostics);
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace clientele::rules
