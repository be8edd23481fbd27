// The decision log: a sample of the decisions the server served, kept in
// the store within a retention limit (docs/operations.md, "Decision log").
// Knows the Store, not gRPC. MaybeLogDecision (at the end) builds the
// entries: which decisions go into the log, with which fields masked.
//
// Logging never holds up a decision: Record only queues the entry, and a
// thread of the log's own writes the queue in batches, one store write per
// batch. When the queue is full (the store cannot keep up, or fails),
// entries are dropped and counted instead of queueing without bound.
//
// Retention applies whether the log is on or off: at construction, with
// every batch, and once a minute for the age limit, so that what an
// earlier run logged expires too. Of replicas sharing a database, only the
// one that leads runs the passes at construction and once a minute. (Ages are by the id order of
// entries: a wall clock that once ran ahead keeps the entries after it until they are older than
// the limit by the clock they were written with, or until max_entries removes them.)
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_API_DECISION_LOG_H_
#define CLIENTELE_SERVER_API_DECISION_LOG_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "clientele/v1/types.pb.h"
#include "common/mutex.h"
#include "rules/customer.h"
#include "server/store/store.h"

namespace clientele::server {

struct DecisionLogOptions {
  // The share of decisions logged: 0 (off) .. 1 (every one).
  double sample_rate = 0;
  DecisionRetention retention;
  // Entries waiting to be written; more are dropped.
  size_t max_queued = 10'000;
  // How long an entry may wait before its batch is written.
  std::chrono::milliseconds flush_interval{250};
  // Whether this replica runs the retention passes (at construction and
  // once a minute; Store::LeadsBackgroundPasses), asked before each;
  // empty: always. Appends apply the retention on every replica.
  std::function<bool()> leads;
};

class DecisionLog {
 public:
  // `store` must outlive the log, or Stop must be called before it goes.
  // Applies the retention once (a store write), then starts the thread.
  DecisionLog(Store* store, DecisionLogOptions options);
  // Stop.
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  const DecisionLogOptions& options() const { return options_; }
  bool enabled() const { return options_.sample_rate > 0; }

  // Whether the decision being made is to be logged. The n-th decision is
  // when frac(n / golden ratio) < sample_rate: a deterministic sequence
  // that spreads the chosen ones evenly (of n decisions, n * sample_rate
  // give or take a couple) without a period that could line up with
  // traffic (at 0.5, alternating callers are both logged).
  bool Sample();
  // Queues `entry` for writing (recorded_at: now, when empty); drops and
  // counts it when max_queued entries wait already, or after Stop.
  void Record(DecisionLogEntry entry);
  // Returns once every entry queued before the call is written (or failed
  // to be). For tests and for reading one's own writes.
  void Flush();
  // Writes what is queued and stops the thread; later entries are
  // dropped. For shutdown, before the store closes. May be called twice.
  void Stop();

  // Entries dropped since the start: queue full, or their write failed.
  int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // The thread: writes batches until the log is destroyed.
  void WriteQueued();
  // options_.leads(), or true without it.
  bool Leads() const { return !options_.leads || options_.leads(); }
  // One store write per up to kBatch entries of `entries`.
  void WriteBatches(std::vector<DecisionLogEntry>& entries);

  Store* const store_;
  const DecisionLogOptions options_;
  uint64_t sample_below_ = 0;           // sample_rate * 2^64
  std::atomic<uint64_t> decisions_{0};  // decisions offered to Sample
  std::atomic<int64_t> dropped_{0};

  Mutex mutex_;
  CondVar changed_;
  std::vector<DecisionLogEntry> queue_ ABSL_GUARDED_BY(mutex_);
  uint64_t queued_total_ ABSL_GUARDED_BY(mutex_) = 0;  // entries ever queued
  uint64_t done_total_ ABSL_GUARDED_BY(mutex_) = 0;    // of those, written or failed
  bool flush_wanted_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  Mutex join_mutex_;                                 // one Stop joins at a time
  std::thread writer_ ABSL_GUARDED_BY(join_mutex_);  // last: starts once the rest exists
};

}  // namespace clientele::server

namespace clientele::server::api_internal {

// A decision just served, for the decision log.
struct DecisionToLog {
  std::string_view method;   // "Evaluate" | "EvaluateMany"
  std::string_view caller;   // the token's name
  std::string_view subject;  // "stored" | "inline"
  rules::Date today;
  bool explain = false;
  const rules::Customer& customer;  // as evaluated
  const v1::Decision& decision;     // as served
};
// Puts the decision in `log` (may be null: no log) when the log samples
// it, with the customer's personal fields masked (see LoggedRequest in
// decisions.proto). Cheap when not sampled; never fails the decision.
void MaybeLogDecision(DecisionLog* log, const DecisionToLog& made);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_DECISION_LOG_H_
