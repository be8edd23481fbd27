#include "common/csv.h"

#include "absl/status/status.h"
#include "common/strings.h"

namespace clientele::csv {

std::string Row(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    const std::string& field = fields[i];
    if (field.find_first_of(",\"\r\n") == std::string::npos) {
      line += field;
      continue;
    }
    line += '"';
    for (char c : field) {
      if (c == '"') line += '"';
      line += c;
    }
    line += '"';
  }
  line += "\r\n";
  return line;
}

absl::StatusOr<std::vector<Record>> Parse(std::string_view text) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  std::vector<Record> records;
  Record record;
  std::string field;
  int line = 1;
  bool in_record = false;  // a field of the current record has begun
  size_t i = 0;
  auto end_record = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    // A line with nothing on it is no record.
    if (!(record.fields.size() == 1 && record.fields[0].empty())) records.push_back(record);
    record = Record();
    in_record = false;
  };
  while (i < text.size()) {
    if (!in_record) {
      record.line = line;
      in_record = true;
    }
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field: to the quote that is not doubled.
      const int opened = line;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (!closed) {
        return absl::InvalidArgumentError(
            StrCat("line ", opened, ": a quote is opened and never closed"));
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        return absl::InvalidArgumentError(
            StrCat("line ", line,
                   ": text after a closing quote; a quote inside a field is "
                   "written twice (\"\")"));
      }
      continue;
    }
    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      end_record();
    } else {
      field += c;
      ++i;
    }
  }
  if (in_record) end_record();
  return records;
}

}  // namespace clientele::csv
