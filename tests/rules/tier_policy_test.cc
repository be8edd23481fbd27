// The tier policies of rules/tiers.h and what the rule files make of them:
// the forms of `qualify_on`, `downgrade` and `review` (parse, names, text
// back), the qualifying months of a day, ReviewTier's verdicts (upgrades,
// grace, recompute or one tier down, daily or anniversary reviews), the
// `tier_policy:` section of a loyalty file and its tiers with their
// diagnostics (rules/loader.cc LoadTierPolicy, LoadTiers), the tiers an
// evaluation decides (rules/ruleset.cc TierFigures, Tiers,
// RuleSet::TiersChangeOverTime) and the rule-test expectation
// tier_downgrade_on (rules/rule_tests.cc).
//
// Tiers in the ReviewTier tests are indices: 0 Bronze, 1 Silver, 2 Gold.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/rule_tests.h"
#include "rules/ruleset.h"
#include "rules/tiers.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Figure = TierPolicy::Figure;
using Window = TierPolicy::Window;
using Downgrade = TierPolicy::Downgrade;
using Review = TierPolicy::Review;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

Date Plus(Date day, int32_t days) { return Date::FromDays(day.days() + days); }

Decimal Amount(std::string_view text) {
  absl::StatusOr<Decimal> amount = Decimal::Parse(text);
  EXPECT_THAT(amount, IsOk()) << text;
  return amount.value_or(Decimal());
}

// The month number of a year and a month (1..12).
int32_t Month(int32_t year, int32_t month) { return year * 12 + month - 1; }

TierPolicy QualifyOn(std::string_view text) {
  absl::StatusOr<TierPolicy> policy = TierPolicy::ParseQualifyOn(text);
  EXPECT_THAT(policy, IsOk()) << text;
  return policy.value_or(TierPolicy());
}

// ------------------------------------------------- TierPolicy::ParseQualifyOn

TEST(TierPolicyParseQualifyOn, EveryForm) {
  struct Form {
    std::string text;
    Figure figure;
    Window window;
    int32_t months;
    std::string canonical;  // QualifyOnText()
  };
  const std::vector<Form> forms = {
      {"balance", Figure::kBalance, Window::kNone, 0, "balance"},
      {"points earned in 12 months", Figure::kPointsEarned, Window::kRollingMonths, 12,
       "points earned in 12 months"},
      {"points earned in 1 month", Figure::kPointsEarned, Window::kRollingMonths, 1,
       "points earned in 1 month"},
      {"points earned in 1 months", Figure::kPointsEarned, Window::kRollingMonths, 1,
       "points earned in 1 month"},
      {"points earned in 2 month", Figure::kPointsEarned, Window::kRollingMonths, 2,
       "points earned in 2 months"},
      {"points earned in 120 months", Figure::kPointsEarned, Window::kRollingMonths, 120,
       "points earned in 120 months"},
      {"points earned this year", Figure::kPointsEarned, Window::kCalendarYear, 0,
       "points earned this year"},
      {"spent in 6 months", Figure::kAmountSpent, Window::kRollingMonths, 6, "spent in 6 months"},
      {"spent this year", Figure::kAmountSpent, Window::kCalendarYear, 0, "spent this year"},
      // Any letter case.
      {"BALANCE", Figure::kBalance, Window::kNone, 0, "balance"},
      {"Points Earned In 12 Months", Figure::kPointsEarned, Window::kRollingMonths, 12,
       "points earned in 12 months"},
      {"SPENT THIS YEAR", Figure::kAmountSpent, Window::kCalendarYear, 0, "spent this year"},
      // Spaces and tabs around the text, and more spaces around the window.
      {"  balance\t", Figure::kBalance, Window::kNone, 0, "balance"},
      {"\t points earned in 12 months  ", Figure::kPointsEarned, Window::kRollingMonths, 12,
       "points earned in 12 months"},
      {"points earned   in   12   months", Figure::kPointsEarned, Window::kRollingMonths, 12,
       "points earned in 12 months"},
      {"spent   this year ", Figure::kAmountSpent, Window::kCalendarYear, 0, "spent this year"},
  };
  for (const Form& form : forms) {
    SCOPED_TRACE(form.text);
    absl::StatusOr<TierPolicy> parsed = TierPolicy::ParseQualifyOn(form.text);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(parsed->figure, form.figure);
    EXPECT_EQ(parsed->window, form.window);
    EXPECT_EQ(parsed->months, form.months);
    // Only the figure and window come from the text: the rest is the default.
    EXPECT_EQ(parsed->downgrade, Downgrade::kRecompute);
    EXPECT_EQ(parsed->review, Review::kDaily);
    EXPECT_EQ(parsed->grace_days, 0);
    EXPECT_EQ(parsed->QualifyOnText(), form.canonical);
    // The canonical text reads back as the same policy.
    EXPECT_EQ(QualifyOn(parsed->QualifyOnText()), *parsed);
  }
}

TEST(TierPolicyParseQualifyOn, RejectionsSayWhatIsAccepted) {
  constexpr std::string_view kForms =
      "is not a qualification: write balance, \"points earned in N months\", \"points earned "
      "this year\", \"spent in N months\" or \"spent this year\"";
  for (std::string_view text :
       {"", "   ", "12 weeks", "points in 12 months", "points earned in 12 weeks",
        "spent in 6 years", "points earned", "points earned in months", "points earned 12 months",
        "spent in twelve months", "spent last year", "balance of points", "earned points"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(TierPolicy::ParseQualifyOn(text), StatusIs(kInvalid, kForms));
  }
  // The text is quoted as written.
  EXPECT_THAT(TierPolicy::ParseQualifyOn(""),
              StatusIs(kInvalid, std::string("'' ") + kForms.data()));
  EXPECT_THAT(TierPolicy::ParseQualifyOn("12 weeks"),
              StatusIs(kInvalid, std::string("'12 weeks' ") + kForms.data()));
  EXPECT_THAT(TierPolicy::ParseQualifyOn("points in 12 months"),
              StatusIs(kInvalid, std::string("'points in 12 months' ") + kForms.data()));
  // Months out of 1..120.
  EXPECT_THAT(TierPolicy::ParseQualifyOn("points earned in 0 months"),
              StatusIs(kInvalid,
                       "'points earned in 0 months' is not a qualification: the months "
                       "must be from 1 to 120"));
  EXPECT_THAT(TierPolicy::ParseQualifyOn("spent in 121 months"),
              StatusIs(kInvalid,
                       "'spent in 121 months' is not a qualification: the months must "
                       "be from 1 to 120"));
  EXPECT_THAT(TierPolicy::ParseQualifyOn("spent in -3 months"),
              StatusIs(kInvalid, "the months must be from 1 to 120"));
}

// --------------------------------------------- ParseDowngrade / ParseReview

TEST(TierPolicyParseDowngrade, NamesAndBack) {
  for (Downgrade d : {Downgrade::kRecompute, Downgrade::kOneTier, Downgrade::kNever}) {
    absl::StatusOr<Downgrade> parsed = TierPolicy::ParseDowngrade(TierPolicy::DowngradeName(d));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(TierPolicy::DowngradeName(Downgrade::kRecompute), "recompute");
  EXPECT_EQ(TierPolicy::DowngradeName(Downgrade::kOneTier), "one_tier");
  EXPECT_EQ(TierPolicy::DowngradeName(Downgrade::kNever), "never");
  // Any letter case, spaces around.
  EXPECT_EQ(TierPolicy::ParseDowngrade("ONE_TIER").value_or(Downgrade::kNever),
            Downgrade::kOneTier);
  EXPECT_EQ(TierPolicy::ParseDowngrade(" Never\t").value_or(Downgrade::kRecompute),
            Downgrade::kNever);
}

TEST(TierPolicyParseDowngrade, TyposSuggestTheName) {
  EXPECT_THAT(TierPolicy::ParseDowngrade("one tier"),
              StatusIs(kInvalid,
                       "'one tier' is not a downgrade policy; did you mean 'one_tier'? "
                       "(accepted: recompute, one_tier, never)"));
  EXPECT_THAT(TierPolicy::ParseDowngrade("recompte"),
              StatusIs(kInvalid, "did you mean 'recompute'?"));
  EXPECT_THAT(TierPolicy::ParseDowngrade(""), StatusIs(kInvalid, "'' is not a downgrade policy"));
  EXPECT_THAT(TierPolicy::ParseDowngrade("two_tiers_at_once_please"),
              StatusIs(kInvalid, "(accepted: recompute, one_tier, never)"));
}

TEST(TierPolicyParseReview, NamesAndBack) {
  for (Review r : {Review::kDaily, Review::kAnniversary}) {
    absl::StatusOr<Review> parsed = TierPolicy::ParseReview(TierPolicy::ReviewName(r));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(TierPolicy::ReviewName(Review::kDaily), "daily");
  EXPECT_EQ(TierPolicy::ReviewName(Review::kAnniversary), "anniversary");
  EXPECT_EQ(TierPolicy::ParseReview("Anniversary ").value_or(Review::kDaily), Review::kAnniversary);
  EXPECT_THAT(TierPolicy::ParseReview("aniversary"),
              StatusIs(kInvalid,
                       "'aniversary' is not a review; did you mean 'anniversary'? "
                       "(accepted: daily, anniversary)"));
  EXPECT_THAT(TierPolicy::ParseReview("yearly"),
              StatusIs(kInvalid, "(accepted: daily, anniversary)"));
}

TEST(TierPolicy, FollowsFigureOnlyWithTheSeedsDowngrade) {
  TierPolicy policy;
  EXPECT_TRUE(policy.FollowsFigure());
  policy = QualifyOn("spent in 6 months");
  EXPECT_TRUE(policy.FollowsFigure()) << "the figure does not matter";
  policy.grace_days = 1;
  EXPECT_FALSE(policy.FollowsFigure());
  policy = TierPolicy();
  policy.downgrade = Downgrade::kOneTier;
  EXPECT_FALSE(policy.FollowsFigure());
  policy = TierPolicy();
  policy.downgrade = Downgrade::kNever;
  EXPECT_FALSE(policy.FollowsFigure());
  policy = TierPolicy();
  policy.review = Review::kAnniversary;
  EXPECT_FALSE(policy.FollowsFigure());
}

// ------------------------------------------------------- QualifyingMonths

TEST(TierPolicyQualifyingMonths, RollingMonthsEndWithThisMonth) {
  EXPECT_EQ(MonthNumber(Day("2026-12-06")), 2026 * 12 + 11);
  EXPECT_EQ(MonthNumber(Day("2026-01-01")), 2026 * 12);
  EXPECT_EQ(MonthNumber(Date()), -1);

  const MonthRange twelve =
      QualifyOn("points earned in 12 months").QualifyingMonths(Day("2026-12-06"));
  EXPECT_EQ(twelve, (MonthRange{Month(2026, 1), Month(2026, 12)}));
  EXPECT_FALSE(twelve.empty());
  // Across a year: March 2026 and the 11 months before it.
  EXPECT_EQ(QualifyOn("spent in 12 months").QualifyingMonths(Day("2026-03-15")),
            (MonthRange{Month(2025, 4), Month(2026, 3)}));
  // One month: this month only, from its first day to its last.
  const MonthRange one = QualifyOn("points earned in 1 month").QualifyingMonths(Day("2026-12-06"));
  EXPECT_EQ(one, (MonthRange{Month(2026, 12), Month(2026, 12)}));
  EXPECT_EQ(QualifyOn("spent in 1 month").QualifyingMonths(Day("2026-12-31")), one);
  EXPECT_EQ(QualifyOn("spent in 1 month").QualifyingMonths(Day("2026-12-01")), one);
}

TEST(TierPolicyQualifyingMonths, CalendarYearAndBalance) {
  EXPECT_EQ(QualifyOn("spent this year").QualifyingMonths(Day("2026-03-15")),
            (MonthRange{Month(2026, 1), Month(2026, 3)}));
  EXPECT_EQ(QualifyOn("points earned this year").QualifyingMonths(Day("2026-01-01")),
            (MonthRange{Month(2026, 1), Month(2026, 1)}));
  EXPECT_EQ(QualifyOn("points earned this year").QualifyingMonths(Day("2026-12-31")),
            (MonthRange{Month(2026, 1), Month(2026, 12)}));
  const MonthRange balance = TierPolicy().QualifyingMonths(Day("2026-03-15"));
  EXPECT_TRUE(balance.empty());
  EXPECT_EQ(balance, MonthRange());
  EXPECT_FALSE(balance.Contains(Day("2026-03-15")));
}

TEST(MonthRangeContains, Boundaries) {
  const MonthRange range =
      QualifyOn("points earned in 12 months").QualifyingMonths(Day("2026-12-06"));
  EXPECT_TRUE(range.Contains(Day("2026-01-01")));   // first day of the first month
  EXPECT_FALSE(range.Contains(Day("2025-12-31")));  // the day before
  EXPECT_TRUE(range.Contains(Day("2026-12-31")));   // last day of the last month
  EXPECT_FALSE(range.Contains(Day("2027-01-01")));  // the day after
  EXPECT_TRUE(range.Contains(Day("2026-06-15")));
  EXPECT_FALSE(range.Contains(Date())) << "an unknown day is in no range";

  const MonthRange year = QualifyOn("spent this year").QualifyingMonths(Day("2026-03-15"));
  EXPECT_TRUE(year.Contains(Day("2026-01-01")));
  EXPECT_FALSE(year.Contains(Day("2025-12-31")));
  EXPECT_TRUE(year.Contains(Day("2026-03-31")));
  EXPECT_FALSE(year.Contains(Day("2026-04-01")));

  EXPECT_TRUE((MonthRange{5, 4}).empty());
  EXPECT_FALSE((MonthRange{Month(2026, 2), Month(2026, 1)}).Contains(Day("2026-01-15")));
}

// --------------------------------------------------------------- ReviewTier

constexpr int kNone = -1;
constexpr int kBronze = 0;
constexpr int kSilver = 1;
constexpr int kGold = 2;

TierPolicy Policy(Downgrade downgrade, Review review, int32_t grace_days) {
  TierPolicy policy = QualifyOn("points earned in 12 months");
  policy.downgrade = downgrade;
  policy.review = review;
  policy.grace_days = grace_days;
  return policy;
}

TierStanding Standing(int current, std::string_view since, std::string_view downgrade_on = "",
                      int previous = -1) {
  return {current, previous, since.empty() ? Date() : Day(since),
          downgrade_on.empty() ? Date() : Day(downgrade_on)};
}

TierVerdict Verdict(int tier, std::string_view downgrade_on = "") {
  return {tier, downgrade_on.empty() ? Date() : Day(downgrade_on)};
}

TEST(ReviewTier, UpgradesAreImmediateAndDropASchedule) {
  const Date today = Day("2026-12-06");
  for (Downgrade d : {Downgrade::kRecompute, Downgrade::kOneTier, Downgrade::kNever}) {
    for (Review r : {Review::kDaily, Review::kAnniversary}) {
      SCOPED_TRACE(std::string(TierPolicy::DowngradeName(d)) + " " +
                   std::string(TierPolicy::ReviewName(r)));
      const TierPolicy policy = Policy(d, r, 30);
      // Two tiers up at once, whatever the policy.
      EXPECT_EQ(ReviewTier(policy, kGold, Standing(kBronze, "2026-01-10"), today), Verdict(kGold));
      // A scheduled downgrade is dropped by qualifying again, or higher.
      EXPECT_EQ(ReviewTier(policy, kGold, Standing(kGold, "2026-03-01", "2027-01-05"), today),
                Verdict(kGold));
      EXPECT_EQ(ReviewTier(policy, kGold, Standing(kSilver, "2026-03-01", "2027-01-05"), today),
                Verdict(kGold));
      // No current tier: the tier qualified for, even none.
      EXPECT_EQ(ReviewTier(policy, kSilver, Standing(kNone, ""), today), Verdict(kSilver));
      EXPECT_EQ(ReviewTier(policy, kNone, Standing(kNone, "2026-01-10"), today), Verdict(kNone));
    }
  }
}

TEST(ReviewTier, NeverKeepsTheTier) {
  const TierPolicy policy = Policy(Downgrade::kNever, Review::kDaily, 0);
  const Date today = Day("2026-12-06");
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2020-01-01"), today), Verdict(kGold));
  EXPECT_EQ(ReviewTier(policy, kNone, Standing(kSilver, ""), today), Verdict(kSilver));
  // Not even a schedule from an earlier policy applies.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2020-01-01", "2026-12-01"), today),
            Verdict(kGold));
}

TEST(ReviewTier, DailyReviewWithGraceSchedulesThenDrops) {
  const TierPolicy policy = Policy(Downgrade::kRecompute, Review::kDaily, 30);
  const Date today = Day("2026-12-06");
  // Found below the tier today: the downgrade is due 30 days on.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01"), today),
            Verdict(kGold, "2027-01-05"));
  EXPECT_EQ(Plus(today, 30), Day("2027-01-05"));
  // The day before it is due the tier holds, and the schedule with it.
  EXPECT_EQ(
      ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2027-01-04")),
      Verdict(kGold, "2027-01-05"));
  // On the day: recompute drops to the tier qualified for, two tiers down.
  EXPECT_EQ(
      ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2027-01-05")),
      Verdict(kBronze));
  // ... or to no tier at all; and a day late it drops all the same.
  EXPECT_EQ(
      ReviewTier(policy, kNone, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2027-01-06")),
      Verdict(kNone));
}

TEST(ReviewTier, DailyReviewWithoutGraceDropsTheSameDay) {
  const TierPolicy policy = Policy(Downgrade::kRecompute, Review::kDaily, 0);
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01"), Day("2026-12-06")),
            Verdict(kBronze));
  // Recompute is not held back by a change today.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2026-12-06"), Day("2026-12-06")),
            Verdict(kBronze));
}

TEST(ReviewTier, OneTierDropsOneStep) {
  const TierPolicy policy = Policy(Downgrade::kOneTier, Review::kDaily, 30);
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01"), Day("2026-12-06")),
            Verdict(kGold, "2027-01-05"));
  EXPECT_EQ(
      ReviewTier(policy, kBronze, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2027-01-05")),
      Verdict(kSilver));
  EXPECT_EQ(
      ReviewTier(policy, kNone, Standing(kSilver, "2026-03-01", "2027-01-05"), Day("2027-01-05")),
      Verdict(kBronze));
  // From the lowest tier, one step down is no tier.
  EXPECT_EQ(
      ReviewTier(policy, kNone, Standing(kBronze, "2026-03-01", "2027-01-05"), Day("2027-01-05")),
      Verdict(kNone));
}

TEST(ReviewTier, OneTierReachedTodayByAStepDownIsReviewedFromTomorrow) {
  // The step down happened today: the next grace starts tomorrow.
  const TierPolicy policy = Policy(Downgrade::kOneTier, Review::kDaily, 30);
  EXPECT_EQ(ReviewTier(policy, kNone, Standing(kSilver, "2027-01-05", "", kGold),
                       Day("2027-01-05")),
            Verdict(kSilver, "2027-02-05"));
  EXPECT_EQ(Plus(Day("2027-01-06"), 30), Day("2027-02-05"));
  // Without grace: due tomorrow, so at most one step a day.
  const TierPolicy no_grace = Policy(Downgrade::kOneTier, Review::kDaily, 0);
  EXPECT_EQ(ReviewTier(no_grace, kNone, Standing(kSilver, "2027-01-05", "", kGold),
                       Day("2027-01-05")),
            Verdict(kSilver, "2027-01-06"));
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2027-01-04", "", kSilver),
                       Day("2027-01-05")),
            Verdict(kSilver));
  // Reached today by a step up (a return then took the points back): the
  // grace starts today.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kSilver, "2027-01-05", "", kBronze),
                       Day("2027-01-05")),
            Verdict(kSilver, "2027-02-04"));
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2027-01-05"), Day("2027-01-05")),
            Verdict(kSilver));
}

TEST(ReviewTier, AnExistingScheduleStands) {
  const TierPolicy policy = Policy(Downgrade::kRecompute, Review::kDaily, 30);
  // Still below on 2026-12-20: the downgrade stays due on 2027-01-05, not
  // 30 days from today.
  EXPECT_EQ(
      ReviewTier(policy, kSilver, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2026-12-20")),
      Verdict(kGold, "2027-01-05"));
  // Whatever the tier qualified for below the current one.
  EXPECT_EQ(
      ReviewTier(policy, kNone, Standing(kGold, "2026-03-01", "2027-01-05"), Day("2026-12-20")),
      Verdict(kGold, "2027-01-05"));
  // Also under an anniversary review.
  EXPECT_EQ(ReviewTier(Policy(Downgrade::kOneTier, Review::kAnniversary, 0), kSilver,
                       Standing(kGold, "2026-03-01", "2027-01-05"), Day("2026-12-20")),
            Verdict(kGold, "2027-01-05"));
}

TEST(ReviewTier, AnniversaryReview) {
  const TierPolicy policy = Policy(Downgrade::kRecompute, Review::kAnniversary, 30);
  const TierPolicy no_grace = Policy(Downgrade::kRecompute, Review::kAnniversary, 0);
  const Date today = Day("2026-01-05");
  // The next anniversary of the change, then the grace.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2025-03-10"), today),
            Verdict(kGold, "2026-04-09"));
  EXPECT_EQ(Plus(Day("2026-03-10"), 30), Day("2026-04-09"));
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2025-03-10"), today),
            Verdict(kGold, "2026-03-10"));
  // A change today is reviewed on next year's anniversary, not today.
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2026-01-05"), today),
            Verdict(kGold, "2027-01-05"));
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2026-01-05"), today),
            Verdict(kGold, "2027-02-04"));
  // The anniversary is today (a year on): due today, so it drops now
  // without grace.
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2025-01-05"), today), Verdict(kBronze));
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2025-01-05"), today),
            Verdict(kGold, "2026-02-04"));
  // Later this year, and already past this year (next year's).
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2024-12-31"), Day("2026-06-01")),
            Verdict(kGold, "2026-12-31"));
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2024-02-01"), Day("2026-06-01")),
            Verdict(kGold, "2027-02-01"));
  // Unknown since: reviewed today.
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, ""), today), Verdict(kGold, "2026-02-04"));
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, ""), today), Verdict(kBronze));
}

TEST(ReviewTier, AnniversaryOf29February) {
  const TierPolicy no_grace = Policy(Downgrade::kOneTier, Review::kAnniversary, 0);
  const TierPolicy policy = Policy(Downgrade::kOneTier, Review::kAnniversary, 30);
  // 28 February in a year without 29 February.
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2024-02-29"), Day("2025-01-10")),
            Verdict(kGold, "2025-02-28"));
  EXPECT_EQ(ReviewTier(policy, kBronze, Standing(kGold, "2024-02-29"), Day("2025-01-10")),
            Verdict(kGold, "2025-03-30"));
  // On that 28 February: due today, one step down.
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2024-02-29"), Day("2025-02-28")),
            Verdict(kSilver));
  // 29 February in a leap year.
  EXPECT_EQ(ReviewTier(no_grace, kBronze, Standing(kGold, "2024-02-29"), Day("2028-01-10")),
            Verdict(kGold, "2028-02-29"));
}

// ------------------------------------------------------------- the loader

// A loyalty file whose `tier_policy:` lines (indented by two) start at
// line kPolicyLine, followed by `tiers:` and `tiers` (items indented by
// two) when given.
constexpr int kPolicyLine = 6;
std::string LoyaltyWith(std::string_view policy, std::string_view tiers) {
  std::string text =
      "kind: loyalty\n"
      "earning:\n"
      "  rules: []\n"
      "  default: {id: per_10_yuan, points: floor(purchase.amount / 10)}\n";
  if (!policy.empty()) text += "tier_policy:\n" + std::string(policy);
  if (!tiers.empty()) text += "tiers:\n" + std::string(tiers);
  return text;
}

constexpr char kPointsTiers[] =
    "  - name: Bronze\n"
    "    min_points: 0\n"
    "  - name: Silver\n"
    "    min_points: 1000\n"
    "  - name: Gold\n"
    "    min_points: 5000\n";

constexpr char kSpentTiers[] =
    "  - name: Member\n"
    "    min_spent: 0\n"
    "  - name: Silver\n"
    "    min_spent: 1000.00\n"
    "  - name: Gold\n"
    "    min_spent: 5000\n";

LoadResult LoadLoyalty(std::string_view policy, std::string_view tiers = kPointsTiers) {
  return RuleSet::LoadSources({{"loyalty.yaml", LoyaltyWith(policy, tiers)}});
}

std::vector<std::string> Headlines(const LoadResult& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.Headline());
  return out;
}

std::vector<std::string> Hints(const LoadResult& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.hint);
  return out;
}

// "loyalty.yaml:<line>:<column>: error: <message>".
std::string At(int line, int column, std::string_view message) {
  return "loyalty.yaml:" + std::to_string(line) + ":" + std::to_string(column) +
         ": error: " + std::string(message);
}

constexpr char kQualifyOnHint[] = "e.g. qualify_on: points earned in 12 months";
constexpr char kDowngradeHint[] =
    "recompute: to the tier the figure reaches; one_tier: a step at a time; never: tiers are "
    "only raised";
constexpr char kReviewHint[] =
    "daily: a customer below the tier is found the same day; anniversary: once a year, on the "
    "day the tier was reached";
constexpr char kGraceHint[] = "the days a customer keeps the tier after falling below it, e.g. 30";
constexpr char kNeverHint[] = "remove it, or choose downgrade: one_tier or recompute";

TEST(TierPolicySection, LoadsThePolicy) {
  LoadResult loaded = LoadLoyalty(
      "  qualify_on: points earned in 12 months\n"
      "  downgrade: one_tier\n"
      "  review: anniversary\n"
      "  grace_days: 30\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.diagnostics, IsEmpty()) << FormatDiagnostics(loaded.diagnostics);
  const TierPolicy& policy = loaded.ruleset->tier_policy();
  EXPECT_EQ(policy.figure, Figure::kPointsEarned);
  EXPECT_EQ(policy.window, Window::kRollingMonths);
  EXPECT_EQ(policy.months, 12);
  EXPECT_EQ(policy.downgrade, Downgrade::kOneTier);
  EXPECT_EQ(policy.review, Review::kAnniversary);
  EXPECT_EQ(policy.grace_days, 30);

  // Without a tier_policy: the seed's (the balance, recompute, daily, no grace).
  LoadResult seed = LoadLoyalty("");
  ASSERT_TRUE(seed.ok()) << FormatDiagnostics(seed.diagnostics);
  EXPECT_EQ(seed.ruleset->tier_policy(), TierPolicy());
  EXPECT_TRUE(seed.ruleset->tier_policy().FollowsFigure());

  // Every key may be left out; the bounds of grace_days are accepted.
  LoadResult spent =
      LoadLoyalty("  qualify_on: Spent This Year\n  grace_days: 3660\n", kSpentTiers);
  ASSERT_TRUE(spent.ok()) << FormatDiagnostics(spent.diagnostics);
  EXPECT_EQ(spent.ruleset->tier_policy().figure, Figure::kAmountSpent);
  EXPECT_EQ(spent.ruleset->tier_policy().window, Window::kCalendarYear);
  EXPECT_EQ(spent.ruleset->tier_policy().downgrade, Downgrade::kRecompute);
  EXPECT_EQ(spent.ruleset->tier_policy().grace_days, 3660);
  EXPECT_TRUE(LoadLoyalty("  grace_days: 0\n").ok());
  EXPECT_TRUE(LoadLoyalty("  downgrade: never\n").ok());

  // The policy is part of the ruleset: changing it changes the version.
  LoadResult other = LoadLoyalty(
      "  qualify_on: points earned in 12 months\n"
      "  downgrade: one_tier\n"
      "  review: anniversary\n"
      "  grace_days: 31\n");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other.ruleset->version(), loaded.ruleset->version());
}

TEST(TierPolicySection, BadQualifyOn) {
  LoadResult loaded = LoadLoyalty("  qualify_on: points in 12 months\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(kPolicyLine, 15,
                             "'points in 12 months' is not a qualification: write balance, "
                             "\"points earned in N months\", \"points earned this year\", "
                             "\"spent in N months\" or \"spent this year\"")));
  EXPECT_THAT(Hints(loaded), ElementsAre(kQualifyOnHint));
  EXPECT_EQ(loaded.diagnostics[0].length, 19);  // the value underlined

  LoadResult months = LoadLoyalty("  qualify_on: points earned in 121 months\n");
  EXPECT_THAT(Headlines(months),
              ElementsAre(At(kPolicyLine, 15,
                             "'points earned in 121 months' is not a qualification: the months "
                             "must be from 1 to 120")));
  LoadResult zero = LoadLoyalty("  qualify_on: points earned in 0 months\n");
  EXPECT_THAT(Headlines(zero),
              ElementsAre(At(kPolicyLine, 15,
                             "'points earned in 0 months' is not a qualification: the months "
                             "must be from 1 to 120")));
  EXPECT_THAT(Hints(zero), ElementsAre(kQualifyOnHint));
}

// A qualify_on on the amount spent with a months count out of range is
// one mistake: its tiers, rightly written with min_spent, are not.
TEST(TierPolicySection, BadSpentQualifyOnIsOneError) {
  LoadResult loaded = LoadLoyalty("  qualify_on: spent in 0 months\n", kSpentTiers);
  EXPECT_FALSE(loaded.ok());
  ASSERT_FALSE(loaded.diagnostics.empty());
  EXPECT_EQ(loaded.diagnostics[0].Headline(),
            At(kPolicyLine, 15,
               "'spent in 0 months' is not a qualification: the months must be from 1 to 120"));
  EXPECT_THAT(Headlines(loaded), ::testing::SizeIs(1));
}

TEST(TierPolicySection, BadDowngradeSuggestsTheName) {
  LoadResult loaded = LoadLoyalty("  downgrade: one tier\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(kPolicyLine, 14,
                             "'one tier' is not a downgrade policy; did you mean 'one_tier'? "
                             "(accepted: recompute, one_tier, never)")));
  EXPECT_THAT(Hints(loaded), ElementsAre(kDowngradeHint));
}

TEST(TierPolicySection, BadReview) {
  LoadResult loaded = LoadLoyalty("  review: dayly\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(kPolicyLine, 11,
                             "'dayly' is not a review; did you mean 'daily'? (accepted: daily, "
                             "anniversary)")));
  EXPECT_THAT(Hints(loaded), ElementsAre(kReviewHint));
}

TEST(TierPolicySection, GraceDaysOutOfRange) {
  for (std::string_view days : {"-1", "3661"}) {
    SCOPED_TRACE(days);
    LoadResult loaded = LoadLoyalty("  grace_days: " + std::string(days) + "\n");
    EXPECT_FALSE(loaded.ok());
    EXPECT_THAT(Headlines(loaded),
                ElementsAre(At(kPolicyLine, 15,
                               "grace_days must be from 0 to 3660, not " + std::string(days))));
    EXPECT_THAT(Hints(loaded), ElementsAre(kGraceHint));
  }
  LoadResult fraction = LoadLoyalty("  grace_days: 1.5\n");
  EXPECT_THAT(Headlines(fraction),
              ElementsAre(At(kPolicyLine, 15, "'grace_days' must be a whole number, not '1.5'")));
}

TEST(TierPolicySection, EmptyValuesAreReportedAtTheKey) {
  LoadResult loaded = LoadLoyalty("  qualify_on: points earned in 12 months\n  grace_days:\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded), ElementsAre(At(kPolicyLine + 1, 3, "'grace_days' is empty")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre("write a value after 'grace_days: ', or leave the key out for its "
                          "default"));
  EXPECT_EQ(loaded.diagnostics[0].length, 10);

  LoadResult every = LoadLoyalty(
      "  qualify_on:\n"
      "  downgrade:\n"
      "  review:\n"
      "  grace_days:\n");
  EXPECT_THAT(Headlines(every), ElementsAre(At(kPolicyLine, 3, "'qualify_on' is empty"),
                                            At(kPolicyLine + 1, 3, "'downgrade' is empty"),
                                            At(kPolicyLine + 2, 3, "'review' is empty"),
                                            At(kPolicyLine + 3, 3, "'grace_days' is empty")));
}

TEST(TierPolicySection, UnknownKeySuggestsTheNearestOne) {
  LoadResult loaded = LoadLoyalty("  grace_day: 30\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(kPolicyLine, 3,
                             "unknown key 'grace_day' in 'tier_policy'; did you mean "
                             "'grace_days'?")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre("the keys of 'tier_policy' are: qualify_on, downgrade, review, "
                          "grace_days"));
  LoadResult qualify = LoadLoyalty("  qualify_in: balance\n");
  EXPECT_THAT(Headlines(qualify),
              ElementsAre(At(kPolicyLine, 3,
                             "unknown key 'qualify_in' in 'tier_policy'; did you mean "
                             "'qualify_on'?")));
  // Too far from any key for a suggestion: the hint lists them.
  LoadResult far = LoadLoyalty("  grace: 30\n");
  EXPECT_THAT(Headlines(far),
              ElementsAre(At(kPolicyLine, 3, "unknown key 'grace' in 'tier_policy'")));
  EXPECT_THAT(Hints(far),
              ElementsAre("the keys of 'tier_policy' are: qualify_on, downgrade, review, "
                          "grace_days"));
}

TEST(TierPolicySection, MinSpentNeedsASpentQualification) {
  LoadResult loaded = LoadLoyalty("  qualify_on: points earned in 12 months\n",
                                  "  - name: Bronze\n"
                                  "    min_points: 0\n"
                                  "  - name: Silver\n"
                                  "    min_spent: 1000\n");
  EXPECT_FALSE(loaded.ok());
  // tiers: at line 7, Silver's min_spent at line 11.
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(11, 5,
                             "'min_spent' does not fit tiers that qualify on points earned in 12 "
                             "months")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre("min_spent needs tier_policy: qualify_on: spent in N months (or this "
                          "year); on points write min_points"));
  EXPECT_EQ(loaded.diagnostics[0].length, 9);

  // On the balance (no tier_policy) too.
  LoadResult balance = RuleSet::LoadSources(
      {{"loyalty.yaml", LoyaltyWith("", "  - name: Bronze\n    min_spent: 0\n")}});
  EXPECT_THAT(Headlines(balance),
              ElementsAre(At(7, 5, "'min_spent' does not fit tiers that qualify on balance")));
}

TEST(TierPolicySection, MinPointsDoesNotFitASpentQualification) {
  LoadResult loaded = LoadLoyalty("  qualify_on: spent in 6 months\n",
                                  "  - name: Member\n"
                                  "    min_spent: 0\n"
                                  "  - name: Silver\n"
                                  "    min_points: 1000\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(11, 5,
                             "'min_points' does not fit tiers that qualify on spent in 6 "
                             "months")));
  EXPECT_THAT(Hints(loaded), ElementsAre("write min_spent: the amount spent in the window"));
  // A tier with neither says what it needs.
  LoadResult neither = LoadLoyalty("  qualify_on: spent this year\n", "  - name: Member\n");
  EXPECT_FALSE(neither.ok());
  EXPECT_THAT(Headlines(neither), ElementsAre(HasSubstr("a tier has no 'min_spent'")));
}

TEST(TierPolicySection, MinSpentMustIncrease) {
  // 999.99 after 1000.00: not more.
  LoadResult loaded = LoadLoyalty("  qualify_on: spent in 6 months\n",
                                  "  - name: Silver\n"
                                  "    min_spent: 1000.00\n"
                                  "  - name: Gold\n"
                                  "    min_spent: 999.99\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(At(11, 16,
                             "tier 'Gold' needs 999.99 spent, not more than tier 'Silver' before "
                             "it (1000)")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre("list tiers from the lowest to the highest, each needing more spent"));
  // Equal amounts, written differently.
  LoadResult equal = LoadLoyalty("  qualify_on: spent in 6 months\n",
                                 "  - name: Silver\n"
                                 "    min_spent: 1000\n"
                                 "  - name: Gold\n"
                                 "    min_spent: 1000.0\n");
  EXPECT_THAT(Headlines(equal),
              ElementsAre(At(11, 16,
                             "tier 'Gold' needs 1000 spent, not more than tier 'Silver' before it "
                             "(1000)")));
  // A cent more is enough.
  LoadResult cent = LoadLoyalty("  qualify_on: spent in 6 months\n",
                                "  - name: Silver\n"
                                "    min_spent: 1000\n"
                                "  - name: Gold\n"
                                "    min_spent: 1000.01\n");
  EXPECT_TRUE(cent.ok()) << FormatDiagnostics(cent.diagnostics);
}

TEST(TierPolicySection, ATierPolicyNeedsTiers) {
  LoadResult loaded = LoadLoyalty("  qualify_on: points earned in 12 months\n", "");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded), ElementsAre(At(5, 1, "a tier_policy without tiers")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre("list the tiers under 'tiers:', or remove the tier_policy"));
  EXPECT_EQ(loaded.diagnostics[0].length, 11);
}

TEST(TierPolicySection, ATierPolicyWithAnEmptyListOfTiers) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"loyalty.yaml",
        LoyaltyWith("  qualify_on: points earned in 12 months\n", "") + "tiers: []\n"}});
  EXPECT_THAT(Headlines(loaded), ElementsAre(At(7, 1, "a tier_policy without tiers")));
}

TEST(TierPolicySection, ReviewOrGraceHaveNoEffectWithNever) {
  LoadResult review = LoadLoyalty("  downgrade: never\n  review: anniversary\n");
  EXPECT_FALSE(review.ok());
  ASSERT_THAT(Headlines(review),
              ElementsAre(At(kPolicyLine + 1, 3, "'review' has no effect with downgrade: never")));
  EXPECT_THAT(Hints(review), ElementsAre(kNeverHint));

  LoadResult grace = LoadLoyalty("  grace_days: 30\n  downgrade: NEVER\n");
  EXPECT_FALSE(grace.ok());
  ASSERT_THAT(Headlines(grace),
              ElementsAre(At(kPolicyLine, 3, "'grace_days' has no effect with downgrade: never")));
  EXPECT_THAT(Hints(grace), ElementsAre(kNeverHint));
}

TEST(TierPolicySection, EveryProblemOfAFileAtOnce) {
  LoadResult loaded = LoadLoyalty(
      "  qualify_on: points earned in 12 weeks\n"  // 6
      "  downgrade: one tier\n"                    // 7
      "  review: dayly\n"                          // 8
      "  grace_days: -1\n"                         // 9
      "  grace_dayz: 30\n",                        // 10
      // tiers: at 11; after a bad qualify_on, min_points and min_spent are
      // each taken as written (the mistake is reported once, at qualify_on).
      "  - name: Bronze\n"     // 12
      "    min_points: 0\n"    // 13
      "  - name: Silver\n"     // 14
      "    min_spent: 1000\n"  // 15
      "  - name: Gold\n"       // 16
      "    min_points: 0\n");  // 17
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(
      Headlines(loaded),
      ElementsAre(
          At(6, 15,
             "'points earned in 12 weeks' is not a qualification: write balance, \"points earned "
             "in N months\", \"points earned this year\", \"spent in N months\" or \"spent this "
             "year\""),
          At(7, 14,
             "'one tier' is not a downgrade policy; did you mean 'one_tier'? (accepted: "
             "recompute, one_tier, never)"),
          At(8, 11,
             "'dayly' is not a review; did you mean 'daily'? (accepted: daily, anniversary)"),
          At(9, 15, "grace_days must be from 0 to 3660, not -1"),
          At(10, 3, "unknown key 'grace_dayz' in 'tier_policy'; did you mean 'grace_days'?"),
          At(17, 17, "tier 'Gold' needs 0 points, not more than tier 'Silver' before it (1000)")));
  EXPECT_THAT(Hints(loaded),
              ElementsAre(kQualifyOnHint, kDowngradeHint, kReviewHint, kGraceHint,
                          HasSubstr("the keys of 'tier_policy' are:"),
                          "list tiers from the lowest to the highest, each needing more points"));
}

// qualifying_points and qualifying_spent count over the tier policy's
// window: read where the tiers qualify on the balance, they are always 0,
// and the read is warned of where it is written.
TEST(TierPolicySection, ReadingTheQualifyingFiguresWithoutAWindowIsWarned) {
  constexpr char kSegments[] =
      "kind: segmentation\n"
      "dimensions:\n"
      "  - id: tier_risk\n"
      "    rules:\n"
      "      - id: short\n"
      "        when: points > 0 and qualifying_spent < 100\n"
      "        segment: short\n"
      "    default: fine\n";
  auto load = [&](std::string_view policy) {
    return RuleSet::LoadSources(
        {{"segments.yaml", kSegments}, {"loyalty.yaml", LoyaltyWith(policy, kPointsTiers)}});
  };
  LoadResult balance = load("  downgrade: never\n");
  ASSERT_TRUE(balance.ok()) << FormatDiagnostics(balance.diagnostics);
  ASSERT_EQ(balance.diagnostics.size(), 1u);
  EXPECT_EQ(balance.diagnostics[0].Headline(),
            "segments.yaml:6:30: warning: qualifying_spent is always 0 in this ruleset: its tiers "
            "qualify on the balance, not over a window of months");
  EXPECT_EQ(balance.diagnostics[0].length, 16);
  EXPECT_THAT(balance.diagnostics[0].hint, HasSubstr("qualify_on: points earned in 12 months"));

  LoadResult window = load("  qualify_on: points earned in 12 months\n");
  EXPECT_TRUE(window.ok()) << FormatDiagnostics(window.diagnostics);
  EXPECT_THAT(window.diagnostics, ::testing::IsEmpty());

  // A wrong qualify_on is its own error, not also a warning at the read.
  LoadResult wrong = load("  qualify_on: points earned in 12 weeks\n");
  EXPECT_FALSE(wrong.ok());
  EXPECT_THAT(Headlines(wrong), ElementsAre(HasSubstr("is not a qualification")));

  // Without a loyalty file there is no window either.
  LoadResult alone = RuleSet::LoadSources({{"segments.yaml", kSegments}});
  ASSERT_EQ(alone.diagnostics.size(), 1u);
  EXPECT_THAT(alone.diagnostics[0].Headline(), HasSubstr("warning: qualifying_spent is always 0"));
}

// -------------------------------------------------------------- evaluation

std::shared_ptr<const RuleSet> MustLoad(std::string_view policy,
                                        std::string_view tiers = kPointsTiers,
                                        std::string_view points = "") {
  std::string text = LoyaltyWith(policy, tiers);
  if (!points.empty()) text += "points:\n" + std::string(points);
  LoadResult loaded = RuleSet::LoadSources({{"loyalty.yaml", text}});
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

struct Outcome {
  std::string tier;
  std::string tier_before;
  Date downgrade_on;
  int64_t points_earned = 0;
};

// Evaluates `customer` on `today`, with `purchase` when given.
Outcome Evaluate(const RuleSet& rules, const Customer& customer, std::string_view today,
                 const Purchase* purchase = nullptr) {
  Decision decision;
  EvalInput input;
  input.customer = &customer;
  input.purchase = purchase;
  input.today = Day(today);
  const absl::Status status = rules.Evaluate(input, &decision);
  EXPECT_THAT(status, IsOk());
  return {std::string(decision.tier), std::string(decision.tier_before), decision.tier_downgrade_on,
          decision.loyalty.points_earned};
}

Purchase Bought(std::string_view amount, std::string_view date = "") {
  Purchase purchase;
  purchase.amount = Amount(amount);
  if (!date.empty()) purchase.date = Day(date);
  return purchase;
}

TEST(TierEvaluation, SpentQualificationWithDecimals) {
  auto rules = MustLoad("  qualify_on: spent in 12 months\n", kSpentTiers);
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.points = 90000;  // the balance does not count
  customer.qualifying_spent = Amount("999.99");
  Outcome out = Evaluate(*rules, customer, "2026-12-06");
  EXPECT_EQ(out.tier, "Member");
  EXPECT_EQ(out.tier_before, "Member");
  EXPECT_FALSE(out.downgrade_on.known());
  customer.qualifying_spent = Amount("1000.00");
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "Silver");
  customer.qualifying_spent = Amount("4999.9999");
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "Silver");
  customer.qualifying_spent = Amount("5000");
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "Gold");

  // A purchase's amount adds to the amount spent: a cent reaches Silver.
  customer.qualifying_spent = Amount("999.99");
  const Purchase cent = Bought("0.01");
  out = Evaluate(*rules, customer, "2026-12-06", &cent);
  EXPECT_EQ(out.tier_before, "Member");
  EXPECT_EQ(out.tier, "Silver");
  const Purchase big = Bought("4000.01", "2026-12-06");
  out = Evaluate(*rules, customer, "2026-12-06", &big);
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_EQ(out.points_earned, 400);
}

TEST(TierEvaluation, APurchaseBeforeTheWindowDoesNotCount) {
  auto rules = MustLoad("  qualify_on: spent in 12 months\n", kSpentTiers);
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.qualifying_spent = Amount("999.99");
  const Purchase old = Bought("10", "2025-12-31");
  Outcome out = Evaluate(*rules, customer, "2026-12-06", &old);
  EXPECT_EQ(out.tier, "Member");
  EXPECT_EQ(out.points_earned, 1) << "it still earns points";
  const Purchase first_day = Bought("10", "2026-01-01");
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06", &first_day).tier, "Silver");

  // This year's: only from 1 January.
  auto year = MustLoad("  qualify_on: spent this year\n", kSpentTiers);
  ASSERT_NE(year, nullptr);
  const Purchase december = Bought("10", "2025-12-31");
  EXPECT_EQ(Evaluate(*year, customer, "2026-03-15", &december).tier, "Member");
  const Purchase january = Bought("10", "2026-01-01");
  EXPECT_EQ(Evaluate(*year, customer, "2026-03-15", &january).tier, "Silver");
}

TEST(TierEvaluation, PointsEarnedAddThePurchasesPoints) {
  auto rules = MustLoad(
      "  qualify_on: points earned in 12 months\n"
      "  downgrade: one_tier\n"
      "  grace_days: 30\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.points = 9000;  // the balance does not count
  customer.tier = "Bronze";
  customer.tier_since = Day("2026-01-10");
  customer.qualifying_points = 950;
  Outcome out = Evaluate(*rules, customer, "2026-12-06");
  EXPECT_EQ(out.tier, "Bronze");
  EXPECT_FALSE(out.downgrade_on.known());

  const Purchase enough = Bought("500");  // 50 points: 1000
  out = Evaluate(*rules, customer, "2026-12-06", &enough);
  EXPECT_EQ(out.points_earned, 50);
  EXPECT_EQ(out.tier_before, "Bronze");
  EXPECT_EQ(out.tier, "Silver");
  EXPECT_FALSE(out.downgrade_on.known());

  const Purchase short_of_it = Bought("499.99");  // 49 points: 999
  out = Evaluate(*rules, customer, "2026-12-06", &short_of_it);
  EXPECT_EQ(out.points_earned, 49);
  EXPECT_EQ(out.tier, "Bronze");

  // A purchase of last year's December earns, but not toward the tier.
  const Purchase old = Bought("500", "2025-12-31");
  out = Evaluate(*rules, customer, "2026-12-06", &old);
  EXPECT_EQ(out.points_earned, 50);
  EXPECT_EQ(out.tier, "Bronze");
}

TEST(TierEvaluation, DowngradeScheduleInTheDecision) {
  auto rules = MustLoad(
      "  qualify_on: points earned in 12 months\n"
      "  downgrade: one_tier\n"
      "  grace_days: 30\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.tier = "Gold";
  customer.tier_since = Day("2026-03-01");
  customer.qualifying_points = 4999;
  Outcome out = Evaluate(*rules, customer, "2026-12-06");
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_EQ(out.tier_before, "Gold");
  EXPECT_EQ(out.downgrade_on, Day("2027-01-05"));

  // Scheduled: it holds through the day before, then one tier down.
  customer.tier_downgrade_on = Day("2027-01-05");
  customer.qualifying_points = 300;
  out = Evaluate(*rules, customer, "2027-01-04");
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_EQ(out.downgrade_on, Day("2027-01-05"));
  out = Evaluate(*rules, customer, "2027-01-05");
  EXPECT_EQ(out.tier, "Silver");
  EXPECT_EQ(out.tier_before, "Silver");
  EXPECT_FALSE(out.downgrade_on.known());

  // Earning enough during grace cancels it; not enough leaves it as it is.
  customer.qualifying_points = 4900;
  const Purchase enough = Bought("1000");
  out = Evaluate(*rules, customer, "2026-12-20", &enough);
  EXPECT_EQ(out.tier_before, "Gold");
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_FALSE(out.downgrade_on.known());
  const Purchase little = Bought("50");
  out = Evaluate(*rules, customer, "2026-12-20", &little);
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_EQ(out.downgrade_on, Day("2027-01-05"));
}

TEST(TierEvaluation, AManualTierWins) {
  auto rules = MustLoad(
      "  qualify_on: points earned in 12 months\n"
      "  downgrade: recompute\n"
      "  grace_days: 30\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.tier = "Gold";
  customer.tier_since = Day("2026-03-01");
  customer.tier_downgrade_on = Day("2026-12-01");  // due, but the manual tier holds
  customer.manual_tier_until = Day("2026-12-06");
  customer.qualifying_points = 0;
  Outcome out = Evaluate(*rules, customer, "2026-12-06");
  EXPECT_EQ(out.tier, "Gold");
  EXPECT_EQ(out.tier_before, "Gold");
  EXPECT_FALSE(out.downgrade_on.known());
  // ... whatever a purchase brings.
  const Purchase purchase = Bought("100");
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06", &purchase).tier, "Gold");
  // The day after: the policy decides (the schedule is due: Bronze).
  out = Evaluate(*rules, customer, "2026-12-07");
  EXPECT_EQ(out.tier, "Bronze");
  EXPECT_FALSE(out.downgrade_on.known());
  // A manual tier this ruleset does not have is no manual tier.
  customer.tier = "Platinum";
  customer.tier_downgrade_on = Date();
  customer.qualifying_points = 1000;
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "Silver");
}

TEST(TierEvaluation, TheSeedsDefaultFollowsTheBalanceBothWays) {
  auto rules = MustLoad("");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.points = 950;
  customer.tier = "Bronze";
  customer.qualifying_points = 99999;  // not the figure
  const Purchase purchase = Bought("500");
  Outcome out = Evaluate(*rules, customer, "2026-12-06", &purchase);
  EXPECT_EQ(out.tier_before, "Bronze");
  EXPECT_EQ(out.tier, "Silver");
  EXPECT_FALSE(out.downgrade_on.known());
  // Down at once: a stored Gold with 4999 points is Silver, no schedule
  // (even one stored from an earlier policy).
  customer.points = 4999;
  customer.tier = "Gold";
  customer.tier_downgrade_on = Day("2027-01-05");
  out = Evaluate(*rules, customer, "2026-12-06");
  EXPECT_EQ(out.tier_before, "Silver");
  EXPECT_EQ(out.tier, "Silver");
  EXPECT_FALSE(out.downgrade_on.known());
  customer.points = 5000;
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "Gold");
  customer.points = -5;
  EXPECT_EQ(Evaluate(*rules, customer, "2026-12-06").tier, "");
}

TEST(TierEvaluation, TiersChangeOverTime) {
  auto windowed = MustLoad("  qualify_on: points earned in 12 months\n");
  auto year = MustLoad("  qualify_on: spent this year\n", kSpentTiers);
  auto grace = MustLoad("  qualify_on: balance\n  grace_days: 30\n");
  auto never = MustLoad("  downgrade: never\n");
  auto anniversary = MustLoad("  review: anniversary\n");
  auto balance = MustLoad("  qualify_on: balance\n");
  auto seed = MustLoad("");
  auto expiring = MustLoad("", kPointsTiers, "  expiry: 12 months\n");
  ASSERT_TRUE(windowed && year && grace && never && anniversary && balance && seed && expiring);
  EXPECT_TRUE(windowed->TiersChangeOverTime());
  EXPECT_TRUE(year->TiersChangeOverTime());
  EXPECT_TRUE(grace->TiersChangeOverTime());
  EXPECT_TRUE(never->TiersChangeOverTime());
  EXPECT_TRUE(anniversary->TiersChangeOverTime());
  EXPECT_FALSE(balance->TiersChangeOverTime());
  EXPECT_FALSE(seed->TiersChangeOverTime());
  EXPECT_TRUE(expiring->TiersChangeOverTime()) << "expiring points lower the balance";
  // No tiers: nothing changes.
  LoadResult no_tiers = RuleSet::LoadSources({{"loyalty.yaml", LoyaltyWith("", "")}});
  ASSERT_TRUE(no_tiers.ok()) << FormatDiagnostics(no_tiers.diagnostics);
  EXPECT_FALSE(no_tiers.ruleset->TiersChangeOverTime());
}

// -------------------------------------------------------------- rule tests

constexpr char kRetailPolicy[] =
    "  qualify_on: points earned in 12 months\n"
    "  downgrade: one_tier\n"
    "  review: daily\n"
    "  grace_days: 30\n";

std::shared_ptr<const RuleSet> LoadWithTests(const std::string& cases) {
  LoadResult loaded =
      RuleSet::LoadSources({{"loyalty.yaml", LoyaltyWith(kRetailPolicy, kPointsTiers)},
                            {"tests.yaml", "kind: tests\ncases:\n" + cases}});
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

std::vector<std::string> Messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> messages;
  for (const Diagnostic& d : diagnostics) messages.push_back(d.message);
  return messages;
}

TEST(TierDowngradeOnExpectation, PassingCases) {
  auto rules = LoadWithTests(
      "  - name: falling below Gold starts 30 days of grace\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, tier_since: 2026-03-01, qualifying_points: 4999}\n"
      "    expect: {tier: Gold, tier_downgrade_on: 2027-01-05}\n"
      "  - name: the day it is due\n"
      "    today: 2027-01-05\n"
      "    customer: {tier: Gold, tier_since: 2026-03-01, tier_downgrade_on: 2027-01-05,"
      " qualifying_points: 300}\n"
      "    expect: {tier: Silver, tier_downgrade_on: none}\n"
      "  - name: empty is none too\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, qualifying_points: 5000}\n"
      "    expect: {tier: Gold, tier_downgrade_on: }\n");
  ASSERT_NE(rules, nullptr);
  const RuleTestReport report = RunRuleTests(*rules);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, false);
  EXPECT_EQ(report.passed(), 3);
  EXPECT_EQ(report.failed(), 0);
}

TEST(TierDowngradeOnExpectation, AFailingCaseSaysExpectedAndGot) {
  auto rules = LoadWithTests(
      "  - name: grace of 29 days\n"  // 3
      "    today: 2026-12-06\n"       // 4
      "    customer: {tier: Gold, tier_since: 2026-03-01, qualifying_points: 4999}\n"
      "    expect:\n"                            // 6
      "      tier: Silver\n"                     // 7
      "      tier_downgrade_on: 2027-01-04\n");  // 8
  ASSERT_NE(rules, nullptr);
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_TRUE(report.problems.empty()) << FormatRuleTestReport(report, false);
  ASSERT_EQ(report.cases.size(), 1u);
  const RuleTestCaseResult& c = report.cases[0];
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(Messages(c.failures),
              ElementsAre("tier: expected Silver, got Gold (qualifying_points before the case's "
                          "purchase: 4999; downgrade scheduled on 2027-01-05)",
                          "tier_downgrade_on: expected 2027-01-04, got 2027-01-05 (tier Gold; "
                          "qualifying_points before the case's purchase: 4999)"));
  ASSERT_EQ(c.failures.size(), 2u);
  EXPECT_EQ(c.failures[1].line, 8);
  EXPECT_EQ(c.failures[1].column, 26);
  EXPECT_THAT(FormatRuleTestReport(report, false),
              AllOf(HasSubstr("FAIL tests.yaml:3 grace of 29 days\n"),
                    HasSubstr("tests.yaml:8:26: tier_downgrade_on: expected 2027-01-04, got "
                              "2027-01-05"),
                    HasSubstr("0 passed, 1 failed\n")));

  // Expecting none where one is scheduled, and the reverse.
  auto none = LoadWithTests(
      "  - name: none expected\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, tier_since: 2026-03-01, qualifying_points: 4999}\n"
      "    expect: {tier_downgrade_on: none}\n"
      "  - name: one expected\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, qualifying_points: 5000}\n"
      "    expect: {tier_downgrade_on: 2027-01-05}\n");
  ASSERT_NE(none, nullptr);
  const RuleTestReport both = RunRuleTests(*none);
  ASSERT_EQ(both.cases.size(), 2u);
  EXPECT_THAT(Messages(both.cases[0].failures),
              ElementsAre("tier_downgrade_on: expected none, got 2027-01-05 (tier Gold; "
                          "qualifying_points before the case's purchase: 4999)"));
  EXPECT_THAT(Messages(both.cases[1].failures),
              ElementsAre("tier_downgrade_on: expected 2027-01-05, got none (tier Gold; "
                          "qualifying_points before the case's purchase: 5000)"));
}

TEST(TierDowngradeOnExpectation, AFailureNamesTheQualifyingFigure) {
  auto rules = LoadWithTests(
      "  - name: grace of 29 days\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, tier_since: 2026-03-01, qualifying_points: 4999}\n"
      "    expect: {tier_downgrade_on: 2027-01-04}\n");
  ASSERT_NE(rules, nullptr);
  const RuleTestReport report = RunRuleTests(*rules);
  ASSERT_EQ(report.cases.size(), 1u);
  ASSERT_EQ(report.cases[0].failures.size(), 1u);
  const std::string& message = report.cases[0].failures[0].message;
  EXPECT_THAT(message, HasSubstr("tier_downgrade_on: expected 2027-01-04, got 2027-01-05"));
  EXPECT_THAT(message, HasSubstr("qualifying_points before the case's purchase: 4999"));
}

TEST(TierDowngradeOnExpectation, ABadValueIsAProblem) {
  auto rules = LoadWithTests(
      "  - name: a word for a day\n"  // 3
      "    today: 2026-12-06\n"       // 4
      "    customer: {tier: Gold, qualifying_points: 4999}\n"
      "    expect: {tier_downgrade_on: tomorrow}\n");  // 6
  ASSERT_NE(rules, nullptr);
  const RuleTestReport report = RunRuleTests(*rules);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.problems.size(), 1u) << FormatRuleTestReport(report, false);
  EXPECT_EQ(report.problems[0].message, "tier_downgrade_on is a day such as 2027-01-05, or none");
  EXPECT_EQ(report.problems[0].file, "tests.yaml");
  EXPECT_EQ(report.problems[0].line, 6);
  EXPECT_EQ(report.problems[0].column, 33);
  EXPECT_THAT(FormatRuleTestReport(report, false),
              HasSubstr("tests.yaml:6:33: error: tier_downgrade_on is a day such as 2027-01-05, "
                        "or none"));
  // A list is no day either.
  auto list = LoadWithTests(
      "  - name: a list\n"
      "    today: 2026-12-06\n"
      "    customer: {tier: Gold, qualifying_points: 4999}\n"
      "    expect: {tier_downgrade_on: [2027-01-05]}\n");
  ASSERT_NE(list, nullptr);
  EXPECT_THAT(Messages(RunRuleTests(*list).problems),
              ElementsAre("tier_downgrade_on is a day such as 2027-01-05, or none"));
}

// The retail example ships with this policy and passes its own tests.
TEST(TierPolicyExample, RetailProgramme) {
  LoadResult loaded = RuleSet::LoadDirectory(std::string(CLIENTELE_SOURCE_DIR) +
                                             "/config/examples/retail-programme");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const TierPolicy& policy = loaded.ruleset->tier_policy();
  EXPECT_EQ(policy.QualifyOnText(), "points earned in 12 months");
  EXPECT_EQ(policy.downgrade, Downgrade::kOneTier);
  EXPECT_EQ(policy.review, Review::kDaily);
  EXPECT_EQ(policy.grace_days, 30);
  EXPECT_TRUE(loaded.ruleset->TiersChangeOverTime());
  const RuleTestReport report = RunRuleTests(*loaded.ruleset);
  EXPECT_TRUE(report.ok()) << FormatRuleTestReport(report, false);
  EXPECT_EQ(report.failed(), 0);
}

}  // namespace
}  // namespace clientele::rules
