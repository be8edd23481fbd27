// The real clienteled, started on an ephemeral 127.0.0.1 port with a
// temporary database and the default ruleset, driven through the generated
// gRPC clients: the seed story end to end, idempotency, paging, deletes,
// malformed requests (each with its status code, a message naming the
// problem, and no change to the database), restart and graceful shutdown.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>


#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/health_check.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;

// The seed articles' story: a young low-income customer gets the 满100减20
// offer, earns 100 / 50 / 20 points for purchases of 600 / 350 / 100, a
// 好评 takes satisfaction from 4.0 to exactly 4.1 and makes them satisfied.
TEST_F(ServerTest, SeedStoryFromImportToDecisions) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-upsert", &upserted).ok());
  EXPECT_TRUE(upserted.created());
  EXPECT_EQ(upserted.customer().consumption(), "low");
  EXPECT_EQ(upserted.customer().tier(), "普通会员");

  v1::Decision before = Evaluate("c-1");
  EXPECT_EQ(SegmentOf(before, "life_stage"), "年轻低收入群体");
  EXPECT_EQ(SegmentOf(before, "age_band"), "年轻客户");
  EXPECT_EQ(SegmentOf(before, "satisfaction_level"), "不满意客户");
  EXPECT_EQ(SegmentOf(before, "purchase_behavior"), "潜力客户");
  ASSERT_EQ(before.offers_size(), 1);
  EXPECT_EQ(before.offers(0).offer(), "满100减20");

  struct Step {
    const char* amount;
    int64_t points;
    const char* rule;
  };
  const Step kSteps[] = {{"600", 100, "big_purchase"},
                         {"350", 50, "medium_purchase"},
                         {"100", 20, "small_purchase"}};
  int64_t balance = 0;
  int n = 0;
  for (const Step& step : kSteps) {
    ++n;
    v1::RecordPurchaseResponse r;
    grpc::Status status =
        Purchase("c-1", "p-" + std::to_string(n), step.amount, "k-p" + std::to_string(n), &r);
    ASSERT_TRUE(status.ok()) << status.error_message();
    balance += step.points;
    EXPECT_EQ(r.points_earned(), step.points) << step.amount;
    EXPECT_EQ(r.earning_rule_id(), step.rule);
    EXPECT_EQ(r.points_balance(), balance);
    EXPECT_EQ(r.ruleset_version(), before.ruleset_version());
  }

  v1::RecordInteractionResponse review;
  ASSERT_TRUE(Interaction("c-1", "好评", "k-review", &review).ok());
  EXPECT_EQ(review.rule_id(), "positive_review");
  EXPECT_EQ(review.satisfaction_before(), "4");
  EXPECT_EQ(review.satisfaction_after(), "4.1");
  EXPECT_EQ(review.interaction_count(), 1);

  v1::Customer stored = Get("c-1");
  EXPECT_EQ(stored.points(), 170);
  EXPECT_EQ(stored.purchase_frequency(), 3);
  EXPECT_EQ(stored.total_spent(), "1050");
  EXPECT_EQ(stored.average_purchase_amount(), "350");
  EXPECT_EQ(stored.satisfaction(), "4.1");
  EXPECT_EQ(stored.interaction_count(), 1);
  EXPECT_FALSE(stored.last_purchase_at().empty());

  v1::Decision after = Evaluate("c-1");
  EXPECT_EQ(SegmentOf(after, "satisfaction_level"), "满意客户");
}

TEST_F(ServerTest, TierFollowsThePointsBalance) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-upsert", &upserted).ok());
  v1::RecordPurchaseResponse r;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Purchase("c-1", "p-" + std::to_string(i), "800", "k-" + std::to_string(i), &r).ok());
  }
  EXPECT_EQ(r.points_balance(), 500);
  EXPECT_EQ(r.tier_before(), "普通会员");
  EXPECT_EQ(r.tier(), "银卡会员");
  EXPECT_EQ(Get("c-1").tier(), "银卡会员");
}

// A return takes back the points the purchase earned, the stats it added
// and the tier it caused; it can happen once per purchase.
TEST_F(ServerTest, ReturnReversesPointsStatsAndTier) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-upsert", &upserted).ok());
  v1::RecordPurchaseResponse bought;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        Purchase("c-1", "p-" + std::to_string(i), "800", "k-" + std::to_string(i), &bought).ok());
  }
  ASSERT_EQ(bought.tier(), "银卡会员");

  auto take_back = [&](const std::string& purchase_id, const std::string& kind,
                       const std::string& key, v1::ReturnPurchaseResponse* response) {
    v1::ReturnPurchaseRequest request;
    request.set_idempotency_key(key);
    request.set_purchase_id(purchase_id);
    request.set_kind(kind);
    return Call(events_, &v1::Events::Stub::ReturnPurchase, request, response);
  };
  v1::ReturnPurchaseResponse returned;
  grpc::Status status = take_back("p-5", "", "k-return", &returned);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(returned.customer_id(), "c-1");
  EXPECT_EQ(returned.points_reversed(), 100);
  EXPECT_EQ(returned.points_balance(), 400);
  EXPECT_EQ(returned.tier_before(), "银卡会员");
  EXPECT_EQ(returned.tier(), "普通会员");
  v1::Customer stored = Get("c-1");
  EXPECT_EQ(stored.points(), 400);
  EXPECT_EQ(stored.tier(), "普通会员");
  EXPECT_EQ(stored.purchase_frequency(), 4);
  EXPECT_EQ(stored.total_spent(), "3200");

  // The retry answers as the first time; another key is refused.
  v1::ReturnPurchaseResponse retry;
  ASSERT_TRUE(take_back("p-5", "", "k-return", &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), returned.SerializeAsString());
  status = take_back("p-5", "cancellation", "k-again", &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("already taken back (return)"));
  status = take_back("p-404", "", "k-missing", &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("purchase_id 'p-404'"));
  status = take_back("p-4", "refund", "k-kind", &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("kind: must be"));
  status = take_back("", "", "k-noid", &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("purchase_id: is required"));

  // A cancellation of another purchase works the same way.
  ASSERT_TRUE(take_back("p-4", "cancellation", "k-cancel", &returned).ok());
  EXPECT_EQ(returned.points_balance(), 300);
  stored = Get("c-1");
  EXPECT_EQ(stored.points(), 300);
  EXPECT_EQ(stored.purchase_frequency(), 3);
  EXPECT_EQ(stored.average_purchase_amount(), "800");
}

TEST_F(ServerTest, RetryWithTheSameKeyReturnsTheFirstAnswerAndChangesNothing) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-upsert", &upserted).ok());
  v1::RecordPurchaseResponse first;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-buy", &first).ok());
  v1::RecordPurchaseResponse retry;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-buy", &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Get("c-1").points(), 100);

  // The same key for a different request is refused.
  v1::RecordPurchaseResponse other;
  grpc::Status status = Purchase("c-1", "p-2", "50", "k-buy", &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key"));
  // A recorded purchase id under a new key is refused too.
  status = Purchase("c-1", "p-1", "600", "k-new", &other);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("purchase_id 'p-1'"));
  EXPECT_EQ(Get("c-1").points(), 100);

  // An upsert retried returns created=true again, as the first time did.
  v1::UpsertCustomerResponse again;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-upsert", &again).ok());
  EXPECT_TRUE(again.created());
}

TEST_F(ServerTest, UpsertReplacesTheProfileAndKeepsWhatEventsBuiltUp) {
  v1::UpsertCustomerResponse r;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &r).ok());
  v1::RecordPurchaseResponse bought;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-2", &bought).ok());
  v1::RecordInteractionResponse reviewed;
  ASSERT_TRUE(Interaction("c-1", "差评", "k-3", &reviewed).ok());
  v1::Customer changed = ZhangSan();
  changed.set_age(45);
  changed.set_consumption("high");
  changed.clear_satisfaction();  // omitted: keeps 3.9 from the review
  changed.set_points(99999);     // maintained: ignored
  ASSERT_TRUE(Upsert(changed, "k-4", &r).ok());
  EXPECT_FALSE(r.created());
  EXPECT_EQ(r.customer().age(), 45);
  EXPECT_EQ(r.customer().satisfaction(), "3.9");
  EXPECT_EQ(r.customer().points(), 100);
  EXPECT_EQ(SegmentOf(Evaluate("c-1"), "life_stage"), "中年高收入群体");
}

TEST_F(ServerTest, ListPagesThroughEveryCustomerInIdOrder) {
  for (int i = 5; i >= 1; --i) {
    v1::Customer c = ZhangSan();
    c.set_id("c-" + std::to_string(i));
    v1::UpsertCustomerResponse r;
    ASSERT_TRUE(Upsert(c, "k-" + std::to_string(i), &r).ok());
  }
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    v1::ListCustomersRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListCustomersResponse response;
    ASSERT_TRUE(Call(customers_, &v1::Customers::Stub::ListCustomers, request, &response).ok());
    for (const v1::Customer& c : response.customers()) ids.push_back(c.id());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "c-2", "c-3", "c-4", "c-5"}));
}

TEST_F(ServerTest, DeleteRemovesTheCustomer) {
  v1::UpsertCustomerResponse r;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &r).ok());
  v1::DeleteCustomerRequest request;
  request.set_idempotency_key("k-del");
  request.set_customer_id("c-1");
  v1::DeleteCustomerResponse response;
  ASSERT_TRUE(Call(customers_, &v1::Customers::Stub::DeleteCustomer, request, &response).ok());
  v1::GetCustomerRequest get;
  get.set_customer_id("c-1");
  v1::GetCustomerResponse got;
  EXPECT_EQ(Call(customers_, &v1::Customers::Stub::GetCustomer, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_idempotency_key("k-del-2");
  EXPECT_EQ(Call(customers_, &v1::Customers::Stub::DeleteCustomer, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, InlineEvaluationWithExplanationAndTheRulesetServed) {
  v1::EvaluateRequest request;
  *request.mutable_customer() = ZhangSan();
  request.mutable_customer()->set_purchase_frequency(12);
  request.mutable_customer()->set_average_purchase_amount("1200.50");
  request.set_explain(true);
  request.set_today("2026-11-24");
  v1::EvaluateResponse response;
  grpc::Status status = Call(decisions_, &v1::Decisions::Stub::Evaluate, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(SegmentOf(response.decision(), "purchase_behavior"), "高价值客户");
  ASSERT_GT(response.decision().explanation_size(), 0);
  bool saw_high_value = false;
  for (const v1::RuleExplanation& r : response.decision().explanation()) {
    if (r.rule_id() == "high_value") {
      saw_high_value = true;
      EXPECT_TRUE(r.matched());
      ASSERT_GT(r.checks_size(), 0);
      EXPECT_EQ(r.checks(0).observed().at("purchase_frequency"), "12");
      EXPECT_TRUE(r.checks(0).as_needed());
      EXPECT_EQ(r.checks(0).reason(), "purchase_frequency is 12, more than high_value_min_frequency (10)");
    }
  }
  EXPECT_TRUE(saw_high_value);

  v1::GetRulesetResponse ruleset;
  ASSERT_TRUE(
      Call(decisions_, &v1::Decisions::Stub::GetRuleset, v1::GetRulesetRequest(), &ruleset).ok());
  EXPECT_EQ(ruleset.version(), response.decision().ruleset_version());
  EXPECT_EQ(ruleset.files_size(), 7);
  EXPECT_EQ(ruleset.directory(), kRules);
  EXPECT_FALSE(ruleset.loaded_at().empty());
}

// Malformed requests: the right code, a message naming the problem, and
// the stored customer exactly as before.
TEST_F(ServerTest, MalformedRequestsAreRefusedAndChangeNothing) {
  v1::UpsertCustomerResponse r;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-setup", &r).ok());
  const std::string before = Get("c-1").SerializeAsString();

  struct BadPurchase {
    const char* what;
    std::string customer, purchase_id, amount, key, channel, date;
    grpc::StatusCode code;
    const char* message;
  };
  const std::string long_id(65, 'x');
  const BadPurchase kPurchases[] = {
      {"no customer id", "", "p", "10", "k1", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "customer_id: is required"},
      {"unknown customer", "nobody", "p", "10", "k2", "", "", grpc::StatusCode::NOT_FOUND,
       "customer 'nobody' not found"},
      {"no purchase id", "c-1", "", "10", "k3", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "purchase_id: is required"},
      {"id too long", "c-1", long_id, "10", "k4", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "purchase_id: is 65 bytes"},
      {"id with space", "c-1", "p 1", "10", "k5", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "purchase_id: may contain only"},
      {"negative amount", "c-1", "p", "-5", "k6", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "amount: must be greater than 0"},
      {"zero amount", "c-1", "p", "0", "k7", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "amount: must be greater than 0"},
      {"absurd amount", "c-1", "p", "100000000.01", "k8", "", "",
       grpc::StatusCode::INVALID_ARGUMENT, "amount: must be at most"},
      {"amount not a number", "c-1", "p", "ten", "k9", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "amount:"},
      {"binary float amount", "c-1", "p", "1e3", "k10", "", "",
       grpc::StatusCode::INVALID_ARGUMENT, "amount:"},
      {"no amount", "c-1", "p", "", "k11", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "amount: is required"},
      {"no key", "c-1", "p", "10", "", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "idempotency_key: is required"},
      {"key too long", "c-1", "p", "10", std::string(129, 'k'), "", "",
       grpc::StatusCode::INVALID_ARGUMENT, "idempotency_key: is 129 bytes"},
      {"unknown channel", "c-1", "p", "10", "k12", "pigeon", "",
       grpc::StatusCode::INVALID_ARGUMENT, "channel:"},
      {"bad date", "c-1", "p", "10", "k13", "", "2026-02-30",
       grpc::StatusCode::INVALID_ARGUMENT, "date:"},
      {"future date", "c-1", "p", "10", "k14", "", "2199-01-01",
       grpc::StatusCode::INVALID_ARGUMENT, "date: is in the future"},
  };
  for (const BadPurchase& bad : kPurchases) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(bad.key);
    request.set_customer_id(bad.customer);
    request.set_purchase_id(bad.purchase_id);
    request.set_amount(bad.amount);
    request.set_channel(bad.channel);
    request.set_date(bad.date);
    v1::RecordPurchaseResponse response;
    grpc::Status status = Call(events_, &v1::Events::Stub::RecordPurchase, request, &response);
    EXPECT_EQ(status.error_code(), bad.code) << bad.what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.message)) << bad.what;
  }

  struct BadCustomer {
    const char* what;
    v1::Customer customer;
    const char* message;
  };
  auto with = [](auto change) {
    v1::Customer c = ZhangSan();
    change(&c);
    return c;
  };
  const BadCustomer kCustomers[] = {
      {"no id", with([](v1::Customer* c) { c->clear_id(); }), "customer.id: is required"},
      {"age 151", with([](v1::Customer* c) { c->set_age(151); }), "customer.age"},
      {"negative age", with([](v1::Customer* c) { c->set_age(-1); }), "customer.age"},
      {"satisfaction 7", with([](v1::Customer* c) { c->set_satisfaction("7"); }),
       "customer.satisfaction"},
      {"unknown consumption", with([](v1::Customer* c) { c->set_consumption("rich"); }),
       "customer.consumption"},
      {"oversized name", with([](v1::Customer* c) { c->set_name(std::string(201, 'n')); }),
       "customer.name: is 201 bytes"},
      {"bad birthday", with([](v1::Customer* c) { c->set_birthday("1990-13-01"); }),
       "customer.birthday"},
  };
  for (const BadCustomer& bad : kCustomers) {
    v1::UpsertCustomerResponse response;
    grpc::Status status = Upsert(bad.customer, std::string("k-") + bad.what, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.message)) << bad.what;
  }

  // Invalid UTF-8 in a proto3 string field never reaches the service: the
  // protobuf runtime refuses to parse the request. It must still fail and
  // change nothing.
  v1::UpsertCustomerResponse refused;
  grpc::Status status = Upsert(with([](v1::Customer* c) { c->set_name("\xff\xfe"); }),
                               "k-utf8", &refused);
  EXPECT_FALSE(status.ok());

  v1::RecordInteractionResponse interaction;
  status = Interaction("c-1", "", "k-empty", &interaction);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("text: is required"));
  status = Interaction("c-1", std::string(2001, 'a'), "k-long", &interaction);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("text: is 2001 bytes"));

  v1::ListCustomersRequest list;
  list.set_page_size(1001);
  v1::ListCustomersResponse listed;
  status = Call(customers_, &v1::Customers::Stub::ListCustomers, list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));

  v1::EvaluateRequest nothing;
  v1::EvaluateResponse evaluated;
  status = Call(decisions_, &v1::Decisions::Stub::Evaluate, nothing, &evaluated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("subject"));

  EXPECT_EQ(Get("c-1").SerializeAsString(), before);
}

TEST_F(ServerTest, DataSurvivesARestartAndShutdownIsClean) {
  v1::UpsertCustomerResponse r;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &r).ok());
  v1::RecordPurchaseResponse bought;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-2", &bought).ok());
  const int status = StopServer();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);

  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(Get("c-1").points(), 100);
  // The idempotency key survived too.
  v1::RecordPurchaseResponse retry;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-2", &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), bought.SerializeAsString());
}

// A request bigger than max_message_bytes is refused by gRPC before it
// reaches the service: RESOURCE_EXHAUSTED, and nothing is stored.
TEST_F(ServerTest, OversizedMessagesAreRefused) {
  ASSERT_EQ(StopServer(), 0);
  ASSERT_TRUE(server_.Start(kRules, "max_message_bytes: 1024\n"));
  channel_ = testing::TestChannel(server_.address());
  customers_ = v1::Customers::NewStub(channel_);
  v1::Customer big = ZhangSan();
  big.set_occupation(std::string(1500, 'o'));
  v1::UpsertCustomerResponse response;
  grpc::Status status = Upsert(big, "k-big", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  v1::ListCustomersResponse listed;
  ASSERT_TRUE(
      Call(customers_, &v1::Customers::Stub::ListCustomers, v1::ListCustomersRequest(), &listed)
          .ok());
  EXPECT_EQ(listed.customers_size(), 0);
}

// The standard health service answers SERVING for the whole server.
TEST_F(ServerTest, StandardHealthCheckSaysServing) {
  EXPECT_EQ(testing::HealthStatus(channel_), testing::kHealthServing);
}

}  // namespace
}  // namespace clientele
