// Hot reload of the rules: builds a complete new RuleSet from the rules
// directory beside the one being served, checks it, runs the ruleset's
// own checks (the hook for rule tests), archives it, and only then swaps
// it into the RulesetHolder. A rejected attempt leaves the served ruleset
// as it was; every attempt, accepted or not, is kept as the last attempt,
// counted, and told to every subscriber (the WatchRuleset stream).
//
// Knows nothing of gRPC or SQLite: archiving is a callback.
//
// Thread safety: all methods may be called from any thread. Attempts are
// serialised (one at a time, in the order they take the lock); reads of
// the last attempt and counters never wait for an attempt in progress.
#ifndef CLIENTELE_SERVER_RELOAD_RELOADER_H_
#define CLIENTELE_SERVER_RELOAD_RELOADER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/mutex.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"
#include "server/reload/ruleset_holder.h"

namespace clientele::server {

enum class ReloadOutcome {
  kAccepted,   // a new version is being served
  kRejected,   // the files have errors (or a check or the archive failed); the old one serves
  kUnchanged,  // the files are those of the version being served; nothing to do
};

std::string_view ReloadOutcomeName(ReloadOutcome outcome);  // "accepted", ...

// What one attempt did.
struct ReloadAttempt {
  int64_t number = 0;           // 1, 2, ... since the server started
  std::string trigger;          // "startup", "watch", "signal", "rpc"
  std::string started_at;       // RFC 3339, UTC
  int64_t duration_micros = 0;  // loading, checking, archiving and the swap
  ReloadOutcome outcome = ReloadOutcome::kRejected;
  std::string version;                         // of the files tried; "" when they did not compile
  std::string serving_version;                 // after the attempt; "" when nothing serves
  std::vector<rules::Diagnostic> diagnostics;  // errors and warnings, by location
  std::string message;                         // one line for logs and tables
};

struct ReloadCounters {
  int64_t accepted = 0;
  int64_t rejected = 0;
  int64_t unchanged = 0;
};

class RulesReloader {
 public:
  // Runs on a candidate before it is served: the ruleset's own tests.
  // Error diagnostics reject it (the hook that rule tests plug into).
  using Check = std::function<std::vector<rules::Diagnostic>(const rules::RuleSet&)>;
  // Keeps the candidate (files, version) before it is served, so that
  // every decision's version can be explained later. An error rejects it.
  using Archive = std::function<absl::Status(const ServedRuleset&)>;
  // Told of every attempt, in order, on the thread that made it.
  using Listener = std::function<void(const ReloadAttempt&)>;

  struct Options {
    std::filesystem::path directory;  // as configured (may be a symlink)
    rules::LoadOptions load;
    Archive archive;  // optional
    Check check;      // optional
  };

  // `holder` must outlive the reloader. Nothing is loaded until Reload.
  RulesReloader(Options options, RulesetHolder* holder);
  RulesReloader(const RulesReloader&) = delete;
  RulesReloader& operator=(const RulesReloader&) = delete;

  // Loads the directory now and serves it if it is valid and new. Returns
  // the attempt (also kept as LastAttempt and told to the listeners).
  ReloadAttempt Reload(std::string_view trigger) ABSL_LOCKS_EXCLUDED(reload_mutex_);

  // The last attempt; number 0 before the first.
  ReloadAttempt LastAttempt() const;
  ReloadCounters Counters() const;
  const std::filesystem::path& directory() const { return options_.directory; }
  // What a reload loads with: a candidate loaded so loads as a reload would.
  const rules::LoadOptions& load_options() const { return options_.load; }

  // Adds a listener; returns its id for Unsubscribe. A listener must be
  // quick and must not call Subscribe, Unsubscribe or Reload.
  int Subscribe(Listener listener);
  // Removes a listener; once it returns, the listener is not called again
  // (an attempt that is telling it is waited for).
  void Unsubscribe(int id);

 private:
  ReloadAttempt Attempt(std::string_view trigger, int64_t number)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mutex_);
  void Tell(const ReloadAttempt& attempt) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mutex_)
      ABSL_LOCKS_EXCLUDED(listeners_mutex_);

  const Options options_;
  RulesetHolder* const holder_;

  Mutex reload_mutex_;  // serialises attempts (held across one)

  mutable Mutex state_mutex_;
  ReloadAttempt last_attempt_ ABSL_GUARDED_BY(state_mutex_);
  ReloadCounters counters_ ABSL_GUARDED_BY(state_mutex_);
  int64_t attempts_ ABSL_GUARDED_BY(state_mutex_) = 0;

  Mutex listeners_mutex_;  // held while listeners are told
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(listeners_mutex_);
  int next_listener_id_ ABSL_GUARDED_BY(listeners_mutex_) = 1;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_RELOAD_RELOADER_H_
