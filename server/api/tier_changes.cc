#include "server/api/tier_changes.h"

#include <string>

namespace clientele::server::api_internal {
namespace {

// Writes what differs from `customer`; *tier_changed says whether the tier did.
absl::Status WriteTierDecided(Transaction& tx, const rules::Customer& customer,
                              const TierDecided& decided, std::string_view source,
                              std::string_view ruleset_version, rules::Date today,
                              bool* tier_changed) {
  *tier_changed = decided.tier != customer.tier;
  if (*tier_changed) {
    TierChangeRecord change;
    change.customer_id = customer.id;
    change.from_tier = customer.tier;
    change.to_tier = std::string(decided.tier);
    change.day = today;
    change.cause = "rules";
    change.source = std::string(source);
    change.ruleset_version = std::string(ruleset_version);
    if (absl::Status s = tx.ChangeTier(change).status(); !s.ok()) return s;
  }
  // ChangeTier dropped any schedule.
  const rules::Date scheduled = *tier_changed ? rules::Date() : customer.tier_downgrade_on;
  if (decided.downgrade_on == scheduled) return absl::OkStatus();
  return tx.SetTierDowngrade(customer.id, decided.downgrade_on);
}

}  // namespace

absl::Status ChangeTierByRules(Transaction& tx, const rules::Customer& customer,
                               const TierDecided& decided, std::string_view source,
                               std::string_view ruleset_version, rules::Date today) {
  bool tier_changed = false;
  return WriteTierDecided(tx, customer, decided, source, ruleset_version, today, &tier_changed);
}

absl::Status ChangeTierByRules(Transaction& tx, rules::Customer* customer,
                               const TierDecided& decided, std::string_view source,
                               std::string_view ruleset_version, rules::Date today) {
  bool tier_changed = false;
  if (absl::Status s = WriteTierDecided(tx, *customer, decided, source, ruleset_version, today,
                                        &tier_changed);
      !s.ok()) {
    return s;
  }
  if (tier_changed) {
    customer->previous_tier = std::move(customer->tier);
    customer->tier = std::string(decided.tier);
    customer->tier_since = today;
    customer->manual_tier_until = rules::Date();
  }
  customer->tier_downgrade_on = decided.downgrade_on;
  return absl::OkStatus();
}

}  // namespace clientele::server::api_internal
