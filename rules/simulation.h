// What a candidate ruleset would do to real customers if it replaced the
// one being served: both are evaluated for the same customers, and the
// differences are counted. For every segmentation dimension (and the tier)
// a from → to matrix of how many customers would move; for every offer how
// many customers would gain or lose it; and, replaying purchases, how many
// points each version would have given.
//
// A Simulation is fed customers one at a time (Add) and knows nothing of
// where they come from (the server reads them from its store; tests give
// them directly). Not thread-safe: give each thread its own Simulation and
// Merge them in the order of their customers. Both rulesets must outlive it.
#ifndef CLIENTELE_RULES_SIMULATION_H_
#define CLIENTELE_RULES_SIMULATION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/rfm.h"
#include "rules/ruleset.h"

namespace clientele::rules {

struct SimulationOptions {
  Date today;                  // REQUIRED: the evaluation day of both versions
  size_t examples = 0;         // customer ids kept per movement (--show N)
  // The RFM quantiles a version's rfm file scores by when it takes them
  // (for its window); each version scores customers by its own rfm file.
  const RfmQuantiles* rfm_quantiles = nullptr;
};

// Customers whose segment in a dimension is `from` under the served
// ruleset and `to` under the candidate. A customer of a collect dimension
// is in several segments at once: they are listed joined by ", ". ""
// means no segment (or the dimension does not exist in that version).
struct SegmentMovement {
  std::string from;
  std::string to;
  int64_t customers = 0;
  std::vector<std::string> examples;  // ids, first in customer order; none when from == to
};

struct DimensionSimulation {
  std::string dimension;
  bool in_serving = false;
  bool in_candidate = false;
  int64_t customers_moved = 0;           // in movements with from != to
  std::vector<SegmentMovement> movements;  // every pair seen; most customers first
};

// What an offer's grants are worth in money (offers of unit kMoney), as
// evaluated without a basket: an amount off in full, a percent off at its
// cap (OfferGrant). A grant whose worth is not known, or that would
// overflow the sum, is counted as unpriced.
struct OfferWorth {
  int64_t priced = 0;  // grants summed into `money`
  Decimal money;
  int64_t unpriced = 0;

  void Count(const OfferGrant& grant);
  void Merge(const OfferWorth& other);
};

struct OfferSimulation {
  std::string offer;
  int64_t kept = 0;    // granted by both
  int64_t gained = 0;  // only by the candidate
  int64_t lost = 0;    // only by the served ruleset
  std::vector<std::string> gained_examples;
  std::vector<std::string> lost_examples;
  // Customers to whom the candidate's offer applied but whom its stacking
  // left without it (OfferLoss), and to which offers (by name, with counts).
  int64_t stacked_out = 0;
  std::vector<std::string> stacked_out_examples;
  std::map<std::string, int64_t> stacked_out_to;
  // Its money worth over the customers each version grants it to.
  OfferWorth serving_worth;
  OfferWorth candidate_worth;
};

// Points of one earning rule over the replayed purchases.
struct EarningRuleSimulation {
  std::string rule_id;
  int64_t purchases = 0;
  int64_t points = 0;
};

struct PointsSimulation {
  int64_t purchases = 0;         // replayed under both versions
  int64_t serving_points = 0;
  int64_t candidate_points = 0;
  int64_t customers_changed = 0;  // whose replayed points differ
  std::vector<std::string> examples;  // of those customers
  std::vector<EarningRuleSimulation> serving_rules;    // by rule id
  std::vector<EarningRuleSimulation> candidate_rules;
};

struct SimulationReport {
  std::string serving_version;
  std::string candidate_version;
  int64_t customers = 0;
  std::vector<DimensionSimulation> dimensions;  // the candidate's order, then dropped ones
  DimensionSimulation tiers;                    // dimension "tier": by the current balance
  std::vector<OfferSimulation> offers;          // changed ones first, then by name
  PointsSimulation points;
  // Customers that a version could not evaluate (a rule's arithmetic
  // failed); they are left out of every count above.
  int64_t evaluation_errors = 0;
  std::string first_error;  // "customer c-1: ..." of the first one
};

class Simulation {
 public:
  Simulation(std::shared_ptr<const RuleSet> serving, std::shared_ptr<const RuleSet> candidate,
             SimulationOptions options);
  Simulation(Simulation&&) noexcept;
  Simulation& operator=(Simulation&&) noexcept;
  ~Simulation();

  // Evaluates `customer` under both versions, and each of `purchases` (the
  // customer's, to replay) for the points each version would give.
  void Add(const Customer& customer, std::span<const Purchase> purchases = {});

  // Adds the counts of `later`, whose customers come after this one's (its
  // examples go after this one's). Both must simulate the same versions.
  void Merge(Simulation&& later);

  SimulationReport Report() const;

 private:
  struct Counts;
  std::unique_ptr<Counts> counts_;
};

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_SIMULATION_H_
