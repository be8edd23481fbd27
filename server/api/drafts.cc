#include "server/api/drafts.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/clock.h"
#include "common/csv.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "rules/parameter_table.h"
#include "rules/ruleset.h"
#include "server/api/conversion.h"
#include "server/api/draft_rulesets.h"
#include "server/api/requests.h"
#include "server/api/serving.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation

namespace {

constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxFileNameBytes = 255;  // NAME_MAX
constexpr size_t kMaxParameterTextBytes = 4096;  // a value or a comment in the sheet

absl::Status CheckTitle(std::string_view field, std::string_view title) {
  return CheckText(field, title, kMaxTitleBytes, true);
}

// A rule file's name, as the reloader would read it from a directory: a
// name (never a path) ending .yaml or .yml, not hidden.
absl::Status CheckRuleFileName(std::string_view field, std::string_view name) {
  if (absl::Status s = CheckText(field, name, kMaxFileNameBytes, true); !s.ok()) return s;
  if (name.find_first_of("/\\") != std::string_view::npos) {
    return Invalid(field, StrCat("'", name, "' is a path; give the file name only"));
  }
  if (name.find("..") != std::string_view::npos || name.front() == '.') {
    return Invalid(field, StrCat("'", name, "' may not start with . or contain .."));
  }
  if (!name.ends_with(".yaml") && !name.ends_with(".yml")) {
    return Invalid(field, StrCat("'", name, "' must end .yaml or .yml, as rule files do"));
  }
  return absl::OkStatus();
}

rules::RuleSource* FindFile(DraftRecord& draft, std::string_view name) {
  for (rules::RuleSource& file : draft.files) {
    if (file.path == name) return &file;
  }
  return nullptr;
}

absl::StatusOr<rules::RuleSource*> ExistingFile(DraftRecord& draft, std::string_view field,
                                                std::string_view name) {
  if (absl::Status s = CheckText(field, name, kMaxFileNameBytes, true); !s.ok()) return s;
  rules::RuleSource* file = FindFile(draft, name);
  if (file == nullptr) {
    return absl::NotFoundError(StrCat("draft ", draft.id, " has no file '", name, "'"));
  }
  return file;
}

// One parameter edit of an EditDraftRequest (its field `change`, e.g.
// "set_parameter_value"): checks `text` (the edit's field `text_field`),
// then replaces the text of `draft`'s file `file_name` with what `edit`
// makes of it. A refusal of `edit` for bad input is about `text_field`.
absl::Status EditParameter(
    DraftRecord& draft, std::string_view change, std::string_view file_name,
    std::string_view text_field, std::string_view text, TextKind kind,
    absl::FunctionRef<absl::StatusOr<std::string>(const rules::RuleSource&)> edit) {
  absl::StatusOr<rules::RuleSource*> file = ExistingFile(draft, StrCat(change, ".file"), file_name);
  if (!file.ok()) return file.status();
  const std::string field = StrCat(change, ".", text_field);
  if (absl::Status s = CheckText(field, text, kMaxParameterTextBytes, false, kind); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> edited = edit(**file);
  if (!edited.ok()) {
    if (edited.status().code() == absl::StatusCode::kInvalidArgument) {
      return Invalid(field, View(edited.status().message()));
    }
    return edited.status();
  }
  (*file)->content = std::move(*edited);
  return absl::OkStatus();
}

// Applies one change of an EditDraftRequest to `draft`'s files or title.
absl::Status ApplyChange(const v1::EditDraftRequest& request, DraftRecord& draft) {
  switch (request.change_case()) {
    case v1::EditDraftRequest::kSetParameterValue: {
      const v1::ParameterValueEdit& edit = request.set_parameter_value();
      return EditParameter(draft, "set_parameter_value", edit.file(), "value", edit.value(),
                           TextKind::kLine, [&](const rules::RuleSource& file) {
                             return rules::SetParameterValue(file, edit.name(), edit.value());
                           });
    }
    case v1::EditDraftRequest::kSetParameterComment: {
      const v1::ParameterCommentEdit& edit = request.set_parameter_comment();
      return EditParameter(draft, "set_parameter_comment", edit.file(), "comment", edit.comment(),
                           TextKind::kFreeText, [&](const rules::RuleSource& file) {
                             return rules::SetParameterComment(file, edit.name(), edit.comment());
                           });
    }
    case v1::EditDraftRequest::kPutFile: {
      const v1::DraftFile& put = request.put_file();
      if (absl::Status s = CheckRuleFileName("put_file.name", put.name()); !s.ok()) return s;
      // A rule file is text of at most what a reload reads (LoadOptions).
      if (absl::Status s =
              CheckText("put_file.text", put.text(), rules::LoadOptions().max_file_bytes, false,
                        TextKind::kFreeText);
          !s.ok()) {
        return s;
      }
      if (rules::RuleSource* file = FindFile(draft, put.name())) {
        file->content = put.text();
      } else {
        if (draft.files.size() >= rules::LoadOptions().max_files) {
          return Invalid("put_file.name", StrCat("a ruleset has at most ",
                                                 rules::LoadOptions().max_files, " files"));
        }
        draft.files.push_back({put.name(), put.text()});
        std::sort(
            draft.files.begin(), draft.files.end(),
            [](const rules::RuleSource& a, const rules::RuleSource& b) { return a.path < b.path; });
      }
      return absl::OkStatus();
    }
    case v1::EditDraftRequest::kDeleteFile: {
      absl::StatusOr<rules::RuleSource*> file =
          ExistingFile(draft, "delete_file", request.delete_file());
      if (!file.ok()) return file.status();
      draft.files.erase(draft.files.begin() + (*file - draft.files.data()));
      return absl::OkStatus();
    }
    case v1::EditDraftRequest::kTitle:
      if (absl::Status s = CheckTitle("title", request.title()); !s.ok()) return s;
      draft.title = request.title();
      return absl::OkStatus();
    case v1::EditDraftRequest::CHANGE_NOT_SET:
      break;
  }
  return Invalid("change",
                 "give one change: set_parameter_value, set_parameter_comment, "
                 "put_file, delete_file or title");
}

// `text` as UTF-8 a proto string may hold: each ill-formed byte becomes
// U+FFFD.
std::string ValidUtf8(const std::string& text) {
  if (utf8::FindInvalidUtf8(text) == std::string_view::npos) return text;
  std::string valid;
  for (size_t i = 0; i < text.size();) {
    int length = 1;
    if (utf8::Decode(text, i, &length) < 0) {
      valid += "\xEF\xBF\xBD";
    } else {
      valid.append(text, i, length);
    }
    i += length;
  }
  return valid;
}

// The columns of the parameters sheet, in order.
constexpr std::array<std::string_view, 5> kSheetColumns = {"file", "name", "value", "comment",
                                                           "read_by"};
constexpr size_t kMaxSheetBytes = 1 << 20;
constexpr int kMaxSheetChanges = 500;

// A comment as a sheet cell: one that a spreadsheet would run as a
// formula (=, +, -, @ first) starts with an apostrophe, which spreadsheets
// show as "this is text" and do not save back; SheetComment undoes it for
// a sheet saved by something that kept it.
std::string CommentCell(const std::string& comment) {
  if (!comment.empty() && std::string_view("=+-@").find(comment.front()) != std::string::npos) {
    return "'" + comment;
  }
  return comment;
}

std::string SheetComment(std::string cell) {
  if (cell.size() >= 2 && cell.front() == '\'' &&
      std::string_view("=+-@").find(cell[1]) != std::string::npos) {
    cell.erase(0, 1);
  }
  return cell;
}

// The column of each sheet column name in `header`; INVALID_ARGUMENT for
// a header that is not the sheet's.
absl::StatusOr<std::map<std::string, size_t>> SheetColumns(const csv::Record& header) {
  std::map<std::string, size_t> columns;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i];
    if (std::find(kSheetColumns.begin(), kSheetColumns.end(), name) == kSheetColumns.end()) {
      return Invalid("csv", StrCat("line ", header.line, ": '", name,
                                   "' is not a column of the sheet (file, name, value, comment, "
                                   "read_by)"));
    }
    if (!columns.emplace(name, i).second) {
      return Invalid("csv", StrCat("line ", header.line, ": column '", name, "' twice"));
    }
  }
  for (const char* needed : {"file", "name", "value", "comment"}) {
    if (!columns.contains(needed)) {
      return Invalid("csv", StrCat("line ", header.line, ": the sheet needs the column '", needed,
                                   "' (export one to start from)"));
    }
  }
  return columns;
}

// Changes `draft`'s files as the sheet says: each value and comment that
// differs, in place. True when something changed; INVALID_ARGUMENT with
// every problem, one per line, and `draft` as it was, otherwise.
absl::StatusOr<bool> ApplySheet(const std::vector<csv::Record>& records, DraftRecord& draft) {
  if (records.empty()) return Invalid("csv", "the sheet is empty: export one to start from");
  absl::StatusOr<std::map<std::string, size_t>> columns = SheetColumns(records.front());
  if (!columns.ok()) return columns.status();
  std::map<std::pair<std::string, std::string>, rules::ParameterRow> rows;
  for (rules::ParameterRow& row : rules::ReadParameterTable(draft.files).rows) {
    rows.emplace(std::pair{row.file, row.name}, std::move(row));
  }
  std::vector<rules::RuleSource> files = draft.files;
  std::vector<std::string> problems;
  std::set<std::pair<std::string, std::string>> seen;
  int changes = 0;
  for (size_t r = 1; r < records.size(); ++r) {
    const csv::Record& record = records[r];
    auto field = [&](const char* column) -> std::string {
      const size_t at = columns->at(column);
      return at < record.fields.size() ? record.fields[at] : "";
    };
    const std::pair<std::string, std::string> key{field("file"), field("name")};
    const std::string where = StrCat("line ", record.line, " (", key.second, ")");
    const auto found = rows.find(key);
    if (found == rows.end()) {
      problems.push_back(StrCat(where, ": the draft has no parameter '", key.second, "' in '",
                                key.first, "'; a sheet changes parameters, it adds none"));
      continue;
    }
    if (!seen.insert(key).second) {
      problems.push_back(StrCat(where, ": the parameter is in the sheet twice"));
      continue;
    }
    rules::RuleSource* file = nullptr;
    for (rules::RuleSource& candidate : files) {
      if (candidate.path == key.first) file = &candidate;
    }
    // Spreadsheets may end a comment's lines with CRLF.
    std::string comment = SheetComment(field("comment"));
    comment.erase(std::remove(comment.begin(), comment.end(), '\r'), comment.end());
    const std::string value = field("value");
    if (value != found->second.value) {
      absl::StatusOr<std::string> edited = rules::SetParameterValue(*file, key.second, value);
      if (!edited.ok()) {
        problems.push_back(StrCat(where, ": ", View(edited.status().message())));
        continue;
      }
      file->content = std::move(*edited);
      ++changes;
    }
    if (comment != found->second.comment) {
      absl::StatusOr<std::string> edited = rules::SetParameterComment(*file, key.second, comment);
      if (!edited.ok()) {
        problems.push_back(StrCat(where, ": ", View(edited.status().message())));
        continue;
      }
      file->content = std::move(*edited);
      ++changes;
    }
    // Each change reads its file again: bounded, so that one sheet cannot
    // hold a worker for long.
    if (changes > kMaxSheetChanges) {
      return Invalid("csv", StrCat("line ", record.line, ": a sheet makes at most ",
                                   kMaxSheetChanges, " changes; import the rest in another"));
    }
  }
  if (!problems.empty()) {
    return Invalid("csv", StrCat(problems.size(), problems.size() == 1 ? " problem" : " problems",
                                 "; nothing was changed:\n", StrJoin(problems, "\n")));
  }
  // Blanks around a value change no file: no new revision for them.
  bool changed = false;
  for (size_t i = 0; i < files.size(); ++i) {
    changed = changed || files[i].content != draft.files[i].content;
  }
  draft.files = std::move(files);
  return changed;
}

}  // namespace

std::string DraftsApi::Now() const { return UtcMillisecondsText(absl::ToChronoTime(now_())); }

void DraftsApi::DraftToProto(const DraftRecord& draft, v1::Draft* out) const {
  out->Clear();  // the whole answer, whatever the message held
  DraftSummaryToProto(draft, out->mutable_summary());
  for (const rules::RuleSource& file : draft.files) {
    v1::DraftFile* shown = out->add_files();
    shown->set_name(file.path);
    // Files stored from a kept version are UTF-8 (the loader refuses
    // others); anything else is shown with U+FFFD, never sent as is.
    shown->set_text(ValidUtf8(file.content));
  }
  rules::LoadResult loaded;
  const std::map<std::string, std::vector<std::string>, std::less<>> readers =
      Readers(draft.files, &loaded);
  int errors = 0;
  for (const rules::Diagnostic& d : loaded.diagnostics) {
    DiagnosticToProto(d, out->add_diagnostics());
    if (d.severity == rules::Severity::kError) ++errors;
  }
  out->set_errors(errors);
  if (loaded.ok()) out->set_version(loaded.ruleset->version());
  for (const rules::ParameterRow& row : rules::ReadParameterTable(draft.files).rows) {
    v1::DraftParameter* parameter = out->add_parameters();
    parameter->set_name(row.name);
    parameter->set_file(row.file);
    parameter->set_line(row.line);
    parameter->set_value(row.value);
    parameter->set_comment(row.comment);
    parameter->set_group_comment(row.group_comment);
    parameter->set_description(row.description);
    parameter->set_editable(row.editable);
    parameter->set_not_editable_reason(row.not_editable_reason);
    if (auto found = readers.find(row.name); found != readers.end()) {
      for (const std::string& rule : found->second) parameter->add_read_by(rule);
    }
  }
}

std::map<std::string, std::vector<std::string>, std::less<>> DraftsApi::Readers(
    const std::vector<rules::RuleSource>& files, rules::LoadResult* loaded) const {
  *loaded = rules::RuleSet::LoadSources(files, reloader_->load_options());
  if (!loaded->ok()) return {};
  return loaded->ruleset->ParameterReaders();
}

absl::Status DraftsApi::StoreChange(DraftRecord& draft, std::string_view caller) {
  draft.revision += 1;
  draft.updated_at = Now();
  draft.updated_by = std::string(caller);
  return WriteOnRevision(*store_, "EditDraft",
                         [&](Transaction& tx) { return tx.ReplaceDraft(draft); });
}

absl::Status DraftsApi::CreateDraft(const v1::CreateDraftRequest& request, std::string_view caller,
                                    v1::Draft* response) {
  if (absl::Status s = CheckTitle("title", request.title()); !s.ok()) return s;
  std::string version = request.from_version();
  if (version.empty()) {
    std::shared_ptr<const ServedRuleset> served;
    if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
    version = served->ruleset->version();
  }
  absl::StatusOr<RulesetVersionRecord> kept = FindServedVersion(*store_, version);
  if (!kept.ok()) {
    if (kept.status().code() == absl::StatusCode::kInvalidArgument) {
      return Invalid("from_version", View(kept.status().message()));
    }
    return kept.status();
  }
  DraftRecord draft;
  draft.title = request.title();
  draft.author = std::string(caller);
  draft.updated_by = draft.author;
  draft.base_version = kept->version;
  draft.created_at = Now();
  draft.updated_at = draft.created_at;
  draft.files = std::move(kept->files);
  const absl::Status written = WriteOnRevision(*store_, "CreateDraft", [&](Transaction& tx) {
    absl::StatusOr<int64_t> id = tx.CreateDraft(draft);
    if (!id.ok()) return id.status();
    draft.id = *id;
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  DraftToProto(draft, response);
  return absl::OkStatus();
}

absl::Status DraftsApi::GetDraft(const v1::GetDraftRequest& request, v1::Draft* response) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, request.id());
  if (!draft.ok()) return draft.status();
  DraftToProto(*draft, response);
  return absl::OkStatus();
}

absl::Status DraftsApi::ListDrafts(const v1::ListDraftsRequest& request,
                                   v1::ListDraftsResponse* response) {
  absl::StatusOr<int> limit = CheckListSize("limit", request.limit());
  if (!limit.ok()) return limit.status();
  absl::StatusOr<std::vector<DraftRecord>> drafts = store_->Drafts(*limit);
  if (!drafts.ok()) return drafts.status();
  for (const DraftRecord& draft : *drafts) DraftSummaryToProto(draft, response->add_drafts());
  return absl::OkStatus();
}

absl::Status DraftsApi::EditDraft(const v1::EditDraftRequest& request, std::string_view caller,
                                  v1::Draft* response) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  if (request.revision() <= 0) {
    return Invalid("revision", "give the revision of the draft the change was made on");
  }
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, request.id());
  if (!draft.ok()) return draft.status();
  // Refused before the change is tried: its place may have moved since.
  if (draft->revision != request.revision()) {
    return absl::AbortedError(StrCat("draft ", draft->id, " changed meanwhile (now revision ",
                                     draft->revision, ", by ", draft->updated_by, ", not ",
                                     request.revision(), "): read it again and redo the change"));
  }
  if (absl::Status s = ApplyChange(request, *draft); !s.ok()) return s;
  if (absl::Status s = StoreChange(*draft, caller); !s.ok()) return s;
  DraftToProto(*draft, response);
  return absl::OkStatus();
}

absl::Status DraftsApi::ExportDraftParameters(const v1::ExportDraftParametersRequest& request,
                                              v1::ExportDraftParametersResponse* response) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, request.id());
  if (!draft.ok()) return draft.status();
  rules::LoadResult loaded;
  const auto readers = Readers(draft->files, &loaded);
  std::string sheet(csv::kByteOrderMark);
  sheet += csv::Row({kSheetColumns.begin(), kSheetColumns.end()});
  for (const rules::ParameterRow& row : rules::ReadParameterTable(draft->files).rows) {
    const auto found = readers.find(row.name);
    sheet +=
        csv::Row({row.file, row.name, ValidUtf8(row.value), CommentCell(ValidUtf8(row.comment)),
                  found == readers.end() ? "" : StrJoin(found->second, "\n")});
  }
  response->set_csv(std::move(sheet));
  response->set_file_name(StrCat("draft-", draft->id, "-parameters.csv"));
  response->set_revision(draft->revision);
  return absl::OkStatus();
}

absl::Status DraftsApi::ImportDraftParameters(const v1::ImportDraftParametersRequest& request,
                                              std::string_view caller, v1::Draft* response) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  if (request.revision() <= 0) {
    return Invalid("revision", "give the revision of the draft the sheet was exported from");
  }
  if (absl::Status s = CheckText("csv", request.csv(), kMaxSheetBytes, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<csv::Record>> records = csv::Parse(request.csv());
  if (!records.ok()) return Invalid("csv", View(records.status().message()));
  absl::StatusOr<DraftRecord> draft = FindExistingDraft(*store_, request.id());
  if (!draft.ok()) return draft.status();
  if (draft->revision != request.revision()) {
    return absl::AbortedError(StrCat("draft ", draft->id,
                                     " changed since the sheet was exported "
                                     "(now revision ",
                                     draft->revision, ", by ", draft->updated_by, ", not ",
                                     request.revision(),
                                     "): export it again and redo the changes there"));
  }
  absl::StatusOr<bool> changed = ApplySheet(*records, *draft);
  if (!changed.ok()) return changed.status();
  if (*changed) {
    if (absl::Status s = StoreChange(*draft, caller); !s.ok()) return s;
  }
  DraftToProto(*draft, response);
  return absl::OkStatus();
}

absl::Status DraftsApi::DeleteDraft(const v1::DeleteDraftRequest& request, std::string_view caller,
                                    v1::DeleteDraftResponse* /*response*/) {
  if (absl::Status s = CheckDraftId(request.id()); !s.ok()) return s;
  if (request.revision() <= 0) {
    return Invalid("revision", "give the revision of the draft you mean to delete");
  }
  return WriteOnRevision(*store_, "DeleteDraft", [&](Transaction& tx) {
    return tx.DeleteDraft(request.id(), request.revision(), caller, Now());
  });
}

}  // namespace clientele::server
