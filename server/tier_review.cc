#include "server/tier_review.h"

#include <string>

#include "common/strings.h"
#include "server/infra/log.h"

namespace clientele::server {

TierReview::TierReview(LoyaltyApi* loyalty, TierReviewOptions options)
    : loyalty_(loyalty), options_(options) {
  if (options_.interval > std::chrono::milliseconds::zero()) {
    task_.emplace(options_.interval,
                  [this](const PeriodicTask::StopRequested& stop) { Pass(stop); });
  }
}

void TierReview::Stop() {
  if (task_) task_->Stop();
}

void TierReview::Pass(const PeriodicTask::StopRequested& stop_requested) {
  const rules::Date today = loyalty_->Today();
  if (reviewed_day_.load(std::memory_order_relaxed) == today.days()) return;
  if (options_.leads && !options_.leads()) return;  // another replica's
  absl::StatusOr<int64_t> changed = loyalty_->ReviewTiers(today, options_.batch, stop_requested);
  if (!changed.ok()) {
    // Without served rules there is nothing to review by; the next pass
    // tries again.
    Log(LogLevel::kWarning, "tier_review_failed",
        {{"error", std::string(changed.status().message())}});
    return;
  }
  changed_.fetch_add(*changed, std::memory_order_relaxed);
  if (stop_requested()) return;  // stopped part-way: not reviewed in full
  reviewed_day_.store(today.days(), std::memory_order_relaxed);
  Log(LogLevel::kInfo, "tiers_reviewed", {{"changed", StrCat(*changed)}, {"day", today.ToString()}});
}

}  // namespace clientele::server
