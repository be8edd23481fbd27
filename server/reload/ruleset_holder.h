// The ruleset being served, swapped as a whole by hot reload.
//
// A request takes the snapshot once (Current) and holds it to its end, so
// that it finishes on the version it started with, whatever reloads happen
// meanwhile; the old RuleSet is freed when its last request lets go.
//
// Thread safety: RulesetHolder is safe to use from any number of threads.
// The lock is held only to copy or replace one shared_ptr (common/mutex.h,
// so that ThreadSanitizer sees it: Debian's Abseil is not instrumented).
#ifndef CLIENTELE_SERVER_RELOAD_RULESET_HOLDER_H_
#define CLIENTELE_SERVER_RELOAD_RULESET_HOLDER_H_

#include <memory>
#include <string>

#include "common/mutex.h"
#include "rules/ruleset.h"

namespace clientele::server {

// One compiled ruleset with where and when it was loaded. Immutable once
// published.
struct ServedRuleset {
  std::shared_ptr<const rules::RuleSet> ruleset;  // never null
  std::string directory;  // as configured (the files' paths show where a symlink led)
  std::string loaded_at;  // RFC 3339, UTC
};

class RulesetHolder {
 public:
  RulesetHolder() = default;
  explicit RulesetHolder(std::shared_ptr<const ServedRuleset> initial)
      : current_(std::move(initial)) {}
  RulesetHolder(const RulesetHolder&) = delete;
  RulesetHolder& operator=(const RulesetHolder&) = delete;

  // The snapshot being served; null while no valid ruleset has been loaded.
  std::shared_ptr<const ServedRuleset> Current() const {
    MutexLock lock(&mutex_);
    return current_;
  }
  // Publishes `next` for every request that starts from now on.
  void Replace(std::shared_ptr<const ServedRuleset> next) {
    std::shared_ptr<const ServedRuleset> previous;
    {
      MutexLock lock(&mutex_);
      previous = std::exchange(current_, std::move(next));
    }
    // `previous` may be the last reference: free it outside the lock.
  }

 private:
  mutable Mutex mutex_;
  std::shared_ptr<const ServedRuleset> current_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_RELOAD_RULESET_HOLDER_H_
