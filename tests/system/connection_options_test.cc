// How the CLI gets in: tokens from flags, files and the environment, TLS
// options, the exit code and hints when it is refused, and tokens made by
// `clientele token new` that a server configured with them accepts.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "client/token_commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/sha256.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/certificates.h"

namespace clientele::client {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Runs `clientele args... --server ADDRESS` with no token flag.
CliOutput RunAt(const testing::ServerProcess& server, std::vector<std::string> args) {
  args.push_back("--server");
  args.push_back(server.address());
  return RunCommand(args);
}

// Sets an environment variable for the scope, then puts back what was.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    if (const char* previous = std::getenv(name); previous != nullptr) previous_ = previous;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    if (previous_.has_value()) {
      ::setenv(name_, previous_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

using TokenOptionsTest = CliTest;

TEST_F(TokenOptionsTest, NoTokenIsRefusedWithAHint) {
  CliOutput ping = RunAt(server_, {"ping"});
  EXPECT_EQ(ping.code, kExitDenied);
  EXPECT_THAT(ping.err, HasSubstr("error: UNAUTHENTICATED: no token"));
  EXPECT_THAT(ping.err, HasSubstr("--token-file FILE"));
  CliOutput wrong = RunAt(server_, {"ping", "--token", "nope"});
  EXPECT_EQ(wrong.code, kExitDenied);
  EXPECT_THAT(wrong.err, HasSubstr("not one this server accepts"));
}

TEST_F(TokenOptionsTest, ATooLowRoleIsPermissionDenied) {
  CliOutput deleted = Run({"customers", "delete", "c-1", "--key", "k-1"}, testing::kWriterToken);
  EXPECT_EQ(deleted.code, kExitDenied);
  EXPECT_THAT(deleted.err, HasSubstr("PERMISSION_DENIED: 'test-writer' (role writer) may not call "
                                     "DeleteCustomer: it needs the role admin"));
  EXPECT_THAT(deleted.err, HasSubstr("clientele token new"));
  // A writer may read.
  EXPECT_EQ(Run({"customers", "list"}, testing::kWriterToken).code, kExitOk);
}

TEST_F(TokenOptionsTest, TokenFromAFileOrTheEnvironment) {
  const std::string file = (server_.directory() / "token").string();
  std::ofstream(file) << "  " << testing::kReaderToken << "  \r\nsecond line ignored\n";
  CliOutput from_file = RunAt(server_, {"ping", "--token-file", file});
  EXPECT_EQ(from_file.code, kExitOk) << from_file.err;
  {
    ScopedEnvironment token("CLIENTELE_TOKEN", testing::kReaderToken);
    EXPECT_EQ(RunAt(server_, {"ping"}).code, kExitOk);
    // A flag wins over the environment.
    EXPECT_EQ(RunAt(server_, {"ping", "--token", "nope"}).code, kExitDenied);
  }
  {
    ScopedEnvironment token_file("CLIENTELE_TOKEN_FILE", file);
    EXPECT_EQ(RunAt(server_, {"ping"}).code, kExitOk);
  }
}

TEST_F(TokenOptionsTest, BadTokenOptionsAreBadInput) {
  CliOutput missing = RunAt(server_, {"ping", "--token-file", "/nonexistent/token"});
  EXPECT_EQ(missing.code, kExitBadInput);
  EXPECT_THAT(missing.err,
              HasSubstr("--token-file: cannot read a token from '/nonexistent/token'"));
  const std::string empty = (server_.directory() / "empty").string();
  std::ofstream(empty) << "\n";
  EXPECT_THAT(RunAt(server_, {"ping", "--token-file", empty}).err, HasSubstr("holds no token"));
  EXPECT_EQ(RunAt(server_, {"ping", "--token", "a b"}).code, kExitBadInput);
  EXPECT_EQ(RunAt(server_, {"ping", "--token", "x", "--token-file", empty}).code, kExitBadInput);
}

TEST_F(TokenOptionsTest, FlagsBeatTheEnvironmentAndATokenBeatsATokenFile) {
  const std::string reader_file = (server_.directory() / "reader").string();
  std::ofstream(reader_file) << testing::kReaderToken << "\n";
  const std::string wrong_file = (server_.directory() / "wrong").string();
  std::ofstream(wrong_file) << "wrong\n";
  {
    ScopedEnvironment token("CLIENTELE_TOKEN", "wrong");
    EXPECT_EQ(RunAt(server_, {"ping", "--token-file", reader_file}).code, kExitOk);
  }
  {
    ScopedEnvironment token("CLIENTELE_TOKEN", testing::kReaderToken);
    ScopedEnvironment file("CLIENTELE_TOKEN_FILE", wrong_file);
    EXPECT_EQ(RunAt(server_, {"ping"}).code, kExitOk);
  }
}

TEST_F(TokenOptionsTest, NoTokenGoesInPlainTextToARemoteHost) {
  CliOutput refused =
      RunCommand({"ping", "--server", "clientele.example.invalid:50051", "--token", "t"});
  EXPECT_EQ(refused.code, kExitBadInput);
  EXPECT_THAT(refused.err, HasSubstr("refusing to send the token in plain text to "
                                     "clientele.example.invalid:50051"));
  // Said explicitly, the call is made (and fails here: no such host).
  CliOutput forced = RunCommand({"ping", "--server", "clientele.example.invalid:50051", "--token",
                                 "t", "--plaintext", "--timeout", "2"});
  EXPECT_EQ(forced.code, kExitServerError) << forced.err;
  {
    ScopedEnvironment plaintext("CLIENTELE_PLAINTEXT", "yes");
    EXPECT_EQ(RunCommand({"ping", "--server", "clientele.example.invalid:50051", "--token", "t",
                          "--timeout", "2"})
                  .code,
              kExitServerError);
  }
  ScopedEnvironment tls("CLIENTELE_TLS", "maybe");
  CliOutput bad = RunAt(server_, {"ping", "--token", testing::kReaderToken});
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_THAT(bad.err, HasSubstr("$CLIENTELE_TLS must be 1, true, yes, on or 0, false, no, off"));
}

TEST_F(TokenOptionsTest, TokenNewMakesATokenAServerAccepts) {
  CliOutput made =
      RunCommand({"token", "new", "--name", "crm-backend", "--role", "writer", "--json"});
  ASSERT_EQ(made.code, kExitOk) << made.err;
  const nlohmann::json entry = made.Json();
  const std::string token = entry["token"];
  EXPECT_THAT(token, StartsWith("clt_"));
  EXPECT_EQ(token.size(), 4u + 64u);
  EXPECT_EQ(entry["sha256"], Sha256Hex(token));
  EXPECT_EQ(entry["role"], "writer");
  // Two tokens are never the same.
  EXPECT_NE(
      RunCommand({"token", "new", "--name", "x", "--role", "reader", "--json"}).Json()["token"],
      token);

  // The human form prints the config entry.
  CliOutput text = RunCommand({"token", "new", "--name", "crm-backend", "--role", "writer"});
  EXPECT_THAT(text.out, HasSubstr("    - name: crm-backend\n      role: writer\n      sha256: "));

  testing::ServerProcess server;
  server.set_security(
      "plaintext: true\nauth:\n  tokens:\n    - name: crm-backend\n      role: writer\n"
      "      sha256: " +
      std::string(entry["sha256"]) + "\n");
  ASSERT_TRUE(server.Start(kRulesDirectory));
  EXPECT_EQ(RunAt(server, {"ping", "--token", token}).code, kExitOk);
  CliOutput admin_only = RunAt(server, {"rules", "reload", "--token", token});
  EXPECT_EQ(admin_only.code, kExitDenied);
  EXPECT_THAT(admin_only.err, HasSubstr("'crm-backend' (role writer) may not call ReloadRuleset"));
}

TEST(TokenCommandsTest, EveryRoleOfTheServerIsOffered) {
  for (const char* role : {"reader", "writer", "marketer", "approver", "admin"}) {
    CliOutput made = RunCommand({"token", "new", "--name", "x", "--role", role, "--json"});
    ASSERT_EQ(made.code, kExitOk) << role << ": " << made.err;
    EXPECT_EQ(made.Json()["role"], role);
  }
}

TEST(TokenCommandsTest, BadNamesAndRolesAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"token", "new", "--name", "has space", "--role", "reader"},
        {"token", "new", "--name", "", "--role", "reader"},
        {"token", "new", "--name", std::string(65, 'a'), "--role", "reader"},
        {"token", "new", "--name", "ok", "--role", "root"},
        {"token", "new", "--role", "reader"}}) {
    CliOutput result = RunCommand(args);
    EXPECT_EQ(result.code, kExitBadInput) << args[3];
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

TEST(TokenCommandsTest, HashOfTheFirstLine) {
  std::istringstream in("  demo-admin-token \nmore\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunTokenHash(in, out, err), kExitOk);
  EXPECT_EQ(out.str(), "91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37\n");
  std::istringstream none("\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(RunTokenHash(none, out2, err2), kExitBadInput);
  EXPECT_THAT(err2.str(), HasSubstr("no token on standard input"));
}

class TlsOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearClienteleEnvironment();
    certs_ = server_.directory() / "certs";
    ASSERT_TRUE(testing::MakeCertificates(certs_));
    server_.set_security(testing::TlsConfig(certs_, /*mutual=*/true) + testing::TestTokensConfig());
    ASSERT_TRUE(server_.Start(kRulesDirectory));
  }
  std::string Cert(const char* name) const { return (certs_ / name).string(); }

  testing::ServerProcess server_;
  std::filesystem::path certs_;
};

TEST_F(TlsOptionsTest, FlagsAndEnvironmentGiveTheTlsFiles) {
  CliOutput flags =
      RunAt(server_, {"ping", "--token", testing::kReaderToken, "--tls-ca", Cert("ca.pem"),
                      "--tls-cert", Cert("client.pem"), "--tls-key", Cert("client.key")});
  EXPECT_EQ(flags.code, kExitOk) << flags.err;
  {
    ScopedEnvironment ca("CLIENTELE_TLS_CA", Cert("ca.pem"));
    ScopedEnvironment cert("CLIENTELE_TLS_CERT", Cert("client.pem"));
    ScopedEnvironment key("CLIENTELE_TLS_KEY", Cert("client.key"));
    ScopedEnvironment token("CLIENTELE_TOKEN", testing::kReaderToken);
    CliOutput environment = RunAt(server_, {"ping"});
    EXPECT_EQ(environment.code, kExitOk) << environment.err;
  }
  // Without the client certificate the handshake fails.
  CliOutput no_cert =
      RunAt(server_, {"ping", "--token", testing::kReaderToken, "--tls-ca", Cert("ca.pem")});
  EXPECT_EQ(no_cert.code, kExitServerError);
  EXPECT_THAT(no_cert.err, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(no_cert.err, HasSubstr("--tls"));
}

TEST_F(TlsOptionsTest, IncompleteOrUnreadableTlsOptionsAreBadInput) {
  CliOutput half =
      RunAt(server_, {"ping", "--tls-ca", Cert("ca.pem"), "--tls-cert", Cert("client.pem")});
  EXPECT_EQ(half.code, kExitBadInput);
  EXPECT_THAT(half.err, HasSubstr("needs both --tls-cert and --tls-key"));
  CliOutput unreadable = RunAt(server_, {"ping", "--tls-ca", "/nonexistent/ca.pem"});
  EXPECT_EQ(unreadable.code, kExitBadInput);
  EXPECT_THAT(unreadable.err, HasSubstr("--tls-ca: cannot read '/nonexistent/ca.pem'"));
}

}  // namespace
}  // namespace clientele::client
