// Evaluation of a compiled ruleset. The hot path (no explanation) touches
// only the compiled program and the caller's Decision buffers: no name
// lookups, no parsing, and no allocation once the Decision has grown.
#include "rules/ruleset.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "rules/internal/ruleset_data.h"
#include "common/strings.h"

namespace clientele::rules {
namespace {

using program_internal::Frame;
using program_internal::Trace;

// Where a rule sits, for explanations: "segmentation life_stage", "offers".
struct Section {
  std::string_view kind;
  std::string_view name = {};
  std::string Text() const { return name.empty() ? std::string(kind) : StrCat(kind, " ", name); }
};

// One evaluation. Two variants of the same code:
//  - kCareful = false, the hot path: conditions run as flattened atoms,
//    nothing is recorded, and runtime errors are checked once at the end;
//  - kCareful = true: every rule is checked for runtime errors as it runs
//    (so that the error names its rule) and, with an Explanation, recorded.
// RuleSet::Evaluate runs the hot path and falls back to the careful one
// only to explain, or to report an error.
template <bool kCareful>
class Evaluation {
 public:
  Evaluation(const RuleSetData& data, const EvalInput& input, Decision* decision,
             Explanation* explanation)
      : data_(data), input_(input), decision_(decision), explanation_(explanation) {
    frame_.customer = input.customer;
    frame_.purchase = input.purchase;
    frame_.interaction = input.interaction;
    frame_.feedback = input.feedback;
    frame_.today = input.today.days();
    frame_.segments = &decision->segments;
    frame_.dimension_ids = &data.dimension_ids;
    frame_.scratch = &decision->scratch;
    if (explanation != nullptr) frame_.trace = &trace_;
  }

  // True when evaluation succeeded. On false, the hot path only says that
  // a rule failed; the careful path also leaves the reason for Failure().
  bool Run() {
    decision_->ruleset_version = data_.version;
    // No need to clear: every first-match dimension writes its entry (rule
    // or default; the loader insists on one) before any rule can read it.
    Decision::Scratch& scratch = decision_->scratch;
    if (scratch.slots.size() != program_internal::kSlotSegment0 + data_.dimensions.size()) {
      scratch.segment_by_dimension.assign(data_.dimensions.size(), std::string_view());
      scratch.slots.assign(program_internal::kSlotSegment0 + data_.dimensions.size(), -1);
    }
    frame_.segment_by_dimension = scratch.segment_by_dimension.data();
    program_internal::LoadSlots(frame_, scratch.slots.data());
    frame_.slots = scratch.slots.data();
    for (uint32_t d : data_.dimension_order) {
      if (!Segment(d)) return false;
    }
    return Offers() && Loyalty() && Interaction() && Improvements() && frame_.error == nullptr;
  }

  // The error of a failed careful run, naming the rule.
  absl::Status Failure() const;

 private:
  // Evaluates a rule's condition, recording it when explaining. False on a
  // runtime error (see Failure()).
  [[gnu::always_inline]] bool Matches(const CompiledRule& rule, Section section, bool* matched) {
    if constexpr (!kCareful) {
      *matched = program_internal::EvaluateConjunction(data_.program, rule.fast_condition, &frame_);
      return true;
    }
    RuleExplanation* record = nullptr;
    if (explanation_ != nullptr) {
      record = &explanation_->rules.emplace_back();
      record->section = section.Text();
      record->rule_id = rule.id;
      record->condition = std::string(rule.condition_text);
      record->evaluated = true;
      trace_.checks = &record->checks;
      trace_.facts.clear();
      trace_.negated = false;
    }
    failed_rule_ = &rule;
    *matched = record != nullptr
                   ? program_internal::Evaluate(data_.program, rule.condition, &frame_).n != 0
                   : program_internal::EvaluateConjunction(data_.program, rule.fast_condition,
                                                           &frame_);
    if (record != nullptr) record->matched = *matched;
    return frame_.error == nullptr;
  }

  // Records a rule that was not evaluated; `make_note` runs only when
  // explaining, so that the hot path builds no strings.
  template <typename MakeNote>
  void Skipped(const CompiledRule& rule, Section section, MakeNote make_note) {
    if (!kCareful || explanation_ == nullptr) return;
    RuleExplanation& record = explanation_->rules.emplace_back();
    record.section = section.Text();
    record.rule_id = rule.id;
    record.condition = std::string(rule.condition_text);
    record.note = make_note();
  }

  void Note(const char* note) {
    if (kCareful && explanation_ != nullptr && !explanation_->rules.empty()) {
      explanation_->rules.back().note = note;
    }
  }

  static std::string NotChecked(const CompiledRule& winner) {
    return StrCat("not checked: rule '", winner.id, "' matched first");
  }

  int64_t Number(uint32_t node, const CompiledRule& rule) {
    const program_internal::Node& n = data_.program.node(node);
    if (n.op == program_internal::Op::kConst) return n.constant.n;  // points: 100
    failed_rule_ = &rule;
    return program_internal::Evaluate(data_.program, node, &frame_).n;
  }

  // The hot path's Assign and AssignDefault in one: a first-match outcome.
  // flatten: GCC otherwise leaves push_back out of line here, and the call
  // is most of the cost of a dimension of a few threshold tests.
  [[gnu::flatten]] void Record(uint32_t index, const Dimension::Outcome& outcome) {
    decision_->segments.push_back(outcome.assignment);
    decision_->scratch.segment_by_dimension[index] = outcome.assignment.segment;
    decision_->scratch.slots[program_internal::kSlotSegment0 + index] = outcome.segment_index;
  }

  void Assign(uint32_t index, const Dimension& dimension, const SegmentRule& rule) {
    decision_->segments.push_back(rule.assignment);
    if (dimension.collect) return;
    decision_->scratch.segment_by_dimension[index] = rule.segment;
    decision_->scratch.slots[program_internal::kSlotSegment0 + index] = rule.segment_index;
  }

  void AssignDefault(uint32_t index, const Dimension& dimension) {
    if (!dimension.has_default) return;
    decision_->segments.push_back(dimension.default_assignment);
    decision_->scratch.segment_by_dimension[index] = dimension.default_segment;
    decision_->scratch.slots[program_internal::kSlotSegment0 + index] = dimension.default_index;
  }

  bool Segment(uint32_t index) {
    const Dimension& dimension = data_.dimensions[index];
    if (!kCareful && !dimension.collect) {
      size_t i = dimension.branch_free.usable
                     ? program_internal::FirstMatch(data_.program, dimension.branch_free,
                                                    frame_.slots)
                     : program_internal::FirstMatch(data_.program, dimension.conditions.data(),
                                                    dimension.conditions.size(), &frame_);
      if (i < dimension.outcomes.size()) Record(index, dimension.outcomes[i]);
      return true;
    }
    const Section section{"segmentation", dimension.id};
    const SegmentRule* winner = nullptr;
    bool any = false;
    for (const SegmentRule& rule : dimension.rules) {
      if (winner != nullptr) {
        Skipped(rule, section, [&] { return NotChecked(*winner); });
        continue;
      }
      bool matched;
      if (!Matches(rule, section, &matched)) return false;
      if (!matched) continue;
      any = true;
      Assign(index, dimension, rule);
      if (!dimension.collect) winner = &rule;
    }
    if (!any) AssignDefault(index, dimension);
    return true;
  }

  bool Offers() {
    bool exclusive_granted = false;
    bool any_granted = false;
    for (const Offer& offer : data_.offers) {
      if (exclusive_granted) {
        Skipped(offer, Section{"offers"},
                [] { return std::string("not checked: an exclusive offer was already granted"); });
        continue;
      }
      if ((offer.valid_from.known() && input_.today < offer.valid_from) ||
          (offer.valid_until.known() && offer.valid_until < input_.today)) {
        Skipped(offer, Section{"offers"}, [&] {
          return StrCat("not valid today (", input_.today.ToString(), "): valid ",
                             offer.valid_from.known() ? offer.valid_from.ToString() : "…", " to ",
                        offer.valid_until.known() ? offer.valid_until.ToString() : "…");
        });
        continue;
      }
      bool matched;
      if (!Matches(offer, Section{"offers"}, &matched)) return false;
      if (!matched) continue;
      if (offer.exclusive && any_granted) {
        Note("matched, but this exclusive offer cannot combine with the offers already granted");
        continue;
      }
      decision_->offers.push_back({offer.name, offer.id, offer.priority, offer.exclusive});
      any_granted = true;
      exclusive_granted = offer.exclusive;
    }
    return true;
  }

  // The customer's stored tier while a manual tier holds (through
  // manual_tier_until) and the ruleset has that tier; null otherwise.
  const Tier* ManualTier() const {
    const Customer& c = *input_.customer;
    if (!c.manual_tier_until.known() || c.manual_tier_until < input_.today) return nullptr;
    for (const Tier& t : data_.tiers) {
      if (t.name == c.tier) return &t;
    }
    return nullptr;
  }

  // The highest tier whose threshold `figure` reaches; -1 when none.
  int TierFor(int64_t figure) const {
    int tier = -1;
    for (size_t i = 0; i < data_.tiers.size(); ++i) {
      if (figure >= data_.tiers[i].threshold) tier = static_cast<int>(i);
    }
    return tier;
  }

  // A stored tier's name as an index into the ruleset's tiers; -1 when
  // empty or not one this ruleset lists.
  int TierIndex(std::string_view name) const {
    for (size_t i = 0; i < data_.tiers.size(); ++i) {
      if (data_.tiers[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  std::string_view TierName(int index) const {
    return index < 0 ? std::string_view() : std::string_view(data_.tiers[index].name);
  }

  // The tier policy's figure before and after this evaluation's purchase
  // (the same without one). False when it would overflow.
  bool TierFigures(int64_t points_before, int64_t points_after, int64_t* before,
                   int64_t* after) {
    const Customer& c = *input_.customer;
    const TierPolicy& policy = data_.tier_policy;
    const Purchase* purchase = input_.purchase;
    // Whether this evaluation's purchase falls in the window (not asked
    // for the balance: the calendar costs more than the rest of this).
    auto counts = [&] {
      return purchase != nullptr &&
             policy.QualifyingMonths(input_.today)
                 .Contains(purchase->date.known() ? purchase->date : input_.today);
    };
    switch (policy.figure) {
      case TierPolicy::Figure::kBalance:
        *before = points_before;
        *after = points_after;
        return true;
      case TierPolicy::Figure::kPointsEarned:
        *before = c.qualifying_points;
        *after = *before;
        if (!counts()) return true;
        if (!__builtin_add_overflow(*before, points_after - points_before, after)) return true;
        break;
      case TierPolicy::Figure::kAmountSpent:
        *before = c.qualifying_spent.units();
        *after = *before;
        if (!counts()) return true;
        if (!__builtin_add_overflow(*before, purchase->amount.units(), after)) return true;
        break;
    }
    frame_.error = "the amount the tier qualifies on would be too large";
    return false;
  }

  // The tiers before and after this evaluation by the tier policy.
  bool Tiers(int64_t points_before, int64_t points_after) {
    // A tier set by hand holds through its last day, whatever the figures.
    if (const Tier* manual = ManualTier()) {
      decision_->tier_before = decision_->tier = manual->name;
      return true;
    }
    int64_t figure_before = 0;
    int64_t figure_after = 0;
    if (!TierFigures(points_before, points_after, &figure_before, &figure_after)) return false;
    const int qualified_before = TierFor(figure_before);
    const int qualified_after =
        figure_after == figure_before ? qualified_before : TierFor(figure_after);
    const TierPolicy& policy = data_.tier_policy;
    if (policy.FollowsFigure()) {  // the seed's: no standing to look up
      decision_->tier_before = TierName(qualified_before);
      decision_->tier = TierName(qualified_after);
      return true;
    }
    const Customer& c = *input_.customer;
    const TierStanding standing{TierIndex(c.tier), TierIndex(c.previous_tier), c.tier_since,
                                c.tier_downgrade_on};
    const TierVerdict before = ReviewTier(policy, qualified_before, standing, input_.today);
    const TierVerdict after = qualified_after == qualified_before
                                  ? before
                                  : ReviewTier(policy, qualified_after, standing, input_.today);
    decision_->tier_before = TierName(before.tier);
    decision_->tier = TierName(after.tier);
    decision_->tier_downgrade_on = after.downgrade_on;
    return true;
  }

  // The first earning rule that matches (null when none does). False on
  // a runtime error.
  bool EarningWinner(const EarningRule** winner) {
    if (!kCareful && data_.earning_branch_free.usable) {
      size_t i =
          program_internal::FirstMatch(data_.program, data_.earning_branch_free, frame_.slots);
      if (i < data_.earning_rules.size()) *winner = &data_.earning_rules[i];
      return true;
    }
    for (const EarningRule& rule : data_.earning_rules) {
      if (*winner != nullptr) {
        Skipped(rule, Section{"loyalty earning"}, [&] { return NotChecked(**winner); });
        continue;
      }
      bool matched;
      if (!Matches(rule, Section{"loyalty earning"}, &matched)) return false;
      if (matched) *winner = &rule;
    }
    return true;
  }

  // The highest factor of the multipliers that match (or their product),
  // recorded as contributions; 1 when none does. False on a runtime error.
  bool Multiplier(Decimal* factor) {
    *factor = Decimal::FromInteger(1);
    std::vector<PointsContribution>& contributions = decision_->loyalty.contributions;
    const size_t first = contributions.size();
    for (const EarningMultiplier& rule : data_.earning_multipliers) {
      bool matched;
      if (!Matches(rule, Section{"loyalty multipliers"}, &matched)) return false;
      if (!matched) continue;
      const Decimal value = Decimal::FromUnits(Number(rule.factor, rule));
      if (frame_.error != nullptr) return false;
      if (value <= Decimal()) {
        frame_.error = "a multiplier's factor must be more than 0";
        return false;
      }
      contributions.push_back({PointsContribution::Kind::kMultiplier, rule.id, value, true});
      if (data_.multipliers_multiply) {
        if (!Decimal::Multiply(*factor, value, factor)) {
          frame_.error = "the multipliers' product is too large";
          return false;
        }
      } else if (contributions.size() == first + 1 || *factor < value) {
        *factor = value;
      }
    }
    if (!data_.multipliers_multiply) {
      // Only the highest applies (the first of equal ones).
      bool taken = false;
      for (size_t i = first; i < contributions.size(); ++i) {
        contributions[i].applied = !taken && contributions[i].value == *factor;
        taken = taken || contributions[i].applied;
      }
    }
    return true;
  }

  // The points of the purchase: the base rule's, times the multiplier,
  // plus every bonus, within the cap. False on a runtime error.
  bool EarnedPoints(const EarningRule* winner, int64_t* earned) {
    LoyaltyOutcome& loyalty = decision_->loyalty;
    const bool extras = data_.has_earning_extras();
    int64_t base = 0;
    if (winner != nullptr) {
      base = Number(winner->points, *winner) / Decimal::kScale;
      if (frame_.error != nullptr) return false;
      if (extras) {
        loyalty.contributions.push_back(
            {PointsContribution::Kind::kBase, winner->id, Decimal::FromInteger(base), true});
      }
    }
    if (!extras) {
      *earned = base;
      return true;
    }
    Decimal factor;
    if (!Multiplier(&factor)) return false;
    Decimal total;
    if (!Decimal::Multiply(Decimal::FromInteger(base), factor, &total) ||
        !Decimal::Floor(total, &total)) {
      frame_.error = "the points are too large";
      return false;
    }
    int64_t points = total.IntegerPart();
    for (const EarningRule& bonus : data_.earning_bonuses) {
      bool matched;
      if (!Matches(bonus, Section{"loyalty bonuses"}, &matched)) return false;
      if (!matched) continue;
      const int64_t add = Number(bonus.points, bonus) / Decimal::kScale;
      if (frame_.error != nullptr) return false;
      if (__builtin_add_overflow(points, add, &points)) {
        frame_.error = "the points are too large";
        return false;
      }
      loyalty.contributions.push_back(
          {PointsContribution::Kind::kBonus, bonus.id, Decimal::FromInteger(add), true});
    }
    if (data_.max_points_per_purchase > 0 && points > data_.max_points_per_purchase) {
      points = data_.max_points_per_purchase;
      loyalty.contributions.push_back(
          {PointsContribution::Kind::kCap, "", Decimal::FromInteger(points), true});
    }
    *earned = points;
    return true;
  }

  bool Loyalty() {
    const int64_t before = input_.customer->points;
    int64_t after = before;
    if (input_.purchase != nullptr && data_.has_loyalty) {
      // Earning rules see the purchase's own day as today(): a purchase of
      // Saturday recorded on Monday earns by Saturday's rules.
      const int32_t evaluation_day = frame_.today;
      if (input_.purchase->date.known()) frame_.today = input_.purchase->date.days();
      const EarningRule* winner = nullptr;
      if (!EarningWinner(&winner)) return false;
      if (winner == nullptr && data_.has_earning_default) winner = &data_.earning_default;
      LoyaltyOutcome& loyalty = decision_->loyalty;
      loyalty.applied = true;
      loyalty.points_before = before;
      if (winner != nullptr) loyalty.rule_id = winner->id;
      int64_t earned = 0;
      if (!EarnedPoints(winner, &earned)) return false;
      frame_.today = evaluation_day;
      if (__builtin_add_overflow(before, earned, &after)) {
        frame_.error = "the points balance would be too large";
        return false;
      }
      // A penalty never takes the balance below 0 (nor lower one that a
      // return under returns_after_spending: negative_balance put there).
      if (earned < 0) after = std::max<int64_t>(after, std::min<int64_t>(before, 0));
      loyalty.points_earned = after - before;  // what the ledger records
      loyalty.points_after = after;
    }
    return Tiers(before, after);
  }

  bool Interaction() {
    if (input_.interaction == nullptr || !data_.has_interactions) return true;
    InteractionOutcome& outcome = decision_->interaction;
    outcome.applied = true;
    outcome.interaction_count_after = input_.customer->interaction_count + 1;
    // Satisfaction 0 means never rated (input allows only 1..5): such a
    // customer starts from the configured initial value.
    outcome.satisfaction_before = input_.customer->satisfaction == Decimal()
                                      ? data_.satisfaction_initial
                                      : input_.customer->satisfaction;
    Decimal change;
    const InteractionRule* winner = nullptr;
    for (const InteractionRule& rule : data_.interaction_rules) {
      if (winner != nullptr && !data_.interactions_collect) {
        Skipped(rule, Section{"interactions"}, [&] { return NotChecked(*winner); });
        continue;
      }
      bool matched;
      if (!Matches(rule, Section{"interactions"}, &matched)) return false;
      if (!matched) continue;
      if (winner == nullptr) outcome.rule_id = rule.id;
      winner = &rule;
      Decimal delta = Decimal::FromUnits(Number(rule.satisfaction_change, rule));
      if (frame_.error != nullptr) return false;
      if (!Decimal::Add(change, delta, &change)) {
        frame_.error = "the satisfaction change is too large";
        return false;
      }
    }
    Decimal after;
    if (!Decimal::Add(outcome.satisfaction_before, change, &after)) {
      frame_.error = "the satisfaction change is too large";
      return false;
    }
    after = std::clamp(after, data_.satisfaction_min, data_.satisfaction_max);
    outcome.satisfaction_after = after;
    Decimal::Subtract(after, outcome.satisfaction_before, &outcome.satisfaction_change);
    return true;
  }

  bool Improvements() {
    if (input_.feedback == nullptr) return true;
    for (const Improvement& improvement : data_.improvements) {
      bool matched;
      if (!Matches(improvement, Section{"improvements"}, &matched)) return false;
      if (!matched) continue;
      decision_->improvements.push_back(
          {improvement.id, improvement.action,
           improvement.has_change ? &improvement.change : nullptr, &improvement.keywords});
    }
    return true;
  }

  const RuleSetData& data_;
  const EvalInput& input_;
  Decision* decision_;
  Explanation* explanation_;
  Frame frame_;
  Trace trace_;
  const CompiledRule* failed_rule_ = nullptr;
};

template <bool kCareful>
absl::Status Evaluation<kCareful>::Failure() const {
  std::string where;
  if (failed_rule_ != nullptr) {
    where = StrCat("rule '", failed_rule_->id, "' (", failed_rule_->file, ":", failed_rule_->line,
                   ")");
  }
  std::string_view text = frame_.error_node < data_.program.size()
                              ? data_.program.node(frame_.error_node).text
                              : std::string_view();
  return absl::OutOfRangeError(StrCat(where, ": ", frame_.error == nullptr ? "" : frame_.error,
                                      text.empty() ? "" : " in `", text, text.empty() ? "" : "`"));
}

// The work bounds of every part of an evaluation (RuleSetData::Work).
RuleSetData::Work ComputeWork(const RuleSetData& data) {
  using program_internal::WorkBound;
  program_internal::WorkContext context;
  for (const Dimension& d : data.dimensions) {
    uint64_t assigned = d.collect ? d.rules.size() + (d.has_default ? 1 : 0) : 1;
    context.segment_count += assigned;
    context.segment_name_bytes =
        std::max<uint64_t>(context.segment_name_bytes, d.default_segment.size());
    for (const SegmentRule& rule : d.rules) {
      context.segment_name_bytes =
          std::max<uint64_t>(context.segment_name_bytes, rule.segment.size());
    }
  }
  auto add_rule = [&](const CompiledRule& rule, WorkBound* bound) {
    bound->AddFixed(1);
    program_internal::AddWorkOf(data.program, rule.condition, context, bound);
  };
  auto add_node = [&](uint32_t node, WorkBound* bound) {
    program_internal::AddWorkOf(data.program, node, context, bound);
  };
  RuleSetData::Work work;
  for (const Dimension& d : data.dimensions) {
    work.always.AddFixed(1);
    for (const SegmentRule& rule : d.rules) add_rule(rule, &work.always);
  }
  for (const Offer& offer : data.offers) add_rule(offer, &work.always);
  work.always.AddFixed(2 * data.tiers.size());
  for (const EarningRule& rule : data.earning_rules) {
    add_rule(rule, &work.purchase);
    add_node(rule.points, &work.purchase);
  }
  if (data.has_earning_default) add_node(data.earning_default.points, &work.purchase);
  for (const EarningRule& rule : data.earning_bonuses) {
    add_rule(rule, &work.purchase);
    add_node(rule.points, &work.purchase);
  }
  for (const EarningMultiplier& rule : data.earning_multipliers) {
    add_rule(rule, &work.purchase);
    add_node(rule.factor, &work.purchase);
  }
  for (const InteractionRule& rule : data.interaction_rules) {
    add_rule(rule, &work.interaction);
    add_node(rule.satisfaction_change, &work.interaction);
  }
  for (const Improvement& improvement : data.improvements) {
    add_rule(improvement, &work.feedback);
  }
  return work;
}

// The lengths of the texts of `input` that rules can read, by TextSource.
void TextLengths(const EvalInput& input, uint64_t (&lengths)[program_internal::kTextSourceCount]) {
  using program_internal::TextSource;
  std::fill(std::begin(lengths), std::end(lengths), 0);
  auto set = [&](TextSource source, const std::string& text) {
    lengths[static_cast<size_t>(source)] = text.size();
  };
  if (input.interaction != nullptr) set(TextSource::kInteraction, input.interaction->text);
  if (input.feedback != nullptr) {
    set(TextSource::kFeedback, input.feedback->text);
    set(TextSource::kFeedbackProduct, input.feedback->product);
  }
  if (input.purchase != nullptr) {
    set(TextSource::kPurchaseProduct, input.purchase->product);
    set(TextSource::kPurchaseCategory, input.purchase->category);
  }
  for (size_t i = 0; i < std::size(program_internal::kStringMembers); ++i) {
    const auto source = static_cast<uint32_t>(TextSource::kCustomerString0) + i;
    lengths[source] = (input.customer->*program_internal::kStringMembers[i]).size();
  }
}

// What the texts are called in a refusal.
const char* TextSourceName(size_t source) {
  static constexpr const char* kNames[] = {
      "the interaction text",   "the feedback text",         "the feedback's product",
      "the purchase's product", "the purchase's category",   "the customer id",
      "the customer's name",
      "the customer's gender",  "the customer's occupation", "the customer's tier",
      "the customer's previous tier"};
  static_assert(std::size(kNames) == program_internal::kTextSourceCount);
  return kNames[source];
}

// The bound of the parts of an evaluation that `input` calls for.
program_internal::WorkBound WorkFor(const RuleSetData::Work& work, const EvalInput& input) {
  program_internal::WorkBound bound = work.always;
  if (input.purchase != nullptr) bound.Add(work.purchase);
  if (input.interaction != nullptr) bound.Add(work.interaction);
  if (input.feedback != nullptr) bound.Add(work.feedback);
  return bound;
}

// RESOURCE_EXHAUSTED for an evaluation whose bound is over its limit,
// naming the text that costs the most when a text is to blame.
absl::Status CheckWork(const RuleSetData& data, const EvalInput& input) {
  uint64_t lengths[program_internal::kTextSourceCount];
  TextLengths(input, lengths);
  program_internal::WorkBound bound = WorkFor(data.work, input);
  const uint64_t total = bound.For(lengths);
  if (total <= data.work_limit) return absl::OkStatus();
  size_t costliest = 0;
  uint64_t costliest_units = 0;
  for (size_t s = 0; s < program_internal::kTextSourceCount; ++s) {
    uint64_t units = bound.TextUnits(s, lengths[s]);
    if (units > costliest_units) {
      costliest = s;
      costliest_units = units;
    }
  }
  std::string blame = costliest_units > bound.fixed
                          ? StrCat("; most of it is searching ", TextSourceName(costliest), " (",
                                   lengths[costliest], " bytes) ", bound.scans[costliest], " times")
                          : "; most of it is the rules themselves, whatever the texts";
  return absl::ResourceExhaustedError(StrCat("this evaluation could take up to ", total,
                                             " work units, over the limit of ", data.work_limit,
                                             blame));
}

}  // namespace

RuleSet::RuleSet(std::unique_ptr<RuleSetData> data) : data_(std::move(data)) {
  data_->work = ComputeWork(*data_);
}

uint64_t RuleSet::WorkBound(const EvalInput& input) const {
  if (input.customer == nullptr) return 0;
  uint64_t lengths[program_internal::kTextSourceCount];
  TextLengths(input, lengths);
  return WorkFor(data_->work, input).For(lengths);
}

uint64_t RuleSet::work_limit() const { return data_->work_limit; }

const PointsPolicy& RuleSet::points_policy() const { return data_->points_policy; }

const TierPolicy& RuleSet::tier_policy() const { return data_->tier_policy; }

bool RuleSet::TiersChangeOverTime() const {
  if (data_->tiers.empty()) return false;
  const TierPolicy& policy = data_->tier_policy;
  const bool points_expire = data_->points_policy.expiry.kind != PointsExpiry::Kind::kNever;
  return policy.window != TierPolicy::Window::kNone || !policy.FollowsFigure() ||
         (policy.figure == TierPolicy::Figure::kBalance && points_expire);
}

bool RuleSet::ReadsPurchaseCategory() const { return data_->reads_purchase_category; }

RuleSet::~RuleSet() = default;

const std::string& RuleSet::version() const { return data_->version; }
const std::vector<RuleSource>& RuleSet::sources() const { return data_->sources; }

absl::Status RuleSet::Evaluate(const EvalInput& input, Decision* decision,
                               Explanation* explanation) const {
  if (input.customer == nullptr) return absl::InvalidArgumentError("no customer to evaluate");
  if (!input.today.known()) return absl::InvalidArgumentError("the evaluation date is unknown");
  if (data_->work_limit != 0) {
    if (absl::Status s = CheckWork(*data_, input); !s.ok()) return s;
  }
  decision->Clear();
  if (explanation == nullptr && Evaluation<false>(*data_, input, decision, nullptr).Run()) {
    return absl::OkStatus();
  }
  // Explaining, or a rule failed: run again carefully to record or to name it.
  decision->Clear();
  if (explanation != nullptr) explanation->rules.clear();
  Evaluation<true> careful(*data_, input, decision, explanation);
  return careful.Run() ? absl::OkStatus() : careful.Failure();
}

RuleSet::Summary RuleSet::Summarize() const {
  Summary s;
  s.files = data_->sources.size();
  s.dimensions = data_->dimensions.size();
  for (const Dimension& d : data_->dimensions) s.segment_rules += d.rules.size();
  s.offers = data_->offers.size();
  s.improvements = data_->improvements.size();
  s.interaction_rules = data_->interaction_rules.size();
  s.earning_rules = data_->earning_rules.size() + (data_->has_earning_default ? 1 : 0) +
                    data_->earning_bonuses.size() + data_->earning_multipliers.size();
  s.tiers = data_->tiers.size();
  s.parameters = data_->parameters.size();
  program_internal::WorkBound all = data_->work.always;
  all.Add(data_->work.purchase);
  all.Add(data_->work.interaction);
  all.Add(data_->work.feedback);
  s.work_without_text = all.fixed;
  return s;
}

std::vector<std::string> RuleSet::DimensionIds() const {
  std::vector<std::string> ids;
  for (uint32_t d : data_->dimension_order) ids.push_back(data_->dimensions[d].id);
  return ids;
}

RuleSet::Names RuleSet::DecisionNames() const {
  Names names;
  auto add = [](std::vector<std::string>* list, const std::string& name) {
    if (std::find(list->begin(), list->end(), name) == list->end()) list->push_back(name);
  };
  for (const Dimension& dimension : data_->dimensions) {
    names.segments[dimension.id] = SegmentNames(dimension.id);
  }
  for (const Offer& offer : data_->offers) add(&names.offers, offer.name);
  for (const Tier& tier : data_->tiers) add(&names.tiers, tier.name);
  for (const Improvement& improvement : data_->improvements) {
    add(&names.actions, improvement.action);
    add(&names.actions, improvement.id);
  }
  return names;
}

std::vector<std::string> RuleSet::SegmentNames(std::string_view dimension) const {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const Dimension& d : data_->dimensions) {
    if (d.id != dimension) continue;
    for (const SegmentRule& rule : d.rules) add(rule.segment);
    if (d.has_default) add(d.default_segment);
  }
  return names;
}

namespace {

// True when `condition` calls a function that reads the evaluation day, or
// reads points expiring within days of it (points.expiring_30d).
// Scans identifiers outside quoted text: a parameter cannot hold a call.
bool ReadsToday(std::string_view condition) {
  auto identifier = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i < condition.size();) {
    const char c = condition[i];
    if (c == '"' || c == '\'') {
      size_t end = i + 1;
      while (end < condition.size() && condition[end] != c) end += condition[end] == '\\' ? 2 : 1;
      i = end + 1;
      continue;
    }
    if (!identifier(c)) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < condition.size() && identifier(condition[end])) ++end;
    const std::string_view word = condition.substr(i, end - i);
    if (word == "today" || word == "days_since" || word == "days_until" ||
        word == "days_until_birthday" || word.starts_with("expiring_")) {
      return true;
    }
    i = end;
  }
  return false;
}

}  // namespace

std::set<std::pair<std::string, std::string>> RuleSet::DateDependentRules() const {
  std::set<std::pair<std::string, std::string>> rules;
  auto add = [&](std::string section, const CompiledRule& rule, bool window = false) {
    if (window || ReadsToday(rule.condition_text)) rules.emplace(std::move(section), rule.id);
  };
  for (const Dimension& d : data_->dimensions) {
    for (const SegmentRule& rule : d.rules) add(StrCat("segmentation ", d.id), rule);
  }
  for (const Offer& offer : data_->offers) {
    add("offers", offer, offer.valid_from.known() || offer.valid_until.known());
  }
  for (const Improvement& improvement : data_->improvements) add("improvements", improvement);
  for (const InteractionRule& rule : data_->interaction_rules) add("interactions", rule);
  for (const EarningRule& rule : data_->earning_rules) add("loyalty earning", rule);
  for (const EarningRule& rule : data_->earning_bonuses) add("loyalty bonuses", rule);
  for (const EarningMultiplier& rule : data_->earning_multipliers) {
    add("loyalty multipliers", rule);
  }
  return rules;
}

std::vector<RuleSet::RuleInfo> RuleSet::Rules() const {
  std::vector<RuleInfo> rules;
  auto add = [&](std::string section, const CompiledRule& rule) {
    rules.push_back({std::move(section), rule.id, rule.file, rule.line});
  };
  for (const Dimension& d : data_->dimensions) {
    for (const SegmentRule& rule : d.rules) add(StrCat("segmentation ", d.id), rule);
  }
  for (const Offer& offer : data_->offers) add("offers", offer);
  for (const Improvement& improvement : data_->improvements) add("improvements", improvement);
  for (const InteractionRule& rule : data_->interaction_rules) add("interactions", rule);
  for (const EarningRule& rule : data_->earning_rules) add("loyalty earning", rule);
  if (data_->has_earning_default) add("loyalty earning", data_->earning_default);
  for (const EarningRule& rule : data_->earning_bonuses) add("loyalty bonuses", rule);
  for (const EarningMultiplier& rule : data_->earning_multipliers) {
    add("loyalty multipliers", rule);
  }
  for (const Tier& tier : data_->tiers) rules.push_back({"loyalty tiers", tier.name, "", 0});
  return rules;
}

}  // namespace clientele::rules
