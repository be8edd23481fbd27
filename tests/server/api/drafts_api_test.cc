// Rule drafts through the API class in process (no gRPC), on the default
// ruleset: a draft starts as a copy of a kept version, a parameter's value
// or comment is edited in place (the rest of the file byte for byte as it
// was), files are written whole or deleted, and every change names the
// revision it was made on: a change made on an older one is refused and
// changes nothing. The draft is shown with what loading it finds.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/replaced.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::Replaced;
using ::clientele::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const v1::DraftFile* FileOf(const v1::Draft& draft, const std::string& name) {
  for (const v1::DraftFile& file : draft.files()) {
    if (file.name() == name) return &file;
  }
  return nullptr;
}

const v1::DraftParameter* ParameterOf(const v1::Draft& draft, const std::string& name) {
  for (const v1::DraftParameter& parameter : draft.parameters()) {
    if (parameter.name() == name) return &parameter;
  }
  return nullptr;
}

class DraftsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::InProcessApis>();
    ASSERT_NE(server_->apis(), nullptr);
    api_ = &server_->apis()->drafts;
    ASSERT_NO_FATAL_FAILURE(Create("双十一 thresholds", &draft_));
  }

  void Create(const std::string& title, v1::Draft* out) {
    v1::CreateDraftRequest request;
    request.set_title(title);
    ASSERT_THAT(api_->CreateDraft(request, "mei", out), IsOk());
  }

  std::string ServedVersion() const { return server_->holder().Current()->ruleset->version(); }

  absl::Status SetValue(int64_t revision, const std::string& name, const std::string& value,
                        v1::Draft* out, const std::string& file = "parameters.yaml",
                        std::string_view caller = "mei") {
    v1::EditDraftRequest request;
    request.set_id(draft_.summary().id());
    request.set_revision(revision);
    request.mutable_set_parameter_value()->set_file(file);
    request.mutable_set_parameter_value()->set_name(name);
    request.mutable_set_parameter_value()->set_value(value);
    return api_->EditDraft(request, caller, out);
  }

  v1::Draft Reread() {
    v1::GetDraftRequest request;
    request.set_id(draft_.summary().id());
    v1::Draft read;
    EXPECT_THAT(api_->GetDraft(request, &read), IsOk());
    return read;
  }

  std::unique_ptr<testing::InProcessApis> server_;
  DraftsApi* api_ = nullptr;
  v1::Draft draft_;
};

TEST_F(DraftsApiTest, ADraftStartsAsACopyOfTheVersionServed) {
  const v1::DraftSummary& summary = draft_.summary();
  EXPECT_GT(summary.id(), 0);
  EXPECT_EQ(summary.title(), "双十一 thresholds");
  EXPECT_EQ(summary.author(), "mei");
  EXPECT_EQ(summary.updated_by(), "mei");
  EXPECT_EQ(summary.revision(), 1);
  EXPECT_EQ(summary.base_version(), ServedVersion());
  // The same files: the same version, loading cleanly.
  EXPECT_EQ(draft_.version(), ServedVersion());
  EXPECT_EQ(draft_.errors(), 0);
  ASSERT_NE(FileOf(draft_, "parameters.yaml"), nullptr);
  ASSERT_NE(FileOf(draft_, "tests.yaml"), nullptr);
  // The parameters as table rows, with the rules that read them.
  ASSERT_EQ(draft_.parameters_size(), 11);
  const v1::DraftParameter& young = *ParameterOf(draft_, "young_age_limit");
  EXPECT_EQ(young.value(), "40");
  EXPECT_EQ(young.file(), "parameters.yaml");
  EXPECT_TRUE(young.editable());
  EXPECT_THAT(young.comment(), HasSubstr("under this age counts as young"));
  EXPECT_THAT(young.read_by(), Contains("segmentation life_stage young_low_income"));
  EXPECT_EQ(ParameterOf(draft_, "loyal_min_amount")->comment(), "");
  EXPECT_THAT(ParameterOf(draft_, "loyal_min_amount")->group_comment(),
              HasSubstr("按购买行为分类"));
}

TEST_F(DraftsApiTest, CreatingNeedsATitleAndAKeptVersion) {
  v1::Draft out;
  v1::CreateDraftRequest request;
  EXPECT_THAT(api_->CreateDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "title"));
  request.set_title(std::string(201, 'x'));
  EXPECT_THAT(api_->CreateDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "title"));
  request.set_title("t");
  request.set_from_version("abcdef123456");
  EXPECT_THAT(api_->CreateDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kNotFound, "was never served here"));
  request.set_from_version("xyz!");
  EXPECT_THAT(api_->CreateDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "from_version"));
  // From a version by its first digits.
  request.set_from_version(ServedVersion().substr(0, 6));
  ASSERT_THAT(api_->CreateDraft(request, "ana", &out), IsOk());
  EXPECT_EQ(out.summary().base_version(), ServedVersion());
  EXPECT_EQ(out.summary().author(), "ana");
}

TEST_F(DraftsApiTest, AValueEditChangesThatValueOnlyAndCountsARevision) {
  const std::string before = FileOf(draft_, "parameters.yaml")->text();
  v1::Draft after;
  ASSERT_THAT(SetValue(1, "young_age_limit", "35", &after, "parameters.yaml", "ana"), IsOk());
  EXPECT_EQ(FileOf(after, "parameters.yaml")->text(),
            Replaced(before, "young_age_limit: 40", "young_age_limit: 35"));
  EXPECT_EQ(after.summary().revision(), 2);
  EXPECT_EQ(after.summary().updated_by(), "ana");
  EXPECT_EQ(after.summary().author(), "mei");
  EXPECT_EQ(ParameterOf(after, "young_age_limit")->value(), "35");
  EXPECT_EQ(ParameterOf(after, "young_age_limit")->comment(),
            ParameterOf(draft_, "young_age_limit")->comment());
  // Another version, still loading; the other files as they were.
  EXPECT_NE(after.version(), draft_.version());
  EXPECT_FALSE(after.version().empty());
  EXPECT_EQ(FileOf(after, "segments.yaml")->text(), FileOf(draft_, "segments.yaml")->text());
  // Kept: read back the same.
  EXPECT_EQ(Reread().SerializeAsString(), after.SerializeAsString());
}

TEST_F(DraftsApiTest, AChangeMadeOnAnOlderRevisionIsRefusedAndChangesNothing) {
  v1::Draft after;
  ASSERT_THAT(SetValue(1, "young_age_limit", "35", &after, "parameters.yaml", "ana"), IsOk());
  v1::Draft stale;
  EXPECT_THAT(SetValue(1, "review_step", "0.2", &stale),
              StatusIs(absl::StatusCode::kAborted, "changed meanwhile (now revision 2, by ana"));
  EXPECT_EQ(Reread().SerializeAsString(), after.SerializeAsString());
  v1::DeleteDraftRequest remove;
  remove.set_id(draft_.summary().id());
  remove.set_revision(1);
  v1::DeleteDraftResponse removed;
  EXPECT_THAT(api_->DeleteDraft(remove, "mei", &removed), StatusIs(absl::StatusCode::kAborted, ""));
  EXPECT_EQ(Reread().summary().revision(), 2);
}

TEST_F(DraftsApiTest, ABadValueIsRefusedNamingTheFieldAndChangesNothing) {
  v1::Draft out;
  EXPECT_THAT(SetValue(1, "young_age_limit", "40 # years", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "set_parameter_value.value"));
  EXPECT_THAT(SetValue(1, "young_age_limit", "a: b", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "put it in quotes"));
  EXPECT_THAT(SetValue(1, "no_such_parameter", "1", &out),
              StatusIs(absl::StatusCode::kNotFound, "no parameter 'no_such_parameter'"));
  EXPECT_THAT(SetValue(1, "young_age_limit", "1", &out, "nope.yaml"),
              StatusIs(absl::StatusCode::kNotFound, "has no file 'nope.yaml'"));
  EXPECT_THAT(SetValue(1, "young_age_limit", std::string("1\x01", 2), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "set_parameter_value.value"));
  EXPECT_EQ(Reread().summary().revision(), 1);
}

TEST_F(DraftsApiTest, AnEditThatBreaksTheRulesIsKeptAndShownWithItsDiagnostic) {
  // Text where the rules compare a number: the loader's business, at its place.
  v1::Draft after;
  ASSERT_THAT(SetValue(1, "young_age_limit", "\"forty\"", &after), IsOk());
  EXPECT_GT(after.errors(), 0);
  EXPECT_EQ(after.version(), "");
  bool named = false;
  for (const v1::RuleDiagnostic& d : after.diagnostics()) {
    if (d.severity() == "error" && d.message().find("young_age_limit") != std::string::npos) {
      named = true;
      EXPECT_THAT(d.rendered(), HasSubstr("^"));
    }
  }
  EXPECT_TRUE(named);
  // The table still shows the parameters, without their readers.
  EXPECT_EQ(ParameterOf(after, "young_age_limit")->value(), "\"forty\"");
  EXPECT_THAT(ParameterOf(after, "young_age_limit")->read_by(), IsEmpty());
}

TEST_F(DraftsApiTest, CommentsTitlesAndWholeFiles) {
  v1::EditDraftRequest request;
  request.set_id(draft_.summary().id());
  request.set_revision(1);
  request.mutable_set_parameter_comment()->set_file("parameters.yaml");
  request.mutable_set_parameter_comment()->set_name("loyal_min_amount");
  request.mutable_set_parameter_comment()->set_comment("元, 2027 plan");
  v1::Draft out;
  ASSERT_THAT(api_->EditDraft(request, "mei", &out), IsOk());
  EXPECT_EQ(ParameterOf(out, "loyal_min_amount")->comment(), "元, 2027 plan");
  EXPECT_THAT(FileOf(out, "parameters.yaml")->text(),
              HasSubstr("  # 元, 2027 plan\n  loyal_min_amount: 500\n"));

  request.Clear();
  request.set_id(draft_.summary().id());
  request.set_revision(2);
  request.set_title("双十一 v2");
  ASSERT_THAT(api_->EditDraft(request, "mei", &out), IsOk());
  EXPECT_EQ(out.summary().title(), "双十一 v2");
  const std::string commented = out.version();  // a title is not part of the files

  // A new file, kept in name order; then deleted.
  request.Clear();
  request.set_id(draft_.summary().id());
  request.set_revision(3);
  request.mutable_put_file()->set_name("more.yaml");
  request.mutable_put_file()->set_text("kind: parameters\nparameters:\n  extra_limit: 3\n");
  ASSERT_THAT(api_->EditDraft(request, "mei", &out), IsOk());
  std::vector<std::string> names;
  for (const v1::DraftFile& file : out.files()) names.push_back(file.name());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(FileOf(out, "more.yaml"), nullptr);
  EXPECT_NE(ParameterOf(out, "extra_limit"), nullptr);
  request.Clear();
  request.set_id(draft_.summary().id());
  request.set_revision(4);
  request.set_delete_file("more.yaml");
  ASSERT_THAT(api_->EditDraft(request, "mei", &out), IsOk());
  EXPECT_EQ(FileOf(out, "more.yaml"), nullptr);
  EXPECT_EQ(out.version(), commented);  // back to the files before

  // Names that are no rule file's.
  for (const char* name : {"../x.yaml", "a/b.yaml", ".hidden.yaml", "notes.txt", ""}) {
    request.Clear();
    request.set_id(draft_.summary().id());
    request.set_revision(5);
    request.mutable_put_file()->set_name(name);
    EXPECT_THAT(api_->EditDraft(request, "mei", &out),
                StatusIs(absl::StatusCode::kInvalidArgument, "put_file.name"))
        << name;
  }
  request.Clear();
  request.set_id(draft_.summary().id());
  request.set_revision(5);
  EXPECT_THAT(api_->EditDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "give one change"));
  request.set_id(0);
  request.set_title("x");
  EXPECT_THAT(api_->EditDraft(request, "mei", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "id"));
  request.set_id(draft_.summary().id() + 100);
  EXPECT_THAT(api_->EditDraft(request, "mei", &out), StatusIs(absl::StatusCode::kNotFound, ""));
}

TEST_F(DraftsApiTest, ListedNewestFirstAndDeletedOnTheirRevision) {
  v1::Draft second;
  ASSERT_NO_FATAL_FAILURE(Create("second", &second));
  v1::ListDraftsRequest list;
  v1::ListDraftsResponse listed;
  ASSERT_THAT(api_->ListDrafts(list, &listed), IsOk());
  std::vector<std::string> titles;
  for (const v1::DraftSummary& summary : listed.drafts()) titles.push_back(summary.title());
  EXPECT_THAT(titles, ElementsAre("second", "双十一 thresholds"));
  list.set_limit(1001);
  EXPECT_THAT(api_->ListDrafts(list, &listed),
              StatusIs(absl::StatusCode::kInvalidArgument, "limit"));

  v1::DeleteDraftRequest remove;
  remove.set_id(second.summary().id());
  remove.set_revision(1);
  v1::DeleteDraftResponse removed;
  ASSERT_THAT(api_->DeleteDraft(remove, "mei", &removed), IsOk());
  v1::GetDraftRequest get;
  get.set_id(second.summary().id());
  v1::Draft gone;
  EXPECT_THAT(api_->GetDraft(get, &gone), StatusIs(absl::StatusCode::kNotFound, "not found"));
  EXPECT_THAT(api_->DeleteDraft(remove, "mei", &removed),
              StatusIs(absl::StatusCode::kNotFound, ""));
}

// The console's "Try a customer" against a draft: Evaluate with draft_id
// decides with the draft's files, not the served ones.
TEST_F(DraftsApiTest, ACustomerIsTriedAgainstADraftsRules) {
  v1::Draft edited;
  ASSERT_THAT(SetValue(1, "young_age_limit", "30", &edited), IsOk());
  v1::EvaluateRequest request;
  request.mutable_customer()->set_id("trial");
  request.mutable_customer()->set_age(35);
  request.mutable_customer()->set_consumption("low");
  request.set_explain(true);
  auto life_stage = [](const v1::EvaluateResponse& response) {
    for (const v1::Segment& s : response.decision().segments()) {
      if (s.dimension() == "life_stage") return s.rule_id();
    }
    return std::string("none");
  };
  v1::EvaluateResponse served;
  ASSERT_THAT(server_->apis()->decisions.Evaluate(request, &served), IsOk());
  EXPECT_EQ(life_stage(served), "young_low_income");
  EXPECT_EQ(served.decision().ruleset_version(), ServedVersion());

  request.set_draft_id(draft_.summary().id());
  v1::EvaluateResponse drafted;
  ASSERT_THAT(server_->apis()->decisions.Evaluate(request, &drafted), IsOk());
  EXPECT_NE(life_stage(drafted), "young_low_income");
  EXPECT_EQ(drafted.decision().ruleset_version(), edited.version());
  EXPECT_NE(drafted.decision().explanation_size(), 0);

  // A draft that does not load says why; no such draft; not an id.
  ASSERT_THAT(SetValue(2, "young_age_limit", "\"forty\"", &edited), IsOk());
  ASSERT_GT(edited.errors(), 0);
  EXPECT_THAT(server_->apis()->decisions.Evaluate(request, &drafted),
              StatusIs(absl::StatusCode::kFailedPrecondition, "segments.yaml:"));
  request.set_draft_id(draft_.summary().id() + 100);
  EXPECT_THAT(server_->apis()->decisions.Evaluate(request, &drafted),
              StatusIs(absl::StatusCode::kNotFound, "not found"));
  request.set_draft_id(-1);
  EXPECT_THAT(server_->apis()->decisions.Evaluate(request, &drafted),
              StatusIs(absl::StatusCode::kInvalidArgument, "draft_id"));
}

class DraftCheckTest : public DraftsApiTest {
 protected:
  void SetUp() override {
    DraftsApiTest::SetUp();
    // Young low-income customers of 25 and 35, and one of 50.
    int n = 0;
    for (int age : {25, 35, 50}) {
      v1::UpsertCustomerRequest request;
      request.set_idempotency_key("check-" + std::to_string(++n));
      request.mutable_customer()->set_id("c-" + std::to_string(age));
      request.mutable_customer()->set_age(age);
      request.mutable_customer()->set_consumption("low");
      v1::UpsertCustomerResponse response;
      ASSERT_THAT(server_->apis()->customers.UpsertCustomer(request, &response), IsOk());
    }
  }

  v1::DraftCheck Check() {
    v1::CheckDraftRequest request;
    request.set_id(draft_.summary().id());
    request.set_today("2026-12-01");
    request.set_examples(5);
    v1::DraftCheck check;
    EXPECT_THAT(api_->CheckDraft(request, &check), IsOk());
    return check;
  }

  absl::Status PutFile(int64_t revision, const std::string& name, const std::string& text,
                       v1::Draft* out) {
    v1::EditDraftRequest request;
    request.set_id(draft_.summary().id());
    request.set_revision(revision);
    request.mutable_put_file()->set_name(name);
    request.mutable_put_file()->set_text(text);
    return api_->EditDraft(request, "mei", out);
  }

  static const v1::DraftCheckStep* StepOf(const v1::DraftCheck& check, const std::string& name) {
    for (const v1::DraftCheckStep& step : check.steps()) {
      if (step.name() == name) return &step;
    }
    return nullptr;
  }
};

TEST_F(DraftCheckTest, AnUnchangedDraftPassesEveryCheckAndChangesNothing) {
  const v1::DraftCheck check = Check();
  EXPECT_TRUE(check.passed());
  EXPECT_EQ(check.version(), ServedVersion());
  EXPECT_EQ(check.serving_version(), ServedVersion());
  EXPECT_EQ(check.summary().revision(), 1);
  ASSERT_EQ(check.steps_size(), 3);
  EXPECT_EQ(check.steps(0).name(), "loads");
  EXPECT_EQ(check.steps(1).name(), "tests");
  EXPECT_EQ(check.steps(2).name(), "simulation");
  ASSERT_EQ(check.tests_size(), 1);  // the seeds have no dated offer
  EXPECT_EQ(check.tests(0).day(), "2026-12-01");
  EXPECT_GT(check.tests(0).passed(), 0);
  EXPECT_EQ(check.simulation().customers(), 3);
  EXPECT_THAT(check.changes(), IsEmpty());
  EXPECT_THAT(check.changes_text(), HasSubstr("no rule changed"));
}

TEST_F(DraftCheckTest, AChangedThresholdShowsItsDiffAndWhoMoves) {
  v1::Draft edited;
  ASSERT_THAT(SetValue(1, "young_age_limit", "30", &edited), IsOk());
  const v1::DraftCheck check = Check();
  EXPECT_EQ(check.version(), edited.version());
  ASSERT_EQ(check.changes_size(), 1);
  EXPECT_EQ(check.changes(0).kind(), "changed");
  EXPECT_THAT(check.changes(0).rule(), HasSubstr("young_age_limit"));
  EXPECT_THAT(check.changes(0).details(), Contains(HasSubstr("40 → 30")));
  // The customer of 35 leaves 年轻低收入群体, and its offer with it.
  bool moved = false;
  for (const v1::DimensionSimulation& d : check.simulation().dimensions()) {
    for (const v1::SegmentMovement& m : d.movements()) {
      if (m.from() == "年轻低收入群体" && m.to() != m.from()) {
        moved = true;
        EXPECT_THAT(m.examples(), ElementsAre("c-35"));
      }
    }
  }
  EXPECT_TRUE(moved);
  bool lost = false;
  for (const v1::OfferSimulation& offer : check.simulation().offers()) {
    if (offer.offer() == "满100减20") {
      lost = offer.lost() == 1;
      EXPECT_THAT(offer.lost_examples(), ElementsAre("c-35"));
    }
  }
  EXPECT_TRUE(lost);
  // The seed's own tests say 35 is young: they fail, so it may not go out.
  EXPECT_FALSE(StepOf(check, "tests")->passed());
  EXPECT_FALSE(check.passed());
}

// A test that holds on an ordinary day and fails during a campaign is
// found on the campaign's own days.
TEST_F(DraftCheckTest, TestsRunOnEachCampaignsFirstAndLastDay) {
  v1::Draft edited;
  const std::string offers = FileOf(draft_, "offers.yaml")->text() + R"(  - id: black_friday
    when: true
    offer: 黑五满200减50
    stacking: stackable
    valid_from: 2026-11-27
    valid_until: 2026-11-30
    value: {amount_off: 50, min_amount: 200}
)";
  ASSERT_THAT(PutFile(1, "offers.yaml", offers, &edited), IsOk());
  ASSERT_EQ(edited.errors(), 0) << edited.diagnostics(0).rendered();
  ASSERT_THAT(PutFile(2, "campaign_tests.yaml", R"(kind: tests
cases:
  - name: no Black Friday offer for a customer of no segment
    customer: {age: 50, consumption: mid}
    expect:
      offers: {excludes: [黑五满200减50]}
)",
                      &edited),
              IsOk());
  const v1::DraftCheck check = Check();
  ASSERT_EQ(check.tests_size(), 3);
  EXPECT_EQ(check.tests(0).day(), "2026-12-01");
  EXPECT_EQ(check.tests(0).failed(), 0);
  EXPECT_EQ(check.tests(1).day(), "2026-11-27");
  EXPECT_EQ(check.tests(1).why(), "black_friday starts");
  // The new case fails on the campaign's days, and so do the seeds'
  // cases that expect exactly the offers of customers of no segment.
  auto failing_files = [](const v1::DraftTestRun& run) {
    std::vector<std::string> files;
    for (const v1::RuleDiagnostic& d : run.failures()) files.push_back(d.file());
    return files;
  };
  EXPECT_EQ(check.tests(1).failed(), 3);
  EXPECT_THAT(failing_files(check.tests(1)), Contains("campaign_tests.yaml"));
  EXPECT_THAT(failing_files(check.tests(1)), Contains("tests.yaml"));
  EXPECT_EQ(check.tests(2).day(), "2026-11-30");
  EXPECT_EQ(check.tests(2).why(), "black_friday ends");
  EXPECT_EQ(check.tests(2).failed(), 3);
  EXPECT_FALSE(StepOf(check, "tests")->passed());
  EXPECT_THAT(StepOf(check, "tests")->summary(), HasSubstr("2026-11-27 (black_friday starts)"));
  EXPECT_FALSE(check.passed());
  // The diff names the new offer.
  bool added = false;
  for (const v1::DraftRuleChange& change : check.changes()) {
    added = added ||
            (change.kind() == "added" && change.rule().find("black_friday") != std::string::npos);
  }
  EXPECT_TRUE(added) << check.changes_text();
}

// The cost in money: a new 10 off for everyone, and a point value.
TEST_F(DraftCheckTest, TheCostOfAChangeInMoney) {
  v1::Draft edited;
  const std::string offers = FileOf(draft_, "offers.yaml")->text() + R"(  - id: welcome
    when: true
    offer: 立减10元
    stacking: stackable
    value: {amount_off: 10}
)";
  ASSERT_THAT(PutFile(1, "offers.yaml", offers, &edited), IsOk());
  ASSERT_EQ(edited.errors(), 0) << edited.diagnostics(0).rendered();
  const std::string loyalty = FileOf(draft_, "loyalty.yaml")->text();
  ASSERT_EQ(loyalty.find("\npoints:"), std::string::npos);  // no points section yet
  ASSERT_THAT(PutFile(2, "loyalty.yaml", loyalty + "points:\n  point_value: 0.01\n", &edited),
              IsOk());
  ASSERT_EQ(edited.errors(), 0) << edited.diagnostics(0).rendered();
  const v1::DraftCheck check = Check();
  const v1::ChangeCost& cost = check.cost();
  EXPECT_EQ(cost.period_from(), "2026-11-02");
  EXPECT_EQ(cost.period_to(), "2026-12-01");
  // The draft's point value prices both sides.
  EXPECT_EQ(cost.before().point_value(), "0.01");
  EXPECT_EQ(cost.after().point_value(), "0.01");
  ASSERT_EQ(cost.offers_size(), 1);
  const v1::OfferCost& welcome = cost.offers(0);
  EXPECT_EQ(welcome.offer(), "立减10元");
  EXPECT_EQ(welcome.customers_before(), 0);
  // The young two keep their exclusive 满100减20 instead: one customer.
  EXPECT_EQ(welcome.customers_after(), 1);
  EXPECT_EQ(welcome.worth_after(), "10");
  EXPECT_EQ(welcome.redemption_rate(), "1");
  EXPECT_THAT(welcome.basis(), HasSubstr("upper bound"));
  EXPECT_EQ(welcome.money_after(), "10");
  EXPECT_EQ(cost.before().total(), "0");
  EXPECT_EQ(cost.after().total(), "10");
  EXPECT_EQ(cost.difference(), "10");
  EXPECT_THAT(cost.notes(), Contains(HasSubstr("the served rules set none")));
}

// Past 24 campaign days, the coming ones are tested first and the rest
// are said to be left out.
TEST_F(DraftCheckTest, AtMost24CampaignDaysAreTestedTheComingOnesFirst) {
  std::string offers = FileOf(draft_, "offers.yaml")->text();
  for (int i = 1; i <= 15; ++i) {  // 30 days: 11-01..11-15 and 12-02..12-16
    const std::string day = i < 10 ? "0" + std::to_string(i) : std::to_string(i);
    const std::string later = i + 1 < 10 ? "0" + std::to_string(i + 1) : std::to_string(i + 1);
    offers += "  - id: day_" + std::to_string(i) + "\n    when: true\n    offer: 日" +
              std::to_string(i) + "\n    stacking: stackable\n    valid_from: 2026-11-" + day +
              "\n    valid_until: 2026-12-" + later + "\n";
  }
  v1::Draft edited;
  ASSERT_THAT(PutFile(1, "offers.yaml", offers, &edited), IsOk());
  ASSERT_EQ(edited.errors(), 0) << edited.diagnostics(0).rendered();
  const v1::DraftCheck check = Check();  // on 2026-12-01
  ASSERT_EQ(check.tests_size(), 25);
  EXPECT_EQ(check.tests(0).day(), "2026-12-01");
  // The 15 ends to come, then the 9 latest starts.
  EXPECT_EQ(check.tests(1).day(), "2026-11-07");
  EXPECT_EQ(check.tests(24).day(), "2026-12-16");
  EXPECT_THAT(StepOf(check, "tests")->summary(), HasSubstr("6 more campaign days not tested"));
}

TEST_F(DraftCheckTest, ADraftThatDoesNotLoadFailsWithoutRunningTheRest) {
  v1::Draft edited;
  ASSERT_THAT(SetValue(1, "young_age_limit", "\"forty\"", &edited), IsOk());
  const v1::DraftCheck check = Check();
  EXPECT_FALSE(check.passed());
  EXPECT_EQ(check.version(), "");
  ASSERT_EQ(check.steps_size(), 3);
  EXPECT_FALSE(check.steps(0).passed());
  EXPECT_THAT(check.steps(0).summary(), HasSubstr("segments.yaml:"));
  EXPECT_THAT(check.steps(1).summary(), HasSubstr("not run"));
  EXPECT_THAT(check.steps(2).summary(), HasSubstr("not run"));
  EXPECT_FALSE(check.has_simulation());
  EXPECT_GT(check.diagnostics_size(), 0);
  EXPECT_EQ(check.changes_size(), 1);  // what changed is still shown
}

TEST_F(DraftCheckTest, BadRequestsAreRefused) {
  v1::DraftCheck check;
  v1::CheckDraftRequest request;
  EXPECT_THAT(api_->CheckDraft(request, &check),
              StatusIs(absl::StatusCode::kInvalidArgument, "id"));
  request.set_id(draft_.summary().id() + 100);
  EXPECT_THAT(api_->CheckDraft(request, &check),
              StatusIs(absl::StatusCode::kNotFound, "not found"));
  request.set_id(draft_.summary().id());
  request.set_today("2026-13-01");
  EXPECT_THAT(api_->CheckDraft(request, &check),
              StatusIs(absl::StatusCode::kInvalidArgument, "today"));
  request.set_today("");
  request.set_examples(101);
  EXPECT_THAT(api_->CheckDraft(request, &check),
              StatusIs(absl::StatusCode::kInvalidArgument, "examples"));
}

class DraftSheetTest : public DraftsApiTest {
 protected:
  v1::ExportDraftParametersResponse Export() {
    v1::ExportDraftParametersRequest request;
    request.set_id(draft_.summary().id());
    v1::ExportDraftParametersResponse sheet;
    EXPECT_THAT(api_->ExportDraftParameters(request, &sheet), IsOk());
    return sheet;
  }
  absl::Status Import(const std::string& csv, int64_t revision, v1::Draft* out) {
    v1::ImportDraftParametersRequest request;
    request.set_id(draft_.summary().id());
    request.set_revision(revision);
    request.set_csv(csv);
    return api_->ImportDraftParameters(request, "ana", out);
  }
};

TEST_F(DraftSheetTest, TheSheetHasEveryParameterWithItsCommentAndReaders) {
  const v1::ExportDraftParametersResponse sheet = Export();
  EXPECT_EQ(sheet.file_name(),
            "draft-" + std::to_string(draft_.summary().id()) + "-parameters.csv");
  EXPECT_EQ(sheet.revision(), 1);
  EXPECT_TRUE(
      sheet.csv().starts_with("\xEF\xBB\xBF"
                              "file,name,value,comment,read_by\r\n"));
  EXPECT_THAT(sheet.csv(),
              HasSubstr("parameters.yaml,young_age_limit,40,"
                        "年龄 × 消费能力 (customer_segmentation): under this age counts as young.,"
                        "\"segmentation life_stage young_low_income\n"));
  // A comment over two lines, quoted.
  EXPECT_THAT(sheet.csv(), HasSubstr("high_value_min_frequency,10,\"按购买行为分类"));
}

TEST_F(DraftSheetTest, ARoundTripChangesNothingAndEditsLandInPlaceInOneRevision) {
  const std::string exported = Export().csv();
  v1::Draft same;
  ASSERT_THAT(Import(exported, 1, &same), IsOk());
  EXPECT_EQ(same.summary().revision(), 1);  // nothing differed: nothing written
  EXPECT_EQ(same.version(), draft_.version());

  // As a spreadsheet saves it: LF line ends, no byte order mark; two
  // values and a comment changed, rows left out, read_by ignored.
  std::string edited = Replaced(exported.substr(3), "young_age_limit,40,", "young_age_limit,35,");
  edited = Replaced(edited, "review_step,0.1,", "review_step,0.15,");
  edited = Replaced(edited, "loyal_min_amount,500,,", "loyal_min_amount,500,元,");
  std::string lf;
  for (char c : edited) {
    if (c != '\r') lf += c;
  }
  v1::Draft after;
  ASSERT_THAT(Import(lf, 1, &after), IsOk());
  EXPECT_EQ(after.summary().revision(), 2);
  EXPECT_EQ(after.summary().updated_by(), "ana");
  std::string expected = FileOf(draft_, "parameters.yaml")->text();
  expected = Replaced(expected, "young_age_limit: 40", "young_age_limit: 35");
  expected = Replaced(expected, "review_step: 0.1", "review_step: 0.15");
  expected = Replaced(expected, "  loyal_min_amount: 500\n", "  # 元\n  loyal_min_amount: 500\n");
  EXPECT_EQ(FileOf(after, "parameters.yaml")->text(), expected);
  // Exported again, the sheet says what was imported.
  EXPECT_THAT(Export().csv(), HasSubstr("young_age_limit,35,"));
  // Blanks around a value change no file, so no revision.
  v1::Draft blanks;
  ASSERT_THAT(
      Import(Replaced(Export().csv(), "young_age_limit,35,", "young_age_limit, 35 ,"), 2, &blanks),
      IsOk());
  EXPECT_EQ(blanks.summary().revision(), 2);
}

TEST_F(DraftSheetTest, ACommentASpreadsheetWouldRunIsExportedAsText) {
  v1::EditDraftRequest request;
  request.set_id(draft_.summary().id());
  request.set_revision(1);
  request.mutable_set_parameter_comment()->set_file("parameters.yaml");
  request.mutable_set_parameter_comment()->set_name("loyal_min_amount");
  request.mutable_set_parameter_comment()->set_comment("=HYPERLINK(\"http://x\")");
  v1::Draft out;
  ASSERT_THAT(api_->EditDraft(request, "mei", &out), IsOk());
  const std::string sheet = Export().csv();
  EXPECT_THAT(sheet, HasSubstr("loyal_min_amount,500,\"'=HYPERLINK(\"\"http://x\"\")\""));
  // Brought back as exported (or without the apostrophe): no change.
  v1::Draft same;
  ASSERT_THAT(Import(sheet, 2, &same), IsOk());
  EXPECT_EQ(same.summary().revision(), 2);
  ASSERT_THAT(Import(Replaced(sheet, "\"'=HYPERLINK", "\"=HYPERLINK"), 2, &same), IsOk());
  EXPECT_EQ(same.summary().revision(), 2);
  EXPECT_EQ(ParameterOf(same, "loyal_min_amount")->comment(), "=HYPERLINK(\"http://x\")");
}

TEST_F(DraftSheetTest, EveryProblemIsListedWithItsLineAndNothingChanges) {
  std::string sheet = Export().csv();
  sheet = Replaced(sheet, "young_age_limit,40,", "young_age_limit,40 # years,");
  sheet = Replaced(sheet, "review_step,0.1,", "review_step,0.2,");  // fine, but not alone
  sheet += "parameters.yaml,new_one,1,,\r\n";
  v1::Draft out;
  absl::Status refused = Import(sheet, 1, &out);
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kInvalidArgument, "2 problems; nothing was changed"));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument, "line 2 (young_age_limit): "));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument,
                                "line 17 (new_one): the draft has no parameter"));
  EXPECT_EQ(Reread().summary().revision(), 1);
  EXPECT_EQ(Reread().files(0).text(), draft_.files(0).text());

  EXPECT_THAT(Import("name,value\r\nx,1\r\n", 1, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs the column 'file'"));
  EXPECT_THAT(Import("file,name,value,comment,colour\r\n", 1, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "'colour' is not a column"));
  EXPECT_THAT(Import("file,name\r\n\"open", 1, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "never closed"));
  EXPECT_THAT(Import("", 1, &out), StatusIs(absl::StatusCode::kInvalidArgument, "csv"));
  std::string twice = Export().csv();
  twice += twice.substr(twice.find("parameters.yaml,young_age_limit"),
                        twice.find("\r\n", twice.find("parameters.yaml,young_age_limit")) + 2 -
                            twice.find("parameters.yaml,young_age_limit"));
  EXPECT_THAT(Import(twice, 1, &out), StatusIs(absl::StatusCode::kInvalidArgument, "twice"));
  // A sheet of an older revision.
  v1::Draft changed;
  ASSERT_THAT(SetValue(1, "review_step", "0.3", &changed), IsOk());
  EXPECT_THAT(Import(Export().csv(), 1, &out),
              StatusIs(absl::StatusCode::kAborted, "export it again"));
}

}  // namespace
}  // namespace clientele::server
