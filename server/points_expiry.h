// The points expiry pass: writes off, as ledger entries "expiry", the
// points whose expiry date came (docs/rules.md, "Points lifecycle"). Reads
// never show such points even before it runs; the pass makes the ledger
// say so, in store writes of at most `batch` lots each, so that the
// writes queued behind one are not held up by a long backlog. Runs at the
// start and then every `interval` (PeriodicTask), with the day in UTC.
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_POINTS_EXPIRY_H_
#define CLIENTELE_SERVER_POINTS_EXPIRY_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "server/api/loyalty.h"
#include "server/infra/periodic_task.h"

namespace clientele::server {

struct PointsExpiryOptions {
  // How often to look for expired points after the start; zero: never
  // (no thread).
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  int64_t batch = 250;  // lots per store write
  // Whether this replica runs the pass now (Store::LeadsBackgroundPasses),
  // asked at each pass; empty: always.
  std::function<bool()> leads;
};

class PointsExpiry {
 public:
  // `loyalty` must outlive the pass, or Stop must be called before it goes.
  PointsExpiry(LoyaltyApi* loyalty, PointsExpiryOptions options);
  PointsExpiry(const PointsExpiry&) = delete;
  PointsExpiry& operator=(const PointsExpiry&) = delete;

  // Stops the thread, after the batch in progress. May be called twice.
  void Stop();
  // Points written off since the start.
  int64_t expired() const { return expired_.load(std::memory_order_relaxed); }
  // Completed passes (the first at the start); once it has grown,
  // expired() counts what that pass wrote off.
  int64_t passes() const { return task_ ? task_->passes() : 0; }

 private:
  void Pass(const PeriodicTask::StopRequested& stop_requested);

  LoyaltyApi* const loyalty_;
  const PointsExpiryOptions options_;
  std::atomic<int64_t> expired_{0};
  std::optional<PeriodicTask> task_;  // last: it starts once everything it uses exists
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_POINTS_EXPIRY_H_
