// Deterministic demo data for an empty database, so that a fresh server
// answers with something to look at: customers spread over the seed
// segments, with purchases, reviews and product feedback recorded through
// the same operations as the RPCs (points, tiers, satisfaction and proposed
// improvement actions follow the rules), and the seed's products.
// Dated back from the day it is loaded (the server's first start): the
// purchases fall in the 270 days up to that day, so that "the last 30 days"
// (rules simulate's default replay) always holds some.
//
// Thread safety: LoadDemoData writes through the API classes (apis.h),
// which may be called from many threads; it is meant for the start, before
// the server takes calls.
#ifndef CLIENTELE_SERVER_DEMO_DATA_H_
#define CLIENTELE_SERVER_DEMO_DATA_H_

#include "absl/status/status.h"
#include "rules/customer.h"
#include "server/api/apis.h"

namespace clientele::server {

inline constexpr int kDemoCustomers = 40;

// Adds the demo customers and their events, with joining, purchase and
// feedback days counted back from `today` (none after it). The same data
// for the same `today`; safe to repeat (idempotency keys "demo-..." make a
// rerun change nothing). Stops at the first failed operation and returns
// its status; what was added before stays.
// REQUIRES: `today` is not after the real today (RecordPurchase refuses
// purchases dated in the future).
absl::Status LoadDemoData(Apis* apis, rules::Date today = rules::Date::Today());

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_DEMO_DATA_H_
