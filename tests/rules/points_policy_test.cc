// The points lifecycle of rules/points.h and what the rule files make of
// it: the expiry forms (parse, dates, the fewest days points stay), the
// policies for returns after spending, the balances of a day from the
// lots, the `points:` section of a loyalty file with its diagnostics, and
// rules that read points.available / .pending / .lifetime /
// .expiring_<N>d.
#include <algorithm>
#include <climits>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/points.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

Date Plus(Date day, int32_t days) { return Date::FromDays(day.days() + days); }

PointsExpiry Expiry(std::string_view text) {
  absl::StatusOr<PointsExpiry> expiry = PointsExpiry::Parse(text);
  EXPECT_THAT(expiry, IsOk()) << text;
  return expiry.value_or(PointsExpiry());
}

// ------------------------------------------------------- PointsExpiry::Parse

TEST(PointsExpiryParse, EveryForm) {
  using Kind = PointsExpiry::Kind;
  struct Form {
    std::string text;
    Kind kind;
    int32_t count;
    std::string canonical;  // ToString()
  };
  const std::vector<Form> forms = {
      {"never", Kind::kNever, 0, "never"},
      {"NEVER", Kind::kNever, 0, "never"},
      {"  never\t", Kind::kNever, 0, "never"},
      {"1 day", Kind::kAfterDays, 1, "1 day"},
      {"30 days", Kind::kAfterDays, 30, "30 days"},
      {"365 days", Kind::kAfterDays, 365, "365 days"},
      {"36500 days", Kind::kAfterDays, 36500, "36500 days"},
      {"2 day", Kind::kAfterDays, 2, "2 days"},
      {"12 Months", Kind::kAfterMonths, 12, "12 months"},
      {"1 month", Kind::kAfterMonths, 1, "1 month"},
      {"1200 months", Kind::kAfterMonths, 1200, "1200 months"},
      {"end of month", Kind::kEndOfMonth, 0, "end of month"},
      {"End Of Month", Kind::kEndOfMonth, 0, "end of month"},
      {"end of month + 0", Kind::kEndOfMonth, 0, "end of month"},
      {"end of month + 2", Kind::kEndOfMonth, 2, "end of month + 2"},
      {"end of year", Kind::kEndOfYear, 0, "end of year"},
      {"end of year + 1", Kind::kEndOfYear, 1, "end of year + 1"},
      {"end of year +1", Kind::kEndOfYear, 1, "end of year + 1"},
      {"end of year+1", Kind::kEndOfYear, 1, "end of year + 1"},
      {"end of year + 100", Kind::kEndOfYear, 100, "end of year + 100"},
  };
  for (const Form& form : forms) {
    SCOPED_TRACE(form.text);
    absl::StatusOr<PointsExpiry> parsed = PointsExpiry::Parse(form.text);
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(parsed->kind, form.kind);
    EXPECT_EQ(parsed->count, form.count);
    EXPECT_EQ(parsed->ToString(), form.canonical);
    // The canonical text reads back as the same expiry.
    EXPECT_EQ(Expiry(parsed->ToString()), *parsed);
  }
}

TEST(PointsExpiryParse, ErrorsSayWhatIsAccepted) {
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  // Not a form at all: the message lists the forms.
  for (std::string_view text : {"", "soon", "twelve months", "12", "end of week", "months 12"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(PointsExpiry::Parse(text),
                StatusIs(kInvalid, "is not an expiry: write never, \"N days\", \"N months\", "
                                   "\"end of month\", \"end of year\", \"end of month + N\" or "
                                   "\"end of year + N\""));
  }
  EXPECT_THAT(PointsExpiry::Parse("soon"), StatusIs(kInvalid, "'soon' is not an expiry"));
  // A count out of range.
  EXPECT_THAT(PointsExpiry::Parse("0 days"),
              StatusIs(kInvalid, "'0 days' is not an expiry: the days must be from 1 to 36500"));
  EXPECT_THAT(PointsExpiry::Parse("36501 days"),
              StatusIs(kInvalid, "the days must be from 1 to 36500"));
  EXPECT_THAT(PointsExpiry::Parse("-5 days"), StatusIs(kInvalid, "the days must be from 1 to 36500"));
  EXPECT_THAT(PointsExpiry::Parse("0 months"),
              StatusIs(kInvalid, "'0 months' is not an expiry: the months must be from 1 to 1200"));
  EXPECT_THAT(PointsExpiry::Parse("1201 months"), StatusIs(kInvalid, "the months must be from 1 to 1200"));
  // An unknown unit.
  EXPECT_THAT(PointsExpiry::Parse("12 weeks"),
              StatusIs(kInvalid, "'weeks' is not a unit of expiry: write days or months"));
  EXPECT_THAT(PointsExpiry::Parse("1 year"), StatusIs(kInvalid, "'year' is not a unit of expiry"));
  // What follows "end of month/year" must be "+ N", N 0..100.
  for (std::string_view text :
       {"end of month + 101", "end of year - 1", "end of month + x", "end of monthly",
        "end of year + ", "end of year + 1.5"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(PointsExpiry::Parse(text),
                StatusIs(kInvalid, "comes nothing, or \"+ N\" with N from 0 to 100"));
  }
}

// ----------------------------------------------------- PointsExpiry::ExpiresOn

TEST(PointsExpiryExpiresOn, EachKind) {
  EXPECT_FALSE(Expiry("never").ExpiresOn(Day("2026-05-10")).known());
  EXPECT_FALSE(Expiry("30 days").ExpiresOn(Date()).known()) << "an unknown day expires never";

  EXPECT_EQ(Expiry("30 days").ExpiresOn(Day("2026-01-01")), Day("2026-01-31"));
  EXPECT_EQ(Expiry("1 day").ExpiresOn(Day("2026-12-31")), Day("2027-01-01"));
  EXPECT_EQ(Expiry("365 days").ExpiresOn(Day("2024-01-01")), Day("2024-12-31"));  // leap year

  EXPECT_EQ(Expiry("12 months").ExpiresOn(Day("2026-05-10")), Day("2027-05-10"));
  // The same day of the month, or the month's last when it is shorter.
  EXPECT_EQ(Expiry("12 months").ExpiresOn(Day("2024-02-29")), Day("2025-02-28"));
  EXPECT_EQ(Expiry("48 months").ExpiresOn(Day("2024-02-29")), Day("2028-02-29"));
  EXPECT_EQ(Expiry("1 month").ExpiresOn(Day("2024-01-31")), Day("2024-02-29"));
  EXPECT_EQ(Expiry("1 month").ExpiresOn(Day("2025-01-31")), Day("2025-02-28"));
  EXPECT_EQ(Expiry("1 month").ExpiresOn(Day("2026-03-31")), Day("2026-04-30"));
  EXPECT_EQ(Expiry("1 month").ExpiresOn(Day("2026-12-15")), Day("2027-01-15"));

  // After the last day of the month earned (+ N months): the next month's first day.
  EXPECT_EQ(Expiry("end of month").ExpiresOn(Day("2024-01-31")), Day("2024-02-01"));
  EXPECT_EQ(Expiry("end of month").ExpiresOn(Day("2024-01-01")), Day("2024-02-01"));
  EXPECT_EQ(Expiry("end of month + 1").ExpiresOn(Day("2024-01-31")), Day("2024-03-01"));
  EXPECT_EQ(Expiry("end of month + 1").ExpiresOn(Day("2026-12-05")), Day("2027-02-01"));

  // After the last day of the year earned (+ N years): a January 1st.
  EXPECT_EQ(Expiry("end of year").ExpiresOn(Day("2026-12-31")), Day("2027-01-01"));
  EXPECT_EQ(Expiry("end of year + 1").ExpiresOn(Day("2026-01-01")), Day("2028-01-01"));
  EXPECT_EQ(Expiry("end of year + 1").ExpiresOn(Day("2024-02-29")), Day("2026-01-01"));
}

// The fewest days between an earning day and its expiry, by trying every
// day of 2001..2099 (no year of it skips a leap day).
int32_t FewestDays(const PointsExpiry& expiry) {
  int32_t fewest = INT32_MAX;
  for (Date d = Day("2001-01-01"); d <= Day("2099-12-31"); d = Plus(d, 1)) {
    fewest = std::min(fewest, expiry.ExpiresOn(d).days() - d.days());
  }
  return fewest;
}

TEST(PointsExpiryShortestDays, MatchesTheFewestDaysOfAnyEarningDay) {
  EXPECT_EQ(Expiry("never").ShortestDays(), INT32_MAX);
  for (std::string_view text :
       {"1 day", "30 days", "1 month", "end of month", "end of month + 1", "end of year",
        "end of year + 1"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Expiry(text).ShortestDays(), FewestDays(Expiry(text)));
  }
}

// ShortestDays says it is "the fewest days points can stay in the balance",
// and the loader rejects a policy by it ("after as few as N days").
TEST(PointsExpiryShortestDays, MatchesTheFewestDaysForLongerPeriodsToo) {
  for (std::string_view text : {"2 months", "12 months", "end of month + 2", "end of month + 11"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Expiry(text).ShortestDays(), FewestDays(Expiry(text)));
  }
  // Points earned on any day stay at least 365 days under "12 months": 340
  // pending days leave 25 days or more to spend them.
  LoadResult loaded = RuleSet::LoadSources(
      {{"loyalty.yaml", "kind: loyalty\npoints:\n  pending_days: 340\n  expiry: 12 months\n"
                        "earning:\n  rules: []\n  default: {id: flat, points: 10}\n"}});
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
}

// ------------------------------------------------- ReturnAfterSpending names

TEST(ReturnAfterSpending, ParsesItsNamesOnly) {
  for (ReturnAfterSpending policy : {ReturnAfterSpending::kDebt,
                                     ReturnAfterSpending::kNegativeBalance,
                                     ReturnAfterSpending::kForgive}) {
    absl::StatusOr<ReturnAfterSpending> parsed =
        ParseReturnAfterSpending(ReturnAfterSpendingName(policy));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, policy);
  }
  EXPECT_EQ(ReturnAfterSpendingName(ReturnAfterSpending::kDebt), "debt");
  EXPECT_EQ(ReturnAfterSpendingName(ReturnAfterSpending::kNegativeBalance), "negative_balance");
  EXPECT_EQ(ReturnAfterSpendingName(ReturnAfterSpending::kForgive), "forgive");
  EXPECT_EQ(PointsPolicy().returns_after_spending, ReturnAfterSpending::kDebt) << "the default";

  EXPECT_THAT(ParseReturnAfterSpending("negative-balance"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "'negative-balance' is not a policy for returns after spending"));
  EXPECT_THAT(ParseReturnAfterSpending("negative-balance"),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'negative_balance'"));
  EXPECT_THAT(ParseReturnAfterSpending("forgiven"),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'forgive'"));
  EXPECT_THAT(ParseReturnAfterSpending(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "(accepted: debt, negative_balance, forgive)"));
}

TEST(PointsPolicy, AvailableOnIsPendingDaysAfterTheDayEarned) {
  PointsPolicy policy;
  EXPECT_EQ(policy.AvailableOn(Day("2026-05-10")), Day("2026-05-10"));
  policy.pending_days = 14;
  EXPECT_EQ(policy.AvailableOn(Day("2026-05-10")), Day("2026-05-24"));
  EXPECT_EQ(policy.AvailableOn(Day("2026-12-25")), Day("2027-01-08"));
  EXPECT_FALSE(policy.AvailableOn(Date()).known());
}

// ------------------------------------------------------------ the lots

TEST(ApplyPointsLots, ExpiredLeavePendingSumExpiringByDay) {
  const Date today = Day("2026-11-24");
  const std::vector<PointsLot> lots = {
      {100, Date(), Date()},                          // at once, never expires
      {50, Plus(today, 1), Plus(today, 30)},          // pending until tomorrow
      {40, today, Plus(today, 30)},                   // available from today: not pending
      {30, Date(), today},                            // expires today: gone
      {20, Plus(today, 5), Plus(today, -1)},          // expired (and still "pending"): gone
      {10, Plus(today, 3), Plus(today, 10)},          // pending, expires first
      {0, Plus(today, 3), Plus(today, 2)},            // spent: no part of anything
  };
  Customer customer;
  customer.points = 250;  // the ledger's sum: every lot's remaining points
  customer.points_pending = 999;
  customer.points_expiring = {{Day("2020-01-01"), 7}};  // replaced, not added to
  ApplyPointsLots(lots, today, &customer);
  EXPECT_EQ(customer.points, 200);
  EXPECT_EQ(customer.points_pending, 60);
  EXPECT_THAT(customer.points_expiring,
              ElementsAre(ExpiringPoints{Plus(today, 10), 10}, ExpiringPoints{Plus(today, 30), 90}));

  // The order of the lots does not matter.
  std::vector<PointsLot> reversed(lots.rbegin(), lots.rend());
  Customer again;
  again.points = 250;
  ApplyPointsLots(reversed, today, &again);
  EXPECT_EQ(again.points, 200);
  EXPECT_EQ(again.points_pending, 60);
  EXPECT_EQ(again.points_expiring, customer.points_expiring);
}

TEST(ApplyPointsLots, NoLotsLeaveTheBalanceAsWritten) {
  Customer customer;
  customer.points = -30;  // a negative balance has no lots
  ApplyPointsLots({}, Day("2026-11-24"), &customer);
  EXPECT_EQ(customer.points, -30);
  EXPECT_EQ(customer.points_pending, 0);
  EXPECT_THAT(customer.points_expiring, IsEmpty());
}

TEST(PointsLot, ExpiredAndPendingAtTheirBoundaries) {
  const Date today = Day("2026-11-24");
  EXPECT_TRUE(Expired({1, Date(), today}, today));
  EXPECT_FALSE(Expired({1, Date(), Plus(today, 1)}, today));
  EXPECT_FALSE(Expired({1, Date(), Date()}, today));
  EXPECT_TRUE(Pending({1, Plus(today, 1), Date()}, today));
  EXPECT_FALSE(Pending({1, today, Date()}, today));
  EXPECT_FALSE(Pending({1, Date(), Date()}, today));
  EXPECT_FALSE(Pending({1, Plus(today, 1), today}, today)) << "expired is not pending";
}

TEST(PointsExpiringWithin, CountsAfterTodayUpToTodayPlusN) {
  const Date today = Day("2026-11-24");
  Customer customer;
  customer.points_expiring = {{today, 5},  // cannot happen in a read; never counted
                              {Plus(today, 1), 10},
                              {Plus(today, 30), 20},
                              {Plus(today, 31), 40}};
  EXPECT_EQ(PointsExpiringWithin(customer, today, 0), 0);
  EXPECT_EQ(PointsExpiringWithin(customer, today, 1), 10);
  EXPECT_EQ(PointsExpiringWithin(customer, today, 29), 10);
  EXPECT_EQ(PointsExpiringWithin(customer, today, 30), 30);
  EXPECT_EQ(PointsExpiringWithin(customer, today, 31), 70);
  EXPECT_EQ(PointsExpiringWithin(customer, Plus(today, 30), 30), 40);
  EXPECT_EQ(PointsExpiringWithin(Customer(), today, 30), 0);
}

TEST(ExpiringPointsText, ParsesMergesAndPrints) {
  absl::StatusOr<std::vector<ExpiringPoints>> parsed =
      ParseExpiringPoints("20 on 2027-01-31, 50 on 2026-12-20,5 on 2027-01-31");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(*parsed, ElementsAre(ExpiringPoints{Day("2026-12-20"), 50},
                                   ExpiringPoints{Day("2027-01-31"), 25}));
  EXPECT_EQ(ExpiringPointsText(*parsed), "50 on 2026-12-20, 25 on 2027-01-31");
  EXPECT_THAT(ParseExpiringPoints("  "), IsOk());
  EXPECT_THAT(ParseExpiringPoints("0 on 2026-12-20"),
              StatusIs(absl::StatusCode::kInvalidArgument, "with N greater than 0"));
  EXPECT_THAT(ParseExpiringPoints("50 2026-12-20"),
              StatusIs(absl::StatusCode::kInvalidArgument, "is not \"N on YYYY-MM-DD\""));
  EXPECT_FALSE(ParseExpiringPoints("50 on 2026-13-20").ok());
}

// ------------------------------------------------- the loyalty file's section

// A loyalty file with `points_section` (lines indented by two spaces under
// "points:") before its earning rules; the section starts on line 2.
std::string LoyaltyWithPoints(std::string_view points_section) {
  return "kind: loyalty\n"
         "points:\n" +
         std::string(points_section) +
         "earning:\n"
         "  rules:\n"
         "    - id: big\n"
         "      when: purchase.amount >= 500\n"
         "      points: 100\n"
         "  default:\n"
         "    id: small\n"
         "    points: 20\n"
         "tiers:\n"
         "  - name: basic\n"
         "    min_points: 0\n"
         "  - name: silver\n"
         "    min_points: 500\n";
}

LoadResult LoadLoyalty(std::string_view points_section) {
  return RuleSet::LoadSources({{"loyalty.yaml", LoyaltyWithPoints(points_section)}});
}

std::vector<std::string> Headlines(const LoadResult& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.Headline());
  return out;
}

TEST(PointsSection, LoadsThePolicy) {
  LoadResult loaded = LoadLoyalty(
      "  pending_days: 14\n"
      "  expiry: 12 months\n"
      "  returns_after_spending: negative_balance\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.diagnostics, IsEmpty()) << FormatDiagnostics(loaded.diagnostics);
  const PointsPolicy& policy = loaded.ruleset->points_policy();
  EXPECT_EQ(policy.pending_days, 14);
  EXPECT_EQ(policy.expiry, Expiry("12 months"));
  EXPECT_EQ(policy.returns_after_spending, ReturnAfterSpending::kNegativeBalance);

  // Every key may be left out: the seed's behaviour.
  LoadResult empty = RuleSet::LoadSources(
      {{"loyalty.yaml", LoyaltyWithPoints("  pending_days: 0\n")}});
  ASSERT_TRUE(empty.ok()) << FormatDiagnostics(empty.diagnostics);
  EXPECT_EQ(empty.ruleset->points_policy(), PointsPolicy());

  LoadResult end_of_year = LoadLoyalty("  expiry: end of year + 1\n  pending_days: 30\n");
  ASSERT_TRUE(end_of_year.ok()) << FormatDiagnostics(end_of_year.diagnostics);
  EXPECT_EQ(end_of_year.ruleset->points_policy().expiry, Expiry("end of year + 1"));
  EXPECT_EQ(end_of_year.ruleset->points_policy().returns_after_spending,
            ReturnAfterSpending::kDebt);
}

// The policy is part of the ruleset: changing it changes the version.
TEST(PointsSection, IsPartOfTheVersion) {
  LoadResult a = LoadLoyalty("  expiry: 12 months\n");
  LoadResult b = LoadLoyalty("  expiry: 24 months\n");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.ruleset->version(), b.ruleset->version());
}

TEST(PointsSection, UnknownKeySuggestsTheNearestOne) {
  LoadResult loaded = LoadLoyalty("  expire: 12 months\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:3:3: error: unknown key 'expire' in 'points'; did you "
                          "mean 'expiry'?"));
  EXPECT_EQ(loaded.diagnostics[0].hint,
            "the keys of 'points' are: pending_days, expiry, returns_after_spending, "
            "point_value");
}

TEST(PointsSection, BadExpiryText) {
  LoadResult loaded = LoadLoyalty("  expiry: 12 weeks\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:3:11: error: 'weeks' is not a unit of expiry: write days "
                          "or months"));
  EXPECT_EQ(loaded.diagnostics[0].hint, "e.g. expiry: 12 months, or expiry: end of year + 1");

  LoadResult words = LoadLoyalty("  expiry: one year\n");
  EXPECT_FALSE(words.ok());
  EXPECT_THAT(Headlines(words),
              ElementsAre(HasSubstr("loyalty.yaml:3:11: error: 'one year' is not an expiry")));
}

TEST(PointsSection, PendingDaysOutOfRange) {
  for (std::string_view days : {"-1", "3661"}) {
    LoadResult loaded = LoadLoyalty("  pending_days: " + std::string(days) + "\n");
    EXPECT_FALSE(loaded.ok()) << days;
    EXPECT_THAT(Headlines(loaded),
                ElementsAre("loyalty.yaml:3:17: error: pending_days must be from 0 to 3660, not " +
                            std::string(days)));
  }
  LoadResult fraction = LoadLoyalty("  pending_days: 1.5\n");
  EXPECT_FALSE(fraction.ok());
  EXPECT_THAT(Headlines(fraction),
              ElementsAre("loyalty.yaml:3:17: error: 'pending_days' must be a whole number, not "
                          "'1.5'"));
  EXPECT_TRUE(LoadLoyalty("  pending_days: 3660\n").ok());
}

// The money a point is worth, for the cost of a change.
TEST(PointsSection, PointValue) {
  LoadResult loaded = LoadLoyalty("  point_value: 0.01\n");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.ruleset->point_value(), Decimal::Parse("0.01").value());
  EXPECT_EQ(LoadLoyalty("  pending_days: 0\n").ruleset->point_value(), std::nullopt);
  for (std::string_view value : {"0", "-0.5", "1000.01"}) {
    LoadResult refused = LoadLoyalty("  point_value: " + std::string(value) + "\n");
    EXPECT_FALSE(refused.ok()) << value;
    EXPECT_THAT(Headlines(refused),
                ElementsAre("loyalty.yaml:3:16: error: point_value must be more than 0 and at "
                            "most 1000, not " +
                            std::string(value)));
  }
  LoadResult words = LoadLoyalty("  point_value: a cent\n");
  EXPECT_FALSE(words.ok());
  EXPECT_THAT(Headlines(words), ElementsAre(HasSubstr("loyalty.yaml:3:16: error:")));
}

TEST(PointsSection, ReturnsAfterSpendingTypo) {
  LoadResult loaded = LoadLoyalty("  returns_after_spending: forgiven\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:3:27: error: 'forgiven' is not a policy for returns after "
                          "spending; did you mean 'forgive'? (accepted: debt, negative_balance, "
                          "forgive)"));
}

TEST(PointsSection, ExpiryNoLongerThanPendingIsAnError) {
  LoadResult loaded = LoadLoyalty("  pending_days: 14\n  expiry: end of month\n");
  EXPECT_FALSE(loaded.ok());
  ASSERT_THAT(Headlines(loaded),
              ElementsAre(::testing::AllOf(
                  HasSubstr("loyalty.yaml:4:11: error: points can expire (end of month: after as "
                            "few as 1 day"),
                  HasSubstr("before they stop being pending (14 days): some points could "
                            "never be spent"))));
  EXPECT_EQ(loaded.diagnostics[0].hint, "make the expiry longer, or pending_days shorter");

  // At the boundary: 30 days of expiry need fewer than 30 pending days.
  EXPECT_FALSE(LoadLoyalty("  pending_days: 30\n  expiry: 30 days\n").ok());
  EXPECT_TRUE(LoadLoyalty("  pending_days: 29\n  expiry: 30 days\n").ok());
  // "end of month + 1" stays at least 29 days.
  EXPECT_TRUE(LoadLoyalty("  pending_days: 28\n  expiry: end of month + 1\n").ok());
  EXPECT_FALSE(LoadLoyalty("  pending_days: 29\n  expiry: end of month + 1\n").ok());
}

// --------------------------------------------- rules that read the balances

constexpr char kPointsOffers[] = R"(kind: offers
offers:
  - id: spendable
    when: points.available >= 100
    offer: spend
    priority: 40
    stacking: stackable
  - id: waiting
    when: points.pending > 0
    offer: wait
    priority: 30
    stacking: stackable
  - id: expiring_soon
    when: points.expiring_30d >= 50
    offer: hurry
    priority: 20
    stacking: stackable
  - id: veteran
    when: points.lifetime >= 1000
    offer: thanks
    priority: 10
    stacking: stackable
)";

std::vector<std::string> OffersFor(const RuleSet& ruleset, const Customer& customer,
                                   std::string_view today) {
  Decision decision;
  EXPECT_THAT(ruleset.Evaluate(EvalInput{&customer, nullptr, nullptr, nullptr, Day(today)},
                               &decision),
              IsOk());
  std::vector<std::string> offers;
  for (const OfferGrant& o : decision.offers) offers.emplace_back(o.offer);
  // The explained path must decide the same.
  Decision explained;
  Explanation why;
  EXPECT_THAT(ruleset.Evaluate(EvalInput{&customer, nullptr, nullptr, nullptr, Day(today)},
                               &explained, &why),
              IsOk());
  std::vector<std::string> explained_offers;
  for (const OfferGrant& o : explained.offers) explained_offers.emplace_back(o.offer);
  EXPECT_EQ(offers, explained_offers);
  return offers;
}

Customer WithFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  Customer customer;
  for (const auto& [field, text] : fields) {
    EXPECT_THAT(SetCustomerField(&customer, field, text), IsOk()) << field << " = " << text;
  }
  return customer;
}

TEST(PointsInRules, ReadTheBalancesOfTheCustomer) {
  LoadResult loaded = RuleSet::LoadSources({{"offers.yaml", kPointsOffers}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& ruleset = *loaded.ruleset;

  const Customer all = WithFields({{"points", "150"},
                                   {"points_pending", "50"},
                                   {"points_lifetime", "1200"},
                                   {"points_expiring", "50 on 2026-12-20, 20 on 2027-01-31"}});
  EXPECT_EQ(all.points_expiring.size(), 2u);
  EXPECT_THAT(OffersFor(ruleset, all, "2026-11-24"),
              ElementsAre("spend", "wait", "hurry", "thanks"));

  // available is points - pending: 149 - 50 < 100.
  Customer less = all;
  less.points = 149;
  EXPECT_THAT(OffersFor(ruleset, less, "2026-11-24"), ElementsAre("wait", "hurry", "thanks"));

  // Nothing pending, lifetime below the bar.
  const Customer plain = WithFields({{"points", "100"}, {"points_lifetime", "999"}});
  EXPECT_THAT(OffersFor(ruleset, plain, "2026-11-24"), ElementsAre("spend"));

  // expiring_30d: the points leaving after today and no later than today + 30.
  EXPECT_THAT(OffersFor(ruleset, all, "2026-11-20"), ::testing::Contains("hurry"))
      << "2026-12-20 is today + 30";
  EXPECT_THAT(OffersFor(ruleset, all, "2026-11-19"), ::testing::Not(::testing::Contains("hurry")))
      << "2026-12-20 is today + 31";
  EXPECT_THAT(OffersFor(ruleset, all, "2026-12-20"), ::testing::Not(::testing::Contains("hurry")))
      << "points leaving today are no longer in the balance";
  EXPECT_THAT(OffersFor(ruleset, all, "2026-12-19"), ::testing::Contains("hurry"));
  // 20 on 2027-01-31 alone is below 50.
  EXPECT_THAT(OffersFor(ruleset, all, "2027-01-10"), ::testing::Not(::testing::Contains("hurry")));
}

TEST(PointsInRules, TheSeedNamesSetThem) {
  // points.balance is the field points; 积分 is the seed's name for it in
  // customer data (rule text writes the English names).
  constexpr char kOffers[] = R"(kind: offers
offers:
  - id: by_balance
    when: points.balance >= 10 and points.available >= 10 and points >= 10
    offer: balance
)";
  LoadResult loaded = RuleSet::LoadSources({{"offers.yaml", kOffers}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(OffersFor(*loaded.ruleset, WithFields({{"积分", "10"}}), "2026-11-24"),
              ElementsAre("balance"));
  EXPECT_THAT(OffersFor(*loaded.ruleset, WithFields({{"points", "9"}}), "2026-11-24"), IsEmpty());
}

LoadResult LoadOfferWhen(std::string_view condition) {
  return RuleSet::LoadSources({{"offers.yaml", "kind: offers\n"
                                               "offers:\n"
                                               "  - id: o\n"
                                               "    when: " +
                                                   std::string(condition) +
                                                   "\n"
                                                   "    offer: x\n"}});
}

TEST(PointsInRules, BadNamesAreErrors) {
  // A typo gets a did-you-mean.
  LoadResult typo = LoadOfferWhen("points.availble > 0");
  EXPECT_FALSE(typo.ok());
  ASSERT_THAT(Headlines(typo),
              ElementsAre("offers.yaml:4:18: error: unknown points balance 'availble'; did you "
                          "mean 'available'?"));
  // An abbreviation is too far from any name for one: the hint lists them.
  LoadResult avail = LoadOfferWhen("points.avail > 0");
  EXPECT_FALSE(avail.ok());
  ASSERT_THAT(Headlines(avail),
              ElementsAre("offers.yaml:4:18: error: unknown points balance 'avail'"));
  EXPECT_EQ(avail.diagnostics[0].hint,
            "the balances are points.available, .pending, .lifetime, .owed, .balance and "
            ".expiring_<N>d (N days, e.g. points.expiring_30d)");
  EXPECT_EQ(avail.diagnostics[0].length, 5);

  LoadResult zero = LoadOfferWhen("points.expiring_0d > 0");
  EXPECT_FALSE(zero.ok());
  ASSERT_THAT(Headlines(zero),
              ElementsAre("offers.yaml:4:18: error: 'expiring_0d' needs a whole number of days "
                          "from 1 to 3660"));
  EXPECT_EQ(zero.diagnostics[0].hint,
            "e.g. points.expiring_30d: the points that leave within 30 days");

  for (std::string_view name : {"points.expiring_3661d", "points.expiring_xd", "points.expiring_d"}) {
    SCOPED_TRACE(name);
    LoadResult bad = LoadOfferWhen(std::string(name) + " > 0");
    EXPECT_FALSE(bad.ok());
    EXPECT_THAT(Headlines(bad), ElementsAre(HasSubstr("needs a whole number of days from 1 to 3660")));
  }
  EXPECT_TRUE(LoadOfferWhen("points.expiring_3660d > 0").ok());
  EXPECT_TRUE(LoadOfferWhen("points.expiring_1d > 0").ok());

  // A balance that is not points.<balance>.
  LoadResult deep = LoadOfferWhen("points.available.today > 0");
  EXPECT_FALSE(deep.ok());
  EXPECT_THAT(Headlines(deep),
              ElementsAre(HasSubstr("'points.available.today' is not a points balance")));

  // A near miss of a points name at the top level suggests it.
  LoadResult top = LoadOfferWhen("points_avaliable > 0");
  EXPECT_FALSE(top.ok());
  EXPECT_THAT(Headlines(top), ElementsAre(HasSubstr("did you mean")));
}

// A rule that reads points.expiring_<N>d depends on the day.
TEST(PointsInRules, ExpiringDependsOnTheDay) {
  LoadResult loaded = RuleSet::LoadSources({{"offers.yaml", kPointsOffers}});
  ASSERT_TRUE(loaded.ok());
  const auto dated = loaded.ruleset->DateDependentRules();
  EXPECT_TRUE(dated.contains({"offers", "expiring_soon"}));
  EXPECT_FALSE(dated.contains({"offers", "spendable"}));
}

}  // namespace
}  // namespace clientele::rules
