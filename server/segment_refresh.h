// Keeps the stored segments fresh between writes (server/api/segments.h):
// refreshes them all when another ruleset version is served (a reload
// wakes it at once) and once each programme day, since rules that read
// today() or RFM scores move customers with time alone. Runs at the start
// and then every `interval` (PeriodicTask); a refresh asked for over the
// API that refreshed the served version today counts.
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_SEGMENT_REFRESH_H_
#define CLIENTELE_SERVER_SEGMENT_REFRESH_H_

#include <chrono>
#include <functional>
#include <optional>

#include "server/api/segments.h"
#include "server/infra/periodic_task.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"

namespace clientele::server {

class SegmentRefresh {
 public:
  // `interval` zero: never (no thread). What the pointers name must
  // outlive the SegmentRefresh, or Stop must be called before they go.
  // `leads` says whether this replica runs the pass now
  // (Store::LeadsBackgroundPasses); empty: always.
  SegmentRefresh(SegmentsApi* segments, RulesReloader* reloader, const RulesetHolder* rules,
                 std::chrono::milliseconds interval, std::function<bool()> leads = nullptr);
  SegmentRefresh(const SegmentRefresh&) = delete;
  SegmentRefresh& operator=(const SegmentRefresh&) = delete;
  ~SegmentRefresh();

  // Stops the thread, after the batch in progress. May be called twice.
  void Stop();

 private:
  void Pass(const PeriodicTask::StopRequested& stop_requested);

  SegmentsApi* const segments_;
  RulesReloader* const reloader_;
  const RulesetHolder* const rules_;
  const std::function<bool()> leads_;
  int reload_listener_ = 0;
  std::optional<PeriodicTask> task_;  // last: it starts once everything it uses exists
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_SEGMENT_REFRESH_H_
