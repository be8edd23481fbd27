// Evaluation of a compiled ruleset. The hot path (no explanation) touches
// only the compiled program and the caller's Decision buffers: no name
// lookups, no parsing, and no allocation once the Decision has grown.
#include "rules/ruleset.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <type_traits>

#include "absl/time/civil_time.h"
#include "common/strings.h"
#include "rules/diagnostic.h"
#include "rules/internal/ruleset_data.h"

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

// The index of the custom event's type, which RuleSet::Evaluate checked.
uint32_t EventTypeIndex(const RuleSetData& data, const CustomEvent& event) {
  for (uint32_t i = 0; i < data.event_types.size(); ++i) {
    if (data.event_types[i].name == event.type) return i;
  }
  return 0;
}

// INVALID_ARGUMENT unless `event` is of a declared type, with a value per
// attribute (MakeEvent builds such events).
absl::Status CheckEvent(const RuleSetData& data, const EvalInput& input) {
  const CustomEvent& event = *input.event;
  if (input.purchase != nullptr) {
    return absl::InvalidArgumentError(
        "a purchase and a custom event are evaluated separately, not together");
  }
  for (const EventType& type : data.event_types) {
    if (type.name != event.type) continue;
    if (event.values.size() == type.attributes.size()) return absl::OkStatus();
    return absl::InvalidArgumentError(StrCat("a ", type.name, " event has ", type.attributes.size(),
                                             " attributes, not ", event.values.size()));
  }
  std::vector<std::string> names;
  for (const EventType& type : data.event_types) names.push_back(type.name);
  return absl::InvalidArgumentError(
      StrCat("unknown event type '", event.type, "'", DidYouMeanSuffix(event.type, names),
             names.empty() ? " (the ruleset declares none)"
                           : StrCat(" (the ruleset declares: ", StrJoin(names, ", "), ")")));
}

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
    frame_.event = input.event;
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
    if (!data_.facts.empty()) LoadFacts(&scratch);
    frame_.slots = scratch.slots.data();
    for (uint32_t d : data_.dimension_order) {
      if (!Segment(d)) return false;
    }
    // A points-multiplier offer's value is the points it adds: the
    // purchase's points come first then (and so in an explanation).
    const bool ok = data_.has_points_offers ? EarningBeforeOffers() && Offers()
                                            : Offers() && EarningBeforeOffers();
    return ok && Events() && Loyalty() && Interaction() && Improvements() && Tasks() &&
           frame_.error == nullptr;
  }

  // The error of a failed careful run, naming the rule.
  absl::Status Failure() const;

 private:
  // Computes every windowed fact the rules read, as of `day`, into
  // `*facts` (capacity kept: no allocation once warm).
  const int64_t* ComputeFacts(Date day, std::vector<int64_t>* facts) {
    facts->resize(data_.facts.size());
    for (size_t i = 0; i < data_.facts.size(); ++i) {
      (*facts)[i] = FactValue(data_.facts[i], *input_.customer, input_.feedback, day);
    }
    return facts->data();
  }
  void LoadFacts(Decision::Scratch* scratch) {
    frame_.facts = ComputeFacts(input_.today, &scratch->facts);
  }

  // Earning rules see the event's own day as today() and as the last day
  // of their facts' windows: a purchase of Saturday recorded on Monday
  // earns by Saturday's rules and the history up to Saturday. Returns the
  // day to go back to (LeaveDay).
  struct Day {
    int32_t today;
    const int64_t* facts;
  };
  int32_t event_day_facts_day_ = INT32_MIN;  // the day event_day_facts hold, if any
  Day EnterDay(Date event_day) {
    const Day evaluation_day{frame_.today, frame_.facts};
    if (!event_day.known() || event_day.days() == frame_.today) return evaluation_day;
    frame_.today = event_day.days();
    if (!data_.facts.empty()) {
      std::vector<int64_t>& facts = decision_->scratch.event_day_facts;
      // Earning rules and bonuses both enter the day: computed once.
      frame_.facts =
          event_day_facts_day_ == event_day.days() ? facts.data() : ComputeFacts(event_day, &facts);
      event_day_facts_day_ = event_day.days();
    }
    return evaluation_day;
  }
  Day EnterPurchaseDay() { return EnterDay(input_.purchase->date); }
  void LeaveDay(Day day) {
    frame_.today = day.today;
    frame_.facts = day.facts;
  }

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

  [[gnu::always_inline]] bool Segment(uint32_t index) {
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

  // ---------------------------------------------------------------- offers
  // Where an offer stands while offers are chosen (Decision::Scratch).
  enum OfferState : uint8_t { kUnchecked, kCandidate, kIneligible, kGranted, kLost };

  // The amount offers' values are computed for: the purchase's, else the
  // basket's; null when neither was given.
  const Decimal* OfferAmount() const {
    if (input_.purchase != nullptr) return &input_.purchase->amount;
    return input_.basket_amount ? &*input_.basket_amount : nullptr;
  }

  Channel OfferChannel() const {
    return input_.purchase != nullptr ? input_.purchase->channel : input_.channel;
  }

  // Sets the explanation's note of offer i (its record, when explaining).
  void OfferNote(uint32_t i, std::string note) {
    if constexpr (kCareful) {
      if (explanation_ == nullptr || offer_records_[i] < 0) return;
      explanation_->rules[static_cast<size_t>(offer_records_[i])].note = std::move(note);
    }
  }

  // The note of offer i stopped by cap c, and which kind of cap that was.
  [[gnu::noinline]] void OfferCapNote(uint32_t i, uint32_t c) {
    if constexpr (kCareful) {
      if (explanation_ == nullptr || offer_records_[i] < 0) return;
      RuleExplanation& record = explanation_->rules[static_cast<size_t>(offer_records_[i])];
      record.note = StrCat("matched, but ", SpentCapNote(i, c));
      record.cap_reached = data_.offer_caps[c].cap.scope == OfferCap::Scope::kCustomer
                               ? RuleExplanation::CapReached::kCustomerLimit
                               : RuleExplanation::CapReached::kBudget;
    }
  }

  void RememberOfferRecord(uint32_t i) {
    if constexpr (kCareful) {
      if (explanation_ != nullptr) {
        offer_records_[i] = static_cast<int32_t>(explanation_->rules.size()) - 1;
      }
    }
  }

  // Whether the evaluation's day and time fall in the offer's window; when
  // not, explains why.
  [[gnu::noinline]] bool InOfferWindow(uint32_t i) {
    const Offer& offer = data_.offers[i];
    // A purchase's offers are those of its own day (as its earning rules).
    const Date today = input_.purchase != nullptr && input_.purchase->date.known()
                           ? input_.purchase->date
                           : input_.today;
    if ((offer.valid_from.known() && today < offer.valid_from) ||
        (offer.valid_until.known() && offer.valid_until < today)) {
      Skipped(offer, Section{"offers"}, [&] {
        return StrCat("outside its window: not valid today (", today.ToString(), "): valid ",
                      offer.valid_from.known() ? offer.valid_from.ToString() : "…", " to ",
                      offer.valid_until.known() ? offer.valid_until.ToString() : "…");
      });
      return false;
    }
    if (!offer.days.Contains(today)) {
      Skipped(offer, Section{"offers"}, [&] {
        return StrCat("outside its window: today (", today.ToString(), ") is a ",
                      Weekdays{static_cast<uint8_t>(1u << today.Weekday())}.ToString(),
                      "; valid on ", offer.days.ToString());
      });
      return false;
    }
    if (offer.hours.empty()) return true;
    for (const HoursOfDay& hours : offer.hours) {
      if (input_.minute >= 0 && hours.Contains(input_.minute)) return true;
    }
    Skipped(offer, Section{"offers"}, [&] {
      std::vector<std::string> ranges;
      for (const HoursOfDay& hours : offer.hours) ranges.push_back(hours.ToString());
      return input_.minute < 0
                 ? StrCat("outside its window: the time of day is not known; valid ",
                          StrJoin(ranges, ", "), " (", data_.time_zone_name, ")")
                 : StrCat("outside its window: the time is ", TimeOfDayString(input_.minute),
                          "; valid ", StrJoin(ranges, ", "), " (", data_.time_zone_name, ")");
    });
    return false;
  }

  // A number of an offer's value (a Program node) as a Decimal.
  Decimal OfferNumber(uint32_t node, const Offer& offer) {
    return Decimal::FromUnits(Number(node, offer));
  }

  // `number` when it is more than 0; else the runtime error that says
  // `key` must be (formulas are checked here, constants at load).
  Decimal Positive(Decimal number, const char* key) {
    if (frame_.error == nullptr && number <= Decimal()) {
      frame_.error = key == std::string_view("every")        ? "an offer's every must be more than 0"
                     : key == std::string_view("max_off")    ? "an offer's max_off must be more than 0"
                                                             : "an offer's amount_off must be more than 0";
    }
    return number;
  }

  // Offer i's value for the amount evaluated (Decision::Scratch::
  // offer_value), and whether it is known. *below_minimum when the amount
  // does not reach the offer's minimum. False on a runtime error.
  [[gnu::noinline]] bool ComputeOfferValue(uint32_t i, bool* below_minimum, bool* known) {
    const Offer& offer = data_.offers[i];
    const OfferValueTerms& terms = offer.value;
    const Decimal* amount = OfferAmount();
    constexpr uint32_t kNone = OfferValueTerms::kNoNode;
    *below_minimum = false;
    *known = true;
    int64_t& out = decision_->scratch.offer_value[i];
    out = 0;
    if (terms.min_amount != kNone && amount != nullptr) {
      const Decimal minimum = OfferNumber(terms.min_amount, offer);
      if (frame_.error == nullptr && minimum < Decimal()) {
        frame_.error = "an offer's min_amount must not be below 0";
      }
      if (frame_.error != nullptr) {
        failed_rule_ = &offer;
        return false;
      }
      if (*amount < minimum) {
        *below_minimum = true;
        return true;
      }
    }
    Decimal value;
    switch (terms.kind) {
      case OfferValueTerms::Kind::kNone:
        return true;
      case OfferValueTerms::Kind::kFreeItem:
        if (terms.amount != kNone) value = OfferNumber(terms.amount, offer);
        break;
      case OfferValueTerms::Kind::kAmountOff:
        value = Positive(OfferNumber(terms.amount, offer), "amount_off");
        if (terms.every != kNone && amount != nullptr && frame_.error == nullptr) {
          const Decimal every = Positive(OfferNumber(terms.every, offer), "every");
          // Whole times, exactly: both in units of the same scale (a
          // Decimal division would round 199.99 / 200 up to 1).
          const Decimal times =
              Decimal::FromInteger(every.units() > 0 ? amount->units() / every.units() : 0);
          if (frame_.error == nullptr && !Decimal::Multiply(value, times, &value)) {
            frame_.error = "an offer's value is too large";
          }
        }
        break;
      case OfferValueTerms::Kind::kPercentOff: {
        const Decimal percent = OfferNumber(terms.amount, offer);
        if (frame_.error == nullptr && (percent <= Decimal() || Decimal::FromInteger(100) < percent)) {
          frame_.error = "an offer's percent_off must be more than 0 and at most 100";
        }
        if (amount == nullptr) {
          *known = terms.max_off != kNone;
          if (*known) value = OfferNumber(terms.max_off, offer);
          break;
        }
        if (frame_.error == nullptr &&
            (!Decimal::Multiply(*amount, percent, &value) ||
             !Decimal::Divide(value, Decimal::FromInteger(100), &value) ||
             !Decimal::Round(value, 2, &value))) {
          frame_.error = "an offer's value is too large";
        }
        break;
      }
      case OfferValueTerms::Kind::kPointsMultiplier: {
        const Decimal factor = OfferNumber(terms.amount, offer);
        if (frame_.error == nullptr && factor <= Decimal::FromInteger(1)) {
          frame_.error = "a points multiplier offer's factor must be more than 1";
        }
        if (!earning_started_) {
          *known = false;
          break;
        }
        Decimal with_offer;
        Decimal without_offer;
        if (frame_.error == nullptr &&
            (!Decimal::Multiply(points_before_offers_, factor, &with_offer) ||
             !Decimal::Floor(with_offer, &with_offer) ||
             !Decimal::Floor(points_before_offers_, &without_offer) ||
             !Decimal::Subtract(with_offer, without_offer, &value))) {
          frame_.error = "the points are too large";
        }
        break;
      }
    }
    if (frame_.error != nullptr) {
      failed_rule_ = &offer;
      return false;
    }
    if (terms.max_off != kNone) {
      value = std::min(value, Positive(OfferNumber(terms.max_off, offer), "max_off"));
    }
    if (frame_.error == nullptr && value < Decimal()) {
      frame_.error = "an offer's value must not be below 0";
    }
    if (frame_.error != nullptr) {
      failed_rule_ = &offer;
      return false;
    }
    // Money off never exceeds what is paid.
    if (amount != nullptr && offer.value.unit() == OfferValueUnit::kMoney &&
        terms.kind != OfferValueTerms::Kind::kFreeItem) {
      value = std::min(value, *amount);
    }
    out = value.units();
    return frame_.error == nullptr;
  }

  // The first of offer i's limits and budgets that is used up, or -1.
  [[gnu::noinline]] int64_t SpentCap(uint32_t i, bool value_known) const {
    const Offer& offer = data_.offers[i];
    const Channel channel = OfferChannel();
    const int64_t value = decision_->scratch.offer_value[i];
    for (uint32_t c = offer.first_cap; c < offer.first_cap + offer.cap_count; ++c) {
      const OfferCap& cap = data_.offer_caps[c].cap;
      if (cap.channel != Channel::kUnknown && cap.channel != channel) continue;
      const int64_t used = c < input_.offer_usage.size() ? input_.offer_usage[c] : 0;
      int64_t after = used;
      if (cap.measure == OfferCap::Measure::kRedemptions) {
        after = used >= INT64_MAX ? INT64_MAX : used + 1;
      } else if (value_known && value > 0 && __builtin_add_overflow(used, value, &after)) {
        after = INT64_MAX;
      } else if (!value_known || value == 0) {
        after = used >= INT64_MAX ? INT64_MAX : used + 1;  // something must be left
      }
      if (after > cap.limit) return static_cast<int64_t>(c);
    }
    return -1;
  }

  [[gnu::noinline]] std::string SpentCapNote(uint32_t i, uint32_t c) const {
    const OfferCap& cap = data_.offer_caps[c].cap;
    const int64_t used = c < input_.offer_usage.size() ? input_.offer_usage[c] : 0;
    const std::string used_text = cap.measure == OfferCap::Measure::kRedemptions
                                      ? StrCat(used)
                                      : Decimal::FromUnits(used).ToString();
    std::string note = StrCat(cap.scope == OfferCap::Scope::kCustomer ? "customer limit reached: "
                                                                     : "budget spent: ",
                              cap.Describe(), ", ", used_text, " used");
    if (cap.period != CapPeriod::kTotal) {
      StrAppend(&note, " since ", PeriodStart(cap.period, input_.today).ToString());
    }
    if (cap.measure == OfferCap::Measure::kValue) {
      StrAppend(&note, "; this one is worth ",
                Decimal::FromUnits(decision_->scratch.offer_value[i]).ToString());
    }
    return note;
  }

  // Decides whether offer i can be given, stacking apart: its window, its
  // condition, the amount's minimum, its limits and budget. False on a
  // runtime error.
  [[gnu::always_inline]] bool CheckOffer(uint32_t i) {
    const Offer& offer = data_.offers[i];
    if (offer.has_calendar || offer.has_terms) return CheckOfferTerms(i);
    // The seed's kind of offer: its condition alone decides.
    bool matched;
    if (!Matches(offer, Section{"offers"}, &matched)) return false;
    RememberOfferRecord(i);
    // Its value (none) is not read: Grant and the notes look at has_terms.
    decision_->scratch.offer_state[i] = matched ? kCandidate : kIneligible;
    return true;
  }

  [[gnu::noinline]] bool CheckOfferTerms(uint32_t i) {
    uint8_t& state = decision_->scratch.offer_state[i];
    const Offer& offer = data_.offers[i];
    state = kIneligible;
    if (offer.has_calendar && !InOfferWindow(i)) {
      RememberOfferRecord(i);
      return true;
    }
    bool matched;
    if (!Matches(offer, Section{"offers"}, &matched)) return false;
    RememberOfferRecord(i);
    if (!matched) return true;
    bool below_minimum = false;
    bool known = true;
    if (!ComputeOfferValue(i, &below_minimum, &known)) return false;
    decision_->scratch.offer_value_known[i] = known;
    if (below_minimum) {
      OfferNote(i, StrCat("matched, but the amount ", OfferAmount()->ToString(),
                          " is below the offer's minimum of ",
                          OfferNumber(offer.value.min_amount, offer).ToString()));
      return true;
    }
    if (offer.cap_count > 0) {
      const int64_t spent = SpentCap(i, known);
      if (spent >= 0) {
        OfferCapNote(i, static_cast<uint32_t>(spent));
        return true;
      }
    }
    state = kCandidate;
    return true;
  }

  // Offer i's value as its check left it, in Decimal units (0 for an
  // offer without terms, whose check writes none).
  int64_t ValueOf(uint32_t i) const {
    return data_.offers[i].has_terms ? decision_->scratch.offer_value[i] : 0;
  }

  // Each best-value group's choice among its candidates: the highest
  // value, the first of equal ones.
  [[gnu::noinline]] void PickBestInGroups() {
    Decision::Scratch& scratch = decision_->scratch;
    for (uint32_t i = 0; i < data_.offers.size(); ++i) {
      const int32_t group = data_.offers[i].group;
      if (group < 0 || !data_.offer_groups[group].best_value) continue;
      if (scratch.offer_state[i] != kCandidate) continue;
      int32_t& pick = scratch.group_pick[group];
      if (pick < 0 || ValueOf(static_cast<uint32_t>(pick)) < ValueOf(i)) {
        pick = static_cast<int32_t>(i);
      }
    }
  }

  // The offer that keeps candidate i out, and why; -1 when none does.
  int32_t Rival(uint32_t i, int32_t exclusive_given, OfferLoss::Why* why) {
    Decision::Scratch& scratch = decision_->scratch;
    const Offer& offer = data_.offers[i];
    if (exclusive_given >= 0) {
      *why = OfferLoss::Why::kExclusive;
      return exclusive_given;
    }
    if (offer.group >= 0) {
      int32_t& pick = scratch.group_pick[offer.group];
      if (pick < 0) pick = static_cast<int32_t>(i);  // a first-in-order group
      if (pick != static_cast<int32_t>(i)) {
        *why = OfferLoss::Why::kGroup;
        return pick;
      }
    }
    for (uint32_t other : offer.excludes) {
      // Only an earlier offer can have been given (a later one's state may
      // be a previous evaluation's).
      if (other < i && scratch.offer_state[other] == kGranted) {
        *why = OfferLoss::Why::kExclusion;
        return static_cast<int32_t>(other);
      }
    }
    if (offer.exclusive && !decision_->offers.empty()) {
      *why = OfferLoss::Why::kExclusive;
      return first_granted_;
    }
    return -1;
  }

  [[gnu::noinline]] std::string LossNote(uint32_t i, uint32_t rival, OfferLoss::Why why) const {
    const Offer& offer = data_.offers[i];
    const Offer& other = data_.offers[rival];
    switch (why) {
      case OfferLoss::Why::kGroup: {
        const OfferGroup& group = data_.offer_groups[offer.group];
        if (!group.best_value) {
          return StrCat("matched, but lost to '", other.id, "', which comes first in group '",
                        group.id, "'");
        }
        return StrCat("matched, but lost to '", other.id, "' in group '", group.id, "', which is ",
                      ValueOf(rival) == ValueOf(i) ? "worth as much and comes first ("
                                                   : "worth more (",
                      Decimal::FromUnits(ValueOf(rival)).ToString(), " against ",
                      Decimal::FromUnits(ValueOf(i)).ToString(), ")");
      }
      case OfferLoss::Why::kExclusion:
        return StrCat("matched, but lost to '", other.id,
                      "', given before it, which it does not combine with (excludes)");
      case OfferLoss::Why::kExclusive:
        if (offer.exclusive && !other.exclusive) {
          return StrCat("matched, but lost to '", other.id,
                        "', given before it: this exclusive offer cannot combine with it");
        }
        return StrCat("matched, but lost to the exclusive offer '", other.id,
                      "', given before it");
    }
    return "";
  }

  [[gnu::noinline]] std::string GrantNote(uint32_t i) const {
    const Offer& offer = data_.offers[i];
    const Decimal value = Decimal::FromUnits(decision_->scratch.offer_value[i]);
    switch (offer.value.unit()) {
      case OfferValueUnit::kNone: return "";
      case OfferValueUnit::kPoints:
        return decision_->scratch.offer_value_known[i] ? StrCat("given, worth ", value.ToString(), " points")
                               : "given (its points show with a purchase)";
      case OfferValueUnit::kMoney:
        return decision_->scratch.offer_value_known[i] ? StrCat("given, worth ", value.ToString())
                               : "given (its worth shows with an amount)";
    }
    return "given";
  }

  void Grant(uint32_t i) {
    const Offer& offer = data_.offers[i];
    decision_->scratch.offer_state[i] = kGranted;
    if (decision_->offers.empty()) first_granted_ = static_cast<int32_t>(i);
    // One aggregate, written once (emplace_back() would zero it first).
    decision_->offers.push_back(OfferGrant{
        .offer = offer.name,
        .rule_id = offer.id,
        .priority = offer.priority,
        .exclusive = offer.exclusive,
        .unit = offer.value.unit(),
        .value_known = !offer.has_terms || decision_->scratch.offer_value_known[i] != 0,
        .value = Decimal::FromUnits(ValueOf(i)),
        .group = offer.group >= 0 ? std::string_view(data_.offer_groups[offer.group].id)
                                  : std::string_view(),
        .free_item = offer.value.free_item});
    if (kCareful && offer.value.kind != OfferValueTerms::Kind::kNone) OfferNote(i, GrantNote(i));
  }

  // Chooses the offers (docs/rules.md "Stacking"): every offer that its
  // window, condition, minimum, limits and budget allow is a candidate;
  // each stacking group keeps one; then, in offer order, an offer is given
  // unless an exclusive offer was, or one given excludes it, or it is
  // exclusive and another was given.
  // Offers() for offers without values, minimums, caps, groups or
  // exclusions (the seed's kind): the same outcome without the scratch
  // state the general case keeps.
  bool PlainOffers() {
    int32_t exclusive_given = -1;
    for (uint32_t i = 0; i < data_.offers.size(); ++i) {
      const Offer& offer = data_.offers[i];
      if (offer.has_calendar && !InOfferWindow(i)) continue;
      bool matched;
      if (!Matches(offer, Section{"offers"}, &matched)) return false;
      RememberOfferRecord(i);
      if (!matched) continue;
      const int32_t rival = exclusive_given >= 0                              ? exclusive_given
                            : offer.exclusive && !decision_->offers.empty() ? first_granted_
                                                                             : -1;
      if (rival >= 0) {
        decision_->offers_lost.push_back(
            {offer.name, offer.id, data_.offers[rival].id, OfferLoss::Why::kExclusive});
        if (kCareful) OfferNote(i, LossNote(i, static_cast<uint32_t>(rival), OfferLoss::Why::kExclusive));
        continue;
      }
      if (decision_->offers.empty()) first_granted_ = static_cast<int32_t>(i);
      decision_->offers.push_back(OfferGrant{.offer = offer.name,
                                             .rule_id = offer.id,
                                             .priority = offer.priority,
                                             .exclusive = offer.exclusive});
      if (offer.exclusive) exclusive_given = static_cast<int32_t>(i);
    }
    return true;
  }

  bool Offers() {
    const size_t n = data_.offers.size();
    if (n == 0) return true;
    if (kCareful && explanation_ != nullptr) offer_records_.assign(n, -1);
    if (data_.offers_plain) return PlainOffers();
    Decision::Scratch& scratch = decision_->scratch;
    // Every offer's state and value is written before it is read (in
    // offer order), so the buffers need no clearing.
    if (scratch.offer_state.size() != n) {
      scratch.offer_state.assign(n, kUnchecked);
      scratch.offer_value.assign(n, 0);
      scratch.offer_value_known.assign(n, true);
    }
    if (!data_.offer_groups.empty()) scratch.group_pick.assign(data_.offer_groups.size(), -1);
    // A best-value group can choose only once all its offers are checked;
    // without one, an offer's fate depends only on those before it, and
    // one pass does.
    const bool two_passes = data_.has_best_value_groups;
    if (two_passes) {
      for (uint32_t i = 0; i < n; ++i) {
        if (!CheckOffer(i)) return false;
      }
      PickBestInGroups();
    }
    int32_t exclusive_given = -1;
    for (uint32_t i = 0; i < n; ++i) {
      if (!two_passes && !CheckOffer(i)) return false;
      if (scratch.offer_state[i] != kCandidate) continue;
      OfferLoss::Why why = OfferLoss::Why::kGroup;
      const int32_t rival = Rival(i, exclusive_given, &why);
      if (rival >= 0) {
        scratch.offer_state[i] = kLost;
        const Offer& offer = data_.offers[i];
        decision_->offers_lost.push_back({offer.name, offer.id, data_.offers[rival].id, why});
        if (kCareful) OfferNote(i, LossNote(i, static_cast<uint32_t>(rival), why));
        continue;
      }
      Grant(i);
      if (data_.offers[i].exclusive) exclusive_given = static_cast<int32_t>(i);
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

  // The first part of a purchase's points, before offers (which may
  // multiply it): the earning rule's, times the multipliers. Offers read
  // it for the value of a points multiplier. False on a runtime error.
  [[gnu::always_inline]] bool EarningBeforeOffers() {
    if (input_.purchase == nullptr || !data_.has_loyalty) return true;
    const Day evaluation_day = EnterPurchaseDay();
    const EarningRule* winner = nullptr;
    if (!EarningWinner(&winner)) return false;
    if (winner == nullptr && data_.has_earning_default) winner = &data_.earning_default;
    LoyaltyOutcome& loyalty = decision_->loyalty;
    loyalty.applied = true;
    if (winner != nullptr) {
      loyalty.rule_id = winner->id;
      base_points_ = Number(winner->points, *winner) / Decimal::kScale;
      if (frame_.error != nullptr) return false;
      if (data_.has_earning_extras()) {
        loyalty.contributions.push_back({PointsContribution::Kind::kBase, winner->id,
                                         Decimal::FromInteger(base_points_), true});
      }
    }
    if (data_.has_earning_extras()) {
      Decimal factor;
      if (!Multiplier(&factor)) return false;
      if (!Decimal::Multiply(Decimal::FromInteger(base_points_), factor,
                             &points_before_offers_)) {
        frame_.error = "the points are too large";
        return false;
      }
    }
    LeaveDay(evaluation_day);
    earning_started_ = true;
    return true;
  }

  // The points of the purchase: EarningBeforeOffers' times the points
  // offers given, plus every bonus, within the cap. False on a runtime
  // error.
  bool EarnedPoints(int64_t* earned) {
    LoyaltyOutcome& loyalty = decision_->loyalty;
    if (!data_.has_earning_extras()) {
      *earned = base_points_;
      return true;
    }
    Decimal total = points_before_offers_;
    for (size_t i = 0; data_.has_points_offers && i < data_.offers.size(); ++i) {
      const Offer& offer = data_.offers[i];
      if (decision_->scratch.offer_state[i] != kGranted ||
          offer.value.unit() != OfferValueUnit::kPoints) {
        continue;
      }
      const Decimal factor = OfferNumber(offer.value.amount, offer);
      if (frame_.error != nullptr || !Decimal::Multiply(total, factor, &total)) {
        if (frame_.error == nullptr) frame_.error = "the points are too large";
        return false;
      }
      loyalty.contributions.push_back({PointsContribution::Kind::kOffer, offer.id, factor, true});
    }
    if (!Decimal::Floor(total, &total)) {
      frame_.error = "the points are too large";
      return false;
    }
    int64_t points = total.IntegerPart();
    const Day evaluation_day = EnterPurchaseDay();
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
    LeaveDay(evaluation_day);
    if (data_.max_points_per_purchase > 0 && points > data_.max_points_per_purchase) {
      points = data_.max_points_per_purchase;
      loyalty.contributions.push_back(
          {PointsContribution::Kind::kCap, "", Decimal::FromInteger(points), true});
    }
    *earned = points;
    return true;
  }

  [[gnu::always_inline]] bool Loyalty() {
    const int64_t before = input_.customer->points;
    // The custom event's points for the customer count toward the tier.
    int64_t after = input_.event != nullptr ? decision_->event.points_after : before;
    if (earning_started_) {
      LoyaltyOutcome& loyalty = decision_->loyalty;
      loyalty.points_before = before;
      int64_t earned = 0;
      if (!EarnedPoints(&earned)) return false;
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

  // The points of the custom event: every earning rule on its type whose
  // condition holds, each within its limit.
  bool Events() {
    if (input_.event == nullptr) return true;
    EventOutcome& outcome = decision_->event;
    outcome.applied = true;
    outcome.points_before = input_.customer->points;
    const uint32_t type = EventTypeIndex(data_, *input_.event);
    outcome.type = data_.event_types[type].name;
    const Day evaluation_day = EnterDay(input_.event->day);
    for (size_t i = 0; i < data_.event_rules.size(); ++i) {
      const EventEarningRule& rule = data_.event_rules[i];
      if (rule.type != type) continue;
      bool matched;
      if (!Matches(rule, Section{"event earning"}, &matched)) return false;
      if (!matched) continue;
      const int64_t points = Number(rule.points, rule) / Decimal::kScale;
      if (frame_.error != nullptr) return false;
      if (points < 0) {
        frame_.error = "an event earning rule's points must not be negative";
        frame_.error_node = rule.points;
        return false;
      }
      EventCredit& credit = outcome.credits.emplace_back();
      credit.rule_id = rule.id;
      credit.rule_points = points;
      credit.limit = rule.limit;
      if (i < input_.event_usage.size()) credit.used_before = input_.event_usage[i];
      credit.points = WithinLimit(rule.limit, credit.used_before, points);
      credit.limited = credit.points < points;
      if (kCareful && explanation_ != nullptr && rule.limit.any()) Note(LimitNote(credit).c_str());
      if (rule.to_attribute >= 0) {
        credit.to_customer = input_.event->values[rule.to_attribute].text;
        credit.to_attribute = data_.event_types[type].attributes[rule.to_attribute].name;
      } else if (__builtin_add_overflow(outcome.points_to_customer, credit.points,
                                        &outcome.points_to_customer)) {
        frame_.error = "the points are too large";
        return false;
      }
    }
    LeaveDay(evaluation_day);
    if (__builtin_add_overflow(outcome.points_before, outcome.points_to_customer,
                               &outcome.points_after)) {
      frame_.error = "the points balance would be too large";
      return false;
    }
    return true;
  }

  // What `points` come to within `limit`, `used` of it already.
  static int64_t WithinLimit(const EventLimit& limit, const EventRuleUsage& used, int64_t points) {
    if (limit.times > 0 && used.times >= limit.times) return 0;
    if (limit.points > 0) return std::clamp<int64_t>(limit.points - used.points, 0, points);
    return points;
  }

  // How much of its limit a credit found used, and what that left it
  // (explaining only).
  static std::string LimitNote(const EventCredit& credit) {
    const EventLimit& limit = credit.limit;
    const std::string period =
        limit.period == CapPeriod::kTotal ? "" : StrCat(" this ", CapPeriodName(limit.period));
    std::string used = StrCat(credit.used_before.times,
                              credit.used_before.times == 1 ? " event" : " events", " earned");
    if (limit.points > 0) StrAppend(&used, " ", credit.used_before.points, " points");
    const std::string outcome =
        !credit.limited      ? StrCat("it earns its ", credit.points)
        : credit.points == 0 ? StrCat("reached: it earns 0 of ", credit.rule_points)
                             : StrCat("it earns ", credit.points, " of ", credit.rule_points);
    return StrCat("limit ", limit.Describe(), ": ", used, period, " before this one; ", outcome);
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

  // Every task rule whose condition holds proposes its task.
  bool Tasks() {
    for (const TaskRule& rule : data_.task_rules) {
      bool matched;
      if (!Matches(rule, Section{"tasks"}, &matched)) return false;
      if (matched) decision_->tasks.push_back(rule.proposal);
    }
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
  // The purchase's points as EarningBeforeOffers left them.
  bool earning_started_ = false;
  int64_t base_points_ = 0;
  Decimal points_before_offers_;
  int32_t first_granted_ = -1;            // the first offer given
  // Explaining: each offer's record, -1 none (nothing on the hot path).
  struct NoRecords {
    void assign(size_t, int32_t) {}
    int32_t operator[](size_t) const { return -1; }
  };
  std::conditional_t<kCareful, std::vector<int32_t>, NoRecords> offer_records_;
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
  for (const Offer& offer : data.offers) {
    add_rule(offer, &work.always);
    const OfferValueTerms& terms = offer.value;
    for (uint32_t node : {terms.amount, terms.max_off, terms.min_amount, terms.every}) {
      if (node != OfferValueTerms::kNoNode) add_node(node, &work.always);
    }
    // One per limit or budget checked and per exclusion, one for a value.
    work.always.AddFixed(offer.cap_count + offer.excludes.size() +
                         (terms.kind == OfferValueTerms::Kind::kNone ? 0 : 1));
  }
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
  for (const TaskRule& rule : data.task_rules) add_rule(rule, &work.always);
  for (const EventEarningRule& rule : data.event_rules) {
    add_rule(rule, &work.event);
    add_node(rule.points, &work.event);
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
  if (input.event != nullptr) {
    uint64_t& longest = lengths[static_cast<size_t>(TextSource::kEventText)];
    for (const EventValue& value : input.event->values) {
      longest = std::max<uint64_t>(longest, value.text.size());
    }
  }
  for (size_t i = 0; i < std::size(program_internal::kStringMembers); ++i) {
    const auto source = static_cast<uint32_t>(TextSource::kCustomerString0) + i;
    lengths[source] = (input.customer->*program_internal::kStringMembers[i]).size();
  }
}

// What the texts are called in a refusal.
const char* TextSourceName(size_t source) {
  static constexpr const char* kNames[] = {
      "the interaction text",      "the feedback text",       "the feedback's product",
      "the purchase's product",    "the purchase's category", "the event's longest text",
      "the customer id",           "the customer's name",     "the customer's gender",
      "the customer's occupation", "the customer's tier",     "the customer's previous tier"};
  static_assert(std::size(kNames) == program_internal::kTextSourceCount);
  return kNames[source];
}

// The days and figures of history an evaluation of `input` has.
size_t HistoryRows(const EvalInput& input) {
  return input.customer->history.size() +
         (input.feedback != nullptr ? input.feedback->product_history.size() : 0);
}

// The work of the facts: each looks at every day of the history once.
uint64_t HistoryWork(const RuleSetData& data, const EvalInput& input) {
  return data.facts.size() * (1 + HistoryRows(input));
}

// The bound of the parts of an evaluation that `input` calls for.
program_internal::WorkBound WorkFor(const RuleSetData& data, const EvalInput& input) {
  const RuleSetData::Work& work = data.work;
  program_internal::WorkBound bound = work.always;
  bound.AddFixed(HistoryWork(data, input));
  // Product facts with phrases search the feedback's text for each.
  if (input.feedback != nullptr) {
    for (const FactRequest& fact : data.facts) {
      bound.scans[static_cast<size_t>(program_internal::TextSource::kFeedback)] +=
          fact.words.size();
    }
  }
  if (input.purchase != nullptr) bound.Add(work.purchase);
  if (input.interaction != nullptr) bound.Add(work.interaction);
  if (input.feedback != nullptr) bound.Add(work.feedback);
  if (input.event != nullptr) bound.Add(work.event);
  return bound;
}

// RESOURCE_EXHAUSTED for an evaluation whose bound is over its limit,
// naming the text that costs the most when a text is to blame.
absl::Status CheckWork(const RuleSetData& data, const EvalInput& input) {
  uint64_t lengths[program_internal::kTextSourceCount];
  TextLengths(input, lengths);
  program_internal::WorkBound bound = WorkFor(data, input);
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
  const uint64_t history_units = HistoryWork(data, input);
  std::string blame = history_units > costliest_units && history_units * 2 > total
                          ? StrCat("; most of it is reading the history (", HistoryRows(input),
                                   " days and figures) for ", data.facts.size(), " facts over time")
                      : costliest_units > bound.fixed
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
  return WorkFor(*data_, input).For(lengths);
}

uint64_t RuleSet::work_limit() const { return data_->work_limit; }

const PointsPolicy& RuleSet::points_policy() const { return data_->points_policy; }
std::optional<Decimal> RuleSet::point_value() const { return data_->point_value; }

const TierPolicy& RuleSet::tier_policy() const { return data_->tier_policy; }

bool RuleSet::TiersChangeOverTime() const {
  if (data_->tiers.empty()) return false;
  const TierPolicy& policy = data_->tier_policy;
  const bool points_expire = data_->points_policy.expiry.kind != PointsExpiry::Kind::kNever;
  return policy.window != TierPolicy::Window::kNone || !policy.FollowsFigure() ||
         (policy.figure == TierPolicy::Figure::kBalance && points_expire);
}

bool RuleSet::ReadsPurchaseCategory() const { return data_->reads_purchase_category; }

const std::vector<FactRequest>& RuleSet::Facts() const { return data_->facts; }

int32_t RuleSet::HistoryDays() const { return data_->history_days; }

const RfmModel* RuleSet::Rfm() const { return data_->rfm ? &*data_->rfm : nullptr; }

int32_t RuleSet::ProductHistoryDays() const { return data_->product_history_days; }

const std::vector<EventType>& RuleSet::EventTypes() const { return data_->event_types; }

const EventType* RuleSet::FindEventType(std::string_view name) const {
  for (const EventType& type : data_->event_types) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

const std::vector<EventEarningTerms>& RuleSet::EventEarningRules() const {
  return data_->event_terms;
}

bool RuleSet::HasTaskRules() const { return !data_->task_rules.empty(); }

bool RuleSet::ReadsLastEvents() const {
  return std::any_of(data_->facts.begin(), data_->facts.end(), [](const FactRequest& fact) {
    return fact.kind == FactKind::kDaysSinceLastEvent;
  });
}

const std::vector<NumberedCap>& RuleSet::OfferCaps() const { return data_->offer_caps; }

std::vector<RuleSet::OfferTerms> RuleSet::OfferTermsList() const {
  std::vector<OfferTerms> list;
  for (const Offer& offer : data_->offers) {
    OfferTerms& terms = list.emplace_back();
    terms.id = offer.id;
    terms.offer = offer.name;
    terms.valid_from = offer.valid_from;
    terms.valid_until = offer.valid_until;
    terms.days = offer.days;
    terms.hours = offer.hours;
    terms.exclusive = offer.exclusive;
    terms.unit = offer.value.unit();
    if (offer.group >= 0) {
      terms.group = data_->offer_groups[offer.group].id;
      terms.group_best_value = data_->offer_groups[offer.group].best_value;
    }
    for (uint32_t other : offer.excludes) terms.excludes.push_back(data_->offers[other].id);
    for (uint32_t c = offer.first_cap; c < offer.first_cap + offer.cap_count; ++c) {
      terms.caps.push_back(data_->offer_caps[c].cap);
    }
  }
  return list;
}

const std::string& RuleSet::time_zone_name() const { return data_->time_zone_name; }

RuleSet::LocalTime RuleSet::LocalTimeAt(absl::Time instant) const {
  const absl::CivilSecond local = data_->time_zone.At(instant).cs;
  return {Date::At(instant, data_->time_zone),
          static_cast<int32_t>(local.hour() * 60 + local.minute())};
}

RuleSet::~RuleSet() = default;

const std::string& RuleSet::version() const { return data_->version; }
const std::vector<RuleSource>& RuleSet::sources() const { return data_->sources; }

absl::Status RuleSet::Evaluate(const EvalInput& input, Decision* decision,
                               Explanation* explanation) const {
  if (input.customer == nullptr) return absl::InvalidArgumentError("no customer to evaluate");
  if (!input.today.known()) return absl::InvalidArgumentError("the evaluation date is unknown");
  if (input.event != nullptr) {
    if (absl::Status s = CheckEvent(*data_, input); !s.ok()) return s;
  }
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
  s.event_types = data_->event_types.size();
  s.event_rules = data_->event_rules.size();
  s.task_rules = data_->task_rules.size();
  s.tiers = data_->tiers.size();
  s.parameters = data_->parameters.size();
  program_internal::WorkBound all = data_->work.always;
  all.Add(data_->work.purchase);
  all.Add(data_->work.interaction);
  all.Add(data_->work.feedback);
  all.Add(data_->work.event);
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
  for (const TaskRule& rule : data_->task_rules) {
    add(&names.tasks, rule.task);
    add(&names.tasks, rule.id);
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
// reads points expiring within days of it (points.expiring_30d), or a fact
// over a window of days up to it (purchases_in_last(30)).
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
        word == "days_until_birthday" || word.starts_with("expiring_") || word == "rfm") {
      return true;
    }
    for (const FactFunction& fact : FactFunctions()) {
      if (word == fact.name) return true;
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
    add("offers", offer, offer.HasCalendar() || offer.cap_count > 0);
  }
  for (const Improvement& improvement : data_->improvements) add("improvements", improvement);
  for (const InteractionRule& rule : data_->interaction_rules) add("interactions", rule);
  for (const EarningRule& rule : data_->earning_rules) add("loyalty earning", rule);
  for (const EarningRule& rule : data_->earning_bonuses) add("loyalty bonuses", rule);
  for (const EarningMultiplier& rule : data_->earning_multipliers) {
    add("loyalty multipliers", rule);
  }
  for (const EventEarningRule& rule : data_->event_rules) {
    add("event earning", rule, rule.limit.any() && rule.limit.period != CapPeriod::kTotal);
  }
  for (const TaskRule& rule : data_->task_rules) add("tasks", rule);
  return rules;
}

std::map<std::string, std::vector<std::string>, std::less<>> RuleSet::ParameterReaders() const {
  const std::vector<RuleInfo> rules = Rules();
  // The rule a read belongs to: the one of its file that starts last at or
  // before the read's line (a rule's expressions are in its own mapping).
  auto rule_of = [&](const ParameterRead& read) -> std::optional<size_t> {
    std::optional<size_t> found;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].file != read.file || rules[i].line > read.line) continue;
      if (!found || rules[*found].line < rules[i].line) found = i;
    }
    return found;
  };
  std::map<std::string, std::set<size_t>, std::less<>> by_rule;
  std::map<std::string, std::set<std::string>, std::less<>> elsewhere;
  for (const ParameterRead& read : data_->parameter_reads) {
    if (std::optional<size_t> rule = rule_of(read)) {
      by_rule[read.parameter].insert(*rule);
    } else {
      elsewhere[read.parameter].insert(StrCat(read.file, ":", read.line));
    }
  }
  std::map<std::string, std::vector<std::string>, std::less<>> readers;
  for (const auto& [parameter, indices] : by_rule) {
    for (size_t i : indices)
      readers[parameter].push_back(StrCat(rules[i].section, " ", rules[i].id));
  }
  for (const auto& [parameter, places] : elsewhere) {
    for (const std::string& place : places) readers[parameter].push_back(place);
  }
  return readers;
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
  for (const EventEarningRule& rule : data_->event_rules) add("event earning", rule);
  for (const TaskRule& rule : data_->task_rules) add("tasks", rule);
  for (const Tier& tier : data_->tiers) rules.push_back({"loyalty tiers", tier.name, "", 0});
  return rules;
}

}  // namespace clientele::rules
