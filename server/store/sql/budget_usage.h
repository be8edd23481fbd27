// Everyone's offer usage (the rows of customer "" in offer_usage_days and
// offer_usage_totals: what budgets count), kept in memory beside the
// database by the SQLite store, so that Evaluate reads a budget without a
// database read. It holds what is committed: the writer connection notes
// each write's changes (Connection::AddOfferUsage), a write rolled back
// to its savepoint drops its own, and the store applies a group's changes
// here once the group is committed (write_queue.cc). A write's own
// transaction reads the tables, which show its uncommitted changes; only
// the store's reads come here. Internal to server/store/sqlite/.
//
// Thread safety: Apply and Rows may be called from any thread at once.
// The database must be written by this store only (as every clienteled
// database is): a change from another process would not be seen here.
#ifndef CLIENTELE_SERVER_STORE_SQL_BUDGET_USAGE_H_
#define CLIENTELE_SERVER_STORE_SQL_BUDGET_USAGE_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"
#include "rules/customer.h"
#include "server/store/records.h"

namespace clientele::server::sql {

// A change of everyone's usage of an offer on a day, in a channel (and of
// its total, which every change moves too).
struct BudgetUsageChange {
  std::string offer_id;
  rules::Channel channel = rules::Channel::kUnknown;
  rules::Date day;
  int64_t redemptions = 0;
  int64_t value_units = 0;
};

class BudgetUsage {
 public:
  // Adds rows as the tables hold them (customer "", a day unknown for a
  // total): the store's state when it opens.
  void Load(std::span<const OfferUsageRow> rows);
  // Adds committed changes: each to its day's row and to the total.
  void Apply(std::span<const BudgetUsageChange> changes);
  // Everyone's rows of `offer_ids` (every offer when empty): the totals,
  // and the days from `since` to `until` when both are known. As
  // Store::OfferUsage gives them (customer_id "").
  std::vector<OfferUsageRow> Rows(const std::vector<std::string>& offer_ids, rules::Date since,
                                  rules::Date until) const;

 private:
  struct Figures {
    int64_t redemptions = 0;
    int64_t value_units = 0;
  };
  // (offer, day, channel); a total's day is unknown, which sorts first.
  using Key = std::tuple<std::string, rules::Date, rules::Channel>;
  void AddTo(const Key& key, int64_t redemptions, int64_t value_units)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void RowsOf(const std::string& offer_id, rules::Date since, rules::Date until,
              std::vector<OfferUsageRow>* rows) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable Mutex mutex_;
  std::map<Key, Figures> figures_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_BUDGET_USAGE_H_
