// The compiled form of rule expressions: a flat array of typed nodes that
// the evaluator walks. Names are already resolved to field slots and
// dimension indices, parameters and constant sub-expressions are folded, and
// every node's type is known, so evaluation does no lookups, no parsing and
// no type tests. A Program is immutable once compiled; evaluating it from
// many threads at once is safe (each evaluation has its own Frame).
#ifndef CLIENTELE_RULES_INTERNAL_PROGRAM_H_
#define CLIENTELE_RULES_INTERNAL_PROGRAM_H_

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "rules/customer.h"
#include "rules/decision.h"

namespace clientele::rules::program_internal {

enum class ValueType : uint8_t {
  kBool, kInt, kDecimal, kString, kDate, kStringList, kNumberList,
  kSegmentSet,  // the segments of a collect dimension: only `in`, `contains`, len()
  kInvalid,     // an expression with an error (suppresses follow-up errors)
};

const char* TypeName(ValueType type);
inline bool IsNumber(ValueType t) { return t == ValueType::kInt || t == ValueType::kDecimal; }

// A runtime value. Which member is meaningful follows from the node's type:
// numbers (Int and Decimal alike) are Decimal units in `n`, bools 0/1 in `n`,
// dates days in `n`, text in `s()`, lists in `list`.
//
// 16 bytes and trivially copyable, so that it is returned in registers.
struct Value {
  union {
    int64_t n = 0;
    const char* data;                 // text
    const std::vector<Value>* list;   // lists
  };
  uint64_t size = 0;                  // text length in bytes

  std::string_view s() const { return {data, size}; }
  void SetText(std::string_view text) {
    data = text.data();
    size = text.size();
  }
  static Value Number(int64_t units) {
    Value v;
    v.n = units;
    return v;
  }
  static Value Text(std::string_view text) {
    Value v;
    v.SetText(text);
    return v;
  }
};

// Value domains that text is checked against at compile time.
enum class Domain : uint8_t { kNone, kConsumption, kChannel, kFeedbackSource, kSegment };

enum class Op : uint8_t {
  kConst,
  // loads; `field` selects the member
  kCustomerInt, kCustomerDecimal, kCustomerString, kCustomerDate,
  kCustomerConsumption, kCustomerChannel,
  kPurchaseAmount, kPurchaseProduct, kPurchaseChannel,
  kInteractionText, kFeedbackText, kFeedbackProduct, kFeedbackSource,
  kSegment,       // first-match dimension `field`: its segment
  kSegmentHas,    // collect dimension `field` contains text `a` (compare kNe: does not)
  kSegmentCount,  // number of segments of collect dimension `field`
  kToday,
  // logic
  kAnd, kOr, kNot,
  // comparisons of numbers, dates and bools (on `n`) and of text
  kEq, kNe, kLt, kLe, kGt, kGe, kStrEq, kStrNe,
  kInStrList, kInNumList,  // `field` == 1 negates (not in)
  kContains, kContainsAny, kContainsAll,
  // arithmetic
  kNeg, kAdd, kSub, kMul, kDiv, kMod,
  kMin, kMax, kAbs, kRound, kFloor, kCeil,  // kRound: `field` = digits
  kLower, kLen, kDaysSince, kYear, kMonth, kDay,
  // Fused comparisons of a field with a constant, the commonest rule atom
  // (`age < 40`, `consumption == "low"`). `field` selects the member,
  // `constant` holds the constant, `compare` the comparison with the field
  // on the left; children a and b stay as written, for explanations.
  kCompareCustomerInt, kCompareCustomerDecimal, kComparePurchaseAmount,
  kCompareEnum,     // field: 0 consumption, 1 channel, 2 purchase channel, 3 feedback source
  kCompareSegment,  // field: dimension (first-match)
  kContainsText,    // `text contains "constant"`; field: a TextSource
};

// The text fields that kContainsText reads directly.
enum class TextSource : uint32_t {
  kInteraction, kFeedback, kFeedbackProduct, kPurchaseProduct, kCustomerString0,
};

// The comparison with its operands swapped: a < b is b > a.
inline Op MirrorComparison(Op op) {
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLe: return Op::kGe;
    case Op::kGt: return Op::kLt;
    case Op::kGe: return Op::kLe;
    default: return op;
  }
}

inline bool IsFusedCompare(Op op) {
  return op >= Op::kCompareCustomerInt && op <= Op::kCompareSegment;
}

struct Node {
  Op op = Op::kConst;
  ValueType type = ValueType::kInvalid;
  Domain domain = Domain::kNone;
  bool literal = false;     // written as a literal: not shown in explanations
  Op compare = Op::kEq;     // fused comparisons: kEq..kGe, kStrEq, kStrNe
  int32_t segment_index = -1;  // kCompareSegment: the segment's index in its dimension
  uint32_t field = 0;       // member / dimension index / flag, by op
  uint32_t a = 0, b = 0;    // child nodes
  uint32_t args_begin = 0;  // variadic children (min, max): Program::args
  uint32_t args_count = 0;
  Value constant;           // for kConst
  std::string_view text;    // source text, for explanations and errors
};

// One conjunct of a rule's condition, flattened for the fast path: a
// condition `a and b and c` runs as a loop over three atoms. Numeric
// comparisons become a closed range test (x < 40 is x <= 39.9999: values
// are whole units of 1/10^4), so an atom is a load and two compares with no
// branch on the operator. Anything that is not a field-with-constant
// comparison is a general atom that evaluates the expression tree at `node`.
struct Atom {
  Op op = Op::kConst;   // a fused op; kConst: never holds; kAnd: general
  bool negate = false;  // holds when the test fails (!=, not in)
  uint32_t field = 0;
  uint32_t node = 0;    // general atoms
  int64_t low = INT64_MIN;
  int64_t high = INT64_MAX;
  Value constant;       // enum value in n, or text
};

// A condition as a range of atoms in Program::atoms.
struct Conjunction {
  uint32_t begin = 0;
  uint32_t count = 0;
};

// Storage for compiled expressions. Strings and lists are kept in deques so
// that the views and pointers handed out stay valid as more are added.
class Program {
 public:
  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  uint32_t Add(Node node) {
    nodes_.push_back(node);
    return static_cast<uint32_t>(nodes_.size() - 1);
  }
  const Node& node(uint32_t index) const { return nodes_[index]; }
  Node& mutable_node(uint32_t index) { return nodes_[index]; }
  size_t size() const { return nodes_.size(); }

  std::string_view Intern(std::string text) {
    strings_.push_back(std::move(text));
    return strings_.back();
  }
  const std::vector<Value>* AddList(std::vector<Value> items) {
    lists_.push_back(std::move(items));
    return &lists_.back();
  }
  uint32_t AddArgs(const std::vector<uint32_t>& children) {
    uint32_t begin = static_cast<uint32_t>(args_.size());
    args_.insert(args_.end(), children.begin(), children.end());
    return begin;
  }
  uint32_t arg(uint32_t index) const { return args_[index]; }

  // Flattens the boolean expression at `root` into atoms (see Atom).
  Conjunction AddConjunction(uint32_t root);
  const Atom* atoms() const { return atoms_.data(); }

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> args_;
  std::vector<Atom> atoms_;
  std::deque<std::string> strings_;
  std::deque<std::vector<Value>> lists_;
};

// Explanation recording; see Frame::trace.
struct Trace {
  std::vector<ConditionCheck>* checks = nullptr;
};

// Everything one evaluation reads. Built by the evaluator per call.
struct Frame {
  const Customer* customer = nullptr;
  const Purchase* purchase = nullptr;
  const Interaction* interaction = nullptr;
  const Feedback* feedback = nullptr;
  int32_t today = 0;
  const std::string_view* segment_by_dimension = nullptr;
  // The same as indices into each dimension's segment list (DimensionInfo).
  const int32_t* segment_index_by_dimension = nullptr;
  const std::vector<SegmentAssignment>* segments = nullptr;
  const std::vector<std::string_view>* dimension_ids = nullptr;
  Decision::Scratch* scratch = nullptr;
  Trace* trace = nullptr;  // non-null: record every comparison
  // The first runtime error (overflow, division by zero), if any.
  const char* error = nullptr;
  uint32_t error_node = 0;
};

// Member tables that the compiler and evaluator share: `field` of a
// customer load indexes these.
inline constexpr int64_t Customer::*kIntMembers[] = {
    &Customer::age, &Customer::purchase_frequency, &Customer::interaction_count,
    &Customer::points};
inline constexpr Decimal Customer::*kDecimalMembers[] = {
    &Customer::average_purchase_amount, &Customer::total_spent, &Customer::satisfaction};
inline constexpr std::string Customer::*kStringMembers[] = {
    &Customer::id, &Customer::name, &Customer::gender, &Customer::occupation, &Customer::tier};
inline constexpr Date Customer::*kDateMembers[] = {
    &Customer::birthday, &Customer::joined_at, &Customer::last_purchase_at};

inline int64_t IntegerUnits(int64_t whole) { return whole * Decimal::kScale; }

// The value of enum field `which` (see Op::kCompareEnum) as a number.
inline int64_t EnumValueOf(const Frame& f, uint32_t which) {
  switch (which) {
    case 0: return static_cast<int64_t>(f.customer->consumption);
    case 1: return static_cast<int64_t>(f.customer->channel);
    case 2: return static_cast<int64_t>(f.purchase->channel);
    default: return static_cast<int64_t>(f.feedback->source);
  }
}

// The text of a TextSource (see Op::kContainsText).
inline std::string_view SourceTextOf(const Frame& f, uint32_t source) {
  switch (source) {
    case static_cast<uint32_t>(TextSource::kInteraction): return f.interaction->text;
    case static_cast<uint32_t>(TextSource::kFeedback): return f.feedback->text;
    case static_cast<uint32_t>(TextSource::kFeedbackProduct): return f.feedback->product;
    case static_cast<uint32_t>(TextSource::kPurchaseProduct): return f.purchase->product;
    default:
      return f.customer->*kStringMembers[source - static_cast<uint32_t>(TextSource::kCustomerString0)];
  }
}

// True when `needle` occurs in `text` (byte-wise, which is exact for UTF-8).
// Feedback and reviews are short: for them a plain scan that checks two
// bytes before comparing the rest beats std::string_view::find, which calls
// memchr and memcmp at every occurrence of the first byte — and in Chinese
// UTF-8 the first byte (0xE4..0xE9) starts nearly every character.
inline bool ContainsText(std::string_view text, std::string_view needle) {
  if (needle.size() < 2 || text.size() > 256) return text.find(needle) != std::string_view::npos;
  if (needle.size() > text.size()) return false;
  const char first = needle[0], second = needle[1];
  const size_t rest = needle.size() - 2;
  const char* const last = text.data() + (text.size() - needle.size());
  for (const char* p = text.data(); p <= last; ++p) {
    if (p[0] == first && p[1] == second &&
        (rest == 0 || memcmp(p + 2, needle.data() + 2, rest) == 0)) {
      return true;
    }
  }
  return false;
}

// Evaluates node `index`. Never throws; on arithmetic errors sets
// frame->error (first one wins) and returns a zero value.
Value Evaluate(const Program& program, uint32_t index, Frame* frame);

// Evaluates a flattened condition (no tracing): true when every atom holds.
// Field comparisons are cheap and cannot fail, so they are all evaluated
// and combined without branching on their results: a branch on whether a
// random customer is under 40 is mispredicted half the time, which costs
// more than the comparison. Text searches and general atoms are costly or
// may fail (division by zero behind a guard), so they keep `and`'s
// short-circuit: they run only when everything before them held.
[[gnu::always_inline]] inline bool EvaluateConjunction(const Program& program,
                                                      Conjunction conjunction, Frame* frame) {
  const Atom* atom = program.atoms() + conjunction.begin;
  const Atom* const end = atom + conjunction.count;
  bool holds = true;
  for (; atom != end; ++atom) {
    int64_t x;
    switch (atom->op) {
      case Op::kCompareCustomerInt:
        x = IntegerUnits(frame->customer->*kIntMembers[atom->field]);
        break;
      case Op::kCompareCustomerDecimal:
        x = (frame->customer->*kDecimalMembers[atom->field]).units();
        break;
      case Op::kComparePurchaseAmount: x = frame->purchase->amount.units(); break;
      case Op::kCompareEnum: x = EnumValueOf(*frame, atom->field); break;
      case Op::kCompareSegment: x = frame->segment_index_by_dimension[atom->field]; break;
      case Op::kContainsText:
        if (!holds) return false;
        x = ContainsText(SourceTextOf(*frame, atom->field), atom->constant.s());
        break;
      case Op::kConst: return false;
      default:
        if (!holds) return false;
        x = Evaluate(program, atom->node, frame).n;
        break;
    }
    holds &= ((x >= atom->low) & (x <= atom->high)) != atom->negate;
  }
  return holds;
}


// The index of the first of `count` conditions that holds, or `count` when
// none does: a first-match rule list in one call.
[[gnu::always_inline]] inline size_t FirstMatch(const Program& program,
                                                const Conjunction* conditions, size_t count,
                                                Frame* frame) {
  for (size_t i = 0; i < count; ++i) {
    if (EvaluateConjunction(program, conditions[i], frame)) return i;
  }
  return count;
}

// Member tables that the compiler and evaluator share.
struct CustomerField {
  std::string_view name;
  Op op;
  uint32_t member;
};
const std::vector<CustomerField>& CustomerFields();

// Formats a value of `type` for people: numbers exactly ("4.1"), text
// quoted, dates as YYYY-MM-DD.
std::string FormatValue(ValueType type, const Value& value);

}  // namespace clientele::rules::program_internal

#endif  // CLIENTELE_RULES_INTERNAL_PROGRAM_H_
