// clienteled's config file: the shipped one loads, and every mistake in
// the transport and auth settings is refused with the file, line and a
// message saying what to do.
#include "server/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHash = Sha256Hex("a-token");
const std::string kTokens =
    "auth:\n  tokens:\n    - {name: crm, role: writer, sha256: " + kHash + "}\n";
const std::string kBase = "database: clientele.db\nrules: rules\n";

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    std::random_device random;
    directory_ =
        std::filesystem::temp_directory_path() /
        ("clientele-config-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
  }
  ~ConfigTest() override { std::filesystem::remove_all(directory_); }

  absl::StatusOr<ServerConfig> Load(const std::string& text) {
    const std::string path = (directory_ / "server.yaml").string();
    std::ofstream(path) << text;
    return LoadServerConfig(path);
  }

  std::filesystem::path directory_;
};

TEST_F(ConfigTest, TheShippedConfigLoads) {
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig(CLIENTELE_SOURCE_DIR "/config/server.yaml");
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_TRUE(config->plaintext);
  EXPECT_FALSE(config->tls.has_value());
  // The JSON gateway on loopback (docs/http.md).
  EXPECT_EQ(config->http_listen, "127.0.0.1:50080");
  // The README's demo tokens, one per role.
  ASSERT_EQ(config->tokens.size(), AllRoles().size());
  for (size_t i = 0; i < config->tokens.size(); ++i) {
    const TokenConfig& token = config->tokens[i];
    EXPECT_EQ(token.name, StrCat("demo-", RoleName(token.role)));
    EXPECT_EQ(token.sha256, Sha256Hex(StrCat("demo-", RoleName(token.role), "-token")));
  }
  EXPECT_EQ(config->tokens[2].role, Role::kAdmin);
  // On, but sampled: logging every decision costs Evaluate about a fifth of
  // its throughput (bench/README.md, "Decision log"); 0.1 is within noise.
  EXPECT_GT(config->decision_log.sample_rate, 0);
  EXPECT_LE(config->decision_log.sample_rate, 0.1);
}

TEST_F(ConfigTest, PlaintextOnLoopbackWithTokens) {
  absl::StatusOr<ServerConfig> config =
      Load(kBase + "listen: 127.0.0.1:0\nplaintext: true\n" + kTokens);
  ASSERT_THAT(config.status(), IsOk());
  ASSERT_EQ(config->tokens.size(), 1u);
  EXPECT_EQ(config->tokens[0].name, "crm");
  EXPECT_EQ(config->tokens[0].role, Role::kWriter);
  EXPECT_EQ(config->tokens[0].sha256, kHash);
}

TEST_F(ConfigTest, ATransportMustBeChosen) {
  EXPECT_THAT(Load(kBase + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no transport chosen"));
}

TEST_F(ConfigTest, PlaintextIsRefusedOffLoopbackUnlessForced) {
  for (const std::string listen :
       {"0.0.0.0:50051", "10.1.2.3:50051", "[::]:50051", "example.com:50051", "128.0.0.1:1"}) {
    absl::StatusOr<ServerConfig> config =
        Load(kBase + "listen: '" + listen + "'\nplaintext: true\n" + kTokens);
    EXPECT_THAT(config.status(),
                StatusIs(absl::StatusCode::kInvalidArgument, "loopback addresses only"))
        << listen;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr("server.yaml:3:"));
  }
  EXPECT_THAT(
      Load(kBase + "listen: 0.0.0.0:50051\nplaintext: true\nallow_remote_plaintext: true\n" +
           kTokens)
          .status(),
      IsOk());
  for (const std::string listen : {"localhost:1", "127.0.0.1:1", "127.255.0.9:1", "[::1]:1"}) {
    EXPECT_THAT(Load(kBase + "listen: '" + listen + "'\nplaintext: true\n" + kTokens).status(),
                IsOk())
        << listen;
  }
}

TEST_F(ConfigTest, TheJsonGatewayIsPlaintextOnLoopbackOnlyAsTheGrpcPortIs) {
  const std::string local = kBase + "listen: 127.0.0.1:0\nplaintext: true\n" + kTokens;
  absl::StatusOr<ServerConfig> config = Load(local + "http_listen: 127.0.0.1:0\nhttp_threads: 4\n");
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_EQ(config->http_listen, "127.0.0.1:0");
  EXPECT_EQ(config->http_threads, 4);
  EXPECT_EQ(Load(local)->http_listen, "");  // off unless asked for
  for (const std::string listen : {"0.0.0.0:8080", "[::]:8080", "example.com:8080"}) {
    absl::StatusOr<ServerConfig> remote = Load(local + "http_listen: '" + listen + "'\n");
    EXPECT_THAT(remote.status(),
                StatusIs(absl::StatusCode::kInvalidArgument, "http_listen " + listen))
        << listen;
    EXPECT_THAT(std::string(remote.status().message()), HasSubstr("loopback addresses only"));
    EXPECT_THAT(std::string(remote.status().message()), HasSubstr("server.yaml:8:"));
    EXPECT_THAT(
        Load(local + "allow_remote_plaintext: true\nhttp_listen: '" + listen + "'\n").status(),
        IsOk());
  }
  for (const std::string threads : {"1", "1025", "many"}) {
    EXPECT_THAT(Load(local + "http_threads: " + threads + "\n").status(),
                StatusIs(absl::StatusCode::kInvalidArgument, "http_threads"))
        << threads;
  }
}

TEST_F(ConfigTest, UnixSocketsAreLocal) {
  EXPECT_THAT(
      Load(kBase + "listen: unix:/run/clientele.sock\nplaintext: true\n" + kTokens).status(),
      IsOk());
}

TEST_F(ConfigTest, ASettingGivenTwiceIsRefused) {
  absl::StatusOr<ServerConfig> twice =
      Load(kBase + "plaintext: true\n" + kTokens + "plaintext: false\n");
  EXPECT_THAT(twice.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "the setting 'plaintext' appears twice"));
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("server.yaml:7:"));
  EXPECT_THAT(Load(kBase + "plaintext: true\n" + kTokens + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "the setting 'auth' appears twice"));
  EXPECT_THAT(Load(kBase + "plaintext: false\n" + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "no transport chosen"));
}

TEST_F(ConfigTest, TlsFilesAreResolvedAgainstTheConfigsDirectory) {
  absl::StatusOr<ServerConfig> config =
      Load(kBase +
           "listen: 0.0.0.0:0\ntls:\n  cert: certs/server.pem\n  key: /etc/k.pem\n"
           "  client_ca: certs/ca.pem\n" +
           kTokens);
  ASSERT_THAT(config.status(), IsOk());
  ASSERT_TRUE(config->tls.has_value());
  EXPECT_EQ(config->tls->cert, (directory_ / "certs/server.pem").string());
  EXPECT_EQ(config->tls->key, "/etc/k.pem");
  EXPECT_EQ(config->tls->client_ca, (directory_ / "certs/ca.pem").string());
}

TEST_F(ConfigTest, TlsMistakes) {
  EXPECT_THAT(Load(kBase + "tls:\n  cert: a.pem\n" + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "tls needs 'key'"));
  EXPECT_THAT(Load(kBase + "tls:\n  cert: a.pem\n  key: b.pem\n  ca: c.pem\n" + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown setting 'ca' in tls"));
  EXPECT_THAT(
      Load(kBase + "tls:\n  cert: a.pem\n  key: b.pem\nplaintext: true\n" + kTokens).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "exclude each other"));
  EXPECT_THAT(Load(kBase + "tls: yes\n" + kTokens).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "tls must be a map"));
}

TEST_F(ConfigTest, TokenMistakes) {
  const std::string head = kBase + "plaintext: true\n";
  EXPECT_THAT(Load(head).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "the setting 'auth' is required"));
  EXPECT_THAT(Load(head + "auth:\n  tokens: []\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least one token"));
  // The token itself where its hash belongs.
  absl::StatusOr<ServerConfig> plain =
      Load(head + "auth:\n  tokens:\n    - {name: a, role: reader, sha256: demo-admin-token}\n");
  EXPECT_THAT(plain.status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "never the token itself"));
  EXPECT_THAT(std::string(plain.status().message()), HasSubstr("server.yaml:6:"));
  EXPECT_THAT(Load(head + "auth:\n  tokens:\n    - {name: a, role: root, sha256: " + kHash + "}\n")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "role must be reader, writer, marketer, approver or admin"));
  EXPECT_THAT(Load(head + "auth:\n  tokens:\n    - {name: a, role: reader}\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "a token needs 'sha256'"));
  EXPECT_THAT(Load(head + "auth:\n  tokens:\n    - {name: a, role: reader, sha256: " + kHash +
                   ", note: x}\n")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown setting 'note' in a token"));
  EXPECT_THAT(Load(head + "auth:\n  tokens:\n    - {name: a, role: reader, sha256: " + kHash +
                   "}\n    - {name: a, role: admin, sha256: " + Sha256Hex("other") + "}\n")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "token name 'a' appears twice"));
  // The same hash in another case is the same token.
  std::string upper = kHash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_THAT(Load(head + "auth:\n  tokens:\n    - {name: a, role: reader, sha256: " + kHash +
                   "}\n    - {name: b, role: admin, sha256: " + upper + "}\n")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "the same token hash appears twice"));
}

TEST_F(ConfigTest, DecisionLogIsOffByDefaultAndReadWhenGiven) {
  const std::string head = kBase + "plaintext: true\n" + kTokens;
  absl::StatusOr<ServerConfig> config = Load(head);
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_EQ(config->decision_log.sample_rate, 0);
  config =
      Load(head + "decision_log:\n  sample_rate: 0.05\n  max_entries: 500\n  max_age_days: 3\n");
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_DOUBLE_EQ(config->decision_log.sample_rate, 0.05);
  EXPECT_EQ(config->decision_log.retention.max_entries, 500);
  EXPECT_EQ(config->decision_log.retention.max_age, std::chrono::hours(72));

  for (const char* rate : {"1.5", "-0.1", "often", "nan"}) {
    EXPECT_THAT(Load(head + "decision_log: {sample_rate: " + rate + "}\n").status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "decision_log.sample_rate must be a number from 0 (off) to 1"))
        << rate;
  }
  EXPECT_THAT(Load(head + "decision_log: {max_entries: 0}\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "decision_log.max_entries must be 1.."));
  EXPECT_THAT(
      Load(head + "decision_log: {max_age_days: -1}\n").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "decision_log.max_age_days must be 0.."));
  EXPECT_THAT(
      Load(head + "decision_log: {rate: 1}\n").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, "unknown setting 'rate' in decision_log"));
  EXPECT_THAT(Load(head + "decision_log: 1\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "decision_log must be a map"));
}

TEST_F(ConfigTest, IdempotencyKeysExpireAfterThirtyDaysUnlessSaidOtherwise) {
  const std::string head = kBase + "plaintext: true\n" + kTokens;
  absl::StatusOr<ServerConfig> config = Load(head);
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_EQ(config->idempotency_key_days, 30);
  config = LoadServerConfig(CLIENTELE_SOURCE_DIR "/config/server.yaml");
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_EQ(config->idempotency_key_days, 30);
  for (const int days : {0, 1, 3650}) {
    config = Load(head + "idempotency_key_days: " + std::to_string(days) + "\n");
    ASSERT_THAT(config.status(), IsOk()) << days;
    EXPECT_EQ(config->idempotency_key_days, days);
  }
  for (const char* days : {"-1", "3651", "a month", "1.5"}) {
    EXPECT_THAT(Load(head + "idempotency_key_days: " + days + "\n").status(),
                StatusIs(absl::StatusCode::kInvalidArgument, "idempotency_key_days"))
        << days;
  }
}

// database: a SQLite file (resolved against the config's directory) or a
// postgresql:// URL (kept as it is) whose password is in a file of its
// own; each mistake is named at its line.
TEST_F(ConfigTest, DatabaseIsAFileOrAPostgresqlUrlWithoutItsPassword) {
  const std::string rest = "rules: rules\nplaintext: true\n" + kTokens;
  absl::StatusOr<ServerConfig> sqlite = Load("database: data/c.db\n" + rest);
  ASSERT_THAT(sqlite, IsOk());
  EXPECT_EQ(sqlite->database, (directory_ / "data/c.db").string());
  EXPECT_EQ(sqlite->database_read_connections, 4);

  absl::StatusOr<ServerConfig> postgres = Load(
      "database: postgresql://clientele@db:5432/clientele?sslmode=require\n"
      "database_password_file: secrets/db\ndatabase_read_connections: 8\n" +
      rest);
  ASSERT_THAT(postgres, IsOk());
  EXPECT_EQ(postgres->database, "postgresql://clientele@db:5432/clientele?sslmode=require");
  EXPECT_EQ(postgres->database_password_file, (directory_ / "secrets/db").string());
  EXPECT_EQ(postgres->database_read_connections, 8);

  for (const char* url : {"postgresql://clientele:s3cret@db/clientele",
                          "postgres://clientele@db/clientele?password=s3cret"}) {
    absl::StatusOr<ServerConfig> refused = Load(std::string("database: ") + url + "\n" + rest);
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                  "server.yaml:1:11: the database URL must not hold the password"))
        << url;
    EXPECT_THAT(refused.status().message(), Not(HasSubstr("s3cret")));
  }
  EXPECT_THAT(Load("database: c.db\ndatabase_password_file: p\n" + rest),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "server.yaml:2:25: database_password_file is for a postgresql://"));
  EXPECT_THAT(Load("database: postgresql://db/c\nsync_every_commit: false\n" + rest),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "server.yaml:2:20: sync_every_commit is SQLite's"));
  EXPECT_THAT(Load("database: c.db\ndatabase_read_connections: 0\n" + rest),
              StatusIs(absl::StatusCode::kInvalidArgument, "database_read_connections"));
}

TEST(LoopbackTest, RecognisesLoopbackHostsOnly) {
  for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"", "0.0.0.0", "::", "[::]", "127.0.0", "127.0.0.1.5", "127.0.0.256", "127.-1.0.0",
        "127.-0.0.1", "127.+1.0.0", "127.0.0.1x", "1127.0.0.1", "localhost.example.com"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace clientele::server
