// Reading one rule or test file as YAML, within limits that no hostile or
// careless file can get past: one document only (a second '---' or text
// after '...' would otherwise vanish without a word), a bounded nesting
// depth, and a bounded number of nodes that aliases add (a "billion laughs"
// file is a few hundred bytes, but every walk over its aliases visits 10^9
// nodes and a copy of it takes gigabytes). Every reader of rule files (the
// loader, rule tests, diffs) goes through ParseYamlDocument, so that none
// of them ever expands more than the limits allow.
// Pure functions; thread-safe.
#ifndef CLIENTELE_RULES_INTERNAL_YAML_DOCUMENT_H_
#define CLIENTELE_RULES_INTERNAL_YAML_DOCUMENT_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clientele::rules::yaml_internal {

struct YamlLimits {
  // Levels of mappings and lists inside each other. Rule files need about
  // eight; yaml-cpp itself gives up at 2,000 with "bad file".
  int max_depth = 64;
  // Nodes that aliases may add when expanded, beyond those written out.
  // Real files reuse a customer or a list a few times (hundreds of nodes).
  uint64_t max_alias_nodes = 100'000;
};

// What is wrong with a file that cannot be read as one YAML document.
struct YamlProblem {
  enum class Kind {
    kSyntax,          // yaml-cpp could not parse it
    kSecondDocument,  // a '---' or '...' line, and more YAML after it
    kTooDeep,         // nesting beyond max_depth
    kTooManyAliasNodes,
    kUnclosedQuote,   // a quote left open: YAML reads on over following lines
    kUnclosedBracket, // a '[' or '{' never closed: yaml-cpp stumbles lines later
  };
  Kind kind = Kind::kSyntax;
  int line = 0;    // 0-based, as yaml-cpp counts
  int column = 0;  // 0-based byte column
  std::string message;
  std::string hint;  // empty for kSyntax: the caller knows the file's text
};

struct ParsedYaml {
  YAML::Node root;  // defined only when `problem` is empty
  std::optional<YamlProblem> problem;
};

// Offset just past the quote that closes the quoted scalar opening at
// text[open] (a double quote ends at one not escaped by '\\', a single
// quote at one not doubled), or std::string_view::npos when none does.
size_t ClosingQuote(std::string_view text, size_t open);

// Parses `text` as a single YAML document. Never throws. An empty text (or
// only comments) gives a null root and no problem.
ParsedYaml ParseYamlDocument(std::string_view text, const YamlLimits& limits = {});

}  // namespace clientele::rules::yaml_internal

#endif  // CLIENTELE_RULES_INTERNAL_YAML_DOCUMENT_H_
