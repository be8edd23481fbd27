#include "server/api/tier_changes.h"

#include <string>

namespace clientele::server::api_internal {

absl::Status ChangeTierByRules(Transaction& tx, const rules::Customer& customer,
                               std::string_view tier, std::string_view source,
                               std::string_view ruleset_version, rules::Date today) {
  if (tier == customer.tier) return absl::OkStatus();
  TierChangeRecord change;
  change.customer_id = customer.id;
  change.from_tier = customer.tier;
  change.to_tier = std::string(tier);
  change.day = today;
  change.cause = "rules";
  change.source = std::string(source);
  change.ruleset_version = std::string(ruleset_version);
  return tx.ChangeTier(change).status();
}

}  // namespace clientele::server::api_internal
