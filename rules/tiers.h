// Tier policies of a loyalty programme: what figure a customer qualifies
// on (the balance, points earned or amount spent in a window of months),
// and how a tier is kept or lost (downgrade policy, review, grace).
//
// The policy is part of a ruleset (the `tier_policy:` section of the
// loyalty file, docs/rules.md "Tier policies"). ReviewTier is the one
// place that decides a tier from the qualifying figure and the customer's
// standing, so that the evaluator, the rule tests and the server's daily
// review agree. Plain values and pure functions: no thread-safety concerns.
#ifndef CLIENTELE_RULES_TIERS_H_
#define CLIENTELE_RULES_TIERS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rules/customer.h"

namespace clientele::rules {

// A range of calendar months, each as one number (year * 12 + month - 1),
// both ends included; empty when last < first.
struct MonthRange {
  int32_t first = 0;
  int32_t last = -1;
  bool empty() const { return last < first; }
  bool Contains(Date day) const;
  auto operator<=>(const MonthRange&) const = default;
};

// The month number of `day` (year * 12 + month - 1); unknown days give -1.
int32_t MonthNumber(Date day);

struct TierPolicy {
  enum class Figure : uint8_t {
    kBalance,       // the points balance (the seed's)
    kPointsEarned,  // points purchases earned in the window, less returns
    kAmountSpent,   // the amount of the purchases in the window, less returns
  };
  enum class Window : uint8_t {
    kNone,           // with kBalance
    kRollingMonths,  // this calendar month and the `months` - 1 before it
    kCalendarYear,   // the months of this year so far
  };
  enum class Downgrade : uint8_t {
    kRecompute,  // to the tier the figure qualifies for (the seed's)
    kOneTier,    // one tier down per review
    kNever,      // tiers are only ever raised
  };
  enum class Review : uint8_t {
    kDaily,        // a customer below the tier is found the same day
    kAnniversary,  // only on the anniversary of the last tier change
  };

  Figure figure = Figure::kBalance;
  Window window = Window::kNone;
  int32_t months = 0;  // kRollingMonths: 1..120
  Downgrade downgrade = Downgrade::kRecompute;
  Review review = Review::kDaily;
  int32_t grace_days = 0;  // 0..3660

  // The seed's policy: the tier follows the figure both ways, at once.
  bool FollowsFigure() const {
    return downgrade == Downgrade::kRecompute && review == Review::kDaily && grace_days == 0;
  }
  // The months whose purchases count on `today` (empty for kBalance).
  MonthRange QualifyingMonths(Date today) const;

  // The loyalty file's forms of `qualify_on`: "balance",
  // "points earned in N months", "points earned this year",
  // "spent in N months", "spent this year" (any letter case).
  // INVALID_ARGUMENT listing them otherwise.
  static absl::StatusOr<TierPolicy> ParseQualifyOn(std::string_view text);
  std::string QualifyOnText() const;  // as the file writes it
  // "recompute", "one_tier", "never"; and back (any letter case).
  static absl::StatusOr<Downgrade> ParseDowngrade(std::string_view text);
  static std::string_view DowngradeName(Downgrade downgrade);
  // "daily", "anniversary"; and back.
  static absl::StatusOr<Review> ParseReview(std::string_view text);
  static std::string_view ReviewName(Review review);

  auto operator<=>(const TierPolicy&) const = default;
};

// Where a customer stands, as stored: the tier (an index into the
// ruleset's tiers, lowest first; -1 when none or not in this ruleset),
// the tier before it (likewise), the day it was reached, and a downgrade
// already scheduled.
struct TierStanding {
  int current = -1;
  int previous = -1;
  Date since;         // unknown: never changed
  Date downgrade_on;  // unknown: none scheduled
};

// The tier a customer holds on `today`, and the downgrade scheduled then.
struct TierVerdict {
  int tier = -1;
  Date downgrade_on;  // unknown: none
  auto operator<=>(const TierVerdict&) const = default;
};

// Decides the tier of a customer whose figure qualifies for tier
// `qualified` (-1: none) on `today`, standing as `standing` says:
//  - no current tier, or `qualified` at least the current one: `qualified`
//    at once (upgrades are immediate; a scheduled downgrade is dropped);
//  - below the current tier: Downgrade::kNever keeps it; otherwise the
//    review day (today when daily; the next anniversary of `since`, on or
//    after today, when kAnniversary) plus grace_days is when the
//    downgrade is due (a schedule already made stands). Before that day
//    the tier holds; from it, the tier drops to `qualified` (kRecompute)
//    or one below the current (kOneTier: one step a day, so a tier
//    reached today by a step down is reviewed from tomorrow).
TierVerdict ReviewTier(const TierPolicy& policy, int qualified, const TierStanding& standing,
                       Date today);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_TIERS_H_
