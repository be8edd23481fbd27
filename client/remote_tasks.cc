// `clientele tasks list|claim|close`: the Tasks service.
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/tasks.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// A table of the tasks, then each one's evidence under its id.
std::string RenderTaskPages(const std::vector<v1::ListTasksResponse>& pages) {
  Table table({{"ID", Table::Align::kRight},
               {"CUSTOMER"},
               {"TASK"},
               {"QUEUE"},
               {"STATUS"},
               {"DUE"},
               {"OPENED"},
               {"BY"}});
  std::string evidence;
  for (const v1::ListTasksResponse& page : pages) {
    for (const v1::Task& t : page.tasks()) {
      const std::string& by = t.status() == "closed" ? t.closed_by() : t.claimed_by();
      table.AddRow({StrCat(t.task_id()), t.customer_id(), t.task(),
                    t.queue().empty() ? "-" : t.queue(), t.status(),
                    t.due_on().empty() ? "-" : t.due_on(), t.opened_at(), by.empty() ? "-" : by});
      StrAppend(&evidence, "task ", t.task_id(), " (rule ", t.rule_id(), ", ", t.source(),
                ", ruleset ", t.ruleset_version(), "):\n");
      for (const std::string& line : t.evidence()) StrAppend(&evidence, "  ", line, "\n");
      if (!t.outcome().empty()) StrAppend(&evidence, "  outcome: ", t.outcome(), "\n");
    }
  }
  std::string out = table.rows() == 0 ? "" : table.Render();
  StrAppend(&out, table.rows(), table.rows() == 1 ? " task\n" : " tasks\n", evidence);
  return out + MoreLine(pages.back().next_page_token());
}

std::string RenderChanged(const v1::Task& t) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"customer", t.customer_id()}, {"task", t.task()}, {"status", t.status()}};
  if (!t.claimed_by().empty())
    fields.emplace_back("claimed", StrCat(t.claimed_by(), " at ", t.claimed_at()));
  if (!t.closed_by().empty())
    fields.emplace_back("closed", StrCat(t.closed_by(), " at ", t.closed_at()));
  if (!t.outcome().empty()) fields.emplace_back("outcome", t.outcome());
  return StrCat("task ", t.task_id(), "\n", RenderFields(fields, "  "));
}

}  // namespace

int RunTaskList(const TaskListOptions& options, std::ostream& out, std::ostream& err) {
  v1::ListTasksRequest request;
  request.set_status(options.status);
  request.set_queue(options.queue);
  request.set_customer_id(options.customer_id);
  request.set_page_size(options.page.page_size);
  v1::Tasks::Stub stub(Connect(options.remote));
  std::vector<v1::ListTasksResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::ListTasksResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.ListTasks(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err, RenderTaskPages);
}

int RunTaskWatch(const TaskWatchOptions& options, std::ostream& out, std::ostream& err) {
  if (options.count < 0) {
    err << "error: --count must be 0 (no end) or more\n";
    return kExitBadInput;
  }
  v1::WatchTasksRequest request;
  request.set_queue(options.queue);
  request.set_customer_id(options.customer_id);
  v1::Tasks::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  // Watching has no end of its own: a deadline only when one was asked for.
  if (options.remote.timeout_seconds > 0) SetDeadline(options.remote, 0, &context);
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> reader = stub.WatchTasks(&context, request);
  return FollowStream(
      context, *reader, options.count, options.remote, out, err,
      [&](const v1::TaskChange& change, int64_t) {
        if (options.remote.json) {
          PrintJson(change, out);
        } else {
          const v1::Task& t = change.task();
          out << (change.existing() ? "existing " : "") << "task " << t.task_id() << " "
              << t.status() << ": " << t.task() << " for " << t.customer_id()
              << (t.queue().empty() ? "" : StrCat(" (", t.queue(), ")"))
              << (t.status() == "claimed" ? StrCat(" by ", t.claimed_by()) : "")
              << (t.status() == "closed" ? StrCat(" by ", t.closed_by()) : "")
              << (t.status() == "open" ? StrCat(", rule ", t.rule_id(), ", ", t.source()) : "")
              << "\n";
        }
      });
}

int RunTaskChange(bool close, const TaskChangeOptions& options, std::ostream& out,
                  std::ostream& err) {
  if (options.actor.empty()) {
    err << "error: --actor is required (who; it is recorded in the audit trail)\n";
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  v1::TaskResponse response;
  grpc::Status status;
  if (close) {
    v1::CloseTaskRequest request;
    request.set_idempotency_key(key.key);
    request.set_task_id(options.task_id);
    request.set_actor(options.actor);
    request.set_outcome(options.outcome);
    status = CallUnary(options.remote, &v1::Tasks::Stub::CloseTask, request, &response);
  } else {
    v1::ClaimTaskRequest request;
    request.set_idempotency_key(key.key);
    request.set_task_id(options.task_id);
    request.set_actor(options.actor);
    status = CallUnary(options.remote, &v1::Tasks::Stub::ClaimTask, request, &response);
  }
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [](const v1::TaskResponse& r) { return RenderChanged(r.task()); });
}

}  // namespace clientele::client
