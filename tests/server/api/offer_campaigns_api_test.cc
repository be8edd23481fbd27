// Offers as campaigns through the API, on the retail example ruleset
// (config/examples/retail-programme: Shanghai time, a Black Friday
// discount from 2026-11-27 to 2026-11-30, weekend double points from 10:00
// to 22:00): the programme's day and time of day come from the clock in
// the ruleset's time zone (server/api/serving.cc ProgrammeToday,
// ProgrammeMinute), across Shanghai's midnight (16:00 UTC); Evaluate's
// time, amount and channel, the offers' values and the offers stacking
// left out; a purchase's points under an hours-limited multiplier.
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";

absl::Time Utc(int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0),
                         absl::UTCTimeZone());
}

class OfferCampaignsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(in_process_.apis(), nullptr);
    apis_ = in_process_.apis();
    in_process_.set_now(Utc(2026, 11, 20, 4, 0));
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key("upsert-c1");
    request.mutable_customer()->set_id("c1");
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  // The offers Evaluate gives c1 for a basket of `amount` now.
  std::vector<std::string> OffersNow(const std::string& amount) {
    v1::EvaluateRequest request;
    request.set_customer_id("c1");
    request.set_amount(amount);
    v1::EvaluateResponse response;
    EXPECT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
    std::vector<std::string> offers;
    for (const v1::Offer& o : response.decision().offers()) offers.push_back(o.offer());
    return offers;
  }

  int64_t PurchasePoints(const std::string& id, const std::string& amount,
                         const std::string& customer = "c1") {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key("key-" + id);
    request.set_customer_id(customer);
    request.set_purchase_id(id);
    request.set_amount(amount);
    v1::RecordPurchaseResponse response;
    EXPECT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << id;
    return response.points_earned();
  }

  clientele::testing::InProcessApis in_process_{kRetail};
  Apis* apis_ = nullptr;
};

TEST_F(OfferCampaignsApiTest, BlackFridayBeginsAndEndsAtShanghaisMidnight) {
  using ::testing::Contains;
  using ::testing::Not;
  // 2026-11-26 23:59 in Shanghai is 15:59 UTC.
  in_process_.set_now(Utc(2026, 11, 26, 15, 59));
  EXPECT_THAT(OffersNow("300"), Not(Contains("黑五满200减50")));
  in_process_.set_now(Utc(2026, 11, 26, 16, 0));  // 2026-11-27 00:00 in Shanghai
  EXPECT_THAT(OffersNow("300"), Contains("黑五满200减50"));
  in_process_.set_now(Utc(2026, 11, 30, 15, 59));  // 2026-11-30 23:59
  EXPECT_THAT(OffersNow("300"), Contains("黑五满200减50"));
  in_process_.set_now(Utc(2026, 11, 30, 16, 0));  // 2026-12-01 00:00
  EXPECT_THAT(OffersNow("300"), Not(Contains("黑五满200减50")));
}

TEST_F(OfferCampaignsApiTest, EvaluateGivesValuesGroupsAndTheOffersLeftOut) {
  // Inline: a stored customer's tier is the tier policy's (Bronze here).
  v1::EvaluateRequest request;
  request.mutable_customer()->set_id("gold");
  request.mutable_customer()->set_tier("Gold");
  request.set_today("2026-11-28");
  request.set_time("12:00");
  request.set_amount("300");
  v1::EvaluateResponse response;
  ASSERT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
  const v1::Decision& d = response.decision();
  ASSERT_GE(d.offers_size(), 1);
  EXPECT_EQ(d.offers(0).offer(), "黑五满200减50");
  EXPECT_EQ(d.offers(0).group(), "checkout_discount");
  EXPECT_EQ(d.offers(0).unit(), "money");
  EXPECT_EQ(d.offers(0).value(), "50");
  ASSERT_EQ(d.offers_lost_size(), 1) << d.DebugString();
  EXPECT_EQ(d.offers_lost(0).rule_id(), "member_discount");
  EXPECT_EQ(d.offers_lost(0).lost_to(), "black_friday");
  EXPECT_EQ(d.offers_lost(0).why(), "group");
  // The weekend points: a value only with a purchase.
  bool points_offer = false;
  for (const v1::Offer& o : d.offers()) {
    if (o.rule_id() != "weekend_double_points") continue;
    points_offer = true;
    EXPECT_EQ(o.unit(), "points");
    EXPECT_EQ(o.value(), "");
  }
  EXPECT_TRUE(points_offer);
  // A day given without a time: offers limited to hours are not given.
  request.clear_time();
  v1::EvaluateResponse untimed;
  ASSERT_THAT(apis_->decisions.Evaluate(request, &untimed), IsOk());
  for (const v1::Offer& o : untimed.decision().offers()) {
    EXPECT_NE(o.rule_id(), "weekend_double_points");
  }
}

TEST_F(OfferCampaignsApiTest, BadTimeAmountOrChannelIsRefusedNamingIt) {
  v1::EvaluateRequest request;
  request.set_customer_id("c1");
  v1::EvaluateResponse response;
  request.set_time("25:00");
  EXPECT_THAT(apis_->decisions.Evaluate(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "time"));
  request.clear_time();
  request.set_amount("-3");
  EXPECT_THAT(apis_->decisions.Evaluate(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "amount"));
  request.clear_amount();
  request.set_channel("teleport");
  EXPECT_THAT(apis_->decisions.Evaluate(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "channel"));
}

TEST_F(OfferCampaignsApiTest, WeekendDoublePointsFromTenShanghaiTime) {
  // Saturday 2026-12-05, 09:59 in Shanghai is 01:59 UTC.
  in_process_.set_now(Utc(2026, 12, 5, 1, 59));
  EXPECT_EQ(PurchasePoints("p1", "300"), 30);
  in_process_.set_now(Utc(2026, 12, 5, 2, 0));  // 10:00
  EXPECT_EQ(PurchasePoints("p2", "300"), 60);
  in_process_.set_now(Utc(2026, 12, 5, 13, 59));  // 21:59
  // Once a week per customer: c1 had its double points at 10:00. From
  // its third purchase in 30 days on, c1 earns the example's 30-point
  // bonus too (third_purchase_in_30_days): 30 + 30, not 60 + 30.
  EXPECT_EQ(PurchasePoints("p3", "300"), 30 + 30);
  v1::UpsertCustomerRequest upsert;
  upsert.set_idempotency_key("upsert-c2");
  upsert.mutable_customer()->set_id("c2");
  v1::UpsertCustomerResponse upserted;
  ASSERT_THAT(apis_->customers.UpsertCustomer(upsert, &upserted), IsOk());
  EXPECT_EQ(PurchasePoints("p3-c2", "300", "c2"), 60);
  in_process_.set_now(Utc(2026, 12, 5, 14, 0));  // 22:00
  EXPECT_EQ(PurchasePoints("p4", "300", "c2"), 30);
  // Friday 23:30 UTC is Saturday 07:30 in Shanghai: Saturday, before 10:00.
  in_process_.set_now(Utc(2026, 12, 11, 23, 30));
  EXPECT_EQ(PurchasePoints("p5", "300"), 30 + 30);
  in_process_.set_now(Utc(2026, 12, 12, 4, 0));  // Saturday 12:00 of the next ISO week
  EXPECT_EQ(PurchasePoints("p6", "300"), 60 + 30);
}

}  // namespace
}  // namespace clientele::server
