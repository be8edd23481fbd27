// Hot reload through the real clienteled: the watch, SIGHUP and the
// ReloadRuleset RPC; rejected reloads shown by the ruleset RPCs and the
// watch stream; NOT_SERVING while no valid ruleset is loaded; every
// served version kept and readable; and Evaluate under load while the
// files are rewritten 100 times.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "clientele/v1/rulesets.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/health_check.h"
#include "tests/support/rules_directory.h"
#include "tests/support/server_process.h"
#include "tests/support/test_channel.h"

namespace clientele {
namespace {

using testing::BrokenSegments;
using testing::kConstantOffers;
using testing::LabelledSegments;
using testing::VersionOf;

constexpr char kFastWatch[] = "rules_debounce_ms: 50\n";
constexpr char kNoWatch[] = "rules_watch: false\n";

std::vector<rules::RuleSource> Files(const std::string& label) {
  return {{"offers.yaml", kConstantOffers}, {"segments.yaml", LabelledSegments(label)}};
}

class HotReloadTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& extra_config = kFastWatch) {
    ASSERT_TRUE(server_.Start(dir_.path().string(), extra_config)) << "clienteled did not start";
    channel_ = testing::TestChannel(server_.address());
    rulesets_ = v1::Rulesets::NewStub(channel_);
    decisions_ = v1::Decisions::NewStub(channel_);
  }
  void WriteFiles(const std::string& label) {
    for (const rules::RuleSource& f : Files(label)) dir_.WriteInPlace(f.path, f.content);
  }
  v1::RulesetStatus Status() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::RulesetStatus status;
    grpc::Status s = rulesets_->GetRulesetStatus(&context, v1::GetRulesetStatusRequest(), &status);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return status;
  }
  // Polls until the last attempt's number exceeds `after`; the status then.
  v1::RulesetStatus WaitForAttemptAfter(int64_t after) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    v1::RulesetStatus status;
    while (std::chrono::steady_clock::now() < until) {
      status = Status();
      if (status.last_attempt().number() > after) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "no reload attempt after #" << after;
    return status;
  }
  grpc::Status Evaluate(int age, v1::EvaluateResponse* response) {
    v1::EvaluateRequest request;
    request.mutable_customer()->set_id("inline");
    request.mutable_customer()->set_age(age);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return decisions_->Evaluate(&context, request, response);
  }

  testing::RulesDirectory dir_;
  testing::ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Rulesets::Stub> rulesets_;
  std::unique_ptr<v1::Decisions::Stub> decisions_;
};

TEST_F(HotReloadTest, StatusShowsTheServedVersionAndTheStartupAttempt) {
  WriteFiles("v1");
  StartServer();
  const v1::RulesetStatus status = Status();
  EXPECT_TRUE(status.serving());
  EXPECT_EQ(status.version(), VersionOf(Files("v1")));
  EXPECT_EQ(status.last_attempt().number(), 1);
  EXPECT_EQ(status.last_attempt().trigger(), "startup");
  EXPECT_EQ(status.last_attempt().outcome(), "accepted");
  EXPECT_EQ(status.reloads_accepted(), 1);
  EXPECT_EQ(testing::HealthStatus(channel_), testing::kHealthServing);

  grpc::ClientContext context;
  v1::GetRulesetResponse ruleset;
  ASSERT_TRUE(decisions_->GetRuleset(&context, v1::GetRulesetRequest(), &ruleset).ok());
  EXPECT_EQ(ruleset.version(), status.version());
  EXPECT_EQ(ruleset.status().last_attempt().outcome(), "accepted");
  EXPECT_EQ(ruleset.files_size(), 2);
}

TEST_F(HotReloadTest, AnEditIsServedAndAnnouncedOnTheWatchStream) {
  WriteFiles("v1");
  StartServer();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  std::unique_ptr<grpc::ClientReader<v1::RulesetStatus>> watch =
      rulesets_->WatchRuleset(&context, v1::WatchRulesetRequest());
  v1::RulesetStatus message;
  ASSERT_TRUE(watch->Read(&message));
  EXPECT_EQ(message.last_attempt().number(), 1) << "the first message is the current state";
  EXPECT_EQ(message.version(), VersionOf(Files("v1")));

  dir_.WriteByRename("segments.yaml", LabelledSegments("v2"));
  ASSERT_TRUE(watch->Read(&message));
  EXPECT_EQ(message.last_attempt().trigger(), "watch");
  EXPECT_EQ(message.last_attempt().outcome(), "accepted");
  EXPECT_EQ(message.version(), VersionOf(Files("v2")));
  v1::EvaluateResponse evaluated;
  ASSERT_TRUE(Evaluate(30, &evaluated).ok());
  EXPECT_EQ(evaluated.decision().ruleset_version(), VersionOf(Files("v2")));
  EXPECT_EQ(evaluated.decision().segments(0).segment(), "v2-young");

  dir_.WriteInPlace("segments.yaml", BrokenSegments("v3"));
  ASSERT_TRUE(watch->Read(&message));
  EXPECT_EQ(message.last_attempt().outcome(), "rejected");
  EXPECT_EQ(message.version(), VersionOf(Files("v2")));
  context.TryCancel();
  watch->Finish();
}

TEST_F(HotReloadTest, ARejectedReloadIsVisibleAndTheOldVersionKeepsServing) {
  WriteFiles("v1");
  StartServer();
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v2"));
  const v1::RulesetStatus status = WaitForAttemptAfter(1);
  EXPECT_TRUE(status.serving());
  EXPECT_EQ(status.version(), VersionOf(Files("v1")));
  EXPECT_EQ(status.last_attempt().outcome(), "rejected");
  EXPECT_EQ(status.reloads_rejected(), 1);
  ASSERT_EQ(status.last_attempt().diagnostics_size(), 1);
  const v1::RuleDiagnostic& d = status.last_attempt().diagnostics(0);
  EXPECT_EQ(std::filesystem::path(d.file()).filename(), "segments.yaml");
  EXPECT_EQ(d.line(), 6);
  EXPECT_EQ(d.column(), 15);
  EXPECT_EQ(d.severity(), "error");
  EXPECT_NE(d.message().find("agee"), std::string::npos) << d.message();
  EXPECT_NE(d.rendered().find("^~~~"), std::string::npos) << d.rendered();
  EXPECT_EQ(testing::HealthStatus(channel_), testing::kHealthServing);
  v1::EvaluateResponse evaluated;
  ASSERT_TRUE(Evaluate(30, &evaluated).ok());
  EXPECT_EQ(evaluated.decision().segments(0).segment(), "v1-young");
}

// A few hundred bytes of aliases that expand to 10^9 values ("billion
// laughs"): saved into the rules folder of a server limited to 2 GiB of
// address space, in a tests file's expectations (the server runs the
// tests on every reload) and in a rule file. Each is refused at once and
// the server keeps serving the old version; expanding it would take
// gigabytes and end the process.
// The anchors &a0..&a9, each a list of ten of the one before: *a9 stands
// for 10^10 values. Written as the file's description, so that the rest of
// the file is valid and only the aliases are at fault.
std::string AliasBombAnchors() {
  std::string text = "description:\n  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    text += "  x" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ", " : "") + previous;
    text += "]\n";
  }
  return text;
}

TEST_F(HotReloadTest, AnAliasBombIsRefusedAndTheServerKeepsServing) {
  WriteFiles("v1");
  server_.set_memory_limit(uint64_t{2} << 30);
  StartServer();
  const std::string bombs[] = {
      // In a tests file, as a case's expected offers.
      "kind: tests\n" + AliasBombAnchors() +
          "cases:\n  - name: bomb\n    customer: {age: 30}\n    expect:\n"
          "      segments: {label: v1-young}\n      offers: *a9\n",
      // In a rule file, as a dimension's rules.
      "kind: segmentation\n" + AliasBombAnchors() +
          "dimensions: [{id: d, rules: *a9, default: x}]\n",
  };
  int64_t attempt = 1;
  for (const std::string& bomb : bombs) {
    dir_.WriteInPlace("bomb.yaml", bomb);
    const v1::RulesetStatus status = WaitForAttemptAfter(attempt++);
    EXPECT_TRUE(status.serving());
    EXPECT_EQ(status.version(), VersionOf(Files("v1")));
    EXPECT_EQ(status.last_attempt().outcome(), "rejected");
    ASSERT_GE(status.last_attempt().diagnostics_size(), 1);
    const v1::RuleDiagnostic& d = status.last_attempt().diagnostics(0);
    EXPECT_EQ(std::filesystem::path(d.file()).filename(), "bomb.yaml");
    EXPECT_NE(d.message().find("expand to more than 100000 values"), std::string::npos)
        << d.message();
    v1::EvaluateResponse evaluated;
    ASSERT_TRUE(Evaluate(30, &evaluated).ok());
    EXPECT_EQ(evaluated.decision().segments(0).segment(), "v1-young");
  }
  EXPECT_EQ(::kill(server_.pid(), 0), 0) << "the server is gone";
}

// The ruleset's own tests run before a reloaded ruleset is served: a
// change that breaks one is refused, and says which test and why.
TEST_F(HotReloadTest, AReloadWhoseTestsFailIsRejected) {
  WriteFiles("v1");
  const std::string tests =
      "kind: tests\n"
      "cases:\n"
      "  - name: thirty is young\n"
      "    customer: {age: 30}\n"
      "    expect: {segments: {label: v1-young}}\n";
  dir_.WriteInPlace("tests.yaml", tests);
  StartServer();
  ASSERT_TRUE(Status().serving()) << Status().last_attempt().message();
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));  // valid, but the test expects v1
  const v1::RulesetStatus status = WaitForAttemptAfter(1);
  EXPECT_EQ(status.last_attempt().outcome(), "rejected");
  EXPECT_NE(status.last_attempt().message().find("tests failed"), std::string::npos)
      << status.last_attempt().message();
  ASSERT_EQ(status.last_attempt().diagnostics_size(), 1);
  const v1::RuleDiagnostic& d = status.last_attempt().diagnostics(0);
  EXPECT_EQ(std::filesystem::path(d.file()).filename(), "tests.yaml");
  // The renamed segment makes the test's expectation name one that no
  // rule gives any more: reported at that value, with the new name.
  EXPECT_EQ(d.line(), 5);
  EXPECT_EQ(d.column(), 32);
  EXPECT_EQ(d.message(),
            "no rule gives the segment 'v1-young' in dimension 'label'; did you mean 'v2-young'?");
  EXPECT_EQ(status.version(), VersionOf({{"offers.yaml", kConstantOffers},
                                         {"segments.yaml", LabelledSegments("v1")},
                                         {"tests.yaml", tests}}));
}

TEST_F(HotReloadTest, SighupAndTheReloadRpcReload) {
  WriteFiles("v1");
  StartServer(kNoWatch);
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Status().last_attempt().number(), 1) << "not watching: nothing happens by itself";

  ASSERT_EQ(::kill(server_.pid(), SIGHUP), 0);
  v1::RulesetStatus status = WaitForAttemptAfter(1);
  EXPECT_EQ(status.last_attempt().trigger(), "signal");
  EXPECT_EQ(status.version(), VersionOf(Files("v2")));

  dir_.WriteInPlace("segments.yaml", LabelledSegments("v3"));
  grpc::ClientContext context;
  v1::ReloadRulesetResponse reloaded;
  ASSERT_TRUE(rulesets_->ReloadRuleset(&context, v1::ReloadRulesetRequest(), &reloaded).ok());
  EXPECT_EQ(reloaded.attempt().trigger(), "rpc");
  EXPECT_EQ(reloaded.attempt().outcome(), "accepted");
  EXPECT_EQ(reloaded.status().version(), VersionOf(Files("v3")));

  grpc::ClientContext again_context;
  ASSERT_TRUE(rulesets_->ReloadRuleset(&again_context, v1::ReloadRulesetRequest(), &reloaded).ok());
  EXPECT_EQ(reloaded.attempt().outcome(), "unchanged");
  EXPECT_EQ(reloaded.status().reloads_unchanged(), 1);
}

TEST_F(HotReloadTest, WithoutValidRulesTheServerSaysNotServingAndWhy) {
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v1"));
  StartServer();
  EXPECT_EQ(testing::HealthStatus(channel_), testing::kHealthNotServing);
  v1::EvaluateResponse evaluated;
  grpc::Status evaluate = Evaluate(30, &evaluated);
  EXPECT_EQ(evaluate.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(evaluate.error_message().find("no valid ruleset is loaded"), std::string::npos)
      << evaluate.error_message();
  EXPECT_NE(evaluate.error_message().find("segments.yaml:6:15"), std::string::npos)
      << evaluate.error_message();
  const v1::RulesetStatus status = Status();
  EXPECT_FALSE(status.serving());
  EXPECT_EQ(status.version(), "");
  EXPECT_EQ(status.last_attempt().outcome(), "rejected");
  EXPECT_EQ(status.last_attempt().diagnostics_size(), 1);

  dir_.WriteInPlace("segments.yaml", LabelledSegments("v1"));
  WaitForAttemptAfter(1);
  EXPECT_EQ(testing::HealthStatus(channel_), testing::kHealthServing);
  ASSERT_TRUE(Evaluate(30, &evaluated).ok());
  EXPECT_EQ(evaluated.decision().segments(0).segment(), "v1-young");
}

TEST_F(HotReloadTest, EveryServedVersionIsKeptWithItsFiles) {
  WriteFiles("v1");
  StartServer();
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v2"));  // never served: not kept
  WaitForAttemptAfter(1);
  dir_.WriteInPlace("segments.yaml", LabelledSegments("v3"));
  WaitForAttemptAfter(2);
  ASSERT_EQ(server_.Stop(), 0);
  ASSERT_TRUE(server_.Start(dir_.path().string(), kFastWatch));  // kept across restarts
  channel_ = testing::TestChannel(server_.address());
  rulesets_ = v1::Rulesets::NewStub(channel_);

  grpc::ClientContext list_context;
  v1::ListRulesetVersionsResponse listed;
  ASSERT_TRUE(rulesets_->ListRulesetVersions(&list_context, v1::ListRulesetVersionsRequest(), &listed).ok());
  ASSERT_EQ(listed.versions_size(), 2);
  EXPECT_EQ(listed.versions(0).version(), VersionOf(Files("v3")));
  EXPECT_TRUE(listed.versions(0).serving());
  EXPECT_EQ(listed.versions(0).times_served(), 2);  // before and after the restart
  EXPECT_EQ(listed.versions(1).version(), VersionOf(Files("v1")));
  EXPECT_FALSE(listed.versions(1).serving());

  grpc::ClientContext get_context;
  v1::GetRulesetVersionRequest request;
  request.set_version(VersionOf(Files("v1")).substr(0, 6));
  v1::GetRulesetVersionResponse version;
  ASSERT_TRUE(rulesets_->GetRulesetVersion(&get_context, request, &version).ok());
  EXPECT_EQ(version.info().version(), VersionOf(Files("v1")));
  ASSERT_EQ(version.files_size(), 2);
  EXPECT_EQ(version.files(1).name(), "segments.yaml");
  EXPECT_EQ(version.files(1).content(), LabelledSegments("v1"));

  for (const auto& [given, code] : std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"abcdef", grpc::StatusCode::NOT_FOUND},
           {"ab", grpc::StatusCode::INVALID_ARGUMENT},
           {"xyz123", grpc::StatusCode::INVALID_ARGUMENT},
           {"0123456789abc", grpc::StatusCode::INVALID_ARGUMENT}}) {
    grpc::ClientContext context;
    request.set_version(given);
    EXPECT_EQ(rulesets_->GetRulesetVersion(&context, request, &version).error_code(), code)
        << given;
  }
}

// Each ledger entry names the version that earned it: a purchase before
// and one after a change of the earning rules.
TEST_F(HotReloadTest, LedgerEntriesRecordTheVersionThatEarnedThem) {
  for (const std::string name : {"parameters.yaml", "segments.yaml", "offers.yaml", "loyalty.yaml",
                                 "interactions.yaml", "improvements.yaml"}) {
    std::filesystem::copy_file(std::string(CLIENTELE_SOURCE_DIR "/config/rules/") + name,
                               dir_.path() / name);
  }
  StartServer();
  auto customers = v1::Customers::NewStub(channel_);
  auto events = v1::Events::NewStub(channel_);
  auto reports = v1::Reports::NewStub(channel_);
  {
    grpc::ClientContext context;
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key("u-1");
    request.mutable_customer()->set_id("c-1");
    request.mutable_customer()->set_age(30);
    v1::UpsertCustomerResponse response;
    ASSERT_TRUE(customers->UpsertCustomer(&context, request, &response).ok());
    EXPECT_EQ(response.ruleset_version(), Status().version());
  }
  auto purchase = [&](const std::string& id) {
    grpc::ClientContext context;
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key("k-" + id);
    request.set_customer_id("c-1");
    request.set_purchase_id(id);
    request.set_amount("600");
    v1::RecordPurchaseResponse response;
    grpc::Status s = events->RecordPurchase(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  };
  const std::string first_version = Status().version();
  EXPECT_EQ(purchase("p-1").ruleset_version(), first_version);

  std::ifstream in(dir_.path() / "loyalty.yaml");
  std::string loyalty((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  loyalty.replace(loyalty.find("points: 100"), 11, "points: 150");
  dir_.WriteByRename("loyalty.yaml", loyalty);
  const v1::RulesetStatus after = WaitForAttemptAfter(1);
  ASSERT_EQ(after.last_attempt().outcome(), "accepted") << after.last_attempt().message();
  const v1::RecordPurchaseResponse second = purchase("p-2");
  EXPECT_EQ(second.ruleset_version(), after.version());
  EXPECT_EQ(second.points_earned(), 150);

  grpc::ClientContext context;
  v1::GetLedgerRequest request;
  request.set_customer_id("c-1");
  v1::GetLedgerResponse ledger;
  ASSERT_TRUE(reports->GetLedger(&context, request, &ledger).ok());
  ASSERT_EQ(ledger.entries_size(), 2);
  EXPECT_EQ(ledger.entries(0).ruleset_version(), first_version);
  EXPECT_EQ(ledger.entries(0).delta(), 100);
  EXPECT_EQ(ledger.entries(1).ruleset_version(), after.version());
  EXPECT_EQ(ledger.entries(1).delta(), 150);
}

// Under a bounded concurrent load of Evaluate calls, the rules are
// rewritten 100 times, alternating valid and invalid versions: no call
// fails, every response is wholly of one valid version (its version, rule
// id and segment agree), and the last valid version is served at the end.
TEST_F(HotReloadTest, EvaluateUnderLoadWhileTheRulesAreRewrittenAHundredTimes) {
  WriteFiles("v0");
  StartServer();
  std::map<std::string, std::string> label_of_version;  // every valid version written
  label_of_version[VersionOf(Files("v0"))] = "v0";
  for (int i = 2; i <= 100; i += 2) {
    const std::string label = "v" + std::to_string(i);
    label_of_version[VersionOf(Files(label))] = label;
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> failed{0};
  std::mutex problems_mutex;
  std::vector<std::string> problems;
  auto problem = [&](std::string text) {
    std::lock_guard<std::mutex> lock(problems_mutex);
    if (problems.size() < 10) problems.push_back(std::move(text));
  };
  auto load = [&] {
    auto stub = v1::Decisions::NewStub(channel_);
    while (!stop && calls < 200'000) {
      v1::EvaluateRequest request;
      request.mutable_customer()->set_id("inline");
      request.mutable_customer()->set_age(30);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::EvaluateResponse response;
      grpc::Status s = stub->Evaluate(&context, request, &response);
      ++calls;
      if (!s.ok()) {
        ++failed;
        problem("call failed: " + s.error_message());
        continue;
      }
      const v1::Decision& d = response.decision();
      auto label = label_of_version.find(d.ruleset_version());
      if (label == label_of_version.end()) {
        problem("served version " + d.ruleset_version() + " is not a valid one written");
        continue;
      }
      if (d.segments_size() != 1 || d.segments(0).segment() != label->second + "-young" ||
          d.segments(0).rule_id() != "young_" + label->second) {
        problem("decision of " + label->second + " has segment " +
                (d.segments_size() ? d.segments(0).segment() : "(none)"));
      }
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back(load);

  int64_t last_attempt = Status().last_attempt().number();
  std::string last_valid = VersionOf(Files("v0"));
  for (int i = 1; i <= 100; ++i) {
    const std::string label = "v" + std::to_string(i);
    const bool valid = i % 2 == 0;
    const std::string content = valid ? LabelledSegments(label) : BrokenSegments(label);
    if (i % 2 == 1) {
      dir_.WriteInPlace("segments.yaml", content);
    } else {
      dir_.WriteByRename("segments.yaml", content);
    }
    const v1::RulesetStatus status = WaitForAttemptAfter(last_attempt);
    last_attempt = status.last_attempt().number();
    ASSERT_EQ(status.last_attempt().outcome(), valid ? "accepted" : "rejected")
        << "rewrite " << i << ": " << status.last_attempt().message();
    if (valid) last_valid = VersionOf(Files(label));
    ASSERT_EQ(status.version(), last_valid);
  }
  stop = true;
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(calls.load(), 100);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(Status().version(), last_valid);
  v1::EvaluateResponse evaluated;
  ASSERT_TRUE(Evaluate(30, &evaluated).ok());
  EXPECT_EQ(evaluated.decision().ruleset_version(), last_valid);
}

}  // namespace
}  // namespace clientele
