// The PostgreSQL store: the store contract (server/store/store.h) on a
// PostgreSQL database that several clienteled replicas may share. The
// relational store of server/store/sql/ does the work, with the same
// statements and the same migrations as SQLite (dialect.h translates
// them); this connects, migrates (one replica at a time, under an
// advisory lock) and refuses a backup (PostgreSQL's own tools take it).
//
// Writes are serialised across every replica: a group of writes holds a
// transaction-scoped advisory lock (postgres_database.h), so that what a
// write reads (a budget, a balance, an idempotency key) stays true until
// it commits, on every replica at once.
//
// Durability: a write is acknowledged once PostgreSQL committed it, with
// the server's synchronous_commit (on by default: flushed to its WAL).
//
// Thread safety: as the contract says, safe from many threads.
#ifndef CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_STORE_H_
#define CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_STORE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace clientele::server {

struct PostgresStoreOptions {
  // postgresql://user@host:port/database?options, without a password.
  std::string url;
  // The password (from a file or the environment; empty: libpq's own
  // PGPASSWORD or ~/.pgpass, or none). Never logged.
  std::string password;
  int stats_window_months = 12;  // purchase stats: this month and the 11 before
  int read_connections = 4;      // reads at once (1..64): connections each
  int64_t task_changes_kept = 100'000;  // as SqlStoreOptions::task_changes_kept
  // As SqlStoreOptions::observe (server/store/sql/sql_store.h).
  std::function<void(std::string_view operation, std::chrono::nanoseconds took)> observe = nullptr;
};

class PostgresStore {
 public:
  // Connects (read_connections + 4 connections: the writer, the readers,
  // the change feed, its listener and the lead) and migrates the database
  // to the latest schema. Errors: INVALID_ARGUMENT for bad options (a URL
  // with a password in it), UNAVAILABLE when the server cannot be reached
  // or refuses the login, FAILED_PRECONDITION for a database written by a
  // newer clientele.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const PostgresStoreOptions& options);

  // Whether `database` (config's `database:`) names a PostgreSQL server.
  static bool IsUrl(std::string_view database);
  // Whether the URL (or key=value connection string) holds a password.
  static bool HoldsPassword(std::string_view url);
  // The URL with any password in it replaced by "***", for messages.
  static std::string Redacted(std::string_view url);
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_STORE_H_
