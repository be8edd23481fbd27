// Loading a ruleset: reading files, walking their YAML, compiling every
// expression and checking the set as a whole. Every problem becomes a
// Diagnostic; yaml-cpp exceptions are caught here and never escape.

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <sstream>
#include <unordered_map>

#include "absl/time/time.h"
#include "rules/internal/characters.h"
#include "rules/internal/compiler.h"
#include "rules/internal/parser.h"
#include "rules/internal/ruleset_data.h"
#include "rules/internal/shadowing.h"
#include "common/utf8.h"
#include "rules/internal/yaml_document.h"
#include "rules/ruleset.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "yaml-cpp/yaml.h"

namespace clientele::rules {
namespace {

using compiler_internal::CompileError;
using compiler_internal::DimensionInfo;
using compiler_internal::Parameter;
using compiler_internal::Scope;
using program_internal::Value;
using program_internal::ValueType;

// "tests" files hold the ruleset's own test cases (rules/rule_tests.h):
// part of the ruleset and its version, checked and run by RunRuleTests.
constexpr std::string_view kKinds[] = {"parameters",   "segmentation", "offers", "improvements",
                                       "interactions", "loyalty",      "events", "tasks",
                                       "rfm",          "tests"};

std::vector<std::string> Strings(std::initializer_list<std::string_view> items) {
  return std::vector<std::string>(items.begin(), items.end());
}

// One rule file with its lines, for positions and source excerpts.
struct FileText {
  std::string path;
  std::string content;
  std::vector<size_t> line_starts;

  void IndexLines() {
    line_starts = {0};
    for (size_t i = 0; i < content.size(); ++i) {
      if (content[i] == '\n') line_starts.push_back(i + 1);
    }
  }
  std::string_view Line(size_t line0) const {
    if (line0 >= line_starts.size()) return {};
    size_t begin = line_starts[line0];
    size_t end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    if (end > begin && content[end - 1] == '\r') --end;
    return std::string_view(content).substr(begin, end - begin);
  }
  size_t LineOf(size_t byte) const {
    return std::upper_bound(line_starts.begin(), line_starts.end(), byte) -
           line_starts.begin() - 1;
  }
};

// A YAML node together with the file it came from.
struct Located {
  const FileText* file = nullptr;
  YAML::Node node;
};

// Everything about one expression-valued key that the compiler needs.
struct ExpressionSite {
  const FileText* file = nullptr;
  YAML::Node node;
};

class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) {
    limits_.max_length = options.max_expression_bytes;
    limits_.max_depth = options.max_expression_depth;
  }

  LoadResult Load(std::vector<RuleSource> sources) {
    data_ = std::make_unique<RuleSetData>();
    std::sort(sources.begin(), sources.end(),
              [](const RuleSource& a, const RuleSource& b) { return a.path < b.path; });
    if (sources.size() > options_.max_files) {
      diagnostics_.Add({Severity::kError, "", 0, 0, 1,
                        StrCat("the ruleset has ", sources.size(),
                                     " files; the limit is ", options_.max_files),
                        "merge small files, or raise the limit", ""});
    } else {
      for (const RuleSource& source : sources) ReadFile(source);
    }
    if (!diagnostics_.HasErrors()) {
      CollectTierNames();
      CollectInteractionRuleIds();
      LoadEventTypes();
      LoadParameters();
      LoadDimensions();
      LoadOffers();
      LoadImprovements();
      LoadInteractions();
      LoadLoyalty();
      LoadEventEarning();
      LoadTasks();
      LoadRfm();
      CheckDuplicateRuleIds();
      for (const FactRequest& fact : data_->facts) {
        int32_t& days =
            IsProductFact(fact.kind) ? data_->product_history_days : data_->history_days;
        days = std::max(days, fact.days);
      }
      // Frequency and monetary read the purchases of the model's window.
      if (data_->rfm) data_->history_days = std::max(data_->history_days, data_->rfm->window_days);
      data_->reads_purchase_category = ReadsPurchaseCategory(data_->program);
    }
    LoadResult result;
    if (!diagnostics_.HasErrors()) {
      data_->sources = std::move(sources);
      data_->version = Version(data_->sources);
      data_->work_limit = options_.max_evaluation_work;
      auto ruleset = std::make_shared<const RuleSet>(std::move(data_));
      if (WithinWorkLimit(*ruleset)) result.ruleset = std::move(ruleset);
    }
    diagnostics_.SortByLocation();
    result.diagnostics = diagnostics_.items();
    return result;
  }

 private:
  // A ruleset whose rules alone take more than the work limit could never
  // evaluate anything: refuse it now rather than every request later.
  bool WithinWorkLimit(const RuleSet& ruleset) {
    const uint64_t work = ruleset.Summarize().work_without_text;
    if (options_.max_evaluation_work == 0 || work <= options_.max_evaluation_work) return true;
    diagnostics_.Add({Severity::kError, "", 0, 0, 1,
                      StrCat("one evaluation of these rules can take up to ", work,
                             " work units before any text is searched; the limit is ",
                             options_.max_evaluation_work),
                      "fewer rules or shorter keyword lists, or raise the limit "
                      "(max_evaluation_work in the server config)",
                      ""});
    return false;
  }

  // ---------------------------------------------------------------- diagnostics
  Diagnostic At(const FileText& file, size_t line0, size_t byte_column, size_t byte_length,
                Severity severity, std::string message, std::string hint) {
    Diagnostic d;
    d.severity = severity;
    d.file = file.path;
    d.line = static_cast<int>(line0 + 1);
    std::string_view line = file.Line(line0);
    byte_column = std::min(byte_column, line.size());
    d.column = static_cast<int>(utf8::CodePointCount(line.substr(0, byte_column)) + 1);
    size_t length_bytes = std::min(byte_length, line.size() - byte_column);
    d.length = std::max<int>(
        1, static_cast<int>(utf8::CodePointCount(line.substr(byte_column, length_bytes))));
    d.SetSource(line);
    d.message = std::move(message);
    d.hint = std::move(hint);
    return d;
  }

  void Report(const FileText& file, const YAML::Mark& mark, size_t length, std::string message,
              std::string hint = "", Severity severity = Severity::kError) {
    size_t line0 = mark.line < 0 ? 0 : static_cast<size_t>(mark.line);
    size_t column = mark.column < 0 ? 0 : static_cast<size_t>(mark.column);
    diagnostics_.Add(At(file, line0, column, length, severity, std::move(message), std::move(hint)));
  }

  // Reports at a YAML node, underlining its scalar text (or one character).
  void ReportAt(const Located& at, std::string message, std::string hint = "",
                Severity severity = Severity::kError) {
    size_t length = at.node.IsScalar() ? std::max<size_t>(1, at.node.Scalar().size()) : 1;
    if (at.node.IsScalar() && at.node.Tag() == "!") length += 2;  // quotes
    Report(*at.file, at.node.Mark(), length, std::move(message), std::move(hint), severity);
  }

  void ReportFile(const FileText& file, std::string message, std::string hint) {
    Diagnostic d;
    d.file = file.path;
    d.line = 1;
    d.column = 1;
    d.SetSource(file.Line(0));
    d.message = std::move(message);
    d.hint = std::move(hint);
    diagnostics_.Add(std::move(d));
  }

  // Byte position in the file of byte `offset` of a scalar's value: walks
  // the source alongside the value, skipping quotes, escapes, indentation
  // and folded line breaks.
  size_t SourcePosition(const FileText& file, const YAML::Node& node, size_t offset) {
    const std::string& src = file.content;
    const std::string& value = node.Scalar();
    size_t line0 = static_cast<size_t>(std::max(0, node.Mark().line));
    size_t p = file.line_starts[std::min(line0, file.line_starts.size() - 1)] +
               static_cast<size_t>(std::max(0, node.Mark().column));
    if (p < src.size() && (src[p] == '"' || src[p] == '\'')) {
      ++p;
    } else if (p < src.size() && (src[p] == '|' || src[p] == '>')) {
      size_t newline = src.find('\n', p);
      p = newline == std::string::npos ? src.size() : newline + 1;
    }
    for (size_t i = 0; i < offset && i < value.size() && p < src.size();) {
      if (value[i] == src[p]) {
        ++i;
        ++p;
      } else if (src[p] == '\\' || src[p] == ' ' || src[p] == '\n' || src[p] == '\r' ||
                 src[p] == '\t') {
        ++p;
      } else {
        ++i;
      }
    }
    while (p < src.size() && offset < value.size() && src[p] != value[offset] &&
           (src[p] == ' ' || src[p] == '\n')) {
      ++p;
    }
    return p;
  }

  void ReportExpression(const ExpressionSite& site, const CompileError& error) {
    if (ReportAtParameter(site, error)) return;
    const FileText& file = *site.file;
    size_t begin = SourcePosition(file, site.node, error.begin);
    size_t end = SourcePosition(file, site.node, error.end);
    size_t line0 = file.LineOf(begin);
    size_t column = begin - file.line_starts[line0];
    size_t length = end > begin && file.LineOf(end) == line0 ? end - begin : 1;
    diagnostics_.Add(At(file, line0, column, length,
                        error.warning ? Severity::kWarning : Severity::kError, error.message,
                        error.hint));
  }

  // ---------------------------------------------------------------- files
  void ReadFile(const RuleSource& source) {
    files_.push_back(std::make_unique<FileText>());
    FileText& file = *files_.back();
    file.path = source.path;
    file.content = source.content;
    file.IndexLines();
    if (file.content.size() > options_.max_file_bytes) {
      ReportFile(file,
                 StrCat("the file is ", file.content.size(), " bytes; the limit is ",
                              options_.max_file_bytes, " bytes"),
                 "split it into several files");
      return;
    }
    size_t bad = utf8::FindInvalidUtf8(file.content);
    if (bad != std::string_view::npos) {
      size_t line0 = file.LineOf(bad);
      diagnostics_.Add(At(file, line0, bad - file.line_starts[line0], 1, Severity::kError,
                          StrCat("the file is not valid UTF-8 (byte 0x",
                                       HexByte(static_cast<unsigned char>(file.content[bad])),
                                       ")"),
                          "save the file as UTF-8"));
      return;
    }
    if (!TextCharactersOnly(file)) return;
    yaml_internal::ParsedYaml parsed = yaml_internal::ParseYamlDocument(file.content);
    if (parsed.problem) {
      ReportYamlProblem(file, *parsed.problem);
      return;
    }
    const YAML::Node& root = parsed.root;
    if (!root.IsDefined() || root.IsNull()) {
      ReportFile(file, "the file is empty",
                 "start it with 'kind: ' and one of: parameters, segmentation, offers, "
                 "improvements, interactions, loyalty, events, tasks");
      return;
    }
    Located at{&file, root};
    if (!root.IsMap()) {
      ReportAt(at, "a rule file must be a mapping of keys such as 'kind:'",
               "start the file with a line like: kind: segmentation");
      return;
    }
    const YAML::Node kind = root["kind"];
    if (!kind.IsDefined()) {
      Report(file, root.Mark(), 1, "the file does not say its 'kind'",
             StrCat("add a first line: kind: ", GuessKind(root)));
      CheckKeys(at, Strings({"kind"}), "a rule file", /*report_unknown=*/false);
      return;
    }
    if (!kind.IsScalar()) {
      ReportAt({&file, kind}, "'kind' must be a single value, not a list or mapping",
               "write it as: kind: segmentation");
      return;
    }
    if (std::find(std::begin(kKinds), std::end(kKinds), kind.Scalar()) == std::end(kKinds)) {
      std::vector<std::string> kinds(std::begin(kKinds), std::end(kKinds));
      std::string name = kind.IsScalar() ? kind.Scalar() : "";
      ReportAt({&file, kind}, StrCat("unknown kind '", name, "'", KindSuggestion(name)),
               StrCat("the kinds are: ", StrJoin(kinds, ", ")));
      return;
    }
    const std::string& k = kind.Scalar();
    static const std::map<std::string, std::vector<std::string>, std::less<>> kTopKeys = {
        {"parameters", Strings({"kind", "description", "time_zone", "parameters"})},
        {"segmentation", Strings({"kind", "description", "dimensions"})},
        {"offers", Strings({"kind", "description", "groups", "offers"})},
        {"improvements", Strings({"kind", "description", "actions"})},
        {"interactions",
         Strings({"kind", "description", "satisfaction_range", "hit_policy", "rules"})},
        {"loyalty", Strings({"kind", "description", "points", "earning", "tier_policy", "tiers"})},
        {"events", Strings({"kind", "description", "types", "earning"})},
        {"tasks", Strings({"kind", "description", "rules"})},
        {"rfm",
         Strings({"kind", "description", "window_days", "recency", "frequency", "monetary"})},
        {"tests", Strings({"kind", "description", "cases"})},
    };
    CheckKeys(at, kTopKeys.at(k), StrCat("this ", k, " file"));
    roots_[k].push_back(at);
  }

  // Reports the first character that has no place in a text file: a NUL
  // (a binary or UTF-16 file), a line break made of a lone carriage return
  // (old Mac files: YAML would see one long line), or another control
  // character. Tabs and line breaks are fine.
  bool TextCharactersOnly(const FileText& file) {
    const std::string& text = file.content;
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      const bool c1_control =
          c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F;
      if (c >= 0x20 && c != 0x7F && !c1_control) continue;
      if (c == '\t' || c == '\n') continue;
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
      size_t line0 = file.LineOf(i);
      std::string hint = "delete it; a rule file holds text only";
      std::string message = StrCat("the file holds the control character ",
                                   characters_internal::Describe(text, i));
      if (c == 0) {
        message = "the file holds a NUL byte (U+0000)";
        hint = "it is not a text file, or was saved as UTF-16: save it as UTF-8 text";
      } else if (c == '\r') {
        message = "the file ends its lines with a lone carriage return (old Mac line endings)";
        hint = "save it with Unix (LF) or Windows (CRLF) line endings";
      }
      diagnostics_.Add(At(file, line0, i - file.line_starts[line0], 1, Severity::kError,
                          std::move(message), std::move(hint)));
      return false;
    }
    return true;
  }

  void ReportYamlProblem(const FileText& file, const yaml_internal::YamlProblem& problem) {
    YAML::Mark mark;
    mark.line = problem.line;
    mark.column = problem.column;
    if (problem.kind != yaml_internal::YamlProblem::Kind::kSyntax) {
      Report(file, mark, 1, problem.message, problem.hint);
      return;
    }
    mark = ClampToText(file, mark);
    Report(file, mark, 1, StrCat("this is not valid YAML: ", problem.message),
           YamlHint(file, mark, problem.message));
  }

  // yaml-cpp reports an unclosed bracket at the end of the text, one line
  // past the last: point at the end of the last line that has text instead.
  static YAML::Mark ClampToText(const FileText& file, YAML::Mark mark) {
    int last = static_cast<int>(file.line_starts.size()) - 1;
    while (last > 0 && file.Line(static_cast<size_t>(last)).find_first_not_of(" \t") ==
                           std::string_view::npos) {
      --last;
    }
    if (mark.line > last) {
      mark.line = last;
      mark.column = static_cast<int>(file.Line(static_cast<size_t>(last)).size());
    }
    return mark;
  }

  // "; did you mean 'x'?" for a misspelt kind, also for forms such as
  // "segments" or "offer" that are too far off for the edit distance.
  static std::string KindSuggestion(const std::string& name) {
    std::vector<std::string> kinds(std::begin(kKinds), std::end(kKinds));
    std::string suggestion = DidYouMeanSuffix(name, kinds);
    if (!suggestion.empty() || name.size() < 4) return suggestion;
    for (std::string_view kind : kKinds) {
      if (kind.substr(0, 4) == std::string_view(name).substr(0, 4)) {
        return StrCat("; did you mean '", kind, "'?");
      }
    }
    return "";
  }

  // The kind that a file without `kind:` most likely has, from its keys.
  static std::string_view GuessKind(const YAML::Node& root) {
    static constexpr std::pair<std::string_view, std::string_view> kKeyToKind[] = {
        {"dimensions", "segmentation"},
        {"offers", "offers"},
        {"actions", "improvements"},
        {"satisfaction_range", "interactions"},
        {"rules", "interactions"},
        {"types", "events"},
        {"earning", "loyalty"},
        {"tiers", "loyalty"},
        {"recency", "rfm"},
        {"frequency", "rfm"},
        {"parameters", "parameters"}};
    // `rules:` of tasks have a task each; those of interactions do not.
    const YAML::Node rules = root["rules"];
    if (rules.IsDefined() && rules.IsSequence() && rules.size() > 0 && rules[0].IsMap() &&
        rules[0]["task"].IsDefined()) {
      return "tasks";
    }
    for (const auto& [key, kind] : kKeyToKind) {
      if (root[std::string(key)].IsDefined()) return kind;
    }
    return "segmentation";
  }

  std::string YamlHint(const FileText& file, const YAML::Mark& mark, const std::string& error) {
    if (error.find("end of sequence flow") != std::string::npos) {
      return "a '[' is not closed: end the list with ']'";
    }
    if (error.find("end of map flow") != std::string::npos) {
      return "a '{' is not closed: end it with '}'";
    }
    if (error.find("referenced anchor is not defined") != std::string::npos) {
      return "an alias (*name) repeats what an anchor (&name) earlier in the file marks; to "
             "write a text that starts with '*', put it in quotes";
    }
    std::string_view line = file.Line(static_cast<size_t>(std::max(0, mark.line)));
    size_t colon = line.find(": ");
    if (colon != std::string_view::npos && colon + 2 < line.size() &&
        (line[colon + 2] == '"' || line[colon + 2] == '\'')) {
      return "a value that starts with a quote must be quoted as a whole: wrap it in the "
             "other kind of quotes, e.g. when: '\"VIP\" in segment.tags'";
    }
    if (line.find('\t') != std::string_view::npos) {
      return "YAML indentation must use spaces, not tabs";
    }
    return "check the indentation and that every ':' is followed by a space";
  }

  // ---------------------------------------------------------------- YAML helpers
  // Reports keys of `at` that are not allowed, or repeated.
  void CheckKeys(const Located& at, const std::vector<std::string>& allowed, std::string_view what,
                 bool report_unknown = true) {
    std::set<std::string> seen;
    for (auto it = at.node.begin(); it != at.node.end(); ++it) {
      Located key{at.file, it->first};
      if (!it->first.IsScalar()) {
        ReportAt(key, "keys must be plain words");
        continue;
      }
      const std::string& name = it->first.Scalar();
      if (!seen.insert(name).second) {
        ReportAt(key, StrCat("'", name, "' is given twice in ", what),
                 "keep one of them");
        continue;
      }
      if (report_unknown && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        ReportAt(key, StrCat("unknown key '", name, "' in ", what,
                                   DidYouMeanSuffix(name, allowed)),
                 StrCat("the keys of ", what, " are: ", StrJoin(allowed, ", ")));
      }
    }
  }

  // The child `key` of mapping `at`, or nullopt (reported when required).
  // The position of `key` in mapping `at` (an empty value has no position
  // of its own: yaml-cpp gives it the next token's).
  YAML::Mark KeyMark(const Located& at, std::string_view key) {
    for (auto it = at.node.begin(); it != at.node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->first.Mark();
    }
    return at.node.Mark();
  }

  std::optional<Located> Child(const Located& at, std::string_view key, std::string_view what,
                               bool required) {
    const YAML::Node child = at.node[std::string(key)];
    if (child.IsDefined() && !child.IsNull()) return Located{at.file, child};
    if (required && child.IsDefined()) {
      Report(*at.file, KeyMark(at, key), key.size(), StrCat("'", key, "' is empty"),
             key == "when" ? "write a condition, e.g. when: age < 40"
                           : StrCat("write a value after '", key, ": '"));
      return std::nullopt;
    }
    if (required) {
      Report(*at.file, at.node.Mark(), 1,
             StrCat(what, " has no '", key, "'"),
             StrCat("add '", key, ": ...' to it"));
    }
    return std::nullopt;
  }

  std::optional<std::string> Text(const Located& at, std::string_view key, std::string_view what,
                                  bool required) {
    std::optional<Located> child = Child(at, key, what, required);
    if (!child) return std::nullopt;
    if (!child->node.IsScalar()) {
      ReportAt(*child, StrCat("'", key, "' must be a single value, not a list or mapping"));
      return std::nullopt;
    }
    if (child->node.Scalar().find('\n') != std::string::npos && key != "when" &&
        key != "description") {
      ReportAt(*child, StrCat("'", key, "' must fit on one line"));
      return std::nullopt;
    }
    return child->node.Scalar();
  }

  // A name that customers and reports show (a segment, an offer, an
  // action, a tier): text with at least one visible character and no
  // control characters. "" would grant a nameless offer.
  std::optional<std::string> Name(const Located& at, std::string_view key, std::string_view what,
                                  bool required) {
    std::optional<std::string> name = Text(at, key, what, required);
    if (!name) return std::nullopt;
    if (name->find_first_not_of(" \t") == std::string::npos) {
      ReportAt(*Child(at, key, what, false), StrCat("'", key, "' is empty"),
               StrCat("write the name that customers and reports show, e.g. ", key, ": ",
                      NameExample(key)));
      return std::nullopt;
    }
    if (size_t control = FindControlCharacter(*name);
        control != std::string::npos) {
      ReportAt(*Child(at, key, what, false),
               StrCat("'", key, "' holds the control character ",
                      characters_internal::Describe(*name, control)),
               "remove it: names are shown to people and in reports");
      return std::nullopt;
    }
    return name;
  }

  static std::string_view NameExample(std::string_view key) {
    if (key == "offer") return "满100减20";
    if (key == "action") return "add_feature";
    if (key == "name") return "gold";
    return "年轻低收入群体";
  }

  bool ExpectMap(const Located& at, std::string_view what) {
    if (at.node.IsMap()) return true;
    ReportAt(at, StrCat(what, " must be a mapping of keys"),
             "write each key on its own line, e.g. 'id: ...' then 'when: ...'");
    return false;
  }

  bool ExpectSequence(const Located& at, std::string_view what) {
    if (at.node.IsSequence()) return true;
    ReportAt(at, StrCat(what, " must be a list"),
             "start each item with '- ' on its own line");
    return false;
  }

  std::vector<Located> Items(const Located& at) {
    std::vector<Located> items;
    for (const YAML::Node& item : at.node) items.push_back({at.file, item});
    return items;
  }

  std::optional<Decimal> Number(const Located& at, std::string_view key, std::string_view what,
                                bool required) {
    std::optional<std::string> text = Text(at, key, what, required);
    if (!text) return std::nullopt;
    absl::StatusOr<Decimal> value = Decimal::Parse(*text);
    if (!value.ok()) {
      ReportAt(*Child(at, key, what, false), std::string(value.status().message()));
      return std::nullopt;
    }
    return *value;
  }

  std::optional<int64_t> WholeNumber(const Located& at, std::string_view key,
                                     std::string_view what, bool required) {
    std::optional<std::string> text = Text(at, key, what, required);
    if (!text) return std::nullopt;
    absl::StatusOr<Decimal> value = Decimal::Parse(*text);
    if (!value.ok() || !value->IsInteger()) {
      ReportAt(*Child(at, key, what, false),
               StrCat("'", key, "' must be a whole number, not '", *text, "'"),
               StrCat("for example: ", key, ": 10"));
      return std::nullopt;
    }
    return value->IntegerPart();
  }

  std::optional<Date> DateValue(const Located& at, std::string_view key, std::string_view what) {
    std::optional<std::string> text = Text(at, key, what, false);
    if (!text) return std::nullopt;
    absl::StatusOr<Date> date = Date::Parse(*text);
    if (!date.ok()) {
      ReportAt(*Child(at, key, what, false), std::string(date.status().message()));
      return std::nullopt;
    }
    return *date;
  }

  // Reads `hit_policy` ("first" or "collect"); true for collect.
  bool CollectPolicy(const Located& at, std::string_view what) {
    std::optional<std::string> policy = Text(at, "hit_policy", what, false);
    if (!policy || *policy == "first") return false;
    if (*policy == "collect") return true;
    ReportAt(*Child(at, "hit_policy", what, false),
             StrCat("unknown hit_policy '", *policy, "'",
                          DidYouMeanSuffix(*policy, Strings({"first", "collect"}))),
             "first: the first matching rule decides; collect: every matching rule counts");
    return false;
  }

  // ---------------------------------------------------------------- expressions
  // Compiles the expression under `key`; reports problems and checks that
  // the result has the `expected` type (kInt also accepts kInt only;
  // kDecimal accepts any number).
  std::optional<compiler_internal::Compiled> Expression(const Located& at, std::string_view key,
                                                        std::string_view what, const Scope& scope,
                                                        ValueType expected) {
    std::optional<Located> child = Child(at, key, what, false);
    if (!child) {
      Child(at, key, what, true);  // reports it missing or empty
      return std::nullopt;
    }
    const std::string& tag = child->node.Tag();
    if (!tag.empty() && tag != "!" && tag != "?") {
      ReportAt(*child,
               StrCat("YAML read '", tag, "' as a tag, so the ", key, " lost its beginning"),
               tag[0] == '!' ? "write 'not' instead of '!', e.g. when: not (age < 40)"
                             : "wrap the whole value in quotes");
      return std::nullopt;
    }
    if (!child->node.IsScalar()) {
      ReportAt(*child, StrCat("'", key, "' must be an expression written as text"),
               "for example: when: age < 40 and consumption == \"low\"");
      return std::nullopt;
    }
    std::vector<CompileError> errors;
    std::vector<std::string> parameters_read;
    Scope reading = scope;
    reading.parameters_read = &parameters_read;
    compiler_internal::Compiled compiled = compiler_internal::CompileExpression(
        child->node.Scalar(), reading, limits_, &data_->program, &errors);
    for (std::string& parameter : parameters_read) {
      data_->parameter_reads.push_back(
          {std::move(parameter), at.file->path, at.node.Mark().line + 1});
    }
    ExpressionSite site{child->file, child->node};
    for (const CompileError& error : errors) ReportExpression(site, error);
    if (compiled.type == ValueType::kInvalid) return std::nullopt;
    bool ok = compiled.type == expected ||
              (expected == ValueType::kDecimal && program_internal::IsNumber(compiled.type));
    if (!ok) {
      std::string hint;
      if (expected == ValueType::kBool) hint = "compare it with something, e.g. age < 40";
      if (expected == ValueType::kInt && compiled.type == ValueType::kDecimal) {
        hint = "points are whole numbers: use round(...), floor(...) or ceil(...)";
      }
      ReportExpression(site, {0, static_cast<uint32_t>(compiled.text.size()),
                              StrCat("'", key, "' must be a ",
                                           program_internal::TypeName(expected), "; this is a ",
                                           program_internal::TypeName(compiled.type)),
                              hint});
      return std::nullopt;
    }
    return compiled;
  }

  Scope BaseScope() {
    Scope scope;
    scope.parameters = &data_->parameters;
    scope.dimensions = &dimension_infos_;
    if (!tier_names_.empty()) scope.tiers = &tier_names_;
    if (tier_window_known_) scope.tier_window = &tier_window_;
    scope.facts = &data_->facts;
    if (interaction_rule_ids_known_) scope.interaction_rules = &interaction_rule_ids_;
    if (event_types_known_) scope.event_types = &event_type_names_;
    scope.rfm = !roots_["rfm"].empty();
    return scope;
  }

  // Fills the common parts of a rule; false when it cannot be used.
  bool RuleHeader(const Located& at, std::string_view what, CompiledRule* rule) {
    std::optional<std::string> id = Text(at, "id", what, true);
    rule->file = at.file->path;
    rule->line = at.node.Mark().line + 1;
    if (!id) return false;
    if (id->find_first_not_of(" \t") == std::string::npos) {
      ReportAt(*Child(at, "id", what, false), "'id' is empty",
               "give the rule a name of letters, digits and _ , e.g. id: young_low_income");
      return false;
    }
    if (id->find_first_of(" \t") != std::string::npos) {
      ReportAt(*Child(at, "id", what, false), StrCat("rule id '", *id, "' has spaces"),
               "use letters, digits and _ , e.g. young_low_income");
      return false;
    }
    rule->id = *id;
    rule_ids_.push_back({*id, *Child(at, "id", what, false)});
    return true;
  }

  bool Condition(const Located& at, std::string_view what, const Scope& scope,
                 CompiledRule* rule) {
    auto compiled = Expression(at, "when", what, scope, ValueType::kBool);
    if (!compiled) return false;
    rule->condition = compiled->root;
    rule->fast_condition = data_->program.AddConjunction(compiled->root);
    rule->condition_text = compiled->text;
    condition_sites_[compiled->root] = *Child(at, "when", what, false);
    return true;
  }

  // Conditions in any file may compare `tier` with a tier's name, and
  // the loyalty file that defines them loads last: read the names first.
  void CollectTierNames() {
    tier_window_known_ = true;
    for (const Located& root : roots_["loyalty"]) {
      const YAML::Node& file = root.node;  // const: a missing key reads as undefined
      // And whether the tiers qualify over a window (qualifying_points
      // and qualifying_spent count over it).
      const YAML::Node policy_node = file["tier_policy"];
      if (policy_node.IsDefined() && !policy_node.IsNull()) {
        const YAML::Node qualify_on = policy_node.IsMap() ? policy_node["qualify_on"] : YAML::Node();
        if (!policy_node.IsMap() || (qualify_on.IsDefined() && !qualify_on.IsScalar())) {
          tier_window_known_ = false;  // a mistake, reported where the policy loads
        } else if (qualify_on.IsDefined()) {
          absl::StatusOr<TierPolicy> policy = TierPolicy::ParseQualifyOn(qualify_on.Scalar());
          tier_window_known_ = policy.ok();
          tier_window_ = policy.ok() && policy->window != TierPolicy::Window::kNone;
        }
      }
      const YAML::Node tiers = file["tiers"];
      if (!tiers.IsDefined() || !tiers.IsSequence()) continue;
      for (const YAML::Node& tier : tiers) {
        if (!tier.IsMap()) continue;
        const YAML::Node name = tier["name"];
        if (name.IsDefined() && name.IsScalar() && !name.Scalar().empty()) {
          tier_names_.push_back(name.Scalar());
        }
      }
    }
  }

  // The interaction rules' ids, which interactions_in_last() may name in
  // any file; not known (and not checked) when the interactions file is
  // malformed, which is reported where it loads.
  void CollectInteractionRuleIds() {
    interaction_rule_ids_known_ = true;
    for (const Located& root : roots_["interactions"]) {
      const YAML::Node rules = static_cast<const YAML::Node&>(root.node)["rules"];
      if (!rules.IsDefined() || !rules.IsSequence()) {
        interaction_rule_ids_known_ = false;
        continue;
      }
      for (const YAML::Node& rule : rules) {
        const YAML::Node id = rule.IsMap() ? rule["id"] : YAML::Node();
        if (!id.IsDefined() || !id.IsScalar()) {
          interaction_rule_ids_known_ = false;
          continue;
        }
        interaction_rule_ids_.push_back(id.Scalar());
      }
    }
  }

  // ---------------------------------------------------------------- parameters
  static bool ReservedName(std::string_view name) {
    static constexpr std::string_view kReserved[] = {
        "and",      "or",          "not",      "in",     "contains", "any",     "all",
        "true",     "false",       "customer", "params", "param",    "segment", "segments",
        "purchase", "interaction", "feedback", "event",  "rfm"};
    const auto& fields = CustomerFieldNames();
    const auto& functions = compiler_internal::FunctionNames();
    return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved) ||
           std::find(fields.begin(), fields.end(), name) != fields.end() ||
           std::find(functions.begin(), functions.end(), name) != functions.end();
  }

  static bool ValidName(std::string_view name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
      return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
  }

  void LoadParameters() {
    LoadTimeZone();
    ReadParameterFiles();
    for (const auto& [name, value] : options_.parameter_overrides) {
      if (overridden_.contains(name)) continue;
      std::vector<std::string> known;
      for (const auto& [defined, p] : data_->parameters) known.push_back(defined);
      diagnostics_.Add({Severity::kError, "", 0, 0, 1,
                        StrCat("there is no parameter '", name, "' to set",
                               DidYouMeanSuffix(name, known)),
                        "parameters are defined in a file of kind: parameters", ""});
    }
  }

  // The parameters files' `time_zone`: one for the whole ruleset.
  void LoadTimeZone() {
    std::optional<Located> first;
    for (const Located& root : roots_["parameters"]) {
      std::optional<std::string> name = Text(root, "time_zone", "a parameters file", false);
      if (!name) continue;
      const Located at = *Child(root, "time_zone", "", false);
      if (first) {
        ReportAt(at, "the time zone is set twice",
                 StrCat("it is first set at ", first->file->path, ":",
                        first->node.Mark().line + 1, "; a ruleset has one time zone"));
        continue;
      }
      first = at;
      absl::TimeZone zone;
      if (name->empty() || !absl::LoadTimeZone(*name, &zone)) {
        ReportAt(at, StrCat("unknown time zone '", *name, "'"),
                 "write an IANA name such as Asia/Shanghai, Europe/Berlin or UTC (read from the "
                 "system's tzdata)");
        continue;
      }
      data_->time_zone_name = *name;
      data_->time_zone = zone;
    }
  }

  void ReadParameterFiles() {
    for (const Located& root : roots_["parameters"]) {
      std::optional<Located> list = Child(root, "parameters", "a parameters file", true);
      if (!list || !ExpectMap(*list, "'parameters'")) continue;
      CheckKeys(*list, {}, "'parameters'", /*report_unknown=*/false);
      for (auto it = list->node.begin(); it != list->node.end(); ++it) {
        Located key{root.file, it->first};
        Located value{root.file, it->second};
        if (!it->first.IsScalar()) continue;
        const std::string name = it->first.Scalar();
        if (!ValidName(name)) {
          ReportAt(key, StrCat("'", name, "' is not a usable parameter name"),
                   "use English letters, digits and _ , starting with a letter");
          continue;
        }
        if (ReservedName(name)) {
          ReportAt(key, StrCat("parameter '", name, "' has the name of a field, "
                                     "function or keyword"),
                   "choose another name, e.g. min_" + name);
          continue;
        }
        if (data_->parameters.count(name) != 0) {
          ReportAt(key, StrCat("parameter '", name, "' is defined twice"),
                   "keep one definition");
          continue;
        }
        if (value.node.IsMap()) {
          CheckKeys(value, Strings({"value", "description"}),
                    StrCat("parameter '", name, "'"));
          std::optional<Located> inner = Child(value, "value", StrCat("parameter '", name, "'"), true);
          if (!inner) continue;
          value = *inner;
        }
        if (auto overridden = options_.parameter_overrides.find(name);
            overridden != options_.parameter_overrides.end()) {
          overridden_.insert(name);
          try {
            // reset(), not operator=, which would write into the parsed file.
            value.node.reset(YAML::Load(overridden->second));
          } catch (const YAML::Exception& e) {
            ReportAt(key, StrCat("the value given for parameter '", name, "' is not valid YAML: ",
                                 e.msg));
            continue;
          }
        }
        if (value.node.IsNull()) {
          // yaml-cpp places an empty value at the next token, often the
          // next parameter's line: report at the name.
          ReportAt(key, StrCat("parameter '", name, "' has no value"),
                   StrCat("write a number, a text in quotes or a list after '", name, ": '"));
          data_->parameters.emplace(name, Parameter{});
          continue;
        }
        parameter_sites_.emplace(name, value);
        // A parameter whose value is wrong stays known, as an invalid
        // value: its uses then compile silently instead of each adding
        // "unknown field" to the one error at its definition.
        data_->parameters.emplace(name, ParameterValue(value, name).value_or(Parameter{}));
      }
    }
  }

  std::optional<Parameter> ParameterValue(const Located& at, const std::string& name) {
    if (at.node.IsSequence()) {
      std::vector<Value> items;
      std::optional<ValueType> item_type;
      for (const Located& item : Items(at)) {
        std::optional<Parameter> p = ParameterValue(item, name);
        if (!p) return std::nullopt;
        ValueType t = program_internal::IsNumber(p->type) ? ValueType::kDecimal : p->type;
        if (t != ValueType::kString && t != ValueType::kDecimal) {
          ReportAt(item, "a list parameter holds text or numbers");
          return std::nullopt;
        }
        if (item_type && *item_type != t) {
          ReportAt(item, "all items of a list parameter must be text, or all numbers");
          return std::nullopt;
        }
        item_type = t;
        items.push_back(p->value);
      }
      if (items.empty()) {
        ReportAt(at, StrCat("parameter '", name, "' is an empty list"));
        return std::nullopt;
      }
      Parameter p;
      p.type = *item_type == ValueType::kString ? ValueType::kStringList : ValueType::kNumberList;
      p.value.list = data_->program.AddList(std::move(items));
      return p;
    }
    if (!at.node.IsScalar()) {
      ReportAt(at, StrCat("parameter '", name, "' must be a number, text or a list"));
      return std::nullopt;
    }
    const std::string& text = at.node.Scalar();
    Parameter p;
    bool quoted = at.node.Tag() == "!";
    if (!quoted && !LookAlikeFree(at, text)) return std::nullopt;
    if (!quoted && (text == "true" || text == "false")) {
      p.type = ValueType::kBool;
      p.value.n = text == "true";
      return p;
    }
    if (!quoted) {
      absl::StatusOr<Decimal> number = Decimal::Parse(text);
      if (number.ok()) {
        p.type = number->IsInteger() && text.find('.') == std::string::npos ? ValueType::kInt
                                                                            : ValueType::kDecimal;
        p.value.n = number->units();
        return p;
      }
      if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
        absl::StatusOr<Date> date = Date::Parse(text);
        if (date.ok()) {
          p.type = ValueType::kDate;
          p.value.n = date->days();
          return p;
        }
        ReportAt(at, std::string(number.status().message()),
                 "put text in quotes if it is not meant as a number");
        return std::nullopt;
      }
    }
    p.type = ValueType::kString;
    p.value.SetText(data_->program.Intern(text));
    return p;
  }

  // An unquoted parameter value typed with a Chinese input method (４０,
  // ０．５) or holding a look-alike (a zero-width space) would become text
  // and fail far away, where a rule compares it with a number: name the
  // character here instead. Quoted values are text on purpose.
  bool LookAlikeFree(const Located& at, const std::string& text) {
    namespace chars = characters_internal;
    const size_t first = chars::FirstLookAlike(text);
    if (first == std::string::npos) return true;
    ReportAt(at, StrCat("this value holds ", chars::Describe(text, first)),
             StrCat("write '", chars::WithAsciiForLookAlikes(text),
                    "' instead, or put the value in quotes if it is text"));
    return false;
  }

  // A type error caused by a parameter's value (a quoted "40" compared with
  // age) is reported once, at the parameter, which is where it is fixed.
  // False when the error has no parameter to blame.
  bool ReportAtParameter(const ExpressionSite& site, const CompileError& error) {
    if (error.parameter.empty()) return false;
    auto found = parameter_sites_.find(error.parameter);
    if (found == parameter_sites_.end()) return false;
    if (!blamed_parameters_.insert(error.parameter).second) return true;
    const Located& value = found->second;
    const size_t begin = SourcePosition(*site.file, site.node, error.begin);
    const size_t line0 = site.file->LineOf(begin);
    const size_t column = utf8::CodePointCount(std::string_view(site.file->content).substr(
                              site.file->line_starts[line0], begin - site.file->line_starts[line0])) +
                          1;
    std::string hint = error.hint;
    if (value.node.IsScalar() && value.node.Tag() == "!" &&
        Decimal::Parse(value.node.Scalar()).ok()) {
      hint = StrCat("remove the quotes: ", error.parameter, ": ", value.node.Scalar());
    }
    ReportAt(value,
             StrCat("parameter '", error.parameter, "' does not fit where ", site.file->path, ":",
                    line0 + 1, ":", column, " uses it: ", error.message),
             hint);
    return true;
  }

  // ---------------------------------------------------------------- segmentation
  struct PendingDimension {
    Located at;
    std::vector<Located> rules;
    bool default_written = false;  // `default:` is there, maybe wrong
  };

  void LoadDimensions() {
    std::vector<PendingDimension> pending;
    std::map<std::string, Located> ids;
    for (const Located& root : roots_["segmentation"]) {
      std::optional<Located> list = Child(root, "dimensions", "a segmentation file", true);
      if (!list || !ExpectSequence(*list, "'dimensions'")) continue;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "a dimension")) continue;
        CheckKeys(at, Strings({"id", "description", "hit_policy", "rules", "default"}),
                  "a dimension");
        Dimension dimension;
        std::optional<std::string> id = Text(at, "id", "this dimension", true);
        if (!id) continue;
        if (!ValidName(*id)) {
          ReportAt(*Child(at, "id", "", false),
                   StrCat("dimension id '", *id, "' cannot be used in segment.<id>"),
                   "use English letters, digits and _ , e.g. life_stage");
          continue;
        }
        if (auto [it, inserted] = ids.emplace(*id, *Child(at, "id", "", false)); !inserted) {
          ReportAt(*Child(at, "id", "", false),
                   StrCat("dimension '", *id, "' is defined twice"),
                   StrCat("the first is at ", it->second.file->path, ":",
                                it->second.node.Mark().line + 1));
          continue;
        }
        dimension.id = *id;
        dimension.description = Text(at, "description", "a dimension", false).value_or("");
        dimension.collect = CollectPolicy(at, "a dimension");
        PendingDimension p{at, {}};
        if (std::optional<Located> rules = Child(at, "rules", StrCat("dimension '", *id, "'"), true);
            rules && ExpectSequence(*rules, "'rules'")) {
          p.rules = Items(*rules);
        }
        // A `default:` that is written but wrong is reported as such, not
        // also as missing.
        const bool default_written = std::as_const(at.node)["default"].IsDefined();
        if (std::optional<std::string> def =
                Name(at, "default", "a dimension", /*required=*/default_written)) {
          dimension.has_default = true;
          dimension.default_segment = *def;
        }
        p.default_written = default_written;
        DimensionInfo info;
        info.id = dimension.id;
        info.collect = dimension.collect;
        for (const Located& rule : p.rules) {
          if (!rule.node.IsMap()) continue;
          const YAML::Node segment = rule.node["segment"];
          if (segment.IsDefined() && segment.IsScalar()) info.segments.push_back(segment.Scalar());
        }
        if (dimension.has_default) info.segments.push_back(dimension.default_segment);
        dimension_infos_.push_back(std::move(info));
        data_->dimensions.push_back(std::move(dimension));
        pending.push_back(std::move(p));
      }
    }
    std::vector<std::vector<std::pair<uint32_t, Located>>> dependencies(pending.size());
    for (size_t d = 0; d < pending.size(); ++d) {
      CompileDimension(d, pending[d], &dependencies[d]);
    }
    OrderDimensions(dependencies);
    IndexSegments();
    for (const Dimension& d : data_->dimensions) data_->dimension_ids.push_back(d.id);
  }

  void CompileDimension(size_t index, const PendingDimension& pending,
                        std::vector<std::pair<uint32_t, Located>>* dependencies) {
    Dimension& dimension = data_->dimensions[index];
    const std::string what = StrCat("a rule of dimension '", dimension.id, "'");
    std::vector<uint32_t> conditions;
    std::vector<Located> rule_sites;
    for (const Located& at : pending.rules) {
      if (!ExpectMap(at, "a segmentation rule")) continue;
      CheckKeys(at, Strings({"id", "description", "when", "segment"}), "a segmentation rule");
      SegmentRule rule;
      bool ok = RuleHeader(at, what, &rule);
      std::vector<uint32_t> referenced;
      Scope scope = BaseScope();
      scope.referenced_dimensions = &referenced;
      ok = Condition(at, what, scope, &rule) && ok;
      for (uint32_t r : referenced) {
        dependencies->push_back({r, *Child(at, "when", what, false)});
      }
      std::optional<std::string> segment = Name(at, "segment", what, true);
      if (!ok || !segment) continue;
      rule.segment = *segment;
      conditions.push_back(rule.condition);
      rule_sites.push_back(at);
      dimension.rules.push_back(std::move(rule));
    }
    if (pending.rules.empty() && !dimension.has_default) return;
    CheckFirstMatchList(conditions, rule_sites, dimension.rules, !dimension.collect,
                        StrCat("dimension '", dimension.id, "'"),
                        dimension.has_default
                            ? StrCat("those customers get the default segment '",
                                     dimension.default_segment, "'")
                            : std::string("those customers get no segment"));
    bool catch_all = std::any_of(conditions.begin(), conditions.end(), [&](uint32_t c) {
      return shadowing_internal::AlwaysTrue(data_->program, c);
    });
    if (!dimension.collect && !dimension.has_default && !pending.default_written && !catch_all &&
        dimension.rules.size() == conditions.size()) {
      ReportAt(*Child(pending.at, "id", "", false),
               StrCat("dimension '", dimension.id,
                            "' has no default: customers that match no rule would get no segment"),
               "add a line such as: default: 其他");
    }
  }

  // Reports unreachable rules, gaps and overlaps in threshold tables
  // (first-match lists only), and conditions that can never be true.
  // `fallback` says what happens to those that no rule matches.
  template <typename RuleT>
  void CheckFirstMatchList(const std::vector<uint32_t>& conditions,
                           const std::vector<Located>& sites, const std::vector<RuleT>& rules,
                           bool first_match, std::string_view where,
                           std::string_view fallback = "") {
    const shadowing_internal::RuleListAnalysis analysis(data_->program, conditions,
                                                        AnalysisRanges());
    if (first_match) CheckThresholdTables(analysis, conditions, sites, rules, where, fallback);
    const std::vector<std::optional<size_t>> shadowing =
        first_match ? analysis.ShadowingRules() : std::vector<std::optional<size_t>>();
    for (size_t i = 0; i < conditions.size(); ++i) {
      const Located& when = condition_sites_[conditions[i]];
      if (std::optional<std::string> why = analysis.NeverTrue(i)) {
        ReportAt(when, StrCat("rule '", rules[i].id, "' can never match: ", *why),
                 "check the comparison directions and the numbers", Severity::kWarning);
        continue;
      }
      if (!first_match) continue;
      if (std::optional<size_t> j = shadowing[i]) {
        ReportAt(when,
                 StrCat("rule '", rules[i].id, "' can never match: the earlier rule '",
                              rules[*j].id, "' (line ", sites[*j].node.Mark().line + 1, ") in ",
                              where, " matches every customer it would"),
                 StrCat("move '", rules[i].id, "' above '", rules[*j].id,
                              "', or narrow the condition of '", rules[*j].id, "'"));
      }
    }
  }

  // What the analysis may assume of satisfaction: interactions keep it
  // within satisfaction_range, which is read later (LoadInteractions), so
  // it is read here from the file as written; a range that does not parse
  // leaves satisfaction without a bound.
  shadowing_internal::FieldRanges AnalysisRanges() {
    shadowing_internal::FieldRanges ranges;
    const auto& roots = roots_["interactions"];
    if (roots.empty() || !roots[0].node.IsMap()) return ranges;
    const YAML::Node range = roots[0].node["satisfaction_range"];
    if (!range.IsDefined()) return ranges;
    auto end = [&](const char* key) -> std::optional<Decimal> {
      if (!range.IsMap() || !range[key].IsScalar()) return std::nullopt;
      absl::StatusOr<Decimal> value = Decimal::Parse(range[key].Scalar());
      return value.ok() ? std::optional<Decimal>(*value) : std::nullopt;
    };
    const std::optional<Decimal> min = end("min");
    const std::optional<Decimal> max = end("max");
    if (!min || !max) return {Decimal::FromUnits(INT64_MIN), Decimal::FromUnits(INT64_MAX)};
    ranges.satisfaction_min = std::min(ranges.satisfaction_min, *min);
    ranges.satisfaction_max = std::max(ranges.satisfaction_max, *max);
    return ranges;
  }

  // Warns of ranges that no rule of a threshold table covers and of rules
  // whose ranges partly overlap (shadowing_internal::BandFinding).
  template <typename RuleT>
  void CheckThresholdTables(const shadowing_internal::RuleListAnalysis& analysis,
                            const std::vector<uint32_t>& conditions,
                            const std::vector<Located>& sites, const std::vector<RuleT>& rules,
                            std::string_view where, std::string_view fallback) {
    constexpr std::string_view kMeetHint =
        "if that is not meant, make the ranges meet: end one with < N and start the next "
        "with >= N";
    for (const shadowing_internal::BandFinding& f : analysis.BandGapsAndOverlaps()) {
      const Located& when = condition_sites_[conditions[f.later]];
      const std::string earlier = StrCat("rule '", rules[f.earlier].id, "' (line ",
                                         sites[f.earlier].node.Mark().line + 1, ")");
      if (f.kind == shadowing_internal::BandFinding::Kind::kGap) {
        ReportAt(when,
                 StrCat("in ", where, ", no rule covers ", f.field, " ", f.range, ", between ",
                        earlier, " and rule '", rules[f.later].id, "'",
                        fallback.empty() ? "" : ": ", fallback,
                        f.others_may_match ? " (unless another rule of the list matches them)"
                                           : ""),
                 std::string(kMeetHint), Severity::kWarning);
      } else {
        ReportAt(when,
                 StrCat("rule '", rules[f.later].id, "' overlaps the earlier ", earlier, " in ",
                        where, ": for ", f.field, " ", f.range, " both match, and '",
                        rules[f.earlier].id, "' comes first, so it takes them"),
                 std::string(kMeetHint), Severity::kWarning);
      }
    }
  }

  // Numbers every segment by its first position in its dimension's list,
  // the numbering that compiled segment comparisons use.
  void IndexSegments() {
    for (size_t d = 0; d < data_->dimensions.size(); ++d) {
      const std::vector<std::string>& names = dimension_infos_[d].segments;
      // First positions, found once: a search per rule was quadratic in a
      // dimension of many segments.
      std::unordered_map<std::string_view, int32_t> first;
      for (size_t i = 0; i < names.size(); ++i) first.emplace(names[i], static_cast<int32_t>(i));
      auto index_of = [&](const std::string& name) {
        auto it = first.find(name);
        return it == first.end() ? static_cast<int32_t>(names.size()) : it->second;
      };
      Dimension& dimension = data_->dimensions[d];
      // The Decision entries, built once: evaluation copies them. The views
      // stay valid because nothing is added to these vectors any more.
      for (SegmentRule& rule : dimension.rules) {
        rule.segment_index = index_of(rule.segment);
        rule.assignment = {dimension.id, rule.segment, rule.id, false};
        dimension.conditions.push_back(rule.fast_condition);
      }
      if (!dimension.collect) {
        dimension.branch_free = data_->program.AddBranchFreeList(dimension.conditions);
      }
      if (dimension.has_default) {
        dimension.default_index = index_of(dimension.default_segment);
        dimension.default_assignment = {dimension.id, dimension.default_segment, "default", true};
      }
      for (const SegmentRule& rule : dimension.rules) {
        dimension.outcomes.push_back({rule.assignment, rule.segment_index});
      }
      if (dimension.has_default) {
        dimension.outcomes.push_back({dimension.default_assignment, dimension.default_index});
      }
    }
  }

  // Topological order of dimensions, dependencies first, declaration order
  // among equals; reports cycles.
  void OrderDimensions(const std::vector<std::vector<std::pair<uint32_t, Located>>>& deps) {
    const size_t n = deps.size();
    std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<uint32_t> stack;
    std::function<void(uint32_t)> visit = [&](uint32_t d) {
      state[d] = 1;
      stack.push_back(d);
      for (const auto& [dep, site] : deps[d]) {
        if (state[dep] == 2) continue;
        if (state[dep] == 1) {
          std::vector<std::string> cycle;
          auto from = std::find(stack.begin(), stack.end(), dep);
          for (auto it = from; it != stack.end(); ++it) cycle.push_back(data_->dimensions[*it].id);
          cycle.push_back(data_->dimensions[dep].id);
          ReportAt(site,
                   StrCat("segmentation dimensions depend on each other in a cycle: ",
                                StrJoin(cycle, " -> ")),
                   "a dimension can use the segments of dimensions computed before it, "
                   "not its own or those that use it");
          continue;
        }
        visit(dep);
      }
      stack.pop_back();
      state[d] = 2;
      data_->dimension_order.push_back(d);
    };
    for (uint32_t d = 0; d < n; ++d) {
      if (state[d] == 0) visit(d);
    }
  }

  // ---------------------------------------------------------------- offers
  // The offers of every offers file, with their campaign terms (rules/
  // offers.h), in priority order; then the stacking checks that need them
  // all.
  void LoadOffers() {
    LoadOfferGroups();
    std::vector<Offer> offers;
    std::vector<uint32_t> conditions;  // of `offers`, for CheckFirstMatchList
    std::vector<Located> sites;
    std::vector<std::vector<Located>> exclusions;  // per offer: the ids it names
    std::vector<std::vector<OfferCap>> caps;       // per offer
    for (const Located& root : roots_["offers"]) {
      std::optional<Located> list = Child(root, "offers", "an offers file", true);
      if (!list || !ExpectSequence(*list, "'offers'")) continue;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "an offer")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "offer", "priority", "stacking",
                               "valid_from", "valid_until", "days", "hours", "value",
                               "per_customer", "budget", "group", "excludes"}),
                  "an offer");
        Offer offer;
        bool ok = RuleHeader(at, "an offer", &offer);
        ok = Condition(at, "an offer", BaseScope(), &offer) && ok;
        std::optional<std::string> name = Name(at, "offer", "an offer", true);
        offer.description = Text(at, "description", "an offer", false).value_or("");
        if (std::optional<Located> p = Child(at, "priority", "", false)) {
          std::optional<int64_t> priority = WholeNumber(at, "priority", "an offer", false);
          ok = ok && priority.has_value();
          offer.priority = priority.value_or(0);
        }
        ok = OfferGroupAndStacking(at, &offer) && ok;
        ok = OfferWindow(at, &offer) && ok;
        ok = OfferValue(at, &offer) && ok;
        std::vector<OfferCap> offer_caps;
        ok = OfferCaps(at, &offer_caps) && ok;
        std::vector<Located> excluded;
        ok = OfferExclusions(at, &excluded) && ok;
        if (!ok || !name) continue;
        offer.name = *name;
        conditions.push_back(offer.condition);
        sites.push_back(at);
        exclusions.push_back(std::move(excluded));
        caps.push_back(std::move(offer_caps));
        offers.push_back(std::move(offer));
      }
    }
    CheckFirstMatchList(conditions, sites, offers, false, "the offers");
    CheckGroupUnits(offers, sites);
    // Offer order: priority, then the order of the files and of the list.
    std::vector<size_t> order(offers.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return offers[a].priority > offers[b].priority;
    });
    std::map<std::string, uint32_t, std::less<>> position;  // id -> place in `order`
    for (size_t k = 0; k < order.size(); ++k) {
      position.emplace(offers[order[k]].id, static_cast<uint32_t>(k));
    }
    ResolveExclusions(offers, exclusions, position);
    for (size_t k = 0; k < order.size(); ++k) {
      Offer& offer = offers[order[k]];
      offer.first_cap = static_cast<uint32_t>(data_->offer_caps.size());
      offer.cap_count = static_cast<uint32_t>(caps[order[k]].size());
      for (const OfferCap& cap : caps[order[k]]) data_->offer_caps.push_back({offer.id, cap});
      data_->has_points_offers |= offer.value.unit() == OfferValueUnit::kPoints;
      offer.has_calendar = offer.HasCalendar();
      offer.has_terms = offer.value.kind != OfferValueTerms::Kind::kNone ||
                        offer.value.min_amount != OfferValueTerms::kNoNode || offer.cap_count > 0;
      data_->offers_plain &= !offer.has_terms && offer.group < 0 && offer.excludes.empty();
      data_->offers.push_back(std::move(offer));
    }
    std::vector<Located> sorted_sites;
    for (size_t k : order) sorted_sites.push_back(sites[k]);
    WarnUnreachableOffers(sorted_sites);
  }

  // The offers files' `groups:` (id -> best_value | first, or a mapping
  // with `choose` and `description`).
  void LoadOfferGroups() {
    for (const Located& root : roots_["offers"]) {
      std::optional<Located> groups = Child(root, "groups", "an offers file", false);
      if (!groups || !ExpectMap(*groups, "'groups'")) continue;
      CheckKeys(*groups, {}, "'groups'", /*report_unknown=*/false);
      for (auto it = groups->node.begin(); it != groups->node.end(); ++it) {
        const Located key{root.file, it->first};
        const Located value{root.file, it->second};
        if (!it->first.IsScalar()) continue;
        OfferGroup group;
        group.id = it->first.Scalar();
        group.file = root.file->path;
        group.line = it->first.Mark().line + 1;
        if (group.id.empty() || group.id.find_first_of(" \t") != std::string::npos) {
          ReportAt(key, StrCat("group name '", group.id, "' must be one word"),
                   "use letters, digits and _ , e.g. checkout_discount");
          continue;
        }
        if (auto seen = group_sites_.find(group.id); seen != group_sites_.end()) {
          ReportAt(key, StrCat("stacking group '", group.id, "' is declared twice"),
                   StrCat("it is first declared at ", seen->second.file->path, ":",
                          seen->second.node.Mark().line + 1, "; keep one"));
          continue;
        }
        std::optional<std::string> choose;
        // Not assigned after construction: YAML::Node's operator= would
        // write through to the document.
        const Located choose_at = value.node.IsMap() && value.node["choose"].IsDefined()
                                      ? Located{value.file, value.node["choose"]}
                                      : value;
        if (value.node.IsMap()) {
          CheckKeys(value, Strings({"choose", "description"}), "a stacking group");
          choose = Text(value, "choose", "a stacking group", true);
          group.description = Text(value, "description", "a stacking group", false).value_or("");
        } else if (value.node.IsScalar() && !value.node.Scalar().empty()) {
          choose = value.node.Scalar();
        } else {
          ReportAt(value.node.IsNull() ? key : value,
                   StrCat("stacking group '", group.id, "' does not say how it chooses"),
                   "write best_value (the offer worth the most) or first (the first in offer "
                   "order), e.g. checkout_discount: best_value");
          continue;
        }
        if (!choose) continue;
        if (*choose != "best_value" && *choose != "first") {
          ReportAt(choose_at,
                   StrCat("unknown choice '", *choose, "'",
                          DidYouMeanSuffix(*choose, Strings({"best_value", "first"}))),
                   "best_value: the offer worth the most; first: the first in offer order "
                   "(priority, then file order)");
          continue;
        }
        group.best_value = *choose == "best_value";
        data_->has_best_value_groups |= group.best_value;
        group_sites_.emplace(group.id, key);
        data_->offer_groups.push_back(std::move(group));
      }
    }
  }

  // `group` and `stacking`: a group's offer combines with every offer
  // outside its group, so it cannot be exclusive.
  bool OfferGroupAndStacking(const Located& at, Offer* offer) {
    std::optional<std::string> group = Text(at, "group", "an offer", false);
    std::optional<std::string> stacking = Text(at, "stacking", "an offer", false);
    bool ok = true;
    if (group) {
      auto found = std::find_if(data_->offer_groups.begin(), data_->offer_groups.end(),
                                [&](const OfferGroup& g) { return g.id == *group; });
      if (found == data_->offer_groups.end()) {
        std::vector<std::string> known;
        for (const OfferGroup& g : data_->offer_groups) known.push_back(g.id);
        ReportAt(*Child(at, "group", "", false),
                 StrCat("there is no stacking group '", *group, "'", DidYouMeanSuffix(*group, known)),
                 known.empty() ? "declare it in an offers file: groups: {" + *group + ": best_value}"
                               : StrCat("declare it under 'groups:', or use one of: ",
                                        StrJoin(known, ", ")));
        ok = false;
      } else {
        offer->group = static_cast<int32_t>(found - data_->offer_groups.begin());
        offer->exclusive = false;
      }
    }
    if (!stacking) return ok;
    if (*stacking == "stackable") {
      offer->exclusive = false;
    } else if (*stacking != "exclusive") {
      ReportAt(*Child(at, "stacking", "", false),
               StrCat("unknown stacking '", *stacking, "'",
                      DidYouMeanSuffix(*stacking, Strings({"exclusive", "stackable"}))),
               "exclusive: this offer alone; stackable: combines with other offers");
      ok = false;
    } else if (group) {
      ReportAt(*Child(at, "stacking", "", false),
               "an offer in a stacking group cannot be exclusive",
               "a group's offer combines with every offer outside its group: remove "
               "'stacking: exclusive', or take the offer out of the group");
      ok = false;
    }
    return ok;
  }

  // valid_from, valid_until, days and hours.
  bool OfferWindow(const Located& at, Offer* offer) {
    bool ok = true;
    bool has_from = Child(at, "valid_from", "", false).has_value();
    bool has_until = Child(at, "valid_until", "", false).has_value();
    std::optional<Date> from = DateValue(at, "valid_from", "an offer");
    std::optional<Date> until = DateValue(at, "valid_until", "an offer");
    if ((has_from && !from) || (has_until && !until)) ok = false;
    offer->valid_from = from.value_or(Date());
    offer->valid_until = until.value_or(Date());
    if (from && until && *until < *from) {
      ReportAt(*Child(at, "valid_until", "", false),
               "valid_until is before valid_from: the offer would never be valid",
               "swap the two dates");
      ok = false;
    }
    if (std::optional<Located> days = Child(at, "days", "an offer", false)) {
      std::vector<Located> items = days->node.IsSequence() ? Items(*days)
                                                           : std::vector<Located>{*days};
      for (const Located& item : items) {
        const int day = item.node.IsScalar() ? Weekdays::ParseDay(item.node.Scalar()) : 0;
        if (day == 0) {
          ReportAt(item, "this is not a day of the week",
                   "write days as mon, tue, wed, thu, fri, sat, sun (or monday ... sunday), "
                   "e.g. days: [sat, sun]");
          ok = false;
          continue;
        }
        offer->days.bits |= static_cast<uint8_t>(1u << day);
      }
      if (items.empty()) {
        ReportAt(*days, "'days' lists no day", "list the days, e.g. days: [sat, sun]");
        ok = false;
      }
    }
    if (std::optional<Located> hours = Child(at, "hours", "an offer", false)) {
      std::vector<Located> items = hours->node.IsSequence() ? Items(*hours)
                                                            : std::vector<Located>{*hours};
      for (const Located& item : items) {
        absl::StatusOr<HoursOfDay> range =
            item.node.IsScalar() ? HoursOfDay::Parse(item.node.Scalar())
                                 : absl::InvalidArgumentError("hours are written as HH:MM-HH:MM");
        if (!range.ok()) {
          ReportAt(item, std::string(range.status().message()),
                   StrCat("the hours are in the programme's time zone (", data_->time_zone_name,
                          "); several ranges go in a list: hours: [09:00-12:00, 18:00-21:00]"));
          ok = false;
          continue;
        }
        offer->hours.push_back(*range);
      }
      if (items.empty()) {
        ReportAt(*hours, "'hours' lists no range", "for example: hours: 09:00-21:00");
        ok = false;
      }
    }
    return ok;
  }

  // A number of an offer's value: a constant or a formula over the
  // customer. Constants are checked here against `positive` (> 0) and
  // `at_most` (when given); formulas when evaluated.
  bool OfferNumber(const Located& value, std::string_view key, bool positive,
                   std::optional<Decimal> at_most, uint32_t* node) {
    std::optional<compiler_internal::Compiled> compiled =
        Expression(value, key, "an offer's value", BaseScope(), ValueType::kDecimal);
    if (!compiled) return false;
    *node = compiled->root;
    const program_internal::Node& n = data_->program.node(compiled->root);
    if (n.op != program_internal::Op::kConst) return true;
    const Decimal constant = Decimal::FromUnits(n.constant.n);
    const bool too_small = positive ? constant <= Decimal() : constant < Decimal();
    if (too_small || (at_most && *at_most < constant)) {
      ReportAt(*Child(value, key, "", false),
               StrCat("'", key, "' must be ", positive ? "more than 0" : "at least 0",
                      at_most ? StrCat(" and at most ", at_most->ToString()) : "", ", not ",
                      constant.ToString()),
               key == "percent_off" ? "percent_off: 10 means 10 % off"
                                    : StrCat("for example: ", key, ": 20"));
      return false;
    }
    return true;
  }

  // `value:` exactly one of amount_off, percent_off, free_item and
  // points_multiplier, with the keys that go with it.
  bool OfferValue(const Located& at, Offer* offer) {
    std::optional<Located> value = Child(at, "value", "an offer", false);
    if (!value) return true;
    if (!ExpectMap(*value, "an offer's 'value'")) return false;
    constexpr std::string_view kKinds[] = {"amount_off", "percent_off", "free_item",
                                           "points_multiplier"};
    CheckKeys(*value, Strings({"amount_off", "percent_off", "free_item", "points_multiplier",
                               "max_off", "min_amount", "every", "worth"}),
              "an offer's value");
    const YAML::Node& node = value->node;  // const: a missing key reads as undefined
    std::vector<std::string_view> given;
    for (std::string_view kind : kKinds) {
      if (node[std::string(kind)].IsDefined()) given.push_back(kind);
    }
    if (given.size() != 1) {
      ReportAt(*value,
               given.empty() ? "the value does not say what the offer gives"
                             : StrCat("the value gives both ", given[0], " and ", given[1]),
               "write one of: amount_off: 20, percent_off: 10 (with max_off), free_item: "
               "帆布袋 (with worth), points_multiplier: 2; two gifts are two offers");
      return false;
    }
    OfferValueTerms& terms = offer->value;
    const std::string_view kind = given[0];
    // The keys each kind takes besides its own.
    const std::map<std::string_view, std::vector<std::string_view>> kAllowed = {
        {"amount_off", {"max_off", "min_amount", "every"}},
        {"percent_off", {"max_off", "min_amount"}},
        {"free_item", {"min_amount", "worth"}},
        {"points_multiplier", {"min_amount"}}};
    bool ok = true;
    for (std::string_view extra : {"max_off", "min_amount", "every", "worth"}) {
      const auto& allowed = kAllowed.at(kind);
      if (!node[std::string(extra)].IsDefined() ||
          std::find(allowed.begin(), allowed.end(), extra) != allowed.end()) {
        continue;
      }
      Report(*at.file, KeyMark(*value, extra), extra.size(),
             StrCat("'", extra, "' does not go with ", kind),
             StrCat("with ", kind, " an offer's value can have: ",
                    StrJoin(std::vector<std::string>(allowed.begin(), allowed.end()), ", ")));
      ok = false;
    }
    if (kind == "amount_off") {
      terms.kind = OfferValueTerms::Kind::kAmountOff;
      ok = OfferNumber(*value, "amount_off", true, std::nullopt, &terms.amount) && ok;
    } else if (kind == "percent_off") {
      terms.kind = OfferValueTerms::Kind::kPercentOff;
      ok = OfferNumber(*value, "percent_off", true, Decimal::FromInteger(100), &terms.amount) && ok;
    } else if (kind == "points_multiplier") {
      terms.kind = OfferValueTerms::Kind::kPointsMultiplier;
      ok = OfferNumber(*value, "points_multiplier", true, std::nullopt, &terms.amount) && ok;
      if (ok && data_->program.node(terms.amount).op == program_internal::Op::kConst &&
          Decimal::FromUnits(data_->program.node(terms.amount).constant.n) <=
              Decimal::FromInteger(1)) {
        ReportAt(*Child(*value, "points_multiplier", "", false),
                 "a points multiplier must be more than 1", "points_multiplier: 2 doubles the points");
        ok = false;
      }
    } else {
      terms.kind = OfferValueTerms::Kind::kFreeItem;
      std::optional<std::string> item = Name(*value, "free_item", "an offer's value", true);
      ok = item.has_value() && ok;
      terms.free_item = item.value_or("");
      if (node["worth"].IsDefined()) {
        ok = OfferNumber(*value, "worth", false, std::nullopt, &terms.amount) && ok;
      }
    }
    if (node["max_off"].IsDefined() && kAllowed.at(kind).front() == "max_off") {
      ok = OfferNumber(*value, "max_off", true, std::nullopt, &terms.max_off) && ok;
    }
    if (node["min_amount"].IsDefined()) {
      ok = OfferNumber(*value, "min_amount", false, std::nullopt, &terms.min_amount) && ok;
    }
    if (node["every"].IsDefined() && kind == "amount_off") {
      ok = OfferNumber(*value, "every", true, std::nullopt, &terms.every) && ok;
    }
    return ok;
  }

  // A positive whole number: a cap's limit.
  std::optional<int64_t> CapLimit(const Located& at, std::string_view key, std::string_view what,
                                  bool money) {
    std::optional<Located> child = Child(at, key, what, true);
    if (!child) return std::nullopt;
    if (money) {
      std::optional<Decimal> amount = Number(at, key, what, true);
      if (!amount) return std::nullopt;
      if (*amount <= Decimal()) {
        ReportAt(*child, StrCat("'", key, "' must be more than 0"),
                 "a budget of value is the most the offer may give away, e.g. value: 100000");
        return std::nullopt;
      }
      return amount->units();
    }
    std::optional<int64_t> count = WholeNumber(at, key, what, true);
    if (!count) return std::nullopt;
    if (*count <= 0) {
      ReportAt(*child, StrCat("'", key, "' must be at least 1"),
               "an offer that may be redeemed 0 times is not given: remove the offer, or set "
               "valid_until");
      return std::nullopt;
    }
    return count;
  }

  // per_customer (a count in total, or {total, day, week, month}) and
  // budget ({redemptions, value, redemptions_per_day, ..., online: {...},
  // offline: {...}}).
  bool OfferCaps(const Located& at, std::vector<OfferCap>* caps) {
    bool ok = true;
    if (std::optional<Located> per_customer = Child(at, "per_customer", "an offer", false)) {
      if (per_customer->node.IsScalar()) {
        std::optional<int64_t> limit = CapLimit(at, "per_customer", "an offer", false);
        ok = limit.has_value();
        if (limit) caps->push_back({OfferCap::Scope::kCustomer, OfferCap::Measure::kRedemptions,
                                    CapPeriod::kTotal, Channel::kUnknown, *limit});
      } else if (ExpectMap(*per_customer, "'per_customer'")) {
        CheckKeys(*per_customer, Strings({"total", "day", "week", "month", "year"}),
                  "'per_customer'");
        for (CapPeriod period : {CapPeriod::kTotal, CapPeriod::kDay, CapPeriod::kWeek,
                                 CapPeriod::kMonth, CapPeriod::kYear}) {
          const std::string key(CapPeriodName(period));
          const YAML::Node& limits = per_customer->node;
          if (!limits[key].IsDefined()) continue;
          std::optional<int64_t> limit = CapLimit(*per_customer, key, "'per_customer'", false);
          ok = limit.has_value() && ok;
          if (limit) caps->push_back({OfferCap::Scope::kCustomer, OfferCap::Measure::kRedemptions,
                                      period, Channel::kUnknown, *limit});
        }
      } else {
        ok = false;
      }
    }
    if (std::optional<Located> budget = Child(at, "budget", "an offer", false)) {
      if (!ExpectMap(*budget, "'budget'")) return false;
      ok = BudgetCaps(*budget, Channel::kUnknown, caps) && ok;
      for (Channel channel : {Channel::kOnline, Channel::kOffline}) {
        std::optional<Located> part =
            Child(*budget, ChannelName(channel), "'budget'", false);
        if (!part) continue;
        if (!ExpectMap(*part, StrCat("the ", ChannelName(channel), " budget"))) {
          ok = false;
          continue;
        }
        ok = BudgetCaps(*part, channel, caps) && ok;
      }
    }
    return ok;
  }

  bool BudgetCaps(const Located& budget, Channel channel, std::vector<OfferCap>* caps) {
    std::vector<std::string> keys;
    for (const char* measure : {"redemptions", "value"}) {
      keys.push_back(measure);
      for (const char* period : {"day", "week", "month", "year"}) {
        keys.push_back(StrCat(measure, "_per_", period));
      }
    }
    std::vector<std::string> allowed = keys;
    if (channel == Channel::kUnknown) {
      allowed.push_back("online");
      allowed.push_back("offline");
    }
    CheckKeys(budget, allowed,
              channel == Channel::kUnknown ? "'budget'"
                                           : StrCat("the ", ChannelName(channel), " budget"));
    bool ok = true;
    bool any = false;
    for (const std::string& key : keys) {
      if (!budget.node[key].IsDefined()) continue;
      any = true;
      const bool money = key.rfind("value", 0) == 0;
      std::optional<int64_t> limit = CapLimit(budget, key, "a budget", money);
      ok = limit.has_value() && ok;
      if (!limit) continue;
      CapPeriod period = CapPeriod::kTotal;
      if (key.ends_with("_day")) period = CapPeriod::kDay;
      if (key.ends_with("_week")) period = CapPeriod::kWeek;
      if (key.ends_with("_month")) period = CapPeriod::kMonth;
      if (key.ends_with("_year")) period = CapPeriod::kYear;
      caps->push_back({OfferCap::Scope::kBudget,
                       money ? OfferCap::Measure::kValue : OfferCap::Measure::kRedemptions,
                       period, channel, *limit});
    }
    const bool has_channels = channel == Channel::kUnknown &&
                              (budget.node["online"].IsDefined() || budget.node["offline"].IsDefined());
    if (!any && !has_channels && budget.node.size() == 0) {
      ReportAt(budget, "the budget sets no limit",
               "write e.g. budget: {redemptions: 5000} or budget: {value: 100000, "
               "redemptions_per_day: 500}");
      return false;
    }
    return ok;
  }

  // `excludes:` the ids of offers it never combines with.
  bool OfferExclusions(const Located& at, std::vector<Located>* excluded) {
    std::optional<Located> list = Child(at, "excludes", "an offer", false);
    if (!list) return true;
    std::vector<Located> items = list->node.IsSequence() ? Items(*list)
                                                         : std::vector<Located>{*list};
    for (const Located& item : items) {
      if (!item.node.IsScalar()) {
        ReportAt(item, "'excludes' lists offer ids", "for example: excludes: [welcome_gift]");
        return false;
      }
      excluded->push_back(item);
    }
    return true;
  }

  // Turns the ids under `excludes` into offer indices, both ways.
  void ResolveExclusions(std::vector<Offer>& offers,
                         const std::vector<std::vector<Located>>& exclusions,
                         const std::map<std::string, uint32_t, std::less<>>& position) {
    std::vector<std::string> ids;
    for (const auto& [id, k] : position) ids.push_back(id);
    for (size_t i = 0; i < offers.size(); ++i) {
      for (const Located& item : exclusions[i]) {
        const std::string& id = item.node.Scalar();
        auto found = position.find(id);
        if (found == position.end()) {
          ReportAt(item, StrCat("there is no offer with id '", id, "'", DidYouMeanSuffix(id, ids)),
                   "'excludes' names offers by their id");
          continue;
        }
        if (id == offers[i].id) {
          ReportAt(item, "an offer cannot exclude itself", "remove its own id from 'excludes'");
          continue;
        }
        const uint32_t other = found->second;
        const uint32_t self = position.find(offers[i].id)->second;
        auto add = [](std::vector<uint32_t>* list, uint32_t index) {
          if (std::find(list->begin(), list->end(), index) == list->end()) list->push_back(index);
        };
        add(&offers[i].excludes, other);
        for (Offer& o : offers) {
          if (o.id == id) add(&o.excludes, self);
        }
      }
    }
  }

  // A best-value group compares values: money with money, points with
  // points.
  void CheckGroupUnits(const std::vector<Offer>& offers, const std::vector<Located>& sites) {
    std::map<int32_t, size_t> first_of_group;
    for (size_t i = 0; i < offers.size(); ++i) {
      const Offer& offer = offers[i];
      if (offer.group < 0 || !data_->offer_groups[offer.group].best_value) continue;
      auto [it, added] = first_of_group.emplace(offer.group, i);
      if (added) continue;
      const Offer& first = offers[it->second];
      auto points = [](const Offer& o) { return o.value.unit() == OfferValueUnit::kPoints; };
      if (points(first) == points(offer)) continue;
      ReportAt(*Child(sites[i], "group", "", false),
               StrCat("group '", data_->offer_groups[offer.group].id,
                      "' chooses the best value, but '", offer.id, "' is worth ",
                      points(offer) ? "points" : "money", " and '", first.id, "' ",
                      points(first) ? "points" : "money"),
               "points and money cannot be compared: put them in different groups, or let the "
               "group choose: first");
    }
  }

  // Whether offer `a`, wherever `b` can be given, can be given too, as far
  // as their windows, minimums and caps go: `a` has no caps, no minimum,
  // and a window no narrower than `b`'s.
  static bool AlwaysAvailableWhen(const Offer& a, const Offer& b) {
    if (a.cap_count > 0 || a.value.min_amount != OfferValueTerms::kNoNode) return false;
    if (a.valid_from.known() && (!b.valid_from.known() || b.valid_from < a.valid_from)) return false;
    if (a.valid_until.known() && (!b.valid_until.known() || a.valid_until < b.valid_until)) {
      return false;
    }
    if (!a.days.all() && (b.days.all() || (b.days.bits & ~a.days.bits) != 0)) return false;
    if (a.hours.empty()) return true;
    if (b.hours.empty()) return false;
    for (const HoursOfDay& hb : b.hours) {
      const bool covered = std::any_of(a.hours.begin(), a.hours.end(), [&](const HoursOfDay& ha) {
        return ha.begin <= hb.begin && hb.end <= ha.end;
      });
      if (!covered) return false;
    }
    return true;
  }

  // Whether offer j is given whenever it applies: nothing before it in
  // offer order can leave it out (an exclusive offer before it, any offer
  // before an exclusive one, an earlier member of its group or an offer it
  // excludes), and it is not in a group that chooses by value.
  bool GivenWhenItApplies(size_t j) const {
    const std::vector<Offer>& offers = data_->offers;
    const Offer& offer = offers[j];
    if (offer.group >= 0 && data_->offer_groups[offer.group].best_value) return false;
    for (size_t k = 0; k < j; ++k) {
      const Offer& earlier = offers[k];
      if (offer.exclusive || earlier.exclusive) return false;
      if (offer.group >= 0 && earlier.group == offer.group) return false;
      if (std::find(offer.excludes.begin(), offer.excludes.end(), k) != offer.excludes.end()) {
        return false;
      }
    }
    return true;
  }

  // Warns of an offer that stacking keeps out whenever it would apply:
  // an earlier offer that matches every customer it does, is always
  // available with it, is given whenever it applies, and is exclusive, or
  // chosen before it in a group that takes the first, or excludes it.
  void WarnUnreachableOffers(const std::vector<Located>& sites) {
    const std::vector<Offer>& offers = data_->offers;
    std::vector<uint32_t> conditions;
    for (const Offer& offer : offers) conditions.push_back(offer.condition);
    const shadowing_internal::RuleListAnalysis analysis(data_->program, conditions,
                                                        AnalysisRanges());
    const std::vector<std::optional<size_t>> covered = analysis.ShadowingRules();
    for (size_t i = 0; i < offers.size(); ++i) {
      const Offer& offer = offers[i];
      // No earlier offer matches every customer this one does.
      if (!covered[i] || analysis.NeverTrue(i)) continue;
      for (size_t j = 0; j < i; ++j) {
        const Offer& earlier = offers[j];
        if (earlier.id == offer.id) continue;  // a duplicate id, reported as such
        const bool blocks =
            earlier.exclusive ||
            (offer.group >= 0 && earlier.group == offer.group &&
             !data_->offer_groups[offer.group].best_value) ||
            std::find(offer.excludes.begin(), offer.excludes.end(), j) != offer.excludes.end();
        if (!blocks || !AlwaysAvailableWhen(earlier, offer) || !GivenWhenItApplies(j)) continue;
        const shadowing_internal::RuleListAnalysis pair(
            data_->program, {earlier.condition, offer.condition}, AnalysisRanges());
        if (!pair.ShadowingRules()[1]) continue;
        std::string how = earlier.exclusive
                              ? StrCat("the exclusive offer '", earlier.id, "'")
                              : earlier.group == offer.group && offer.group >= 0
                                    ? StrCat("'", earlier.id, "', first in group '",
                                             data_->offer_groups[offer.group].id, "',")
                                    : StrCat("'", earlier.id, "', which it excludes,");
        ReportAt(*Child(sites[i], "id", "", false),
                 StrCat("offer '", offer.id, "' can never be given: ", how, " (",
                        sites[j].file->path, ":", sites[j].node.Mark().line + 1,
                        ") comes before it and is given to every customer it would be"),
                 earlier.exclusive
                     ? StrCat("give '", offer.id, "' a higher priority, or make '", earlier.id,
                              "' stackable or put both in a stacking group")
                     : StrCat("give '", offer.id, "' a higher priority, or narrow the condition of '",
                              earlier.id, "'"),
                 Severity::kWarning);
        break;
      }
    }
  }

  // ---------------------------------------------------------------- improvements
  void LoadImprovements() {
    Scope scope = BaseScope();
    scope.feedback = true;
    std::vector<uint32_t> conditions;  // of the improvements, for CheckFirstMatchList
    std::vector<Located> sites;
    for (const Located& root : roots_["improvements"]) {
      std::optional<Located> list = Child(root, "actions", "an improvements file", true);
      if (!list || !ExpectSequence(*list, "'actions'")) continue;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "an improvement action")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "action", "change"}),
                  "an improvement action");
        Improvement improvement;
        bool ok = RuleHeader(at, "an improvement action", &improvement);
        ok = Condition(at, "an improvement action", scope, &improvement) && ok;
        std::optional<std::string> action = Name(at, "action", "an improvement action", true);
        if (std::optional<Located> change = Child(at, "change", "", false)) {
          improvement.has_change = true;
          ok = Change(*change, &improvement.change) && ok;
        }
        if (!ok || !action) continue;
        improvement.action = *action;
        improvement.keywords = FeedbackKeywords(improvement.condition_text);
        conditions.push_back(improvement.condition);
        sites.push_back(at);
        data_->improvements.push_back(std::move(improvement));
      }
    }
    CheckFirstMatchList(conditions, sites, data_->improvements, false, "the improvement actions");
  }

  // The text literals that `condition` (already compiled, so it parses)
  // searches the feedback text for: the right side of contains / contains
  // any / contains all whose left side is the feedback text, also through
  // lower(). Duplicates are dropped; order is that of the condition.
  std::vector<std::string> FeedbackKeywords(std::string_view condition) {
    using ast_internal::AstKind;
    using ast_internal::AstNode;
    using ast_internal::Operator;
    parser_internal::ParseResult parsed = parser_internal::ParseExpression(condition, limits_);
    std::vector<std::string> keywords;
    if (parsed.root == nullptr) return keywords;
    auto is_feedback_text = [](const AstNode* node) {
      if (node->kind == AstKind::kCall && node->text == "lower" && node->children.size() == 1) {
        node = node->children[0].get();
      }
      return node->kind == AstKind::kName && (node->text == "feedback" || node->text == "feedback.text");
    };
    auto add = [&](const AstNode& literal) {
      if (literal.kind != AstKind::kString) return;
      if (std::find(keywords.begin(), keywords.end(), literal.text) == keywords.end()) {
        keywords.push_back(literal.text);
      }
    };
    std::function<void(const AstNode&)> walk = [&](const AstNode& node) {
      const bool searches = node.kind == AstKind::kBinary &&
                            (node.op == Operator::kContains || node.op == Operator::kContainsAny ||
                             node.op == Operator::kContainsAll);
      if (searches && is_feedback_text(node.children[0].get())) {
        const AstNode& right = *node.children[1];
        add(right);
        if (right.kind == AstKind::kList) {
          for (const auto& item : right.children) add(*item);
        }
        return;
      }
      for (const auto& child : node.children) walk(*child);
    };
    walk(*parsed.root);
    return keywords;
  }

  bool Change(const Located& at, ProductChange* change) {
    if (!ExpectMap(at, "'change'")) return false;
    CheckKeys(at, Strings({"field", "set", "append", "add"}), "a change");
    std::optional<std::string> field = Text(at, "field", "this change", true);
    int operations = 0;
    bool ok = field.has_value();
    if (std::optional<std::string> set = Text(at, "set", "a change", false)) {
      change->kind = ProductChange::Kind::kSet;
      change->text = *set;
      ++operations;
    }
    if (std::optional<std::string> append = Text(at, "append", "a change", false)) {
      change->kind = ProductChange::Kind::kAppend;
      change->text = *append;
      ++operations;
    }
    if (Child(at, "add", "", false)) {
      std::optional<Decimal> amount = Number(at, "add", "a change", false);
      ok = ok && amount.has_value();
      change->kind = ProductChange::Kind::kAdd;
      change->amount = amount.value_or(Decimal());
      ++operations;
    }
    if (operations != 1) {
      ReportAt(at, "a change needs exactly one of 'set', 'append' or 'add'",
               "e.g. change: {field: 价格, add: -10}");
      return false;
    }
    if (ok) change->field = *field;
    return ok;
  }

  // ---------------------------------------------------------------- interactions
  // The one file of a kind that may have only one (interactions, loyalty);
  // every further file of that kind is reported. Null when there is none.
  const Located* SingleFile(const std::string& kind, std::string_view rules) {
    const auto& roots = roots_[kind];
    for (size_t i = 1; i < roots.size(); ++i) {
      Report(*roots[i].file, roots[i].node["kind"].Mark(), 4,
             StrCat(rules, " are already defined in ", roots[0].file->path),
             StrCat("keep all ", rules, " in one file"));
    }
    return roots.empty() ? nullptr : &roots[0];
  }

  void LoadInteractions() {
    const Located* single = SingleFile("interactions", "interaction rules");
    if (single == nullptr) return;
    const Located& root = *single;
    data_->has_interactions = true;
    data_->interactions_collect = CollectPolicy(root, "an interactions file");
    if (std::optional<Located> range = Child(root, "satisfaction_range", "", false)) {
      if (ExpectMap(*range, "'satisfaction_range'")) {
        CheckKeys(*range, Strings({"min", "max", "initial"}), "'satisfaction_range'");
        data_->satisfaction_min = Number(*range, "min", "satisfaction_range", true).value_or(Decimal::FromInteger(1));
        data_->satisfaction_max = Number(*range, "max", "satisfaction_range", true).value_or(Decimal::FromInteger(5));
        if (data_->satisfaction_max < data_->satisfaction_min) {
          ReportAt(*range, "satisfaction_range: max is below min", "e.g. {min: 1, max: 5}");
        }
        // Never-rated customers start in the middle unless `initial` says otherwise.
        Decimal middle;
        bool ok = Decimal::Add(data_->satisfaction_min, data_->satisfaction_max, &middle) &&
                  Decimal::Divide(middle, Decimal::FromInteger(2), &middle);
        data_->satisfaction_initial = ok ? middle : data_->satisfaction_min;
        if (std::optional<Located> initial = Child(*range, "initial", "", false)) {
          std::optional<Decimal> value = Number(*range, "initial", "satisfaction_range", false);
          if (value && (*value < data_->satisfaction_min || data_->satisfaction_max < *value)) {
            ReportAt(*initial, "satisfaction_range: initial must lie between min and max");
          }
          data_->satisfaction_initial = value.value_or(data_->satisfaction_initial);
        }
      }
    }
    std::optional<Located> list = Child(root, "rules", "an interactions file", true);
    if (!list || !ExpectSequence(*list, "'rules'")) return;
    Scope scope = BaseScope();
    scope.interaction = true;
    std::vector<uint32_t> conditions;
    std::vector<Located> sites;
    for (const Located& at : Items(*list)) {
      if (!ExpectMap(at, "an interaction rule")) continue;
      CheckKeys(at, Strings({"id", "description", "when", "satisfaction_change"}),
                "an interaction rule");
      InteractionRule rule;
      bool ok = RuleHeader(at, "an interaction rule", &rule);
      ok = Condition(at, "an interaction rule", scope, &rule) && ok;
      auto change = Expression(at, "satisfaction_change", "an interaction rule", scope,
                               ValueType::kDecimal);
      if (!ok || !change) continue;
      rule.satisfaction_change = change->root;
      conditions.push_back(rule.condition);
      sites.push_back(at);
      data_->interaction_rules.push_back(std::move(rule));
    }
    CheckFirstMatchList(conditions, sites, data_->interaction_rules,
                        !data_->interactions_collect, "the interaction rules",
                        "those interactions change no satisfaction");
  }

  // ---------------------------------------------------------------- loyalty
  void LoadLoyalty() {
    const Located* single = SingleFile("loyalty", "loyalty rules");
    if (single == nullptr) return;
    const Located& root = *single;
    data_->has_loyalty = true;
    earning_key_ = KeyMark(root, "earning");
    if (std::optional<Located> earning = Child(root, "earning", "a loyalty file", true);
        earning && ExpectMap(*earning, "'earning'")) {
      LoadEarning(*earning);
      LoadEarningExtras(*earning);  // after the rules: ids are reported in file order
    }
    // The policy first: it says whether tiers need points or an amount.
    if (std::optional<Located> policy = Child(root, "tier_policy", "", false);
        policy && ExpectMap(*policy, "'tier_policy'")) {
      LoadTierPolicy(*policy);
    }
    if (std::optional<Located> tiers = Child(root, "tiers", "", false);
        tiers && ExpectSequence(*tiers, "'tiers'")) {
      LoadTiers(*tiers);
      if (tiers->node.size() == 0 && root.node["tier_policy"].IsDefined()) {
        Report(*root.file, KeyMark(root, "tiers"), 5, "a tier_policy without tiers",
               "list the tiers under 'tiers:', or remove the tier_policy");
      }
    } else if (root.node["tier_policy"].IsDefined()) {
      Report(*root.file, KeyMark(root, "tier_policy"), 11, "a tier_policy without tiers",
             "list the tiers under 'tiers:', or remove the tier_policy");
    }
    if (std::optional<Located> points = Child(root, "points", "", false);
        points && ExpectMap(*points, "'points'")) {
      LoadPointsPolicy(*points);
    }
  }

  // The points lifecycle (rules/points.h): pending, expiry, and what a
  // return does once the points were spent.
  void LoadPointsPolicy(const Located& points) {
    const std::vector<std::string> keys = {"pending_days", "expiry", "returns_after_spending",
                                           "point_value"};
    CheckKeys(points, keys, "'points'");
    ReportEmptyValues(points, keys);
    PointsPolicy& policy = data_->points_policy;
    if (std::optional<int64_t> days = WholeNumber(points, "pending_days", "'points'", false)) {
      if (*days < 0 || *days > 3660) {
        ReportAt(*Child(points, "pending_days", "", false),
                 StrCat("pending_days must be from 0 to 3660, not ", *days),
                 "the days after a purchase before its points can be spent, e.g. 14");
      } else {
        policy.pending_days = static_cast<int32_t>(*days);
      }
    }
    if (std::optional<std::string> text = Text(points, "expiry", "'points'", false)) {
      absl::StatusOr<PointsExpiry> expiry = PointsExpiry::Parse(*text);
      if (expiry.ok()) {
        policy.expiry = *expiry;
      } else {
        ReportAt(*Child(points, "expiry", "", false), std::string(expiry.status().message()),
                 "e.g. expiry: 12 months, or expiry: end of year + 1");
      }
    }
    if (std::optional<std::string> text =
            Text(points, "returns_after_spending", "'points'", false)) {
      absl::StatusOr<ReturnAfterSpending> policy_text = ParseReturnAfterSpending(*text);
      if (policy_text.ok()) {
        policy.returns_after_spending = *policy_text;
      } else {
        ReportAt(*Child(points, "returns_after_spending", "", false),
                 std::string(policy_text.status().message()),
                 "debt: owed and taken from later points; negative_balance: the balance goes "
                 "below zero; forgive: not taken back");
      }
    }
    if (std::optional<Decimal> value = Number(points, "point_value", "'points'", false)) {
      if (*value <= Decimal() || *value > Decimal::FromInteger(1000)) {
        ReportAt(
            *Child(points, "point_value", "", false),
            StrCat("point_value must be more than 0 and at most 1000, not ", value->ToString()),
            "the money a point is worth to the programme, e.g. 0.01 for 100 points a yuan");
      } else {
        data_->point_value = *value;
      }
    }
    if (policy.expiry.ShortestDays() <= policy.pending_days) {
      ReportAt(*Child(points, "expiry", "", false),
               StrCat("points can expire (", policy.expiry.ToString(), ": after as few as ",
                      policy.expiry.ShortestDays(),
                      policy.expiry.ShortestDays() == 1 ? " day" : " days",
                      ") before they stop being pending (",
                      policy.pending_days, " days): some points could never be spent"),
               "make the expiry longer, or pending_days shorter");
    }
  }

  // A key of a policy written without a value would silently mean its
  // default: each is reported.
  void ReportEmptyValues(const Located& at, const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      if (at.node[key].IsDefined() && at.node[key].IsNull()) {
        Report(*at.file, KeyMark(at, key), key.size(), StrCat("'", key, "' is empty"),
               StrCat("write a value after '", key, ": ', or leave the key out for its default"));
      }
    }
  }

  // The tier policy (rules/tiers.h): the figure tiers qualify on, and how
  // a tier is lost.
  void LoadTierPolicy(const Located& at) {
    const std::vector<std::string> keys = {"qualify_on", "downgrade", "review", "grace_days"};
    CheckKeys(at, keys, "'tier_policy'");
    ReportEmptyValues(at, keys);
    TierPolicy& policy = data_->tier_policy;
    if (std::optional<std::string> text = Text(at, "qualify_on", "'tier_policy'", false)) {
      absl::StatusOr<TierPolicy> figure = TierPolicy::ParseQualifyOn(*text);
      if (figure.ok()) {
        policy.figure = figure->figure;
        policy.window = figure->window;
        policy.months = figure->months;
      } else {
        qualify_on_rejected_ = true;
        ReportAt(*Child(at, "qualify_on", "", false), std::string(figure.status().message()),
                 "e.g. qualify_on: points earned in 12 months");
      }
    }
    if (std::optional<std::string> text = Text(at, "downgrade", "'tier_policy'", false)) {
      absl::StatusOr<TierPolicy::Downgrade> downgrade = TierPolicy::ParseDowngrade(*text);
      if (downgrade.ok()) {
        policy.downgrade = *downgrade;
      } else {
        ReportAt(*Child(at, "downgrade", "", false), std::string(downgrade.status().message()),
                 "recompute: to the tier the figure reaches; one_tier: a step at a time; never: "
                 "tiers are only raised");
      }
    }
    if (std::optional<std::string> text = Text(at, "review", "'tier_policy'", false)) {
      absl::StatusOr<TierPolicy::Review> review = TierPolicy::ParseReview(*text);
      if (review.ok()) {
        policy.review = *review;
      } else {
        ReportAt(*Child(at, "review", "", false), std::string(review.status().message()),
                 "daily: a customer below the tier is found the same day; anniversary: once a "
                 "year, on the day the tier was reached");
      }
    }
    if (std::optional<int64_t> days = WholeNumber(at, "grace_days", "'tier_policy'", false)) {
      if (*days < 0 || *days > 3660) {
        ReportAt(*Child(at, "grace_days", "", false),
                 StrCat("grace_days must be from 0 to 3660, not ", *days),
                 "the days a customer keeps the tier after falling below it, e.g. 30");
      } else {
        policy.grace_days = static_cast<int32_t>(*days);
      }
    }
    if (policy.downgrade == TierPolicy::Downgrade::kNever &&
        (at.node["review"].IsDefined() || at.node["grace_days"].IsDefined())) {
      const std::string_view key = at.node["review"].IsDefined() ? "review" : "grace_days";
      Report(*at.file, KeyMark(at, key), key.size(),
             StrCat("'", key, "' has no effect with downgrade: never"),
             "remove it, or choose downgrade: one_tier or recompute");
    }
  }

  void LoadEarning(const Located& earning) {
    CheckKeys(earning,
              Strings({"rules", "default", "bonuses", "multipliers", "multipliers_combine",
                       "max_points_per_purchase"}),
              "'earning'");
    Scope scope = BaseScope();
    scope.purchase = true;
    std::vector<uint32_t> conditions;
    std::vector<Located> sites;
    if (std::optional<Located> list = Child(earning, "rules", "'earning'", true);
        list && ExpectSequence(*list, "'rules'")) {
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "an earning rule")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "points"}), "an earning rule");
        EarningRule rule;
        bool ok = RuleHeader(at, "an earning rule", &rule);
        ok = Condition(at, "an earning rule", scope, &rule) && ok;
        auto points = Expression(at, "points", "an earning rule", scope, ValueType::kInt);
        if (!ok || !points) continue;
        rule.points = points->root;
        conditions.push_back(rule.condition);
        sites.push_back(at);
        data_->earning_rules.push_back(std::move(rule));
      }
    }
    CheckFirstMatchList(conditions, sites, data_->earning_rules, true, "the earning rules",
                        Child(earning, "default", "", false)
                            ? "those purchases earn the default's points"
                            : "those purchases earn nothing");
    std::vector<program_internal::Conjunction> flattened;
    for (const EarningRule& rule : data_->earning_rules) flattened.push_back(rule.fast_condition);
    data_->earning_branch_free = data_->program.AddBranchFreeList(flattened);
    std::optional<Located> def = Child(earning, "default", "", false);
    bool catch_all = std::any_of(conditions.begin(), conditions.end(), [&](uint32_t c) {
      return shadowing_internal::AlwaysTrue(data_->program, c);
    });
    if (!def) {
      if (!catch_all) {
        Report(*earning.file, earning_key_, 7,
               "loyalty earning has no default: purchases that match no rule "
               "would earn nothing, silently",
                 "add: default: {id: small_purchase, points: 20} (points: 0 to earn nothing)");
      }
      return;
    }
    if (!ExpectMap(*def, "'default'")) return;
    CheckKeys(*def, Strings({"id", "description", "points"}), "the earning default");
    bool ok = RuleHeader(*def, "the earning default", &data_->earning_default);
    auto points = Expression(*def, "points", "the earning default", scope, ValueType::kInt);
    if (!ok || !points) return;
    data_->earning_default.points = points->root;
    data_->has_earning_default = true;
  }

  // Bonuses (every one that matches adds its points), multipliers (every
  // one that matches; the highest factor applies, or their product), and
  // a cap per purchase.
  void LoadEarningExtras(const Located& earning) {
    Scope scope = BaseScope();
    scope.purchase = true;
    if (std::optional<Located> list = Child(earning, "bonuses", "", false);
        list && ExpectSequence(*list, "'bonuses'")) {
      std::vector<uint32_t> conditions;
      std::vector<Located> sites;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "a bonus")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "points"}), "a bonus");
        EarningRule rule;
        bool ok = RuleHeader(at, "a bonus", &rule);
        ok = Condition(at, "a bonus", scope, &rule) && ok;
        auto points = Expression(at, "points", "a bonus", scope, ValueType::kInt);
        if (!ok || !points) continue;
        rule.points = points->root;
        conditions.push_back(rule.condition);
        sites.push_back(at);
        data_->earning_bonuses.push_back(std::move(rule));
      }
      CheckFirstMatchList(conditions, sites, data_->earning_bonuses, false, "the bonuses");
    }
    if (std::optional<Located> list = Child(earning, "multipliers", "", false);
        list && ExpectSequence(*list, "'multipliers'")) {
      std::vector<uint32_t> conditions;
      std::vector<Located> sites;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "a multiplier")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "factor"}), "a multiplier");
        EarningMultiplier rule;
        bool ok = RuleHeader(at, "a multiplier", &rule);
        ok = Condition(at, "a multiplier", scope, &rule) && ok;
        auto factor = Expression(at, "factor", "a multiplier", scope, ValueType::kDecimal);
        if (!ok || !factor) continue;
        const program_internal::Node& node = data_->program.node(factor->root);
        if (node.op == program_internal::Op::kConst && node.constant.n <= 0) {
          ReportAt(*Child(at, "factor", "", false), "a multiplier's factor must be more than 0",
                   "e.g. factor: 2 (double points) or factor: 1.5");
          continue;
        }
        rule.factor = factor->root;
        conditions.push_back(rule.condition);
        sites.push_back(at);
        data_->earning_multipliers.push_back(std::move(rule));
      }
      CheckFirstMatchList(conditions, sites, data_->earning_multipliers, false,
                          "the multipliers");
    }
    if (std::optional<std::string> combine =
            Text(earning, "multipliers_combine", "'earning'", false)) {
      if (*combine == "multiply") {
        data_->multipliers_multiply = true;
      } else if (*combine != "highest") {
        ReportAt(*Child(earning, "multipliers_combine", "", false),
                 StrCat("unknown multipliers_combine '", *combine, "'",
                        DidYouMeanSuffix(*combine, {"highest", "multiply"})),
                 "highest: only the highest factor applies (the default); multiply: all apply");
      }
    }
    if (std::optional<int64_t> cap =
            WholeNumber(earning, "max_points_per_purchase", "'earning'", false)) {
      if (*cap < 1) {
        ReportAt(*Child(earning, "max_points_per_purchase", "", false),
                 "max_points_per_purchase must be at least 1", "leave it out for no cap");
      } else {
        data_->max_points_per_purchase = *cap;
      }
    }
  }

  void LoadTiers(const Located& list) {
    // Tiers on the amount spent need an amount; on points, points. After
    // a qualify_on that was rejected, either is taken as written (the
    // mistake is reported once, at qualify_on).
    const bool policy_on_amount = data_->tier_policy.figure == TierPolicy::Figure::kAmountSpent;
    std::string last_threshold;
    for (const Located& at : Items(list)) {
      if (!ExpectMap(at, "a tier")) continue;
      CheckKeys(at, Strings({"name", "description", "min_points", "min_spent"}), "a tier");
      const bool on_amount =
          qualify_on_rejected_ ? at.node["min_spent"].IsDefined() : policy_on_amount;
      const std::string_view key = on_amount ? "min_spent" : "min_points";
      const std::string_view other = on_amount ? "min_points" : "min_spent";
      const std::string_view unit = on_amount ? "spent" : "points";
      if (at.node[std::string(other)].IsDefined()) {
        Report(*at.file, KeyMark(at, other), other.size(),
               StrCat("'", other, "' does not fit tiers that qualify on ",
                      data_->tier_policy.QualifyOnText()),
               on_amount ? "write min_spent: the amount spent in the window"
                         : "min_spent needs tier_policy: qualify_on: spent in N months (or "
                           "this year); on points write min_points");
        continue;
      }
      std::optional<std::string> name = Name(at, "name", "a tier", true);
      std::optional<Decimal> min = on_amount ? Number(at, key, "a tier", true)
                                             : WholeNumberAsDecimal(at, key, "a tier");
      if (!name || !min) continue;
      for (const Tier& tier : data_->tiers) {
        if (tier.name == *name) {
          ReportAt(*Child(at, "name", "", false), StrCat("tier '", *name, "' is listed twice"));
        }
      }
      if (*min < Decimal()) {
        ReportAt(*Child(at, key, "", false), StrCat(key, " cannot be negative"));
        continue;
      }
      const int64_t threshold = on_amount ? min->units() : min->IntegerPart();
      if (!data_->tiers.empty() && threshold <= data_->tiers.back().threshold) {
        ReportAt(*Child(at, key, "", false),
                 StrCat("tier '", *name, "' needs ", min->ToString(), " ", unit,
                        ", not more than tier '", data_->tiers.back().name, "' before it (",
                        last_threshold, ")"),
                 StrCat("list tiers from the lowest to the highest, each needing more ", unit));
        continue;
      }
      last_threshold = min->ToString();
      data_->tiers.push_back({*name, threshold});
    }
  }

  // A whole number, as a Decimal (tiers compare points and amounts alike).
  std::optional<Decimal> WholeNumberAsDecimal(const Located& at, std::string_view key,
                                              std::string_view what) {
    std::optional<int64_t> whole = WholeNumber(at, key, what, true);
    if (!whole) return std::nullopt;
    return Decimal::FromInteger(*whole);
  }

  // ---------------------------------------------------------------- events
  // The events file's `types:`, read before any expression compiles:
  // events_in_last() in any file names them. Each type maps to its
  // description and attributes; an attribute to its type, or to
  // {type, required, description}.
  void LoadEventTypes() {
    const Located* single = SingleFile("events", "event types and their earning rules");
    event_types_known_ = true;
    if (single == nullptr) return;
    std::optional<Located> types = Child(*single, "types", "an events file", true);
    if (!types || !ExpectMap(*types, "'types'")) {
      event_types_known_ = false;
      return;
    }
    for (auto it = types->node.begin(); it != types->node.end(); ++it) {
      const Located key{types->file, it->first};
      const Located spec{types->file, it->second};
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!ValidName(name)) {
        ReportAt(key, StrCat("event type '", name, "' is not a name"),
                 "use letters, digits and _ , starting with a letter, e.g. review");
        event_types_known_ = false;
        continue;
      }
      if (std::find(event_type_names_.begin(), event_type_names_.end(), name) !=
          event_type_names_.end()) {
        ReportAt(key, StrCat("event type '", name, "' is declared twice"),
                 "declare each type once, with all its attributes");
        event_types_known_ = false;
        continue;
      }
      EventType type;
      type.name = name;
      if (!spec.node.IsNull() && !EventTypeSpec(spec, &type)) {
        event_types_known_ = false;
        continue;
      }
      event_type_names_.push_back(name);
      data_->event_types.push_back(std::move(type));
    }
  }

  bool EventTypeSpec(const Located& spec, EventType* type) {
    const std::string what = StrCat("event type '", type->name, "'");
    if (!ExpectMap(spec, what)) return false;
    CheckKeys(spec, Strings({"description", "attributes"}), what);
    type->description = Text(spec, "description", what, false).value_or("");
    std::optional<Located> attributes = Child(spec, "attributes", "", false);
    if (!attributes || attributes->node.IsNull()) return true;
    if (!ExpectMap(*attributes, StrCat("the attributes of ", type->name))) return false;
    bool ok = true;
    for (auto it = attributes->node.begin(); it != attributes->node.end(); ++it) {
      const Located key{attributes->file, it->first};
      const Located value{attributes->file, it->second};
      EventAttribute attribute;
      attribute.name = it->first.IsScalar() ? it->first.Scalar() : "";
      if (!ValidName(attribute.name)) {
        ReportAt(key, StrCat("attribute '", attribute.name, "' is not a name"),
                 "use letters, digits and _ , starting with a letter, e.g. stars");
        ok = false;
        continue;
      }
      if (type->FindAttribute(attribute.name) >= 0) {
        ReportAt(key,
                 StrCat("attribute '", attribute.name, "' of ", type->name, " is declared twice"),
                 "declare each attribute once");
        ok = false;
        continue;
      }
      ok = AttributeSpec(value, type->name, &attribute) && ok;
      type->attributes.push_back(std::move(attribute));
    }
    return ok;
  }

  // `stars: number`, or `product: {type: text, required: false}`.
  bool AttributeSpec(const Located& at, const std::string& type_name, EventAttribute* attribute) {
    const std::string what = StrCat("attribute '", attribute->name, "' of ", type_name);
    std::string type_text;
    // Not a Located assigned later: assigning a YAML::Node changes the
    // node it refers to, not which node it refers to.
    std::optional<Located> type_at;
    if (at.node.IsScalar()) {
      type_text = at.node.Scalar();
    } else {
      if (!ExpectMap(at, what)) return false;
      CheckKeys(at, Strings({"type", "required", "description"}), what);
      std::optional<std::string> text = Text(at, "type", what, true);
      if (!text) return false;
      type_text = *text;
      type_at.emplace(*Child(at, "type", what, false));
      attribute->description = Text(at, "description", what, false).value_or("");
      if (std::optional<std::string> required = Text(at, "required", what, false)) {
        if (*required != "true" && *required != "false") {
          ReportAt(*Child(at, "required", what, false),
                   StrCat("'required' must be true or false, not '", *required, "'"),
                   "leave it out for a required attribute");
          return false;
        }
        attribute->required = *required == "true";
      }
    }
    absl::StatusOr<AttributeType> type = ParseAttributeType(type_text);
    if (!type.ok()) {
      ReportAt(type_at ? *type_at : at, std::string(type.status().message()),
               "number (e.g. 4.5), text, date (YYYY-MM-DD) or customer (another customer's id)");
      return false;
    }
    attribute->type = *type;
    return true;
  }

  // The events file's `earning:`: every rule whose type and condition
  // match earns its points, within its limit.
  void LoadEventEarning() {
    static constexpr const char* kOptionalKeys[] = {"to", "limit"};
    const auto& roots = roots_["events"];
    if (roots.empty()) return;
    std::optional<Located> list = Child(roots[0], "earning", "", false);
    if (!list || !ExpectSequence(*list, "'earning'")) return;
    for (const Located& at : Items(*list)) {
      if (!ExpectMap(at, "an event earning rule")) continue;
      CheckKeys(at, Strings({"id", "description", "on", "when", "points", "to", "limit"}),
                "an event earning rule");
      // An empty `to:` or `limit:` would silently credit the event's
      // customer, or without a limit.
      const bool empty = std::any_of(
          std::begin(kOptionalKeys), std::end(kOptionalKeys),
          [&](const char* key) { return at.node[key].IsDefined() && at.node[key].IsNull(); });
      ReportEmptyValues(at, Strings({"to", "limit"}));
      EventEarningRule rule;
      bool ok = RuleHeader(at, "an event earning rule", &rule) && !empty;
      const EventType* type = EarningType(at, &rule);
      if (!ok || type == nullptr) continue;
      Scope scope = BaseScope();
      scope.event = type;
      if (at.node["when"].IsDefined()) {
        ok = Condition(at, "an event earning rule", scope, &rule);
      } else {
        ok = AlwaysCondition(scope, &rule);
      }
      auto points = Expression(at, "points", "an event earning rule", scope, ValueType::kInt);
      ok = points.has_value() && ok;
      if (points && !NotNegative(at, *points)) ok = false;
      ok = EarningRecipient(at, *type, &rule) && ok;
      ok = EarningLimit(at, &rule.limit) && ok;
      if (!ok) continue;
      rule.points = points->root;
      data_->event_terms.push_back(
          {rule.id, type->name,
           rule.to_attribute < 0 ? std::string() : type->attributes[rule.to_attribute].name,
           rule.limit});
      data_->event_rules.push_back(std::move(rule));
    }
  }

  // `on:` the declared type a rule earns on.
  const EventType* EarningType(const Located& at, EventEarningRule* rule) {
    std::optional<std::string> on = Text(at, "on", "an event earning rule", true);
    if (!on) return nullptr;
    for (uint32_t i = 0; i < data_->event_types.size(); ++i) {
      if (data_->event_types[i].name != *on) continue;
      rule->type = i;
      return &data_->event_types[i];
    }
    ReportAt(*Child(at, "on", "", false),
             StrCat("'", *on, "' is not an event type", DidYouMeanSuffix(*on, event_type_names_)),
             event_type_names_.empty()
                 ? "declare it under 'types:', e.g. review: {attributes: {stars: number}}"
                 : StrCat("the event types are: ", StrJoin(event_type_names_, ", ")));
    return nullptr;
  }

  // A rule without `when:` earns on every event of its type.
  bool AlwaysCondition(const Scope& scope, EventEarningRule* rule) {
    std::vector<CompileError> errors;
    compiler_internal::Compiled compiled =
        compiler_internal::CompileExpression("true", scope, limits_, &data_->program, &errors);
    if (compiled.type != ValueType::kBool) return false;
    rule->condition = compiled.root;
    rule->fast_condition = data_->program.AddConjunction(compiled.root);
    rule->condition_text = compiled.text;
    return true;
  }

  // A constant number of points below 0 is refused here; a formula's
  // result when it is evaluated.
  bool NotNegative(const Located& at, const compiler_internal::Compiled& points) {
    const program_internal::Node& node = data_->program.node(points.root);
    if (node.op != program_internal::Op::kConst || node.constant.n >= 0) return true;
    ReportAt(*Child(at, "points", "", false), "an event earning rule's points must not be negative",
             "points: 0 earns nothing; remove the rule to stop it");
    return false;
  }

  // `to:` the customer attribute whose customer gets the points (a
  // referral's referrer), written as the attribute or event.<attribute>.
  bool EarningRecipient(const Located& at, const EventType& type, EventEarningRule* rule) {
    std::optional<std::string> to = Text(at, "to", "an event earning rule", false);
    if (!to) return !at.node["to"].IsDefined();
    std::string name = *to;
    if (name.rfind("event.", 0) == 0) name = name.substr(6);
    const int index = type.FindAttribute(name);
    std::vector<std::string> customers;
    for (const EventAttribute& attribute : type.attributes) {
      if (attribute.type == AttributeType::kCustomer) customers.push_back(attribute.name);
    }
    if (index < 0 || type.attributes[index].type != AttributeType::kCustomer) {
      ReportAt(*Child(at, "to", "", false),
               index < 0
                   ? StrCat("a ", type.name, " event has no attribute '", name, "'",
                            DidYouMeanSuffix(name, customers))
                   : StrCat("'", name, "' is a ", AttributeTypeName(type.attributes[index].type),
                            ", not a customer"),
               customers.empty()
                   ? StrCat("'to' names an attribute of type customer; ", type.name, " has none")
                   : StrCat("its customer attributes are: ", StrJoin(customers, ", ")));
      return false;
    }
    if (!type.attributes[index].required) {
      ReportAt(*Child(at, "to", "", false),
               StrCat("'", name, "' is optional: an event without it would credit no one"),
               StrCat("make ", name, " required"));
      return false;
    }
    rule->to_attribute = index;
    return true;
  }

  // `limit: {times: 3, points: 500, per: month}`: per day, week, month,
  // year or total (the default), counted for the event's customer.
  bool EarningLimit(const Located& at, EventLimit* limit) {
    std::optional<Located> child = Child(at, "limit", "", false);
    if (!child) return true;
    if (!ExpectMap(*child, "'limit'")) return false;
    CheckKeys(*child, Strings({"times", "points", "per"}), "'limit'");
    bool ok = true;
    for (const char* key : {"times", "points"}) {
      if (!child->node[key].IsDefined()) continue;
      std::optional<int64_t> value = WholeNumber(*child, key, "'limit'", true);
      if (value && *value < 1) {
        ReportAt(*Child(*child, key, "", false), StrCat("'", key, "' must be at least 1"),
                 "a rule that may never earn is no rule: remove it instead");
        value.reset();
      }
      ok = value.has_value() && ok;
      (std::string_view(key) == "times" ? limit->times : limit->points) = value.value_or(0);
    }
    if (ok && !limit->any()) {
      ReportAt(*child, "a limit needs 'times' or 'points'",
               "e.g. limit: {times: 3, per: month}: at most 3 events a month earn");
      return false;
    }
    if (std::optional<std::string> per = Text(*child, "per", "'limit'", false)) {
      bool known = false;
      for (CapPeriod period : {CapPeriod::kTotal, CapPeriod::kDay, CapPeriod::kWeek,
                               CapPeriod::kMonth, CapPeriod::kYear}) {
        if (CapPeriodName(period) != *per) continue;
        limit->period = period;
        known = true;
      }
      if (!known) {
        ReportAt(*Child(*child, "per", "", false),
                 StrCat("unknown period '", *per, "'",
                        DidYouMeanSuffix(*per, Strings({"day", "week", "month", "year", "total"}))),
                 "per: day, week (Monday to Sunday), month, year, or total (ever)");
        ok = false;
      }
    }
    return ok;
  }

  // ---------------------------------------------------------------- tasks
  // The tasks files' rules: every one whose condition holds proposes its
  // task for the customer (a server opens one per rule and customer).
  void LoadTasks() {
    const Scope scope = BaseScope();
    for (const Located& root : roots_["tasks"]) {
      std::optional<Located> list = Child(root, "rules", "a tasks file", true);
      if (!list || !ExpectSequence(*list, "'rules'")) continue;
      for (const Located& at : Items(*list)) {
        if (!ExpectMap(at, "a task rule")) continue;
        CheckKeys(at, Strings({"id", "description", "when", "task", "queue", "due_days"}),
                  "a task rule");
        ReportEmptyValues(at, Strings({"queue", "due_days"}));
        TaskRule rule;
        bool ok = RuleHeader(at, "a task rule", &rule);
        ok = Condition(at, "a task rule", scope, &rule) && ok;
        std::optional<std::string> task = Name(at, "task", "a task rule", true);
        if (std::optional<std::string> queue = Name(at, "queue", "a task rule", false)) {
          rule.queue = *queue;
        } else if (at.node["queue"].IsDefined()) {
          ok = false;
        }
        ok = TaskDueDays(at, &rule) && ok;
        if (!ok || !task) continue;
        rule.task = *task;
        data_->task_rules.push_back(std::move(rule));
      }
    }
    // Views into the rules, once they no longer move.
    for (TaskRule& rule : data_->task_rules) {
      rule.proposal = {rule.id, rule.task, rule.queue, rule.due_days};
    }
  }

  // `due_days`: the days after it opens that a task is due, 1..365.
  bool TaskDueDays(const Located& at, TaskRule* rule) {
    if (!at.node["due_days"].IsDefined() || at.node["due_days"].IsNull()) {
      return !at.node["due_days"].IsDefined();
    }
    std::optional<int64_t> days = WholeNumber(at, "due_days", "a task rule", true);
    if (!days) return false;
    if (*days < 1 || *days > 365) {
      ReportAt(*Child(at, "due_days", "", false),
               StrCat("due_days must be from 1 to 365, not ", *days),
               "the days after the task opens that it is due, e.g. due_days: 3");
      return false;
    }
    rule->due_days = static_cast<int32_t>(*days);
    return true;
  }

  // ---------------------------------------------------------------- rfm
  // The rfm file: the window of frequency and monetary, and for each
  // measure four cut points or `quantiles`.
  void LoadRfm() {
    const Located* single = SingleFile("rfm", "RFM scores");
    if (single == nullptr) return;
    RfmModel model;
    bool ok = true;
    if (single->node["window_days"].IsDefined()) {
      std::optional<int64_t> days = WholeNumber(*single, "window_days", "the rfm file", true);
      if (days && (*days < 1 || *days > kMaxFactDays)) {
        ReportAt(*Child(*single, "window_days", "", false),
                 StrCat("window_days must be from 1 to ", kMaxFactDays, ", not ", *days),
                 "the days of purchases that frequency and monetary count, e.g. window_days: 365");
        days = std::nullopt;
      }
      if (days) model.window_days = static_cast<int32_t>(*days);
      ok = ok && days.has_value();
    }
    RfmMeasureSpec* specs[] = {&model.recency, &model.frequency, &model.monetary};
    for (size_t i = 0; i < kRfmMeasures.size(); ++i) {
      ok = RfmMeasureCuts(*single, kRfmMeasures[i], specs[i]) && ok;
    }
    if (ok) data_->rfm = std::move(model);
  }

  // `recency: [30, 90, 180, 365]` or `recency: quantiles`.
  bool RfmMeasureCuts(const Located& file, RfmMeasure measure, RfmMeasureSpec* spec) {
    const std::string key(RfmMeasureName(measure));
    std::optional<Located> at = Child(file, key, "the rfm file", true);
    if (!at) return false;
    const std::string example = measure == RfmMeasure::kRecency     ? "[30, 90, 180, 365]"
                                : measure == RfmMeasure::kFrequency ? "[2, 4, 8, 16]"
                                                                    : "[500, 2000, 5000, 10000]";
    const std::string hint = StrCat("four cut points, ascending, e.g. ", key, ": ", example,
                                    "; or ", key, ": quantiles (the stored customers' fifths)");
    if (at->node.IsScalar() && at->node.Scalar() == "quantiles") {
      spec->quantiles = true;
      return true;
    }
    if (!at->node.IsSequence() || at->node.size() != 4) {
      ReportAt(*at, StrCat(key, " must be four cut points or 'quantiles'"), hint);
      return false;
    }
    for (const Located& item : Items(*at)) {
      absl::StatusOr<Decimal> value = item.node.IsScalar() ? Decimal::Parse(item.node.Scalar())
                                                           : absl::InvalidArgumentError("");
      const bool whole = measure != RfmMeasure::kMonetary;
      const Decimal least =
          whole && measure == RfmMeasure::kFrequency ? Decimal::FromInteger(1) : Decimal();
      if (!value.ok() || (whole && !value->IsInteger()) || *value < least ||
          (measure == RfmMeasure::kMonetary && value->units() <= 0)) {
        ReportAt(
            item,
            StrCat("a cut point of ", key, " must be ",
                   measure == RfmMeasure::kRecency     ? "a whole number of days, 0 or more"
                   : measure == RfmMeasure::kFrequency ? "a whole number of purchases, 1 or more"
                                                       : "an amount above 0"),
            hint);
        return false;
      }
      const int64_t cut = whole ? value->IntegerPart() : value->units();
      if (!spec->cuts.empty() && cut <= spec->cuts.back()) {
        ReportAt(item, StrCat("the cut points of ", key, " must ascend, each above the one before"),
                 hint);
        return false;
      }
      spec->cuts.push_back(cut);
    }
    return true;
  }

  // ---------------------------------------------------------------- whole set
  // Whether any compiled expression reads purchase.category: as a load,
  // or in a fused `contains` (which reads the text itself).
  static bool ReadsPurchaseCategory(const program_internal::Program& program) {
    using program_internal::Op;
    for (uint32_t i = 0; i < program.size(); ++i) {
      const program_internal::Node& node = program.node(i);
      if (node.op == Op::kPurchaseCategory) return true;
      if (node.op == Op::kContainsText &&
          node.field == static_cast<uint32_t>(program_internal::TextSource::kPurchaseCategory)) {
        return true;
      }
    }
    return false;
  }

  void CheckDuplicateRuleIds() {
    std::map<std::string, const Located*> first;
    for (const auto& [id, site] : rule_ids_) {
      auto [it, inserted] = first.emplace(id, &site);
      if (inserted) continue;
      ReportAt(site, StrCat("rule id '", id, "' is used twice"),
               StrCat("the first is at ", it->second->file->path, ":",
                            it->second->node.Mark().line + 1,
                            "; every rule needs its own id"));
    }
  }

  static std::string Version(const std::vector<RuleSource>& sources) {
    Sha256 hash;
    for (const RuleSource& source : sources) {
      std::string name = std::filesystem::path(source.path).filename().string();
      hash.Add(std::string_view(name.data(), name.size() + 1));  // with its '\0'
      std::string size = std::to_string(source.content.size());
      hash.Add(std::string_view(size.data(), size.size() + 1));
      hash.Add(source.content);
    }
    std::string hex = hash.Hex().substr(0, 12);
    return hex;
  }

  const LoadOptions& options_;
  parser_internal::ParseLimits limits_;
  DiagnosticList diagnostics_;
  std::set<std::string> overridden_;  // parameter_overrides that were applied
  std::unique_ptr<RuleSetData> data_;
  std::vector<std::unique_ptr<FileText>> files_;
  std::vector<std::string> tier_names_;  // known before any condition compiles
  std::vector<std::string> interaction_rule_ids_;  // the same
  bool interaction_rule_ids_known_ = false;
  std::vector<std::string> event_type_names_;  // the same, for events_in_last()
  bool event_types_known_ = false;
  bool qualify_on_rejected_ = false;     // tier_policy's qualify_on was reported
  // Whether the tiers qualify over a window of months (CollectTierNames),
  // and whether that is known before the loyalty file loads.
  bool tier_window_ = false;
  bool tier_window_known_ = false;
  std::map<std::string, Located, std::less<>> parameter_sites_;  // each one's value
  std::set<std::string> blamed_parameters_;  // reported by ReportAtParameter
  std::map<std::string, std::vector<Located>> roots_;
  std::map<std::string, Located, std::less<>> group_sites_;  // stacking groups' declarations
  std::vector<DimensionInfo> dimension_infos_;
  std::vector<std::pair<std::string, Located>> rule_ids_;
  std::map<uint32_t, Located> condition_sites_;
  YAML::Mark earning_key_;
};

}  // namespace

LoadResult RuleSet::LoadSources(std::vector<RuleSource> sources, const LoadOptions& options) {
  // The loader reads nodes only after checking that they exist, so
  // yaml-cpp should never throw here; if it does, the file is refused
  // rather than the process ended (a server reloads whatever is saved).
  try {
    return Loader(options).Load(std::move(sources));
  } catch (const YAML::Exception& e) {
    LoadResult refused;
    refused.diagnostics.push_back(
        {Severity::kError, "", 0, 0, 1, StrCat("the rule files could not be read: ", e.what()),
         "this is a defect in clientele: please report it with the files", ""});
    return refused;
  }
}

absl::StatusOr<std::vector<std::filesystem::path>> RuleSet::RuleFilePaths(
    const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return absl::InvalidArgumentError("this is not a directory of rule files");
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::filesystem::path& path = entry.path();
    std::string name = path.filename().string();
    std::string extension = path.extension().string();
    if (name.empty() || name[0] == '.' || (extension != ".yaml" && extension != ".yml")) continue;
    std::error_code not_regular;
    if (!entry.is_regular_file(not_regular)) continue;  // SkippedRuleFiles says why
    paths.push_back(path);
  }
  if (error) return absl::UnavailableError(StrCat("cannot list the directory: ", error.message()));
  if (paths.empty()) return absl::NotFoundError("there are no .yaml rule files here");
  std::sort(paths.begin(), paths.end());
  return paths;
}

namespace {

// Why the directory entry `path`, named like a rule file, cannot be read
// as one; empty when it is a readable regular file.
std::string WhySkipped(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status target = fs::status(path, error);
  if (!error && fs::is_regular_file(target)) return "";
  std::error_code link_error;
  const bool link = fs::is_symlink(fs::symlink_status(path, link_error));
  if (link) {
    std::error_code read_error;
    const std::string to = fs::read_symlink(path, read_error).string();
    if (error == std::errc::too_many_symbolic_link_levels) {
      return StrCat("it is a symbolic link to '", to, "' that leads round in a loop");
    }
    if (error == std::errc::no_such_file_or_directory) {
      return StrCat("it is a symbolic link to '", to, "', which does not exist");
    }
    if (error) return StrCat("it is a symbolic link to '", to, "' that cannot be followed: ",
                             error.message());
  }
  if (error) return StrCat("it cannot be examined: ", error.message());
  if (fs::is_directory(target)) return "it is a directory, not a file";
  return "it is not a regular file";
}

}  // namespace

std::vector<Diagnostic> RuleSet::SkippedRuleFiles(const std::filesystem::path& directory) {
  std::vector<Diagnostic> warnings;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::filesystem::path& path = entry.path();
    const std::string name = path.filename().string();
    const std::string extension = path.extension().string();
    if (name.empty() || name[0] == '.' || (extension != ".yaml" && extension != ".yml")) continue;
    std::string why = WhySkipped(path);
    if (why.empty()) continue;
    warnings.push_back({Severity::kWarning, path.string(), 0, 0, 1,
                        StrCat("this file is skipped: ", why),
                        "fix or remove it: the rules in a skipped file are not loaded", ""});
  }
  std::sort(warnings.begin(), warnings.end(),
            [](const Diagnostic& a, const Diagnostic& b) { return a.file < b.file; });
  return warnings;
}

LoadResult RuleSet::LoadDirectory(const std::filesystem::path& directory,
                                  const LoadOptions& options) {
  LoadResult result;
  auto fail = [&](std::string message, std::string hint) {
    result.diagnostics.push_back(
        {Severity::kError, directory.string(), 0, 0, 1, std::move(message), std::move(hint), ""});
    return result;
  };
  absl::StatusOr<std::vector<std::filesystem::path>> listed = RuleFilePaths(directory);
  if (listed.ok() || absl::IsNotFound(listed.status())) {
    result.diagnostics = SkippedRuleFiles(directory);
  }
  if (!listed.ok()) {
    return fail(std::string(listed.status().message()),
                absl::IsNotFound(listed.status())
                    ? "rule files end in .yaml; see config/rules for examples"
                    : absl::IsInvalidArgument(listed.status())
                          ? "give the folder that holds the .yaml files"
                          : "");
  }
  const std::vector<std::filesystem::path>& paths = *listed;
  std::error_code error;
  std::vector<RuleSource> sources;
  for (const std::filesystem::path& path : paths) {
    RuleSource source;
    source.path = path.string();
    uintmax_t size = std::filesystem::file_size(path, error);
    if (!error && size > options.max_file_bytes) {
      // Do not read a huge file: report its size instead.
      result.diagnostics.push_back(
          {Severity::kError, source.path, 1, 1, 1,
           StrCat("the file is ", size, " bytes; the limit is ", options.max_file_bytes,
                        " bytes"),
           "split it into several files", ""});
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in && !in.eof()) {
      result.diagnostics.push_back({Severity::kError, source.path, 0, 0, 1,
                                    "cannot read this file", "check its permissions", ""});
      continue;
    }
    source.content = content.str();
    sources.push_back(std::move(source));
  }
  // Files that could not be read fail the load; the readable ones are
  // still checked, so that every problem shows at once.
  const bool unreadable = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                      [](const Diagnostic& d) { return d.severity == Severity::kError; });
  LoadResult loaded = LoadSources(std::move(sources), options);
  if (result.diagnostics.empty()) return loaded;
  DiagnosticList all;
  for (Diagnostic& d : result.diagnostics) all.Add(std::move(d));
  for (Diagnostic& d : loaded.diagnostics) all.Add(std::move(d));
  all.SortByLocation();
  loaded.diagnostics = all.items();
  if (unreadable) loaded.ruleset = nullptr;
  return loaded;
}

}  // namespace clientele::rules
