// The parameters files as a table that a person edits like a spreadsheet
// (the console's drafts): each parameter's value exactly as written, its
// comment, and edits that change the text of one value, or one comment,
// and nothing else. Every other byte of the file (the other comments, the
// order, the layout, the quotes) stays as its author wrote it, which
// rewriting the YAML with an emitter would not keep.
//
// Works on the files' YAML, through the same guarded parser as the loader;
// it does not type-check values (load the edited files for that: an edit
// that makes a number text is for the loader to refuse, at its place).
//
// All functions are pure; thread-safe.
#ifndef CLIENTELE_RULES_PARAMETER_TABLE_H_
#define CLIENTELE_RULES_PARAMETER_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"

namespace clientele::rules {

struct ParameterRow {
  std::string name;
  std::string file;  // the parameters file it is in (RuleSource::path)
  int line = 0;      // 1-based, of its value
  // Its value's text as written: 40, "40", 0.1, [88, 168], 2026-11-01.
  std::string value;
  // The comment lines right above its line, each without its '#' and the
  // one space after it, joined by '\n'; or, with none above, the comment
  // after the value on its line. "" when it has none.
  std::string comment;
  // When `comment` is "": the comment above the nearest parameter before
  // it in the file that has one, the heading of the group it is in.
  std::string group_comment;
  std::string description;  // the long form's `description:`; "" none
  // False when SetParameterValue cannot edit it in place (a value over
  // several lines, or with an anchor, alias or tag), and why.
  bool editable = true;
  std::string not_editable_reason;
};

struct ParameterTable {
  std::vector<ParameterRow> rows;    // files in the order given, parameters in file order
  std::vector<Diagnostic> problems;  // parameters files that are not YAML (no rows from them)
};

// The parameters of the files of kind `parameters` among `sources`.
ParameterTable ReadParameterTable(const std::vector<RuleSource>& sources);

// The text of `source` with the value of parameter `name` replaced by
// `value`, written as a table cell holds it: 35, 0.15, 2026-11-11,
// "产品C", [88, 168]. The value must be one line of YAML that reads as a
// number, a date, true/false, a text or a [list] on its own, without a
// comment. NOT_FOUND when the file has no such parameter;
// FAILED_PRECONDITION when the parameter is not editable in place;
// INVALID_ARGUMENT, saying what to write instead, for a value that is not
// one or that would not read back as itself where it goes.
absl::StatusOr<std::string> SetParameterValue(const RuleSource& source, std::string_view name,
                                              std::string_view value);

// The text of `source` with the comment of parameter `name` (as
// ParameterRow::comment reads it) replaced by `comment`: lines joined by
// '\n', written as '# ' lines above the parameter at its indentation; ""
// removes it. A comment after the value on its line is replaced there
// when it is the parameter's only comment and the new one is one line.
// NOT_FOUND and FAILED_PRECONDITION as SetParameterValue.
absl::StatusOr<std::string> SetParameterComment(const RuleSource& source, std::string_view name,
                                                std::string_view comment);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_PARAMETER_TABLE_H_
