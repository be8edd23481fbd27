// Aligned text tables for the CLI's human output. Column widths are
// terminal columns, not bytes: East Asian wide characters (Chinese segment
// names, products, feedback) count as 2, so columns stay aligned with
// Chinese text. A Table is a plain value; not thread-safe.
#ifndef CLIENTELE_CLIENT_TABLE_H_
#define CLIENTELE_CLIENT_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

namespace clientele::client {

// Columns that `text` takes in a terminal (CJK and full-width forms 2,
// everything else 1). REQUIRES: `text` is valid UTF-8.
size_t DisplayWidth(std::string_view text);

// `text` followed by spaces up to `width` columns (unchanged when wider).
std::string PadRight(std::string_view text, size_t width);

class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string title;  // "" for every column: no header line
    Align align = Align::kLeft;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row with one cell per column (missing cells are empty, extra ones
  // are dropped).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Every row (after the header, if any) as lines that start with `indent`;
  // columns separated by two spaces, no trailing spaces.
  std::string Render(std::string_view indent = "") const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A two-column table without a header: "label   value" per pair.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields,
                         std::string_view indent = "");

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_TABLE_H_
