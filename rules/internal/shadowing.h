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

// True when the condition is the constant `true`.
bool AlwaysTrue(const program_internal::Program& program, uint32_t condition);

}  // namespace clientele::rules::shadowing_internal

#endif  // CLIENTELE_RULES_INTERNAL_SHADOWING_H_
