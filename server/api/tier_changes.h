// Changes of a customer's stored tier, kept with their history (who or
// what changed it, when, why): the one way the API classes write a tier.
// Internal to server/api/; stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_TIER_CHANGES_H_
#define CLIENTELE_SERVER_API_TIER_CHANGES_H_

#include <string_view>

#include "absl/status/status.h"
#include "rules/customer.h"
#include "server/store/transaction.h"

namespace clientele::server::api_internal {

// Stores `tier` (what the rules decided on `today` for `customer`, as read
// before the write) when it differs from the stored one, as a change of
// cause "rules" from `source` (e.g. "purchase:P-1") under
// `ruleset_version`. Nothing when it is the same.
absl::Status ChangeTierByRules(Transaction& tx, const rules::Customer& customer,
                               std::string_view tier, std::string_view source,
                               std::string_view ruleset_version, rules::Date today);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_TIER_CHANGES_H_
