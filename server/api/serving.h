// The served ruleset as the API classes of server/api/ use it: the
// snapshot a request decides with, evaluation with the services' error
// mapping, and the ruleset status reported by Decisions.GetRuleset and the
// Rulesets service. Internal to server/api/; thread-safe (the holder and
// the reloader are).
#ifndef CLIENTELE_SERVER_API_SERVING_H_
#define CLIENTELE_SERVER_API_SERVING_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/rulesets.pb.h"
#include "rules/ruleset.h"
#include "server/api/dependencies.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store/records.h"
#include "server/store/store.h"
#include "server/store/transaction.h"

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

// The programme's day as ApiDependencies::today defines it: the fixed
// day a test set, else the day `now` falls on in the served ruleset's
// time zone (UTC while none is served).
std::function<rules::Date()> ProgrammeToday(const ApiDependencies& dependencies);

// The time of day, in minutes after midnight in `ruleset`'s time zone, that
// offers' hours see for a request on `day` (ProgrammeToday's): now's, or
// -1 (unknown) when `day` is another day or a test fixed the day.
std::function<int32_t(const rules::RuleSet& ruleset, rules::Date day)> ProgrammeMinute(
    const ApiDependencies& dependencies);

// How the API reads a customer to decide with `ruleset` on `today`: with
// the tier qualification figures of the ruleset's tier policy.
CustomerAsOf AsOf(const rules::RuleSet& ruleset, rules::Date today);

// For an event dated `day`, before `today`, whose rules read
// days_since_last_event(): replaces the customer's kLastEvent rows (the
// latest events of all) with those as of `day`. Nothing otherwise.
absl::Status UseLastEventsAsOf(Transaction& tx, const rules::RuleSet& ruleset, rules::Date day,
                               rules::Date today, rules::Customer* customer);

// The version kept in the store that `version` names (12 hex digits, or
// at least the first 4), with its files. INVALID_ARGUMENT for anything
// else or a prefix of several; NOT_FOUND when it was never served.
absl::StatusOr<RulesetVersionRecord> FindServedVersion(Store& store, std::string_view version);

// The ruleset status after `attempt` (the last one): what is served and
// the reloader's counters.
void RulesetStatusAfter(const RulesetHolder& rules, const RulesReloader& reloader,
                        const ReloadAttempt& attempt, v1::RulesetStatus* status);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_SERVING_H_
