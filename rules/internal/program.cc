#include "rules/internal/program.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/strings.h"
#include "rules/internal/check_words.h"
#include "rules/points.h"
#include "common/utf8.h"

namespace clientele::rules::program_internal {
namespace {

// A date that was never given counts as 100 years ago for days_since(),
// so recency rules treat "never" as "very long ago" (docs/rules.md).
constexpr int64_t kDaysSinceUnknown = 36500;

Value Number(int64_t units) { return Value::Number(units); }
Value Bool(bool b) { return Value::Number(b ? 1 : 0); }
Value Text(std::string_view s) { return Value::Text(s); }


template <bool kTrace>
class Evaluator {
 public:
  Evaluator(const Program& program, Frame* frame) : p_(program), f_(frame) {}

  Value Eval(uint32_t index) {
    const Node& node = p_.node(index);
    if constexpr (kTrace) {
      if (node.type == ValueType::kBool && IsCheck(node.op)) return EvalTraced(node);
      // Under a `not`, a rule needs its comparisons to come out false.
      if (node.op == Op::kNot) {
        f_->trace->negated = !f_->trace->negated;
        Value value = EvalNode(node);
        f_->trace->negated = !f_->trace->negated;
        return value;
      }
      if (node.op == Op::kAnd || node.op == Op::kOr) return EvalTracedLogic(node);
    }
    return EvalNode(node);
  }

 private:
  static bool IsCheck(Op op) {
    return op != Op::kAnd && op != Op::kOr && op != Op::kNot && op != Op::kConst;
  }

  // Records a comparison with the values of its non-literal operands, and
  // says in plain words what it saw.
  Value EvalTraced(const Node& node) {
    ConditionCheck check;
    check.expression = std::string(node.text);
    auto observe = [&](uint32_t child) {
      const Node& operand = p_.node(child);
      check_words_internal::Operand seen{operand.text, "", operand.literal};
      Value value = Evaluator<false>(p_, f_).Eval(child);
      seen.value = ObservedText(operand, value);
      if (!operand.literal) check.observed.push_back({std::string(operand.text), seen.value});
      return seen;
    };
    std::optional<check_words_internal::Operand> subject, reference;
    if (HasChildren(node.op)) {
      subject = observe(node.a);
      reference = observe(node.b);
    } else if (node.op == Op::kSegmentHas) {
      reference = observe(node.a);
    }
    if (node.op == Op::kSegmentHas || node.op == Op::kSegmentCount) {
      check.observed.push_back({StrCat("segment.", (*f_->dimension_ids)[node.field]),
                                SegmentList(node.field)});
    }
    Value result = EvalNode(node);
    check.result = result.n != 0;
    const bool wanted = !f_->trace->negated;
    check.as_needed = check.result == wanted;
    if (node.op == Op::kSegmentHas) {
      const ObservedValue& set = check.observed.back();
      subject = check_words_internal::Operand{set.expression, set.value, false};
    }
    std::optional<check_words_internal::Relation> relation = RelationOf(node);
    std::string fact;  // the same comparison as a plain fact (see EvalTracedLogic)
    if (relation && subject && reference) {
      // The field first, as people say it: `40 > age` reads "age is 25,
      // less than 40". A fused comparison's `compare` already has the field
      // on the left. Containment and lists keep their sides: in `"差评"
      // in ["差评", "投诉"]` the text is the subject whatever is constant.
      if (check_words_internal::IsValueComparison(*relation) && HasChildren(node.op) &&
          p_.node(node.a).op == Op::kConst && p_.node(node.b).op != Op::kConst) {
        std::swap(subject, reference);
        if (!IsFusedCompare(node.op)) relation = check_words_internal::Mirror(*relation);
      }
      check.reason = check_words_internal::DescribeComparison(*subject, *relation, *reference,
                                                              check.result, wanted);
      if (!check.as_needed) {
        fact = check_words_internal::DescribeComparison(*subject, *relation, *reference,
                                                        check.result, check.result);
      }
    } else {
      check.reason = check_words_internal::DescribeTruth(node.text, check.result, wanted);
      if (!check.as_needed) {
        fact = check_words_internal::DescribeTruth(node.text, check.result, check.result);
      }
    }
    f_->trace->checks->push_back(std::move(check));
    f_->trace->facts.push_back(std::move(fact));
    return result;
  }

  // An `and` / `or` that came out the way the rule needs is fine whatever
  // its parts did: in `a or b` with b true, a false is no failure, and
  // neither is a true part of `not (a and b)`. Its comparisons then read
  // as plain facts.
  Value EvalTracedLogic(const Node& node) {
    Trace& trace = *f_->trace;
    const size_t first = trace.checks->size();
    Value value = EvalNode(node);
    if ((value.n != 0) != trace.negated) {
      for (size_t i = first; i < trace.checks->size(); ++i) {
        ConditionCheck& check = (*trace.checks)[i];
        if (check.as_needed) continue;
        check.as_needed = true;
        check.reason = std::move(trace.facts[i]);
      }
    }
    return value;
  }

  // How a comparison node relates its operands (a to b as written), or
  // nothing for a true/false value that is no comparison.
  static std::optional<check_words_internal::Relation> RelationOf(const Node& node) {
    using check_words_internal::Relation;
    Op op = node.op;
    if (IsFusedCompare(op)) op = node.compare;
    switch (op) {
      case Op::kEq:
      case Op::kStrEq: return Relation::kEqual;
      case Op::kNe:
      case Op::kStrNe: return Relation::kNotEqual;
      case Op::kLt: return Relation::kLess;
      case Op::kLe: return Relation::kAtMost;
      case Op::kGt: return Relation::kMore;
      case Op::kGe: return Relation::kAtLeast;
      case Op::kInStrList:
      case Op::kInNumList: return node.field == 1 ? Relation::kNotIn : Relation::kIn;
      case Op::kContains:
      case Op::kContainsText: return Relation::kContains;
      case Op::kContainsAny: return Relation::kContainsAny;
      case Op::kContainsAll: return Relation::kContainsAll;
      case Op::kSegmentHas:
        return node.compare == Op::kNe ? Relation::kNotIncludes : Relation::kIncludes;
      default: return std::nullopt;
    }
  }

  std::string ObservedText(const Node& node, const Value& value) {
    if (node.type == ValueType::kSegmentSet) return SegmentList(node.field);
    return FormatValue(node.type, value);
  }

  std::string SegmentList(uint32_t dimension) {
    std::vector<std::string> names;
    for (const SegmentAssignment& s : *f_->segments) {
      if (s.dimension == (*f_->dimension_ids)[dimension]) names.emplace_back(s.segment);
    }
    return StrCat("[", StrJoin(names, ", "), "]");
  }

  static bool HasChildren(Op op) {
    return (op >= Op::kEq && op <= Op::kContainsAll) || IsFusedCompare(op) ||
           op == Op::kContainsText;
  }
  static bool HasSecondChild(Op op) { return HasChildren(op); }

  void Fail(const Node& node, const char* message) {
    if (f_->error != nullptr) return;
    f_->error = message;
    f_->error_node = static_cast<uint32_t>(&node - &p_.node(0));
  }

  Value EvalNode(const Node& node) {
    switch (node.op) {
      case Op::kConst: return node.constant;
      case Op::kCustomerInt:
        return Number(IntegerUnits(f_->customer->*kIntMembers[node.field]));
      case Op::kCustomerDecimal:
        return Number((f_->customer->*kDecimalMembers[node.field]).units());
      case Op::kCustomerString: return Text(f_->customer->*kStringMembers[node.field]);
      case Op::kCustomerDate: return Number((f_->customer->*kDateMembers[node.field]).days());
      case Op::kCustomerConsumption: return Text(ConsumptionName(f_->customer->consumption));
      case Op::kCustomerChannel: return Text(ChannelName(f_->customer->channel));
      case Op::kPurchaseAmount: return Number(f_->purchase->amount.units());
      case Op::kPurchaseProduct: return Text(f_->purchase->product);
      case Op::kPurchaseChannel: return Text(ChannelName(f_->purchase->channel));
      case Op::kPurchaseCategory: return Text(f_->purchase->category);
      case Op::kPurchaseDate:
        // Unknown: the evaluation's day, as for today() in earning rules.
        return Number(f_->purchase->date.known() ? f_->purchase->date.days() : f_->today);
      case Op::kPurchaseQuantity: return Number(IntegerUnits(f_->purchase->quantity));
      case Op::kInteractionText: return Text(f_->interaction->text);
      case Op::kFeedbackText: return Text(f_->feedback->text);
      case Op::kFeedbackProduct: return Text(f_->feedback->product);
      case Op::kFeedbackSource: return Text(FeedbackSourceName(f_->feedback->source));
      case Op::kSegment: return Text(f_->segment_by_dimension[node.field]);
      case Op::kSegmentHas:
        return Bool(SegmentHas(node.field, Eval(node.a).s()) != (node.compare == Op::kNe));
      case Op::kSegmentCount: return Number(IntegerUnits(SegmentCount(node.field)));
      case Op::kToday: return Number(f_->today);
      case Op::kPointsAvailable:
        return Number(IntegerUnits(f_->customer->points - f_->customer->points_pending));
      case Op::kPointsExpiring:
        return Number(IntegerUnits(PointsExpiringWithin(
            *f_->customer, Date::FromDays(f_->today), static_cast<int32_t>(node.field))));
      case Op::kFact:
        return Number(f_->facts[node.field]);
      case Op::kEventNumber:
        return Number(f_->event->values[node.field].number.units());
      case Op::kEventText:
        return Text(f_->event->values[node.field].text);
      case Op::kEventDate:
        return Number(f_->event->values[node.field].date.days());
      case Op::kAnd: return Bool(Eval(node.a).n != 0 && Eval(node.b).n != 0);
      case Op::kOr: return Bool(Eval(node.a).n != 0 || Eval(node.b).n != 0);
      case Op::kNot: return Bool(Eval(node.a).n == 0);
      case Op::kEq: return Bool(Eval(node.a).n == Eval(node.b).n);
      case Op::kNe: return Bool(Eval(node.a).n != Eval(node.b).n);
      case Op::kLt: return Bool(Eval(node.a).n < Eval(node.b).n);
      case Op::kLe: return Bool(Eval(node.a).n <= Eval(node.b).n);
      case Op::kGt: return Bool(Eval(node.a).n > Eval(node.b).n);
      case Op::kGe: return Bool(Eval(node.a).n >= Eval(node.b).n);
      case Op::kStrEq: return Bool(Eval(node.a).s() == Eval(node.b).s());
      case Op::kStrNe: return Bool(Eval(node.a).s() != Eval(node.b).s());
      case Op::kInStrList: {
        std::string_view needle = Eval(node.a).s();
        const std::vector<Value>& list = *Eval(node.b).list;
        bool found = std::any_of(list.begin(), list.end(),
                                 [&](const Value& v) { return v.s() == needle; });
        return Bool(found != (node.field == 1));
      }
      case Op::kInNumList: {
        int64_t needle = Eval(node.a).n;
        const std::vector<Value>& list = *Eval(node.b).list;
        bool found = std::any_of(list.begin(), list.end(),
                                 [&](const Value& v) { return v.n == needle; });
        return Bool(found != (node.field == 1));
      }
      case Op::kContains: return Bool(ContainsText(Eval(node.a).s(), Eval(node.b).s()));
      case Op::kContainsAny: {
        std::string_view text = Eval(node.a).s();
        const std::vector<Value>& list = *Eval(node.b).list;
        return Bool(std::any_of(list.begin(), list.end(), [&](const Value& v) {
          return ContainsText(text, v.s());
        }));
      }
      case Op::kContainsAll: {
        std::string_view text = Eval(node.a).s();
        const std::vector<Value>& list = *Eval(node.b).list;
        return Bool(std::all_of(list.begin(), list.end(), [&](const Value& v) {
          return ContainsText(text, v.s());
        }));
      }
      case Op::kCompareCustomerInt:
        return Bool(Compare(node.compare, IntegerUnits(f_->customer->*kIntMembers[node.field]),
                            node.constant.n));
      case Op::kCompareCustomerDecimal:
        return Bool(Compare(node.compare, (f_->customer->*kDecimalMembers[node.field]).units(),
                            node.constant.n));
      case Op::kComparePurchaseAmount:
        return Bool(Compare(node.compare, f_->purchase->amount.units(), node.constant.n));
      case Op::kCompareEnum:
        return Bool((EnumValueOf(*f_, node.field) == node.constant.n) == (node.compare == Op::kStrEq));
      case Op::kCompareSegment:
        return Bool((f_->segment_by_dimension[node.field] == node.constant.s()) ==
                    (node.compare == Op::kStrEq));
      case Op::kContainsText:
        return Bool(ContainsText(SourceTextOf(*f_, node.field), node.constant.s()));
      default: return EvalArithmetic(node);
    }
  }

  static bool Compare(Op compare, int64_t lhs, int64_t rhs) {
    switch (compare) {
      case Op::kEq: return lhs == rhs;
      case Op::kNe: return lhs != rhs;
      case Op::kLt: return lhs < rhs;
      case Op::kLe: return lhs <= rhs;
      case Op::kGt: return lhs > rhs;
      default: return lhs >= rhs;
    }
  }

  bool SegmentHas(uint32_t dimension, std::string_view segment) {
    std::string_view id = (*f_->dimension_ids)[dimension];
    for (const SegmentAssignment& s : *f_->segments) {
      if (s.dimension.data() == id.data() && s.segment == segment) return true;
    }
    return false;
  }

  int64_t SegmentCount(uint32_t dimension) {
    std::string_view id = (*f_->dimension_ids)[dimension];
    int64_t count = 0;
    for (const SegmentAssignment& s : *f_->segments) count += s.dimension.data() == id.data();
    return count;
  }

  Value Checked(const Node& node, bool ok, Decimal result, const char* message) {
    if (!ok) {
      Fail(node, message);
      return Number(0);
    }
    return Number(result.units());
  }

  Value EvalArithmetic(const Node& node) {
    static constexpr const char* kOverflow = "the result is too large";
    Decimal out;
    auto arg = [&](uint32_t i) { return Decimal::FromUnits(Eval(i).n); };
    switch (node.op) {
      case Op::kNeg: return Checked(node, Decimal::Negate(arg(node.a), &out), out, kOverflow);
      case Op::kAdd:
        return Checked(node, Decimal::Add(arg(node.a), arg(node.b), &out), out, kOverflow);
      case Op::kSub:
        return Checked(node, Decimal::Subtract(arg(node.a), arg(node.b), &out), out, kOverflow);
      case Op::kMul:
        return Checked(node, Decimal::Multiply(arg(node.a), arg(node.b), &out), out, kOverflow);
      case Op::kDiv: {
        Decimal lhs = arg(node.a), rhs = arg(node.b);
        if (rhs == Decimal()) return Checked(node, false, out, "division by zero");
        return Checked(node, Decimal::Divide(lhs, rhs, &out), out, kOverflow);
      }
      case Op::kMod: {
        Decimal lhs = arg(node.a), rhs = arg(node.b);
        return Checked(node, Decimal::Remainder(lhs, rhs, &out), out, "remainder of division by zero");
      }
      case Op::kMin:
      case Op::kMax: {
        int64_t best = Eval(p_.arg(node.args_begin)).n;
        for (uint32_t i = 1; i < node.args_count; ++i) {
          int64_t v = Eval(p_.arg(node.args_begin + i)).n;
          best = node.op == Op::kMin ? std::min(best, v) : std::max(best, v);
        }
        return Number(best);
      }
      case Op::kAbs: {
        Decimal v = arg(node.a);
        if (v >= Decimal()) return Number(v.units());
        return Checked(node, Decimal::Negate(v, &out), out, kOverflow);
      }
      case Op::kRound:
        return Checked(node, Decimal::Round(arg(node.a), static_cast<int>(node.field), &out), out,
                       kOverflow);
      case Op::kFloor: return Checked(node, Decimal::Floor(arg(node.a), &out), out, kOverflow);
      case Op::kCeil: return Checked(node, Decimal::Ceil(arg(node.a), &out), out, kOverflow);
      case Op::kLower: return Text(Lower(Eval(node.a).s()));
      case Op::kLen:
        return Number(IntegerUnits(
            static_cast<int64_t>(utf8::CodePointCount(Eval(node.a).s()))));
      case Op::kDaysSince: {
        Date date = Date::FromDays(static_cast<int32_t>(Eval(node.a).n));
        int64_t days = date.known() ? f_->today - date.days() : kDaysSinceUnknown;
        return Number(IntegerUnits(days));
      }
      case Op::kYear:
        return Number(IntegerUnits(Date::FromDays(static_cast<int32_t>(Eval(node.a).n)).year()));
      case Op::kMonth:
        return Number(IntegerUnits(Date::FromDays(static_cast<int32_t>(Eval(node.a).n)).month()));
      case Op::kDay:
        return Number(IntegerUnits(Date::FromDays(static_cast<int32_t>(Eval(node.a).n)).day()));
      case Op::kWeekday:
        return Number(IntegerUnits(DateOf(node.a).Weekday()));
      case Op::kStartOfMonth: return Number(DateOf(node.a).StartOfMonth().days());
      case Op::kEndOfMonth: return Number(DateOf(node.a).EndOfMonth().days());
      case Op::kDaysUntil: {
        const Date date = DateOf(node.a);
        return Number(IntegerUnits(date.known() ? date.days() - f_->today : -kDaysSinceUnknown));
      }
      case Op::kDaysUntilBirthday: {
        const int32_t days = DateOf(node.a).DaysToAnniversary(Date::FromDays(f_->today));
        return Number(IntegerUnits(days < 0 ? kDaysSinceUnknown : days));
      }
      default:
        Fail(node, "internal error: unknown operation");
        return Number(0);
    }
  }

  Date DateOf(uint32_t index) { return Date::FromDays(static_cast<int32_t>(Eval(index).n)); }

  // lower() writes into reusable scratch strings so that repeated
  // evaluations do not allocate once the buffers have grown.
  std::string_view Lower(std::string_view text) {
    Decision::Scratch& scratch = *f_->scratch;
    if (scratch.strings_used == scratch.strings.size()) scratch.strings.emplace_back();
    std::string& buffer = scratch.strings[scratch.strings_used++];
    buffer.assign(text);
    for (char& c : buffer) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return buffer;
  }

  const Program& p_;
  Frame* f_;
};

}  // namespace

const char* TypeName(ValueType type) {
  switch (type) {
    case ValueType::kBool: return "true/false";
    case ValueType::kInt: return "whole number";
    case ValueType::kDecimal: return "decimal number";
    case ValueType::kString: return "text";
    case ValueType::kDate: return "date";
    case ValueType::kStringList: return "list of texts";
    case ValueType::kNumberList: return "list of numbers";
    case ValueType::kSegmentSet: return "set of segments";
    case ValueType::kInvalid: break;
  }
  return "invalid";
}

Value Evaluate(const Program& program, uint32_t index, Frame* frame) {
  if (frame->trace != nullptr) return Evaluator<true>(program, frame).Eval(index);
  return Evaluator<false>(program, frame).Eval(index);
}

uint32_t SlotOf(Op op, uint32_t field) {
  switch (op) {
    case Op::kCompareCustomerInt: return kSlotCustomerInt0 + field;
    case Op::kCompareCustomerDecimal: return kSlotCustomerDecimal0 + field;
    case Op::kCompareEnum: return kSlotEnum0 + field;
    case Op::kComparePurchaseAmount: return kSlotPurchaseAmount;
    case Op::kCompareSegment: return kSlotSegment0 + field;
    default: break;
  }
  return UINT32_MAX;  // not a fused comparison: a caller's bug
}

namespace {

// The closed range of values for which the fused comparison `n` holds
// (with `negate` for !=). Values are whole units, so x < c is x <= c - 1.
void SetRange(const Node& n, Atom* atom) {
  if (n.op == Op::kCompareEnum || n.op == Op::kCompareSegment || n.op == Op::kContainsText) {
    // The load yields the enum value, the segment index, or (contains) 0/1.
    int64_t target = n.op == Op::kCompareEnum      ? n.constant.n
                     : n.op == Op::kCompareSegment ? n.segment_index
                                                   : 1;
    atom->low = atom->high = target;
    atom->negate = n.compare == Op::kStrNe;
    return;
  }
  const int64_t c = n.constant.n;
  switch (n.compare) {
    case Op::kEq: atom->low = atom->high = c; break;
    case Op::kNe: atom->low = atom->high = c; atom->negate = true; break;
    case Op::kLt:
      if (c == INT64_MIN) { atom->op = Op::kConst; break; }
      atom->high = c - 1;
      break;
    case Op::kLe: atom->high = c; break;
    case Op::kGt:
      if (c == INT64_MAX) { atom->op = Op::kConst; break; }
      atom->low = c + 1;
      break;
    default: atom->low = c; break;  // kGe
  }
}

}  // namespace

Conjunction Program::AddConjunction(uint32_t root) {
  Conjunction conjunction{static_cast<uint32_t>(atoms_.size()), 0};
  std::vector<uint32_t> pending = {root};
  while (!pending.empty()) {
    uint32_t index = pending.back();
    pending.pop_back();
    const Node& n = nodes_[index];
    if (n.op == Op::kAnd) {  // keep source order: a before b
      pending.push_back(n.b);
      pending.push_back(n.a);
      continue;
    }
    Atom atom;
    if (n.op == Op::kConst) {
      if (n.constant.n != 0) continue;  // `true` constrains nothing
      atom.op = Op::kConst;             // `false`
    } else if (IsFusedCompare(n.op) || n.op == Op::kContainsText) {
      atom.op = n.op == Op::kContainsText ? n.op : Op::kLoadSlot;
      atom.field = n.op == Op::kContainsText ? n.field : SlotOf(n.op, n.field);
      atom.constant = n.constant;
      SetRange(n, &atom);
    } else {
      atom.op = Op::kAnd;  // general: evaluate the tree, holds when non-zero
      atom.node = index;
      atom.low = 1;
      atom.high = 1;
    }
    atoms_.push_back(atom);
  }
  conjunction.count = static_cast<uint32_t>(atoms_.size()) - conjunction.begin;
  return conjunction;
}

BranchFreeList Program::AddBranchFreeList(const std::vector<Conjunction>& conditions) {
  BranchFreeList list;
  if (conditions.size() >= 64) return list;
  std::vector<SlotTest> tests;
  for (uint32_t rule = 0; rule < conditions.size(); ++rule) {
    const Conjunction& condition = conditions[rule];
    for (uint32_t i = condition.begin; i < condition.begin + condition.count; ++i) {
      const Atom& atom = atoms_[i];
      SlotTest test;
      test.rule = rule;
      if (atom.op == Op::kLoadSlot) {
        test.slot = atom.field;
        test.low = static_cast<uint64_t>(atom.low);
        test.span = static_cast<uint64_t>(atom.high) - static_cast<uint64_t>(atom.low);
        test.negate = atom.negate;
      } else if (atom.op == Op::kConst) {
        test.negate = true;  // `false`: outside the full range, never
      } else {
        return list;
      }
      tests.push_back(test);
    }
  }
  list.usable = true;
  list.begin = static_cast<uint32_t>(slot_tests_.size());
  list.count = static_cast<uint32_t>(tests.size());
  slot_tests_.insert(slot_tests_.end(), tests.begin(), tests.end());
  return list;
}

namespace {

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  uint64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

uint64_t SaturatingMultiply(uint64_t a, uint64_t b) {
  uint64_t product;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}

}  // namespace

void WorkBound::AddFixed(uint64_t units) { fixed = SaturatingAdd(fixed, units); }

void WorkBound::Add(const WorkBound& other) {
  AddFixed(other.fixed);
  for (size_t s = 0; s < kTextSourceCount; ++s) scans[s] = SaturatingAdd(scans[s], other.scans[s]);
}

uint64_t WorkBound::TextUnits(size_t source, uint64_t length) const {
  return SaturatingMultiply(scans[source], length / 16);
}

uint64_t WorkBound::For(const uint64_t (&lengths)[kTextSourceCount]) const {
  uint64_t total = fixed;
  for (size_t s = 0; s < kTextSourceCount; ++s)
    total = SaturatingAdd(total, TextUnits(s, lengths[s]));
  return total;
}

namespace {

// The length of a text value: a known number of bytes, plus the length of
// one text source when `source` is set.
struct TextLength {
  uint64_t bytes = 0;
  std::optional<TextSource> source;
};

// Enum names (consumption, channel, feedback source) are short words.
constexpr uint64_t kEnumNameBytes = 32;

class WorkCounter {
 public:
  WorkCounter(const Program& program, const WorkContext& context, WorkBound* bound)
      : p_(program), c_(context), w_(bound) {}

  void Add(uint32_t index) {
    const Node& n = p_.node(index);
    w_->AddFixed(1);
    switch (n.op) {
      case Op::kConst:
      case Op::kCustomerInt:
      case Op::kCustomerDecimal:
      case Op::kCustomerString:
      case Op::kCustomerDate:
      case Op::kCustomerConsumption:
      case Op::kCustomerChannel:
      case Op::kPurchaseAmount:
      case Op::kPurchaseProduct:
      case Op::kPurchaseChannel:
      case Op::kPurchaseCategory:
      case Op::kPurchaseDate:
      case Op::kPurchaseQuantity:
      case Op::kInteractionText:
      case Op::kFeedbackText:
      case Op::kFeedbackProduct:
      case Op::kFeedbackSource:
      case Op::kSegment:
      case Op::kToday:
      case Op::kPointsAvailable:
      case Op::kFact:  // computed before the rules run, with the ruleset's fixed work
      case Op::kEventNumber:
      case Op::kEventText:
      case Op::kEventDate:
        return;
      case Op::kPointsExpiring:
        // The upcoming expiries are one per day: at most `field` + 1 are read.
        w_->AddFixed(1 + n.field / 16);
        return;
      case Op::kSegmentCount:
        w_->AddFixed(c_.segment_count);
        return;
      case Op::kSegmentHas:
        Add(n.a);
        Scan({c_.segment_name_bytes, {}}, c_.segment_count);
        return;
      case Op::kNot:
      case Op::kNeg:
      case Op::kAbs:
      case Op::kRound:
      case Op::kFloor:
      case Op::kCeil:
      case Op::kDaysSince:
      case Op::kYear:
      case Op::kMonth:
      case Op::kDay:
      case Op::kWeekday:
      case Op::kStartOfMonth:
      case Op::kEndOfMonth:
      case Op::kDaysUntil:
      case Op::kDaysUntilBirthday:
        Add(n.a);
        return;
      case Op::kLower:
      case Op::kLen:
        Add(n.a);
        Scan(LengthOf(n.a), 1);
        return;
      case Op::kMin:
      case Op::kMax:
        for (uint32_t i = 0; i < n.args_count; ++i) Add(p_.arg(n.args_begin + i));
        return;
      default:
        break;
    }
    // Everything else has two operands.
    Add(n.a);
    Add(n.b);
    switch (n.op) {
      case Op::kStrEq:
      case Op::kStrNe:
      case Op::kContains:
        Scan(LengthOf(n.a), 1);
        return;
      case Op::kInStrList:
      case Op::kContainsAny:
      case Op::kContainsAll:
        Scan(LengthOf(n.a), ListSize(n.b));
        return;
      case Op::kInNumList:
        w_->AddFixed(ListSize(n.b));
        return;
      case Op::kCompareSegment:
        Scan({c_.segment_name_bytes, {}}, 1);
        return;
      case Op::kContainsText:
        Scan({0, static_cast<TextSource>(n.field)}, 1);
        return;
      default:
        return;
    }
  }

 private:
  TextLength LengthOf(uint32_t index) const {
    const Node& n = p_.node(index);
    switch (n.op) {
      case Op::kConst:
        return {n.constant.size, {}};
      case Op::kCustomerString:
        return {0, static_cast<TextSource>(static_cast<uint32_t>(TextSource::kCustomerString0) +
                                           n.field)};
      case Op::kPurchaseProduct:
        return {0, TextSource::kPurchaseProduct};
      case Op::kPurchaseCategory:
        return {0, TextSource::kPurchaseCategory};
      case Op::kInteractionText:
        return {0, TextSource::kInteraction};
      case Op::kFeedbackText:
        return {0, TextSource::kFeedback};
      case Op::kFeedbackProduct:
        return {0, TextSource::kFeedbackProduct};
      case Op::kEventText:
        return {0, TextSource::kEventText};
      case Op::kSegment:
        return {c_.segment_name_bytes, {}};
      case Op::kLower:
        return LengthOf(n.a);
      default:
        return {kEnumNameBytes, {}};
    }
  }

  // Lists are constants by the time they are compiled (parameters are
  // folded); anything else would be a compiler bug, counted as huge.
  uint64_t ListSize(uint32_t index) const {
    const Node& n = p_.node(index);
    if (n.op != Op::kConst || n.constant.list == nullptr) return UINT32_MAX;
    return n.constant.list->size();
  }

  // `times` scans of a text of length `length`: one unit each, plus one
  // per 16 bytes.
  void Scan(const TextLength& length, uint64_t times) {
    w_->AddFixed(SaturatingMultiply(times, 1 + length.bytes / 16));
    if (length.source) {
      uint64_t& scans = w_->scans[static_cast<size_t>(*length.source)];
      scans = SaturatingAdd(scans, times);
    }
  }

  const Program& p_;
  const WorkContext& c_;
  WorkBound* w_;
};

}  // namespace

void AddWorkOf(const Program& program, uint32_t index, const WorkContext& context,
               WorkBound* bound) {
  WorkCounter(program, context, bound).Add(index);
}

const std::vector<CustomerField>& CustomerFields() {
  static const auto* const kFields = new std::vector<CustomerField>{
      {"id", Op::kCustomerString, 0},
      {"name", Op::kCustomerString, 1},
      {"age", Op::kCustomerInt, 0},
      {"gender", Op::kCustomerString, 2},
      {"occupation", Op::kCustomerString, 3},
      {"consumption", Op::kCustomerConsumption, 0},
      {"channel", Op::kCustomerChannel, 0},
      {"purchase_frequency", Op::kCustomerInt, 1},
      {"average_purchase_amount", Op::kCustomerDecimal, 0},
      {"total_spent", Op::kCustomerDecimal, 1},
      {"satisfaction", Op::kCustomerDecimal, 2},
      {"interaction_count", Op::kCustomerInt, 2},
      {"points", Op::kCustomerInt, 3},
      {"points_pending", Op::kCustomerInt, 4},
      {"points_lifetime", Op::kCustomerInt, 5},
      {"points_owed", Op::kCustomerInt, 6},
      {"tier", Op::kCustomerString, 4},
      {"birthday", Op::kCustomerDate, 0},
      {"joined_at", Op::kCustomerDate, 1},
      {"last_purchase_at", Op::kCustomerDate, 2},
      {"previous_tier", Op::kCustomerString, 5},
      {"tier_since", Op::kCustomerDate, 3},
      {"manual_tier_until", Op::kCustomerDate, 4},
      {"qualifying_points", Op::kCustomerInt, 7},
      {"qualifying_spent", Op::kCustomerDecimal, 3},
      {"tier_downgrade_on", Op::kCustomerDate, 5},
      {"rfm.r", Op::kCustomerInt, 8},
      {"rfm.f", Op::kCustomerInt, 9},
      {"rfm.m", Op::kCustomerInt, 10},
  };
  return *kFields;
}

std::string FormatValue(ValueType type, const Value& value) {
  switch (type) {
    case ValueType::kBool: return value.n != 0 ? "true" : "false";
    case ValueType::kInt:
    case ValueType::kDecimal: return Decimal::FromUnits(value.n).ToString();
    case ValueType::kString: return StrCat("\"", value.s(), "\"");
    case ValueType::kDate: {
      Date date = Date::FromDays(static_cast<int32_t>(value.n));
      return date.known() ? date.ToString() : "unknown";
    }
    case ValueType::kStringList:
    case ValueType::kNumberList: {
      std::vector<std::string> items;
      if (value.list != nullptr) {
        for (const Value& item : *value.list) {
          items.push_back(FormatValue(type == ValueType::kStringList ? ValueType::kString
                                                                     : ValueType::kDecimal,
                                      item));
        }
      }
      return StrCat("[", StrJoin(items, ", "), "]");
    }
    case ValueType::kSegmentSet:
    case ValueType::kInvalid: break;
  }
  return "?";
}

}  // namespace clientele::rules::program_internal
