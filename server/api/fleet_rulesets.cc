#include "server/api/fleet_rulesets.h"

#include <utility>

#include "common/strings.h"
#include "server/infra/log.h"
#include "server/infra/metrics.h"

namespace clientele::server {
namespace {

// The version `holder` serves; "" when none.
std::string ServingVersion(const RulesetHolder& holder) {
  const std::shared_ptr<const ServedRuleset> served = holder.Current();
  return served != nullptr ? served->ruleset->version() : "";
}

// What a replica reports of itself after `last`: what it serves and how
// that attempt ended.
void DescribeSelf(const ReloadAttempt& last, const std::string& serving,
                  ReplicaRulesetRecord* report) {
  report->serving_version = serving;
  report->last_outcome = last.number > 0 ? std::string(ReloadOutcomeName(last.outcome)) : "";
  report->last_message = last.message;
}

// A replica that went away for good is forgotten after this.
constexpr std::chrono::hours kForgetAfter{24};

}  // namespace

FleetRulesets::FleetRulesets(Store* store, RulesReloader* reloader, RulesetHolder* holder,
                             FleetRulesetsOptions options)
    : store_(store), reloader_(reloader), holder_(holder), options_(std::move(options)) {}

FleetRulesets::~FleetRulesets() { Stop(); }

void FleetRulesets::Start(std::string replica) {
  {
    MutexLock lock(&mutex_);
    view_.replica = std::move(replica);
  }
  if (options_.interval == std::chrono::milliseconds::zero()) return;
  task_.emplace(options_.interval, [this](const PeriodicTask::StopRequested&) { Report(); });
  // The report goes out on the task's thread: a reload does not wait for
  // the database.
  listener_ = reloader_->Subscribe([this](const ReloadAttempt&) { task_->Wake(); });
  task_->Wake();  // a reload made before the subscription is told too
}

void FleetRulesets::Stop() {
  if (listener_.has_value()) {
    reloader_->Unsubscribe(*listener_);
    listener_.reset();
  }
  if (task_.has_value()) task_->Stop();
}

FleetView FleetRulesets::View() const {
  MutexLock lock(&mutex_);
  return view_;
}

FleetView FleetRulesets::ViewAfter(const ReloadAttempt& attempt) const {
  std::string replica;
  std::vector<ReplicaRulesetRecord> reports;
  {
    MutexLock lock(&mutex_);
    replica = view_.replica;
    reports = reports_;
  }
  if (replica.empty() || reports.empty()) return View();
  const std::string serving = ServingVersion(*holder_);
  for (ReplicaRulesetRecord& report : reports) {
    if (report.replica == replica) DescribeSelf(attempt, serving, &report);
  }
  return Judge(replica, attempt, serving, std::move(reports), options_.now());
}

void FleetRulesets::Report() {
  std::string replica;
  {
    MutexLock lock(&mutex_);
    replica = view_.replica;
  }
  if (replica.empty()) return;
  const ReloadAttempt last = reloader_->LastAttempt();
  const std::string serving = ServingVersion(*holder_);
  const auto now = options_.now();
  // Times in one fixed format, which compares as text in time order.
  ReplicaRulesetRecord own{.replica = replica, .reported_at = UtcMillisecondsText(now)};
  DescribeSelf(last, serving, &own);
  absl::Status reported =
      store_->ReportReplicaRuleset(own, UtcMillisecondsText(now - kForgetAfter));
  absl::StatusOr<std::vector<ReplicaRulesetRecord>> reports =
      reported.ok() ? store_->ReplicaRulesets() : reported;
  if (!reports.ok()) {
    // The last view stands; the next report tries again.
    Log(LogLevel::kWarning, "replica_report_failed",
        {{"replica", replica}, {"error", std::string(reports.status().message())}});
    return;
  }
  FleetView view = Judge(replica, last, serving, *reports, now);
  Metrics::Global().SetBehindPeers(view.behind_peers);
  bool was_behind;
  {
    MutexLock lock(&mutex_);
    was_behind = view_.behind_peers;
    view_ = view;
    reports_ = std::move(*reports);
  }
  if (view.behind_peers && !was_behind) {
    Log(LogLevel::kWarning, "behind_peers",
        {{"replica", replica},
         {"serving", serving},
         {"why", view.summary},
         {"rejected", last.message},
         {"what_now", "fix this replica's rule files, or roll the others back"}});
  } else if (was_behind && !view.behind_peers) {
    Log(LogLevel::kInfo, "caught_up_with_peers", {{"replica", replica}, {"serving", serving}});
  }
}

FleetView FleetRulesets::Judge(const std::string& replica, const ReloadAttempt& last,
                               const std::string& serving,
                               std::vector<ReplicaRulesetRecord> reports,
                               std::chrono::system_clock::time_point now) const {
  FleetView view;
  view.replica = replica;
  const std::string alive_since = UtcMillisecondsText(now - options_.peer_timeout);
  std::vector<std::string> ahead;
  for (ReplicaRulesetRecord& report : reports) {
    const bool self = report.replica == replica;
    if (!self && report.reported_at < alive_since) continue;  // gone
    if (!self && !report.serving_version.empty() && report.serving_version != serving) {
      ahead.push_back(StrCat(report.replica, " serves ", report.serving_version));
    }
    view.replicas.push_back(std::move(report));
  }
  if (last.number > 0 && last.outcome == ReloadOutcome::kRejected && !ahead.empty()) {
    view.behind_peers = true;
    view.summary = StrCat("its last reload was rejected while ", StrJoin(ahead, ", "));
  }
  return view;
}

}  // namespace clientele::server
