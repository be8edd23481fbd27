// Redeeming offers through the API (Offers.RedeemOffer and
// ReverseOfferRedemption, purchases that carry offers, returns that give
// them back, Evaluate reading limits and budgets from the store,
// Reports.OfferReport), on a ruleset of its own in Shanghai time: a budget
// of 3 redemptions, a weekly limit per customer, a value budget, a
// channel's budget and a once-per-customer points offer.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/rules_directory.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOffers[] = R"(kind: offers
offers:
  - id: launch_gift
    when: true
    offer: 新品礼
    stacking: stackable
    value: {amount_off: 20}
    budget: {redemptions: 3}
  - id: weekly_coupon
    when: true
    offer: 周券
    stacking: stackable
    value: {amount_off: 5}
    per_customer: {week: 1}
  - id: big_basket
    when: true
    offer: 满100减50
    stacking: stackable
    value: {amount_off: 50, min_amount: 100}
    budget: {value: 120}
  - id: online_coupon
    when: true
    offer: 线上券
    stacking: stackable
    value: {amount_off: 8}
    budget: {online: {redemptions: 1}}
  - id: first_double_points
    when: true
    offer: 首单双倍积分
    stacking: stackable
    value: {points_multiplier: 2}
    per_customer: 1
  - id: welcome_discount
    when: true
    offer: 新客立减
    group: checkout
    value: {amount_off: 15}
    per_customer: 1
  - id: member_discount
    when: true
    offer: 会员立减
    group: checkout
    value: {amount_off: 10}
groups:
  checkout: {choose: best_value}
)";

constexpr char kLoyalty[] = R"(kind: loyalty
earning:
  rules:
    - id: big_spender
      when: purchase.amount >= 10000
      points: 1000
  default:
    id: base
    points: 10
)";

constexpr char kParameters[] = R"(kind: parameters
time_zone: Asia/Shanghai
parameters: {}
)";

absl::Time Utc(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0),
                         absl::UTCTimeZone());
}

// A ruleset directory written before the APIs load it.
class OfferRules {
 public:
  OfferRules() {
    directory_.WriteInPlace("offers.yaml", kOffers);
    directory_.WriteInPlace("loyalty.yaml", kLoyalty);
    directory_.WriteInPlace("parameters.yaml", kParameters);
  }
  std::filesystem::path path() const { return directory_.path(); }

 private:
  testing::RulesDirectory directory_;
};

class OfferRedemptionApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(in_process_.apis(), nullptr);
    apis_ = in_process_.apis();
    // Wednesday 2026-12-09, 12:00 in Shanghai.
    in_process_.set_now(Utc(2026, 12, 9, 4, 0));
    for (int i = 0; i < 20; ++i) AddCustomer("c" + std::to_string(i));
  }

  void AddCustomer(const std::string& id) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key("upsert-" + id);
    request.mutable_customer()->set_id(id);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  absl::Status Redeem(const std::string& customer, const std::string& offer,
                      v1::RedeemOfferResponse* response, const std::string& amount = "",
                      const std::string& channel = "") {
    v1::RedeemOfferRequest request;
    request.set_idempotency_key("redeem-" + std::to_string(++keys_));
    request.set_customer_id(customer);
    request.set_offer_id(offer);
    request.set_amount(amount);
    request.set_channel(channel);
    return apis_->offers.RedeemOffer(request, response);
  }
  absl::Status Redeem(const std::string& customer, const std::string& offer,
                      const std::string& amount = "", const std::string& channel = "") {
    v1::RedeemOfferResponse response;
    return Redeem(customer, offer, &response, amount, channel);
  }

  absl::Status Reverse(int64_t id) {
    v1::ReverseOfferRedemptionRequest request;
    request.set_idempotency_key("reverse-" + std::to_string(++keys_));
    request.set_redemption_id(id);
    request.set_reason("order cancelled");
    v1::ReverseOfferRedemptionResponse response;
    return apis_->offers.ReverseOfferRedemption(request, &response);
  }

  // The offers (rule ids) Evaluate gives `customer` now, and the
  // explanation's note on `offer`.
  std::vector<std::string> Offers(const std::string& customer, std::string* note = nullptr,
                                  const std::string& offer = "", const std::string& amount = "") {
    v1::EvaluateRequest request;
    request.set_customer_id(customer);
    request.set_explain(true);
    request.set_amount(amount);
    v1::EvaluateResponse response;
    EXPECT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
    std::vector<std::string> ids;
    for (const v1::Offer& o : response.decision().offers()) ids.push_back(o.rule_id());
    for (const v1::RuleExplanation& r : response.decision().explanation()) {
      if (note != nullptr && r.section() == "offers" && r.rule_id() == offer) *note = r.note();
    }
    return ids;
  }

  OfferRules rules_;
  testing::InProcessApis in_process_{rules_.path()};
  Apis* apis_ = nullptr;
  int keys_ = 0;
};

TEST_F(OfferRedemptionApiTest, ARedemptionIsRecordedWithItsValueDayAndVersion) {
  v1::RedeemOfferResponse response;
  ASSERT_THAT(Redeem("c1", "launch_gift", &response, "80", "offline"), IsOk());
  const v1::OfferRedemption& r = response.redemption();
  EXPECT_GT(r.redemption_id(), 0);
  EXPECT_EQ(r.customer_id(), "c1");
  EXPECT_EQ(r.offer(), "新品礼");
  EXPECT_EQ(r.date(), "2026-12-09");
  EXPECT_EQ(r.channel(), "offline");
  EXPECT_EQ(r.unit(), "money");
  EXPECT_EQ(r.value(), "20");
  EXPECT_EQ(r.amount(), "80");
  EXPECT_EQ(r.ruleset_version(), in_process_.holder().Current()->ruleset->version());
  EXPECT_FALSE(r.recorded_at().empty());
  EXPECT_TRUE(r.reversed_at().empty());

  v1::ListOfferRedemptionsRequest list;
  list.set_customer_id("c1");
  v1::ListOfferRedemptionsResponse listed;
  ASSERT_THAT(apis_->offers.ListOfferRedemptions(list, &listed), IsOk());
  ASSERT_EQ(listed.redemptions_size(), 1);
  EXPECT_EQ(listed.redemptions(0).redemption_id(), r.redemption_id());
}

TEST_F(OfferRedemptionApiTest, ARetryWithTheSameKeyRedeemsOnce) {
  v1::RedeemOfferRequest request;
  request.set_idempotency_key("same");
  request.set_customer_id("c1");
  request.set_offer_id("launch_gift");
  v1::RedeemOfferResponse first;
  v1::RedeemOfferResponse again;
  ASSERT_THAT(apis_->offers.RedeemOffer(request, &first), IsOk());
  ASSERT_THAT(apis_->offers.RedeemOffer(request, &again), IsOk());
  EXPECT_EQ(first.redemption().redemption_id(), again.redemption().redemption_id());
  v1::OfferReportRequest report;
  v1::OfferReportResponse figures;
  ASSERT_THAT(apis_->reports.OfferReport(report, &figures), IsOk());
  EXPECT_EQ(figures.offers(0).offer_id(), "launch_gift");
  EXPECT_EQ(figures.offers(0).total_redemptions(), 1);
}

TEST_F(OfferRedemptionApiTest, TheLastUnitOfABudgetGoesToOneOfSixteenAtOnce) {
  std::atomic<int> redeemed = 0;
  std::atomic<int> spent = 0;
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] {
      const absl::Status s = Redeem("c" + std::to_string(i), "launch_gift");
      if (s.ok()) {
        ++redeemed;
      } else if (ReasonOf(s) == kReasonOfferBudgetSpent) {
        ++spent;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(redeemed.load(), 3);
  EXPECT_EQ(spent.load(), 13);
  v1::OfferReportRequest report;
  report.set_offer_id("launch_gift");
  v1::OfferReportResponse figures;
  ASSERT_THAT(apis_->reports.OfferReport(report, &figures), IsOk());
  ASSERT_EQ(figures.offers_size(), 1);
  EXPECT_EQ(figures.offers(0).total_redemptions(), 3);
  ASSERT_EQ(figures.offers(0).budgets_size(), 1);
  EXPECT_EQ(figures.offers(0).budgets(0).used(), "3");
  EXPECT_EQ(figures.offers(0).budgets(0).left(), "0");
  std::string note;
  EXPECT_THAT(Offers("c19", &note, "launch_gift"), Not(Contains("launch_gift")));
  EXPECT_THAT(note, HasSubstr("budget spent"));
}

TEST_F(OfferRedemptionApiTest, AReversalFreesAUnitOfTheBudgetForTheNextCustomer) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    v1::RedeemOfferResponse response;
    ASSERT_THAT(Redeem("c" + std::to_string(i), "launch_gift", &response), IsOk());
    ids.push_back(response.redemption().redemption_id());
  }
  const absl::Status spent = Redeem("c3", "launch_gift");
  EXPECT_THAT(spent, StatusIs(absl::StatusCode::kFailedPrecondition, "budget spent"));
  EXPECT_EQ(ReasonOf(spent), kReasonOfferBudgetSpent);
  ASSERT_THAT(Reverse(ids[1]), IsOk());
  const absl::Status twice = Reverse(ids[1]);
  EXPECT_THAT(twice, StatusIs(absl::StatusCode::kFailedPrecondition, "reversed"));
  EXPECT_EQ(ReasonOf(twice), kReasonOfferRedemptionAlreadyReversed);
  EXPECT_THAT(Offers("c3"), Contains("launch_gift"));
  EXPECT_THAT(Redeem("c3", "launch_gift"), IsOk());
  EXPECT_THAT(Redeem("c4", "launch_gift"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "budget spent"));
  EXPECT_THAT(Reverse(999999), StatusIs(absl::StatusCode::kNotFound, "not recorded"));
}

TEST_F(OfferRedemptionApiTest, AWeeklyLimitHoldsUntilSundayAndFreesOnMonday) {
  // Sunday 2026-12-13 23:59 in Shanghai is 15:59 UTC.
  in_process_.set_now(Utc(2026, 12, 13, 15, 0));
  ASSERT_THAT(Redeem("c1", "weekly_coupon"), IsOk());
  in_process_.set_now(Utc(2026, 12, 13, 15, 59));
  const absl::Status again = Redeem("c1", "weekly_coupon");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition, "customer limit reached"));
  EXPECT_EQ(ReasonOf(again), kReasonOfferLimitReached);
  std::string note;
  EXPECT_THAT(Offers("c1", &note, "weekly_coupon"), Not(Contains("weekly_coupon")));
  EXPECT_THAT(note, HasSubstr("since 2026-12-07"));
  EXPECT_THAT(Offers("c2"), Contains("weekly_coupon"));  // another customer's limit
  in_process_.set_now(Utc(2026, 12, 13, 16, 0));  // Monday 00:00 in Shanghai
  EXPECT_THAT(Offers("c1"), Contains("weekly_coupon"));
  EXPECT_THAT(Redeem("c1", "weekly_coupon"), IsOk());
}

TEST_F(OfferRedemptionApiTest, AValueBudgetMustHoldTheRedemptionsOwnValue) {
  EXPECT_THAT(Redeem("c1", "big_basket", "150"), IsOk());
  EXPECT_THAT(Redeem("c2", "big_basket", "100"), IsOk());
  // 100 of 120 spent: another 50 does not fit.
  const absl::Status over = Redeem("c3", "big_basket", "300");
  EXPECT_THAT(over, StatusIs(absl::StatusCode::kFailedPrecondition, "budget spent"));
  // Below its minimum it is not given at all, whatever the budget.
  const absl::Status below = Redeem("c4", "big_basket", "99");
  EXPECT_EQ(ReasonOf(below), kReasonOfferNotGiven);
  v1::OfferReportRequest report;
  report.set_offer_id("big_basket");
  v1::OfferReportResponse figures;
  ASSERT_THAT(apis_->reports.OfferReport(report, &figures), IsOk());
  EXPECT_EQ(figures.offers(0).value(), "100");
  EXPECT_EQ(figures.offers(0).budgets(0).left(), "20");
  ASSERT_EQ(figures.offers(0).days_size(), 1);
  EXPECT_EQ(figures.offers(0).days(0).date(), "2026-12-09");
  EXPECT_EQ(figures.offers(0).days(0).redemptions(), 2);
}

TEST_F(OfferRedemptionApiTest, AChannelsBudgetCountsOnlyThatChannel) {
  EXPECT_THAT(Redeem("c1", "online_coupon", "", "online"), IsOk());
  EXPECT_THAT(Redeem("c2", "online_coupon", "", "online"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "budget spent"));
  EXPECT_THAT(Redeem("c2", "online_coupon", "", "offline"), IsOk());
}

TEST_F(OfferRedemptionApiTest, BadRequestsChangeNothing) {
  EXPECT_THAT(Redeem("c1", "no_such_offer"),
              StatusIs(absl::StatusCode::kInvalidArgument, "its offers: launch_gift"));
  EXPECT_THAT(Redeem("c1", "first_double_points"),
              StatusIs(absl::StatusCode::kInvalidArgument, "RecordPurchase"));
  EXPECT_THAT(Redeem("nobody", "launch_gift"), StatusIs(absl::StatusCode::kNotFound, "nobody"));
  EXPECT_THAT(Redeem("c1", "launch_gift", "-5"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                          "amount"));
  EXPECT_THAT(Redeem("c1", "launch_gift", "", "teleport"),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
  v1::RedeemOfferRequest both;
  both.set_idempotency_key("both");
  both.set_customer_id("c1");
  both.set_offer_id("launch_gift");
  both.set_amount("10");
  both.set_purchase_id("p1");
  v1::RedeemOfferResponse response;
  EXPECT_THAT(apis_->offers.RedeemOffer(both, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "not both"));
  both.clear_amount();
  EXPECT_THAT(apis_->offers.RedeemOffer(both, &response),
              StatusIs(absl::StatusCode::kNotFound, "purchase 'p1'"));
  v1::OfferReportRequest report;
  v1::OfferReportResponse figures;
  ASSERT_THAT(apis_->reports.OfferReport(report, &figures), IsOk());
  for (const v1::OfferFigures& offer : figures.offers()) {
    EXPECT_EQ(offer.total_redemptions(), 0) << offer.offer_id();
  }
}

TEST_F(OfferRedemptionApiTest, APurchaseRedeemsItsOffersAndItsReturnGivesThemBack) {
  v1::RecordPurchaseRequest purchase;
  purchase.set_idempotency_key("buy-1");
  purchase.set_customer_id("c1");
  purchase.set_purchase_id("p1");
  purchase.set_amount("120");
  purchase.set_channel("online");
  purchase.add_offer_ids("big_basket");
  purchase.add_offer_ids("weekly_coupon");
  v1::RecordPurchaseResponse bought;
  ASSERT_THAT(apis_->events.RecordPurchase(purchase, &bought), IsOk());
  // 10 points, doubled by the points offer the purchase redeems itself.
  EXPECT_EQ(bought.points_earned(), 20);
  std::vector<std::string> redeemed;
  for (const v1::OfferRedemption& r : bought.offers_redeemed()) {
    redeemed.push_back(r.offer_id());
    EXPECT_EQ(r.purchase_id(), "p1");
    if (r.offer_id() == "first_double_points") {
      EXPECT_EQ(r.unit(), "points");
      EXPECT_EQ(r.value(), "10");
    }
    if (r.offer_id() == "big_basket") {
      EXPECT_EQ(r.value(), "50");
    }
  }
  EXPECT_THAT(redeemed, ::testing::UnorderedElementsAre("big_basket", "weekly_coupon",
                                                        "first_double_points"));
  // Once per customer: the next purchase earns the base points.
  purchase.set_idempotency_key("buy-2");
  purchase.set_purchase_id("p2");
  purchase.clear_offer_ids();
  ASSERT_THAT(apis_->events.RecordPurchase(purchase, &bought), IsOk());
  EXPECT_EQ(bought.points_earned(), 10);
  EXPECT_EQ(bought.offers_redeemed_size(), 0);
  EXPECT_THAT(Offers("c1"), Not(Contains("weekly_coupon")));

  v1::ReturnPurchaseRequest give_back;
  give_back.set_idempotency_key("return-1");
  give_back.set_purchase_id("p1");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis_->events.ReturnPurchase(give_back, &returned), IsOk());
  EXPECT_EQ(returned.offers_reversed_size(), 3);
  for (const v1::OfferRedemption& r : returned.offers_reversed()) {
    EXPECT_FALSE(r.reversed_at().empty()) << r.offer_id();
    EXPECT_EQ(r.reversal_reason(), "return");
  }
  EXPECT_THAT(Offers("c1"), Contains("weekly_coupon"));
  EXPECT_THAT(Offers("c1"), Contains("first_double_points"));
}

TEST_F(OfferRedemptionApiTest, APurchaseCarryingAnOfferNotGivenIsNotRecorded) {
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Redeem("c" + std::to_string(i), "launch_gift"), IsOk());
  v1::RecordPurchaseRequest purchase;
  purchase.set_idempotency_key("buy-spent");
  purchase.set_customer_id("c5");
  purchase.set_purchase_id("p-spent");
  purchase.set_amount("50");
  purchase.add_offer_ids("launch_gift");
  v1::RecordPurchaseResponse bought;
  const absl::Status s = apis_->events.RecordPurchase(purchase, &bought);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition, "budget spent"));
  EXPECT_EQ(FieldOf(s), "offer_ids");
  absl::StatusOr<std::vector<PurchaseRecord>> purchases = in_process_.store()->Purchases("c5");
  ASSERT_TRUE(purchases.ok());
  EXPECT_TRUE(purchases->empty());
  // Nor was its points offer.
  EXPECT_THAT(Offers("c5"), Contains("first_double_points"));
  purchase.clear_offer_ids();
  purchase.add_offer_ids("weekly_coupon");
  purchase.add_offer_ids("weekly_coupon");
  EXPECT_THAT(apis_->events.RecordPurchase(purchase, &bought),
              StatusIs(absl::StatusCode::kInvalidArgument, "twice"));
}

TEST_F(OfferRedemptionApiTest, ARedemptionForARecordedPurchaseIsReversedByItsReturn) {
  v1::RecordPurchaseRequest purchase;
  purchase.set_idempotency_key("buy-1");
  purchase.set_customer_id("c1");
  purchase.set_purchase_id("p1");
  purchase.set_amount("200");
  purchase.set_channel("offline");
  v1::RecordPurchaseResponse bought;
  ASSERT_THAT(apis_->events.RecordPurchase(purchase, &bought), IsOk());
  v1::RedeemOfferRequest request;
  request.set_idempotency_key("redeem-for-p1");
  request.set_customer_id("c1");
  request.set_offer_id("big_basket");
  request.set_purchase_id("p1");
  v1::RedeemOfferResponse response;
  ASSERT_THAT(apis_->offers.RedeemOffer(request, &response), IsOk());
  EXPECT_EQ(response.redemption().amount(), "200");
  EXPECT_EQ(response.redemption().channel(), "offline");
  request.set_idempotency_key("redeem-for-p1-by-c2");
  request.set_customer_id("c2");
  EXPECT_THAT(apis_->offers.RedeemOffer(request, &response),
              StatusIs(absl::StatusCode::kNotFound, "purchase 'p1'"));
  v1::ReturnPurchaseRequest give_back;
  give_back.set_idempotency_key("return-1");
  give_back.set_purchase_id("p1");
  give_back.set_kind("cancellation");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis_->events.ReturnPurchase(give_back, &returned), IsOk());
  ASSERT_EQ(returned.offers_reversed_size(), 2);  // big_basket, first_double_points
  request.set_idempotency_key("redeem-for-returned-p1");
  request.set_customer_id("c1");
  EXPECT_THAT(apis_->offers.RedeemOffer(request, &response),
              StatusIs(absl::StatusCode::kFailedPrecondition, "taken back"));
}

TEST_F(OfferRedemptionApiTest, TheServedCalendarIsTheDirectorysCalendar) {
  v1::GetOfferCalendarRequest request;
  request.set_from("2026-12-07");
  request.set_to("2026-12-13");
  v1::GetOfferCalendarResponse response;
  ASSERT_THAT(apis_->offers.GetOfferCalendar(request, &response), IsOk());
  EXPECT_EQ(response.time_zone(), "Asia/Shanghai");
  ASSERT_EQ(response.offers_size(), 7);
  EXPECT_EQ(response.offers(0).offer_id(), "launch_gift");
  EXPECT_EQ(response.offers(0).live_dates_size(), 7);
  EXPECT_THAT(response.offers(1).limits(), HasSubstr("per customer a week"));
  request.set_to("2026-12-01");
  EXPECT_THAT(apis_->offers.GetOfferCalendar(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "before"));
  request.set_to("2028-01-01");
  EXPECT_THAT(apis_->offers.GetOfferCalendar(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "366"));
}

TEST_F(OfferRedemptionApiTest, AUnitGivenBackFreesThePeriodItWasRedeemedIn) {
  in_process_.set_now(Utc(2026, 12, 8, 4, 0));  // Tuesday 2026-12-08
  v1::RedeemOfferResponse tuesday;
  ASSERT_THAT(Redeem("c1", "weekly_coupon", &tuesday), IsOk());
  in_process_.set_now(Utc(2026, 12, 14, 4, 0));  // Monday of the next week
  ASSERT_THAT(Redeem("c1", "weekly_coupon"), IsOk());
  ASSERT_THAT(Reverse(tuesday.redemption().redemption_id()), IsOk());
  // Last week's unit came back to last week: this week's is still used.
  EXPECT_THAT(Redeem("c1", "weekly_coupon"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "customer limit reached"));
}

TEST_F(OfferRedemptionApiTest, AnInlineCustomerIsHeldToBudgetsButNotToAStoredOnesLimits) {
  ASSERT_THAT(Redeem("c1", "weekly_coupon"), IsOk());
  for (int i = 0; i < 3; ++i) ASSERT_THAT(Redeem("c" + std::to_string(i), "launch_gift"), IsOk());
  v1::EvaluateRequest request;
  request.mutable_customer()->set_id("c1");
  v1::EvaluateResponse response;
  ASSERT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
  std::vector<std::string> ids;
  for (const v1::Offer& o : response.decision().offers()) ids.push_back(o.rule_id());
  EXPECT_THAT(ids, Contains("weekly_coupon"));
  EXPECT_THAT(ids, Not(Contains("launch_gift")));
}

class PurchaseOffersTest : public OfferRedemptionApiTest {
 protected:
  void SetUp() override {
    OfferRedemptionApiTest::SetUp();
    v1::RecordPurchaseRequest purchase;
    purchase.set_idempotency_key("buy-1");
    purchase.set_customer_id("c1");
    purchase.set_purchase_id("p1");
    purchase.set_amount("200");
    purchase.set_channel("online");
    purchase.add_offer_ids("welcome_discount");
    v1::RecordPurchaseResponse bought;
    ASSERT_THAT(apis_->events.RecordPurchase(purchase, &bought), IsOk());
    for (const v1::OfferRedemption& r : bought.offers_redeemed()) {
      if (r.offer_id() == "welcome_discount") welcome_ = r.redemption_id();
    }
    ASSERT_GT(welcome_, 0);
  }

  absl::Status RedeemFor(const std::string& offer, const std::string& channel = "") {
    v1::RedeemOfferRequest request;
    request.set_idempotency_key("for-p1-" + std::to_string(++keys_));
    request.set_customer_id("c1");
    request.set_offer_id(offer);
    request.set_purchase_id("p1");
    request.set_channel(channel);
    v1::RedeemOfferResponse response;
    return apis_->offers.RedeemOffer(request, &response);
  }

  int64_t welcome_ = 0;
};

TEST_F(PurchaseOffersTest, APurchasesRedemptionIsGivenBackOnlyByItsReturn) {
  const absl::Status s = Reverse(welcome_);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition, "return or cancel the purchase"));
  EXPECT_EQ(ReasonOf(s), kReasonOfferRedemptionOfPurchase);
  EXPECT_THAT(Offers("c1"), Not(Contains("welcome_discount")));
}

TEST_F(PurchaseOffersTest, APurchaseRedeemsAnOfferOnceAndOnlyWithWhatStackingCombines) {
  const absl::Status twice = RedeemFor("launch_gift");
  ASSERT_THAT(twice, IsOk());
  const absl::Status again = RedeemFor("launch_gift");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists, "already"));
  EXPECT_EQ(ReasonOf(again), kReasonOfferAlreadyRedeemed);
  // welcome_discount's limit is used, so the rules would give
  // member_discount now; but p1 has the group's discount already.
  EXPECT_THAT(Offers("c1"), Contains("member_discount"));
  const absl::Status grouped = RedeemFor("member_discount");
  EXPECT_THAT(grouped, StatusIs(absl::StatusCode::kFailedPrecondition, "group 'checkout'"));
  EXPECT_EQ(ReasonOf(grouped), kReasonOfferNotGiven);
  // The purchase was online: its budget's channel is not the caller's to choose.
  EXPECT_THAT(RedeemFor("weekly_coupon", "offline"),
              StatusIs(absl::StatusCode::kInvalidArgument, "made online"));
  EXPECT_THAT(RedeemFor("weekly_coupon", "online"), IsOk());
}

}  // namespace
}  // namespace clientele::server
