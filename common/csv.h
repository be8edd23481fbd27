// Comma-separated values as RFC 4180 writes them, for sheets that people
// open in a spreadsheet and bring back (the console's parameters): fields
// quoted when they hold a comma, a quote or a line break, quotes doubled,
// lines ended by CRLF. Reading takes what spreadsheets write: CRLF or LF,
// a UTF-8 byte order mark at the start (Excel's "CSV UTF-8"), and quoted
// fields over several lines. Pure functions; thread-safe.
#ifndef CLIENTELE_COMMON_CSV_H_
#define CLIENTELE_COMMON_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace clientele::csv {

// The UTF-8 byte order mark, which lets Excel read a file as UTF-8.
inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// One line of fields, ended by CRLF.
std::string Row(const std::vector<std::string>& fields);

struct Record {
  int line = 0;  // 1-based line it starts on
  std::vector<std::string> fields;
};

// Every record of `text`; blank lines are skipped. INVALID_ARGUMENT,
// naming the line, for a quote that is never closed or text after a
// closing quote.
absl::StatusOr<std::vector<Record>> Parse(std::string_view text);

}  // namespace clientele::csv

#endif  // CLIENTELE_COMMON_CSV_H_
