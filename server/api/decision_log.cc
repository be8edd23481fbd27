#include "server/api/decision_log.h"

#include <span>
#include <utility>

#include "clientele/v1/decisions.pb.h"
#include "common/strings.h"
#include "server/api/conversion.h"
#include "server/infra/log.h"
#include "server/infra/metrics.h"

namespace clientele::server {
namespace {

// Entries per store write: large enough to make the log cheap, small
// enough that a batch does not hold up the writes committed with it.
constexpr size_t kBatch = 500;

// How often the age limit is applied while no entry is written (an idle
// or switched-off log still lets its entries expire).
constexpr std::chrono::minutes kTrimInterval{1};

// 2^64 / golden ratio: n * kWeyl (mod 2^64) spreads n = 1, 2, ... evenly
// over [0, 2^64) without a short period (Fibonacci hashing).
constexpr uint64_t kWeyl = 0x9E3779B97F4A7C15ull;

}  // namespace

DecisionLog::DecisionLog(Store* store, DecisionLogOptions options)
    : store_(store), options_(std::move(options)) {
  const double rate = std::clamp(options_.sample_rate, 0.0, 1.0);
  // rate * 2^64, saturating: at 1 every draw is below it.
  sample_below_ = rate >= 1 ? UINT64_MAX : static_cast<uint64_t>(rate * 18446744073709551616.0);
  // What an earlier run (or a larger retention) left beyond the limits goes
  // now, before anything is listed.
  std::vector<DecisionLogEntry> none;
  if (Leads()) WriteBatches(none);
  writer_ = std::thread([this] { WriteQueued(); });
}

DecisionLog::~DecisionLog() { Stop(); }

void DecisionLog::Stop() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
  }
  changed_.NotifyAll();
  MutexLock join(&join_mutex_);
  if (writer_.joinable()) writer_.join();
}

bool DecisionLog::Sample() {
  if (!enabled()) return false;
  const uint64_t n = decisions_.fetch_add(1, std::memory_order_relaxed) + 1;
  return sample_below_ == UINT64_MAX || n * kWeyl < sample_below_;
}

void DecisionLog::Record(DecisionLogEntry entry) {
  if (!enabled()) return;
  if (entry.recorded_at.empty()) {
    entry.recorded_at = UtcMillisecondsText(std::chrono::system_clock::now());
  }
  bool refused = false;
  bool batch_ready = false;
  {
    MutexLock lock(&mutex_);
    refused = stopping_ || queue_.size() >= options_.max_queued;
    if (!refused) {
      queue_.push_back(std::move(entry));
      ++queued_total_;
      batch_ready = queue_.size() == kBatch;
    }
  }
  if (refused) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    Metrics::Global().RecordDecisionLog("dropped", 1);
  } else if (batch_ready) {
    changed_.NotifyAll();  // a full batch need not wait for the interval
  }
}

void DecisionLog::Flush() {
  MutexLock lock(&mutex_);
  const uint64_t target = queued_total_;
  flush_wanted_ = true;
  changed_.NotifyAll();
  // After Stop everything queued is done (Record queues nothing then).
  while (done_total_ < target) changed_.Wait(&mutex_);
}

void DecisionLog::WriteQueued() {
  auto last_trim = std::chrono::steady_clock::now();
  mutex_.Lock();
  while (true) {
    const auto deadline = std::chrono::steady_clock::now() + options_.flush_interval;
    while (!stopping_ && !flush_wanted_ && queue_.size() < kBatch &&
           changed_.WaitUntil(&mutex_, deadline)) {
    }
    std::vector<DecisionLogEntry> taken = std::exchange(queue_, {});
    flush_wanted_ = false;
    const bool last = stopping_;
    const auto now = std::chrono::steady_clock::now();
    const bool trim_due = options_.retention.max_age > std::chrono::seconds::zero() &&
                          now - last_trim >= kTrimInterval;
    if (!taken.empty() || trim_due) {
      mutex_.Unlock();
      // An empty batch only trims: the replica that leads does that (asked
      // without the lock, which Record takes).
      if (!taken.empty() || Leads()) WriteBatches(taken);
      last_trim = now;
      mutex_.Lock();
      done_total_ += taken.size();
      changed_.NotifyAll();  // Flush waits for done_total_
    }
    if (last && queue_.empty()) break;
  }
  mutex_.Unlock();
}

void DecisionLog::WriteBatches(std::vector<DecisionLogEntry>& entries) {
  const std::span<const DecisionLogEntry> all(entries);
  size_t first = 0;
  do {
    const std::span<const DecisionLogEntry> batch =
        all.subspan(first, std::min(kBatch, all.size() - first));
    first += batch.size();
    int64_t removed = 0;
    const absl::StatusOr<std::string> written =
        store_->Write({"", "DecisionLog", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<int64_t> trimmed = tx.AppendDecisions(batch, options_.retention);
          if (!trimmed.ok()) return trimmed.status();
          removed = *trimmed;
          return std::string();
        });
    if (written.ok()) {
      if (!batch.empty()) Metrics::Global().RecordDecisionLog("written", batch.size());
      if (removed > 0)
        Metrics::Global().RecordDecisionLog("expired", static_cast<uint64_t>(removed));
    } else {
      dropped_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
      if (!batch.empty()) Metrics::Global().RecordDecisionLog("failed", batch.size());
      Log(LogLevel::kWarning, "decision_log_write_failed",
          {{"entries", StrCat(batch.size())}, {"error", std::string(written.status().message())}});
    }
  } while (first < all.size());
}

}  // namespace clientele::server

namespace clientele::server::api_internal {

namespace {

// The bytes of the first UTF-8 character of `text` (valid UTF-8: checked
// when the request was).
size_t FirstCharacterBytes(std::string_view text) {
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  return std::min(length, text.size());
}

// Masks what identifies a person and that no rule needs whole: the name
// (its first character kept when it has more, so that a reader can tell
// entries apart) and the birthday (month kept: birthday offers decide on
// it).
void MaskPersonalFields(v1::Customer* customer) {
  if (const std::string& name = customer->name(); !name.empty()) {
    const size_t first = FirstCharacterBytes(name);
    customer->set_name(first < name.size() ? StrCat(name.substr(0, first), "**") : "**");
  }
  if (const std::string& birthday = customer->birthday(); birthday.size() == 10) {
    customer->set_birthday(StrCat("****-", birthday.substr(5, 2), "-**"));
  } else if (!birthday.empty()) {
    customer->set_birthday("****-**-**");
  }
}

}  // namespace

void MaybeLogDecision(DecisionLog* log, const DecisionToLog& made) {
  if (log == nullptr || !log->Sample()) return;
  v1::LoggedRequest request;
  request.set_subject(std::string(made.subject));
  request.set_today(made.today.ToString());
  request.set_explain(made.explain);
  CustomerToProto(made.customer, request.mutable_customer());
  MaskPersonalFields(request.mutable_customer());
  DecisionLogEntry entry;
  entry.method = made.method;
  entry.caller = made.caller;
  entry.customer_id = made.customer.id;
  entry.ruleset_version = made.decision.ruleset_version();
  request.SerializeToString(&entry.request);
  if (made.decision.explanation_size() == 0) {
    made.decision.SerializeToString(&entry.decision);
  } else {
    v1::Decision decision = made.decision;
    decision.clear_explanation();
    decision.SerializeToString(&entry.decision);
  }
  log->Record(std::move(entry));
}

}  // namespace clientele::server::api_internal
