#include "rules/internal/shadowing.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

namespace clientele::rules::shadowing_internal {
namespace {

using program_internal::Node;
using program_internal::Op;
using program_internal::Program;

// Which value an atom constrains: the load operation and its member.
using Key = std::pair<Op, uint32_t>;

struct Bound {
  bool infinite = true;
  int64_t value = 0;
  bool inclusive = false;
};

struct Interval {
  Bound low, high;

  void Intersect(const Interval& other) {
    if (!other.low.infinite &&
        (low.infinite || other.low.value > low.value ||
         (other.low.value == low.value && !other.low.inclusive))) {
      low = other.low;
    }
    if (!other.high.infinite &&
        (high.infinite || other.high.value < high.value ||
         (other.high.value == high.value && !other.high.inclusive))) {
      high = other.high;
    }
  }
  bool Empty() const {
    if (low.infinite || high.infinite) return false;
    return low.value > high.value ||
           (low.value == high.value && !(low.inclusive && high.inclusive));
  }
  // Every value in *this is also in `outer`.
  bool Within(const Interval& outer) const {
    bool low_ok = outer.low.infinite ||
                  (!low.infinite && (low.value > outer.low.value ||
                                     (low.value == outer.low.value &&
                                      (outer.low.inclusive || !low.inclusive))));
    bool high_ok = outer.high.infinite ||
                   (!high.infinite && (high.value < outer.high.value ||
                                       (high.value == outer.high.value &&
                                        (outer.high.inclusive || !high.inclusive))));
    return low_ok && high_ok;
  }
};

// A condition as a conjunction of simple constraints.
struct Conjunction {
  bool fully_understood = true;  // false: some part is not a simple atom
  bool contradictory = false;
  std::map<Key, Interval> numbers;
  std::map<Key, std::set<std::string_view>> texts;
};

bool IsLoad(Op op) { return op >= Op::kCustomerInt && op <= Op::kSegment; }

class Analyzer {
 public:
  explicit Analyzer(const Program& program) : p_(program) {}

  Conjunction Analyze(uint32_t index) {
    Conjunction c;
    Add(index, &c);
    for (const auto& [key, interval] : c.numbers) c.contradictory |= interval.Empty();
    for (const auto& [key, values] : c.texts) c.contradictory |= values.empty();
    return c;
  }

 private:
  void Add(uint32_t index, Conjunction* c) {
    const Node& n = p_.node(index);
    if (n.op == Op::kAnd) {
      Add(n.a, c);
      Add(n.b, c);
      return;
    }
    if (n.op == Op::kConst) {
      if (n.constant.n == 0) c->contradictory = true;
      return;
    }
    if (!AddAtom(n, c)) c->fully_understood = false;
  }

  bool AddAtom(const Node& n, Conjunction* c) {
    if (n.op == Op::kInStrList && n.field == 0) {
      const Node& load = p_.node(n.a);
      if (!IsLoad(load.op)) return false;
      std::set<std::string_view> values;
      for (const auto& item : *p_.node(n.b).constant.list) values.insert(item.s());
      Constrain(c, KeyOf(load), std::move(values));
      return true;
    }
    const Node* load = &p_.node(n.a);
    const Node* constant = &p_.node(n.b);
    Op op = n.op;
    if (program_internal::IsFusedCompare(n.op)) {
      op = n.compare;  // already written with the field on the left
      if (constant->op != Op::kConst) std::swap(load, constant);
    } else if (constant->op != Op::kConst) {
      std::swap(load, constant);
      op = program_internal::MirrorComparison(op);
    }
    if (op < Op::kEq || op > Op::kStrEq || op == Op::kNe) return false;
    if (!IsLoad(load->op) || constant->op != Op::kConst) return false;
    if (op == Op::kStrEq) {
      Constrain(c, KeyOf(*load), {constant->constant.s()});
      return true;
    }
    Interval interval;
    Bound bound{false, constant->constant.n, op == Op::kLe || op == Op::kGe || op == Op::kEq};
    if (op == Op::kLt || op == Op::kLe || op == Op::kEq) interval.high = bound;
    if (op == Op::kGt || op == Op::kGe || op == Op::kEq) interval.low = bound;
    auto [it, inserted] = c->numbers.emplace(KeyOf(*load), interval);
    if (!inserted) it->second.Intersect(interval);
    return true;
  }

  static Key KeyOf(const Node& load) { return {load.op, load.field}; }

  static void Constrain(Conjunction* c, Key key, std::set<std::string_view> values) {
    auto [it, inserted] = c->texts.emplace(key, values);
    if (inserted) return;
    std::set<std::string_view> both;
    std::set_intersection(it->second.begin(), it->second.end(), values.begin(), values.end(),
                          std::inserter(both, both.begin()));
    it->second = std::move(both);
  }

  const Program& p_;
};

// True when every customer matching `later` also matches `earlier`.
bool Covers(const Conjunction& earlier, const Conjunction& later) {
  if (!earlier.fully_understood || earlier.contradictory) return false;
  for (const auto& [key, outer] : earlier.numbers) {
    auto it = later.numbers.find(key);
    if (it == later.numbers.end() || !it->second.Within(outer)) return false;
  }
  for (const auto& [key, outer] : earlier.texts) {
    auto it = later.texts.find(key);
    if (it == later.texts.end()) return false;
    if (!std::includes(outer.begin(), outer.end(), it->second.begin(), it->second.end())) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<size_t> FindShadowingRule(const Program& program,
                                        const std::vector<uint32_t>& conditions, size_t i) {
  Analyzer analyzer(program);
  Conjunction later = analyzer.Analyze(conditions[i]);
  if (later.contradictory) return std::nullopt;  // reported by NeverTrue instead
  for (size_t j = 0; j < i; ++j) {
    if (Covers(analyzer.Analyze(conditions[j]), later)) return j;
  }
  return std::nullopt;
}

bool NeverTrue(const Program& program, uint32_t condition) {
  return Analyzer(program).Analyze(condition).contradictory;
}

bool AlwaysTrue(const Program& program, uint32_t condition) {
  const Node& n = program.node(condition);
  return n.op == Op::kConst && n.constant.n != 0;
}

}  // namespace clientele::rules::shadowing_internal
