#include "server/key_retention.h"

#include <string>

#include "common/strings.h"
#include "server/infra/log.h"

namespace clientele::server {

KeyRetention::KeyRetention(Store* store, KeyRetentionOptions options)
    : store_(store), options_(options) {
  if (options_.max_age > std::chrono::seconds::zero()) {
    task_.emplace(options_.interval,
                  [this](const PeriodicTask::StopRequested& stop) { RemoveExpired(stop); });
  }
}

void KeyRetention::Stop() {
  if (task_) task_->Stop();
}

void KeyRetention::RemoveExpired(const PeriodicTask::StopRequested& stop_requested) {
  if (options_.leads && !options_.leads()) return;  // another replica's
  const auto cutoff = std::chrono::system_clock::now() - options_.max_age;
  int64_t removed_now = 0;
  int64_t removed_in_batch = 0;
  do {
    if (stop_requested()) break;
    const absl::StatusOr<std::string> written = store_->Write(
        {"", "KeyRetention", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<int64_t> removed = tx.RemoveIdempotencyKeysBefore(cutoff, options_.batch);
          if (!removed.ok()) return removed.status();
          removed_in_batch = *removed;
          return std::string();
        });
    if (!written.ok()) {
      Log(LogLevel::kWarning, "idempotency_keys_expiry_failed",
          {{"error", std::string(written.status().message())}});
      break;
    }
    removed_now += removed_in_batch;
  } while (removed_in_batch > 0 && removed_in_batch == options_.batch);
  removed_.fetch_add(removed_now, std::memory_order_relaxed);
  if (removed_now > 0) {
    Log(LogLevel::kInfo, "idempotency_keys_expired",
        {{"keys", StrCat(removed_now)},
         {"max_age_days", StrCat(options_.max_age.count() / 86'400)}});
  }
}

}  // namespace clientele::server
