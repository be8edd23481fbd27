// Two clienteled replicas over one PostgreSQL database, each watching a
// rules directory of its own (as two pods with their own ConfigMap or git
// checkout would): when one accepts new files and the other rejects its
// copy, the one that rejected says so in `clientele rules status` (exit
// 1, "BEHIND its peers"), in GetRulesetStatus and in the metric
// clientele_ruleset_behind_peers; once its files are fixed it catches up
// and says so too.
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/cli_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/test_database.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;

// Polls `done` every 100 ms for up to 20 s.
template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// A replica's name in the reports: on loopback, the machine's name and
// the port it listens on.
std::string NameOf(const testing::ServerProcess& replica) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + replica.address().substr(replica.address().rfind(':'));
}

void Append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

class ReplicasRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::PostgresTestServer* server = testing::PostgresTestServer::Get();
    ASSERT_NE(server, nullptr);
    std::random_device random;
    absl::StatusOr<std::string> url = server->SchemaUrl("fleet_" + std::to_string(::getpid()) +
                                                        "_" + std::to_string(random() % 1000000));
    ASSERT_TRUE(url.ok()) << url.status();
    for (testing::ServerProcess& process : replicas_) {
      const std::filesystem::path rules = process.directory() / "rules";
      std::filesystem::copy(CLIENTELE_SOURCE_DIR "/config/rules", rules);
      process.set_database(*url, server->password_file());
      ASSERT_TRUE(process.Start(rules.string(), "metrics_listen: 127.0.0.1:0\n"))
          << process.ReadLog();
    }
  }

  // GetRulesetStatus of one replica, as `clientele rules status --json`
  // prints it.
  nlohmann::json Status(const testing::ServerProcess& replica) {
    client::CliOutput out =
        client::RunCommand({"rules", "status", "--json", "--server", replica.address(), "--token",
                            testing::kAdminToken});
    return nlohmann::json::parse(out.out, nullptr, /*allow_exceptions=*/false);
  }

  // The version `replica` reported for itself to the shared database.
  std::string ReportedVersion(const testing::ServerProcess& replica) {
    const nlohmann::json status = Status(replica);
    if (!status.contains("replicas")) return "";
    for (const nlohmann::json& r : status["replicas"]) {
      if (r.value("replica", "") == NameOf(replica)) return r.value("serving_version", "");
    }
    return "";
  }

  std::string Metrics(const testing::ServerProcess& replica) {
    const std::string& address = replica.metrics_address();
    const size_t colon = address.rfind(':');
    httplib::Client client(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
    client.set_read_timeout(10);
    httplib::Result scraped = client.Get("/metrics");
    return scraped ? scraped->body : "";
  }

  testing::ServerProcess replicas_[2];
};

TEST_F(ReplicasRulesTest, AReplicaThatRejectedWhatItsPeerServesShowsItUntilFixed) {
  client::ClearClienteleEnvironment();
  testing::ServerProcess& ahead = replicas_[0];
  testing::ServerProcess& behind = replicas_[1];
  const std::string first = Status(behind).value("version", "");
  ASSERT_FALSE(first.empty());
  // Both report the same version: neither is behind.
  ASSERT_TRUE(Eventually([&] { return ReportedVersion(ahead) == first; }));
  ASSERT_TRUE(Eventually([&] { return Status(behind)["replicas"].size() == 2; }))
      << Status(behind).dump();
  EXPECT_FALSE(Status(behind).value("behind_peers", false));
  EXPECT_THAT(Metrics(behind), HasSubstr("\nclientele_ruleset_behind_peers 0\n"));

  // New files on one replica (a comment changes the version), a broken
  // copy of them on the other.
  Append(ahead.directory() / "rules" / "parameters.yaml", "# second edition\n");
  ASSERT_TRUE(Eventually([&] {
    const std::string v = ReportedVersion(ahead);
    return !v.empty() && v != first;
  })) << ahead.ReadLog();
  const std::string second = Status(ahead).value("version", "");
  Append(behind.directory() / "rules" / "parameters.yaml", "# second edition\nbroken: [\n");
  ASSERT_TRUE(Eventually([&] { return Status(behind).value("behind_peers", false); }))
      << Status(behind).dump() << behind.ReadLog();

  const nlohmann::json status = Status(behind);
  EXPECT_EQ(status.value("version", ""), first);  // still serves the one before
  EXPECT_THAT(status.value("behind_peers_reason", ""),
              HasSubstr(NameOf(ahead) + " serves " + second));
  EXPECT_THAT(Metrics(behind), HasSubstr("\nclientele_ruleset_behind_peers 1\n"));
  EXPECT_THAT(Metrics(ahead), HasSubstr("\nclientele_ruleset_behind_peers 0\n"));
  client::CliOutput text = client::RunCommand(
      {"rules", "status", "--server", behind.address(), "--token", testing::kAdminToken});
  EXPECT_EQ(text.code, 1) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("this one is BEHIND its peers"));
  EXPECT_THAT(text.out, HasSubstr(NameOf(behind) + " (this one)"));
  EXPECT_THAT(behind.ReadLog(), HasSubstr("behind_peers"));
  // Across the fleet, the table names the one behind.
  client::CliOutput fleet =
      client::RunCommand({"rules", "status", "--server", ahead.address() + "," + behind.address(),
                          "--token", testing::kAdminToken});
  EXPECT_EQ(fleet.code, 1) << fleet.out << fleet.err;
  EXPECT_THAT(fleet.out, HasSubstr("BEHIND"));

  // Fixed: the same files as its peer; it catches up.
  std::filesystem::copy_file(ahead.directory() / "rules" / "parameters.yaml",
                             behind.directory() / "rules" / "parameters.yaml",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(Eventually([&] {
    const nlohmann::json now = Status(behind);
    return now.value("version", "") == second && !now.value("behind_peers", false);
  })) << Status(behind).dump();
  EXPECT_TRUE(Eventually([&] {
    return Metrics(behind).find("\nclientele_ruleset_behind_peers 0\n") != std::string::npos;
  }));
  client::CliOutput caught_up =
      client::RunCommand({"rules", "status", "--server", ahead.address() + "," + behind.address(),
                          "--token", testing::kAdminToken});
  EXPECT_EQ(caught_up.code, 0) << caught_up.out << caught_up.err;
}

}  // namespace
}  // namespace clientele
