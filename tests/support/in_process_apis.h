// The API classes of server/api/ (apis.h) in process, without gRPC: a fresh
// store (tests/support/test_database.h: SQLite in a temporary directory of
// its own, or PostgreSQL in a schema of its own), serving the default ruleset
// (config/rules) or the rules directory the test gives, once its rule
// tests pass (as clienteled checks a ruleset before serving it). For
// tests of the API classes that need no server process.
// Not thread-safe to construct or destroy; what the API classes allow
// after.
#ifndef CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_
#define CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_

#include <atomic>
#include <climits>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rules/rule_tests.h"
#include "server/api/apis.h"
#include "server/reload/reloader.h"
#include "server/store/store.h"
#include "tests/support/test_database.h"

namespace clientele::testing {

class InProcessApis {
 public:
  // Opens the store and loads the rules of `rules_directory` (the default
  // ruleset unless given; read again only by a reload through
  // RulesetsApi); a failure, or a failing rule test, fails the test (and
  // apis() is then null).
  explicit InProcessApis(std::filesystem::path rules_directory = kDefaultRules)
      : rules_directory_(std::move(rules_directory)),
        reloader_({.directory = rules_directory_,
                   .load = {},
                   // Versions are kept as clienteled keeps them.
                   .archive =
                       [this](const server::ServedRuleset& candidate) {
                         return store_->KeepRulesetVersion(
                             {candidate.ruleset->version(), candidate.directory, "",
                              candidate.loaded_at, 0, candidate.ruleset->sources()});
                       },
                   .check =
                       [](const rules::RuleSet& candidate) {
                         return rules::RuleTestDiagnostics(rules::RunRuleTests(candidate));
                       }},
                  &holder_) {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("clientele-apis-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    absl::StatusOr<std::unique_ptr<server::Store>> store = OpenTestStore(directory_);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return;
    store_ = std::move(*store);
    const server::ReloadAttempt attempt = reloader_.Reload("startup");
    EXPECT_EQ(attempt.outcome, server::ReloadOutcome::kAccepted)
        << "the rules of " << rules_directory_ << " were not accepted: " << attempt.message;
    if (attempt.outcome != server::ReloadOutcome::kAccepted) return;
    apis_ = std::make_unique<server::Apis>(
        server::ApiDependencies{.store = store_.get(),
                                .rules = &holder_,
                                .reloader = &reloader_,
                                .limits = {},
                                .decision_log = nullptr,
                                .now = [this] { return now(); }});
  }
  // Closes the store and removes the directory.
  ~InProcessApis() {
    apis_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  InProcessApis(const InProcessApis&) = delete;
  InProcessApis& operator=(const InProcessApis&) = delete;

  // The store's directory (its database is clientele.db there).
  const std::filesystem::path& directory() const { return directory_; }
  server::Store* store() { return store_.get(); }
  server::Apis* apis() { return apis_.get(); }
  const server::RulesetHolder& holder() const { return holder_; }
  // The instant the API classes take for now: the real one until set_now
  // or set_today moves it (from any thread). Their day is the day it falls
  // on in the served ruleset's time zone (ApiDependencies::today).
  absl::Time now() const {
    const int64_t nanos = now_nanos_.load();
    return nanos == kRealTime ? absl::Now() : absl::FromUnixNanos(nanos);
  }
  void set_now(absl::Time instant) { now_nanos_.store(absl::ToUnixNanos(instant)); }
  // Noon UTC of `day`: that day in the rulesets of UTC, and of the time
  // zones from UTC-11 to UTC+11.
  void set_today(rules::Date day) {
    set_now(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 12, 0, 0),
                            absl::UTCTimeZone()));
  }
  // The day of now() in UTC.
  rules::Date today() const {
    return rules::Date::At(now(), absl::UTCTimeZone());
  }

  // The rules directory served.
  const std::filesystem::path& rules_directory() const { return rules_directory_; }

  // The default ruleset of the source tree.
  static constexpr const char* kDefaultRules = CLIENTELE_SOURCE_DIR "/config/rules";

 private:
  std::filesystem::path directory_;
  std::filesystem::path rules_directory_;
  std::unique_ptr<server::Store> store_;
  server::RulesetHolder holder_;
  server::RulesReloader reloader_;
  std::unique_ptr<server::Apis> apis_;
  static constexpr int64_t kRealTime = INT64_MIN;
  std::atomic<int64_t> now_nanos_{kRealTime};
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_
