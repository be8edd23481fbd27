// The SQL a relational store runs, behind one small interface that
// SQLite (server/store/sqlite/) and PostgreSQL (server/store/postgres/)
// implement: a connection (Database) prepares statements (Statement),
// which bind parameters, step through rows and read columns. The store's
// operations (server/store/sql/) are written once against it, so that
// both backends keep every promise of the store contract the same way.
//
// The statements' methods keep SQLiteCpp's names (bind, executeStep,
// exec, getColumn), which the store's operations were first written
// with; the virtual ones underneath (BindInt, Step, Int...) are what a
// backend implements.
//
// Parameters are written `?N` (1-based) or `?`, as SQLite takes them;
// a backend with another syntax translates the text when it prepares it.
//
// Errors: every method may throw sql::Error; the store's operations catch
// it where they are called and turn it into a status (FromError below).
//
// Thread safety: none. A Database and its statements are used by one
// thread at a time.
#ifndef CLIENTELE_SERVER_STORE_SQL_STATEMENT_H_
#define CLIENTELE_SERVER_STORE_SQL_STATEMENT_H_

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace clientele::server::sql {

// What a database error means for the store's status.
enum class ErrorKind {
  kUnavailable,  // busy, locked, the server cannot be reached
  kFull,         // out of disk or space: RESOURCE_EXHAUSTED
  kDuplicate,    // a unique or primary key constraint
  kConstraint,   // another constraint (foreign key, check, not null)
  kConflict,     // serialization failure or deadlock: the transaction may be retried
  kNotFound,     // a held write found other rows than it expected (Statement::RunOrHold)
  kOther,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// UNAVAILABLE for kUnavailable and kConflict, RESOURCE_EXHAUSTED for
// kFull, NOT_FOUND (the error's own message) for kNotFound, INTERNAL
// otherwise; `doing` says what failed ("reading a customer").
absl::Status FromError(const Error& e, std::string_view doing);

class Statement;

// One column of the row a statement is on, as SQLiteCpp's Column reads
// it. Valid until the statement steps or resets.
class Column {
 public:
  Column(const Statement& statement, int index) : statement_(statement), index_(index) {}
  bool isNull() const;
  int64_t getInt64() const;
  int getInt() const { return static_cast<int>(getInt64()); }
  // Text (or a blob's bytes), NUL-terminated; "" for NULL.
  const char* getText() const;
  std::string getString() const;
  const void* getBlob() const { return getText(); }
  int getBytes() const;

 private:
  const Statement& statement_;
  int index_;
};

class Statement {
 public:
  virtual ~Statement() = default;

  // ---- what a backend implements
  // Parameters, by their 1-based index. Text and blobs are copied.
  virtual void BindNull(int index) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindBlob(int index, std::string_view bytes) = 0;
  // Runs the statement on its first call, then moves to the next row:
  // true while on a row, false at the end. Like Run, its first call may
  // throw the failure of a statement held before it (RunOrHold).
  virtual bool Step() = 0;
  // Runs a statement without results to its end; the rows it changed.
  virtual int64_t Run() = 0;
  // Runs a statement without results whose outcome the caller does not
  // need yet. A backend whose every statement is a round trip (PostgreSQL)
  // may hold it, inside a transaction, and send it with the transaction's
  // next statement or Database::Flush, in one round trip: it then returns
  // nothing, and a failure of the held statement is thrown by the call
  // that sends it, as is a count of changed rows other than
  // `expected_changes` (when not negative): ErrorKind::kNotFound with
  // `not_found` as its message. The transaction, or the savepoint the
  // statement ran in, must then be rolled back. Statements after it see
  // what it changed. Run now, it returns the rows it changed, for the
  // caller to check. RunLater and ChangeLater below are what callers use.
  virtual std::optional<int64_t> RunOrHold(int64_t expected_changes, std::string_view not_found) {
    (void)expected_changes;  // the caller checks the count returned
    (void)not_found;
    return Run();
  }
  // Asks for the statement's rows before it is stepped: a backend whose
  // every statement is a round trip (PostgreSQL) may send it, inside a
  // transaction, with the next statement that runs (or Database::Flush),
  // and keep its rows for its first Step. For a read that does not depend
  // on what runs between this call and its first Step. Its parameters are
  // those bound now: bind nothing more until Reset. A failure may be
  // thrown by the call that sends it, or by its first Step. Nothing on a
  // backend that runs each statement when stepped.
  virtual void SendAhead() {}
  // Ends the statement's run (it holds no read open) and unbinds its
  // parameters, ready to run again.
  virtual void Reset() = 0;
  // The rows of the statement's next run may be very many (a scan of
  // every customer): a backend that would hold them all at once reads
  // them in batches instead (PostgreSQL: a cursor, inside the transaction;
  // SQLite steps through them anyway). Until Reset.
  virtual void ReadInBatches() {}
  // Columns of the current row, 0-based. Text(i) is valid until the next
  // Step or Reset, NUL-terminated, and empty for NULL.
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual std::string_view Text(int column) const = 0;

  // ---- SQLiteCpp's names
  void bind(int index) { BindNull(index); }
  template <typename T>
  requires std::integral<T>
  void bind(int index, T value) { BindInt(index, static_cast<int64_t>(value)); }
  void bind(int index, std::string_view text) { BindText(index, text); }
  void bind(int index, const std::string& text) { BindText(index, text); }
  void bind(int index, const char* text) { BindText(index, text); }
  void bind(int index, const void* blob, int size) {
    BindBlob(index, std::string_view(static_cast<const char*>(blob), static_cast<size_t>(size)));
  }
  bool executeStep() { return Step(); }
  int64_t exec() { return Run(); }
  // RunOrHold for a statement whose count of changed rows does not matter.
  void RunLater() { RunOrHold(-1, {}); }
  // RunOrHold for one that must change `expected_changes` rows: NOT_FOUND
  // with `not_found` otherwise, now or from the call that sends it.
  absl::Status ChangeLater(int64_t expected_changes, std::string_view not_found) {
    std::optional<int64_t> changed = RunOrHold(expected_changes, not_found);
    if (changed.has_value() && *changed != expected_changes) {
      return absl::NotFoundError(std::string(not_found));
    }
    return absl::OkStatus();
  }
  void reset() { Reset(); }
  // Reset that never throws, for destructors.
  void tryReset() noexcept {
    try {
      Reset();
    } catch (...) {
    }
  }
  Column getColumn(int index) const { return Column(*this, index); }
};

inline bool Column::isNull() const { return statement_.IsNull(index_); }
inline int64_t Column::getInt64() const { return statement_.Int(index_); }
inline const char* Column::getText() const { return statement_.Text(index_).data(); }
inline std::string Column::getString() const { return std::string(statement_.Text(index_)); }
inline int Column::getBytes() const { return static_cast<int>(statement_.Text(index_).size()); }

// One connection to the database.
class Database {
 public:
  virtual ~Database() = default;
  // A new prepared statement for `sql` (callers cache it).
  virtual std::unique_ptr<Statement> Prepare(std::string_view sql) = 0;
  // Runs SQL of one or more statements without parameters or results
  // (the schema's migrations, SAVEPOINT and the like).
  virtual void Execute(std::string_view sql) = 0;
  // Begins the transaction of a group of writes: on SQLite one that takes
  // the write lock at once; on PostgreSQL one that holds the fleet's
  // write lock (every replica's writer takes turns), so that writes are
  // serialised as the store contract promises.
  virtual void BeginWrite() = 0;
  // Begins a read-only transaction that sees one snapshot. A transaction
  // some failure left open is rolled back first.
  virtual void BeginRead() = 0;
  virtual void Commit() = 0;
  // Sends the statements held (Statement::RunOrHold, SendAhead), if any,
  // and throws the first one's failure. Nothing on a backend that holds
  // none.
  virtual void Flush() {}
  // Rolls back an open transaction; nothing when none is open. Never
  // throws.
  virtual void Rollback() noexcept = 0;
};

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_STATEMENT_H_
