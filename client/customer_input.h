// Customers given to the remote commands: a JSON object on the command
// line (--customer), or an import file of JSON lines or CSV with a header
// row. Field names are those of the Customer proto (id, name, age, ...) or
// the seed articles' Chinese column names (客户ID, 年龄, 消费能力, ...; see
// rules::CanonicalFieldName).
//
// Values are checked only as far as the proto needs: whole numbers for its
// integer fields (age, points, ...). Ranges and spellings (age 0..150,
// consumption 低/中/高) are the server's to check, so that an import with
// --skip-invalid gets them listed by the server. Pure functions and a
// single-threaded reader.
#ifndef CLIENTELE_CLIENT_CUSTOMER_INPUT_H_
#define CLIENTELE_CLIENT_CUSTOMER_INPUT_H_

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "clientele/v1/types.pb.h"

namespace clientele::client {

// Sets the field `name` (English or seed name) of *customer from its text.
// An empty text leaves the field unset. INVALID_ARGUMENT for an unknown
// field (with a "did you mean") or a non-integer in an integer field;
// *customer is then unchanged.
absl::Status SetCustomerField(std::string_view name, std::string_view text,
                              v1::Customer* customer);

// A customer from a JSON object such as {"id": "c-1", "年龄": 25}. Numbers
// keep their exact text ("4.10"); null values are skipped. INVALID_ARGUMENT
// naming the problem otherwise.
absl::StatusOr<v1::Customer> CustomerFromJsonText(std::string_view text);

// One CSV record (RFC 4180): fields separated by commas, optionally in
// double quotes ("" is a quote inside them), a quoted field may span lines.
// Reads from `in`, adding the lines it consumed to *lines. Returns false
// at the end of input; INVALID_ARGUMENT for an unterminated quote or text
// after a closing quote.
absl::StatusOr<bool> ReadCsvRecord(std::istream& in, std::vector<std::string>* fields,
                                   int64_t* lines);

enum class ImportFormat { kCsv, kJsonLines };

// The format given by --format ("csv", "jsonl"; "" to go by the file's
// extension: .csv, or .jsonl / .json / .ndjson). INVALID_ARGUMENT otherwise.
absl::StatusOr<ImportFormat> ImportFormatFor(std::string_view path, std::string_view format);

// Reads the customers of an import file one at a time, blank lines
// skipped. Not thread-safe.
class CustomerFileReader {
 public:
  // Opens the file; for CSV also reads and checks the header row.
  // INVALID_ARGUMENT ("FILE:1: unknown customer field ...") or NOT_FOUND
  // (cannot open) otherwise.
  static absl::StatusOr<std::unique_ptr<CustomerFileReader>> Open(const std::string& path,
                                                                  ImportFormat format);

  struct Record {
    int64_t line = 0;  // 1-based line where the record starts
    absl::StatusOr<v1::Customer> customer;
  };
  // The next record into *record; false at the end of the file. A record
  // that cannot be parsed has an error status naming the problem (without
  // the position: that is record->line). After an unterminated CSV quote
  // the rest of the file is that one record.
  bool Next(Record* record);

 private:
  CustomerFileReader(std::ifstream in, ImportFormat format) : in_(std::move(in)), format_(format) {}
  absl::Status ReadHeader(const std::string& path);
  bool NextCsv(Record* record);
  bool NextJsonLine(Record* record);

  std::ifstream in_;
  ImportFormat format_;
  int64_t line_ = 0;                 // lines read so far
  std::vector<std::string> header_;  // CSV: canonical field names
};

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_CUSTOMER_INPUT_H_
