// Tests client/customer_input.h: customers from JSON and from import files
// (CSV with English or the seed's Chinese headers, JSON lines), the CSV
// record syntax (quotes, commas and line breaks inside quotes, a byte
// order mark) and the errors that name what is wrong.
#include "client/customer_input.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientele::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> OneRecord(const std::string& text, int64_t* lines) {
  std::istringstream in(text);
  std::vector<std::string> fields;
  absl::StatusOr<bool> read = ReadCsvRecord(in, &fields, lines);
  if (!read.ok()) return read.status();
  return fields;
}

TEST(CsvRecordTest, QuotesCommasAndLineBreaks) {
  int64_t lines = 0;
  EXPECT_THAT(*OneRecord("a,b,,c\r\n", &lines), ElementsAre("a", "b", "", "c"));
  EXPECT_EQ(lines, 1);
  EXPECT_THAT(*OneRecord("\"x,y\",\"say \"\"hi\"\"\",z\n", &lines),
              ElementsAre("x,y", "say \"hi\"", "z"));
  lines = 0;
  EXPECT_THAT(*OneRecord("1,\"功能更强大,\n价格更优惠\",3\nnext\n", &lines),
              ElementsAre("1", "功能更强大,\n价格更优惠", "3"));
  EXPECT_EQ(lines, 2);
}

TEST(CsvRecordTest, MalformedQuotesAreErrors) {
  int64_t lines = 0;
  absl::StatusOr<std::vector<std::string>> open = OneRecord("1,\"never closed\n2,3\n", &lines);
  ASSERT_FALSE(open.ok());
  EXPECT_THAT(std::string(open.status().message()), HasSubstr("field 2 opens a quote"));
  absl::StatusOr<std::vector<std::string>> after = OneRecord("\"a\"b,c\n", &lines);
  ASSERT_FALSE(after.ok());
  EXPECT_THAT(std::string(after.status().message()), HasSubstr("text after its closing quote"));
}

TEST(CustomerFieldTest, EnglishAndSeedNamesIntegersChecked) {
  v1::Customer c;
  ASSERT_TRUE(SetCustomerField("客户ID", "c-1", &c).ok());
  ASSERT_TRUE(SetCustomerField("年龄", "25", &c).ok());
  ASSERT_TRUE(SetCustomerField("消费能力", "低", &c).ok());
  ASSERT_TRUE(SetCustomerField("satisfaction", "4.50", &c).ok());
  ASSERT_TRUE(SetCustomerField("points", "", &c).ok());  // empty: unset
  EXPECT_EQ(c.id(), "c-1");
  EXPECT_EQ(c.age(), 25);
  EXPECT_EQ(c.consumption(), "低");  // spellings are the server's to check
  EXPECT_EQ(c.satisfaction(), "4.50");
  absl::Status bad = SetCustomerField("age", "25岁", &c);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "age: '25岁' is not a whole number");
  EXPECT_EQ(c.age(), 25);
  absl::Status unknown = SetCustomerField("agee", "1", &c);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("unknown customer field 'agee'"));
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("did you mean 'age'"));
}

TEST(CustomerJsonTest, ExactNumbersAndErrors) {
  absl::StatusOr<v1::Customer> c =
      CustomerFromJsonText(R"({"id": "c-2", "年龄": 41, "satisfaction": 4.10, "name": null})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->age(), 41);
  EXPECT_EQ(c->satisfaction(), "4.10");
  EXPECT_EQ(CustomerFromJsonText("[1]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(CustomerFromJsonText(R"({"id": true})").status().message()),
              HasSubstr("id: expected a number or text, got boolean"));
  EXPECT_THAT(std::string(CustomerFromJsonText("{\"id\": ").status().message()),
              HasSubstr("not valid JSON"));
}

// RFM scores as rules read them: {"rfm": {"m": 4}}, "rfm.f" or "rfm_r".
TEST(CustomerJsonTest, RfmScoresInEveryForm) {
  absl::StatusOr<v1::Customer> c =
      CustomerFromJsonText(R"({"id": "c-3", "rfm": {"m": 4}, "rfm.f": 2, "rfm_r": "5"})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->rfm_r(), 5);
  EXPECT_EQ(c->rfm_f(), 2);
  EXPECT_EQ(c->rfm_m(), 4);
  EXPECT_THAT(std::string(CustomerFromJsonText(R"({"rfm": {"x": 4}})").status().message()),
              HasSubstr("unknown customer field 'rfm.x'"));
}

TEST(ImportFormatTest, ByExtensionOrFlag) {
  EXPECT_EQ(*ImportFormatFor("a/customers.CSV", ""), ImportFormat::kCsv);
  EXPECT_EQ(*ImportFormatFor("customers.jsonl", ""), ImportFormat::kJsonLines);
  EXPECT_EQ(*ImportFormatFor("customers.json", ""), ImportFormat::kJsonLines);
  EXPECT_EQ(*ImportFormatFor("customers.txt", "csv"), ImportFormat::kCsv);
  EXPECT_THAT(std::string(ImportFormatFor("customers.txt", "").status().message()),
              HasSubstr("give --format csv or jsonl"));
}

class CustomerFileTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const fs::path& path : paths_) fs::remove(path);
  }
  std::string Write(const std::string& name, const std::string& content) {
    paths_.push_back(fs::temp_directory_path() /
                     ("clientele-input-" + std::to_string(::getpid()) + "-" + name));
    std::ofstream(paths_.back(), std::ios::binary) << content;
    return paths_.back().string();
  }
  std::vector<fs::path> paths_;
};

TEST_F(CustomerFileTest, CsvWithChineseHeaderAndByteOrderMark) {
  const std::string path = Write("c.csv",
                                 "\xEF\xBB\xBF客户ID,姓名,年龄,消费能力,购买行为,满意度\r\n"
                                 "1,张三,25,低,线上,4.5\r\n"
                                 "\r\n"
                                 "2,\"李,四\",abc,中,线下,3.8\r\n"
                                 "3,王五,45\r\n");
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> reader =
      CustomerFileReader::Open(path, ImportFormat::kCsv);
  ASSERT_TRUE(reader.ok()) << reader.status();
  CustomerFileReader::Record record;
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 2);
  ASSERT_TRUE(record.customer.ok());
  EXPECT_EQ(record.customer->id(), "1");
  EXPECT_EQ(record.customer->name(), "张三");
  EXPECT_EQ(record.customer->channel(), "线上");
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 4);
  EXPECT_EQ(record.customer.status().message(), "age: 'abc' is not a whole number");
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 5);
  EXPECT_EQ(record.customer.status().message(), "the record has 3 fields; the header has 6");
  EXPECT_FALSE((*reader)->Next(&record));
}

TEST_F(CustomerFileTest, CsvHeaderErrorsNameTheColumn) {
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> unknown =
      CustomerFileReader::Open(Write("u.csv", "id,agee\n1,2\n"), ImportFormat::kCsv);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("u.csv:1: unknown customer field 'agee'"));
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> twice =
      CustomerFileReader::Open(Write("t.csv", "id,年龄,age\n"), ImportFormat::kCsv);
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("column 'age' is field age, given twice"));
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> no_id =
      CustomerFileReader::Open(Write("n.csv", "name\n张三\n"), ImportFormat::kCsv);
  EXPECT_THAT(std::string(no_id.status().message()), HasSubstr("no id column"));
  EXPECT_EQ(CustomerFileReader::Open("/nonexistent/x.csv", ImportFormat::kCsv).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CustomerFileTest, JsonLinesSkipBlankLines) {
  const std::string path =
      Write("c.jsonl", "{\"id\": \"1\", \"age\": 25}\n\n  \n{\"id\": \"2\", \"age\": \n");
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> reader =
      CustomerFileReader::Open(path, ImportFormat::kJsonLines);
  ASSERT_TRUE(reader.ok());
  CustomerFileReader::Record record;
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 1);
  EXPECT_EQ(record.customer->age(), 25);
  ASSERT_TRUE((*reader)->Next(&record));
  EXPECT_EQ(record.line, 4);
  EXPECT_FALSE(record.customer.ok());
  EXPECT_FALSE((*reader)->Next(&record));
}

}  // namespace
}  // namespace clientele::client
