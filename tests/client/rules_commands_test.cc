// Tests the offline CLI commands (client/rules_commands.h) in-process:
// `rules validate` and `rules eval` on the default ruleset (config/rules),
// the demo data (config/demo) and broken copies of them, checking exit
// codes (0 ok, 1 ruleset errors or failed evaluation, 2 bad input), the
// text and --json output, and that a bad line of --customers-file is
// reported as file:line while the other lines are still evaluated.
#include "client/rules_commands.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rules/ruleset.h"

namespace clientele::client {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

namespace fs = std::filesystem;

const std::string kRules = CLIENTELE_SOURCE_DIR "/config/rules";
const std::string kDemoCustomers = CLIENTELE_SOURCE_DIR "/config/demo/customers.jsonl";
const std::string kDemoEvent = CLIENTELE_SOURCE_DIR "/config/demo/event.json";

struct Output {
  int code = -1;
  std::string out;
  std::string err;
};

Output Validate(const std::string& directory, bool json = false) {
  std::ostringstream out, err;
  Output result;
  result.code = RunValidate({.directory = directory, .json = json}, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

// Builds EvalOptions like the command line does, one flag at a time.
class Args {
 public:
  Args& Directory(std::string v) {
    o_.directory = std::move(v);
    return *this;
  }
  Args& Customer(std::string v) {
    o_.customer_json = std::move(v);
    return *this;
  }
  Args& CustomerFile(std::string v) {
    o_.customer_file = std::move(v);
    return *this;
  }
  Args& CustomersFile(std::string v) {
    o_.customers_file = std::move(v);
    return *this;
  }
  Args& Event(std::string v) {
    o_.event_json = std::move(v);
    return *this;
  }
  Args& EventFile(std::string v) {
    o_.event_file = std::move(v);
    return *this;
  }
  Args& Today(std::string v) {
    o_.today = std::move(v);
    return *this;
  }
  Args& Explain() {
    o_.explain = true;
    return *this;
  }
  Args& Json() {
    o_.json = true;
    return *this;
  }
  operator EvalOptions() const { return o_; }  // NOLINT: implicit on purpose

 private:
  EvalOptions o_;
};

Output Eval(EvalOptions options) {
  if (options.directory.empty()) options.directory = kRules;
  std::ostringstream out, err;
  Output result;
  result.code = RunEval(options, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string VersionOf(const std::string& directory) {
  rules::LoadResult loaded = rules::RuleSet::LoadDirectory(directory);
  EXPECT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  return loaded.ok() ? loaded.ruleset->version() : "";
}

// A fresh empty directory under the test's temporary directory.
fs::path TempDirectory(const std::string& name) {
  fs::path directory = fs::path(::testing::TempDir()) / ("rules_commands_test_" + name);
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// A copy of config/rules in which `file` has `from` replaced by `to`.
std::string BrokenCopy(const std::string& name, const std::string& file, const std::string& from,
                       const std::string& to) {
  fs::path directory = TempDirectory(name);
  for (const auto& entry : fs::directory_iterator(kRules)) {
    std::string content = ReadFile(entry.path());
    if (entry.path().filename() == file) {
      size_t at = content.find(from);
      EXPECT_NE(at, std::string::npos) << from << " is not in " << file;
      if (at != std::string::npos) content.replace(at, from.size(), to);
    }
    WriteFile(directory / entry.path().filename(), content);
  }
  return directory.string();
}

// ---------------------------------------------------------------- validate

TEST(RunValidateTest, DefaultRulesetIsOk) {
  Output result = Validate(kRules);
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_EQ(
      result.out,
      kRules + ": ok, version " + VersionOf(kRules) +
          " — 7 files, 4 dimensions (8 rules), 2 offers, 3 improvement actions, "
          "2 interaction rules, 3 earning rules, 4 tiers, 11 parameters; up to 114 work units per "
          "evaluation before texts\n");
  EXPECT_THAT(result.err, IsEmpty());
}

TEST(RunValidateTest, JsonForTheDefaultRuleset) {
  Output result = Validate(kRules, /*json=*/true);
  EXPECT_EQ(result.code, kExitOk);
  json parsed = json::parse(result.out);
  EXPECT_EQ(parsed, json({{"ok", true},
                          {"version", VersionOf(kRules)},
                          {"work_without_text", 114},
                          {"diagnostics", json::array()}}));
}

TEST(RunValidateTest, ErrorsGiveExitCodeOneAndCompilerStyleMessages) {
  std::string directory =
      BrokenCopy("agee", "segments.yaml", "when: age < young_age_limit and consumption == \"low\"",
                 "when: agee < young_age_limit and consumption == \"low\"");
  Output result = Validate(directory);
  EXPECT_EQ(result.code, kExitRuleErrors);
  EXPECT_THAT(result.out, HasSubstr(directory + "/segments.yaml:9:15: error: unknown field "
                                                "'agee'; did you mean 'age'?\n"));
  EXPECT_THAT(result.out, HasSubstr("1 error, 0 warnings"));
  EXPECT_THAT(result.out, Not(HasSubstr("ok, version")));

  Output as_json = Validate(directory, /*json=*/true);
  EXPECT_EQ(as_json.code, kExitRuleErrors);
  json parsed = json::parse(as_json.out);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_EQ(parsed["version"], "");
  ASSERT_EQ(parsed["diagnostics"].size(), 1u);
  const json& d = parsed["diagnostics"][0];
  EXPECT_EQ(d["file"], directory + "/segments.yaml");
  EXPECT_EQ(d["line"], 9);
  EXPECT_EQ(d["column"], 15);
  EXPECT_EQ(d["severity"], "error");
  EXPECT_EQ(d["message"], "unknown field 'agee'; did you mean 'age'?");
  EXPECT_EQ(d["hint"], "");
}

TEST(RunValidateTest, WarningsAloneAreOk) {
  std::string directory =
      BrokenCopy("warning", "segments.yaml", "when: satisfaction > satisfied_above",
                 "when: satisfaction > 4 and satisfaction < 3");
  Output result = Validate(directory);
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_THAT(result.out, HasSubstr("warning: rule 'satisfied' can never match: its condition "
                                    "is never true"));
  EXPECT_THAT(result.out, HasSubstr("0 errors, 1 warning"));
  EXPECT_THAT(result.out, HasSubstr(directory + ": ok, version "));
}

TEST(RunValidateTest, NotADirectory) {
  Output result = Validate(kRules + "/no-such-directory");
  EXPECT_EQ(result.code, kExitRuleErrors);
  EXPECT_THAT(result.out, HasSubstr("this is not a directory of rule files"));
}

// ---------------------------------------------------------------- eval

// docs/rules.md section 5.5: 张三 (30, 中) gets no offer.
TEST(RunEvalTest, OneCustomerAsText) {
  Output result =
      Eval(Args().Customer(R"({"姓名":"张三","年龄":30,"消费能力":"中"})").Today("2026-11-24"));
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_THAT(result.err, IsEmpty());
  EXPECT_EQ(result.out, "customer (no id) 张三  [ruleset " + VersionOf(kRules) +
                            "]\n"
                            "  segments:\n"
                            "    life_stage          年轻中收入群体  (rule young_mid_income)\n"
                            "    purchase_behavior   潜力客户        (default)\n"
                            "    age_band            中年客户        (rule middle_aged)\n"
                            "    satisfaction_level  不满意客户      (default)\n"
                            "  offers:   无 (none)\n"
                            "  tier:     普通会员\n");
}

// docs/rules.md section 6.2: 王五 buying for 400, as JSON.
TEST(RunEvalTest, OneCustomerAsJson) {
  Output result = Eval(Args()
                           .Customer(R"({"姓名":"王五","年龄":50,"消费能力":"高","积分":0})")
                           .Event(R"({"purchase":{"amount":400}})")
                           .Today("2026-11-24")
                           .Json());
  EXPECT_EQ(result.code, kExitOk);
  json parsed = json::parse(result.out);
  EXPECT_EQ(parsed["ruleset_version"], VersionOf(kRules));
  EXPECT_EQ(parsed["segments"]["life_stage"], "中年高收入群体");
  EXPECT_EQ(parsed["loyalty"]["points_earned"], 50);
  EXPECT_EQ(parsed["loyalty"]["rule"], "medium_purchase");
  ASSERT_EQ(parsed["offers"].size(), 1u);
  EXPECT_EQ(parsed["offers"][0]["offer"], "生日礼物");
  EXPECT_FALSE(parsed.contains("explanation"));
  // One customer is pretty-printed over several lines.
  EXPECT_GT(Lines(result.out).size(), 10u);
}

TEST(RunEvalTest, ExplainShowsEveryRuleLookedAt) {
  Output result = Eval(
      Args().Customer(R"({"客户ID":"4","年龄":55,"消费能力":"中"})").Today("2026-11-24").Explain());
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_THAT(result.out,
              HasSubstr("  why:\n    segmentation life_stage → 其他 (the default: no rule matched)\n"
                        "      ✗ young_low_income: age < young_age_limit and "
                        "consumption == \"low\"\n"
                        "          ✗ age is 55, needs less than young_age_limit (40)\n"));
  // The part that held and the part that did not, in plain words.
  EXPECT_THAT(result.out,
              HasSubstr("      ✗ middle_aged_high_income: age >= young_age_limit and "
                        "consumption == \"high\"\n"
                        "          ✓ age is 55, at least young_age_limit (40)\n"
                        "          ✗ consumption is \"mid\", needs \"high\"\n"));
  EXPECT_THAT(result.out, HasSubstr("    segmentation age_band → 中年客户\n"
                                    "      ✗ young: age < young_band_limit\n"
                                    "          ✗ age is 55, needs less than young_band_limit (30)\n"
                                    "      ✓ middle_aged: age < middle_band_limit\n"
                                    "          ✓ age is 55, less than middle_band_limit (60)\n"));
  EXPECT_THAT(result.out, HasSubstr("    offers → none\n"));

  Output as_json = Eval(Args()
                            .Customer(R"({"客户ID":"4","年龄":55,"消费能力":"中"})")
                            .Today("2026-11-24")
                            .Explain()
                            .Json());
  EXPECT_EQ(as_json.code, kExitOk);
  json parsed = json::parse(as_json.out);
  ASSERT_TRUE(parsed.contains("explanation"));
  EXPECT_EQ(parsed["explanation"][0]["rule"], "young_low_income");
  EXPECT_EQ(parsed["explanation"][0]["checks"][0]["observed"]["age"], "55");
  EXPECT_EQ(parsed["explanation"][0]["checks"][0]["as_needed"], false);
  EXPECT_EQ(parsed["explanation"][0]["checks"][0]["reason"],
            "age is 55, needs less than young_age_limit (40)");
}

TEST(RunEvalTest, DemoCustomersWithTheDemoEventAsJsonLines) {
  Output result =
      Eval(Args().CustomersFile(kDemoCustomers).EventFile(kDemoEvent).Today("2026-11-24").Json());
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_THAT(result.err, IsEmpty());
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 5u);
  const char* kTiers[] = {"普通会员", "银卡会员", "金卡会员", "普通会员", "钻石会员"};
  const char* kSatisfaction[] = {"4.6", "3.9", "4.3", "4.1", "5"};
  for (size_t i = 0; i < lines.size(); ++i) {
    json parsed = json::parse(lines[i]);
    EXPECT_EQ(parsed["customer"], std::to_string(i + 1));
    EXPECT_EQ(parsed["tier"], kTiers[i]) << i + 1;
    EXPECT_EQ(parsed["loyalty"]["points_earned"], 50) << i + 1;
    EXPECT_EQ(parsed["interaction"]["satisfaction_after"].dump(), kSatisfaction[i]) << i + 1;
    EXPECT_EQ(parsed["improvements"].size(), 3u) << i + 1;
  }
  EXPECT_EQ(json::parse(lines[1])["loyalty"]["tier_before"], "普通会员");
  EXPECT_EQ(json::parse(lines[1])["loyalty"]["tier_after"], "银卡会员");
}

TEST(RunEvalTest, BadLineOfCustomersFileIsReportedAndTheOthersEvaluated) {
  fs::path directory = TempDirectory("customers_file");
  const fs::path file = directory / "few.jsonl";
  WriteFile(file,
            "{\"id\":\"1\",\"name\":\"客户1\",\"age\":25,\"consumption\":\"低\"}\n"
            "{\"id\":\"2\",\"name\":\"客户2\",\"age\":35,\"consumption\":\"medium\"}\n"
            "{\"id\":\"3\",\"name\":\"客户3\",\"age\":45,\"consumption\":\"高\"}\n"
            "\n"
            "{\"id\":\"5\",\n"
            "{\"id\":\"6\",\"agee\":30}\n"
            "{\"id\":\"7\",\"age\":70}\n");
  Output result = Eval(Args().CustomersFile(file.string()).Today("2026-11-24").Json());
  EXPECT_EQ(result.code, kExitBadInput);
  std::vector<std::string> errors = Lines(result.err);
  ASSERT_EQ(errors.size(), 3u) << result.err;
  EXPECT_EQ(errors[0], file.string() +
                           ":2: error: consumption: 'medium' is not a consumption level "
                           "(accepted: low, mid, high, 低, 中, 高)");
  EXPECT_THAT(errors[1], HasSubstr(file.string() + ":5: error: this line is not valid JSON"));
  EXPECT_EQ(errors[2],
            file.string() + ":6: error: unknown customer field 'agee'; did you mean 'age'?");

  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;
  json first = json::parse(lines[0]);
  EXPECT_EQ(first["customer"], "1");
  EXPECT_EQ(first["offers"][0]["offer"], "满100减20");
  json third = json::parse(lines[1]);
  EXPECT_EQ(third["customer"], "3");
  EXPECT_EQ(third["offers"][0]["offer"], "生日礼物");
  EXPECT_EQ(json::parse(lines[2])["customer"], "7");
  EXPECT_EQ(json::parse(lines[2])["segments"]["age_band"], "老年客户");
}

TEST(RunEvalTest, CustomerFromAFile) {
  fs::path directory = TempDirectory("customer_file");
  WriteFile(directory / "customer.json", R"({"id": "A", "年龄": 25, "消费能力": "低"})");
  Output result =
      Eval(Args().CustomerFile((directory / "customer.json").string()).Today("2026-11-24").Json());
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_EQ(json::parse(result.out)["segments"]["life_stage"], "年轻低收入群体");
}

struct BadInputCase {
  std::string name;
  EvalOptions options;
  std::string err;  // exact
};

TEST(RunEvalTest, BadInputGivesExitCodeTwo) {
  const std::string missing = kRules + "/no-such-file.json";
  const BadInputCase kCases[] = {
      {"TodayNotADate", Args().Customer(R"({"age":25})").Today("2026-13-01"),
       "error: --today: '2026-13-01' is not a date: there is no such day\n"},
      {"TodayWrongFormat", Args().Customer(R"({"age":25})").Today("24.11.2026"),
       "error: --today: '24.11.2026' is not a date: write it as YYYY-MM-DD, e.g. 2026-05-01\n"},
      {"NoCustomer", Args().Today("2026-11-24"),
       "error: give exactly one of --customer, --customer-file, --customers-file\n"},
      {"TwoCustomerSources", Args().Customer(R"({"age":25})").CustomersFile(kDemoCustomers),
       "error: give exactly one of --customer, --customer-file, --customers-file\n"},
      {"UnknownCustomerField", Args().Customer(R"({"agee":25})").Today("2026-11-24"),
       "error: unknown customer field 'agee'; did you mean 'age'?\n"},
      {"SatisfactionDecimals", Args().Customer(R"({"satisfaction":4.123})").Today("2026-11-24"),
       "error: satisfaction: 4.123 has more than two decimals\n"},
      {"UnknownEventField", Args().Customer(R"({"age":25})").Event(R"({"review":"好评"})"),
       "error: unknown event field 'review' (fields: purchase, interaction, feedback, event)\n"},
      {"BadPurchaseAmount", Args().Customer(R"({"age":25})").Event(R"({"purchase":{"amount":0}})"),
       "error: purchase.amount: 0 is not positive\n"},
      {"MissingCustomerFile", Args().CustomerFile(missing).Today("2026-11-24"),
       "error: cannot open '" + missing + "'\n"},
      {"MissingCustomersFile", Args().CustomersFile(missing).Today("2026-11-24"),
       "error: cannot open '" + missing + "'\n"},
      {"MissingEventFile", Args().Customer(R"({"age":25})").EventFile(missing).Today("2026-11-24"),
       "error: cannot open '" + missing + "'\n"},
  };
  for (const BadInputCase& c : kCases) {
    Output result = Eval(c.options);
    EXPECT_EQ(result.code, kExitBadInput) << c.name;
    EXPECT_EQ(result.err, c.err) << c.name;
    EXPECT_THAT(result.out, IsEmpty()) << c.name;
  }
}

TEST(RunEvalTest, MalformedJsonGivesExitCodeTwo) {
  Output customer = Eval(Args().Customer(R"({"age": 25,)").Today("2026-11-24"));
  EXPECT_EQ(customer.code, kExitBadInput);
  EXPECT_THAT(customer.err, HasSubstr("error: the customer is not valid JSON"));
  Output event =
      Eval(Args().Customer(R"({"age": 25})").Event("{purchase: 400}").Today("2026-11-24"));
  EXPECT_EQ(event.code, kExitBadInput);
  EXPECT_THAT(event.err, HasSubstr("error: the event is not valid JSON"));
}

TEST(RunEvalTest, RulesetWithErrorsGivesExitCodeOne) {
  std::string directory = BrokenCopy("eval_agee", "segments.yaml",
                                     "when: age < young_age_limit and consumption == \"low\"",
                                     "when: agee < young_age_limit and consumption == \"low\"");
  Output result = Eval(Args().Directory(directory).Customer(R"({"age":25})").Today("2026-11-24"));
  EXPECT_EQ(result.code, kExitRuleErrors);
  EXPECT_THAT(result.err, HasSubstr("segments.yaml:9:15: error: unknown field 'agee'"));
  EXPECT_THAT(result.out, IsEmpty());
}

// docs/rules.md mistake 37: a formula that fails for some customers.
TEST(RunEvalTest, FailedEvaluationGivesExitCodeOneAndNamesTheRule) {
  std::string directory = BrokenCopy("division", "loyalty.yaml", "      points: 100",
                                     "      points: floor(purchase.amount / purchase_frequency)");
  ASSERT_EQ(Validate(directory).code, kExitOk);
  Output result = Eval(Args()
                           .Directory(directory)
                           .Customer(R"({"id":"7","purchase_frequency":0})")
                           .Event(R"({"purchase":{"amount":800}})")
                           .Today("2026-11-24"));
  EXPECT_EQ(result.code, kExitRuleErrors);
  EXPECT_EQ(result.err, "error: rule 'big_purchase' (" + directory +
                            "/loyalty.yaml:5): division by zero in "
                            "`purchase.amount / purchase_frequency`\n");
  EXPECT_THAT(result.out, IsEmpty());

  // In a customers file, the failing customer is reported by line and the
  // others are still evaluated.
  fs::path file = TempDirectory("division_customers") / "customers.jsonl";
  WriteFile(file,
            "{\"id\":\"1\",\"purchase_frequency\":2}\n"
            "{\"id\":\"2\",\"purchase_frequency\":0}\n"
            "{\"id\":\"3\",\"purchase_frequency\":4}\n");
  Output lines = Eval(Args()
                          .Directory(directory)
                          .CustomersFile(file.string())
                          .Event(R"({"purchase":{"amount":800}})")
                          .Today("2026-11-24")
                          .Json());
  EXPECT_EQ(lines.code, kExitRuleErrors);
  EXPECT_THAT(lines.err, HasSubstr(file.string() + ":2: error: rule 'big_purchase'"));
  std::vector<std::string> decisions = Lines(lines.out);
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(json::parse(decisions[0])["loyalty"]["points_earned"], 400);
  EXPECT_EQ(json::parse(decisions[1])["loyalty"]["points_earned"], 200);
}

}  // namespace
}  // namespace clientele::client
