// What evaluating a ruleset for one customer decided, and optionally why.
//
// A Decision holds string_views into the RuleSet that produced it (segment
// names, rule ids, the version): keep that RuleSet alive while reading the
// Decision (a server holds its snapshot for the whole request anyway).
// Reusing one Decision for many evaluations keeps its buffers, so that
// evaluation does not allocate once they have grown. Not thread-safe: one
// Decision per thread.
#ifndef CLIENTELE_RULES_DECISION_H_
#define CLIENTELE_RULES_DECISION_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/events.h"
#include "rules/offers.h"

namespace clientele::rules {

// A change to a product that an improvement action proposes.
struct ProductChange {
  enum class Kind { kSet, kAppend, kAdd };
  Kind kind = Kind::kSet;
  std::string field;   // product attribute, e.g. "价格"
  std::string text;    // for kSet and kAppend
  Decimal amount;      // for kAdd
};

struct SegmentAssignment {
  std::string_view dimension;  // e.g. "life_stage"
  std::string_view segment;    // e.g. "年轻低收入群体"
  std::string_view rule_id;    // the rule that matched, or "default"
  bool is_default = false;
};

struct OfferGrant {
  std::string_view offer;      // e.g. "满100减20"
  std::string_view rule_id;
  int64_t priority = 0;
  bool exclusive = true;
  // What it is worth for the purchase or basket evaluated: money off (or
  // a free item's worth), or the points a multiplier adds. Without an
  // amount to compute it for, an amount off counts in full, a percent off
  // as its cap, and a points multiplier as unknown.
  OfferValueUnit unit = OfferValueUnit::kNone;
  bool value_known = true;
  Decimal value;
  std::string_view group;      // its stacking group, "" when none
  std::string_view free_item;  // what a free-item offer gives
};

// An offer whose condition, window, limits and budget all allowed it, but
// that stacking left out.
struct OfferLoss {
  enum class Why : uint8_t {
    kGroup,      // another offer of its stacking group was chosen
    kExclusion,  // an offer given before it excludes it (or it that one)
    kExclusive,  // an exclusive offer was given, or it is exclusive and another was
  };
  std::string_view offer;
  std::string_view rule_id;
  // The rule id of the offer chosen in its place: given, or itself left
  // out in turn (a group's choice that an exclusion then kept out).
  std::string_view lost_to;
  Why why = Why::kGroup;
};

struct ImprovementProposal {
  std::string_view rule_id;
  std::string_view action;     // what to do, in words
  const ProductChange* change = nullptr;  // owned by the RuleSet; may be null
  // The phrases the rule's condition looks for in the feedback text
  // (`feedback contains "价格更优惠"`, `contains any [...]`), in rule order:
  // the evidence a proposal shows. Owned by the RuleSet; never null.
  const std::vector<std::string>* keywords = nullptr;
};

// A task the rules would give someone for the customer (a tasks file):
// a phone call after satisfaction dropped, a visit to a lapsing customer.
// A server opens one per rule and customer while none is open.
struct TaskProposal {
  std::string_view rule_id;
  std::string_view task;   // what to do, e.g. "电话回访"
  std::string_view queue;  // who takes it, e.g. "customer_care"; "" anyone
  int32_t due_days = 0;    // due this many days after it opens; 0: no due day
};

// One part of the points a purchase earned (LoyaltyOutcome::contributions).
struct PointsContribution {
  enum class Kind : uint8_t {
    kBase,        // the earning rule that matched: `value` points
    kMultiplier,  // a multiplier that applied: `value` is its factor
    kBonus,       // a bonus that applied: `value` points
    kCap,         // the cap per purchase cut the total to `value` points
    kOffer,       // a points-multiplier offer given: `value` is its factor
  };
  Kind kind = Kind::kBase;
  std::string_view rule_id;  // "" for the cap
  Decimal value;
  bool applied = true;  // false: a multiplier that matched but a higher one applied
};

// Loyalty points for the purchase being evaluated.
struct LoyaltyOutcome {
  bool applied = false;        // false when no purchase was given
  std::string_view rule_id;    // earning rule that matched, or "default"
  int64_t points_earned = 0;
  int64_t points_before = 0;
  int64_t points_after = 0;
  // How points_earned came about, in order: base, multipliers, bonuses,
  // cap. Empty when the ruleset has no bonuses, multipliers or cap (the
  // base rule alone decides).
  std::vector<PointsContribution> contributions;

  // Empties the outcome but keeps the buffer of contributions.
  void Clear();
};

// The effect of the interaction being evaluated.
struct InteractionOutcome {
  bool applied = false;        // false when no interaction was given
  std::string_view rule_id;    // "" when no rule matched (count still +1)
  Decimal satisfaction_before;
  Decimal satisfaction_change; // after clamping: the change actually applied
  Decimal satisfaction_after;
  int64_t interaction_count_after = 0;
};

// What one event earning rule credits for the custom event evaluated
// (EventOutcome::credits).
struct EventCredit {
  std::string_view rule_id;
  // Who gets the points: "" the event's customer, else the id the rule's
  // `to:` attribute holds (a referrer).
  std::string_view to_customer;
  std::string_view to_attribute;  // that attribute's name; "" the event's customer
  int64_t points = 0;             // credited: what the rule gives, cut to what its limit leaves
  int64_t rule_points = 0;        // what the rule gives before its limit
  // Its limit (rules/events.h; none when !limit.any()), and what the
  // event's customer had used of it in the period before this event.
  EventLimit limit;
  EventRuleUsage used_before;
  bool limited = false;  // the limit cut the points (to 0 when it was used up)
};

// What the custom event being evaluated earns.
struct EventOutcome {
  bool applied = false;  // false when no custom event was given
  std::string_view type;
  // Every earning rule on the event's type whose condition holds, in rule
  // order; a rule whose limit is used up is here with 0 points.
  std::vector<EventCredit> credits;
  int64_t points_to_customer = 0;  // of them, what the event's customer gets
  int64_t points_before = 0;       // the event's customer's balance before and after
  int64_t points_after = 0;

  // Empties the outcome but keeps the buffer of credits.
  void Clear();
};

struct Decision {
  std::string_view ruleset_version;
  // One entry per first-match dimension, any number per collect dimension,
  // in evaluation order.
  std::vector<SegmentAssignment> segments;
  std::vector<OfferGrant> offers;             // in offer order (priority, then file)
  std::vector<OfferLoss> offers_lost;         // in offer order
  std::vector<ImprovementProposal> improvements;
  std::vector<TaskProposal> tasks;  // in rule order
  LoyaltyOutcome loyalty;
  InteractionOutcome interaction;
  EventOutcome event;
  // The tier after this event, and before it, as the tier policy decides
  // from its figure and the customer's standing ("" when no tier applies).
  std::string_view tier;
  std::string_view tier_before;
  // The downgrade the tier policy has scheduled after this event: the day
  // `tier` drops unless the customer qualifies again first. Unknown: none.
  Date tier_downgrade_on;

  // The segment of a dimension ("" when the dimension assigned none).
  std::string_view SegmentOf(std::string_view dimension) const;

  // Empties the decision but keeps its buffers.
  void Clear();

  // Evaluation scratch space, reused between evaluations. Not part of the
  // result.
  struct Scratch {
    std::vector<std::string_view> segment_by_dimension;
    std::vector<int64_t> slots;  // the numbers conditions compare
    std::vector<int64_t> facts;  // the ruleset's windowed facts (rules/history.h)
    std::vector<int64_t> event_day_facts;  // the same as of a backdated event's day
    std::deque<std::string> strings;  // results of lower(); capacity reused
    size_t strings_used = 0;
    std::vector<uint8_t> offer_state;   // per offer, while choosing offers
    std::vector<int64_t> offer_value;   // per offer: its value in Decimal units
    std::vector<uint8_t> offer_value_known;
    std::vector<int32_t> group_pick;    // per stacking group: the offer chosen, -1 none
  } scratch;
};

// What one value looked like when a condition was checked.
struct ObservedValue {
  std::string expression;  // e.g. "purchase_frequency"
  std::string value;       // e.g. "7"
};

// One comparison inside a condition (e.g. "age < 40") and its outcome.
struct ConditionCheck {
  std::string expression;
  bool result = false;
  std::vector<ObservedValue> observed;
  // Whether it came out the way the rule needs it to match (under a `not`,
  // false is what it needs).
  bool as_needed = false;
  // In plain words: "age is 25, less than 40", or, when not as needed,
  // "purchase_frequency is 7, needs more than loyal_min_frequency (10)".
  std::string reason;
};

struct RuleExplanation {
  std::string section;    // "segmentation life_stage", "offers", "loyalty earning" ...
  std::string rule_id;
  std::string condition;  // the rule's `when:` text
  bool evaluated = false; // false: skipped, see `note`
  bool matched = false;
  std::vector<ConditionCheck> checks;  // in evaluation order (short-circuit)
  std::string note;       // e.g. "not checked: rule 'young_low' matched first"
  // An offer that matched but whose limit or budget had no room: which of
  // the two stopped it (the note says which one, in words).
  enum class CapReached : uint8_t { kNone, kCustomerLimit, kBudget };
  CapReached cap_reached = CapReached::kNone;
};

struct Explanation {
  std::vector<RuleExplanation> rules;
};

// How a purchase's points came about, in words: "100 (big_purchase)
// × 2 (electronics) + 50 (birthday_month), capped at 120"; multipliers
// that matched but did not apply are named after it. "" when the outcome
// has no contributions (the base rule alone decided).
std::string PointsBreakdown(const LoyaltyOutcome& loyalty);

// Applies the proposed changes, in order, to a product's attributes
// (`kAdd` needs a numeric attribute; a missing one counts as 0). Returns
// INVALID_ARGUMENT and changes nothing when an attribute is not a number.
absl::StatusOr<std::map<std::string, std::string>> ApplyProductChanges(
    std::map<std::string, std::string> product,
    const std::vector<ImprovementProposal>& proposals);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_DECISION_H_
