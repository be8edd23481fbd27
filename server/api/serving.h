// The served ruleset as the API classes of server/api/ use it: the
// snapshot a request decides with, evaluation with the services' error
// mapping, and the ruleset status reported by Decisions.GetRuleset and the
// Rulesets service. Internal to server/api/; thread-safe (the holder and
// the reloader are).
#ifndef CLIENTELE_SERVER_API_SERVING_H_
#define CLIENTELE_SERVER_API_SERVING_H_

#include <memory>

#include "absl/status/status.h"
#include "clientele/v1/rulesets.pb.h"
#include "rules/ruleset.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store/records.h"

namespace clientele::server::api_internal {

// The ruleset to decide with into *served; UNAVAILABLE, with the reason
// of the last reload attempt, while none is loaded. A request takes it
// once and holds it to the end.
absl::Status ServingRules(const RulesetHolder& rules, const RulesReloader& reloader,
                          std::shared_ptr<const ServedRuleset>* served);

// Evaluates the rules; a failing rule (overflow, division by zero) is
// FAILED_PRECONDITION naming it, since the request itself was fine, and an
// evaluation over the work limit RESOURCE_EXHAUSTED (nothing evaluated).
absl::Status EvaluateRules(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           rules::Decision* decision, rules::Explanation* explanation = nullptr);

// How the API reads a customer to decide with `ruleset` on `today`: with
// the tier qualification figures of the ruleset's tier policy.
CustomerAsOf AsOf(const rules::RuleSet& ruleset, rules::Date today);

// The ruleset status after `attempt` (the last one): what is served and
// the reloader's counters.
void RulesetStatusAfter(const RulesetHolder& rules, const RulesReloader& reloader,
                        const ReloadAttempt& attempt, v1::RulesetStatus* status);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_SERVING_H_
