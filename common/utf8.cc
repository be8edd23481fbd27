#include "common/utf8.h"

#include <cstdint>

namespace clientele::utf8 {
namespace {

// Length of the sequence that starts with `lead`, 0 for an invalid lead.
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

bool IsWide(int32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

int32_t Decode(std::string_view text, size_t i, int* length) {
  auto lead = static_cast<unsigned char>(text[i]);
  int n = SequenceLength(lead);
  *length = 1;
  if (n == 0 || i + n > text.size()) return -1;
  if (n == 1) return lead;
  int32_t code_point = lead & (0x7F >> n);
  for (int k = 1; k < n; ++k) {
    auto byte = static_cast<unsigned char>(text[i + k]);
    if (!IsContinuation(byte)) return -1;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  static constexpr int32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[n] || code_point > 0x10FFFF) return -1;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return -1;
  *length = n;
  return code_point;
}


size_t FindInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    int length;
    if (Decode(text, i, &length) < 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += !IsContinuation(static_cast<unsigned char>(c));
  return count;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    int length;
    int32_t cp = Decode(text, i, &length);
    width += (cp >= 0 && IsWide(cp)) ? 2 : 1;
    i += length;
  }
  return width;
}

size_t ByteOffsetOfCodePoint(std::string_view text, size_t code_point_index) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuation(static_cast<unsigned char>(text[i]))) continue;
    if (seen++ == code_point_index) return i;
  }
  return text.size();
}

std::string AsciiLower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

}  // namespace clientele::utf8
