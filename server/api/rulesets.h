// The Rulesets service (proto/clientele/v1/rulesets.proto): what is
// served, reload attempts, the versions kept in the store, and
// simulations of a candidate ruleset. Statuses and thread safety as
// dependencies.h says.
#ifndef CLIENTELE_SERVER_API_RULESETS_H_
#define CLIENTELE_SERVER_API_RULESETS_H_

#include <functional>

#include "absl/status/status.h"
#include "clientele/v1/rulesets.pb.h"
#include "server/api/dependencies.h"
#include "server/api/fleet_rulesets.h"
#include "server/api/serving.h"

namespace clientele::server {

class RulesetsApi {
 public:
  // What `dependencies` points to must outlive the RulesetsApi.
  explicit RulesetsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        fleet_(dependencies.fleet),
        today_(api_internal::ProgrammeToday(dependencies)) {}

  absl::Status GetRulesetStatus(const v1::GetRulesetStatusRequest& request,
                                v1::RulesetStatus* response);
  absl::Status ReloadRuleset(const v1::ReloadRulesetRequest& request,
                             v1::ReloadRulesetResponse* response);
  absl::Status ListRulesetVersions(const v1::ListRulesetVersionsRequest& request,
                                   v1::ListRulesetVersionsResponse* response);
  absl::Status GetRulesetVersion(const v1::GetRulesetVersionRequest& request,
                                 v1::GetRulesetVersionResponse* response);
  // Evaluates a candidate ruleset against every stored customer beside the
  // served one (ruleset_simulation.h: one at a time, RESOURCE_EXHAUSTED
  // while another runs), and runs its tests.
  absl::Status SimulateRuleset(const v1::SimulateRulesetRequest& request,
                               v1::SimulateRulesetResponse* response);
  // The status as WatchRuleset sends it, after `attempt` (the last one).
  void RulesetStatusAfter(const ReloadAttempt& attempt, v1::RulesetStatus* status) const;
  // WatchRuleset follows its attempts.
  RulesReloader* reloader() const { return reloader_; }

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const FleetRulesets* const fleet_;  // null: no peers (SQLite)
  const std::function<rules::Date()> today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_RULESETS_H_
