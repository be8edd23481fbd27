// Hot reload without gRPC: the directory watcher and the reloader over a
// real temporary rules directory. Also run under ThreadSanitizer
// (scripts/test.sh builds these tests with -DCLIENTELE_SANITIZE=thread).
#include "server/reload/reloader.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/reload/directory_watcher.h"
#include "server/reload/ruleset_holder.h"
#include "tests/support/rules_directory.h"

namespace clientele::server {
namespace {

using testing::BrokenSegments;
using testing::kConstantOffers;
using testing::LabelledSegments;
using testing::RulesDirectory;
using testing::VersionOf;

constexpr auto kDebounce = std::chrono::milliseconds(50);
// Long enough for a stray second reload to show up after the first.
constexpr auto kQuiet = std::chrono::milliseconds(400);
constexpr auto kPatience = std::chrono::seconds(10);

std::vector<rules::RuleSource> Files(const std::string& label) {
  return {{"offers.yaml", kConstantOffers}, {"segments.yaml", LabelledSegments(label)}};
}

// Every attempt the reloader makes, for tests to wait on.
class AttemptLog {
 public:
  void Add(const ReloadAttempt& attempt) {
    std::lock_guard<std::mutex> lock(mutex_);
    attempts_.push_back(attempt);
    changed_.notify_all();
  }
  // Waits until there are at least `count` attempts; false on timeout.
  bool WaitFor(size_t count, std::chrono::milliseconds timeout = kPatience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return attempts_.size() >= count; });
  }
  // Waits until an attempt after the first `after` satisfies `wanted`.
  template <typename Predicate>
  bool WaitUntil(size_t after, Predicate wanted, std::chrono::milliseconds timeout = kPatience) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (size_t i = after; i < attempts_.size(); ++i) {
        if (wanted(attempts_[i])) return true;
      }
      return false;
    });
  }
  std::vector<ReloadAttempt> All() {
    std::lock_guard<std::mutex> lock(mutex_);
    return attempts_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return attempts_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ReloadAttempt> attempts_;
};

class ReloaderTest : public ::testing::Test {
 protected:
  // Loads the directory once ("startup") and starts watching it.
  void Start(RulesReloader::Check check = nullptr, RulesReloader::Archive archive = nullptr) {
    reloader_ = std::make_unique<RulesReloader>(
        RulesReloader::Options{dir_.path(), {}, std::move(archive), std::move(check)}, &holder_);
    reloader_->Subscribe([this](const ReloadAttempt& a) { log_.Add(a); });
    reloader_->Reload("startup");
    auto watcher = DirectoryWatcher::Start({dir_.path(), kDebounce, std::chrono::seconds(1)},
                                           [this] { reloader_->Reload("watch"); });
    ASSERT_TRUE(watcher.ok()) << watcher.status();
    watcher_ = std::move(*watcher);
  }
  void WriteFiles(const std::string& label) {
    for (const rules::RuleSource& f : Files(label)) dir_.WriteInPlace(f.path, f.content);
  }
  std::string Serving() {
    std::shared_ptr<const ServedRuleset> served = holder_.Current();
    return served == nullptr ? "" : served->ruleset->version();
  }
  // After an edit: exactly one more attempt comes, by the watcher, and it
  // serves `version`.
  void ExpectOneReloadServing(const std::string& version) {
    const size_t before = 1;  // the startup attempt
    ASSERT_TRUE(log_.WaitFor(before + 1)) << "the edit was not noticed";
    std::this_thread::sleep_for(kQuiet);
    const std::vector<ReloadAttempt> attempts = log_.All();
    ASSERT_EQ(attempts.size(), before + 1) << "expected one reload, got " << attempts.size() - before;
    EXPECT_EQ(attempts.back().trigger, "watch");
    EXPECT_EQ(attempts.back().outcome, ReloadOutcome::kAccepted) << attempts.back().message;
    EXPECT_EQ(attempts.back().version, version);
    EXPECT_EQ(Serving(), version);
  }

  void TearDown() override { watcher_.reset(); }

  RulesDirectory dir_;
  RulesetHolder holder_;
  AttemptLog log_;
  std::unique_ptr<RulesReloader> reloader_;
  std::unique_ptr<DirectoryWatcher> watcher_;
};

TEST_F(ReloaderTest, StartupServesAValidDirectory) {
  WriteFiles("v1");
  Start();
  const ReloadAttempt first = reloader_->LastAttempt();
  EXPECT_EQ(first.number, 1);
  EXPECT_EQ(first.trigger, "startup");
  EXPECT_EQ(first.outcome, ReloadOutcome::kAccepted);
  EXPECT_EQ(first.version, VersionOf(Files("v1")));
  EXPECT_EQ(first.serving_version, first.version);
  EXPECT_EQ(Serving(), first.version);
  EXPECT_EQ(reloader_->Counters().accepted, 1);
}

TEST_F(ReloaderTest, SavingInPlaceReloadsOnce) {
  WriteFiles("v1");
  Start();
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));
  ExpectOneReloadServing(VersionOf(Files("v2")));
}

TEST_F(ReloaderTest, WritingATemporaryFileAndRenamingItReloadsOnce) {
  WriteFiles("v1");
  Start();
  dir_.WriteByRename("segments.yaml", LabelledSegments("v2"));
  ExpectOneReloadServing(VersionOf(Files("v2")));
}

TEST_F(ReloaderTest, SeveralFilesSavedTogetherReloadOnce) {
  WriteFiles("v1");
  dir_.WriteInPlace("extra.yaml", "kind: parameters\nparameters:\n  a: 1\n");
  Start();
  const std::string offers = std::string(kConstantOffers) + "    # saved again\n";
  dir_.WriteInPlace("offers.yaml", offers);
  dir_.WriteByRename("segments.yaml", LabelledSegments("v2"));
  dir_.WriteInPlace("extra.yaml", "kind: parameters\nparameters:\n  a: 2\n");
  ExpectOneReloadServing(VersionOf({{"extra.yaml", "kind: parameters\nparameters:\n  a: 2\n"},
                                    {"offers.yaml", offers},
                                    {"segments.yaml", LabelledSegments("v2")}}));
}

TEST_F(ReloaderTest, AddingAFileReloadsOnce) {
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v1"));
  Start();
  dir_.WriteInPlace("offers.yaml", kConstantOffers);
  ExpectOneReloadServing(VersionOf(Files("v1")));
}

// A new file counts once it is closed: a copy still in progress (scp,
// cat > file) is not read half-written.
TEST_F(ReloaderTest, ANewFileIsReadOnlyOnceClosed) {
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v1"));
  Start();
  {
    std::ofstream copying(dir_.path() / "offers.yaml", std::ios::binary);
    const std::string offers = kConstantOffers;
    copying << offers.substr(0, offers.size() / 2);
    copying.flush();
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(log_.size(), 1u) << "reloaded while the file was still being written";
    copying << offers.substr(offers.size() / 2);
  }
  ExpectOneReloadServing(VersionOf(Files("v1")));
}

TEST_F(ReloaderTest, RemovingAFileReloadsOnce) {
  WriteFiles("v1");
  Start();
  dir_.Remove("offers.yaml");
  ExpectOneReloadServing(VersionOf({{"segments.yaml", LabelledSegments("v1")}}));
}

TEST_F(ReloaderTest, SwappingASymlinkedDirectoryReloadsOnce) {
  dir_.UseSymlinkedDirectory(Files("v1"));
  Start();
  ASSERT_EQ(Serving(), VersionOf(Files("v1")));
  dir_.SwapSymlinkedDirectory(Files("v2"));
  ExpectOneReloadServing(VersionOf(Files("v2")));
}

TEST_F(ReloaderTest, AConfigMapUpdateReloadsOnce) {
  dir_.UseConfigMap(Files("v1"));
  Start();
  ASSERT_EQ(Serving(), VersionOf(Files("v1")));
  dir_.UpdateConfigMap(Files("v2"));
  ExpectOneReloadServing(VersionOf(Files("v2")));
}

TEST_F(ReloaderTest, EditsAfterASymlinkSwapAreWatchedInTheNewDirectory) {
  dir_.UseSymlinkedDirectory(Files("v1"));
  Start();
  dir_.SwapSymlinkedDirectory(Files("v2"));
  ASSERT_TRUE(log_.WaitUntil(1, [](const ReloadAttempt& a) {
    return a.outcome == ReloadOutcome::kAccepted;
  }));
  std::this_thread::sleep_for(kQuiet);
  const size_t before = log_.size();
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v3"));  // through the new link
  ASSERT_TRUE(log_.WaitFor(before + 1));
  EXPECT_EQ(Serving(), VersionOf(Files("v3")));
}

TEST_F(ReloaderTest, HiddenAndOtherFilesDoNotReload) {
  WriteFiles("v1");
  Start();
  dir_.WriteInPlace(".segments.yaml.swp", "editor state");
  dir_.WriteInPlace("notes.txt", "not a rule file");
  dir_.WriteInPlace("segments.yaml~", "a backup");
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(ReloaderTest, ABadEditIsRejectedAndTheOldVersionKeepsServing) {
  WriteFiles("v1");
  Start();
  const std::string good = Serving();
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v2"));
  ASSERT_TRUE(log_.WaitFor(2));
  const ReloadAttempt rejected = reloader_->LastAttempt();
  EXPECT_EQ(rejected.outcome, ReloadOutcome::kRejected);
  EXPECT_EQ(rejected.version, "");
  EXPECT_EQ(rejected.serving_version, good);
  ASSERT_FALSE(rejected.diagnostics.empty());
  EXPECT_EQ(rejected.diagnostics[0].line, 6);
  EXPECT_NE(rejected.diagnostics[0].message.find("agee"), std::string::npos);
  EXPECT_NE(rejected.message.find("1 error; first: "), std::string::npos) << rejected.message;
  EXPECT_NE(rejected.message.find("segments.yaml:6:"), std::string::npos) << rejected.message;
  EXPECT_EQ(Serving(), good);
  EXPECT_EQ(reloader_->Counters().rejected, 1);

  dir_.WriteInPlace("segments.yaml", LabelledSegments("v3"));  // fixed
  ASSERT_TRUE(log_.WaitFor(3));
  EXPECT_EQ(Serving(), VersionOf(Files("v3")));
}

// A dangling symlink or a link loop named like a rule file is not read,
// and says so: the attempt that serves the rest carries a warning for it,
// which `rules status` shows.
TEST_F(ReloaderTest, UnreadableRuleFilesAreWarningsOfTheAttempt) {
  WriteFiles("v1");
  std::filesystem::create_symlink("nowhere.yaml", dir_.path() / "dangling.yaml");
  std::filesystem::create_symlink("loop_b.yaml", dir_.path() / "loop_a.yaml");
  std::filesystem::create_symlink("loop_a.yaml", dir_.path() / "loop_b.yaml");
  Start();
  const ReloadAttempt first = reloader_->LastAttempt();
  EXPECT_EQ(first.outcome, ReloadOutcome::kAccepted) << first.message;
  EXPECT_EQ(first.version, VersionOf(Files("v1")));
  std::vector<std::string> warnings;
  for (const rules::Diagnostic& d : first.diagnostics) {
    EXPECT_EQ(d.severity, rules::Severity::kWarning);
    warnings.push_back(std::filesystem::path(d.file).filename().string() + ": " + d.message);
  }
  EXPECT_THAT(warnings,
              ::testing::ElementsAre(
                  "dangling.yaml: this file is skipped: it is a symbolic link to 'nowhere.yaml', "
                  "which does not exist",
                  "loop_a.yaml: this file is skipped: it is a symbolic link to 'loop_b.yaml' that "
                  "leads round in a loop",
                  "loop_b.yaml: this file is skipped: it is a symbolic link to 'loop_a.yaml' that "
                  "leads round in a loop"));
}

TEST_F(ReloaderTest, TheSameFilesAgainChangeNothing) {
  WriteFiles("v1");
  Start();
  auto before = holder_.Current();
  const ReloadAttempt again = reloader_->Reload("rpc");
  EXPECT_EQ(again.outcome, ReloadOutcome::kUnchanged);
  EXPECT_EQ(holder_.Current(), before) << "an unchanged reload must not swap";
  EXPECT_EQ(reloader_->Counters().unchanged, 1);
}

TEST_F(ReloaderTest, AFailingCheckRejectsTheCandidate) {
  WriteFiles("v1");
  std::atomic<bool> fail{false};
  Start([&](const rules::RuleSet&) {
    std::vector<rules::Diagnostic> found;
    if (fail) found.push_back({rules::Severity::kError, "tests.yaml", 3, 5, 1, "case failed", "", ""});
    return found;
  });
  const std::string good = Serving();
  ASSERT_FALSE(good.empty());
  fail = true;
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));
  ASSERT_TRUE(log_.WaitFor(2));
  const ReloadAttempt attempt = reloader_->LastAttempt();
  EXPECT_EQ(attempt.outcome, ReloadOutcome::kRejected);
  EXPECT_EQ(attempt.version, VersionOf(Files("v2")));  // it compiled, but its tests failed
  EXPECT_NE(attempt.message.find("tests failed"), std::string::npos) << attempt.message;
  EXPECT_EQ(Serving(), good);
}

TEST_F(ReloaderTest, AFailedArchiveRejectsTheCandidate) {
  WriteFiles("v1");
  std::atomic<bool> fail{false};
  std::vector<std::string> archived;
  std::mutex archived_mutex;
  Start(nullptr, [&](const ServedRuleset& candidate) {
    if (fail) return absl::UnavailableError("disk full");
    std::lock_guard<std::mutex> lock(archived_mutex);
    archived.push_back(candidate.ruleset->version());
    return absl::OkStatus();
  });
  {
    std::lock_guard<std::mutex> lock(archived_mutex);
    EXPECT_EQ(archived, std::vector<std::string>{Serving()}) << "archived before it is served";
  }
  const std::string good = Serving();
  fail = true;
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));
  ASSERT_TRUE(log_.WaitFor(2));
  EXPECT_EQ(reloader_->LastAttempt().outcome, ReloadOutcome::kRejected);
  EXPECT_NE(reloader_->LastAttempt().message.find("disk full"), std::string::npos);
  EXPECT_EQ(Serving(), good);
}

TEST_F(ReloaderTest, NothingServesUntilTheFilesAreFixed) {
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v1"));
  Start();
  EXPECT_EQ(holder_.Current(), nullptr);
  EXPECT_EQ(reloader_->LastAttempt().outcome, ReloadOutcome::kRejected);
  EXPECT_EQ(reloader_->LastAttempt().serving_version, "");
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v1"));
  ASSERT_TRUE(log_.WaitFor(2));
  EXPECT_EQ(Serving(), VersionOf({{"segments.yaml", LabelledSegments("v1")}}));
}

TEST_F(ReloaderTest, AMissingDirectoryIsRejectedAndWatchedForUntilItAppears) {
  std::filesystem::remove_all(dir_.path());
  Start();
  EXPECT_EQ(reloader_->LastAttempt().outcome, ReloadOutcome::kRejected);
  std::filesystem::create_directories(dir_.root() / "incoming");
  for (const rules::RuleSource& f : Files("v1")) {
    std::ofstream(dir_.root() / "incoming" / f.path) << f.content;
  }
  std::filesystem::rename(dir_.root() / "incoming", dir_.path());
  ASSERT_TRUE(log_.WaitUntil(1, [](const ReloadAttempt& a) {
    return a.outcome == ReloadOutcome::kAccepted;
  }));
  EXPECT_EQ(Serving(), VersionOf(Files("v1")));
}

TEST_F(ReloaderTest, ListenersAreToldInOrderAndNotAfterUnsubscribing) {
  WriteFiles("v1");
  Start();
  std::vector<int64_t> seen;
  const int id = reloader_->Subscribe([&](const ReloadAttempt& a) { seen.push_back(a.number); });
  reloader_->Reload("rpc");
  reloader_->Reload("rpc");
  reloader_->Unsubscribe(id);
  reloader_->Reload("rpc");
  EXPECT_EQ(seen, (std::vector<int64_t>{2, 3}));
}

// The hot-reload guarantee under load: evaluations run while the files are
// rewritten 120 times, alternating valid and invalid versions. Every
// decision comes wholly from the one snapshot it took (its rule id and
// segment carry the same label, that of the snapshot's files), no invalid
// version is ever served, and the last valid version is served at the end.
TEST_F(ReloaderTest, EvaluationsDuringManyReloadsNeverMixVersions) {
  WriteFiles("v0");
  Start();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> evaluations{0};
  std::atomic<int64_t> failures{0};
  std::mutex problems_mutex;
  std::vector<std::string> problems;
  auto problem = [&](std::string text) {
    std::lock_guard<std::mutex> lock(problems_mutex);
    if (problems.size() < 10) problems.push_back(std::move(text));
  };
  const std::regex label_in_source("segment: (v[0-9]+)-young");
  auto evaluate = [&] {
    rules::Customer customer;
    customer.id = "c";
    customer.age = 30;
    rules::Decision decision;
    std::shared_ptr<const ServedRuleset> labelled;  // the snapshot `label` was read from
    std::string label;
    while (!stop) {
      std::shared_ptr<const ServedRuleset> snapshot = holder_.Current();
      if (snapshot == nullptr) {
        failures++;
        continue;
      }
      if (!snapshot->ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, rules::Date::Today()},
                                       &decision)
               .ok()) {
        failures++;
        continue;
      }
      evaluations++;
      if (snapshot != labelled) {
        label.clear();
        for (const rules::RuleSource& s : snapshot->ruleset->sources()) {
          std::smatch m;
          if (std::regex_search(s.content, m, label_in_source)) label = m[1];
        }
        labelled = snapshot;
      }
      const std::string segment(decision.SegmentOf("label"));
      if (segment != label + "-young") problem("segment " + segment + " from files of " + label);
      if (decision.ruleset_version != snapshot->ruleset->version()) problem("version differs");
      if (label.empty() || (std::stoi(label.substr(1)) % 2) != 0) problem("served " + label);
    }
  };
  std::vector<std::thread> evaluators;
  for (int i = 0; i < 2; ++i) evaluators.emplace_back(evaluate);

  std::string last_valid = Serving();
  for (int i = 1; i <= 120; ++i) {
    const std::string label = "v" + std::to_string(i);
    const bool valid = i % 2 == 0;
    const std::string content = valid ? LabelledSegments(label) : BrokenSegments(label);
    const size_t before = log_.size();
    if (i % 3 == 0) {
      dir_.WriteByRename("segments.yaml", content);
    } else {
      dir_.WriteInPlace("segments.yaml", content);
    }
    const std::string expected = valid ? VersionOf(Files(label)) : "";
    const bool seen = log_.WaitUntil(before, [&](const ReloadAttempt& a) {
      return valid ? a.outcome == ReloadOutcome::kAccepted && a.version == expected
                   : a.outcome == ReloadOutcome::kRejected;
    });
    ASSERT_TRUE(seen) << "rewrite " << i << " was not reloaded";
    if (valid) last_valid = expected;
  }
  stop = true;
  for (std::thread& t : evaluators) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(evaluations.load(), 0);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(Serving(), last_valid);
  EXPECT_GE(reloader_->Counters().accepted, 61);  // startup and every valid rewrite
  EXPECT_GE(reloader_->Counters().rejected, 60);
}

}  // namespace
}  // namespace clientele::server
