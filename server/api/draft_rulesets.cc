#include "server/api/draft_rulesets.h"

#include <utility>
#include <vector>

#include "common/strings.h"
#include "rules/diagnostic.h"
#include "server/api/requests.h"

namespace clientele::server::api_internal {

absl::Status WriteOnRevision(Store& store, std::string_view method,
                             const std::function<absl::Status(Transaction&)>& write) {
  return store
      .Write({"", method, ""},
             [&](Transaction& tx) -> absl::StatusOr<std::string> {
               if (absl::Status s = write(tx); !s.ok()) return s;
               return std::string();
             })
      .status();
}

absl::Status CheckDraftId(int64_t id) {
  if (id <= 0) return Invalid("id", "give the id of a draft (ListDrafts lists them)");
  return absl::OkStatus();
}

void DraftSummaryToProto(const DraftRecord& draft, v1::DraftSummary* out) {
  out->set_id(draft.id);
  out->set_title(draft.title);
  out->set_author(draft.author);
  out->set_base_version(draft.base_version);
  out->set_created_at(draft.created_at);
  out->set_updated_at(draft.updated_at);
  out->set_updated_by(draft.updated_by);
  out->set_revision(draft.revision);
}

absl::StatusOr<DraftRecord> FindExistingDraft(Store& store, int64_t id) {
  absl::StatusOr<std::optional<DraftRecord>> found = store.FindDraft(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("draft ", id, " not found"));
  return std::move(**found);
}

rules::LoadResult LoadDraftFiles(const DraftRecord& draft, const RulesReloader& reloader) {
  return rules::RuleSet::LoadSources(draft.files, reloader.load_options());
}

absl::StatusOr<std::shared_ptr<const rules::RuleSet>> DraftRuleset(Store& store,
                                                                   const RulesReloader& reloader,
                                                                   std::string_view field,
                                                                   int64_t id) {
  if (id < 1) return Invalid(field, "is a draft's id, 1 or more");
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(store, id);
  if (!draft.ok()) return draft.status();
  rules::LoadResult loaded = LoadDraftFiles(*draft, reloader);
  if (loaded.ok()) return std::move(loaded.ruleset);
  std::vector<rules::Diagnostic> errors;
  for (const rules::Diagnostic& d : loaded.diagnostics) {
    if (d.severity == rules::Severity::kError) errors.push_back(d);
  }
  return absl::FailedPreconditionError(StrCat(
      "draft ", id, " does not load (", errors.size(), errors.size() == 1 ? " error" : " errors",
      "); fix it first:\n", rules::FormatDiagnostics(errors)));
}

}  // namespace clientele::server::api_internal
