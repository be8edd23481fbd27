// The Decisions service (proto/clientele/v1/decisions.proto): evaluating
// the rules for one customer or many, the ruleset they are evaluated
// with, and the decision log. Statuses and thread safety as
// dependencies.h says.
#ifndef CLIENTELE_SERVER_API_DECISIONS_H_
#define CLIENTELE_SERVER_API_DECISIONS_H_

#include <memory>
#include <string_view>

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/decisions.pb.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

// The decisions of EvaluateMany, produced one at a time from pages of
// stored customers so that memory stays bounded however many there are.
// Not thread-safe: one caller at a time (a gRPC reactor serialises its
// callbacks).
class DecisionStream {
 public:
  virtual ~DecisionStream() = default;
  // The next decision into *response (cleared first); false at the end.
  virtual absl::StatusOr<bool> Next(v1::EvaluateResponse* response) = 0;
};

class DecisionsApi {
 public:
  // What `dependencies` points to must outlive the DecisionsApi.
  explicit DecisionsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        limits_(dependencies.limits),
        decision_log_(dependencies.decision_log) ,
        today_(api_internal::ProgrammeToday(dependencies)),
        minute_(api_internal::ProgrammeMinute(dependencies)) {}

  // `caller` (the token's name) goes into the decision log.
  absl::Status Evaluate(const v1::EvaluateRequest& request, v1::EvaluateResponse* response,
                        std::string_view caller = "");
  // Validates the request and returns the stream of its decisions.
  absl::StatusOr<std::unique_ptr<DecisionStream>> EvaluateMany(
      const v1::EvaluateManyRequest& request, std::string_view caller = "");
  // The ruleset served, with its status.
  absl::Status GetRuleset(const v1::GetRulesetRequest& request,
                          v1::GetRulesetResponse* response);
  // The decision log, newest first; empty while the log is off.
  absl::Status ListLoggedDecisions(const v1::ListLoggedDecisionsRequest& request,
                                   v1::ListLoggedDecisionsResponse* response);

 private:
  // The rules that Evaluate decides with: the request's draft's, else the
  // served ones.
  absl::StatusOr<std::shared_ptr<const rules::RuleSet>> DecidingRuleset(
      const v1::EvaluateRequest& request) const;
  // The request's time, basket amount and channel into *input (its day
  // set); INVALID_ARGUMENT naming a field that does not parse.
  absl::Status OfferSituation(const v1::EvaluateRequest& request, const rules::RuleSet& ruleset,
                              rules::EvalInput* input) const;

  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  DecisionLog* const decision_log_;
  const std::function<rules::Date()> today_;
  const std::function<int32_t(const rules::RuleSet&, rules::Date)> minute_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_DECISIONS_H_
