// Reading every stored customer quickly: the customers split into id
// ranges, each read on a thread of its own (Store::ScanCustomers), for
// passes that look at all of them (simulation, RFM quantiles). Internal to
// server/api/; stateless.
#ifndef CLIENTELE_SERVER_API_CUSTOMER_SCAN_H_
#define CLIENTELE_SERVER_API_CUSTOMER_SCAN_H_

#include <cstddef>
#include <functional>
#include <span>

#include "absl/status/status.h"
#include "rules/customer.h"
#include "server/store/records.h"
#include "server/store/store.h"

namespace clientele::server::api_internal {

// Calls `ranges(n)` with the number of id ranges, then visit(range,
// customer, purchases) for every customer of `scan` (its own from_id and
// to_id are ignored), range i on a thread of its own, in id order within a
// range; ranges are numbered in id order, so results kept per range and
// merged in range order come in id order. One store reader is left to the
// other calls: each range holds one for its whole length.
absl::Status ScanCustomersInRanges(
    Store& store, const CustomerScan& scan, const std::function<void(size_t ranges)>& ranges,
    const std::function<void(size_t range, const rules::Customer& customer,
                             std::span<const rules::Purchase> purchases)>& visit);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_CUSTOMER_SCAN_H_
