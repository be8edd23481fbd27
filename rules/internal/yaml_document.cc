#include "rules/internal/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "common/strings.h"

namespace clientele::rules::yaml_internal {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

bool IsDocumentMarker(std::string_view line, std::string_view marker) {
  if (!line.starts_with(marker)) return false;
  return line.size() == marker.size() || line[marker.size()] == ' ' ||
         line[marker.size()] == '\t' || line[marker.size()] == '\r';
}

// A line that reads as YAML structure rather than as the middle of a text:
// a comment, a list item, or `key: value`.
bool LooksLikeYamlOfItsOwn(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  line.remove_prefix(first);
  if (line.starts_with("#") || line.starts_with("- ")) return true;
  size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) {
    ++i;
  }
  return i > 0 && i + 1 < line.size() && line[i] == ':' && line[i + 1] == ' ';
}

// The innermost '[' or '{' that is still open at text[up_to], if any. Knows
// enough YAML to skip quoted text and comments, and that in block context
// a bracket opens a collection only where a value starts.
std::optional<size_t> UnclosedBracket(std::string_view text, size_t up_to) {
  std::vector<size_t> open;
  bool value_start = true;  // at a line start, after ': ' or '- '
  for (size_t i = 0; i < up_to && i < text.size(); ++i) {
    const char c = text[i];
    const char before = i > 0 ? text[i - 1] : '\n';
    if (c == '\n') {
      value_start = true;
      continue;
    }
    if (c == '#' && (before == ' ' || before == '\t' || before == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    const bool quote_may_start =
        !open.empty() ? (before == ' ' || before == '[' || before == '{' || before == ',' ||
                         before == ':' || before == '\n')
                      : value_start;
    if ((c == '"' || c == '\'') && quote_may_start) {
      const size_t close = ClosingQuote(text, i);
      i = (close == std::string_view::npos ? text.size() : close) - 1;
      value_start = false;
      continue;
    }
    if (c == ' ' || c == '\t') continue;
    if (open.empty()) {
      if ((c == '[' || c == '{') && value_start) {
        open.push_back(i);
      } else {
        const char next = i + 1 < text.size() ? text[i + 1] : '\n';
        value_start = (c == ':' || c == '-') && (next == ' ' || next == '\n');
      }
      continue;
    }
    if (c == '[' || c == '{') open.push_back(i);
    if (c == ']' || c == '}') open.pop_back();
  }
  if (open.empty()) return std::nullopt;
  return open.back();
}

// Thrown by the handler to stop yaml-cpp's parser at the first problem;
// never leaves this file.
struct StopParsing {};

// Walks the parser's events once, before any node is built: measures the
// nesting depth and what every alias would expand to, and notices a second
// document. Linear in the text, however the aliases nest.
class LimitChecker : public YAML::EventHandler {
 public:
  LimitChecker(std::string_view text, const YamlLimits& limits)
      : text_(text), lines_(Lines(text)), limits_(limits) {}

  const std::optional<YamlProblem>& problem() const { return problem_; }
  int documents() const { return documents_; }
  int first_node_line() const { return first_node_line_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      second_document_ = mark;
      throw StopParsing{};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor, 1); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    CheckQuoteClosedOnItsLine(mark);
    Leaf(mark, anchor, 1);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto found = anchor_sizes_.find(anchor);
    const uint64_t size = found == anchor_sizes_.end() ? 1 : found->second;
    alias_nodes_ = SaturatingAdd(alias_nodes_, size);
    if (alias_nodes_ > limits_.max_alias_nodes) {
      Fail(YamlProblem::Kind::kTooManyAliasNodes, mark,
           StrCat("the aliases (*name) in this file expand to more than ",
                  limits_.max_alias_nodes, " values"),
           "an alias repeats everything under its anchor (&name): repeat smaller blocks, "
           "fewer times, or write the values out");
    }
    Leaf(mark, 0, size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

  const YAML::Mark& second_document() const { return second_document_; }

 private:
  struct Frame {
    YAML::anchor_t anchor = 0;
    uint64_t size = 1;  // nodes in it, aliases expanded, itself included
  };

  static uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
  }

  void NoteNode(const YAML::Mark& mark) {
    if (first_node_line_ < 0) first_node_line_ = mark.line;
  }

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, uint64_t size) {
    NoteNode(mark);
    if (anchor != 0) anchor_sizes_[anchor] = size;
    if (!open_.empty()) open_.back().size = SaturatingAdd(open_.back().size, size);
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    NoteNode(mark);
    if (static_cast<int>(open_.size()) >= limits_.max_depth) {
      Fail(YamlProblem::Kind::kTooDeep, mark,
           StrCat("lists and mappings nest more than ", limits_.max_depth, " levels deep here"),
           "rule files need a few levels: look for a '[' or '{' that is never closed, or "
           "indentation that keeps growing");
    }
    open_.push_back({anchor, 1});
  }

  void Close() {
    Frame done = open_.back();
    open_.pop_back();
    if (done.anchor != 0) anchor_sizes_[done.anchor] = done.size;
    if (!open_.empty()) open_.back().size = SaturatingAdd(open_.back().size, done.size);
  }

  // A quoted scalar may span lines, so a quote left open swallows the
  // lines after it up to the next quote character, and the file's shape
  // changes silently ("dimension has no default" a screen later). When the
  // swallowed lines look like YAML of their own (a `key:` line, a list
  // item, a comment), the quote was surely meant to end on its line.
  void CheckQuoteClosedOnItsLine(const YAML::Mark& mark) {
    if (mark.line < 0 || mark.line >= static_cast<int>(lines_.size())) return;
    const std::string_view line = lines_[mark.line];
    if (mark.column < 0 || static_cast<size_t>(mark.column) >= line.size()) return;
    const char quote = line[mark.column];
    if (quote != '"' && quote != '\'') return;
    const size_t start = static_cast<size_t>(line.data() - text_.data()) + mark.column;
    size_t close = ClosingQuote(text_, start);
    if (close == std::string_view::npos) close = text_.size();
    const std::string_view quoted = text_.substr(start, close - start);
    if (quoted.find('\n') == std::string_view::npos) return;
    const int close_line = mark.line + static_cast<int>(std::count(quoted.begin(), quoted.end(), '\n'));
    for (int l = mark.line + 1; l <= close_line && l < static_cast<int>(lines_.size()); ++l) {
      if (!LooksLikeYamlOfItsOwn(lines_[l])) continue;
      Fail(YamlProblem::Kind::kUnclosedQuote, mark,
           StrCat("this quote is not closed on its line, so YAML reads on to the next ",
                  std::string(1, quote),
                  close < text_.size() ? StrCat(" (line ", close_line + 1, ")") : " (the end of the file)"),
           StrCat("end the value with ", std::string(1, quote),
                  " on this line; a quote inside the text is written ",
                  quote == '"' ? "\\\"" : "''"));
    }
  }

  [[noreturn]] void Fail(YamlProblem::Kind kind, const YAML::Mark& mark, std::string message,
                         std::string hint) {
    problem_ = YamlProblem{kind, mark.line, mark.column, std::move(message), std::move(hint)};
    throw StopParsing{};
  }

  std::string_view text_;
  std::vector<std::string_view> lines_;
  const YamlLimits& limits_;
  std::optional<YamlProblem> problem_;
  int documents_ = 0;
  int first_node_line_ = -1;
  YAML::Mark second_document_;
  std::vector<Frame> open_;
  std::map<YAML::anchor_t, uint64_t> anchor_sizes_;
  uint64_t alias_nodes_ = 0;
};

// The '---' or '...' line that ends the first document: the first marker
// after the first document's content, no later than where the second one
// starts.
YamlProblem SecondDocument(std::string_view text, int first_node_line, const YAML::Mark& second) {
  std::vector<std::string_view> lines = Lines(text);
  const int last = std::min<int>(second.line, static_cast<int>(lines.size()) - 1);
  for (int line = std::max(first_node_line + 1, 0); line <= last; ++line) {
    for (std::string_view marker : {"---", "..."}) {
      if (!IsDocumentMarker(lines[line], marker)) continue;
      const bool ends = marker == "...";
      return YamlProblem{
          YamlProblem::Kind::kSecondDocument, line, 0,
          StrCat("'", marker, "' ", ends ? "ends the YAML document" : "starts a second YAML document",
                 ": everything after this line would be ignored"),
          ends ? "remove this line: a rule file is one document, and the lines after '...' "
                 "belong to it"
               : "a rule file holds one document: remove this line, or move what follows it "
                 "into a file of its own"};
    }
  }
  return YamlProblem{YamlProblem::Kind::kSecondDocument, second.line, second.column,
                     "a second YAML document starts here: everything from here on would be ignored",
                     "a rule file holds one document: move this part into a file of its own"};
}

// yaml-cpp notices an unclosed '[' or '{' only where the text stops
// making sense, often lines later and after comments: blame the bracket.
YamlProblem SyntaxProblem(std::string_view text, const YAML::Exception& e) {
  std::vector<std::string_view> lines = Lines(text);
  if (e.mark.line >= 0 && e.mark.line < static_cast<int>(lines.size())) {
    const size_t at = static_cast<size_t>(lines[e.mark.line].data() - text.data()) +
                      std::min<size_t>(std::max(e.mark.column, 0), lines[e.mark.line].size());
    if (std::optional<size_t> bracket = UnclosedBracket(text, at)) {
      const int line = static_cast<int>(std::count(text.begin(), text.begin() + *bracket, '\n'));
      const size_t line_start = static_cast<size_t>(lines[line].data() - text.data());
      const bool list = text[*bracket] == '[';
      return YamlProblem{YamlProblem::Kind::kUnclosedBracket, line,
                         static_cast<int>(*bracket - line_start),
                         StrCat("this '", list ? "[" : "{", "' is never closed"),
                         StrCat("end the ", list ? "list with ']'" : "mapping with '}'",
                                " on this line, or write one item per line instead")};
    }
  }
  return YamlProblem{YamlProblem::Kind::kSyntax, e.mark.line, e.mark.column, e.msg, ""};
}

}  // namespace

size_t ClosingQuote(std::string_view text, size_t open) {
  const char quote = text[open];
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
      } else {
        return i + 1;
      }
    }
  }
  return std::string_view::npos;
}

ParsedYaml ParseYamlDocument(std::string_view text, const YamlLimits& limits) {
  ParsedYaml parsed;
  const std::string content(text);
  LimitChecker checker(text, limits);
  try {
    std::istringstream in(content);
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(checker)) {
    }
  } catch (const StopParsing&) {
    if (checker.problem()) {
      parsed.problem = checker.problem();
    } else {
      parsed.problem = SecondDocument(text, checker.first_node_line(), checker.second_document());
    }
    return parsed;
  } catch (const YAML::Exception& e) {
    parsed.problem = SyntaxProblem(text, e);
    return parsed;
  }
  try {
    parsed.root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    parsed.problem = SyntaxProblem(text, e);
  }
  return parsed;
}

}  // namespace clientele::rules::yaml_internal
