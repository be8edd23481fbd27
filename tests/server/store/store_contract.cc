// The store contract's tests (see store_contract.h): idempotent writes,
// rollback of a failed write, reads beside writes, the ledger/balance
// invariant, windowed purchase stats, deletes that take a customer's
// records with them, listing and scanning.
#include "tests/server/store/store_contract.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <thread>

#include "common/strings.h"
#include "rules/history.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Customer;
using rules::Date;
using rules::Decimal;

Date Day(const char* text) { return *Date::Parse(text); }

// A ledger entry of one point for customer c-1.
LedgerEntry OnePointOfC1(const std::string& source) {
  LedgerEntry e;
  e.customer_id = "c-1";
  e.delta = 1;
  e.source = source;
  return e;
}

// Calls write(thread, i) for i = 0 .. per_thread - 1 on each of `threads`
// threads at once, and waits for them all.
void OnThreads(int threads, int per_thread, const std::function<void(int, int)>& write) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&write, t, per_thread] {
      for (int i = 0; i < per_thread; ++i) write(t, i);
    });
  }
  for (std::thread& thread : running) thread.join();
}

TEST_P(StoreContractTest, ASeenKeyReturnsTheStoredResponseWithoutRunningTheWrite) {
  int runs = 0;
  auto write = [&](Transaction&) -> absl::StatusOr<std::string> {
    ++runs;
    return std::string("first answer");
  };
  EXPECT_EQ(*store_->Write({"k", "M", "f1"}, write), "first answer");
  EXPECT_EQ(*store_->Write({"k", "M", "f1"}, write), "first answer");
  EXPECT_EQ(runs, 1);
  EXPECT_THAT(store_->Write({"k", "M", "f2"}, write),
              StatusIs(absl::StatusCode::kAlreadyExists, "different request"));
  EXPECT_THAT(store_->Write({"k", "Other", "f1"}, write),
              StatusIs(absl::StatusCode::kAlreadyExists, "different request"));
  EXPECT_EQ(runs, 1);
}

TEST_P(StoreContractTest, AFailedWriteLeavesNoTraceAndFreesItsKey) {
  AddCustomer("c-1");
  absl::Status failed = Do("k", [&](Transaction& tx) -> absl::Status {
    LedgerEntry e;
    e.customer_id = "c-1";
    e.delta = 50;
    if (absl::StatusOr<int64_t> id = tx.AppendLedger(e); !id.ok()) return id.status();
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kFailedPrecondition, "changed my mind"));
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points, 0);
  EXPECT_TRUE(store_->Ledger("c-1")->empty());
  // The key was not consumed: the same key can now succeed.
  EXPECT_THAT(Do("k", [](Transaction&) { return absl::OkStatus(); }), IsOk());
}

// Group commit: writes from many threads at once go together into
// transactions, yet each keeps its own outcome: a failing write leaves no
// trace, a repeated key returns the first answer, the rest all land.
TEST_P(StoreContractTest, ConcurrentWritesEachKeepTheirOwnOutcome) {
  AddCustomer("c-1");
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 40;
  std::atomic<int> failed_as_asked{0};
  OnThreads(kThreads, kWritesPerThread, [&](int t, int i) {
    const std::string key = "k-" + std::to_string(t) + "-" + std::to_string(i);
    const bool fail = i % 5 == 4;
    absl::StatusOr<std::string> answer =
        store_->Write({key, "Test", key}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          const LedgerEntry e = OnePointOfC1(key);
          if (absl::StatusOr<int64_t> id = tx.AppendLedger(e); !id.ok()) return id.status();
          if (fail) return absl::FailedPreconditionError("asked to fail");
          return "answer " + key;
        });
    if (fail) {
      if (absl::IsFailedPrecondition(answer.status())) ++failed_as_asked;
      return;
    }
    EXPECT_THAT(answer, IsOk());
    if (answer.ok()) {
      EXPECT_EQ(*answer, "answer " + key);
    }
    // The retry is answered from the first write, without running it.
    absl::StatusOr<std::string> retry =
        store_->Write({key, "Test", key}, [](Transaction&) -> absl::StatusOr<std::string> {
          return absl::InternalError("ran twice");
        });
    EXPECT_THAT(retry, IsOk());
    if (retry.ok()) {
      EXPECT_EQ(*retry, "answer " + key);
    }
  });
  const int succeeded = kThreads * kWritesPerThread * 4 / 5;
  EXPECT_EQ(failed_as_asked.load(), kThreads * kWritesPerThread / 5);
  EXPECT_EQ(store_->Ledger("c-1")->size(), static_cast<size_t>(succeeded));
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points, succeeded);
}

// A change that finds no row is NOT_FOUND for its write alone, whether
// the backend knows at once (SQLite) or only when it sends the change
// with a later statement or at the write's end (PostgreSQL holds it):
// the write leaves no trace, the writes grouped with it all land.
TEST_P(StoreContractTest, AChangeThatFindsNoRowFailsItsOwnWriteOnly) {
  AddCustomer("c-1");
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 30;
  std::atomic<int> not_found{0};
  OnThreads(kThreads, kWritesPerThread, [&](int t, int i) {
    const std::string key = StrCat("k-", t, "-", i);
    // 1 in 5 updates a lot that is not there: last, or before more.
    const int missing = i % 5 == 4 ? 1 : i % 5 == 2 ? 2 : 0;
    absl::StatusOr<std::string> answer =
        store_->Write({key, "Test", key}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          const LedgerEntry e = OnePointOfC1(key);
          if (absl::StatusOr<int64_t> id = tx.AppendLedger(e); !id.ok()) return id.status();
          if (missing > 0) {
            PointLotRecord lot;
            lot.id = 900000 + t;
            lot.customer_id = "c-1";
            if (absl::Status s = tx.UpdateLot(lot); !s.ok()) return s;
          }
          if (missing == 2) {
            if (absl::StatusOr<int64_t> id = tx.AppendLedger(e); !id.ok()) return id.status();
          }
          return "answer " + key;
        });
    if (missing > 0) {
      EXPECT_THAT(answer, StatusIs(absl::StatusCode::kNotFound,
                                   StrCat("points lot ", 900000 + t, " not found")));
      if (absl::IsNotFound(answer.status())) ++not_found;
      return;
    }
    EXPECT_THAT(answer, IsOk());
  });
  const int failing = kThreads * kWritesPerThread * 2 / 5;
  EXPECT_EQ(not_found.load(), failing);
  const int succeeded = kThreads * kWritesPerThread - failing;
  EXPECT_EQ(store_->Ledger("c-1")->size(), static_cast<size_t>(succeeded));
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points, succeeded);
}

// Reads have connections of their own: a read during a write does not
// wait for it, and sees the state before the write commits.
TEST_P(StoreContractTest, ReadsDoNotWaitForAWriteInProgress) {
  AddCustomer("c-1");
  std::future<int64_t> points_seen;
  std::future_status finished_during_write = std::future_status::timeout;
  ASSERT_THAT(Do("slow",
                 [&](Transaction& tx) -> absl::Status {
                   LedgerEntry e;
                   e.customer_id = "c-1";
                   e.delta = 7;
                   if (absl::StatusOr<int64_t> id = tx.AppendLedger(e); !id.ok())
                     return id.status();
                   points_seen = std::async(std::launch::async, [&] {
                     return (*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points;
                   });
                   finished_during_write = points_seen.wait_for(std::chrono::seconds(10));
                   return absl::OkStatus();
                 }),
              IsOk());
  EXPECT_EQ(finished_during_write, std::future_status::ready);
  EXPECT_EQ(points_seen.get(), 0);  // the write had not committed yet
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points, 7);
}

TEST_P(StoreContractTest, PurchaseForAnUnknownCustomerFailsWhole) {
  EXPECT_THAT(Buy("nobody", "p-1", "10", "2026-11-01", 20),
              StatusIs(absl::StatusCode::kNotFound, "nobody"));
  EXPECT_TRUE(store_->Purchases("")->empty());
}

TEST_P(StoreContractTest, BalanceEqualsTheLedgerSum) {
  AddCustomer("c-1");
  ASSERT_THAT(Buy("c-1", "p-1", "600", "2026-11-01", 100), IsOk());
  ASSERT_THAT(Buy("c-1", "p-2", "350", "2026-11-02", 50), IsOk());
  ASSERT_THAT(Do("fix",
                 [](Transaction& tx) {
                   LedgerEntry e;
                   e.customer_id = "c-1";
                   e.delta = -30;
                   e.reason = "correction";
                   return tx.AppendLedger(e).status();
                 }),
              IsOk());
  std::vector<LedgerEntry> ledger = *store_->Ledger("c-1");
  ASSERT_EQ(ledger.size(), 3u);
  int64_t sum = 0;
  for (const LedgerEntry& e : ledger) sum += e.delta;
  EXPECT_EQ(sum, 120);
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->points, 120);
  EXPECT_EQ(ledger[0].source, "purchase:p-1");
  EXPECT_LT(ledger[0].id, ledger[1].id);
}

TEST_P(StoreContractTest, PurchaseStatsCountOnlyTheWindowTotalsCountEverything) {
  AddCustomer("c-1");
  ASSERT_THAT(Buy("c-1", "old", "1000", "2025-11-30", 0), IsOk());  // 12 months back: outside
  ASSERT_THAT(Buy("c-1", "p-1", "100", "2025-12-01", 0), IsOk());   // oldest month inside
  ASSERT_THAT(Buy("c-1", "p-2", "200.5", "2026-11-24", 0), IsOk());
  Customer c = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(c.purchase_frequency, 2);
  EXPECT_EQ(c.average_purchase_amount, *Decimal::Parse("150.25"));
  EXPECT_EQ(c.total_spent, *Decimal::Parse("1300.5"));
  EXPECT_EQ(c.last_purchase_at, Day("2026-11-24"));

  Reopen(1);  // this month only
  c = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(c.purchase_frequency, 1);
  EXPECT_EQ(c.average_purchase_amount, *Decimal::Parse("200.5"));
}

TEST_P(StoreContractTest, ATakenBackPurchaseLeavesTheStatsOnce) {
  AddCustomer("c-1");
  ASSERT_THAT(Buy("c-1", "p-1", "100", "2026-10-01", 0), IsOk());
  ASSERT_THAT(Buy("c-1", "p-2", "300", "2026-11-20", 0), IsOk());
  auto take_back = [&](const std::string& key) {
    return Do(key, [](Transaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<PurchaseRecord>> found = tx.FindPurchase("p-2");
      if (!found.ok()) return found.status();
      if (!found->has_value()) return absl::NotFoundError("p-2");
      return tx.MarkReturned(**found, "return");
    });
  };
  ASSERT_THAT(take_back("r-1"), IsOk());
  Customer c = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(c.purchase_frequency, 1);
  EXPECT_EQ(c.total_spent, *Decimal::Parse("100"));
  EXPECT_EQ(c.average_purchase_amount, *Decimal::Parse("100"));
  EXPECT_EQ(c.last_purchase_at, Day("2026-10-01"));
  EXPECT_EQ((*store_->Purchases("c-1"))[1].returned_kind, "return");

  EXPECT_THAT(take_back("r-2"), StatusIs(absl::StatusCode::kFailedPrecondition, "already"));
  c = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(c.purchase_frequency, 1);
  EXPECT_EQ(c.total_spent, *Decimal::Parse("100"));
}

// Stats given on import (from another system) stand while the customer
// has no recorded purchase; recorded purchases replace them.
TEST_P(StoreContractTest, ImportedStatsStandUntilPurchasesAreRecorded) {
  Customer c;
  c.id = "c-1";
  c.purchase_frequency = 12;
  c.average_purchase_amount = *Decimal::Parse("1200.5");
  ASSERT_THAT(
      Do("add", [&](Transaction& tx) { return tx.UpsertCustomerProfile(c, Today()).status(); }),
      IsOk());
  Customer found = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(found.purchase_frequency, 12);
  EXPECT_EQ(found.average_purchase_amount, *Decimal::Parse("1200.5"));
  // An update without stats keeps them.
  c.purchase_frequency = 0;
  c.average_purchase_amount = Decimal();
  c.age = 30;
  ASSERT_THAT(
      Do("edit", [&](Transaction& tx) { return tx.UpsertCustomerProfile(c, Today()).status(); }),
      IsOk());
  EXPECT_EQ((*store_->FindCustomer("c-1", {Day("2026-11-24"), {}}))->purchase_frequency, 12);
  ASSERT_THAT(Buy("c-1", "p-1", "80", "2026-11-20", 20), IsOk());
  found = **store_->FindCustomer("c-1", {Day("2026-11-24"), {}});
  EXPECT_EQ(found.purchase_frequency, 1);
  EXPECT_EQ(found.average_purchase_amount, *Decimal::Parse("80"));
  CustomerPage page = *store_->ListCustomers("", 10, {Day("2026-11-24"), {}});
  EXPECT_EQ(page.customers[0].purchase_frequency, 1);
}

TEST_P(StoreContractTest, DeletingACustomerTakesItsRecordsAlong) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  ASSERT_THAT(Buy("c-1", "p-1", "600", "2026-11-01", 100), IsOk());
  ASSERT_THAT(Buy("c-2", "p-2", "600", "2026-11-01", 100), IsOk());
  ASSERT_THAT(Do("del",
                 [](Transaction& tx) -> absl::Status {
                   absl::StatusOr<bool> deleted = tx.DeleteCustomer("c-1");
                   if (!deleted.ok()) return deleted.status();
                   return *deleted ? absl::OkStatus() : absl::NotFoundError("c-1");
                 }),
              IsOk());
  EXPECT_FALSE(store_->FindCustomer("c-1", {Day("2026-11-24"), {}})->has_value());
  EXPECT_TRUE(store_->Ledger("c-1")->empty());
  EXPECT_TRUE(store_->Purchases("c-1")->empty());
  EXPECT_EQ(store_->Purchases("c-2")->size(), 1u);
}

TEST_P(StoreContractTest, ListsInIdOrderAPageAtATime) {
  for (const char* id : {"b", "a", "d", "c"}) AddCustomer(id);
  CustomerPage first = *store_->ListCustomers("", 3, {Day("2026-11-24"), {}});
  ASSERT_EQ(first.customers.size(), 3u);
  EXPECT_EQ(first.customers[0].id, "a");
  EXPECT_EQ(first.customers[2].id, "c");
  EXPECT_TRUE(first.more);
  CustomerPage second = *store_->ListCustomers("c", 3, {Day("2026-11-24"), {}});
  ASSERT_EQ(second.customers.size(), 1u);
  EXPECT_EQ(second.customers[0].id, "d");
  EXPECT_FALSE(second.more);
}

// Everything ScanCustomers gives one customer, as a line to compare.
std::string Visited(const Customer& c, std::span<const rules::Purchase> purchases) {
  std::string line =
      StrCat(c.id, " ", c.name, " age ", c.age, " freq ", c.purchase_frequency, " avg ",
             c.average_purchase_amount.ToString(), " total ", c.total_spent.ToString(), " points ",
             c.points, " last ", c.last_purchase_at.known() ? c.last_purchase_at.ToString() : "-",
             " bought");
  for (const rules::Purchase& p : purchases) StrAppend(&line, " ", p.amount.ToString());
  return line;
}

// Pages of customers carry the same purchase stats and qualification
// figures as FindCustomer gives each one: months of customers on earlier
// pages, in and out of the window and the qualifying months, imported
// stats, no purchases at all.
TEST_P(StoreContractTest, ListedCustomersHaveTheStatsFindGivesThem) {
  const std::vector<std::string> ids = {"c-1", "c-2", "c-3", "c-4", "c-5", "c-6"};
  for (const std::string& id : ids) AddCustomer(id);
  ASSERT_THAT(Buy("c-1", "p-1", "1000", "2025-11-30", 10), IsOk());  // before the window
  ASSERT_THAT(Buy("c-1", "p-2", "100", "2026-10-02", 20), IsOk());
  ASSERT_THAT(Buy("c-2", "p-3", "40", "2025-12-01", 5), IsOk());  // the window's first month
  ASSERT_THAT(Buy("c-4", "p-4", "300", "2026-09-20", 30), IsOk());
  ASSERT_THAT(Buy("c-4", "p-5", "50", "2026-11-10", 7), IsOk());
  ASSERT_THAT(Buy("c-5", "p-6", "60", "2025-11-15", 3), IsOk());  // only before the window
  ASSERT_THAT(Buy("c-6", "p-7", "80", "2026-11-01", 4), IsOk());  // returned below
  ASSERT_THAT(Do("return",
                 [](Transaction& tx) -> absl::Status {
                   return tx.MarkReturned(**tx.FindPurchase("p-7"), "return");
                 }),
              IsOk());
  for (const char* id : {"c-3", "c-5", "c-6"}) {
    Customer imported;
    imported.id = id;
    imported.purchase_frequency = 7;
    imported.average_purchase_amount = *Decimal::Parse("88.5");
    ASSERT_THAT(
        Do(StrCat("import-", id),
           [&](Transaction& tx) { return tx.UpsertCustomerProfile(imported, Today()).status(); }),
        IsOk());
  }
  // Qualifying months: October and November 2026.
  const CustomerAsOf as_of{Day("2026-11-24"), {2026 * 12 + 9, 2026 * 12 + 10}};
  const auto line = [](const Customer& c) {
    return StrCat(Visited(c, {}), " qualifying ", c.qualifying_points, " ",
                  c.qualifying_spent.ToString());
  };
  // Pages of two: c-5, the first after the second page, has months.
  const auto list_all = [&] {
    std::vector<std::string> listed;
    for (std::string after;;) {
      CustomerPage page = *store_->ListCustomers(after, 2, as_of);
      for (const Customer& c : page.customers) listed.push_back(line(c));
      if (!page.more) break;
      after = page.customers.back().id;
    }
    return listed;
  };
  const auto find_all = [&] {
    std::vector<std::string> found;
    for (const std::string& id : ids) found.push_back(line(**store_->FindCustomer(id, as_of)));
    return found;
  };
  std::vector<std::string> found = find_all();
  EXPECT_EQ(list_all(), found);
  EXPECT_THAT(found[0], ::testing::HasSubstr("freq 1 avg 100 total 1100"));
  EXPECT_THAT(found[0], ::testing::EndsWith("qualifying 20 100"));
  EXPECT_THAT(found[1], ::testing::HasSubstr("freq 1 avg 40"));
  EXPECT_THAT(found[1], ::testing::EndsWith("qualifying 0 0"));
  EXPECT_THAT(found[2], ::testing::HasSubstr("freq 7 avg 88.5"));  // imported, nothing bought
  EXPECT_THAT(found[3], ::testing::HasSubstr("freq 2 avg 175"));
  EXPECT_THAT(found[3], ::testing::EndsWith("qualifying 7 50"));
  EXPECT_THAT(found[4], ::testing::HasSubstr("freq 0 avg 0 "));    // recorded, none in the window
  EXPECT_THAT(found[5], ::testing::HasSubstr("freq 7 avg 88.5"));  // its one purchase returned

  // A later purchase shows in the next list: the read before it ended.
  ASSERT_THAT(Buy("c-3", "p-8", "10", "2026-11-20", 1), IsOk());
  found = find_all();
  EXPECT_THAT(found[2], ::testing::HasSubstr("freq 1 avg 10"));
  EXPECT_EQ(list_all(), found);
}

// A walk over every customer in id order gives each one exactly as
// FindCustomer does (stats of the window, imported stats, no purchases),
// with the purchases of the period that were not returned; id ranges
// split the walk without losing or repeating anyone.
TEST_P(StoreContractTest, ScanGivesEveryCustomerAsFindDoesWithThePurchasesOfThePeriod) {
  for (const char* id : {"c-3", "c-1", "c-2", "c-5", "c-4"}) AddCustomer(id);
  ASSERT_THAT(Buy("c-1", "p-1", "1000", "2025-11-30", 10), IsOk());  // before the window
  ASSERT_THAT(Buy("c-1", "p-2", "100", "2026-11-02", 10), IsOk());
  ASSERT_THAT(Buy("c-1", "p-3", "300", "2026-11-20", 10), IsOk());
  ASSERT_THAT(Buy("c-3", "p-4", "50", "2026-11-10", 10), IsOk());
  ASSERT_THAT(Buy("c-3", "p-5", "70", "2026-11-11", 10), IsOk());
  ASSERT_THAT(Do("return",
                 [](Transaction& tx) -> absl::Status {
                   return tx.MarkReturned(**tx.FindPurchase("p-5"), "return");
                 }),
              IsOk());
  Customer imported;
  imported.id = "c-4";
  imported.purchase_frequency = 7;
  imported.average_purchase_amount = *Decimal::Parse("88.5");
  ASSERT_THAT(
      Do("import",
         [&](Transaction& tx) { return tx.UpsertCustomerProfile(imported, Today()).status(); }),
      IsOk());

  const Date today = Day("2026-11-24");
  CustomerScan scan{today, {}, "", "", Day("2026-11-01"), Day("2026-11-24")};
  std::vector<std::string> walked;
  ASSERT_THAT(store_->ScanCustomers(scan,
                                    [&](const Customer& c, std::span<const rules::Purchase> p) {
                                      walked.push_back(Visited(c, p));
                                    }),
              IsOk());
  ASSERT_EQ(walked.size(), 5u);
  const std::vector<std::string> ids = {"c-1", "c-2", "c-3", "c-4", "c-5"};
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<Customer> found = *store_->FindCustomer(ids[i], {today, {}});
    ASSERT_TRUE(found.has_value());
    std::string expected = Visited(*found, {});
    EXPECT_EQ(walked[i].substr(0, expected.size()), expected) << walked[i];
  }
  EXPECT_THAT(walked[0], ::testing::EndsWith(
                             "freq 2 avg 200 total 1400 points 30 last 2026-11-20 bought 100 300"));
  EXPECT_THAT(walked[2], ::testing::EndsWith("bought 50"));  // the returned one is not replayed
  EXPECT_THAT(walked[3], ::testing::HasSubstr("c-4  age 0 freq 7 avg 88.5"));

  // Without a period, no purchases come along.
  std::vector<std::string> without;
  ASSERT_THAT(store_->ScanCustomers({today},
                                    [&](const Customer& c, std::span<const rules::Purchase> p) {
                                      without.push_back(Visited(c, p));
                                    }),
              IsOk());
  EXPECT_THAT(without[0], ::testing::EndsWith("bought"));

  // Ranges from the splits cover everyone once, in order.
  std::vector<std::string> splits = *store_->CustomerIdSplits(2);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(splits[0], "c-3");
  std::vector<std::string> in_ranges;
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"", splits[0]}, {splits[0], ""}}) {
    CustomerScan part = scan;
    part.from_id = from;
    part.to_id = to;
    ASSERT_THAT(store_->ScanCustomers(part,
                                      [&](const Customer& c, std::span<const rules::Purchase> p) {
                                        in_ranges.push_back(Visited(c, p));
                                      }),
                IsOk());
  }
  EXPECT_EQ(in_ranges, walked);
  EXPECT_EQ(store_->CustomerIdSplits(4)->size(), 3u);
  EXPECT_TRUE(store_->CustomerIdSplits(6)->empty());  // fewer customers than parts
  EXPECT_TRUE(store_->CustomerIdSplits(1)->empty());
}

// A scan longer than a backend's batch of rows (PostgreSQL reads a
// scan's three statements through cursors, 1,000 rows at a time) still
// gives every customer once, in order, with its own stats and purchases:
// a whole number of batches, then a part of the range (a last batch cut
// short), one scan after the other.
TEST_P(StoreContractTest, AScanOfMoreCustomersThanABatchGivesEachOnceWithItsOwnPurchases) {
  constexpr int kCustomers = 2'000;
  auto id = [](int n) {
    char text[16];
    std::snprintf(text, sizeof text, "c-%05d", n);
    return std::string(text);
  };
  ASSERT_THAT(Do("many",
                 [&](Transaction& tx) -> absl::Status {
                   for (int n = 0; n < kCustomers; ++n) {
                     Customer c;
                     c.id = id(n);
                     c.name = "张三";
                     if (absl::Status s = tx.UpsertCustomerProfile(c, Today()).status(); !s.ok())
                       return s;
                     PurchaseRecord p;
                     p.purchase_id = "p-" + c.id;
                     p.customer_id = c.id;
                     p.amount = Decimal::FromUnits((n + 1) * 10'000);
                     p.day = Day("2026-11-10");
                     LedgerEntry e;
                     e.customer_id = c.id;
                     e.reason = "purchase";
                     e.source = "purchase:" + p.purchase_id;
                     if (absl::Status s = tx.InsertPurchase(p, e, std::nullopt).status(); !s.ok())
                       return s;
                   }
                   return absl::OkStatus();
                 }),
              IsOk());
  for (const int first : {0, 500}) {
    CustomerScan scan{Day("2026-11-24"), {}, "", "", Day("2026-11-01"), Day("2026-11-24")};
    if (first > 0) scan.from_id = id(first);
    int next = first;
    std::string mismatch;
    ASSERT_THAT(
        store_->ScanCustomers(scan,
                              [&](const Customer& c, std::span<const rules::Purchase> p) {
                                const Decimal amount = Decimal::FromUnits((next + 1) * 10'000);
                                if (mismatch.empty() &&
                                    (c.id != id(next) || p.size() != 1 || p[0].amount != amount ||
                                     c.purchase_frequency != 1 || c.total_spent != amount)) {
                                  mismatch = StrCat("at ", next, ": ", Visited(c, p));
                                }
                                ++next;
                              }),
        IsOk());
    EXPECT_EQ(next, kCustomers) << "from " << first;
    EXPECT_EQ(mismatch, "") << "from " << first;
  }
}

// ---- offer redemptions and the usage that limits and budgets count

OfferRedemptionRecord Redemption(const std::string& customer, const std::string& offer,
                                 const char* day, rules::Channel channel, const char* value) {
  OfferRedemptionRecord r;
  r.customer_id = customer;
  r.offer_id = offer;
  r.offer = offer + " offer";
  r.day = Day(day);
  r.channel = channel;
  r.unit = rules::OfferValueUnit::kMoney;
  r.value = *Decimal::Parse(value);
  r.ruleset_version = "abcdefabcdef";
  return r;
}

// Usage rows as "customer/offer/channel/day: redemptions, value" ("total"
// for a day unknown), sorted.
std::vector<std::string> UsageLines(const std::vector<OfferUsageRow>& rows) {
  std::vector<std::string> lines;
  for (const OfferUsageRow& r : rows) {
    lines.push_back(StrCat(r.customer_id.empty() ? "*" : r.customer_id, "/", r.offer_id, "/",
                           rules::ChannelName(r.channel), "/",
                           r.day.known() ? r.day.ToString() : "total", ": ", r.redemptions, ", ",
                           Decimal::FromUnits(r.value_units).ToString()));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_P(StoreContractTest, RedemptionsAddToTheirCustomersAndEveryonesUsageByDayAndInTotal) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  int64_t first = 0;
  ASSERT_THAT(Do("r1",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<OfferRedemptionRecord> stored = tx.InsertOfferRedemption(
                       Redemption("c-1", "gift", "2026-12-07", rules::Channel::kOnline, "20"));
                   if (!stored.ok()) return stored.status();
                   first = stored->id;
                   EXPECT_FALSE(stored->recorded_at.empty());
                   return tx
                       .InsertOfferRedemption(
                           Redemption("c-2", "gift", "2026-12-08", rules::Channel::kOnline, "20"))
                       .status();
                 }),
              IsOk());
  ASSERT_THAT(Do("r3",
                 [&](Transaction& tx) {
                   return tx
                       .InsertOfferRedemption(
                           Redemption("c-1", "coupon", "2026-12-08", rules::Channel::kOffline, "5"))
                       .status();
                 }),
              IsOk());
  OfferUsageQuery query{"c-1", {}, Day("2026-12-08"), Day("2026-12-31")};
  EXPECT_THAT(
      UsageLines(*store_->OfferUsage(query)),
      ::testing::ElementsAre("*/coupon/offline/2026-12-08: 1, 5", "*/coupon/offline/total: 1, 5",
                             "*/gift/online/2026-12-08: 1, 20", "*/gift/online/total: 2, 40",
                             "c-1/coupon/offline/2026-12-08: 1, 5",
                             "c-1/coupon/offline/total: 1, 5", "c-1/gift/online/total: 1, 20"));
  query.offer_ids = {"gift"};
  query.since = Date();
  EXPECT_THAT(UsageLines(*store_->OfferUsage(query)),
              ::testing::ElementsAre("*/gift/online/total: 2, 40", "c-1/gift/online/total: 1, 20"));

  // A reversal takes it off the day it was redeemed on, and the total.
  ASSERT_THAT(Do("rev",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<OfferRedemptionRecord> now =
                       tx.ReverseOfferRedemption(first, "cancelled");
                   if (!now.ok()) return now.status();
                   EXPECT_EQ(now->reversal_reason, "cancelled");
                   EXPECT_FALSE(now->reversed_at.empty());
                   return absl::OkStatus();
                 }),
              IsOk());
  EXPECT_THAT(
      Do("rev-again",
         [&](Transaction& tx) { return tx.ReverseOfferRedemption(first, "again").status(); }),
      StatusIs(absl::StatusCode::kFailedPrecondition, "already reversed"));
  query = {"c-1", {"gift"}, Day("2026-12-01"), Day("2026-12-31")};
  EXPECT_THAT(
      UsageLines(*store_->OfferUsage(query)),
      ::testing::ElementsAre("*/gift/online/2026-12-07: 0, 0", "*/gift/online/2026-12-08: 1, 20",
                             "*/gift/online/total: 1, 20", "c-1/gift/online/2026-12-07: 0, 0",
                             "c-1/gift/online/total: 0, 0"));
  std::vector<OfferRedemptionRecord> listed = *store_->OfferRedemptions("c-1", 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].id, first);  // newest first
  EXPECT_EQ(listed[1].reversal_reason, "cancelled");
  EXPECT_FALSE(listed[1].reversed_at.empty());
  EXPECT_EQ(listed[1].value, *Decimal::Parse("20"));
  EXPECT_EQ(listed[1].day, Day("2026-12-07"));
}

TEST_P(StoreContractTest, ACustomerIsReadWithItsOfferUsageInOneGo) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  ASSERT_THAT(Do("r1",
                 [&](Transaction& tx) -> absl::Status {
                   for (const char* customer : {"c-1", "c-2"}) {
                     absl::Status s =
                         tx.InsertOfferRedemption(Redemption(customer, "gift", "2026-12-07",
                                                             rules::Channel::kOnline, "20"))
                             .status();
                     if (!s.ok()) return s;
                   }
                   return absl::OkStatus();
                 }),
              IsOk());
  const CustomerAsOf as_of{Day("2026-12-07"), {}};
  const OfferUsageQuery query{"c-1", {"gift"}, Day("2026-12-07"), Day("2026-12-07")};
  ASSERT_THAT(Buy("c-1", "p-1", "30", "2026-11-02", 3), IsOk());
  absl::StatusOr<CustomerWithOfferUsage> found =
      store_->FindCustomerWithOfferUsage("c-1", as_of, query);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->customer.has_value());
  EXPECT_EQ(Visited(*found->customer, {}), Visited(**store_->FindCustomer("c-1", as_of), {}));
  EXPECT_EQ(found->customer->purchase_frequency, 1);
  EXPECT_EQ(UsageLines(found->usage), UsageLines(*store_->OfferUsage(query)));
  EXPECT_THAT(
      UsageLines(found->usage),
      ::testing::ElementsAre("*/gift/online/2026-12-07: 2, 40", "*/gift/online/total: 2, 40",
                             "c-1/gift/online/2026-12-07: 1, 20", "c-1/gift/online/total: 1, 20"));
  // The next read starts afresh: it sees a purchase made in between.
  ASSERT_THAT(Buy("c-1", "p-2", "30", "2026-11-03", 3), IsOk());
  found = store_->FindCustomerWithOfferUsage("c-1", as_of, query);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->customer->purchase_frequency, 2);
  // Everyone's usage only (no customer named): the budgets' rows.
  found = store_->FindCustomerWithOfferUsage("c-1", as_of, {"", {"gift"}, Date(), Date()});
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(UsageLines(found->usage), ::testing::ElementsAre("*/gift/online/total: 2, 40"));
  // Not stored: neither the customer nor any usage.
  found = store_->FindCustomerWithOfferUsage("nobody", as_of, {"nobody", {"gift"}, Date(), Date()});
  ASSERT_THAT(found, IsOk());
  EXPECT_FALSE(found->customer.has_value());
  EXPECT_TRUE(found->usage.empty());
}

TEST_P(StoreContractTest, APurchasesRedemptionsAreFoundByItAndAnUnknownCustomerRedeemsNothing) {
  AddCustomer("c-1");
  ASSERT_THAT(Buy("c-1", "p-1", "600", "2026-12-01", 0), IsOk());
  OfferRedemptionRecord with_purchase =
      Redemption("c-1", "gift", "2026-12-01", rules::Channel::kUnknown, "20");
  with_purchase.purchase_id = "p-1";
  with_purchase.amount = *Decimal::Parse("600");
  ASSERT_THAT(
      Do("r", [&](Transaction& tx) { return tx.InsertOfferRedemption(with_purchase).status(); }),
      IsOk());
  ASSERT_THAT(Do("r-free",
                 [&](Transaction& tx) {
                   return tx
                       .InsertOfferRedemption(
                           Redemption("c-1", "coupon", "2026-12-01", rules::Channel::kUnknown, "5"))
                       .status();
                 }),
              IsOk());
  ASSERT_THAT(Do("find",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<std::vector<OfferRedemptionRecord>> found =
                       tx.OfferRedemptionsOfPurchase("p-1");
                   if (!found.ok()) return found.status();
                   EXPECT_EQ(found->size(), 1u);
                   if (found->size() == 1) EXPECT_EQ((*found)[0].amount, *Decimal::Parse("600"));
                   EXPECT_TRUE(tx.OfferRedemptionsOfPurchase("")->empty());
                   return absl::OkStatus();
                 }),
              IsOk());
  EXPECT_THAT(Do("nobody",
                 [&](Transaction& tx) {
                   return tx
                       .InsertOfferRedemption(Redemption("nobody", "gift", "2026-12-01",
                                                         rules::Channel::kUnknown, "1"))
                       .status();
                 }),
              StatusIs(absl::StatusCode::kNotFound, "nobody"));
  EXPECT_EQ(store_->OfferUsage({"", {"gift"}, Date(), Date()})->size(), 1u);  // everyone's total
}

TEST_P(StoreContractTest, DeletingACustomerTakesItsOfferUsageButNotEveryones) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  for (const char* id : {"c-1", "c-2"}) {
    ASSERT_THAT(Do(StrCat("r-", id),
                   [&](Transaction& tx) {
                     return tx
                         .InsertOfferRedemption(
                             Redemption(id, "gift", "2026-12-01", rules::Channel::kUnknown, "20"))
                         .status();
                   }),
                IsOk());
  }
  ASSERT_THAT(Do("del", [](Transaction& tx) { return tx.DeleteCustomer("c-1").status(); }), IsOk());
  EXPECT_TRUE(store_->OfferRedemptions("c-1", 10)->empty());
  const OfferUsageQuery query{"c-1", {}, Day("2026-12-01"), Day("2026-12-01")};
  EXPECT_THAT(UsageLines(*store_->OfferUsage(query)),
              ::testing::ElementsAre("*/gift//2026-12-01: 2, 40", "*/gift//total: 2, 40"));
  EXPECT_EQ(store_->OfferRedemptions("c-2", 10)->size(), 1u);
}

TEST_P(StoreContractTest, UsageReadsShowOnlyCommittedRedemptionsAndSurviveAReopen) {
  AddCustomer("c-1");
  // A write that redeems, then fails: rolled back, it left no usage.
  EXPECT_THAT(Do("fails",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<OfferRedemptionRecord> stored = tx.InsertOfferRedemption(
                       Redemption("c-1", "gift", "2026-12-01", rules::Channel::kOnline, "20"));
                   if (!stored.ok()) return stored.status();
                   return absl::AbortedError("changed its mind");
                 }),
              StatusIs(absl::StatusCode::kAborted, "changed its mind"));
  const OfferUsageQuery query{"c-1", {"gift"}, Day("2026-12-01"), Day("2026-12-31")};
  EXPECT_TRUE(store_->OfferUsage(query)->empty());
  // Writes committed together in one group, one of them failing.
  std::vector<std::thread> writers;
  std::atomic<int> failed = 0;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      const absl::Status s = Do(StrCat("w-", i), [&](Transaction& tx) -> absl::Status {
        absl::StatusOr<OfferRedemptionRecord> stored = tx.InsertOfferRedemption(
            Redemption("c-1", "gift", "2026-12-01", rules::Channel::kOnline, "20"));
        if (!stored.ok()) return stored.status();
        return i % 4 == 3 ? absl::AbortedError("rolled back") : absl::OkStatus();
      });
      if (!s.ok()) ++failed;
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(failed.load(), 2);
  const std::vector<std::string> expected = {
      "*/gift/online/2026-12-01: 6, 120", "*/gift/online/total: 6, 120",
      "c-1/gift/online/2026-12-01: 6, 120", "c-1/gift/online/total: 6, 120"};
  EXPECT_EQ(UsageLines(*store_->OfferUsage(query)), expected);
  ASSERT_THAT(Do("read-in-write",
                 [&](Transaction& tx) -> absl::Status {
                   EXPECT_EQ(UsageLines(*tx.OfferUsage(query)), expected);
                   return absl::OkStatus();
                 }),
              IsOk());
  Reopen();
  EXPECT_EQ(UsageLines(*store_->OfferUsage(query)), expected);
  EXPECT_EQ(UsageLines(*store_->OfferUsage({"", {}, Date(), Date()})),
            std::vector<std::string>{"*/gift/online/total: 6, 120"});
}

// The history windowed facts read (rules/history.h): kept by purchases,
// returns, interactions and changes of satisfaction, and given by every
// read of a customer, from the first day of the window asked for.
std::string HistoryOf(const Customer& c) {
  std::vector<rules::HistoryDay> rows = c.history;
  std::sort(rows.begin(), rows.end());
  std::vector<std::string> shown;
  for (const rules::HistoryDay& row : rows) {
    shown.push_back(StrCat(row.day.ToString(), " ", static_cast<int>(row.figure), " ", row.key, "=",
                           row.value));
  }
  return StrJoin(shown, "; ");
}

TEST_P(StoreContractTest, EventsKeepTheHistoryThatEveryReadGives) {
  AddCustomer("c-1");
  AddCustomer("c-2");
  ASSERT_THAT(Buy("c-1", "p-1", "100", "2026-11-06", 10), IsOk());  // before a 30-day window
  ASSERT_THAT(Buy("c-1", "p-2", "200", "2026-11-07", 20), IsOk());  // its first day
  ASSERT_THAT(Buy("c-1", "p-3", "50.5", "2026-11-07", 5), IsOk());
  ASSERT_THAT(Buy("c-1", "p-4", "70", "2026-12-06", 7), IsOk());
  ASSERT_THAT(Do("return",
                 [](Transaction& tx) -> absl::Status {
                   return tx.MarkReturned(**tx.FindPurchase("p-4"), "return");
                 }),
              IsOk());
  // Two interactions on one day, one on another; the first changes
  // satisfaction from never rated, the second from 3.1 (the day keeps 0),
  // the third from 3.2.
  const auto interact = [&](const char* key, const char* rule, const char* after, const char* day) {
    return Do(key, [&](Transaction& tx) {
      return tx.RecordInteraction("c-1", "好评", rule, *Decimal::Parse(after), 1, Day(day));
    });
  };
  ASSERT_THAT(interact("i-1", "positive_review", "3.1", "2026-11-20"), IsOk());
  ASSERT_THAT(interact("i-2", "positive_review", "3.2", "2026-11-20"), IsOk());
  ASSERT_THAT(interact("i-3", "", "3.2", "2026-11-21"), IsOk());  // no change: nothing kept
  ASSERT_THAT(interact("i-4", "negative_review", "3.1", "2026-11-22"), IsOk());
  // A profile edit that sets satisfaction keeps what it was.
  Customer edited = **store_->FindCustomer("c-1", {Day("2026-12-06")});
  edited.satisfaction = *Decimal::Parse("4.5");
  ASSERT_THAT(Do("edit",
                 [&](Transaction& tx) {
                   return tx.UpsertCustomerProfile(edited, Day("2026-12-01")).status();
                 }),
              IsOk());
  ASSERT_THAT(interact("i-5", "positive_review", "3", "2026-12-01"), IsOk());
  EXPECT_THAT(Do("nobody",
                 [&](Transaction& tx) {
                   return tx.RecordInteraction("c-9", "x", "", *Decimal::Parse("3"), 1,
                                               Day("2026-12-01"));
                 }),
              StatusIs(absl::StatusCode::kNotFound, "c-9"));

  const std::string expected =
      "2026-11-07 1 =2; 2026-11-07 2 =2505000; 2026-11-07 3 =25; "
      "2026-11-20 4 positive_review=2; 2026-11-20 5 =0; "
      "2026-11-21 4 =1; "
      "2026-11-22 4 negative_review=1; 2026-11-22 5 =32000; "
      "2026-12-01 4 positive_review=1; 2026-12-01 5 =31000; "
      "2026-12-06 1 =0; 2026-12-06 2 =0; 2026-12-06 3 =0";
  const CustomerAsOf as_of{Day("2026-12-06"), {}, 30};
  EXPECT_EQ(HistoryOf(**store_->FindCustomer("c-1", as_of)), expected);
  CustomerPage page = *store_->ListCustomers("", 10, as_of);
  ASSERT_EQ(page.customers.size(), 2u);
  EXPECT_EQ(HistoryOf(page.customers[0]), expected);
  EXPECT_EQ(HistoryOf(page.customers[1]), "");
  std::vector<std::string> scanned;
  CustomerScan scan{Day("2026-12-06")};
  scan.history_days = 30;
  ASSERT_THAT(store_->ScanCustomers(scan,
                                    [&](const Customer& c, std::span<const rules::Purchase>) {
                                      scanned.push_back(HistoryOf(c));
                                    }),
              IsOk());
  EXPECT_THAT(scanned, ::testing::ElementsAre(expected, ""));
  // A window a day longer reaches p-1's day; none gives no history.
  EXPECT_THAT(HistoryOf(**store_->FindCustomer("c-1", {Day("2026-12-06"), {}, 31})),
              ::testing::StartsWith("2026-11-06 1 =1; 2026-11-06 2 =1000000; 2026-11-06 3 =10; "));
  EXPECT_EQ(HistoryOf(**store_->FindCustomer("c-1", {Day("2026-12-06")})), "");
  // The facts of that history (rules::FactValue) on the day.
  const Customer read = **store_->FindCustomer("c-1", as_of);
  EXPECT_EQ(rules::FactValue({rules::FactKind::kPurchases, 30}, read, nullptr, Day("2026-12-06")),
            2 * Decimal::kScale);
  // The end of 2026-11-20 (16 days back): 3.2; of the day before: never rated.
  EXPECT_EQ(
      rules::FactValue({rules::FactKind::kSatisfactionAgo, 16}, read, nullptr, Day("2026-12-06")),
      32000);
  EXPECT_EQ(
      rules::FactValue({rules::FactKind::kSatisfactionAgo, 17}, read, nullptr, Day("2026-12-06")),
      0);
  // A deleted customer's history goes with it.
  ASSERT_THAT(Do("delete", [](Transaction& tx) { return tx.DeleteCustomer("c-1").status(); }),
              IsOk());
  Customer again;
  again.id = "c-1";
  ASSERT_THAT(
      Do("re-add",
         [&](Transaction& tx) { return tx.UpsertCustomerProfile(again, Today()).status(); }),
      IsOk());
  absl::StatusOr<std::optional<Customer>> readded = store_->FindCustomer("c-1", as_of);
  ASSERT_THAT(readded, IsOk());
  ASSERT_TRUE(readded->has_value());
  EXPECT_EQ(HistoryOf(**readded), "");
}

TEST_P(StoreContractTest, DraftsKeepTheirFilesAndRefuseAChangeMadeOnAStaleCopy) {
  DraftRecord draft;
  draft.title = "双十一";
  draft.author = "mei";
  draft.base_version = "3ca4c8bf39df";
  draft.created_at = "2026-12-06T10:00:00.000Z";
  // Bytes as they are, a NUL and bytes that are no UTF-8 included.
  draft.files = {{"offers.yaml", std::string("kind: offers\0\xff", 15)},
                 {"parameters.yaml", "kind: parameters\n"}};
  int64_t first = 0;
  ASSERT_THAT(Do("create-1",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<int64_t> id = tx.CreateDraft(draft);
                   if (id.ok()) first = *id;
                   return id.status();
                 }),
              IsOk());
  EXPECT_GT(first, 0);
  absl::StatusOr<std::optional<DraftRecord>> found = store_->FindDraft(first);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  const DraftRecord& read = **found;
  EXPECT_EQ(read.title, "双十一");
  EXPECT_EQ(read.author, "mei");
  EXPECT_EQ(read.updated_by, "mei");
  EXPECT_EQ(read.base_version, "3ca4c8bf39df");
  EXPECT_EQ(read.created_at, draft.created_at);
  EXPECT_EQ(read.updated_at, draft.created_at);
  EXPECT_EQ(read.revision, 1);
  ASSERT_EQ(read.files.size(), 2u);
  EXPECT_EQ(read.files[0].path, "offers.yaml");
  EXPECT_EQ(read.files[0].content, draft.files[0].content);
  EXPECT_EQ(read.files[1].content, "kind: parameters\n");

  // A change made on revision 1 lands once; a second made on revision 1 too is refused.
  DraftRecord change = read;
  change.title = "双十一 v2";
  change.updated_at = "2026-12-06T11:00:00.000Z";
  change.updated_by = "ana";
  change.revision = 2;
  change.files = {{"parameters.yaml", "kind: parameters\nparameters: {a: 1}\n"}};
  ASSERT_THAT(Do("change-1", [&](Transaction& tx) { return tx.ReplaceDraft(change); }), IsOk());
  DraftRecord stale = read;
  stale.revision = 2;
  stale.updated_by = "lee";
  stale.updated_at = "2026-12-06T11:01:00.000Z";
  EXPECT_THAT(Do("change-2", [&](Transaction& tx) { return tx.ReplaceDraft(stale); }),
              StatusIs(absl::StatusCode::kAborted, "changed meanwhile (now revision 2, by ana"));
  const DraftRecord after = **store_->FindDraft(first);
  EXPECT_EQ(after.title, "双十一 v2");
  EXPECT_EQ(after.revision, 2);
  EXPECT_EQ(after.updated_by, "ana");
  EXPECT_EQ(after.author, "mei");
  ASSERT_EQ(after.files.size(), 1u);
  EXPECT_EQ(after.files[0].content, "kind: parameters\nparameters: {a: 1}\n");

  // Listings: newest change first, without files; they survive a reopen.
  int64_t second = 0;
  draft.created_at = "2026-12-06T12:00:00.000Z";
  ASSERT_THAT(Do("create-2",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<int64_t> id = tx.CreateDraft(draft);
                   if (id.ok()) second = *id;
                   return id.status();
                 }),
              IsOk());
  EXPECT_NE(second, first);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  absl::StatusOr<std::vector<DraftRecord>> listed = store_->Drafts(10);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, second);
  EXPECT_EQ((*listed)[1].id, first);
  EXPECT_TRUE((*listed)[0].files.empty());
  EXPECT_EQ(store_->Drafts(1)->size(), 1u);

  // Deleting: not on a stale copy; its files go along, and twice is NOT_FOUND.
  EXPECT_THAT(Do("delete-0",
                 [&](Transaction& tx) {
                   return tx.DeleteDraft(first, 1, "ana", "2026-12-01T10:00:00.000Z");
                 }),
              StatusIs(absl::StatusCode::kAborted, "now revision 2"));
  EXPECT_EQ(store_->FindDraft(first)->value().files.size(), 1u);
  ASSERT_THAT(Do("delete-1",
                 [&](Transaction& tx) {
                   return tx.DeleteDraft(first, 2, "ana", "2026-12-01T10:00:00.000Z");
                 }),
              IsOk());
  EXPECT_FALSE(store_->FindDraft(first)->has_value());
  EXPECT_THAT(Do("delete-2",
                 [&](Transaction& tx) {
                   return tx.DeleteDraft(first, 2, "ana", "2026-12-01T10:00:00.000Z");
                 }),
              StatusIs(absl::StatusCode::kNotFound, "draft"));
  EXPECT_THAT(Do("change-3", [&](Transaction& tx) { return tx.ReplaceDraft(change); }),
              StatusIs(absl::StatusCode::kNotFound, "draft"));
  // A failed write leaves nothing: the second draft is as it was.
  EXPECT_EQ(store_->FindDraft(second)->value().revision, 1);
}

// Change requests: one pending per draft, a state moved only from the one
// the caller saw, every step an event, and any change to the draft (or its
// deletion) voids a pending request, whatever path made it.
TEST_P(StoreContractTest, ChangeRequestsMoveFromTheStateSeenAndAnyDraftChangeVoidsThem) {
  DraftRecord draft;
  draft.title = "双十一";
  draft.author = "mei";
  draft.base_version = "3ca4c8bf39df";
  draft.created_at = "2026-12-06T10:00:00.000Z";
  draft.files = {{"parameters.yaml", "kind: parameters\n"}};
  int64_t draft_id = 0;
  ASSERT_THAT(Do("draft",
                 [&](Transaction& tx) -> absl::Status {
                   absl::StatusOr<int64_t> id = tx.CreateDraft(draft);
                   if (id.ok()) draft_id = *id;
                   return id.status();
                 }),
              IsOk());
  ChangeRequestRecord request;
  request.draft_id = draft_id;
  request.draft_revision = 1;
  request.version = "aaaabbbbcccc";
  request.title = "双十一";
  request.author = "mei";
  request.submitted_at = "2026-12-06T10:05:00.000Z";
  request.serving_version = "3ca4c8bf39df";
  const ChangeRequestEvent submitted{
      "2026-12-06T10:05:00.000Z", "mei", "submitted", "please", "aaaabbbbcccc",
      "loads: ok\ntests: ok"};
  auto submit = [&](std::string_view key, int64_t* id) {
    return Do(std::string(key), [&](Transaction& tx) -> absl::Status {
      absl::StatusOr<int64_t> made = tx.CreateChangeRequest(request, submitted);
      if (made.ok()) *id = *made;
      return made.status();
    });
  };
  int64_t first = 0;
  ASSERT_THAT(submit("submit-1", &first), IsOk());
  int64_t twice = 0;
  EXPECT_THAT(submit("submit-2", &twice),
              StatusIs(absl::StatusCode::kAlreadyExists, "already has change request"));

  const ChangeRequestEvent approved{
      "2026-12-06T11:00:00.000Z", "lee", "approved", "ok", "aaaabbbbcccc", ""};
  ASSERT_THAT(Do("approve-1",
                 [&](Transaction& tx) {
                   return tx.MoveChangeRequest(first, "open", "approved", approved);
                 }),
              IsOk());
  EXPECT_THAT(Do("approve-2",
                 [&](Transaction& tx) {
                   return tx.MoveChangeRequest(first, "open", "approved", approved);
                 }),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is approved (by lee), not open"));
  EXPECT_THAT(Do("approve-3",
                 [&](Transaction& tx) {
                   return tx.MoveChangeRequest(first + 100, "open", "approved", approved);
                 }),
              StatusIs(absl::StatusCode::kNotFound, "change request"));

  // A change to the draft voids the approval.
  DraftRecord change = **store_->FindDraft(draft_id);
  change.revision = 2;
  change.updated_by = "ana";
  change.updated_at = "2026-12-06T12:00:00.000Z";
  ASSERT_THAT(Do("change", [&](Transaction& tx) { return tx.ReplaceDraft(change); }), IsOk());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  // Who wrote it: its author and each who changed it, once each.
  EXPECT_THAT(store_->FindDraft(draft_id)->value().editors, ::testing::ElementsAre("ana", "mei"));
  const ChangeRequestRecord voided = **store_->FindChangeRequest(first);
  EXPECT_EQ(voided.state, "voided");
  EXPECT_EQ(voided.state_by, "ana");
  EXPECT_EQ(voided.state_at, "2026-12-06T12:00:00.000Z");
  EXPECT_EQ(voided.state_comment,
            "the draft was changed (revision 2, by ana) after it was submitted");
  EXPECT_EQ(voided.version, "aaaabbbbcccc");
  EXPECT_EQ(voided.author, "mei");
  EXPECT_EQ(voided.serving_version, "3ca4c8bf39df");
  ASSERT_EQ(voided.events.size(), 3u);
  EXPECT_EQ(voided.events[0].action, "submitted");
  EXPECT_EQ(voided.events[0].checks, "loads: ok\ntests: ok");
  EXPECT_EQ(voided.events[0].comment, "please");
  EXPECT_EQ(voided.events[1].action, "approved");
  EXPECT_EQ(voided.events[1].actor, "lee");
  EXPECT_EQ(voided.events[2].action, "voided");

  // Not on a revision the draft has left; submitted again on its own, and
  // deleting the draft voids that one too.
  int64_t second = 0;
  EXPECT_THAT(submit("submit-stale", &second),
              StatusIs(absl::StatusCode::kAborted, "now revision 2, by ana"));
  request.draft_revision = 2;
  ASSERT_THAT(submit("submit-3", &second), IsOk());
  EXPECT_NE(second, first);
  ASSERT_THAT(Do("delete",
                 [&](Transaction& tx) {
                   return tx.DeleteDraft(draft_id, 2, "ana", "2026-12-06T13:00:00.000Z");
                 }),
              IsOk());
  EXPECT_EQ(store_->FindChangeRequest(second)->value().state, "voided");
  EXPECT_EQ(store_->FindChangeRequest(second)->value().state_comment,
            "the draft was deleted by ana");

  // Listed newest first, without events; by state.
  absl::StatusOr<std::vector<ChangeRequestRecord>> all = store_->ChangeRequests("", 10);
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, second);
  EXPECT_TRUE((*all)[0].events.empty());
  EXPECT_EQ(store_->ChangeRequests("voided", 10)->size(), 2u);
  EXPECT_EQ(store_->ChangeRequests("open", 10)->size(), 0u);
  EXPECT_EQ(store_->ChangeRequests("", 1)->size(), 1u);
  EXPECT_FALSE(store_->FindChangeRequest(second + 100)->has_value());
}

}  // namespace
}  // namespace clientele::server
