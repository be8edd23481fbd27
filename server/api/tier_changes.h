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

// What the rules decided about a customer's tier on a day.
struct TierDecided {
  std::string_view tier;
  rules::Date downgrade_on;  // rules::Decision::tier_downgrade_on
};

// Stores what the rules decided on `today` for `customer` (as read before
// the write): a tier that differs from the stored one as a change of
// cause "rules" from `source` (e.g. "purchase:P-1") under
// `ruleset_version`, and a downgrade scheduled, moved or dropped. Nothing
// when both are as stored.
absl::Status ChangeTierByRules(Transaction& tx, const rules::Customer& customer,
                               const TierDecided& decided, std::string_view source,
                               std::string_view ruleset_version, rules::Date today);

// The same for a customer held in memory: updates its tier fields too.
absl::Status ChangeTierByRules(Transaction& tx, rules::Customer* customer,
                               const TierDecided& decided, std::string_view source,
                               std::string_view ruleset_version, rules::Date today);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_TIER_CHANGES_H_
