// The SQLite store: the store contract (server/store/store.h) on one
// SQLite file, clientele's embedded default. The relational store of
// server/store/sql/ does the work; this opens the file, migrates it
// (schema.cc) and backs it up (VACUUM INTO).
//
// Durability: WAL journal; an acknowledged write survives a crash of the
// process, and with SqliteStoreOptions::sync_every_commit (the default)
// also one of the machine.
//
// Thread safety: as the contract says, safe from many threads.
#ifndef CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
#define CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace clientele::server {

struct SqliteStoreOptions {
  std::string path;              // database file; created when missing
  int busy_timeout_ms = 5000;    // wait this long for another process's lock
  int stats_window_months = 12;  // purchase stats: this month and the 11 before
  // true: every commit is synced to disk before Write returns (survives a
  // power loss). false: SQLite's synchronous=NORMAL in WAL mode: a commit
  // survives the process being killed (kill -9) but the last ones may be
  // lost if the machine itself loses power.
  bool sync_every_commit = true;
  int read_connections = 4;  // reads at once (1..64)
  // As SqlStoreOptions::observe (server/store/sql/sql_store.h).
  std::function<void(std::string_view operation, std::chrono::nanoseconds took)> observe = nullptr;
};

class SqliteStore {
 public:
  // Opens (creating when missing) and migrates the database to the latest
  // schema. Errors: INVALID_ARGUMENT for bad options, UNAVAILABLE when the
  // file cannot be opened, FAILED_PRECONDITION for a database written by a
  // newer clientele (unknown schema version).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const SqliteStoreOptions& options);

  static int LatestSchemaVersion();
  // The SQL of migration `version` (1 ... LatestSchemaVersion()), so that
  // tests can build a database as an older release left it.
  static std::string_view MigrationScript(int version);
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
