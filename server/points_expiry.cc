#include "server/points_expiry.h"

#include <string>

#include "common/strings.h"
#include "server/infra/log.h"

namespace clientele::server {

PointsExpiry::PointsExpiry(LoyaltyApi* loyalty, PointsExpiryOptions options)
    : loyalty_(loyalty), options_(options) {
  if (options_.interval > std::chrono::milliseconds::zero()) {
    task_.emplace(options_.interval,
                  [this](const PeriodicTask::StopRequested& stop) { Pass(stop); });
  }
}

void PointsExpiry::Stop() {
  if (task_) task_->Stop();
}

void PointsExpiry::Pass(const PeriodicTask::StopRequested& stop_requested) {
  if (options_.leads && !options_.leads()) return;  // another replica's
  const rules::Date today = loyalty_->Today();
  absl::StatusOr<int64_t> expired = loyalty_->ExpirePoints(today, options_.batch, stop_requested);
  if (!expired.ok()) {
    Log(LogLevel::kWarning, "points_expiry_failed",
        {{"error", std::string(expired.status().message())}});
    return;
  }
  expired_.fetch_add(*expired, std::memory_order_relaxed);
  if (*expired > 0) {
    Log(LogLevel::kInfo, "points_expired", {{"points", StrCat(*expired)}, {"day", today.ToString()}});
  }
}

}  // namespace clientele::server
