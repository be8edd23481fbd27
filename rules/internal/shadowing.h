// Static analysis of rule lists: finds rules that can never match because
// an earlier rule matches every customer they would, conditions that can
// never be true (atoms that contradict each other, or a field asked for a
// value outside its range), and gaps and overlaps in threshold tables.
// Works on the compiled conditions of simple threshold rules (conjunctions
// of `field <op> constant`, text equality and `in` lists); anything more
// complex is left alone, so the analysis never reports a rule that could
// match.
//
// A RuleListAnalysis analyses each condition once and answers for the whole
// list; the pairwise questions are answered by sweeps over rules sorted by
// bound, so that a list of n threshold rules costs O(n log n), not O(n^2).
// Thread-safety: one thread at a time (the const methods count their work);
// an analysis refers to `program`, which must outlive it.
#ifndef CLIENTELE_RULES_INTERNAL_SHADOWING_H_
#define CLIENTELE_RULES_INTERNAL_SHADOWING_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/decimal.h"
#include "rules/internal/program.h"

namespace clientele::rules::shadowing_internal {

// The values a field can take, as far as the code that stores it enforces
// on every way in (rules/customer.cc SetCustomerField, the server's store
// and RecordPurchase): age 0..150; purchase_frequency, interaction_count,
// average_purchase_amount and total_spent at least 0; purchase.amount more
// than 0; satisfaction 1..5 as entered, 0 when never rated, and kept within
// the interactions' satisfaction_range by interactions, hence the two
// bounds below. points has none: the store adds and takes back points
// (`points = points + ?`) without a floor.
struct FieldRanges {
  Decimal satisfaction_min = Decimal();                  // min(0, range min)
  Decimal satisfaction_max = Decimal::FromInteger(5);    // max(5, range max)
};

// A threshold table that a marketer probably did not mean, in a first-match
// list. A table is the rules that constrain the same number (age, points,
// purchase.amount, ...) and otherwise require the same things; in it, a
// gap is a range between two rules' ranges that no rule covers (those
// customers fall to the default), and an overlap is a later rule whose
// range partly covers an earlier one's (the earlier rule takes the shared
// values). Ranges that end the table on either side are not gaps: `age <
// 30` alone leaves 30 and above to the default on purpose; nor are values
// outside the field's range (FieldRanges).
struct BandFinding {
  enum class Kind { kGap, kOverlap };
  Kind kind = Kind::kGap;
  // Gap: the rule whose range ends below it; overlap: the earlier rule.
  size_t earlier = 0;
  // Gap: the rule whose range starts above it; overlap: the later rule.
  size_t later = 0;
  std::string field;  // as written, e.g. "age"
  std::string range;  // the uncovered or shared values: "40 to 44", "30",
                      // "more than 4 and less than 4.5"
  // Gaps: a rule outside the table might match those customers (one whose
  // condition is not a simple threshold, or that does not rule them out),
  // so they may not all reach the default.
  bool others_may_match = false;
};

class RuleListAnalysis {
 public:
  // Analyses `conditions` (roots of compiled conditions in `program`), one
  // per rule, in list order.
  RuleListAnalysis(const program_internal::Program& program,
                   const std::vector<uint32_t>& conditions, const FieldRanges& ranges);
  ~RuleListAnalysis();
  RuleListAnalysis(const RuleListAnalysis&) = delete;
  RuleListAnalysis& operator=(const RuleListAnalysis&) = delete;

  // Why rule i's condition is never true, as words that follow "can never
  // match: " — "its condition is never true" (atoms that contradict each
  // other, or `false`) or "age is never below 0" (a field asked for values
  // outside its range) — or nullopt when that cannot be shown.
  std::optional<std::string> NeverTrue(size_t i) const;

  // For every rule: the index of the first earlier rule that is true
  // whenever it is, if one can be shown (nullopt for rules that NeverTrue
  // reports as contradictory between their atoms).
  std::vector<std::optional<size_t>> ShadowingRules() const;

  // The threshold tables' findings, ordered by `later`.
  std::vector<BandFinding> BandGapsAndOverlaps() const;

  // Work done so far, in units of one rule analysed, one pair of rules
  // compared or one step in a sorted index: lets tests check that the
  // analysis grows as n log n, without timing it.
  uint64_t work() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when the condition is the constant `true`.
bool AlwaysTrue(const program_internal::Program& program, uint32_t condition);

}  // namespace clientele::rules::shadowing_internal

#endif  // CLIENTELE_RULES_INTERNAL_SHADOWING_H_
