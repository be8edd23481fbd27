// Hot reload timings: from a rule file's rename to the new version being
// served, for the default ruleset and for a generated one of 1,000 rules,
// through the real DirectoryWatcher, RulesReloader and a SQLite store that
// archives each version (as clienteled does). The watcher's debounce is
// set to 0 here, so the times exclude it; clienteled waits
// rules_debounce_ms (200 by default) on top.
//
// Then the throughput of evaluations on the served snapshot with and
// without continuous reloads of the 1,000-rule set.
//
//   build/bench/reload_bench [--rounds 30] [--seconds 3]
//
// Prints a table; figures are in bench/README.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "common/strings.h"
#include "server/reload/directory_watcher.h"
#include "server/reload/reloader.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/support/rules_directory.h"

namespace clientele {
namespace {

using Clock = std::chrono::steady_clock;
using server::ReloadAttempt;
using server::ReloadOutcome;

// 10 dimensions of 100 first-match rules each, every one reachable.
std::string GeneratedSegments(int variant) {
  std::string out = "kind: segmentation\ndimensions:\n";
  for (int d = 0; d < 10; ++d) {
    StrAppend(&out, "  - id: dim", d, "\n    rules:\n");
    for (int r = 0; r < 100; ++r) {
      StrAppend(&out, "      - id: d", d, "_r", r, "\n        when: purchase_frequency > ",
                200 - r, " and age >= ", r + variant, "\n        segment: s", r, "\n");
    }
    StrAppend(&out, "    default: none\n");
  }
  return out;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Timings {
  std::vector<double> rename_to_served_ms;
  std::vector<double> reload_ms;  // the attempt itself: load, compile, archive, swap
  size_t rules = 0;
};

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5))];
}

// A rules directory with a store, a reloader and a watcher (debounce 0).
class ReloadRig {
 public:
  explicit ReloadRig(const std::vector<rules::RuleSource>& files) {
    for (const rules::RuleSource& f : files) dir_.WriteInPlace(f.path, f.content);
    store_ = std::move(*server::SqliteStore::Open({(dir_.root() / "bench.db").string()}));
    reloader_ = std::make_unique<server::RulesReloader>(
        server::RulesReloader::Options{
            dir_.path(), {},
            [this](const server::ServedRuleset& candidate) {
              return store_->KeepRulesetVersion({candidate.ruleset->version(),
                                                 candidate.directory, "", candidate.loaded_at, 0,
                                                 candidate.ruleset->sources()});
            },
            nullptr},
        &holder_);
    reloader_->Subscribe([this](const ReloadAttempt& attempt) {
      std::lock_guard<std::mutex> lock(mutex_);
      last_ = attempt;
      served_at_ = Clock::now();
      changed_.notify_all();
    });
    reloader_->Reload("startup");
    watcher_ = std::move(*server::DirectoryWatcher::Start(
        {dir_.path(), std::chrono::milliseconds(0), std::chrono::milliseconds(1000)},
        [this] { reloader_->Reload("watch"); }));
  }
  ~ReloadRig() { watcher_.reset(); }

  // Renames `content` over `name`; the time until it is served, and the
  // attempt that served it.
  std::pair<double, ReloadAttempt> RenameAndWait(const std::string& name,
                                                 const std::string& content) {
    const std::filesystem::path temporary = dir_.path() / ("." + name + ".tmp");
    std::ofstream(temporary, std::ios::binary) << content;
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t before = last_.number;
    const Clock::time_point renamed = Clock::now();
    std::filesystem::rename(temporary, dir_.path() / name);
    changed_.wait(lock, [&] { return last_.number > before; });
    return {std::chrono::duration<double, std::milli>(served_at_ - renamed).count(), last_};
  }
  server::RulesetHolder& holder() { return holder_; }

 private:
  testing::RulesDirectory dir_;
  std::unique_ptr<server::Store> store_;
  server::RulesetHolder holder_;
  std::unique_ptr<server::RulesReloader> reloader_;
  std::unique_ptr<server::DirectoryWatcher> watcher_;
  std::mutex mutex_;
  std::condition_variable changed_;
  ReloadAttempt last_;
  Clock::time_point served_at_;
};

Timings TimeReloads(const std::vector<rules::RuleSource>& files, const std::string& edited,
                    const std::string& a, const std::string& b, int rounds) {
  ReloadRig rig(files);
  Timings timings;
  const rules::RuleSet::Summary summary = rig.holder().Current()->ruleset->Summarize();
  timings.rules = summary.segment_rules + summary.offers + summary.improvements +
                  summary.interaction_rules + summary.earning_rules + summary.tiers;
  for (int i = 0; i < rounds; ++i) {
    auto [ms, attempt] = rig.RenameAndWait(edited, i % 2 == 0 ? b : a);
    if (attempt.outcome != ReloadOutcome::kAccepted) {
      std::fprintf(stderr, "reload %d was %s: %s\n", i,
                   std::string(server::ReloadOutcomeName(attempt.outcome)).c_str(),
                   attempt.message.c_str());
      std::exit(1);
    }
    timings.rename_to_served_ms.push_back(ms);
    timings.reload_ms.push_back(attempt.duration_micros / 1000.0);
  }
  return timings;
}

void PrintTimings(const char* name, const Timings& t) {
  std::printf("%-26s %6zu rules  rename→served ms: min %6.1f  p50 %6.1f  p90 %6.1f  max %6.1f"
              "   (reload itself p50 %6.1f)\n",
              name, t.rules, Percentile(t.rename_to_served_ms, 0),
              Percentile(t.rename_to_served_ms, 0.5), Percentile(t.rename_to_served_ms, 0.9),
              Percentile(t.rename_to_served_ms, 1), Percentile(t.reload_ms, 0.5));
}

// Evaluations per second on `threads` threads, each taking the snapshot
// per evaluation as a request does, for `seconds`.
double EvaluationsPerSecond(server::RulesetHolder& holder, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> total{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      rules::Customer customer;
      customer.id = "c";
      customer.age = 30 + t;
      customer.purchase_frequency = 150;
      rules::Decision decision;
      const rules::Date today = rules::Date::Today();
      int64_t count = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        std::shared_ptr<const server::ServedRuleset> snapshot = holder.Current();
        if (!snapshot->ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, today}, &decision).ok()) {
          std::abort();
        }
        ++count;
      }
      total += count;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& w : workers) w.join();
  return total / seconds;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  using namespace clientele;
  CLI::App app{"reload_bench: hot reload latency and evaluation throughput during reloads"};
  int rounds = 30;
  double seconds = 3;
  app.add_option("--rounds", rounds, "Reloads timed per ruleset")->check(CLI::Range(2, 10000));
  app.add_option("--seconds", seconds, "Length of each throughput run")->check(CLI::Range(0.5, 60.0));
  std::string write_generated;
  app.add_option("--write-generated", write_generated,
                 "Only write the generated 1,000-rule segmentation file here (for "
                 "bench/reload_load.sh) and exit");
  CLI11_PARSE(app, argc, argv);
  if (!write_generated.empty()) {
    std::ofstream(write_generated, std::ios::binary) << GeneratedSegments(0);
    return 0;
  }

  std::vector<rules::RuleSource> seed;
  const auto paths = rules::RuleSet::RuleFilePaths(CLIENTELE_SOURCE_DIR "/config/rules");
  for (const auto& path : *paths) {
    seed.push_back({path.filename().string(), ReadFile(path)});
  }
  std::string parameters;
  for (const rules::RuleSource& f : seed) {
    if (f.path == "parameters.yaml") parameters = f.content;
  }
  PrintTimings("default ruleset", TimeReloads(seed, "parameters.yaml", parameters,
                                               parameters + "\n# edited\n", rounds));
  const std::vector<rules::RuleSource> generated = {{"segments.yaml", GeneratedSegments(0)}};
  PrintTimings("generated, 10 x 100 rules",
               TimeReloads(generated, "segments.yaml", GeneratedSegments(0), GeneratedSegments(1),
                           rounds));

  // Throughput of evaluating the 1,000-rule set, quiet and while it is
  // reloaded: back to back (the worst case: a reload takes a core), and
  // once every 100 ms (still far more often than anyone edits rules).
  ReloadRig rig(generated);
  for (int threads : {1, 2}) {
    for (int pause_ms : {0, 100}) {
      const double quiet = EvaluationsPerSecond(rig.holder(), threads, seconds);
      std::atomic<bool> stop{false};
      std::atomic<int> reloads{0};
      std::thread reloader([&] {
        for (int i = 0; !stop; ++i) {
          rig.RenameAndWait("segments.yaml", GeneratedSegments(i % 2 == 0 ? 1 : 0));
          ++reloads;
          std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        }
      });
      const double busy = EvaluationsPerSecond(rig.holder(), threads, seconds);
      stop = true;
      reloader.join();
      std::printf("evaluations/s, %d thread%s, reloads %-13s %10.0f quiet, %10.0f during %3d "
                  "reloads: %+.1f %%\n",
                  threads, threads == 1 ? " " : "s",
                  pause_ms == 0 ? "back to back:" : "every 100 ms:", quiet, busy, reloads.load(),
                  100.0 * (busy - quiet) / quiet);
    }
  }
  return 0;
}
