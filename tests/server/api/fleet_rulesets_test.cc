// What replicas sharing a database report of their rules, and when one is
// behind its peers (server/api/fleet_rulesets.h): two FleetRulesets over
// one store stand for two replicas, each with its own rules directory and
// reloader. Runs on both backends (tests/support/test_database.h).
#include "server/api/fleet_rulesets.h"

#include <chrono>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/rules_directory.h"
#include "tests/support/test_database.h"

namespace clientele::server {
namespace {

using testing::BrokenSegments;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using testing::kConstantOffers;
using testing::LabelledSegments;
using testing::RulesDirectory;

// One replica: its rules directory, reloader and report, on a clock the
// test moves.
struct Replica {
  Replica(Store* store, std::chrono::system_clock::time_point* clock, const std::string& label)
      : reloader({.directory = rules.path()}, &holder),
        fleet(store, &reloader, &holder,
              {.interval = std::chrono::milliseconds::zero(),  // reports when told
               .peer_timeout = std::chrono::seconds(90),
               .now = [clock] { return *clock; }}) {
    Write(LabelledSegments(label));
  }
  void Write(const std::string& segments) {
    rules.WriteInPlace("offers.yaml", kConstantOffers);
    rules.WriteInPlace("segments.yaml", segments);
  }
  std::string serving() const { return holder.Current()->ruleset->version(); }

  RulesDirectory rules;
  RulesetHolder holder;
  RulesReloader reloader;
  FleetRulesets fleet;
};

class FleetRulesetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Store>> opened = testing::OpenTestStore(directory_.root());
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    a_ = std::make_unique<Replica>(store_.get(), &clock_, "first");
    b_ = std::make_unique<Replica>(store_.get(), &clock_, "first");
    ASSERT_EQ(a_->reloader.Reload("startup").outcome, ReloadOutcome::kAccepted);
    ASSERT_EQ(b_->reloader.Reload("startup").outcome, ReloadOutcome::kAccepted);
    a_->fleet.Start("a:1");
    b_->fleet.Start("b:1");
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
  }

  RulesDirectory directory_;  // the store's files
  std::unique_ptr<Store> store_;
  std::chrono::system_clock::time_point clock_ = std::chrono::system_clock::now();
  std::unique_ptr<Replica> a_, b_;
};

TEST_F(FleetRulesetsTest, ReplicasServingOneVersionSeeEachOtherAndNoneIsBehind) {
  a_->fleet.Report();
  b_->fleet.Report();
  const FleetView view = b_->fleet.View();
  EXPECT_EQ(view.replica, "b:1");
  EXPECT_THAT(view.replicas, ElementsAre(Field(&ReplicaRulesetRecord::replica, "a:1"),
                                         Field(&ReplicaRulesetRecord::replica, "b:1")));
  for (const ReplicaRulesetRecord& r : view.replicas) {
    EXPECT_EQ(r.serving_version, a_->serving());
    EXPECT_EQ(r.last_outcome, "accepted");
  }
  EXPECT_FALSE(view.behind_peers);
  EXPECT_EQ(view.summary, "");
}

TEST_F(FleetRulesetsTest, ARejectedReloadWhileAPeerServesAnotherVersionIsBehind) {
  a_->Write(LabelledSegments("second"));
  ASSERT_EQ(a_->reloader.Reload("watch").outcome, ReloadOutcome::kAccepted);
  b_->Write(BrokenSegments("second"));
  ASSERT_EQ(b_->reloader.Reload("watch").outcome, ReloadOutcome::kRejected);
  a_->fleet.Report();
  b_->fleet.Report();

  const FleetView behind = b_->fleet.View();
  EXPECT_TRUE(behind.behind_peers);
  EXPECT_EQ(behind.summary, "its last reload was rejected while a:1 serves " + a_->serving());
  // The one that moved on is not behind; it sees the other's rejection.
  a_->fleet.Report();
  const FleetView ahead = a_->fleet.View();
  EXPECT_FALSE(ahead.behind_peers);
  ASSERT_EQ(ahead.replicas.size(), 2u);
  EXPECT_EQ(ahead.replicas[1].last_outcome, "rejected");
  EXPECT_NE(ahead.replicas[1].serving_version, a_->serving());

  // Fixed: the same files as its peer.
  b_->Write(LabelledSegments("second"));
  ASSERT_EQ(b_->reloader.Reload("watch").outcome, ReloadOutcome::kAccepted);
  b_->fleet.Report();
  EXPECT_FALSE(b_->fleet.View().behind_peers);
}

// GetRulesetStatus right after a reload judges that reload, not the
// one the last report was made after.
TEST_F(FleetRulesetsTest, TheViewAfterAReloadJudgesThatReloadBeforeItIsReported) {
  a_->Write(LabelledSegments("second"));
  ASSERT_EQ(a_->reloader.Reload("watch").outcome, ReloadOutcome::kAccepted);
  a_->fleet.Report();
  b_->fleet.Report();
  EXPECT_FALSE(b_->fleet.View().behind_peers);

  b_->Write(BrokenSegments("second"));
  const ReloadAttempt rejected = b_->reloader.Reload("rpc");
  ASSERT_EQ(rejected.outcome, ReloadOutcome::kRejected);
  EXPECT_FALSE(b_->fleet.View().behind_peers);  // not reported yet
  const FleetView after_rejection = b_->fleet.ViewAfter(rejected);
  EXPECT_TRUE(after_rejection.behind_peers);
  ASSERT_EQ(after_rejection.replicas.size(), 2u);
  EXPECT_EQ(after_rejection.replicas[1].last_outcome, "rejected");

  b_->Write(LabelledSegments("second"));
  const ReloadAttempt fixed = b_->reloader.Reload("rpc");
  ASSERT_EQ(fixed.outcome, ReloadOutcome::kAccepted);
  const FleetView after_fix = b_->fleet.ViewAfter(fixed);
  EXPECT_FALSE(after_fix.behind_peers);
  EXPECT_EQ(after_fix.replicas[1].serving_version, a_->serving());
}

TEST_F(FleetRulesetsTest, ARejectionWithNoPeerOnAnotherVersionIsNotBehind) {
  // Both reject: each still serves the version the other serves.
  a_->Write(BrokenSegments("second"));
  b_->Write(BrokenSegments("second"));
  ASSERT_EQ(a_->reloader.Reload("watch").outcome, ReloadOutcome::kRejected);
  ASSERT_EQ(b_->reloader.Reload("watch").outcome, ReloadOutcome::kRejected);
  a_->fleet.Report();
  b_->fleet.Report();
  EXPECT_FALSE(a_->fleet.View().behind_peers);
  EXPECT_FALSE(b_->fleet.View().behind_peers);
}

TEST_F(FleetRulesetsTest, PeersThatStopReportingAreLeftOutThenForgotten) {
  a_->Write(LabelledSegments("second"));
  ASSERT_EQ(a_->reloader.Reload("watch").outcome, ReloadOutcome::kAccepted);
  a_->fleet.Report();
  a_->fleet.Stop();  // replica a goes away
  b_->Write(BrokenSegments("second"));
  ASSERT_EQ(b_->reloader.Reload("watch").outcome, ReloadOutcome::kRejected);

  clock_ += std::chrono::seconds(89);
  b_->fleet.Report();
  EXPECT_TRUE(b_->fleet.View().behind_peers);
  clock_ += std::chrono::seconds(2);  // a's report is 91 s old
  b_->fleet.Report();
  EXPECT_FALSE(b_->fleet.View().behind_peers);
  EXPECT_THAT(b_->fleet.View().replicas, ElementsAre(Field(&ReplicaRulesetRecord::replica, "b:1")));
  absl::StatusOr<std::vector<ReplicaRulesetRecord>> kept = store_->ReplicaRulesets();
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->size(), 2u);  // still in the database

  clock_ += std::chrono::hours(24);
  b_->fleet.Report();
  kept = store_->ReplicaRulesets();
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_THAT(*kept, ElementsAre(Field(&ReplicaRulesetRecord::replica, "b:1")));
}

TEST_F(FleetRulesetsTest, AReportReplacesTheReplicasEarlierOne) {
  ReplicaRulesetRecord first{.replica = "c:1",
                             .serving_version = "aaaaaaaaaaaa",
                             .last_outcome = "accepted",
                             .last_message = "serving version aaaaaaaaaaaa",
                             .reported_at = "2026-12-07T10:00:00.000Z"};
  ASSERT_TRUE(store_->ReportReplicaRuleset(first, "2026-12-06T10:00:00.000Z").ok());
  ReplicaRulesetRecord second = first;
  second.serving_version = "bbbbbbbbbbbb";
  second.last_outcome = "rejected";
  second.last_message = "1 error; first: x";
  second.reported_at = "2026-12-07T10:00:30.000Z";
  ASSERT_TRUE(store_->ReportReplicaRuleset(second, "2026-12-06T10:00:00.000Z").ok());
  absl::StatusOr<std::vector<ReplicaRulesetRecord>> reports = store_->ReplicaRulesets();
  ASSERT_TRUE(reports.ok()) << reports.status();
  ASSERT_EQ(reports->size(), 1u);  // a and b report only when told
  EXPECT_EQ((*reports)[0].serving_version, "bbbbbbbbbbbb");
  EXPECT_EQ((*reports)[0].last_outcome, "rejected");
  EXPECT_EQ((*reports)[0].last_message, "1 error; first: x");
  EXPECT_EQ((*reports)[0].reported_at, "2026-12-07T10:00:30.000Z");
}

}  // namespace
}  // namespace clientele::server
