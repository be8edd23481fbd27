// What the decision log costs per logged decision: on the calling thread
// (masking the customer and encoding the entry, MaybeLogDecision, with the
// queue kept full so that nothing is written), and on the log's thread
// (appending a batch of entries to the store, the retention trim
// included). Run: build/bench/decision_log_bench.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "clientele/v1/decisions.pb.h"
#include "server/api/conversion.h"
#include "server/api/decision_log.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele::server {
namespace {

// A store in a temporary directory, removed when the benchmark ends.
struct TemporaryStore {
  TemporaryStore() {
    directory = std::filesystem::temp_directory_path() /
                ("decision-log-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    SqliteStoreOptions options;
    options.path = (directory / "bench.db").string();
    store = std::move(*SqliteStore::Open(options));
  }
  ~TemporaryStore() {
    store.reset();
    std::filesystem::remove_all(directory);
  }
  std::filesystem::path directory;
  std::unique_ptr<Store> store;
};

rules::Customer ACustomer() {
  rules::Customer c;
  c.id = "c-100042";
  c.name = "张三";
  c.age = 25;
  c.occupation = "工程师";
  c.birthday = *rules::Date::Parse("1990-03-15");
  c.points = 1200;
  return c;
}

// A decision of the default ruleset's size: four segments and an offer.
v1::Decision ADecision() {
  v1::Decision d;
  d.set_customer_id("c-100042");
  d.set_ruleset_version("3ca4c8bf39df");
  for (const auto& [dimension, segment] :
       {std::pair{"life_stage", "年轻低收入群体"}, std::pair{"purchase_behavior", "潜力客户"},
        std::pair{"age_band", "年轻客户"}, std::pair{"satisfaction_level", "满意客户"}}) {
    v1::Segment* s = d.add_segments();
    s->set_dimension(dimension);
    s->set_segment(segment);
    s->set_rule_id("rule_" + std::string(dimension));
  }
  v1::Offer* offer = d.add_offers();
  offer->set_offer("满100减20");
  offer->set_rule_id("coupon_young");
  d.set_tier("普通会员");
  return d;
}

void BM_MaybeLogDecision(benchmark::State& state) {
  TemporaryStore temporary;
  DecisionLogOptions options;
  options.sample_rate = 1;
  options.max_queued = 0;  // every entry is encoded, then dropped: nothing is written
  DecisionLog log(temporary.store.get(), options);
  const rules::Customer customer = ACustomer();
  const v1::Decision decision = ADecision();
  for (auto _ : state) {
    api_internal::MaybeLogDecision(&log, {.method = "Evaluate",
                                              .caller = "crm",
                                              .subject = "stored",
                                              .today = rules::Date::Today(),
                                              .explain = false,
                                              .customer = customer,
                                              .decision = decision});
  }
}
BENCHMARK(BM_MaybeLogDecision);

void BM_AppendDecisions(benchmark::State& state) {
  TemporaryStore temporary;
  const int batch = static_cast<int>(state.range(0));
  DecisionLogEntry entry;
  // Now: with a fixed time the age limit would remove every entry once it
  // passed, and the figures would change.
  entry.recorded_at = UtcMillisecondsText(std::chrono::system_clock::now());
  entry.method = "Evaluate";
  entry.caller = "crm";
  entry.customer_id = "c-100042";
  entry.ruleset_version = "3ca4c8bf39df";
  v1::LoggedRequest request;
  request.set_subject("stored");
  request.set_today("2026-12-02");
  api_internal::CustomerToProto(ACustomer(), request.mutable_customer());
  request.SerializeToString(&entry.request);
  ADecision().SerializeToString(&entry.decision);
  state.counters["entry_bytes"] = static_cast<double>(entry.request.size() + entry.decision.size());
  const std::vector<DecisionLogEntry> entries(batch, entry);
  const DecisionRetention retention{.max_entries = 100'000, .max_age = std::chrono::hours(24 * 30)};
  for (auto _ : state) {
    absl::StatusOr<std::string> written = temporary.store->Write(
        {"", "bench", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<int64_t> removed = tx.AppendDecisions(entries, retention);
          if (!removed.ok()) return removed.status();
          return std::string();
        });
    if (!written.ok()) state.SkipWithError(std::string(written.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
// Real time: the work is done on the store's writer thread.
BENCHMARK(BM_AppendDecisions)->Arg(1)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace clientele::server

BENCHMARK_MAIN();
