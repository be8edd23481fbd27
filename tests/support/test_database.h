// The database the store and service tests run on. Every test opens its
// store through OpenTestStore, so that one suite runs on both backends:
// SQLite by default, PostgreSQL when CLIENTELE_TEST_DATABASE=postgres
// (ctest runs the store and service tests a second time so, with a
// "postgres." prefix: tests/CMakeLists.txt).
//
// PostgreSQL: the server in the directory CLIENTELE_TEST_POSTGRES_DIR or
// CLIENTELE_TEST_DATABASE=postgres:DIR names (started by ctest's postgres
// fixture with scripts/postgres-test-server.sh), or else one this process
// starts for itself the same way and stops at exit. Each store gets a schema of its own, named
// after its directory, so that tests running at once never see each other's data and a test that
// reopens its store finds its data again.
//
// Thread safety: OpenTestStore and PostgresTestServer::Get may be called
// from any thread.
#ifndef CLIENTELE_TESTS_SUPPORT_TEST_DATABASE_H_
#define CLIENTELE_TESTS_SUPPORT_TEST_DATABASE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace clientele::testing {

// True when CLIENTELE_TEST_DATABASE is postgres or postgres:DIR.
bool TestOnPostgres();

struct TestStoreOptions {
  int stats_window_months = 12;
  int read_connections = 4;
};

// A store for a test whose files are in `directory`: SQLite's
// `directory`/clientele.db, or PostgreSQL's schema for `directory`.
absl::StatusOr<std::unique_ptr<server::Store>> OpenTestStore(const std::filesystem::path& directory,
                                                             const TestStoreOptions& options = {});

// What clienteled's --database takes for `directory`'s store, and the
// password file to go with it (empty for SQLite).
struct TestDatabaseFlags {
  std::string database;
  std::string password_file;
};
TestDatabaseFlags TestDatabaseFor(const std::filesystem::path& directory);

class PostgresTestServer {
 public:
  // The server, started on first use; fails the calling test (and returns
  // null) when it cannot be started.
  static PostgresTestServer* Get();

  // postgresql://clientele@127.0.0.1:PORT/postgres
  const std::string& url() const { return url_; }
  const std::string& password() const { return password_; }
  const std::string& password_file() const { return password_file_; }
  // The URL of a schema of its own for `name` (created when missing):
  // connections to it see only its tables.
  absl::StatusOr<std::string> SchemaUrl(const std::string& name);

 private:
  std::string url_;
  std::string password_;
  std::string password_file_;
  std::filesystem::path own_directory_;  // when this process started it
  friend struct PostgresTestServerOwner;
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_TEST_DATABASE_H_
