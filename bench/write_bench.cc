// The write path without gRPC: RecordPurchase through EventsApi and the
// store's writer thread, as clienteled runs it, on a fresh database with
// the demo data. Keeps --in-flight purchases queued (EventsApi's
// asynchronous RecordPurchase), counts --purchases of them, and reports
// purchases per second and the process's CPU time per purchase: the
// ceiling the store sets for RecordPurchase over gRPC.
//
//   build/bench/write_bench --purchases 20000 --in-flight 64 [--no-sync]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/strings.h"
#include "server/api/apis.h"
#include "server/demo_data.h"
#include "server/reload/reloader.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele {
namespace {

using Clock = std::chrono::steady_clock;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Keeps at most `limit` writes in flight; Wait returns when all are done.
class InFlight {
 public:
  explicit InFlight(int limit) : limit_(limit) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ < limit_; });
    ++in_flight_;
  }
  void Release(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!status.ok() && failures_++ == 0) first_failure_ = status;
    --in_flight_;
    changed_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ == 0; });
  }
  int failures() const { return failures_; }
  const absl::Status& first_failure() const { return first_failure_; }

 private:
  const int limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int in_flight_ = 0;          // guarded by mutex_
  int failures_ = 0;           // guarded by mutex_ (read after Wait)
  absl::Status first_failure_;  // guarded by mutex_ (read after Wait)
};

struct Call {
  v1::RecordPurchaseRequest request;
  v1::RecordPurchaseResponse response;
};

int Run(int purchases, int in_flight, bool sync) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / StrCat("write_bench.", getpid());
  std::filesystem::create_directories(dir);
  int exit_code = 0;
  {
    server::SqliteStoreOptions options;
    options.path = (dir / "bench.db").string();
    options.sync_every_commit = sync;
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
    server::Apis apis({.store = store->get(), .rules = &holder, .reloader = &reloader});
    if (absl::Status s = server::LoadDemoData(&apis); !s.ok()) {
      std::fprintf(stderr, "demo data: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    std::vector<Call> calls(purchases);
    for (int i = 0; i < purchases; ++i) {
      Call& call = calls[i];
      call.request.set_idempotency_key(StrCat("bench-", i));
      call.request.set_purchase_id(StrCat("bench-", i));
      call.request.set_customer_id(StrCat("demo-", 1 + i % server::kDemoCustomers));
      call.request.set_amount(StrCat(50 + i % 700, ".00"));
      call.request.set_product(i % 2 == 0 ? "产品A" : "产品B");
    }
    InFlight limit(in_flight);
    const double cpu_before = CpuSeconds();
    const Clock::time_point began = Clock::now();
    for (Call& call : calls) {
      limit.Acquire();
      apis.events.RecordPurchase(call.request, &call.response, server::Store::Deadline::max(),
                                [&limit](absl::Status status) { limit.Release(status); });
    }
    limit.Wait();
    const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
    const double cpu = CpuSeconds() - cpu_before;
    std::printf("purchases %d  in flight %d  sync %s\n", purchases, in_flight, sync ? "yes" : "no");
    std::printf("%.0f purchases/s  %.1f us CPU per purchase  failed %d\n", purchases / seconds,
                cpu / purchases * 1e6, limit.failures());
    if (limit.failures() > 0) {
      std::fprintf(stderr, "first failure: %s\n", limit.first_failure().ToString().c_str());
      exit_code = 1;
    }
  }
  std::filesystem::remove_all(dir);
  return exit_code;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app{"write_bench: RecordPurchase through the store's writer thread, no gRPC"};
  int purchases = 20000;
  int in_flight = 64;
  bool no_sync = false;
  app.add_option("--purchases", purchases, "purchases to record")->check(CLI::Range(1, 10'000'000));
  app.add_option("--in-flight", in_flight, "purchases queued at once")->check(CLI::Range(1, 4096));
  app.add_flag("--no-sync", no_sync, "sync_every_commit: false");
  CLI11_PARSE(app, argc, argv);
  return clientele::Run(purchases, in_flight, !no_sync);
}
