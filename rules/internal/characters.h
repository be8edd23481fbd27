// Naming characters that a rule author cannot see or tell apart: control
// characters, invisible spaces, full-width punctuation typed with a
// Chinese input method (＞ （ ， ４０), typographic quotes (“ ”), math signs
// (≥) and Cyrillic or Greek letters that look Latin. Diagnostics name such
// a character by its code point and say which ASCII character to type
// instead, rather than giving advice that does not apply ("must be in
// quotes"). Also the one place that makes text safe to print: valid UTF-8,
// no control characters, bounded length.
// Pure functions; thread-safe.
#ifndef CLIENTELE_RULES_INTERNAL_CHARACTERS_H_
#define CLIENTELE_RULES_INTERNAL_CHARACTERS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace clientele::rules::characters_internal {

// The code point that starts at text[offset] and its length in bytes. An
// ill-formed sequence gives U+FFFD and length 1.
struct CodePointAt {
  char32_t code_point = 0;
  size_t length = 1;
};
CodePointAt DecodeAt(std::string_view text, size_t offset);

// A character that is easily mistaken for ASCII (or not seen at all).
struct LookAlike {
  std::string_view description;  // e.g. "full-width '>'", "zero-width space"
  std::string_view ascii;        // what to type instead; "" when it should be deleted
  bool letter = false;           // a Cyrillic or Greek letter that looks Latin
};
std::optional<LookAlike> FindLookAlike(char32_t code_point);

// Byte offset of the first look-alike character in `text`, or npos.
size_t FirstLookAlike(std::string_view text);

// `text` with every look-alike replaced by the ASCII it stands for (and
// invisible ones deleted): what the author meant to type.
std::string WithAsciiForLookAlikes(std::string_view text);

// True for C0 and C1 control characters and DEL (tab and line breaks too).
bool IsControl(char32_t code_point);

// "U+FF1E" (at least four hex digits).
std::string CodePointLabel(char32_t code_point);

// How a diagnostic names the code point at text[offset]:
// "'＞' (U+FF1E, full-width '>')", "U+200B (zero-width space)",
// "U+001B (escape)", or "'é' (U+00E9)" for any other character.
std::string Describe(std::string_view text, size_t offset);

// `text` made safe to print on one line: ill-formed UTF-8 becomes U+FFFD,
// control characters become their visible pictures (U+241B for escape) so
// that each keeps one column, bidirectional overrides and isolates (which
// make a terminal reorder the line) become U+FFFD, and text longer than
// `max_code_points` characters or `max_bytes` bytes is cut at a character
// boundary with "…" at the end.
std::string Printable(std::string_view text, size_t max_code_points,
                      size_t max_bytes = std::string_view::npos);

}  // namespace clientele::rules::characters_internal

#endif  // CLIENTELE_RULES_INTERNAL_CHARACTERS_H_
