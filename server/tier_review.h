// The daily tier review: keeps stored tiers as the tier policy says they
// are (docs/rules.md, "Tier policies") when no event of the customer's
// comes to do it — a qualifying window moved on, points expired, a grace
// period began or ended. Reads already decide tiers by the rules; the
// review makes the stored tier, its history and the scheduled downgrade
// say so. Runs at the start and then every `interval` (PeriodicTask), but
// reviews each UTC day once: a pass on a day already reviewed in full
// does nothing.
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_TIER_REVIEW_H_
#define CLIENTELE_SERVER_TIER_REVIEW_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "server/api/loyalty.h"
#include "server/infra/periodic_task.h"

namespace clientele::server {

struct TierReviewOptions {
  // How often to look whether today was reviewed; zero: never (no thread).
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  int64_t batch = 1'000;  // customers read per page
  // Whether this replica runs the pass now (Store::LeadsBackgroundPasses),
  // asked at each pass; empty: always.
  std::function<bool()> leads;
};

class TierReview {
 public:
  // `loyalty` must outlive the review, or Stop must be called before it goes.
  TierReview(LoyaltyApi* loyalty, TierReviewOptions options);
  TierReview(const TierReview&) = delete;
  TierReview& operator=(const TierReview&) = delete;

  // Stops the thread, after the batch in progress. May be called twice.
  void Stop();
  // Customers whose tier or scheduled downgrade the reviews changed.
  int64_t changed() const { return changed_.load(std::memory_order_relaxed); }
  // Completed passes (the first at the start).
  int64_t passes() const { return task_ ? task_->passes() : 0; }

 private:
  void Pass(const PeriodicTask::StopRequested& stop_requested);

  LoyaltyApi* const loyalty_;
  const TierReviewOptions options_;
  std::atomic<int64_t> changed_{0};
  // The last day reviewed in full, as days since 1970 (INT32_MIN: none).
  std::atomic<int32_t> reviewed_day_{INT32_MIN};
  std::optional<PeriodicTask> task_;  // last: it starts once everything it uses exists
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_TIER_REVIEW_H_
