// The Tasks service: listing the tasks the rules opened, and a person's
// claim and close of one, each in one audited transaction.
#include "server/api/tasks.h"

#include <algorithm>
#include <optional>
#include <string>

#include "common/status_details.h"
#include "common/strings.h"
#include "server/api/idempotent_writes.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation

namespace {

void TaskToProto(const TaskRecord& t, v1::Task* out) {
  out->set_task_id(t.id);
  out->set_customer_id(t.customer_id);
  out->set_rule_id(t.rule_id);
  out->set_task(t.task);
  out->set_queue(t.queue);
  out->set_status(t.status);
  out->set_ruleset_version(t.ruleset_version);
  for (const std::string& line : t.evidence) out->add_evidence(line);
  out->set_source(t.source);
  out->set_opened_at(t.opened_at);
  out->set_due_on(t.due_on.ToString());
  out->set_claimed_by(t.claimed_by);
  out->set_claimed_at(t.claimed_at);
  out->set_closed_by(t.closed_by);
  out->set_closed_at(t.closed_at);
  out->set_outcome(t.outcome);
}

// The stored task `id`, or NOT_FOUND.
absl::StatusOr<TaskRecord> RequireTask(Transaction& tx, int64_t id) {
  absl::StatusOr<std::optional<TaskRecord>> found = tx.FindTask(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("task ", id, " not found"));
  return **found;
}

absl::Status NotOpen(const TaskRecord& t) {
  return WithReason(
      absl::FailedPreconditionError(
          t.status == "claimed"
              ? StrCat("task ", t.id, " was claimed by ", t.claimed_by, " at ", t.claimed_at)
              : StrCat("task ", t.id, " was closed by ", t.closed_by, " at ", t.closed_at)),
      kReasonTaskNotOpen);
}

// Records the change of `task` in the audit trail.
absl::Status Audit(Transaction& tx, const TaskRecord& task, std::string_view event,
                   std::string_view actor, std::string_view note) {
  AuditEntry audit;
  audit.subject = StrCat("task:", task.id);
  audit.event = std::string(event);
  audit.actor = std::string(actor);
  audit.note = std::string(note);
  absl::StatusOr<int64_t> id = tx.AppendAudit(audit);
  return id.ok() ? absl::OkStatus() : id.status();
}

}  // namespace

absl::Status TasksApi::CheckWatch(const v1::WatchTasksRequest& request) const {
  if (absl::Status s = CheckText("queue", request.queue(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  if (request.customer_id().empty()) return absl::OkStatus();
  return CheckId("customer_id", request.customer_id());
}

absl::Status TasksApi::OpenTasks(const v1::WatchTasksRequest& request, int limit,
                                 std::vector<v1::TaskChange>* out) {
  std::vector<TaskRecord> tasks;
  for (const char* status : {"open", "claimed"}) {
    TaskQuery query{status, request.queue(), request.customer_id(), 0, limit + 1};
    absl::StatusOr<TaskPage> page = store_->ListTasks(query);
    if (!page.ok()) return page.status();
    tasks.insert(tasks.end(), page->tasks.begin(), page->tasks.end());
  }
  if (static_cast<int>(tasks.size()) > limit) {
    return absl::FailedPreconditionError(StrCat(
        "more than ", limit, " tasks are open or claimed: watch one queue or customer at a time"));
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const TaskRecord& a, const TaskRecord& b) { return a.id < b.id; });
  for (const TaskRecord& task : tasks) {
    v1::TaskChange& change = out->emplace_back();
    TaskToProto(task, change.mutable_task());
    change.set_existing(true);
  }
  return absl::OkStatus();
}

int TasksApi::Subscribe(const v1::WatchTasksRequest& request,
                        std::function<void(const v1::TaskChange&)> listener) {
  return store_->SubscribeTasks([queue = request.queue(), customer = request.customer_id(),
                                 listener = std::move(listener)](const TaskRecord& task) {
    if (!queue.empty() && task.queue != queue) return;
    if (!customer.empty() && task.customer_id != customer) return;
    v1::TaskChange change;
    TaskToProto(task, change.mutable_task());
    listener(change);
  });
}

void TasksApi::Unsubscribe(int id) { store_->UnsubscribeTasks(id); }

absl::Status TasksApi::ListTasks(const v1::ListTasksRequest& request,
                                 v1::ListTasksResponse* response) {
  const std::string& status = request.status();
  if (!status.empty() && status != "open" && status != "claimed" && status != "closed") {
    if (absl::Status s = CheckText("status", status, 50, false); !s.ok()) return s;
    return Invalid("status", StrCat("must be \"open\", \"claimed\", \"closed\" or empty, not \"",
                                    status, "\""));
  }
  if (absl::Status s = CheckText("queue", request.queue(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  // The token is the id of the last task of the previous page.
  absl::StatusOr<int64_t> before_id =
      ReadIdPageToken(store_->page_token_key(), "ListTasks", request, request.page_token());
  if (!before_id.ok()) return before_id.status();
  absl::StatusOr<TaskPage> page =
      store_->ListTasks({status, request.queue(), request.customer_id(), *before_id, *page_size});
  if (!page.ok()) return page.status();
  for (const TaskRecord& t : page->tasks) TaskToProto(t, response->add_tasks());
  if (page->more) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(), "ListTasks", request,
                                                 StrCat(page->tasks.back().id)));
  }
  return absl::OkStatus();
}

absl::Status TasksApi::ClaimTask(const v1::ClaimTaskRequest& request, v1::TaskResponse* response) {
  if (request.task_id() <= 0) return Invalid("task_id", "is required (a positive id)");
  if (absl::Status s = CheckText("actor", request.actor(), limits_.max_name_bytes, true); !s.ok()) {
    return s;
  }
  return IdempotentWrite(
      store_, "ClaimTask", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::TaskResponse* out) -> absl::Status {
        absl::StatusOr<TaskRecord> task = RequireTask(tx, request.task_id());
        if (!task.ok()) return task.status();
        if (task->status != "open") return NotOpen(*task);
        task->status = "claimed";
        task->claimed_by = request.actor();
        if (absl::Status s = tx.UpdateTask(*task); !s.ok()) return s;
        if (absl::Status s = Audit(tx, *task, "claimed", request.actor(), ""); !s.ok()) return s;
        absl::StatusOr<TaskRecord> after = RequireTask(tx, task->id);  // with its time
        if (!after.ok()) return after.status();
        TaskToProto(*after, out->mutable_task());
        return absl::OkStatus();
      });
}

absl::Status TasksApi::CloseTask(const v1::CloseTaskRequest& request, v1::TaskResponse* response) {
  if (request.task_id() <= 0) return Invalid("task_id", "is required (a positive id)");
  if (absl::Status s = CheckText("actor", request.actor(), limits_.max_name_bytes, true); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("outcome", request.outcome(), limits_.max_text_bytes, false,
                                 TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  return IdempotentWrite(
      store_, "CloseTask", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::TaskResponse* out) -> absl::Status {
        absl::StatusOr<TaskRecord> task = RequireTask(tx, request.task_id());
        if (!task.ok()) return task.status();
        if (task->status == "closed") return NotOpen(*task);
        task->status = "closed";
        task->closed_by = request.actor();
        task->outcome = request.outcome();
        if (absl::Status s = tx.UpdateTask(*task); !s.ok()) return s;
        if (absl::Status s = Audit(tx, *task, "closed", request.actor(), request.outcome());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<TaskRecord> after = RequireTask(tx, task->id);  // with its time
        if (!after.ok()) return after.status();
        TaskToProto(*after, out->mutable_task());
        return absl::OkStatus();
      });
}

}  // namespace clientele::server
