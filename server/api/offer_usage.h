// How much of each limit and budget of the served ruleset's offers is used
// (rules::OfferUsage), from the store's usage rows: what Evaluate reads
// beside the customer, and what a redemption reads in its own write
// transaction before it takes a unit. Internal to server/api/; pure
// functions over their arguments, thread-safe.
#ifndef CLIENTELE_SERVER_API_OFFER_USAGE_H_
#define CLIENTELE_SERVER_API_OFFER_USAGE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/ruleset.h"
#include "server/store/records.h"
#include "server/store/store.h"

namespace clientele::server::api_internal {

// The rows that the caps of `ruleset` need on `today`, for `customer_id`
// ("" an unstored customer: its limits count nothing): the capped offers'
// totals, and their days from the earliest start of a capped period;
// the customer's only when a limit is per customer.
OfferUsageQuery CapUsageQuery(const rules::RuleSet& ruleset, std::string_view customer_id,
                              rules::Date today);

// The used amount of each of `ruleset`'s caps (RuleSet::OfferCaps()
// order) on `today` from `rows`: a customer's limit sums `customer_id`'s
// rows, a budget everyone's; a channel's budget only its channel's; a
// period's cap the days of its period up to `today`, a cap in total the
// totals.
std::vector<int64_t> UsedOfCaps(const rules::RuleSet& ruleset, std::span<const OfferUsageRow> rows,
                                std::string_view customer_id, rules::Date today);

// CapUsageQuery, read through `reader` (the Store, or a Transaction for a
// write that must see its own), then UsedOfCaps. Empty, without a read,
// when the ruleset has no caps.
template <typename Reader>
absl::StatusOr<std::vector<int64_t>> ReadUsedOfCaps(Reader& reader, const rules::RuleSet& ruleset,
                                                    std::string_view customer_id,
                                                    rules::Date today) {
  if (ruleset.OfferCaps().empty()) return std::vector<int64_t>();
  absl::StatusOr<std::vector<OfferUsageRow>> rows =
      reader.OfferUsage(CapUsageQuery(ruleset, customer_id, today));
  if (!rows.ok()) return rows.status();
  return UsedOfCaps(ruleset, *rows, customer_id, today);
}

// A stored customer and the used amount of each cap of `ruleset` on
// `today` (ReadUsedOfCaps's), read together (Store::
// FindCustomerWithOfferUsage); without a usage read when the ruleset has
// no caps. No customer, and no usage, when `id` is not stored.
struct CustomerWithUsedCaps {
  std::optional<rules::Customer> customer;
  std::vector<int64_t> used;
};
absl::StatusOr<CustomerWithUsedCaps> FindCustomerWithUsedCaps(Store& store,
                                                              const rules::RuleSet& ruleset,
                                                              std::string_view id,
                                                              const CustomerAsOf& as_of,
                                                              rules::Date today);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_OFFER_USAGE_H_
