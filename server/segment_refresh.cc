#include "server/segment_refresh.h"

#include <string>

#include "common/strings.h"
#include "server/infra/log.h"

namespace clientele::server {

SegmentRefresh::SegmentRefresh(SegmentsApi* segments, RulesReloader* reloader,
                               const RulesetHolder* rules, std::chrono::milliseconds interval,
                               std::function<bool()> leads)
    : segments_(segments), reloader_(reloader), rules_(rules), leads_(std::move(leads)) {
  if (interval.count() == 0) return;
  task_.emplace(interval, [this](const PeriodicTask::StopRequested& stop) { Pass(stop); });
  reload_listener_ = reloader_->Subscribe([this](const ReloadAttempt&) { task_->Wake(); });
}

SegmentRefresh::~SegmentRefresh() { Stop(); }

void SegmentRefresh::Stop() {
  if (!task_) return;
  reloader_->Unsubscribe(reload_listener_);  // no Wake from now on
  task_->Stop();
}

void SegmentRefresh::Pass(const PeriodicTask::StopRequested& stop_requested) {
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  if (served == nullptr) return;
  std::string cause;
  if (served->ruleset->version() != segments_->RefreshedVersion()) {
    cause = "ruleset";
  } else if (segments_->Today() != segments_->RefreshedDay()) {
    cause = "daily";
  } else {
    return;
  }
  if (leads_ && !leads_()) return;  // another replica's
  v1::RefreshSegmentsResponse outcome;
  // Waits for a refresh asked for that is running; nothing when it
  // refreshed this version today.
  const absl::Status s =
      segments_->Refresh(cause, SegmentsApi::RefreshWhen::kIfStale, stop_requested, &outcome);
  if (s.ok() && outcome.ruleset_version().empty()) return;
  if (absl::IsCancelled(s)) return;  // stopping
  if (!s.ok()) {
    Log(LogLevel::kWarning, "segment_refresh_failed",
        {{"cause", cause}, {"error", std::string(s.message())}});
    return;
  }
  Log(LogLevel::kInfo, "segments_refreshed",
      {{"cause", cause},
       {"ruleset_version", outcome.ruleset_version()},
       {"customers", StrCat(outcome.customers())},
       {"changes", StrCat(outcome.changes())},
       {"evaluation_errors", StrCat(outcome.evaluation_errors())}});
}

}  // namespace clientele::server
