// Facts over time windows through the API classes in process (no gRPC):
// the default ruleset plus a dimension and an earning bonus that read
// purchases_in_last, spent_in_last, interactions_in_last and
// satisfaction_days_ago. Purchases (backdated to the window's edges),
// returns, interactions and profile edits are recorded through the API;
// Decisions.Evaluate of the stored customer then sees them, a day later
// the window has moved on, and an earning rule counts the purchases
// before the one being recorded. The ruleset's own rule tests give the
// history in YAML, and run when the server loads the rules.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/rules_directory.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using rules::Date;

constexpr char kRecent[] = R"(kind: segmentation
dimensions:
  - id: recent
    rules:
      - id: busy
        when: purchases_in_last(recent_days) >= 2 and spent_in_last(recent_days) >= 300
        segment: 活跃
      - id: angry
        when: interactions_in_last(7, "negative_review") >= 2
        segment: 投诉多
      - id: cooling
        when: satisfaction > 0 and satisfaction_days_ago(30) - satisfaction > 0.5
        segment: 满意度下降
    default: 一般
)";

constexpr char kParameters[] = R"(kind: parameters
parameters:
  recent_days: 30
  price_words: [太贵, 价格高]
)";

// Appended to the seed's improvement actions: a share of the product's
// feedback over 30 days, this feedback included.
constexpr char kPriceReview[] = R"(
  - id: price_review
    when: >-
      feedback contains any price_words
      and product_feedback_in_last(30) >= 4
      and product_feedback_share(30, price_words) >= 0.5
    action: 复核定价
)";

// The seed's loyalty file with a bonus for a third purchase in 30 days.
constexpr char kLoyaltyBonus[] = R"(
  bonuses:
    - id: third_in_a_month
      when: purchases_in_last(30) >= 2
      points: 50
)";

constexpr char kTests[] = R"(kind: tests
cases:
  - name: two purchases on the window's first day and today
    today: 2026-12-06
    customer:
      history:
        purchases: [{date: 2026-11-07, amount: 200}, {date: 2026-12-06, amount: 100}]
    expect: {segments: {recent: 活跃}}
  - name: one of them a day too old
    today: 2026-12-06
    customer:
      history:
        purchases: [{date: 2026-11-06, amount: 200}, {date: 2026-12-06, amount: 100}]
    expect: {segments: {recent: 一般}}
  - name: satisfaction fell from 4.5 to 3.9
    today: 2026-12-06
    customer:
      satisfaction: 3.9
      history:
        satisfaction_changes: [{date: 2026-11-20, before: 4.5}]
    expect: {segments: {recent: 满意度下降}}
)";

// The default ruleset with the files above, in a temporary directory.
class FactRules {
 public:
  FactRules() {
    for (const auto& entry :
         std::filesystem::directory_iterator(testing::InProcessApis::kDefaultRules)) {
      if (entry.path().extension() == ".yaml" && entry.path().filename() != "tests.yaml") {
        std::filesystem::copy_file(entry.path(), path() / entry.path().filename());
      }
    }
    directory_.WriteInPlace("recent.yaml", kRecent);
    directory_.WriteInPlace("recent_parameters.yaml", kParameters);
    directory_.WriteInPlace("recent_tests.yaml", kTests);
    // The bonus goes under the loyalty file's `earning:`, the action at
    // the end of the improvements.
    std::ifstream in(path() / "loyalty.yaml", std::ios::binary);
    std::string loyalty((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t tiers = loyalty.find("\ntiers:");
    EXPECT_NE(tiers, std::string::npos);
    loyalty.insert(tiers, kLoyaltyBonus);
    directory_.WriteInPlace("loyalty.yaml", loyalty);
    std::ofstream(path() / "improvements.yaml", std::ios::binary | std::ios::app) << kPriceReview;
  }
  std::filesystem::path path() const { return directory_.path(); }

 private:
  testing::RulesDirectory directory_;
};

struct FactServer {
  FactServer() : in_process(rules.path()) {}
  FactRules rules;
  testing::InProcessApis in_process;
};

class HistoryFactsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FactServer>();
    ASSERT_NE(server_->in_process.apis(), nullptr);
    apis_ = server_->in_process.apis();
    today_ = *Date::Parse("2026-12-06");
    server_->in_process.set_today(today_);
    ASSERT_NO_FATAL_FAILURE(Upsert("c-1", ""));
  }

  std::string Key() { return "key-" + std::to_string(++keys_); }
  std::string DaysBefore(int days) const { return Date::FromDays(today_.days() - days).ToString(); }

  void Upsert(const std::string& id, const std::string& satisfaction) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(Key());
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_age(30);
    request.mutable_customer()->set_satisfaction(satisfaction);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  // The points the purchase earned.
  int64_t Buy(const std::string& id, const std::string& amount, const std::string& date) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id("c-1");
    request.set_purchase_id(id);
    request.set_amount(amount);
    request.set_date(date);
    v1::RecordPurchaseResponse response;
    EXPECT_THAT(apis_->events.RecordPurchase(request, &response), IsOk());
    return response.points_earned();
  }

  void Interact(const std::string& text) {
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id("c-1");
    request.set_text(text);
    v1::RecordInteractionResponse response;
    ASSERT_THAT(apis_->events.RecordInteraction(request, &response), IsOk());
  }

  // The rule ids the feedback proposed.
  std::vector<std::string> Feedback(const std::string& product, const std::string& text,
                                    const std::string& date = "") {
    v1::SubmitFeedbackRequest request;
    request.set_idempotency_key(Key());
    request.set_product(product);
    request.set_text(text);
    request.set_date(date);
    v1::SubmitFeedbackResponse response;
    EXPECT_THAT(apis_->events.SubmitFeedback(request, &response), IsOk());
    std::vector<std::string> rules;
    for (const v1::ImprovementProposal& p : response.proposals()) rules.push_back(p.rule_id());
    return rules;
  }

  std::string Recent() {
    v1::EvaluateRequest request;
    request.set_customer_id("c-1");
    v1::EvaluateResponse response;
    EXPECT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
    for (const v1::Segment& s : response.decision().segments()) {
      if (s.dimension() == "recent") return s.segment();
    }
    return "";
  }

  void MoveTo(int days_later) {
    today_ = Date::FromDays(today_.days() + days_later);
    server_->in_process.set_today(today_);
  }

  std::unique_ptr<FactServer> server_;
  Apis* apis_ = nullptr;
  Date today_;
  int keys_ = 0;
};

TEST_F(HistoryFactsApiTest, PurchasesCountWhileInTheWindowAndReturnsTakeThemOff) {
  EXPECT_EQ(Buy("p-1", "200", DaysBefore(29)), 20);  // the window's first day
  EXPECT_EQ(Recent(), "一般");
  EXPECT_EQ(Buy("p-2", "100", ""), 20);  // one purchase before it: no bonus yet
  EXPECT_EQ(Recent(), "活跃");
  // The third in 30 days earns the bonus: two were recorded before it.
  EXPECT_EQ(Buy("p-3", "10", ""), 20 + 50);
  MoveTo(1);  // p-1 leaves the window: 110 spent in it
  EXPECT_EQ(Recent(), "一般");
  MoveTo(-1);
  v1::ReturnPurchaseRequest back;
  back.set_idempotency_key(Key());
  back.set_purchase_id("p-2");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis_->events.ReturnPurchase(back, &returned), IsOk());
  EXPECT_EQ(Recent(), "一般");  // 210 spent in the window now
}

TEST_F(HistoryFactsApiTest, InteractionsOfOneRuleCountOverSevenDays) {
  Interact("差评");
  Interact("好评");
  EXPECT_EQ(Recent(), "一般");
  MoveTo(6);
  Interact("很差，差评");
  EXPECT_EQ(Recent(), "投诉多");
  MoveTo(1);  // the first 差评 is eight days old
  EXPECT_EQ(Recent(), "一般");
}

TEST_F(HistoryFactsApiTest, SatisfactionDaysAgoSeesProfileEditsAndInteractions) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", "4.5"));  // today: never rated before
  MoveTo(1);
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", "4.2"));
  for (int i = 0; i < 3; ++i) Interact("差评");  // 4.2 -> 3.9, the day keeps 4.2
  // 30 days after the first edit, satisfaction at its end was 4.5.
  MoveTo(29);
  EXPECT_EQ(Recent(), "满意度下降");
  MoveTo(1);  // the end of the second day: 3.9, no drop
  EXPECT_EQ(Recent(), "一般");
}

TEST_F(HistoryFactsApiTest, AShareOfAProductsFeedbackProposesAnAction) {
  EXPECT_THAT(Feedback("产品A", "太贵了", DaysBefore(30)),
              ::testing::IsEmpty());  // out of the window
  EXPECT_THAT(Feedback("产品A", "价格高", DaysBefore(29)), ::testing::IsEmpty());  // 1 of 1
  EXPECT_THAT(Feedback("产品A", "很好"), ::testing::IsEmpty());
  EXPECT_THAT(Feedback("产品B", "太贵"), ::testing::IsEmpty());  // another product's
  // 3 in 30 days with this one (the one of 30 days ago would make it 4).
  EXPECT_THAT(Feedback("产品A", "太贵"), ::testing::IsEmpty());
  MoveTo(1);  // the one of 29 days ago leaves: 3 again with this one
  EXPECT_THAT(Feedback("产品A", "太贵"), ::testing::IsEmpty());
  // The fourth in 30 days, the third on price.
  EXPECT_THAT(Feedback("产品A", "太贵"), ::testing::ElementsAre("price_review"));
}

}  // namespace
}  // namespace clientele::server
