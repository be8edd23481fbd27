// Tests client/table.h: display widths of Chinese text, and tables whose
// columns stay aligned in a terminal when cells mix Chinese and ASCII.
#include "client/table.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientele::client {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The terminal column where `needle` starts in `line`.
size_t ColumnOf(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  EXPECT_NE(at, std::string::npos) << needle << " not in " << line;
  return DisplayWidth(line.substr(0, at));
}

TEST(DisplayWidthTest, WideCharactersCountTwo) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("年轻低收入群体"), 14u);
  EXPECT_EQ(DisplayWidth("满100减20"), 9u);
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4u);  // full-width forms
  EXPECT_EQ(PadRight("张三", 6), "张三  ");
  EXPECT_EQ(PadRight("toolong", 3), "toolong");
}

TEST(TableTest, ColumnsStayAlignedWithChineseText) {
  Table table({{"ID"}, {"NAME"}, {"POINTS", Table::Align::kRight}, {"TIER"}});
  table.AddRow({"c-1", "张三", "100", "普通会员"});
  table.AddRow({"customer-22", "Li", "2400", "金卡会员"});
  table.AddRow({"c-3", "欧阳娜娜", "5", ""});
  const std::vector<std::string> lines = Lines(table.Render("  "));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "  ID           NAME      POINTS  TIER");
  for (const std::string& line : lines) EXPECT_EQ(line.rfind("  ", 0), 0u);
  // Every NAME starts in the same column, and numbers end in the same one.
  EXPECT_EQ(ColumnOf(lines[1], "张三"), ColumnOf(lines[0], "NAME"));
  EXPECT_EQ(ColumnOf(lines[2], "Li"), ColumnOf(lines[0], "NAME"));
  EXPECT_EQ(ColumnOf(lines[3], "欧阳娜娜"), ColumnOf(lines[0], "NAME"));
  EXPECT_EQ(ColumnOf(lines[1], "100") + 3, ColumnOf(lines[0], "POINTS") + 6);
  EXPECT_EQ(ColumnOf(lines[3], "5") + 1, ColumnOf(lines[0], "POINTS") + 6);
  EXPECT_EQ(ColumnOf(lines[1], "普通会员"), ColumnOf(lines[0], "TIER"));
  // No trailing spaces, also where the last cell is empty.
  EXPECT_EQ(lines[3].back(), '5');
}

TEST(TableTest, MissingCellsAreEmptyAndFieldsHaveNoHeader) {
  Table table({{"A"}, {"B"}});
  table.AddRow({"only"});
  EXPECT_EQ(table.Render(), "A     B\nonly\n");
  EXPECT_EQ(RenderFields({{"年龄", "25"}, {"name", "张三"}}, "  "),
            "  年龄  25\n  name  张三\n");
}

// What the server holds is shown, never obeyed by the terminal: control
// characters and bytes that are not UTF-8 come out escaped, and a line
// break cannot split a row.
TEST(TableTest, ControlCharactersAreShownEscaped) {
  Table table({{}, {}});
  table.AddRow({"name", "red\x1b[31m\xc2\x9b" "2J\nbell\a\xff"});
  EXPECT_EQ(table.Render(), "name  red\\u001b[31m\\u009b2J\\u000abell\\u0007\\xff\n");
}

}  // namespace
}  // namespace clientele::client
