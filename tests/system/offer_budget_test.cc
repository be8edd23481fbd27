// Offer budgets against the real clienteled over gRPC: 16 clients at once
// redeem an offer with a budget of 60 redemptions, far more than it holds;
// the server is killed with SIGKILL in the middle, restarted on the same
// database, and every client sends its whole stream again with the same
// idempotency keys, competing for the last units. Then, reading the
// SQLite file directly:
//  - exactly the budget was redeemed, never more;
//  - every acknowledged redemption is there once, answered the same on retry;
//  - the usage rows that limits and budgets count (everyone's and each
//    customer's, by day and in total) equal the redemptions recorded.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "clientele/v1/offers.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/rules_directory.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

constexpr int kClients = 16;
constexpr int kRequestsPerClient = 20;  // 320 asked, 60 to give
constexpr int kBudget = 60;
constexpr int kKillAfterAcks = 25;
constexpr int kCustomers = 10;

constexpr char kOffers[] = R"(kind: offers
offers:
  - id: launch_gift
    when: true
    offer: 新品礼
    stacking: stackable
    value: {amount_off: 20}
    budget: {redemptions: 60}
)";

class OfferBudgetTest : public ServerTest {
 protected:
  OfferBudgetTest() {
    directory_.WriteInPlace("offers.yaml", kOffers);
    rules_ = directory_.path().string();
  }

  static std::string CustomerOf(int n) { return "c-" + std::to_string(n % kCustomers); }
  static v1::RedeemOfferRequest RequestOf(int client, int i) {
    v1::RedeemOfferRequest request;
    request.set_idempotency_key("k-o-" + std::to_string(client) + "-" + std::to_string(i));
    request.set_customer_id(CustomerOf(client + i));
    request.set_offer_id("launch_gift");
    request.set_channel(i % 2 == 0 ? "online" : "offline");
    return request;
  }

  testing::RulesDirectory directory_;
};

struct Answer {
  grpc::Status status;
  std::string response;
};

Answer Redeem(v1::Offers::Stub& offers, const v1::RedeemOfferRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::RedeemOfferResponse response;
  Answer answer;
  answer.status = offers.RedeemOffer(&context, request, &response);
  answer.response = response.SerializeAsString();
  return answer;
}

TEST_F(OfferBudgetTest, SixteenClientsAndAKillNineRedeemExactlyTheBudget) {
  for (int n = 0; n < kCustomers; ++n) {
    v1::Customer c = ZhangSan();
    c.set_id(CustomerOf(n));
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, "k-customer-" + std::to_string(n), &r).ok());
  }
  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // by key: the response's bytes
  std::atomic<int> acks{0};
  std::atomic<int> refused{0};
  std::atomic<int> sent_per_client[kClients] = {};
  auto run_clients = [&](std::string address, bool first_run) {
    std::vector<std::thread> clients;
    for (int client = 0; client < kClients; ++client) {
      clients.emplace_back([&, client, address, first_run] {
        auto offers = v1::Offers::NewStub(testing::TestChannel(address));
        for (int i = 0; i < kRequestsPerClient; ++i) {
          const v1::RedeemOfferRequest request = RequestOf(client, i);
          if (first_run) sent_per_client[client] = i + 1;
          const Answer answer = Redeem(*offers, request);
          if (answer.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
            EXPECT_NE(answer.status.error_message().find("budget spent"), std::string::npos)
                << answer.status.error_message();
            ++refused;
            continue;
          }
          if (!answer.status.ok()) {
            EXPECT_TRUE(first_run) << request.idempotency_key() << ": "
                                   << answer.status.error_message();
            return;  // the server is gone
          }
          std::lock_guard<std::mutex> lock(mutex);
          auto [it, fresh] = acknowledged.emplace(request.idempotency_key(), answer.response);
          if (!fresh) {
            EXPECT_EQ(it->second, answer.response) << "retry of " << request.idempotency_key();
          }
          ++acks;
        }
      });
    }
    return clients;
  };

  std::vector<std::thread> clients = run_clients(server_.address(), true);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acks < kKillAfterAcks && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_.Kill();
  for (std::thread& t : clients) t.join();
  ASSERT_GE(acks.load(), kKillAfterAcks) << "too few redemptions before the deadline";
  ASSERT_LT(static_cast<int>(acknowledged.size()), kBudget) << "the budget was gone before the kill";

  // Restart on the same database; every client sends its whole stream
  // again: retries of what it sent, then the rest.
  ASSERT_NO_FATAL_FAILURE(StartServer());
  clients = run_clients(server_.address(), false);
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(static_cast<int>(acknowledged.size()), kBudget);
  ASSERT_EQ(StopServer(), 0);

  SQLite::Database db(server_.database(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM offer_redemptions WHERE offer_id = 'launch_gift' "
                          "AND reversed_at IS NULL")
                .getInt(),
            kBudget);
  for (const auto& [key, bytes] : acknowledged) {
    v1::RedeemOfferResponse response;
    ASSERT_TRUE(response.ParseFromString(bytes));
    SQLite::Statement s(db, "SELECT customer_id, value_units FROM offer_redemptions WHERE id = ?");
    s.bind(1, response.redemption().redemption_id());
    ASSERT_TRUE(s.executeStep()) << "acknowledged redemption " << key << " is missing";
    EXPECT_EQ(s.getColumn(0).getString(), response.redemption().customer_id()) << key;
    EXPECT_EQ(s.getColumn(1).getInt64(), 20 * 10'000) << key;
  }
  // Everyone's usage, in total and by day, and each customer's.
  EXPECT_EQ(db.execAndGet("SELECT sum(redemptions) FROM offer_usage_totals WHERE customer_id = ''")
                .getInt(),
            kBudget);
  EXPECT_EQ(db.execAndGet("SELECT sum(redemptions) FROM offer_usage_days WHERE customer_id = ''")
                .getInt(),
            kBudget);
  EXPECT_EQ(db.execAndGet("SELECT sum(value_units) FROM offer_usage_totals WHERE customer_id = ''")
                .getInt64(),
            int64_t{kBudget} * 20 * 10'000);
  SQLite::Statement per_customer(
      db,
      "SELECT c.id, coalesce((SELECT sum(redemptions) FROM offer_usage_totals u WHERE "
      "u.customer_id = c.id), 0), (SELECT count(*) FROM offer_redemptions r WHERE r.customer_id = "
      "c.id AND r.reversed_at IS NULL) FROM customers c");
  while (per_customer.executeStep()) {
    EXPECT_EQ(per_customer.getColumn(1).getInt(), per_customer.getColumn(2).getInt())
        << "the usage of " << per_customer.getColumn(0).getString();
  }
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace clientele
