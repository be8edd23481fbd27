// Reports.OfferReport: how campaigns did, from everyone's offer usage rows
// (what budgets count), beside the served ruleset's offers and budgets.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "server/api/offer_usage.h"
#include "server/api/reports.h"
#include "server/api/requests.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Date;
using rules::Decimal;
using rules::OfferCap;

namespace {

constexpr int kMaxReportDays = 366;
constexpr int kDefaultReportDays = 30;

// A count or an amount, as the cap measures it.
std::string CapAmount(const OfferCap& cap, int64_t units) {
  return cap.measure == OfferCap::Measure::kRedemptions ? StrCat(units)
                                                        : Decimal::FromUnits(units).ToString();
}

// What one offer's rows add up to.
struct OfferSums {
  std::map<Date, std::pair<int64_t, int64_t>> days;  // redemptions, value units
  int64_t total_redemptions = 0;
  int64_t total_value = 0;
};

void AddBudgets(const rules::RuleSet& ruleset, std::string_view offer_id,
                const std::vector<int64_t>& used, Date today, v1::OfferFigures* out) {
  const std::vector<rules::NumberedCap>& caps = ruleset.OfferCaps();
  for (size_t i = 0; i < caps.size(); ++i) {
    const OfferCap& cap = caps[i].cap;
    if (caps[i].offer_id != offer_id || cap.scope != OfferCap::Scope::kBudget) continue;
    v1::OfferBudgetUse* budget = out->add_budgets();
    budget->set_key(cap.Key());
    budget->set_description(cap.Describe());
    budget->set_period_start(rules::PeriodStart(cap.period, today).ToString());
    budget->set_limit(CapAmount(cap, cap.limit));
    budget->set_used(CapAmount(cap, used[i]));
    budget->set_left(CapAmount(cap, std::max<int64_t>(cap.limit - used[i], 0)));
  }
}

}  // namespace

absl::Status ReportsApi::OfferReport(const v1::OfferReportRequest& request,
                                     v1::OfferReportResponse* response) {
  const Date today = today_();
  absl::StatusOr<Date> to = ParseDay("to", request.to(), today);
  if (!to.ok()) return to.status();
  absl::StatusOr<Date> from =
      ParseDay("from", request.from(), Date::FromDays(to->days() - (kDefaultReportDays - 1)));
  if (!from.ok()) return from.status();
  if (*to < *from) return Invalid("to", "is before from");
  if (to->days() - from->days() >= kMaxReportDays) {
    return Invalid("to", StrCat("is more than ", kMaxReportDays, " days from from"));
  }
  if (absl::Status s = CheckText("offer_id", request.offer_id(), kMaxIdBytes * 2, false);
      !s.ok()) {
    return s;
  }
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  const rules::RuleSet& ruleset = *served->ruleset;

  // Everyone's rows of the report's days and of the budgets' periods.
  OfferUsageQuery query = CapUsageQuery(ruleset, "", today);
  query.offer_ids.clear();
  if (!request.offer_id().empty()) query.offer_ids.push_back(request.offer_id());
  query.since = query.since.known() ? std::min(query.since, *from) : *from;
  query.until = std::max(*to, today);
  absl::StatusOr<std::vector<OfferUsageRow>> rows = store_->OfferUsage(query);
  if (!rows.ok()) return rows.status();
  const std::vector<int64_t> used = UsedOfCaps(ruleset, *rows, "", today);

  std::map<std::string, OfferSums> sums;
  for (const OfferUsageRow& row : *rows) {
    OfferSums& offer = sums[row.offer_id];
    if (!row.day.known()) {
      offer.total_redemptions += row.redemptions;
      offer.total_value += row.value_units;
    } else if (!(row.day < *from) && !(*to < row.day)) {
      auto& [redemptions, value] = offer.days[row.day];
      redemptions += row.redemptions;
      value += row.value_units;
    }
  }
  auto add = [&](const std::string& id, std::string_view name, rules::OfferValueUnit unit) {
    v1::OfferFigures* out = response->add_offers();
    out->set_offer_id(id);
    out->set_offer(std::string(name));
    out->set_unit(std::string(rules::OfferValueUnitName(unit)));
    const OfferSums& offer = sums[id];
    int64_t redemptions = 0;
    int64_t value = 0;
    for (const auto& [day, figures] : offer.days) {
      if (figures.first == 0 && figures.second == 0) continue;  // all reversed
      v1::OfferDayFigures* shown = out->add_days();
      shown->set_date(day.ToString());
      shown->set_redemptions(figures.first);
      shown->set_value(Decimal::FromUnits(figures.second).ToString());
      redemptions += figures.first;
      value += figures.second;
    }
    out->set_redemptions(redemptions);
    out->set_value(Decimal::FromUnits(value).ToString());
    out->set_total_redemptions(offer.total_redemptions);
    out->set_total_value(Decimal::FromUnits(offer.total_value).ToString());
    AddBudgets(ruleset, id, used, today, out);
  };
  bool found = false;
  std::vector<std::string> listed;
  for (const rules::RuleSet::OfferTerms& offer : ruleset.OfferTermsList()) {
    if (!request.offer_id().empty() && offer.id != request.offer_id()) continue;
    add(offer.id, offer.offer, offer.unit);
    listed.push_back(offer.id);
    found = true;
  }
  std::vector<std::string> gone;  // redeemed, but no longer in the ruleset
  for (const auto& [id, offer] : sums) {
    if (std::find(listed.begin(), listed.end(), id) == listed.end()) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    add(id, "", rules::OfferValueUnit::kNone);
    found = true;
  }
  if (!request.offer_id().empty() && !found) {
    return WithField(absl::NotFoundError(StrCat("offer '", request.offer_id(),
                                                "' is neither in the served ruleset nor redeemed")),
                     "offer_id");
  }
  response->set_from(from->ToString());
  response->set_to(to->ToString());
  response->set_today(today.ToString());
  response->set_ruleset_version(ruleset.version());
  return absl::OkStatus();
}

}  // namespace clientele::server
