// Conversions between the messages of proto/clientele/v1 and the types of
// rules/ and the reloader, shared by the API classes of server/api/.
// Used by server/api/ (and bench/decision_log_bench.cc); stateless and
// thread-safe.
#ifndef CLIENTELE_SERVER_API_CONVERSION_H_
#define CLIENTELE_SERVER_API_CONVERSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "clientele/v1/rulesets.pb.h"
#include "clientele/v1/types.pb.h"
#include "rules/ruleset.h"
#include "server/api/request_limits.h"
#include "server/reload/reloader.h"

namespace clientele::server::api_internal {

// The customer of a request. Profile fields always; with `maintained`, the
// fields the server maintains too (an inline customer to evaluate). Its
// birthday and joined_at may not be after `today` (the programme's day).
absl::StatusOr<rules::Customer> CustomerFromProto(const v1::Customer& p, bool maintained,
                                                  const RequestLimits& limits, rules::Date today);
void CustomerToProto(const rules::Customer& c, v1::Customer* p);
// The customer's points balances (rules/points.h).
void PointsBalanceToProto(const rules::Customer& c, v1::PointsBalance* p);
void DecisionToProto(const rules::Customer& customer, const rules::Decision& d,
                     const rules::Explanation* explanation, v1::Decision* p);

// A rule diagnostic as the Rulesets service reports it (with its
// compiler-style rendering).
void DiagnosticToProto(const rules::Diagnostic& d, v1::RuleDiagnostic* out);

// A reload attempt as the Rulesets service reports it.
void AttemptToProto(const ReloadAttempt& attempt, v1::ReloadAttempt* out);

// A product change in words: what an operator approves when applying.
std::string DescribeChange(const rules::ProductChange& change);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_CONVERSION_H_
