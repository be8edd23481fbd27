// Crash safety: clienteled is killed with SIGKILL in the middle of a
// bounded stream of purchases and points redemptions from several
// concurrent clients, restarted on the same database, and every request is
// retried with its idempotency key. The server serves the retail example
// ruleset (config/examples/retail-programme: 14 pending days, 12-month
// expiry), and some purchases are dated so long ago that their points have
// expired: redemptions write those off as they go, and the expiry pass at
// each restart writes off the rest. Then, reading the SQLite file directly:
//  - every acknowledged purchase and redemption is there exactly once,
//    with the answer the client was given before the crash;
//  - no point was awarded twice: one ledger entry per purchase;
//  - no lot expired twice, and none that has expired is left unwritten;
//  - every balance equals the sum of its ledger, and the lots' remaining
//    points add up to it.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "clientele/v1/loyalty.grpc.pb.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

constexpr int kClients = 4;
constexpr int kRequestsPerClient = 300;  // upper bound of the stream
constexpr int kKillAfterAcks = 120;      // crash once this many are acknowledged
constexpr int kCustomers = 5;

// One request of the stream: every fourth a redemption, the others
// purchases, one in three of them dated 400 days ago (expired points).
struct StreamItem {
  bool redemption = false;
  v1::RecordPurchaseRequest purchase;
  v1::RedeemPointsRequest redeem;
};

class CrashSafetyTest : public ServerTest {
 protected:
  CrashSafetyTest() { rules_ = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme"; }

  static std::string CustomerOf(int n) { return "c-" + std::to_string(n % kCustomers); }
  static std::string Id(int client, int i) {
    return std::to_string(client) + "-" + std::to_string(i);
  }
  static std::string DaysAgo(int days) {
    return rules::Date::FromDays(rules::Date::Today().days() - days).ToString();
  }
  static StreamItem ItemOf(int client, int i) {
    StreamItem item;
    if (i % 4 == 3) {
      item.redemption = true;
      item.redeem.set_idempotency_key("k-r-" + Id(client, i));
      item.redeem.set_customer_id(CustomerOf(i + client));
      item.redeem.set_points(7);
      item.redeem.set_reason("crash test");
      item.redeem.set_reference("order-" + Id(client, i));
      return item;
    }
    static const char* kAmounts[] = {"100", "350", "1200"};
    item.purchase.set_idempotency_key("k-p-" + Id(client, i));
    item.purchase.set_customer_id(CustomerOf(i + client));
    item.purchase.set_purchase_id("p-" + Id(client, i));
    item.purchase.set_amount(kAmounts[i % 3]);
    item.purchase.set_product("产品A");
    item.purchase.set_date(DaysAgo(i % 4 == 1 ? 400 : 20));
    return item;
  }
};

// The outcome of one request: its status and response bytes.
struct Answer {
  grpc::Status status;
  std::string response;
};

Answer Send(v1::Events::Stub& events, v1::Loyalty::Stub& loyalty, const StreamItem& item) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  Answer answer;
  if (item.redemption) {
    v1::RedeemPointsResponse response;
    answer.status = loyalty.RedeemPoints(&context, item.redeem, &response);
    answer.response = response.SerializeAsString();
  } else {
    v1::RecordPurchaseResponse response;
    answer.status = events.RecordPurchase(&context, item.purchase, &response);
    answer.response = response.SerializeAsString();
  }
  return answer;
}

TEST_F(CrashSafetyTest, AcknowledgedWritesSurviveKillNineExactlyOnce) {
  for (int n = 0; n < kCustomers; ++n) {
    v1::Customer c = ZhangSan();
    c.set_id(CustomerOf(n));
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, "k-customer-" + std::to_string(n), &r).ok());
  }

  // Several clients send until the server dies under them.
  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // by idempotency key: response bytes
  std::atomic<int> acks{0};
  std::atomic<int> redemptions_acknowledged{0};
  std::atomic<int> sent_per_client[kClients] = {};
  std::vector<std::thread> clients;
  const std::string address = server_.address();
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      auto channel = testing::TestChannel(address);
      auto events = v1::Events::NewStub(channel);
      auto loyalty = v1::Loyalty::NewStub(channel);
      for (int i = 0; i < kRequestsPerClient; ++i) {
        const StreamItem item = ItemOf(client, i);
        sent_per_client[client] = i + 1;
        const Answer answer = Send(*events, *loyalty, item);
        // Too few points is an answer; anything else means the server is gone.
        if (answer.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) continue;
        if (!answer.status.ok()) break;
        std::lock_guard<std::mutex> lock(mutex);
        acknowledged[item.redemption ? item.redeem.idempotency_key()
                                     : item.purchase.idempotency_key()] = answer.response;
        if (item.redemption) ++redemptions_acknowledged;
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
  ASSERT_GE(acks.load(), kKillAfterAcks) << "too few writes before the deadline";
  ASSERT_LT(acks.load(), kClients * kRequestsPerClient) << "the stream ended before the kill";
  ASSERT_GT(redemptions_acknowledged.load(), 0) << "no redemption in the stream";

  // Restart on the same database (its expiry pass writes off what expired);
  // retry everything each client sent.
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto loyalty = v1::Loyalty::NewStub(channel_);
  int purchases = 0;
  for (int client = 0; client < kClients; ++client) {
    for (int i = 0; i < sent_per_client[client]; ++i) {
      const StreamItem item = ItemOf(client, i);
      const Answer answer = Send(*events_, *loyalty, item);
      const std::string& key =
          item.redemption ? item.redeem.idempotency_key() : item.purchase.idempotency_key();
      auto it = acknowledged.find(key);
      if (it != acknowledged.end()) {
        // The retry of an acknowledged write is answered from the stored
        // response: the same points and balances as the first time.
        ASSERT_TRUE(answer.status.ok()) << key << ": " << answer.status.error_message();
        EXPECT_EQ(answer.response, it->second) << key;
      }
      if (item.redemption) {
        EXPECT_TRUE(answer.status.ok() ||
                    answer.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
            << key << ": " << answer.status.error_message();
      } else {
        ASSERT_TRUE(answer.status.ok()) << key << ": " << answer.status.error_message();
        ++purchases;
      }
    }
  }
  loyalty.reset();
  // Purchases retried after the restart's expiry pass may have expired
  // points again: a second restart's pass writes them off (the ledger
  // shows none due once it has run).
  ASSERT_EQ(StopServer(), 0);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int n = 0; n < kCustomers; ++n) {
    while (true) {
      v1::GetLedgerRequest request;
      request.set_customer_id(CustomerOf(n));
      v1::GetLedgerResponse ledger;
      ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, request, &ledger).ok());
      if (ledger.expiry_due() == 0) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the expiry pass did not run";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_EQ(StopServer(), 0);

  SQLite::Database db(server_.database(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM purchases").getInt(), purchases);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM ledger WHERE reason = 'purchase'").getInt(),
            purchases);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM (SELECT source FROM ledger WHERE reason = "
                          "'purchase' GROUP BY source HAVING count(*) > 1)")
                .getInt(),
            0)
      << "a purchase earned points twice";
  for (const auto& [key, bytes] : acknowledged) {
    if (key.starts_with("k-r-")) {
      v1::RedeemPointsResponse response;
      ASSERT_TRUE(response.ParseFromString(bytes));
      SQLite::Statement s(db,
                          "SELECT l.delta, l.reason, (SELECT count(*) FROM point_redemptions r "
                          "WHERE r.id = l.id) FROM ledger l WHERE l.id = ?");
      s.bind(1, response.redemption_id());
      ASSERT_TRUE(s.executeStep()) << "acknowledged redemption " << key << " is missing";
      EXPECT_EQ(s.getColumn(0).getInt64(), -7) << key;
      EXPECT_EQ(s.getColumn(1).getString(), "redemption") << key;
      EXPECT_EQ(s.getColumn(2).getInt(), 1) << key;
      continue;
    }
    v1::RecordPurchaseResponse response;
    ASSERT_TRUE(response.ParseFromString(bytes));
    SQLite::Statement s(db,
                        "SELECT p.points_earned, (SELECT count(*) FROM ledger l WHERE l.source = "
                        "'purchase:' || p.purchase_id AND l.reason = 'purchase') FROM purchases p "
                        "WHERE p.purchase_id = ?");
    s.bind(1, response.purchase_id());
    ASSERT_TRUE(s.executeStep()) << "acknowledged purchase " << key << " is missing";
    EXPECT_EQ(s.getColumn(0).getInt64(), response.points_earned()) << key;
    EXPECT_EQ(s.getColumn(1).getInt(), 1) << key;
  }
  // Redemptions are one ledger entry each; every lot expired at most once,
  // and none that has expired is left with points.
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM point_redemptions").getInt(),
            db.execAndGet("SELECT count(*) FROM ledger WHERE reason = 'redemption'").getInt());
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM (SELECT d.lot_id FROM point_draws d JOIN ledger l "
                          "ON l.id = d.entry_id WHERE l.reason = 'expiry' GROUP BY d.lot_id "
                          "HAVING count(*) > 1)")
                .getInt(),
            0)
      << "a lot expired twice";
  EXPECT_GT(db.execAndGet("SELECT count(*) FROM ledger WHERE reason = 'expiry'").getInt(), 0)
      << "no expiry was written";
  SQLite::Statement due(db,
                        "SELECT count(*) FROM point_lots WHERE remaining > 0 AND expires_on <= ?");
  due.bind(1, rules::Date::Today().days());
  ASSERT_TRUE(due.executeStep());
  EXPECT_EQ(due.getColumn(0).getInt(), 0) << "expired points left after the expiry pass";

  SQLite::Statement balances(
      db,
      "SELECT c.id, c.points, coalesce((SELECT sum(delta) FROM ledger l WHERE l.customer_id = "
      "c.id), 0), coalesce((SELECT sum(remaining) FROM point_lots p WHERE p.customer_id = c.id), "
      "0) FROM customers c");
  int customers = 0;
  while (balances.executeStep()) {
    ++customers;
    const std::string id = balances.getColumn(0).getString();
    const int64_t points = balances.getColumn(1).getInt64();
    EXPECT_EQ(points, balances.getColumn(2).getInt64())
        << "balance of " << id << " is not its ledger's sum";
    EXPECT_EQ(std::max<int64_t>(points, 0), balances.getColumn(3).getInt64())
        << "the lots of " << id << " do not add up to its balance";
  }
  EXPECT_EQ(customers, kCustomers);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace clientele
