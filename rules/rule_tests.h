// Rule tests: test cases that marketing writes next to the rules, in files
// of `kind: tests` in the ruleset directory (docs/rules.md, "Testing your
// rules"). They are part of the ruleset and its version; `clientele rules
// test` runs them offline and the server runs them before serving a
// reloaded ruleset, refusing it when one fails.
//
//   kind: tests
//   cases:
//     - name: 张三 is young with low income
//       customer: {age: 25, consumption: 低, satisfaction: 4.0}
//       purchase: {amount: 600}            # optional events
//       interaction: 好评
//       feedback: {product: 产品A, text: 价格更优惠}
//       parameters: {young_age_limit: 30}  # optional: other parameter values
//       today: 2026-11-24                  # optional (default: the day it runs)
//       time: "20:30"                      # optional: the time of day offers see
//       amount: 120                        # optional: a basket, without a purchase
//       channel: online                    # optional: without a purchase
//       offers_used:                       # optional: limits and budgets used so far
//         black_friday: {per_customer: 1, budget: {redemptions: 4999}}
//       expect:                            # only what the case cares about
//         segments: {life_stage: 年轻低收入群体}
//         offers: [满100减20]              # exactly these ([] : none), or
//                                          # {includes: [...], excludes: [...]}
//         offer_values: {满100减20: 20}
//         points: 100
//         tier: 普通会员
//         satisfaction: 4.1
//         actions: [价格-10]               # action texts or rule ids, exactly these
//     - name: age bands
//       customer: {consumption: low}
//       examples:                          # one case, a table of inputs
//         - {customer.age: 25, expect.segments.age_band: 年轻客户}
//         - {customer.age: 45, expect.segments.age_band: 中年客户}
//
// All functions are pure and thread-safe; the types are plain values.
#ifndef CLIENTELE_RULES_RULE_TESTS_H_
#define CLIENTELE_RULES_RULE_TESTS_H_

#include <set>
#include <string>
#include <vector>

#include "rules/customer.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"

namespace clientele::rules {

struct RuleTestCaseResult {
  std::string name;     // the case's name; "name [example 2: customer.age=45]" for a table row
  std::string file;     // the tests file
  int line = 0;         // of the case (or its example row)
  bool passed = false;
  // One per expectation not met, placed at the expectation in the tests
  // file (file:line:column, source line); its message says what was
  // expected, what came, and the rule that decided ("segments.life_stage:
  // expected 年轻中收入群体, got 年轻低收入群体 (rule young_low_income)").
  std::vector<Diagnostic> failures;
};

struct RuleTestReport {
  std::vector<RuleTestCaseResult> cases;   // in file and case order
  std::vector<Diagnostic> problems;        // malformed tests (errors), with file:line:column
  // Cases that pass or fail depending on the day they run: no `today:`,
  // and the evaluation reached a rule that depends on the day (see
  // RuleSet::DateDependentRules). Warnings: they do not fail the run.
  std::vector<Diagnostic> warnings;
  std::vector<RuleSet::RuleInfo> rules;    // every rule of the ruleset
  std::set<size_t> matched;                // indices into `rules` matched by some case

  int passed() const;
  int failed() const;
  bool ok() const { return failed() == 0 && problems.empty(); }
  // Matched rules as a percentage of all (100 when there are none).
  double coverage_percent() const;
};

struct RuleTestOptions {
  Date today;  // unknown: Date::Today(); a case's own `today` wins
};

// Runs every case of the ruleset's `kind: tests` files. A ruleset without
// tests gives an empty report (ok).
RuleTestReport RunRuleTests(const RuleSet& ruleset, const RuleTestOptions& options = {});

// "FAIL file:line name" with the failures indented (each with its place
// and source line), the problems, then
// "N passed, M failed"; with `coverage`, the rules no case matched.
std::string FormatRuleTestReport(const RuleTestReport& report, bool coverage);

// The report's problems and failed expectations as error diagnostics (at
// the expectation), then its warnings, for a server that refuses a
// ruleset whose tests fail.
std::vector<Diagnostic> RuleTestDiagnostics(const RuleTestReport& report);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_RULE_TESTS_H_
