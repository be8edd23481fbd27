// The sql::Database interface (server/store/sql/statement.h) on one
// PostgreSQL connection, through libpq. Statements are translated from
// the store's SQLite form (dialect.h), prepared on the server once per
// connection (again after a reconnect) and run with their parameters
// sent apart from the SQL; results come back whole, as text (those of a
// statement that reads in batches, a cursor's, kBatchRows at a time).
//
// Every statement is a round trip, so a transaction's start (BEGIN, the
// write lock) is not sent on its own: it waits for the transaction's
// first statement and goes with it in one pipeline (libpq's pipeline
// mode), one round trip for both. A transaction that runs no statement
// sends nothing. Writes whose outcome is not needed at once
// (Statement::RunOrHold: a savepoint, an upsert, an update of a row just
// read) are held the same way and go with the next statement of any kind
// (or Flush, or COMMIT), as do reads asked for ahead (Statement::
// SendAhead: a customer's months with the customer's row). A RELEASE or
// COMMIT waits for the answers to the held changes whose count of rows
// is checked here (the server would go on past a wrong count): a round
// trip of its own then.
//
// A connection the server dropped (a restart, a failover) is reset at the
// next transaction or statement outside one; what was running fails
// UNAVAILABLE, and so does every statement of a transaction the lost
// session had open (its work is gone with it) until Rollback. Sessions
// that hang are ended by TCP keepalives and, for one idle inside a
// transaction (a replica stopped while it held the write lock), by the
// server after a minute. Error messages are PostgreSQL's primary text
// only (terse): a DETAIL line could carry a customer's data.
//
// Thread safety: none; one thread at a time, as every sql::Database.
#ifndef CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_DATABASE_H_
#define CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_DATABASE_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/sql/statement.h"

namespace clientele::server::postgres {

// How to reach the server: a postgresql:// URL (or key=value connection
// string) without a password, and the password apart (empty: libpq's own
// PGPASSWORD or ~/.pgpass, or none).
struct ConnectionSettings {
  std::string url;
  std::string password;
  std::string application_name = "clienteled";
};

// Advisory locks of clientele's, each a pair of numbers: what it is for,
// and the hash of the schema the tables are in, so that deployments in
// two schemas of one database never wait for each other.
//  - kWriteLock: held by a write group's transaction, so that writes are
//    serialised across every replica;
//  - kMigrationLock: lets one replica at a time migrate the schema;
//  - kLeadLock: held for its session by the replica that runs the
//    background passes.
enum class AdvisoryLock : int32_t {
  kWrite = 0x636c0001,
  kMigration = 0x636c0002,
  kLead = 0x636c0003,
};
// The arguments of pg_advisory_lock and friends for `lock`:
// "(1668022273, hashtext(...current schema...))".
std::string LockArguments(AdvisoryLock lock);

// What receives the rows of a statement sent ahead (Statement::
// SendAhead), when the pipeline that carried it is read.
class AheadRows {
 public:
  // Takes `result`, a success.
  virtual void Receive(PGresult* result) = 0;

 protected:
  ~AheadRows() = default;
};

// A command held to go with the next one sent (see above): the
// transaction's start, as SQL text, or a prepared statement's run with a
// copy of its parameters.
struct HeldCommand {
  std::string sql;        // SQL without parameters (BEGIN, COMMIT), when `statement` is empty
  std::string statement;  // the name of a prepared statement
  std::vector<std::string> values;
  std::vector<bool> null;
  std::vector<int> lengths;
  std::vector<int> formats;
  // A count of changed rows other than this (when not negative) fails it
  // (sql::ErrorKind::kNotFound, with `not_found` as its message).
  int64_t expected_changes = -1;
  std::string not_found;
  bool starts_transaction = false;  // BEGIN and the write lock
  bool ends_work = false;           // RELEASE, COMMIT
  AheadRows* ahead = nullptr;       // a read sent ahead: what takes its rows
};

class PostgresDatabase final : public sql::Database {
 public:
  // Connects. Throws sql::Error (kUnavailable) with libpq's message.
  explicit PostgresDatabase(const ConnectionSettings& settings);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  std::unique_ptr<sql::Statement> Prepare(std::string_view sql) override;
  void Execute(std::string_view sql) override;
  void BeginWrite() override;
  void BeginRead() override;
  void Commit() override;
  void Rollback() noexcept override;

  // For the statements of this connection.
  PGconn* connection() { return connection_; }
  // Counts reconnects: a statement prepared before the last one prepares
  // again.
  uint64_t generation() const { return generation_; }
  // Resets a connection the server dropped. Throws sql::Error
  // (kUnavailable) when it cannot, and when a transaction was open on the
  // lost session: its statements are gone, and running the rest in a new
  // session would lose the transaction's promises.
  void ReconnectIfLost();
  // A name for a new server-side prepared statement.
  std::string NextStatementName() { return "clientele_" + std::to_string(++statements_); }
  // Holds `command` until the next one sent (RunLater), in a transaction.
  void Hold(HeldCommand command);
  bool holds() const { return !held_.empty(); }
  // Drops `reader`'s held reads, not sent yet: their rows are not wanted
  // any more (a statement reset or gone). A statement whose run is held
  // (RunOrHold) must outlive it: its prepared name is in the command.
  void ForgetAhead(const AheadRows* reader);
  // Sends the held commands and then `last` (none: a flush), in one
  // pipeline: one round trip (two when a RELEASE or COMMIT must wait for
  // a count, see above). Returns last's result, which the caller
  // owns and checks (null without `last`); throws the first failure of a
  // held command (sql::Error), or kUnavailable, abandoning the session,
  // when the pipeline cannot be sent or read to its end.
  PGresult* SendWithHeld(const HeldCommand* last);
  // Between Begin* and Commit / Rollback.
  bool in_transaction() const { return in_transaction_; }
  // Counts transactions begun: what a cursor was declared in.
  uint64_t serial() const { return serial_; }
  // Gives up on the session, whose state no other call may rely on (a
  // pipeline that could not be sent or read to its end): nothing more is
  // sent on it, and the next transaction resets it. Throws sql::Error
  // (kUnavailable, `what` and libpq's message).
  [[noreturn]] void Abandon(std::string_view what);
  bool abandoned() const { return abandoned_; }
  // Sends the held commands now (before preparing a statement, or running
  // SQL of another kind). Throws sql::Error.
  void Flush() override;

 private:
  // Settings of every session, after connecting and reconnecting.
  void PrepareSession();
  // SendWithHeld for commands none of which releases or commits a held
  // change whose count is checked.
  PGresult* SendPipeline(std::span<const HeldCommand> held, const HeldCommand* last);

  PGconn* connection_ = nullptr;
  bool in_transaction_ = false;  // Begin* .. Commit / Rollback
  std::vector<HeldCommand> held_;
  bool started_on_server_ = false;  // the transaction's start was sent
  bool abandoned_ = false;
  uint64_t serial_ = 0;
  uint64_t generation_ = 1;
  uint64_t statements_ = 0;
};

// sql::Error for a failed `result` (may be null) on `connection`.
// Neither the SQL nor its parameters are in the message: they would carry
// a customer's data.
sql::Error PostgresError(PGconn* connection, const PGresult* result);

}  // namespace clientele::server::postgres

#endif  // CLIENTELE_SERVER_STORE_POSTGRES_POSTGRES_DATABASE_H_
