#include "tests/support/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <sstream>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "server/store/postgres/postgres_store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele::testing {
namespace {

std::string ReadTrimmed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string SchemaFor(const std::filesystem::path& directory) {
  char name[24];
  std::snprintf(name, sizeof name, "t_%016zx", std::hash<std::string>()(directory.string()));
  return name;
}

}  // namespace

// Stops the server this process started, at exit.
struct PostgresTestServerOwner {
  PostgresTestServer server;
  ~PostgresTestServerOwner() {
    if (server.own_directory_.empty()) return;
    const std::string stop =
        StrCat("bash '", CLIENTELE_SOURCE_DIR, "/scripts/postgres-test-server.sh' stop '",
               server.own_directory_.string(), "' >/dev/null 2>&1");
    [[maybe_unused]] int ignored = std::system(stop.c_str());
  }
};

bool TestOnPostgres() {
  const char* backend = std::getenv("CLIENTELE_TEST_DATABASE");
  return backend != nullptr && std::string_view(backend).starts_with("postgres");
}

namespace {

// The directory of a server started for the whole run: CLIENTELE_TEST_
// POSTGRES_DIR, or what follows "postgres:" in CLIENTELE_TEST_DATABASE
// (one variable, as ctest's discovered tests take one); "" for none.
std::string SharedServerDirectory() {
  if (const char* dir = std::getenv("CLIENTELE_TEST_POSTGRES_DIR"); dir != nullptr) return dir;
  const char* backend = std::getenv("CLIENTELE_TEST_DATABASE");
  if (backend == nullptr || !std::string_view(backend).starts_with("postgres:")) return "";
  return std::string(std::string_view(backend).substr(9));
}

}  // namespace

PostgresTestServer* PostgresTestServer::Get() {
  static std::mutex mutex;
  static std::unique_ptr<PostgresTestServerOwner> owner;
  std::lock_guard lock(mutex);
  if (owner != nullptr) return owner->server.url_.empty() ? nullptr : &owner->server;
  owner = std::make_unique<PostgresTestServerOwner>();
  PostgresTestServer& server = owner->server;
  std::filesystem::path directory;
  if (const std::string shared = SharedServerDirectory(); !shared.empty()) {
    directory = shared;
  } else {
    std::random_device random;
    directory = std::filesystem::temp_directory_path() / StrCat("clientele-postgres-", random());
    const std::string start =
        StrCat("bash '", CLIENTELE_SOURCE_DIR, "/scripts/postgres-test-server.sh' start '",
               directory.string(), "' ", getpid(), " >/dev/null");
    server.own_directory_ = directory;
    if (std::system(start.c_str()) != 0) {
      ADD_FAILURE() << "could not start a PostgreSQL server in " << directory
                    << " (scripts/postgres-test-server.sh)";
      return nullptr;
    }
  }
  server.url_ = ReadTrimmed(directory / "url");
  server.password_file_ = (directory / "password").string();
  server.password_ = ReadTrimmed(server.password_file_);
  if (server.url_.empty()) {
    ADD_FAILURE() << "no PostgreSQL test server in " << directory;
    return nullptr;
  }
  return &server;
}

absl::StatusOr<std::string> PostgresTestServer::SchemaUrl(const std::string& name) {
  const char* keywords[] = {"dbname", "password", nullptr};
  const char* values[] = {url_.c_str(), password_.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, 1);
  std::string error;
  if (PQstatus(connection) != CONNECTION_OK) {
    error = PQerrorMessage(connection);
  } else {
    PGresult* result = PQexec(connection, StrCat("CREATE SCHEMA IF NOT EXISTS ", name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(connection);
  if (!error.empty()) return absl::UnavailableError(StrCat("creating schema ", name, ": ", error));
  return StrCat(url_, "?options=-c%20search_path%3D", name);
}

absl::StatusOr<std::unique_ptr<server::Store>> OpenTestStore(const std::filesystem::path& directory,
                                                             const TestStoreOptions& options) {
  if (!TestOnPostgres()) {
    server::SqliteStoreOptions sqlite;
    sqlite.path = (directory / "clientele.db").string();
    sqlite.busy_timeout_ms = 1000;
    sqlite.stats_window_months = options.stats_window_months;
    sqlite.sync_every_commit = false;
    sqlite.read_connections = options.read_connections;
    return server::SqliteStore::Open(sqlite);
  }
  PostgresTestServer* server = PostgresTestServer::Get();
  if (server == nullptr) return absl::UnavailableError("no PostgreSQL test server");
  absl::StatusOr<std::string> url = server->SchemaUrl(SchemaFor(directory));
  if (!url.ok()) return url.status();
  server::PostgresStoreOptions postgres;
  postgres.url = *url;
  postgres.password = server->password();
  postgres.stats_window_months = options.stats_window_months;
  postgres.read_connections = options.read_connections;
  return server::PostgresStore::Open(postgres);
}

TestDatabaseFlags TestDatabaseFor(const std::filesystem::path& directory) {
  if (!TestOnPostgres()) return {(directory / "clientele.db").string(), ""};
  PostgresTestServer* server = PostgresTestServer::Get();
  if (server == nullptr) return {};
  absl::StatusOr<std::string> url = server->SchemaUrl(SchemaFor(directory));
  if (!url.ok()) {
    ADD_FAILURE() << url.status();
    return {};
  }
  return {*url, server->password_file()};
}

}  // namespace clientele::testing
