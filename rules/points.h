// The points lifecycle of a loyalty programme: when earned points become
// spendable (pending), when they leave (expiry), what a return does once
// they were spent, and the balances a customer has on a given day.
//
// The policy is part of a ruleset (the `points:` section of the loyalty
// file, docs/rules.md "Points lifecycle"); the store keeps points as lots
// (what one credit earned and what is left of it) and turns them into the
// balances here, so that every reader computes them the same way. Plain
// values and pure functions: no thread-safety concerns.
#ifndef CLIENTELE_RULES_POINTS_H_
#define CLIENTELE_RULES_POINTS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rules/customer.h"

namespace clientele::rules {

// When points leave the balance, counted from the day they were earned.
struct PointsExpiry {
  enum class Kind : uint8_t {
    kNever,        // the seed's behaviour
    kAfterDays,    // `count` days after the day earned
    kAfterMonths,  // `count` months after (same day of month, or the month's last)
    kEndOfMonth,   // after the last day of the month earned + `count` months
    kEndOfYear,    // after the last day of the year earned + `count` years
  };
  Kind kind = Kind::kNever;
  int32_t count = 0;

  // The first day on which points earned on `earned` are no longer in the
  // balance (they can be spent until the day before); unknown for kNever
  // or an unknown `earned`.
  Date ExpiresOn(Date earned) const;
  // The fewest days points can stay in the balance: earned on a month's or
  // year's last day, or in February; INT32_MAX for kNever.
  int32_t ShortestDays() const;
  // In words, as the loyalty file writes it: "never", "12 months",
  // "end of year + 1".
  std::string ToString() const;
  // Parses the loyalty file's forms: "never", "N days" (1..36500),
  // "N months" (1..1200), "end of month", "end of year", "end of month + N"
  // and "end of year + N" (N 0..100). INVALID_ARGUMENT saying which forms
  // there are otherwise.
  static absl::StatusOr<PointsExpiry> Parse(std::string_view text);

  auto operator<=>(const PointsExpiry&) const = default;
};

// What a return does when the points its purchase earned were already
// spent (or expired and are gone): after taking back what is left of that
// purchase's points and then the customer's other points, the rest is
//  - kDebt: owed, and settled from the next points credited (default:
//    the customer cannot keep points of a purchase that was undone, and
//    no balance ever shows below zero);
//  - kNegativeBalance: taken anyway, so the balance goes below zero until
//    later points fill it;
//  - kForgive: not taken; the return notes how much was forgiven.
enum class ReturnAfterSpending : uint8_t { kDebt, kNegativeBalance, kForgive };

std::string_view ReturnAfterSpendingName(ReturnAfterSpending policy);  // "debt", ...
absl::StatusOr<ReturnAfterSpending> ParseReturnAfterSpending(std::string_view text);

struct PointsPolicy {
  // Days after the purchase's day before its points can be spent (the
  // returns window); 0: at once.
  int32_t pending_days = 0;
  PointsExpiry expiry;
  ReturnAfterSpending returns_after_spending = ReturnAfterSpending::kDebt;

  // The first day points earned on `earned` can be spent.
  Date AvailableOn(Date earned) const;
  auto operator<=>(const PointsPolicy&) const = default;
};

// What is left of one credit of points, as the store keeps it.
struct PointsLot {
  int64_t remaining = 0;  // >= 0
  Date available_on;      // unknown: at once
  Date expires_on;        // unknown: never
};

// Whether the lot's points have left the balance by `today`.
inline bool Expired(const PointsLot& lot, Date today) {
  return lot.expires_on.known() && lot.expires_on <= today;
}
// Whether the lot's points are in the balance but not yet spendable.
inline bool Pending(const PointsLot& lot, Date today) {
  return !Expired(lot, today) && lot.available_on.known() && lot.available_on > today;
}

// Sets the balances of `customer` on `today` from its lots and its written
// balance (customer->points, the ledger's sum): points that expired by
// today leave the balance even before an expiry pass has written them;
// points_pending and points_expiring follow from the lots that are left.
// Lots in any order.
void ApplyPointsLots(std::span<const PointsLot> lots, Date today, Customer* customer);

// The points of `customer` that leave the balance after `today` and no
// later than `today` + `days`.
int64_t PointsExpiringWithin(const Customer& customer, Date today, int32_t days);

// Parses the text form of Customer::points_expiring used by rule tests and
// the CLI: "50 on 2026-12-20, 20 on 2027-01-31" ("" none).
absl::StatusOr<std::vector<ExpiringPoints>> ParseExpiringPoints(std::string_view text);
std::string ExpiringPointsText(std::span<const ExpiringPoints> expiring);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_POINTS_H_
