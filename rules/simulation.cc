#include "rules/simulation.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "common/strings.h"

namespace clientele::rules {
namespace {

using SegmentPair = std::pair<std::string_view, std::string_view>;  // from, to

struct Cell {
  int64_t customers = 0;
  std::vector<std::string> examples;
};

void KeepExample(std::string_view id, size_t limit, std::vector<std::string>* examples) {
  if (examples->size() < limit) examples->emplace_back(id);
}

void AppendExamples(std::vector<std::string>&& later, size_t limit,
                    std::vector<std::string>* examples) {
  for (std::string& id : later) {
    if (examples->size() >= limit) return;
    examples->push_back(std::move(id));
  }
}

// The from → to counts of one dimension. Keys view segment names owned by
// the rulesets, or joined names interned by the Simulation.
struct DimensionCounts {
  std::string id;
  bool in_serving = false;
  bool in_candidate = false;
  absl::flat_hash_map<SegmentPair, Cell> cells;
};

struct OfferCounts {
  int64_t kept = 0, gained = 0, lost = 0, stacked_out = 0;
  OfferWorth serving_worth, candidate_worth;
  std::vector<std::string> gained_examples, lost_examples, stacked_out_examples;
  std::map<std::string, int64_t> stacked_out_to;
};

std::vector<EarningRuleSimulation> ByRule(const std::map<std::string, EarningRuleSimulation,
                                                         std::less<>>& rules) {
  std::vector<EarningRuleSimulation> out;
  for (const auto& [id, rule] : rules) out.push_back(rule);
  return out;
}

void MergeRules(const std::map<std::string, EarningRuleSimulation, std::less<>>& from,
                std::map<std::string, EarningRuleSimulation, std::less<>>* into) {
  for (const auto& [id, rule] : from) {
    EarningRuleSimulation& sum = (*into)[id];
    sum.rule_id = id;
    sum.purchases += rule.purchases;
    sum.points += rule.points;
  }
}

}  // namespace

struct Simulation::Counts {
  std::shared_ptr<const RuleSet> serving;
  std::shared_ptr<const RuleSet> candidate;
  SimulationOptions options;

  int64_t customers = 0;
  int64_t errors = 0;
  std::string first_error;
  std::vector<DimensionCounts> dimensions;
  DimensionCounts tiers;
  std::map<std::string, OfferCounts, std::less<>> offers;
  // Segment lists of collect dimensions ("A, B"), kept once each so that
  // the cells can view them.
  std::set<std::string, std::less<>> joined;

  int64_t purchases = 0;
  int64_t serving_points = 0;
  int64_t candidate_points = 0;
  int64_t points_customers_changed = 0;
  std::vector<std::string> points_examples;
  std::map<std::string, EarningRuleSimulation, std::less<>> serving_rules;
  std::map<std::string, EarningRuleSimulation, std::less<>> candidate_rules;

  // Reused between customers, so that Add does not allocate once warm.
  Decision serving_decision;
  Decision candidate_decision;
  Decision replay_decision;
  Customer serving_scored;  // the customer with each version's RFM scores
  Customer candidate_scored;
  std::vector<std::string_view> names;
  // The earning rule and points of each replayed purchase, per version,
  // counted only once every purchase of the customer evaluated.
  std::vector<std::pair<std::string_view, int64_t>> serving_earned, candidate_earned;

  // The segment(s) of `dimension` in `decision`: a view of the segment's
  // name, "" for none, or the interned list of a collect dimension.
  std::string_view SegmentsOf(const Decision& decision, std::string_view dimension) {
    names.clear();
    for (const SegmentAssignment& s : decision.segments) {
      if (s.dimension == dimension) names.push_back(s.segment);
    }
    if (names.size() <= 1) return names.empty() ? std::string_view() : names[0];
    std::string list = StrJoin(names, ", ");
    auto it = joined.find(list);
    if (it == joined.end()) it = joined.insert(std::move(list)).first;
    return *it;
  }

  void Count(DimensionCounts& dimension, std::string_view from, std::string_view to,
             std::string_view customer_id) {
    Cell& cell = dimension.cells[SegmentPair(from, to)];
    ++cell.customers;
    if (from != to) KeepExample(customer_id, options.examples, &cell.examples);
  }

  void CountOffers(std::string_view customer_id) {
    auto granted = [](const Decision& d, std::string_view offer) {
      return std::any_of(d.offers.begin(), d.offers.end(),
                         [&](const OfferGrant& g) { return g.offer == offer; });
    };
    for (const OfferGrant& g : serving_decision.offers) {
      OfferCounts& counts = Offer(g.offer);
      counts.serving_worth.Count(g);
      if (granted(candidate_decision, g.offer)) {
        ++counts.kept;
      } else {
        ++counts.lost;
        KeepExample(customer_id, options.examples, &counts.lost_examples);
      }
    }
    for (const OfferGrant& g : candidate_decision.offers) {
      Offer(g.offer).candidate_worth.Count(g);
      if (granted(serving_decision, g.offer)) continue;
      OfferCounts& counts = Offer(g.offer);
      ++counts.gained;
      KeepExample(customer_id, options.examples, &counts.gained_examples);
    }
    for (const OfferLoss& loss : candidate_decision.offers_lost) {
      OfferCounts& counts = Offer(loss.offer);
      ++counts.stacked_out;
      KeepExample(customer_id, options.examples, &counts.stacked_out_examples);
      ++counts.stacked_out_to[std::string(WinnerName(loss.lost_to))];
    }
  }

  // The name of the candidate's offer with rule id `id`, as decisions show it.
  std::string_view WinnerName(std::string_view id) const {
    for (const OfferGrant& g : candidate_decision.offers) {
      if (g.rule_id == id) return g.offer;
    }
    for (const OfferLoss& l : candidate_decision.offers_lost) {
      if (l.rule_id == id) return l.offer;
    }
    return id;
  }

  OfferCounts& Offer(std::string_view name) {
    auto it = offers.find(name);
    if (it == offers.end()) it = offers.emplace(std::string(name), OfferCounts()).first;
    return it->second;
  }

  void Fail(const Customer& customer, const absl::Status& status, std::string_view version) {
    ++errors;
    if (first_error.empty()) {
      first_error = StrCat("customer ", customer.id, " under version ", version, ": ",
                           status.message());
    }
  }

  // Replays the purchases under both versions into serving_earned and
  // candidate_earned; false (and counted as an error) when one failed.
  // Each version sees `serving_customer` / `candidate_customer`, the
  // customer with its own RFM scores.
  bool Replay(const Customer& serving_customer, const Customer& candidate_customer,
              std::span<const Purchase> replayed) {
    serving_earned.clear();
    candidate_earned.clear();
    for (const Purchase& purchase : replayed) {
      struct Version {
        const RuleSet* ruleset;
        const Customer* customer;
        std::vector<std::pair<std::string_view, int64_t>>* earned;
      };
      for (const Version& v : {Version{serving.get(), &serving_customer, &serving_earned},
                               Version{candidate.get(), &candidate_customer, &candidate_earned}}) {
        const EvalInput input{v.customer, &purchase, nullptr, nullptr, options.today};
        const RuleSet* ruleset = v.ruleset;
        auto* earned = v.earned;
        if (absl::Status s = ruleset->Evaluate(input, &replay_decision); !s.ok()) {
          Fail(serving_customer, s, ruleset->version());
          return false;
        }
        const LoyaltyOutcome& loyalty = replay_decision.loyalty;
        if (loyalty.applied && !loyalty.rule_id.empty()) {
          earned->emplace_back(loyalty.rule_id, loyalty.points_earned);
        }
      }
    }
    return true;
  }

  void CountReplay(std::string_view customer_id, size_t replayed) {
    const int64_t serving_sum = AddPoints(serving_earned, &serving_rules);
    const int64_t candidate_sum = AddPoints(candidate_earned, &candidate_rules);
    purchases += static_cast<int64_t>(replayed);
    serving_points += serving_sum;
    candidate_points += candidate_sum;
    if (serving_sum != candidate_sum) {
      ++points_customers_changed;
      KeepExample(customer_id, options.examples, &points_examples);
    }
  }

  // Adds each (rule, points) to its rule's totals; returns the points.
  static int64_t AddPoints(const std::vector<std::pair<std::string_view, int64_t>>& earned,
                           std::map<std::string, EarningRuleSimulation, std::less<>>* rules) {
    int64_t sum = 0;
    for (const auto& [rule_id, points] : earned) {
      auto it = rules->find(rule_id);
      if (it == rules->end()) {
        it = rules->emplace(std::string(rule_id), EarningRuleSimulation()).first;
        it->second.rule_id = it->first;
      }
      ++it->second.purchases;
      it->second.points += points;
      sum += points;
    }
    return sum;
  }
};

Simulation::Simulation(std::shared_ptr<const RuleSet> serving,
                       std::shared_ptr<const RuleSet> candidate, SimulationOptions options)
    : counts_(std::make_unique<Counts>()) {
  Counts& c = *counts_;
  c.serving = std::move(serving);
  c.candidate = std::move(candidate);
  c.options = options;
  const std::vector<std::string> served = c.serving->DimensionIds();
  for (const std::string& id : c.candidate->DimensionIds()) {
    DimensionCounts& d = c.dimensions.emplace_back();
    d.id = id;
    d.in_candidate = true;
    d.in_serving = std::find(served.begin(), served.end(), id) != served.end();
  }
  for (const std::string& id : served) {
    if (std::any_of(c.dimensions.begin(), c.dimensions.end(),
                    [&](const DimensionCounts& d) { return d.id == id; })) {
      continue;
    }
    DimensionCounts& d = c.dimensions.emplace_back();
    d.id = id;
    d.in_serving = true;
  }
  c.tiers.id = "tier";
  c.tiers.in_serving = c.tiers.in_candidate = true;
}

Simulation::Simulation(Simulation&&) noexcept = default;
Simulation& Simulation::operator=(Simulation&&) noexcept = default;
Simulation::~Simulation() = default;

void Simulation::Add(const Customer& customer, std::span<const Purchase> purchases) {
  Counts& c = *counts_;
  // Each version scores RFM by its own rfm file.
  auto scored_by = [&](const RuleSet& ruleset, Customer* copy) -> const Customer* {
    if (ruleset.Rfm() == nullptr) return &customer;
    *copy = customer;
    ScoreRfm(*ruleset.Rfm(), c.options.rfm_quantiles, c.options.today, copy);
    return copy;
  };
  const EvalInput input{scored_by(*c.serving, &c.serving_scored), nullptr, nullptr, nullptr,
                        c.options.today};
  if (absl::Status s = c.serving->Evaluate(input, &c.serving_decision); !s.ok()) {
    return c.Fail(customer, s, c.serving->version());
  }
  EvalInput candidate_input = input;
  candidate_input.customer = scored_by(*c.candidate, &c.candidate_scored);
  if (absl::Status s = c.candidate->Evaluate(candidate_input, &c.candidate_decision); !s.ok()) {
    return c.Fail(customer, s, c.candidate->version());
  }
  // A customer counts in everything or, when a purchase fails, in nothing.
  if (!c.Replay(*input.customer, *candidate_input.customer, purchases)) return;
  ++c.customers;
  for (DimensionCounts& d : c.dimensions) {
    c.Count(d, c.SegmentsOf(c.serving_decision, d.id), c.SegmentsOf(c.candidate_decision, d.id),
            customer.id);
  }
  c.Count(c.tiers, c.serving_decision.tier, c.candidate_decision.tier, customer.id);
  c.CountOffers(customer.id);
  c.CountReplay(customer.id, purchases.size());
}

void Simulation::Merge(Simulation&& later) {
  Counts& c = *counts_;
  Counts& o = *later.counts_;
  const size_t limit = c.options.examples;
  auto merge_cells = [&](DimensionCounts& into, DimensionCounts& from) {
    for (auto& [key, cell] : from.cells) {
      // The other Simulation's interned lists die with it: intern ours.
      auto own = [&](std::string_view name) -> std::string_view {
        if (o.joined.find(name) == o.joined.end()) return name;  // owned by a ruleset
        return *c.joined.insert(std::string(name)).first;
      };
      Cell& sum = into.cells[SegmentPair(own(key.first), own(key.second))];
      sum.customers += cell.customers;
      AppendExamples(std::move(cell.examples), limit, &sum.examples);
    }
  };
  for (size_t i = 0; i < c.dimensions.size(); ++i) merge_cells(c.dimensions[i], o.dimensions[i]);
  merge_cells(c.tiers, o.tiers);
  for (auto& [name, counts] : o.offers) {
    OfferCounts& sum = c.Offer(name);
    sum.kept += counts.kept;
    sum.gained += counts.gained;
    sum.lost += counts.lost;
    AppendExamples(std::move(counts.gained_examples), limit, &sum.gained_examples);
    AppendExamples(std::move(counts.lost_examples), limit, &sum.lost_examples);
    sum.serving_worth.Merge(counts.serving_worth);
    sum.candidate_worth.Merge(counts.candidate_worth);
    sum.stacked_out += counts.stacked_out;
    AppendExamples(std::move(counts.stacked_out_examples), limit, &sum.stacked_out_examples);
    for (const auto& [winner, n] : counts.stacked_out_to) sum.stacked_out_to[winner] += n;
  }
  c.customers += o.customers;
  c.errors += o.errors;
  if (c.first_error.empty()) c.first_error = o.first_error;
  c.purchases += o.purchases;
  c.serving_points += o.serving_points;
  c.candidate_points += o.candidate_points;
  c.points_customers_changed += o.points_customers_changed;
  AppendExamples(std::move(o.points_examples), limit, &c.points_examples);
  MergeRules(o.serving_rules, &c.serving_rules);
  MergeRules(o.candidate_rules, &c.candidate_rules);
}

namespace {

DimensionSimulation ReportDimension(const DimensionCounts& counts) {
  DimensionSimulation out;
  out.dimension = counts.id;
  out.in_serving = counts.in_serving;
  out.in_candidate = counts.in_candidate;
  for (const auto& [key, cell] : counts.cells) {
    out.movements.push_back(
        {std::string(key.first), std::string(key.second), cell.customers, cell.examples});
    if (key.first != key.second) out.customers_moved += cell.customers;
  }
  std::sort(out.movements.begin(), out.movements.end(),
            [](const SegmentMovement& a, const SegmentMovement& b) {
              return std::tie(b.customers, a.from, a.to) < std::tie(a.customers, b.from, b.to);
            });
  return out;
}

}  // namespace

SimulationReport Simulation::Report() const {
  const Counts& c = *counts_;
  SimulationReport report;
  report.serving_version = c.serving->version();
  report.candidate_version = c.candidate->version();
  report.customers = c.customers;
  for (const DimensionCounts& d : c.dimensions) report.dimensions.push_back(ReportDimension(d));
  report.tiers = ReportDimension(c.tiers);
  for (const auto& [name, counts] : c.offers) {
    report.offers.push_back({name, counts.kept, counts.gained, counts.lost, counts.gained_examples,
                             counts.lost_examples, counts.stacked_out, counts.stacked_out_examples,
                             counts.stacked_out_to, counts.serving_worth, counts.candidate_worth});
  }
  std::stable_sort(report.offers.begin(), report.offers.end(),
                   [](const OfferSimulation& a, const OfferSimulation& b) {
                     return (a.gained + a.lost + a.stacked_out > 0) >
                            (b.gained + b.lost + b.stacked_out > 0);
                   });
  PointsSimulation& points = report.points;
  points.purchases = c.purchases;
  points.serving_points = c.serving_points;
  points.candidate_points = c.candidate_points;
  points.customers_changed = c.points_customers_changed;
  points.examples = c.points_examples;
  points.serving_rules = ByRule(c.serving_rules);
  points.candidate_rules = ByRule(c.candidate_rules);
  report.evaluation_errors = c.errors;
  report.first_error = c.first_error;
  return report;
}

void OfferWorth::Count(const OfferGrant& grant) {
  if (grant.unit != OfferValueUnit::kMoney) return;
  if (!grant.value_known || !Decimal::Add(money, grant.value, &money)) {
    ++unpriced;
    return;
  }
  ++priced;
}

void OfferWorth::Merge(const OfferWorth& other) {
  if (Decimal::Add(money, other.money, &money)) {
    priced += other.priced;
  } else {
    unpriced += other.priced;
  }
  unpriced += other.unpriced;
}

}  // namespace clientele::rules
