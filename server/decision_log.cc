#include "server/decision_log.h"

#include <cmath>
#include <span>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rules/strings.h"
#include "server/log.h"
#include "server/metrics.h"

namespace clientele::server {
namespace {

// Entries per store write: large enough to make the log cheap, small
// enough that a batch does not hold up the writes committed with it.
constexpr size_t kBatch = 500;

}  // namespace

DecisionLog::DecisionLog(Store* store, DecisionLogOptions options)
    : store_(store), options_(std::move(options)) {
  if (enabled()) writer_ = std::thread([this] { WriteQueued(); });
}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (writer_.joinable()) writer_.join();
}

bool DecisionLog::Sample() {
  const double rate = options_.sample_rate;
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  const uint64_t n = decisions_.fetch_add(1, std::memory_order_relaxed) + 1;
  return std::floor(static_cast<double>(n) * rate) !=
         std::floor(static_cast<double>(n - 1) * rate);
}

void DecisionLog::Record(DecisionLogEntry entry) {
  if (!enabled()) return;
  if (entry.recorded_at.empty()) {
    entry.recorded_at = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  }
  bool full = false;
  bool batch_ready = false;
  {
    std::lock_guard lock(mutex_);
    full = queue_.size() >= options_.max_queued;
    if (!full) {
      queue_.push_back(std::move(entry));
      ++queued_total_;
      batch_ready = queue_.size() == kBatch;
    }
  }
  if (full) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    Metrics::Global().RecordDecisionLog("dropped", 1);
  } else if (batch_ready) {
    changed_.notify_all();  // a full batch need not wait for the interval
  }
}

void DecisionLog::Flush() {
  std::unique_lock lock(mutex_);
  if (!enabled()) return;
  const uint64_t target = queued_total_;
  flush_wanted_ = true;
  changed_.notify_all();
  changed_.wait(lock, [&] { return done_total_ >= target; });
}

void DecisionLog::WriteQueued() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait_for(lock, options_.flush_interval, [&] {
      return stopping_ || flush_wanted_ || queue_.size() >= kBatch;
    });
    std::vector<DecisionLogEntry> taken = std::exchange(queue_, {});
    flush_wanted_ = false;
    const bool last = stopping_;
    if (!taken.empty()) {
      lock.unlock();
      WriteBatches(taken);
      lock.lock();
      done_total_ += taken.size();
      changed_.notify_all();  // Flush waits for done_total_
    }
    if (last && queue_.empty()) return;
  }
}

void DecisionLog::WriteBatches(std::vector<DecisionLogEntry>& entries) {
  const std::span<const DecisionLogEntry> all(entries);
  for (size_t first = 0; first < all.size(); first += kBatch) {
    const std::span<const DecisionLogEntry> batch = all.subspan(first, std::min(kBatch, all.size() - first));
    int64_t removed = 0;
    const absl::StatusOr<std::string> written = store_->Write(
        {"", "DecisionLog", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<int64_t> trimmed = tx.AppendDecisions(batch, options_.retention);
          if (!trimmed.ok()) return trimmed.status();
          removed = *trimmed;
          return std::string();
        });
    if (written.ok()) {
      Metrics::Global().RecordDecisionLog("written", batch.size());
      if (removed > 0) Metrics::Global().RecordDecisionLog("expired", static_cast<uint64_t>(removed));
    } else {
      dropped_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
      Metrics::Global().RecordDecisionLog("failed", batch.size());
      Log(LogLevel::kWarning, "decision_log_write_failed",
          {{"entries", StrCat(batch.size())}, {"error", std::string(written.status().message())}});
    }
  }
}

}  // namespace clientele::server
