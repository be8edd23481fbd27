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
#include "server/api/conversion.h"
#include "server/api/requests.h"
#include "server/api/ruleset_simulation.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Date;

namespace {


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
  absl::StatusOr<int> limit = CheckListSize("limit", request.limit());
  if (!limit.ok()) return limit.status();
  absl::StatusOr<std::vector<RulesetVersionRecord>> versions = store_->RulesetVersions(*limit);
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
  absl::StatusOr<SimulationPeriod> period =
      ParseSimulationPeriod(request.today(), request.purchases_from(), request.purchases_to(),
                            request.examples(), today_());
  if (!period.ok()) return period.status();
  absl::StatusOr<std::vector<rules::RuleSource>> sources = CandidateSources(request, *store_);
  if (!sources.ok()) return sources.status();
  rules::LoadResult candidate = rules::RuleSet::LoadSources(std::move(*sources));
  if (!candidate.ok()) return CandidateErrors(candidate.diagnostics);
  absl::StatusOr<rules::SimulationReport> report =
      SimulateCandidate(*store_, served->ruleset, candidate, *period, response);
  if (!report.ok()) return report.status();
  // The candidate's own tests, as the reload that publishes it would run
  // them: a candidate that simulates cleanly but would be refused is the
  // surprise this avoids.
  const rules::RuleTestReport tests =
      rules::RunRuleTests(*candidate.ruleset, {.today = period->today});
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
