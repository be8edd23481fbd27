// Offers as campaigns in the rules layer: the pure pieces of rules/offers.h
// (periods, days, hours, caps), what the loader makes of an offer's value,
// window, limits, budget, group and exclusions (and the diagnostics of
// each), the programme's time zone, how an evaluation chooses offers
// (rules/ruleset.cc Offers: values, windows, limits and budgets against
// the usage given, stacking groups, exclusions, exclusive offers, and the
// reasons an explanation gives), and the rule-test keys for offers
// (time, amount, channel, offers_used, offers includes/excludes,
// offer_values).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/offer_calendar.h"
#include "rules/offers.h"
#include "rules/rule_tests.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

Decimal Amount(std::string_view text) {
  absl::StatusOr<Decimal> amount = Decimal::Parse(text);
  EXPECT_THAT(amount, IsOk()) << text;
  return amount.value_or(Decimal());
}

// ---------------------------------------------------------------- offers.h

TEST(CapPeriods, StartOfTheDayWeekAndMonth) {
  // 2026-11-30 is a Monday, 2026-12-06 a Sunday.
  EXPECT_EQ(PeriodStart(CapPeriod::kWeek, Day("2026-12-06")), Day("2026-11-30"));
  EXPECT_EQ(PeriodStart(CapPeriod::kWeek, Day("2026-11-30")), Day("2026-11-30"));
  EXPECT_EQ(PeriodStart(CapPeriod::kWeek, Day("2026-11-29")), Day("2026-11-23"));
  EXPECT_EQ(PeriodStart(CapPeriod::kWeek, Day("2027-01-01")), Day("2026-12-28"));
  EXPECT_EQ(PeriodStart(CapPeriod::kMonth, Day("2026-12-06")), Day("2026-12-01"));
  EXPECT_EQ(PeriodStart(CapPeriod::kDay, Day("2026-12-06")), Day("2026-12-06"));
  EXPECT_EQ(PeriodStart(CapPeriod::kYear, Day("2026-12-06")), Day("2026-01-01"));
  EXPECT_EQ(PeriodStart(CapPeriod::kYear, Day("2024-02-29")), Day("2024-01-01"));
  EXPECT_FALSE(PeriodStart(CapPeriod::kTotal, Day("2026-12-06")).known());
  EXPECT_FALSE(PeriodStart(CapPeriod::kWeek, Date()).known());
}

TEST(OfferCapWords, DescribeAndKey) {
  using Scope = OfferCap::Scope;
  using Measure = OfferCap::Measure;
  const OfferCap once{Scope::kCustomer, Measure::kRedemptions, CapPeriod::kTotal,
                      Channel::kUnknown, 1};
  EXPECT_EQ(once.Describe(), "1 per customer");
  EXPECT_EQ(once.Key(), "per_customer.total");
  const OfferCap weekly{Scope::kCustomer, Measure::kRedemptions, CapPeriod::kWeek,
                        Channel::kUnknown, 2};
  EXPECT_EQ(weekly.Describe(), "2 per customer a week");
  EXPECT_EQ(weekly.Key(), "per_customer.week");
  const OfferCap budget{Scope::kBudget, Measure::kRedemptions, CapPeriod::kTotal,
                        Channel::kUnknown, 5000};
  EXPECT_EQ(budget.Describe(), "a budget of 5000 redemptions");
  EXPECT_EQ(budget.Key(), "budget.redemptions");
  const OfferCap online{Scope::kBudget, Measure::kValue, CapPeriod::kMonth, Channel::kOnline,
                        Amount("2500.5").units()};
  EXPECT_EQ(online.Describe(), "a budget of 2500.5 in value a month online");
  EXPECT_EQ(online.Key(), "budget.online.value_per_month");
}

TEST(OfferWindowPieces, DaysOfTheWeek) {
  EXPECT_EQ(Weekdays::ParseDay("mon"), 1);
  EXPECT_EQ(Weekdays::ParseDay("Sunday"), 7);
  EXPECT_EQ(Weekdays::ParseDay(" SAT "), 6);
  EXPECT_EQ(Weekdays::ParseDay("weekend"), 0);
  EXPECT_EQ(Weekdays::ParseDay("8"), 0);
  Weekdays weekend{static_cast<uint8_t>((1u << 6) | (1u << 7))};
  EXPECT_TRUE(weekend.Contains(Day("2026-12-05")));   // Saturday
  EXPECT_TRUE(weekend.Contains(Day("2026-12-06")));   // Sunday
  EXPECT_FALSE(weekend.Contains(Day("2026-12-07")));  // Monday
  EXPECT_EQ(weekend.ToString(), "Sat, Sun");
  EXPECT_EQ(Weekdays{}.ToString(), "every day");
}

TEST(OfferWindowPieces, HoursOfTheDay) {
  absl::StatusOr<HoursOfDay> evening = HoursOfDay::Parse("18:00-24:00");
  ASSERT_THAT(evening, IsOk());
  EXPECT_FALSE(evening->Contains(17 * 60 + 59));
  EXPECT_TRUE(evening->Contains(18 * 60));
  EXPECT_TRUE(evening->Contains(23 * 60 + 59));
  EXPECT_EQ(evening->ToString(), "18:00-24:00");
  absl::StatusOr<HoursOfDay> morning = HoursOfDay::Parse(" 09:00 - 12:30 ");
  ASSERT_THAT(morning, IsOk());
  EXPECT_FALSE(morning->Contains(12 * 60 + 30));  // the end is not in it
  for (std::string_view bad : {"9-12", "09:00", "12:00-09:00", "09:00-09:00", "25:00-26:00",
                               "09:60-10:00", "ab:cd-ef:gh", ""}) {
    EXPECT_FALSE(HoursOfDay::Parse(bad).ok()) << bad;
  }
  EXPECT_THAT(HoursOfDay::Parse("22:00-02:00").status().message(),
              HasSubstr("ends before it begins"));
  EXPECT_EQ(TimeOfDayString(9 * 60 + 5), "09:05");
  EXPECT_EQ(TimeOfDayString(-1), "");
}

// ---------------------------------------------------------------- loading

std::string Headlines(const LoadResult& loaded) {
  std::string out;
  for (const Diagnostic& d : loaded.diagnostics) out += d.Headline() + "\n";
  return out;
}

LoadResult LoadOffers(std::string_view offers, std::string_view parameters = "") {
  std::vector<RuleSource> sources = {{"offers.yaml", std::string(offers)}};
  if (!parameters.empty()) sources.push_back({"parameters.yaml", std::string(parameters)});
  return RuleSet::LoadSources(sources);
}

std::shared_ptr<const RuleSet> Loaded(std::string_view offers, std::string_view parameters = "") {
  LoadResult loaded = LoadOffers(offers, parameters);
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

// The first error or warning of loading `offers`, as "line:column: message".
std::string FirstProblem(std::string_view offers, std::string_view parameters = "") {
  LoadResult loaded = LoadOffers(offers, parameters);
  if (loaded.diagnostics.empty()) return "(none)";
  const Diagnostic& d = loaded.diagnostics.front();
  return std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

constexpr char kCampaigns[] = R"(kind: offers
groups:
  checkout_discount: best_value
  gift: {choose: first, description: one gift per visit}
offers:
  - id: big_basket
    when: true
    offer: 满200减50
    priority: 30
    value: {amount_off: 50, min_amount: 200}
    group: checkout_discount
  - id: ten_percent
    when: true
    offer: 九折
    priority: 20
    value: {percent_off: 10, max_off: 80}
    group: checkout_discount
  - id: mug
    when: age >= 30
    offer: 马克杯
    value: {free_item: 马克杯, worth: 15}
    group: gift
  - id: bag
    when: true
    offer: 帆布袋
    value: {free_item: 帆布袋, worth: 20}
    group: gift
  - id: free_shipping
    when: true
    offer: 包邮
    stacking: stackable
    value: {amount_off: 8}
  - id: double_points
    when: true
    offer: 双倍积分
    stacking: stackable
    value: {points_multiplier: 2}
)";

TEST(OfferLoading, CampaignTermsLoadWithoutWarnings) {
  LoadResult loaded = LoadOffers(kCampaigns);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.diagnostics, IsEmpty()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.ruleset->OfferCaps(), IsEmpty());
  EXPECT_EQ(loaded.ruleset->time_zone_name(), "UTC");
}

TEST(OfferLoading, CapsAreNumberedInOfferOrder) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: low
    when: true
    offer: B
    stacking: stackable
    per_customer: 3
  - id: high
    when: true
    offer: A
    priority: 9
    stacking: stackable
    per_customer: {week: 1, total: 4}
    budget:
      redemptions: 5000
      value_per_day: 1000.50
      online: {redemptions: 3000}
)");
  ASSERT_NE(ruleset, nullptr);
  std::vector<std::string> caps;
  for (const NumberedCap& c : ruleset->OfferCaps()) caps.push_back(c.offer_id + " " + c.cap.Key());
  EXPECT_THAT(caps, ElementsAre("high per_customer.total", "high per_customer.week",
                                "high budget.redemptions", "high budget.value_per_day",
                                "high budget.online.redemptions", "low per_customer.total"));
  EXPECT_EQ(ruleset->OfferCaps()[3].cap.limit, Amount("1000.50").units());
}

TEST(OfferLoading, MistakesAreDiagnosedAtTheirPlace) {
  auto offer = [](std::string_view extra) {
    return "kind: offers\ngroups: {checkout: best_value}\noffers:\n  - id: x\n    when: true\n"
           "    offer: X\n" + std::string(extra);
  };
  EXPECT_EQ(FirstProblem(offer("    group: chekout\n")),
            "7:12: there is no stacking group 'chekout'; did you mean 'checkout'?");
  EXPECT_EQ(FirstProblem(offer("    group: checkout\n    stacking: exclusive\n")),
            "8:15: an offer in a stacking group cannot be exclusive");
  EXPECT_EQ(FirstProblem(offer("    value: {amount_off: 5, percent_off: 10}\n")),
            "7:12: the value gives both amount_off and percent_off");
  EXPECT_EQ(FirstProblem(offer("    value: {}\n")),
            "7:12: the value does not say what the offer gives");
  EXPECT_EQ(FirstProblem(offer("    value: {percent_off: 120}\n")),
            "7:26: 'percent_off' must be more than 0 and at most 100, not 120");
  EXPECT_EQ(FirstProblem(offer("    value: {amount_off: 0}\n")),
            "7:25: 'amount_off' must be more than 0, not 0");
  EXPECT_EQ(FirstProblem(offer("    value: {percent_off: 10, every: 100}\n")),
            "7:30: 'every' does not go with percent_off");
  EXPECT_EQ(FirstProblem(offer("    value: {points_multiplier: 1}\n")),
            "7:32: a points multiplier must be more than 1");
  EXPECT_EQ(FirstProblem(offer("    value: {amount_off: agee}\n")),
            "7:25: unknown field 'agee'; did you mean 'age'?");
  EXPECT_EQ(FirstProblem(offer("    value: {amount_off: 5, colour: red}\n")),
            "7:28: unknown key 'colour' in an offer's value");
  EXPECT_EQ(FirstProblem(offer("    days: [sat, sunday, holiday]\n")),
            "7:25: this is not a day of the week");
  EXPECT_EQ(FirstProblem(offer("    hours: 21:00-09:00\n")),
            "7:12: '21:00-09:00' is not a range of hours: it ends before it begins (a range past "
            "midnight is two offers, or two ranges); write it as HH:MM-HH:MM, e.g. 09:00-21:00 "
            "(24:00 ends at midnight)");
  EXPECT_EQ(FirstProblem(offer("    per_customer: 0\n")),
            "7:19: 'per_customer' must be at least 1");
  EXPECT_EQ(FirstProblem(offer("    per_customer: {fortnight: 1}\n")),
            "7:20: unknown key 'fortnight' in 'per_customer'");
  EXPECT_EQ(FirstProblem(offer("    budget: {redemptions_per_decade: 5}\n")),
            "7:14: unknown key 'redemptions_per_decade' in 'budget'");
  EXPECT_EQ(FirstProblem(offer("    budget: {}\n")), "7:13: the budget sets no limit");
  EXPECT_EQ(FirstProblem(offer("    budget: {redemption: 5}\n")),
            "7:14: unknown key 'redemption' in 'budget'; did you mean 'redemptions'?");
  EXPECT_EQ(FirstProblem(offer("    budget: {value: -5}\n")), "7:21: 'value' must be more than 0");
  EXPECT_EQ(FirstProblem(offer("    excludes: [nobody]\n")),
            "7:16: there is no offer with id 'nobody'");
  EXPECT_EQ(FirstProblem(offer("    excludes: [x]\n")), "7:16: an offer cannot exclude itself");
  EXPECT_EQ(FirstProblem("kind: offers\ngroups: {g: biggest}\noffers: []\n"),
            "2:13: unknown choice 'biggest'");
}

TEST(OfferLoading, EveryMistakeIsReportedAtOnce) {
  LoadResult loaded = LoadOffers(R"(kind: offers
offers:
  - id: a
    when: true
    offer: A
    value: {percent_off: 0}
    days: [someday]
    hours: 9-5
    per_customer: -1
)");
  EXPECT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.diagnostics.size(), 4u) << FormatDiagnostics(loaded.diagnostics);
}

TEST(OfferLoading, ABestValueGroupDoesNotMixPointsAndMoney) {
  EXPECT_EQ(FirstProblem(R"(kind: offers
groups: {g: best_value}
offers:
  - id: money
    when: true
    offer: M
    group: g
    value: {amount_off: 5}
  - id: points
    when: true
    offer: P
    group: g
    value: {points_multiplier: 2}
)"),
            "12:12: group 'g' chooses the best value, but 'points' is worth points and 'money' "
            "money");
  // Chosen by order, they may share a group.
  EXPECT_NE(Loaded(R"(kind: offers
groups: {g: first}
offers:
  - id: money
    when: true
    offer: M
    group: g
    value: {amount_off: 5}
  - id: points
    when: true
    offer: P
    group: g
    value: {points_multiplier: 2}
)"),
            nullptr);
}

TEST(OfferLoading, AGroupIsDeclaredOnce) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"a.yaml", "kind: offers\ngroups: {g: first}\noffers: []\n"},
       {"b.yaml", "kind: offers\ngroups: {g: best_value}\noffers: []\n"}});
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded), HasSubstr("b.yaml:2:10: error: stacking group 'g' is declared twice"));
}

TEST(OfferLoading, WarnsOfAnOfferThatStackingMakesUnreachable) {
  // An exclusive offer for everyone above a stackable one: the silent loss
  // marketing ran into.
  LoadResult loaded = LoadOffers(R"(kind: offers
offers:
  - id: everyone
    when: true
    offer: 全场九折
    priority: 10
    stacking: exclusive
  - id: new_customers
    when: days_since(joined_at) <= 30
    offer: 新客礼包
    stacking: stackable
)");
  ASSERT_TRUE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              HasSubstr("offers.yaml:8:9: warning: offer 'new_customers' can never be given: the "
                        "exclusive offer 'everyone' (offers.yaml:3) comes before it and is given "
                        "to every customer it would be"));
  // The same in a group that takes the first, and through an exclusion.
  EXPECT_THAT(Headlines(LoadOffers(R"(kind: offers
groups: {g: first}
offers:
  - id: a
    when: age >= 18
    offer: A
    group: g
  - id: b
    when: age >= 30
    offer: B
    group: g
)")),
              HasSubstr("warning: offer 'b' can never be given: 'a', first in group 'g',"));
  EXPECT_THAT(Headlines(LoadOffers(R"(kind: offers
offers:
  - id: a
    when: true
    offer: A
    stacking: stackable
  - id: b
    when: age >= 30
    offer: B
    stacking: stackable
    excludes: [a]
)")),
              HasSubstr("warning: offer 'b' can never be given: 'a', which it excludes,"));
}

TEST(OfferLoading, NoUnreachableWarningWhenTheEarlierOfferCanRunOut) {
  // A budget, a minimum, a narrower window or a condition that does not
  // cover the later offer: the later one can still be given.
  for (std::string_view restriction :
       {"    budget: {redemptions: 100}\n", "    value: {amount_off: 5, min_amount: 100}\n",
        "    days: [sat]\n", "    valid_until: 2026-12-31\n", "    hours: 09:00-12:00\n"}) {
    LoadResult loaded = LoadOffers("kind: offers\noffers:\n  - id: a\n    when: true\n"
                                   "    offer: A\n    priority: 9\n" +
                                   std::string(restriction) +
                                   "  - id: b\n    when: true\n    offer: B\n");
    ASSERT_TRUE(loaded.ok()) << restriction << FormatDiagnostics(loaded.diagnostics);
    EXPECT_THAT(Headlines(loaded), Not(HasSubstr("never be given"))) << restriction;
  }
  LoadResult narrower = LoadOffers(R"(kind: offers
offers:
  - id: a
    when: age >= 40
    offer: A
    priority: 9
  - id: b
    when: age >= 30
    offer: B
)");
  EXPECT_THAT(Headlines(narrower), Not(HasSubstr("never be given")));
}

// ---------------------------------------------------------------- time zone

constexpr char kShanghai[] = "kind: parameters\ntime_zone: Asia/Shanghai\nparameters: {}\n";

TEST(TimeZone, TheDayAndMinuteOfAnInstantInTheProgrammesZone) {
  auto shanghai = Loaded("kind: offers\noffers: []\n", kShanghai);
  ASSERT_NE(shanghai, nullptr);
  EXPECT_EQ(shanghai->time_zone_name(), "Asia/Shanghai");
  // 16:00 UTC is midnight in Shanghai (UTC+8, no daylight saving).
  const absl::Time midnight = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 16, 0, 0),
                                              absl::UTCTimeZone());
  RuleSet::LocalTime at = shanghai->LocalTimeAt(midnight);
  EXPECT_EQ(at.day, Day("2026-11-27"));
  EXPECT_EQ(at.minute, 0);
  at = shanghai->LocalTimeAt(midnight - absl::Minutes(1));
  EXPECT_EQ(at.day, Day("2026-11-26"));
  EXPECT_EQ(at.minute, 23 * 60 + 59);
  auto utc = Loaded("kind: offers\noffers: []\n");
  EXPECT_EQ(utc->LocalTimeAt(midnight).day, Day("2026-11-26"));
  EXPECT_EQ(utc->LocalTimeAt(midnight).minute, 16 * 60);
}

TEST(TimeZone, AnUnknownOrRepeatedZoneIsAnError) {
  EXPECT_EQ(FirstProblem("kind: offers\noffers: []\n",
                         "kind: parameters\ntime_zone: Mars/Olympus\nparameters: {}\n"),
            "2:12: unknown time zone 'Mars/Olympus'");
  LoadResult twice = RuleSet::LoadSources(
      {{"a.yaml", kShanghai},
       {"b.yaml", "kind: parameters\ntime_zone: Europe/Berlin\nparameters: {x: 1}\n"}});
  EXPECT_FALSE(twice.ok());
  EXPECT_THAT(Headlines(twice), HasSubstr("b.yaml:2:12: error: the time zone is set twice"));
}

// ---------------------------------------------------------------- evaluation

struct Situation {
  std::string today = "2026-11-27";  // a Friday
  int32_t minute = 12 * 60;
  std::optional<std::string> amount;      // a basket
  std::optional<std::string> purchase;    // a purchase's amount
  Channel channel = Channel::kUnknown;
  std::vector<int64_t> used;
  int age = 35;
};

Decision Evaluate(const RuleSet& ruleset, const Situation& s, Explanation* why = nullptr) {
  Customer customer;
  customer.id = "c";
  customer.age = s.age;
  Purchase purchase;
  if (s.purchase) {
    purchase.amount = Amount(*s.purchase);
    purchase.channel = s.channel;
  }
  EvalInput input{&customer, s.purchase ? &purchase : nullptr, nullptr, nullptr, Day(s.today)};
  input.minute = s.minute;
  if (s.amount) input.basket_amount = Amount(*s.amount);
  input.channel = s.channel;
  input.offer_usage = s.used;
  Decision decision;
  EXPECT_THAT(ruleset.Evaluate(input, &decision, why), IsOk());
  return decision;
}

std::vector<std::string> Given(const Decision& d) {
  std::vector<std::string> out;
  for (const OfferGrant& g : d.offers) {
    out.push_back(std::string(g.offer) + (g.value_known ? "=" + g.value.ToString() : "=?"));
  }
  return out;
}

std::vector<std::string> Lost(const Decision& d) {
  std::vector<std::string> out;
  for (const OfferLoss& l : d.offers_lost) {
    out.push_back(std::string(l.rule_id) + "<" + std::string(l.lost_to));
  }
  return out;
}

const RuleExplanation* Explained(const Explanation& why, std::string_view id) {
  for (const RuleExplanation& r : why.rules) {
    if (r.rule_id == id) return &r;
  }
  return nullptr;
}

TEST(OfferValues, TheBetterOfTwoDiscountsWinsAndFreeShippingAlwaysStacks) {
  auto ruleset = Loaded(kCampaigns);
  ASSERT_NE(ruleset, nullptr);
  // 300: 满200减50 is worth 50, 九折 30.
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "300"})),
              ElementsAre("满200减50=50", "马克杯=15", "包邮=8", "双倍积分=?"));
  // 1000: 九折 is worth 100, capped at 80; still more than 50.
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "1000"})),
              ElementsAre("九折=80", "马克杯=15", "包邮=8", "双倍积分=?"));
  // 150: below 满200's minimum; 九折 is worth 15.
  Decision small = Evaluate(*ruleset, {.amount = "150"});
  EXPECT_THAT(Given(small), ElementsAre("九折=15", "马克杯=15", "包邮=8", "双倍积分=?"));
  EXPECT_THAT(Lost(small), ElementsAre("bag<mug"));
  // 5: money off never exceeds the amount.
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "5"})),
              ElementsAre("九折=0.5", "马克杯=15", "包邮=5", "双倍积分=?"));
}

TEST(OfferValues, WithoutAnAmountValuesAreNominal) {
  auto ruleset = Loaded(kCampaigns);
  // An amount off counts in full (its minimum unchecked), a percent off
  // as its cap: 80 beats 50.
  Decision d = Evaluate(*ruleset, {});
  EXPECT_THAT(Given(d), ElementsAre("九折=80", "马克杯=15", "包邮=8", "双倍积分=?"));
  EXPECT_THAT(Lost(d), ElementsAre("big_basket<ten_percent", "bag<mug"));
}

TEST(OfferValues, EqualValuesGoToTheFirstInOfferOrder) {
  auto ruleset = Loaded(kCampaigns);
  // 500: 满200减50 = 50 and 九折 = 50; big_basket has the higher priority.
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "500"})),
              Contains("满200减50=50"));
}

TEST(OfferValues, EveryFullAmountAndPercentRounding) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: every_hundred
    when: true
    offer: 每满100减20
    stacking: stackable
    value: {amount_off: 20, every: 100, max_off: 100}
  - id: pct
    when: true
    offer: 7.5折扣
    stacking: stackable
    value: {percent_off: 7.5}
)");
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "99.99"})),
              ElementsAre("每满100减20=0", "7.5折扣=7.5"));
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "350"})),
              ElementsAre("每满100减20=60", "7.5折扣=26.25"));
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "1234.56"})),
              ElementsAre("每满100减20=100", "7.5折扣=92.59"));
  // Without an amount: once, and a percent without a cap is unknown.
  EXPECT_THAT(Given(Evaluate(*ruleset, {})), ElementsAre("每满100减20=20", "7.5折扣=?"));
}

TEST(OfferValues, AFormulaValueAndItsRuntimeCheck) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: by_age
    when: true
    offer: 年龄折扣
    value: {percent_off: age / 2}
)");
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "100", .age = 30})), ElementsAre("年龄折扣=15"));
  Customer newborn;  // 0 % off is not an offer: a runtime error naming the rule
  newborn.id = "c";
  newborn.age = 0;
  Decision d;
  EvalInput input{&newborn, nullptr, nullptr, nullptr, Day("2026-11-27")};
  input.basket_amount = Amount("100");
  absl::Status status = ruleset->Evaluate(input, &d);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("rule 'by_age'"),
                                      HasSubstr("percent_off must be more than 0")));
}

TEST(OfferValues, APointsMultiplierOfferMultipliesThePurchasesPoints) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"offers.yaml", R"(kind: offers
offers:
  - id: double_points
    when: age >= 30
    offer: 双倍积分
    stacking: stackable
    value: {points_multiplier: 2}
)"},
       {"loyalty.yaml", R"(kind: loyalty
earning:
  rules: []
  default:
    id: per_yuan
    points: floor(purchase.amount)
  bonuses:
    - id: welcome
      when: true
      points: 5
)"}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Decision d = Evaluate(*loaded.ruleset, {.purchase = "120.5"});
  EXPECT_THAT(Given(d), ElementsAre("双倍积分=120"));
  EXPECT_EQ(d.loyalty.points_earned, 245);  // 120 × 2 + 5
  EXPECT_EQ(PointsBreakdown(d.loyalty), "120 (per_yuan) × 2 (offer double_points) + 5 (welcome)");
  Decision young = Evaluate(*loaded.ruleset, {.purchase = "120.5", .age = 20});
  EXPECT_THAT(Given(young), IsEmpty());
  EXPECT_EQ(young.loyalty.points_earned, 125);
}

TEST(OfferWindows, DaysAndHoursInclusiveOfTheFirstAndLastMinute) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: weekend_evening
    when: true
    offer: 周末晚场
    days: [fri, sat]
    hours: [18:00-24:00, 00:00-02:00]
    valid_from: 2026-11-27
    valid_until: 2026-11-28
)");
  struct Case {
    std::string today;
    int32_t minute;
    bool given;
  };
  const Case cases[] = {
      {"2026-11-27", 17 * 60 + 59, false}, {"2026-11-27", 18 * 60, true},
      {"2026-11-27", 23 * 60 + 59, true},  {"2026-11-28", 0, true},
      {"2026-11-28", 1 * 60 + 59, true},   {"2026-11-28", 2 * 60, false},
      {"2026-11-26", 20 * 60, false},  // Thursday, before valid_from too
      {"2026-11-29", 1 * 60, false},   // Sunday, after valid_until
      {"2026-11-27", -1, false},       // the time is not known
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Evaluate(*ruleset, {.today = c.today, .minute = c.minute}).offers.size(),
              c.given ? 1u : 0u)
        << c.today << " " << c.minute;
  }
  Explanation why;
  Evaluate(*ruleset, {.today = "2026-11-27", .minute = 9 * 60}, &why);
  ASSERT_NE(Explained(why, "weekend_evening"), nullptr);
  EXPECT_EQ(Explained(why, "weekend_evening")->note,
            "outside its window: the time is 09:00; valid 18:00-24:00, 00:00-02:00 (UTC)");
  Evaluate(*ruleset, {.today = "2026-11-26", .minute = 20 * 60}, &why);
  EXPECT_THAT(Explained(why, "weekend_evening")->note,
              HasSubstr("outside its window: not valid today (2026-11-26)"));
  why.rules.clear();
  auto days_only = Loaded("kind: offers\noffers:\n  - id: d\n    when: true\n    offer: D\n"
                          "    days: [sat, sun]\n");
  Evaluate(*days_only, {.today = "2026-11-27"}, &why);
  EXPECT_EQ(Explained(why, "d")->note,
            "outside its window: today (2026-11-27) is a Fri; valid on Sat, Sun");
}

constexpr char kLimited[] = R"(kind: offers
offers:
  - id: black_friday
    when: true
    offer: 黑五满200减50
    stacking: stackable
    value: {amount_off: 50, min_amount: 200}
    per_customer: {total: 2, week: 1}
    budget:
      redemptions: 5000
      value: 100000
      online: {redemptions_per_day: 10}
)";
// OfferCaps order: per_customer.total, per_customer.week,
// budget.redemptions, budget.value, budget.online.redemptions_per_day.

TEST(OfferLimits, TheLastUnitOfABudgetIsGivenAndThenNoMore) {
  auto ruleset = Loaded(kLimited);
  ASSERT_EQ(ruleset->OfferCaps().size(), 5u);
  EXPECT_EQ(Evaluate(*ruleset, {.amount = "300", .used = {0, 0, 4999, 0, 0}}).offers.size(), 1u);
  Explanation why;
  Decision spent = Evaluate(*ruleset, {.amount = "300", .used = {0, 0, 5000, 0, 0}}, &why);
  EXPECT_THAT(spent.offers, IsEmpty());
  EXPECT_THAT(spent.offers_lost, IsEmpty());  // not stacking: its budget
  EXPECT_EQ(Explained(why, "black_friday")->note,
            "matched, but budget spent: a budget of 5000 redemptions, 5000 used");
}

TEST(OfferLimits, AValueBudgetMustHoldThisRedemptionsValue) {
  auto ruleset = Loaded(kLimited);
  const int64_t left_50 = Amount("99950").units();
  const int64_t left_49 = Amount("99951").units();
  EXPECT_EQ(Evaluate(*ruleset, {.amount = "300", .used = {0, 0, 0, left_50, 0}}).offers.size(), 1u);
  Explanation why;
  EXPECT_THAT(Evaluate(*ruleset, {.amount = "300", .used = {0, 0, 0, left_49, 0}}, &why).offers,
              IsEmpty());
  EXPECT_EQ(Explained(why, "black_friday")->note,
            "matched, but budget spent: a budget of 100000 in value, 99951 used; this one is "
            "worth 50");
}

TEST(OfferLimits, CustomerLimitsSayWhichPeriod) {
  auto ruleset = Loaded(kLimited);
  Explanation why;
  EXPECT_THAT(Evaluate(*ruleset, {.today = "2026-12-06", .amount = "300", .used = {1, 1, 0, 0, 0}},
                       &why)
                  .offers,
              IsEmpty());
  EXPECT_EQ(Explained(why, "black_friday")->note,
            "matched, but customer limit reached: 1 per customer a week, 1 used since 2026-11-30");
  // The next Monday the caller counts a new week: 0 used this week.
  EXPECT_EQ(Evaluate(*ruleset, {.today = "2026-12-07", .amount = "300", .used = {1, 0, 0, 0, 0}})
                .offers.size(),
            1u);
  EXPECT_THAT(Evaluate(*ruleset, {.amount = "300", .used = {2, 0, 0, 0, 0}}).offers, IsEmpty());
}

TEST(OfferLimits, AChannelsBudgetHoldsInThatChannelOnly) {
  auto ruleset = Loaded(kLimited);
  const std::vector<int64_t> online_spent = {0, 0, 0, 0, 10};
  EXPECT_THAT(Evaluate(*ruleset, {.purchase = "300", .channel = Channel::kOnline,
                                  .used = online_spent})
                  .offers,
              IsEmpty());
  EXPECT_EQ(Evaluate(*ruleset, {.purchase = "300", .channel = Channel::kOffline,
                                .used = online_spent})
                .offers.size(),
            1u);
  EXPECT_EQ(Evaluate(*ruleset, {.amount = "300", .used = online_spent}).offers.size(), 1u);
}

TEST(OfferLimits, BelowTheMinimumIsExplained) {
  auto ruleset = Loaded(kLimited);
  Explanation why;
  EXPECT_THAT(Evaluate(*ruleset, {.amount = "199.99"}, &why).offers, IsEmpty());
  EXPECT_EQ(Explained(why, "black_friday")->note,
            "matched, but the amount 199.99 is below the offer's minimum of 200");
}

TEST(OfferStacking, ExclusionsWorkBothWaysByOfferOrder) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: a
    when: age >= 30
    offer: A
    priority: 5
    stacking: stackable
  - id: b
    when: true
    offer: B
    stacking: stackable
    excludes: [a]
  - id: c
    when: true
    offer: C
    stacking: stackable
)");
  Explanation why;
  Decision d = Evaluate(*ruleset, {}, &why);
  EXPECT_THAT(Given(d), ElementsAre("A=0", "C=0"));
  EXPECT_THAT(Lost(d), ElementsAre("b<a"));
  EXPECT_EQ(d.offers_lost[0].why, OfferLoss::Why::kExclusion);
  EXPECT_EQ(Explained(why, "b")->note,
            "matched, but lost to 'a', given before it, which it does not combine with "
            "(excludes)");
  // When a does not apply, b does.
  EXPECT_THAT(Given(Evaluate(*ruleset, {.age = 20})), ElementsAre("B=0", "C=0"));
}

TEST(OfferStacking, AnExclusiveOfferAndTheOffersAfterIt) {
  auto ruleset = Loaded(R"(kind: offers
groups: {g: best_value}
offers:
  - id: vip
    when: age >= 60
    offer: VIP
    priority: 50
  - id: stack
    when: true
    offer: S
    priority: 10
    stacking: stackable
  - id: grouped
    when: true
    offer: G
    group: g
  - id: alone
    when: true
    offer: L
    stacking: exclusive
)");
  Explanation why;
  Decision vip = Evaluate(*ruleset, {.age = 65}, &why);
  EXPECT_THAT(Given(vip), ElementsAre("VIP=0"));
  EXPECT_THAT(Lost(vip), ElementsAre("stack<vip", "grouped<vip", "alone<vip"));
  EXPECT_EQ(Explained(why, "stack")->note,
            "matched, but lost to the exclusive offer 'vip', given before it");
  why.rules.clear();
  Decision other = Evaluate(*ruleset, {.age = 30}, &why);
  EXPECT_THAT(Given(other), ElementsAre("S=0", "G=0"));
  EXPECT_THAT(Lost(other), ElementsAre("alone<stack"));
  EXPECT_EQ(Explained(why, "alone")->note,
            "matched, but lost to 'stack', given before it: this exclusive offer cannot combine "
            "with it");
}

TEST(OfferStacking, GroupLossesAreExplainedWithTheValues) {
  auto ruleset = Loaded(kCampaigns);
  Explanation why;
  Evaluate(*ruleset, {.amount = "300"}, &why);
  EXPECT_EQ(Explained(why, "ten_percent")->note,
            "matched, but lost to 'big_basket' in group 'checkout_discount', which is worth more "
            "(50 against 30)");
  EXPECT_EQ(Explained(why, "big_basket")->note, "given, worth 50");
  EXPECT_EQ(Explained(why, "bag")->note,
            "matched, but lost to 'mug', which comes first in group 'gift'");
  EXPECT_EQ(Explained(why, "double_points")->note, "given (its points show with a purchase)");
}

TEST(OfferStacking, SeedOffersKeepTheirOutcome) {
  // The seed's two exclusive offers, one per life stage: one offer at most.
  LoadResult seed = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(seed.ok());
  EXPECT_THAT(seed.ruleset->OfferCaps(), IsEmpty());
  EXPECT_EQ(seed.ruleset->time_zone_name(), "UTC");
}

TEST(OfferValues, EveryCountsWholeTimesExactly) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: every_200
    when: true
    offer: 每满200减20
    value: {amount_off: 20, every: 200}
)");
  // 199.99 / 200 is 0.99995: no whole 200 (a rounded division would say 1).
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "199.99"})), ElementsAre("每满200减20=0"));
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "200"})), ElementsAre("每满200减20=20"));
  EXPECT_THAT(Given(Evaluate(*ruleset, {.amount = "399.9999"})), ElementsAre("每满200减20=20"));
}

TEST(OfferValues, FormulasThatComeOutAtZeroOrBelowAreErrors) {
  for (std::string_view value : {"{amount_off: purchase_frequency}",
                                 "{amount_off: 20, max_off: purchase_frequency - 5}",
                                 "{amount_off: 20, every: purchase_frequency}",
                                 "{amount_off: 20, min_amount: purchase_frequency - 5}"}) {
    auto ruleset = Loaded("kind: offers\noffers:\n  - id: f\n    when: true\n    offer: F\n"
                          "    value: " + std::string(value) + "\n");
    ASSERT_NE(ruleset, nullptr) << value;
    Customer customer;
    customer.id = "c";
    customer.purchase_frequency = 0;
    EvalInput input{&customer, nullptr, nullptr, nullptr, Day("2026-11-27")};
    input.basket_amount = Amount("300");
    Decision d;
    absl::Status status = ruleset->Evaluate(input, &d);
    EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << value;
    EXPECT_THAT(status.message(), HasSubstr("rule 'f'")) << value;
  }
}

TEST(OfferWindows, APurchaseSeesTheOffersOfItsOwnDay) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: saturday
    when: true
    offer: 周六特惠
    stacking: stackable
    days: [sat]
)");
  Customer customer;
  customer.id = "c";
  Purchase purchase;
  purchase.amount = Amount("100");
  purchase.date = Day("2026-11-28");  // a Saturday, recorded on Monday
  EvalInput input{&customer, &purchase, nullptr, nullptr, Day("2026-11-30")};
  Decision d;
  ASSERT_THAT(ruleset->Evaluate(input, &d), IsOk());
  EXPECT_EQ(d.offers.size(), 1u);
  purchase.date = Day("2026-11-27");  // a Friday, recorded on Saturday
  input.today = Day("2026-11-28");
  ASSERT_THAT(ruleset->Evaluate(input, &d), IsOk());
  EXPECT_THAT(d.offers, IsEmpty());
}

TEST(OfferStacking, AnExclusionWrittenOnTheEarlierOfferWorksToo) {
  auto ruleset = Loaded(R"(kind: offers
offers:
  - id: a
    when: true
    offer: A
    priority: 5
    stacking: stackable
    excludes: [b]
  - id: b
    when: true
    offer: B
    stacking: stackable
)");
  Decision d = Evaluate(*ruleset, {});
  EXPECT_THAT(Given(d), ElementsAre("A=0"));
  EXPECT_THAT(Lost(d), ElementsAre("b<a"));
}

TEST(OfferStacking, EqualValuesAreExplainedAsSuch) {
  auto ruleset = Loaded(kCampaigns);
  Explanation why;
  Evaluate(*ruleset, {.amount = "500"}, &why);
  EXPECT_EQ(Explained(why, "ten_percent")->note,
            "matched, but lost to 'big_basket' in group 'checkout_discount', which is worth as "
            "much and comes first (50 against 50)");
}

TEST(OfferStacking, OneDecisionReusedDecidesAsAFreshOneAndAsAnExplainedOne) {
  // Decision::Scratch keeps offer states between evaluations on purpose:
  // nothing of one evaluation may leak into the next.
  auto ruleset = Loaded(R"(kind: offers
groups: {g: best_value, h: first}
offers:
  - id: a
    when: age >= 30
    offer: A
    group: g
    value: {amount_off: 30}
  - id: b
    when: true
    offer: B
    group: g
    value: {percent_off: 10}
    excludes: [d]
  - id: c
    when: age < 50
    offer: C
    group: h
    per_customer: 1
  - id: d
    when: true
    offer: D
    group: h
  - id: e
    when: age >= 60
    offer: E
)");
  ASSERT_NE(ruleset, nullptr);
  const Situation situations[] = {
      {.amount = "500", .age = 35},  {.amount = "100", .age = 20}, {.amount = "900", .age = 70},
      {.used = {1}, .age = 40},      {.amount = "50", .age = 55},  {.amount = "500", .age = 35},
  };
  Decision reused;
  for (const Situation& s : situations) {
    Customer customer;
    customer.id = "c";
    customer.age = s.age;
    EvalInput input{&customer, nullptr, nullptr, nullptr, Day(s.today)};
    input.minute = s.minute;
    if (s.amount) input.basket_amount = Amount(*s.amount);
    input.offer_usage = s.used;
    ASSERT_THAT(ruleset->Evaluate(input, &reused), IsOk());
    const Decision fresh = Evaluate(*ruleset, s);
    Explanation why;
    const Decision explained = Evaluate(*ruleset, s, &why);
    EXPECT_EQ(Given(reused), Given(fresh)) << s.age;
    EXPECT_EQ(Lost(reused), Lost(fresh)) << s.age;
    EXPECT_EQ(Given(explained), Given(fresh)) << s.age;
    EXPECT_EQ(Lost(explained), Lost(fresh)) << s.age;
  }
}

TEST(OfferLoading, NoUnreachableWarningWhenTheBlockerCanItselfBeLeftOut) {
  // `everyone` is exclusive, but `senior`, before it, can be given first:
  // then `everyone` is out and `new_customers` is given.
  LoadResult loaded = LoadOffers(R"(kind: offers
offers:
  - id: senior
    when: age >= 60
    offer: 敬老
    priority: 30
    stacking: stackable
  - id: everyone
    when: true
    offer: 全场九折
    priority: 20
    stacking: exclusive
  - id: new_customers
    when: true
    offer: 新客礼包
    priority: 10
    stacking: stackable
)");
  ASSERT_TRUE(loaded.ok());
  EXPECT_THAT(Headlines(loaded), Not(HasSubstr("never be given")));
  EXPECT_THAT(Given(Evaluate(*loaded.ruleset, {.age = 65})), ElementsAre("敬老=0", "新客礼包=0"));
}

// ---------------------------------------------------------------- calendar

TEST(OfferCalendarTest, LiveDaysAndWhichOffersKeepWhichOut) {
  auto ruleset = Loaded(R"(kind: offers
groups: {g: best_value}
offers:
  - id: weekend
    when: true
    offer: W
    days: [sat, sun]
    valid_until: 2026-11-29
    group: g
    per_customer: {week: 1}
  - id: always
    when: true
    offer: A
    group: g
  - id: night
    when: true
    offer: N
    stacking: stackable
    hours: 22:00-24:00
  - id: solo
    when: true
    offer: S
    priority: -1
    valid_from: 2026-12-01
)");
  absl::StatusOr<OfferCalendar> calendar =
      MakeOfferCalendar(*ruleset, Day("2026-11-27"), Day("2026-12-01"));
  ASSERT_THAT(calendar, IsOk());
  ASSERT_EQ(calendar->days.size(), 5u);
  ASSERT_EQ(calendar->offers.size(), 4u);
  // Fri 27, Sat 28, Sun 29, Mon 30, Tue 1.
  EXPECT_THAT(calendar->offers[0].live, ElementsAre(false, true, true, false, false));
  EXPECT_EQ(calendar->offers[0].limits, "1 per customer a week");
  EXPECT_EQ(calendar->offers[2].hours, "22:00-24:00");
  EXPECT_THAT(calendar->offers[3].live, ElementsAre(false, false, false, false, true));
  std::vector<std::string> blocks;
  for (const OfferCalendar::Block& b : calendar->blocks) {
    blocks.push_back(b.first + "/" + b.second + " " + b.from.ToString() + ".." +
                     b.to.ToString() + ": " + b.why);
  }
  EXPECT_THAT(blocks,
              ElementsAre("weekend/always 2026-11-28..2026-11-29: one of them, the one worth "
                          "more (group 'g')",
                          "always/solo 2026-12-01..2026-12-01: 'solo' is exclusive and never "
                          "joins 'always'",
                          "night/solo 2026-12-01..2026-12-01: 'solo' is exclusive and never "
                          "joins 'night'"));
  EXPECT_FALSE(MakeOfferCalendar(*ruleset, Day("2026-12-01"), Day("2026-11-27")).ok());
  EXPECT_FALSE(MakeOfferCalendar(*ruleset, Day("2026-01-01"), Day("2027-01-02")).ok());
}

// ---------------------------------------------------------------- rule tests

RuleTestReport RunTests(std::string_view offers, std::string_view tests) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"offers.yaml", std::string(offers)}, {"tests.yaml", std::string(tests)}});
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return {};
  RuleTestOptions options;
  options.today = Day("2026-11-27");
  return RunRuleTests(*loaded.ruleset, options);
}

TEST(OfferRuleTests, IncludesExcludesValuesAndStartingState) {
  RuleTestReport report = RunTests(kLimited, R"(kind: tests
cases:
  - name: the last unit
    customer: {age: 30}
    amount: 300
    offers_used: {black_friday: {budget: {redemptions: 4999}}}
    expect:
      offers: {includes: [黑五满200减50]}
      offer_values: {黑五满200减50: 50}
  - name: budget spent
    customer: {age: 30}
    amount: 300
    offers_used: {black_friday: {budget: {redemptions: 5000}}}
    expect:
      offers: {excludes: [黑五满200减50]}
  - name: once a week
    customer: {age: 30}
    purchase: {amount: 300, channel: online}
    offers_used:
      black_friday:
        per_customer: {week: 1}
    expect:
      offers: []
  - name: online budget of the day
    customer: {age: 30}
    amount: 300
    channel: online
    offers_used: {black_friday: {budget: {online: {redemptions_per_day: 10}}}}
    expect:
      offers: []
  - name: a failing one
    customer: {age: 30}
    amount: 300
    offers_used: {black_friday: {per_customer: 2}}
    expect:
      offers: {includes: [黑五满200减50]}
)");
  EXPECT_THAT(report.problems, IsEmpty()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.cases.size(), 5u);
  EXPECT_EQ(report.passed(), 4) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.cases[4].failures.size(), 1u);
  EXPECT_EQ(report.cases[4].failures[0].message,
            "offers: expected to include 黑五满200减50, got (none)");
}

TEST(OfferRuleTests, TimeOfDayAndLossesInFailures) {
  RuleTestReport report = RunTests(kCampaigns, R"(kind: tests
cases:
  - name: wrong winner
    customer: {age: 35}
    amount: 300
    time: "10:00"
    expect:
      offers: {includes: [九折]}
      offer_values: {满200减50: 40}
)");
  ASSERT_EQ(report.cases.size(), 1u);
  ASSERT_EQ(report.cases[0].failures.size(), 2u) << FormatRuleTestReport(report, false);
  EXPECT_THAT(report.cases[0].failures[0].message,
              AllOf(HasSubstr("offers: expected to include 九折"),
                    HasSubstr("九折 lost to 'big_basket' in its group")));
  EXPECT_EQ(report.cases[0].failures[1].message,
            "offer_values: expected 满200减50 worth 40, got 50 (rule big_basket)");
}

TEST(OfferRuleTests, MistakesInTheStartingStateAreProblems) {
  RuleTestReport report = RunTests(kLimited, R"(kind: tests
cases:
  - name: unknown offer
    customer: {age: 30}
    offers_used: {black_fryday: {per_customer: 1}}
    expect: {offers: []}
  - name: unknown cap
    customer: {age: 30}
    offers_used: {black_friday: {per_customer: {day: 1}}}
    expect: {offers: []}
  - name: not a count
    customer: {age: 30}
    offers_used: {black_friday: {budget: {redemptions: 1.5}}}
    time: "25:00"
    amount: -3
    expect: {offers: {include: [x]}}
)");
  std::string problems;
  for (const Diagnostic& d : report.problems) problems += d.Headline() + "\n";
  EXPECT_THAT(problems, HasSubstr("no offer with id 'black_fryday' has limits or a budget; did "
                                  "you mean 'black_friday'?"));
  EXPECT_THAT(problems, HasSubstr("offer 'black_friday' has no limit or budget "
                                  "'per_customer.day'"));
  EXPECT_THAT(problems, HasSubstr("'budget.redemptions' used is a whole number, at least 0"));
  EXPECT_THAT(problems, HasSubstr("time is a time of day HH:MM"));
  EXPECT_THAT(problems, HasSubstr("amount is a basket's amount, more than 0"));
  EXPECT_THAT(problems, HasSubstr("unknown key 'include' in expect.offers"));
  EXPECT_THAT(report.cases, IsEmpty());
}

}  // namespace
}  // namespace clientele::rules
