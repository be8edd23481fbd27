// `clientele admin backup` against the real clienteled, and restores: a
// server started on the backup answers every read as the original did;
// a backup taken while purchases keep coming is one consistent moment
// (balances equal ledgers, every purchase acknowledged before it began is
// in it); and bad input changes nothing.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "client/exit_codes.h"
#include "tests/support/cli_fixture.h"

namespace clientele::client {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// Runs `clientele args... --server address --token ADMIN`.
CliOutput RunAt(const testing::ServerProcess& server, std::vector<std::string> args) {
  args.push_back("--server");
  args.push_back(server.address());
  args.push_back("--token");
  args.push_back(testing::kAdminToken);
  return RunCommand(args);
}

// The read answers a restore must reproduce: every customer, every
// decision, the reports, the improvement actions and each ledger.
std::vector<std::string> ReadAnswers(const testing::ServerProcess& server) {
  std::vector<std::vector<std::string>> commands = {
      {"customers", "list", "--all", "--json"},
      {"evaluate-many", "--json", "--today", "2026-12-02"},
      {"reports", "segments", "--json", "--today", "2026-12-02"},
      {"reports", "feedback", "--json"},
      {"improvements", "list", "--all", "--json"},
  };
  for (int i = 1; i <= 40; ++i) {
    commands.push_back({"reports", "ledger", "demo-" + std::to_string(i), "--all", "--json"});
  }
  std::vector<std::string> answers;
  for (const std::vector<std::string>& command : commands) {
    CliOutput answer = RunAt(server, command);
    EXPECT_EQ(answer.code, 0) << command[0] << " " << command[1] << ": " << answer.err;
    answers.push_back(answer.out);
  }
  return answers;
}

class BackupCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(original_.Start(kRulesDirectory, "", /*demo_data=*/true));
    backup_ = (original_.directory() / "backup.db").string();
  }

  // Starts `restored_` on a copy of the backup file.
  void Restore() {
    std::filesystem::copy_file(backup_, restored_.database());
    ASSERT_TRUE(restored_.Start(kRulesDirectory)) << "no server on the backup";
  }

  testing::ServerProcess original_;
  testing::ServerProcess restored_;
  std::string backup_;
};

TEST_F(BackupCommandTest, ARestoredServerAnswersAsTheOriginalDid) {
  // Some of everything on top of the demo data.
  ASSERT_EQ(RunAt(original_, {"events", "purchase", "--customer-id", "demo-3", "--purchase-id",
                              "p-1", "--amount", "880.00", "--product", "产品A"})
                .code,
            0);
  ASSERT_EQ(RunAt(original_, {"events", "interaction", "--customer-id", "demo-3", "--text",
                              "非常满意，好评"})
                .code,
            0);
  ASSERT_EQ(RunAt(original_, {"events", "return", "p-1"}).code, 0);

  CliOutput backup = RunAt(original_, {"admin", "backup", backup_});
  ASSERT_EQ(backup.code, 0) << backup.err;
  EXPECT_THAT(backup.out, HasSubstr("backup written to " + backup_));
  EXPECT_THAT(backup.out, ::testing::ContainsRegex("customers +40\n"));
  EXPECT_THAT(backup.out, ::testing::ContainsRegex("sha256 +[0-9a-f]{64}\n"));
  EXPECT_FALSE(std::filesystem::exists(backup_ + ".partial"));
  // Nothing is left beside the server's database.
  for (const auto& entry : std::filesystem::directory_iterator(original_.directory())) {
    EXPECT_EQ(entry.path().string().find(".backup-"), std::string::npos) << entry.path();
  }

  ASSERT_NO_FATAL_FAILURE(Restore());
  EXPECT_EQ(ReadAnswers(restored_), ReadAnswers(original_));
  json served = RunAt(original_, {"ruleset", "--json"}).Json();
  EXPECT_EQ(RunAt(restored_, {"ruleset", "--json"}).Json()["version"], served["version"]);

  // The restored server goes on from there: the same write is a retry.
  CliOutput again = RunAt(restored_, {"events", "return", "p-1"});
  EXPECT_EQ(again.code, kExitConflict) << again.err;
}

TEST_F(BackupCommandTest, ABackupDuringPurchasesIsOneConsistentMoment) {
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread buyer([&] {
    for (int i = 0; i < 2000 && !stop; ++i) {
      CliOutput bought =
          RunAt(original_, {"events", "purchase", "--customer-id",
                            "demo-" + std::to_string(1 + i % 40), "--purchase-id",
                            "load-" + std::to_string(i), "--amount", "120.00", "--key",
                            "load-" + std::to_string(i)});
      ASSERT_EQ(bought.code, 0) << bought.err;
      acknowledged = i + 1;
    }
  });
  while (acknowledged < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int before = acknowledged;
  CliOutput backup = RunAt(original_, {"admin", "backup", backup_, "--json"});
  const int after = acknowledged;
  stop = true;
  buyer.join();
  ASSERT_EQ(backup.code, 0) << backup.err;
  EXPECT_EQ(backup.Json()["customers"], 40);

  ASSERT_NO_FATAL_FAILURE(Restore());
  std::set<std::string> purchases;
  for (int c = 1; c <= 40; ++c) {
    const std::string id = "demo-" + std::to_string(c);
    int64_t sum = 0;
    for (const json& page : RunAt(restored_, {"reports", "ledger", id, "--all", "--json"})
                                .JsonLines()) {
      for (const json& entry : page["entries"]) {
        sum += std::stoll(entry["delta"].get<std::string>());
        const std::string source = entry["source"];
        if (source.rfind("purchase:load-", 0) == 0) purchases.insert(source.substr(9));
      }
    }
    json customer = RunAt(restored_, {"customers", "get", id, "--json"}).Json();
    EXPECT_EQ(std::stoll(customer["customer"]["points"].get<std::string>()), sum) << id;
  }
  for (int i = 0; i < before; ++i) {
    EXPECT_TRUE(purchases.contains("load-" + std::to_string(i))) << "load-" << i;
  }
  // A moment between the two: nothing from after the backup ended, and
  // the purchases in it are the first ones, without a gap.
  EXPECT_GE(static_cast<int>(purchases.size()), before);
  EXPECT_LE(static_cast<int>(purchases.size()), after + 1);
  for (int i = 0; i < static_cast<int>(purchases.size()); ++i) {
    EXPECT_TRUE(purchases.contains("load-" + std::to_string(i))) << "gap at load-" << i;
  }
}

TEST_F(BackupCommandTest, BadInputChangesNothing) {
  std::ofstream(backup_) << "keep me";
  CliOutput exists = RunAt(original_, {"admin", "backup", backup_});
  EXPECT_EQ(exists.code, kExitBadInput);
  EXPECT_THAT(exists.err, HasSubstr("exists; give --force to replace it"));
  std::ifstream kept(backup_);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "keep me");

  CliOutput forced = RunAt(original_, {"admin", "backup", backup_, "--force"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_GT(std::filesystem::file_size(backup_), 4096u);

  const std::string nowhere = (original_.directory() / "no-such-dir" / "b.db").string();
  CliOutput unwritable = RunAt(original_, {"admin", "backup", nowhere});
  EXPECT_EQ(unwritable.code, kExitBadInput);
  EXPECT_THAT(unwritable.err, HasSubstr("cannot write"));
  EXPECT_FALSE(std::filesystem::exists(nowhere + ".partial"));

  EXPECT_EQ(RunCommand({"admin", "backup"}).code, kExitBadInput);  // FILE missing

  // Another backup to the same file, running or cut short: left alone.
  const std::string busy = (original_.directory() / "busy.db").string();
  std::ofstream(busy + ".partial") << "another run";
  CliOutput twice = RunAt(original_, {"admin", "backup", busy});
  EXPECT_EQ(twice.code, kExitBadInput);
  EXPECT_THAT(twice.err, HasSubstr("busy.db.partial' exists: another backup to this file"));
  std::ifstream other(busy + ".partial");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(other), {}), "another run");
  EXPECT_FALSE(std::filesystem::exists(busy));

  const std::string elsewhere = (original_.directory() / "down.db").string();
  CliOutput down = RunCommand({"admin", "backup", elsewhere, "--server", "127.0.0.1:1"});
  EXPECT_EQ(down.code, kExitServerError);
  EXPECT_FALSE(std::filesystem::exists(elsewhere));
  EXPECT_FALSE(std::filesystem::exists(elsewhere + ".partial"));
}

}  // namespace
}  // namespace clientele::client
