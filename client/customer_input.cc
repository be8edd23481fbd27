#include "client/customer_input.h"

#include <algorithm>
#include <filesystem>

#include "client/json_codec.h"
#include "google/protobuf/descriptor.h"
#include "rules/customer.h"
#include "common/utf8.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

using google::protobuf::FieldDescriptor;

// The proto field of a customer field name (English or seed name), or null.
const FieldDescriptor* CustomerProtoField(std::string_view name) {
  std::string proto_name(rules::CanonicalFieldName(name));
  std::replace(proto_name.begin(), proto_name.end(), '.', '_');  // rfm.r is rfm_r
  return v1::Customer::descriptor()->FindFieldByName(proto_name);
}

// The rules library words unknown fields with a "did you mean".
absl::Status UnknownField(std::string_view name) {
  rules::Customer scratch;
  absl::Status status = rules::SetCustomerField(&scratch, name, "");
  if (status.ok()) status = absl::InvalidArgumentError(StrCat("unknown customer field '", name, "'"));
  return status;
}

std::string_view TrimSpaces(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// Strips a UTF-8 byte order mark (spreadsheets write one before Chinese CSV).
void StripByteOrderMark(std::string* line) {
  if (line->rfind("\xEF\xBB\xBF", 0) == 0) line->erase(0, 3);
}

}  // namespace

absl::Status SetCustomerField(std::string_view name, std::string_view text,
                              v1::Customer* customer) {
  const FieldDescriptor* field = CustomerProtoField(name);
  if (field == nullptr) return UnknownField(name);
  if (text.empty()) return absl::OkStatus();
  const google::protobuf::Reflection* reflection = customer->GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    int64_t value = 0;
    if (!ParseInteger(TrimSpaces(text), &value)) {
      return absl::InvalidArgumentError(
          StrCat(field->name(), ": '", text, "' is not a whole number"));
    }
    reflection->SetInt64(customer, field, value);
  } else {
    reflection->SetString(customer, field, std::string(text));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Customer> CustomerFromJsonText(std::string_view text) {
  absl::StatusOr<nlohmann::json> json = ParseJson(text, "the customer");
  if (!json.ok()) return json.status();
  if (!json->is_object()) {
    return absl::InvalidArgumentError(
        "a customer must be a JSON object such as {\"id\": \"c-1\", \"age\": 25}");
  }
  v1::Customer customer;
  for (const auto& [key, value] : json->items()) {
    if (value.is_null()) continue;
    if (key == "rfm" && value.is_object()) {  // {"rfm": {"m": 4}}, as rules read rfm.m
      for (const auto& [score, given] : value.items()) {
        const std::string text = given.is_string() ? given.get<std::string>() : given.dump();
        if (absl::Status s = SetCustomerField(StrCat("rfm.", score), text, &customer); !s.ok()) {
          return s;
        }
      }
      continue;
    }
    if (!value.is_string() && !value.is_number()) {
      return absl::InvalidArgumentError(
          StrCat(key, ": expected a number or text, got ", value.type_name()));
    }
    // Numbers with a fraction arrive as their exact text (see ParseJson).
    const std::string field_text = value.is_string() ? value.get<std::string>() : value.dump();
    if (absl::Status s = SetCustomerField(key, field_text, &customer); !s.ok()) return s;
  }
  return customer;
}

absl::StatusOr<bool> ReadCsvRecord(std::istream& in, std::vector<std::string>* fields,
                                   int64_t* lines) {
  fields->clear();
  std::string line;
  auto next_line = [&] {
    if (!std::getline(in, line)) return false;
    ++*lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  if (!next_line()) return false;
  std::string field;
  bool in_quotes = false, after_quote = false;
  for (size_t i = 0;;) {
    if (i == line.size()) {
      if (!in_quotes) break;
      if (!next_line()) {
        return absl::InvalidArgumentError(
            StrCat("field ", fields->size() + 1, " opens a quote that is never closed"));
      }
      field += '\n';
      i = 0;
      continue;
    }
    const char c = line[i++];
    if (in_quotes) {
      if (c != '"') {
        field += c;
      } else if (i < line.size() && line[i] == '"') {
        field += '"';
        ++i;
      } else {
        in_quotes = false;
        after_quote = true;
      }
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
      after_quote = false;
    } else if (after_quote) {
      return absl::InvalidArgumentError(
          StrCat("field ", fields->size() + 1,
                 " has text after its closing quote (quote the whole field, \"\" for a quote)"));
    } else if (c == '"' && field.empty()) {
      in_quotes = true;
    } else {
      field += c;
    }
  }
  fields->push_back(std::move(field));
  return true;
}

absl::StatusOr<ImportFormat> ImportFormatFor(std::string_view path, std::string_view format) {
  std::string name(format);
  if (name.empty()) {
    name = utf8::AsciiLower(std::filesystem::path(path).extension().string());
    if (!name.empty()) name.erase(0, 1);  // the dot
  }
  if (name == "csv") return ImportFormat::kCsv;
  if (name == "jsonl" || name == "json" || name == "ndjson") return ImportFormat::kJsonLines;
  if (format.empty()) {
    return absl::InvalidArgumentError(
        StrCat("cannot tell the format of '", path,
               "' from its extension (.csv, .jsonl, .json); give --format csv or jsonl"));
  }
  return absl::InvalidArgumentError(StrCat("--format must be csv or jsonl, not '", format, "'"));
}

absl::StatusOr<std::unique_ptr<CustomerFileReader>> CustomerFileReader::Open(
    const std::string& path, ImportFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open '", path, "'"));
  std::unique_ptr<CustomerFileReader> reader(new CustomerFileReader(std::move(in), format));
  if (format == ImportFormat::kCsv) {
    if (absl::Status s = reader->ReadHeader(path); !s.ok()) return s;
  }
  return reader;
}

absl::Status CustomerFileReader::ReadHeader(const std::string& path) {
  std::vector<std::string> names;
  absl::StatusOr<bool> read = ReadCsvRecord(in_, &names, &line_);
  if (!read.ok()) return absl::InvalidArgumentError(StrCat(path, ":1: ", read.status().message()));
  if (!*read) {
    return absl::InvalidArgumentError(
        StrCat(path, ":1: the file is empty; a CSV import needs a header row of field names"));
  }
  if (!names.empty()) StripByteOrderMark(&names[0]);
  for (const std::string& raw : names) {
    const std::string_view name = TrimSpaces(raw);
    const FieldDescriptor* field = CustomerProtoField(name);
    if (field == nullptr) {
      return absl::InvalidArgumentError(StrCat(path, ":1: ", UnknownField(name).message()));
    }
    if (std::find(header_.begin(), header_.end(), field->name()) != header_.end()) {
      return absl::InvalidArgumentError(
          StrCat(path, ":1: column '", name, "' is field ", field->name(), ", given twice"));
    }
    header_.push_back(field->name());
  }
  if (std::find(header_.begin(), header_.end(), "id") == header_.end()) {
    return absl::InvalidArgumentError(
        StrCat(path, ":1: the header has no id column (id or 客户ID)"));
  }
  return absl::OkStatus();
}

bool CustomerFileReader::Next(Record* record) {
  return format_ == ImportFormat::kCsv ? NextCsv(record) : NextJsonLine(record);
}

bool CustomerFileReader::NextCsv(Record* record) {
  std::vector<std::string> cells;
  for (;;) {
    record->line = line_ + 1;
    absl::StatusOr<bool> read = ReadCsvRecord(in_, &cells, &line_);
    if (!read.ok()) {
      record->customer = read.status();
      return true;
    }
    if (!*read) return false;
    if (cells.size() == 1 && TrimSpaces(cells[0]).empty()) continue;  // a blank line
    break;
  }
  if (cells.size() != header_.size()) {
    record->customer = absl::InvalidArgumentError(
        StrCat("the record has ", cells.size(), " fields; the header has ", header_.size()));
    return true;
  }
  v1::Customer customer;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (absl::Status s = SetCustomerField(header_[i], cells[i], &customer); !s.ok()) {
      record->customer = s;
      return true;
    }
  }
  record->customer = std::move(customer);
  return true;
}

bool CustomerFileReader::NextJsonLine(Record* record) {
  std::string line;
  do {
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (line_ == 1) StripByteOrderMark(&line);
  } while (TrimSpaces(line).empty());
  record->line = line_;
  record->customer = CustomerFromJsonText(line);
  return true;
}

}  // namespace clientele::client
