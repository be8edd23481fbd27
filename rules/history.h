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
  // The feedback's product (improvement rules), this feedback included:
  kProductFeedback,      // product_feedback_in_last(days): whole number
  kProductMentioning,    // product_feedback_mentioning(days, words): whole number
  kProductShare,         // product_feedback_share(days, words): 0..1, rounded down
  kProductSatisfaction,  // product_satisfaction_in_last(days): average rating, 0 none
  // Custom events (rules/events.h), of the type `key`:
  kEvents,              // events_in_last(days, "type"): whole number
  kDaysSinceLastEvent,  // days_since_last_event("type"): whole number; no window (days 0)
};

// Whether a fact is about the feedback's product (else the customer's).
bool IsProductFact(FactKind kind);

// One fact a ruleset reads, with its window fixed when the rules load.
struct FactRequest {
  FactKind kind = FactKind::kPurchases;
  int32_t days = 0;  // 1..kMaxFactDays; 0 for kDaysSinceLastEvent
  // kInteractions: only the interactions of `key`; kEvents and
  // kDaysSinceLastEvent (always keyed): the events of type `key`.
  bool keyed = false;
  std::string key;     // kProductMentioning / kProductShare: PhraseListKey(words)
  std::vector<std::string> words;  // those facts' phrases, sorted, without repeats
  auto operator<=>(const FactRequest&) const = default;
};

// The key of a list of phrases in product history rows: the phrases
// sorted, without repeats (*words is left so), joined by U+001F, which no
// phrase contains.
std::string PhraseListKey(std::vector<std::string>* words);

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
  bool words;    // takes a list of phrases after the window
};
const std::vector<FactFunction>& FactFunctions();
// `name(days)` or `name(days, "key")`, as a rule would write the request.
std::string FactText(const FactRequest& request);

// The first day of `request`'s window on `today`: its last `days` days
// are today and the days - 1 before it.
Date WindowStart(const FactRequest& request, Date today);

// The value of `request` on `today`, in Decimal units (a whole number n
// is n * Decimal::kScale), for `customer` or, for a product fact, for the
// product of `feedback` (0 without one). Figures outside the window are
// ignored, so the history may reach further back than the request.
//  - counts and sums add the window's figures (days after `today` are
//    not in it: an evaluation as of an earlier day does not see them);
//  - kSatisfactionAgo is satisfaction at the end of the day `days` before
//    today: the value before the first change made after that day, or
//    the customer's satisfaction when there was none;
//  - product facts count `feedback` itself too when its day is in the
//    window; a share and an average are rounded down to 4 decimals;
//  - kDaysSinceLastEvent is the days from the latest event of its type
//    on or before `today` (kLastEvent, or kEvents for an evaluation as of
//    an earlier day) to `today`; 36500 when there is none, as days_since()
//    of an unknown date.
int64_t FactValue(const FactRequest& request, const Customer& customer, const Feedback* feedback,
                  Date today);

// Adds one recorded event to `customer`'s history, from its fields as
// text (from JSON or a rule test's YAML). `list` names what it is:
//   purchases:             date (required), amount (required, > 0), points (earned, default 0)
//   interactions:          date (required), rule (the interaction rule it matched; "" none)
//   satisfaction_changes:  date (required), before (the satisfaction before it, 0 or 1..5)
//   events:                date (required), type (required: a custom event type), rule
//                          (the event earning rule it earned by, for limits; "" none),
//                          points (what it earned by that rule, default 0)
// INVALID_ARGUMENT naming the list, the field and the problem (unknown
// fields included); *customer is unchanged then.
absl::Status AddHistoryEntry(Customer* customer, std::string_view list,
                             const std::vector<std::pair<std::string, std::string>>& fields);
// Adds one earlier feedback on the product to `feedback`'s history, from
// its fields as text: date (required), text (required), satisfaction (1..5;
// 0 or left out: none). Mentions are counted for the phrase lists of
// `facts` (a ruleset's Facts()), as the server keeps them.
// INVALID_ARGUMENT naming the field; *feedback is unchanged then.
absl::Status AddProductHistoryEntry(Feedback* feedback, const std::vector<FactRequest>& facts,
                                    const std::vector<std::pair<std::string, std::string>>& fields);
// The same for feedback already checked: of `day`, with this text and
// rating (0: none). Counts add up across calls of one day.
void AddEarlierFeedback(Feedback* feedback, const std::vector<FactRequest>& facts, Date day,
                        std::string_view text, Decimal satisfaction);
// The facts of `facts` that look for phrases, one per phrase list (key):
// the lists whose mentions a product's history counts.
std::vector<const FactRequest*> PhraseLists(const std::vector<FactRequest>& facts);

// Whether `text` contains any of `words` (exact characters).
bool MentionsAnyOf(std::string_view text, const std::vector<std::string>& words);

// A day of the product's feedback as the server sums it: `given`
// feedbacks, `rated` of them with ratings adding up to `rating_units`;
// and `count` of them mentioning a phrase of list `key`. Each day and
// figure once.
void AddProductDay(Feedback* feedback, Date day, int64_t given, int64_t rated,
                   int64_t rating_units);
void AddProductMentions(Feedback* feedback, Date day, std::string key, int64_t count);

// The lists AddHistoryEntry accepts, and INVALID_ARGUMENT with a "did you
// mean" for a name that is none of them (checked even for an empty list).
const std::vector<std::string>& HistoryListNames();
absl::Status CheckHistoryList(std::string_view list);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_HISTORY_H_
