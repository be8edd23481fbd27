// The loyalty file's `earning:` beyond first-match rules (rules/loader.cc
// LoadEarning / LoadEarningExtras, rules/ruleset.cc Multiplier,
// EarnedPoints and Loyalty): bonuses that add, multipliers of which the
// highest applies (or all, with multipliers_combine: multiply), the cap
// per purchase, each part of the points as a PointsContribution and in
// words (PointsBreakdown); today() in earning rules is the purchase's own
// day; purchase.date, purchase.category and purchase.quantity; the
// introspection (explanations, Rules, Summarize, DateDependentRules,
// WorkBound, ReadsPurchaseCategory) and the loader's diagnostics.
//
// Days used: 2026-11-30 and 2026-12-07 are Mondays, 2026-12-02 a
// Wednesday, 2026-12-05 a Saturday and 2026-12-06 a Sunday.
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
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

constexpr std::string_view kMonday = "2026-12-07";
constexpr std::string_view kWednesday = "2026-12-02";
constexpr std::string_view kSaturday = "2026-12-05";
constexpr std::string_view kSunday = "2026-12-06";
constexpr std::string_view kEarlierMonday = "2026-11-30";

// A loyalty file whose earning rules are, from line 3:
//   penalty      product "penalty"  -10
//   big          amount >= 500      100
//   per_10_yuan  (default)          floor(amount / 10)
// with `extras` (keys of `earning:`, indented by two) from line 11.
constexpr int kExtrasLine = 11;
std::string LoyaltyWith(std::string_view extras) {
  return std::string(
             "kind: loyalty\n"
             "earning:\n"
             "  rules:\n"
             "    - id: penalty\n"
             "      when: purchase.product == \"penalty\"\n"
             "      points: -10\n"
             "    - id: big\n"
             "      when: purchase.amount >= 500\n"
             "      points: 100\n"
             "  default: {id: per_10_yuan, points: floor(purchase.amount / 10)}\n") +
         std::string(extras);
}

// The example: a birthday-month bonus, a bulk bonus, and the
// electronics (x2) and weekend (x3) multipliers.
constexpr char kBonusesAndMultipliers[] =
    "  bonuses:\n"
    "    - id: birthday_month\n"
    "      when: month(today()) == month(birthday)\n"
    "      points: 50\n"
    "    - id: bulk\n"
    "      when: purchase.quantity >= 3\n"
    "      points: purchase.quantity * 10\n"
    "  multipliers:\n"
    "    - id: electronics\n"
    "      when: purchase.category == \"electronics\"\n"
    "      factor: 2\n"
    "    - id: weekend\n"
    "      when: weekday(today()) >= 6\n"
    "      factor: 3\n";

LoadResult LoadLoyalty(std::string_view extras) {
  return RuleSet::LoadSources({{"loyalty.yaml", LoyaltyWith(extras)}});
}

std::shared_ptr<const RuleSet> Rules(std::vector<RuleSource> sources) {
  LoadResult loaded = RuleSet::LoadSources(std::move(sources));
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  for (const Diagnostic& d : loaded.diagnostics) {
    EXPECT_NE(d.severity, Severity::kError) << d.Headline();
  }
  return loaded.ruleset;
}

std::shared_ptr<const RuleSet> Loyalty(std::string_view extras) {
  return Rules({{"loyalty.yaml", LoyaltyWith(extras)}});
}

Purchase Bought(std::string_view amount, std::string_view date = "", std::string_view category = "",
                int64_t quantity = 1, std::string_view product = "") {
  Purchase p;
  p.id = "p-1";
  absl::StatusOr<Decimal> parsed = Decimal::Parse(amount);
  EXPECT_THAT(parsed, IsOk()) << amount;
  p.amount = parsed.value_or(Decimal());
  if (!date.empty()) p.date = Day(date);
  p.category = std::string(category);
  p.quantity = quantity;
  p.product = std::string(product);
  return p;
}

// The contributions as words, to compare as a list.
std::vector<std::string> Parts(const LoyaltyOutcome& loyalty) {
  std::vector<std::string> parts;
  for (const PointsContribution& c : loyalty.contributions) {
    std::string kind;
    switch (c.kind) {
      case PointsContribution::Kind::kBase:
        kind = "base";
        break;
      case PointsContribution::Kind::kMultiplier:
        kind = "multiplier";
        break;
      case PointsContribution::Kind::kBonus:
        kind = "bonus";
        break;
      case PointsContribution::Kind::kCap:
        kind = "cap";
        break;
    }
    std::string part = kind;
    if (!c.rule_id.empty()) part += " " + std::string(c.rule_id);
    part += " " + c.value.ToString();
    if (!c.applied) part += " (not applied)";
    parts.push_back(std::move(part));
  }
  return parts;
}

// Evaluates `purchase` for `customer` on `today`, on the hot path and on
// the explained (careful) one, which must agree; returns the hot path's
// decision (its views point into `ruleset`).
Decision Evaluate(const RuleSet& ruleset, const Customer& customer, const Purchase* purchase,
                  std::string_view today, const Interaction* interaction = nullptr) {
  Decision decision;
  EXPECT_THAT(
      ruleset.Evaluate(EvalInput{&customer, purchase, interaction, nullptr, Day(today)}, &decision),
      IsOk());
  Decision explained;
  Explanation why;
  EXPECT_THAT(ruleset.Evaluate(EvalInput{&customer, purchase, interaction, nullptr, Day(today)},
                               &explained, &why),
              IsOk());
  EXPECT_EQ(decision.loyalty.points_earned, explained.loyalty.points_earned)
      << "the explained evaluation earns differently";
  EXPECT_EQ(decision.loyalty.rule_id, explained.loyalty.rule_id);
  EXPECT_EQ(Parts(decision.loyalty), Parts(explained.loyalty));
  return decision;
}

Decision Buy(const RuleSet& ruleset, const Purchase& purchase, std::string_view today,
             int64_t points_before = 1000) {
  Customer customer;
  customer.id = "c-1";
  customer.points = points_before;
  return Evaluate(ruleset, customer, &purchase, today);
}

// The hint of diagnostic `i`, or a note that there is none.
std::string HintOf(const LoadResult& loaded, size_t i = 0) {
  return i < loaded.diagnostics.size() ? loaded.diagnostics[i].hint
                                       : "(no diagnostic " + std::to_string(i) + ")";
}

std::vector<std::string> Headlines(const LoadResult& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.Headline());
  return out;
}

// ------------------------------------------------------------- multipliers

TEST(EarningMultipliers, TheHighestFactorAppliesToTheBase) {
  auto rules = Loyalty(kBonusesAndMultipliers);
  ASSERT_NE(rules, nullptr);

  // Electronics on a Wednesday: x2 alone.
  Decision d = Buy(*rules, Bought("600", kWednesday, "electronics"), kWednesday);
  EXPECT_EQ(d.loyalty.rule_id, "big");
  EXPECT_EQ(d.loyalty.points_earned, 200);
  EXPECT_EQ(d.loyalty.points_before, 1000);
  EXPECT_EQ(d.loyalty.points_after, 1200);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "multiplier electronics 2"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) × 2 (electronics)");

  // Electronics on a Saturday: both match, x3 is the highest; x2 matched
  // but did not apply. Neither the sum (x5) nor the product (x6).
  d = Buy(*rules, Bought("600", kSaturday, "electronics"), kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 300);
  EXPECT_THAT(Parts(d.loyalty),
              ElementsAre("base big 100", "multiplier electronics 2 (not applied)",
                          "multiplier weekend 3"));
  EXPECT_EQ(PointsBreakdown(d.loyalty),
            "100 (big) × 3 (weekend); not applied (only the highest multiplier applies): × 2 "
            "(electronics)");

  // Books on a Saturday: x3 alone.
  d = Buy(*rules, Bought("600", kSaturday, "books"), kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 300);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "multiplier weekend 3"));

  // Nothing matches: the base alone, still listed as a contribution.
  d = Buy(*rules, Bought("600", kWednesday, "books"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 100);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big)");
}

TEST(EarningMultipliers, TheHighestWinsWhicheverComesFirst) {
  // The higher factor first in the file: the later, lower one does not apply.
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: triple, when: purchase.amount > 0, factor: 3}\n"
      "    - {id: double, when: purchase.amount > 0, factor: 2}\n"
      "    - {id: half, when: purchase.amount > 0, factor: 0.5}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 300);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "multiplier triple 3",
                                            "multiplier double 2 (not applied)",
                                            "multiplier half 0.5 (not applied)"));
  EXPECT_EQ(PointsBreakdown(d.loyalty),
            "100 (big) × 3 (triple); not applied (only the highest multiplier applies): × 2 "
            "(double), × 0.5 "
            "(half)");
}

TEST(EarningMultipliers, OfEqualFactorsTheFirstApplies) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: first_double, when: purchase.amount > 0, factor: 2}\n"
      "    - {id: second_double, when: purchase.amount > 0, factor: 2.0}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 200);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "multiplier first_double 2",
                                            "multiplier second_double 2 (not applied)"));
}

TEST(EarningMultipliers, AFactorBelowOneThatMatchesAloneApplies) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: clearance, when: purchase.category == \"clearance\", factor: 0.5}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", "", "clearance"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 50);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) × 0.5 (clearance)");
}

TEST(EarningMultipliers, MultiplyCombinesEveryOneThatMatches) {
  auto rules = Loyalty(std::string(kBonusesAndMultipliers) + "  multipliers_combine: multiply\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", kSaturday, "electronics"), kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 600);
  EXPECT_THAT(Parts(d.loyalty),
              ElementsAre("base big 100", "multiplier electronics 2", "multiplier weekend 3"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) × 2 (electronics) × 3 (weekend)");
  // One alone is itself.
  d = Buy(*rules, Bought("600", kWednesday, "electronics"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 200);

  // `highest` written out is the default.
  auto highest = Loyalty(std::string(kBonusesAndMultipliers) + "  multipliers_combine: highest\n");
  ASSERT_NE(highest, nullptr);
  EXPECT_EQ(Buy(*highest, Bought("600", kSaturday, "electronics"), kSaturday).loyalty.points_earned,
            300);
}

TEST(EarningMultipliers, FractionalFactorsAreFlooredAfterMultiplying) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: half_again, when: purchase.category == \"a\", factor: 1.5}\n"
      "    - {id: quarter_more, when: purchase.category == \"b\", factor: 1.25}\n"
      "  bonuses:\n"
      "    - {id: one_more, when: purchase.category == \"b\", points: 1}\n");
  ASSERT_NE(rules, nullptr);
  // 150 earns 15 (per_10_yuan); 15 x 1.5 = 22.5 -> 22.
  Decision d = Buy(*rules, Bought("150", "", "a"), kWednesday);
  EXPECT_EQ(d.loyalty.rule_id, "per_10_yuan");
  EXPECT_EQ(d.loyalty.points_earned, 22);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "15 (per_10_yuan) × 1.5 (half_again)");
  // 79.9 earns 7; 7 x 1.25 = 8.75 -> 8, then the bonus: 9 (not floor(9.75)).
  d = Buy(*rules, Bought("79.9", "", "b"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 9);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "7 (per_10_yuan) × 1.25 (quarter_more) + 1 (one_more)");
}

TEST(EarningMultipliers, APenaltyIsMultipliedToo) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: double, when: purchase.category == \"double\", factor: 2}\n"
      "    - {id: half_again, when: purchase.category == \"half_again\", factor: 1.5}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", "", "double", 1, "penalty"), kWednesday, 100);
  EXPECT_EQ(d.loyalty.rule_id, "penalty");
  EXPECT_EQ(d.loyalty.points_earned, -20);
  EXPECT_EQ(d.loyalty.points_after, 80);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "-10 (penalty) × 2 (double)");

  d = Buy(*rules, Bought("600", "", "half_again", 1, "penalty"), kWednesday, 100);
  EXPECT_EQ(d.loyalty.points_earned, -15);

  // The balance does not go below 0: what the ledger records is what was
  // taken, while the breakdown shows the rules' reckoning.
  d = Buy(*rules, Bought("600", "", "double", 1, "penalty"), kWednesday, 5);
  EXPECT_EQ(d.loyalty.points_earned, -5);
  EXPECT_EQ(d.loyalty.points_after, 0);
}

// A balance already below 0 (a return under returns_after_spending:
// negative_balance) is not lowered further by a penalty, nor raised by it.
TEST(EarningMultipliers, APenaltyLeavesABalanceBelowZeroAsItIs) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: double, when: purchase.category == \"double\", factor: 2}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", "", "double", 1, "penalty"), kWednesday, -50);
  EXPECT_EQ(d.loyalty.points_earned, 0);
  EXPECT_EQ(d.loyalty.points_after, -50);
  // A purchase that earns still adds to it.
  d = Buy(*rules, Bought("600", "", "double"), kWednesday, -50);
  EXPECT_EQ(d.loyalty.points_earned, 200);
  EXPECT_EQ(d.loyalty.points_after, 150);
}

TEST(EarningMultipliers, APenaltyWithAFractionalFactorIsFlooredAsTheFormulaSays) {
  // floor(base x factor): -7 x 1.5 = -10.5 -> -11.
  auto rules = Rules({{"loyalty.yaml",
                       "kind: loyalty\n"
                       "earning:\n"
                       "  rules: []\n"
                       "  default: {id: penalty, points: -7}\n"
                       "  multipliers:\n"
                       "    - {id: half_again, when: purchase.amount > 0, factor: 1.5}\n"}});
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Buy(*rules, Bought("10"), kWednesday, 100).loyalty.points_earned, -11);
}

TEST(EarningMultipliers, AFactorFromAFormula) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: per_item, when: purchase.quantity > 1, factor: purchase.quantity / 2}\n");
  ASSERT_NE(rules, nullptr);
  // 3 items: x1.5.
  Decision d = Buy(*rules, Bought("600", "", "", 3), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 150);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) × 1.5 (per_item)");
}

TEST(EarningMultipliers, AFactorThatComesOutNotPositiveIsAnErrorNamingTheRule) {
  auto rules = Loyalty(
      "  multipliers:\n"
      "    - {id: shrinking, when: purchase.amount > 0, factor: purchase.quantity - 2}\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  const Purchase purchase = Bought("600", "", "", 1);  // factor -1
  Decision decision;
  EXPECT_THAT(rules->Evaluate({&customer, &purchase, nullptr, nullptr, Day(kWednesday)}, &decision),
              StatusIs(absl::StatusCode::kOutOfRange, "rule 'shrinking' (loyalty.yaml:12)"));
  EXPECT_THAT(rules->Evaluate({&customer, &purchase, nullptr, nullptr, Day(kWednesday)}, &decision),
              StatusIs(absl::StatusCode::kOutOfRange, "a multiplier's factor must be more than 0"));
  const Purchase two = Bought("600", "", "", 2);  // factor 0
  EXPECT_THAT(rules->Evaluate({&customer, &two, nullptr, nullptr, Day(kWednesday)}, &decision),
              StatusIs(absl::StatusCode::kOutOfRange, "a multiplier's factor must be more than 0"));
  const Purchase three = Bought("600", "", "", 3);  // factor 1
  EXPECT_THAT(rules->Evaluate({&customer, &three, nullptr, nullptr, Day(kWednesday)}, &decision),
              IsOk());
  EXPECT_EQ(decision.loyalty.points_earned, 100);
}

TEST(EarningMultipliers, PointsTooLargeToMultiplyAreAnError) {
  auto rules = Rules({{"loyalty.yaml",
                       "kind: loyalty\n"
                       "earning:\n"
                       "  rules: []\n"
                       "  default: {id: one_per_yuan, points: floor(purchase.amount)}\n"
                       "  multipliers:\n"
                       "    - {id: huge, when: purchase.amount > 0, factor: 1000000}\n"}});
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  const Purchase purchase = Bought("900000000000");  // 9e11 x 1e6 is beyond any Decimal
  Decision decision;
  EXPECT_THAT(rules->Evaluate({&customer, &purchase, nullptr, nullptr, Day(kWednesday)}, &decision),
              StatusIs(absl::StatusCode::kOutOfRange, "too large"));
}

// ------------------------------------------------------------------ bonuses

TEST(EarningBonuses, EveryBonusThatMatchesAddsAfterTheMultiplier) {
  auto rules = Loyalty(kBonusesAndMultipliers);
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  customer.birthday = Day("1990-12-24");
  // A December purchase of 4 electronics on a Wednesday:
  // 100 x 2 + 50 (birthday month) + 40 (4 items x 10) = 290.
  const Purchase purchase = Bought("600", kWednesday, "electronics", 4);
  Decision d = Evaluate(*rules, customer, &purchase, kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 290);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "multiplier electronics 2",
                                            "bonus birthday_month 50", "bonus bulk 40"));
  EXPECT_EQ(PointsBreakdown(d.loyalty),
            "100 (big) × 2 (electronics) + 50 (birthday_month) + 40 (bulk)");

  // Only the bonuses that match are listed: 2 items are not bulk.
  const Purchase two = Bought("600", kWednesday, "books", 2);
  d = Evaluate(*rules, customer, &two, kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 150);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "bonus birthday_month 50"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) + 50 (birthday_month)");

  // Outside the birthday month, from the default rule: 12 + 30.
  customer.birthday = Day("1990-06-24");
  const Purchase small = Bought("120", kWednesday, "books", 3);
  d = Evaluate(*rules, customer, &small, kWednesday);
  EXPECT_EQ(d.loyalty.rule_id, "per_10_yuan");
  EXPECT_EQ(d.loyalty.points_earned, 42);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "12 (per_10_yuan) + 30 (bulk)");
}

TEST(EarningBonuses, ABonusAddsToAPenalty) {
  auto rules = Loyalty(
      "  bonuses:\n"
      "    - {id: consolation, when: purchase.product == \"penalty\", points: 4}\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", "", "", 1, "penalty"), kWednesday, 100);
  EXPECT_EQ(d.loyalty.points_earned, -6);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "-10 (penalty) + 4 (consolation)");
}

// ---------------------------------------------------------------------- cap

TEST(EarningCap, CutsTheTotalAndSaysSo) {
  auto rules = Loyalty(std::string(kBonusesAndMultipliers) + "  max_points_per_purchase: 250\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  customer.points = 1000;
  customer.birthday = Day("1990-12-24");
  // 100 x 3 (Saturday; electronics x2 did not apply) + 50 + 40 = 390 -> 250.
  const Purchase purchase = Bought("600", kSaturday, "electronics", 4);
  Decision d = Evaluate(*rules, customer, &purchase, kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 250);
  EXPECT_EQ(d.loyalty.points_after, 1250);
  EXPECT_THAT(
      Parts(d.loyalty),
      ElementsAre("base big 100", "multiplier electronics 2 (not applied)", "multiplier weekend 3",
                  "bonus birthday_month 50", "bonus bulk 40", "cap 250"));
  ASSERT_EQ(d.loyalty.contributions.size(), 6u);
  EXPECT_EQ(d.loyalty.contributions.back().kind, PointsContribution::Kind::kCap);
  EXPECT_EQ(d.loyalty.contributions.back().rule_id, "");
  EXPECT_EQ(PointsBreakdown(d.loyalty),
            "100 (big) × 3 (weekend) + 50 (birthday_month) + 40 (bulk), capped at 250; not "
            "applied (only the highest multiplier applies): × 2 (electronics)");

  // Exactly at the cap, and below it: no cap in the contributions.
  const Purchase at_cap = Bought("600", kWednesday, "electronics", 1);  // 200 + 50
  d = Evaluate(*rules, customer, &at_cap, kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 250);
  EXPECT_THAT(Parts(d.loyalty), Not(Contains(HasSubstr("cap"))));
  const Purchase below = Bought("600", kWednesday, "books", 1);  // 100 + 50
  d = Evaluate(*rules, customer, &below, kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 150);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big) + 50 (birthday_month)");
}

TEST(EarningCap, ACapAloneCapsTheBaseAndListsIt) {
  auto rules = Loyalty("  max_points_per_purchase: 60\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 60);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base big 100", "cap 60"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "100 (big), capped at 60");
  d = Buy(*rules, Bought("300"), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 30);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base per_10_yuan 30"));
  EXPECT_EQ(PointsBreakdown(d.loyalty), "30 (per_10_yuan)");
}

TEST(EarningCap, DoesNotTouchAPenalty) {
  auto rules = Loyalty("  max_points_per_purchase: 5\n");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", "", "", 1, "penalty"), kWednesday, 100);
  EXPECT_EQ(d.loyalty.points_earned, -10);
  EXPECT_THAT(Parts(d.loyalty), ElementsAre("base penalty -10"));
}

// ---------------------------------------------------------------- breakdown

TEST(EarningBreakdown, WithoutExtrasThereAreNoContributions) {
  auto rules = Loyalty("");
  ASSERT_NE(rules, nullptr);
  Decision d = Buy(*rules, Bought("600", kSaturday, "electronics", 5), kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 100);
  EXPECT_THAT(d.loyalty.contributions, IsEmpty());
  EXPECT_EQ(PointsBreakdown(d.loyalty), "");

  // Empty lists are no extras either.
  auto empty = Loyalty("  bonuses: []\n  multipliers: []\n  multipliers_combine: multiply\n");
  ASSERT_NE(empty, nullptr);
  d = Buy(*empty, Bought("600", kSaturday, "electronics", 5), kSaturday);
  EXPECT_EQ(d.loyalty.points_earned, 100);
  EXPECT_THAT(d.loyalty.contributions, IsEmpty());
}

TEST(EarningBreakdown, EachShapeInWords) {
  LoyaltyOutcome outcome;
  EXPECT_EQ(PointsBreakdown(outcome), "");
  using Kind = PointsContribution::Kind;
  outcome.contributions = {{Kind::kBase, "big", Decimal::FromInteger(100), true}};
  EXPECT_EQ(PointsBreakdown(outcome), "100 (big)");
  outcome.contributions.push_back(
      {Kind::kMultiplier, "electronics", Decimal::FromInteger(2), true});
  EXPECT_EQ(PointsBreakdown(outcome), "100 (big) × 2 (electronics)");
  outcome.contributions.push_back({Kind::kMultiplier, "vip", Decimal::FromUnits(15000), false});
  outcome.contributions.push_back({Kind::kBonus, "birthday", Decimal::FromInteger(50), true});
  outcome.contributions.push_back({Kind::kCap, "", Decimal::FromInteger(120), true});
  EXPECT_EQ(PointsBreakdown(outcome),
            "100 (big) × 2 (electronics) + 50 (birthday), capped at 120; not applied (only the "
            "highest multiplier applies): × 1.5 (vip)");
  // No base (no earning rule matched and no default): multipliers apply to 0.
  outcome.contributions = {{Kind::kMultiplier, "electronics", Decimal::FromInteger(2), true},
                           {Kind::kBonus, "birthday", Decimal::FromInteger(50), true}};
  EXPECT_EQ(PointsBreakdown(outcome), "0 × 2 (electronics) + 50 (birthday)");
  outcome.contributions = {{Kind::kBonus, "birthday", Decimal::FromInteger(50), true}};
  EXPECT_EQ(PointsBreakdown(outcome), "50 (birthday)");
}

TEST(EarningBreakdown, AReusedDecisionForgetsTheContributions) {
  auto rules = Loyalty(kBonusesAndMultipliers);
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  const Purchase purchase = Bought("600", kSaturday, "electronics", 4);
  Decision decision;
  ASSERT_THAT(rules->Evaluate({&customer, &purchase, nullptr, nullptr, Day(kSaturday)}, &decision),
              IsOk());
  EXPECT_EQ(decision.loyalty.contributions.size(), 4u);
  // Without a purchase: no loyalty outcome, no contributions.
  ASSERT_THAT(rules->Evaluate({&customer, nullptr, nullptr, nullptr, Day(kSaturday)}, &decision),
              IsOk());
  EXPECT_FALSE(decision.loyalty.applied);
  EXPECT_THAT(decision.loyalty.contributions, IsEmpty());
  EXPECT_EQ(PointsBreakdown(decision.loyalty), "");
  // A plainer purchase: only its own contributions.
  const Purchase plain = Bought("600", kWednesday, "books");
  ASSERT_THAT(rules->Evaluate({&customer, &plain, nullptr, nullptr, Day(kWednesday)}, &decision),
              IsOk());
  EXPECT_THAT(Parts(decision.loyalty), ElementsAre("base big 100"));
}

// --------------------------------------------------- today() in earning rules

// today() reads the day in every part of the file: segments, offers and
// interactions see the evaluation's day; the earning rules, their default,
// bonuses and multipliers the purchase's.
std::vector<RuleSource> EveryKindReadsTheDay() {
  return {
      {"segments.yaml",
       "kind: segmentation\n"
       "dimensions:\n"
       "  - id: day_kind\n"
       "    rules:\n"
       "      - {id: weekend_day, when: weekday(today()) >= 6, segment: weekend}\n"
       "    default: weekday\n"},
      {"offers.yaml",
       "kind: offers\n"
       "offers:\n"
       "  - {id: weekend_offer, when: weekday(today()) >= 6, offer: 周末礼, stacking: "
       "stackable}\n"},
      {"interactions.yaml",
       "kind: interactions\n"
       "satisfaction_range: {min: 1, max: 5, initial: 3}\n"
       "rules:\n"
       "  - {id: weekend_review, when: weekday(today()) >= 6, satisfaction_change: 0.5}\n"},
      {"loyalty.yaml",
       "kind: loyalty\n"
       "earning:\n"
       "  rules:\n"
       "    - id: weekend_big\n"
       "      when: weekday(today()) >= 6 and purchase.amount >= 500\n"
       "      points: 100 + weekday(today())\n"
       "  default: {id: by_weekday, points: weekday(today())}\n"
       "  bonuses:\n"
       "    - {id: weekend_bonus, when: weekday(today()) >= 6, points: 1000}\n"
       "  multipliers:\n"
       "    - {id: weekend_triple, when: weekday(today()) >= 6 and purchase.amount < 500, "
       "factor: 3}\n"},
  };
}

TEST(EarningToday, IsThePurchasesDayInEarningRulesOnly) {
  auto rules = Rules(EveryKindReadsTheDay());
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  const Interaction review{"好评"};

  // A Saturday purchase recorded on a Monday: the earning rule, the
  // bonus and the weekday all see Saturday; the rest sees Monday.
  Purchase saturday = Bought("600", kSaturday);
  Decision d = Evaluate(*rules, customer, &saturday, kMonday, &review);
  EXPECT_EQ(d.loyalty.rule_id, "weekend_big");
  EXPECT_EQ(d.loyalty.points_earned, 106 + 1000);
  EXPECT_EQ(d.SegmentOf("day_kind"), "weekday");
  EXPECT_THAT(d.offers, IsEmpty());
  EXPECT_TRUE(d.interaction.applied);
  EXPECT_EQ(d.interaction.rule_id, "") << "the interaction rule saw the purchase's day";

  // A Saturday purchase of 100: the default reads Saturday (6), the
  // multiplier too: 6 x 3 + 1000.
  Purchase small_saturday = Bought("100", kSaturday);
  d = Evaluate(*rules, customer, &small_saturday, kMonday);
  EXPECT_EQ(d.loyalty.rule_id, "by_weekday");
  EXPECT_EQ(d.loyalty.points_earned, 18 + 1000);

  // A Monday purchase recorded on a Saturday: no weekend for the earning
  // rules, weekend for everything else.
  Purchase monday = Bought("600", kEarlierMonday);
  d = Evaluate(*rules, customer, &monday, kSaturday, &review);
  EXPECT_EQ(d.loyalty.rule_id, "by_weekday");
  EXPECT_EQ(d.loyalty.points_earned, 1);
  EXPECT_THAT(d.loyalty.contributions.size(), 1u);
  EXPECT_EQ(d.SegmentOf("day_kind"), "weekend");
  ASSERT_EQ(d.offers.size(), 1u);
  EXPECT_EQ(d.offers[0].rule_id, "weekend_offer");
  EXPECT_EQ(d.interaction.rule_id, "weekend_review");

  // Without a day of its own, a purchase is of the evaluation's day.
  Purchase undated = Bought("600");
  d = Evaluate(*rules, customer, &undated, kSunday);
  EXPECT_EQ(d.loyalty.points_earned, 107 + 1000);
  d = Evaluate(*rules, customer, &undated, kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 3);
}

TEST(EarningToday, DaysSinceAndPurchaseDateCountFromThePurchasesDay) {
  auto rules = Loyalty(
      "  bonuses:\n"
      "    - {id: new_member, when: days_since(joined_at) <= 30, points: 25}\n"
      "    - {id: november, when: purchase.date < \"2026-12-01\", points: 7}\n"
      "    - {id: same_day, when: purchase.date == today(), points: 1}\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  customer.joined_at = Day("2026-11-01");
  // Bought 19 days after joining, recorded 49 days after.
  Purchase purchase = Bought("100", "2026-11-20");
  Decision d = Evaluate(*rules, customer, &purchase, "2026-12-20");
  EXPECT_EQ(d.loyalty.points_earned, 10 + 25 + 7 + 1);
  // Bought 49 days after joining.
  purchase = Bought("100", "2026-12-20");
  d = Evaluate(*rules, customer, &purchase, "2026-12-20");
  EXPECT_EQ(d.loyalty.points_earned, 10 + 1);
  // Undated: purchase.date is the evaluation's day.
  purchase = Bought("100");
  d = Evaluate(*rules, customer, &purchase, "2026-11-25");
  EXPECT_EQ(d.loyalty.points_earned, 10 + 25 + 7 + 1);
}

// ------------------------------------------------- purchase.category, .quantity

TEST(EarningPurchaseFields, CategoryAndQuantityInConditionsAndFormulas) {
  auto rules =
      Rules({{"loyalty.yaml",
              "kind: loyalty\n"
              "earning:\n"
              "  rules:\n"
              "    - id: per_item\n"
              "      when: purchase.category == \"electronics\" and purchase.quantity >= 2\n"
              "      points: purchase.quantity * 10\n"
              "    - id: gadgets\n"
              "      when: lower(purchase.category) contains \"gadget\"\n"
              "      points: len(purchase.category)\n"
              "  default: {id: flat, points: 1}\n"
              "  bonuses:\n"
              "    - {id: dozen, when: purchase.quantity >= 12, points: purchase.quantity}\n"
              "    - id: fresh\n"
              "      when: purchase.category in [\"fruit\", \"veg\"]\n"
              "      points: 3\n"}});
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(Buy(*rules, Bought("10", "", "electronics", 3), kWednesday).loyalty.points_earned, 30);
  EXPECT_EQ(Buy(*rules, Bought("10", "", "electronics", 1), kWednesday).loyalty.rule_id, "flat");
  EXPECT_EQ(Buy(*rules, Bought("10", "", "Electronics", 3), kWednesday).loyalty.rule_id, "flat")
      << "text comparison is exact";
  Decision d = Buy(*rules, Bought("10", "", "Small Gadgets", 1), kWednesday);
  EXPECT_EQ(d.loyalty.rule_id, "gadgets");
  EXPECT_EQ(d.loyalty.points_earned, 13);
  d = Buy(*rules, Bought("10", "", "electronics", 12), kWednesday);
  EXPECT_EQ(d.loyalty.points_earned, 120 + 12);
  EXPECT_EQ(PointsBreakdown(d.loyalty), "120 (per_item) + 12 (dozen)");
  EXPECT_EQ(Buy(*rules, Bought("10", "", "veg"), kWednesday).loyalty.points_earned, 1 + 3);
  // The defaults: no category, one item.
  Purchase plain;
  plain.amount = Decimal::FromInteger(10);
  EXPECT_EQ(plain.quantity, 1);
  EXPECT_EQ(Buy(*rules, plain, kWednesday).loyalty.points_earned, 1);
}

TEST(EarningPurchaseFields, AreKnownOnlyWhereThereIsAPurchaseAndHaveTheirTypes) {
  LoadResult in_segments =
      RuleSet::LoadSources({{"segments.yaml",
                             "kind: segmentation\n"
                             "dimensions:\n"
                             "  - id: d\n"
                             "    rules:\n"
                             "      - {id: r, when: purchase.category == \"x\", segment: s}\n"
                             "    default: other\n"}});
  EXPECT_FALSE(in_segments.ok());
  EXPECT_THAT(Headlines(in_segments),
              Contains(HasSubstr("segments.yaml:5:23: error: there is no purchase here: purchase "
                                 "is only known in loyalty earning rules")));

  LoadResult types = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: a, when: purchase.quantity == \"3\", points: 1}\n"
      "    - {id: b, when: purchase.category > 3, points: 1}\n"
      "    - {id: c, when: purchase.date > 3, points: 1}\n"
      "    - {id: d, when: purchase.amount > 0, points: purchase.category}\n");
  EXPECT_FALSE(types.ok());
  const std::vector<std::string> headlines = Headlines(types);
  EXPECT_THAT(headlines, Contains(HasSubstr("loyalty.yaml:12:")));
  EXPECT_THAT(headlines, Contains(HasSubstr("loyalty.yaml:13:")));
  EXPECT_THAT(headlines, Contains(HasSubstr("loyalty.yaml:14:")));
  EXPECT_THAT(headlines, Contains(HasSubstr("loyalty.yaml:15:")));
  EXPECT_THAT(headlines, Contains(HasSubstr("'points' must be a whole number; this is a text")))
      << ::testing::PrintToString(headlines);

  LoadResult unknown = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: a, when: purchase.quantiy > 1, points: 1}\n");
  EXPECT_THAT(Headlines(unknown),
              Contains(HasSubstr("unknown purchase field 'quantiy'; did you mean 'quantity'?")));
}

TEST(EarningPurchaseFields, ReadsPurchaseCategoryWhenAnyEarningExpressionDoes) {
  auto reads = [](std::string_view extras) {
    auto rules = Loyalty(extras);
    return rules != nullptr && rules->ReadsPurchaseCategory();
  };
  EXPECT_FALSE(reads(""));
  EXPECT_FALSE(reads("  bonuses:\n    - {id: b, when: purchase.quantity > 1, points: 1}\n"));
  EXPECT_TRUE(reads("  bonuses:\n    - {id: b, when: purchase.category == \"x\", points: 1}\n"));
  EXPECT_TRUE(
      reads("  bonuses:\n    - {id: b, when: purchase.category contains \"x\", points: 1}\n"));
  EXPECT_TRUE(
      reads("  multipliers:\n    - {id: m, when: lower(purchase.category) == \"x\", "
            "factor: 2}\n"));
  EXPECT_TRUE(reads("  bonuses:\n    - {id: b, when: true, points: len(purchase.category)}\n"));
  auto in_rule = Rules({{"loyalty.yaml",
                         "kind: loyalty\n"
                         "earning:\n"
                         "  rules:\n"
                         "    - id: r\n"
                         "      when: purchase.category in [\"a\"]\n"
                         "      points: 1\n"
                         "  default: {id: d, points: 0}\n"}});
  ASSERT_NE(in_rule, nullptr);
  EXPECT_TRUE(in_rule->ReadsPurchaseCategory());
}

// ----------------------------------------------------------- introspection

TEST(EarningIntrospection, ExplanationsRecordBonusesAndMultipliers) {
  auto rules = Loyalty(kBonusesAndMultipliers);
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  customer.birthday = Day("1990-06-01");
  const Purchase purchase = Bought("600", kSaturday, "electronics", 1);
  Decision decision;
  Explanation why;
  ASSERT_THAT(
      rules->Evaluate({&customer, &purchase, nullptr, nullptr, Day(kWednesday)}, &decision, &why),
      IsOk());
  std::vector<std::string> records;
  for (const RuleExplanation& r : why.rules) {
    if (!r.section.starts_with("loyalty")) continue;
    records.push_back(r.section + " " + r.rule_id + (r.evaluated ? "" : " (skipped)") +
                      (r.matched ? " matched" : ""));
  }
  EXPECT_THAT(records, ElementsAre("loyalty earning penalty", "loyalty earning big matched",
                                   "loyalty multipliers electronics matched",
                                   "loyalty multipliers weekend matched",
                                   "loyalty bonuses birthday_month", "loyalty bonuses bulk"));
  for (const RuleExplanation& r : why.rules) {
    if (r.rule_id == "weekend") {
      EXPECT_EQ(r.condition, "weekday(today()) >= 6");
      EXPECT_FALSE(r.checks.empty());
    }
    if (r.rule_id == "bulk") {
      ASSERT_FALSE(r.checks.empty());
      EXPECT_THAT(r.checks[0].reason, HasSubstr("purchase.quantity is 1"));
    }
  }
  EXPECT_EQ(decision.loyalty.points_earned, 300);
}

TEST(EarningIntrospection, RulesAndSummaryCountBonusesAndMultipliers) {
  auto rules = Loyalty(kBonusesAndMultipliers);
  ASSERT_NE(rules, nullptr);
  std::vector<std::string> listed;
  for (const RuleSet::RuleInfo& info : rules->Rules()) {
    listed.push_back(info.section + " " + info.id + " " + info.file + ":" +
                     std::to_string(info.line));
  }
  EXPECT_THAT(listed, ElementsAre("loyalty earning penalty loyalty.yaml:4",
                                  "loyalty earning big loyalty.yaml:7",
                                  "loyalty earning per_10_yuan loyalty.yaml:10",
                                  "loyalty bonuses birthday_month loyalty.yaml:12",
                                  "loyalty bonuses bulk loyalty.yaml:15",
                                  "loyalty multipliers electronics loyalty.yaml:19",
                                  "loyalty multipliers weekend loyalty.yaml:22"));
  // 2 rules + the default + 2 bonuses + 2 multipliers.
  EXPECT_EQ(rules->Summarize().earning_rules, 7u);
  EXPECT_EQ(Loyalty("")->Summarize().earning_rules, 3u);
}

TEST(EarningIntrospection, DateDependentRulesIncludeBonusesAndMultipliersThatReadTheDay) {
  auto rules = Loyalty(
      "  bonuses:\n"
      "    - {id: birthday_month, when: month(today()) == month(birthday), points: 50}\n"
      "    - {id: bulk, when: purchase.quantity >= 3, points: 5}\n"
      "    - {id: birthday_soon, when: days_until_birthday(birthday) <= 7, points: 5}\n"
      "    - {id: before_renewal, when: days_until(joined_at) > 0, points: 5}\n"
      "  multipliers:\n"
      "    - {id: weekend, when: weekday(today()) >= 6, factor: 3}\n"
      "    - {id: electronics, when: purchase.category == \"electronics\", factor: 2}\n");
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->DateDependentRules(),
            (std::set<std::pair<std::string, std::string>>{{"loyalty bonuses", "birthday_month"},
                                                           {"loyalty bonuses", "birthday_soon"},
                                                           {"loyalty bonuses", "before_renewal"},
                                                           {"loyalty multipliers", "weekend"}}));
}

TEST(EarningIntrospection, WorkBoundGrowsWithBonusesAndMultipliers) {
  auto plain = Loyalty("");
  auto bonus = Loyalty(
      "  bonuses:\n"
      "    - {id: bulk, when: purchase.quantity >= 3 and purchase.amount > 100, "
      "points: purchase.quantity * 10}\n");
  auto both = Loyalty(
      "  bonuses:\n"
      "    - {id: bulk, when: purchase.quantity >= 3 and purchase.amount > 100, "
      "points: purchase.quantity * 10}\n"
      "  multipliers:\n"
      "    - {id: m, when: purchase.quantity >= 3, factor: purchase.quantity / 2}\n");
  ASSERT_TRUE(plain && bonus && both);
  Customer customer;
  customer.id = "c-1";
  const Purchase purchase = Bought("600");
  const EvalInput with_purchase{&customer, &purchase, nullptr, nullptr, Day(kWednesday)};
  const EvalInput without{&customer, nullptr, nullptr, nullptr, Day(kWednesday)};
  EXPECT_GT(bonus->WorkBound(with_purchase), plain->WorkBound(with_purchase));
  EXPECT_GT(both->WorkBound(with_purchase), bonus->WorkBound(with_purchase));
  // Only a purchase calls for them.
  EXPECT_EQ(bonus->WorkBound(without), plain->WorkBound(without));
  EXPECT_EQ(both->WorkBound(without), plain->WorkBound(without));
  EXPECT_GT(bonus->Summarize().work_without_text, plain->Summarize().work_without_text);
}

TEST(EarningIntrospection, WorkBoundCountsTheCategorysLength) {
  auto rules = Loyalty(
      "  bonuses:\n"
      "    - {id: gadget, when: purchase.category contains \"gadget\", points: 5}\n");
  ASSERT_NE(rules, nullptr);
  Customer customer;
  customer.id = "c-1";
  const Purchase short_category = Bought("600", "", "tv");
  const Purchase long_category = Bought("600", "", std::string(4000, 'x'));
  const uint64_t short_bound =
      rules->WorkBound({&customer, &short_category, nullptr, nullptr, Day(kWednesday)});
  const uint64_t long_bound =
      rules->WorkBound({&customer, &long_category, nullptr, nullptr, Day(kWednesday)});
  EXPECT_GE(long_bound, short_bound + 4000 / 16);

  // And the limit refuses it, naming the category.
  LoadOptions options;
  options.max_evaluation_work = short_bound + 50;
  LoadResult limited = RuleSet::LoadSources(
      {{"loyalty.yaml", LoyaltyWith("  bonuses:\n"
                                    "    - {id: gadget, when: purchase.category contains "
                                    "\"gadget\", points: 5}\n")}},
      options);
  ASSERT_TRUE(limited.ok()) << FormatDiagnostics(limited.diagnostics);
  Decision decision;
  EXPECT_THAT(limited.ruleset->Evaluate(
                  {&customer, &short_category, nullptr, nullptr, Day(kWednesday)}, &decision),
              IsOk());
  EXPECT_THAT(
      limited.ruleset->Evaluate({&customer, &long_category, nullptr, nullptr, Day(kWednesday)},
                                &decision),
      StatusIs(absl::StatusCode::kResourceExhausted, "the purchase's category (4000 bytes)"));
}

TEST(EarningIntrospection, ExtrasArePartOfTheVersion) {
  LoadResult a = LoadLoyalty("  max_points_per_purchase: 100\n");
  LoadResult b = LoadLoyalty("  max_points_per_purchase: 101\n");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.ruleset->version(), b.ruleset->version());
}

// ---------------------------------------------------------------- diagnostics

TEST(EarningDiagnostics, UnknownKeyInABonus) {
  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - id: birthday_month\n"
      "      when: month(today()) == month(birthday)\n"
      "      pionts: 50\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:12:7: error: a bonus has no 'points'",
                          "loyalty.yaml:14:7: error: unknown key 'pionts' in a bonus; did you "
                          "mean 'points'?"));
  EXPECT_EQ(HintOf(loaded, 1), "the keys of a bonus are: id, description, when, points");
}

TEST(EarningDiagnostics, AMultiplierWithoutAFactor) {
  LoadResult loaded = LoadLoyalty(
      "  multipliers:\n"
      "    - id: electronics\n"
      "      when: purchase.category == \"electronics\"\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:12:7: error: a multiplier has no 'factor'"));
  EXPECT_EQ(HintOf(loaded), "add 'factor: ...' to it");

  LoadResult empty = LoadLoyalty(
      "  multipliers:\n"
      "    - id: electronics\n"
      "      when: purchase.category == \"electronics\"\n"
      "      factor:\n");
  EXPECT_FALSE(empty.ok());
  EXPECT_THAT(Headlines(empty), ElementsAre("loyalty.yaml:14:7: error: 'factor' is empty"));
}

TEST(EarningDiagnostics, AFactorMustBeMoreThanZero) {
  for (std::string_view factor : {"0", "-1", "0.0", "1 - 1"}) {
    SCOPED_TRACE(factor);
    LoadResult loaded = LoadLoyalty(
        "  multipliers:\n"
        "    - id: electronics\n"
        "      when: purchase.category == \"electronics\"\n"
        "      factor: " +
        std::string(factor) + "\n");
    EXPECT_FALSE(loaded.ok());
    EXPECT_THAT(
        Headlines(loaded),
        ElementsAre("loyalty.yaml:14:15: error: a multiplier's factor must be more than 0"));
    EXPECT_EQ(HintOf(loaded), "e.g. factor: 2 (double points) or factor: 1.5");
  }
  EXPECT_TRUE(LoadLoyalty("  multipliers:\n"
                          "    - {id: tiny, when: true, factor: 0.0001}\n")
                  .ok());
}

TEST(EarningDiagnostics, AFactorMustBeANumber) {
  LoadResult text = LoadLoyalty(
      "  multipliers:\n"
      "    - id: electronics\n"
      "      when: purchase.category == \"electronics\"\n"
      "      factor: '\"2\"'\n");
  EXPECT_FALSE(text.ok());
  EXPECT_THAT(Headlines(text),
              ElementsAre(HasSubstr("loyalty.yaml:14:16: error: 'factor' must be a decimal number; "
                                    "this is a text")));

  LoadResult word = LoadLoyalty(
      "  multipliers:\n"
      "    - id: electronics\n"
      "      when: purchase.category == \"electronics\"\n"
      "      factor: double\n");
  EXPECT_FALSE(word.ok());
  EXPECT_THAT(Headlines(word),
              ElementsAre(HasSubstr("loyalty.yaml:14:15: error: unknown field 'double'")));

  LoadResult condition = LoadLoyalty(
      "  multipliers:\n"
      "    - id: electronics\n"
      "      when: purchase.category == \"electronics\"\n"
      "      factor: purchase.quantity > 2\n");
  EXPECT_FALSE(condition.ok());
  EXPECT_THAT(Headlines(condition),
              ElementsAre("loyalty.yaml:14:15: error: 'factor' must be a decimal number; this is a "
                          "true/false"));
}

TEST(EarningDiagnostics, MultipliersCombineTypo) {
  LoadResult loaded = LoadLoyalty(
      "  multipliers:\n"
      "    - {id: electronics, when: purchase.category == \"electronics\", factor: 2}\n"
      "  multipliers_combine: higest\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:13:24: error: unknown multipliers_combine 'higest'; did "
                          "you mean 'highest'?"));
  EXPECT_EQ(HintOf(loaded),
            "highest: only the highest factor applies (the default); multiply: all apply");
  LoadResult multiplied = LoadLoyalty("  multipliers_combine: multipy\n");
  EXPECT_THAT(Headlines(multiplied),
              ElementsAre("loyalty.yaml:11:24: error: unknown multipliers_combine 'multipy'; "
                          "did you mean 'multiply'?"));
  // Too far from either for a suggestion.
  LoadResult sum = LoadLoyalty("  multipliers_combine: sum\n");
  EXPECT_THAT(Headlines(sum),
              ElementsAre("loyalty.yaml:11:24: error: unknown multipliers_combine 'sum'"));
  LoadResult list = LoadLoyalty("  multipliers_combine: [highest]\n");
  EXPECT_FALSE(list.ok());
}

TEST(EarningDiagnostics, MaxPointsPerPurchaseMustBeAtLeastOne) {
  for (std::string_view cap : {"0", "-5"}) {
    SCOPED_TRACE(cap);
    LoadResult loaded = LoadLoyalty("  max_points_per_purchase: " + std::string(cap) + "\n");
    EXPECT_FALSE(loaded.ok());
    EXPECT_THAT(
        Headlines(loaded),
        ElementsAre("loyalty.yaml:11:28: error: max_points_per_purchase must be at least 1"));
    EXPECT_EQ(HintOf(loaded), "leave it out for no cap");
  }
  LoadResult fraction = LoadLoyalty("  max_points_per_purchase: 1.5\n");
  EXPECT_THAT(Headlines(fraction),
              ElementsAre("loyalty.yaml:11:28: error: 'max_points_per_purchase' must be a whole "
                          "number, not '1.5'"));
  EXPECT_TRUE(LoadLoyalty("  max_points_per_purchase: 1\n").ok());
}

TEST(EarningDiagnostics, UnknownKeyInEarningListsTheNewKeys) {
  LoadResult loaded = LoadLoyalty("  bonus:\n    - {id: b, when: true, points: 1}\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:11:3: error: unknown key 'bonus' in 'earning'; did you "
                          "mean 'bonuses'?"));
  EXPECT_EQ(HintOf(loaded),
            "the keys of 'earning' are: rules, default, bonuses, multipliers, "
            "multipliers_combine, max_points_per_purchase");
  LoadResult not_a_list = LoadLoyalty("  bonuses: {id: b, when: true, points: 1}\n");
  EXPECT_THAT(Headlines(not_a_list),
              ElementsAre("loyalty.yaml:11:12: error: 'bonuses' must be a list"));
}

TEST(EarningDiagnostics, ABonusMustEarnWholePoints) {
  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: third, when: true, points: purchase.amount / 3}\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre(HasSubstr("'points' must be a whole number; this is a decimal number")));
  EXPECT_EQ(HintOf(loaded), "points are whole numbers: use round(...), floor(...) or ceil(...)");
}

TEST(EarningDiagnostics, ABonusIdEqualToAnEarningRuleIdIsUsedTwice) {
  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: big, when: purchase.quantity > 2, points: 5}\n");
  EXPECT_FALSE(loaded.ok());
  const std::vector<std::string> headlines = Headlines(loaded);
  ASSERT_EQ(headlines.size(), 1u) << ::testing::PrintToString(headlines);
  EXPECT_THAT(headlines[0], HasSubstr("error: rule id 'big' is used twice"));

  LoadResult between = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: double_up, when: purchase.quantity > 2, points: 5}\n"
      "  multipliers:\n"
      "    - {id: double_up, when: purchase.quantity > 2, factor: 2}\n");
  EXPECT_FALSE(between.ok());
  EXPECT_THAT(Headlines(between),
              ElementsAre("loyalty.yaml:14:12: error: rule id 'double_up' is used twice"));
  EXPECT_EQ(HintOf(between), "the first is at loyalty.yaml:12; every rule needs its own id");
}

// The duplicate is reported where it is written second in the file, and
// "the first" is the one written first.
TEST(EarningDiagnostics, ADuplicateIdIsReportedAtTheSecondInFileOrder) {
  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: big, when: purchase.quantity > 2, points: 5}\n");
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:12:12: error: rule id 'big' is used twice"));
  EXPECT_EQ(HintOf(loaded), "the first is at loyalty.yaml:7; every rule needs its own id");
}

// Every other list of rules (offers, improvements, interactions, earning
// rules, dimensions) warns of a condition that can never be true; so
// should bonuses and multipliers.
TEST(EarningDiagnostics, ABonusOrMultiplierThatCanNeverMatchIsWarned) {
  // What the other lists say, for comparison.
  LoadResult offer = RuleSet::LoadSources({{"offers.yaml",
                                            "kind: offers\n"
                                            "offers:\n"
                                            "  - {id: never, when: age < 0, offer: x}\n"}});
  ASSERT_TRUE(offer.ok()) << FormatDiagnostics(offer.diagnostics);
  EXPECT_THAT(
      Headlines(offer),
      ElementsAre(HasSubstr("warning: rule 'never' can never match: age is never below 0")));

  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - {id: refund_bonus, when: purchase.amount < 0, points: 5}\n"
      "  multipliers:\n"
      "    - {id: teenager, when: age < 0, factor: 2}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(Headlines(loaded),
              ElementsAre(HasSubstr("loyalty.yaml:12:32: warning: rule 'refund_bonus' can never "
                                    "match"),
                          HasSubstr("loyalty.yaml:14:28: warning: rule 'teenager' can never "
                                    "match: age is never below 0")));
}

TEST(EarningDiagnostics, ABonusCannotReadAnInteraction) {
  LoadResult loaded = LoadLoyalty(
      "  bonuses:\n"
      "    - id: good_review\n"
      "      when: interaction contains \"好评\"\n"
      "      points: 5\n");
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Headlines(loaded),
              ElementsAre("loyalty.yaml:13:13: error: there is no interaction here: interaction "
                          "is only known in interaction rules"));
  LoadResult feedback = LoadLoyalty(
      "  multipliers:\n"
      "    - {id: m, when: feedback.source == \"survey\", factor: 2}\n");
  EXPECT_FALSE(feedback.ok());
  EXPECT_THAT(Headlines(feedback),
              ElementsAre(HasSubstr("there is no feedback here: feedback is only known in "
                                    "improvement rules")));
}

}  // namespace
}  // namespace clientele::rules
