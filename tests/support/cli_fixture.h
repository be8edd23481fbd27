// The fixture of the remote command tests: a real clienteled (the default
// ruleset, an empty temporary database, an ephemeral port) and Run(), which
// runs a `clientele` command line in-process against it (client/cli.h) and
// captures its exit code, stdout and stderr.
#ifndef CLIENTELE_TESTS_SUPPORT_CLI_FIXTURE_H_
#define CLIENTELE_TESTS_SUPPORT_CLI_FIXTURE_H_

#include <sstream>
#include <string>
#include <vector>

#include "client/cli.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"

namespace clientele::client {

inline const std::string kRulesDirectory = CLIENTELE_SOURCE_DIR "/config/rules";

struct CliOutput {
  int code = -1;
  std::string out;
  std::string err;

  // stdout as one JSON object.
  nlohmann::json Json() const { return nlohmann::json::parse(out); }
  // stdout as JSON lines.
  std::vector<nlohmann::json> JsonLines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
};

// Runs `clientele args...` in-process.
inline CliOutput RunCommand(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"clientele"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  CliOutput result;
  result.code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

// Unsets every CLIENTELE_* variable, so that a developer's own settings
// (e.g. bench/lib.sh's CLIENTELE_TOKEN) do not leak into the tests.
inline void ClearClienteleEnvironment() {
  for (const char* name :
       {"CLIENTELE_SERVER", "CLIENTELE_TOKEN", "CLIENTELE_TOKEN_FILE", "CLIENTELE_TLS",
        "CLIENTELE_PLAINTEXT", "CLIENTELE_TLS_CA", "CLIENTELE_TLS_CERT", "CLIENTELE_TLS_KEY",
        "CLIENTELE_TLS_SERVER_NAME"}) {
    ::unsetenv(name);
  }
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearClienteleEnvironment();
    ASSERT_TRUE(server_.Start(kRulesDirectory)) << "clienteled did not start";
  }

  // Runs `clientele args... --server ADDRESS --token TOKEN` (the admin
  // token: every command may run).
  CliOutput Run(std::vector<std::string> args, const std::string& token = testing::kAdminToken) {
    args.push_back("--server");
    args.push_back(server_.address());
    args.push_back("--token");
    args.push_back(token);
    return RunCommand(args);
  }

  // Runs a command that must succeed; its output.
  CliOutput Ok(std::vector<std::string> args) {
    CliOutput result = Run(args);
    EXPECT_EQ(result.code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": "
                              << result.err;
    return result;
  }

  testing::ServerProcess server_;
};

}  // namespace clientele::client

#endif  // CLIENTELE_TESTS_SUPPORT_CLI_FIXTURE_H_
