#include "rules/internal/shadowing.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "rules/decimal.h"
#include "common/strings.h"

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
// Adds one to *work for each key compared.
bool Covers(const Conjunction& earlier, const Conjunction& later, uint64_t* work) {
  if (!earlier.fully_understood || earlier.contradictory) return false;
  for (const auto& [key, outer] : earlier.numbers) {
    ++*work;
    auto it = later.numbers.find(key);
    if (it == later.numbers.end() || !it->second.Within(outer)) return false;
  }
  for (const auto& [key, outer] : earlier.texts) {
    ++*work;
    auto it = later.texts.find(key);
    if (it == later.texts.end()) return false;
    if (!std::includes(outer.begin(), outer.end(), it->second.begin(), it->second.end())) {
      return false;
    }
  }
  return true;
}

// ---- bounds as sortable keys
//
// A lower bound's key is smaller the looser the bound (unbounded first,
// then by value, inclusive before exclusive); an upper bound's key is larger
// the looser it is. So `inner` lies within `outer` exactly when
// LowKey(outer) <= LowKey(inner) and HighKey(inner) <= HighKey(outer), the
// test of Interval::Within, and sweeps over keys answer containment and
// overlap questions for many intervals at once.
using BoundKey = std::tuple<int, int64_t, int>;

BoundKey LowKey(const Bound& b) {
  return b.infinite ? BoundKey{0, 0, 0} : BoundKey{1, b.value, b.inclusive ? 0 : 1};
}
BoundKey HighKey(const Bound& b) {
  return b.infinite ? BoundKey{1, 0, 0} : BoundKey{0, b.value, b.inclusive ? 1 : 0};
}

// Minimum of rule indices over positions 0..n-1, with point updates and
// range queries; each step counts one unit of *work.
class MinTree {
 public:
  static constexpr size_t kNone = SIZE_MAX;
  MinTree(size_t n, uint64_t* work) : n_(n), t_(2 * n, kNone), work_(work) {}
  void Lower(size_t pos, size_t value) {
    for (pos += n_; pos > 0; pos /= 2) {
      ++*work_;
      t_[pos] = std::min(t_[pos], value);
    }
  }
  // Minimum over positions [begin, end).
  size_t Min(size_t begin, size_t end) const {
    size_t best = kNone;
    for (begin += n_, end += n_; begin < end; begin /= 2, end /= 2) {
      ++*work_;
      if (begin & 1) best = std::min(best, t_[begin++]);
      if (end & 1) best = std::min(best, t_[--end]);
    }
    return best;
  }

 private:
  size_t n_;
  std::vector<size_t> t_;
  uint64_t* work_;
};

// Position of `key` among the sorted distinct `keys`: the first at least
// (lower) or above (upper) it.
size_t FirstAtLeast(const std::vector<BoundKey>& keys, const BoundKey& key) {
  return std::lower_bound(keys.begin(), keys.end(), key) - keys.begin();
}
size_t FirstAbove(const std::vector<BoundKey>& keys, const BoundKey& key) {
  return std::upper_bound(keys.begin(), keys.end(), key) - keys.begin();
}

std::vector<BoundKey> SortedDistinct(std::vector<BoundKey> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// An interval with the rule it belongs to.
struct Ranged {
  size_t rule;
  Interval range;
};

// For every query: the smallest rule of `members` whose interval contains
// the query's (its own included, if it is a member). One sweep over the
// lower bounds, loosest first, with a MinTree over the upper bounds: O((m
// + q) log m).
std::vector<size_t> FirstContaining(const std::vector<Ranged>& members,
                                    const std::vector<Ranged>& queries, uint64_t* work) {
  std::vector<BoundKey> highs;
  for (const Ranged& m : members) highs.push_back(HighKey(m.range.high));
  highs = SortedDistinct(std::move(highs));
  const size_t n = highs.size();
  // Position n-1-rank: a prefix of positions is every upper bound at least
  // as loose as a given one.
  MinTree tree(n, work);
  auto by_low = [](const std::vector<Ranged>& v) {
    std::vector<size_t> order(v.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return LowKey(v[a].range.low) < LowKey(v[b].range.low);
    });
    return order;
  };
  const std::vector<size_t> member_order = by_low(members);
  std::vector<size_t> result(queries.size(), MinTree::kNone);
  size_t next = 0;
  for (size_t q : by_low(queries)) {
    const BoundKey low = LowKey(queries[q].range.low);
    for (; next < member_order.size() && LowKey(members[member_order[next]].range.low) <= low;
         ++next) {
      const Ranged& m = members[member_order[next]];
      tree.Lower(n - 1 - FirstAtLeast(highs, HighKey(m.range.high)), m.rule);
    }
    const size_t at_least = FirstAtLeast(highs, HighKey(queries[q].range.high));
    result[q] = tree.Min(0, n - at_least);
  }
  return result;
}

// The key of a lower bound meeting an upper bound, the interval between
// them not empty: an upper bound (value, inclusive) meets a lower bound
// exactly when HighKey(upper) is at least (or above, for an exclusive lower
// bound) the key returned here.
BoundKey HighKeyMeeting(const Bound& low) { return {0, low.value, 1}; }
// And a lower bound meets an upper bound exactly when LowKey(lower) is at
// most (or below, for an exclusive upper bound) this key.
BoundKey LowKeyMeeting(const Bound& high) { return {1, high.value, 0}; }

// For every band of a table (in rule order): the smallest rule of the
// table whose range partly overlaps it — they share values and neither
// contains the other — or MinTree::kNone. Two sweeps: bands that start
// before and end inside it, and bands that start inside it and end after.
std::vector<size_t> FirstPartlyOverlapping(const std::vector<Ranged>& bands, uint64_t* work) {
  std::vector<size_t> result(bands.size(), MinTree::kNone);
  std::vector<size_t> order(bands.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Starts before, ends inside: LowKey(b) < LowKey(q), HighKey(b) < HighKey(q),
  // and q's lower bound meets b's upper bound.
  {
    std::vector<BoundKey> highs;
    for (const Ranged& b : bands) highs.push_back(HighKey(b.range.high));
    highs = SortedDistinct(std::move(highs));
    MinTree tree(highs.size(), work);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return LowKey(bands[a].range.low) < LowKey(bands[b].range.low);
    });
    size_t next = 0;
    for (size_t q : order) {
      const Bound& low = bands[q].range.low;
      for (; next < order.size() && LowKey(bands[order[next]].range.low) < LowKey(low); ++next) {
        const Ranged& b = bands[order[next]];
        tree.Lower(FirstAtLeast(highs, HighKey(b.range.high)), b.rule);
      }
      size_t begin = 0;
      if (!low.infinite) {
        begin = low.inclusive ? FirstAtLeast(highs, HighKeyMeeting(low))
                              : FirstAbove(highs, HighKeyMeeting(low));
      }
      const size_t end = FirstAtLeast(highs, HighKey(bands[q].range.high));
      if (begin < end) result[q] = std::min(result[q], tree.Min(begin, end));
    }
  }
  // Starts inside, ends after: HighKey(b) > HighKey(q), LowKey(b) > LowKey(q),
  // and b's lower bound meets q's upper bound.
  {
    std::vector<BoundKey> lows;
    for (const Ranged& b : bands) lows.push_back(LowKey(b.range.low));
    lows = SortedDistinct(std::move(lows));
    MinTree tree(lows.size(), work);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return HighKey(bands[a].range.high) > HighKey(bands[b].range.high);
    });
    size_t next = 0;
    for (size_t q : order) {
      const Bound& high = bands[q].range.high;
      for (; next < order.size() && HighKey(bands[order[next]].range.high) > HighKey(high);
           ++next) {
        const Ranged& b = bands[order[next]];
        tree.Lower(FirstAtLeast(lows, LowKey(b.range.low)), b.rule);
      }
      const size_t begin = FirstAbove(lows, LowKey(bands[q].range.low));
      size_t end = lows.size();
      if (!high.infinite) {
        end = high.inclusive ? FirstAbove(lows, LowKeyMeeting(high))
                             : FirstAtLeast(lows, LowKeyMeeting(high));
      }
      if (begin < end) result[q] = std::min(result[q], tree.Min(begin, end));
    }
  }
  return result;
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
              const std::optional<Interval>& field_range, std::vector<BandFinding>* findings) {
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
    if (field_range) hole.Intersect(*field_range);  // no customer has the values outside
    if (whole_numbers) hole = WholeNumbers(hole);
    if (!next.range.low.infinite && !hole.Empty()) {
      findings->push_back({BandFinding::Kind::kGap, reach->rule, next.rule, field,
                           RangeText(hole, whole_numbers)});
    }
    if (UpperBoundBeyond(next.range.high, reach->range.high)) reach = &next;
  }
}

// A later rule whose range partly overlaps an earlier one's: the earlier
// rule takes the shared values; the first such earlier rule is named.
// (Containment either way is not reported: a later range inside an earlier
// one is unreachable, reported elsewhere; an earlier range inside a later
// one is the usual cascade, `age < 30` then `age < 40`.)
void FindOverlaps(const std::vector<Band>& table, bool whole_numbers, const std::string& field,
                  std::vector<BandFinding>* findings, uint64_t* work) {
  std::vector<Ranged> bands;
  for (const Band& b : table) bands.push_back({b.rule, b.range});
  const std::vector<size_t> first = FirstPartlyOverlapping(bands, work);
  for (size_t j = 0; j < table.size(); ++j) {
    if (first[j] == MinTree::kNone || first[j] >= table[j].rule) continue;
    // The table is in rule order: find the earlier rule's band by bisection.
    auto earlier = std::lower_bound(table.begin(), table.end(), first[j],
                                    [](const Band& b, size_t rule) { return b.rule < rule; });
    Interval shared = earlier->range;
    shared.Intersect(table[j].range);
    if (whole_numbers) shared = WholeNumbers(shared);
    findings->push_back({BandFinding::Kind::kOverlap, first[j], table[j].rule, field,
                         RangeText(shared, whole_numbers)});
  }
}

// False when every rule outside the table is ruled out for the table's
// customers by a constraint other than on `key` (another row of a grid:
// `consumption == "high"` against the table's "low").
bool OthersMayMatch(const std::vector<Conjunction>& analyzed, const std::vector<Band>& table,
                    const Key& key, uint64_t* work) {
  const Conjunction& rest = analyzed[table[0].rule];
  std::vector<bool> in_table(analyzed.size());
  for (const Band& b : table) in_table[b.rule] = true;
  auto ruled_out = [&](const Conjunction& other) {
    ++*work;
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
    if (!in_table[r] && !ruled_out(analyzed[r])) return true;
  }
  return false;
}

// The values that the field `load` reads can take (FieldRanges), or
// nullopt when nothing is known.
std::optional<Interval> RangeOf(const Node& load, const FieldRanges& ranges) {
  auto at_least = [](int64_t units, bool inclusive) {
    Interval in;
    in.low = {false, units, inclusive};
    return in;
  };
  if (load.op == Op::kPurchaseAmount) return at_least(0, false);  // RecordPurchase: > 0
  std::string_view name;
  for (const program_internal::CustomerField& f : program_internal::CustomerFields()) {
    if (f.op == load.op && f.member == load.field) name = f.name;
  }
  constexpr int64_t kScale = Decimal::kScale;
  if (name == "age") {
    Interval age = at_least(0, true);
    age.high = {false, 150 * kScale, true};
    return age;
  }
  if (name == "purchase_frequency" || name == "interaction_count" ||
      name == "average_purchase_amount" || name == "total_spent") {
    return at_least(0, true);
  }
  if (name == "satisfaction") {
    Interval satisfaction = at_least(ranges.satisfaction_min.units(), true);
    satisfaction.high = {false, ranges.satisfaction_max.units(), true};
    return satisfaction;
  }
  return std::nullopt;
}

// "age is never below 0", "purchase.amount is always more than 0": why
// `wanted` (the values a condition asks of `field`) lies outside `range`;
// nullopt when they share a value.
std::optional<std::string> OutsideRange(const Interval& wanted, const Interval& range,
                                        std::string_view field) {
  if (!range.low.infinite && !wanted.high.infinite) {
    Interval inside = range;
    inside.Intersect(Interval{{}, wanted.high});
    if (inside.Empty()) {
      return StrCat(field, range.low.inclusive ? " is never below " : " is always more than ",
                    Number(range.low.value));
    }
  }
  if (!range.high.infinite && !wanted.low.infinite) {
    Interval inside = range;
    inside.Intersect(Interval{wanted.low, {}});
    if (inside.Empty()) {
      return StrCat(field, range.high.inclusive ? " is never above " : " is always less than ",
                    Number(range.high.value));
    }
  }
  return std::nullopt;
}

// Earlier rules that might cover later ones, grouped so that a later rule
// is compared only with those that constrain a subset of its fields and,
// for text, the same single values.
struct Signature {
  std::vector<Key> numbers, texts;
  auto operator<=>(const Signature&) const = default;
};

Signature SignatureOf(const Conjunction& c) {
  Signature s;
  for (const auto& [key, interval] : c.numbers) s.numbers.push_back(key);
  for (const auto& [key, values] : c.texts) s.texts.push_back(key);
  return s;
}

bool IsSubset(const std::vector<Key>& small, const std::vector<Key>& big) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

struct Family {
  // Members whose text constraints are each one value, by those values: a
  // later rule finds its group by lookup.
  std::map<std::vector<std::string_view>, std::vector<size_t>> by_values;
  // Members with a text constraint of several values (`in` lists), by
  // those sets: a later rule is checked against each distinct group.
  std::map<std::vector<std::set<std::string_view>>, std::vector<size_t>> by_sets;
};

}  // namespace

struct RuleListAnalysis::Impl {
  const Program& program;
  FieldRanges ranges;
  std::vector<Conjunction> analyzed;
  std::vector<std::optional<std::string>> never_true;
  mutable uint64_t work = 0;

  Impl(const Program& p, const FieldRanges& r) : program(p), ranges(r) {}

  std::optional<std::string> WhyNeverTrue(const Conjunction& c) const {
    for (const auto& [key, interval] : c.numbers) {
      const Node* load = c.loads.at(key);
      std::optional<Interval> range = RangeOf(*load, ranges);
      if (!range) continue;
      const bool whole = load->type == program_internal::ValueType::kInt;
      if (auto why = OutsideRange(whole ? WholeNumbers(interval) : interval, *range,
                                  load->text)) {
        return why;
      }
    }
    if (c.contradictory) return std::string("its condition is never true");
    return std::nullopt;
  }

  // Lowers (*best)[i], for each rule i of `queries`, to the smallest rule of
  // `members` (ascending) that covers it. Members constrain the same
  // numbers and the same single text values; each query constrains at
  // least those numbers, and the same values.
  void FirstCovering(const std::vector<size_t>& members, const std::vector<size_t>& queries,
                     std::vector<size_t>* best) const {
    const Conjunction& model = analyzed[members[0]];
    auto lower = [&](size_t i, size_t j) { (*best)[i] = std::min((*best)[i], j); };
    if (model.numbers.empty()) {
      for (size_t i : queries) lower(i, members[0]);
      return;
    }
    const Key first_key = model.numbers.begin()->first;
    if (model.numbers.size() == 1) {
      std::vector<Ranged> m, q;
      for (size_t j : members) m.push_back({j, analyzed[j].numbers.at(first_key)});
      for (size_t i : queries) q.push_back({i, analyzed[i].numbers.at(first_key)});
      std::vector<size_t> found = FirstContaining(m, q, &work);
      for (size_t k = 0; k < queries.size(); ++k) lower(queries[k], found[k]);
      return;
    }
    // Several numbers: rows of members with the same range on the first,
    // then the members of each row that contains the query's range.
    std::map<BoundKey, std::map<BoundKey, std::vector<size_t>>> rows;
    for (size_t j : members) {
      const Interval& in = analyzed[j].numbers.at(first_key);
      rows[LowKey(in.low)][HighKey(in.high)].push_back(j);
    }
    for (size_t i : queries) {
      const Interval& wanted = analyzed[i].numbers.at(first_key);
      for (const auto& [low, by_high] : rows) {
        ++work;
        if (low > LowKey(wanted.low)) break;
        for (auto row = by_high.lower_bound(HighKey(wanted.high)); row != by_high.end(); ++row) {
          for (size_t j : row->second) {
            if (j >= std::min(i, (*best)[i])) break;
            if (Covers(analyzed[j], analyzed[i], &work)) {
              lower(i, j);
              break;
            }
          }
        }
      }
    }
  }

  std::vector<std::optional<size_t>> ShadowingRules() const {
    std::map<Signature, Family> families;
    for (size_t j = 0; j < analyzed.size(); ++j) {
      const Conjunction& c = analyzed[j];
      if (!c.fully_understood || c.contradictory) continue;
      Family& family = families[SignatureOf(c)];
      std::vector<std::string_view> values;
      std::vector<std::set<std::string_view>> sets;
      for (const auto& [key, set] : c.texts) {
        if (set.size() == 1) values.push_back(*set.begin());
        sets.push_back(set);
      }
      if (values.size() == c.texts.size()) {
        family.by_values[values].push_back(j);
      } else {
        family.by_sets[sets].push_back(j);
      }
    }
    std::vector<size_t> best(analyzed.size(), MinTree::kNone);
    // (family members, the later rules to compare with them)
    std::map<const std::vector<size_t>*, std::vector<size_t>> queries;
    for (size_t i = 0; i < analyzed.size(); ++i) {
      const Conjunction& later = analyzed[i];
      if (later.contradictory) continue;
      const Signature mine = SignatureOf(later);
      for (const auto& [signature, family] : families) {
        ++work;
        if (!IsSubset(signature.numbers, mine.numbers) || !IsSubset(signature.texts, mine.texts)) {
          continue;
        }
        std::vector<std::string_view> values;
        for (const Key& key : signature.texts) {
          const std::set<std::string_view>& set = later.texts.at(key);
          if (set.size() == 1) values.push_back(*set.begin());
        }
        if (values.size() == signature.texts.size()) {
          if (auto it = family.by_values.find(values); it != family.by_values.end()) {
            queries[&it->second].push_back(i);
          }
        }
        for (const auto& [sets, members] : family.by_sets) {
          ++work;
          bool within = true;
          for (size_t k = 0; k < sets.size() && within; ++k) {
            const std::set<std::string_view>& wanted = later.texts.at(signature.texts[k]);
            within = std::includes(sets[k].begin(), sets[k].end(), wanted.begin(), wanted.end());
          }
          if (within) queries[&members].push_back(i);
        }
      }
    }
    for (const auto& [members, later] : queries) FirstCovering(*members, later, &best);
    std::vector<std::optional<size_t>> result(analyzed.size());
    for (size_t i = 0; i < analyzed.size(); ++i) {
      if (best[i] < i) result[i] = best[i];
    }
    return result;
  }

  std::vector<BandFinding> BandGapsAndOverlaps() const {
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
      FindGaps(bands, whole, field, RangeOf(*load, ranges), &findings);
      FindOverlaps(bands, whole, field, &findings, &work);
      if (findings.size() == before) continue;
      const bool others = OthersMayMatch(analyzed, bands, table_key.first, &work);
      for (size_t i = before; i < findings.size(); ++i) findings[i].others_may_match = others;
    }
    std::sort(findings.begin(), findings.end(), [](const BandFinding& a, const BandFinding& b) {
      return std::tie(a.later, a.kind) < std::tie(b.later, b.kind);
    });
    return findings;
  }
};

RuleListAnalysis::RuleListAnalysis(const Program& program,
                                   const std::vector<uint32_t>& conditions,
                                   const FieldRanges& ranges)
    : impl_(std::make_unique<Impl>(program, ranges)) {
  Analyzer analyzer(program);
  impl_->analyzed.reserve(conditions.size());
  for (uint32_t condition : conditions) {
    ++impl_->work;
    impl_->analyzed.push_back(analyzer.Analyze(condition));
    impl_->never_true.push_back(impl_->WhyNeverTrue(impl_->analyzed.back()));
  }
}

RuleListAnalysis::~RuleListAnalysis() = default;

std::optional<std::string> RuleListAnalysis::NeverTrue(size_t i) const {
  return impl_->never_true[i];
}

std::vector<std::optional<size_t>> RuleListAnalysis::ShadowingRules() const {
  return impl_->ShadowingRules();
}

std::vector<BandFinding> RuleListAnalysis::BandGapsAndOverlaps() const {
  return impl_->BandGapsAndOverlaps();
}

uint64_t RuleListAnalysis::work() const { return impl_->work; }

bool AlwaysTrue(const Program& program, uint32_t condition) {
  const Node& n = program.node(condition);
  return n.op == Op::kConst && n.constant.n != 0;
}

}  // namespace clientele::rules::shadowing_internal
