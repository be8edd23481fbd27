#include "server/api/change_requests.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/api/draft_rulesets.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation

namespace {

constexpr size_t kMaxCommentBytes = 2000;

constexpr std::string_view kStates[] = {"open",      "approved", "rejected",
                                        "withdrawn", "voided",   "published"};

absl::Status CheckRequestId(int64_t id) {
  if (id <= 0)
    return Invalid("id", "give the id of a change request (ListChangeRequests lists them)");
  return absl::OkStatus();
}

absl::Status CheckComment(std::string_view comment, bool required) {
  return CheckText("comment", comment, kMaxCommentBytes, required, TextKind::kFreeText);
}

absl::StatusOr<ChangeRequestRecord> FindExistingRequest(Store& store, int64_t id) {
  absl::StatusOr<std::optional<ChangeRequestRecord>> found = store.FindChangeRequest(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("change request ", id, " not found"));
  return std::move(**found);
}

void RequestToProto(const ChangeRequestRecord& record, v1::ChangeRequest* out) {
  out->Clear();
  out->set_id(record.id);
  out->set_draft_id(record.draft_id);
  out->set_draft_revision(record.draft_revision);
  out->set_version(record.version);
  out->set_title(record.title);
  out->set_author(record.author);
  out->set_submitted_at(record.submitted_at);
  out->set_serving_version(record.serving_version);
  out->set_state(record.state);
  out->set_state_by(record.state_by);
  out->set_state_at(record.state_at);
  out->set_state_comment(record.state_comment);
  for (const ChangeRequestEvent& event : record.events) {
    v1::ChangeRequestEvent* shown = out->add_events();
    shown->set_at(event.at);
    shown->set_actor(event.actor);
    shown->set_action(event.action);
    shown->set_comment(event.comment);
    shown->set_version(event.version);
    shown->set_checks(event.checks);
  }
}

// The check as the audit keeps it: a line per step.
std::string ChecksText(const v1::DraftCheck& check) {
  std::vector<std::string> lines;
  for (const v1::DraftCheckStep& step : check.steps()) {
    lines.push_back(StrCat(step.passed() ? "✓ " : "✗ ", step.name(), ": ", step.summary()));
  }
  return StrJoin(lines, "\n");
}

// FAILED_PRECONDITION unless `caller` is someone other than the submitter.
absl::Status CheckAnotherPerson(const ChangeRequestRecord& request, std::string_view caller,
                                std::string_view step, std::string_view instead) {
  if (request.author != caller) return absl::OkStatus();
  return absl::FailedPreconditionError(StrCat("you submitted change request ", request.id,
                                              ": another person must ", step, " it", instead));
}

}  // namespace

std::string ChangeRequestsApi::Now() const {
  return UtcMillisecondsText(absl::ToChronoTime(now_()));
}

absl::Status ChangeRequestsApi::SubmitChangeRequest(const v1::SubmitChangeRequestRequest& request,
                                                    std::string_view caller,
                                                    v1::ChangeRequest* response) {
  if (request.draft_id() <= 0) {
    return Invalid("draft_id", "give the id of the draft to submit (ListDrafts lists them)");
  }
  if (request.draft_revision() <= 0) {
    return Invalid("draft_revision", "give the revision of the draft you checked");
  }
  if (absl::Status s = CheckComment(request.comment(), false); !s.ok()) return s;
  v1::CheckDraftRequest check_request;
  check_request.set_id(request.draft_id());
  v1::DraftCheck check;
  if (absl::Status s = drafts_->CheckDraft(check_request, &check); !s.ok()) return s;
  if (check.summary().revision() != request.draft_revision()) {
    return absl::AbortedError(StrCat("draft ", request.draft_id(), " is at revision ",
                                     check.summary().revision(), " (by ",
                                     check.summary().updated_by(), "), not ",
                                     request.draft_revision(), ": look at it again and submit"));
  }
  if (!check.passed()) {
    std::vector<std::string> failing;
    for (const v1::DraftCheckStep& step : check.steps()) {
      if (!step.passed()) failing.push_back(StrCat(step.name(), ": ", step.summary()));
    }
    return absl::FailedPreconditionError(StrCat("draft ", request.draft_id(),
                                                " does not pass its check, so it cannot be "
                                                "submitted: ",
                                                StrJoin(failing, "; ")));
  }
  ChangeRequestRecord record;
  record.draft_id = request.draft_id();
  record.draft_revision = request.draft_revision();
  record.version = check.version();
  record.title = check.summary().title();
  record.author = std::string(caller);
  record.submitted_at = Now();
  record.serving_version = check.serving_version();
  const ChangeRequestEvent submitted{record.submitted_at, record.author,  "submitted",
                                     request.comment(),   record.version, ChecksText(check)};
  int64_t id = 0;
  if (absl::Status s = WriteOnRevision(*store_, "SubmitChangeRequest",
                                       [&](Transaction& tx) -> absl::Status {
                                         absl::StatusOr<int64_t> made =
                                             tx.CreateChangeRequest(record, submitted);
                                         if (made.ok()) id = *made;
                                         return made.status();
                                       });
      !s.ok()) {
    return s;
  }
  return Answer(id, response);
}

absl::Status ChangeRequestsApi::Move(int64_t id, std::string_view from, std::string_view to,
                                     std::string_view action, std::string_view caller,
                                     std::string_view comment, std::string_view version,
                                     v1::ChangeRequest* response) {
  const ChangeRequestEvent event{
      Now(), std::string(caller), std::string(action), std::string(comment), std::string(version),
      ""};
  if (absl::Status s = WriteOnRevision(
          *store_, "ChangeRequest",
          [&](Transaction& tx) { return tx.MoveChangeRequest(id, from, to, event); });
      !s.ok()) {
    return s;
  }
  return Answer(id, response);
}

absl::Status ChangeRequestsApi::ApproveChangeRequest(const v1::ReviewChangeRequestRequest& request,
                                                     std::string_view caller,
                                                     v1::ChangeRequest* response) {
  if (absl::Status s = CheckRequestId(request.id()); !s.ok()) return s;
  if (absl::Status s = CheckComment(request.comment(), false); !s.ok()) return s;
  absl::StatusOr<ChangeRequestRecord> found = FindExistingRequest(*store_, request.id());
  if (!found.ok()) return found.status();
  if (absl::Status s = CheckAnotherPerson(*found, caller, "approve", ""); !s.ok()) return s;
  if (found->state != "open") {
    return absl::FailedPreconditionError(StrCat("change request ", found->id, " is ", found->state,
                                                " (by ", found->state_by,
                                                "), not open: only an open one is approved"));
  }
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, found->draft_id);
  if (!draft.ok() && !absl::IsNotFound(draft.status())) return draft.status();
  // Nor by anyone who wrote what is approved.
  if (draft.ok() &&
      std::find(draft->editors.begin(), draft->editors.end(), caller) != draft->editors.end()) {
    return absl::FailedPreconditionError(StrCat("you wrote part of draft ", found->draft_id,
                                                ": another person must approve change request ",
                                                found->id));
  }
  // The files approved must be the files submitted.
  std::string now;
  if (draft.ok()) {
    rules::LoadResult loaded = LoadDraftFiles(*draft, *reloader_);
    if (loaded.ok()) now = loaded.ruleset->version();
  }
  if (now != found->version) {
    const std::string why = now.empty() ? std::string("the draft is gone or no longer loads")
                                        : StrCat("the draft's files are now version ", now,
                                                 ", not ", found->version, " as submitted");
    if (absl::Status s = Move(found->id, "open", "voided", "voided", caller, why, now, response);
        !s.ok()) {
      return s;
    }
    return absl::FailedPreconditionError(
        StrCat("change request ", found->id, " is void: ", why, "; it must be submitted again"));
  }
  return Move(found->id, "open", "approved", "approved", caller, request.comment(), now, response);
}

absl::Status ChangeRequestsApi::RejectChangeRequest(const v1::ReviewChangeRequestRequest& request,
                                                    std::string_view caller,
                                                    v1::ChangeRequest* response) {
  if (absl::Status s = CheckRequestId(request.id()); !s.ok()) return s;
  if (absl::Status s = CheckComment(request.comment(), true); !s.ok()) {
    return request.comment().empty() ? Invalid("comment", "say why it is rejected") : s;
  }
  absl::StatusOr<ChangeRequestRecord> found = FindExistingRequest(*store_, request.id());
  if (!found.ok()) return found.status();
  if (absl::Status s = CheckAnotherPerson(*found, caller, "reject", " (withdraw it instead)");
      !s.ok()) {
    return s;
  }
  return Move(found->id, "open", "rejected", "rejected", caller, request.comment(), found->version,
              response);
}

absl::Status ChangeRequestsApi::WithdrawChangeRequest(
    const v1::WithdrawChangeRequestRequest& request, std::string_view caller,
    v1::ChangeRequest* response) {
  if (absl::Status s = CheckRequestId(request.id()); !s.ok()) return s;
  if (absl::Status s = CheckComment(request.comment(), false); !s.ok()) return s;
  absl::StatusOr<ChangeRequestRecord> found = FindExistingRequest(*store_, request.id());
  if (!found.ok()) return found.status();
  if (found->author != caller) {
    return absl::FailedPreconditionError(
        StrCat("change request ", found->id, " was submitted by ", found->author,
               ": only they may withdraw it",
               found->state == "open" ? " (an approver may reject it)" : ""));
  }
  if (found->state != "open" && found->state != "approved") {
    return absl::FailedPreconditionError(StrCat("change request ", found->id, " is ", found->state,
                                                ": only a pending one is withdrawn"));
  }
  return Move(found->id, found->state, "withdrawn", "withdrawn", caller, request.comment(),
              found->version, response);
}

absl::Status ChangeRequestsApi::Answer(int64_t id, v1::ChangeRequest* response) const {
  absl::StatusOr<ChangeRequestRecord> found = FindExistingRequest(*store_, id);
  if (!found.ok()) return found.status();
  RequestToProto(*found, response);
  return absl::OkStatus();
}

absl::Status ChangeRequestsApi::GetChangeRequest(const v1::GetChangeRequestRequest& request,
                                                 v1::ChangeRequest* response) {
  if (absl::Status s = CheckRequestId(request.id()); !s.ok()) return s;
  return Answer(request.id(), response);
}

absl::Status ChangeRequestsApi::ListChangeRequests(const v1::ListChangeRequestsRequest& request,
                                                   v1::ListChangeRequestsResponse* response) {
  if (!request.state().empty() &&
      std::find(std::begin(kStates), std::end(kStates), request.state()) == std::end(kStates)) {
    return Invalid("state", StrCat("is one of ", StrJoin(kStates, ", "), ", or \"\" for all"));
  }
  absl::StatusOr<int> limit = CheckListSize("limit", request.limit());
  if (!limit.ok()) return limit.status();
  absl::StatusOr<std::vector<ChangeRequestRecord>> listed =
      store_->ChangeRequests(request.state(), *limit);
  if (!listed.ok()) return listed.status();
  for (const ChangeRequestRecord& record : *listed)
    RequestToProto(record, response->add_requests());
  return absl::OkStatus();
}

}  // namespace clientele::server
