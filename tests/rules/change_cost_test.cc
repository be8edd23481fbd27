// The cost of a change in money (rules/change_cost.h) from a simulation's
// counts: points × point value, and each money offer's worth × the share
// of grants redeemed in the period, with what is not priced said.
#include "rules/change_cost.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientele::rules {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Decimal D(std::string_view text) { return Decimal::Parse(text).value(); }

OfferWorth Worth(int64_t priced, std::string_view money, int64_t unpriced = 0) {
  OfferWorth worth;
  worth.priced = priced;
  worth.money = D(money);
  worth.unpriced = unpriced;
  return worth;
}

SimulationReport Report() {
  SimulationReport report;
  report.points.serving_points = 1000;
  report.points.candidate_points = 1500;
  // 满100减20 to 10 customers before, 15 after, 20 off each.
  OfferSimulation discount;
  discount.offer = "满100减20";
  discount.kept = 10;
  discount.gained = 5;
  discount.serving_worth = Worth(10, "200");
  discount.candidate_worth = Worth(15, "300");
  report.offers.push_back(discount);
  // A new gift worth 50 to 2 customers, never redeemed yet.
  OfferSimulation gift;
  gift.offer = "生日礼盒";
  gift.gained = 2;
  gift.candidate_worth = Worth(2, "100");
  report.offers.push_back(gift);
  // An offer without a money worth (a birthday greeting): not priced.
  OfferSimulation greeting;
  greeting.offer = "生日礼物";
  greeting.kept = 3;
  report.offers.push_back(greeting);
  return report;
}

TEST(ChangeCost, PointsAndOffersBeforeAndAfter) {
  const ChangeCost cost = EstimateChangeCost(Report(), D("0.01"), D("0.01"), {{"满100减20", 4}});
  EXPECT_EQ(cost.before.points, 1000);
  EXPECT_EQ(cost.before.points_money, D("10"));
  EXPECT_EQ(cost.after.points_money, D("15"));
  ASSERT_EQ(cost.offers.size(), 2u);  // the greeting has no money worth
  // The gift moves 100 (every grant counted), the discount 40 (4 of 10 redeemed).
  const OfferCost& gift = cost.offers[0];
  EXPECT_EQ(gift.offer, "生日礼盒");
  EXPECT_EQ(gift.redemption_rate, D("1"));
  EXPECT_THAT(gift.basis, HasSubstr("upper bound"));
  EXPECT_EQ(gift.money_before, D("0"));
  EXPECT_EQ(gift.money_after, D("100"));
  const OfferCost& discount = cost.offers[1];
  EXPECT_EQ(discount.customers_before, 10);
  EXPECT_EQ(discount.customers_after, 15);
  EXPECT_EQ(discount.redemption_rate, D("0.4"));
  EXPECT_THAT(discount.basis, HasSubstr("4 redeemed in the period, of 10 customers"));
  EXPECT_EQ(discount.money_before, D("80"));
  EXPECT_EQ(discount.money_after, D("120"));
  EXPECT_EQ(cost.before.discounts_money, D("80"));
  EXPECT_EQ(cost.after.discounts_money, D("220"));
  EXPECT_EQ(cost.before.total, D("90"));
  EXPECT_EQ(cost.after.total, D("235"));
  EXPECT_EQ(cost.difference, D("145"));
}

TEST(ChangeCost, RatesAreAtMostOneAndRoundedToTheCent) {
  SimulationReport report;
  OfferSimulation offer;
  offer.offer = "会员95折";
  offer.kept = 3;
  offer.serving_worth = Worth(3, "100");
  offer.candidate_worth = Worth(3, "100");
  report.offers.push_back(offer);
  // 1 of 3: a third of 100 is 33.33.
  ChangeCost third = EstimateChangeCost(report, std::nullopt, std::nullopt, {{"会员95折", 1}});
  ASSERT_EQ(third.offers.size(), 1u);
  EXPECT_EQ(third.offers[0].money_before, D("33.33"));
  EXPECT_EQ(third.difference, D("0"));
  // More redemptions than customers granted it now: every grant.
  ChangeCost many = EstimateChangeCost(report, std::nullopt, std::nullopt, {{"会员95折", 7}});
  EXPECT_EQ(many.offers[0].redemption_rate, D("1"));
  EXPECT_EQ(many.offers[0].money_before, D("100"));
}

TEST(ChangeCost, WhatIsNotPricedIsSaid) {
  SimulationReport report = Report();
  report.offers[0].candidate_worth.unpriced = 2;
  const ChangeCost neither = EstimateChangeCost(report, std::nullopt, std::nullopt, {});
  EXPECT_EQ(neither.before.points_money, std::nullopt);
  EXPECT_EQ(neither.before.total, neither.before.discounts_money);
  EXPECT_THAT(neither.notes, Contains(HasSubstr("points are not priced")));
  EXPECT_THAT(neither.notes, Contains(HasSubstr("2 grants are not priced")));
  // One point value prices both sides: the draft's, else the served one's.
  const ChangeCost served_only = EstimateChangeCost(report, D("0.01"), std::nullopt, {});
  EXPECT_EQ(served_only.before.points_money, D("10"));
  EXPECT_EQ(served_only.after.points_money, D("15"));
  EXPECT_THAT(served_only.notes,
              Contains("points are priced at the served rules' point_value (0.01) on both sides; "
                       "the draft sets none"));
  const ChangeCost draft_only = EstimateChangeCost(report, std::nullopt, D("0.02"), {});
  EXPECT_EQ(draft_only.before.points_money, D("20"));
  EXPECT_EQ(draft_only.after.points_money, D("30"));
  EXPECT_THAT(draft_only.notes, Contains(HasSubstr("the served rules set none")));
  // A new point value alone costs nothing: both sides at the draft's.
  const ChangeCost revalued = EstimateChangeCost(Report(), D("0.01"), D("0.02"), {});
  EXPECT_EQ(revalued.before.points_money, D("20"));
  EXPECT_EQ(revalued.after.points_money, D("30"));
  EXPECT_THAT(revalued.notes, Contains(HasSubstr("the served rules set 0.01")));
  const ChangeCost same = EstimateChangeCost(Report(), D("0.01"), D("0.01"), {});
  for (const std::string& note : same.notes) {
    EXPECT_THAT(note, ::testing::Not(HasSubstr("priced at"))) << note;
  }
}

}  // namespace
}  // namespace clientele::rules
