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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
enum class Domain : uint8_t { kNone, kConsumption, kChannel, kFeedbackSource, kSegment, kTier };

enum class Op : uint8_t {
  kConst,
  // loads; `field` selects the member
  kCustomerInt,
  kCustomerDecimal,
  kCustomerString,
  kCustomerDate,
  kCustomerConsumption,
  kCustomerChannel,
  kPurchaseAmount,
  kPurchaseProduct,
  kPurchaseChannel,
  kPurchaseCategory,
  kPurchaseDate,
  kPurchaseQuantity,
  kInteractionText,
  kFeedbackText,
  kFeedbackProduct,
  kFeedbackSource,
  kSegment,       // first-match dimension `field`: its segment
  kSegmentHas,    // collect dimension `field` contains text `a` (compare kNe: does not)
  kSegmentCount,  // number of segments of collect dimension `field`
  kToday,
  kPointsAvailable,  // points - points_pending
  kPointsExpiring,   // points leaving within `field` days after today
  kFact,             // windowed fact `field` (Frame::facts; rules/history.h)
  kEventNumber,      // attribute `field` of the custom event (Frame::event)
  kEventText,
  kEventDate,
  // logic
  kAnd,
  kOr,
  kNot,
  // comparisons of numbers, dates and bools (on `n`) and of text
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kStrEq,
  kStrNe,
  kInStrList,
  kInNumList,  // `field` == 1 negates (not in)
  kContains,
  kContainsAny,
  kContainsAll,
  // arithmetic
  kNeg,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kMin,
  kMax,
  kAbs,
  kRound,
  kFloor,
  kCeil,  // kRound: `field` = digits
  kLower,
  kLen,
  kDaysSince,
  kYear,
  kMonth,
  kDay,
  kWeekday,
  kStartOfMonth,
  kEndOfMonth,         // of a date: 1 (Monday) .. 7; the month's first / last day
  kDaysUntil,          // days from today to the date (negative when past)
  kDaysUntilBirthday,  // days from today to the date's next anniversary (0 on it)
  // Fused comparisons of a field with a constant, the commonest rule atom
  // (`age < 40`, `consumption == "low"`). `field` selects the member,
  // `constant` holds the constant, `compare` the comparison with the field
  // on the left; children a and b stay as written, for explanations.
  kCompareCustomerInt,
  kCompareCustomerDecimal,
  kComparePurchaseAmount,
  kCompareEnum,     // field: 0 consumption, 1 channel, 2 purchase channel, 3 feedback source
  kCompareSegment,  // field: dimension (first-match)
  kContainsText,    // `text contains "constant"`; field: a TextSource
  kLoadSlot,        // atoms only: the number in Frame::slots[field]
};

// The numbers that flattened conditions compare, loaded once per
// evaluation into Frame::slots, so that an atom is one indexed load and
// no dispatch on where its value lives. Dimension d's segment index is in
// slot kSlotSegment0 + d.
enum Slot : uint32_t {
  kSlotCustomerInt0 = 0,       // kIntMembers, in units
  kSlotCustomerDecimal0 = 11,  // kDecimalMembers
  kSlotEnum0 = 15,             // kCompareEnum's field order
  kSlotPurchaseAmount = 19,
  kSlotSegment0 = 20,
};

// The slot that a fused comparison `op` on `field` reads.
uint32_t SlotOf(Op op, uint32_t field);

// The text fields that kContainsText reads directly.
enum class TextSource : uint32_t {
  kInteraction,
  kFeedback,
  kFeedbackProduct,
  kPurchaseProduct,
  kPurchaseCategory,
  kEventText,  // the longest text attribute of the custom event
  kCustomerString0,
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
  // kLoadSlot: the value is Frame::slots[field] (every fused field-vs-
  // constant comparison); kContainsText; kConst: never holds; kAnd: general.
  Op op = Op::kConst;
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

// One range test of a BranchFreeList: rule `rule` fails unless
// slots[slot] is within [low, high] (outside it, with `negate`).
struct SlotTest {
  // In range: (uint64)(x - low) <= span, one unsigned comparison for both
  // bounds (span = high - low, wrapping; the full range is UINT64_MAX).
  uint64_t low = 0;
  uint64_t span = UINT64_MAX;
  uint32_t slot = 0;
  uint32_t rule = 0;
  bool negate = false;  // `false` (never holds): the full range, negated
};

// A first-match list whose conditions are all field-vs-constant
// comparisons (thresholds, enums, segments), as SlotTests in
// Program::slot_tests. Such a list is decided by evaluating every test,
// with no branch on any outcome, and taking the first rule none of whose
// tests failed: cheaper than stopping early, since the outcomes of tests
// on customer data are unpredictable branches.
struct BranchFreeList {
  bool usable = false;  // false: has text searches or general atoms, or 64+ rules
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

  // The first-match list of `conditions` (flattened by AddConjunction) as
  // a BranchFreeList; not usable when some atom is not a field comparison.
  BranchFreeList AddBranchFreeList(const std::vector<Conjunction>& conditions);
  const SlotTest* slot_tests() const { return slot_tests_.data(); }

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> args_;
  std::vector<Atom> atoms_;
  std::vector<SlotTest> slot_tests_;
  std::deque<std::string> strings_;
  std::deque<std::vector<Value>> lists_;
};

// Explanation recording; see Frame::trace.
struct Trace {
  std::vector<ConditionCheck>* checks = nullptr;
  // For each of `checks`: its reason as a plain fact when it did not come
  // out as needed ("" otherwise), for an `and` / `or` that turns out fine.
  std::vector<std::string> facts;
  bool negated = false;  // inside an odd number of `not`s
};

// Everything one evaluation reads. Built by the evaluator per call.
struct Frame {
  const Customer* customer = nullptr;
  const Purchase* purchase = nullptr;
  const Interaction* interaction = nullptr;
  const Feedback* feedback = nullptr;
  const CustomEvent* event = nullptr;
  int32_t today = 0;
  const std::string_view* segment_by_dimension = nullptr;
  // The numbers atoms compare (see Slot), segment indices included.
  const int64_t* slots = nullptr;
  // The ruleset's windowed facts, in Decimal units, by index (Op::kFact).
  const int64_t* facts = nullptr;
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
inline constexpr int64_t Customer::*kIntMembers[] = {&Customer::age,
                                                     &Customer::purchase_frequency,
                                                     &Customer::interaction_count,
                                                     &Customer::points,
                                                     &Customer::points_pending,
                                                     &Customer::points_lifetime,
                                                     &Customer::points_owed,
                                                     &Customer::qualifying_points,
                                                     &Customer::rfm_r,
                                                     &Customer::rfm_f,
                                                     &Customer::rfm_m};
inline constexpr Decimal Customer::*kDecimalMembers[] = {
    &Customer::average_purchase_amount, &Customer::total_spent, &Customer::satisfaction,
    &Customer::qualifying_spent};
inline constexpr std::string Customer::*kStringMembers[] = {
    &Customer::id, &Customer::name, &Customer::gender, &Customer::occupation, &Customer::tier,
    &Customer::previous_tier};
inline constexpr Date Customer::*kDateMembers[] = {
    &Customer::birthday, &Customer::joined_at, &Customer::last_purchase_at, &Customer::tier_since,
    &Customer::manual_tier_until, &Customer::tier_downgrade_on};

static_assert(std::size(kIntMembers) == kSlotCustomerDecimal0 - kSlotCustomerInt0);
static_assert(std::size(kDecimalMembers) == kSlotEnum0 - kSlotCustomerDecimal0);

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

// Fills the slots before kSlotSegment0 from the frame's customer and
// events; the fields of an absent event read 0 (no atom reads them then:
// the loader allows event fields only where the event exists).
inline void LoadSlots(const Frame& f, int64_t* slots) {
  const Customer& c = *f.customer;
  for (size_t i = 0; i < std::size(kIntMembers); ++i) {
    slots[kSlotCustomerInt0 + i] = IntegerUnits(c.*kIntMembers[i]);
  }
  for (size_t i = 0; i < std::size(kDecimalMembers); ++i) {
    slots[kSlotCustomerDecimal0 + i] = (c.*kDecimalMembers[i]).units();
  }
  slots[kSlotEnum0 + 0] = static_cast<int64_t>(c.consumption);
  slots[kSlotEnum0 + 1] = static_cast<int64_t>(c.channel);
  slots[kSlotEnum0 + 2] = f.purchase ? static_cast<int64_t>(f.purchase->channel) : 0;
  slots[kSlotEnum0 + 3] = f.feedback ? static_cast<int64_t>(f.feedback->source) : 0;
  slots[kSlotPurchaseAmount] = f.purchase ? f.purchase->amount.units() : 0;
}

// The text of a TextSource (see Op::kContainsText).
[[gnu::always_inline]] inline std::string_view SourceTextOf(const Frame& f, uint32_t source) {
  switch (source) {
    case static_cast<uint32_t>(TextSource::kInteraction): return f.interaction->text;
    case static_cast<uint32_t>(TextSource::kFeedback): return f.feedback->text;
    case static_cast<uint32_t>(TextSource::kFeedbackProduct): return f.feedback->product;
    case static_cast<uint32_t>(TextSource::kPurchaseProduct): return f.purchase->product;
    case static_cast<uint32_t>(TextSource::kPurchaseCategory): return f.purchase->category;
    default:
      return f.customer->*kStringMembers[source - static_cast<uint32_t>(TextSource::kCustomerString0)];
  }
}

// True when `needle` occurs in `text` (byte-wise, which is exact for UTF-8).
// std::string_view::find is slow on Chinese text: it calls memchr and
// memcmp at every occurrence of the needle's first byte, and in UTF-8 the
// lead bytes 0xE4..0xE9 start nearly every character. Instead, 16 starting
// positions at a time are screened by the needle's first and last bytes
// (the last one is a continuation byte, which varies far more), and only
// the survivors are compared in full.
inline bool ContainsText(std::string_view text, std::string_view needle) {
  const size_t n = needle.size();
  if (n > text.size()) return false;
  if (n < 2) return n == 0 || memchr(text.data(), needle[0], text.size()) != nullptr;
  const char* p = text.data();
  const char* const end = text.data() + (text.size() - n + 1);  // past the last start
  // The bytes between the first and the last; needles are a few bytes, so
  // a loop beats a call to memcmp.
  auto matches_at = [&](const char* at) {
    for (size_t i = 1; i + 1 < n; ++i) {
      if (at[i] != needle[i]) return false;
    }
    return true;
  };
#if defined(__SSE2__)
  if (end - p >= 16) {
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[n - 1]);
    // The block at `at` covers starts at..at+15 and reads up to at+n+14,
    // which is inside the text while at+16 <= end. The final block
    // overlaps the one before it rather than reading past the end.
    for (const char* at = p;; at += 16) {
      if (at + 16 > end) at = end - 16;
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + n - 1));
      unsigned mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
      for (; mask != 0; mask &= mask - 1) {
        if (matches_at(at + __builtin_ctz(mask))) return true;
      }
      if (at + 16 == end) return false;
    }
  }
#endif
  for (; p < end; ++p) {
    if (p[0] == needle[0] && p[n - 1] == needle[n - 1] && matches_at(p)) return true;
  }
  return false;
}

// The text sources whose lengths a WorkBound depends on: the TextSource
// values, one per customer string member included.
inline constexpr size_t kTextSourceCount =
    static_cast<size_t>(TextSource::kCustomerString0) + std::size(kStringMembers);

// An upper bound on the work of evaluating something, in work units (one
// per node evaluated, condition test or list item, and one per 16 bytes of
// text scanned), linear in the lengths of the texts it reads:
//   work <= fixed + sum over sources s of scans[s] * (length(s) / 16).
// Sums saturate at UINT64_MAX rather than wrap.
struct WorkBound {
  uint64_t fixed = 0;
  uint64_t scans[kTextSourceCount] = {};

  void Add(const WorkBound& other);
  void AddFixed(uint64_t units);
  // The units that source `source` adds when it is `length` bytes long.
  uint64_t TextUnits(size_t source, uint64_t length) const;
  // The bound for texts of these lengths in bytes (indexed by TextSource).
  uint64_t For(const uint64_t (&lengths)[kTextSourceCount]) const;
};

// What the work of a node depends on beyond the program itself.
struct WorkContext {
  uint64_t segment_name_bytes = 0;  // the longest segment name
  uint64_t segment_count = 0;       // the most segments one evaluation can assign
};

// Adds to *bound the most work that evaluating node `index` can take,
// traced for an explanation or not (a fused comparison's operands, which
// only an explanation evaluates, are counted too).
void AddWorkOf(const Program& program, uint32_t index, const WorkContext& context,
               WorkBound* bound);

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
    if (atom->op == Op::kLoadSlot) [[likely]] {
      x = frame->slots[atom->field];
    } else if (atom->op == Op::kContainsText) {
      if (!holds) return false;
      x = ContainsText(SourceTextOf(*frame, atom->field), atom->constant.s());
    } else if (atom->op == Op::kConst) {
      return false;
    } else {
      if (!holds) return false;
      x = Evaluate(program, atom->node, frame).n;
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

// The index of the first rule of `list` whose tests all hold, or the
// number of rules when none does (see BranchFreeList).
[[gnu::always_inline]] inline size_t FirstMatch(const Program& program, BranchFreeList list,
                                                const int64_t* slots) {
  const SlotTest* test = program.slot_tests() + list.begin;
  const SlotTest* const end = test + list.count;
  uint64_t failed = 0;  // bit r: rule r has a test that failed
  for (; test != end; ++test) {
    const bool in_range = static_cast<uint64_t>(slots[test->slot]) - test->low <= test->span;
    failed |= uint64_t{in_range == test->negate} << test->rule;
  }
  return static_cast<size_t>(__builtin_ctzll(~failed));  // bits past the last rule stay 0
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
