// Crash safety: clienteled is killed with SIGKILL in the middle of a
// bounded stream of purchases from several concurrent clients, restarted on
// the same database, and every purchase is retried with its idempotency
// key. Then, reading the SQLite file directly:
//  - every acknowledged purchase is there exactly once, with the answer
//    the client was given before the crash;
//  - no point was awarded twice: one ledger entry per purchase;
//  - every balance equals the sum of its ledger.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

constexpr int kClients = 4;
constexpr int kPurchasesPerClient = 300;  // upper bound of the stream
constexpr int kKillAfterAcks = 120;       // crash once this many are acknowledged
constexpr int kCustomers = 5;

class CrashSafetyTest : public ServerTest {
 protected:
  static std::string CustomerOf(int n) { return "c-" + std::to_string(n % kCustomers); }
  static std::string PurchaseId(int client, int i) {
    return "p-" + std::to_string(client) + "-" + std::to_string(i);
  }
  // Amounts that reach every earning band: 100 / 350 / 600.
  static std::string AmountOf(int i) {
    static const char* kAmounts[] = {"100", "350", "600"};
    return kAmounts[i % 3];
  }
};

TEST_F(CrashSafetyTest, AcknowledgedPurchasesSurviveKillNineExactlyOnce) {
  for (int n = 0; n < kCustomers; ++n) {
    v1::Customer c = ZhangSan();
    c.set_id(CustomerOf(n));
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, "k-customer-" + std::to_string(n), &r).ok());
  }

  // Several clients send purchases until the server dies under them.
  std::mutex mutex;
  std::map<std::string, v1::RecordPurchaseResponse> acknowledged;  // by purchase id
  std::atomic<int> acks{0};
  std::atomic<int> sent_per_client[kClients] = {};
  std::vector<std::thread> clients;
  const std::string address = server_.address();
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto channel = testing::TestChannel(address);
      auto events = v1::Events::NewStub(channel);
      for (int i = 0; i < kPurchasesPerClient; ++i) {
        v1::RecordPurchaseRequest request;
        request.set_idempotency_key("k-" + PurchaseId(client, i));
        request.set_customer_id(CustomerOf(i + client));
        request.set_purchase_id(PurchaseId(client, i));
        request.set_amount(AmountOf(i));
        request.set_product("产品A");
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::RecordPurchaseResponse response;
        sent_per_client[client] = i + 1;
        grpc::Status status = events->RecordPurchase(&context, request, &response);
        if (!status.ok()) break;  // the server is gone
        std::lock_guard<std::mutex> lock(mutex);
        acknowledged[request.purchase_id()] = response;
        ++acks;
      }
    });
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acks < kKillAfterAcks && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_.Kill();
  for (std::thread& t : clients) t.join();
  ASSERT_GE(acks.load(), kKillAfterAcks) << "too few purchases before the deadline";
  ASSERT_LT(acks.load(), kClients * kPurchasesPerClient) << "the stream ended before the kill";

  // Restart on the same database; retry everything each client sent.
  ASSERT_NO_FATAL_FAILURE(StartServer());
  int retried = 0;
  for (int client = 0; client < kClients; ++client) {
    for (int i = 0; i < sent_per_client[client]; ++i) {
      v1::RecordPurchaseResponse response;
      grpc::Status status = Purchase(CustomerOf(i + client), PurchaseId(client, i), AmountOf(i),
                                     "k-" + PurchaseId(client, i), &response);
      ASSERT_TRUE(status.ok()) << PurchaseId(client, i) << ": " << status.error_message();
      ++retried;
      auto it = acknowledged.find(PurchaseId(client, i));
      if (it != acknowledged.end()) {
        // The retry of an acknowledged purchase is answered from the
        // stored response: same points, same balance as the first time.
        EXPECT_EQ(response.SerializeAsString(), it->second.SerializeAsString())
            << PurchaseId(client, i);
      }
    }
  }
  ASSERT_EQ(StopServer(), 0);

  SQLite::Database db(server_.database(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM purchases").getInt(), retried);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM ledger WHERE reason = 'purchase'").getInt(),
            retried);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM (SELECT source FROM ledger GROUP BY source "
                          "HAVING count(*) > 1)")
                .getInt(),
            0)
      << "a purchase earned points twice";
  for (const auto& [purchase_id, response] : acknowledged) {
    SQLite::Statement s(db,
                        "SELECT p.points_earned, (SELECT count(*) FROM ledger l WHERE l.source = "
                        "'purchase:' || p.purchase_id) FROM purchases p WHERE p.purchase_id = ?");
    s.bind(1, purchase_id);
    ASSERT_TRUE(s.executeStep()) << "acknowledged purchase " << purchase_id << " is missing";
    EXPECT_EQ(s.getColumn(0).getInt64(), response.points_earned()) << purchase_id;
    EXPECT_EQ(s.getColumn(1).getInt(), 1) << purchase_id;
  }
  SQLite::Statement balances(db,
                             "SELECT c.id, c.points, coalesce((SELECT sum(delta) FROM ledger l "
                             "WHERE l.customer_id = c.id), 0) FROM customers c");
  int customers = 0;
  while (balances.executeStep()) {
    ++customers;
    EXPECT_EQ(balances.getColumn(1).getInt64(), balances.getColumn(2).getInt64())
        << "balance of " << balances.getColumn(0).getString() << " is not its ledger's sum";
  }
  EXPECT_EQ(customers, kCustomers);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace clientele
