#include "server/store/sql/budget_usage.h"

namespace clientele::server::sql {

using rules::Date;

void BudgetUsage::Load(std::span<const OfferUsageRow> rows) {
  MutexLock lock(&mutex_);
  for (const OfferUsageRow& row : rows) {
    AddTo({row.offer_id, row.day, row.channel}, row.redemptions, row.value_units);
  }
}

void BudgetUsage::Apply(std::span<const BudgetUsageChange> changes) {
  if (changes.empty()) return;
  MutexLock lock(&mutex_);
  for (const BudgetUsageChange& c : changes) {
    AddTo({c.offer_id, c.day, c.channel}, c.redemptions, c.value_units);
    AddTo({c.offer_id, Date(), c.channel}, c.redemptions, c.value_units);
  }
}

void BudgetUsage::AddTo(const Key& key, int64_t redemptions, int64_t value_units) {
  Figures& figures = figures_[key];
  figures.redemptions += redemptions;
  figures.value_units += value_units;
}

void BudgetUsage::RowsOf(const std::string& offer_id, Date since, Date until,
                         std::vector<OfferUsageRow>* rows) const {
  // The totals (an unknown day sorts first), then straight to `since`:
  // the days of a long campaign before the period are never walked. (No
  // lambda: the thread-safety analysis does not see the lock inside one.)
  const bool days = since.known() && until.known();
  for (int pass = 0; pass < (days ? 2 : 1); ++pass) {
    const Date first = pass == 0 ? Date() : since;
    for (auto it = figures_.lower_bound({offer_id, first, rules::Channel::kUnknown});
         it != figures_.end() && std::get<0>(it->first) == offer_id; ++it) {
      const Date day = std::get<1>(it->first);
      if (pass == 0 ? day.known() : until < day) break;
      OfferUsageRow& row = rows->emplace_back();
      row.offer_id = offer_id;
      row.channel = std::get<2>(it->first);
      row.day = day;
      row.redemptions = it->second.redemptions;
      row.value_units = it->second.value_units;
    }
  }
}

std::vector<OfferUsageRow> BudgetUsage::Rows(const std::vector<std::string>& offer_ids, Date since,
                                             Date until) const {
  std::vector<OfferUsageRow> rows;
  MutexLock lock(&mutex_);
  if (!offer_ids.empty()) {
    for (const std::string& id : offer_ids) RowsOf(id, since, until, &rows);
    return rows;
  }
  for (auto it = figures_.begin(); it != figures_.end();) {
    const std::string offer_id = std::get<0>(it->first);
    RowsOf(offer_id, since, until, &rows);
    it = figures_.upper_bound({offer_id, Date::FromDays(INT32_MAX), rules::Channel::kBoth});
  }
  return rows;
}

}  // namespace clientele::server::sql
