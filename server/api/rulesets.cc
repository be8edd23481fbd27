// The ruleset operations: what is served, reload attempts and the
// versions kept in the store.
#include <filesystem>

#include "server/api/grpc/services.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation

namespace {

constexpr int kDefaultVersionsListed = 100;
constexpr int kMaxVersionsListed = 1000;

void AttemptToProto(const ReloadAttempt& attempt, v1::ReloadAttempt* out) {
  out->set_number(attempt.number);
  out->set_trigger(attempt.trigger);
  out->set_started_at(attempt.started_at);
  out->set_duration_micros(attempt.duration_micros);
  out->set_outcome(std::string(ReloadOutcomeName(attempt.outcome)));
  out->set_version(attempt.version);
  out->set_serving_version(attempt.serving_version);
  for (const rules::Diagnostic& d : attempt.diagnostics) DiagnosticToProto(d, out->add_diagnostics());
  out->set_message(attempt.message);
}

void VersionInfoToProto(const RulesetVersionRecord& record, std::string_view serving,
                        v1::RulesetVersionInfo* out) {
  out->set_version(record.version);
  out->set_directory(record.directory);
  out->set_first_served_at(record.first_served_at);
  out->set_last_served_at(record.last_served_at);
  out->set_times_served(record.times_served);
  out->set_serving(record.version == serving);
}

}  // namespace

absl::Status Operations::ServingRules(std::shared_ptr<const ServedRuleset>* served) const {
  *served = rules_->Current();
  if (*served != nullptr) return absl::OkStatus();
  const ReloadAttempt last = reloader_->LastAttempt();
  return absl::UnavailableError(
      StrCat("no valid ruleset is loaded from ", reloader_->directory().string(),
             last.message.empty() ? "" : StrCat(": ", last.message),
             "; fix the rule files (clientele rules status lists every error)"));
}

void Operations::RulesetStatusAfter(const ReloadAttempt& attempt, v1::RulesetStatus* status) const {
  status->Clear();
  if (std::shared_ptr<const ServedRuleset> served = rules_->Current(); served != nullptr) {
    status->set_serving(true);
    status->set_version(served->ruleset->version());
    status->set_directory(served->directory);
    status->set_loaded_at(served->loaded_at);
  } else {
    status->set_directory(reloader_->directory().string());
  }
  AttemptToProto(attempt, status->mutable_last_attempt());
  const ReloadCounters counters = reloader_->Counters();
  status->set_reloads_accepted(counters.accepted);
  status->set_reloads_rejected(counters.rejected);
  status->set_reloads_unchanged(counters.unchanged);
}

absl::Status Operations::GetRulesetStatus(const v1::GetRulesetStatusRequest&,
                                          v1::RulesetStatus* response) {
  RulesetStatusAfter(reloader_->LastAttempt(), response);
  return absl::OkStatus();
}

absl::Status Operations::GetRuleset(const v1::GetRulesetRequest&,
                                    v1::GetRulesetResponse* response) {
  RulesetStatusAfter(reloader_->LastAttempt(), response->mutable_status());
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  if (served == nullptr) {
    response->set_directory(reloader_->directory().string());
    return absl::OkStatus();
  }
  response->set_version(served->ruleset->version());
  response->set_directory(served->directory);
  response->set_loaded_at(served->loaded_at);
  for (const rules::RuleSource& source : served->ruleset->sources()) {
    v1::RulesetFile* file = response->add_files();
    file->set_path(source.path);
    file->set_size_bytes(static_cast<int64_t>(source.content.size()));
  }
  return absl::OkStatus();
}

absl::Status Operations::ReloadRuleset(const v1::ReloadRulesetRequest&,
                                       v1::ReloadRulesetResponse* response) {
  const ReloadAttempt attempt = reloader_->Reload("rpc");
  AttemptToProto(attempt, response->mutable_attempt());
  RulesetStatusAfter(attempt, response->mutable_status());
  return absl::OkStatus();
}

absl::Status Operations::ListRulesetVersions(const v1::ListRulesetVersionsRequest& request,
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

absl::Status Operations::GetRulesetVersion(const v1::GetRulesetVersionRequest& request,
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

}  // namespace clientele::server
