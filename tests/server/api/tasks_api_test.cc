// Customer tasks through the API classes in process (no gRPC), on the
// retail example ruleset (config/examples/retail-programme: tasks.yaml has
// call_unhappy_customer, 电话回访 for customer_care due in 3 days, when the
// engagement dimension says complaining (two 差评 or more in 30 days) or
// cooling (satisfaction down by more than 0.5 in 30 days); and
// win_back_lapsing_customer, 挽回沉睡客户 for sales due in 7 days, for a
// lapsing customer (three purchases or more in 365 days, none in the last
// 90) who spent 1000 or more in the year). A write about the customer opens
// one task per rule while none of that rule is open or claimed, whatever
// the order or concurrency of the writes; ClaimTask and CloseTask move it
// on, audited and idempotent, refusing what is not open with TASK_NOT_OPEN;
// once closed, the next write opens a new one if the rules still say so.
// The default ruleset (config/rules) has no task rules and opens none.
#include <cstdint>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "server/store/store.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Date;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";
constexpr char kCall[] = "call_unhappy_customer";
constexpr char kWinBack[] = "win_back_lapsing_customer";

std::vector<std::string> EvidenceOf(const v1::Task& task) {
  return std::vector<std::string>(task.evidence().begin(), task.evidence().end());
}

std::vector<int64_t> IdsOf(const std::vector<v1::Task>& tasks) {
  std::vector<int64_t> ids;
  for (const v1::Task& t : tasks) ids.push_back(t.task_id());
  return ids;
}

class TasksApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::InProcessApis>(kRetail);
    ASSERT_NE(server_->apis(), nullptr);
    apis_ = server_->apis();
    // Noon UTC: 20:00 the same day in Shanghai.
    SetToday("2026-12-06");
    ASSERT_NO_FATAL_FAILURE(Upsert("c-1"));
  }

  void SetToday(std::string_view day) {
    today_ = *Date::Parse(day);
    server_->set_today(today_);
  }
  std::string Key() { return "key-" + std::to_string(++keys_); }
  std::string InDays(int days) const { return Date::FromDays(today_.days() + days).ToString(); }
  std::string ServedVersion() const { return server_->holder().Current()->ruleset->version(); }

  // Creates or replaces customer `id` (satisfaction "" keeps the stored one).
  void Upsert(const std::string& id, const std::string& satisfaction = "") {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(Key());
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_satisfaction(satisfaction);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk()) << id;
  }

  v1::RecordInteractionResponse Interaction(const std::string& customer, const std::string& text) {
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id(customer);
    request.set_text(text);
    v1::RecordInteractionResponse response;
    EXPECT_THAT(apis_->events.RecordInteraction(request, &response), IsOk())
        << customer << ": " << text;
    return response;
  }

  v1::RecordPurchaseResponse Purchase(const std::string& customer, const std::string& purchase_id,
                                      const std::string& date, const std::string& amount) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id(customer);
    request.set_purchase_id(purchase_id);
    request.set_amount(amount);
    request.set_date(date);
    v1::RecordPurchaseResponse response;
    EXPECT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << purchase_id;
    return response;
  }

  // Every task the request lists, on one page.
  std::vector<v1::Task> List(v1::ListTasksRequest request) {
    if (request.page_size() == 0) request.set_page_size(1000);
    v1::ListTasksResponse response;
    EXPECT_THAT(apis_->tasks.ListTasks(request, &response), IsOk()) << request.DebugString();
    EXPECT_EQ(response.next_page_token(), "") << request.DebugString();
    return std::vector<v1::Task>(response.tasks().begin(), response.tasks().end());
  }
  std::vector<v1::Task> List(const std::string& status, const std::string& queue,
                             const std::string& customer) {
    v1::ListTasksRequest request;
    request.set_status(status);
    request.set_queue(queue);
    request.set_customer_id(customer);
    return List(request);
  }
  std::vector<v1::Task> TasksOf(const std::string& customer) { return List("", "", customer); }

  absl::Status Claim(int64_t id, const std::string& actor, const std::string& key,
                     v1::TaskResponse* response) {
    v1::ClaimTaskRequest request;
    request.set_idempotency_key(key);
    request.set_task_id(id);
    request.set_actor(actor);
    return apis_->tasks.ClaimTask(request, response);
  }
  absl::Status Close(int64_t id, const std::string& actor, const std::string& outcome,
                     const std::string& key, v1::TaskResponse* response) {
    v1::CloseTaskRequest request;
    request.set_idempotency_key(key);
    request.set_task_id(id);
    request.set_actor(actor);
    request.set_outcome(outcome);
    return apis_->tasks.CloseTask(request, response);
  }
  // Closes task `id`, which must succeed.
  void CloseOk(int64_t id) {
    v1::TaskResponse response;
    ASSERT_THAT(Close(id, "closer", "done", Key(), &response), IsOk()) << id;
    ASSERT_EQ(response.task().status(), "closed");
  }

  std::vector<AuditEntry> AuditOf(int64_t task_id) {
    absl::StatusOr<std::vector<AuditEntry>> audit =
        server_->store()->Audit("task:" + std::to_string(task_id));
    EXPECT_THAT(audit, IsOk());
    return audit.ok() ? *audit : std::vector<AuditEntry>();
  }

  // Two 差评 today for `customer`, who had none: its one task, which the
  // second opened (a default Task when not so, with the test failed).
  v1::Task Unhappy(const std::string& customer) {
    Interaction(customer, "差评");
    EXPECT_THAT(TasksOf(customer), IsEmpty()) << "one 差评 is not two";
    Interaction(customer, "差评");
    const std::vector<v1::Task> tasks = TasksOf(customer);
    EXPECT_EQ(tasks.size(), 1u) << customer;
    if (tasks.size() != 1) return v1::Task();
    EXPECT_EQ(tasks[0].rule_id(), kCall);
    EXPECT_EQ(tasks[0].status(), "open");
    return tasks[0];
  }

  std::unique_ptr<testing::InProcessApis> server_;
  Apis* apis_ = nullptr;
  Date today_;
  int keys_ = 0;
};

TEST_F(TasksApiTest, TwoNegativeReviewsWithinThirtyDaysOpenOneCallTask) {
  // The last 30 days of 2026-12-06 start on 2026-11-07.
  SetToday("2026-11-07");
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  const v1::RecordInteractionResponse first = Interaction("c-2", "差评");
  EXPECT_EQ(first.rule_id(), "negative_review");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());

  SetToday("2026-12-06");
  const v1::RecordInteractionResponse second = Interaction("c-2", "客户给了差评");
  EXPECT_EQ(second.rule_id(), "negative_review");
  const std::vector<v1::Task> tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  const v1::Task& task = tasks[0];
  EXPECT_GT(task.task_id(), 0);
  EXPECT_EQ(task.customer_id(), "c-2");
  EXPECT_EQ(task.rule_id(), kCall);
  EXPECT_EQ(task.task(), "电话回访");
  EXPECT_EQ(task.queue(), "customer_care");
  EXPECT_EQ(task.status(), "open");
  EXPECT_EQ(task.due_on(), "2026-12-09");  // today + 3
  EXPECT_EQ(task.source(), "interaction");
  EXPECT_FALSE(task.ruleset_version().empty());
  EXPECT_EQ(task.ruleset_version(), second.ruleset_version());
  EXPECT_EQ(task.ruleset_version(), ServedVersion());
  EXPECT_FALSE(task.opened_at().empty());
  EXPECT_EQ(task.claimed_by(), "");
  EXPECT_EQ(task.claimed_at(), "");
  EXPECT_EQ(task.closed_by(), "");
  EXPECT_EQ(task.closed_at(), "");
  EXPECT_EQ(task.outcome(), "");
  // What the rules saw: the task rule's check, then the segment rule that
  // put the customer in the dimension it reads, with that rule's check.
  const std::vector<std::string> evidence = EvidenceOf(task);
  ASSERT_FALSE(evidence.empty());
  EXPECT_THAT(evidence[0], HasSubstr("segment.engagement")) << task.DebugString();
  EXPECT_THAT(evidence, Contains(StartsWith("segment.engagement by rule complaining: ")))
      << task.DebugString();
  EXPECT_THAT(evidence, Contains(HasSubstr("interactions_in_last(30, \"negative_review\") is 2")))
      << task.DebugString();
  for (const std::string& line : evidence) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1f'), std::string::npos) << line;
  }

  // A third 差评: still one task, the same.
  Interaction("c-2", "差评");
  const std::vector<v1::Task> after = TasksOf("c-2");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].SerializeAsString(), task.SerializeAsString()) << after[0].DebugString();
  // Nobody else has one.
  EXPECT_THAT(TasksOf("c-1"), IsEmpty());
  EXPECT_EQ(List(v1::ListTasksRequest()).size(), 1u);
}

TEST_F(TasksApiTest, NegativeReviewsThirtyOneDaysApartOpenNone) {
  SetToday("2026-11-06");  // the day before the window of 2026-12-06
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  Interaction("c-2", "差评");
  SetToday("2026-12-06");
  Interaction("c-2", "差评");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());
  // A 好评 is no 差评.
  Interaction("c-2", "好评");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());
  // Another 差评 in the window makes two.
  Interaction("c-2", "差评");
  const std::vector<v1::Task> tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].rule_id(), kCall);
  EXPECT_THAT(EvidenceOf(tasks[0]),
              Contains(HasSubstr("interactions_in_last(30, \"negative_review\") is 2")));
}

TEST_F(TasksApiTest, ClaimThenCloseThenTheNextNegativeReviewOpensANewTask) {
  using absl::StatusCode;
  const v1::Task task = Unhappy("c-1");
  ASSERT_GT(task.task_id(), 0);
  const int64_t id = task.task_id();

  v1::TaskResponse claimed;
  ASSERT_THAT(Claim(id, "alice", "claim-1", &claimed), IsOk());
  const v1::Task& c = claimed.task();
  EXPECT_EQ(c.task_id(), id);
  EXPECT_EQ(c.status(), "claimed");
  EXPECT_EQ(c.claimed_by(), "alice");
  EXPECT_FALSE(c.claimed_at().empty());
  EXPECT_EQ(c.closed_by(), "");
  EXPECT_EQ(c.closed_at(), "");
  EXPECT_EQ(c.outcome(), "");
  // What the rules gave stays as it was.
  EXPECT_EQ(c.customer_id(), task.customer_id());
  EXPECT_EQ(c.rule_id(), task.rule_id());
  EXPECT_EQ(c.task(), task.task());
  EXPECT_EQ(c.queue(), task.queue());
  EXPECT_EQ(c.ruleset_version(), task.ruleset_version());
  EXPECT_EQ(c.source(), task.source());
  EXPECT_EQ(c.opened_at(), task.opened_at());
  EXPECT_EQ(c.due_on(), task.due_on());
  EXPECT_EQ(EvidenceOf(c), EvidenceOf(task));
  std::vector<v1::Task> listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].SerializeAsString(), c.SerializeAsString()) << listed[0].DebugString();

  // A retry with the key replays the response.
  v1::TaskResponse retried;
  ASSERT_THAT(Claim(id, "alice", "claim-1", &retried), IsOk());
  EXPECT_EQ(retried.SerializeAsString(), claimed.SerializeAsString()) << retried.DebugString();
  // The key with another request is refused.
  v1::TaskResponse refused;
  const absl::Status reused = Claim(id, "bob", "claim-1", &refused);
  EXPECT_THAT(reused, StatusIs(StatusCode::kAlreadyExists, "idempotency_key"));
  EXPECT_EQ(ReasonOf(reused), kReasonIdempotencyKeyReused);
  // Someone else's claim: not open, naming who has it.
  const absl::Status again = Claim(id, "bob", "claim-2", &refused);
  EXPECT_THAT(again, StatusIs(StatusCode::kFailedPrecondition, "claimed by alice"));
  EXPECT_THAT(std::string(again.message()), HasSubstr(std::to_string(id)));
  EXPECT_EQ(ReasonOf(again), kReasonTaskNotOpen);
  // While it is claimed, more 差评 open no second task.
  Interaction("c-1", "差评");
  listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].SerializeAsString(), c.SerializeAsString()) << listed[0].DebugString();

  const std::string outcome = "回访完成\n客户接受了补偿";  // line breaks allowed
  v1::TaskResponse closed;
  ASSERT_THAT(Close(id, "alice", outcome, "close-1", &closed), IsOk());
  const v1::Task& d = closed.task();
  EXPECT_EQ(d.task_id(), id);
  EXPECT_EQ(d.status(), "closed");
  EXPECT_EQ(d.closed_by(), "alice");
  EXPECT_FALSE(d.closed_at().empty());
  EXPECT_EQ(d.outcome(), outcome);
  EXPECT_EQ(d.claimed_by(), "alice");
  EXPECT_EQ(d.claimed_at(), c.claimed_at());
  EXPECT_EQ(d.opened_at(), task.opened_at());
  EXPECT_EQ(d.source(), task.source());

  v1::TaskResponse close_retried;
  ASSERT_THAT(Close(id, "alice", outcome, "close-1", &close_retried), IsOk());
  EXPECT_EQ(close_retried.SerializeAsString(), closed.SerializeAsString());
  const absl::Status close_again = Close(id, "bob", "again", "close-2", &refused);
  EXPECT_THAT(close_again, StatusIs(StatusCode::kFailedPrecondition, "closed by alice"));
  EXPECT_EQ(ReasonOf(close_again), kReasonTaskNotOpen);
  const absl::Status claim_closed = Claim(id, "bob", "claim-3", &refused);
  EXPECT_THAT(claim_closed, StatusIs(StatusCode::kFailedPrecondition, "closed by alice"));
  EXPECT_EQ(ReasonOf(claim_closed), kReasonTaskNotOpen);
  // The first claim's retry still replays what it answered then.
  v1::TaskResponse late_retry;
  ASSERT_THAT(Claim(id, "alice", "claim-1", &late_retry), IsOk());
  EXPECT_EQ(late_retry.SerializeAsString(), claimed.SerializeAsString());

  // Closing opened nothing by itself; the task is kept, closed.
  listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].SerializeAsString(), d.SerializeAsString()) << listed[0].DebugString();
  // One audit entry per change, none for the refusals and the replays.
  const std::vector<AuditEntry> audit = AuditOf(id);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].subject, "task:" + std::to_string(id));
  EXPECT_EQ(audit[0].event, "claimed");
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[1].event, "closed");
  EXPECT_EQ(audit[1].actor, "alice");
  EXPECT_EQ(audit[1].note, outcome);

  // The customer still has three 差评 in 30 days: the next one opens a
  // new task.
  Interaction("c-1", "差评");
  listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 2u);
  const v1::Task& fresh = listed[0];  // newest first
  EXPECT_GT(fresh.task_id(), id);
  EXPECT_EQ(fresh.rule_id(), kCall);
  EXPECT_EQ(fresh.status(), "open");
  EXPECT_EQ(fresh.source(), "interaction");
  EXPECT_EQ(fresh.claimed_by(), "");
  EXPECT_EQ(fresh.due_on(), InDays(3));
  EXPECT_THAT(EvidenceOf(fresh),
              Contains(HasSubstr("interactions_in_last(30, \"negative_review\") is 4")));
  EXPECT_EQ(listed[1].SerializeAsString(), d.SerializeAsString());

  // An open task can be closed without a claim.
  v1::TaskResponse unclaimed;
  ASSERT_THAT(Close(fresh.task_id(), "carol", "", "close-3", &unclaimed), IsOk());
  EXPECT_EQ(unclaimed.task().status(), "closed");
  EXPECT_EQ(unclaimed.task().closed_by(), "carol");
  EXPECT_EQ(unclaimed.task().claimed_by(), "");
  EXPECT_EQ(unclaimed.task().claimed_at(), "");
  EXPECT_EQ(unclaimed.task().outcome(), "");
}

TEST_F(TasksApiTest, BadClaimsAndClosesAreRefusedAndChangeNothing) {
  using absl::StatusCode;
  const v1::Task task = Unhappy("c-1");
  ASSERT_GT(task.task_id(), 0);
  const int64_t id = task.task_id();
  v1::TaskResponse r;

  for (int64_t bad : {int64_t{0}, int64_t{-1}}) {
    const absl::Status claim = Claim(bad, "alice", Key(), &r);
    EXPECT_THAT(claim, StatusIs(StatusCode::kInvalidArgument, "task_id")) << bad;
    EXPECT_EQ(FieldOf(claim), "task_id");
    const absl::Status close = Close(bad, "alice", "", Key(), &r);
    EXPECT_THAT(close, StatusIs(StatusCode::kInvalidArgument, "task_id")) << bad;
    EXPECT_EQ(FieldOf(close), "task_id");
  }
  const absl::Status no_actor = Claim(id, "", Key(), &r);
  EXPECT_THAT(no_actor, StatusIs(StatusCode::kInvalidArgument, "actor"));
  EXPECT_EQ(FieldOf(no_actor), "actor");
  EXPECT_THAT(Close(id, "", "done", Key(), &r), StatusIs(StatusCode::kInvalidArgument, "actor"));
  EXPECT_THAT(Claim(id, std::string(201, 'a'), Key(), &r),
              StatusIs(StatusCode::kInvalidArgument, "actor"));
  EXPECT_THAT(Claim(id, std::string("ali\x01") + "ce", Key(), &r),
              StatusIs(StatusCode::kInvalidArgument, "actor"));
  EXPECT_THAT(Close(id, "alice", "bad\x01", Key(), &r),
              StatusIs(StatusCode::kInvalidArgument, "outcome"));
  EXPECT_THAT(Close(id, "alice", std::string(2001, 'x'), Key(), &r),
              StatusIs(StatusCode::kInvalidArgument, "outcome"));
  EXPECT_THAT(Claim(id, "alice", "", &r),
              StatusIs(StatusCode::kInvalidArgument, "idempotency_key"));
  EXPECT_THAT(Close(id, "alice", "done", "", &r),
              StatusIs(StatusCode::kInvalidArgument, "idempotency_key"));

  const std::string unknown = std::to_string(id + 1000);
  EXPECT_THAT(Claim(id + 1000, "alice", "unknown-claim", &r),
              StatusIs(StatusCode::kNotFound, "task " + unknown));
  EXPECT_THAT(Close(id + 1000, "alice", "done", "unknown-close", &r),
              StatusIs(StatusCode::kNotFound, "task " + unknown));

  // Nothing changed: the task as it was opened, no audit entry.
  std::vector<v1::Task> listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].SerializeAsString(), task.SerializeAsString()) << listed[0].DebugString();
  EXPECT_THAT(AuditOf(id), IsEmpty());
  EXPECT_EQ(List(v1::ListTasksRequest()).size(), 1u);

  // The keys of the requests refused in their transaction were not kept.
  v1::TaskResponse claimed;
  ASSERT_THAT(Claim(id, "alice", "unknown-claim", &claimed), IsOk());
  EXPECT_EQ(claimed.task().status(), "claimed");
  v1::TaskResponse closed;
  ASSERT_THAT(Close(id, "alice", "done", "unknown-close", &closed), IsOk());
  EXPECT_EQ(closed.task().status(), "closed");
}

TEST_F(TasksApiTest, ListTasksFiltersNewestFirstAndPages) {
  using absl::StatusCode;
  const v1::Task a = Unhappy("c-1");  // customer_care
  ASSERT_GT(a.task_id(), 0);
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  Purchase("c-2", "P-1", "2026-03-01", "400");
  Purchase("c-2", "P-2", "2026-05-01", "400");
  Purchase("c-2", "P-3", "2026-08-01", "400");
  std::vector<v1::Task> of_c2 = TasksOf("c-2");
  ASSERT_EQ(of_c2.size(), 1u);
  const v1::Task b = of_c2[0];  // sales
  EXPECT_EQ(b.rule_id(), kWinBack);
  ASSERT_NO_FATAL_FAILURE(Upsert("c-3"));
  const v1::Task c = Unhappy("c-3");  // customer_care, to be claimed
  ASSERT_GT(c.task_id(), 0);
  ASSERT_LT(a.task_id(), b.task_id());
  ASSERT_LT(b.task_id(), c.task_id());
  v1::TaskResponse claimed;
  ASSERT_THAT(Claim(c.task_id(), "alice", Key(), &claimed), IsOk());

  using Ids = std::vector<int64_t>;
  EXPECT_EQ(IdsOf(List("", "", "")), (Ids{c.task_id(), b.task_id(), a.task_id()}));
  EXPECT_EQ(IdsOf(List("open", "", "")), (Ids{b.task_id(), a.task_id()}));
  EXPECT_EQ(IdsOf(List("claimed", "", "")), (Ids{c.task_id()}));
  EXPECT_THAT(List("closed", "", ""), IsEmpty());
  EXPECT_EQ(IdsOf(List("", "customer_care", "")), (Ids{c.task_id(), a.task_id()}));
  EXPECT_EQ(IdsOf(List("", "sales", "")), (Ids{b.task_id()}));
  EXPECT_THAT(List("", "nobody", ""), IsEmpty());
  EXPECT_EQ(IdsOf(List("", "", "c-2")), (Ids{b.task_id()}));
  EXPECT_EQ(IdsOf(List("open", "customer_care", "")), (Ids{a.task_id()}));
  EXPECT_EQ(IdsOf(List("claimed", "customer_care", "c-3")), (Ids{c.task_id()}));
  EXPECT_THAT(List("open", "", "c-3"), IsEmpty());
  EXPECT_THAT(List("", "", "ghost"), IsEmpty());  // an unknown customer has none
  const std::vector<v1::Task> claimed_list = List("claimed", "", "");
  ASSERT_EQ(claimed_list.size(), 1u);
  EXPECT_EQ(claimed_list[0].SerializeAsString(), claimed.task().SerializeAsString());

  // One a page: each token continues where the page ended.
  std::vector<int64_t> paged;
  std::string token;
  std::string first_token;
  for (int page = 0; page < 5; ++page) {
    v1::ListTasksRequest request;
    request.set_page_size(1);
    request.set_page_token(token);
    v1::ListTasksResponse response;
    ASSERT_THAT(apis_->tasks.ListTasks(request, &response), IsOk()) << page;
    ASSERT_EQ(response.tasks_size(), 1) << page;
    paged.push_back(response.tasks(0).task_id());
    token = response.next_page_token();
    if (page == 0) first_token = token;
    if (token.empty()) break;
  }
  EXPECT_EQ(paged, (Ids{c.task_id(), b.task_id(), a.task_id()}));
  EXPECT_EQ(token, "");
  ASSERT_FALSE(first_token.empty());
  // A full last page has no token.
  v1::ListTasksRequest two;
  two.set_queue("customer_care");
  two.set_page_size(2);
  v1::ListTasksResponse two_response;
  ASSERT_THAT(apis_->tasks.ListTasks(two, &two_response), IsOk());
  EXPECT_EQ(two_response.tasks_size(), 2);
  EXPECT_EQ(two_response.next_page_token(), "");

  // Refused: a status that is none, page sizes out of range, a token sent
  // with another filter or never issued, a bad customer id.
  v1::ListTasksResponse r;
  for (const char* status : {"opened", "Open", "closed ", "all"}) {
    v1::ListTasksRequest request;
    request.set_status(status);
    const absl::Status s = apis_->tasks.ListTasks(request, &r);
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, "status")) << status;
    EXPECT_EQ(FieldOf(s), "status") << status;
  }
  for (int32_t size : {-1, 1001}) {
    v1::ListTasksRequest request;
    request.set_page_size(size);
    EXPECT_THAT(apis_->tasks.ListTasks(request, &r),
                StatusIs(StatusCode::kInvalidArgument, "page_size"))
        << size;
  }
  v1::ListTasksRequest other_filter;
  other_filter.set_status("open");
  other_filter.set_page_size(1);
  other_filter.set_page_token(first_token);
  const absl::Status moved = apis_->tasks.ListTasks(other_filter, &r);
  EXPECT_THAT(moved, StatusIs(StatusCode::kInvalidArgument, "page_token"));
  EXPECT_EQ(ReasonOf(moved), kReasonInvalidPageToken);
  v1::ListTasksRequest forged;
  forged.set_page_token("not-a-token");
  EXPECT_THAT(apis_->tasks.ListTasks(forged, &r),
              StatusIs(StatusCode::kInvalidArgument, "page_token"));
  v1::ListTasksRequest bad_customer;
  bad_customer.set_customer_id("bad id!");
  EXPECT_THAT(apis_->tasks.ListTasks(bad_customer, &r),
              StatusIs(StatusCode::kInvalidArgument, "customer_id"));
}

TEST_F(TasksApiTest, ConcurrentNegativeReviewsOpenOneTask) {
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::vector<absl::Status> statuses(kThreads * kEach);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        v1::RecordInteractionRequest request;
        request.set_idempotency_key("concurrent-" + std::to_string(t) + "-" + std::to_string(i));
        request.set_customer_id("c-1");
        request.set_text("差评");
        v1::RecordInteractionResponse response;
        statuses[t * kEach + i] = apis_->events.RecordInteraction(request, &response);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : statuses) EXPECT_THAT(s, IsOk());

  v1::GetCustomerRequest get;
  get.set_customer_id("c-1");
  v1::GetCustomerResponse customer;
  ASSERT_THAT(apis_->customers.GetCustomer(get, &customer), IsOk());
  EXPECT_EQ(customer.customer().interaction_count(), kThreads * kEach);

  const std::vector<v1::Task> tasks = TasksOf("c-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].rule_id(), kCall);
  EXPECT_EQ(tasks[0].status(), "open");
  EXPECT_EQ(tasks[0].source(), "interaction");
  // The second 差评 opened it, whichever that was.
  EXPECT_THAT(EvidenceOf(tasks[0]),
              Contains(HasSubstr("interactions_in_last(30, \"negative_review\") is 2")));
  EXPECT_EQ(List("open", "", "c-1").size(), 1u);
}

TEST_F(TasksApiTest, ConcurrentUpsertsAndNegativeReviewsOpenOneTask) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-4"));
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::vector<absl::Status> statuses(kThreads * kEach);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "mixed-" + std::to_string(t) + "-" + std::to_string(i);
        if (t % 2 == 0) {
          v1::RecordInteractionRequest request;
          request.set_idempotency_key(key);
          request.set_customer_id("c-4");
          request.set_text("差评");
          v1::RecordInteractionResponse response;
          statuses[t * kEach + i] = apis_->events.RecordInteraction(request, &response);
        } else {
          v1::UpsertCustomerRequest request;
          request.set_idempotency_key(key);
          request.mutable_customer()->set_id("c-4");
          request.mutable_customer()->set_name("name " + key);
          request.mutable_update_mask()->add_paths("name");
          v1::UpsertCustomerResponse response;
          statuses[t * kEach + i] = apis_->customers.UpsertCustomer(request, &response);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : statuses) EXPECT_THAT(s, IsOk());

  const std::vector<v1::Task> tasks = TasksOf("c-4");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].rule_id(), kCall);
  EXPECT_EQ(tasks[0].status(), "open");
  EXPECT_TRUE(tasks[0].source() == "interaction" || tasks[0].source() == "upsert")
      << tasks[0].source();
  EXPECT_THAT(TasksOf("c-1"), IsEmpty());
}

TEST_F(TasksApiTest, ConcurrentClaimsOfOneTaskGiveItToOne) {
  const v1::Task task = Unhappy("c-1");
  ASSERT_GT(task.task_id(), 0);
  constexpr int kThreads = 8;
  std::vector<absl::Status> statuses(kThreads);
  std::vector<v1::TaskResponse> responses(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      statuses[t] = Claim(task.task_id(), "agent-" + std::to_string(t),
                          "claim-by-" + std::to_string(t), &responses[t]);
    });
  }
  for (std::thread& t : threads) t.join();
  int winner = -1;
  for (int t = 0; t < kThreads; ++t) {
    if (statuses[t].ok()) {
      EXPECT_EQ(winner, -1) << "claimed by agent-" << winner << " and agent-" << t;
      winner = t;
    }
  }
  ASSERT_NE(winner, -1);
  const std::string agent = "agent-" + std::to_string(winner);
  EXPECT_EQ(responses[winner].task().claimed_by(), agent);
  for (int t = 0; t < kThreads; ++t) {
    if (t == winner) continue;
    EXPECT_THAT(statuses[t], StatusIs(absl::StatusCode::kFailedPrecondition, "claimed by " + agent))
        << t;
    EXPECT_EQ(ReasonOf(statuses[t]), kReasonTaskNotOpen) << t;
  }
  const std::vector<v1::Task> listed = TasksOf("c-1");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].claimed_by(), agent);
  EXPECT_EQ(AuditOf(task.task_id()).size(), 1u);
}

TEST_F(TasksApiTest, ALapsingCustomerWhoSpentAThousandGetsAWinBackTask) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  Purchase("c-2", "P-1", "2026-03-01", "400");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());
  Purchase("c-2", "P-2", "2026-05-01", "400");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());
  // The third: three in 365 days, none in the last 90 (as of today, not
  // of the purchase's day), 1200 spent.
  const v1::RecordPurchaseResponse third = Purchase("c-2", "P-3", "2026-08-01", "400");
  std::vector<v1::Task> tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  const v1::Task task = tasks[0];
  EXPECT_EQ(task.customer_id(), "c-2");
  EXPECT_EQ(task.rule_id(), kWinBack);
  EXPECT_EQ(task.task(), "挽回沉睡客户");
  EXPECT_EQ(task.queue(), "sales");
  EXPECT_EQ(task.status(), "open");
  EXPECT_EQ(task.due_on(), "2026-12-13");  // today + 7
  EXPECT_EQ(task.source(), "purchase:P-3");
  EXPECT_EQ(task.ruleset_version(), third.ruleset_version());
  EXPECT_EQ(task.ruleset_version(), ServedVersion());
  const std::vector<std::string> evidence = EvidenceOf(task);
  ASSERT_FALSE(evidence.empty());
  EXPECT_THAT(evidence[0], HasSubstr("segment.engagement")) << task.DebugString();
  EXPECT_THAT(evidence, Contains(HasSubstr("spent_in_last(365) is "))) << task.DebugString();
  EXPECT_THAT(evidence, Contains(StartsWith("segment.engagement by rule lapsing: ")))
      << task.DebugString();
  EXPECT_EQ(IdsOf(List("", "sales", "")), std::vector<int64_t>{task.task_id()});

  // Another write about them: still one.
  Interaction("c-2", "好评");
  tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].SerializeAsString(), task.SerializeAsString());

  // A purchase today: no longer lapsing. The open task stays as it is (the
  // rules no longer proposing it does not withdraw it) ...
  Purchase("c-2", "P-4", "", "300");
  tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].SerializeAsString(), task.SerializeAsString());
  // ... and once closed, later writes open no new one.
  ASSERT_NO_FATAL_FAILURE(CloseOk(task.task_id()));
  Interaction("c-2", "好评");
  tasks = TasksOf("c-2");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].status(), "closed");
}

// Lapsing comes with time alone, with no write of the customer's: the
// daily refresh of the stored segments opens the task, once.
TEST_F(TasksApiTest, TheDailyRefreshOpensATaskThatTimeAloneMadeDue) {
  Purchase("c-1", "p-1", "2026-11-01", "400");
  Purchase("c-1", "p-2", "2026-11-10", "400");
  Purchase("c-1", "p-3", "2026-11-20", "400");
  EXPECT_THAT(TasksOf("c-1"), IsEmpty());
  SetToday("2027-03-01");  // 101 days after the last purchase
  v1::RefreshSegmentsResponse refreshed;
  const std::function<bool()> never = [] { return false; };
  ASSERT_THAT(
      apis_->segments.Refresh("daily", SegmentsApi::RefreshWhen::kAlways, never, &refreshed),
      IsOk());
  std::vector<v1::Task> tasks = TasksOf("c-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].rule_id(), kWinBack);
  EXPECT_EQ(tasks[0].source(), "daily");
  EXPECT_EQ(tasks[0].due_on(), "2027-03-08");
  EXPECT_THAT(EvidenceOf(tasks[0]), Contains(StartsWith("segment.engagement by rule lapsing: ")));
  // The next refresh finds it open: still one.
  ASSERT_THAT(
      apis_->segments.Refresh("daily", SegmentsApi::RefreshWhen::kAlways, never, &refreshed),
      IsOk());
  EXPECT_EQ(TasksOf("c-1").size(), 1u);
  // Closed by a person, it is not reopened by the refreshes of the days
  // after (the rule still holds): only a write about the customer opens
  // the next.
  CloseOk(tasks[0].task_id());
  SetToday("2027-03-02");
  ASSERT_THAT(
      apis_->segments.Refresh("daily", SegmentsApi::RefreshWhen::kAlways, never, &refreshed),
      IsOk());
  EXPECT_THAT(List("open", "", "c-1"), IsEmpty());
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1"));
  const std::vector<v1::Task> reopened = List("open", "", "c-1");
  ASSERT_EQ(reopened.size(), 1u);
  EXPECT_EQ(reopened[0].source(), "upsert");
}

TEST_F(TasksApiTest, ALapsingCustomerWhoSpentLessGetsNone) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  Purchase("c-2", "P-1", "2026-03-01", "100");
  Purchase("c-2", "P-2", "2026-05-01", "100");
  Purchase("c-2", "P-3", "2026-08-01", "100");
  EXPECT_THAT(TasksOf("c-2"), IsEmpty());
}

TEST_F(TasksApiTest, SatisfactionDownByUpsertOpensACallTaskFromTheUpsert) {
  // Rated 4.5 since November: 30 days before today it was 4.5. (A customer
  // rated for the first time today was not rated 30 days ago: 0.)
  SetToday("2026-11-01");
  ASSERT_NO_FATAL_FAILURE(Upsert("c-3", "4.5"));
  SetToday("2026-12-06");
  EXPECT_THAT(TasksOf("c-3"), IsEmpty());
  ASSERT_NO_FATAL_FAILURE(Upsert("c-3", "3.8"));  // down 0.7 within 30 days: cooling
  const std::vector<v1::Task> tasks = TasksOf("c-3");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].rule_id(), kCall);
  EXPECT_EQ(tasks[0].task(), "电话回访");
  EXPECT_EQ(tasks[0].source(), "upsert");
  EXPECT_EQ(tasks[0].due_on(), InDays(3));
  EXPECT_THAT(EvidenceOf(tasks[0]), Contains(StartsWith("segment.engagement by rule cooling: ")))
      << tasks[0].DebugString();
}

// Once a task is closed, any write about a customer the rules still put
// there opens the next: a custom event, a purchase, its return, an upsert.
TEST_F(TasksApiTest, EveryKindOfWriteOpensTheTaskWithItsSource) {
  const v1::Task first = Unhappy("c-1");
  ASSERT_GT(first.task_id(), 0);
  ASSERT_NO_FATAL_FAILURE(CloseOk(first.task_id()));
  int64_t last_id = first.task_id();
  // The newest task of c-1, which must be a new open one from `source`.
  auto expect_opened_by = [&](const std::string& source) {
    const std::vector<v1::Task> tasks = TasksOf("c-1");
    ASSERT_FALSE(tasks.empty());
    const v1::Task& newest = tasks[0];
    EXPECT_GT(newest.task_id(), last_id) << source;
    EXPECT_EQ(newest.rule_id(), kCall) << source;
    EXPECT_EQ(newest.status(), "open") << source;
    EXPECT_EQ(newest.source(), source);
    EXPECT_EQ(List("open", "", "c-1").size(), 1u) << source;
    last_id = newest.task_id();
    ASSERT_NO_FATAL_FAILURE(CloseOk(newest.task_id()));
  };

  v1::RecordEventRequest event;
  event.set_idempotency_key(Key());
  event.set_customer_id("c-1");
  event.set_type("review");
  (*event.mutable_attributes())["stars"] = "5";
  (*event.mutable_attributes())["product"] = "产品A";
  v1::RecordEventResponse recorded;
  ASSERT_THAT(apis_->events.RecordEvent(event, &recorded), IsOk());
  ASSERT_NO_FATAL_FAILURE(expect_opened_by("event:" + std::to_string(recorded.event_id())));

  Purchase("c-1", "P-9", "", "120");
  ASSERT_NO_FATAL_FAILURE(expect_opened_by("purchase:P-9"));

  v1::ReturnPurchaseRequest take_back;
  take_back.set_idempotency_key(Key());
  take_back.set_purchase_id("P-9");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis_->events.ReturnPurchase(take_back, &returned), IsOk());
  ASSERT_NO_FATAL_FAILURE(expect_opened_by("return:P-9"));

  ASSERT_NO_FATAL_FAILURE(Upsert("c-1"));
  ASSERT_NO_FATAL_FAILURE(expect_opened_by("upsert"));

  EXPECT_EQ(TasksOf("c-1").size(), 5u);
  EXPECT_THAT(List("open", "", ""), IsEmpty());
}

// The default ruleset has no tasks file: writes open no task.
TEST(TasksWithoutTaskRulesTest, TheDefaultRulesetOpensNoTasks) {
  testing::InProcessApis in_process;  // config/rules
  ASSERT_NE(in_process.apis(), nullptr);
  in_process.set_today(*Date::Parse("2026-12-06"));
  Apis& apis = *in_process.apis();
  int keys = 0;
  auto key = [&] { return "key-" + std::to_string(++keys); };

  v1::UpsertCustomerRequest upsert;
  upsert.set_idempotency_key(key());
  upsert.mutable_customer()->set_id("c-1");
  upsert.mutable_customer()->set_satisfaction("4.5");
  v1::UpsertCustomerResponse upserted;
  ASSERT_THAT(apis.customers.UpsertCustomer(upsert, &upserted), IsOk());
  for (int i = 0; i < 3; ++i) {
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(key());
    request.set_customer_id("c-1");
    request.set_text("差评");
    v1::RecordInteractionResponse response;
    ASSERT_THAT(apis.events.RecordInteraction(request, &response), IsOk());
  }
  for (const char* date : {"2026-03-01", "2026-05-01", "2026-08-01"}) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(key());
    request.set_customer_id("c-1");
    request.set_purchase_id(std::string("P-") + date);
    request.set_amount("400");
    request.set_date(date);
    v1::RecordPurchaseResponse response;
    ASSERT_THAT(apis.events.RecordPurchase(request, &response), IsOk());
  }
  v1::ReturnPurchaseRequest take_back;
  take_back.set_idempotency_key(key());
  take_back.set_purchase_id("P-2026-08-01");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis.events.ReturnPurchase(take_back, &returned), IsOk());

  v1::ListTasksResponse listed;
  ASSERT_THAT(apis.tasks.ListTasks(v1::ListTasksRequest(), &listed), IsOk());
  EXPECT_EQ(listed.tasks_size(), 0) << listed.DebugString();
  EXPECT_EQ(listed.next_page_token(), "");
  v1::ClaimTaskRequest claim;
  claim.set_idempotency_key(key());
  claim.set_task_id(1);
  claim.set_actor("alice");
  v1::TaskResponse claimed;
  EXPECT_THAT(apis.tasks.ClaimTask(claim, &claimed),
              StatusIs(absl::StatusCode::kNotFound, "task 1"));
}

}  // namespace
}  // namespace clientele::server
