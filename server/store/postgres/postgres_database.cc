#include "server/store/postgres/postgres_database.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "server/store/postgres/dialect.h"

namespace clientele::server::postgres {
namespace {

// Type OIDs of pg_type that parameters and results use.
constexpr Oid kUnknownOid = 0;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;

// A PGresult freed when it goes.
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

bool Succeeded(const PGresult* result) {
  if (result == nullptr) return false;
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string_view SqlState(const PGresult* result) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state == nullptr ? std::string_view() : std::string_view(state);
}

// The values of parameters as libpq takes them (null for NULL).
std::vector<const char*> ParameterValues(const std::vector<std::string>& values,
                                         const std::vector<bool>& null) {
  std::vector<const char*> pointers(values.size());
  for (size_t i = 0; i < values.size(); ++i) pointers[i] = null[i] ? nullptr : values[i].data();
  return pointers;
}

// The rows a command's result says it changed.
int64_t ChangedRows(const PGresult* result) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  int64_t changed = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), changed);
  return changed;
}

// Whether `sql` releases a savepoint or commits: what came before it
// can no longer be undone on its own.
bool EndsWork(std::string_view sql) {
  return sql.starts_with("RELEASE") || sql.starts_with("COMMIT") || sql.starts_with("END");
}

// A command of SQL without parameters.
HeldCommand SqlCommand(std::string sql, bool starts_transaction = false) {
  HeldCommand command;
  command.sql = std::move(sql);
  command.starts_transaction = starts_transaction;
  command.ends_work = EndsWork(command.sql);
  return command;
}

// Sends `command` to run in a pipeline; false when it could not be.
bool SendCommand(PGconn* connection, const HeldCommand& command) {
  if (command.statement.empty()) {
    return PQsendQueryParams(connection, command.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                             0) == 1;
  }
  const std::vector<const char*> values = ParameterValues(command.values, command.null);
  return PQsendQueryPrepared(connection, command.statement.c_str(), static_cast<int>(values.size()),
                             values.data(), command.lengths.data(), command.formats.data(), 0) == 1;
}

// Whether a command of `commands` has a count of rows to check.
bool ExpectsCounts(std::span<const HeldCommand> commands) {
  return std::any_of(commands.begin(), commands.end(),
                     [](const HeldCommand& c) { return c.expected_changes >= 0; });
}

// Runs `command` on its own: one round trip.
PGresult* RunCommand(PGconn* connection, const HeldCommand& command) {
  if (command.statement.empty()) return PQexec(connection, command.sql.c_str());
  const std::vector<const char*> values = ParameterValues(command.values, command.null);
  return PQexecPrepared(connection, command.statement.c_str(), static_cast<int>(values.size()),
                        values.data(), command.lengths.data(), command.formats.data(), 0);
}

// The failure of a held command's `result`, if it failed.
std::optional<sql::Error> HeldFailure(PGconn* connection, const HeldCommand& command,
                                      const PGresult* result) {
  if (!Succeeded(result)) return PostgresError(connection, result);
  if (command.expected_changes >= 0 && ChangedRows(result) != command.expected_changes) {
    return sql::Error(sql::ErrorKind::kNotFound, command.not_found);
  }
  return std::nullopt;
}

// Runs SQL without parameters; throws on failure.
void Run(PGconn* connection, const char* sql) {
  Result result(PQexec(connection, sql));
  if (!Succeeded(result.get())) throw PostgresError(connection, result.get());
}

class PostgresStatement final : public sql::Statement, private AheadRows {
 public:
  PostgresStatement(PostgresDatabase& db, std::string_view sqlite_sql)
      : db_(db), translated_(TranslateStatement(sqlite_sql)), name_(db.NextStatementName()) {
    const size_t n = static_cast<size_t>(translated_.parameters);
    values_.resize(n);
    null_.assign(n, true);
    lengths_.assign(n, 0);
    formats_.assign(n, 0);
    types_.assign(n, kUnknownOid);
  }
  ~PostgresStatement() override {
    if (ahead_held_) db_.ForgetAhead(this);
    if (prepared_generation_ != db_.generation()) return;
    PGconn* connection = db_.connection();
    // Outside a failed transaction only, which would refuse it; the
    // session ends with its statements anyway.
    if (db_.abandoned() || PQstatus(connection) != CONNECTION_OK ||
        PQtransactionStatus(connection) == PQTRANS_INERROR)
      return;
    PQclear(PQexec(connection, ("DEALLOCATE " + name_).c_str()));
  }

  void BindNull(int index) override { Set(index, std::nullopt, kUnknownOid, 0); }
  void BindInt(int index, int64_t value) override {
    Set(index, std::to_string(value), kInt8Oid, 0);
  }
  void BindText(int index, std::string_view text) override {
    Set(index, std::string(text), kUnknownOid, 0);
  }
  void BindBlob(int index, std::string_view bytes) override {
    Set(index, std::string(bytes), kByteaOid, 1);
  }

  void ReadInBatches() override { batched_ = true; }

  void SendAhead() override {
    if (!db_.in_transaction()) return;  // run when stepped
    PrepareIfNeeded();
    HeldCommand command = AsCommand();
    command.ahead = this;
    db_.Hold(std::move(command));
    ahead_held_ = true;
  }

  bool Step() override {
    if (result_ == nullptr && ahead_held_) {
      db_.Flush();  // delivers the rows (nothing when a rollback dropped it)
      ahead_held_ = false;
    }
    if (result_ == nullptr && ahead_result_ != nullptr) {
      result_ = std::move(ahead_result_);
      row_ = -1;
    } else if (result_ == nullptr) {
      if (batched_ && db_.in_transaction()) {
        OpenCursor();
      } else {
        Execute();
      }
    }
    ++row_;
    decoded_column_ = -1;
    while (row_ >= PQntuples(result_.get()) && cursor_open_ && !cursor_drained_) {
      Fetch();
      row_ = 0;
    }
    return row_ < PQntuples(result_.get());
  }
  int64_t Run() override {
    Execute();
    return ChangedRows(result_.get());
  }
  std::optional<int64_t> RunOrHold(int64_t expected_changes, std::string_view not_found) override {
    if (!db_.in_transaction()) return Run();
    PrepareIfNeeded();
    HeldCommand command = AsCommand();
    command.expected_changes = expected_changes;
    command.not_found = not_found;
    db_.Hold(std::move(command));
    return std::nullopt;
  }
  void Reset() override {
    if (ahead_held_) db_.ForgetAhead(this);
    ahead_held_ = false;
    ahead_result_.reset();
    CloseCursor();
    batched_ = false;
    result_.reset();
    row_ = -1;
    decoded_column_ = -1;
    null_.assign(null_.size(), true);
  }

  bool IsNull(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  int64_t Int(int column) const override {
    const char* text = PQgetvalue(result_.get(), row_, column);
    const int length = PQgetlength(result_.get(), row_, column);
    if (PQftype(result_.get(), column) == kBoolOid) return length > 0 && text[0] == 't' ? 1 : 0;
    int64_t value = 0;
    std::from_chars(text, text + length, value);
    return value;
  }
  std::string_view Text(int column) const override {
    if (PQftype(result_.get(), column) != kByteaOid) {
      return std::string_view(PQgetvalue(result_.get(), row_, column),
                              static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
    }
    // bytea comes as hex text: decoded once per row and column read.
    if (decoded_column_ != column) {
      size_t length = 0;
      unsigned char* bytes = PQunescapeBytea(
          reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, column)), &length);
      decoded_.assign(reinterpret_cast<const char*>(bytes), bytes == nullptr ? 0 : length);
      PQfreemem(bytes);
      decoded_column_ = column;
    }
    return decoded_;
  }

 private:
  void Set(int index, std::optional<std::string> value, Oid type, int format) {
    if (index < 1 || index > translated_.parameters) {
      throw sql::Error(sql::ErrorKind::kOther,
                       StrCat("parameter ", index, " out of range in: ", translated_.sql));
    }
    const size_t i = static_cast<size_t>(index - 1);
    null_[i] = !value.has_value();
    values_[i] = value.has_value() ? std::move(*value) : std::string();
    lengths_[i] = static_cast<int>(values_[i].size());
    formats_[i] = format;
    // The first type bound is the one the statement is prepared with.
    if (prepared_generation_ != db_.generation()) types_[i] = type;
  }

  // Prepares the statement on the server. A parameter that nothing
  // around it types (`?3 IS NULL` alone, one the statement does not use)
  // is text when it was first bound text, else tried as a bigint, then
  // as text.
  // Inside a transaction, a failed attempt is rolled back to a savepoint:
  // PostgreSQL would otherwise refuse everything after it.
  void Prepare() {
    PGconn* connection = db_.connection();
    const bool in_transaction = PQtransactionStatus(connection) == PQTRANS_INTRANS;
    int guessed = -1;  // the parameter whose type was guessed last
    for (;;) {
      if (in_transaction) postgres::Run(connection, "SAVEPOINT clientele_prepare");
      Result result(PQprepare(connection, name_.c_str(), translated_.sql.c_str(),
                              translated_.parameters, types_.data()));
      const bool prepared = Succeeded(result.get());
      if (in_transaction) {
        postgres::Run(connection, prepared
                                      ? "RELEASE clientele_prepare"
                                      : "ROLLBACK TO clientele_prepare; RELEASE clientele_prepare");
      }
      if (prepared) break;
      const std::string_view state = SqlState(result.get());
      int parameter = 0;
      // indeterminate_datatype or ambiguous_parameter: "... of parameter $N"
      if (state == "42P18" || state == "42P08") {
        const std::string_view message = PQresultErrorMessage(result.get());
        const size_t at = message.find('$');
        if (at != std::string_view::npos) {
          std::from_chars(message.data() + at + 1, message.data() + message.size(), parameter);
        }
      } else if ((state == "42883" || state == "42804") && guessed > 0 &&
                 types_[static_cast<size_t>(guessed - 1)] == kInt8Oid) {
        parameter = guessed;  // the bigint guess did not fit: text
      }
      if (parameter < 1 || parameter > translated_.parameters) {
        throw PostgresError(connection, result.get());
      }
      const size_t i = static_cast<size_t>(parameter - 1);
      Oid& type = types_[i];
      if (type == kTextOid) throw PostgresError(connection, result.get());
      // Bound text: text. Bound NULL: a bigint first (days, amounts).
      type = !null_[i] || (type == kInt8Oid && parameter == guessed) ? kTextOid : kInt8Oid;
      guessed = parameter;
    }
    prepared_generation_ = db_.generation();
  }

  // Prepared on this session, after a reconnect too.
  void PrepareIfNeeded() {
    db_.ReconnectIfLost();
    if (prepared_generation_ == db_.generation()) return;
    db_.Flush();  // preparing may need a savepoint, in the transaction
    Prepare();
  }

  // This statement's run with its parameters, to go in a pipeline.
  HeldCommand AsCommand() const {
    HeldCommand command;
    command.statement = name_;
    command.ends_work = EndsWork(translated_.sql);
    command.values = values_;
    command.null = null_;
    command.lengths = lengths_;
    command.formats = formats_;
    return command;
  }

  void Execute() {
    PrepareIfNeeded();
    row_ = -1;
    if (db_.holds()) {  // they go first, in the same round trip
      const HeldCommand command = AsCommand();
      result_.reset(db_.SendWithHeld(&command));
    } else {
      const std::vector<const char*> values = ParameterValues(values_, null_);
      result_.reset(PQexecPrepared(db_.connection(), name_.c_str(), translated_.parameters,
                                   values.data(), lengths_.data(), formats_.data(), 0));
    }
    if (!Succeeded(result_.get())) {
      sql::Error error = PostgresError(db_.connection(), result_.get());
      result_.reset();
      throw error;
    }
  }

  // Rows in batches: the statement as a cursor of the transaction, read
  // kBatchRows at a time. Its parameters are typed as the prepared
  // statement's (prepared for that, once per connection).
  static constexpr int kBatchRows = 1000;
  std::string CursorName() const { return name_ + "_rows"; }

  void OpenCursor() {
    PrepareIfNeeded();
    db_.Flush();
    PGconn* connection = db_.connection();
    const std::vector<const char*> values = ParameterValues(values_, null_);
    Result declared(PQexecParams(
        connection,
        StrCat("DECLARE ", CursorName(), " NO SCROLL CURSOR FOR ", translated_.sql).c_str(),
        translated_.parameters, types_.data(), values.data(), lengths_.data(), formats_.data(), 0));
    if (!Succeeded(declared.get())) throw PostgresError(connection, declared.get());
    cursor_open_ = true;
    cursor_drained_ = false;
    cursor_serial_ = db_.serial();
    Fetch();
  }

  // The next batch into result_, before its first row.
  void Fetch() {
    PGconn* connection = db_.connection();
    result_.reset(PQexec(connection, StrCat("FETCH ", kBatchRows, " FROM ", CursorName()).c_str()));
    row_ = -1;
    decoded_column_ = -1;
    if (!Succeeded(result_.get())) {
      sql::Error error = PostgresError(connection, result_.get());
      result_.reset();
      cursor_open_ = false;
      throw error;
    }
    cursor_drained_ = PQntuples(result_.get()) < kBatchRows;
  }

  // Closes the cursor while its transaction lasts (it ends with it).
  void CloseCursor() noexcept {
    if (!cursor_open_) return;
    cursor_open_ = false;
    PGconn* connection = db_.connection();
    if (!db_.abandoned() && PQstatus(connection) == CONNECTION_OK &&
        PQtransactionStatus(connection) == PQTRANS_INTRANS && cursor_serial_ == db_.serial()) {
      PQclear(PQexec(connection, StrCat("CLOSE ", CursorName()).c_str()));
    }
  }

  PostgresDatabase& db_;
  const TranslatedStatement translated_;
  const std::string name_;
  uint64_t prepared_generation_ = 0;  // 0: not prepared on this connection
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<Oid> types_;
  void Receive(PGresult* result) override {
    ahead_result_.reset(result);
    ahead_held_ = false;
  }

  Result result_;
  bool ahead_held_ = false;  // sent ahead, in the held commands
  Result ahead_result_;      // its rows, for the first Step
  int row_ = -1;
  bool batched_ = false;  // ReadInBatches until Reset
  bool cursor_open_ = false;
  bool cursor_drained_ = false;  // the last batch was read
  uint64_t cursor_serial_ = 0;   // the transaction the cursor was declared in
  mutable std::string decoded_;
  mutable int decoded_column_ = -1;
};

}  // namespace

std::string LockArguments(AdvisoryLock lock) {
  return StrCat("(", static_cast<int32_t>(lock), ", hashtext(coalesce(current_schema(), '')))");
}

sql::Error PostgresError(PGconn* connection, const PGresult* result) {
  const std::string_view state = SqlState(result);
  std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  sql::ErrorKind kind = sql::ErrorKind::kOther;
  if (state == "23505") {
    kind = sql::ErrorKind::kDuplicate;
  } else if (state.starts_with("23")) {
    kind = sql::ErrorKind::kConstraint;
  } else if (state == "40001" || state == "40P01") {
    kind = sql::ErrorKind::kConflict;
  } else if (state.starts_with("53")) {
    kind = sql::ErrorKind::kFull;
  } else if (state.starts_with("08") || state.starts_with("57P") || state == "55P03" ||
             state == "57014" || state == "25006" || PQstatus(connection) != CONNECTION_OK) {
    // Also a statement cancelled (a statement_timeout, an operator) and a
    // read-only server (a standby after a failover): both pass.
    kind = sql::ErrorKind::kUnavailable;
  }
  return sql::Error(kind, message.empty() ? "PostgreSQL failed without a message" : message);
}

PostgresDatabase::PostgresDatabase(const ConnectionSettings& settings) {
  // Defaults before the URL (expanded from dbname), which may set them
  // otherwise; the password after it. Keepalives find a server that is
  // gone in about a minute rather than TCP's two hours.
  const char* keywords[] = {"application_name",
                            "connect_timeout",
                            "keepalives",
                            "keepalives_idle",
                            "keepalives_interval",
                            "keepalives_count",
                            "dbname",
                            "password",
                            nullptr};
  const char* values[] = {settings.application_name.c_str(),
                          "10",
                          "1",
                          "30",
                          "10",
                          "3",
                          settings.url.c_str(),
                          settings.password.empty() ? nullptr : settings.password.c_str(),
                          nullptr};
  connection_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection_ == nullptr) {
    throw sql::Error(sql::ErrorKind::kUnavailable, "out of memory connecting to PostgreSQL");
  }
  if (PQstatus(connection_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection_);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(connection_);
    connection_ = nullptr;
    throw sql::Error(sql::ErrorKind::kUnavailable, message);
  }
  // Notices (a savepoint's, an identity's) are not errors: not on stderr.
  PQsetNoticeProcessor(
      connection_, [](void*, const char*) {}, nullptr);
  PQsetErrorVerbosity(connection_, PQERRORS_TERSE);
  PrepareSession();
}

void PostgresDatabase::PrepareSession() {
  // A session idle inside a transaction for a minute is ended by the
  // server: a replica stopped (SIGSTOP, a frozen VM) while it held the
  // write lock would otherwise hold up every replica's writes.
  Run(connection_, "SET idle_in_transaction_session_timeout = '60s'");
}

PostgresDatabase::~PostgresDatabase() { PQfinish(connection_); }

void PostgresDatabase::Abandon(std::string_view what) {
  abandoned_ = true;
  std::string detail = PQerrorMessage(connection_);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  throw sql::Error(sql::ErrorKind::kUnavailable,
                   detail.empty() ? std::string(what) : StrCat(what, ": ", detail));
}

void PostgresDatabase::ReconnectIfLost() {
  if (PQstatus(connection_) == CONNECTION_OK && !abandoned_) return;
  if (in_transaction_) {
    throw sql::Error(sql::ErrorKind::kUnavailable,
                     "the connection to PostgreSQL was lost in the middle of a transaction");
  }
  PQreset(connection_);  // also leaves pipeline mode
  abandoned_ = false;
  ++generation_;  // the server forgot this session's prepared statements
  if (PQstatus(connection_) != CONNECTION_OK) {
    throw sql::Error(sql::ErrorKind::kUnavailable, PQerrorMessage(connection_));
  }
  PrepareSession();
}

std::unique_ptr<sql::Statement> PostgresDatabase::Prepare(std::string_view sql) {
  return std::make_unique<PostgresStatement>(*this, sql);
}

void PostgresDatabase::Hold(HeldCommand command) { held_.push_back(std::move(command)); }

PGresult* PostgresDatabase::SendWithHeld(const HeldCommand* last) {
  const std::vector<HeldCommand> held = std::exchange(held_, {});
  started_on_server_ = started_on_server_ || !held.empty();
  // The server goes on past a held change whose count is wrong (only this
  // side checks it), so what would release its savepoint or commit it
  // waits until the count is known.
  std::span<const HeldCommand> unsent(held);
  for (size_t i = 0; i < unsent.size(); ++i) {
    if (unsent[i].ends_work && ExpectsCounts(unsent.first(i))) {
      SendPipeline(unsent.first(i), nullptr);
      unsent = unsent.subspan(i);
      i = 0;
    }
  }
  if (last != nullptr && last->ends_work && ExpectsCounts(unsent)) {
    SendPipeline(unsent, nullptr);
    unsent = {};
  }
  return SendPipeline(unsent, last);
}

PGresult* PostgresDatabase::SendPipeline(std::span<const HeldCommand> held,
                                         const HeldCommand* last) {
  if (held.empty()) return last == nullptr ? nullptr : RunCommand(connection_, *last);
  if (PQenterPipelineMode(connection_) != 1) {  // one round trip each, then
    for (const HeldCommand& command : held) {
      Result result(RunCommand(connection_, command));
      if (std::optional<sql::Error> failure = HeldFailure(connection_, command, result.get())) {
        throw *failure;
      }
      if (command.ahead != nullptr) command.ahead->Receive(result.release());
    }
    return last == nullptr ? nullptr : RunCommand(connection_, *last);
  }
  bool sent = true;
  for (const HeldCommand& command : held) sent = sent && SendCommand(connection_, command);
  if (last != nullptr) sent = sent && SendCommand(connection_, *last);
  sent = sent && PQpipelineSync(connection_) == 1;
  if (!sent) Abandon("could not send to PostgreSQL");
  // Every result in order: each command's (then NULL), then the sync. A
  // failure aborts what follows it; the first failure is the one to
  // report.
  std::optional<sql::Error> failure;
  Result answer;
  const size_t commands = held.size() + (last == nullptr ? 0 : 1);
  for (size_t i = 0; i < commands; ++i) {
    Result result(PQgetResult(connection_));
    if (result == nullptr) Abandon("the connection to PostgreSQL failed mid-pipeline");
    while (PGresult* more = PQgetResult(connection_)) PQclear(more);
    if (failure.has_value()) continue;
    if (i < held.size()) {
      failure = HeldFailure(connection_, held[i], result.get());
      if (!failure.has_value() && held[i].ahead != nullptr)
        held[i].ahead->Receive(result.release());
    } else {
      answer = std::move(result);
    }
  }
  Result synced(PQgetResult(connection_));
  if (synced == nullptr || PQresultStatus(synced.get()) != PGRES_PIPELINE_SYNC ||
      PQexitPipelineMode(connection_) != 1) {
    Abandon("the connection to PostgreSQL failed mid-pipeline");
  }
  if (failure.has_value()) throw *failure;
  return answer.release();
}

void PostgresDatabase::ForgetAhead(const AheadRows* reader) {
  std::erase_if(held_, [reader](const HeldCommand& command) { return command.ahead == reader; });
}

void PostgresDatabase::Flush() {
  if (held_.empty()) return;
  ReconnectIfLost();
  SendWithHeld(nullptr);
}

void PostgresDatabase::Execute(std::string_view sql) {
  ReconnectIfLost();
  Flush();
  // Scripts of several statements (migrations) take the simple protocol.
  const std::string text(sql);
  Run(connection_, text.c_str());
}

void PostgresDatabase::BeginWrite() {
  Rollback();
  ReconnectIfLost();
  in_transaction_ = true;
  started_on_server_ = false;
  ++serial_;
  // Every replica's writer takes turns: writes are serialised across the
  // fleet, so a budget's last unit or a key's first use is decided once.
  // Held until COMMIT or ROLLBACK. Sent with the first statement.
  static const std::string lock =
      StrCat("SELECT pg_advisory_xact_lock", LockArguments(AdvisoryLock::kWrite));
  held_.clear();
  held_.push_back(SqlCommand("BEGIN", /*starts_transaction=*/true));
  held_.push_back(SqlCommand(lock, /*starts_transaction=*/true));
}

void PostgresDatabase::BeginRead() {
  Rollback();
  ReconnectIfLost();
  in_transaction_ = true;
  started_on_server_ = false;
  ++serial_;
  held_.clear();  // sent with the first statement
  held_.push_back(SqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                             /*starts_transaction=*/true));
}

void PostgresDatabase::Commit() {
  const bool nothing_ran =
      !started_on_server_ && std::all_of(held_.begin(), held_.end(),
                                         [](const HeldCommand& c) { return c.starts_transaction; });
  if (nothing_ran) {  // nothing began
    in_transaction_ = false;
    held_.clear();
    return;
  }
  ReconnectIfLost();  // in the transaction still: throws when its session was lost
  in_transaction_ = false;
  const HeldCommand commit = SqlCommand("COMMIT");
  Result result(SendWithHeld(&commit));  // the writes held, then COMMIT
  if (!Succeeded(result.get())) throw PostgresError(connection_, result.get());
  // COMMIT of a transaction that failed rolls it back without an error.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    throw sql::Error(sql::ErrorKind::kOther, "the transaction failed and was rolled back");
  }
}

void PostgresDatabase::Rollback() noexcept {
  in_transaction_ = false;
  held_.clear();
  // An abandoned session is reset at the next transaction, which ends
  // this one on the server.
  if (connection_ == nullptr || abandoned_ || PQstatus(connection_) != CONNECTION_OK) return;
  if (PQtransactionStatus(connection_) == PQTRANS_IDLE) return;
  PQclear(PQexec(connection_, "ROLLBACK"));
}

}  // namespace clientele::server::postgres
