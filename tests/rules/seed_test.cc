// The default ruleset (config/rules) gives the seed articles' answers on the
// seed articles' own example inputs (../shared/seeds/).
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
    ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
    ASSERT_THAT(loaded.diagnostics, IsEmpty()) << FormatDiagnostics(loaded.diagnostics);
    ruleset_ = loaded.ruleset;
  }

  static Customer Make(int64_t age, std::string_view consumption) {
    Customer c;
    c.age = age;
    EXPECT_THAT(SetCustomerField(&c, "consumption", consumption), IsOk());
    return c;
  }

  Decision Evaluate(const Customer& customer, const Purchase* purchase = nullptr,
                    const Interaction* interaction = nullptr, const Feedback* feedback = nullptr) {
    EvalInput input{&customer, purchase, interaction, feedback, *Date::Parse("2026-11-24")};
    Decision decision;
    EXPECT_THAT(ruleset_->Evaluate(input, &decision), IsOk());
    return decision;
  }

  static std::shared_ptr<const RuleSet> ruleset_;
};

std::shared_ptr<const RuleSet> SeedTest::ruleset_;

// customer_segmentation(df): 年龄 [25, 35, 45, 55, 65], 消费能力 [低, 中, 高, 中, 低].
TEST_F(SeedTest, CustomerSegmentationByAgeAndConsumption) {
  const std::pair<int, const char*> kInputs[] = {{25, "低"}, {35, "中"}, {45, "高"}, {55, "中"}, {65, "低"}};
  const char* kExpected[] = {"年轻低收入群体", "年轻中收入群体", "中年高收入群体", "其他", "其他"};
  for (size_t i = 0; i < 5; ++i) {
    Decision d = Evaluate(Make(kInputs[i].first, kInputs[i].second));
    EXPECT_EQ(d.SegmentOf("life_stage"), kExpected[i]) << "客户ID " << i + 1;
  }
}

// classify_customers: frequency > 10 and amount > 1000 → high value;
// > 5 and > 500 → loyal; else potential. Boundaries are exclusive.
TEST_F(SeedTest, ClassifyCustomersByPurchaseBehaviour) {
  struct Case {
    int64_t frequency;
    const char* amount;
    const char* expected;
  };
  const Case kCases[] = {
      {11, "1000.01", "高价值客户"}, {10, "5000", "忠诚客户"},  {11, "1000", "忠诚客户"},
      {6, "500.01", "忠诚客户"},     {5, "900", "潜力客户"},    {6, "500", "潜力客户"},
      {0, "0", "潜力客户"},          {30, "2000", "高价值客户"},
  };
  for (const Case& c : kCases) {
    Customer customer = Make(30, "mid");
    customer.purchase_frequency = c.frequency;
    customer.average_purchase_amount = *Decimal::Parse(c.amount);
    EXPECT_EQ(Evaluate(customer).SegmentOf("purchase_behavior"), c.expected)
        << c.frequency << " purchases averaging " << c.amount;
  }
}

// classify_customers_by_attribute: < 30 young, < 60 middle aged, else elderly.
TEST_F(SeedTest, ClassifyCustomersByAge) {
  const std::pair<int, const char*> kCases[] = {
      {0, "年轻客户"}, {29, "年轻客户"}, {30, "中年客户"}, {59, "中年客户"}, {60, "老年客户"}, {99, "老年客户"}};
  for (const auto& [age, expected] : kCases) {
    EXPECT_EQ(Evaluate(Make(age, "low")).SegmentOf("age_band"), expected) << age;
  }
}

// classify_customers_by_satisfaction: > 4 satisfied, else dissatisfied.
TEST_F(SeedTest, ClassifyCustomersBySatisfaction) {
  const std::pair<const char*, const char*> kCases[] = {
      {"4.01", "满意客户"}, {"5", "满意客户"}, {"4", "不满意客户"}, {"1", "不满意客户"}};
  for (const auto& [satisfaction, expected] : kCases) {
    Customer c = Make(30, "low");
    c.satisfaction = *Decimal::Parse(satisfaction);
    EXPECT_EQ(Evaluate(c).SegmentOf("satisfaction_level"), expected) << satisfaction;
  }
}

// personalized_service(张三 30 中, '年轻中收入群体') → 无; and the two offers.
TEST_F(SeedTest, PersonalizedService) {
  Customer zhang_san = Make(30, "中");
  zhang_san.name = "张三";
  Decision d = Evaluate(zhang_san);
  EXPECT_EQ(d.SegmentOf("life_stage"), "年轻中收入群体");
  EXPECT_THAT(d.offers, IsEmpty());  // the seed's 无

  Decision young_low = Evaluate(Make(25, "低"));
  ASSERT_EQ(young_low.offers.size(), 1u);
  EXPECT_EQ(young_low.offers[0].offer, "满100减20");

  Decision middle_high = Evaluate(Make(45, "高"));
  ASSERT_EQ(middle_high.offers.size(), 1u);
  EXPECT_EQ(middle_high.offers[0].offer, "生日礼物");
}

// customer_relationship_management(李四 满意度 4.0, '好评') → 4.1, 互动次数 +1.
TEST_F(SeedTest, CustomerRelationshipManagement) {
  Customer li_si = Make(40, "高");
  li_si.satisfaction = Decimal::FromInteger(4);
  Interaction good{"好评"};
  Decision d = Evaluate(li_si, nullptr, &good);
  EXPECT_EQ(d.interaction.satisfaction_after, *Decimal::Parse("4.1"));  // exactly, no drift
  EXPECT_EQ(d.interaction.satisfaction_after.ToString(), "4.1");
  EXPECT_EQ(d.interaction.interaction_count_after, 1);
  EXPECT_EQ(d.interaction.rule_id, "positive_review");

  Interaction bad{"差评"};
  EXPECT_EQ(Evaluate(li_si, nullptr, &bad).interaction.satisfaction_after.ToString(), "3.9");
  Interaction neutral{"一般"};
  Decision n = Evaluate(li_si, nullptr, &neutral);
  EXPECT_EQ(n.interaction.satisfaction_after.ToString(), "4");
  EXPECT_EQ(n.interaction.interaction_count_after, 1);  // every interaction counts
}

TEST_F(SeedTest, SatisfactionStaysInRangeWithoutDrift) {
  Customer c = Make(40, "高");
  c.satisfaction = *Decimal::Parse("4.95");
  Interaction good{"好评"};
  EXPECT_EQ(Evaluate(c, nullptr, &good).interaction.satisfaction_after.ToString(), "5");
  // Ten steps of +0.1 from 1.0 land exactly on 2.0 (in binary floating
  // point they would give 1.9999999999999998).
  c.satisfaction = Decimal::FromInteger(1);
  for (int i = 0; i < 10; ++i) {
    c.satisfaction = Evaluate(c, nullptr, &good).interaction.satisfaction_after;
  }
  EXPECT_EQ(c.satisfaction, Decimal::FromInteger(2));
  Interaction bad{"差评"};
  c.satisfaction = Decimal::FromInteger(1);
  EXPECT_EQ(Evaluate(c, nullptr, &bad).interaction.satisfaction_after, Decimal::FromInteger(1));
}

// loyalty_program(王五 积分 0, purchase 400) → 积分 50.
TEST_F(SeedTest, LoyaltyProgram) {
  Customer wang_wu = Make(50, "高");
  Purchase purchase{"p1", Decimal::FromInteger(400), "", Channel::kUnknown};
  Decision d = Evaluate(wang_wu, &purchase);
  EXPECT_EQ(d.loyalty.points_earned, 50);
  EXPECT_EQ(d.loyalty.points_after, 50);
  EXPECT_EQ(d.loyalty.rule_id, "medium_purchase");

  const std::pair<const char*, int64_t> kBands[] = {
      {"500", 100}, {"9999", 100}, {"499.99", 50}, {"300", 50}, {"299.99", 20}, {"0.01", 20}};
  for (const auto& [amount, points] : kBands) {
    Purchase p{"p", *Decimal::Parse(amount), "", Channel::kUnknown};
    EXPECT_EQ(Evaluate(wang_wu, &p).loyalty.points_earned, points) << amount;
  }
}

TEST_F(SeedTest, TierFollowsPointsAfterThePurchase) {
  Customer c = Make(50, "高");
  c.points = 480;
  Purchase p{"p", Decimal::FromInteger(100), "", Channel::kUnknown};
  Decision d = Evaluate(c, &p);
  EXPECT_EQ(d.tier_before, "普通会员");
  EXPECT_EQ(d.tier, "银卡会员");
  EXPECT_EQ(d.loyalty.points_after, 500);
}

// product_improvement(product, '功能更强大,价格更优惠,售后服务更完善').
TEST_F(SeedTest, ProductImprovement) {
  Feedback feedback{"产品A", "功能更强大,价格更优惠,售后服务更完善", FeedbackSource::kSurvey};
  Decision d = Evaluate(Make(30, "low"), nullptr, nullptr, &feedback);
  ASSERT_EQ(d.improvements.size(), 3u);
  std::map<std::string, std::string> product = {
      {"功能", "基础功能"}, {"价格", "100"}, {"售后服务", "正常工作时间客服"}};
  absl::StatusOr<std::map<std::string, std::string>> improved =
      ApplyProductChanges(product, d.improvements);
  ASSERT_THAT(improved, IsOk());
  EXPECT_THAT(*improved, ElementsAre(std::pair<const std::string, std::string>{"价格", "90"},
                                     std::pair<const std::string, std::string>{"功能", "基础功能新功能X"},
                                     std::pair<const std::string, std::string>{"售后服务", "7*24小时在线客服"}));

  Feedback price_only{"产品B", "价格更优惠", FeedbackSource::kPhone};
  Decision p = Evaluate(Make(30, "low"), nullptr, nullptr, &price_only);
  ASSERT_EQ(p.improvements.size(), 1u);
  EXPECT_EQ(p.improvements[0].rule_id, "better_price");
}

TEST_F(SeedTest, ApplyProductChangesRejectsNonNumericPriceAndChangesNothing) {
  Feedback feedback{"产品A", "价格更优惠", FeedbackSource::kSurvey};
  Decision d = Evaluate(Make(30, "low"), nullptr, nullptr, &feedback);
  std::map<std::string, std::string> product = {{"价格", "面议"}};
  EXPECT_THAT(ApplyProductChanges(product, d.improvements),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "not a number"));
  EXPECT_EQ(product.at("价格"), "面议");
}

TEST_F(SeedTest, EveryDecisionCarriesTheRulesetVersion) {
  Decision d = Evaluate(Make(30, "low"));
  EXPECT_EQ(d.ruleset_version, ruleset_->version());
  EXPECT_EQ(ruleset_->version().size(), 12u);
}

}  // namespace
}  // namespace clientele::rules
