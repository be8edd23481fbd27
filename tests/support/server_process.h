// Starts the real clienteled binary for integration tests: a temporary
// directory with its own config and database, an ephemeral port on
// 127.0.0.1, and the address read from the server's "listening on" line.
// Stop() sends SIGTERM and returns the exit status; Kill() sends SIGKILL.
// The server speaks plain text and accepts the three test tokens below
// unless set_security() says otherwise.
// Not thread-safe; one object per server process.
#ifndef CLIENTELE_TESTS_SUPPORT_SERVER_PROCESS_H_
#define CLIENTELE_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "common/sha256.h"

// GCC says __SANITIZE_ADDRESS__; Clang says __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define CLIENTELE_UNDER_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLIENTELE_UNDER_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef CLIENTELE_UNDER_ADDRESS_SANITIZER
#define CLIENTELE_UNDER_ADDRESS_SANITIZER 0
#endif

namespace clientele::testing {

// One token per role, accepted by every test server.
inline constexpr char kReaderToken[] = "test-reader-token";
inline constexpr char kWriterToken[] = "test-writer-token";
inline constexpr char kAdminToken[] = "test-admin-token";
inline constexpr char kMarketerToken[] = "test-marketer-token";
inline constexpr char kApproverToken[] = "test-approver-token";

// The auth block that accepts the tokens above.
inline std::string TestTokensConfig() {
  std::string config = "auth:\n  tokens:\n";
  for (const auto& [name, role, token] :
       {std::tuple{"test-reader", "reader", kReaderToken},
        std::tuple{"test-writer", "writer", kWriterToken},
        std::tuple{"test-admin", "admin", kAdminToken},
        std::tuple{"test-marketer", "marketer", kMarketerToken},
        std::tuple{"test-approver", "approver", kApproverToken}}) {
    config += std::string("    - {name: ") + name + ", role: " + role +
              ", sha256: " + Sha256Hex(token) + "}\n";
  }
  return config;
}

class ServerProcess {
 public:
  // A fresh directory under the system temp dir.
  ServerProcess() {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("clientele-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
  }
  ~ServerProcess() {
    if (pid_ > 0) Kill();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  const std::filesystem::path& directory() const { return directory_; }
  // The config's `database:`: a SQLite file in directory() unless
  // set_database() gave another.
  std::string database() const {
    return database_.empty() ? (directory_ / "clientele.db").string() : database_;
  }
  // Another database, e.g. a postgresql:// URL shared with other servers,
  // and the file with its password ("" none).
  void set_database(std::string database, std::string password_file) {
    database_ = std::move(database);
    password_file_ = std::move(password_file);
  }
  const std::string& address() const { return address_; }
  // The metrics endpoint's host:port, when the config has metrics_listen.
  const std::string& metrics_address() const { return metrics_address_; }
  // The JSON gateway's host:port, when http_listen is set.
  const std::string& http_address() const { return http_address_; }
  std::filesystem::path log() const { return directory_ / "server.log"; }
  // What the server has logged so far.
  std::string ReadLog() const {
    std::ifstream in(log());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The transport and auth settings of the config (default: plain text
  // and TestTokensConfig()).
  void set_security(std::string config) { security_ = std::move(config); }
  // The log_level of the config (default warning).
  void set_log_level(std::string level) { log_level_ = std::move(level); }
  // Limits the server's address space (RLIMIT_AS) to `bytes`, so that a
  // runaway allocation fails as it would under a container's limit. Not
  // applied under AddressSanitizer, whose shadow memory reserves terabytes
  // of address space.
  void set_memory_limit(uint64_t bytes) { memory_limit_ = bytes; }
  pid_t pid() const { return pid_; }

  // Writes the config (extra YAML lines appended) and starts the server;
  // true once it listens. `rules` is the ruleset directory; `demo_data`
  // fills an empty database with the demo data.
  bool Start(const std::string& rules, const std::string& extra_config = "",
             bool demo_data = false) {
    const std::filesystem::path config = directory_ / "server.yaml";
    std::ofstream(config) << "listen: 127.0.0.1:0\n"
                          << "database: " << database() << "\n"
                          << (password_file_.empty()
                                  ? std::string()
                                  : "database_password_file: " + password_file_ + "\n")
                          << "rules: " << rules << "\n"
                          << "demo_data: " << (demo_data ? "true" : "false") << "\n"
                          << "log_level: " << log_level_ << "\n"
                          << security_ << extra_config;
    int out[2];
    if (::pipe(out) != 0) return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      // The logs (stderr) go to log(), for tests that check what is logged.
      if (const int log = ::open(this->log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
          log >= 0) {
        ::dup2(log, STDERR_FILENO);
        ::close(log);
      }
      ::close(out[0]);
      ::close(out[1]);
#if !CLIENTELE_UNDER_ADDRESS_SANITIZER
      if (memory_limit_ > 0) {
        const rlimit limit{memory_limit_, memory_limit_};
        if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(126);
      }
#endif
      ::execl(CLIENTELED_BINARY, CLIENTELED_BINARY, "--config", config.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    // "metrics on HOST:PORT" when metrics are on, then "listening on
    // HOST:PORT" once the server is up.
    const std::string metrics = "metrics on ", http = "http on ", listening = "listening on ";
    for (;;) {
      std::string line;
      char c;
      while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
      if (line.rfind(metrics, 0) == 0) {
        metrics_address_ = line.substr(metrics.size());
        continue;
      }
      if (line.rfind(http, 0) == 0) {
        http_address_ = line.substr(http.size());
        continue;
      }
      ::close(out[0]);
      if (line.rfind(listening, 0) != 0) return false;
      address_ = line.substr(listening.size());
      return true;
    }
  }

  // SIGTERM, then the exit status as from waitpid (-1 on timeout).
  int Stop(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    ::kill(pid_, SIGTERM);
    return Wait(timeout);
  }

  void Kill() {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(20));
  }

 private:
  int Wait(std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }

  std::filesystem::path directory_;
  std::string database_;
  std::string password_file_;
  std::string security_ = "plaintext: true\n" + TestTokensConfig();
  std::string log_level_ = "warning";
  uint64_t memory_limit_ = 0;
  std::string address_;
  std::string metrics_address_;
  std::string http_address_;
  pid_t pid_ = -1;
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_SERVER_PROCESS_H_
