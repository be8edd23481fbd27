// A candidate ruleset simulated beside the served one over every stored
// customer (rules/simulation.h), for SimulateRuleset and CheckDraft: the
// store read in id ranges on up to 4 threads, as many store readers. One
// simulation at a time in the process: RESOURCE_EXHAUSTED while another
// runs. Internal to server/api/; thread-safe.
#ifndef CLIENTELE_SERVER_API_RULESET_SIMULATION_H_
#define CLIENTELE_SERVER_API_RULESET_SIMULATION_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/rulesets.pb.h"
#include "rules/ruleset.h"
#include "rules/simulation.h"
#include "server/store/store.h"

namespace clientele::server::api_internal {

// The evaluation day, the purchases replayed for points (both days
// included), and the example ids kept per movement.
struct SimulationPeriod {
  rules::Date today;
  rules::Date purchases_from;
  rules::Date purchases_to;
  int32_t examples = 0;
};

// A request's today, purchases_from, purchases_to and examples (as
// SimulateRulesetRequest documents them), today defaulting to
// `default_today`; INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<SimulationPeriod> ParseSimulationPeriod(std::string_view today,
                                                       std::string_view purchases_from,
                                                       std::string_view purchases_to,
                                                       int32_t examples, rules::Date default_today);

// Simulates `candidate` (loaded: ok()) beside `serving` into *out: the
// report, today, the period, and the candidate's warnings (with one when
// its tier qualification differs from the served one's), and returns the
// report. Neither the tests nor the elapsed time are set.
absl::StatusOr<rules::SimulationReport> SimulateCandidate(
    Store& store, const std::shared_ptr<const rules::RuleSet>& serving,
    const rules::LoadResult& candidate, const SimulationPeriod& period,
    v1::SimulateRulesetResponse* out);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_RULESET_SIMULATION_H_
