// The compiled form of rule expressions: a flat array of typed nodes that
// the evaluator walks. Names are already resolved to field slots and
// dimension indices, parameters and constant sub-expressions are folded, and
// every node's type is known, so evaluation does no lookups, no parsing and
// no type tests. A Program is immutable once compiled; evaluating it from
// many threads at once is safe (each evaluation has its own Frame).
#ifndef CLIENTELE_RULES_INTERNAL_PROGRAM_H_
#define CLIENTELE_RULES_INTERNAL_PROGRAM_H_

#include <cstdint>
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
// dates days in `n`, text in `s`, lists in `list`.
struct Value {
  int64_t n = 0;
  std::string_view s;
  const std::vector<Value>* list = nullptr;
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
  kSegmentHas,    // collect dimension `field` contains text `a`
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
};

struct Node {
  Op op = Op::kConst;
  ValueType type = ValueType::kInvalid;
  Domain domain = Domain::kNone;
  bool literal = false;     // written as a literal: not shown in explanations
  uint32_t field = 0;       // member / dimension index / flag, by op
  uint32_t a = 0, b = 0;    // child nodes
  uint32_t args_begin = 0;  // variadic children (min, max): Program::args
  uint32_t args_count = 0;
  Value constant;           // for kConst
  std::string_view text;    // source text, for explanations and errors
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

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> args_;
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
  const std::vector<SegmentAssignment>* segments = nullptr;
  const std::vector<std::string_view>* dimension_ids = nullptr;
  Decision::Scratch* scratch = nullptr;
  Trace* trace = nullptr;  // non-null: record every comparison
  // The first runtime error (overflow, division by zero), if any.
  const char* error = nullptr;
  uint32_t error_node = 0;
};

// Evaluates node `index`. Never throws; on arithmetic errors sets
// frame->error (first one wins) and returns a zero value.
Value Evaluate(const Program& program, uint32_t index, Frame* frame);

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
