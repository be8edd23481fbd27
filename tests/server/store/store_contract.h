// The store contract's tests (server/store/store.h), for every
// implementation: what any Store must do, through the contract alone.
// An implementation's test file instantiates them with a factory that
// opens a fresh store (tests/server/store/sqlite/sqlite_store_test.cc:
// INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ...)) and links
// tests/server/store/store_contract.cc, which holds the tests. StoreTestBase
// gives an implementation's own tests the same helpers.
#ifndef CLIENTELE_TESTS_SERVER_STORE_STORE_CONTRACT_H_
#define CLIENTELE_TESTS_SERVER_STORE_STORE_CONTRACT_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/store.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {

// Opens a store in `directory` (empty, made for the test; the same one
// when a test reopens its store) whose purchase stats cover
// `window_months` months.
using StoreOpener = std::function<absl::StatusOr<std::unique_ptr<Store>>(
    const std::filesystem::path& directory, int window_months)>;

// A fresh store in a temporary directory, with helpers to write to it.
class StoreTestBase : public ::testing::Test {
 protected:
  explicit StoreTestBase(StoreOpener open) : open_(std::move(open)) {}

  void SetUp() override {
    std::random_device random;
    directory_ =
        std::filesystem::temp_directory_path() / ("clientele-store-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  // Closes the store and opens it again on the same data.
  void Reopen(int window_months = 12) {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> opened = open_(directory_, window_months);
    ASSERT_THAT(opened, ::clientele::testing::IsOk());
    store_ = std::move(*opened);
  }

  // Writes with a fresh key: `write` returns a status, the response is "ok".
  absl::Status Do(const std::string& key, const std::function<absl::Status(Transaction&)>& write) {
    return store_
        ->Write({key, "Test", key},
                [&](Transaction& tx) -> absl::StatusOr<std::string> {
                  absl::Status s = write(tx);
                  if (!s.ok()) return s;
                  return std::string("ok");
                })
        .status();
  }

  // The day profile writes are made on, when a test does not care which.
  static rules::Date Today() { return *rules::Date::Parse("2026-12-06"); }

  void AddCustomer(const std::string& id) {
    rules::Customer c;
    c.id = id;
    c.name = "张三";
    ASSERT_THAT(Do("add-" + id,
                   [&](Transaction& tx) { return tx.UpsertCustomerProfile(c, Today()).status(); }),
                ::clientele::testing::IsOk());
  }

  absl::Status Buy(const std::string& customer, const std::string& purchase, const char* amount,
                   const char* day, int64_t points) {
    PurchaseRecord p;
    p.purchase_id = purchase;
    p.customer_id = customer;
    p.amount = *rules::Decimal::Parse(amount);
    p.day = *rules::Date::Parse(day);
    p.points_earned = points;
    LedgerEntry e;
    e.customer_id = customer;
    e.delta = points;
    e.reason = "purchase";
    e.source = "purchase:" + purchase;
    return Do("buy-" + purchase, [&](Transaction& tx) -> absl::Status {
      return tx.InsertPurchase(p, e, std::nullopt).status();
    });
  }

  const StoreOpener open_;
  std::filesystem::path directory_;
  std::unique_ptr<Store> store_;
};

struct StoreImplementation {
  std::string name;  // for the test names: "Sqlite"
  StoreOpener open;
};

class StoreContractTest : public StoreTestBase,
                          public ::testing::WithParamInterface<StoreImplementation> {
 protected:
  StoreContractTest() : StoreTestBase(GetParam().open) {}
};

}  // namespace clientele::server

#endif  // CLIENTELE_TESTS_SERVER_STORE_STORE_CONTRACT_H_
