// `clientele rules status | reload | watch | versions | diff` against the
// real clienteled over a temporary rules directory, and `rules diff` of
// two directories offline.
#include <chrono>
#include <string>
#include <thread>

#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/rules_directory.h"

namespace clientele::client {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::BrokenSegments;
using testing::kConstantOffers;
using testing::LabelledSegments;
using testing::VersionOf;

std::vector<rules::RuleSource> Files(const std::string& label) {
  return {{"offers.yaml", kConstantOffers}, {"segments.yaml", LabelledSegments(label)}};
}

// The server does not watch here: reloads happen when the test says.
class RulesRemoteCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const rules::RuleSource& f : Files("v1")) dir_.WriteInPlace(f.path, f.content);
    ASSERT_TRUE(server_.Start(dir_.path().string(), "rules_watch: false\n"));
  }
  CliOutput Run(std::vector<std::string> args) {
    args.push_back("--server");
    args.push_back(server_.address());
    args.push_back("--token");
    args.push_back(testing::kAdminToken);
    return RunCommand(args);
  }

  testing::RulesDirectory dir_;
  testing::ServerProcess server_;
};

TEST_F(RulesRemoteCommandsTest, StatusReloadAndVersions) {
  CliOutput status = Run({"rules", "status"});
  EXPECT_EQ(status.code, kExitOk) << status.err;
  EXPECT_THAT(status.out, ContainsRegex("serving +yes, version " + VersionOf(Files("v1"))));
  EXPECT_THAT(status.out, ContainsRegex("reloads +1 accepted, 0 rejected, 0 unchanged"));
  EXPECT_THAT(status.out, ContainsRegex("last attempt +#1 startup [0-9T:Z-]+: accepted"));

  dir_.WriteInPlace("segments.yaml", BrokenSegments("v2"));
  CliOutput rejected = Run({"rules", "reload"});
  EXPECT_EQ(rejected.code, kExitRuleErrors);
  EXPECT_THAT(rejected.out, HasSubstr("#2 rpc "));
  EXPECT_THAT(rejected.out, HasSubstr(": rejected — 1 error; first: "));
  EXPECT_THAT(rejected.out, HasSubstr("segments.yaml:6:15: error: unknown field 'agee'"));
  EXPECT_THAT(rejected.out, HasSubstr("^~~~"));
  CliOutput after = Run({"rules", "status"});
  EXPECT_EQ(after.code, kExitRuleErrors) << "the last reload was rejected";
  EXPECT_THAT(after.out, HasSubstr("version " + VersionOf(Files("v1"))));
  EXPECT_THAT(after.out, HasSubstr("unknown field 'agee'"));

  dir_.WriteInPlace("segments.yaml", LabelledSegments("v3"));
  CliOutput accepted = Run({"rules", "reload", "--json"});
  EXPECT_EQ(accepted.code, kExitOk);
  EXPECT_EQ(accepted.Json()["attempt"]["outcome"], "accepted");
  EXPECT_EQ(accepted.Json()["status"]["version"], VersionOf(Files("v3")));

  CliOutput versions = Run({"rules", "versions"});
  EXPECT_EQ(versions.code, kExitOk) << versions.err;
  EXPECT_THAT(versions.out, ContainsRegex(VersionOf(Files("v3")) + " .* 1 +serving\n"));
  EXPECT_THAT(versions.out, HasSubstr(VersionOf(Files("v1"))));
  EXPECT_THAT(versions.out, HasSubstr("2 versions\n"));

  CliOutput diff = Run({"rules", "diff", VersionOf(Files("v1")).substr(0, 6), VersionOf(Files("v3"))});
  EXPECT_EQ(diff.code, kExitOk) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("from version " + VersionOf(Files("v1"))));
  EXPECT_THAT(diff.out, HasSubstr("+ segmentation › dimension label › rule young_v3  (segments.yaml)"));
  EXPECT_THAT(diff.out, HasSubstr("- segmentation › dimension label › rule young_v1  (segments.yaml)"));
  EXPECT_THAT(diff.out, HasSubstr("default: v1-other → v3-other"));
  EXPECT_THAT(diff.out, HasSubstr("3 changes: 1 added, 1 removed, 1 changed\n"));

  CliOutput unknown = Run({"rules", "diff", "abcdef", VersionOf(Files("v3"))});
  EXPECT_EQ(unknown.code, kExitNotFound);
  EXPECT_THAT(unknown.err, HasSubstr("was never served here"));
  CliOutput neither = Run({"rules", "diff", "no-such-thing", VersionOf(Files("v3"))});
  EXPECT_EQ(neither.code, kExitBadInput);
  EXPECT_THAT(neither.err, HasSubstr("neither a rules directory nor a version"));
}

TEST_F(RulesRemoteCommandsTest, AServerWithoutValidRulesIsNotTakenForADownOne) {
  server_.Stop();
  dir_.WriteInPlace("segments.yaml", BrokenSegments("v1"));
  ASSERT_TRUE(server_.Start(dir_.path().string(), "rules_watch: false\n"));
  CliOutput evaluate = Run({"evaluate", "--customer", R"({"id":"x","age":30})"});
  EXPECT_EQ(evaluate.code, kExitServerError);
  EXPECT_THAT(evaluate.err, HasSubstr("error: UNAVAILABLE: no valid ruleset is loaded"));
  EXPECT_THAT(evaluate.err, HasSubstr("(clienteled at " + server_.address() +
                                      " is running but serves no rules: its rule files have "
                                      "errors; clientele rules status lists them)"));
  EXPECT_THAT(evaluate.err, Not(HasSubstr("is clienteled running")));
}

TEST_F(RulesRemoteCommandsTest, WatchPrintsTheStateThenEachReload) {
  // --count 2: the current state, then the reload below.
  std::thread reload([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    dir_.WriteInPlace("segments.yaml", LabelledSegments("v2"));
    RunCommand({"rules", "reload", "--server", server_.address(), "--token", testing::kAdminToken});
  });
  CliOutput watched = Run({"rules", "watch", "--count", "2", "--timeout", "20"});
  reload.join();
  EXPECT_EQ(watched.code, kExitOk) << watched.err;
  EXPECT_THAT(watched.out, HasSubstr("watching for reloads"));
  EXPECT_THAT(watched.out, ContainsRegex("#2 rpc [0-9T:Z-]+: accepted — serving version " +
                                         VersionOf(Files("v2"))));
}

TEST(RulesDiffOfflineTest, TwoDirectories) {
  testing::RulesDirectory before, after;
  for (const rules::RuleSource& f : Files("v1")) before.WriteInPlace(f.path, f.content);
  after.WriteInPlace("segments.yaml", LabelledSegments("v1"));
  CliOutput diff = RunCommand({"rules", "diff", before.path().string(), after.path().string()});
  EXPECT_EQ(diff.code, kExitOk) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("- offers › offer young_gift  (offers.yaml)"));
  EXPECT_THAT(diff.out, HasSubstr("1 change: 0 added, 1 removed, 0 changed\n"));
  CliOutput json = RunCommand({"rules", "diff", before.path().string(), after.path().string(), "--json"});
  EXPECT_EQ(json.Json()["changes"][0]["kind"], "removed");
  CliOutput same = RunCommand({"rules", "diff", before.path().string(), before.path().string()});
  EXPECT_EQ(same.code, kExitOk);
  EXPECT_THAT(same.out, HasSubstr("no rule changed\n"));
}

}  // namespace
}  // namespace clientele::client
