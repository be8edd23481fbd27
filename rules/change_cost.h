// What a change of the rules costs in money, before against after, from a
// simulation (rules/simulation.h) over stored customers: the points the
// replayed purchases earn × the programme's point value (the candidate's,
// else the served one's, for both sides: a new point value alone moves no
// money), plus each money
// offer's worth over the customers granted it × the share of grants that
// are redeemed, as the stored redemptions of the same period show it.
//
// Estimates, and said to be: an offer without redemptions in the period
// counts every grant as redeemed (an upper bound), and a grant whose worth
// depends on the basket is not priced; each such gap is a note.
//
// Pure functions over plain values; thread-safe.
#ifndef CLIENTELE_RULES_CHANGE_COST_H_
#define CLIENTELE_RULES_CHANGE_COST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/decimal.h"
#include "rules/simulation.h"

namespace clientele::rules {

struct VersionCost {
  int64_t points = 0;                   // issued by the replayed purchases
  std::optional<Decimal> point_value;   // the same on both sides; nullopt: unpriced
  std::optional<Decimal> points_money;  // points × point_value
  Decimal discounts_money;              // the money offers' expected cost
  Decimal total;                        // discounts + points_money (0 unpriced)
};

struct OfferCost {
  std::string offer;
  int64_t customers_before = 0;  // granted it by the served rules
  int64_t customers_after = 0;   // by the candidate
  Decimal worth_before;          // summed over those customers
  Decimal worth_after;
  Decimal redemption_rate;  // 0..1
  std::string basis;        // how the rate was found, in words
  Decimal money_before;     // worth × rate, to the cent
  Decimal money_after;
};

struct ChangeCost {
  VersionCost before;              // the served rules
  VersionCost after;               // the candidate
  Decimal difference;              // after.total - before.total
  std::vector<OfferCost> offers;   // most money moved first
  std::vector<std::string> notes;  // what the figures leave out
};

// `redemptions`: each offer's redemptions in the replayed period, by the
// offer's name as decisions show it (offers without any may be absent).
ChangeCost EstimateChangeCost(const SimulationReport& simulation,
                              std::optional<Decimal> serving_point_value,
                              std::optional<Decimal> candidate_point_value,
                              const std::map<std::string, int64_t, std::less<>>& redemptions);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_CHANGE_COST_H_
