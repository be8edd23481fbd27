// The sql::Database interface (server/store/sql/statement.h) on one SQLite
// connection: SQLiteCpp opens it and runs scripts, statements use SQLite's
// C API, which reads values in place (SQLiteCpp's Column copies a shared
// pointer to its statement for every value read, which perf put at a
// fifth of a simulation's time). SQLite's errors become sql::Error.
//
// Thread safety: none; one thread at a time, as every sql::Database.
#ifndef CLIENTELE_SERVER_STORE_SQLITE_SQLITE_DATABASE_H_
#define CLIENTELE_SERVER_STORE_SQLITE_SQLITE_DATABASE_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "server/store/sql/statement.h"

namespace clientele::server::sqlite {

class SqliteDatabase final : public sql::Database {
 public:
  // Opens (creating) the file; `sync_every_commit` as SqliteStoreOptions.
  // Throws sql::Error.
  SqliteDatabase(const std::string& path, int busy_timeout_ms, bool sync_every_commit);

  std::unique_ptr<sql::Statement> Prepare(std::string_view sql) override;
  void Execute(std::string_view sql) override;
  void BeginWrite() override;
  void BeginRead() override;
  void Commit() override;
  void Rollback() noexcept override;

  SQLite::Database& handle() { return db_; }

 private:
  SQLite::Database db_;
  // Cached: BEGIN, COMMIT and the savepoints of every write would
  // otherwise be parsed anew each time.
  std::unique_ptr<sql::Statement> begin_write_;
  std::unique_ptr<sql::Statement> begin_read_;
  std::unique_ptr<sql::Statement> commit_;
};

// sql::Error for SQLite's result `code` on `db`.
sql::Error SqliteError(sqlite3* db, int result);

}  // namespace clientele::server::sqlite

#endif  // CLIENTELE_SERVER_STORE_SQLITE_SQLITE_DATABASE_H_
