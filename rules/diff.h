// Compares two versions of a ruleset rule by rule, for `clientele rules
// diff`: which rules, offers, tiers, parameters ... were added, removed or
// changed, and how (each changed setting with its old and new value, and
// rules whose place in a first-match list moved).
//
// Rules are matched by kind and id (tiers by name), not by file, so that
// moving a rule to another file is not a change. Works on the YAML of the
// files; it does not type-check them (load them for that).
//
// All functions are pure; the types are plain values.
#ifndef CLIENTELE_RULES_DIFF_H_
#define CLIENTELE_RULES_DIFF_H_

#include <string>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/ruleset.h"

namespace clientele::rules {

struct RuleChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  // Where the rule sits, e.g. "segmentation › dimension life_stage › rule
  // young_low_income" or "parameters › young_age_limit".
  std::string rule;
  std::string file;  // file name in the newer version (the older for removals)
  // One line per changed setting: "when: age < 40 → age < 35"; for added
  // and removed rules, their settings ("when: age < 40").
  std::vector<std::string> details;
};

struct RuleSetDiff {
  std::vector<RuleChange> changes;    // in the order of the newer files, removals last
  std::vector<Diagnostic> problems;   // files that are not YAML (not compared)
  bool empty() const { return changes.empty() && problems.empty(); }
};

RuleSetDiff DiffRuleSources(const std::vector<RuleSource>& before,
                            const std::vector<RuleSource>& after);

// "+ ...", "- ...", "~ ..." lines with indented details, then a summary
// line ("3 changes: 1 added, 1 removed, 1 changed" or "no rule changed").
std::string FormatRuleSetDiff(const RuleSetDiff& diff);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_DIFF_H_
