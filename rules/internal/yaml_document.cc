#include "rules/internal/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "rules/strings.h"

namespace clientele::rules::yaml_internal {
namespace {

// Thrown by the handler to stop yaml-cpp's parser at the first problem;
// never leaves this file.
struct StopParsing {};

// Walks the parser's events once, before any node is built: measures the
// nesting depth and what every alias would expand to, and notices a second
// document. Linear in the text, however the aliases nest.
class LimitChecker : public YAML::EventHandler {
 public:
  explicit LimitChecker(const YamlLimits& limits) : limits_(limits) {}

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

  [[noreturn]] void Fail(YamlProblem::Kind kind, const YAML::Mark& mark, std::string message,
                         std::string hint) {
    problem_ = YamlProblem{kind, mark.line, mark.column, std::move(message), std::move(hint)};
    throw StopParsing{};
  }

  const YamlLimits& limits_;
  std::optional<YamlProblem> problem_;
  int documents_ = 0;
  int first_node_line_ = -1;
  YAML::Mark second_document_;
  std::vector<Frame> open_;
  std::map<YAML::anchor_t, uint64_t> anchor_sizes_;
  uint64_t alias_nodes_ = 0;
};

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

}  // namespace

ParsedYaml ParseYamlDocument(std::string_view text, const YamlLimits& limits) {
  ParsedYaml parsed;
  const std::string content(text);
  LimitChecker checker(limits);
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
    parsed.problem = YamlProblem{YamlProblem::Kind::kSyntax, e.mark.line, e.mark.column, e.msg, ""};
    return parsed;
  }
  try {
    parsed.root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    parsed.problem = YamlProblem{YamlProblem::Kind::kSyntax, e.mark.line, e.mark.column, e.msg, ""};
  }
  return parsed;
}

}  // namespace clientele::rules::yaml_internal
