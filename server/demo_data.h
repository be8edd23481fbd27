// Deterministic demo data for an empty database, so that a fresh server
// answers with something to look at: customers spread over the seed
// segments, with purchases, reviews and product feedback recorded through
// the same operations as the RPCs (points, tiers, satisfaction and proposed
// improvement actions follow the rules), and the seed's products.
#ifndef CLIENTELE_SERVER_DEMO_DATA_H_
#define CLIENTELE_SERVER_DEMO_DATA_H_

#include "absl/status/status.h"
#include "server/service.h"

namespace clientele::server {

inline constexpr int kDemoCustomers = 40;

// Adds the demo customers and their events. The same every time; safe to
// repeat (idempotency keys "demo-..." make a rerun change nothing).
absl::Status LoadDemoData(Operations* operations);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_DEMO_DATA_H_
