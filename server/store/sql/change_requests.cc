// The console's change requests (ChangeRequestRecord), written: created
// "open", moved from one state to the next only from the state the caller
// saw, and voided with their draft's every change. Each step is an event,
// the request's audit. (Read in reads.cc, with the other reads.)
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

void Connection::UnsafeAppendChangeRequestEvent(int64_t id, const ChangeRequestEvent& event) {
  sql::Statement& s = Prepared(
      "INSERT INTO change_request_events (request_id, at, actor, action, comment, version, "
      "checks) VALUES (?, ?, ?, ?, ?, ?, ?)");
  Done done{s};
  s.bind(1, id);
  s.bind(2, event.at);
  s.bind(3, event.actor);
  s.bind(4, event.action);
  s.bind(5, event.comment);
  s.bind(6, event.version);
  s.bind(7, event.checks);
  s.exec();
}

absl::StatusOr<int64_t> Connection::UnsafeCreateChangeRequest(const ChangeRequestRecord& request,
                                                              const ChangeRequestEvent& submitted) {
  {
    // What was checked is what is submitted: not a draft changed since.
    sql::Statement& draft = Prepared("SELECT revision FROM drafts WHERE id = ?");
    Done done{draft};
    draft.bind(1, request.draft_id);
    if (!draft.executeStep()) {
      return absl::NotFoundError(StrCat("draft ", request.draft_id, " not found"));
    }
    if (draft.getColumn(0).getInt64() != request.draft_revision) {
      return UnsafeDraftMismatch(request.draft_id, request.draft_revision);
    }
  }
  {
    sql::Statement& pending = Prepared(
        "SELECT id, state, author FROM change_requests WHERE draft_id = ? AND state IN "
        "('open', 'approved') ORDER BY id LIMIT 1");
    Done done{pending};
    pending.bind(1, request.draft_id);
    if (pending.executeStep()) {
      const std::string state = pending.getColumn(1).getString();
      return absl::AlreadyExistsError(StrCat(
          "draft ", request.draft_id, " already has change request ",
          pending.getColumn(0).getInt64(), " (", state, ", submitted by ",
          pending.getColumn(2).getString(), "): ",
          state == "open" ? "wait for its review, or its submitter may withdraw it"
                          : "its submitter may withdraw it, or a change to the draft voids it"));
    }
  }
  int64_t id = 0;
  {
    sql::Statement& s = Prepared(
        "INSERT INTO change_requests (draft_id, draft_revision, version, title, author, "
        "submitted_at, serving_version, state, state_by, state_at, state_comment) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?5, ?6, ?8) RETURNING id");
    Done done{s};
    s.bind(1, request.draft_id);
    s.bind(2, request.draft_revision);
    s.bind(3, request.version);
    s.bind(4, request.title);
    s.bind(5, request.author);
    s.bind(6, request.submitted_at);
    s.bind(7, request.serving_version);
    s.bind(8, submitted.comment);
    s.executeStep();
    id = s.getColumn(0).getInt64();
  }
  UnsafeAppendChangeRequestEvent(id, submitted);
  return id;
}

absl::Status Connection::UnsafeMoveChangeRequest(int64_t id, std::string_view from,
                                                 std::string_view to,
                                                 const ChangeRequestEvent& event) {
  {
    sql::Statement& s = Prepared(
        "UPDATE change_requests SET state = ?3, state_by = ?4, state_at = ?5, state_comment = ?6 "
        "WHERE id = ?1 AND state = ?2");
    Done done{s};
    s.bind(1, id);
    s.bind(2, std::string(from));
    s.bind(3, std::string(to));
    s.bind(4, event.actor);
    s.bind(5, event.at);
    s.bind(6, event.comment);
    if (s.exec() != 1) {
      sql::Statement& find = Prepared("SELECT state, state_by FROM change_requests WHERE id = ?");
      Done found{find};
      find.bind(1, id);
      if (!find.executeStep()) {
        return absl::NotFoundError(StrCat("change request ", id, " not found"));
      }
      return absl::FailedPreconditionError(StrCat("change request ", id, " is ",
                                                  find.getColumn(0).getString(), " (by ",
                                                  find.getColumn(1).getString(), "), not ", from));
    }
  }
  UnsafeAppendChangeRequestEvent(id, event);
  return absl::OkStatus();
}

absl::Status Connection::UnsafeVoidChangeRequests(int64_t draft_id, std::string_view by,
                                                  std::string_view at, std::string_view why) {
  struct Pending {
    int64_t id;
    std::string state;
    std::string version;
  };
  std::vector<Pending> pending;
  {
    sql::Statement& s = Prepared(
        "SELECT id, state, version FROM change_requests WHERE draft_id = ? AND state IN "
        "('open', 'approved')");
    Done done{s};
    s.bind(1, draft_id);
    while (s.executeStep()) {
      pending.push_back(
          {s.getColumn(0).getInt64(), s.getColumn(1).getString(), s.getColumn(2).getString()});
    }
  }
  for (const Pending& request : pending) {
    if (absl::Status s = UnsafeMoveChangeRequest(
            request.id, request.state, "voided",
            {std::string(at), std::string(by), "voided", std::string(why), request.version, ""});
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::CreateChangeRequest(const ChangeRequestRecord& request,
                                                        const ChangeRequestEvent& submitted) {
  return Guarded("submitting a change request",
                 [&] { return UnsafeCreateChangeRequest(request, submitted); });
}

absl::Status Connection::MoveChangeRequest(int64_t id, std::string_view from, std::string_view to,
                                           const ChangeRequestEvent& event) {
  return Guarded("changing a change request's state",
                 [&] { return UnsafeMoveChangeRequest(id, from, to, event); });
}

}  // namespace clientele::server::sql
