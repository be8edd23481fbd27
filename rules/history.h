// Facts over time windows: what a customer did in the last N days, as
// rules read it (`purchases_in_last(30)`, `satisfaction_days_ago(30)`;
// docs/rules.md, "Facts over time").
//
// A customer's history is kept as daily figures (HistoryDay), so that a
// fact reads at most one row per day and figure of its window, never the
// events themselves. The store keeps these rows as events are recorded;
// rule tests and the command line build them from the events they are
// given (AddHistoryEntry). FactValue is the one definition of what a
// window holds, used by all of them.
//
// Plain values; no thread-safety concerns of their own.
#ifndef CLIENTELE_RULES_HISTORY_H_
#define CLIENTELE_RULES_HISTORY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "rules/customer.h"

namespace clientele::rules {

// The windowed facts rules can read.
enum class FactKind : uint8_t {
  kPurchases,        // purchases_in_last(days): whole number
  kSpent,            // spent_in_last(days): amount
  kPointsEarned,     // points_earned_in_last(days): whole number
  kInteractions,     // interactions_in_last(days[, "rule"]): whole number
  kSatisfactionAgo,  // satisfaction_days_ago(days): decimal, 0 when never rated then
};

// One fact a ruleset reads, with its window fixed when the rules load.
struct FactRequest {
  FactKind kind = FactKind::kPurchases;
  int32_t days = 0;    // 1..kMaxFactDays
  bool keyed = false;  // kInteractions: only the interactions of `key`
  std::string key;
  auto operator<=>(const FactRequest&) const = default;
};

// The longest window a fact may have, in days (ten years).
inline constexpr int32_t kMaxFactDays = 3660;
// The most distinct facts one ruleset may read.
inline constexpr size_t kMaxFacts = 32;

// The functions that read facts, and what each gives, for the compiler,
// explanations and tools.
struct FactFunction {
  std::string_view name;
  FactKind kind;
  bool decimal;  // the value is an amount or satisfaction, not a whole number
};
const std::vector<FactFunction>& FactFunctions();
// `name(days)` or `name(days, "key")`, as a rule would write the request.
std::string FactText(const FactRequest& request);

// The first day of `request`'s window on `today`: its last `days` days
// are today and the days - 1 before it.
Date WindowStart(const FactRequest& request, Date today);

// The value of `request` for `customer` on `today`, in Decimal units (a
// whole number n is n * Decimal::kScale). Figures outside the window are
// ignored, so the history may reach further back than the request.
//  - counts and sums add the window's figures (days after `today` are
//    not in it: an evaluation as of an earlier day does not see them);
//  - kSatisfactionAgo is satisfaction at the end of the day `days` before
//    today: the value before the first change made after that day, or
//    the customer's satisfaction when there was none.
int64_t FactValue(const FactRequest& request, const Customer& customer, Date today);

// Adds one recorded event to `customer`'s history, from its fields as
// text (from JSON or a rule test's YAML). `list` names what it is:
//   purchases:             date (required), amount (required, > 0), points (earned, default 0)
//   interactions:          date (required), rule (the interaction rule it matched; "" none)
//   satisfaction_changes:  date (required), before (the satisfaction before it, 0 or 1..5)
// INVALID_ARGUMENT naming the list, the field and the problem (unknown
// fields included); *customer is unchanged then.
absl::Status AddHistoryEntry(Customer* customer, std::string_view list,
                             const std::vector<std::pair<std::string, std::string>>& fields);
// The lists AddHistoryEntry accepts, and INVALID_ARGUMENT with a "did you
// mean" for a name that is none of them (checked even for an empty list).
const std::vector<std::string>& HistoryListNames();
absl::Status CheckHistoryList(std::string_view list);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_HISTORY_H_
