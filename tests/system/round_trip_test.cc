// What the server returns, it accepts back: every kind of object a call
// returns, sent back as it came to the calls that take it (a client's
// read-modify-write), against the real clienteled. The decision log's
// customer is the one exception: its name and birthday are masked on
// purpose ("张**", "****-03-**") and are not meant to be sent again.
#include <grpcpp/grpcpp.h>

#include <string>

#include "clientele/v1/rulesets.grpc.pb.h"
#include "common/strings.h"
#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

class RoundTripTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    rulesets_ = v1::Rulesets::NewStub(channel_);
  }
  std::unique_ptr<v1::Rulesets::Stub> rulesets_;
};

// Customers with every field set, and with every field at its "unknown"
// value: what GetCustomer returns goes back to UpsertCustomer and to an
// inline Evaluate unchanged, and the upsert changes nothing.
TEST_F(RoundTripTest, CustomersGoBackAsTheyCame) {
  v1::Customer full = ZhangSan();
  full.set_gender("女");
  full.set_occupation("教师");
  full.set_birthday("1990-03-04");
  full.set_joined_at("2020-01-02");
  full.set_purchase_frequency(7);
  full.set_average_purchase_amount("199.9");
  v1::Customer never_rated;  // satisfaction comes back as "0"
  never_rated.set_id("c-0");
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(full, "k-full", &upserted).ok());
  ASSERT_TRUE(Upsert(never_rated, "k-unrated", &upserted).ok());
  v1::RecordPurchaseResponse purchased;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-p1", &purchased).ok());

  for (const std::string id : {"c-1", "c-0"}) {
    SCOPED_TRACE(id);
    const v1::Customer stored = Get(id);
    if (id == "c-0") {
      EXPECT_EQ(stored.satisfaction(), "0");
    }
    v1::UpsertCustomerResponse again;
    const grpc::Status upsert = Upsert(stored, StrCat("k-again-", id), &again);
    ASSERT_TRUE(upsert.ok()) << upsert.error_message();
    EXPECT_FALSE(again.created());
    EXPECT_EQ(again.customer().SerializeAsString(), stored.SerializeAsString())
        << again.customer().DebugString() << "\nwas\n" << stored.DebugString();

    v1::EvaluateRequest inline_request;
    *inline_request.mutable_customer() = stored;
    v1::EvaluateResponse inline_decision;
    const grpc::Status evaluated =
        Call(decisions_, &v1::Decisions::Stub::Evaluate, inline_request, &inline_decision);
    ASSERT_TRUE(evaluated.ok()) << evaluated.error_message();
    // The same customer, stored or inline, gets the same decision.
    EXPECT_EQ(inline_decision.decision().SerializeAsString(), Evaluate(id).SerializeAsString());
  }

  // A listed page goes back too.
  v1::ListCustomersRequest list;
  v1::ListCustomersResponse page;
  ASSERT_TRUE(Call(customers_, &v1::Customers::Stub::ListCustomers, list, &page).ok());
  for (const v1::Customer& c : page.customers()) {
    v1::UpsertCustomerResponse again;
    const grpc::Status s = Upsert(c, StrCat("k-listed-", c.id()), &again);
    EXPECT_TRUE(s.ok()) << c.id() << ": " << s.error_message();
  }
}

// Segments a decision names, and dimensions SegmentSizes names, are
// filters that ListCustomers, EvaluateMany and SegmentSizes take.
TEST_F(RoundTripTest, SegmentsGoBackAsFilters) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &upserted).ok());
  const v1::Decision decision = Evaluate("c-1");
  ASSERT_GT(decision.segments_size(), 0);
  for (const v1::Segment& segment : decision.segments()) {
    SCOPED_TRACE(segment.dimension());
    v1::ListCustomersRequest list;
    list.mutable_segment()->set_dimension(segment.dimension());
    list.mutable_segment()->set_segment(segment.segment());
    v1::ListCustomersResponse page;
    const grpc::Status listed = Call(customers_, &v1::Customers::Stub::ListCustomers, list, &page);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    EXPECT_EQ(page.customers_size(), 1);

    v1::EvaluateManyRequest many;
    *many.mutable_segment() = list.segment();
    grpc::ClientContext context;
    auto reader = decisions_->EvaluateMany(&context, many);
    v1::EvaluateResponse response;
    int read = 0;
    while (reader->Read(&response)) ++read;
    const grpc::Status streamed = reader->Finish();
    EXPECT_TRUE(streamed.ok()) << streamed.error_message();
    EXPECT_EQ(read, 1);
  }
  v1::SegmentSizesRequest sizes_request;
  v1::SegmentSizesResponse sizes;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::SegmentSizes, sizes_request, &sizes).ok());
  for (const v1::DimensionSizes& d : sizes.dimensions()) {
    v1::SegmentSizesRequest one;
    one.set_dimension(d.dimension());
    v1::SegmentSizesResponse again;
    EXPECT_TRUE(Call(reports_, &v1::Reports::Stub::SegmentSizes, one, &again).ok());
    for (const v1::SegmentSize& s : d.segments()) {
      v1::ListCustomersRequest list;
      list.mutable_segment()->set_dimension(d.dimension());
      list.mutable_segment()->set_segment(s.segment());
      v1::ListCustomersResponse page;
      const grpc::Status listed =
          Call(customers_, &v1::Customers::Stub::ListCustomers, list, &page);
      EXPECT_TRUE(listed.ok()) << s.segment() << ": " << listed.error_message();
    }
  }
}

// Products, improvement actions and the feedback report's names go back
// to the calls that take them; a purchase id to ReturnPurchase.
TEST_F(RoundTripTest, ProductsActionsAndPurchasesGoBack) {
  v1::UpsertProductRequest product;
  product.set_idempotency_key("k-product");
  product.mutable_product()->set_product("产品A");
  (*product.mutable_product()->mutable_attributes())["价格"] = "100";
  (*product.mutable_product()->mutable_attributes())["说明"] = "第一行\n第二行\t缩进";
  v1::UpsertProductResponse stored_product;
  ASSERT_TRUE(
      Call(improvements_, &v1::Improvements::Stub::UpsertProduct, product, &stored_product).ok());
  v1::GetProductRequest get;
  get.set_product("产品A");
  v1::GetProductResponse got;
  ASSERT_TRUE(Call(improvements_, &v1::Improvements::Stub::GetProduct, get, &got).ok());
  v1::UpsertProductRequest again;
  again.set_idempotency_key("k-product-again");
  *again.mutable_product() = got.product();
  v1::UpsertProductResponse again_stored;
  grpc::Status s = Call(improvements_, &v1::Improvements::Stub::UpsertProduct, again, &again_stored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again_stored.product().attributes_size(), 2);

  v1::SubmitFeedbackRequest feedback;
  feedback.set_idempotency_key("k-feedback");
  feedback.set_product("产品A");
  feedback.set_text("功能更强大,价格更优惠");
  feedback.set_satisfaction("4.5");
  v1::SubmitFeedbackResponse submitted;
  ASSERT_TRUE(Call(events_, &v1::Events::Stub::SubmitFeedback, feedback, &submitted).ok());

  v1::FeedbackReportRequest report_request;
  v1::FeedbackReportResponse report;
  ASSERT_TRUE(Call(reports_, &v1::Reports::Stub::FeedbackReport, report_request, &report).ok());
  for (const v1::ProductFeedback& p : report.products()) {
    v1::FeedbackReportRequest one;
    one.set_product(p.product());
    one.set_since(p.first_feedback_at());
    v1::FeedbackReportResponse one_report;
    s = Call(reports_, &v1::Reports::Stub::FeedbackReport, one, &one_report);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  v1::ListImprovementActionsRequest list;
  v1::ListImprovementActionsResponse actions;
  ASSERT_TRUE(
      Call(improvements_, &v1::Improvements::Stub::ListImprovementActions, list, &actions).ok());
  for (const v1::ImprovementAction& a : actions.actions()) {
    v1::ListImprovementActionsRequest filtered;
    filtered.set_product(a.product());
    filtered.set_status(a.status());
    v1::ListImprovementActionsResponse same;
    s = Call(improvements_, &v1::Improvements::Stub::ListImprovementActions, filtered, &same);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::DecideImprovementActionRequest decide;
    decide.set_idempotency_key(StrCat("k-decide-", a.action_id()));
    decide.set_action_id(a.action_id());
    decide.set_actor("运营");
    decide.set_note("见\n反馈");
    v1::DecideImprovementActionResponse decided;
    s = Call(improvements_, &v1::Improvements::Stub::DismissImprovementAction, decide, &decided);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-c1", &upserted).ok());
  v1::RecordPurchaseResponse purchased;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-p1", &purchased).ok());
  v1::ReturnPurchaseRequest back;
  back.set_idempotency_key("k-return");
  back.set_purchase_id(purchased.purchase_id());
  v1::ReturnPurchaseResponse returned;
  s = Call(events_, &v1::Events::Stub::ReturnPurchase, back, &returned);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// Versions and files of the served ruleset go back to GetRulesetVersion,
// ListLoggedDecisions and SimulateRuleset.
TEST_F(RoundTripTest, RulesetVersionsAndFilesGoBack) {
  v1::GetRulesetRequest ruleset_request;
  v1::GetRulesetResponse ruleset;
  ASSERT_TRUE(Call(decisions_, &v1::Decisions::Stub::GetRuleset, ruleset_request, &ruleset).ok());
  v1::GetRulesetVersionRequest version_request;
  version_request.set_version(ruleset.version());
  v1::GetRulesetVersionResponse version;
  grpc::ClientContext context;
  ASSERT_TRUE(rulesets_->GetRulesetVersion(&context, version_request, &version).ok());

  v1::SimulateRulesetRequest simulate;
  for (const v1::RulesetSourceFile& f : version.files()) *simulate.add_files() = f;
  v1::SimulateRulesetResponse simulated;
  grpc::ClientContext simulate_context;
  grpc::Status s = rulesets_->SimulateRuleset(&simulate_context, simulate, &simulated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(simulated.candidate_version(), ruleset.version());

  v1::SimulateRulesetRequest by_version;
  by_version.set_version(version.info().version());
  by_version.set_today(simulated.today());
  by_version.set_purchases_from(simulated.points().purchases_from());
  by_version.set_purchases_to(simulated.points().purchases_to());
  grpc::ClientContext by_version_context;
  s = rulesets_->SimulateRuleset(&by_version_context, by_version, &simulated);
  EXPECT_TRUE(s.ok()) << s.error_message();

  v1::ListLoggedDecisionsRequest logged;
  logged.set_ruleset_version(ruleset.version());
  v1::ListLoggedDecisionsResponse decisions;
  s = Call(decisions_, &v1::Decisions::Stub::ListLoggedDecisions, logged, &decisions);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace clientele
