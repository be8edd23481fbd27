// Static analysis of first-match rule lists: finds rules that can never
// match because an earlier rule matches every customer they would, and
// conditions that can never be true. Works on the compiled conditions of
// simple threshold rules (conjunctions of `field <op> constant`, text
// equality and `in` lists); anything more complex is left alone, so the
// analysis never reports a rule that could match.
#ifndef CLIENTELE_RULES_INTERNAL_SHADOWING_H_
#define CLIENTELE_RULES_INTERNAL_SHADOWING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/internal/program.h"

namespace clientele::rules::shadowing_internal {

// For condition `conditions[i]`: the index of the first earlier condition
// that is true whenever it is true, if one can be shown.
std::optional<size_t> FindShadowingRule(const program_internal::Program& program,
                                        const std::vector<uint32_t>& conditions, size_t i);

// True when the condition can be shown never to be true (e.g. `false`, or
// `age < 30 and age > 40`).
bool NeverTrue(const program_internal::Program& program, uint32_t condition);

// A threshold table that a marketer probably did not mean, in a first-match
// list. A table is the rules that constrain the same number (age, points,
// purchase.amount, ...) and otherwise require the same things; in it, a
// gap is a range between two rules' ranges that no rule covers (those
// customers fall to the default), and an overlap is a later rule whose
// range partly covers an earlier one's (the earlier rule takes the shared
// values). Ranges that end the table on either side are not gaps: `age <
// 30` alone leaves 30 and above to the default on purpose.
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
// Findings ordered by `later`.
std::vector<BandFinding> FindBandGapsAndOverlaps(const program_internal::Program& program,
                                                 const std::vector<uint32_t>& conditions);

// True when the condition is the constant `true`.
bool AlwaysTrue(const program_internal::Program& program, uint32_t condition);

}  // namespace clientele::rules::shadowing_internal

#endif  // CLIENTELE_RULES_INTERNAL_SHADOWING_H_
