// A customer's purchase stats summed from its purchase_months rows, read
// beside the customer row rather than joined to it: a GROUP BY over
// customers joined with their months costs SQLite several times the two
// plain reads (it copies every customer column for every month row), and
// reading the customer is what every Evaluate does. A value type; not
// shared between threads.
#ifndef CLIENTELE_SERVER_STORE_SQL_MONTH_STATS_H_
#define CLIENTELE_SERVER_STORE_SQL_MONTH_STATS_H_

#include <cstdint>
#include <utility>

#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/tiers.h"

namespace clientele::server::sql {

class MonthStats {
 public:
  // `window`: the first and last month (MonthIndex) of the stats window;
  // `qualifying`: the tier qualification months.
  MonthStats(std::pair<int, int> window, rules::MonthRange qualifying)
      : window_(window), qualifying_(qualifying) {}

  // Adds one purchase_months row.
  void Add(int month, int64_t count, int64_t amount_units, int64_t points) {
    recorded_ += count;
    if (month >= window_.first && month <= window_.second) {
      window_count_ += count;
      window_units_ += amount_units;
    }
    if (month >= qualifying_.first && month <= qualifying_.last) {
      qualifying_points_ += points;
      qualifying_units_ += amount_units;
    }
  }

  // Sets the customer's stats: the window's purchases decide the frequency
  // and average once any purchase was recorded (otherwise the imported
  // ones stand); the qualification figures always.
  void ApplyTo(rules::Customer* c) const {
    if (recorded_ != 0) {
      c->purchase_frequency = window_count_;
      c->average_purchase_amount = window_count_ == 0
                                       ? rules::Decimal()
                                       : rules::Decimal::FromUnits(window_units_ / window_count_);
    }
    c->qualifying_points = qualifying_points_;
    c->qualifying_spent = rules::Decimal::FromUnits(qualifying_units_);
  }

 private:
  std::pair<int, int> window_;
  rules::MonthRange qualifying_;
  int64_t recorded_ = 0;  // every recorded purchase, in or out of the window
  int64_t window_count_ = 0;
  int64_t window_units_ = 0;
  int64_t qualifying_points_ = 0;
  int64_t qualifying_units_ = 0;
};

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_MONTH_STATS_H_
