// PostgresDatabase's held commands: a write held (Statement::RunOrHold) in
// a transaction goes with the next statement, which sees it; its failure,
// or a count of rows other than expected, is thrown by the call that
// sends it; Commit sends what is held, Rollback drops it; outside a
// transaction nothing is held. A read sent ahead (Statement::SendAhead)
// gets its rows in the same round trip. On the test PostgreSQL server
// (tests/support/test_database.h), in a schema of this test's own.
#include "server/store/postgres/postgres_database.h"

#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/strings.h"
#include "gtest/gtest.h"
#include "server/store/sql/statement.h"
#include "tests/support/test_database.h"

namespace clientele::server::postgres {
namespace {

using ::clientele::testing::PostgresTestServer;

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PostgresTestServer* server = PostgresTestServer::Get();
    ASSERT_NE(server, nullptr);
    absl::StatusOr<std::string> url = server->SchemaUrl(StrCat(
        "held_", ::getpid(), "_",
        std::hash<std::string>()(::testing::UnitTest::GetInstance()->current_test_info()->name()) %
            1000000));
    ASSERT_TRUE(url.ok()) << url.status();
    settings_ = {.url = *url, .password = server->password()};
    db_ = std::make_unique<PostgresDatabase>(settings_);
    db_->Execute(
        "DROP TABLE IF EXISTS counters; "
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL CHECK (value >= 0))");
    db_->Execute("INSERT INTO counters VALUES ('a', 1)");
  }

  // The value of counter `name` as another session sees it (committed).
  std::optional<int64_t> Committed(const std::string& name) {
    PostgresDatabase other(settings_);
    std::unique_ptr<sql::Statement> read =
        other.Prepare("SELECT value FROM counters WHERE name = ?");
    read->bind(1, name);
    if (!read->executeStep()) return std::nullopt;
    return read->Int(0);
  }

  // Holds (or runs) an insert of counter `name` with `value`.
  void InsertLater(const std::string& name, int64_t value) {
    insert_->bind(1, name);
    insert_->bind(2, value);
    insert_->RunLater();
    insert_->reset();
  }

  ConnectionSettings settings_;
  std::unique_ptr<PostgresDatabase> db_;
  std::unique_ptr<sql::Statement> insert_;
};

TEST_F(PostgresDatabaseTest, AHeldWriteGoesWithTheNextStatementWhichSeesIt) {
  insert_ = db_->Prepare("INSERT INTO counters VALUES (?, ?)");
  db_->BeginWrite();
  InsertLater("b", 2);
  EXPECT_TRUE(db_->holds());
  EXPECT_EQ(Committed("b"), std::nullopt);  // not even sent
  std::unique_ptr<sql::Statement> read = db_->Prepare("SELECT value FROM counters WHERE name = ?");
  read->bind(1, "b");
  ASSERT_TRUE(read->executeStep());
  EXPECT_EQ(read->Int(0), 2);
  EXPECT_FALSE(db_->holds());
  read->reset();
  EXPECT_EQ(Committed("b"), std::nullopt);  // sent, not committed
  db_->Commit();
  EXPECT_EQ(Committed("b"), 2);
}

TEST_F(PostgresDatabaseTest, CommitSendsWhatIsHeldAndRollbackDropsIt) {
  insert_ = db_->Prepare("INSERT INTO counters VALUES (?, ?)");
  db_->BeginWrite();
  InsertLater("b", 2);
  db_->Commit();  // nothing else ran: the held insert and COMMIT go together
  EXPECT_FALSE(db_->holds());
  EXPECT_EQ(Committed("b"), 2);

  db_->BeginWrite();
  InsertLater("c", 3);
  db_->Rollback();
  EXPECT_FALSE(db_->holds());
  EXPECT_EQ(Committed("c"), std::nullopt);
}

TEST_F(PostgresDatabaseTest, AHeldFailureIsThrownByTheStatementThatSendsItAndTheRestIsUndone) {
  insert_ = db_->Prepare("INSERT INTO counters VALUES (?, ?)");
  db_->BeginWrite();
  db_->Execute("SAVEPOINT one");
  InsertLater("b", 2);
  InsertLater("a", 5);  // a duplicate key
  InsertLater("c", 3);  // aborted after it
  std::unique_ptr<sql::Statement> read = db_->Prepare("SELECT count(*) FROM counters");
  try {
    read->executeStep();
    ADD_FAILURE() << "the duplicate was not reported";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), sql::ErrorKind::kDuplicate) << e.what();
  }
  read->tryReset();
  db_->Execute("ROLLBACK TO one");
  InsertLater("d", 4);
  db_->Commit();
  EXPECT_EQ(Committed("a"), 1);
  EXPECT_EQ(Committed("b"), std::nullopt);
  EXPECT_EQ(Committed("c"), std::nullopt);
  EXPECT_EQ(Committed("d"), 4);
}

TEST_F(PostgresDatabaseTest, AFailureHeldUntilCommitFailsTheCommit) {
  std::unique_ptr<sql::Statement> update =
      db_->Prepare("UPDATE counters SET value = value - ? WHERE name = ?");
  db_->BeginWrite();
  update->bind(1, 5);  // below 0: the CHECK fails
  update->bind(2, "a");
  update->RunLater();
  update->reset();
  EXPECT_THROW(db_->Commit(), sql::Error);
  db_->Rollback();
  EXPECT_EQ(Committed("a"), 1);
}

TEST_F(PostgresDatabaseTest, AHeldChangeOfOtherRowsThanExpectedIsNotFoundWithItsMessage) {
  std::unique_ptr<sql::Statement> update =
      db_->Prepare("UPDATE counters SET value = value + 1 WHERE name = ?");
  db_->BeginWrite();
  update->bind(1, "a");
  EXPECT_TRUE(update->ChangeLater(1, "counter a is gone").ok());  // held
  update->reset();
  update->bind(1, "z");
  EXPECT_TRUE(update->ChangeLater(1, "counter z is gone").ok());  // held: not known yet
  update->reset();
  try {
    db_->Flush();
    ADD_FAILURE() << "the missing row was not reported";
  } catch (const sql::Error& e) {
    EXPECT_EQ(e.kind(), sql::ErrorKind::kNotFound);
    EXPECT_EQ(std::string(e.what()), "counter z is gone");
    EXPECT_EQ(sql::FromError(e, "updating").code(), absl::StatusCode::kNotFound);
  }
  db_->Rollback();
  EXPECT_EQ(Committed("a"), 1);
}

// The server goes on past a change whose count is wrong: neither a
// RELEASE nor a COMMIT held after it may go before the count is known.
TEST_F(PostgresDatabaseTest, AHeldChangeOfOtherRowsThanExpectedIsNeitherReleasedNorCommitted) {
  std::unique_ptr<sql::Statement> update =
      db_->Prepare("UPDATE counters SET value = value + 1 WHERE name = ?");
  std::unique_ptr<sql::Statement> savepoint = db_->Prepare("SAVEPOINT one");
  std::unique_ptr<sql::Statement> release = db_->Prepare("RELEASE one");
  // Prepared on the server first: a statement's first run prepares it,
  // which sends what is held.
  db_->BeginWrite();
  savepoint->RunLater();
  release->RunLater();
  db_->Commit();

  db_->BeginWrite();
  savepoint->RunLater();
  update->bind(1, "a");
  EXPECT_TRUE(update->ChangeLater(1, "counter a is gone").ok());
  update->reset();
  update->bind(1, "z");
  EXPECT_TRUE(update->ChangeLater(1, "counter z is gone").ok());
  update->reset();
  release->RunLater();
  EXPECT_THROW(db_->Flush(), sql::Error);
  db_->Execute("ROLLBACK TO one");  // the savepoint is still there
  db_->Execute("RELEASE one");

  update->bind(1, "a");  // found: had COMMIT gone with it, "a" would be 2
  EXPECT_TRUE(update->ChangeLater(1, "counter a is gone").ok());
  update->reset();
  update->bind(1, "z");
  EXPECT_TRUE(update->ChangeLater(1, "counter z is gone").ok());
  update->reset();
  EXPECT_THROW(db_->Commit(), sql::Error);
  db_->Rollback();
  EXPECT_EQ(Committed("a"), 1);
}

TEST_F(PostgresDatabaseTest, AReadSentAheadGetsItsRowsWithTheNextStatementAfterTheHeldWrites) {
  insert_ = db_->Prepare("INSERT INTO counters VALUES (?, ?)");
  std::unique_ptr<sql::Statement> count = db_->Prepare("SELECT count(*) FROM counters");
  std::unique_ptr<sql::Statement> value = db_->Prepare("SELECT value FROM counters WHERE name = ?");
  // Each prepared on the server first (its first run prepares it, which
  // sends what is held), so that below they all go in one pipeline.
  db_->BeginWrite();
  InsertLater("w", 0);
  count->executeStep();
  count->reset();
  value->bind(1, "w");
  value->executeStep();
  value->reset();
  db_->Rollback();

  db_->BeginWrite();
  InsertLater("b", 2);
  count->SendAhead();  // after the insert: sees it
  InsertLater("c", 3);
  value->bind(1, "c");
  ASSERT_TRUE(value->executeStep());  // sends BEGIN, the lock and the four together
  EXPECT_EQ(value->Int(0), 3);
  EXPECT_FALSE(db_->holds());
  ASSERT_TRUE(count->executeStep());
  EXPECT_EQ(count->Int(0), 2);  // a, b: c came after it
  EXPECT_FALSE(count->executeStep());
  count->reset();
  value->reset();
  // Stepped before anything else ran, it sends itself.
  count->SendAhead();
  ASSERT_TRUE(count->executeStep());
  EXPECT_EQ(count->Int(0), 3);
  count->reset();
  db_->Commit();
}

TEST_F(PostgresDatabaseTest, AReadSentAheadAndResetOrRolledBackIsRunAnewWhenStepped) {
  insert_ = db_->Prepare("INSERT INTO counters VALUES (?, ?)");
  std::unique_ptr<sql::Statement> count = db_->Prepare("SELECT count(*) FROM counters");
  db_->BeginWrite();
  count->SendAhead();
  count->reset();  // not wanted: dropped before it was sent
  InsertLater("b", 2);
  ASSERT_TRUE(count->executeStep());  // runs it now, after the insert
  EXPECT_EQ(count->Int(0), 2);
  count->reset();
  db_->Commit();

  db_->BeginRead();
  count->SendAhead();
  db_->Rollback();                    // never sent
  InsertLater("c", 3);                // outside a transaction: at once
  ASSERT_TRUE(count->executeStep());  // outside a transaction: run as it is
  EXPECT_EQ(count->Int(0), 3);
  count->reset();
}

TEST_F(PostgresDatabaseTest, OutsideATransactionNothingIsHeld) {
  std::unique_ptr<sql::Statement> update =
      db_->Prepare("UPDATE counters SET value = value + 1 WHERE name = ?");
  update->bind(1, "z");
  absl::Status missing = update->ChangeLater(1, "counter z is gone");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "counter z is gone");
  update->reset();
  update->bind(1, "a");
  EXPECT_TRUE(update->ChangeLater(1, "counter a is gone").ok());
  EXPECT_FALSE(db_->holds());
  EXPECT_EQ(Committed("a"), 2);
}

TEST_F(PostgresDatabaseTest, AReadTransactionThatRanNothingSendsNothing) {
  db_->BeginRead();
  EXPECT_TRUE(db_->holds());  // its BEGIN, not sent
  db_->Commit();
  EXPECT_FALSE(db_->holds());
  EXPECT_EQ(PQtransactionStatus(db_->connection()), PQTRANS_IDLE);
}

}  // namespace
}  // namespace clientele::server::postgres
