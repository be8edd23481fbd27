// Facts over time windows (rules/history.h): what each window holds at its
// edges (the event on day N and on day N + 1 back), satisfaction N days
// ago, interactions by rule, the checks made when the rules load, the
// history entries that tests and the command line give, and the
// explanation of a fact.
#include "rules/history.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Fields = std::vector<std::pair<std::string, std::string>>;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

void Purchase(Customer* c, std::string_view day, std::string_view amount,
              std::string_view points = "0") {
  ASSERT_THAT(AddHistoryEntry(c, "purchases",
                              {{"date", std::string(day)},
                               {"amount", std::string(amount)},
                               {"points", std::string(points)}}),
              IsOk());
}

int64_t Fact(FactKind kind, int32_t days, const Customer& c, std::string_view today,
             std::string key = "", bool keyed = false) {
  return FactValue({kind, days, keyed, std::move(key)}, c, nullptr, Day(today));
}

constexpr int64_t kUnit = Decimal::kScale;

// The last 30 days on 2026-12-06 are 2026-11-07 through 2026-12-06.
TEST(FactWindow, HoldsTodayAndTheDaysBeforeItButNotOneMore) {
  Customer c;
  Purchase(&c, "2026-11-06", "100", "10");  // 31 days back: out
  Purchase(&c, "2026-11-07", "200", "20");  // the window's first day: in
  Purchase(&c, "2026-12-06", "300", "30");  // today: in
  Purchase(&c, "2026-12-07", "400", "40");  // after today: out
  EXPECT_EQ(Fact(FactKind::kPurchases, 30, c, "2026-12-06"), 2 * kUnit);
  EXPECT_EQ(Fact(FactKind::kSpent, 30, c, "2026-12-06"), 500 * kUnit);
  EXPECT_EQ(Fact(FactKind::kPointsEarned, 30, c, "2026-12-06"), 50 * kUnit);
  // A day later the first day leaves and 2026-12-07 comes in.
  EXPECT_EQ(Fact(FactKind::kSpent, 30, c, "2026-12-07"), 700 * kUnit);
  EXPECT_EQ(Fact(FactKind::kPurchases, 31, c, "2026-12-06"), 3 * kUnit);
  EXPECT_EQ(Fact(FactKind::kPurchases, 1, c, "2026-12-06"), 1 * kUnit);
  EXPECT_EQ(Fact(FactKind::kPurchases, 1, c, "2026-12-05"), 0);
}

TEST(FactWindow, SameDayPurchasesAddUpInOneRow) {
  Customer c;
  Purchase(&c, "2026-12-01", "10.5");
  Purchase(&c, "2026-12-01", "0.25", "3");
  ASSERT_EQ(c.history.size(), 3u);  // purchases, spent and points of one day
  EXPECT_EQ(Fact(FactKind::kPurchases, 7, c, "2026-12-06"), 2 * kUnit);
  EXPECT_EQ(Fact(FactKind::kSpent, 7, c, "2026-12-06"), Decimal::FromUnits(107500).units());
}

TEST(FactWindow, InteractionsCountAllOrOneRule) {
  Customer c;
  for (const auto& [day, rule] :
       std::vector<std::pair<std::string, std::string>>{{"2026-12-01", "negative_review"},
                                                        {"2026-12-01", "negative_review"},
                                                        {"2026-12-02", "positive_review"},
                                                        {"2026-12-03", ""},
                                                        {"2026-11-01", "negative_review"}}) {
    ASSERT_THAT(AddHistoryEntry(&c, "interactions", {{"date", day}, {"rule", rule}}), IsOk());
  }
  EXPECT_EQ(Fact(FactKind::kInteractions, 30, c, "2026-12-06"), 4 * kUnit);
  EXPECT_EQ(Fact(FactKind::kInteractions, 30, c, "2026-12-06", "negative_review", true), 2 * kUnit);
  EXPECT_EQ(Fact(FactKind::kInteractions, 36, c, "2026-12-06", "negative_review", true), 3 * kUnit);
  // The empty key is the interactions no rule matched, not every one.
  EXPECT_EQ(Fact(FactKind::kInteractions, 30, c, "2026-12-06", "", true), 1 * kUnit);
}

TEST(FactWindow, SatisfactionDaysAgoIsTheValueAtTheEndOfThatDay) {
  Customer c;
  c.satisfaction = Decimal::FromUnits(38000);  // 3.8 now
  ASSERT_THAT(
      AddHistoryEntry(&c, "satisfaction_changes", {{"date", "2026-11-20"}, {"before", "4.5"}}),
      IsOk());
  ASSERT_THAT(
      AddHistoryEntry(&c, "satisfaction_changes", {{"date", "2026-12-01"}, {"before", "4.1"}}),
      IsOk());
  // End of 2026-11-06 (30 days before 2026-12-06): before the 11-20 change.
  EXPECT_EQ(Fact(FactKind::kSatisfactionAgo, 30, c, "2026-12-06"), 45000);
  // End of 2026-11-20: the change of that day is made; before 12-01's.
  EXPECT_EQ(Fact(FactKind::kSatisfactionAgo, 16, c, "2026-12-06"), 41000);
  EXPECT_EQ(Fact(FactKind::kSatisfactionAgo, 17, c, "2026-12-06"), 45000);
  // End of 2026-12-01 and after: today's value.
  EXPECT_EQ(Fact(FactKind::kSatisfactionAgo, 5, c, "2026-12-06"), 38000);
  // A customer never rated back then: 0.
  Customer fresh;
  fresh.satisfaction = Decimal::FromInteger(4);
  ASSERT_THAT(
      AddHistoryEntry(&fresh, "satisfaction_changes", {{"date", "2026-12-01"}, {"before", "0"}}),
      IsOk());
  EXPECT_EQ(Fact(FactKind::kSatisfactionAgo, 30, fresh, "2026-12-06"), 0);
}

TEST(HistoryEntries, MistakesAreNamedAndChangeNothing) {
  Customer c;
  Purchase(&c, "2026-12-01", "10");
  const std::vector<HistoryDay> before = c.history;
  const std::vector<std::pair<std::string, Fields>> bad = {
      {"purchases", {{"amount", "10"}}},
      {"purchases", {{"date", "2026-02-30"}, {"amount", "10"}}},
      {"purchases", {{"date", "2026-12-01"}, {"amount", "0"}}},
      {"purchases", {{"date", "2026-12-01"}, {"amount", "-5"}}},
      {"purchases", {{"date", "2026-12-01"}, {"amount", "10"}, {"points", "1.5"}}},
      {"purchases", {{"date", "2026-12-01"}, {"amount", "10"}, {"pionts", "1"}}},
      {"interactions", {{"rule", "x"}}},
      {"satisfaction_changes", {{"date", "2026-12-01"}}},
      {"satisfaction_changes", {{"date", "2026-12-01"}, {"before", "6"}}},
      {"purchase", {{"date", "2026-12-01"}, {"amount", "10"}}},
  };
  for (const auto& [list, fields] : bad) {
    SCOPED_TRACE(list);
    EXPECT_THAT(AddHistoryEntry(&c, list, fields),
                StatusIs(absl::StatusCode::kInvalidArgument, "history"));
    EXPECT_EQ(c.history, before);
  }
  // Figures of one day that would not fit in a whole number.
  ASSERT_THAT(
      AddHistoryEntry(&c, "purchases",
                      {{"date", "2026-12-02"}, {"amount", "1"}, {"points", "9000000000000000000"}}),
      IsOk());
  const std::vector<HistoryDay> big = c.history;
  EXPECT_THAT(
      AddHistoryEntry(&c, "purchases",
                      {{"date", "2026-12-02"}, {"amount", "1"}, {"points", "9000000000000000000"}}),
      StatusIs(absl::StatusCode::kInvalidArgument, "more than can be counted"));
  EXPECT_EQ(c.history, big);
  EXPECT_THAT(CheckHistoryList("purchase"),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'purchases'"));
  ASSERT_THAT(
      AddHistoryEntry(&c, "satisfaction_changes", {{"date", "2026-12-01"}, {"before", "4"}}),
      IsOk());
  EXPECT_THAT(
      AddHistoryEntry(&c, "satisfaction_changes", {{"date", "2026-12-01"}, {"before", "3"}}),
      StatusIs(absl::StatusCode::kInvalidArgument, "two changes on 2026-12-01"));
}

LoadResult Load(std::string_view segments, std::string_view extra_files = "",
                const LoadOptions& options = {}) {
  std::vector<RuleSource> sources = {
      {"parameters.yaml", "kind: parameters\nparameters:\n  recent_days: 30\n  label: x\n"},
      {"interactions.yaml",
       "kind: interactions\nrules:\n"
       "  - {id: positive_review, when: interaction contains \"好评\", satisfaction_change: 0.1}\n"
       "  - {id: negative_review, when: interaction contains \"差评\", satisfaction_change: "
       "-0.1}\n"},
      {"segments.yaml",
       std::string("kind: segmentation\ndimensions:\n  - id: recent\n    rules:\n") +
           std::string(segments) + "    default: other\n"}};
  if (!extra_files.empty()) sources.push_back({"offers.yaml", std::string(extra_files)});
  return RuleSet::LoadSources(std::move(sources), options);
}

std::string SegmentOf(const RuleSet& ruleset, const Customer& c, std::string_view today) {
  Decision decision;
  EXPECT_THAT(ruleset.Evaluate({&c, nullptr, nullptr, nullptr, Day(today)}, &decision), IsOk());
  for (const SegmentAssignment& s : decision.segments) {
    if (s.dimension == "recent") return std::string(s.segment);
  }
  return "";
}

TEST(FactRules, ReadTheWindowWithParametersAndShareRequests) {
  LoadResult loaded = Load(
      "      - {id: busy, when: purchases_in_last(recent_days) >= 2 and spent_in_last(30) > 100, "
      "segment: busy}\n"
      "      - {id: cooling, when: satisfaction_days_ago(30) - satisfaction > 0.5, segment: "
      "cooling}\n"
      "      - id: angry\n"
      "        when: interactions_in_last(7, \"negative_review\") >= 2\n"
      "        segment: angry\n"
      "      - {id: earner, when: points_earned_in_last(365) >= 1000, segment: earner}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  // purchases_in_last(recent_days) and (30) are one request.
  EXPECT_EQ(rules.Facts().size(), 5u);
  EXPECT_EQ(rules.HistoryDays(), 365);

  Customer c;
  Purchase(&c, "2026-11-07", "60");
  Purchase(&c, "2026-12-06", "60");
  EXPECT_EQ(SegmentOf(rules, c, "2026-12-06"), "busy");
  EXPECT_EQ(SegmentOf(rules, c, "2026-12-07"), "other");  // 2026-11-07 left the window

  Customer angry;
  for (std::string day : {"2026-11-30", "2026-12-06"}) {
    ASSERT_THAT(
        AddHistoryEntry(&angry, "interactions", {{"date", day}, {"rule", "negative_review"}}),
        IsOk());
  }
  EXPECT_EQ(SegmentOf(rules, angry, "2026-12-06"), "angry");
  EXPECT_EQ(SegmentOf(rules, angry, "2026-12-07"), "other");  // 7 days: 12-01 .. 12-07

  Customer cooling;
  cooling.satisfaction = Decimal::FromUnits(39000);
  ASSERT_THAT(AddHistoryEntry(&cooling, "satisfaction_changes",
                              {{"date", "2026-11-15"}, {"before", "4.5"}}),
              IsOk());
  EXPECT_EQ(SegmentOf(rules, cooling, "2026-12-06"), "cooling");  // 4.5 - 3.9 = 0.6
  EXPECT_EQ(SegmentOf(rules, cooling, "2026-12-15"), "other");    // end of 11-15: 3.9

  Customer earner;
  Purchase(&earner, "2025-12-07", "10", "1000");
  EXPECT_EQ(SegmentOf(rules, earner, "2026-12-06"), "earner");
  EXPECT_EQ(SegmentOf(rules, earner, "2026-12-07"), "other");
}

TEST(FactRules, AreExplainedWithTheirValues) {
  LoadResult loaded = Load("      - {id: busy, when: purchases_in_last(30) >= 2, segment: busy}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  Purchase(&c, "2026-12-01", "5");
  Decision decision;
  Explanation explanation;
  ASSERT_THAT(loaded.ruleset->Evaluate({&c, nullptr, nullptr, nullptr, Day("2026-12-06")},
                                       &decision, &explanation),
              IsOk());
  std::string seen;
  for (const RuleExplanation& rule : explanation.rules) {
    for (const ConditionCheck& check : rule.checks) {
      for (const ObservedValue& v : check.observed) seen += v.expression + "=" + v.value + ";";
    }
  }
  EXPECT_THAT(seen, HasSubstr("purchases_in_last(30)=1;"));
}

TEST(FactRules, DependOnTheDay) {
  LoadResult loaded = Load("      - {id: busy, when: purchases_in_last(30) >= 2, segment: busy}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_TRUE(loaded.ruleset->DateDependentRules().contains({"segmentation recent", "busy"}));
}

TEST(FactRules, WithoutFactsNeedNoHistory) {
  LoadResult loaded = Load("      - {id: old, when: age > 60, segment: old}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.ruleset->Facts(), IsEmpty());
  EXPECT_EQ(loaded.ruleset->HistoryDays(), 0);
}

void ExpectError(std::string_view condition, std::string_view message) {
  LoadResult loaded = Load(std::string("      - id: r\n        when: ") + std::string(condition) +
                           "\n        segment: s\n");
  EXPECT_FALSE(loaded.ok()) << condition;
  EXPECT_THAT(FormatDiagnostics(loaded.diagnostics), HasSubstr(message)) << condition;
}

TEST(FactRules, BadWindowsAndKeysAreRefusedWhereTheyAre) {
  ExpectError("purchases_in_last(0) > 1", "must be a whole number of days from 1 to 3660");
  ExpectError("purchases_in_last(3661) > 1", "from 1 to 3660");
  ExpectError("purchases_in_last(1.5) > 1", "from 1 to 3660");
  ExpectError("purchases_in_last(age) > 1", "fixed when the rules load");
  ExpectError("purchases_in_last(label) > 1", "fixed when the rules load");
  ExpectError("purchases_in_last() > 1", "takes 1 argument, not 0");
  ExpectError("purchases_in_last(30, \"x\") > 1", "takes 1 argument, not 2");
  ExpectError("interactions_in_last(30, \"negativ_review\") > 1",
              "'negativ_review' is not an interaction rule; did you mean 'negative_review'");
  ExpectError("interactions_in_last(30, 7) > 1", "names an interaction rule");
  ExpectError("spent_in_last(30) == \"a lot\"", "spent_in_last(30)");
  ExpectError("purchase_in_last(30) > 1", "did you mean 'purchases_in_last'");
}

TEST(FactRules, AtMostThirtyTwoDistinctFacts) {
  std::string rules;
  for (int days = 1; days <= 33; ++days) {
    rules += "      - {id: r" + std::to_string(days) + ", when: purchases_in_last(" +
             std::to_string(days) + ") > 0, segment: s" + std::to_string(days) + "}\n";
  }
  LoadResult loaded = Load(rules);
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(FormatDiagnostics(loaded.diagnostics), HasSubstr("at most 32 different facts"));
}

TEST(FactRules, HistoryIsPartOfTheWorkBound) {
  LoadResult loaded = Load("      - {id: busy, when: purchases_in_last(30) >= 2, segment: busy}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  const uint64_t empty =
      loaded.ruleset->WorkBound({&c, nullptr, nullptr, nullptr, Day("2026-12-06")});
  for (int i = 1; i <= 10; ++i) Purchase(&c, "2026-11-" + std::to_string(10 + i), "5");
  EXPECT_EQ(loaded.ruleset->WorkBound({&c, nullptr, nullptr, nullptr, Day("2026-12-06")}),
            empty + 20);  // one fact over 20 rows (purchases and spent of 10 days)
}

TEST(FactRules, AHistoryOverTheWorkLimitIsRefusedAndNamed) {
  LoadOptions options;
  options.max_evaluation_work = 400;
  LoadResult loaded =
      Load("      - {id: busy, when: purchases_in_last(30) >= 2, segment: busy}\n", "", options);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  Decision decision;
  EXPECT_THAT(
      loaded.ruleset->Evaluate({&c, nullptr, nullptr, nullptr, Day("2026-12-06")}, &decision),
      IsOk());
  for (int day = 0; day < 200; ++day) {
    Purchase(&c, Date::FromDays(Day("2026-01-01").days() + day).ToString(), "5");
  }
  EXPECT_THAT(
      loaded.ruleset->Evaluate({&c, nullptr, nullptr, nullptr, Day("2026-12-06")}, &decision),
      StatusIs(absl::StatusCode::kResourceExhausted,
               "reading the history (400 days and figures) for 1 facts"));
}

TEST(FactRules, EarningSeesTheHistoryUpToABackdatedPurchasesDay) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"loyalty.yaml",
        "kind: loyalty\nearning:\n  rules: []\n  default: {id: base, points: 10}\n"
        "  bonuses:\n    - id: third\n      when: purchases_in_last(30) >= 2\n"
        "      points: 5\n"}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  Purchase(&c, "2026-10-02", "5");  // in the 30 days up to 2026-10-31, not up to 2026-12-06
  Purchase(&c, "2026-10-20", "5");
  Purchase(&c, "2026-11-20", "5");  // after the backdated purchase's day: not seen by it
  auto points = [&](std::string_view purchase_day) {
    rules::Purchase p;
    p.amount = Decimal::FromInteger(10);
    p.date = Day(purchase_day);
    Decision decision;
    EXPECT_THAT(loaded.ruleset->Evaluate({&c, &p, nullptr, nullptr, Day("2026-12-06")}, &decision),
                IsOk());
    return decision.loyalty.points_earned;
  };
  EXPECT_EQ(points("2026-10-31"), 15);  // 10-02 and 10-20 are in its window
  EXPECT_EQ(points("2026-11-01"), 10);  // 10-02 is not; 11-20 is after it
  EXPECT_EQ(points("2026-12-06"), 10);  // today: only 11-20 in the window
}

// ------------------------------------------------------------ product facts

LoadResult LoadImprovements(std::string_view actions) {
  return RuleSet::LoadSources(
      {{"parameters.yaml", "kind: parameters\nparameters:\n  price_words: [太贵, 价格高]\n"},
       {"improvements.yaml",
        std::string("kind: improvements\nactions:\n") + std::string(actions)}});
}

constexpr char kPriceReview[] =
    "  - id: price_review\n"
    "    when: >-\n"
    "      product_feedback_in_last(30) >= 4\n"
    "      and product_feedback_share(30, price_words) >= 0.5\n"
    "    action: 复核定价\n";

std::vector<std::string> Proposals(const RuleSet& rules, const Feedback& feedback,
                                   std::string_view today) {
  Customer c;
  Decision decision;
  EXPECT_THAT(rules.Evaluate({&c, nullptr, nullptr, &feedback, Day(today)}, &decision), IsOk());
  std::vector<std::string> ids;
  for (const ImprovementProposal& p : decision.improvements) ids.emplace_back(p.rule_id);
  return ids;
}

void Earlier(Feedback* f, const RuleSet& rules, std::string day, std::string text,
             std::string satisfaction = "") {
  ASSERT_THAT(
      AddProductHistoryEntry(f, rules.Facts(),
                             {{"date", day}, {"text", text}, {"satisfaction", satisfaction}}),
      IsOk());
}

TEST(ProductFacts, AShareOverAWindowCountsThisFeedbackToo) {
  LoadResult loaded = LoadImprovements(kPriceReview);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  EXPECT_EQ(rules.ProductHistoryDays(), 30);
  EXPECT_EQ(rules.HistoryDays(), 0);  // no customer fact: no customer history read
  Feedback f{"产品A", "太贵了"};
  Earlier(&f, rules, "2026-11-07", "价格高");  // the window's first day
  Earlier(&f, rules, "2026-11-06", "太贵");    // a day before it: out
  Earlier(&f, rules, "2026-11-20", "很好");
  EXPECT_THAT(Proposals(rules, f, "2026-12-06"), IsEmpty());  // 3 feedbacks
  Earlier(&f, rules, "2026-12-01", "一般");
  // 4 feedbacks, 2 of them on price: 0.5.
  EXPECT_THAT(Proposals(rules, f, "2026-12-06"), ::testing::ElementsAre("price_review"));
  // A day later 2026-11-07 leaves: 3 feedbacks.
  EXPECT_THAT(Proposals(rules, f, "2026-12-07"), IsEmpty());
  f.text = "很好";  // 1 of 4 on price
  EXPECT_THAT(Proposals(rules, f, "2026-12-06"), IsEmpty());
}

TEST(ProductFacts, ValuesAreExactAndRoundedDown) {
  Feedback f{"产品A", "太贵"};
  f.satisfaction = Decimal::FromInteger(2);
  FactRequest share{FactKind::kProductShare, 30};
  share.words = {"价格高", "太贵", "太贵"};
  share.key = PhraseListKey(&share.words);
  EXPECT_EQ(share.words, (std::vector<std::string>{"价格高", "太贵"}));
  const std::vector<FactRequest> facts = {share};
  for (const char* text : {"价格高而且太贵", "好"}) {
    ASSERT_THAT(AddProductHistoryEntry(&f, facts, {{"date", "2026-12-01"}, {"text", text}}),
                IsOk());
  }
  ASSERT_THAT(AddProductHistoryEntry(
                  &f, facts, {{"date", "2026-12-02"}, {"text", "好"}, {"satisfaction", "4.5"}}),
              IsOk());
  Customer c;
  const Date today = Day("2026-12-06");
  EXPECT_EQ(FactValue(share, c, &f, today), 5000);  // 2 of 4 (this one mentions 太贵)
  FactRequest mentioning = share;
  mentioning.kind = FactKind::kProductMentioning;
  EXPECT_EQ(FactValue(mentioning, c, &f, today), 2 * kUnit);  // one feedback with both counts once
  EXPECT_EQ(FactValue({FactKind::kProductFeedback, 30}, c, &f, today), 4 * kUnit);
  // (4.5 + 2) / 2 rated.
  EXPECT_EQ(FactValue({FactKind::kProductSatisfaction, 30}, c, &f, today), 32500);
  f.text = "好";
  EXPECT_EQ(FactValue(share, c, &f, today), 2500);
  ASSERT_THAT(AddProductHistoryEntry(&f, facts, {{"date", "2026-12-03"}, {"text", "太贵"}}),
              IsOk());
  ASSERT_THAT(AddProductHistoryEntry(&f, facts, {{"date", "2026-12-03"}, {"text", "好"}}), IsOk());
  EXPECT_EQ(FactValue(share, c, &f, today), 3333);  // 2 of 6, rounded down
  // Without a feedback (not an improvement rule): 0.
  EXPECT_EQ(FactValue(share, c, nullptr, today), 0);
}

TEST(ProductFacts, ABackdatedFeedbackCountsOnItsOwnDay) {
  Feedback f{"产品A", "太贵"};
  f.satisfaction = Decimal::FromInteger(1);
  FactRequest share{FactKind::kProductShare, 30};
  share.words = {"太贵"};
  share.key = PhraseListKey(&share.words);
  ASSERT_THAT(AddProductHistoryEntry(
                  &f, {share}, {{"date", "2026-12-01"}, {"text", "好"}, {"satisfaction", "5"}}),
              IsOk());
  Customer c;
  const Date today = Day("2026-12-06");
  f.day = Day("2026-11-07");  // the window's first day: counted
  EXPECT_EQ(FactValue({FactKind::kProductFeedback, 30}, c, &f, today), 2 * kUnit);
  EXPECT_EQ(FactValue(share, c, &f, today), 5000);
  EXPECT_EQ(FactValue({FactKind::kProductSatisfaction, 30}, c, &f, today), 30000);
  f.day = Day("2026-11-06");  // a day before it: not counted, its rating neither
  EXPECT_EQ(FactValue({FactKind::kProductFeedback, 30}, c, &f, today), 1 * kUnit);
  EXPECT_EQ(FactValue(share, c, &f, today), 0);
  EXPECT_EQ(FactValue({FactKind::kProductSatisfaction, 30}, c, &f, today), 50000);
}

TEST(ProductFacts, SearchingTheFeedbackForPhrasesIsInTheWorkBound) {
  LoadResult loaded = LoadImprovements(kPriceReview);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  Feedback short_text{"产品A", "短"};
  Feedback long_text{"产品A", std::string(16 * 100, 'x')};
  const uint64_t short_work =
      loaded.ruleset->WorkBound({&c, nullptr, nullptr, &short_text, Day("2026-12-06")});
  const uint64_t long_work =
      loaded.ruleset->WorkBound({&c, nullptr, nullptr, &long_text, Day("2026-12-06")});
  // Two phrases searched in 1,600 more bytes: at least 2 x 100 units more.
  EXPECT_GE(long_work - short_work, 200u);
}

TEST(ProductFacts, MistakesAreRefusedWhereTheyAre) {
  auto error_of = [](std::string_view actions) {
    LoadResult loaded = LoadImprovements(actions);
    EXPECT_FALSE(loaded.ok()) << actions;
    return FormatDiagnostics(loaded.diagnostics);
  };
  EXPECT_THAT(error_of("  - id: a\n    when: product_feedback_share(30) > 0.1\n    action: x\n"),
              HasSubstr("takes 2 arguments, not 1"));
  EXPECT_THAT(error_of("  - id: a\n    when: product_feedback_share(30, feedback) > 0.1\n"
                       "    action: x\n"),
              HasSubstr("the phrases to look for, as fixed text"));
  EXPECT_THAT(error_of("  - id: a\n    when: product_feedback_share(30, \"\") > 0.1\n"
                       "    action: x\n"),
              HasSubstr("the phrases to look for"));
  EXPECT_THAT(error_of("  - id: a\n    when: product_feedback_in_last(0) > 1\n    action: x\n"),
              HasSubstr("from 1 to 3660"));
  LoadResult segments =
      Load("      - {id: r, when: product_feedback_in_last(30) > 1, segment: s}\n");
  EXPECT_FALSE(segments.ok());
  EXPECT_THAT(
      FormatDiagnostics(segments.diagnostics),
      HasSubstr("is about the product of the feedback: it is only known in improvement rules"));
  Feedback f{"产品A", "x"};
  const Feedback before = f;
  EXPECT_THAT(AddProductHistoryEntry(&f, {}, {{"date", "2026-12-01"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs its text"));
  EXPECT_THAT(AddProductHistoryEntry(
                  &f, {}, {{"date", "2026-12-01"}, {"text", "a"}, {"satisfaction", "9"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "satisfaction: '9'"));
  EXPECT_THAT(AddProductHistoryEntry(&f, {}, {{"day", "2026-12-01"}, {"text", "a"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown field 'day'"));
  EXPECT_EQ(f.product_history, before.product_history);
}

}  // namespace
}  // namespace clientele::rules
