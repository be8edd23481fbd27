// Fills a clientele database with many deterministic customers, their
// monthly purchase stats and recent purchases, for benchmarks that need a
// large store (bench/simulate.sh). Creates the schema through SqliteStore::Open,
// then writes the rows directly in one transaction: the service would take
// minutes for a million customers, this takes seconds.
//
//   make_customers --database PATH [--customers 1000000] [--today 2026-11-24]
//                  [--lots N] [--history]
//
// With --history, each customer also gets the daily history that windowed
// facts read (customer_days): its window purchases on days spread over the
// last 120 days (count, amount and 20 points each), up to 3 reviews in the
// last 60 days, and a change of satisfaction 20 to 80 days ago.
// With --lots, each customer's points are N lots of points with their own
// ledger credit, dated as a 12-month expiry dates them, so that their
// expiries spread over the 60 days around --today: about half have
// expired by then (bench/expiry_bench).
//
// Refuses a database that already has customers.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "rules/customer.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace {

using clientele::rules::Date;

int MonthIndex(Date day) { return day.year() * 12 + day.month() - 1; }

// A small deterministic hash: the same customer gets the same data on
// every run.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// Writes customers' points as dated lots, each with its ledger credit (the
// lot's id is its credit's), and marks the customers dated.
class LotWriter {
 public:
  explicit LotWriter(SQLite::Database& db)
      : db_(db),
        ledger_(db,
                "INSERT INTO ledger (customer_id, delta, reason, rule_id, ruleset_version, "
                "source, recorded_at, note) VALUES (?, ?, 'purchase', 'bench', 'bench', ?, "
                "'2026-01-01T00:00:00Z', '')"),
        lot_(db,
             "INSERT INTO point_lots (id, customer_id, points, remaining, earned_on, "
             "available_on, expires_on, rule_id, ruleset_version, source) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', 'bench', ?)"),
        customer_(db,
                  "UPDATE customers SET points = points + ?, "
                  "points_lifetime = points_lifetime + ?, points_dated = 1 WHERE id = ?") {}

  // Lot `round` of customer `id` (rounds are written one after the other
  // over all customers, as lots come in over months: a customer's lots are
  // far apart), expiring within 30 days of `today` either way, earned 365
  // days before it expires; adds its points to the customer's.
  void Write(const char* id, uint64_t h, int round, Date today) {
    const int64_t points = 10 + static_cast<int64_t>((h >> (8 * round % 56)) % 990);
    const int expires = today.days() - 30 + static_cast<int>((h + 7919 * round) % 60);
    const std::string source = std::string("purchase:bench-") + id + "-" + std::to_string(round);
    ledger_.bind(1, id);
    ledger_.bind(2, points);
    ledger_.bind(3, source);
    ledger_.exec();
    ledger_.reset();
    lot_.bind(1, db_.getLastInsertRowid());
    lot_.bind(2, id);
    lot_.bind(3, points);
    lot_.bind(4, points);
    lot_.bind(5, expires - 365);
    lot_.bind(6, expires - 365);
    lot_.bind(7, expires);
    lot_.bind(8, source);
    lot_.exec();
    lot_.reset();
    customer_.bind(1, points);
    customer_.bind(2, points);
    customer_.bind(3, id);
    customer_.exec();
    customer_.reset();
  }

 private:
  SQLite::Database& db_;
  SQLite::Statement ledger_;
  SQLite::Statement lot_;
  SQLite::Statement customer_;
};

// Writes the customer_days rows of --history (rules::HistoryFigure numbers).
class HistoryWriter {
 public:
  explicit HistoryWriter(SQLite::Database& db)
      : row_(db,
             "INSERT INTO customer_days (customer_id, day, figure, key, value, amount_units, "
             "points) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + "
             "excluded.value, amount_units = amount_units + excluded.amount_units, points = "
             "points + excluded.points") {}

  void Write(const char* id, uint64_t h, int64_t purchases, int64_t average_units, Date today,
             int64_t satisfaction_units) {
    for (int64_t p = 0; p < purchases; ++p) {
      const int day = today.days() - static_cast<int>(Mix(h + p) % 120);
      Row(id, day, 1, "", 1, average_units, 20);
    }
    for (uint64_t r = 0; r < (h >> 20) % 4; ++r) {
      Row(id, today.days() - static_cast<int>(Mix(h ^ (r + 77)) % 60), 4,
          (h >> r) % 2 == 0 ? "positive_review" : "negative_review", 1, 0, 0);
    }
    Row(id, today.days() - 20 - static_cast<int>((h >> 36) % 61), 5, "",
        std::max<int64_t>(10'000,
                          satisfaction_units - 5'000 + static_cast<int64_t>((h >> 12) % 10'000)),
        0, 0);
  }

 private:
  void Row(const char* id, int day, int figure, const char* key, int64_t value,
           int64_t amount_units, int64_t points) {
    row_.bind(1, id);
    row_.bind(2, day);
    row_.bind(3, figure);
    row_.bind(4, key);
    row_.bind(5, value);
    row_.bind(6, amount_units);
    row_.bind(7, points);
    row_.exec();
    row_.reset();
  }
  SQLite::Statement row_;
};

void Fill(SQLite::Database& db, int64_t customers, Date today, int lots, bool history) {
  SQLite::Transaction transaction(db);
  LotWriter lot_writer(db);
  HistoryWriter history_writer(db);
  SQLite::Statement customer(
      db,
      "INSERT INTO customers (id, name, age, consumption, channel, satisfaction_units, "
      "interaction_count, points, total_spent_units, last_purchase_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement month(db,
                          "INSERT INTO purchase_months (customer_id, month, count, amount_units) "
                          "VALUES (?, ?, ?, ?)");
  SQLite::Statement purchase(
      db,
      "INSERT INTO purchases (purchase_id, customer_id, amount_units, product, channel, day, "
      "points_earned, rule_id, ruleset_version, recorded_at) "
      "VALUES (?, ?, ?, '产品A', 1, ?, 0, 'bench', 'bench', '2026-11-24T00:00:00Z')");
  const int this_month = MonthIndex(today);
  char id[32];
  for (int64_t i = 0; i < customers; ++i) {
    const uint64_t h = Mix(static_cast<uint64_t>(i));
    std::snprintf(id, sizeof id, "c-%07lld", static_cast<long long>(i));
    const int64_t frequency = static_cast<int64_t>(h % 16);      // purchases in the window
    const int64_t average_units = static_cast<int64_t>(100 + (h >> 8) % 1900) * 10'000;
    customer.bind(1, id);
    customer.bind(2, std::string("客户") + std::to_string(i));
    customer.bind(3, static_cast<int64_t>(18 + (h >> 16) % 60));
    customer.bind(4, static_cast<int>(1 + (h >> 24) % 3));
    customer.bind(5, static_cast<int>(1 + (h >> 28) % 3));
    const int64_t satisfaction_units = static_cast<int64_t>(30'000 + (h >> 32) % 20'000);
    customer.bind(6, satisfaction_units);  // 3.0 .. 4.9999
    customer.bind(7, static_cast<int64_t>((h >> 40) % 20));
    customer.bind(8, static_cast<int64_t>((h >> 44) % 8000));
    customer.bind(9, frequency * average_units);
    customer.bind(10, today.days() - static_cast<int>((h >> 48) % 90));
    customer.exec();
    customer.reset();
    // The window's purchases spread over up to 4 months.
    for (int64_t m = 0, left = frequency; left > 0; ++m) {
      const int64_t count = m == 3 ? left : (left + 1) / 2;
      month.bind(1, id);
      month.bind(2, this_month - static_cast<int>(m));
      month.bind(3, count);
      month.bind(4, count * average_units);
      month.exec();
      month.reset();
      left -= count;
    }
    if (history) history_writer.Write(id, h, frequency, average_units, today, satisfaction_units);
    // One customer in three bought in the last 30 days.
    if (h % 3 == 0) {
      purchase.bind(1, std::string("p-") + id);
      purchase.bind(2, id);
      purchase.bind(3, average_units);
      purchase.bind(4, today.days() - static_cast<int>((h >> 52) % 30));
      purchase.exec();
      purchase.reset();
    }
  }
  // The lots replace the customers' points (a balance is its lots' sum).
  if (lots > 0) db.exec("UPDATE customers SET points = 0, points_lifetime = 0");
  for (int round = 0; round < lots; ++round) {
    for (int64_t i = 0; i < customers; ++i) {
      std::snprintf(id, sizeof id, "c-%07lld", static_cast<long long>(i));
      lot_writer.Write(id, Mix(static_cast<uint64_t>(i)), round, today);
    }
  }
  transaction.commit();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Fills a clientele database with deterministic customers for benchmarks");
  std::string database;
  int64_t customers = 1'000'000;
  std::string today_text = "2026-11-24";
  app.add_option("--database", database, "The SQLite file (created)")->required();
  app.add_option("--customers", customers, "How many")->check(CLI::Range(int64_t{1}, int64_t{50'000'000}));
  app.add_option("--today", today_text, "The day the data ends (YYYY-MM-DD)");
  int lots = 0;
  app.add_option("--lots", lots, "Dated lots of points per customer, half expired by --today")
      ->check(CLI::Range(0, 8));
  bool history = false;
  app.add_flag("--history", history, "Daily history for windowed facts (customer_days)");
  CLI11_PARSE(app, argc, argv);
  absl::StatusOr<Date> today = Date::Parse(today_text);
  if (!today.ok()) {
    std::cerr << "error: --today: " << today.status().message() << "\n";
    return 2;
  }
  {
    clientele::server::SqliteStoreOptions options;
    options.path = database;
    absl::StatusOr<std::unique_ptr<clientele::server::Store>> store =
        clientele::server::SqliteStore::Open(options);
    if (!store.ok()) {
      std::cerr << "error: " << store.status().message() << "\n";
      return 1;
    }
  }
  try {
    SQLite::Database db(database, SQLite::OPEN_READWRITE);
    if (db.execAndGet("SELECT count(*) FROM customers").getInt64() != 0) {
      std::cerr << "error: " << database << " already has customers\n";
      return 1;
    }
    const auto began = std::chrono::steady_clock::now();
    Fill(db, customers, *today, lots, history);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << customers << " customers written to " << database << " in " << seconds << " s\n";
  } catch (const SQLite::Exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
