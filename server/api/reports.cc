// The Reports service: segment sizes over stored customers, the
// per-product feedback report and the points ledger.
#include "server/api/reports.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "server/api/idempotent_writes.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;
using rules::Decimal;

namespace {

constexpr int kScanPageSize = 500;
constexpr int kDefaultTop = 5;
constexpr int kMaxTop = 100;

// The phrases of a feedback text (the seed's 期望): split at commas, 、,
// semicolons, full stops and line breaks, ASCII and full-width, trimmed.
std::vector<std::string> Expectations(std::string_view text) {
  static constexpr std::string_view kSeparators[] = {",", "，", "、", ";", "；",
                                                     "。", "\n", "\r"};
  std::vector<std::string> phrases;
  auto trim_and_add = [&](std::string_view phrase) {
    static constexpr std::string_view kSpaces[] = {" ", "\t", "\u3000"};
    bool trimmed = true;
    while (trimmed && !phrase.empty()) {
      trimmed = false;
      for (std::string_view space : kSpaces) {
        if (phrase.substr(0, space.size()) == space) {
          phrase.remove_prefix(space.size());
          trimmed = true;
        }
        if (phrase.size() >= space.size() && phrase.substr(phrase.size() - space.size()) == space) {
          phrase.remove_suffix(space.size());
          trimmed = true;
        }
      }
    }
    if (!phrase.empty()) phrases.emplace_back(phrase);
  };
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t separator = 0;
    for (std::string_view s : kSeparators) {
      if (text.substr(i, s.size()) == s) {
        separator = s.size();
        break;
      }
    }
    if (separator == 0) {
      ++i;
      continue;
    }
    trim_and_add(text.substr(start, i - start));
    i += separator;
    start = i;
  }
  trim_and_add(text.substr(start));
  return phrases;
}

// The `top` largest counts, largest first, then by name.
void TopCounts(const std::map<std::string, int64_t>& counts, int top,
               google::protobuf::RepeatedPtrField<v1::Count>* out) {
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int>(sorted.size()) > top) sorted.resize(top);
  for (const auto& [name, count] : sorted) {
    v1::Count* c = out->Add();
    c->set_name(name);
    c->set_count(count);
  }
}

// Mean of `sum` over `count` ratings, to 2 decimals; "" for none.
std::string AverageText(Decimal sum, int64_t count) {
  if (count == 0) return "";
  Decimal mean;
  if (!Decimal::Divide(sum, Decimal::FromInteger(count), &mean)) return "";
  return mean.Round(2).ToString();
}

}  // namespace

absl::Status ReportsApi::SegmentSizes(const v1::SegmentSizesRequest& request,
                                      v1::SegmentSizesResponse* response) {
  absl::StatusOr<Date> today = ParseDay("today", request.today(), today_());
  if (!today.ok()) return today.status();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
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
    absl::StatusOr<CustomerPage> page =
        store_->ListCustomers(after, kScanPageSize, AsOf(*served->ruleset, *today));
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

absl::Status ReportsApi::FeedbackReport(const v1::FeedbackReportRequest& request,
                                        v1::FeedbackReportResponse* response) {
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Date> since = ParseDay("since", request.since(), Date());
  if (!since.ok()) return since.status();
  const int top = request.top() == 0 ? kDefaultTop : request.top();
  if (top < 1 || top > kMaxTop) {
    return Invalid("top", StrCat("must be 0 (default ", kDefaultTop, ") to ", kMaxTop));
  }

  struct Month {
    int64_t count = 0;
    int64_t rated = 0;
    Decimal satisfaction_sum;
  };
  struct Totals {
    int64_t count = 0;
    int64_t rated = 0;
    Decimal satisfaction_sum;
    std::map<std::string, int64_t> expectations;
    std::map<std::string, int64_t> themes;
    std::map<std::string, Month> months;  // "YYYY-MM" sorts by time
    Date first;
    Date last;
  };
  std::map<std::string, Totals> products;
  absl::Status scanned =
      store_->ScanFeedback(request.product(), *since, [&](const FeedbackRecord& f) {
        Totals& t = products[f.product];
        Month& month = t.months[f.day.ToString().substr(0, 7)];
        ++t.count;
        ++month.count;
        if (f.satisfaction.has_value()) {
          ++t.rated;
          ++month.rated;
          // Sums of at most 5 per item cannot overflow in practice
          // (10^14 units); a failed add leaves the sum as it was.
          Decimal::Add(t.satisfaction_sum, *f.satisfaction, &t.satisfaction_sum);
          Decimal::Add(month.satisfaction_sum, *f.satisfaction, &month.satisfaction_sum);
        }
        for (std::string& phrase : Expectations(f.text)) ++t.expectations[std::move(phrase)];
        for (const std::string& theme : f.themes) ++t.themes[theme];
        if (!t.first.known() || f.day < t.first) t.first = f.day;
        if (!t.last.known() || t.last < f.day) t.last = f.day;
      });
  if (!scanned.ok()) return scanned;
  for (const auto& [name, t] : products) {
    v1::ProductFeedback* p = response->add_products();
    p->set_product(name);
    p->set_feedback_count(t.count);
    p->set_rated_count(t.rated);
    p->set_average_satisfaction(AverageText(t.satisfaction_sum, t.rated));
    TopCounts(t.expectations, top, p->mutable_expectations());
    TopCounts(t.themes, top, p->mutable_themes());
    for (const auto& [month_name, month] : t.months) {
      v1::MonthTrend* trend = p->add_trend();
      trend->set_month(month_name);
      trend->set_feedback_count(month.count);
      trend->set_average_satisfaction(AverageText(month.satisfaction_sum, month.rated));
    }
    p->set_first_feedback_at(t.first.ToString());
    p->set_last_feedback_at(t.last.ToString());
  }
  return absl::OkStatus();
}

absl::Status ReportsApi::GetLedger(const v1::GetLedgerRequest& request,
                                   v1::GetLedgerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<int64_t> after_id =
      ReadIdPageToken(store_->page_token_key(), "GetLedger", request, request.page_token());
  if (!after_id.ok()) return after_id.status();
  const Date today = today_();
  // The balances only: no tier figures.
  absl::StatusOr<Customer> customer =
      RequireCustomer(*store_, request.customer_id(), CustomerAsOf{today, {}});
  if (!customer.ok()) return customer.status();
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
    out->set_note(e.note);
  }
  if (page->more) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(), "GetLedger", request,
                                                 StrCat(page->entries.back().id)));
  }
  // The customer read leaves out points whose expiry came; the ledger has
  // them until the expiry pass writes them off.
  absl::StatusOr<std::vector<PointLotRecord>> lots = store_->LiveLots(request.customer_id());
  if (!lots.ok()) return lots.status();
  int64_t due = 0;
  for (const PointLotRecord& lot : *lots) {
    if (rules::Expired(lot.lot(), today)) due += lot.remaining;
  }
  response->set_balance(customer->points + due);
  response->set_expiry_due(due);
  return absl::OkStatus();
}

}  // namespace clientele::server
