// The server's metrics, in the Prometheus text exposition format (0.0.4),
// served on their own port (server/infra/metrics_endpoint.h):
//
//   clientele_rpc_total{method,code}                counter
//   clientele_rpc_duration_seconds{method}          histogram
//   clientele_ruleset_info{version}                 gauge (1 for the version served)
//   clientele_ruleset_reloads_total{outcome}        counter: accepted | rejected | unchanged
//   clientele_ruleset_behind_peers                  gauge: 1 while this replica's last reload
//                                                   was rejected and a peer sharing its
//                                                   database serves another version
//                                                   (server/api/fleet_rulesets.h)
//   clientele_rule_matches_total{kind,rule}         counter: rules that decided a served
//                                                   decision (segment, offer, earning,
//                                                   interaction, improvement)
//   clientele_database_seconds{operation}           histogram: read | commit
//   clientele_points_awarded_total                  counter: points earned by purchases
//   clientele_points_taken_back_total               counter: points reversed by returns
//   clientele_decision_log_entries_total{outcome}   counter: written | expired (removed by
//                                                   retention) | dropped (queue full) |
//                                                   failed (write failed)
//
// One Metrics object per process (Global()). Every method is thread-safe;
// recording takes a reader lock and relaxed atomic increments, Render a
// consistent-enough snapshot (counters may move while it is written, as
// Prometheus allows). Knows nothing of gRPC or SQLite.
#ifndef CLIENTELE_SERVER_INFRA_METRICS_H_
#define CLIENTELE_SERVER_INFRA_METRICS_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rules/decision.h"

namespace clientele::server {

// Durations into fixed buckets from 50 µs to 10 s.
class Histogram {
 public:
  static constexpr std::array<double, 16> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
  void Observe(std::chrono::nanoseconds duration);
  // The _bucket, _sum and _count lines of `name` with `labels` (`a="b",`
  // or empty).
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // the last: +Inf
  std::atomic<int64_t> sum_nanos_{0};
  std::atomic<uint64_t> count_{0};
};

// Values by label (a method, an outcome), each made on first use and never
// removed, so that the pointer Find returns stays valid for the life of
// the Labelled. Thread-safe: finding a value that exists takes a reader
// lock; only the first use of a label takes the writer lock.
template <typename Value>
class Labelled {
 public:
  Value* Find(std::string_view label) ABSL_LOCKS_EXCLUDED(mutex_) {
    {
      absl::ReaderMutexLock lock(&mutex_);
      if (auto found = values_.find(absl::string_view(label.data(), label.size()));
          found != values_.end()) {
        return found->second.get();
      }
    }
    absl::MutexLock lock(&mutex_);
    auto [entry, inserted] = values_.try_emplace(std::string(label), nullptr);
    if (inserted) entry->second = std::make_unique<Value>();
    return entry->second.get();
  }

  // Every label with its value, in label order.
  std::vector<std::pair<std::string, const Value*>> Sorted() const ABSL_LOCKS_EXCLUDED(mutex_) {
    std::vector<std::pair<std::string, const Value*>> entries;
    {
      absl::ReaderMutexLock lock(&mutex_);
      entries.reserve(values_.size());
      for (const auto& [label, value] : values_) entries.emplace_back(label, value.get());
    }
    std::sort(entries.begin(), entries.end());
    return entries;
  }

 private:
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::unique_ptr<Value>> values_ ABSL_GUARDED_BY(mutex_);
};

class Metrics {
 public:
  static Metrics& Global();

  void RecordCall(std::string_view method, absl::StatusCode code,
                  std::chrono::nanoseconds duration);
  void RecordReload(std::string_view outcome);
  void SetServedVersion(std::string_view version);  // "" when nothing serves
  void SetBehindPeers(bool behind);
  // Counts each rule that decided something in `decision`.
  void RecordMatches(const rules::Decision& decision);
  void RecordMatch(std::string_view kind, std::string_view rule_id);
  void RecordDatabase(std::string_view operation, std::chrono::nanoseconds duration);
  void RecordPoints(int64_t delta);  // > 0 awarded, < 0 taken back
  // `count` decision log entries had `outcome` (see the list above).
  void RecordDecisionLog(std::string_view outcome, uint64_t count);

  // Everything, in the text exposition format.
  std::string Render() const;

 private:
  struct CallStats {
    std::array<std::atomic<uint64_t>, 17> by_code{};  // absl::StatusCode 0..16
    Histogram duration;
  };

  using Counter = std::atomic<uint64_t>;
  Labelled<CallStats> calls_;
  Labelled<Counter> reloads_;
  Labelled<Counter> matches_;  // "kind\0rule" → count
  Labelled<Histogram> database_;
  Labelled<Counter> decision_log_;
  mutable absl::Mutex served_version_mutex_;
  std::string served_version_ ABSL_GUARDED_BY(served_version_mutex_);
  std::atomic<bool> behind_peers_{false};
  std::atomic<uint64_t> points_awarded_{0};
  std::atomic<uint64_t> points_taken_back_{0};
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_METRICS_H_
