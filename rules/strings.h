// Small string helpers for the whole project.
//
// Debian's Abseil is built with its own absl::string_view rather than
// std::string_view, so absl::StrCat and friends do not accept the
// std::string_view we use everywhere. These few helpers do. Pure functions.
#ifndef CLIENTELE_RULES_STRINGS_H_
#define CLIENTELE_RULES_STRINGS_H_

#include <algorithm>
#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace clientele {

namespace strings_internal {
inline void AppendPiece(std::string* out, std::string_view piece) { out->append(piece); }
inline void AppendPiece(std::string* out, const char* piece) { out->append(piece); }
inline void AppendPiece(std::string* out, const std::string& piece) { out->append(piece); }
inline void AppendPiece(std::string* out, absl::string_view piece) {
  out->append(piece.data(), piece.size());
}
inline void AppendPiece(std::string* out, char c) { out->push_back(c); }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void AppendPiece(std::string* out, T value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, end);
}
// The shortest text that reads back as the same value: 0.25, 1, 1e-06.
// Without this overload a double would convert to `char` silently (and
// StrCat(0.25) would append the byte 0).
template <std::floating_point T>
void AppendPiece(std::string* out, T value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, end);
}
}  // namespace strings_internal

// Concatenates text and numbers: StrCat("line ", 12, ": ", name, " at ", 0.5).
template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  (strings_internal::AppendPiece(&out, pieces), ...);
  return out;
}

template <typename... Pieces>
void StrAppend(std::string* out, const Pieces&... pieces) {
  (strings_internal::AppendPiece(out, pieces), ...);
}

// Joins the items (anything convertible to std::string_view) with `separator`.
template <typename Container>
std::string StrJoin(const Container& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(separator);
    first = false;
    out.append(std::string_view(item));
  }
  return out;
}

// Two lower-case hex digits of a byte.
inline std::string HexByte(unsigned char byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return {kDigits[byte >> 4], kDigits[byte & 0xF]};
}

// Parses a whole decimal integer (optional leading '-'), nothing else.
template <std::integral T>
bool ParseInteger(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// True for "localhost", 127.0.0.0/8 (four decimal octets) and ::1, with
// or without IPv6 brackets: the hosts only this machine reaches.
inline bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1") return true;
  int octets = 0;
  for (size_t start = 0; start <= host.size(); ++octets) {
    const size_t end = std::min(host.find('.', start), host.size());
    const std::string_view octet = host.substr(start, end - start);
    int value = 0;
    if (octet.empty() || octet.size() > 3 || octet.front() < '0' || octet.front() > '9' ||
        !ParseInteger(octet, &value) || value > 255 || (octets == 0 && value != 127)) {
      return false;
    }
    start = end + 1;
  }
  return octets == 4;
}

// Views an absl::string_view (e.g. Status::message()) as a std::string_view.
inline std::string_view View(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace clientele

#endif  // CLIENTELE_RULES_STRINGS_H_
