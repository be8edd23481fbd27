#include "server/api/ruleset_simulation.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "common/strings.h"
#include "rules/simulation.h"
#include "server/api/conversion.h"
#include "server/api/customer_scan.h"
#include "server/api/requests.h"

namespace clientele::server::api_internal {

using rules::Date;

namespace {

constexpr int kMaxExamples = 100;
constexpr int kDefaultReplayDays = 30;

// Held while a simulation runs: each reads every customer on 4 threads,
// and two at once would only slow each other and the requests served.
std::mutex simulation_mutex;

void MovementsToProto(const rules::DimensionSimulation& d, v1::DimensionSimulation* out) {
  out->set_dimension(d.dimension);
  out->set_in_serving(d.in_serving);
  out->set_in_candidate(d.in_candidate);
  out->set_customers_moved(d.customers_moved);
  for (const rules::SegmentMovement& m : d.movements) {
    v1::SegmentMovement* movement = out->add_movements();
    movement->set_from(m.from);
    movement->set_to(m.to);
    movement->set_customers(m.customers);
    for (const std::string& id : m.examples) movement->add_examples(id);
  }
}

void EarningToProto(const std::vector<rules::EarningRuleSimulation>& rules,
                    google::protobuf::RepeatedPtrField<v1::EarningRuleSimulation>* out) {
  for (const rules::EarningRuleSimulation& r : rules) {
    v1::EarningRuleSimulation* rule = out->Add();
    rule->set_rule_id(r.rule_id);
    rule->set_purchases(r.purchases);
    rule->set_points(r.points);
  }
}

void ReportToProto(const rules::SimulationReport& report, v1::SimulateRulesetResponse* out) {
  out->set_serving_version(report.serving_version);
  out->set_candidate_version(report.candidate_version);
  out->set_customers(report.customers);
  for (const rules::DimensionSimulation& d : report.dimensions) {
    MovementsToProto(d, out->add_dimensions());
  }
  MovementsToProto(report.tiers, out->mutable_tiers());
  for (const rules::OfferSimulation& o : report.offers) {
    v1::OfferSimulation* offer = out->add_offers();
    offer->set_offer(o.offer);
    offer->set_kept(o.kept);
    offer->set_gained(o.gained);
    offer->set_lost(o.lost);
    for (const std::string& id : o.gained_examples) offer->add_gained_examples(id);
    for (const std::string& id : o.lost_examples) offer->add_lost_examples(id);
    offer->set_stacked_out(o.stacked_out);
    for (const std::string& id : o.stacked_out_examples) offer->add_stacked_out_examples(id);
    for (const auto& [winner, n] : o.stacked_out_to) (*offer->mutable_stacked_out_to())[winner] = n;
  }
  v1::PointsSimulation* points = out->mutable_points();
  points->set_purchases(report.points.purchases);
  points->set_serving_points(report.points.serving_points);
  points->set_candidate_points(report.points.candidate_points);
  points->set_customers_changed(report.points.customers_changed);
  for (const std::string& id : report.points.examples) points->add_examples(id);
  EarningToProto(report.points.serving_rules, points->mutable_serving_rules());
  EarningToProto(report.points.candidate_rules, points->mutable_candidate_rules());
  out->set_evaluation_errors(report.evaluation_errors);
  out->set_first_error(report.first_error);
}

// Simulates the customers of each id range on a thread of its own and
// merges the counts in id order.
absl::StatusOr<rules::SimulationReport> SimulateStored(
    Store& store, const std::shared_ptr<const rules::RuleSet>& serving,
    const std::shared_ptr<const rules::RuleSet>& candidate, const rules::SimulationOptions& options,
    const CustomerScan& period) {
  std::vector<rules::Simulation> simulations;
  absl::Status scanned = ScanCustomersInRanges(
      store, period,
      [&](size_t ranges) {
        for (size_t i = 0; i < ranges; ++i) simulations.emplace_back(serving, candidate, options);
      },
      [&](size_t range, const rules::Customer& c, std::span<const rules::Purchase> purchases) {
        simulations[range].Add(c, purchases);
      });
  if (!scanned.ok()) return scanned;
  for (size_t i = 1; i < simulations.size(); ++i) simulations[0].Merge(std::move(simulations[i]));
  return simulations[0].Report();
}

}  // namespace

absl::StatusOr<SimulationPeriod> ParseSimulationPeriod(std::string_view today_text,
                                                       std::string_view purchases_from,
                                                       std::string_view purchases_to,
                                                       int32_t examples, Date default_today) {
  absl::StatusOr<Date> today = ParseDay("today", today_text, default_today);
  if (!today.ok()) return today.status();
  // The period: 30 days ending on purchases_to (default: today).
  absl::StatusOr<Date> to = ParseDay("purchases_to", purchases_to, *today);
  if (!to.ok()) return to.status();
  absl::StatusOr<Date> from = ParseDay("purchases_from", purchases_from,
                                       Date::FromDays(to->days() - (kDefaultReplayDays - 1)));
  if (!from.ok()) return from.status();
  if (*to < *from) return Invalid("purchases_to", "is before purchases_from");
  if (examples < 0 || examples > kMaxExamples) {
    return Invalid("examples", StrCat("is 0..", kMaxExamples));
  }
  return SimulationPeriod{*today, *from, *to, examples};
}

absl::StatusOr<rules::SimulationReport> SimulateCandidate(
    Store& store, const std::shared_ptr<const rules::RuleSet>& serving,
    const rules::LoadResult& candidate, const SimulationPeriod& period,
    v1::SimulateRulesetResponse* out) {
  std::unique_lock<std::mutex> one_at_a_time(simulation_mutex, std::try_to_lock);
  if (!one_at_a_time.owns_lock()) {
    return absl::ResourceExhaustedError(
        "another simulation is running; try again when it has finished");
  }
  const Date today = period.today;
  rules::SimulationOptions options{today, static_cast<size_t>(period.examples)};
  // RFM quantiles as stored for the window of the candidate's rfm file
  // (else the served one's).
  const rules::RfmModel* rfm =
      candidate.ruleset->Rfm() != nullptr ? candidate.ruleset->Rfm() : serving->Rfm();
  std::optional<rules::RfmQuantiles> quantiles;
  if (rfm != nullptr) {
    absl::StatusOr<std::optional<rules::RfmQuantiles>> stored =
        store.RfmQuantiles(rfm->window_days);
    if (!stored.ok()) return stored.status();
    quantiles = std::move(*stored);
    if (quantiles) options.rfm_quantiles = &*quantiles;
  }
  // Customers are read once, with the serving rules' tier figures.
  const rules::MonthRange qualifying = serving->tier_policy().QualifyingMonths(today);
  // And with the history both versions' facts need.
  const int32_t history_days = std::max(serving->HistoryDays(), candidate.ruleset->HistoryDays());
  const CustomerScan scan{today,
                          qualifying,
                          "",
                          "",
                          period.purchases_from,
                          period.purchases_to,
                          history_days,
                          serving->ReadsLastEvents() || candidate.ruleset->ReadsLastEvents()};
  absl::StatusOr<rules::SimulationReport> report =
      SimulateStored(store, serving, candidate.ruleset, options, scan);
  if (!report.ok()) return report.status();
  ReportToProto(*report, out);
  out->set_today(today.ToString());
  out->mutable_points()->set_purchases_from(period.purchases_from.ToString());
  out->mutable_points()->set_purchases_to(period.purchases_to.ToString());
  for (const rules::Diagnostic& d : candidate.diagnostics) {
    DiagnosticToProto(d, out->add_warnings());
  }
  if (candidate.ruleset->tier_policy().QualifyingMonths(today) != qualifying) {
    rules::Diagnostic window;
    window.severity = rules::Severity::kWarning;
    window.message = StrCat(
        "the candidate's tiers qualify on ", candidate.ruleset->tier_policy().QualifyOnText(),
        ", the serving rules' on ", serving->tier_policy().QualifyOnText(),
        ": customers were read with the serving rules' figures, so the candidate's tier "
        "counts are not what it would give");
    window.hint = "compare tiers after serving the new qualification, or keep its window";
    DiagnosticToProto(window, out->add_warnings());
  }
  return report;
}

}  // namespace clientele::server::api_internal
