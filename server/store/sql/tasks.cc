// Tasks the rules give people for customers (records.h TaskRecord): one
// open per rule and customer, which a partial unique index keeps so
// whatever order writes come in.
#include "common/strings.h"
#include "server/store/sql/connection.h"
#include "server/store/sql/values.h"

namespace clientele::server::sql {

namespace {

// Evidence lines are kept as one text, joined by the unit separator (which
// a line of evidence never holds).
constexpr char kEvidenceSeparator = '\x1f';

std::string JoinEvidence(const std::vector<std::string>& lines) {
  return StrJoin(lines, std::string_view(&kEvidenceSeparator, 1));
}

std::vector<std::string> SplitEvidence(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(kEvidenceSeparator, begin);
    lines.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) return lines;
    begin = end + 1;
  }
}

}  // namespace

TaskRecord Connection::RowToTask(sql::Statement& s) {
  TaskRecord t;
  t.id = s.getColumn(0).getInt64();
  t.customer_id = s.getColumn(1).getString();
  t.rule_id = s.getColumn(2).getString();
  t.task = s.getColumn(3).getString();
  t.queue = s.getColumn(4).getString();
  t.status = s.getColumn(5).getString();
  t.ruleset_version = s.getColumn(6).getString();
  t.evidence = SplitEvidence(s.getColumn(7).getString());
  t.source = s.getColumn(8).getString();
  t.opened_at = s.getColumn(9).getString();
  t.due_on = ColumnDate(s.getColumn(10));
  t.claimed_by = s.getColumn(11).getString();
  t.claimed_at = s.getColumn(12).getString();
  t.closed_by = s.getColumn(13).getString();
  t.closed_at = s.getColumn(14).getString();
  t.outcome = s.getColumn(15).getString();
  return t;
}

absl::StatusOr<std::optional<int64_t>> Connection::UnsafeOpenTask(const TaskRecord& t) {
  {
    sql::Statement& s = Prepared("SELECT 1 FROM customers WHERE id = ?");
    Done done{s};
    s.bind(1, t.customer_id);
    if (!s.executeStep()) {
      return absl::NotFoundError(StrCat("customer '", t.customer_id, "' not found"));
    }
  }
  sql::Statement& s = Prepared(
      "INSERT OR IGNORE INTO tasks (customer_id, rule_id, task, queue, status, ruleset_version, "
      "evidence, source, opened_at, due_on) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) "
      "RETURNING id");
  Done done{s};
  s.bind(1, t.customer_id);
  s.bind(2, t.rule_id);
  s.bind(3, t.task);
  s.bind(4, t.queue);
  s.bind(5, t.ruleset_version);
  s.bind(6, JoinEvidence(t.evidence));
  s.bind(7, t.source);
  s.bind(8, NowText());
  BindDate(s, 9, t.due_on);
  if (!s.executeStep()) return std::optional<int64_t>();  // one is open already
  const int64_t id = s.getColumn(0).getInt64();
  if (std::optional<TaskRecord> opened = UnsafeFindTask(id)) NoteTaskChange(*opened);
  return std::optional<int64_t>(id);
}

std::optional<TaskRecord> Connection::UnsafeFindTask(int64_t id) {
  sql::Statement& s = Prepared(StrCat(kTaskColumns, "WHERE id = ?"));
  Done done{s};
  s.bind(1, id);
  if (!s.executeStep()) return std::nullopt;
  return RowToTask(s);
}

absl::Status Connection::UnsafeUpdateTask(const TaskRecord& t) {
  sql::Statement& s = Prepared(
      "UPDATE tasks SET status = ?2, claimed_by = ?3, claimed_at = ?4, closed_by = ?5, "
      "closed_at = ?6, outcome = ?7 WHERE id = ?1");
  Done done{s};
  s.bind(1, t.id);
  s.bind(2, t.status);
  s.bind(3, t.claimed_by);
  const std::string now = NowText();
  s.bind(4, t.claimed_at.empty() && t.status == "claimed" ? now : t.claimed_at);
  s.bind(5, t.closed_by);
  s.bind(6, t.closed_at.empty() && t.status == "closed" ? now : t.closed_at);
  s.bind(7, t.outcome);
  if (s.exec() != 1) return absl::NotFoundError(StrCat("task ", t.id, " not found"));
  if (std::optional<TaskRecord> updated = UnsafeFindTask(t.id)) NoteTaskChange(*updated);
  return absl::OkStatus();
}

void Connection::NoteTasksOfDeletedCustomer(std::string_view customer_id) {
  sql::Statement& s =
      Prepared(StrCat(kTaskColumns, "WHERE customer_id = ? AND status != 'closed'"));
  Done done{s};
  s.bind(1, std::string(customer_id));
  const std::string now = NowText();
  while (s.executeStep()) {
    TaskRecord task = RowToTask(s);
    task.status = "closed";
    task.closed_by = "clientele";
    task.closed_at = now;
    task.outcome = "the customer was deleted";
    NoteTaskChange(task);
  }
}

void Connection::TrimTaskChanges() {
  // Sequences grow by one per change (AUTOINCREMENT; an identity column
  // whose gaps only make fewer rows kept), so the newest are those above
  // the last minus the number kept: one probe of the primary key.
  sql::Statement& s = Prepared(
      "DELETE FROM task_changes WHERE sequence <= (SELECT max(sequence) FROM task_changes) - ?");
  Done done{s};
  s.bind(1, options_.task_changes_kept);
  s.exec();
}

void Connection::NoteTaskChange(const TaskRecord& t) {
  task_changes_.Note(t);
  if (!log_task_changes_) return;
  sql::Statement& s = Prepared(
      "INSERT INTO task_changes (id, customer_id, rule_id, task, queue, status, "
      "ruleset_version, evidence, source, opened_at, due_on, claimed_by, claimed_at, closed_by, "
      "closed_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Done done{s};
  s.bind(1, t.id);
  s.bind(2, t.customer_id);
  s.bind(3, t.rule_id);
  s.bind(4, t.task);
  s.bind(5, t.queue);
  s.bind(6, t.status);
  s.bind(7, t.ruleset_version);
  s.bind(8, JoinEvidence(t.evidence));
  s.bind(9, t.source);
  s.bind(10, t.opened_at);
  BindDate(s, 11, t.due_on);
  s.bind(12, t.claimed_by);
  s.bind(13, t.claimed_at);
  s.bind(14, t.closed_by);
  s.bind(15, t.closed_at);
  s.bind(16, t.outcome);
  s.exec();
}

std::vector<TaskRecord> Connection::ReadTaskChangesAfter(int64_t after_sequence,
                                                         int64_t* last_sequence) {
  static const std::string sql = StrCat(
      "SELECT id, customer_id, rule_id, task, queue, status, ruleset_version, evidence, source, "
      "opened_at, due_on, claimed_by, claimed_at, closed_by, closed_at, outcome, sequence "
      "FROM task_changes WHERE sequence > ? ORDER BY sequence LIMIT 1000");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, after_sequence);
  std::vector<TaskRecord> changes;
  *last_sequence = after_sequence;
  while (s.executeStep()) {
    changes.push_back(RowToTask(s));
    *last_sequence = s.getColumn(16).getInt64();
  }
  return changes;
}

absl::StatusOr<std::optional<int64_t>> Connection::OpenTask(const TaskRecord& task) {
  return Guarded("opening a task", [&] { return UnsafeOpenTask(task); });
}

absl::StatusOr<std::optional<TaskRecord>> Connection::FindTask(int64_t id) {
  return Guarded("reading a task",
                 [&]() -> absl::StatusOr<std::optional<TaskRecord>> { return UnsafeFindTask(id); });
}

absl::StatusOr<std::vector<std::string>> Connection::RulesWithTasks(std::string_view customer_id,
                                                                    bool closed_too) {
  return Guarded("reading a customer's tasks", [&]() -> absl::StatusOr<std::vector<std::string>> {
    // Served by the partial unique index (customer_id, rule_id), or by
    // tasks_by_customer.
    sql::Statement& s = Prepared(
        closed_too ? "SELECT DISTINCT rule_id FROM tasks WHERE customer_id = ?"
                   : "SELECT rule_id FROM tasks WHERE customer_id = ? AND status != 'closed'");
    Done done{s};
    s.bind(1, std::string(customer_id));
    std::vector<std::string> rules;
    while (s.executeStep()) rules.push_back(s.getColumn(0).getString());
    return rules;
  });
}

absl::Status Connection::UpdateTask(const TaskRecord& task) {
  return Guarded("updating a task", [&] { return UnsafeUpdateTask(task); });
}

}  // namespace clientele::server::sql
