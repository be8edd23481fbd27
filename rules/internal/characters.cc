#include "rules/internal/characters.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "common/utf8.h"
#include "common/strings.h"

namespace clientele::rules::characters_internal {
namespace {

struct NamedLookAlike {
  char32_t code_point;
  LookAlike look_alike;
};

// Sorted by code point. Full-width ASCII (U+FF01..U+FF5E) is computed.
constexpr NamedLookAlike kLookAlikes[] = {
    {0x00A0, {"no-break space", " "}},
    {0x00D7, {"multiplication sign", "*"}},
    {0x00F7, {"division sign", "/"}},
    {0x0391, {"Greek capital alpha, which looks like the Latin 'A'", "A", true}},
    {0x0392, {"Greek capital beta, which looks like the Latin 'B'", "B", true}},
    {0x0395, {"Greek capital epsilon, which looks like the Latin 'E'", "E", true}},
    {0x039F, {"Greek capital omicron, which looks like the Latin 'O'", "O", true}},
    {0x03B1, {"Greek alpha, which looks like the Latin 'a'", "a", true}},
    {0x03BD, {"Greek nu, which looks like the Latin 'v'", "v", true}},
    {0x03BF, {"Greek omicron, which looks like the Latin 'o'", "o", true}},
    {0x03C1, {"Greek rho, which looks like the Latin 'p'", "p", true}},
    {0x0410, {"Cyrillic capital 'А', which looks like the Latin 'A'", "A", true}},
    {0x0412, {"Cyrillic capital 'В', which looks like the Latin 'B'", "B", true}},
    {0x0415, {"Cyrillic capital 'Е', which looks like the Latin 'E'", "E", true}},
    {0x041A, {"Cyrillic capital 'К', which looks like the Latin 'K'", "K", true}},
    {0x041C, {"Cyrillic capital 'М', which looks like the Latin 'M'", "M", true}},
    {0x041D, {"Cyrillic capital 'Н', which looks like the Latin 'H'", "H", true}},
    {0x041E, {"Cyrillic capital 'О', which looks like the Latin 'O'", "O", true}},
    {0x0420, {"Cyrillic capital 'Р', which looks like the Latin 'P'", "P", true}},
    {0x0421, {"Cyrillic capital 'С', which looks like the Latin 'C'", "C", true}},
    {0x0422, {"Cyrillic capital 'Т', which looks like the Latin 'T'", "T", true}},
    {0x0425, {"Cyrillic capital 'Х', which looks like the Latin 'X'", "X", true}},
    {0x0430, {"Cyrillic 'а', which looks like the Latin 'a'", "a", true}},
    {0x0435, {"Cyrillic 'е', which looks like the Latin 'e'", "e", true}},
    {0x043E, {"Cyrillic 'о', which looks like the Latin 'o'", "o", true}},
    {0x0440, {"Cyrillic 'р', which looks like the Latin 'p'", "p", true}},
    {0x0441, {"Cyrillic 'с', which looks like the Latin 'c'", "c", true}},
    {0x0443, {"Cyrillic 'у', which looks like the Latin 'y'", "y", true}},
    {0x0445, {"Cyrillic 'х', which looks like the Latin 'x'", "x", true}},
    {0x0455, {"Cyrillic 'ѕ', which looks like the Latin 's'", "s", true}},
    {0x0456, {"Cyrillic 'і', which looks like the Latin 'i'", "i", true}},
    {0x0458, {"Cyrillic 'ј', which looks like the Latin 'j'", "j", true}},
    {0x2002, {"en space", " "}},
    {0x2003, {"em space", " "}},
    {0x2009, {"thin space", " "}},
    {0x200B, {"zero-width space", ""}},
    {0x200C, {"zero-width non-joiner", ""}},
    {0x200D, {"zero-width joiner", ""}},
    {0x200E, {"left-to-right mark", ""}},
    {0x200F, {"right-to-left mark", ""}},
    {0x2010, {"hyphen", "-"}},
    {0x2013, {"en dash", "-"}},
    {0x2014, {"em dash", "-"}},
    {0x2018, {"left single quotation mark", "'"}},
    {0x2019, {"right single quotation mark", "'"}},
    {0x201C, {"left double quotation mark", "\""}},
    {0x201D, {"right double quotation mark", "\""}},
    {0x201E, {"low double quotation mark", "\""}},
    {0x2026, {"ellipsis", "..."}},
    {0x202F, {"narrow no-break space", " "}},
    {0x2032, {"prime", "'"}},
    {0x2033, {"double prime", "\""}},
    {0x2060, {"word joiner", ""}},
    {0x2212, {"minus sign", "-"}},
    {0x2260, {"not-equal sign", "!="}},
    {0x2264, {"less-than-or-equal sign", "<="}},
    {0x2265, {"greater-than-or-equal sign", ">="}},
    {0x3000, {"full-width space", " "}},
    {0x3001, {"ideographic comma", ","}},
    {0x3002, {"ideographic full stop", "."}},
    {0x300A, {"left double angle bracket", "\""}},
    {0x300B, {"right double angle bracket", "\""}},
    {0x300C, {"left corner bracket", "\""}},
    {0x300D, {"right corner bracket", "\""}},
    {0x3010, {"left black lenticular bracket", "["}},
    {0x3011, {"right black lenticular bracket", "]"}},
    {0xFEFF, {"zero-width no-break space (byte order mark)", ""}},
};

// "full-width '>'" for U+FF1E; the texts live as long as the program.
std::string_view FullWidthDescription(char32_t code_point) {
  static const auto* descriptions = [] {
    auto* table = new std::string[0x5F];
    for (char32_t c = 0xFF01; c <= 0xFF5E; ++c) {
      table[c - 0xFF01] = StrCat("full-width '", std::string(1, static_cast<char>(c - 0xFEE0)), "'");
    }
    return table;
  }();
  return descriptions[code_point - 0xFF01];
}

std::string_view FullWidthAscii(char32_t code_point) {
  static constexpr char kAscii[] =
      "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  return std::string_view(kAscii + (code_point - 0xFF01), 1);
}

// Names of the C0 controls, for messages.
constexpr std::string_view kControlNames[] = {
    "NUL",       "start of heading", "start of text", "end of text", "end of transmission",
    "enquiry",   "acknowledge",      "bell",          "backspace",   "tab",
    "line feed", "vertical tab",     "form feed",     "carriage return", "shift out",
    "shift in",  "data link escape", "device control 1", "device control 2", "device control 3",
    "device control 4", "negative acknowledge", "synchronous idle", "end of transmission block",
    "cancel",    "end of medium",    "substitute",    "escape",      "file separator",
    "group separator", "record separator", "unit separator"};

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

CodePointAt DecodeAt(std::string_view text, size_t offset) {
  int length = 1;
  const int32_t code_point = utf8::Decode(text, offset, &length);
  if (code_point < 0) return {0xFFFD, 1};
  return {static_cast<char32_t>(code_point), static_cast<size_t>(length)};
}

std::optional<LookAlike> FindLookAlike(char32_t code_point) {
  if (code_point >= 0xFF01 && code_point <= 0xFF5E) {
    return LookAlike{FullWidthDescription(code_point), FullWidthAscii(code_point), false};
  }
  auto found = std::lower_bound(
      std::begin(kLookAlikes), std::end(kLookAlikes), code_point,
      [](const NamedLookAlike& entry, char32_t cp) { return entry.code_point < cp; });
  if (found == std::end(kLookAlikes) || found->code_point != code_point) return std::nullopt;
  return found->look_alike;
}

size_t FirstLookAlike(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const CodePointAt at = DecodeAt(text, i);
    if (FindLookAlike(at.code_point)) return i;
    i += at.length;
  }
  return std::string_view::npos;
}

std::string WithAsciiForLookAlikes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const CodePointAt at = DecodeAt(text, i);
    const std::optional<LookAlike> look_alike = FindLookAlike(at.code_point);
    out += look_alike ? look_alike->ascii : text.substr(i, at.length);
    i += at.length;
  }
  return out;
}

bool IsControl(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

std::string CodePointLabel(char32_t code_point) {
  char label[16];
  std::snprintf(label, sizeof label, "U+%04X", static_cast<unsigned>(code_point));
  return label;
}

std::string Describe(std::string_view text, size_t offset) {
  CodePointAt at = DecodeAt(text, offset);
  const std::string label = CodePointLabel(at.code_point);
  if (at.code_point < 0x20) return StrCat(label, " (", kControlNames[at.code_point], ")");
  if (at.code_point == 0x7F) return StrCat(label, " (delete)");
  if (IsControl(at.code_point)) return StrCat(label, " (a control character)");
  std::optional<LookAlike> look_alike = FindLookAlike(at.code_point);
  if (look_alike && look_alike->ascii.empty()) {
    return StrCat(label, " (", look_alike->description, ")");
  }
  const std::string shown(text.substr(offset, at.length));
  if (look_alike) return StrCat("'", shown, "' (", label, ", ", look_alike->description, ")");
  return StrCat("'", shown, "' (", label, ")");
}

std::string Printable(std::string_view text, size_t max_code_points, size_t max_bytes) {
  std::string out;
  size_t count = 0;
  for (size_t i = 0; i < text.size();) {
    CodePointAt at = DecodeAt(text, i);
    if (count == max_code_points || out.size() + at.length > max_bytes) {
      out += "…";
      break;
    }
    if (at.code_point == '\t') {
      out.push_back(' ');
    } else if (at.code_point < 0x20) {
      AppendUtf8(0x2400 + at.code_point, &out);  // ␀ ... ␟
    } else if (at.code_point == 0x7F) {
      AppendUtf8(0x2421, &out);  // ␡
    } else if (IsControl(at.code_point) || at.code_point == 0xFFFD ||
               (at.code_point >= 0x202A && at.code_point <= 0x202E) ||
               (at.code_point >= 0x2066 && at.code_point <= 0x2069)) {
      AppendUtf8(0xFFFD, &out);
    } else {
      out.append(text.substr(i, at.length));
    }
    ++count;
    i += at.length;
  }
  return out;
}

}  // namespace clientele::rules::characters_internal
