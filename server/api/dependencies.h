// What the API classes of server/api/ work with: one class per proto
// service of proto/clientele/v1 (customers.h, events.h, decisions.h,
// improvements.h, reports.h, rulesets.h, admin.h), each built over an
// ApiDependencies.
//
// Each RPC has a plain method (UpsertCustomer, RecordPurchase, ...) that
// takes the request and fills the response; the gRPC callback services
// (server/api/grpc/) call it, and so do the demo-data loader and tests.
// Statuses: INVALID_ARGUMENT naming the field, NOT_FOUND, ALREADY_EXISTS
// (idempotency key reused for another request; purchase id recorded
// before), FAILED_PRECONDITION, UNAVAILABLE (also while no valid ruleset is
// loaded, for the operations that need one, with the reason).
//
// Thread safety: every method of every API class may be called from many
// threads at once (the Store, RulesetHolder and RulesReloader are).
#ifndef CLIENTELE_SERVER_API_DEPENDENCIES_H_
#define CLIENTELE_SERVER_API_DEPENDENCIES_H_

#include <functional>

#include "absl/functional/any_invocable.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rules/customer.h"
#include "absl/status/status.h"
#include "server/api/decision_log.h"
#include "server/api/request_limits.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store/store.h"

namespace clientele::server {

class FleetRulesets;

// What every API class is built over. The pointers are not owned: what
// they point to must outlive the API classes.
struct ApiDependencies {
  Store* store = nullptr;
  RulesetHolder* rules = nullptr;
  RulesReloader* reloader = nullptr;
  RequestLimits limits;
  DecisionLog* decision_log = nullptr;  // may be null: no log
  // What the replicas sharing the database serve; null without peers.
  const FleetRulesets* fleet = nullptr;
  // The instant requests happen at. Tests move it; it must be
  // thread-safe.
  std::function<absl::Time()> now = &absl::Now;
  // The day requests happen on: what "today" means for balances, pending
  // and expiring points, the stats window, offers and dates that may not
  // be in the future. Empty (the default): the day `now` falls on in the
  // served ruleset's time zone (RuleSet::time_zone_name; UTC while none is
  // served). A test may fix it instead (offers then see no time of day).
  std::function<rules::Date()> today = nullptr;
};

// Gets the outcome of an asynchronous operation, once.
using Done = absl::AnyInvocable<void(absl::Status)>;

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_DEPENDENCIES_H_
