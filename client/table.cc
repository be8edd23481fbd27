#include "client/table.h"

#include <algorithm>

#include "common/utf8.h"
#include "common/strings.h"

namespace clientele::client {

// The rules library already measures text for its caret diagnostics;
// the CLI uses the same table of wide characters.
size_t DisplayWidth(std::string_view text) { return utf8::DisplayWidth(text); }

std::string PadRight(std::string_view text, size_t width) {
  const size_t shown = DisplayWidth(text);
  return StrCat(text, std::string(width > shown ? width - shown : 0, ' '));
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  // What the server holds is shown, never obeyed: a name with ESC in it
  // must not drive the terminal (nor a line break break the table).
  for (std::string& cell : cells) cell = EscapeControlCharacters(cell);
  rows_.push_back(std::move(cells));
}

std::string Table::Render(std::string_view indent) const {
  const bool header = std::any_of(columns_.begin(), columns_.end(),
                                  [](const Column& c) { return !c.title.empty(); });
  std::vector<size_t> widths(columns_.size(), 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (header) widths[i] = DisplayWidth(columns_[i].title);
    for (const auto& row : rows_) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out(indent);
    for (size_t i = 0; i < cells.size(); ++i) {
      const size_t pad = widths[i] - DisplayWidth(cells[i]);
      if (i > 0) out += "  ";
      if (columns_[i].align == Align::kRight) out.append(pad, ' ');
      out += cells[i];
      if (columns_[i].align == Align::kLeft) out.append(pad, ' ');
    }
    out.erase(out.find_last_not_of(' ') + 1);
    return out + "\n";
  };
  std::string out;
  if (header) {
    std::vector<std::string> titles;
    for (const Column& c : columns_) titles.push_back(c.title);
    out += line(titles);
  }
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields,
                         std::string_view indent) {
  Table table({{}, {}});
  for (const auto& [label, value] : fields) table.AddRow({label, value});
  return table.Render(indent);
}

}  // namespace clientele::client
