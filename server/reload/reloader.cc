#include "server/reload/reloader.h"

#include <chrono>
#include <system_error>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/strings.h"

namespace clientele::server {
namespace {

std::string NowText() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

bool HasErrors(const std::vector<rules::Diagnostic>& diagnostics) {
  for (const rules::Diagnostic& d : diagnostics) {
    if (d.severity == rules::Severity::kError) return true;
  }
  return false;
}

int ErrorCount(const std::vector<rules::Diagnostic>& diagnostics) {
  int errors = 0;
  for (const rules::Diagnostic& d : diagnostics) errors += d.severity == rules::Severity::kError;
  return errors;
}

// "2 errors; first: segments.yaml:12:18: unknown field 'agee'"
std::string RejectionSummary(const std::vector<rules::Diagnostic>& diagnostics) {
  const int errors = ErrorCount(diagnostics);
  for (const rules::Diagnostic& d : diagnostics) {
    if (d.severity != rules::Severity::kError) continue;
    return StrCat(errors, errors == 1 ? " error" : " errors", "; first: ", d.Headline());
  }
  return "rejected";
}

// Loads from the directory the configured path points to now, so that a
// symlink swapped during the load cannot mix files of two directories. A
// Kubernetes ConfigMap volume links each file through its "..data"
// symlink: then the directory "..data" points to is read.
rules::LoadResult LoadResolved(const std::filesystem::path& configured,
                               const rules::LoadOptions& options) {
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::canonical(configured, error);
  if (error) return rules::RuleSet::LoadDirectory(configured, options);  // says what is wrong
  const std::filesystem::path generation = resolved / "..data";
  if (std::filesystem::is_symlink(generation, error)) {
    std::filesystem::path target = std::filesystem::canonical(generation, error);
    if (!error && std::filesystem::is_directory(target, error)) resolved = std::move(target);
  }
  return rules::RuleSet::LoadDirectory(resolved, options);
}

}  // namespace

std::string_view ReloadOutcomeName(ReloadOutcome outcome) {
  switch (outcome) {
    case ReloadOutcome::kAccepted:
      return "accepted";
    case ReloadOutcome::kRejected:
      return "rejected";
    case ReloadOutcome::kUnchanged:
      return "unchanged";
  }
  return "rejected";
}

RulesReloader::RulesReloader(Options options, RulesetHolder* holder)
    : options_(std::move(options)), holder_(holder) {}

ReloadAttempt RulesReloader::Reload(std::string_view trigger) {
  MutexLock serial(&reload_mutex_);
  int64_t number;
  {
    MutexLock lock(&state_mutex_);
    number = ++attempts_;
  }
  ReloadAttempt attempt = Attempt(trigger, number);
  {
    MutexLock lock(&state_mutex_);
    last_attempt_ = attempt;
    switch (attempt.outcome) {
      case ReloadOutcome::kAccepted:
        ++counters_.accepted;
        break;
      case ReloadOutcome::kRejected:
        ++counters_.rejected;
        break;
      case ReloadOutcome::kUnchanged:
        ++counters_.unchanged;
        break;
    }
  }
  Tell(attempt);
  return attempt;
}

ReloadAttempt RulesReloader::Attempt(std::string_view trigger, int64_t number) {
  const auto began = std::chrono::steady_clock::now();
  ReloadAttempt attempt;
  attempt.number = number;
  attempt.trigger = std::string(trigger);
  attempt.started_at = NowText();
  std::shared_ptr<const ServedRuleset> serving = holder_->Current();
  auto finish = [&](ReloadOutcome outcome, std::string message) {
    attempt.outcome = outcome;
    attempt.message = std::move(message);
    std::shared_ptr<const ServedRuleset> now = holder_->Current();
    attempt.serving_version = now == nullptr ? "" : now->ruleset->version();
    attempt.duration_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::steady_clock::now() - began)
                                  .count();
    return attempt;
  };

  rules::LoadResult loaded = LoadResolved(options_.directory, options_.load);
  attempt.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.ok()) return finish(ReloadOutcome::kRejected, RejectionSummary(attempt.diagnostics));
  attempt.version = loaded.ruleset->version();
  if (serving != nullptr && serving->ruleset->version() == attempt.version) {
    return finish(ReloadOutcome::kUnchanged,
                  StrCat("the files are those of version ", attempt.version, ", already served"));
  }
  if (options_.check) {
    std::vector<rules::Diagnostic> checked = options_.check(*loaded.ruleset);
    const bool failed = HasErrors(checked);
    for (rules::Diagnostic& d : checked) attempt.diagnostics.push_back(std::move(d));
    if (failed) {
      return finish(ReloadOutcome::kRejected, StrCat("the ruleset's own tests failed: ",
                                                     RejectionSummary(attempt.diagnostics)));
    }
  }
  auto candidate = std::make_shared<ServedRuleset>();
  candidate->ruleset = std::move(loaded.ruleset);
  candidate->directory = options_.directory.string();  // as configured; files name the target
  candidate->loaded_at = attempt.started_at;
  if (options_.archive) {
    if (absl::Status archived = options_.archive(*candidate); !archived.ok()) {
      return finish(
          ReloadOutcome::kRejected,
          StrCat("could not keep the version for later explanations: ", archived.message()));
    }
  }
  holder_->Replace(candidate);
  return finish(ReloadOutcome::kAccepted, serving == nullptr
                                              ? StrCat("serving version ", attempt.version)
                                              : StrCat("serving version ", attempt.version,
                                                       " (was ", serving->ruleset->version(), ")"));
}

ReloadAttempt RulesReloader::LastAttempt() const {
  MutexLock lock(&state_mutex_);
  return last_attempt_;
}

ReloadCounters RulesReloader::Counters() const {
  MutexLock lock(&state_mutex_);
  return counters_;
}

int RulesReloader::Subscribe(Listener listener) {
  MutexLock lock(&listeners_mutex_);
  const int id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void RulesReloader::Unsubscribe(int id) {
  MutexLock lock(&listeners_mutex_);
  listeners_.erase(id);
}

void RulesReloader::Tell(const ReloadAttempt& attempt) {
  MutexLock lock(&listeners_mutex_);
  for (const auto& [id, listener] : listeners_) listener(attempt);
}

}  // namespace clientele::server
