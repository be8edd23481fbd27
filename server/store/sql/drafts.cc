// The console's rule drafts (DraftRecord), written: each draft's row and
// its files, replaced whole on every change, under a revision that refuses
// a change made on a stale copy; either voids the draft's pending change
// requests (change_requests.cc). (Read in reads.cc, with the other reads.)
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

absl::StatusOr<int64_t> Connection::UnsafeCreateDraft(const DraftRecord& draft) {
  int64_t id = 0;
  {
    sql::Statement& s = Prepared(
        "INSERT INTO drafts (title, author, base_version, created_at, updated_at, updated_by, "
        "revision) VALUES (?1, ?2, ?3, ?4, ?4, ?2, 1) RETURNING id");
    Done done{s};
    s.bind(1, draft.title);
    s.bind(2, draft.author);
    s.bind(3, draft.base_version);
    s.bind(4, draft.created_at);
    s.executeStep();
    id = s.getColumn(0).getInt64();
  }
  UnsafeWriteDraftFiles(id, draft.files);
  UnsafeAddDraftEditor(id, draft.author);
  return id;
}

void Connection::UnsafeAddDraftEditor(int64_t id, std::string_view editor) {
  sql::Statement& s = Prepared(
      "INSERT INTO draft_editors (draft_id, editor) VALUES (?, ?) "
      "ON CONFLICT (draft_id, editor) DO NOTHING");
  Done done{s};
  s.bind(1, id);
  s.bind(2, std::string(editor));
  s.exec();
}

absl::Status Connection::UnsafeReplaceDraft(const DraftRecord& draft) {
  {
    sql::Statement& s = Prepared(
        "UPDATE drafts SET title = ?2, updated_at = ?3, updated_by = ?4, revision = ?5 "
        "WHERE id = ?1 AND revision = ?5 - 1");
    Done done{s};
    s.bind(1, draft.id);
    s.bind(2, draft.title);
    s.bind(3, draft.updated_at);
    s.bind(4, draft.updated_by);
    s.bind(5, draft.revision);
    if (s.exec() != 1) return UnsafeDraftMismatch(draft.id, draft.revision - 1);
  }
  if (absl::Status s =
          UnsafeVoidChangeRequests(draft.id, draft.updated_by, draft.updated_at,
                                   StrCat("the draft was changed (revision ", draft.revision,
                                          ", by ", draft.updated_by, ") after it was submitted"));
      !s.ok()) {
    return s;
  }
  sql::Statement& clear = Prepared("DELETE FROM draft_files WHERE draft_id = ?");
  {
    Done done{clear};
    clear.bind(1, draft.id);
    clear.exec();
  }
  UnsafeWriteDraftFiles(draft.id, draft.files);
  UnsafeAddDraftEditor(draft.id, draft.updated_by);
  return absl::OkStatus();
}

void Connection::UnsafeWriteDraftFiles(int64_t id, const std::vector<rules::RuleSource>& files) {
  sql::Statement& insert =
      Prepared("INSERT INTO draft_files (draft_id, name, content) VALUES (?, ?, ?)");
  for (const rules::RuleSource& file : files) {
    Done done{insert};
    insert.bind(1, id);
    insert.bind(2, file.path);
    insert.bind(3, file.content.data(), static_cast<int>(file.content.size()));
    insert.exec();
  }
}

absl::Status Connection::UnsafeDraftMismatch(int64_t id, int64_t revision) {
  sql::Statement& find = Prepared("SELECT revision, updated_by FROM drafts WHERE id = ?");
  Done found{find};
  find.bind(1, id);
  if (!find.executeStep()) return absl::NotFoundError(StrCat("draft ", id, " not found"));
  return absl::AbortedError(StrCat(
      "draft ", id, " changed meanwhile (now revision ", find.getColumn(0).getInt64(), ", by ",
      find.getColumn(1).getString(), ", not ", revision, "): read it again and redo the change"));
}

absl::Status Connection::UnsafeDeleteDraft(int64_t id, int64_t revision, std::string_view by,
                                           std::string_view at) {
  // The files first (they name the draft); a refusal below rolls the
  // write back, them included.
  {
    sql::Statement& files = Prepared("DELETE FROM draft_files WHERE draft_id = ?");
    Done done{files};
    files.bind(1, id);
    files.exec();
  }
  {
    sql::Statement& editors = Prepared("DELETE FROM draft_editors WHERE draft_id = ?");
    Done done{editors};
    editors.bind(1, id);
    editors.exec();
  }
  sql::Statement& draft = Prepared("DELETE FROM drafts WHERE id = ? AND revision = ?");
  Done done{draft};
  draft.bind(1, id);
  draft.bind(2, revision);
  if (draft.exec() != 1) return UnsafeDraftMismatch(id, revision);
  return UnsafeVoidChangeRequests(id, by, at, StrCat("the draft was deleted by ", by));
}

absl::StatusOr<int64_t> Connection::CreateDraft(const DraftRecord& draft) {
  return Guarded("creating a draft", [&] { return UnsafeCreateDraft(draft); });
}

absl::Status Connection::ReplaceDraft(const DraftRecord& draft) {
  return Guarded("changing a draft", [&] { return UnsafeReplaceDraft(draft); });
}

absl::Status Connection::DeleteDraft(int64_t id, int64_t revision, std::string_view by,
                                     std::string_view at) {
  return Guarded("deleting a draft", [&] { return UnsafeDeleteDraft(id, revision, by, at); });
}

}  // namespace clientele::server::sql
