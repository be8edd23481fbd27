// The real clienteled, driven through the generated clients: feedback and
// the improvement actions it proposes (evidence, apply / dismiss with the
// audit fields), products, the feedback report (the seed's 产品 / 满意度 /
// 期望 table), segment sizes, the ledger, ImportCustomers and EvaluateMany
// streams, ListCustomers by segment, and malformed requests to all of them.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class FeedbackTest : public ServerTest {
 protected:
  grpc::Status Feedback(const std::string& customer, const std::string& product,
                        const std::string& text, const std::string& source,
                        const std::string& satisfaction, const std::string& key,
                        v1::SubmitFeedbackResponse* response, const std::string& date = "") {
    v1::SubmitFeedbackRequest request;
    request.set_idempotency_key(key);
    request.set_customer_id(customer);
    request.set_product(product);
    request.set_text(text);
    request.set_source(source);
    request.set_satisfaction(satisfaction);
    request.set_date(date);
    return Call(events_, &v1::Events::Stub::SubmitFeedback, request, response);
  }

  grpc::Status PutProduct(const std::string& name, std::map<std::string, std::string> attributes,
                          const std::string& key) {
    v1::UpsertProductRequest request;
    request.set_idempotency_key(key);
    request.mutable_product()->set_product(name);
    for (const auto& [k, v] : attributes) (*request.mutable_product()->mutable_attributes())[k] = v;
    v1::UpsertProductResponse response;
    return Call(improvements_, &v1::Improvements::Stub::UpsertProduct, request, &response);
  }

  std::vector<v1::ImprovementAction> Actions(const std::string& product,
                                             const std::string& status) {
    v1::ListImprovementActionsRequest request;
    request.set_product(product);
    request.set_status(status);
    v1::ListImprovementActionsResponse response;
    grpc::Status s =
        Call(improvements_, &v1::Improvements::Stub::ListImprovementActions, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.actions().begin(), response.actions().end()};
  }

  grpc::Status Decide(bool apply, int64_t action_id, const std::string& actor,
                      const std::string& key, v1::DecideImprovementActionResponse* response) {
    v1::DecideImprovementActionRequest request;
    request.set_idempotency_key(key);
    request.set_action_id(action_id);
    request.set_actor(actor);
    request.set_note("from the survey");
    return Call(improvements_,
                apply ? &v1::Improvements::Stub::ApplyImprovementAction
                      : &v1::Improvements::Stub::DismissImprovementAction,
                request, response);
  }

  static std::map<std::string, std::string> Attributes(const v1::Product& p) {
    return {p.attributes().begin(), p.attributes().end()};
  }

  static const v1::ImprovementAction* ByRule(const std::vector<v1::ImprovementAction>& actions,
                                             const std::string& rule) {
    for (const v1::ImprovementAction& a : actions) {
      if (a.rule_id() == rule) return &a;
    }
    return nullptr;
  }

  // The seed's customers 1..5: ages 25..65, consumption 低 中 高 中 低.
  void ImportSeedCustomers() {
    const std::pair<int, const char*> kSeed[] = {
        {25, "低"}, {35, "中"}, {45, "高"}, {55, "中"}, {65, "低"}};
    grpc::ClientContext context;
    v1::ImportCustomersResponse response;
    auto writer = customers_->ImportCustomers(&context, &response);
    v1::ImportCustomersRequest first;
    first.set_idempotency_key("k-import-seed");
    int n = 0;
    for (const auto& [age, consumption] : kSeed) {
      v1::Customer* c = first.add_customers();
      c->set_id("s-" + std::to_string(++n));
      c->set_age(age);
      c->set_consumption(consumption);
    }
    ASSERT_TRUE(writer->Write(first));
    ASSERT_TRUE(writer->WritesDone());
    grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.created(), 5);
  }
};

// The whole seed story through the service, in the order a business lives
// it: import the seed's five customers, evaluate them, record purchases and
// reviews, collect feedback, and read the reports.
TEST_F(FeedbackTest, FullSeedStoryFromImportToReports) {
  ASSERT_NO_FATAL_FAILURE(ImportSeedCustomers());
  // customer_segmentation(df): {25: 年轻低收入群体, 35: 年轻中收入群体,
  // 45: 中年高收入群体, 55: 其他, 65: 其他}.
  const char* kLifeStage[] = {"年轻低收入群体", "年轻中收入群体", "中年高收入群体", "其他", "其他"};
  for (int n = 1; n <= 5; ++n) {
    v1::Decision d = Evaluate("s-" + std::to_string(n));
    EXPECT_EQ(SegmentOf(d, "life_stage"), kLifeStage[n - 1]) << n;
  }
  // 满100减20 for the young low-income customer, 生日礼物 for the
  // middle-aged high-income one.
  ASSERT_EQ(Evaluate("s-1").offers_size(), 1);
  EXPECT_EQ(Evaluate("s-1").offers(0).offer(), "满100减20");
  ASSERT_EQ(Evaluate("s-3").offers_size(), 1);
  EXPECT_EQ(Evaluate("s-3").offers(0).offer(), "生日礼物");

  // Purchases of 600 / 350 / 100 earn 100 / 50 / 20 points.
  v1::RecordPurchaseResponse bought;
  ASSERT_TRUE(Purchase("s-1", "p-1", "600", "k-p1", &bought).ok());
  EXPECT_EQ(bought.points_earned(), 100);
  ASSERT_TRUE(Purchase("s-1", "p-2", "350", "k-p2", &bought).ok());
  EXPECT_EQ(bought.points_earned(), 50);
  ASSERT_TRUE(Purchase("s-2", "p-3", "100", "k-p3", &bought).ok());
  EXPECT_EQ(bought.points_earned(), 20);
  // Reviews: 好评 +0.1, 差评 -0.1, exactly.
  v1::Customer rated;
  rated.set_id("s-4");
  rated.set_age(55);
  rated.set_consumption("中");
  rated.set_satisfaction("4.0");
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(rated, "k-rate", &upserted).ok());
  v1::RecordInteractionResponse review;
  ASSERT_TRUE(Interaction("s-4", "好评", "k-r1", &review).ok());
  EXPECT_EQ(review.satisfaction_after(), "4.1");
  EXPECT_EQ(SegmentOf(Evaluate("s-4"), "satisfaction_level"), "满意客户");
  ASSERT_TRUE(Interaction("s-4", "差评", "k-r2", &review).ok());
  EXPECT_EQ(review.satisfaction_after(), "4");
  EXPECT_EQ(review.interaction_count(), 2);

  // Feedback, as the seed's market research collected it.
  v1::SubmitFeedbackResponse given;
  ASSERT_TRUE(Feedback("s-1", "产品A", "功能更强大", "在线调查", "4.5", "k-f1", &given).ok());
  ASSERT_TRUE(Feedback("s-2", "产品B", "价格更优惠", "电话回访", "3.8", "k-f2", &given).ok());
  ASSERT_TRUE(Feedback("s-3", "产品C", "售后服务更完善", "面对面交流", "4.2", "k-f3", &given).ok());

  v1::FeedbackReportResponse report;
  ASSERT_TRUE(
      Call(reports_, &v1::Reports::Stub::FeedbackReport, v1::FeedbackReportRequest(), &report)
          .ok());
  ASSERT_EQ(report.products_size(), 3);
  const std::pair<const char*, const char*> kTable[] = {
      {"4.5", "功能更强大"}, {"3.8", "价格更优惠"}, {"4.2", "售后服务更完善"}};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(report.products(i).average_satisfaction(), kTable[i].first);
    EXPECT_EQ(report.products(i).expectations(0).name(), kTable[i].second);
  }
  EXPECT_EQ(Actions("", "proposed").size(), 3u);

  v1::SegmentSizesResponse sizes;
  ASSERT_TRUE(
      Call(reports_, &v1::Reports::Stub::SegmentSizes, v1::SegmentSizesRequest(), &sizes).ok());
  EXPECT_EQ(sizes.customers(), 5);
  v1::GetLedgerRequest ledger_request;
  ledger_request.set_customer_id("s-1");
  v1::GetLedgerResponse ledger;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, ledger_request, &ledger).ok());
  ASSERT_EQ(ledger.entries_size(), 2);
  EXPECT_EQ(ledger.balance(), 150);
}

// A fresh server with demo_data fills its empty database with something
// to look at in every report, and a restart adds nothing twice.
TEST_F(FeedbackTest, DemoDataFillsEveryReportOnce) {
  ASSERT_EQ(StopServer(), 0);
  ASSERT_TRUE(server_.Start(kRules, "", /*demo_data=*/true));
  channel_ = testing::TestChannel(server_.address());
  reports_ = v1::Reports::NewStub(channel_);
  improvements_ = v1::Improvements::NewStub(channel_);
  auto sizes = [&] {
    v1::SegmentSizesResponse response;
    EXPECT_TRUE(
        Call(reports_, &v1::Reports::Stub::SegmentSizes, v1::SegmentSizesRequest(), &response)
            .ok());
    return response;
  };
  v1::SegmentSizesResponse first = sizes();
  EXPECT_EQ(first.customers(), 40);
  for (const v1::DimensionSizes& d : first.dimensions()) {
    EXPECT_GE(d.segments_size(), 2) << d.dimension() << " puts every demo customer in one segment";
  }
  v1::FeedbackReportResponse report;
  ASSERT_TRUE(
      Call(reports_, &v1::Reports::Stub::FeedbackReport, v1::FeedbackReportRequest(), &report)
          .ok());
  ASSERT_EQ(report.products_size(), 3);
  EXPECT_EQ(report.products(0).average_satisfaction(), "4.5");
  EXPECT_EQ(report.products(0).expectations(0).name(), "功能更强大");
  EXPECT_FALSE(Actions("产品A", "proposed").empty());

  ASSERT_EQ(StopServer(), 0);
  ASSERT_TRUE(server_.Start(kRules, "", /*demo_data=*/true));
  channel_ = testing::TestChannel(server_.address());
  reports_ = v1::Reports::NewStub(channel_);
  EXPECT_EQ(sizes().SerializeAsString(), first.SerializeAsString());
}

// product_improvement(product, '功能更强大,价格更优惠,售后服务更完善'), as a
// service: feedback proposes, evidence builds up, a person applies.
TEST_F(FeedbackTest, FeedbackProposesActionsThatAnOperatorApplies) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-c", &upserted).ok());
  ASSERT_TRUE(PutProduct("产品A",
                         {{"功能", "基础功能"}, {"价格", "100"}, {"售后服务", "正常工作时间客服"}},
                         "k-p")
                  .ok());

  v1::SubmitFeedbackResponse first;
  grpc::Status status = Feedback("c-1", "产品A", "功能更强大,价格更优惠,售后服务更完善", "问卷调查",
                                 "4.5", "k-f1", &first, "2026-10-03");
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(first.proposals_size(), 3);
  EXPECT_EQ(first.proposals(1).rule_id(), "better_price");
  EXPECT_EQ(first.proposals(1).action(), "价格下调10元");
  EXPECT_EQ(first.proposals(1).change(), "add -10 to 价格");
  EXPECT_THAT(first.proposals(1).keywords(), ElementsAre("价格更优惠"));
  ASSERT_EQ(first.action_ids_size(), 3);

  // More feedback asking for a better price supports the same action.
  v1::SubmitFeedbackResponse second;
  ASSERT_TRUE(
      Feedback("", "产品A", "价格更优惠", "phone", "3.8", "k-f2", &second, "2026-11-02").ok());
  ASSERT_EQ(second.proposals_size(), 1);
  EXPECT_EQ(second.action_ids(0), first.action_ids(1));

  std::vector<v1::ImprovementAction> open = Actions("产品A", "proposed");
  ASSERT_EQ(open.size(), 3u);
  const v1::ImprovementAction* price = ByRule(open, "better_price");
  ASSERT_NE(price, nullptr);
  EXPECT_EQ(price->feedback_count(), 2);
  EXPECT_THAT(price->keyword_counts(), UnorderedElementsAre(Pair("价格更优惠", 2)));
  EXPECT_EQ(price->first_feedback_at(), "2026-10-03");
  EXPECT_EQ(price->last_feedback_at(), "2026-11-02");
  EXPECT_EQ(price->status(), "proposed");
  EXPECT_EQ(ByRule(open, "stronger_features")->feedback_count(), 1);

  // Applying every proposal gives the seed's improved product.
  v1::DecideImprovementActionResponse applied;
  for (const v1::ImprovementAction& a : open) {
    status = Decide(true, a.action_id(), "李经理", "k-apply-" + a.rule_id(), &applied);
    ASSERT_TRUE(status.ok()) << a.rule_id() << ": " << status.error_message();
    EXPECT_EQ(applied.action().status(), "applied");
    EXPECT_EQ(applied.action().decided_by(), "李经理");
    EXPECT_EQ(applied.action().note(), "from the survey");
    EXPECT_FALSE(applied.action().decided_at().empty());
  }
  v1::GetProductRequest get;
  get.set_product("产品A");
  v1::GetProductResponse product;
  ASSERT_TRUE(Call(improvements_, &v1::Improvements::Stub::GetProduct, get, &product).ok());
  EXPECT_THAT(Attributes(product.product()),
              UnorderedElementsAre(Pair("功能", "基础功能新功能X"), Pair("价格", "90"),
                                   Pair("售后服务", "7*24小时在线客服")));

  // Decided once: a second decision is refused and changes nothing.
  status = Decide(true, price->action_id(), "王经理", "k-again", &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("already applied by 李经理"));
  status = Decide(false, price->action_id(), "王经理", "k-dismiss", &applied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Call(improvements_, &v1::Improvements::Stub::GetProduct, get, &product).ok());
  EXPECT_EQ(product.product().attributes().at("价格"), "90");
  // A retry of the first apply answers as the first time did.
  v1::DecideImprovementActionResponse retry;
  ASSERT_TRUE(Decide(true, price->action_id(), "李经理", "k-apply-better_price", &retry).ok());
  EXPECT_EQ(retry.product_after().attributes().at("价格"), "90");
  EXPECT_EQ(retry.product_before().attributes().at("价格"), "100");

  // New feedback after the decision opens a new proposal.
  v1::SubmitFeedbackResponse third;
  ASSERT_TRUE(Feedback("", "产品A", "还是太贵,价格更优惠", "online", "", "k-f3", &third).ok());
  ASSERT_EQ(third.action_ids_size(), 1);
  EXPECT_NE(third.action_ids(0), price->action_id());
  EXPECT_EQ(Actions("产品A", "applied").size(), 3u);
  EXPECT_EQ(Actions("产品A", "proposed").size(), 1u);
}

TEST_F(FeedbackTest, DismissingLeavesTheProductAloneAndApplyNeedsTheProduct) {
  v1::SubmitFeedbackResponse given;
  ASSERT_TRUE(Feedback("", "产品B", "价格更优惠,售后服务更完善", "", "", "k-f", &given).ok());
  ASSERT_EQ(given.action_ids_size(), 2);
  v1::DecideImprovementActionResponse decided;
  // No product 产品B stored: the price cannot go down.
  grpc::Status status = Decide(true, given.action_ids(0), "李经理", "k-a", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("product '产品B' is not stored"));
  // Stored without a price: nothing to subtract from.
  ASSERT_TRUE(PutProduct("产品B", {{"功能", "基础功能"}}, "k-p").ok());
  status = Decide(true, given.action_ids(0), "李经理", "k-a2", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("has no attribute '价格'"));
  // A price that is not a number.
  ASSERT_TRUE(PutProduct("产品B", {{"价格", "面议"}}, "k-p2").ok());
  status = Decide(true, given.action_ids(0), "李经理", "k-a3", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("not a number"));
  EXPECT_EQ(Actions("产品B", "proposed").size(), 2u);

  ASSERT_TRUE(Decide(false, given.action_ids(0), "王经理", "k-d", &decided).ok());
  EXPECT_EQ(decided.action().status(), "dismissed");
  EXPECT_EQ(decided.action().decided_by(), "王经理");
  EXPECT_FALSE(decided.has_product_after());
  v1::GetProductRequest get;
  get.set_product("产品B");
  v1::GetProductResponse product;
  ASSERT_TRUE(Call(improvements_, &v1::Improvements::Stub::GetProduct, get, &product).ok());
  EXPECT_THAT(Attributes(product.product()), ElementsAre(Pair("价格", "面议")));
  EXPECT_EQ(Actions("产品B", "dismissed").size(), 1u);
}

// The seed's market-research table: 产品A 4.5 功能更强大, 产品B 3.8
// 价格更优惠, 产品C 4.2 售后服务更完善.
TEST_F(FeedbackTest, FeedbackReportIsTheSeedTableWithTrend) {
  struct Row {
    const char* product;
    const char* satisfaction;
    const char* expectation;
  };
  const Row kSeed[] = {{"产品A", "4.5", "功能更强大"},
                       {"产品B", "3.8", "价格更优惠"},
                       {"产品C", "4.2", "售后服务更完善"}};
  int n = 0;
  v1::SubmitFeedbackResponse r;
  for (const Row& row : kSeed) {
    ASSERT_TRUE(Feedback("", row.product, row.expectation, "survey", row.satisfaction,
                         "k-" + std::to_string(++n), &r, "2026-10-15")
                    .ok());
  }
  // Two more for 产品A in November, one unrated.
  ASSERT_TRUE(Feedback("", "产品A", "功能更强大、更轻", "online", "4.1", "k-a2", &r, "2026-11-01").ok());
  ASSERT_TRUE(Feedback("", "产品A", "更轻", "phone", "", "k-a3", &r, "2026-11-02").ok());

  v1::FeedbackReportRequest request;
  v1::FeedbackReportResponse report;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::FeedbackReport, request, &report).ok());
  ASSERT_EQ(report.products_size(), 3);
  const v1::ProductFeedback& a = report.products(0);
  EXPECT_EQ(a.product(), "产品A");
  EXPECT_EQ(a.feedback_count(), 3);
  EXPECT_EQ(a.rated_count(), 2);
  EXPECT_EQ(a.average_satisfaction(), "4.3");  // (4.5 + 4.1) / 2
  ASSERT_GE(a.expectations_size(), 2);
  EXPECT_EQ(a.expectations(0).name(), "功能更强大");
  EXPECT_EQ(a.expectations(0).count(), 2);
  EXPECT_EQ(a.expectations(1).name(), "更轻");
  EXPECT_EQ(a.expectations(1).count(), 2);
  ASSERT_EQ(a.themes_size(), 1);
  EXPECT_EQ(a.themes(0).name(), "stronger_features");
  EXPECT_EQ(a.themes(0).count(), 2);
  ASSERT_EQ(a.trend_size(), 2);
  EXPECT_EQ(a.trend(0).month(), "2026-10");
  EXPECT_EQ(a.trend(0).average_satisfaction(), "4.5");
  EXPECT_EQ(a.trend(1).month(), "2026-11");
  EXPECT_EQ(a.trend(1).feedback_count(), 2);
  EXPECT_EQ(a.trend(1).average_satisfaction(), "4.1");
  EXPECT_EQ(a.first_feedback_at(), "2026-10-15");
  EXPECT_EQ(a.last_feedback_at(), "2026-11-02");
  EXPECT_EQ(report.products(1).product(), "产品B");
  EXPECT_EQ(report.products(1).average_satisfaction(), "3.8");
  EXPECT_EQ(report.products(1).expectations(0).name(), "价格更优惠");
  EXPECT_EQ(report.products(2).average_satisfaction(), "4.2");
  EXPECT_EQ(report.products(2).expectations(0).name(), "售后服务更完善");

  // One product, since November.
  request.set_product("产品A");
  request.set_since("2026-11-01");
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::FeedbackReport, request, &report).ok());
  ASSERT_EQ(report.products_size(), 1);
  EXPECT_EQ(report.products(0).feedback_count(), 2);
}

TEST_F(FeedbackTest, SegmentSizesCountTheSeedCustomers) {
  ASSERT_NO_FATAL_FAILURE(ImportSeedCustomers());
  v1::SegmentSizesRequest request;
  v1::SegmentSizesResponse sizes;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::SegmentSizes, request, &sizes).ok());
  EXPECT_EQ(sizes.customers(), 5);
  std::map<std::string, std::map<std::string, int64_t>> by_dimension;
  for (const v1::DimensionSizes& d : sizes.dimensions()) {
    for (const v1::SegmentSize& s : d.segments()) by_dimension[d.dimension()][s.segment()] = s.customers();
  }
  EXPECT_THAT(by_dimension["life_stage"],
              UnorderedElementsAre(Pair("年轻低收入群体", 1), Pair("年轻中收入群体", 1),
                                   Pair("中年高收入群体", 1), Pair("其他", 2)));
  EXPECT_THAT(by_dimension["age_band"],
              UnorderedElementsAre(Pair("年轻客户", 1), Pair("中年客户", 3), Pair("老年客户", 1)));
  EXPECT_EQ(sizes.dimensions(0).segments(0).segment(), "其他");  // largest first

  request.set_dimension("age_band");
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::SegmentSizes, request, &sizes).ok());
  ASSERT_EQ(sizes.dimensions_size(), 1);
  EXPECT_EQ(sizes.dimensions(0).dimension(), "age_band");
}

TEST_F(FeedbackTest, EvaluateManyStreamsEveryCustomerOrASegmentOrSomeIds) {
  ASSERT_NO_FATAL_FAILURE(ImportSeedCustomers());
  auto stream = [&](const v1::EvaluateManyRequest& request, grpc::Status* status) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = decisions_->EvaluateMany(&context, request);
    std::vector<std::string> ids;
    v1::EvaluateResponse response;
    while (reader->Read(&response)) ids.push_back(response.decision().customer_id());
    *status = reader->Finish();
    return ids;
  };
  grpc::Status status;
  v1::EvaluateManyRequest all;
  EXPECT_THAT(stream(all, &status), ElementsAre("s-1", "s-2", "s-3", "s-4", "s-5"));
  EXPECT_TRUE(status.ok()) << status.error_message();

  v1::EvaluateManyRequest others;
  others.mutable_segment()->set_dimension("life_stage");
  others.mutable_segment()->set_segment("其他");
  EXPECT_THAT(stream(others, &status), ElementsAre("s-4", "s-5"));

  v1::EvaluateManyRequest some;
  for (const char* id : {"s-3", "nobody", "s-1", "s-3"}) some.mutable_customer_ids()->add_ids(id);
  EXPECT_THAT(stream(some, &status), ElementsAre("s-1", "s-3"));

  v1::EvaluateManyRequest limited;
  limited.set_limit(2);
  EXPECT_THAT(stream(limited, &status), ElementsAre("s-1", "s-2"));

  v1::EvaluateManyRequest bad;
  bad.mutable_segment()->set_dimension("mood");
  bad.mutable_segment()->set_segment("happy");
  EXPECT_THAT(stream(bad, &status), ElementsAre());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("segment.dimension: 'mood' is not a dimension"));
}

TEST_F(FeedbackTest, ListCustomersBySegmentPagesThroughTheMatches) {
  ASSERT_NO_FATAL_FAILURE(ImportSeedCustomers());
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    v1::ListCustomersRequest request;
    request.set_page_size(1);
    request.set_page_token(token);
    request.mutable_segment()->set_dimension("age_band");
    request.mutable_segment()->set_segment("中年客户");
    v1::ListCustomersResponse response;
    grpc::Status status = Call(customers_, &v1::Customers::Stub::ListCustomers, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::Customer& c : response.customers()) ids.push_back(c.id());
    token = response.next_page_token();
  } while (!token.empty() && ++pages < 10);
  EXPECT_THAT(ids, ElementsAre("s-2", "s-3", "s-4"));
}

TEST_F(FeedbackTest, ImportIsAllOrNothingUnlessAskedToSkipInvalidOnes) {
  auto import = [&](const std::string& key, bool skip_invalid,
                    const std::vector<std::vector<v1::Customer>>& messages,
                    v1::ImportCustomersResponse* response) {
    grpc::ClientContext context;
    auto writer = customers_->ImportCustomers(&context, response);
    bool first = true;
    for (const auto& customers : messages) {
      v1::ImportCustomersRequest message;
      if (first) {
        message.set_idempotency_key(key);
        message.set_skip_invalid(skip_invalid);
        first = false;
      }
      for (const v1::Customer& c : customers) *message.add_customers() = c;
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  };
  auto customer = [](const std::string& id, int age) {
    v1::Customer c;
    c.set_id(id);
    c.set_age(age);
    return c;
  };
  v1::ImportCustomersResponse response;
  grpc::Status status = import("k-1", false,
                               {{customer("a", 20), customer("b", 30)}, {customer("c", 200)}},
                               &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("customer 2 (id 'c'): customer.age"));
  v1::ListCustomersResponse listed;
  ASSERT_TRUE(
      Call(customers_, &v1::Customers::Stub::ListCustomers, v1::ListCustomersRequest(), &listed)
          .ok());
  EXPECT_EQ(listed.customers_size(), 0);

  status = import("k-2", true,
                  {{customer("a", 20), customer("b", 30)}, {customer("c", 200), customer("a", 21)}},
                  &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.received(), 4);
  EXPECT_EQ(response.created(), 2);
  EXPECT_EQ(response.rejected_count(), 2);
  ASSERT_EQ(response.rejected_size(), 2);
  EXPECT_EQ(response.rejected(0).index(), 2);
  EXPECT_EQ(response.rejected(1).customer_id(), "a");
  EXPECT_THAT(response.rejected(1).message(), HasSubstr("appears earlier"));

  // The same stream again under its key: the first answer, nothing new.
  v1::ImportCustomersResponse again;
  status = import("k-2", true,
                  {{customer("a", 20), customer("b", 30)}, {customer("c", 200), customer("a", 21)}},
                  &again);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(again.SerializeAsString(), response.SerializeAsString());
  // The same customers split into other messages are the same import.
  status = import("k-2", true,
                  {{customer("a", 20)}, {customer("b", 30), customer("c", 200)}, {customer("a", 21)}},
                  &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.SerializeAsString(), response.SerializeAsString());
  // The key with other customers is refused.
  status = import("k-2", true, {{customer("z", 20)}}, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // Updating existing customers counts as updated.
  status = import("k-3", false, {{customer("a", 40), customer("d", 50)}}, &response);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(response.created(), 1);
  EXPECT_EQ(response.updated(), 1);
  EXPECT_EQ(Get("a").age(), 40);
  // Purchase stats from another system, as the seeds give them, decide
  // segments until purchases are recorded here.
  v1::Customer regular = customer("v", 40);
  regular.set_purchase_frequency(12);
  regular.set_average_purchase_amount("1200");
  status = import("k-4", false, {{regular}}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(SegmentOf(Evaluate("v"), "purchase_behavior"), "高价值客户");
  EXPECT_EQ(Get("v").purchase_frequency(), 12);
  // No key at all.
  status = import("", false, {{customer("e", 20)}}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key: is required"));
}

TEST_F(FeedbackTest, LedgerShowsEveryEntryWithItsRunningBalance) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-c", &upserted).ok());
  v1::RecordPurchaseResponse bought;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-1", &bought).ok());
  ASSERT_TRUE(Purchase("c-1", "p-2", "350", "k-2", &bought).ok());
  v1::ReturnPurchaseRequest take_back;
  take_back.set_idempotency_key("k-3");
  take_back.set_purchase_id("p-1");
  v1::ReturnPurchaseResponse returned;
  ASSERT_TRUE(Call(events_, &v1::Events::Stub::ReturnPurchase, take_back, &returned).ok());

  v1::GetLedgerRequest request;
  request.set_customer_id("c-1");
  request.set_page_size(2);
  v1::GetLedgerResponse page;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, request, &page).ok());
  ASSERT_EQ(page.entries_size(), 2);
  EXPECT_EQ(page.entries(0).delta(), 100);
  EXPECT_EQ(page.entries(0).reason(), "purchase");
  EXPECT_EQ(page.entries(0).rule_id(), "big_purchase");
  EXPECT_EQ(page.entries(0).source(), "purchase:p-1");
  EXPECT_EQ(page.entries(1).balance_after(), 150);
  EXPECT_EQ(page.balance(), 50);
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::GetLedger, request, &page).ok());
  ASSERT_EQ(page.entries_size(), 1);
  EXPECT_EQ(page.entries(0).delta(), -100);
  EXPECT_EQ(page.entries(0).reason(), "return");
  EXPECT_EQ(page.entries(0).source(), "return:p-1");
  EXPECT_EQ(page.entries(0).balance_after(), 50);
  EXPECT_TRUE(page.next_page_token().empty());
}

// Malformed requests to the feedback, improvement and report RPCs: the
// right code, a message naming the problem, and nothing stored.
TEST_F(FeedbackTest, MalformedRequestsAreRefusedAndChangeNothing) {
  struct BadFeedback {
    const char* what;
    std::string customer, product, text, source, satisfaction, date;
    grpc::StatusCode code;
    const char* message;
  };
  const BadFeedback kFeedback[] = {
      {"no product", "", "", "好", "", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "product: is required"},
      {"no text", "", "产品A", "", "", "", "", grpc::StatusCode::INVALID_ARGUMENT,
       "text: is required"},
      {"oversized text", "", "产品A", std::string(2001, 'x'), "", "", "",
       grpc::StatusCode::INVALID_ARGUMENT, "text: is 2001 bytes"},
      {"unknown source", "", "产品A", "好", "carrier pigeon", "", "",
       grpc::StatusCode::INVALID_ARGUMENT, "source:"},
      {"satisfaction 6", "", "产品A", "好", "", "6", "", grpc::StatusCode::INVALID_ARGUMENT,
       "satisfaction: must be 1 to 5"},
      {"satisfaction 4.555", "", "产品A", "好", "", "4.555", "",
       grpc::StatusCode::INVALID_ARGUMENT, "satisfaction: has more than 2 decimals"},
      {"unknown customer", "nobody", "产品A", "好", "", "", "", grpc::StatusCode::NOT_FOUND,
       "customer 'nobody' not found"},
      {"future date", "", "产品A", "好", "", "", "2199-01-01", grpc::StatusCode::INVALID_ARGUMENT,
       "date: is in the future"},
  };
  int n = 0;
  for (const BadFeedback& bad : kFeedback) {
    v1::SubmitFeedbackResponse response;
    grpc::Status status = Feedback(bad.customer, bad.product, bad.text, bad.source,
                                   bad.satisfaction, "k-" + std::to_string(++n), &response,
                                   bad.date);
    EXPECT_EQ(status.error_code(), bad.code) << bad.what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.message)) << bad.what;
  }
  v1::FeedbackReportResponse report;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::FeedbackReport, v1::FeedbackReportRequest(),
                   &report)
                  .ok());
  EXPECT_EQ(report.products_size(), 0);
  EXPECT_TRUE(Actions("", "").empty());

  v1::DecideImprovementActionResponse decided;
  grpc::Status status = Decide(true, 0, "李经理", "k-d1", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("action_id: is required"));
  status = Decide(true, 99, "李经理", "k-d2", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("improvement action 99 not found"));
  status = Decide(false, 99, "", "k-d3", &decided);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("actor: is required"));

  v1::ListImprovementActionsRequest list;
  list.set_status("done");
  v1::ListImprovementActionsResponse listed;
  status = Call(improvements_, &v1::Improvements::Stub::ListImprovementActions, list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("status: must be"));

  status = PutProduct("", {{"价格", "1"}}, "k-p1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("product.product: is required"));
  status = PutProduct("产品A", {{"价格", std::string(1001, '9')}}, "k-p2");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("product.attributes[价格]: is 1001 bytes"));
  v1::GetProductRequest get;
  get.set_product("产品A");
  v1::GetProductResponse product;
  EXPECT_EQ(Call(improvements_, &v1::Improvements::Stub::GetProduct, get, &product).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::SegmentSizesRequest sizes;
  sizes.set_dimension("mood");
  v1::SegmentSizesResponse sized;
  status = Call(reports_, &v1::Reports::Stub::SegmentSizes, sizes, &sized);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("dimension: 'mood' is not a dimension"));

  v1::GetLedgerRequest ledger;
  ledger.set_customer_id("nobody");
  v1::GetLedgerResponse entries;
  status = Call(reports_, &v1::Reports::Stub::GetLedger, ledger, &entries);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  ledger.set_page_token("x");
  status = Call(reports_, &v1::Reports::Stub::GetLedger, ledger, &entries);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));

  v1::FeedbackReportRequest bad_report;
  bad_report.set_since("yesterday");
  status = Call(reports_, &v1::Reports::Stub::FeedbackReport, bad_report, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("since:"));
}

}  // namespace
}  // namespace clientele
