#include "rules/parameter_table.h"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/strings.h"
#include "rules/internal/yaml_document.h"
#include "rules/internal/yaml_text.h"

namespace clientele::rules {
namespace {

using yaml_internal::ClosingQuote;
using yaml_internal::ParsedYaml;
using yaml_internal::ParseYamlDocument;
using yaml_internal::YamlText;

constexpr size_t kNone = std::string::npos;

// The byte offset where each line of `text` starts.
std::vector<size_t> LineStarts(std::string_view text) {
  std::vector<size_t> starts = {0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

// Line `line` (0-based) of `text` without its line break.
std::string_view LineText(std::string_view text, const std::vector<size_t>& starts, size_t line) {
  const size_t begin = starts[line];
  size_t end = line + 1 < starts.size() ? starts[line + 1] - 1 : text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return text.substr(begin, end - begin);
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The text of a comment: after its '#' and the one space that usually follows.
std::string CommentText(std::string_view comment) {
  comment.remove_prefix(1);  // '#'
  if (!comment.empty() && comment.front() == ' ') comment.remove_prefix(1);
  while (!comment.empty() && (comment.back() == ' ' || comment.back() == '\t')) {
    comment.remove_suffix(1);
  }
  return std::string(comment);
}

// Where the value written from `begin` ends: a quoted text at its closing
// quote, a [list] or {map} at its closing bracket, a plain text at the end
// of its line or a comment (and, inside brackets, at ',', ']' or '}'),
// trailing blanks excluded. kNone for a quote or bracket never closed.
size_t ValueEnd(std::string_view text, size_t begin, bool in_flow) {
  if (begin >= text.size()) return begin;
  const char first = text[begin];
  if (first == '"' || first == '\'') return ClosingQuote(text, begin);
  if (first == '[' || first == '{') {
    int depth = 0;
    for (size_t i = begin; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"' || c == '\'') {
        const size_t end = ClosingQuote(text, i);
        if (end == kNone) return kNone;
        i = end - 1;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) return i + 1;
      } else if (c == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
        while (i < text.size() && text[i] != '\n') ++i;
      }
    }
    return kNone;
  }
  size_t end = begin;
  for (size_t i = begin; i < text.size() && text[i] != '\n' && text[i] != '\r'; ++i) {
    const char c = text[i];
    if (c == '#' && i > begin && (text[i - 1] == ' ' || text[i - 1] == '\t')) break;
    if (in_flow && (c == ',' || c == ']' || c == '}')) break;
    if (c != ' ' && c != '\t') end = i + 1;
  }
  return end;
}

// One parameter as found in its file, with the places an edit changes.
struct Located {
  ParameterRow row;
  size_t key_line = 0;    // 0-based
  size_t key_column = 0;  // 0-based bytes: the indentation of a comment above
  size_t value_begin = 0;
  size_t value_end = 0;
  size_t comment_first_line = 0;  // of the block above; key_line when there is none
  size_t trailing_hash = kNone;   // the '#' of a comment after the value on its line
  size_t trailing_end = 0;        // the end of that line
  bool flow = false;              // the parameters map is in brackets: no comment lines above
  bool value_in_flow = false;     // the value is inside brackets: ',' ']' '}' end it
  std::string line_break = "\n";  // the file's, at the key: "\r\n" or "\n"
};

struct FileParameters {
  bool is_parameters = false;
  std::optional<Diagnostic> problem;
  std::vector<Located> parameters;
};

// Why a value written as `written` cannot be replaced in place; "" when it
// can. `node` is what the parser read there.
std::string NotEditableReason(std::string_view written, const YAML::Node& node) {
  static constexpr std::string_view kElsewhere = ": edit it in the YAML editor";
  if (written.empty()) return StrCat("it has no value", kElsewhere);
  const char first = written.front();
  if (first == '&' || first == '*' || first == '!') {
    return StrCat("its value has an anchor, alias or tag", kElsewhere);
  }
  if (first == '|' || first == '>') return StrCat("its value is a block of lines", kElsewhere);
  if (written.find_first_of("\r\n") != std::string_view::npos) {
    return StrCat("its value goes on over several lines", kElsewhere);
  }
  // What the written text reads as on its own must be what the file has
  // there: not so for a plain text continued on the next lines.
  const ParsedYaml alone = ParseYamlDocument(written);
  if (alone.problem || YamlText(alone.root) != YamlText(node)) {
    return StrCat("its value goes on over several lines", kElsewhere);
  }
  return "";
}

void AddParameter(std::string_view text, const std::vector<size_t>& starts, const std::string& path,
                  const YAML::Node& key, const YAML::Node& written, bool flow,
                  std::vector<Located>* out) {
  // `flow`: the parameters map itself is in brackets.
  Located located;
  ParameterRow& row = located.row;
  row.name = key.Scalar();
  row.file = path;
  YAML::Node value;
  // reset(), not operator=, which would write into the parsed file.
  value.reset(written);
  if (written.IsMap() && written["value"]) {
    value.reset(written["value"]);
    if (const YAML::Node description = written["description"];
        description && description.IsScalar()) {
      row.description = description.Scalar();
    }
    located.value_in_flow = written.Style() == YAML::EmitterStyle::Flow;
  }
  located.flow = flow;
  located.value_in_flow = located.value_in_flow || flow;
  located.key_line = static_cast<size_t>(key.Mark().line);
  located.key_column = static_cast<size_t>(key.Mark().column);
  const YAML::Mark mark = value.Mark();
  const bool placed =
      !value.IsNull() && mark.line >= 0 && static_cast<size_t>(mark.line) < starts.size();
  if (placed) {
    located.value_begin = starts[mark.line] + mark.column;
    located.value_end = ValueEnd(text, located.value_begin, located.value_in_flow);
  }
  if (!placed || located.value_end == kNone) {
    located.value_begin = located.value_end = 0;
    row.editable = false;
    row.not_editable_reason = "it has no value: edit it in the YAML editor";
  } else {
    row.line = mark.line + 1;
    row.value =
        std::string(text.substr(located.value_begin, located.value_end - located.value_begin));
    row.not_editable_reason = NotEditableReason(row.value, value);
    row.editable = row.not_editable_reason.empty();
  }
  {
    const std::string_view key_line = LineText(text, starts, located.key_line);
    const size_t next = starts[located.key_line] + key_line.size();
    if (next < text.size() && text[next] == '\r') located.line_break = "\r\n";
  }
  // The comment lines right above the key, then one after the value. A
  // line is a comment of this key only with its '#' no further right than
  // the key: lines further right may be the end of the previous value (a
  // block of text whose line starts with '#').
  std::vector<std::string> above;
  located.comment_first_line = located.key_line;
  for (size_t line = located.key_line; !flow && line > 0; --line) {
    const std::string_view whole = LineText(text, starts, line - 1);
    const std::string_view previous = Trim(whole);
    if (previous.empty() || previous.front() != '#') break;
    if (whole.find('#') > located.key_column) break;
    above.insert(above.begin(), CommentText(previous));
    located.comment_first_line = line - 1;
  }
  row.comment = StrJoin(above, "\n");
  if (row.editable) {
    const size_t value_line = static_cast<size_t>(mark.line);
    const size_t line_end = starts[value_line] + LineText(text, starts, value_line).size();
    const std::string_view rest = text.substr(located.value_end, line_end - located.value_end);
    const std::string_view trimmed = Trim(rest);
    if (!trimmed.empty() && trimmed.front() == '#') {
      located.trailing_hash = located.value_end + rest.find('#');
      located.trailing_end = line_end;
      if (above.empty()) row.comment = CommentText(trimmed);
    }
  }
  out->push_back(std::move(located));
}

FileParameters ReadFile(const RuleSource& source) {
  FileParameters file;
  const ParsedYaml parsed = ParseYamlDocument(source.content);
  if (parsed.problem) {
    const yaml_internal::YamlProblem& problem = *parsed.problem;
    file.problem = Diagnostic{Severity::kError,
                              source.path,
                              problem.line + 1,
                              problem.column + 1,
                              1,
                              problem.kind == yaml_internal::YamlProblem::Kind::kSyntax
                                  ? StrCat("this is not valid YAML: ", problem.message)
                                  : problem.message,
                              "clientele rules validate shows every problem",
                              ""};
    // A file that says it holds parameters and cannot be read is one of
    // the table's problems; any other is none of its business.
    file.is_parameters = source.content.find("parameters") != std::string::npos;
    return file;
  }
  const YAML::Node& root = parsed.root;
  if (!root.IsMap() || !root["kind"] || !root["kind"].IsScalar() ||
      root["kind"].Scalar() != "parameters") {
    return file;
  }
  file.is_parameters = true;
  const YAML::Node parameters = root["parameters"];
  if (!parameters || !parameters.IsMap()) return file;
  const std::vector<size_t> starts = LineStarts(source.content);
  const bool flow = parameters.Style() == YAML::EmitterStyle::Flow;
  for (const auto& entry : parameters) {
    if (!entry.first.IsScalar()) continue;
    AddParameter(source.content, starts, source.path, entry.first, entry.second, flow,
                 &file.parameters);
  }
  // A group's heading, for the parameters after the first of the group.
  std::string heading;
  for (Located& located : file.parameters) {
    const bool has_own_above = located.comment_first_line < located.key_line;
    if (has_own_above) {
      heading = located.row.comment;
    } else if (located.row.comment.empty()) {
      located.row.group_comment = heading;
    }
  }
  return file;
}

absl::StatusOr<Located> FindParameter(const RuleSource& source, std::string_view name) {
  FileParameters file = ReadFile(source);
  if (file.problem) {
    return absl::InvalidArgumentError(
        StrCat(source.path, " cannot be read: ", file.problem->message));
  }
  for (Located& located : file.parameters) {
    if (located.row.name == name) return std::move(located);
  }
  return absl::NotFoundError(StrCat("no parameter '", name, "' in ", source.path));
}

// What an edit of parameter `except` must leave as it was in a file:
// every top-level key's YAML but that of `parameters`, and every other
// parameter's YAML (its long form's description included) and comment.
std::map<std::string, std::string> Untouched(const RuleSource& source, std::string_view except) {
  std::map<std::string, std::string> kept;
  const ParsedYaml parsed = ParseYamlDocument(source.content);
  if (parsed.problem || !parsed.root.IsMap()) return kept;
  for (const auto& entry : parsed.root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : YamlText(entry.first);
    if (key != "parameters" || !entry.second.IsMap()) {
      kept[StrCat("key ", key)] = YamlText(entry.second);
      continue;
    }
    for (const auto& parameter : entry.second) {
      const std::string name = parameter.first.Scalar();
      if (name != except) kept[StrCat("parameter ", name)] = YamlText(parameter.second);
    }
  }
  for (const Located& located : ReadFile(source).parameters) {
    if (located.row.name != except) {
      kept[StrCat("comment ", located.row.name)] = located.row.comment;
    }
  }
  return kept;
}

// OK when `edited` reads as `original` but for parameter `changed`, which
// `check` accepts; INVALID_ARGUMENT when the edit changed more.
template <typename Check>
absl::Status SameButOne(const RuleSource& original, const std::string& edited,
                        std::string_view changed, Check check) {
  static constexpr char kMore[] =
      "it would change the file around it, not only this value: put it in quotes";
  const RuleSource after{original.path, edited};
  if (Untouched(original, changed) != Untouched(after, changed)) {
    return absl::InvalidArgumentError(kMore);
  }
  const FileParameters read = ReadFile(after);
  if (read.problem) return absl::InvalidArgumentError(kMore);
  for (const Located& located : read.parameters) {
    if (located.row.name == changed) return check(located);
  }
  return absl::InvalidArgumentError(kMore);
}

// Why `value` cannot be a parameter's value in a table cell; "" when it can.
// `in_flow`: where it goes, inside brackets, ',' ']' and '}' end a text.
std::string ValueProblem(std::string_view value, bool in_flow) {
  static constexpr std::string_view kQuote = "; to mean it as text, put it in quotes: \"…\"";
  if (value.empty()) return "a value is needed (for an empty text write \"\")";
  if (value.find_first_of("\r\n") != std::string_view::npos) return "a value is one line";
  const size_t end = ValueEnd(value, 0, false);
  if (end == kNone) return "a quote or bracket is not closed";
  if (in_flow && ValueEnd(value, 0, true) != value.size()) {
    return StrCat("it goes inside brackets, where ',', ']' and '}' end a text", kQuote);
  }
  if (end != value.size()) {
    return StrCat("YAML reads '", value.substr(0, end),
                  "' only: a '#' after a space starts a "
                  "comment",
                  kQuote);
  }
  const char first = value.front();
  if (first == '&' || first == '*' || first == '!' || first == '|' || first == '>') {
    return StrCat("'", value.substr(0, 1), "' at the start has a meaning of its own in YAML",
                  kQuote);
  }
  const ParsedYaml parsed = ParseYamlDocument(value);
  if (parsed.problem) return StrCat("YAML cannot read it: ", parsed.problem->message, kQuote);
  const YAML::Node& node = parsed.root;
  if (node.IsMap()) return StrCat("YAML reads it as a key and a value", kQuote);
  if (node.IsSequence() && node.Style() != YAML::EmitterStyle::Flow) {
    return StrCat("YAML reads it as a list item", kQuote, ", or write a list as [a, b]");
  }
  if (node.IsNull()) return StrCat("YAML reads it as no value", kQuote);
  return "";
}

}  // namespace

ParameterTable ReadParameterTable(const std::vector<RuleSource>& sources) {
  ParameterTable table;
  for (const RuleSource& source : sources) {
    FileParameters file = ReadFile(source);
    if (file.problem) {
      if (file.is_parameters) table.problems.push_back(std::move(*file.problem));
      continue;
    }
    for (Located& located : file.parameters) table.rows.push_back(std::move(located.row));
  }
  return table;
}

absl::StatusOr<std::string> SetParameterValue(const RuleSource& source, std::string_view name,
                                              std::string_view value) {
  absl::StatusOr<Located> located = FindParameter(source, name);
  if (!located.ok()) return located.status();
  if (!located->row.editable) {
    return absl::FailedPreconditionError(
        StrCat("parameter '", name,
               "' cannot be edited in the table: ", located->row.not_editable_reason));
  }
  const std::string_view trimmed = Trim(value);
  if (const std::string problem = ValueProblem(trimmed, located->value_in_flow); !problem.empty()) {
    return absl::InvalidArgumentError(
        StrCat("'", trimmed, "' cannot be the value of '", name, "': ", problem));
  }
  std::string edited = source.content;
  edited.replace(located->value_begin, located->value_end - located->value_begin, trimmed);
  const absl::Status same = SameButOne(source, edited, name, [&](const Located& after) {
    if (after.row.value == trimmed && after.row.editable) return absl::OkStatus();
    return absl::InvalidArgumentError(StrCat(
        "'", trimmed, "' would not read back as the value of '", name, "' where it goes (",
        after.row.not_editable_reason.empty() ? after.row.value : after.row.not_editable_reason,
        "): put it in quotes"));
  });
  if (!same.ok()) return same;
  return edited;
}

absl::StatusOr<std::string> SetParameterComment(const RuleSource& source, std::string_view name,
                                                std::string_view comment) {
  absl::StatusOr<Located> located = FindParameter(source, name);
  if (!located.ok()) return located.status();
  if (located->flow) {
    return absl::FailedPreconditionError(
        StrCat("parameter '", name,
               "' is written inside brackets, where a comment line cannot "
               "go: edit it in the YAML editor"));
  }
  if (comment.find('\r') != std::string_view::npos) {
    return absl::InvalidArgumentError("a comment line cannot hold a carriage return");
  }
  std::vector<std::string> lines;
  for (size_t begin = 0; begin <= comment.size();) {
    size_t end = comment.find('\n', begin);
    if (end == std::string_view::npos) end = comment.size();
    std::string_view line = comment.substr(begin, end - begin);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    lines.emplace_back(line);
    begin = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  const std::string wanted = StrJoin(lines, "\n");
  const std::vector<size_t> starts = LineStarts(source.content);
  const bool block_above = located->comment_first_line < located->key_line;
  std::string edited = source.content;
  if (!block_above && located->trailing_hash != kNone && lines.size() <= 1) {
    // Its only comment is after the value: replace it there.
    const size_t from = located->trailing_hash;
    edited.replace(from, located->trailing_end - from, lines.empty() ? "" : StrCat("# ", wanted));
    if (lines.empty()) {
      size_t cut = from;  // and the blanks before it
      while (cut > located->value_end && (edited[cut - 1] == ' ' || edited[cut - 1] == '\t')) {
        --cut;
      }
      edited.erase(cut, from - cut);
    }
  } else {
    if (!block_above && located->trailing_hash != kNone) {
      // The comment after the value was the comment shown: it gives way
      // to the lines above. (Later in the text: the offsets before it hold.)
      size_t cut = located->trailing_hash;
      while (cut > located->value_end && (edited[cut - 1] == ' ' || edited[cut - 1] == '\t')) {
        --cut;
      }
      edited.erase(cut, located->trailing_end - cut);
    }
    const std::string indent(located->key_column, ' ');
    std::string block;
    for (const std::string& line : lines) {
      StrAppend(&block, indent, line.empty() ? "#" : StrCat("# ", line), located->line_break);
    }
    const size_t from = starts[located->comment_first_line];
    const size_t to = starts[located->key_line];
    edited.replace(from, to - from, block);
  }
  const absl::Status same = SameButOne(source, edited, name, [&](const Located& after) {
    if (after.row.value == located->row.value && after.row.comment == wanted) {
      return absl::OkStatus();
    }
    return absl::InternalError("the comment would not read back as written");
  });
  if (!same.ok()) return same;
  return edited;
}

}  // namespace clientele::rules
