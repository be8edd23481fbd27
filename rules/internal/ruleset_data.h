// The contents of a compiled RuleSet, shared by the loader (which fills it)
// and the evaluator (which reads it). Immutable once the RuleSet exists.
#ifndef CLIENTELE_RULES_INTERNAL_RULESET_DATA_H_
#define CLIENTELE_RULES_INTERNAL_RULESET_DATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "rules/decision.h"
#include "rules/events.h"
#include "rules/history.h"
#include "rules/internal/compiler.h"
#include "rules/internal/program.h"
#include "rules/offers.h"
#include "rules/points.h"
#include "rules/rfm.h"
#include "rules/ruleset.h"
#include "rules/tiers.h"

namespace clientele::rules {

struct CompiledRule {
  std::string id;
  uint32_t condition = 0;          // Program node (bool)
  program_internal::Conjunction fast_condition;  // the same, flattened
  std::string_view condition_text;
  std::string file;
  int line = 0;
};

struct SegmentRule : CompiledRule {
  std::string segment;
  int32_t segment_index = -1;  // first position of `segment` in the dimension's list
  SegmentAssignment assignment;  // what a match adds to a Decision (views of the above)
};

struct Dimension {
  std::string id;
  std::string description;
  bool collect = false;
  std::vector<SegmentRule> rules;
  std::vector<program_internal::Conjunction> conditions;  // rules[i].fast_condition
  program_internal::BranchFreeList branch_free;            // the same, when usable
  bool has_default = false;
  std::string default_segment;
  int32_t default_index = -1;
  SegmentAssignment default_assignment;
  // First match: what rule i (i < rules.size()) or the default (last)
  // assigns, so that the hot path records an outcome without branching
  // on which it was.
  struct Outcome {
    SegmentAssignment assignment;
    int32_t segment_index = -1;
  };
  std::vector<Outcome> outcomes;
};

// What an offer is worth for a purchase or basket (rules/offers.h). The
// numbers are Program nodes (constants or formulas over the customer);
// kNoNode where the offer does not say.
struct OfferValueTerms {
  static constexpr uint32_t kNoNode = UINT32_MAX;
  enum class Kind : uint8_t { kNone, kAmountOff, kPercentOff, kFreeItem, kPointsMultiplier };
  Kind kind = Kind::kNone;
  uint32_t amount = kNoNode;      // amount_off, percent_off, the free item's worth, the factor
  uint32_t max_off = kNoNode;     // a cap on the amount off
  uint32_t min_amount = kNoNode;  // the purchase or basket must reach it (满100减20)
  uint32_t every = kNoNode;       // amount_off for every full `every` (每满100减20)
  std::string free_item;          // what is given, for kFreeItem

  OfferValueUnit unit() const {
    switch (kind) {
      case Kind::kNone: return OfferValueUnit::kNone;
      case Kind::kPointsMultiplier: return OfferValueUnit::kPoints;
      default: return OfferValueUnit::kMoney;
    }
  }
};

struct Offer : CompiledRule {
  std::string name;
  std::string description;
  int64_t priority = 0;
  bool exclusive = true;
  Date valid_from;   // unknown: no lower bound
  Date valid_until;  // unknown: no upper bound (inclusive)
  Weekdays days;                    // every day when empty
  std::vector<HoursOfDay> hours;    // all day when empty
  OfferValueTerms value;
  int32_t group = -1;               // index into RuleSetData::offer_groups
  std::vector<uint32_t> excludes;   // offers it never combines with (both ways), by index
  uint32_t first_cap = 0;           // its caps: offer_caps[first_cap, first_cap + cap_count)
  uint32_t cap_count = 0;

  // Whether the day alone can keep it from being given.
  bool HasCalendar() const {
    return valid_from.known() || valid_until.known() || !days.all() || !hours.empty();
  }
  // The same, and whether it has a value, a minimum or caps, worked out
  // once at load for the evaluator's hot path.
  bool has_calendar = false;
  bool has_terms = false;
};

// A stacking group: at most one of its offers applies.
struct OfferGroup {
  std::string id;
  std::string description;
  bool best_value = true;  // false: the first that applies, in offer order
  std::string file;
  int line = 0;
};

struct Improvement : CompiledRule {
  std::string action;
  std::vector<std::string> keywords;  // see ImprovementProposal::keywords
  bool has_change = false;
  ProductChange change;
};

struct TaskRule : CompiledRule {
  std::string task;
  std::string queue;
  int32_t due_days = 0;
  TaskProposal proposal;  // what a match adds to a Decision (views of the above)
};

struct InteractionRule : CompiledRule {
  uint32_t satisfaction_change = 0;  // Program node (number)
};

struct EarningRule : CompiledRule {
  uint32_t points = 0;  // Program node (whole number)
};

// An events file's earning rule: points for every event of its type whose
// condition holds, within its limit.
struct EventEarningRule : CompiledRule {
  uint32_t type = 0;          // index into RuleSetData::event_types
  uint32_t points = 0;        // Program node (whole number, >= 0)
  int32_t to_attribute = -1;  // the customer attribute credited; -1: the event's customer
  EventLimit limit;
};

struct EarningMultiplier : CompiledRule {
  uint32_t factor = 0;  // Program node (number > 0)
};

struct Tier {
  std::string name;
  // What the tier policy's figure must reach: points (min_points), or the
  // amount spent in units of Decimal (min_spent).
  int64_t threshold = 0;
};

// Where an expression reads a parameter: the file and the line of the
// mapping the expression is a key of (a rule's own line for a rule's
// `when:` or `points:`).
struct ParameterRead {
  std::string parameter;
  std::string file;
  int line = 0;
};

struct RuleSetData {
  program_internal::Program program;
  std::map<std::string, compiler_internal::Parameter, std::less<>> parameters;
  std::vector<ParameterRead> parameter_reads;  // in the order compiled

  std::vector<Dimension> dimensions;          // declaration order (= node indices)
  std::vector<uint32_t> dimension_order;      // evaluation order (dependencies first)
  std::vector<std::string_view> dimension_ids;  // views of dimensions[i].id

  std::vector<Offer> offers;                  // priority order (highest first, stable)
  std::vector<OfferGroup> offer_groups;
  bool has_best_value_groups = false;
  bool has_points_offers = false;
  // No offer has a value, minimum, caps, group or exclusions: offers are
  // chosen by the conditions, windows and `stacking` alone.
  bool offers_plain = true;
  std::vector<NumberedCap> offer_caps;        // every offer's, in offer order
  // The programme's time zone (the parameters file's `time_zone`): the
  // day and hour that offers, today() and days_since() see. UTC when unset.
  std::string time_zone_name = "UTC";
  absl::TimeZone time_zone = absl::UTCTimeZone();

  std::vector<Improvement> improvements;
  std::vector<TaskRule> task_rules;  // every one that matches proposes its task

  bool has_interactions = false;
  bool interactions_collect = false;          // sum every matching rule
  Decimal satisfaction_min = Decimal::FromInteger(1);
  Decimal satisfaction_max = Decimal::FromInteger(5);
  // Where a customer who was never rated (satisfaction 0) starts.
  Decimal satisfaction_initial = Decimal::FromInteger(3);
  std::vector<InteractionRule> interaction_rules;

  bool has_loyalty = false;
  std::vector<EarningRule> earning_rules;     // first match
  program_internal::BranchFreeList earning_branch_free;
  bool has_earning_default = false;
  EarningRule earning_default;
  std::vector<EarningRule> earning_bonuses;   // collect: every one that matches adds
  std::vector<EarningMultiplier> earning_multipliers;  // collect, then combined
  bool multipliers_multiply = false;          // several apply: multiply (else the highest)
  int64_t max_points_per_purchase = 0;        // 0: no cap
  // Bonuses, multipliers or a cap: the outcome lists its contributions.
  bool has_earning_extras() const {
    return !earning_bonuses.empty() || !earning_multipliers.empty() ||
           max_points_per_purchase > 0 || has_points_offers;
  }
  std::vector<Tier> tiers;                    // ascending threshold
  TierPolicy tier_policy;                     // the seed's: the balance, at once
  PointsPolicy points_policy;                 // the seed's: no pending, no expiry
  std::optional<Decimal> point_value;         // the loyalty file's points.point_value
  bool reads_purchase_category = false;       // some expression reads purchase.category

  // Custom events: the declared types, and the rules that earn on them
  // (every one whose condition holds earns).
  std::vector<EventType> event_types;
  std::vector<EventEarningRule> event_rules;
  std::vector<EventEarningTerms> event_terms;  // the same, for callers (by index)

  // The rfm file's model (rules/rfm.h); none without one.
  std::optional<RfmModel> rfm;

  // The windowed facts the rules read (rules/history.h), by the index
  // their nodes hold, and how many days back the longest looks.
  std::vector<FactRequest> facts;
  int32_t history_days = 0;          // of the customer facts
  int32_t product_history_days = 0;  // of the product facts

  std::vector<RuleSource> sources;
  std::string version;

  // The most work of each part of an evaluation (RuleSet::WorkBound):
  // segments, offers and tiers always run, the rest only with its event.
  struct Work {
    program_internal::WorkBound always, purchase, interaction, feedback, event;
  } work;
  uint64_t work_limit = 0;  // LoadOptions::max_evaluation_work
};

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_INTERNAL_RULESET_DATA_H_
