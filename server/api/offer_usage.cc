#include "server/api/offer_usage.h"

#include <algorithm>
#include <string>
#include <utility>

namespace clientele::server::api_internal {

using rules::CapPeriod;
using rules::Date;
using rules::NumberedCap;
using rules::OfferCap;

OfferUsageQuery CapUsageQuery(const rules::RuleSet& ruleset, std::string_view customer_id,
                              Date today) {
  OfferUsageQuery query;
  for (const NumberedCap& numbered : ruleset.OfferCaps()) {
    // The customer's rows only when some limit is per customer.
    if (numbered.cap.scope == OfferCap::Scope::kCustomer) query.customer_id = std::string(customer_id);
    if (std::find(query.offer_ids.begin(), query.offer_ids.end(), numbered.offer_id) ==
        query.offer_ids.end()) {
      query.offer_ids.push_back(numbered.offer_id);
    }
    const Date start = rules::PeriodStart(numbered.cap.period, today);
    if (start.known() && (!query.since.known() || start < query.since)) query.since = start;
  }
  if (query.since.known()) query.until = today;
  return query;
}

std::vector<int64_t> UsedOfCaps(const rules::RuleSet& ruleset, std::span<const OfferUsageRow> rows,
                                std::string_view customer_id, Date today) {
  const std::vector<NumberedCap>& caps = ruleset.OfferCaps();
  std::vector<int64_t> used(caps.size(), 0);
  for (size_t i = 0; i < caps.size(); ++i) {
    const OfferCap& cap = caps[i].cap;
    const bool per_customer = cap.scope == OfferCap::Scope::kCustomer;
    if (per_customer && customer_id.empty()) continue;
    const std::string_view whose = per_customer ? customer_id : std::string_view();
    const Date start = rules::PeriodStart(cap.period, today);
    int64_t sum = 0;
    for (const OfferUsageRow& row : rows) {
      if (row.offer_id != caps[i].offer_id || row.customer_id != whose) continue;
      if (cap.channel != rules::Channel::kUnknown && row.channel != cap.channel) continue;
      if (cap.period == CapPeriod::kTotal) {
        if (row.day.known()) continue;  // a day's row: the total has it already
      } else if (!row.day.known() || row.day < start || today < row.day) {
        continue;
      }
      const int64_t amount =
          cap.measure == OfferCap::Measure::kRedemptions ? row.redemptions : row.value_units;
      if (__builtin_add_overflow(sum, amount, &sum)) sum = INT64_MAX;
    }
    used[i] = std::max<int64_t>(sum, 0);
  }
  return used;
}

absl::StatusOr<CustomerWithUsedCaps> FindCustomerWithUsedCaps(Store& store,
                                                              const rules::RuleSet& ruleset,
                                                              std::string_view id,
                                                              const CustomerAsOf& as_of,
                                                              Date today) {
  CustomerWithUsedCaps found;
  if (ruleset.OfferCaps().empty()) {
    absl::StatusOr<std::optional<rules::Customer>> customer = store.FindCustomer(id, as_of);
    if (!customer.ok()) return customer.status();
    found.customer = std::move(*customer);
    return found;
  }
  absl::StatusOr<CustomerWithOfferUsage> read =
      store.FindCustomerWithOfferUsage(id, as_of, CapUsageQuery(ruleset, id, today));
  if (!read.ok()) return read.status();
  if (!read->customer.has_value()) return found;
  found.used = UsedOfCaps(ruleset, read->usage, id, today);
  found.customer = std::move(read->customer);
  return found;
}

}  // namespace clientele::server::api_internal
