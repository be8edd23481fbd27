#include "common/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientele::csv {
namespace {

using ::clientele::testing::StatusIs;
using ::testing::ElementsAre;

std::vector<std::vector<std::string>> FieldsOf(std::string_view text) {
  absl::StatusOr<std::vector<Record>> records = Parse(text);
  EXPECT_TRUE(records.ok()) << records.status();
  std::vector<std::vector<std::string>> fields;
  if (records.ok()) {
    for (const Record& record : *records) fields.push_back(record.fields);
  }
  return fields;
}

TEST(CsvTest, RowsQuoteOnlyWhatNeedsIt) {
  EXPECT_EQ(Row({"a", "b c", ""}), "a,b c,\r\n");
  EXPECT_EQ(Row({"1,2", "say \"hi\"", "two\nlines", "cr\r"}),
            "\"1,2\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n");
  EXPECT_EQ(Row({"年龄 × 消费能力"}), "年龄 × 消费能力\r\n");
}

TEST(CsvTest, WhatRowWritesParsesBackTheSame) {
  const std::vector<std::vector<std::string>> rows = {
      {"file", "name", "value", "comment"},
      {"parameters.yaml", "words", "[\"投诉\", \"退货\"]", "two\nlines, with \"quotes\""},
      {"p.yaml", "", "", ""},
      {"x", "y\r\nz", "=1+1", " spaced "}};
  std::string text(kByteOrderMark);
  for (const auto& row : rows) text += Row(row);
  EXPECT_EQ(FieldsOf(text), rows);
}

TEST(CsvTest, ReadsWhatSpreadsheetsWrite) {
  // LF line ends, no final line end, blank lines, a field over lines.
  EXPECT_EQ(FieldsOf("a,b\n\n1,\"x\ny\"\n2,3"),
            (std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "x\ny"}, {"2", "3"}}));
  absl::StatusOr<std::vector<Record>> records = Parse("a\r\n\"b\nc\"\r\nd\r\n");
  ASSERT_TRUE(records.ok());
  std::vector<int> lines;
  for (const Record& record : *records) lines.push_back(record.line);
  EXPECT_THAT(lines, ElementsAre(1, 2, 4));
  EXPECT_TRUE(FieldsOf("").empty());
  EXPECT_TRUE(FieldsOf(kByteOrderMark).empty());
}

TEST(CsvTest, BrokenQuotesAreRefusedWithTheirLine) {
  EXPECT_THAT(
      Parse("a,b\n1,\"open\n2,3\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "line 2: a quote is opened and never closed"));
  EXPECT_THAT(Parse("a\n\"x\"y,2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 2: text after a closing quote"));
}

}  // namespace
}  // namespace clientele::csv
