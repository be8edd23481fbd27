// The static analysis of rule lists (rules/internal/shadowing.h): rules
// that can never match because a field's range excludes them, table-driven
// through the loader so that the exact warning is pinned; and the amount of
// work the analysis does, counted rather than timed, so that a return to
// comparing every rule with every earlier one fails here.
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rules/internal/compiler.h"
#include "rules/internal/parser.h"
#include "rules/internal/shadowing.h"
#include "rules/ruleset.h"

namespace clientele::rules {
namespace {

// ---- rules that a field's range excludes

struct RangeCase {
  std::string condition;
  // The words after "can never match: ", or "" when the rule may match.
  std::string why;
};

void PrintTo(const RangeCase& c, std::ostream* os) { *os << c.condition; }

// The "can never match" messages of rule 'r' in `files`.
std::vector<std::string> NeverMatch(std::vector<RuleSource> files) {
  LoadResult result = RuleSet::LoadSources(std::move(files));
  std::vector<std::string> found;
  for (const Diagnostic& d : result.diagnostics) {
    if (d.message.starts_with("rule 'r' can never match")) found.push_back(d.message);
  }
  return found;
}

std::vector<std::string> Expected(const std::string& why) {
  if (why.empty()) return {};
  return {"rule 'r' can never match: " + why};
}

std::string Segmentation(const std::string& policy, const std::string& condition) {
  return "kind: segmentation\ndimensions:\n  - id: d\n    hit_policy: " + policy +
         "\n    rules:\n      - id: r\n        when: '" + condition +
         "'\n        segment: s\n    default: other\n";
}

constexpr char kParameters[] = R"(kind: parameters
parameters:
  minus_one: -1
  adult: 18
)";

class FieldRangeTest : public ::testing::TestWithParam<RangeCase> {};

TEST_P(FieldRangeTest, FirstMatchDimension) {
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("first", GetParam().condition)},
                        {"parameters.yaml", kParameters}}),
            Expected(GetParam().why));
}

TEST_P(FieldRangeTest, CollectDimension) {
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("collect", GetParam().condition)},
                        {"parameters.yaml", kParameters}}),
            Expected(GetParam().why));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, FieldRangeTest,
    ::testing::ValuesIn(std::vector<RangeCase>{
        // age: 0..150 whole years
        {"age < 0", "age is never below 0"},
        {"age <= 0", ""},  // age 0
        {"age < 1", ""},
        {"age <= -1", "age is never below 0"},
        {"age < 0.5", ""},  // age 0
        {"age == -3", "age is never below 0"},
        {"0 > age", "age is never below 0"},
        {"-1 >= age", "age is never below 0"},
        {"age > 150", "age is never above 150"},
        {"age >= 150", ""},
        {"age > 149.5", ""},  // age 150
        {"age >= 151", "age is never above 150"},
        {"age == 200", "age is never above 150"},
        {"age >= 18 and age < 0", "age is never below 0"},
        {"age > 40 and age < 30", "its condition is never true"},  // contradiction, in range
        // satisfaction: 1..5, 0 when never rated
        {"satisfaction > 5", "satisfaction is never above 5"},
        {"satisfaction >= 5", ""},
        {"satisfaction > 4.99", ""},
        {"satisfaction < 1", ""},  // never rated: 0
        {"satisfaction <= 0", ""},
        {"satisfaction < 0", "satisfaction is never below 0"},
        // counts and amounts: never negative
        {"purchase_frequency < 0", "purchase_frequency is never below 0"},
        {"purchase_frequency <= 0", ""},
        {"interaction_count < 0", "interaction_count is never below 0"},
        {"interaction_count >= 0", ""},
        {"average_purchase_amount < 0", "average_purchase_amount is never below 0"},
        {"average_purchase_amount < 0.01", ""},
        {"total_spent < 0", "total_spent is never below 0"},
        // points: returns take points back without a floor, so no bound
        {"points < 0", ""},
        {"points < -1000", ""},
        // parameters are thresholds like any number
        {"age <= minus_one", "age is never below 0"},
        {"purchase_frequency > minus_one", ""},
        {"age >= adult", ""},
        // with other atoms
        {"consumption == \"low\" and age > 150", "age is never above 150"},
        {"age < 0 and days_since(birthday) > 3", "age is never below 0"},
        // `not` and `or` are left alone
        {"not (age < 0)", ""},
        {"age < 0 or age > 20", ""},
        {"age < 0 or age > 200", ""},  // never true, but not shown: left alone
        {"days_since(birthday) < 0", ""},
    }));

// satisfaction_range widens what satisfaction can be: interactions keep it
// within that range, not within 1..5.
TEST(FieldRangeTest, SatisfactionRangeOfTheInteractions) {
  auto interactions = [](const std::string& range) {
    return "kind: interactions\nsatisfaction_range: " + range +
           "\nhit_policy: first\nrules:\n  - id: up\n    when: interaction contains \"好评\"\n"
           "    satisfaction_change: 0.1\n";
  };
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("first", "satisfaction > 5")},
                        {"interactions.yaml", interactions("{min: 1, max: 10}")}}),
            Expected(""));
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("first", "satisfaction > 10")},
                        {"interactions.yaml", interactions("{min: 1, max: 10}")}}),
            Expected("satisfaction is never above 10"));
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("first", "satisfaction < -1")},
                        {"interactions.yaml", interactions("{min: -2, max: 5}")}}),
            Expected(""));
  EXPECT_EQ(NeverMatch({{"segments.yaml", Segmentation("first", "satisfaction > 5")},
                        {"interactions.yaml", interactions("{min: 1, max: 5}")}}),
            Expected("satisfaction is never above 5"));
}

// The earning rules' purchase.amount is more than 0 (RecordPurchase
// refuses the rest); the interaction rules see the customer's fields.
TEST(FieldRangeTest, EarningAndInteractionRules) {
  auto earning = [](const std::string& condition) {
    return "kind: loyalty\nearning:\n  rules:\n    - id: r\n      when: '" + condition +
           "'\n      points: 10\n  default: {id: small, points: 1}\n";
  };
  EXPECT_EQ(NeverMatch({{"loyalty.yaml", earning("purchase.amount <= 0")}}),
            Expected("purchase.amount is always more than 0"));
  EXPECT_EQ(NeverMatch({{"loyalty.yaml", earning("purchase.amount < 0")}}),
            Expected("purchase.amount is always more than 0"));
  EXPECT_EQ(NeverMatch({{"loyalty.yaml", earning("purchase.amount < 0.01")}}), Expected(""));
  EXPECT_EQ(NeverMatch({{"loyalty.yaml", earning("age > 150 and purchase.amount > 10")}}),
            Expected("age is never above 150"));
  const std::string interactions =
      "kind: interactions\nhit_policy: first\nrules:\n  - id: r\n"
      "    when: 'interaction contains \"好评\" and satisfaction > 5'\n"
      "    satisfaction_change: 0.1\n";
  EXPECT_EQ(NeverMatch({{"interactions.yaml", interactions}}),
            Expected("satisfaction is never above 5"));
}

// Offers and improvement actions are not first-match lists, but a
// condition that can never be true is reported there too.
TEST(FieldRangeTest, OffersAndImprovementActions) {
  EXPECT_EQ(NeverMatch({{"offers.yaml",
                         "kind: offers\noffers:\n  - id: r\n    when: age > 150\n"
                         "    offer: gift\n"}}),
            Expected("age is never above 150"));
  EXPECT_EQ(NeverMatch({{"offers.yaml",
                         "kind: offers\noffers:\n  - id: r\n    when: age >= 150\n"
                         "    offer: gift\n"}}),
            Expected(""));
  EXPECT_EQ(NeverMatch({{"improvements.yaml",
                         "kind: improvements\nactions:\n  - id: r\n"
                         "    when: 'feedback contains \"价格\" and satisfaction > 5'\n"
                         "    action: cheaper\n"}}),
            Expected("satisfaction is never above 5"));
}

// ---- work grows as n log n

// Compiles one condition per rule and analyses the list.
class ListBuilder {
 public:
  void Add(const std::string& condition) {
    std::vector<compiler_internal::CompileError> errors;
    compiler_internal::Compiled compiled =
        compiler_internal::CompileExpression(condition, scope_, limits_, &program_, &errors);
    ASSERT_TRUE(errors.empty()) << condition << ": " << errors[0].message;
    conditions_.push_back(compiled.root);
  }
  shadowing_internal::RuleListAnalysis Analysis() const {
    return shadowing_internal::RuleListAnalysis(program_, conditions_, {});
  }
  // All three questions of the analysis; returns the work they took.
  uint64_t Work() const {
    shadowing_internal::RuleListAnalysis analysis(program_, conditions_, {});
    for (size_t i = 0; i < conditions_.size(); ++i) (void)analysis.NeverTrue(i);
    (void)analysis.ShadowingRules();
    (void)analysis.BandGapsAndOverlaps();
    return analysis.work();
  }

 private:
  compiler_internal::Scope scope_;
  parser_internal::ParseLimits limits_;
  program_internal::Program program_;
  std::vector<uint32_t> conditions_;
};

std::string Shape(const std::string& shape, int i, int n) {
  const std::string k = std::to_string(i);
  const std::string k1 = std::to_string(i + 1);
  if (shape == "eq") return "purchase_frequency == " + k;
  if (shape == "disjoint") return "purchase_frequency >= " + k + " and purchase_frequency < " + k1;
  if (shape == "cascade") return "points < " + k1;
  if (shape == "cascade_down") return "points < " + std::to_string(n - i);
  if (shape == "overlapping") return "points >= " + k + " and points < " + std::to_string(i + 3);
  if (shape == "in_list") {
    return "points == " + k + " and tier in [\"a\", \"" + std::to_string(i % 5) + "\"]";
  }
  if (shape == "text") {
    const char* level[] = {"low", "mid", "high"};
    return "purchase_frequency >= " + std::to_string(i / 3) + " and purchase_frequency < " +
           std::to_string(i / 3 + 1) + " and consumption == \"" + level[i % 3] + "\"";
  }
  // grid: two numbers per rule
  const int side = static_cast<int>(std::sqrt(n - 1)) + 1;
  return "purchase_frequency == " + std::to_string(i / side) +
         " and interaction_count == " + std::to_string(i % side);
}

uint64_t WorkFor(const std::string& shape, int n) {
  ListBuilder builder;
  for (int i = 0; i < n; ++i) builder.Add(Shape(shape, i, n));
  return builder.Work();
}

// Random lists of threshold rules (numbers, text, `in` lists): for each
// rule, the earlier rule named as covering it, and the earlier rule named
// as partly overlapping it, must be the first earlier rule that a list of
// just the two would name — what comparing every pair, the analysis before
// the sweeps, found.
TEST(AnalysisTest, SweepsAgreeWithPairs) {
  std::mt19937 random(18);
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  const char* ops[] = {"<", "<=", ">", ">=", "=="};
  auto atom = [&]() -> std::string {
    switch (pick(6)) {
      case 0:
      case 1: return "points " + std::string(ops[pick(5)]) + " " + std::to_string(pick(8) - 2);
      case 2: return "total_spent " + std::string(ops[pick(5)]) + " " +
                     std::to_string(pick(6)) + (pick(2) ? ".5" : "");
      case 3: return std::string("tier == \"") + "ab"[pick(2)] + "\"";
      case 4: return "tier in [\"a\", \"b\"]";
      default: return "interaction_count " + std::string(ops[pick(5)]) + " " +
                      std::to_string(pick(5));
    }
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> conditions;
    const int n = 2 + pick(12);
    for (int i = 0; i < n; ++i) {
      std::string c = atom();
      for (int more = pick(3); more > 0; --more) c += " and " + atom();
      conditions.push_back(c);
    }
    ListBuilder whole;
    for (const std::string& c : conditions) whole.Add(c);
    const std::vector<std::optional<size_t>> shadowing = whole.Analysis().ShadowingRules();
    std::map<size_t, size_t> overlapping;  // later -> the first earlier
    for (const auto& f : whole.Analysis().BandGapsAndOverlaps()) {
      if (f.kind == shadowing_internal::BandFinding::Kind::kOverlap) {
        // A rule in two tables (two numbers) has a finding in each.
        auto [it, inserted] = overlapping.emplace(f.later, f.earlier);
        it->second = std::min(it->second, f.earlier);
      }
    }
    for (int i = 0; i < n; ++i) {
      std::optional<size_t> first_covering;
      std::optional<size_t> first_overlapping;
      for (int j = 0; j < i; ++j) {
        ListBuilder pair;
        pair.Add(conditions[j]);
        pair.Add(conditions[i]);
        if (!first_covering && pair.Analysis().ShadowingRules()[1]) first_covering = j;
        for (const auto& f : pair.Analysis().BandGapsAndOverlaps()) {
          if (f.kind == shadowing_internal::BandFinding::Kind::kOverlap && !first_overlapping) {
            first_overlapping = j;
          }
        }
      }
      std::optional<size_t> named_overlap;
      if (auto it = overlapping.find(i); it != overlapping.end()) named_overlap = it->second;
      EXPECT_EQ(shadowing[i], first_covering) << "rule " << i << ": " << conditions[i];
      EXPECT_EQ(named_overlap, first_overlapping) << "rule " << i << ": " << conditions[i];
    }
  }
}

// Four times the rules: n log n work grows about 4.6 times (from 1,000 to
// 4,000), quadratic work 16 times. The grid (two numbers per rule) is
// compared row by row, n^1.5: 8 times.
TEST(AnalysisWorkTest, GrowsAsNLogN) {
  const std::map<std::string, double> max_growth = {
      {"eq", 5.5},       {"disjoint", 5.5},    {"cascade", 5.5}, {"cascade_down", 5.5},
      {"overlapping", 5.5}, {"text", 5.5}, {"in_list", 5.5}, {"grid", 9}};
  for (const auto& [shape, growth] : max_growth) {
    const uint64_t small = WorkFor(shape, 1000);
    const uint64_t large = WorkFor(shape, 4000);
    RecordProperty(shape + "_1000", std::to_string(small));
    RecordProperty(shape + "_4000", std::to_string(large));
    EXPECT_LT(static_cast<double>(large), growth * static_cast<double>(small))
        << shape << ": " << small << " then " << large;
    EXPECT_LT(large, 4000u * 200u) << shape;  // at most 200 units a rule
  }
}

}  // namespace
}  // namespace clientele::rules
