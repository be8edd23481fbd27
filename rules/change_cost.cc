#include "rules/change_cost.h"

#include <algorithm>

#include "common/strings.h"

namespace clientele::rules {

namespace {

// Money to the cent; a product too large to hold stays unrounded at 0 and
// is said in a note (no programme's figures come near 10^14).
Decimal Cents(Decimal amount) {
  Decimal rounded;
  return Decimal::Round(amount, 2, &rounded) ? rounded : amount;
}

Decimal Times(Decimal a, Decimal b, bool* overflow) {
  Decimal product;
  if (!Decimal::Multiply(a, b, &product)) {
    *overflow = true;
    return Decimal();
  }
  return Cents(product);
}

Decimal Plus(Decimal a, Decimal b, bool* overflow) {
  Decimal sum;
  if (!Decimal::Add(a, b, &sum)) {
    *overflow = true;
    return a;
  }
  return sum;
}

// The share of the served rules' grants that were redeemed in the period,
// at most 1; every grant when there is nothing to measure it by.
std::pair<Decimal, std::string> RedemptionRate(int64_t redemptions, int64_t granted) {
  if (redemptions > 0 && granted > 0) {
    Decimal rate;
    if (redemptions < granted &&
        Decimal::Divide(Decimal::FromInteger(redemptions), Decimal::FromInteger(granted), &rate)) {
      return {rate, StrCat(redemptions, " redeemed in the period, of ", granted,
                           " customers the served rules grant it to")};
    }
    return {Decimal::FromInteger(1),
            StrCat(redemptions, " redeemed in the period, by no more than the ", granted,
                   " customers granted it: every grant counted")};
  }
  if (redemptions > 0) {
    return {Decimal::FromInteger(1),
            StrCat(redemptions,
                   " redeemed in the period, but the served rules grant it to nobody now: "
                   "every grant counted")};
  }
  return {Decimal::FromInteger(1),
          "no redemption in the period: every grant counted (an upper bound)"};
}

VersionCost PointsCost(int64_t points, std::optional<Decimal> point_value, bool* overflow) {
  VersionCost cost;
  cost.points = points;
  cost.point_value = point_value;
  if (point_value) {
    cost.points_money = Times(Decimal::FromInteger(points), *point_value, overflow);
  }
  return cost;
}

}  // namespace

ChangeCost EstimateChangeCost(const SimulationReport& simulation,
                              std::optional<Decimal> serving_point_value,
                              std::optional<Decimal> candidate_point_value,
                              const std::map<std::string, int64_t, std::less<>>& redemptions) {
  ChangeCost cost;
  bool overflow = false;
  // One value for both sides: a change of the point value alone moves no
  // money between the programme and its customers.
  const std::optional<Decimal> point_value =
      candidate_point_value ? candidate_point_value : serving_point_value;
  cost.before = PointsCost(simulation.points.serving_points, point_value, &overflow);
  cost.after = PointsCost(simulation.points.candidate_points, point_value, &overflow);
  int64_t unpriced = 0;
  for (const OfferSimulation& offer : simulation.offers) {
    unpriced += offer.serving_worth.unpriced + offer.candidate_worth.unpriced;
    if (offer.serving_worth.priced + offer.candidate_worth.priced == 0) continue;
    OfferCost priced;
    priced.offer = offer.offer;
    priced.customers_before = offer.kept + offer.lost;
    priced.customers_after = offer.kept + offer.gained;
    priced.worth_before = offer.serving_worth.money;
    priced.worth_after = offer.candidate_worth.money;
    const auto found = redemptions.find(offer.offer);
    std::tie(priced.redemption_rate, priced.basis) =
        RedemptionRate(found == redemptions.end() ? 0 : found->second, priced.customers_before);
    priced.money_before = Times(priced.worth_before, priced.redemption_rate, &overflow);
    priced.money_after = Times(priced.worth_after, priced.redemption_rate, &overflow);
    cost.before.discounts_money = Plus(cost.before.discounts_money, priced.money_before, &overflow);
    cost.after.discounts_money = Plus(cost.after.discounts_money, priced.money_after, &overflow);
    cost.offers.push_back(std::move(priced));
  }
  auto moved = [](const OfferCost& o) {
    Decimal change;
    if (!Decimal::Subtract(o.money_after, o.money_before, &change)) return Decimal();
    Decimal magnitude;
    return Decimal::Negate(change, &magnitude) && change < Decimal() ? magnitude : change;
  };
  std::stable_sort(cost.offers.begin(), cost.offers.end(),
                   [&](const OfferCost& a, const OfferCost& b) { return moved(a) > moved(b); });
  for (VersionCost* version : {&cost.before, &cost.after}) {
    version->total =
        Plus(version->discounts_money, version->points_money.value_or(Decimal()), &overflow);
  }
  if (!Decimal::Subtract(cost.after.total, cost.before.total, &cost.difference)) overflow = true;

  if (!point_value) {
    cost.notes.push_back(
        "points are not priced: neither version sets points.point_value in its loyalty file");
  } else if (!serving_point_value || !candidate_point_value ||
             *serving_point_value != *candidate_point_value) {
    cost.notes.push_back(
        StrCat("points are priced at ", candidate_point_value ? "the draft's" : "the served rules'",
               " point_value (", point_value->ToString(), ") on both sides; ",
               !serving_point_value ? "the served rules set none"
               : !candidate_point_value
                   ? "the draft sets none"
                   : StrCat("the served rules set ", serving_point_value->ToString())));
  }
  if (unpriced > 0) {
    cost.notes.push_back(StrCat(unpriced, unpriced == 1 ? " grant is" : " grants are",
                                " not priced: a percent off without a cap is worth what the "
                                "basket is, which a simulation does not know"));
  }
  cost.notes.push_back(
      "points-multiplier offers are counted in neither total: their points depend on the basket");
  if (overflow) cost.notes.push_back("some figures were too large to add up and are left out");
  return cost;
}

}  // namespace clientele::rules
