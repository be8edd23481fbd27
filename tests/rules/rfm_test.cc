// RFM scores (rules/rfm.h): the quintile cut points RfmQuantileBuilder
// computes (even spreads, ties, all equal, never bought, merging), the
// score of a measure at the edges of its cut points (RfmScore), a
// customer's measures on a day (MeasureRfm: the window's edges, the last
// purchase), ScoreRfm keeping given scores and leaving a measure without
// cut points at 0, what the loader refuses in an rfm file and in rules
// reading rfm.r, rfm.f and rfm.m, an evaluation by the scores a customer
// carries, and a simulation where each version scores by its own file,
// also for the purchases it replays.
#include "rules/rfm.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/history.h"
#include "rules/ruleset.h"
#include "rules/simulation.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr int64_t kUnit = Decimal::kScale;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

Date DaysBefore(Date day, int32_t days) { return Date::FromDays(day.days() - days); }

void AddPurchase(Customer* c, std::string_view day, std::string_view amount) {
  ASSERT_THAT(AddHistoryEntry(c, "purchases",
                              {{"date", std::string(day)}, {"amount", std::string(amount)}}),
              IsOk());
}

RfmValues Recency(int64_t days) {
  RfmValues values;
  values.recency_days = days;
  return values;
}

RfmValues Frequency(int64_t purchases) {
  RfmValues values;
  values.purchases = purchases;
  return values;
}

RfmValues Monetary(std::string_view spent) {
  RfmValues values;
  values.spent = *Decimal::Parse(spent);
  return values;
}

// The score each of `values` gets by the quintiles of all of them.
std::vector<int32_t> QuintileScores(RfmMeasure measure, const std::vector<RfmValues>& values) {
  RfmQuantileBuilder builder;
  for (const RfmValues& v : values) builder.Add(v);
  const RfmQuantiles quantiles = builder.Build(365);
  std::vector<int32_t> scores;
  for (const RfmValues& v : values) scores.push_back(RfmScore(measure, quantiles.Of(measure), v));
  return scores;
}

// ---------------------------------------------------------------- quantiles

// Ten distinct values: two customers a score.
TEST(RfmQuantileBuilder, TenDistinctValuesGiveTwoCustomersAScore) {
  RfmQuantileBuilder builder;
  std::vector<RfmValues> all;
  for (int64_t i = 1; i <= 10; ++i) {
    RfmValues v;
    v.recency_days = i * 10;  // 10 .. 100 days
    v.purchases = i;
    v.spent = Decimal::FromInteger(i * 100);
    builder.Add(v);
    all.push_back(v);
  }
  EXPECT_EQ(builder.customers(), 10);
  const RfmQuantiles q = builder.Build(180);
  EXPECT_EQ(q.window_days, 180);
  EXPECT_EQ(q.customers, 10);
  EXPECT_THAT(q.frequency, ElementsAre(3, 5, 7, 9));
  EXPECT_THAT(q.monetary, ElementsAre(300 * kUnit, 500 * kUnit, 700 * kUnit, 900 * kUnit));
  // Ascending in days: 20 days or less is score 5.
  EXPECT_THAT(q.recency, ElementsAre(20, 40, 60, 80));
  EXPECT_THAT(QuintileScores(RfmMeasure::kFrequency, all),
              ElementsAre(1, 1, 2, 2, 3, 3, 4, 4, 5, 5));
  EXPECT_THAT(QuintileScores(RfmMeasure::kMonetary, all),
              ElementsAre(1, 1, 2, 2, 3, 3, 4, 4, 5, 5));
  EXPECT_THAT(QuintileScores(RfmMeasure::kRecency, all), ElementsAre(5, 5, 4, 4, 3, 3, 2, 2, 1, 1));
}

// A hundred distinct values: twenty customers a score.
TEST(RfmQuantileBuilder, HundredDistinctValuesGiveTwentyCustomersAScore) {
  std::vector<RfmValues> all;
  for (int64_t i = 0; i < 100; ++i) {
    RfmValues v;
    v.recency_days = i;  // 0 .. 99 days
    v.purchases = i + 1;
    v.spent = Decimal::FromUnits(i + 1);
    all.push_back(v);
  }
  RfmQuantileBuilder builder;
  // In shuffled order: the builder sorts.
  for (size_t i = 0; i < all.size(); ++i) builder.Add(all[(i * 37) % all.size()]);
  const RfmQuantiles q = builder.Build(365);
  EXPECT_THAT(q.frequency, ElementsAre(21, 41, 61, 81));
  EXPECT_THAT(q.monetary, ElementsAre(21, 41, 61, 81));
  EXPECT_THAT(q.recency, ElementsAre(19, 39, 59, 79));
  for (RfmMeasure measure : kRfmMeasures) {
    std::vector<int> per_score(6);
    for (int32_t score : QuintileScores(measure, all)) ++per_score[score];
    EXPECT_THAT(per_score, ElementsAre(0, 20, 20, 20, 20, 20)) << RfmMeasureName(measure);
  }
}

// 60% never bought in the window: they all score 1, however the fifths
// fall, and the next value jumps up past the cut points they share.
TEST(RfmQuantileBuilder, TiesScoreTheSameAndTheNextValueJumpsUp) {
  std::vector<RfmValues> all;
  for (int64_t purchases : {0, 0, 0, 0, 0, 0, 1, 2, 3, 4}) all.push_back(Frequency(purchases));
  RfmQuantileBuilder builder;
  for (const RfmValues& v : all) builder.Add(v);
  const RfmQuantiles q = builder.Build(365);
  // Cut point k is the lowest value above at least k fifths: 1 for the
  // first three (the zeros fill three fifths), 3 above eight tenths.
  EXPECT_THAT(q.frequency, ElementsAre(1, 1, 1, 3));
  EXPECT_THAT(QuintileScores(RfmMeasure::kFrequency, all),
              ElementsAre(1, 1, 1, 1, 1, 1, 4, 4, 5, 5));
  // Equal values score the same, whatever their share.
  std::vector<RfmValues> most_once;
  for (int i = 0; i < 90; ++i) most_once.push_back(Frequency(1));
  for (int i = 0; i < 10; ++i) most_once.push_back(Frequency(7));
  std::vector<int32_t> scores = QuintileScores(RfmMeasure::kFrequency, most_once);
  EXPECT_EQ(scores.front(), 1);
  EXPECT_EQ(scores.back(), 5);
}

TEST(RfmQuantileBuilder, AllEqualValuesGiveNoCutPoints) {
  RfmQuantileBuilder builder;
  std::vector<RfmValues> all;
  for (int i = 0; i < 50; ++i) {
    RfmValues v;
    v.recency_days = 12;
    v.purchases = 3;
    v.spent = Decimal::FromInteger(250);
    builder.Add(v);
    all.push_back(v);
  }
  const RfmQuantiles q = builder.Build(365);
  EXPECT_EQ(q.customers, 50);
  EXPECT_THAT(q.recency, IsEmpty());
  EXPECT_THAT(q.frequency, IsEmpty());
  EXPECT_THAT(q.monetary, IsEmpty());
  for (RfmMeasure measure : kRfmMeasures) {
    for (int32_t score : QuintileScores(measure, all)) EXPECT_EQ(score, 1);
  }
}

TEST(RfmQuantileBuilder, EmptyBuilderGivesNoCutPoints) {
  RfmQuantileBuilder builder;
  EXPECT_EQ(builder.customers(), 0);
  const RfmQuantiles q = builder.Build(90);
  EXPECT_EQ(q.window_days, 90);
  EXPECT_EQ(q.customers, 0);
  EXPECT_THAT(q.recency, IsEmpty());
  EXPECT_THAT(q.frequency, IsEmpty());
  EXPECT_THAT(q.monetary, IsEmpty());
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, q.recency, Recency(0)), 1);
}

// Customers who never bought have the worst recency: never a cut point,
// always score 1, even when they are most of the customers or all.
TEST(RfmQuantileBuilder, NeverBoughtScoresRecencyOneAndIsNoCutPoint) {
  std::vector<RfmValues> all;
  for (int i = 0; i < 6; ++i) all.push_back(RfmValues{});  // recency_days -1
  for (int64_t days : {4, 3, 2, 1}) all.push_back(Recency(days));
  RfmQuantileBuilder builder;
  for (const RfmValues& v : all) builder.Add(v);
  const RfmQuantiles q = builder.Build(365);
  ASSERT_FALSE(q.recency.empty());
  for (int64_t cut : q.recency) EXPECT_GE(cut, 0) << FormatRfmCuts(RfmMeasure::kRecency, q.recency);
  EXPECT_THAT(q.recency, ElementsAre(2, 4, 4, 4));
  EXPECT_THAT(QuintileScores(RfmMeasure::kRecency, all), ElementsAre(1, 1, 1, 1, 1, 1, 4, 4, 5, 5));

  RfmQuantileBuilder nobody_bought;
  for (int i = 0; i < 20; ++i) nobody_bought.Add(RfmValues{});
  const RfmQuantiles none = nobody_bought.Build(365);
  EXPECT_THAT(none.recency, IsEmpty());
  EXPECT_THAT(none.frequency, IsEmpty());
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, none.recency, RfmValues{}), 1);
}

TEST(RfmQuantileBuilder, MergeEqualsOneBuilderFedEverything) {
  RfmQuantileBuilder first, second, everything;
  for (int64_t i = 0; i < 37; ++i) {
    RfmValues v;
    v.recency_days = i % 5 == 0 ? -1 : (i * 13) % 97;
    v.purchases = (i * 7) % 11;
    v.spent = Decimal::FromUnits((i * 1234567) % 9999991);
    (i % 3 == 0 ? first : second).Add(v);
    everything.Add(v);
  }
  first.Merge(std::move(second));
  EXPECT_EQ(first.customers(), 37);
  const RfmQuantiles merged = first.Build(365);
  const RfmQuantiles whole = everything.Build(365);
  EXPECT_EQ(merged.customers, whole.customers);
  EXPECT_EQ(merged.recency, whole.recency);
  EXPECT_EQ(merged.frequency, whole.frequency);
  EXPECT_EQ(merged.monetary, whole.monetary);
  EXPECT_EQ(merged.frequency.size(), 4u);
  // Build starts the builder over.
  EXPECT_EQ(first.customers(), 0);
}

TEST(RfmQuantileBuilder, RecencyCutPointsAscendInDays) {
  RfmQuantileBuilder builder;
  for (int64_t days : {400, 3, 250, 17, 90, 1, 30, 180, 60, 7, 120, 365, 45, 2, 10}) {
    builder.Add(Recency(days));
  }
  const RfmQuantiles q = builder.Build(365);
  ASSERT_EQ(q.recency.size(), 4u);
  EXPECT_TRUE(std::is_sorted(q.recency.begin(), q.recency.end()))
      << FormatRfmCuts(RfmMeasure::kRecency, q.recency);
  // Fifteen customers, three a score: 1..3 days is 5, 7..17 is 4 ...
  EXPECT_THAT(q.recency, ElementsAre(3, 17, 60, 180));
}

// ---------------------------------------------------------------- scores

TEST(RfmScore, RecencyReachesACutPointAtItsDaysNotADayLater) {
  const RfmCutPoints cuts = {30, 90, 180, 365};
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(0)), 5);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(30)), 5);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(31)), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(90)), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(91)), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(180)), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(181)), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(365)), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(366)), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, cuts, Recency(-1)), 1);  // never bought
}

TEST(RfmScore, FrequencyAndMonetaryReachACutPointAtItsValueNotOneBelow) {
  const RfmCutPoints frequency = {2, 4, 8, 16};
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(0)), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(1)), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(2)), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(3)), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(4)), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(7)), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(8)), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(15)), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(16)), 5);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, frequency, Frequency(1000)), 5);

  // Monetary cut points are Decimal units: 500.00 and one unit less.
  const RfmCutPoints monetary = {500 * kUnit, 2000 * kUnit, 5000 * kUnit, 10000 * kUnit};
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("0")), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("499.9999")), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("500")), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("1999.9999")), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("2000")), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("9999.9999")), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, monetary, Monetary("10000")), 5);
}

TEST(RfmScore, FewerThanFourCutPointsCapTheScore) {
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, {}, Frequency(1000)), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, {5}, Frequency(1000)), 2);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, {5}, Frequency(4)), 1);
  EXPECT_EQ(RfmScore(RfmMeasure::kFrequency, {2, 5}, Frequency(1000)), 3);
  EXPECT_EQ(RfmScore(RfmMeasure::kRecency, {10, 20, 30}, Recency(0)), 4);
  EXPECT_EQ(RfmScore(RfmMeasure::kMonetary, {kUnit}, Monetary("1000000")), 2);
}

TEST(FormatRfmCuts, WritesDaysCountsAndAmounts) {
  EXPECT_EQ(FormatRfmCuts(RfmMeasure::kRecency, {30, 90, 180, 365}), "30, 90, 180, 365");
  EXPECT_EQ(FormatRfmCuts(RfmMeasure::kFrequency, {2, 4, 8, 16}), "2, 4, 8, 16");
  EXPECT_EQ(FormatRfmCuts(RfmMeasure::kMonetary, {500 * kUnit, 12345}), "500, 1.2345");
  EXPECT_EQ(FormatRfmCuts(RfmMeasure::kRecency, {}), "none");
}

// ---------------------------------------------------------------- measures

// On 2026-12-06 the last 30 days run from 2026-11-07 through 2026-12-06.
TEST(MeasureRfm, TheWindowHoldsItsFirstDayButNotTheDayBefore) {
  Customer c;
  AddPurchase(&c, "2026-11-06", "100");  // a day before the window
  AddPurchase(&c, "2026-11-07", "200");  // the window's first day
  AddPurchase(&c, "2026-11-20", "300");
  const RfmValues values = MeasureRfm(c, 30, Day("2026-12-06"));
  EXPECT_EQ(values.purchases, 2);
  EXPECT_EQ(values.spent, Decimal::FromInteger(500));
  EXPECT_EQ(values.recency_days, 16);  // from 2026-11-20
  // A day later the first day has left too.
  EXPECT_EQ(MeasureRfm(c, 30, Day("2026-12-07")).purchases, 1);
  EXPECT_EQ(MeasureRfm(c, 31, Day("2026-12-06")).purchases, 3);
}

TEST(MeasureRfm, OneDayWindowIsTodayAlone) {
  Customer c;
  AddPurchase(&c, "2026-12-05", "40");
  AddPurchase(&c, "2026-12-06", "60");
  const RfmValues today = MeasureRfm(c, 1, Day("2026-12-06"));
  EXPECT_EQ(today.purchases, 1);
  EXPECT_EQ(today.spent, Decimal::FromInteger(60));
  EXPECT_EQ(today.recency_days, 0);
  const RfmValues two_days = MeasureRfm(c, 2, Day("2026-12-06"));
  EXPECT_EQ(two_days.purchases, 2);
  EXPECT_EQ(two_days.spent, Decimal::FromInteger(100));
}

// An evaluation as of an earlier day does not see a later purchase.
TEST(MeasureRfm, LastPurchaseAfterTodayIsIgnored) {
  Customer c;
  c.last_purchase_at = Day("2026-12-10");
  EXPECT_EQ(MeasureRfm(c, 365, Day("2026-12-06")).recency_days, -1);
  EXPECT_EQ(MeasureRfm(c, 365, Day("2026-12-10")).recency_days, 0);
  EXPECT_EQ(MeasureRfm(c, 365, Day("2026-12-15")).recency_days, 5);
  // An earlier purchase of the history is the last one as of that day.
  AddPurchase(&c, "2026-12-01", "10");
  AddPurchase(&c, "2026-12-10", "10");
  const RfmValues earlier = MeasureRfm(c, 365, Day("2026-12-06"));
  EXPECT_EQ(earlier.recency_days, 5);
  EXPECT_EQ(earlier.purchases, 1);
}

TEST(MeasureRfm, ALaterPurchaseInTheHistoryThanTheRecordsWins) {
  Customer c;
  c.last_purchase_at = Day("2026-10-01");
  AddPurchase(&c, "2026-11-26", "50");
  EXPECT_EQ(MeasureRfm(c, 365, Day("2026-12-06")).recency_days, 10);
  // The record's day wins when it is the later one.
  Customer d;
  d.last_purchase_at = Day("2026-12-04");
  AddPurchase(&d, "2026-11-26", "50");
  EXPECT_EQ(MeasureRfm(d, 365, Day("2026-12-06")).recency_days, 2);
  // Only the history: a rule test's customer.
  Customer e;
  AddPurchase(&e, "2026-06-09", "50");
  EXPECT_EQ(MeasureRfm(e, 365, Day("2026-12-06")).recency_days, 180);
  // Nothing: never bought.
  EXPECT_EQ(MeasureRfm(Customer{}, 365, Day("2026-12-06")), RfmValues{});
}

TEST(MeasureRfm, SpentSumsTheAmountsOfTheWindow) {
  Customer c;
  AddPurchase(&c, "2026-12-01", "10.5");
  AddPurchase(&c, "2026-12-01", "0.25");
  AddPurchase(&c, "2026-11-15", "99.9999");
  AddPurchase(&c, "2025-01-01", "1000");  // outside 365 days
  const RfmValues values = MeasureRfm(c, 365, Day("2026-12-06"));
  EXPECT_EQ(values.purchases, 3);
  EXPECT_EQ(values.spent.units(), 1107499);  // 110.7499
  EXPECT_EQ(values.spent.ToString(), "110.7499");
}

// ---------------------------------------------------------------- ScoreRfm

RfmModel FixedModel() {
  RfmModel model;
  model.window_days = 365;
  model.recency.cuts = {30, 90, 180, 365};
  model.frequency.cuts = {2, 4, 8, 16};
  model.monetary.cuts = {100 * kUnit, 200 * kUnit, 300 * kUnit, 400 * kUnit};
  return model;
}

// Last bought 10 days before 2026-12-06, 4 purchases of 75.
Customer FourPurchases() {
  Customer c;
  for (std::string_view day : {"2026-03-01", "2026-06-01", "2026-09-01", "2026-11-26"}) {
    AddPurchase(&c, day, "75");
  }
  return c;
}

TEST(ScoreRfm, FillsTheScoresNotGiven) {
  Customer c = FourPurchases();
  ScoreRfm(FixedModel(), nullptr, Day("2026-12-06"), &c);
  EXPECT_EQ(c.rfm_r, 5);
  EXPECT_EQ(c.rfm_f, 3);
  EXPECT_EQ(c.rfm_m, 4);  // 300: reaches 100, 200 and 300

  Customer given = FourPurchases();
  given.rfm_r = 1;
  given.rfm_m = 5;
  ScoreRfm(FixedModel(), nullptr, Day("2026-12-06"), &given);
  EXPECT_EQ(given.rfm_r, 1);
  EXPECT_EQ(given.rfm_f, 3);
  EXPECT_EQ(given.rfm_m, 5);

  Customer all_given = FourPurchases();
  all_given.rfm_r = 2;
  all_given.rfm_f = 2;
  all_given.rfm_m = 2;
  ScoreRfm(FixedModel(), nullptr, Day("2026-12-06"), &all_given);
  EXPECT_EQ(all_given.rfm_r, 2);
  EXPECT_EQ(all_given.rfm_f, 2);
  EXPECT_EQ(all_given.rfm_m, 2);

  Customer never;
  ScoreRfm(FixedModel(), nullptr, Day("2026-12-06"), &never);
  EXPECT_EQ(never.rfm_r, 1);
  EXPECT_EQ(never.rfm_f, 1);
  EXPECT_EQ(never.rfm_m, 1);
}

TEST(ScoreRfm, QuantilesMeasureWithoutQuantilesOfItsWindowStaysZero) {
  RfmModel model = FixedModel();
  model.monetary = {.quantiles = true, .cuts = {}};
  model.recency = {.quantiles = true, .cuts = {}};

  Customer none = FourPurchases();
  ScoreRfm(model, nullptr, Day("2026-12-06"), &none);
  EXPECT_EQ(none.rfm_r, 0);
  EXPECT_EQ(none.rfm_f, 3);
  EXPECT_EQ(none.rfm_m, 0);
  EXPECT_EQ(RfmCutsOf(model, RfmMeasure::kMonetary, nullptr), nullptr);

  RfmQuantiles other_window;
  other_window.window_days = 30;
  other_window.recency = {5, 10, 20, 40};
  other_window.monetary = {kUnit, 2 * kUnit, 3 * kUnit, 4 * kUnit};
  Customer wrong = FourPurchases();
  ScoreRfm(model, &other_window, Day("2026-12-06"), &wrong);
  EXPECT_EQ(wrong.rfm_r, 0);
  EXPECT_EQ(wrong.rfm_f, 3);
  EXPECT_EQ(wrong.rfm_m, 0);
  EXPECT_EQ(RfmCutsOf(model, RfmMeasure::kRecency, &other_window), nullptr);

  RfmQuantiles own_window = other_window;
  own_window.window_days = 365;
  Customer scored = FourPurchases();
  ScoreRfm(model, &own_window, Day("2026-12-06"), &scored);
  EXPECT_EQ(scored.rfm_r, 4);  // 10 days: within 10, 20 and 40, not 5
  EXPECT_EQ(scored.rfm_f, 3);  // the model's own cut points, not the quantiles'
  EXPECT_EQ(scored.rfm_m, 5);  // 300 reaches every cut point
  EXPECT_EQ(RfmCutsOf(model, RfmMeasure::kRecency, &own_window), &own_window.recency);
  EXPECT_EQ(RfmCutsOf(model, RfmMeasure::kFrequency, &own_window), &model.frequency.cuts);
}

// ---------------------------------------------------------------- loading

// An rfm file of these lines: kind (1), window_days (2), recency (3),
// frequency (4), monetary (5); an empty value leaves its line out.
std::string RfmFile(std::string_view window_days, std::string_view recency,
                    std::string_view frequency, std::string_view monetary) {
  std::string text = "kind: rfm\n";
  if (!window_days.empty()) text += StrCat("window_days: ", window_days, "\n");
  if (!recency.empty()) text += StrCat("recency: ", recency, "\n");
  if (!frequency.empty()) text += StrCat("frequency: ", frequency, "\n");
  if (!monetary.empty()) text += StrCat("monetary: ", monetary, "\n");
  return text;
}

constexpr char kRecency[] = "[30, 90, 180, 365]";
constexpr char kFrequency[] = "[2, 4, 8, 16]";
constexpr char kMonetary[] = "[500, 2000, 5000, 10000]";

std::string GoodRfm() { return RfmFile("365", kRecency, kFrequency, kMonetary); }

// A segmentation file whose one rule's condition is on line 6, column 15.
std::string SegmentationWhen(std::string_view condition) {
  return StrCat(R"(kind: segmentation
dimensions:
  - id: rfm_segment
    rules:
      - id: champions
        when: )",
                condition, R"(
        segment: champions
    default: others
)");
}

std::vector<std::string> Headlines(const LoadResult& result) {
  std::vector<std::string> headlines;
  for (const Diagnostic& d : result.diagnostics) headlines.push_back(d.Headline());
  return headlines;
}

struct BadRfm {
  std::string name;
  std::vector<RuleSource> files;
  std::vector<std::string> headlines;
  std::string hint_part = "";  // a part of the first diagnostic's hint; unchecked when empty
};

void PrintTo(const BadRfm& c, std::ostream* os) { *os << c.name; }

class RfmLoaderDiagnostics : public ::testing::TestWithParam<BadRfm> {};

TEST_P(RfmLoaderDiagnostics, RefusesTheFileAtTheMistake) {
  const BadRfm& c = GetParam();
  LoadResult result = RuleSet::LoadSources(c.files);
  EXPECT_EQ(result.ruleset, nullptr);
  EXPECT_THAT(Headlines(result), ElementsAreArray(c.headlines))
      << FormatDiagnostics(result.diagnostics);
  if (!c.hint_part.empty() && !result.diagnostics.empty()) {
    EXPECT_THAT(result.diagnostics.front().hint, HasSubstr(c.hint_part));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Golden, RfmLoaderDiagnostics,
    ::testing::ValuesIn(std::vector<BadRfm>{
        {"ThreeCutPoints",
         {{"rfm.yaml", RfmFile("365", "[30, 90, 180]", kFrequency, kMonetary)}},
         {"rfm.yaml:3:10: error: recency must be four cut points or 'quantiles'"},
         "four cut points, ascending, e.g. recency: [30, 90, 180, 365]"},
        {"FiveCutPoints",
         {{"rfm.yaml", RfmFile("365", kRecency, "[1, 2, 4, 8, 16]", kMonetary)}},
         {"rfm.yaml:4:12: error: frequency must be four cut points or 'quantiles'"}},
        {"CutPointsNotAscending",
         {{"rfm.yaml", RfmFile("365", kRecency, "[2, 4, 4, 16]", kMonetary)}},
         {"rfm.yaml:4:19: error: the cut points of frequency must ascend, each above the one "
          "before"}},
        {"CutPointsDescending",
         {{"rfm.yaml", RfmFile("365", "[365, 180, 90, 30]", kFrequency, kMonetary)}},
         {"rfm.yaml:3:16: error: the cut points of recency must ascend, each above the one "
          "before"}},
        {"FractionalFrequency",
         {{"rfm.yaml", RfmFile("365", kRecency, "[2, 4.5, 8, 16]", kMonetary)}},
         {"rfm.yaml:4:16: error: a cut point of frequency must be a whole number of purchases, "
          "1 or more"}},
        {"ZeroFrequency",
         {{"rfm.yaml", RfmFile("365", kRecency, "[0, 4, 8, 16]", kMonetary)}},
         {"rfm.yaml:4:13: error: a cut point of frequency must be a whole number of purchases, "
          "1 or more"}},
        {"NegativeRecency",
         {{"rfm.yaml", RfmFile("365", "[-1, 90, 180, 365]", kFrequency, kMonetary)}},
         {"rfm.yaml:3:11: error: a cut point of recency must be a whole number of days, 0 or "
          "more"}},
        {"FractionalRecency",
         {{"rfm.yaml", RfmFile("365", "[30, 90.5, 180, 365]", kFrequency, kMonetary)}},
         {"rfm.yaml:3:15: error: a cut point of recency must be a whole number of days, 0 or "
          "more"}},
        {"ZeroMonetary",
         {{"rfm.yaml", RfmFile("365", kRecency, kFrequency, "[0, 2000, 5000, 10000]")}},
         {"rfm.yaml:5:12: error: a cut point of monetary must be an amount above 0"}},
        {"TextCutPoint",
         {{"rfm.yaml", RfmFile("365", kRecency, kFrequency, "[500, lots, 5000, 10000]")}},
         {"rfm.yaml:5:17: error: a cut point of monetary must be an amount above 0"}},
        {"QuantileTypo",
         {{"rfm.yaml", RfmFile("365", "quantile", kFrequency, kMonetary)}},
         {"rfm.yaml:3:10: error: recency must be four cut points or 'quantiles'"},
         "recency: quantiles"},
        {"WindowDaysZero",
         {{"rfm.yaml", RfmFile("0", kRecency, kFrequency, kMonetary)}},
         {"rfm.yaml:2:14: error: window_days must be from 1 to 3660, not 0"}},
        {"WindowDaysTooMany",
         {{"rfm.yaml", RfmFile("5000", kRecency, kFrequency, kMonetary)}},
         {"rfm.yaml:2:14: error: window_days must be from 1 to 3660, not 5000"}},
        {"WindowDaysFractional",
         {{"rfm.yaml", RfmFile("30.5", kRecency, kFrequency, kMonetary)}},
         {"rfm.yaml:2:14: error: 'window_days' must be a whole number, not '30.5'"}},
        {"MissingMeasure",
         {{"rfm.yaml", RfmFile("365", kRecency, kFrequency, "")}},
         {"rfm.yaml:1:1: error: the rfm file has no 'monetary'"}},
        {"AllErrorsOfOneFile",
         {{"rfm.yaml", RfmFile("0", "[30, 90]", "[2, 1, 8, 16]", "")}},
         {"rfm.yaml:1:1: error: the rfm file has no 'monetary'",
          "rfm.yaml:2:14: error: window_days must be from 1 to 3660, not 0",
          "rfm.yaml:3:10: error: recency must be four cut points or 'quantiles'",
          "rfm.yaml:4:16: error: the cut points of frequency must ascend, each above the one "
          "before"}},
        {"TwoRfmFiles",
         {{"a_rfm.yaml", GoodRfm()}, {"b_rfm.yaml", GoodRfm()}},
         {"b_rfm.yaml:1:7: error: RFM scores are already defined in a_rfm.yaml"},
         "keep all RFM scores in one file"},
        {"RfmWithoutRfmFile",
         {{"segments.yaml", SegmentationWhen("rfm.r >= 4")}},
         {"segments.yaml:6:15: error: rfm.r needs an rfm file"},
         "kind: rfm"},
        // A broken rfm file is still an rfm file to the rules: one error.
        {"RfmWithBrokenRfmFile",
         {{"rfm.yaml", RfmFile("365", "[30, 90, 180]", kFrequency, kMonetary)},
          {"segments.yaml", SegmentationWhen("rfm.r >= 4")}},
         {"rfm.yaml:3:10: error: recency must be four cut points or 'quantiles'"}},
        {"RfmOfUnknownScore",
         {{"rfm.yaml", GoodRfm()}, {"segments.yaml", SegmentationWhen("rfm.x >= 4")}},
         {"segments.yaml:6:15: error: unknown RFM score 'rfm.x'; did you mean 'rfm.r'?"}},
    }),
    [](const ::testing::TestParamInfo<BadRfm>& info) { return info.param.name; });

// A name far from any score lists them all.
TEST(RfmLoader, UnknownScoreListsTheScores) {
  LoadResult result = RuleSet::LoadSources(
      {{"rfm.yaml", GoodRfm()}, {"segments.yaml", SegmentationWhen("rfm.recency >= 4")}});
  ASSERT_EQ(result.ruleset, nullptr);
  ASSERT_EQ(result.diagnostics.size(), 1u) << FormatDiagnostics(result.diagnostics);
  const Diagnostic& d = result.diagnostics.front();
  EXPECT_EQ(d.Headline(), "segments.yaml:6:15: error: unknown RFM score 'rfm.recency'");
  EXPECT_THAT(d.hint, HasSubstr("rfm.r, rfm.f, rfm.m"));
}

TEST(RfmLoader, LoadsTheModel) {
  LoadResult result = RuleSet::LoadSources(
      {{"rfm.yaml", RfmFile("400", "[0, 7, 30, 90]", "quantiles", "[99.5, 200, 300.25, 1000]")}});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const RfmModel* model = result.ruleset->Rfm();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->window_days, 400);
  EXPECT_FALSE(model->recency.quantiles);
  EXPECT_THAT(model->recency.cuts, ElementsAre(0, 7, 30, 90));
  EXPECT_TRUE(model->frequency.quantiles);
  EXPECT_THAT(model->frequency.cuts, IsEmpty());
  EXPECT_THAT(model->monetary.cuts,
              ElementsAre(995000, 200 * kUnit, 3002500, 1000 * kUnit));  // Decimal units
  EXPECT_TRUE(model->UsesQuantiles());
  // window_days left out: 365.
  LoadResult default_window =
      RuleSet::LoadSources({{"rfm.yaml", RfmFile("", kRecency, kFrequency, kMonetary)}});
  ASSERT_TRUE(default_window.ok()) << FormatDiagnostics(default_window.diagnostics);
  EXPECT_EQ(default_window.ruleset->Rfm()->window_days, 365);
  EXPECT_FALSE(default_window.ruleset->Rfm()->UsesQuantiles());
  // The window's limits load.
  for (std::string_view days : {"1", "3660"}) {
    LoadResult edge =
        RuleSet::LoadSources({{"rfm.yaml", RfmFile(days, kRecency, kFrequency, kMonetary)}});
    ASSERT_TRUE(edge.ok()) << days << "\n" << FormatDiagnostics(edge.diagnostics);
    EXPECT_EQ(StrCat(edge.ruleset->Rfm()->window_days), days);
  }
  // No rfm file: no model.
  LoadResult without = RuleSet::LoadSources({{"segments.yaml", SegmentationWhen("age < 40")}});
  ASSERT_TRUE(without.ok()) << FormatDiagnostics(without.diagnostics);
  EXPECT_EQ(without.ruleset->Rfm(), nullptr);
}

TEST(RfmLoader, TheRetailExampleLoadsItsRfmFile) {
  LoadResult result =
      RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/examples/retail-programme");
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const RfmModel* model = result.ruleset->Rfm();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->window_days, 365);
  EXPECT_THAT(model->recency.cuts, ElementsAre(30, 90, 180, 365));
  EXPECT_THAT(model->frequency.cuts, ElementsAre(2, 4, 8, 16));
  EXPECT_TRUE(model->monetary.quantiles);
  EXPECT_GE(result.ruleset->HistoryDays(), 365);
}

TEST(RfmLoader, RulesReadingRfmDependOnTheDate) {
  LoadResult result =
      RuleSet::LoadSources({{"rfm.yaml", GoodRfm()}, {"segments.yaml", R"(kind: segmentation
dimensions:
  - id: rfm_segment
    rules:
      - id: champions
        when: rfm.r >= 4 and rfm.f >= 4
        segment: champions
      - id: big_spenders
        when: rfm.m == 5
        segment: big_spenders
      - id: young
        when: age < 40
        segment: young
    default: others
)"}});
  ASSERT_TRUE(result.ok()) << FormatDiagnostics(result.diagnostics);
  const auto rules = result.ruleset->DateDependentRules();
  EXPECT_THAT(rules, Contains(Pair("segmentation rfm_segment", "champions")));
  EXPECT_THAT(rules, Contains(Pair("segmentation rfm_segment", "big_spenders")));
  EXPECT_THAT(rules, Not(Contains(Pair("segmentation rfm_segment", "young"))));
}

TEST(RfmLoader, HistoryDaysCoverTheWindow) {
  LoadResult plain = RuleSet::LoadSources({{"segments.yaml", SegmentationWhen("age < 40")}});
  ASSERT_TRUE(plain.ok()) << FormatDiagnostics(plain.diagnostics);
  EXPECT_EQ(plain.ruleset->HistoryDays(), 0);

  LoadResult with_rfm =
      RuleSet::LoadSources({{"rfm.yaml", RfmFile("400", kRecency, kFrequency, kMonetary)},
                            {"segments.yaml", SegmentationWhen("age < 40")}});
  ASSERT_TRUE(with_rfm.ok()) << FormatDiagnostics(with_rfm.diagnostics);
  EXPECT_GE(with_rfm.ruleset->HistoryDays(), 400);

  // A fact over a longer window needs more.
  LoadResult longer =
      RuleSet::LoadSources({{"rfm.yaml", RfmFile("30", kRecency, kFrequency, kMonetary)},
                            {"segments.yaml", SegmentationWhen("purchases_in_last(90) >= 2")}});
  ASSERT_TRUE(longer.ok()) << FormatDiagnostics(longer.diagnostics);
  EXPECT_EQ(longer.ruleset->HistoryDays(), 90);
  LoadResult shorter =
      RuleSet::LoadSources({{"rfm.yaml", RfmFile("120", kRecency, kFrequency, kMonetary)},
                            {"segments.yaml", SegmentationWhen("purchases_in_last(90) >= 2")}});
  ASSERT_TRUE(shorter.ok()) << FormatDiagnostics(shorter.diagnostics);
  EXPECT_EQ(shorter.ruleset->HistoryDays(), 120);
}

// ---------------------------------------------------------------- evaluation

std::shared_ptr<const RuleSet> Load(std::vector<RuleSource> sources) {
  LoadResult loaded = RuleSet::LoadSources(std::move(sources));
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

std::string SegmentOf(const RuleSet& rules, const Customer& c, std::string_view dimension) {
  Decision decision;
  const absl::Status status =
      rules.Evaluate({&c, nullptr, nullptr, nullptr, Day("2026-12-06")}, &decision);
  EXPECT_THAT(status, IsOk());
  for (const SegmentAssignment& s : decision.segments) {
    if (s.dimension == dimension) return std::string(s.segment);
  }
  return "";
}

TEST(RfmEvaluation, SegmentsByTheCustomersScores) {
  std::shared_ptr<const RuleSet> rules = Load(
      {{"rfm.yaml", GoodRfm()}, {"segments.yaml", SegmentationWhen("rfm.r >= 4 and rfm.f >= 4")}});
  ASSERT_NE(rules, nullptr);
  Customer c;
  c.rfm_r = 4;
  c.rfm_f = 4;
  EXPECT_EQ(SegmentOf(*rules, c, "rfm_segment"), "champions");
  c.rfm_r = 5;
  c.rfm_f = 5;
  EXPECT_EQ(SegmentOf(*rules, c, "rfm_segment"), "champions");
  c.rfm_f = 3;
  EXPECT_EQ(SegmentOf(*rules, c, "rfm_segment"), "others");
  c.rfm_r = 3;
  c.rfm_f = 5;
  EXPECT_EQ(SegmentOf(*rules, c, "rfm_segment"), "others");
  EXPECT_EQ(SegmentOf(*rules, Customer{}, "rfm_segment"), "others");  // not scored: 0
}

TEST(RfmEvaluation, CustomerFieldsTakeBothNamesAndScoresUpToFive) {
  std::shared_ptr<const RuleSet> rules = Load(
      {{"rfm.yaml", GoodRfm()}, {"segments.yaml", SegmentationWhen("rfm.r >= 4 and rfm.f >= 4")}});
  ASSERT_NE(rules, nullptr);
  Customer c;
  ASSERT_THAT(SetCustomerField(&c, "rfm.r", "5"), IsOk());
  ASSERT_THAT(SetCustomerField(&c, "rfm_f", "4"), IsOk());
  ASSERT_THAT(SetCustomerField(&c, "rfm_m", "2"), IsOk());
  EXPECT_EQ(c.rfm_r, 5);
  EXPECT_EQ(c.rfm_f, 4);
  EXPECT_EQ(c.rfm_m, 2);
  EXPECT_EQ(SegmentOf(*rules, c, "rfm_segment"), "champions");

  EXPECT_THAT(SetCustomerField(&c, "rfm.r", "6"), StatusIs(kInvalid, "rfm.r"));
  EXPECT_THAT(SetCustomerField(&c, "rfm_f", "6"), StatusIs(kInvalid, "rfm.f"));
  EXPECT_THAT(SetCustomerField(&c, "rfm.m", "-1"), StatusIs(kInvalid, "rfm.m"));
  EXPECT_THAT(SetCustomerField(&c, "rfm.r", "4.5"), StatusIs(kInvalid, "rfm.r"));
  // Refused values leave the customer as it was.
  EXPECT_EQ(c.rfm_r, 5);
  EXPECT_EQ(c.rfm_f, 4);
  EXPECT_EQ(c.rfm_m, 2);
  EXPECT_THAT(SetCustomerField(&c, "rfm.x", "1"), StatusIs(kInvalid, "unknown customer field"));
  EXPECT_THAT(CustomerFieldNames(), Contains("rfm.r"));
}

// ---------------------------------------------------------------- simulation

// Segments `recent` by rfm.r == 5, with these recency cut points.
std::shared_ptr<const RuleSet> RecencyRules(std::string_view recency) {
  return Load({{"rfm.yaml", RfmFile("365", recency, kFrequency, "quantiles")},
               {"segments.yaml", R"(kind: segmentation
dimensions:
  - id: recency
    rules:
      - id: recent
        when: rfm.r == 5
        segment: recent
      - id: lately
        when: rfm.r == 4
        segment: lately
    default: earlier
)"}});
}

Customer LastBought(std::string id, Date today, int32_t days_ago) {
  Customer c;
  c.id = std::move(id);
  c.last_purchase_at = DaysBefore(today, days_ago);
  return c;
}

std::vector<std::string> Moves(const SimulationReport& report, std::string_view dimension) {
  std::vector<std::string> out;
  for (const DimensionSimulation& d : report.dimensions) {
    if (d.dimension != dimension) continue;
    for (const SegmentMovement& m : d.movements) {
      out.push_back(StrCat(m.from, "→", m.to, ":", m.customers));
    }
  }
  return out;
}

TEST(RfmSimulation, EachVersionScoresByItsOwnCutPoints) {
  std::shared_ptr<const RuleSet> serving = RecencyRules("[30, 90, 180, 365]");
  std::shared_ptr<const RuleSet> candidate = RecencyRules("[60, 90, 180, 365]");
  ASSERT_NE(serving, nullptr);
  ASSERT_NE(candidate, nullptr);
  const Date today = Day("2026-12-06");
  Simulation simulation(serving, candidate, {.today = today, .examples = 5});
  simulation.Add(LastBought("c-40", today, 40));    // r 4 → 5
  simulation.Add(LastBought("c-60", today, 60));    // r 4 → 5
  simulation.Add(LastBought("c-61", today, 61));    // r 4 → 4
  simulation.Add(LastBought("c-10", today, 10));    // r 5 → 5
  simulation.Add(LastBought("c-200", today, 200));  // r 2 → 2
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.customers, 5);
  EXPECT_EQ(report.evaluation_errors, 0) << report.first_error;
  EXPECT_THAT(Moves(report, "recency"), ElementsAre("lately→recent:2", "earlier→earlier:1",
                                                    "lately→lately:1", "recent→recent:1"));
  for (const DimensionSimulation& d : report.dimensions) {
    if (d.dimension != "recency") continue;
    EXPECT_EQ(d.customers_moved, 2);
    ASSERT_FALSE(d.movements.empty());
    EXPECT_THAT(d.movements.front().examples, ElementsAre("c-40", "c-60"));
  }
}

TEST(RfmSimulation, QuantilesOfTheModelsWindowScoreBothVersions) {
  // Recency by quantiles: only the quantiles given, and only for 365 days.
  const std::string segments = R"(kind: segmentation
dimensions:
  - id: recency
    rules:
      - id: recent
        when: rfm.r == 5
        segment: recent
    default: earlier
)";
  std::shared_ptr<const RuleSet> serving = Load(
      {{"rfm.yaml", RfmFile("365", kRecency, kFrequency, kMonetary)}, {"segments.yaml", segments}});
  std::shared_ptr<const RuleSet> candidate =
      Load({{"rfm.yaml", RfmFile("365", "quantiles", kFrequency, kMonetary)},
            {"segments.yaml", segments}});
  ASSERT_NE(serving, nullptr);
  ASSERT_NE(candidate, nullptr);
  const Date today = Day("2026-12-06");

  RfmQuantiles quantiles;
  quantiles.window_days = 365;
  quantiles.recency = {50, 100, 200, 300};
  Simulation with(serving, candidate, {.today = today, .rfm_quantiles = &quantiles});
  with.Add(LastBought("c-40", today, 40));  // serving 4, candidate 5
  EXPECT_THAT(Moves(with.Report(), "recency"), ElementsAre("earlier→recent:1"));

  // Quantiles of another window: the candidate's recency stays 0.
  RfmQuantiles other = quantiles;
  other.window_days = 90;
  Simulation without(serving, candidate, {.today = today, .rfm_quantiles = &other});
  without.Add(LastBought("c-20", today, 20));  // serving 5, candidate 0
  EXPECT_THAT(Moves(without.Report(), "recency"), ElementsAre("recent→earlier:1"));
}

// The purchases a simulation replays are earned on as the server earns on
// them: by the customer as each version scores it (the server scores a
// stored customer whenever it reads it, also to evaluate a purchase).
TEST(RfmSimulation, ReplayedPurchasesEarnByEachVersionsScores) {
  auto rules = [](std::string_view recency) {
    return Load({{"rfm.yaml", RfmFile("365", recency, kFrequency, kMonetary)},
                 {"loyalty.yaml", R"(kind: loyalty
earning:
  rules:
    - id: recent_buyer
      when: rfm.r == 5
      points: 100
  default:
    id: everyone
    points: 10
)"}});
  };
  std::shared_ptr<const RuleSet> serving = rules("[30, 90, 180, 365]");
  std::shared_ptr<const RuleSet> candidate = rules("[60, 90, 180, 365]");
  ASSERT_NE(serving, nullptr);
  ASSERT_NE(candidate, nullptr);
  const Date today = Day("2026-12-06");
  Simulation simulation(serving, candidate, {.today = today, .examples = 5});
  Purchase purchase;
  purchase.id = "p1";
  purchase.amount = Decimal::FromInteger(80);
  const std::vector<Purchase> bought = {purchase};
  simulation.Add(LastBought("c-10", today, 10), bought);  // r 5 under both
  simulation.Add(LastBought("c-40", today, 40), bought);  // r 4 → 5
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.evaluation_errors, 0) << report.first_error;
  EXPECT_EQ(report.points.purchases, 2);
  EXPECT_EQ(report.points.serving_points, 110);
  EXPECT_EQ(report.points.candidate_points, 200);
  EXPECT_EQ(report.points.customers_changed, 1);
  EXPECT_THAT(report.points.examples, ElementsAre("c-40"));
}

}  // namespace
}  // namespace clientele::rules
