// Reports over stored customers: segment sizes and the points ledger.
#include <algorithm>
#include <map>

#include "server/api/grpc/services.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {
constexpr int kScanPageSize = 500;
}  // namespace

absl::Status Operations::SegmentSizes(const v1::SegmentSizesRequest& request,
                                      v1::SegmentSizesResponse* response) {
  absl::StatusOr<Date> today = ParseDay("today", request.today(), Date::Today());
  if (!today.ok()) return today.status();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  std::vector<std::string> dimensions = served->ruleset->DimensionIds();
  if (!request.dimension().empty()) {
    if (absl::Status s = CheckDimension("dimension", request.dimension(), *served->ruleset);
        !s.ok()) {
      return s;
    }
    dimensions = {request.dimension()};
  }
  std::map<std::string, std::map<std::string, int64_t>> sizes;
  int64_t evaluated = 0;
  rules::Decision decision;
  std::string after;
  for (bool more = true; more;) {
    // A page at a time, so that writes are not held up for the whole scan.
    absl::StatusOr<CustomerPage> page = store_->ListCustomers(after, kScanPageSize, *today);
    if (!page.ok()) return page.status();
    more = page->more;
    for (const Customer& customer : page->customers) {
      if (absl::Status s = EvaluateRules(*served->ruleset,
                                         {&customer, nullptr, nullptr, nullptr, *today}, &decision);
          !s.ok()) {
        return s;
      }
      ++evaluated;
      for (const rules::SegmentAssignment& a : decision.segments) {
        ++sizes[std::string(a.dimension)][std::string(a.segment)];
      }
    }
    if (!page->customers.empty()) after = page->customers.back().id;
  }
  for (const std::string& dimension : dimensions) {
    v1::DimensionSizes* out = response->add_dimensions();
    out->set_dimension(dimension);
    std::vector<std::pair<std::string, int64_t>> sorted(sizes[dimension].begin(),
                                                        sizes[dimension].end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [segment, count] : sorted) {
      v1::SegmentSize* size = out->add_segments();
      size->set_segment(segment);
      size->set_customers(count);
    }
  }
  response->set_customers(evaluated);
  response->set_ruleset_version(served->ruleset->version());
  return absl::OkStatus();
}

absl::Status Operations::GetLedger(const v1::GetLedgerRequest& request,
                                   v1::GetLedgerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<int64_t> after_id =
      ReadIdPageToken(store_->page_token_key(), "GetLedger", request, request.page_token());
  if (!after_id.ok()) return after_id.status();
  absl::StatusOr<std::optional<Customer>> customer =
      store_->FindCustomer(request.customer_id(), Date::Today());
  if (!customer.ok()) return customer.status();
  if (!customer->has_value()) {
    return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
  }
  absl::StatusOr<LedgerPage> page = store_->LedgerAfter(request.customer_id(), *after_id, *page_size);
  if (!page.ok()) return page.status();
  for (size_t i = 0; i < page->entries.size(); ++i) {
    const LedgerEntry& e = page->entries[i];
    v1::LedgerEntry* out = response->add_entries();
    out->set_entry_id(e.id);
    out->set_delta(e.delta);
    out->set_reason(e.reason);
    out->set_rule_id(e.rule_id);
    out->set_ruleset_version(e.ruleset_version);
    out->set_source(e.source);
    out->set_recorded_at(e.recorded_at);
    out->set_balance_after(page->balance_after[i]);
  }
  if (page->more) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(), "GetLedger", request,
                                                 StrCat(page->entries.back().id)));
  }
  response->set_balance((*customer)->points);
  return absl::OkStatus();
}

}  // namespace clientele::server
