// The Drafts service (proto/clientele/v1/drafts.proto): the console's rule
// drafts, copies of a kept version's files that people edit before asking
// for approval. A change to a parameter is an edit of that value's text or
// its comment in place (rules/parameter_table.h), so that the files keep
// every other byte as their authors wrote them; a file may also be
// written whole. Each change names the revision it was made on, and one
// made on an older revision is refused (ABORTED), never merged.
//
// A draft is shown with what loading its files finds (errors and warnings,
// with the same options as a reload), the version it would be served as,
// and its parameters as table rows with the rules that read each.
//
// Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_DRAFTS_H_
#define CLIENTELE_SERVER_API_DRAFTS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clientele/v1/drafts.pb.h"
#include "rules/ruleset.h"
#include "server/api/dependencies.h"
#include "server/api/ruleset_simulation.h"
#include "server/api/serving.h"

namespace clientele::server {

class DraftsApi {
 public:
  // What `dependencies` points to must outlive the DraftsApi.
  explicit DraftsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        now_(dependencies.now),
        today_(api_internal::ProgrammeToday(dependencies)) {}

  // `caller` is the name of the caller's token: the author, or who made
  // the change.
  absl::Status CreateDraft(const v1::CreateDraftRequest& request, std::string_view caller,
                           v1::Draft* response);
  absl::Status GetDraft(const v1::GetDraftRequest& request, v1::Draft* response);
  absl::Status ListDrafts(const v1::ListDraftsRequest& request, v1::ListDraftsResponse* response);
  absl::Status EditDraft(const v1::EditDraftRequest& request, std::string_view caller,
                         v1::Draft* response);
  // Deleting a draft (or changing it) voids its pending change requests.
  absl::Status DeleteDraft(const v1::DeleteDraftRequest& request, std::string_view caller,
                           v1::DeleteDraftResponse* response);
  absl::Status ExportDraftParameters(const v1::ExportDraftParametersRequest& request,
                                     v1::ExportDraftParametersResponse* response);
  absl::Status ImportDraftParameters(const v1::ImportDraftParametersRequest& request,
                                     std::string_view caller, v1::Draft* response);
  // The checks of draft_check.cc: one simulation at a time (see
  // ruleset_simulation.h).
  absl::Status CheckDraft(const v1::CheckDraftRequest& request, v1::DraftCheck* response);

 private:
  // The draft shown: its files, what loading them finds, its parameters.
  void DraftToProto(const DraftRecord& draft, v1::Draft* out) const;
  // The rules that read each parameter of `files`; none when they do not
  // load. Sets *loaded to the load's result.
  std::map<std::string, std::vector<std::string>, std::less<>> Readers(
      const std::vector<rules::RuleSource>& files, rules::LoadResult* loaded) const;
  // The cost in money of `simulation`'s change (rules/change_cost.h), with
  // the redemptions stored for its period.
  absl::Status PriceChange(const rules::SimulationReport& simulation, const rules::RuleSet& serving,
                           const rules::RuleSet& candidate,
                           const api_internal::SimulationPeriod& period, v1::ChangeCost* out) const;
  // Stores `draft` as its next revision, changed by `caller`.
  absl::Status StoreChange(DraftRecord& draft, std::string_view caller);
  std::string Now() const;

  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const std::function<absl::Time()> now_;
  const std::function<rules::Date()> today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_DRAFTS_H_
