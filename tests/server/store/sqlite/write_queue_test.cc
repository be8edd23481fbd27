// The store's queued writes (SqliteStore::Submit): the writer thread, group
// commit, deadlines, the completion thread and the drain at destruction.
// No gRPC here, so that scripts/test.sh can run it under ThreadSanitizer.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using Clock = std::chrono::system_clock;

const rules::Date kToday = *rules::Date::Parse("2026-12-02");

// Counts the WriteDone calls it hands out, and waits for them.
class Outcomes {
 public:
  Store::WriteDone Collect(std::string key) {
    return [this, key = std::move(key)](absl::StatusOr<std::string> outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_[key];
      results_.emplace(key, std::move(outcome));
      threads_.insert(std::this_thread::get_id());
      changed_.notify_all();
    };
  }
  // Waits until `count` outcomes arrived (at most 60 s).
  bool WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60),
                             [&] { return results_.size() >= count; });
  }
  std::map<std::string, absl::StatusOr<std::string>> results() {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_;
  }
  std::map<std::string, int> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, absl::StatusOr<std::string>> results_;  // guarded by mutex_
  std::map<std::string, int> calls_;                              // guarded by mutex_
  std::set<std::thread::id> threads_;                             // guarded by mutex_
};

// A write that stores customer `id` and answers "stored <id>".
Store::WriteFunction AddCustomer(std::string id) {
  return [id = std::move(id)](Transaction& tx) -> absl::StatusOr<std::string> {
    rules::Customer customer;
    customer.id = id;
    customer.name = "王五";
    if (absl::StatusOr<bool> created =
            tx.UpsertCustomerProfile(customer, rules::Date::FromDays(20000));
        !created.ok()) {
      return created.status();
    }
    return "stored " + id;
  };
}

class StoreWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    path_ = (std::filesystem::temp_directory_path() /
             ("clientele-writes-" + std::to_string(random()) + ".db"))
                .string();
    Open();
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void Open() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> opened = SqliteStore::Open({path_, 1000, 12, false});
    ASSERT_THAT(opened, IsOk());
    store_ = std::move(*opened);
  }
  bool Stored(const std::string& id) {
    absl::StatusOr<std::optional<rules::Customer>> found = store_->FindCustomer(id, {kToday, {}});
    return found.ok() && found->has_value();
  }

  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreWritesTest, DoneGetsTheAnswerOnAnotherThreadOnceCommitted) {
  Outcomes outcomes;
  store_->Submit({"k-1", "Test", "f-1"}, Store::Deadline::max(), AddCustomer("c-1"),
                 outcomes.Collect("k-1"));
  ASSERT_TRUE(outcomes.WaitFor(1));
  ASSERT_THAT(outcomes.results().at("k-1"), IsOk());
  EXPECT_EQ(*outcomes.results().at("k-1"), "stored c-1");
  EXPECT_FALSE(outcomes.threads().contains(std::this_thread::get_id()));
  EXPECT_TRUE(Stored("c-1"));  // committed before done ran

  // A retry through either path gets the first answer without running.
  absl::StatusOr<std::string> retry =
      store_->Write({"k-1", "Test", "f-1"}, [](Transaction&) -> absl::StatusOr<std::string> {
        return absl::InternalError("ran twice");
      });
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(*retry, "stored c-1");
}

TEST_F(StoreWritesTest, AWriteWhoseDeadlineHasPassedIsNotRun) {
  Outcomes outcomes;
  std::atomic<bool> ran{false};
  store_->Submit(
      {"k-late", "Test", "f"}, Clock::now() - std::chrono::seconds(1),
      [&ran](Transaction& tx) -> absl::StatusOr<std::string> {
        ran = true;
        return AddCustomer("c-late")(tx);
      },
      outcomes.Collect("k-late"));
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_THAT(outcomes.results().at("k-late").status(),
              StatusIs(absl::StatusCode::kDeadlineExceeded, "deadline passed"));
  EXPECT_FALSE(ran);
  EXPECT_FALSE(Stored("c-late"));
  // The key stays unused: the same request with time left is made.
  absl::StatusOr<std::string> again =
      store_->Write({"k-late", "Test", "f"}, [](Transaction& tx) {
        return AddCustomer("c-late")(tx);
      });
  EXPECT_THAT(again, IsOk());
  EXPECT_TRUE(Stored("c-late"));
}

// Many submitters at once: every write gets exactly one outcome, failed
// writes leave nothing, and the others are all there.
TEST_F(StoreWritesTest, ConcurrentSubmittersEachGetTheirOwnOutcomeOnce) {
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 150;
  Outcomes outcomes;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const std::string id = "c-" + std::to_string(t) + "-" + std::to_string(i);
        Store::WriteFunction write = AddCustomer(id);
        if (i % 7 == 6) {  // stores, then fails: its savepoint must go
          write = [id](Transaction& tx) -> absl::StatusOr<std::string> {
            if (absl::StatusOr<std::string> stored = AddCustomer(id)(tx); !stored.ok()) {
              return stored.status();
            }
            return absl::FailedPreconditionError("asked to fail");
          };
        }
        store_->Submit({id, "Test", id}, Store::Deadline::max(), std::move(write),
                       outcomes.Collect(id));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(outcomes.WaitFor(kThreads * kWritesPerThread));

  int failed = 0;
  for (const auto& [id, outcome] : outcomes.results()) {
    const bool asked_to_fail = std::stoi(id.substr(id.rfind('-') + 1)) % 7 == 6;
    if (asked_to_fail) {
      EXPECT_THAT(outcome.status(), StatusIs(absl::StatusCode::kFailedPrecondition, "asked to fail")) << id;
      EXPECT_FALSE(Stored(id)) << id;
      ++failed;
    } else {
      ASSERT_THAT(outcome, IsOk()) << id;
      EXPECT_EQ(*outcome, "stored " + id);
    }
  }
  for (const auto& [id, calls] : outcomes.calls()) EXPECT_EQ(calls, 1) << id;
  EXPECT_EQ(failed, kThreads * (kWritesPerThread / 7));
  EXPECT_EQ(*store_->CountCustomers(), kThreads * kWritesPerThread - failed);
}

// A blocking Write and queued ones interleave: each waits only for its own.
TEST_F(StoreWritesTest, BlockingWritesAndQueuedWritesGoTogether) {
  Outcomes outcomes;
  std::thread blocking([&] {
    for (int i = 0; i < 100; ++i) {
      const std::string id = "w-" + std::to_string(i);
      absl::StatusOr<std::string> answer =
          store_->Write({id, "Test", id}, [&](Transaction& tx) { return AddCustomer(id)(tx); });
      EXPECT_THAT(answer, IsOk());
    }
  });
  for (int i = 0; i < 100; ++i) {
    const std::string id = "s-" + std::to_string(i);
    store_->Submit({id, "Test", id}, Store::Deadline::max(), AddCustomer(id),
                   outcomes.Collect(id));
  }
  blocking.join();
  ASSERT_TRUE(outcomes.WaitFor(100));
  EXPECT_EQ(*store_->CountCustomers(), 200);
}

// Destroying the store commits what is still queued and calls every done
// before the database closes.
TEST_F(StoreWritesTest, DestroyingTheStoreFinishesTheQueuedWrites) {
  constexpr int kWrites = 300;
  Outcomes outcomes;
  for (int i = 0; i < kWrites; ++i) {
    const std::string id = "q-" + std::to_string(i);
    store_->Submit({id, "Test", id}, Store::Deadline::max(), AddCustomer(id),
                   outcomes.Collect(id));
  }
  store_.reset();
  EXPECT_EQ(outcomes.results().size(), static_cast<size_t>(kWrites));  // no wait needed
  for (const auto& [id, outcome] : outcomes.results()) EXPECT_THAT(outcome, IsOk()) << id;
  Open();
  EXPECT_EQ(*store_->CountCustomers(), kWrites);
}

// A backup taken while purchases keep committing is one moment: every
// balance in it equals its ledger, every purchase acknowledged before the
// backup began is in it, and none that started after it ended.
TEST_F(StoreWritesTest, ABackupDuringPurchasesIsOneConsistentMoment) {
  constexpr int kCustomers = 20000;  // so that the copy takes a while
  ASSERT_THAT(store_->Write({"bulk", "Test", "bulk"},
                            [](Transaction& tx) -> absl::StatusOr<std::string> {
                              for (int i = 0; i < kCustomers; ++i) {
                                rules::Customer c;
                                c.id = "c-" + std::to_string(i);
                                c.name = "客户" + std::to_string(i);
                                if (absl::StatusOr<bool> s =
                                        tx.UpsertCustomerProfile(c, rules::Date::FromDays(20000));
                                    !s.ok()) {
                                  return s.status();
                                }
                              }
                              return std::string("ok");
                            }),
              IsOk());
  constexpr int kBuyers = 4;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> buyers;
  for (int b = 0; b < kBuyers; ++b) {
    buyers.emplace_back([&, b] {
      for (int n = 0; !stop; ++n) {
        const std::string id = "p-" + std::to_string(b) + "-" + std::to_string(n);
        PurchaseRecord purchase;
        purchase.purchase_id = id;
        purchase.customer_id = "c-" + std::to_string((b * 7 + n) % 50);
        purchase.amount = rules::Decimal::FromInteger(100);
        purchase.day = kToday;
        purchase.points_earned = 10;
        LedgerEntry points;
        points.customer_id = purchase.customer_id;
        points.delta = 10;
        points.reason = "purchase";
        points.source = "purchase:" + id;
        absl::StatusOr<std::string> done =
            store_->Write({id, "Test", id}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
              absl::StatusOr<int64_t> entry = tx.InsertPurchase(purchase, points, std::nullopt);
              if (!entry.ok()) return entry.status();
              return id;
            });
        ASSERT_THAT(done, IsOk());
        ++acknowledged;
      }
    });
  }
  while (acknowledged < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string copy = path_ + ".backup";
  const int before = acknowledged;
  absl::StatusOr<BackupRecord> backup = store_->BackupTo(copy);
  const int after = acknowledged;
  stop = true;
  for (std::thread& t : buyers) t.join();
  ASSERT_THAT(backup, IsOk());
  EXPECT_EQ(backup->customers, kCustomers);
  EXPECT_GT(after, before) << "no purchase committed while the backup ran";

  absl::StatusOr<std::unique_ptr<Store>> restored = SqliteStore::Open({copy});
  ASSERT_THAT(restored, IsOk());
  absl::StatusOr<std::vector<PurchaseRecord>> purchases = (*restored)->Purchases("");
  ASSERT_THAT(purchases, IsOk());
  EXPECT_GE(static_cast<int>(purchases->size()), before);
  EXPECT_LE(static_cast<int>(purchases->size()), after + kBuyers);
  for (int c = 0; c < 50; ++c) {
    const std::string id = "c-" + std::to_string(c);
    absl::StatusOr<std::vector<LedgerEntry>> ledger = (*restored)->Ledger(id);
    ASSERT_THAT(ledger, IsOk());
    int64_t sum = 0;
    for (const LedgerEntry& e : *ledger) sum += e.delta;
    absl::StatusOr<std::optional<rules::Customer>> customer =
        (*restored)->FindCustomer(id, {kToday, {}});
    ASSERT_THAT(customer, IsOk());
    ASSERT_TRUE(customer->has_value());
    EXPECT_EQ((*customer)->points, sum) << id;
  }
  restored->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix);
}

}  // namespace
}  // namespace clientele::server
