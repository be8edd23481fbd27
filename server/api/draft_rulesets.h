// A rule draft (drafts.h) as the API classes read it, and as a ruleset,
// for the requests that decide or check with a draft instead of the
// served rules: Evaluate's draft_id and CheckDraft. A draft's files load with the options of a
// reload, so that a draft that loads here loads when published; its tests are not run here
// (CheckDraft runs them). Internal to server/api/; thread-safe (the store and the reloader are).
#ifndef CLIENTELE_SERVER_API_DRAFT_RULESETS_H_
#define CLIENTELE_SERVER_API_DRAFT_RULESETS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "clientele/v1/drafts.pb.h"
#include "rules/ruleset.h"
#include "server/reload/reloader.h"
#include "server/store/records.h"
#include "server/store/store.h"
#include "server/store/transaction.h"

namespace clientele::server::api_internal {

// INVALID_ARGUMENT about `id` unless it can be a draft's (1 or more).
absl::Status CheckDraftId(int64_t id);

// Runs `write` in a write of its own without an idempotency key: drafts
// and change requests name the revision or state a change was made on, so
// a repeated change fails instead of landing twice.
absl::Status WriteOnRevision(Store& store, std::string_view method,
                             const std::function<absl::Status(Transaction&)>& write);

// Draft `id` with its files; NOT_FOUND when there is none.
absl::StatusOr<DraftRecord> FindExistingDraft(Store& store, int64_t id);

void DraftSummaryToProto(const DraftRecord& draft, v1::DraftSummary* out);

// What loading a draft's files gives: the ruleset or its errors, and
// warnings, with the options of a reload.
rules::LoadResult LoadDraftFiles(const DraftRecord& draft, const RulesReloader& reloader);

// The ruleset of draft `id`, named by the request's `field`:
// INVALID_ARGUMENT for an id below 1, NOT_FOUND for no such draft, and
// FAILED_PRECONDITION with every error (file:line:column) when its files
// do not load.
absl::StatusOr<std::shared_ptr<const rules::RuleSet>> DraftRuleset(Store& store,
                                                                   const RulesReloader& reloader,
                                                                   std::string_view field,
                                                                   int64_t id);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_DRAFT_RULESETS_H_
