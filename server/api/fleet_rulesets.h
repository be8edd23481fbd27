// What the other replicas serve. Replicas that share a database each
// watch their own rules directory, so one of them can reject files that
// its peers accepted (a broken checkout, a binary too old for a new rule
// kind) and go on answering with a version the rest of the fleet has
// left. Each replica therefore reports what it serves and how its last
// reload ended into the shared database (Store::ReportReplicaRuleset),
// after every reload attempt and every `interval`, and reads its peers'
// reports back; GetRulesetStatus (clientele rules status) and the metric
// clientele_ruleset_behind_peers show the result.
//
// A replica is "behind its peers" when its last reload attempt was
// rejected and a live peer (one that reported within `peer_timeout`)
// serves another version than it does. Reports older than a day are
// forgotten, so replicas that went away leave no row for ever.
//
// Knows the Store and the reloader, not gRPC. With SQLite (one process)
// there are no peers and the server does not start it.
//
// Peers are aged by this replica's clock against the times they stamped
// with theirs: the replicas' clocks must agree within seconds (NTP).
//
// Thread safety: Report, View and ViewAfter may be called from many
// threads at once; Start and Stop from one thread (the server's main).
#ifndef CLIENTELE_SERVER_API_FLEET_RULESETS_H_
#define CLIENTELE_SERVER_API_FLEET_RULESETS_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "server/infra/periodic_task.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store/store.h"

namespace clientele::server {

struct FleetRulesetsOptions {
  // How often a replica reports when nothing reloads. Zero: only when
  // Report is called (tests).
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  // A peer whose last report is older than this counts as gone.
  std::chrono::milliseconds peer_timeout{std::chrono::seconds(90)};
  // The clock reports are stamped and aged with; tests move it.
  std::function<std::chrono::system_clock::time_point()> now = &std::chrono::system_clock::now;
};

// The fleet as this replica last read it.
struct FleetView {
  std::string replica;                         // this replica's name; "" before Start
  std::vector<ReplicaRulesetRecord> replicas;  // the live ones, this one included, by name
  bool behind_peers = false;
  // One line when behind_peers: "its last reload was rejected while
  // b:50051 serves 50e67ba75a4f".
  std::string summary;
};

class FleetRulesets {
 public:
  // The pointees must outlive the FleetRulesets (or Stop must be called
  // before they go). Nothing is reported before Start.
  FleetRulesets(Store* store, RulesReloader* reloader, RulesetHolder* holder,
                FleetRulesetsOptions options = {});
  // Stop.
  ~FleetRulesets();
  FleetRulesets(const FleetRulesets&) = delete;
  FleetRulesets& operator=(const FleetRulesets&) = delete;

  // Starts reporting as `replica` (a name unique in the fleet): at once,
  // after every reload attempt, and at every interval, on a thread of its
  // own (with an interval of zero, only when Report is called). Once only.
  void Start(std::string replica);
  // Stops reporting, after the report in progress. May be called twice.
  void Stop();

  // Reports now and reads the peers' reports back, on the calling
  // thread. For Start's thread and for tests.
  void Report();
  // The fleet as last read (empty before the first report).
  FleetView View() const;
  // The fleet as last read, judged after `attempt` (this replica's latest
  // reload, which its next report will tell the others): what
  // GetRulesetStatus shows, so that a reload's answer never pairs the new
  // attempt with an older judgement.
  FleetView ViewAfter(const ReloadAttempt& attempt) const;

 private:
  // The fleet in `reports` as this replica sees it after `last`.
  FleetView Judge(const std::string& replica, const ReloadAttempt& last, const std::string& serving,
                  std::vector<ReplicaRulesetRecord> reports,
                  std::chrono::system_clock::time_point now) const;

  Store* const store_;
  RulesReloader* const reloader_;
  RulesetHolder* const holder_;
  const FleetRulesetsOptions options_;
  mutable Mutex mutex_;
  FleetView view_ ABSL_GUARDED_BY(mutex_);
  std::vector<ReplicaRulesetRecord> reports_ ABSL_GUARDED_BY(mutex_);  // as last read, all
  std::optional<int> listener_;       // the reloader subscription, once started
  std::optional<PeriodicTask> task_;  // reports, once started
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_FLEET_RULESETS_H_
