// Tests `clientele customers import` against the real clienteled: a CSV
// with the seed's Chinese headers, JSON lines, more customers than one
// message holds, unreadable lines (reported as FILE:LINE, nothing sent),
// invalid customers with and without --skip-invalid, retries with the key,
// and the progress display.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "client/exit_codes.h"
#include "client/remote_commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cli_fixture.h"

namespace clientele::client {
namespace {

using ::nlohmann::json;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

namespace fs = std::filesystem;

class CustomerImportTest : public CliTest {
 protected:
  // A file in the server's temporary directory (removed with it).
  std::string Write(const std::string& name, const std::string& content) {
    const fs::path path = server_.directory() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  int64_t CustomerCount() {
    int64_t count = 0;
    for (const json& page : Ok({"customers", "list", "--all", "--page-size", "1000", "--json"})
                                .JsonLines()) {
      count += static_cast<int64_t>(page["customers"].size());
    }
    return count;
  }
};

// The seed's customer table, with its own column names.
const char kSeedCsv[] =
    "客户ID,姓名,年龄,性别,消费能力,购买行为,满意度\n"
    "1,张三,25,男,低,线上,4.5\n"
    "2,李四,35,女,中,线下,3.8\n"
    "3,\"王五, Jr.\",45,男,高,线上线下,4.2\n";

TEST_F(CustomerImportTest, CsvWithTheSeedsChineseHeaders) {
  const std::string file = Write("seed.csv", kSeedCsv);
  CliOutput imported = Ok({"customers", "import", file, "--key", "k-import"});
  EXPECT_EQ(imported.out,
            "imported " + file + ": 3 received, 3 created, 0 updated, 0 rejected\nkey: k-import\n");
  EXPECT_THAT(imported.err, IsEmpty());  // no progress: not a terminal, no --progress

  json third = Ok({"customers", "get", "3", "--json"}).Json()["customer"];
  EXPECT_EQ(third["name"], "王五, Jr.");
  EXPECT_EQ(third["age"], "45");
  EXPECT_EQ(third["consumption"], "high");
  EXPECT_EQ(third["channel"], "both");
  EXPECT_THAT(third["satisfaction"].get<std::string>(), ContainsRegex("^4\\.20?$"));

  // A retry with the key answers as the first time; new content updates.
  EXPECT_EQ(Ok({"customers", "import", file, "--key", "k-import"}).out, imported.out);
  json again = Ok({"customers", "import", file, "--json"}).Json();
  EXPECT_EQ(again["received"], "3");
  EXPECT_EQ(again["created"], "0");
  EXPECT_EQ(again["updated"], "3");
}

TEST_F(CustomerImportTest, JsonLinesInBatchesWithProgress) {
  std::string lines;
  for (int i = 0; i < 1203; ++i) {  // three messages: 500, 500, 203
    lines += "{\"id\": \"j-" + std::to_string(10000 + i) + "\", \"age\": " +
             std::to_string(20 + i % 50) + ", \"consumption\": \"mid\"}\n";
    if (i == 600) lines += "\n";  // blank lines are skipped
  }
  const std::string file = Write("many.jsonl", lines);
  CliOutput imported = Ok({"customers", "import", file, "--progress", "--json"});
  json summary = imported.Json();
  EXPECT_EQ(summary["received"], "1203");
  EXPECT_EQ(summary["created"], "1203");
  EXPECT_EQ(summary["rejected_count"], "0");
  EXPECT_THAT(imported.err, HasSubstr("checking " + file + ": 1203 customers"));
  EXPECT_THAT(imported.err, HasSubstr("sending " + file + ": 1203 of 1203 customers"));
  EXPECT_THAT(imported.err, ContainsRegex("key: cli-[0-9a-f]{32}"));
  EXPECT_EQ(CustomerCount(), 1203);
}

TEST_F(CustomerImportTest, UnreadableLinesAreReportedAndNothingIsSent) {
  const std::string csv = Write("bad.csv",
                                "id,name,年龄\n"
                                "a-1,张三,25\n"
                                "a-2,李四,二十\n"
                                "a-3,王五\n"
                                "a-4,赵六,40\n");
  CliOutput bad = Run({"customers", "import", csv});
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_THAT(bad.err, HasSubstr(csv + ":3: error: age: '二十' is not a whole number\n"));
  EXPECT_THAT(bad.err, HasSubstr(csv + ":4: error: the record has 2 fields; the header has 3\n"));
  EXPECT_THAT(bad.err, HasSubstr("error: 2 lines of " + csv + " cannot be read; nothing was sent"));
  EXPECT_THAT(bad.out, IsEmpty());

  const std::string jsonl = Write("bad.jsonl", "{\"id\": \"b-1\"}\n{\"id\": \"b-2\",\n");
  CliOutput broken = Run({"customers", "import", jsonl});
  EXPECT_EQ(broken.code, kExitBadInput);
  EXPECT_THAT(broken.err, HasSubstr(jsonl + ":2: error: the customer is not valid JSON"));
  EXPECT_EQ(CustomerCount(), 0);

  CliOutput header = Run({"customers", "import", Write("h.csv", "客户ID,年令\n1,2\n")});
  EXPECT_EQ(header.code, kExitBadInput);
  EXPECT_THAT(header.err, HasSubstr("h.csv:1: unknown customer field '年令'"));
  EXPECT_EQ(Run({"customers", "import", Write("x.txt", "id\n1\n")}).code, kExitBadInput);
  EXPECT_EQ(Run({"customers", "import", Write("x2.txt", "id\n1\n"), "--format", "csv"}).code,
            kExitOk);
  CliOutput missing = Run({"customers", "import", "/nonexistent/customers.csv"});
  EXPECT_EQ(missing.code, kExitBadInput);
  EXPECT_THAT(missing.err, HasSubstr("cannot open '/nonexistent/customers.csv'"));
}

TEST_F(CustomerImportTest, InvalidCustomersRejectAllOrAreListedWithSkipInvalid) {
  const std::string file = Write("invalid.csv",
                                 "id,age,consumption\n"
                                 "v-1,30,low\n"
                                 "v-2,200,low\n"
                                 "\n"
                                 "v-3,40,超高\n"
                                 "v-4,50,high\n");
  CliOutput all_or_nothing = Run({"customers", "import", file});
  EXPECT_EQ(all_or_nothing.code, kExitBadInput);
  EXPECT_THAT(all_or_nothing.err, HasSubstr("error: INVALID_ARGUMENT: customer 1 (id 'v-2')"));
  EXPECT_EQ(CustomerCount(), 0);

  CliOutput skipped = Ok({"customers", "import", file, "--skip-invalid"});
  EXPECT_THAT(skipped.out, HasSubstr(": 4 received, 2 created, 0 updated, 2 rejected\n"));
  EXPECT_THAT(skipped.out, ContainsRegex("# +LINE +ID +PROBLEM\n"));
  EXPECT_THAT(skipped.out, ContainsRegex("1 +" + file + ":3 +v-2 +customer\\.age"));
  EXPECT_THAT(skipped.out, ContainsRegex("2 +" + file + ":5 +v-3 +customer\\.consumption"));
  EXPECT_EQ(CustomerCount(), 2);
}

TEST_F(CustomerImportTest, AnEmptyFileImportsNothing) {
  const std::string file = Write("empty.jsonl", "");
  EXPECT_THAT(Ok({"customers", "import", file}).out, HasSubstr(": 0 received, 0 created"));
}

TEST(CustomerImportOfflineTest, AServerThatIsDownIsExitFive) {
  const fs::path file =
      fs::temp_directory_path() / ("clientele-import-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(file) << "{\"id\": \"x\"}\n";
  CliOutput down =
      RunCommand({"customers", "import", file.string(), "--server", "127.0.0.1:1"});
  fs::remove(file);
  EXPECT_EQ(down.code, kExitServerError);
  EXPECT_THAT(down.err, HasSubstr("error: UNAVAILABLE: "));
  EXPECT_THAT(down.err, ContainsRegex("key: cli-[0-9a-f]{32}"));
}

}  // namespace
}  // namespace clientele::client
