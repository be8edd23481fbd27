// Several clienteled replicas over one PostgreSQL database (the test
// server of tests/support/test_database.h, a schema of its own): clients
// spread a stream of purchases, returns and points redemptions over three
// replicas, one replica is killed with SIGKILL mid-stream, and every call
// that got no answer is retried with its idempotency key on the next
// replica. Then:
//  - every acknowledged write is there exactly once, and its retry on any
//    replica returns the first answer;
//  - one ledger entry per purchase, and every balance equals the sum of
//    its ledger, read through each surviving replica.
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/loyalty.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/test_channel.h"
#include "tests/support/test_database.h"

namespace clientele {
namespace {

constexpr int kReplicas = 3;
constexpr int kClients = 4;
constexpr int kRequestsPerClient = 150;  // upper bound of the stream
constexpr int kKillAfterAcks = 150;      // replica 0 dies once this many are acknowledged
constexpr int kCustomers = 6;

enum class Kind { kPurchase, kReturn, kRedemption };

struct Item {
  Kind kind = Kind::kPurchase;
  std::string key;
  v1::RecordPurchaseRequest purchase;
  v1::ReturnPurchaseRequest return_;
  v1::RedeemPointsRequest redeem;
};

std::string CustomerOf(int n) { return "c-" + std::to_string(n % kCustomers); }
std::string Id(int client, int i) { return std::to_string(client) + "-" + std::to_string(i); }

// Every fifth a redemption, every fifth (after it) a return of the
// client's purchase before, the others purchases.
Item ItemOf(int client, int i) {
  Item item;
  if (i % 5 == 4) {
    item.kind = Kind::kRedemption;
    item.key = "k-r-" + Id(client, i);
    item.redeem.set_idempotency_key(item.key);
    item.redeem.set_customer_id(CustomerOf(client + i));
    item.redeem.set_points(5);
    item.redeem.set_reason("replica test");
    item.redeem.set_reference("order-" + Id(client, i));
  } else if (i % 5 == 3) {
    item.kind = Kind::kReturn;
    item.key = "k-ret-" + Id(client, i);
    item.return_.set_idempotency_key(item.key);
    item.return_.set_purchase_id("p-" + Id(client, i - 1));
  } else {
    static const char* kAmounts[] = {"100", "350", "1200"};
    item.key = "k-p-" + Id(client, i);
    item.purchase.set_idempotency_key(item.key);
    item.purchase.set_customer_id(CustomerOf(client + i));
    item.purchase.set_purchase_id("p-" + Id(client, i));
    item.purchase.set_amount(kAmounts[i % 3]);
    item.purchase.set_product("产品A");
  }
  return item;
}

// A replica's stubs.
struct Replica {
  explicit Replica(const std::string& address)
      : channel(testing::TestChannel(address)),
        events(v1::Events::NewStub(channel)),
        loyalty(v1::Loyalty::NewStub(channel)),
        customers(v1::Customers::NewStub(channel)),
        reports(v1::Reports::NewStub(channel)) {}
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Events::Stub> events;
  std::unique_ptr<v1::Loyalty::Stub> loyalty;
  std::unique_ptr<v1::Customers::Stub> customers;
  std::unique_ptr<v1::Reports::Stub> reports;
};

struct Answer {
  grpc::Status status;
  std::string response;
};

Answer Send(Replica& replica, const Item& item) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  Answer answer;
  switch (item.kind) {
    case Kind::kPurchase: {
      v1::RecordPurchaseResponse response;
      answer.status = replica.events->RecordPurchase(&context, item.purchase, &response);
      answer.response = response.SerializeAsString();
      break;
    }
    case Kind::kReturn: {
      v1::ReturnPurchaseResponse response;
      answer.status = replica.events->ReturnPurchase(&context, item.return_, &response);
      answer.response = response.SerializeAsString();
      break;
    }
    case Kind::kRedemption: {
      v1::RedeemPointsResponse response;
      answer.status = replica.loyalty->RedeemPoints(&context, item.redeem, &response);
      answer.response = response.SerializeAsString();
      break;
    }
  }
  return answer;
}

// No answer from the replica: it is gone (or going); the call goes to
// another.
bool Unanswered(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         status.error_code() == grpc::StatusCode::CANCELLED;
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::PostgresTestServer* server = testing::PostgresTestServer::Get();
    ASSERT_NE(server, nullptr);
    std::random_device random;
    absl::StatusOr<std::string> url = server->SchemaUrl("replicas_" + std::to_string(::getpid()) +
                                                        "_" + std::to_string(random() % 1000000));
    ASSERT_TRUE(url.ok()) << url.status();
    for (testing::ServerProcess& process : processes_) {
      process.set_database(*url, server->password_file());
      ASSERT_TRUE(process.Start(CLIENTELE_SOURCE_DIR "/config/rules")) << process.ReadLog();
      replicas_.push_back(std::make_unique<Replica>(process.address()));
    }
  }

  testing::ServerProcess processes_[kReplicas];
  std::vector<std::unique_ptr<Replica>> replicas_;
};

TEST_F(ReplicasTest, AcknowledgedWritesAreThereOnceWhenAReplicaDiesMidStream) {
  for (int n = 0; n < kCustomers; ++n) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key("k-customer-" + std::to_string(n));
    v1::Customer& c = *request.mutable_customer();
    c.set_id(CustomerOf(n));
    c.set_name("张三");
    c.set_age(30);
    c.set_consumption("高");
    c.set_channel("线上");
    c.set_satisfaction("4.0");
    grpc::ClientContext context;
    v1::UpsertCustomerResponse response;
    // Each customer through another replica.
    ASSERT_TRUE(
        replicas_[n % kReplicas]->customers->UpsertCustomer(&context, request, &response).ok());
  }

  std::mutex mutex;
  std::map<std::string, std::string> acknowledged;  // key: first answer's bytes
  std::atomic<int> acks{0};
  std::atomic<int> sent[kClients] = {};
  std::atomic<int> retried_elsewhere{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] {
      for (int i = 0; i < kRequestsPerClient; ++i) {
        const Item item = ItemOf(client, i);
        sent[client] = i + 1;
        Answer answer;
        for (int attempt = 0; attempt < kReplicas; ++attempt) {
          answer = Send(*replicas_[(client + i + attempt) % kReplicas], item);
          if (!Unanswered(answer.status)) break;
          ++retried_elsewhere;
        }
        if (!answer.status.ok()) continue;  // an answer all the same (too few points...)
        std::lock_guard lock(mutex);
        acknowledged.emplace(item.key, answer.response);
        ++acks;
      }
    });
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (acks < kKillAfterAcks && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const int acks_at_kill = acks;
  processes_[0].Kill();
  for (std::thread& t : clients) t.join();
  ASSERT_GE(acks_at_kill, kKillAfterAcks) << "too few writes before the deadline";
  ASSERT_GT(acks.load(), acks_at_kill + kClients * 10)
      << "the stream had nearly ended before the kill";
  std::cout << acks_at_kill << " writes acknowledged before the kill, " << acks.load()
            << " in all, " << retried_elsewhere.load() << " calls retried on another replica\n";
  EXPECT_GT(retried_elsewhere.load(), 0) << "no call was retried on another replica";

  // Every call retried on each surviving replica: the first answer again.
  std::set<std::string> purchases;
  for (int replica = 1; replica < kReplicas; ++replica) {
    for (int client = 0; client < kClients; ++client) {
      for (int i = 0; i < sent[client]; ++i) {
        const Item item = ItemOf(client, i);
        const Answer answer = Send(*replicas_[replica], item);
        ASSERT_FALSE(Unanswered(answer.status)) << item.key << " on replica " << replica;
        if (auto it = acknowledged.find(item.key); it != acknowledged.end()) {
          ASSERT_TRUE(answer.status.ok()) << item.key << ": " << answer.status.error_message();
          EXPECT_EQ(answer.response, it->second) << item.key << " on replica " << replica;
        }
        if (item.kind == Kind::kPurchase) {
          ASSERT_TRUE(answer.status.ok()) << item.key << ": " << answer.status.error_message();
          purchases.insert(item.purchase.purchase_id());
        }
      }
    }
  }

  // Every purchase earned points once, and every balance is its ledger's
  // sum, as each surviving replica reads them.
  for (int replica = 1; replica < kReplicas; ++replica) {
    int purchase_entries = 0;
    for (int n = 0; n < kCustomers; ++n) {
      v1::GetLedgerRequest request;
      request.set_customer_id(CustomerOf(n));
      request.set_page_size(1000);
      v1::GetLedgerResponse ledger;
      grpc::ClientContext context;
      ASSERT_TRUE(replicas_[replica]->reports->GetLedger(&context, request, &ledger).ok());
      int64_t sum = 0;
      std::set<std::string> sources;
      for (const v1::LedgerEntry& entry : ledger.entries()) {
        sum += entry.delta();
        if (entry.reason() != "purchase") continue;
        ++purchase_entries;
        EXPECT_TRUE(sources.insert(entry.source()).second) << entry.source() << " earned twice";
        EXPECT_TRUE(purchases.contains(entry.source().substr(9))) << entry.source();
      }
      EXPECT_EQ(ledger.next_page_token(), "");
      EXPECT_EQ(sum, ledger.balance()) << CustomerOf(n);
      v1::GetPointsRequest points_request;
      points_request.set_customer_id(CustomerOf(n));
      v1::GetPointsResponse points;
      grpc::ClientContext points_context;
      ASSERT_TRUE(
          replicas_[replica]->loyalty->GetPoints(&points_context, points_request, &points).ok());
      EXPECT_EQ(points.points().balance(), sum)
          << "balance of " << CustomerOf(n) << " is not its ledger's";
    }
    EXPECT_EQ(purchase_entries, static_cast<int>(purchases.size())) << "replica " << replica;
  }
}

// The CLI asks every replica which version it serves, spreads its calls
// over them, and carries on when one is gone.
TEST_F(ReplicasTest, TheCliSeesEveryReplicaAndCallsThoseThatAreUp) {
  client::ClearClienteleEnvironment();
  std::string servers;
  for (const testing::ServerProcess& process : processes_) {
    servers += (servers.empty() ? "" : ",") + process.address();
  }
  const std::vector<std::string> status = {"rules", "status",  "--server",
                                           servers, "--token", testing::kAdminToken};
  client::CliOutput all = client::RunCommand(status);
  EXPECT_EQ(all.code, 0) << all.out << all.err;
  EXPECT_THAT(all.out, ::testing::HasSubstr("all 3 serve "));
  for (const testing::ServerProcess& process : processes_) {
    EXPECT_THAT(all.out, ::testing::HasSubstr(process.address()));
  }
  std::vector<std::string> json = status;
  json.push_back("--json");
  EXPECT_EQ(client::RunCommand(json).JsonLines().size(), 3u);

  // Writes through the round robin, one replica after the other.
  for (int n = 0; n < 6; ++n) {
    client::CliOutput upsert = client::RunCommand(
        {"customers", "upsert", "--server", servers, "--token", testing::kAdminToken, "--customer",
         "{\"id\":\"cli-" + std::to_string(n) + "\",\"name\":\"王五\",\"age\":40}"});
    EXPECT_EQ(upsert.code, 0) << upsert.out << upsert.err;
  }
  processes_[1].Kill();
  client::CliOutput one_down = client::RunCommand(status);
  EXPECT_EQ(one_down.code, 5) << one_down.out << one_down.err;
  EXPECT_THAT(one_down.out, ::testing::HasSubstr("unreachable"));
  for (int n = 0; n < 6; ++n) {
    client::CliOutput get =
        client::RunCommand({"customers", "get", "cli-" + std::to_string(n), "--server", servers,
                            "--token", testing::kAdminToken});
    EXPECT_EQ(get.code, 0) << get.out << get.err;
  }
  // Names are resolved to their addresses, which the calls go to in turn
  // (the replica killed above among them, skipped).
  std::string names;
  for (const testing::ServerProcess& process : processes_) {
    const std::string& address = process.address();
    names += (names.empty() ? "localhost" : ",localhost") + address.substr(address.rfind(':'));
  }
  for (int n = 0; n < 6; ++n) {
    client::CliOutput get =
        client::RunCommand({"customers", "get", "cli-" + std::to_string(n), "--server", names,
                            "--token", testing::kAdminToken});
    EXPECT_EQ(get.code, 0) << get.out << get.err;
  }
  // A name that does not resolve is the network's failure, said at once.
  client::CliOutput unknown =
      client::RunCommand({"customers", "get", "cli-0", "--server",
                          "no-such-replica.invalid:50051," + processes_[0].address(), "--token",
                          testing::kAdminToken});
  EXPECT_EQ(unknown.code, 5) << unknown.out << unknown.err;
  EXPECT_THAT(unknown.err, ::testing::HasSubstr("cannot resolve 'no-such-replica.invalid'"));
  // A server without its port is bad input.
  client::CliOutput portless =
      client::RunCommand({"customers", "get", "cli-0", "--server",
                          "localhost," + processes_[0].address(), "--token", testing::kAdminToken});
  EXPECT_EQ(portless.code, 2) << portless.out << portless.err;
  EXPECT_THAT(portless.err, ::testing::HasSubstr("'localhost' has no port"));
  client::CliOutput bracketed =
      client::RunCommand({"customers", "get", "cli-0", "--server",
                          "[::1]," + processes_[0].address(), "--token", testing::kAdminToken});
  EXPECT_EQ(bracketed.code, 2) << bracketed.out << bracketed.err;
  EXPECT_THAT(bracketed.err, ::testing::HasSubstr("'[::1]' has no port"));
}

}  // namespace
}  // namespace clientele
