// Change requests through the API classes in process (no gRPC), on the
// default ruleset: a draft is submitted only when its check passes and on
// the revision its submitter saw; another person approves or rejects; any
// change to the draft voids a pending request; every step is audited.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class ChangeRequestsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::InProcessApis>();
    ASSERT_NE(server_->apis(), nullptr);
    api_ = &server_->apis()->change_requests;
    v1::CreateDraftRequest create;
    create.set_title("双十一 notes");
    ASSERT_THAT(server_->apis()->drafts.CreateDraft(create, "mei", &draft_), IsOk());
    // A comment changes the files (and the version) and every check passes.
    ASSERT_THAT(Comment("under this age counts as young (双十一)"), IsOk());
  }

  absl::Status Comment(const std::string& text, std::string_view caller = "mei") {
    v1::EditDraftRequest edit;
    edit.set_id(draft_.summary().id());
    edit.set_revision(draft_.summary().revision());
    edit.mutable_set_parameter_comment()->set_file("parameters.yaml");
    edit.mutable_set_parameter_comment()->set_name("young_age_limit");
    edit.mutable_set_parameter_comment()->set_comment(text);
    return server_->apis()->drafts.EditDraft(edit, caller, &draft_);
  }

  absl::Status Value(const std::string& value) {
    v1::EditDraftRequest edit;
    edit.set_id(draft_.summary().id());
    edit.set_revision(draft_.summary().revision());
    edit.mutable_set_parameter_value()->set_file("parameters.yaml");
    edit.mutable_set_parameter_value()->set_name("young_age_limit");
    edit.mutable_set_parameter_value()->set_value(value);
    return server_->apis()->drafts.EditDraft(edit, "mei", &draft_);
  }

  absl::Status Submit(v1::ChangeRequest* out, std::string_view caller = "mei",
                      int64_t revision = 0) {
    v1::SubmitChangeRequestRequest request;
    request.set_draft_id(draft_.summary().id());
    request.set_draft_revision(revision == 0 ? draft_.summary().revision() : revision);
    request.set_comment("thresholds for 双十一");
    return api_->SubmitChangeRequest(request, caller, out);
  }

  absl::Status Approve(int64_t id, std::string_view caller, v1::ChangeRequest* out,
                       const std::string& comment = "") {
    v1::ReviewChangeRequestRequest request;
    request.set_id(id);
    request.set_comment(comment);
    return api_->ApproveChangeRequest(request, caller, out);
  }

  v1::ChangeRequest Get(int64_t id) {
    v1::GetChangeRequestRequest request;
    request.set_id(id);
    v1::ChangeRequest read;
    EXPECT_THAT(api_->GetChangeRequest(request, &read), IsOk());
    return read;
  }

  std::unique_ptr<testing::InProcessApis> server_;
  ChangeRequestsApi* api_ = nullptr;
  v1::Draft draft_;
};

TEST_F(ChangeRequestsApiTest, SubmittedApprovedByAnotherPersonAndAudited) {
  v1::ChangeRequest request;
  ASSERT_THAT(Submit(&request), IsOk());
  EXPECT_GT(request.id(), 0);
  EXPECT_EQ(request.state(), "open");
  EXPECT_EQ(request.author(), "mei");
  EXPECT_EQ(request.draft_revision(), 2);
  EXPECT_EQ(request.version(), draft_.version());
  EXPECT_EQ(request.title(), "双十一 notes");
  EXPECT_EQ(request.serving_version(), server_->holder().Current()->ruleset->version());
  ASSERT_THAT(request.events(), SizeIs(1));
  EXPECT_EQ(request.events(0).action(), "submitted");
  EXPECT_EQ(request.events(0).comment(), "thresholds for 双十一");
  EXPECT_THAT(request.events(0).checks(), HasSubstr("✓ loads"));
  EXPECT_THAT(request.events(0).checks(), HasSubstr("✓ tests"));

  // Not by the person who submitted it.
  v1::ChangeRequest after;
  EXPECT_THAT(Approve(request.id(), "mei", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "another person must approve"));
  ASSERT_THAT(Approve(request.id(), "lee", &after, "ok for 双十一"), IsOk());
  EXPECT_EQ(after.state(), "approved");
  EXPECT_EQ(after.state_by(), "lee");
  EXPECT_EQ(after.state_comment(), "ok for 双十一");
  ASSERT_THAT(after.events(), SizeIs(2));
  EXPECT_EQ(after.events(1).action(), "approved");
  EXPECT_EQ(after.events(1).version(), draft_.version());
  // Approved once: not again; and no second request for the draft meanwhile.
  EXPECT_THAT(Approve(request.id(), "ana", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is approved (by lee)"));
  v1::ChangeRequest second;
  EXPECT_THAT(Submit(&second), StatusIs(absl::StatusCode::kAlreadyExists, "already has change"));
}

// The trap of approval tools: an approved change edited afterwards.
TEST_F(ChangeRequestsApiTest, AnyEditOfTheDraftVoidsItsApproval) {
  v1::ChangeRequest request;
  ASSERT_THAT(Submit(&request), IsOk());
  v1::ChangeRequest approved;
  ASSERT_THAT(Approve(request.id(), "lee", &approved), IsOk());
  ASSERT_THAT(Comment("edited after approval"), IsOk());
  const v1::ChangeRequest voided = Get(request.id());
  EXPECT_EQ(voided.state(), "voided");
  EXPECT_EQ(voided.state_by(), "mei");
  EXPECT_THAT(voided.state_comment(), HasSubstr("changed (revision 3, by mei)"));
  ASSERT_THAT(voided.events(), SizeIs(3));
  EXPECT_EQ(voided.events(2).action(), "voided");
  // Submitted again, the new version needs its own approval.
  v1::ChangeRequest again;
  ASSERT_THAT(Submit(&again), IsOk());
  EXPECT_NE(again.id(), request.id());
  EXPECT_EQ(again.version(), draft_.version());
  EXPECT_NE(again.version(), request.version());
  EXPECT_EQ(again.state(), "open");
  // Deleting the draft voids it too.
  v1::DeleteDraftRequest remove;
  remove.set_id(draft_.summary().id());
  remove.set_revision(draft_.summary().revision());
  v1::DeleteDraftResponse removed;
  ASSERT_THAT(server_->apis()->drafts.DeleteDraft(remove, "ana", &removed), IsOk());
  EXPECT_EQ(Get(again.id()).state(), "voided");
  EXPECT_EQ(Get(again.id()).state_comment(), "the draft was deleted by ana");
  v1::ChangeRequest late;
  EXPECT_THAT(Approve(again.id(), "lee", &late),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is voided"));
}

// Four eyes on the work, not on the button: whoever wrote part of the
// draft may not approve it, even when someone else submitted it.
TEST_F(ChangeRequestsApiTest, NobodyWhoWroteTheDraftApprovesIt) {
  ASSERT_THAT(Comment("lee's wording", "lee"), IsOk());
  v1::ChangeRequest request;
  ASSERT_THAT(Submit(&request, "mei"), IsOk());
  v1::ChangeRequest after;
  EXPECT_THAT(Approve(request.id(), "lee", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "you wrote part of draft"));
  EXPECT_EQ(Get(request.id()).state(), "open");
  ASSERT_THAT(Approve(request.id(), "ana", &after), IsOk());
  EXPECT_EQ(after.state(), "approved");
}

// A spreadsheet brought back is an edit like any other.
TEST_F(ChangeRequestsApiTest, ACsvImportVoidsAPendingRequest) {
  v1::ChangeRequest request;
  ASSERT_THAT(Submit(&request), IsOk());
  v1::ExportDraftParametersRequest export_request;
  export_request.set_id(draft_.summary().id());
  v1::ExportDraftParametersResponse sheet;
  ASSERT_THAT(server_->apis()->drafts.ExportDraftParameters(export_request, &sheet), IsOk());
  const std::string csv = sheet.csv();
  const size_t at = csv.find("middle_band_limit,60,");
  ASSERT_NE(at, std::string::npos);
  v1::ImportDraftParametersRequest import;
  import.set_id(draft_.summary().id());
  import.set_revision(sheet.revision());
  import.set_csv(csv.substr(0, at) + "middle_band_limit,61," + csv.substr(at + 21));
  ASSERT_THAT(server_->apis()->drafts.ImportDraftParameters(import, "ana", &draft_), IsOk());
  EXPECT_EQ(Get(request.id()).state(), "voided");
  EXPECT_THAT(Get(request.id()).state_comment(), HasSubstr("by ana"));
}

TEST_F(ChangeRequestsApiTest, OnlyADraftThatPassesItsCheckOnTheRevisionSeenIsSubmitted) {
  v1::ChangeRequest request;
  // A revision other than the draft's: someone changed it since.
  EXPECT_THAT(Submit(&request, "mei", 1), StatusIs(absl::StatusCode::kAborted, "is at revision 2"));
  // The seeds' tests say 35 is young: a draft where it is not fails them.
  ASSERT_THAT(Value("30"), IsOk());
  EXPECT_THAT(Submit(&request),
              StatusIs(absl::StatusCode::kFailedPrecondition, "does not pass its check"));
  EXPECT_THAT(Submit(&request), StatusIs(absl::StatusCode::kFailedPrecondition, "tests: failing"));
  ASSERT_THAT(Value("\"forty\""), IsOk());
  EXPECT_THAT(Submit(&request), StatusIs(absl::StatusCode::kFailedPrecondition, "loads:"));
  v1::ListChangeRequestsRequest list;
  v1::ListChangeRequestsResponse listed;
  ASSERT_THAT(api_->ListChangeRequests(list, &listed), IsOk());
  EXPECT_THAT(listed.requests(), SizeIs(0));
}

TEST_F(ChangeRequestsApiTest, RejectedWithAReasonOrWithdrawnByItsAuthor) {
  v1::ChangeRequest request;
  ASSERT_THAT(Submit(&request), IsOk());
  v1::ReviewChangeRequestRequest reject;
  reject.set_id(request.id());
  v1::ChangeRequest after;
  EXPECT_THAT(api_->RejectChangeRequest(reject, "lee", &after),
              StatusIs(absl::StatusCode::kInvalidArgument, "say why"));
  reject.set_comment("not before the weekend");
  EXPECT_THAT(api_->RejectChangeRequest(reject, "mei", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "withdraw it instead"));
  ASSERT_THAT(api_->RejectChangeRequest(reject, "lee", &after), IsOk());
  EXPECT_EQ(after.state(), "rejected");
  EXPECT_EQ(after.state_comment(), "not before the weekend");

  // A rejected draft may be submitted again, and withdrawn by its author only.
  v1::ChangeRequest again;
  ASSERT_THAT(Submit(&again), IsOk());
  v1::WithdrawChangeRequestRequest withdraw;
  withdraw.set_id(again.id());
  EXPECT_THAT(api_->WithdrawChangeRequest(withdraw, "lee", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "only they may withdraw"));
  ASSERT_THAT(api_->WithdrawChangeRequest(withdraw, "mei", &after), IsOk());
  EXPECT_EQ(after.state(), "withdrawn");
  EXPECT_THAT(api_->WithdrawChangeRequest(withdraw, "mei", &after),
              StatusIs(absl::StatusCode::kFailedPrecondition, "only a pending one"));

  // Listed newest first, by state.
  v1::ListChangeRequestsRequest list;
  v1::ListChangeRequestsResponse listed;
  ASSERT_THAT(api_->ListChangeRequests(list, &listed), IsOk());
  ASSERT_THAT(listed.requests(), SizeIs(2));
  EXPECT_EQ(listed.requests(0).id(), again.id());
  EXPECT_THAT(listed.requests(0).events(), SizeIs(0));
  list.set_state("rejected");
  listed.Clear();
  ASSERT_THAT(api_->ListChangeRequests(list, &listed), IsOk());
  ASSERT_THAT(listed.requests(), SizeIs(1));
  EXPECT_EQ(listed.requests(0).id(), request.id());
}

TEST_F(ChangeRequestsApiTest, BadRequestsAreRefusedNamingTheField) {
  v1::ChangeRequest out;
  v1::SubmitChangeRequestRequest submit;
  EXPECT_THAT(api_->SubmitChangeRequest(submit, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "draft_id"));
  submit.set_draft_id(draft_.summary().id());
  EXPECT_THAT(api_->SubmitChangeRequest(submit, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "draft_revision"));
  submit.set_draft_revision(2);
  submit.set_comment(std::string(2001, 'x'));
  EXPECT_THAT(api_->SubmitChangeRequest(submit, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "comment"));
  submit.set_draft_id(draft_.summary().id() + 100);
  submit.set_comment("");
  EXPECT_THAT(api_->SubmitChangeRequest(submit, "mei", &out),
              StatusIs(absl::StatusCode::kNotFound, "draft"));
  EXPECT_THAT(Approve(0, "lee", &out), StatusIs(absl::StatusCode::kInvalidArgument, "id"));
  EXPECT_THAT(Approve(99, "lee", &out), StatusIs(absl::StatusCode::kNotFound, "change request 99"));
  v1::ListChangeRequestsRequest list;
  list.set_state("pending");
  v1::ListChangeRequestsResponse listed;
  EXPECT_THAT(api_->ListChangeRequests(list, &listed),
              StatusIs(absl::StatusCode::kInvalidArgument, "state"));
  list.set_state("");
  list.set_limit(1001);
  EXPECT_THAT(api_->ListChangeRequests(list, &listed),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));
}

}  // namespace
}  // namespace clientele::server
