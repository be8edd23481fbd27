#include "rules/internal/shadowing.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "rules/decimal.h"
#include "rules/strings.h"

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
  std::map<Key, const Node*> loads;  // the field each number constraint reads
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
    c->loads.emplace(KeyOf(*load), load);
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

// ---- threshold tables: gaps and overlaps

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// For a whole-number field: the same set of values with inclusive bounds
// that are whole numbers, so that `age <= 39` and `age < 40` compare equal
// and (39, 40) is empty.
Interval WholeNumbers(Interval in) {
  constexpr int64_t kScale = Decimal::kScale;
  if (!in.low.infinite) {
    int64_t whole = FloorDiv(in.low.value, kScale);
    bool on_whole = whole * kScale == in.low.value;
    in.low = {false, (on_whole && in.low.inclusive ? whole : whole + 1) * kScale, true};
  }
  if (!in.high.infinite) {
    int64_t whole = FloorDiv(in.high.value, kScale);
    bool on_whole = whole * kScale == in.high.value;
    in.high = {false, (on_whole && !in.high.inclusive ? whole - 1 : whole) * kScale, true};
  }
  return in;
}

// Orders lower bounds from the lowest: unbounded first, then by value, an
// inclusive bound before an exclusive one at the same value.
bool LowerBoundBefore(const Bound& a, const Bound& b) {
  if (a.infinite || b.infinite) return a.infinite && !b.infinite;
  if (a.value != b.value) return a.value < b.value;
  return a.inclusive && !b.inclusive;
}

// True when upper bound `a` reaches beyond upper bound `b`.
bool UpperBoundBeyond(const Bound& a, const Bound& b) {
  if (a.infinite || b.infinite) return a.infinite && !b.infinite;
  if (a.value != b.value) return a.value > b.value;
  return a.inclusive && !b.inclusive;
}

std::string Number(int64_t units) { return Decimal::FromUnits(units).ToString(); }

// "40 to 44", "30", "60 or more" for whole numbers; "more than 4 and less
// than 4.5" for decimals.
std::string RangeText(const Interval& range, bool whole_numbers) {
  if (whole_numbers) {
    if (range.low.infinite) return StrCat(Number(range.high.value), " or less");
    if (range.high.infinite) return StrCat(Number(range.low.value), " or more");
    if (range.low.value == range.high.value) return Number(range.low.value);
    return StrCat(Number(range.low.value), " to ", Number(range.high.value));
  }
  if (!range.low.infinite && !range.high.infinite && range.low.value == range.high.value) {
    return StrCat("exactly ", Number(range.low.value));
  }
  std::vector<std::string> parts;
  if (!range.low.infinite) {
    parts.push_back(StrCat(range.low.inclusive ? "at least " : "more than ", Number(range.low.value)));
  }
  if (!range.high.infinite) {
    parts.push_back(StrCat(range.high.inclusive ? "at most " : "less than ", Number(range.high.value)));
  }
  return StrJoin(parts, " and ");
}

// What a condition requires apart from `key`, as text: rules with the same
// rest form one threshold table along `key`.
std::string RestOf(const Conjunction& c, const Key& key) {
  std::string rest;
  for (const auto& [k, interval] : c.numbers) {
    if (k == key) continue;
    StrAppend(&rest, static_cast<int>(k.first), ":", k.second, ":", interval.low.infinite, ",",
              interval.low.value, ",", interval.low.inclusive, ",", interval.high.infinite, ",",
              interval.high.value, ",", interval.high.inclusive, ";");
  }
  for (const auto& [k, values] : c.texts) {
    StrAppend(&rest, static_cast<int>(k.first), ":", k.second, ":", StrJoin(values, "\x1f"), ";");
  }
  return rest;
}

struct Band {
  size_t rule;
  Interval range;
};

void FindGaps(const std::vector<Band>& table, bool whole_numbers, const std::string& field,
              std::vector<BandFinding>* findings) {
  std::vector<Band> sorted = table;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Band& a, const Band& b) {
    return LowerBoundBefore(a.range.low, b.range.low);
  });
  const Band* reach = &sorted[0];  // the band reaching highest so far
  for (size_t i = 1; i < sorted.size(); ++i) {
    const Band& next = sorted[i];
    if (reach->range.high.infinite) return;
    Interval hole;
    hole.low = {false, reach->range.high.value, !reach->range.high.inclusive};
    hole.high = next.range.low;
    if (!hole.high.infinite) hole.high.inclusive = !hole.high.inclusive;
    if (whole_numbers) hole = WholeNumbers(hole);
    if (!next.range.low.infinite && !hole.Empty()) {
      findings->push_back({BandFinding::Kind::kGap, reach->rule, next.rule, field,
                           RangeText(hole, whole_numbers)});
    }
    if (UpperBoundBeyond(next.range.high, reach->range.high)) reach = &next;
  }
}

// A later rule whose range partly overlaps an earlier one's: the earlier
// rule takes the shared values. (Containment either way is not reported:
// a later range inside an earlier one is unreachable, reported elsewhere;
// an earlier range inside a later one is the usual cascade, `age < 30`
// then `age < 40`.)
void FindOverlaps(const std::vector<Band>& table, bool whole_numbers, const std::string& field,
                  std::vector<BandFinding>* findings) {
  for (size_t j = 1; j < table.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      Interval shared = table[i].range;
      shared.Intersect(table[j].range);
      if (whole_numbers) shared = WholeNumbers(shared);
      if (shared.Empty() || table[j].range.Within(table[i].range) ||
          table[i].range.Within(table[j].range)) {
        continue;
      }
      findings->push_back({BandFinding::Kind::kOverlap, table[i].rule, table[j].rule, field,
                           RangeText(shared, whole_numbers)});
      break;  // one finding per later rule is enough to look at it
    }
  }
}

// False when every rule outside the table is ruled out for the table's
// customers by a constraint other than on `key` (another row of a grid:
// `consumption == "high"` against the table's "low").
bool OthersMayMatch(const std::vector<Conjunction>& analyzed, const std::vector<Band>& table,
                    const Key& key) {
  const Conjunction& rest = analyzed[table[0].rule];
  auto in_table = [&](size_t r) {
    return std::any_of(table.begin(), table.end(), [&](const Band& b) { return b.rule == r; });
  };
  auto ruled_out = [&](const Conjunction& other) {
    if (!other.fully_understood) return false;
    if (other.contradictory) return true;
    for (const auto& [k, values] : other.texts) {
      auto it = rest.texts.find(k);
      if (it == rest.texts.end()) continue;
      if (std::none_of(values.begin(), values.end(),
                       [&](std::string_view v) { return it->second.contains(v); })) {
        return true;
      }
    }
    for (const auto& [k, interval] : other.numbers) {
      auto it = rest.numbers.find(k);
      if (k == key || it == rest.numbers.end()) continue;
      Interval both = interval;
      both.Intersect(it->second);
      if (both.Empty()) return true;
    }
    return false;
  };
  for (size_t r = 0; r < analyzed.size(); ++r) {
    if (!in_table(r) && !ruled_out(analyzed[r])) return true;
  }
  return false;
}

}  // namespace

std::vector<BandFinding> FindBandGapsAndOverlaps(const Program& program,
                                                 const std::vector<uint32_t>& conditions) {
  Analyzer analyzer(program);
  std::vector<Conjunction> analyzed;
  for (uint32_t condition : conditions) analyzed.push_back(analyzer.Analyze(condition));
  // (field, rest) -> the bands of that table, in rule order.
  std::map<std::pair<Key, std::string>, std::vector<Band>> tables;
  std::map<Key, const Node*> fields;
  for (size_t r = 0; r < analyzed.size(); ++r) {
    const Conjunction& c = analyzed[r];
    if (!c.fully_understood || c.contradictory) continue;
    for (const auto& [key, interval] : c.numbers) {
      const Node* load = c.loads.at(key);
      if (load->type != program_internal::ValueType::kInt &&
          load->type != program_internal::ValueType::kDecimal) {
        continue;
      }
      bool whole = load->type == program_internal::ValueType::kInt;
      tables[{key, RestOf(c, key)}].push_back({r, whole ? WholeNumbers(interval) : interval});
      fields.emplace(key, load);
    }
  }
  std::vector<BandFinding> findings;
  for (const auto& [table_key, bands] : tables) {
    if (bands.size() < 2) continue;
    const Node* load = fields.at(table_key.first);
    const bool whole = load->type == program_internal::ValueType::kInt;
    const std::string field(load->text);
    const size_t before = findings.size();
    FindGaps(bands, whole, field, &findings);
    FindOverlaps(bands, whole, field, &findings);
    const bool others = OthersMayMatch(analyzed, bands, table_key.first);
    for (size_t i = before; i < findings.size(); ++i) findings[i].others_may_match = others;
  }
  std::sort(findings.begin(), findings.end(), [](const BandFinding& a, const BandFinding& b) {
    return std::tie(a.later, a.kind) < std::tie(b.later, b.kind);
  });
  return findings;
}

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
