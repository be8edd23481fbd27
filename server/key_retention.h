// Expiry of idempotency keys. Every write with a key keeps a row (the key,
// what the request was, the response) so that a retry gets the first
// answer; without expiry that table grows by one row per write for ever.
// A key older than the configured age is removed: a retry with it after
// that runs as a new request. Purchases are still recorded once (their
// purchase_id is the primary key: ALREADY_EXISTS); other writes would be
// made again, which is why the age is long (30 days shipped) against how
// long clients retry (seconds to hours). Knows the Store, not gRPC.
//
// A thread of its own removes the expired keys at the start and then at
// every interval, in store writes of at most `batch` keys each, so that
// the writes queued behind one are not held up by a long backlog.
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_KEY_RETENTION_H_
#define CLIENTELE_SERVER_KEY_RETENTION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "server/infra/periodic_task.h"
#include "server/store/store.h"

namespace clientele::server {

struct KeyRetentionOptions {
  // Keys older than this are removed; zero keeps every key (no thread).
  std::chrono::seconds max_age{0};
  // How often expired keys are looked for after the start.
  std::chrono::milliseconds interval{std::chrono::minutes(1)};
  // Keys removed per store write.
  int64_t batch = 5'000;
  // Whether this replica runs the pass now (Store::LeadsBackgroundPasses),
  // asked at each pass; empty: always.
  std::function<bool()> leads;
};

class KeyRetention {
 public:
  // `store` must outlive the retention, or Stop must be called before it
  // goes. Starts the thread (when max_age is set), which removes what has
  // expired at once.
  KeyRetention(Store* store, KeyRetentionOptions options);
  KeyRetention(const KeyRetention&) = delete;
  KeyRetention& operator=(const KeyRetention&) = delete;

  // Stops the thread, after the removal in progress. May be called twice.
  void Stop();
  // Keys removed since the start.
  int64_t removed() const { return removed_.load(std::memory_order_relaxed); }
  // Completed passes over the expired keys (the first at the start); once
  // it has grown, removed() counts what that pass removed.
  int64_t passes() const { return task_ ? task_->passes() : 0; }

 private:
  // Removes every key expired by now, batch by batch (stops early on
  // Stop or when a write fails, which is logged).
  void RemoveExpired(const PeriodicTask::StopRequested& stop_requested);

  Store* const store_;
  const KeyRetentionOptions options_;
  std::atomic<int64_t> removed_{0};
  std::optional<PeriodicTask> task_;  // last: it starts once everything it uses exists
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_KEY_RETENTION_H_
