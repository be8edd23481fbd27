// Expiry of idempotency keys: the store removes the oldest keys recorded
// before a cutoff, at most a given number, stopping at the first key young
// enough; KeyRetention does that at the start and every interval, batch
// by batch, and a retry with an expired key runs as a new request while
// one with a kept key still gets the first answer. End to end: clienteled
// with idempotency_key_days expires old keys when it starts; a purchase
// retried after that is still refused by its purchase_id.
#include "server/key_retention.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite/sqlite_store.h"
#include "server/store/store.h"
#include "tests/support/server_fixture.h"

namespace clientele::server {
namespace {

using std::chrono::system_clock;

// Backdates the keys of `database` (as if recorded long ago), through a
// connection of the test's own.
void MakeOld(const std::string& database, const std::vector<std::string>& keys) {
  SQLite::Database db(database, SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  for (const std::string& key : keys) {
    SQLite::Statement s(db, "UPDATE idempotency_keys SET recorded_at = ? WHERE key = ?");
    s.bind(1, "2020-01-01T00:00:00Z");
    s.bind(2, key);
    ASSERT_EQ(s.exec(), 1) << key;
  }
}

// Waits up to 10 s for `done`.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class KeyRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("key-retention-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    SqliteStoreOptions options;
    options.path = (directory_ / "keys.db").string();
    options.sync_every_commit = false;
    absl::StatusOr<std::unique_ptr<Store>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  // A write under `key` whose answer is "<key>#<n>", n counting the writes
  // made: a retry that gets the first answer back made no write.
  std::string WriteWithKey(const std::string& key) {
    absl::StatusOr<std::string> answer = store_->Write(
        {key, "Test", "same request"}, [&](Transaction&) -> absl::StatusOr<std::string> {
          return key + "#" + std::to_string(++writes_made_);
        });
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.value_or("");
  }

  int64_t Remove(system_clock::time_point cutoff, int64_t limit) {
    int64_t removed = -1;
    absl::StatusOr<std::string> written =
        store_->Write({"", "Test", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<int64_t> n = tx.RemoveIdempotencyKeysBefore(cutoff, limit);
          if (!n.ok()) return n.status();
          removed = *n;
          return std::string();
        });
    EXPECT_TRUE(written.ok()) << written.status();
    return removed;
  }

  void MakeOld(const std::vector<std::string>& keys) {
    ::clientele::server::MakeOld((directory_ / "keys.db").string(), keys);
  }

  std::filesystem::path directory_;
  std::unique_ptr<Store> store_;
  int writes_made_ = 0;
};

TEST_F(KeyRetentionTest, RemovesTheOldestKeysUpToTheLimitAndStopsAtTheFirstYoungOne) {
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) WriteWithKey(key);
  ASSERT_EQ(writes_made_, 5);

  // Nothing is older than an hour ago: every retry gets its first answer.
  EXPECT_EQ(Remove(system_clock::now() - std::chrono::hours(1), 100), 0);
  EXPECT_EQ(WriteWithKey("k1"), "k1#1");

  // k1, k2 and k4 long ago, k3 just now: the removal stops at k3, so k4
  // waits for the next one although it is old.
  MakeOld({"k1", "k2", "k4"});
  EXPECT_EQ(Remove(system_clock::now() - std::chrono::hours(24), 100), 2);
  EXPECT_EQ(WriteWithKey("k1"), "k1#6");  // expired: made again
  EXPECT_EQ(WriteWithKey("k3"), "k3#3");  // kept
  EXPECT_EQ(WriteWithKey("k4"), "k4#4");  // kept, behind the young k3

  // A cutoff after everything removes the oldest `limit` keys per call.
  EXPECT_EQ(Remove(system_clock::now() + std::chrono::hours(1), 2), 2);  // k3, k4
  EXPECT_EQ(WriteWithKey("k5"), "k5#5");
  EXPECT_EQ(Remove(system_clock::now() + std::chrono::hours(1), 100), 2);  // k5, the new k1
  EXPECT_EQ(Remove(system_clock::now() + std::chrono::hours(1), 100), 0);  // none left
  EXPECT_EQ(WriteWithKey("k3"), "k3#7");
}

TEST_F(KeyRetentionTest, RemovesWhatExpiredAtTheStartBatchByBatch) {
  std::vector<std::string> old;
  for (int i = 0; i < 7; ++i) {
    old.push_back("old-" + std::to_string(i));
    WriteWithKey(old.back());
  }
  WriteWithKey("young");
  MakeOld(old);
  KeyRetentionOptions options;
  options.max_age = std::chrono::hours(24);
  options.interval = std::chrono::hours(1);  // only the pass at the start
  options.batch = 3;                         // 7 keys: three writes
  KeyRetention retention(store_.get(), options);
  ASSERT_TRUE(Eventually([&] { return retention.passes() >= 1; }));
  EXPECT_EQ(retention.removed(), 7);
  retention.Stop();
  EXPECT_EQ(WriteWithKey("young"), "young#8");
  EXPECT_EQ(WriteWithKey("old-0"), "old-0#9");
}

TEST_F(KeyRetentionTest, RemovesAgainEveryInterval) {
  KeyRetentionOptions options;
  options.max_age = std::chrono::hours(24);
  options.interval = std::chrono::milliseconds(20);
  KeyRetention retention(store_.get(), options);
  ASSERT_TRUE(Eventually([&] { return retention.passes() >= 1; }));
  WriteWithKey("k1");
  MakeOld({"k1"});
  ASSERT_TRUE(Eventually([&] { return retention.removed() == 1; }));
  EXPECT_EQ(WriteWithKey("k1"), "k1#2");
}

TEST_F(KeyRetentionTest, WithoutAnAgeEveryKeyIsKept) {
  WriteWithKey("k1");
  MakeOld({"k1"});
  {
    KeyRetentionOptions options;  // max_age 0
    options.interval = std::chrono::milliseconds(1);
    KeyRetention retention(store_.get(), options);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(retention.passes(), 0);
    EXPECT_EQ(retention.removed(), 0);
  }
  EXPECT_EQ(WriteWithKey("k1"), "k1#1");
}

// A replica that does not hold the lead leaves the keys to the one that
// does, and removes them once it holds it.
TEST_F(KeyRetentionTest, OnlyTheReplicaThatLeadsRemovesKeys) {
  WriteWithKey("k1");
  MakeOld({"k1"});
  std::atomic<bool> leads = false;
  KeyRetentionOptions options;
  options.max_age = std::chrono::hours(24);
  options.interval = std::chrono::milliseconds(5);
  options.leads = [&] { return leads.load(); };
  KeyRetention retention(store_.get(), options);
  ASSERT_TRUE(Eventually([&] { return retention.passes() >= 3; }));
  EXPECT_EQ(retention.removed(), 0);
  leads = true;
  ASSERT_TRUE(Eventually([&] { return retention.removed() == 1; }));
  retention.Stop();
  EXPECT_EQ(WriteWithKey("k1"), "k1#2");
}

TEST_F(KeyRetentionTest, StopMayBeCalledTwiceAndEndsThePasses) {
  KeyRetentionOptions options;
  options.max_age = std::chrono::hours(24);
  options.interval = std::chrono::milliseconds(5);
  KeyRetention retention(store_.get(), options);
  ASSERT_TRUE(Eventually([&] { return retention.passes() >= 2; }));
  retention.Stop();
  retention.Stop();
  const int64_t passes = retention.passes();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(retention.passes(), passes);
}

// --- Through the real server ---------------------------------------------

class KeyExpiryServerTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer("idempotency_key_days: 7\n")); }

  bool KeyStored(const std::string& key) {
    SQLite::Database db(server_.database(), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement s(db, "SELECT count(*) FROM idempotency_keys WHERE key = ?");
    s.bind(1, key);
    return s.executeStep() && s.getColumn(0).getInt() == 1;
  }
};

TEST_F(KeyExpiryServerTest, AnExpiredKeyRunsAsANewRequestAndAPurchaseStaysSingle) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "upsert-1", &upserted).ok());
  v1::RecordInteractionResponse review;
  ASSERT_TRUE(Interaction("c-1", "好评", "review-1", &review).ok());
  ASSERT_TRUE(Interaction("c-1", "好评", "review-1", &review).ok());  // a retry
  EXPECT_EQ(Get("c-1").interaction_count(), 1);
  v1::RecordPurchaseResponse bought;
  ASSERT_TRUE(Purchase("c-1", "P-1", "100", "purchase-1", &bought).ok());
  const int64_t balance = Get("c-1").points();

  // Eight days later, as far as the keys can tell.
  ASSERT_EQ(StopServer(), 0);
  MakeOld(server_.database(), {"upsert-1", "review-1", "purchase-1"});
  server_.set_log_level("info");
  ASSERT_NO_FATAL_FAILURE(StartServer("idempotency_key_days: 7\n"));
  ASSERT_TRUE(Eventually([&] { return !KeyStored("purchase-1"); }));
  EXPECT_FALSE(KeyStored("upsert-1"));
  EXPECT_FALSE(KeyStored("review-1"));

  ASSERT_TRUE(Interaction("c-1", "好评", "review-1", &review).ok());
  EXPECT_EQ(Get("c-1").interaction_count(), 2);  // made again
  const grpc::Status retried = Purchase("c-1", "P-1", "100", "purchase-1", &bought);
  EXPECT_EQ(retried.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(retried.error_message(),
              ::testing::HasSubstr("purchase_id 'P-1' is already recorded"));
  EXPECT_EQ(Get("c-1").points(), balance);  // no point twice
  EXPECT_TRUE(Eventually([&] {              // logged just after the commit polled for above
    return server_.ReadLog().find("idempotency_keys_expired keys=3") != std::string::npos;
  }));
}

}  // namespace
}  // namespace clientele::server
