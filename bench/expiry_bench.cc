// The points expiry pass over a large store, and serving while it runs:
// on a database filled by make_customers --lots (each customer's points in
// dated lots, about half expired by --today), serves Evaluate and
// RecordPurchase through the API classes from one thread, first alone for
// --baseline-seconds, then while LoyaltyApi::ExpirePoints writes off every
// expired lot (as clienteled's pass does, in writes of --batch lots).
// Reports the pass's time and the serving latencies before and during it,
// as ratios taken in the same run.
//
//   build/bench/make_customers --database /tmp/e.db --customers 1000000 --lots 2 --today 2026-12-06
//   build/bench/expiry_bench --database /tmp/e.db --customers 1000000 --today 2026-12-06
// (bench/expiry.sh does both, in a temporary directory.)
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/percentile.h"
#include "common/strings.h"
#include "server/api/apis.h"
#include "server/reload/reloader.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele {
namespace {

using Clock = std::chrono::steady_clock;

struct Latencies {
  std::vector<double> evaluate_us;
  std::vector<double> purchase_us;
  double seconds = 0;
  int failures = 0;
  std::string first_failure;

  // Of a copy: the latencies stay as measured.
  static double Percentile(std::vector<double> values, double p) {
    return bench::Percentile(values, p);
  }
  double Rate() const { return (evaluate_us.size() + purchase_us.size()) / seconds; }
};

// Serves from this thread until `stop`: Evaluate of a random stored
// customer, then a purchase of another, timing each.
Latencies Serve(server::Apis& apis, int64_t customers, const std::string& tag,
                const std::atomic<bool>& stop) {
  Latencies out;
  std::mt19937_64 random(std::hash<std::string>()(tag));
  char id[32];
  const Clock::time_point began = Clock::now();
  for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
    std::snprintf(id, sizeof id, "c-%07lld", static_cast<long long>(random() % customers));
    v1::EvaluateRequest evaluate;
    evaluate.set_customer_id(id);
    v1::EvaluateResponse evaluated;
    Clock::time_point t = Clock::now();
    absl::Status s = apis.decisions.Evaluate(evaluate, &evaluated, "bench");
    out.evaluate_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (!s.ok() && out.failures++ == 0) out.first_failure = s.ToString();

    std::snprintf(id, sizeof id, "c-%07lld", static_cast<long long>(random() % customers));
    v1::RecordPurchaseRequest purchase;
    purchase.set_idempotency_key(StrCat(tag, "-", i));
    purchase.set_purchase_id(StrCat(tag, "-", i));
    purchase.set_customer_id(id);
    purchase.set_amount(StrCat(50 + i % 700, ".00"));
    v1::RecordPurchaseResponse recorded;
    t = Clock::now();
    s = apis.events.RecordPurchase(purchase, &recorded);
    out.purchase_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (!s.ok() && out.failures++ == 0) out.first_failure = s.ToString();
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - began).count();
  return out;
}

void Print(const char* phase, const Latencies& l) {
  std::printf("%-7s %7.0f requests/s  evaluate p50 %7.1f us  p99 %8.1f us  purchase p50 %7.1f us  "
              "p99 %8.1f us  failed %d\n",
              phase, l.Rate(), Latencies::Percentile(l.evaluate_us, 0.5),
              Latencies::Percentile(l.evaluate_us, 0.99),
              Latencies::Percentile(l.purchase_us, 0.5),
              Latencies::Percentile(l.purchase_us, 0.99), l.failures);
  if (l.failures > 0) std::fprintf(stderr, "first failure: %s\n", l.first_failure.c_str());
}

// Lots with points left whose expiry came by `today`, and their points.
std::pair<int64_t, int64_t> DueLots(const std::string& database, rules::Date today) {
  SQLite::Database db(database, SQLite::OPEN_READONLY);
  SQLite::Statement s(db,
                      "SELECT count(*), coalesce(sum(remaining), 0) FROM point_lots "
                      "WHERE remaining > 0 AND expires_on <= ?");
  s.bind(1, today.days());
  s.executeStep();
  return {s.getColumn(0).getInt64(), s.getColumn(1).getInt64()};
}

int Run(const std::string& database, int64_t customers, rules::Date today, int64_t batch,
        double baseline_seconds) {
  const auto [due_lots, due_points] = DueLots(database, today);
  server::SqliteStoreOptions options;
  options.path = database;
  absl::StatusOr<std::unique_ptr<server::Store>> store = server::SqliteStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  server::RulesetHolder holder;
  server::RulesReloader reloader({CLIENTELE_SOURCE_DIR "/config/rules", {}, nullptr, nullptr},
                                 &holder);
  if (reloader.Reload("startup").outcome != server::ReloadOutcome::kAccepted) {
    std::fprintf(stderr, "the default ruleset did not load\n");
    return 1;
  }
  server::Apis apis({.store = store->get(),
                     .rules = &holder,
                     .reloader = &reloader,
                     .limits = {},
                     .decision_log = nullptr,
                     .today = [today] { return today; }});

  std::atomic<bool> stop{false};
  Latencies before;
  {
    std::thread server([&] { before = Serve(apis, customers, "before", stop); });
    std::this_thread::sleep_for(std::chrono::duration<double>(baseline_seconds));
    stop = true;
    server.join();
  }
  stop = false;
  Latencies during;
  std::thread server([&] { during = Serve(apis, customers, "during", stop); });
  const Clock::time_point began = Clock::now();
  absl::StatusOr<int64_t> expired = apis.loyalty.ExpirePoints(today, batch, nullptr);
  const double pass_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  stop = true;
  server.join();
  if (!expired.ok()) {
    std::fprintf(stderr, "the pass failed: %s\n", std::string(expired.status().message()).c_str());
    return 1;
  }
  const auto [left_lots, left_points] = DueLots(database, today);
  std::printf("customers %lld  lots due %lld (%lld points)  batch %lld\n",
              static_cast<long long>(customers), static_cast<long long>(due_lots),
              static_cast<long long>(due_points), static_cast<long long>(batch));
  std::printf("pass    %.1f s  %.0f lots/s  %lld points written off  lots left due %lld\n",
              pass_seconds, due_lots / pass_seconds, static_cast<long long>(*expired),
              static_cast<long long>(left_lots));
  Print("before", before);
  Print("during", during);
  auto ratio = [](const std::vector<double>& a, const std::vector<double>& b, double p) {
    const double base = Latencies::Percentile(b, p);
    return base > 0 ? Latencies::Percentile(a, p) / base : 0;
  };
  std::printf("during/before: requests/s %.2f  evaluate p50 %.2f p99 %.2f  purchase p50 %.2f "
              "p99 %.2f\n",
              during.Rate() / before.Rate(), ratio(during.evaluate_us, before.evaluate_us, 0.5),
              ratio(during.evaluate_us, before.evaluate_us, 0.99),
              ratio(during.purchase_us, before.purchase_us, 0.5),
              ratio(during.purchase_us, before.purchase_us, 0.99));
  const bool consistent = left_lots == 0 && *expired == due_points;
  if (!consistent) std::fprintf(stderr, "the pass did not write off exactly what was due\n");
  return consistent && before.failures == 0 && during.failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app{"expiry_bench: the points expiry pass over a large store, and serving during it"};
  std::string database;
  int64_t customers = 1'000'000;
  std::string today_text;
  int64_t batch = 250;
  double baseline_seconds = 5;
  app.add_option("--database", database, "filled by make_customers --lots")->required();
  app.add_option("--customers", customers, "as make_customers was given")
      ->check(CLI::Range(int64_t{1}, int64_t{50'000'000}));
  app.add_option("--today", today_text, "as make_customers was given (YYYY-MM-DD)")->required();
  app.add_option("--batch", batch, "lots per write of the pass")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  app.add_option("--baseline-seconds", baseline_seconds, "serving alone first")
      ->check(CLI::Range(0.5, 600.0));
  CLI11_PARSE(app, argc, argv);
  absl::StatusOr<clientele::rules::Date> today = clientele::rules::Date::Parse(today_text);
  if (!today.ok()) {
    std::fprintf(stderr, "--today: %s\n", std::string(today.status().message()).c_str());
    return 2;
  }
  return clientele::Run(database, customers, *today, batch, baseline_seconds);
}
