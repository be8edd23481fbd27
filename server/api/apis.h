// The API classes of server/api/ together, one per proto service
// (Diagnostics.Ping lives only in the gRPC layer), built over the same
// dependencies: what clienteled, the demo-data loader and the tests use.
// Thread safety as dependencies.h says; not copyable or movable.
#ifndef CLIENTELE_SERVER_API_APIS_H_
#define CLIENTELE_SERVER_API_APIS_H_

#include "server/api/admin.h"
#include "server/api/change_requests.h"
#include "server/api/customers.h"
#include "server/api/decisions.h"
#include "server/api/dependencies.h"
#include "server/api/drafts.h"
#include "server/api/events.h"
#include "server/api/improvements.h"
#include "server/api/loyalty.h"
#include "server/api/offers.h"
#include "server/api/reports.h"
#include "server/api/rulesets.h"
#include "server/api/segments.h"
#include "server/api/tasks.h"

namespace clientele::server {

struct Apis {
  // What `dependencies` points to must outlive the Apis.
  explicit Apis(const ApiDependencies& dependencies)
      : customers(dependencies),
        events(dependencies),
        decisions(dependencies),
        improvements(dependencies),
        reports(dependencies),
        rulesets(dependencies),
        admin(dependencies),
        loyalty(dependencies),
        offers(dependencies),
        tasks(dependencies),
        segments(dependencies),
        drafts(dependencies),
        change_requests(dependencies, &drafts) {}

  CustomersApi customers;
  EventsApi events;
  DecisionsApi decisions;
  ImprovementsApi improvements;
  ReportsApi reports;
  RulesetsApi rulesets;
  AdminApi admin;
  LoyaltyApi loyalty;
  OffersApi offers;
  TasksApi tasks;
  SegmentsApi segments;
  DraftsApi drafts;
  ChangeRequestsApi change_requests;  // after drafts, which it uses
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_APIS_H_
