// Diagnostics: how clientele tells a rule author what is wrong with a rule
// file, compiler style, with the source line and a caret:
//
//   config/rules/segments.yaml:12:18: error: unknown field 'agee'; did you mean 'age'?
//      12 |     when: agee < 40 and consumption == "low"
//         |           ^~~~
//         = hint: the customer fields are listed in docs/rules.md
//
// Rule mistakes are data, not failures: loading collects every diagnostic of
// a ruleset and reports them together. Lines and columns are 1-based;
// columns count characters (Unicode code points), not bytes.
//
// All types here are plain values; DiagnosticList is not thread-safe.
#ifndef CLIENTELE_RULES_DIAGNOSTIC_H_
#define CLIENTELE_RULES_DIAGNOSTIC_H_

#include <string>
#include <string_view>
#include <vector>

namespace clientele::rules {

enum class Severity { kError, kWarning };

std::string_view SeverityName(Severity severity);

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;         // as given to the loader, e.g. "config/rules/a.yaml"
  int line = 0;             // 1-based; 0 when the problem concerns the whole file
  int column = 0;           // 1-based code point column; 0 when unknown
  int length = 1;           // code points underlined by the caret (>= 1)
  std::string message;      // what is wrong, in words
  std::string hint;         // how to fix it; may be empty
  // The text of `line` around the problem, printable (see SetSource).
  std::string source_line;
  int source_column = 1;    // the column of `line` that source_line starts at

  // Keeps the part of `whole_line` (without its newline) that is shown
  // with the caret: all of it up to kSourceExcerpt characters, else about
  // that many around `column`, with "…" where it was cut. Control
  // characters become their visible pictures (one column each) and
  // ill-formed UTF-8 becomes U+FFFD, so that output is always valid UTF-8
  // and the caret lines up. REQUIRES: column and length are set.
  void SetSource(std::string_view whole_line);

  // file, message and hint as printed: valid UTF-8, no control characters, at
  // most kMessageLimit characters and kMessageBytes bytes (a name quoted from a hostile file may
  // be a megabyte long).
  std::string ShownFile() const;
  std::string ShownMessage() const;
  std::string ShownHint() const;

  // "file:line:column: severity: message" (parts that are unknown omitted).
  std::string Headline() const;

  static constexpr size_t kSourceExcerpt = 200;
  // Characters and bytes (Chinese takes three bytes a character).
  static constexpr size_t kMessageLimit = 600;
  static constexpr size_t kMessageBytes = 600;
};

// Renders one diagnostic: the headline, then the source line with a caret
// and the hint, each when known.
std::string FormatDiagnostic(const Diagnostic& diagnostic);

// Renders all diagnostics followed by a summary such as "2 errors, 1 warning".
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

// An ordered collection of diagnostics, in the order they were found.
class DiagnosticList {
 public:
  void Add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }
  void Append(const DiagnosticList& other);

  bool HasErrors() const;
  int ErrorCount() const;
  int WarningCount() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorts by file, line and column, keeping the discovery order of ties.
  void SortByLocation();

 private:
  std::vector<Diagnostic> items_;
};

// The candidate closest to `word` by edit distance, if it is close enough to
// be a plausible typo (at most 2 edits, and fewer than half the letters);
// empty otherwise. Case differences count as half an edit.
std::string ClosestMatch(std::string_view word,
                         const std::vector<std::string>& candidates);

// "; did you mean 'x'?" when ClosestMatch finds something, else "".
std::string DidYouMeanSuffix(std::string_view word,
                             const std::vector<std::string>& candidates);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_DIAGNOSTIC_H_
