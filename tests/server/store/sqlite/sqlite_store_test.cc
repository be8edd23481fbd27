// The SQLite store: the store contract's tests (store_contract.cc) on it,
// and what only SQLite has: migrations, options, a file database, the
// contents of ruleset versions kept once, backups as database files.
#include "server/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/store.h"
#include "tests/server/store/store_contract.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Customer;
using rules::Date;
using rules::Decimal;

Date Day(const char* text) { return *Date::Parse(text); }

absl::StatusOr<std::unique_ptr<Store>> OpenSqlite(const std::filesystem::path& directory,
                                                  int window_months) {
  return SqliteStore::Open({(directory / "clientele.db").string(), 1000, window_months});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreImplementation{"Sqlite", OpenSqlite}),
                         [](const ::testing::TestParamInfo<StoreImplementation>& info) {
                           return info.param.name;
                         });

class StoreTest : public StoreTestBase {
 protected:
  StoreTest() : StoreTestBase(OpenSqlite) {}
  void SetUp() override {
    StoreTestBase::SetUp();
    path_ = (directory_ / "clientele.db").string();
  }

  // Closes the store, removes its database, and makes a new one at schema
  // `version` through the store's own migrations, for the test to fill
  // before Reopen upgrades it.
  std::unique_ptr<SQLite::Database> DatabaseAtVersion(int version) {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    auto db =
        std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (int v = 1; v <= version; ++v) db->exec(std::string(SqliteStore::MigrationScript(v)));
    return db;
  }

  std::string path_;
};

TEST_F(StoreTest, MigratesANewDatabaseAndReopensIt) {
  EXPECT_EQ(store_->schema_version(), SqliteStore::LatestSchemaVersion());
  AddCustomer("c-1");
  Reopen();
  EXPECT_EQ(store_->schema_version(), SqliteStore::LatestSchemaVersion());
  EXPECT_THAT(store_->CountCustomers(), IsOk());
  EXPECT_EQ(*store_->CountCustomers(), 1);
}

// A database as the first release left it (schema 1, with data) is
// brought to the latest schema and keeps its data.
TEST_F(StoreTest, UpgradesADatabaseFromSchemaOne) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(std::string(SqliteStore::MigrationScript(1)));
    db.exec("INSERT INTO customers(id, name) VALUES ('c-1', '张三')");
    db.exec(
        "INSERT INTO purchases VALUES ('p-1', 'c-1', 6000000, 'A', 0, 20000, 100, 'r', 'v', "
        "'2026-11-01T00:00:00Z')");
    db.exec("PRAGMA user_version=1");
  }
  Reopen();
  EXPECT_EQ(store_->schema_version(), SqliteStore::LatestSchemaVersion());
  std::vector<PurchaseRecord> purchases = *store_->Purchases("c-1");
  ASSERT_EQ(purchases.size(), 1u);
  EXPECT_EQ(purchases[0].amount, *Decimal::Parse("600"));
  EXPECT_EQ(purchases[0].returned_kind, "");
}

// Schema 9 keeps points per month for tiers on points earned: filled from
// the purchases a database of schema 8 has, leaving out those taken back.
TEST_F(StoreTest, UpgradeToSchemaNineCountsThePointsOfPurchasesNotTakenBack) {
  {
    std::unique_ptr<SQLite::Database> at_8 = DatabaseAtVersion(8);
    SQLite::Database& db = *at_8;
    db.exec("INSERT INTO customers(id, name) VALUES ('c-1', '张三')");
    // Days 20000 (2024-10-04), 20027 (2024-10-31) and 20028 (2024-11-01).
    for (const char* row : {"('p-1', 20000, 100, NULL)", "('p-2', 20027, 40, 'return')",
                            "('p-3', 20027, 5, NULL)", "('p-4', 20028, 7, NULL)"}) {
      db.exec(StrCat("INSERT INTO purchases (purchase_id, day, points_earned, returned_kind, "
                     "customer_id, amount_units, product, channel, rule_id, ruleset_version, "
                     "recorded_at) SELECT column1, column2, column3, column4, 'c-1', 10000, 'A', "
                     "0, 'r', 'v', '2024-11-01T00:00:00Z' FROM (VALUES ",
                     row, ")"));
    }
    db.exec("INSERT INTO purchase_months VALUES ('c-1', 24297, 2, 20000), ('c-1', 24298, 1, 10000)");
    db.exec("PRAGMA user_version=8");
  }
  Reopen();
  ASSERT_EQ(store_->schema_version(), SqliteStore::LatestSchemaVersion());
  auto qualifying = [&](int first, int last) {
    absl::StatusOr<std::optional<Customer>> c =
        store_->FindCustomer("c-1", {Day("2024-11-20"), {first, last}});
    EXPECT_THAT(c.status(), IsOk());
    return c.ok() && c->has_value() ? (*c)->qualifying_points : -1;
  };
  EXPECT_EQ(qualifying(24297, 24298), 112);
  EXPECT_EQ(qualifying(24297, 24297), 105);
  EXPECT_EQ(qualifying(24298, 24298), 7);
  EXPECT_EQ(qualifying(24299, 24298), 0);  // empty: no tier window
  absl::StatusOr<std::optional<Customer>> c = store_->FindCustomer("c-1", {Day("2024-11-20"), {24297, 24298}});
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->qualifying_spent, *Decimal::Parse("3"));
  EXPECT_FALSE((*c)->tier_downgrade_on.known());
}

TEST_F(StoreTest, UpgradeToSchemaElevenFillsTheHistoryFromWhatWasRecorded) {
  {
    std::unique_ptr<SQLite::Database> at_10 = DatabaseAtVersion(10);
    SQLite::Database& db = *at_10;
    db.exec("INSERT INTO customers(id, name) VALUES ('c-1', '张三'), ('c-2', '李四')");
    // Days 20000 (2024-10-04) and 20027 (2024-10-31); p-2 was returned.
    for (const char* row :
         {"('p-1', 20000, 100, NULL, 15000)", "('p-2', 20027, 40, 'return', 10000)",
          "('p-3', 20027, 5, NULL, 20000)", "('p-4', 20027, 7, NULL, 10000)"}) {
      db.exec(
          StrCat("INSERT INTO purchases (purchase_id, day, points_earned, returned_kind, "
                 "amount_units, customer_id, product, channel, rule_id, ruleset_version, "
                 "recorded_at) SELECT column1, column2, column3, column4, column5, 'c-1', 'A', "
                 "0, 'r', 'v', '2024-11-01T00:00:00Z' FROM (VALUES ",
                 row, ")"));
    }
    // Interactions by the UTC day of recorded_at: 2024-11-01 is day 20028.
    db.exec(
        "INSERT INTO interactions (customer_id, text, rule_id, satisfaction_after_units, "
        "recorded_at) VALUES ('c-2', '好评', 'positive_review', 31000, '2024-11-01T23:59:59Z'), "
        "('c-2', '好评', 'positive_review', 32000, '2024-11-01T08:00:00Z'), "
        "('c-2', '一般', '', 32000, '2024-11-02T00:00:00Z')");
    db.exec("PRAGMA user_version=10");
  }
  Reopen();
  ASSERT_EQ(store_->schema_version(), SqliteStore::LatestSchemaVersion());
  auto history = [&](const char* id) {
    absl::StatusOr<std::optional<Customer>> c =
        store_->FindCustomer(id, {Day("2024-11-20"), {}, 60});
    EXPECT_THAT(c.status(), IsOk());
    std::vector<rules::HistoryDay> rows =
        c.ok() && c->has_value() ? (*c)->history : std::vector<rules::HistoryDay>();
    std::sort(rows.begin(), rows.end());
    std::vector<std::string> shown;
    for (const rules::HistoryDay& r : rows) {
      shown.push_back(
          StrCat(r.day.days(), " ", static_cast<int>(r.figure), " ", r.key, "=", r.value));
    }
    return shown;
  };
  EXPECT_THAT(history("c-1"),
              ::testing::ElementsAre("20000 1 =1", "20000 2 =15000", "20000 3 =100", "20027 1 =2",
                                     "20027 2 =30000", "20027 3 =12"));
  EXPECT_THAT(history("c-2"), ::testing::ElementsAre("20028 4 positive_review=2", "20029 4 =1"));
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVersion) {
  store_.reset();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version=999");
  }
  EXPECT_THAT(SqliteStore::Open({path_, 1000, 12}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "schema version 999"));
}

TEST_F(StoreTest, RefusesBadOptionsAndUnopenableFiles) {
  EXPECT_THAT(SqliteStore::Open({"", 1000, 12}),
              StatusIs(absl::StatusCode::kInvalidArgument, "path"));
  EXPECT_THAT(SqliteStore::Open({path_, 1000, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "stats_window_months"));
  EXPECT_THAT(SqliteStore::Open({"/nonexistent-dir/x/clientele.db", 1000, 12}),
              StatusIs(absl::StatusCode::kUnavailable, "cannot open database"));
}

// Served ruleset versions: kept with their files, listed newest first,
// found by a prefix, and each file's bytes stored once however many
// versions share them.
TEST_F(StoreTest, RulesetVersionsAreKeptWithTheirFilesOnce) {
  auto archive = [&](const std::string& version, const std::string& served_at,
                     std::vector<rules::RuleSource> files) {
    return store_->KeepRulesetVersion({version, "/rules", "", served_at, 0, std::move(files)});
  };
  const std::string big(100'000, 'x');
  ASSERT_THAT(archive("aaaa11112222", "2026-12-01T10:00:00Z",
                      {{"/rules/big.yaml", big}, {"/rules/p.yaml", "a: 1"}}),
              IsOk());
  ASSERT_THAT(archive("aaaa33334444", "2026-12-01T10:01:00Z",
                      {{"/rules/big.yaml", big}, {"/rules/p.yaml", "a: 2"}}),
              IsOk());
  ASSERT_THAT(archive("aaaa11112222", "2026-12-01T10:02:00Z",
                      {{"/rules/big.yaml", big}, {"/rules/p.yaml", "a: 1"}}),
              IsOk());  // served again

  absl::StatusOr<std::vector<RulesetVersionRecord>> listed = store_->RulesetVersions(10);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].version, "aaaa11112222");
  EXPECT_EQ((*listed)[0].first_served_at, "2026-12-01T10:00:00Z");
  EXPECT_EQ((*listed)[0].last_served_at, "2026-12-01T10:02:00Z");
  EXPECT_EQ((*listed)[0].times_served, 2);
  EXPECT_TRUE((*listed)[0].files.empty());
  EXPECT_EQ((*listed)[1].version, "aaaa33334444");

  absl::StatusOr<std::optional<RulesetVersionRecord>> found =
      store_->FindRulesetVersion("aaaa3333");
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  ASSERT_EQ((*found)->files.size(), 2u);
  EXPECT_EQ((*found)->files[0].path, "big.yaml");
  EXPECT_EQ((*found)->files[0].content, big);
  EXPECT_EQ((*found)->files[1].content, "a: 2");
  EXPECT_THAT(store_->FindRulesetVersion("aaaa"),
              StatusIs(absl::StatusCode::kInvalidArgument, "ambiguous"));
  absl::StatusOr<std::optional<RulesetVersionRecord>> none = store_->FindRulesetVersion("bbbb");
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  absl::StatusOr<std::optional<RulesetVersionRecord>> wildcard = store_->FindRulesetVersion("a%");
  ASSERT_THAT(wildcard, IsOk());
  EXPECT_FALSE(wildcard->has_value()) << "a prefix is hex, never a LIKE pattern";

  store_.reset();
  SQLite::Database db(path_);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM ruleset_contents").getInt(), 3)
      << "big.yaml once, p.yaml twice";
}

// A backup is a whole database of the same schema, opened as any store
// is; an existing file is never overwritten.
TEST_F(StoreTest, BackupIsACheckedCopyThatOpensAsAStore) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  ASSERT_THAT(Buy("c-1", "p-1", "120.00", "2026-11-20", 12), IsOk());
  const std::string copy = path_ + ".backup";
  absl::StatusOr<BackupRecord> record = store_->BackupTo(copy);
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->customers, 2);
  EXPECT_EQ(record->schema_version, SqliteStore::LatestSchemaVersion());
  EXPECT_EQ(record->size_bytes, static_cast<int64_t>(std::filesystem::file_size(copy)));
  // Writes after the backup are not in it.
  AddCustomer("c-3");

  EXPECT_THAT(store_->BackupTo(copy).status(),
              StatusIs(absl::StatusCode::kAlreadyExists, "already exists"));
  EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(copy)), record->size_bytes);
  EXPECT_THAT(store_->BackupTo(path_ + ".missing-dir/b.db").status(),
              StatusIs(absl::StatusCode::kInternal, "writing the backup"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".missing-dir/b.db"));

  {
    absl::StatusOr<std::unique_ptr<Store>> restored = SqliteStore::Open({copy});
    ASSERT_THAT(restored, IsOk());
    EXPECT_EQ(*(*restored)->CountCustomers(), 2);
    absl::StatusOr<std::optional<Customer>> c1 =
        (*restored)->FindCustomer("c-1", {Day("2026-11-24"), {}});
    ASSERT_THAT(c1, IsOk());
    ASSERT_TRUE(c1->has_value());
    EXPECT_EQ((*c1)->points, 12);
    EXPECT_EQ((*restored)->Ledger("c-1")->size(), 1u);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix);
}

}  // namespace
}  // namespace clientele::server
