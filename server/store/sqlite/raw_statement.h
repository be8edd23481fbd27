// A prepared SQLite statement read through the C API, for the few loops
// that read millions of rows (a simulation's history). SQLiteCpp's Column
// copies a shared pointer to its statement for every value read, which
// perf put at a fifth of a simulation's time; this reads the values in
// place. Errors throw SQLite::Exception, as SQLiteCpp does, for the
// caller's Guarded or catch.
//
// Owned by one Connection and used by one thread at a time, as it is.
#ifndef CLIENTELE_SERVER_STORE_SQLITE_RAW_STATEMENT_H_
#define CLIENTELE_SERVER_STORE_SQLITE_RAW_STATEMENT_H_

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstdint>
#include <string_view>

namespace clientele::server::sqlite {

class RawStatement {
 public:
  RawStatement(SQLite::Database& db, std::string_view sql) : db_(db.getHandle()) {
    const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
    if (code != SQLITE_OK) throw SQLite::Exception(db_, code);
  }
  ~RawStatement() { sqlite3_finalize(statement_); }
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;

  void Bind(int index, std::string_view text) {
    Check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT));
  }
  void Bind(int index, int64_t value) { Check(sqlite3_bind_int64(statement_, index, value)); }
  // True while on a row; false at the end.
  bool Step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    throw SQLite::Exception(db_, code);
  }
  // Ends the read, so that the statement holds no snapshot; always call
  // it once done (Reset guard below).
  void Reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string_view Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return text == nullptr
               ? std::string_view()
               : std::string_view(text,
                                  static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
  }

  // Resets the statement when the scope ends, however it ends.
  struct ResetOnExit {
    RawStatement& statement;
    ~ResetOnExit() { statement.Reset(); }
  };

 private:
  void Check(int code) {
    if (code != SQLITE_OK) throw SQLite::Exception(db_, code);
  }

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace clientele::server::sqlite

#endif  // CLIENTELE_SERVER_STORE_SQLITE_RAW_STATEMENT_H_
