#include "rules/diagnostic.h"

#include <algorithm>
#include <tuple>

#include "common/strings.h"
#include "rules/internal/characters.h"
#include "common/utf8.h"

namespace clientele::rules {
namespace {

using utf8::ByteOffsetOfCodePoint;
using utf8::DisplayWidth;

std::u32string ToCodePoints(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    int n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (int k = 1; k < n && i + k < text.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

char32_t FoldCase(char32_t c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

// Damerau-Levenshtein distance (adjacent swaps count one edit) in half-edits,
// so that a case-only difference costs 1 and any other edit costs 2.
int HalfEditDistance(const std::u32string& a, const std::u32string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(2 * i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(2 * j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int substitute = a[i - 1] == b[j - 1]                       ? 0
                       : FoldCase(a[i - 1]) == FoldCase(b[j - 1]) ? 1
                                                                   : 2;
      d[i][j] = std::min({d[i - 1][j] + 2, d[i][j - 1] + 2,
                          d[i - 1][j - 1] + substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 2);
      }
    }
  }
  return d[n][m];
}

// Tabs would shift the caret; show them as single spaces.
std::string ExpandTabs(std::string_view line) {
  std::string out(line);
  std::replace(out.begin(), out.end(), '\t', ' ');
  return out;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

void Diagnostic::SetSource(std::string_view whole_line) {
  const size_t count = utf8::CodePointCount(whole_line);
  size_t start = 0, stop = count;
  if (count > kSourceExcerpt) {
    const size_t at = column > 0 ? static_cast<size_t>(column - 1) : 0;
    start = std::min(at > kSourceExcerpt / 3 ? at - kSourceExcerpt / 3 : 0, count - kSourceExcerpt);
    stop = start + kSourceExcerpt;
  }
  const size_t begin = ByteOffsetOfCodePoint(whole_line, start);
  const size_t end = ByteOffsetOfCodePoint(whole_line, stop);
  source_line = StrCat(start > 0 ? "…" : "",
                       characters_internal::Printable(whole_line.substr(begin, end - begin),
                                                      kSourceExcerpt),
                       stop < count ? "…" : "");
  source_column = static_cast<int>(start + 1 - (start > 0 ? 1 : 0));
}

std::string Diagnostic::ShownFile() const {
  return characters_internal::Printable(file, kMessageLimit, kMessageBytes);
}

std::string Diagnostic::ShownMessage() const {
  return characters_internal::Printable(message, kMessageLimit, kMessageBytes);
}

std::string Diagnostic::ShownHint() const {
  return characters_internal::Printable(hint, kMessageLimit, kMessageBytes);
}

std::string Diagnostic::Headline() const {
  std::string location = ShownFile();
  if (line > 0) StrAppend(&location, ":", line);
  if (line > 0 && column > 0) StrAppend(&location, ":", column);
  return StrCat(location, location.empty() ? "" : ": ", SeverityName(severity), ": ",
                ShownMessage());
}

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  std::string out = StrCat(diagnostic.Headline(), "\n");
  const std::string number = diagnostic.line > 0 ? std::to_string(diagnostic.line) : "";
  const size_t width = std::max<size_t>(number.size(), 4) + 1;
  const std::string margin(width, ' ');  // where the line number goes
  if (diagnostic.line > 0 && !diagnostic.source_line.empty()) {
    std::string line = ExpandTabs(diagnostic.source_line);
    StrAppend(&out, std::string(width - number.size(), ' '), number, " | ", line, "\n");
    if (diagnostic.column >= diagnostic.source_column) {
      const size_t caret = static_cast<size_t>(diagnostic.column - diagnostic.source_column);
      size_t begin = ByteOffsetOfCodePoint(line, caret);
      size_t end = ByteOffsetOfCodePoint(line, caret + std::max(diagnostic.length, 1));
      size_t pad = DisplayWidth(std::string_view(line).substr(0, begin));
      size_t underline = std::max<size_t>(
          1, DisplayWidth(std::string_view(line).substr(begin, end - begin)));
      StrAppend(&out, margin, " | ", std::string(pad, ' '), "^",
                std::string(underline - 1, '~'), "\n");
    }
  }
  if (!diagnostic.hint.empty()) {
    StrAppend(&out, margin, " = hint: ", diagnostic.ShownHint(), "\n");
  }
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  int errors = 0, warnings = 0;
  for (const Diagnostic& diagnostic : diagnostics) {
    StrAppend(&out, FormatDiagnostic(diagnostic));
    (diagnostic.severity == Severity::kError ? errors : warnings)++;
  }
  StrAppend(&out, errors, errors == 1 ? " error, " : " errors, ", warnings,
                  warnings == 1 ? " warning\n" : " warnings\n");
  return out;
}

void DiagnosticList::Append(const DiagnosticList& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool DiagnosticList::HasErrors() const { return ErrorCount() > 0; }

int DiagnosticList::ErrorCount() const {
  return static_cast<int>(std::count_if(items_.begin(), items_.end(), [](const auto& d) {
    return d.severity == Severity::kError;
  }));
}

int DiagnosticList::WarningCount() const {
  return static_cast<int>(items_.size()) - ErrorCount();
}

void DiagnosticList::SortByLocation() {
  std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
}

std::string ClosestMatch(std::string_view word,
                         const std::vector<std::string>& candidates) {
  const std::u32string target = ToCodePoints(word);
  std::string best;
  int best_distance = 0;
  // Names longer than this are not typos of a name; and the distance
  // table is quadratic.
  constexpr size_t kLongestName = 64;
  if (target.size() > kLongestName) return "";
  for (const std::string& candidate : candidates) {
    if (candidate == word || candidate.size() > 4 * kLongestName) continue;
    std::u32string other = ToCodePoints(candidate);
    // Each character of difference in length is at least one edit.
    if (other.size() > target.size() + 2 || target.size() > other.size() + 2) continue;
    int distance = HalfEditDistance(target, other);
    int longest = static_cast<int>(std::max(target.size(), other.size()));
    // At most two edits, and fewer than half of the letters changed.
    if (distance > 4 || distance >= longest) continue;
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string DidYouMeanSuffix(std::string_view word,
                             const std::vector<std::string>& candidates) {
  std::string match = ClosestMatch(word, candidates);
  return match.empty() ? "" : StrCat("; did you mean '", match, "'?");
}

}  // namespace clientele::rules
