// UTF-8 helpers for every layer: rule sources and values (Chinese segment
// names, feedback keywords), request fields, terminal output. Pure
// functions, thread-safe.
#ifndef CLIENTELE_COMMON_UTF8_H_
#define CLIENTELE_COMMON_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace clientele::utf8 {

// Byte offset of the first byte that is not part of well-formed UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are
// ill-formed), or std::string_view::npos when all of `text` is valid.
size_t FindInvalidUtf8(std::string_view text);

// Decodes the code point at text[i] and sets *length to its bytes; -1
// (and *length 1) when the sequence there is ill-formed.
int32_t Decode(std::string_view text, size_t i, int* length);

// Number of code points in `text`; REQUIRES: `text` is valid UTF-8.
size_t CodePointCount(std::string_view text);

// Columns that `text` takes in a terminal: East Asian wide characters
// (CJK, full-width forms, Hangul) count 2, everything else 1.
size_t DisplayWidth(std::string_view text);

// Byte offset of the code point with 0-based index `code_point_index`, or
// text.size() when the text is shorter.
size_t ByteOffsetOfCodePoint(std::string_view text, size_t code_point_index);

// Lower-cases ASCII letters; other characters (Chinese has no case) are
// copied unchanged.
std::string AsciiLower(std::string_view text);

}  // namespace clientele::utf8

#endif  // CLIENTELE_COMMON_UTF8_H_
