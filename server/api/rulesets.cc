// The Rulesets service: what is served, reload attempts, the versions
// kept in the store, and SimulateRuleset: a candidate ruleset evaluated
// beside the served one for every stored customer (rules/simulation.h),
// the store read in id ranges on several threads at once.
#include "server/api/rulesets.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "common/utf8.h"
#include "rules/rule_tests.h"
#include "rules/simulation.h"
#include "server/api/conversion.h"
#include "server/api/customer_scan.h"
#include "server/api/requests.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Date;

namespace {

constexpr int kDefaultVersionsListed = 100;
constexpr int kMaxVersionsListed = 1000;

constexpr int kMaxExamples = 100;
constexpr int kDefaultReplayDays = 30;
constexpr size_t kMaxFileNameBytes = 255;  // NAME_MAX

void VersionInfoToProto(const RulesetVersionRecord& record, std::string_view serving,
                        v1::RulesetVersionInfo* out) {
  out->set_version(record.version);
  out->set_directory(record.directory);
  out->set_first_served_at(record.first_served_at);
  out->set_last_served_at(record.last_served_at);
  out->set_times_served(record.times_served);
  out->set_serving(record.version == serving);
}

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

// A candidate file's name: a file name as GetRulesetVersion returns it,
// never a path (no separator, no "..").
absl::Status CheckFileName(std::string_view name) {
  if (name.empty()) return Invalid("files.name", "every file needs a name");
  if (absl::Status s = CheckText("files.name", name, kMaxFileNameBytes, true); !s.ok()) return s;
  if (name.find_first_of("/\\") != std::string_view::npos) {
    return Invalid("files.name", StrCat("'", name, "' is a path; give the file name only"));
  }
  if (name.find("..") != std::string_view::npos || name == ".") {
    return Invalid("files.name", StrCat("'", name, "' may not be . or contain .."));
  }
  return absl::OkStatus();
}

// The candidate's files: given in the request, or those of a version the
// store kept.
absl::StatusOr<std::vector<rules::RuleSource>> CandidateSources(
    const v1::SimulateRulesetRequest& request, Store& store) {
  if (request.files().empty() == request.version().empty()) {
    return Invalid("files", "give the candidate's files or a version served before, not both");
  }
  std::vector<rules::RuleSource> sources;
  if (!request.files().empty()) {
    std::set<std::string_view> names;
    for (const v1::RulesetSourceFile& file : request.files()) {
      if (absl::Status s = CheckFileName(file.name()); !s.ok()) return s;
      if (!names.insert(file.name()).second) {
        return Invalid("files.name", StrCat("'", file.name(), "' is given twice"));
      }
      sources.push_back({file.name(), file.content()});
    }
    return sources;
  }
  absl::StatusOr<RulesetVersionRecord> found = FindServedVersion(store, request.version());
  if (!found.ok()) return found.status();
  return std::move(found->files);
}

// Errors of a candidate as one message: the CLI shows it as it is.
absl::Status CandidateErrors(const std::vector<rules::Diagnostic>& diagnostics) {
  std::vector<rules::Diagnostic> errors;
  for (const rules::Diagnostic& d : diagnostics) {
    if (d.severity == rules::Severity::kError) errors.push_back(d);
  }
  return absl::InvalidArgumentError(
      StrCat("the candidate ruleset has ", errors.size(), errors.size() == 1 ? " error" : " errors",
             " and cannot be simulated:\n", rules::FormatDiagnostics(errors)));
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

void RulesetsApi::RulesetStatusAfter(const ReloadAttempt& attempt, v1::RulesetStatus* status) const {
  api_internal::RulesetStatusAfter(*rules_, *reloader_, attempt, status);
  if (fleet_ == nullptr) return;
  const FleetView view = fleet_->ViewAfter(attempt);
  status->set_replica(view.replica);
  for (const ReplicaRulesetRecord& r : view.replicas) {
    v1::ReplicaRuleset* out = status->add_replicas();
    out->set_replica(r.replica);
    out->set_serving_version(r.serving_version);
    out->set_last_outcome(r.last_outcome);
    out->set_last_message(r.last_message);
    out->set_reported_at(r.reported_at);
  }
  status->set_behind_peers(view.behind_peers);
  status->set_behind_peers_reason(view.summary);
}

absl::Status RulesetsApi::GetRulesetStatus(const v1::GetRulesetStatusRequest&,
                                          v1::RulesetStatus* response) {
  RulesetStatusAfter(reloader_->LastAttempt(), response);
  return absl::OkStatus();
}

absl::Status RulesetsApi::ReloadRuleset(const v1::ReloadRulesetRequest&,
                                       v1::ReloadRulesetResponse* response) {
  const ReloadAttempt attempt = reloader_->Reload("rpc");
  AttemptToProto(attempt, response->mutable_attempt());
  RulesetStatusAfter(attempt, response->mutable_status());
  return absl::OkStatus();
}

absl::Status RulesetsApi::ListRulesetVersions(const v1::ListRulesetVersionsRequest& request,
                                             v1::ListRulesetVersionsResponse* response) {
  if (request.limit() < 0 || request.limit() > kMaxVersionsListed) {
    return Invalid("limit", StrCat("must be 0 (", kDefaultVersionsListed, ") to ",
                                   kMaxVersionsListed));
  }
  const int limit = request.limit() == 0 ? kDefaultVersionsListed : request.limit();
  absl::StatusOr<std::vector<RulesetVersionRecord>> versions = store_->RulesetVersions(limit);
  if (!versions.ok()) return versions.status();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  const std::string serving = served == nullptr ? "" : served->ruleset->version();
  for (const RulesetVersionRecord& record : *versions) {
    VersionInfoToProto(record, serving, response->add_versions());
  }
  return absl::OkStatus();
}

absl::Status RulesetsApi::GetRulesetVersion(const v1::GetRulesetVersionRequest& request,
                                           v1::GetRulesetVersionResponse* response) {
  absl::StatusOr<RulesetVersionRecord> found = FindServedVersion(*store_, request.version());
  if (!found.ok()) return found.status();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  VersionInfoToProto(*found, served == nullptr ? "" : served->ruleset->version(),
                     response->mutable_info());
  for (const rules::RuleSource& file : found->files) {
    v1::RulesetSourceFile* out = response->add_files();
    out->set_name(file.path);
    out->set_content(file.content);
  }
  return absl::OkStatus();
}

absl::Status RulesetsApi::SimulateRuleset(const v1::SimulateRulesetRequest& request,
                                         v1::SimulateRulesetResponse* response) {
  const auto began = std::chrono::steady_clock::now();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  absl::StatusOr<Date> today = ParseDay("today", request.today(), today_());
  if (!today.ok()) return today.status();
  // The period: 30 days ending on purchases_to (default: today).
  absl::StatusOr<Date> to = ParseDay("purchases_to", request.purchases_to(), *today);
  if (!to.ok()) return to.status();
  absl::StatusOr<Date> from = ParseDay("purchases_from", request.purchases_from(),
                                       Date::FromDays(to->days() - (kDefaultReplayDays - 1)));
  if (!from.ok()) return from.status();
  if (*to < *from) return Invalid("purchases_to", "is before purchases_from");
  if (request.examples() < 0 || request.examples() > kMaxExamples) {
    return Invalid("examples", StrCat("is 0..", kMaxExamples));
  }
  absl::StatusOr<std::vector<rules::RuleSource>> sources = CandidateSources(request, *store_);
  if (!sources.ok()) return sources.status();
  rules::LoadResult candidate = rules::RuleSet::LoadSources(std::move(*sources));
  if (!candidate.ok()) return CandidateErrors(candidate.diagnostics);

  std::unique_lock<std::mutex> one_at_a_time(simulation_mutex_, std::try_to_lock);
  if (!one_at_a_time.owns_lock()) {
    return absl::ResourceExhaustedError(
        "another simulation is running; try again when it has finished");
  }
  rules::SimulationOptions options{*today, static_cast<size_t>(request.examples())};
  // RFM quantiles as stored for the window of the candidate's rfm file
  // (else the served one's).
  const rules::RfmModel* rfm =
      candidate.ruleset->Rfm() != nullptr ? candidate.ruleset->Rfm() : served->ruleset->Rfm();
  std::optional<rules::RfmQuantiles> quantiles;
  if (rfm != nullptr) {
    absl::StatusOr<std::optional<rules::RfmQuantiles>> stored =
        store_->RfmQuantiles(rfm->window_days);
    if (!stored.ok()) return stored.status();
    quantiles = std::move(*stored);
    if (quantiles) options.rfm_quantiles = &*quantiles;
  }
  // Customers are read once, with the serving rules' tier figures.
  const rules::MonthRange qualifying =
      served->ruleset->tier_policy().QualifyingMonths(*today);
  // And with the history both versions' facts need.
  const int32_t history_days =
      std::max(served->ruleset->HistoryDays(), candidate.ruleset->HistoryDays());
  const CustomerScan period{
      *today,       qualifying,
      "",           "",
      *from,        *to,
      history_days, served->ruleset->ReadsLastEvents() || candidate.ruleset->ReadsLastEvents()};
  absl::StatusOr<rules::SimulationReport> report =
      SimulateStored(*store_, served->ruleset, candidate.ruleset, options, period);
  if (!report.ok()) return report.status();
  ReportToProto(*report, response);
  response->set_today(today->ToString());
  response->mutable_points()->set_purchases_from(from->ToString());
  response->mutable_points()->set_purchases_to(to->ToString());
  for (const rules::Diagnostic& d : candidate.diagnostics) {
    DiagnosticToProto(d, response->add_warnings());
  }
  if (candidate.ruleset->tier_policy().QualifyingMonths(*today) != qualifying) {
    rules::Diagnostic window;
    window.severity = rules::Severity::kWarning;
    window.message = StrCat(
        "the candidate's tiers qualify on ", candidate.ruleset->tier_policy().QualifyOnText(),
        ", the serving rules' on ", served->ruleset->tier_policy().QualifyOnText(),
        ": customers were read with the serving rules' figures, so the candidate's tier "
        "counts are not what it would give");
    window.hint = "compare tiers after serving the new qualification, or keep its window";
    DiagnosticToProto(window, response->add_warnings());
  }
  // The candidate's own tests, as the reload that publishes it would run
  // them: a candidate that simulates cleanly but would be refused is the
  // surprise this avoids.
  const rules::RuleTestReport tests = rules::RunRuleTests(*candidate.ruleset, {.today = *today});
  for (const rules::Diagnostic& d : rules::RuleTestDiagnostics(tests)) {
    DiagnosticToProto(d, response->add_test_failures());
  }
  response->set_tests_passed(tests.passed());
  response->set_tests_failed(tests.failed());
  response->set_elapsed_micros(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - began)
                                   .count());
  return absl::OkStatus();
}

}  // namespace clientele::server
