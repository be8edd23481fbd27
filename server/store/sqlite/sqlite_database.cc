#include "server/store/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include "common/strings.h"

namespace clientele::server::sqlite {
namespace {

class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
    const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
    if (code != SQLITE_OK) throw SqliteError(db_, code);
  }
  ~SqliteStatement() override { sqlite3_finalize(statement_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void BindNull(int index) override { Check(sqlite3_bind_null(statement_, index)); }
  void BindInt(int index, int64_t value) override {
    Check(sqlite3_bind_int64(statement_, index, value));
  }
  void BindText(int index, std::string_view text) override {
    Check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
  }
  void BindBlob(int index, std::string_view bytes) override {
    Check(sqlite3_bind_blob(statement_, index, bytes.data(), static_cast<int>(bytes.size()),
                            SQLITE_TRANSIENT));
  }
  bool Step() override {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    throw SqliteError(db_, code);
  }
  int64_t Run() override {
    while (Step()) {
    }
    return sqlite3_changes64(db_);
  }
  void Reset() override {
    // sqlite3_reset repeats the last step's error, which Step threw.
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(statement_, column); }
  std::string_view Text(int column) const override {
    // Text first, then its length: the order SQLite documents.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (text == nullptr) return std::string_view("", 0);
    return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
  }

 private:
  void Check(int code) {
    if (code != SQLITE_OK) throw SqliteError(db_, code);
  }

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

// Runs a cached statement without results, resetting it however it ends.
void RunCached(std::unique_ptr<sql::Statement>& statement, sql::Database& db, const char* sql) {
  if (!statement) statement = db.Prepare(sql);
  statement->Reset();
  struct ResetOnExit {
    sql::Statement& statement;
    ~ResetOnExit() { statement.tryReset(); }
  } reset{*statement};
  statement->Run();
}

}  // namespace

sql::Error SqliteError(sqlite3* db, int result) {
  // Extended codes tell a duplicate key from other constraints.
  int code = db != nullptr ? sqlite3_extended_errcode(db) : result;
  if ((code & 0xff) != (result & 0xff)) code = result;
  const int primary = code & 0xff;
  sql::ErrorKind kind = sql::ErrorKind::kOther;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) kind = sql::ErrorKind::kUnavailable;
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR) kind = sql::ErrorKind::kFull;
  if (primary == SQLITE_CONSTRAINT) {
    kind = code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE
               ? sql::ErrorKind::kDuplicate
               : sql::ErrorKind::kConstraint;
  }
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return sql::Error(kind, message != nullptr ? message : sqlite3_errstr(code));
}

SqliteDatabase::SqliteDatabase(const std::string& path, int busy_timeout_ms,
                               bool sync_every_commit) try
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
  // NOMUTEX: each connection is used by one thread at a time (the writer
  // under the store's mutex, a reader under its lease).
  db_.setBusyTimeout(busy_timeout_ms);
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec(sync_every_commit ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db_.exec("PRAGMA foreign_keys=ON");
} catch (const SQLite::Exception& e) {
  throw sql::Error(sql::ErrorKind::kUnavailable, e.what());
}

std::unique_ptr<sql::Statement> SqliteDatabase::Prepare(std::string_view sql) {
  return std::make_unique<SqliteStatement>(db_.getHandle(), sql);
}

void SqliteDatabase::Execute(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int code = sqlite3_exec(db_.getHandle(), text.c_str(), nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    sql::Error failed = SqliteError(db_.getHandle(), code);
    sqlite3_free(error);
    throw failed;
  }
}

void SqliteDatabase::BeginWrite() {
  // IMMEDIATE: the write lock now, so that a busy database fails here,
  // before any write of the group ran.
  RunCached(begin_write_, *this, "BEGIN IMMEDIATE");
}

void SqliteDatabase::BeginRead() {
  // A transaction some failure left open would otherwise make every BEGIN
  // fail, and the connection's other reads see its old snapshot.
  Rollback();
  RunCached(begin_read_, *this, "BEGIN");
}

void SqliteDatabase::Commit() { RunCached(commit_, *this, "COMMIT"); }

void SqliteDatabase::Rollback() noexcept {
  sqlite3* db = db_.getHandle();
  if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace clientele::server::sqlite
