// Tests the remote commands of `clientele` (client/remote_commands.h,
// through the command line of client/cli.h) against the real clienteled:
// every subcommand, its table and --json output, idempotency keys, and the
// exit codes for not found (3), bad input (2), conflicts (4) and a server
// that is down or too slow (5). Imports are in customer_import_test.cc.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "client/exit_codes.h"
#include "client/remote.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/ruleset.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/rules_directory.h"

namespace clientele::client {
namespace {

using ::nlohmann::json;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kZhangSan =
    R"({"id": "c-1", "name": "张三", "age": 25, "consumption": "低", "channel": "线上", "satisfaction": 4.0})";
const std::string kLiSi =
    R"({"id": "c-2", "name": "李四", "age": 45, "consumption": "高", "channel": "线下"})";

class RemoteCommandsTest : public CliTest {
 protected:
  void AddCustomers() {
    Ok({"customers", "upsert", "--customer", kZhangSan, "--key", "k-c1"});
    Ok({"customers", "upsert", "--customer", kLiSi, "--key", "k-c2"});
  }
};

TEST_F(RemoteCommandsTest, PingAndRuleset) {
  CliOutput ping = Ok({"ping", "--payload", "hello"});
  EXPECT_THAT(ping.out, HasSubstr("pong from " + server_.address()));
  EXPECT_THAT(ping.out, ContainsRegex(" in [0-9]+\\.[0-9]{2} ms \\(first call, with connecting: [0-9]+\\.[0-9]{2} ms; "
                                      "5 payload bytes echoed\\)\n$"));
  json ping_json = Ok({"ping", "--json"}).Json();
  EXPECT_EQ(ping_json["server"], server_.address());
  EXPECT_GE(ping_json["round_trip_ms"].get<double>(), 0.0);
  EXPECT_GE(ping_json["first_call_ms"].get<double>(), 0.0);

  CliOutput ruleset = Ok({"ruleset"});
  EXPECT_THAT(ruleset.out, ContainsRegex("version +[0-9a-f]{12}\n"));
  EXPECT_THAT(ruleset.out, HasSubstr("segments.yaml"));
  EXPECT_THAT(ruleset.out, HasSubstr("directory  " + kRulesDirectory));
  json ruleset_json = Ok({"ruleset", "--json"}).Json();
  EXPECT_THAT(ruleset.out, HasSubstr(ruleset_json["version"].get<std::string>()));
  EXPECT_EQ(ruleset_json["files"].size(), 7u);
}

TEST_F(RemoteCommandsTest, DecisionLogListsSampledDecisionsMaskedNewestFirst) {
  server_.Stop();
  ASSERT_TRUE(server_.Start(kRulesDirectory, "decision_log: {sample_rate: 1, max_entries: 50}\n"));
  AddCustomers();
  Ok({"evaluate", "--customer-id", "c-1"});
  Ok({"evaluate", "--customer-id", "c-2"});
  // Entries are written a moment after their decisions.
  json log;
  for (int attempt = 0; attempt < 200; ++attempt) {
    log = Ok({"decision-log", "--json"}).Json();
    if (log.contains("decisions") && log["decisions"].size() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(log["decisions"].size(), 2u);
  EXPECT_EQ(log["decisions"][0]["request"]["customer"]["id"], "c-2");
  EXPECT_EQ(log["decisions"][0]["request"]["customer"]["name"], "李**");
  EXPECT_EQ(log["decisions"][1]["caller"], "test-admin");

  CliOutput table = Ok({"decision-log"});
  EXPECT_THAT(table.out, HasSubstr("decision log: 100% of decisions, the newest 50 kept"));
  EXPECT_THAT(table.out, ContainsRegex("\n +[0-9]+ +[-0-9T:.]+Z +Evaluate +test-admin +c-2 "));
  EXPECT_THAT(table.out, HasSubstr("2 decisions\n"));
  EXPECT_THAT(table.out, Not(HasSubstr("李四")));

  CliOutput one = Ok({"decision-log", "--customer-id", "c-1", "--page-size", "1"});
  EXPECT_THAT(one.out, HasSubstr("c-1"));
  EXPECT_THAT(one.out, Not(HasSubstr("c-2")));
  EXPECT_THAT(one.out, HasSubstr("1 decision\n"));
  CliOutput paged = Ok({"decision-log", "--page-size", "1"});
  EXPECT_THAT(paged.out, HasSubstr("more: add --page-token "));
  EXPECT_THAT(Ok({"decision-log", "--page-size", "1", "--all"}).out, HasSubstr("2 decisions\n"));

  EXPECT_EQ(Run({"decision-log", "--version", "nope"}).code, kExitBadInput);
  EXPECT_EQ(Run({"decision-log"}, testing::kReaderToken).code, kExitDenied);
}

TEST_F(RemoteCommandsTest, CustomersUpsertGetListDelete) {
  CliOutput created = Ok({"customers", "upsert", "--customer", kZhangSan});
  EXPECT_THAT(created.out, HasSubstr("created customer c-1\n"));
  EXPECT_THAT(created.out, ContainsRegex("  name +张三\n"));
  EXPECT_THAT(created.out, ContainsRegex("  consumption +low\n"));
  // A generated key is shown, so that the write can be retried with it.
  EXPECT_THAT(created.out, ContainsRegex("key: cli-[0-9a-f]{32}  \\(generated; to retry this "
                                         "write, add --key cli-[0-9a-f]{32}\\)\n"));

  CliOutput updated =
      Ok({"customers", "upsert", "--customer", R"({"id": "c-1", "name": "张三丰", "年龄": 26, "consumption": "low", "channel": "online"})",
          "--key", "k-update", "--json"});
  json stored = updated.Json();
  EXPECT_EQ(stored["created"], false);
  EXPECT_EQ(stored["customer"]["name"], "张三丰");
  EXPECT_EQ(stored["customer"]["age"], "26");  // int64 is a string in proto3 JSON
  EXPECT_THAT(updated.err, IsEmpty());          // the key was given: nothing to note

  CliOutput get = Ok({"customers", "get", "c-1"});
  EXPECT_THAT(get.out, ContainsRegex("^id +c-1\n"));
  EXPECT_THAT(get.out, ContainsRegex("\nage +26\n"));
  EXPECT_THAT(get.out, ContainsRegex("\ntier +普通会员\n"));
  EXPECT_EQ(Ok({"customers", "get", "c-1", "--json"}).Json()["customer"]["name"], "张三丰");

  Ok({"customers", "upsert", "--customer", kLiSi});
  CliOutput list = Ok({"customers", "list"});
  EXPECT_THAT(list.out, ContainsRegex("^ID +NAME +AGE +CONSUMPTION +CHANNEL +SATISFACTION +POINTS +TIER\n"));
  EXPECT_THAT(list.out, ContainsRegex("\nc-1 +张三丰 +26 +low +online "));
  EXPECT_THAT(list.out, ContainsRegex("\nc-2 +李四 +45 +high +offline "));
  EXPECT_THAT(list.out, HasSubstr("\n2 customers\n"));

  // One per page: the first page says how to go on; --all follows.
  CliOutput page = Ok({"customers", "list", "--page-size", "1"});
  EXPECT_THAT(page.out, HasSubstr("1 customer\nmore: add --page-token "));
  std::vector<json> pages = Ok({"customers", "list", "--page-size", "1", "--all", "--json"}).JsonLines();
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0]["customers"][0]["id"], "c-1");
  EXPECT_EQ(pages[1]["customers"][0]["id"], "c-2");
  EXPECT_EQ(pages[1]["next_page_token"], "");
  CliOutput second = Ok({"customers", "list", "--page-size", "1", "--page-token",
                         pages[0]["next_page_token"].get<std::string>()});
  EXPECT_THAT(second.out, HasSubstr("c-2"));
  EXPECT_THAT(second.out, Not(HasSubstr("c-1")));

  CliOutput segment = Ok({"customers", "list", "--segment", "life_stage=中年高收入群体", "--json"});
  ASSERT_EQ(segment.Json()["customers"].size(), 1u);
  EXPECT_EQ(segment.Json()["customers"][0]["id"], "c-2");

  CliOutput deleted = Ok({"customers", "delete", "c-1", "--key", "k-del"});
  EXPECT_THAT(deleted.out, HasSubstr("deleted customer c-1"));
  EXPECT_THAT(deleted.out, HasSubstr("key: k-del\n"));
  CliOutput gone = Run({"customers", "get", "c-1"});
  EXPECT_EQ(gone.code, kExitNotFound);
  EXPECT_EQ(gone.err, "error: NOT_FOUND: customer 'c-1' not found\n");
  EXPECT_THAT(gone.out, IsEmpty());
  EXPECT_EQ(Run({"customers", "delete", "c-1"}).code, kExitNotFound);
}

TEST_F(RemoteCommandsTest, RetryWithTheKeyAndKeyReuseIsAConflict) {
  CliOutput first = Ok({"customers", "upsert", "--customer", kZhangSan, "--key", "k-1"});
  CliOutput retry = Ok({"customers", "upsert", "--customer", kZhangSan, "--key", "k-1"});
  EXPECT_EQ(retry.out, first.out);
  EXPECT_THAT(retry.out, HasSubstr("created customer c-1"));  // the first answer

  CliOutput reused = Run({"customers", "upsert", "--customer", kLiSi, "--key", "k-1"});
  EXPECT_EQ(reused.code, kExitConflict);
  EXPECT_THAT(reused.err, HasSubstr("error: ALREADY_EXISTS: "));
  // The reason from the error details, so that a script need not parse
  // the message.
  EXPECT_THAT(reused.err, HasSubstr("\n  reason: IDEMPOTENCY_KEY_REUSED\n"));
  EXPECT_EQ(Run({"customers", "get", "c-2"}).code, kExitNotFound);
}

TEST_F(RemoteCommandsTest, UpsertWithAnUpdateMaskChangesOnlyTheFieldsNamed) {
  AddCustomers();
  Ok({"customers", "upsert", "--customer", R"({"id": "c-1", "name": "张三丰", "age": 99})",
      "--update-mask", "name"});
  json got = Ok({"customers", "get", "c-1", "--json"}).Json();
  EXPECT_EQ(got["customer"]["name"], "张三丰");
  EXPECT_EQ(got["customer"]["age"], "25");
  EXPECT_EQ(got["customer"]["consumption"], "low");

  CliOutput bad = Run({"customers", "upsert", "--customer", R"({"id": "c-1"})", "--update-mask",
                       "points"});
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_THAT(bad.err, HasSubstr("update_mask.paths: 'points' is maintained by the server"));
}

TEST_F(RemoteCommandsTest, BadInputIsExitTwoWithTheProblemNamed) {
  CliOutput bad_age =
      Run({"customers", "upsert", "--customer", R"({"id": "c-9", "age": 200})"});
  EXPECT_EQ(bad_age.code, kExitBadInput);
  EXPECT_THAT(bad_age.err, HasSubstr("error: INVALID_ARGUMENT: customer.age"));

  CliOutput not_json = Run({"customers", "upsert", "--customer", "{\"id\": "});
  EXPECT_EQ(not_json.code, kExitBadInput);
  EXPECT_THAT(not_json.err, HasSubstr("error: --customer: the customer is not valid JSON"));

  CliOutput unknown_field = Run({"evaluate", "--customer", R"({"id": "x", "agee": 3})"});
  EXPECT_EQ(unknown_field.code, kExitBadInput);
  EXPECT_THAT(unknown_field.err, HasSubstr("did you mean 'age'"));

  EXPECT_EQ(Run({"customers", "get"}).code, kExitBadInput);  // ID missing
  EXPECT_EQ(Run({"customers", "frobnicate"}).code, kExitBadInput);
  EXPECT_EQ(Run({"evaluate"}).code, kExitBadInput);  // neither --customer-id nor --customer
  EXPECT_EQ(Run({"customers", "list", "--segment", "life_stage"}).code, kExitBadInput);
  EXPECT_EQ(Run({"products", "upsert", "产品A", "-a", "价格"}).code, kExitBadInput);
  CliOutput dimension = Run({"customers", "list", "--segment", "nope=x"});
  EXPECT_EQ(dimension.code, kExitBadInput);
  EXPECT_THAT(dimension.err, HasSubstr("'nope' is not a dimension of the rules"));
}

TEST_F(RemoteCommandsTest, ServerDownOrTooSlowIsExitFive) {
  // Port 1 (tcpmux) has no listener here, and only root could open one.
  CliOutput down = RunCommand({"customers", "get", "c-1", "--server", "127.0.0.1:1"});
  EXPECT_EQ(down.code, kExitServerError);
  EXPECT_THAT(down.err, HasSubstr("error: UNAVAILABLE: "));
  EXPECT_THAT(down.err, HasSubstr("is clienteled running at 127.0.0.1:1?"));

  CliOutput ping = RunCommand({"ping", "--server", "127.0.0.1:1"});
  EXPECT_EQ(ping.code, kExitServerError);
  EXPECT_THAT(ping.err, HasSubstr("error: UNAVAILABLE: "));

  // A write whose outcome is unknown shows the key to retry with.
  CliOutput write = RunCommand({"events", "interaction", "--customer-id", "c-1", "--text", "好评",
                                "--server", "127.0.0.1:1"});
  EXPECT_EQ(write.code, kExitServerError);
  EXPECT_THAT(write.err, ContainsRegex("key: cli-[0-9a-f]{32}"));

  // A server that accepts the connection and never answers. (A deadline of
  // a microsecond on the real server was not reliable: gRPC keeps
  // deadlines to the millisecond, and a call on 127.0.0.1 can finish in
  // less.)
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(silent, 16), 0);
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string silent_server = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  CliOutput slow =
      RunCommand({"reports", "segments", "--timeout", "0.3", "--server", silent_server});
  ::close(silent);
  EXPECT_EQ(slow.code, kExitServerError);
  EXPECT_THAT(slow.err, HasSubstr("error: DEADLINE_EXCEEDED: "));
  EXPECT_THAT(slow.err, HasSubstr("--timeout SECONDS allows more"));
}

TEST_F(RemoteCommandsTest, ServerAndTokenComeFromTheEnvironmentWhenNotGiven) {
  const char* saved = std::getenv("CLIENTELE_SERVER");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("CLIENTELE_SERVER", server_.address().c_str(), 1);
  ::setenv("CLIENTELE_TOKEN", testing::kReaderToken, 1);
  CliOutput ping = RunCommand({"ping"});
  ::unsetenv("CLIENTELE_SERVER");
  ::unsetenv("CLIENTELE_TOKEN");
  // Without it: config/server.yaml's listen address.
  EXPECT_EQ(DefaultServer(), "127.0.0.1:50051");
  if (saved != nullptr) ::setenv("CLIENTELE_SERVER", previous.c_str(), 1);
  EXPECT_EQ(ping.code, kExitOk) << ping.err;
  EXPECT_THAT(ping.out, HasSubstr("pong from " + server_.address()));
}

TEST_F(RemoteCommandsTest, PurchaseInteractionReturnAndLedger) {
  AddCustomers();
  CliOutput purchase = Ok({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-1",
                           "--amount", "600", "--product", "产品A", "--key", "k-p1"});
  EXPECT_THAT(purchase.out, HasSubstr("recorded purchase p-1 of customer c-1\n"));
  EXPECT_THAT(purchase.out, ContainsRegex("points earned +\\+100 \\(rule big_purchase\\)\n"));
  EXPECT_THAT(purchase.out, ContainsRegex("points balance +100\n"));
  EXPECT_THAT(purchase.out, ContainsRegex("tier +普通会员\n"));

  json medium = Ok({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-2",
                    "--amount", "300", "--channel", "online", "--json"})
                    .Json();
  EXPECT_EQ(medium["points_earned"], "50");
  EXPECT_EQ(medium["earning_rule_id"], "medium_purchase");

  // The same purchase id under another key is a conflict; unknown ones are not found.
  CliOutput again = Run({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-1",
                         "--amount", "600"});
  EXPECT_EQ(again.code, kExitConflict);
  EXPECT_THAT(again.err, HasSubstr("error: ALREADY_EXISTS: "));
  EXPECT_EQ(Run({"events", "purchase", "--customer-id", "nobody", "--purchase-id", "p-9",
                 "--amount", "1"})
                .code,
            kExitNotFound);
  EXPECT_EQ(Run({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-8",
                 "--amount", "-5"})
                .code,
            kExitBadInput);

  CliOutput review = Ok({"events", "interaction", "--customer-id", "c-1", "--text", "好评"});
  EXPECT_THAT(review.out, HasSubstr("recorded interaction of customer c-1\n"));
  EXPECT_THAT(review.out, ContainsRegex("rule +positive_review\n"));
  EXPECT_THAT(review.out, ContainsRegex("satisfaction +4(\\.0+)? -> 4\\.10?\n"));
  EXPECT_THAT(review.out, ContainsRegex("interactions +1\n"));

  CliOutput taken_back = Ok({"events", "return", "p-1", "--kind", "cancellation"});
  EXPECT_THAT(taken_back.out, HasSubstr("took back purchase p-1 of customer c-1 (cancellation)"));
  EXPECT_THAT(taken_back.out, ContainsRegex("points reversed +100\n"));
  EXPECT_THAT(taken_back.out, ContainsRegex("points balance +50\n"));
  CliOutput twice = Run({"events", "return", "p-1"});
  EXPECT_EQ(twice.code, kExitConflict);
  EXPECT_THAT(twice.err, HasSubstr("error: FAILED_PRECONDITION: "));
  EXPECT_EQ(Run({"events", "return", "p-404"}).code, kExitNotFound);
  EXPECT_EQ(Run({"events", "return", "p-2", "--kind", "refund"}).code, kExitBadInput);

  CliOutput ledger = Ok({"reports", "ledger", "c-1"});
  EXPECT_THAT(ledger.out, HasSubstr("points ledger of customer c-1: balance 50\n"));
  EXPECT_THAT(ledger.out, ContainsRegex("ENTRY +RECORDED +POINTS +BALANCE +REASON"));
  EXPECT_THAT(ledger.out, ContainsRegex("\\+100 +100 +purchase +big_purchase +purchase:p-1"));
  EXPECT_THAT(ledger.out, ContainsRegex("-100 +50 +cancellation"));
  json ledger_json = Ok({"reports", "ledger", "c-1", "--json"}).Json();
  EXPECT_EQ(ledger_json["entries"].size(), 3u);
  EXPECT_EQ(ledger_json["balance"], "50");
  std::vector<json> pages = Ok({"reports", "ledger", "c-1", "--page-size", "2", "--all", "--json"}).JsonLines();
  EXPECT_EQ(pages.size(), 2u);
  EXPECT_EQ(Run({"reports", "ledger", "nobody"}).code, kExitNotFound);
}

TEST_F(RemoteCommandsTest, FeedbackProductsAndImprovementActions) {
  AddCustomers();
  CliOutput product = Ok({"products", "upsert", "产品A", "-a", "功能=基础功能", "--attribute",
                          "价格=100", "-a", "售后服务=正常工作时间客服"});
  EXPECT_THAT(product.out, HasSubstr("created product 产品A"));
  EXPECT_THAT(product.out, ContainsRegex("  价格 +100\n"));
  CliOutput get = Ok({"products", "get", "产品A"});
  EXPECT_THAT(get.out, ContainsRegex("  售后服务 +正常工作时间客服\n"));
  EXPECT_EQ(Ok({"products", "get", "产品A", "--json"}).Json()["product"]["attributes"]["价格"], "100");
  EXPECT_EQ(Run({"products", "get", "产品Z"}).code, kExitNotFound);

  CliOutput feedback = Ok({"events", "feedback", "--product", "产品A", "--text",
                           "功能更强大,价格更优惠", "--customer-id", "c-1", "--source", "问卷调查",
                           "--satisfaction", "4.5", "--date", "2026-10-03"});
  EXPECT_THAT(feedback.out, ContainsRegex("recorded feedback [0-9]+ about 产品A"));
  EXPECT_THAT(feedback.out, ContainsRegex("ACTION +RULE +PROPOSES +CHANGE +KEYWORDS"));
  EXPECT_THAT(feedback.out, ContainsRegex("better_price +价格下调10元 +add -10 to 价格 +价格更优惠"));
  json second = Ok({"events", "feedback", "--product", "产品A", "--text", "价格更优惠", "--source",
                    "phone", "--satisfaction", "3.8", "--date", "2026-11-02", "--json"})
                    .Json();
  ASSERT_EQ(second["action_ids"].size(), 1u);
  const std::string price_action = second["action_ids"][0].get<std::string>();

  CliOutput list = Ok({"improvements", "list", "--product", "产品A", "--status", "proposed"});
  EXPECT_THAT(list.out, ContainsRegex("ID +PRODUCT +ACTION +CHANGE +STATUS +FEEDBACK +KEYWORDS"));
  EXPECT_THAT(list.out, ContainsRegex(price_action + " +产品A +价格下调10元 +add -10 to 价格 +proposed +2 +"
                                      "价格更优惠×2 +2026-11-02\n"));
  EXPECT_THAT(list.out, HasSubstr("\n2 actions\n"));
  json actions = Ok({"improvements", "list", "--json"}).Json();
  ASSERT_EQ(actions["actions"].size(), 2u);
  std::string features_action;
  for (const json& a : actions["actions"]) {
    if (a["rule_id"] == "stronger_features") features_action = a["action_id"].get<std::string>();
  }
  ASSERT_FALSE(features_action.empty());

  CliOutput applied = Ok({"improvements", "apply", price_action, "--actor", "李经理", "--note",
                          "from the survey", "--key", "k-apply"});
  EXPECT_THAT(applied.out, HasSubstr("applied action " + price_action + " (价格下调10元) to 产品A\n"));
  EXPECT_THAT(applied.out, ContainsRegex("decided by +李经理\n"));
  EXPECT_THAT(applied.out, ContainsRegex("ATTRIBUTE +BEFORE +AFTER\n +价格 +100 +90\n"));
  CliOutput again = Run({"improvements", "apply", price_action, "--actor", "王经理"});
  EXPECT_EQ(again.code, kExitConflict);
  EXPECT_THAT(again.err, HasSubstr("error: FAILED_PRECONDITION: "));
  EXPECT_EQ(Run({"improvements", "dismiss", "9999", "--actor", "王经理"}).code, kExitNotFound);

  json dismissed = Ok({"improvements", "dismiss", features_action, "--actor", "王经理", "--json"}).Json();
  EXPECT_EQ(dismissed["action"]["status"], "dismissed");
  EXPECT_EQ(dismissed["action"]["decided_by"], "王经理");
  EXPECT_EQ(Ok({"products", "get", "产品A", "--json"}).Json()["product"]["attributes"]["功能"],
            "基础功能");

  CliOutput report = Ok({"reports", "feedback", "--product", "产品A"});
  EXPECT_THAT(report.out, ContainsRegex("PRODUCT +FEEDBACK +RATED +SATISFACTION +EXPECTATIONS"));
  EXPECT_THAT(report.out, ContainsRegex("产品A +2 +2 +4\\.15 +价格更优惠 \\(2\\), 功能更强大 \\(1\\)"));
  EXPECT_THAT(report.out, ContainsRegex("trend by month:\n +PRODUCT +MONTH.*\n +产品A +2026-10 +1 +4\\.5"));
  json report_json = Ok({"reports", "feedback", "--json", "--top", "1"}).Json();
  ASSERT_EQ(report_json["products"].size(), 1u);
  EXPECT_EQ(report_json["products"][0]["expectations"].size(), 1u);
}

TEST_F(RemoteCommandsTest, ExplainSaysInPlainWordsWhyEachRuleMatchedOrNot) {
  AddCustomers();
  CliOutput explained = Ok({"explain", "--customer", "c-1", "--today", "2026-11-24"});
  EXPECT_THAT(explained.out, ContainsRegex("^customer c-1  \\[ruleset [0-9a-f]{12}\\]\n"));
  EXPECT_THAT(explained.out, HasSubstr("    segmentation life_stage → 年轻低收入群体\n"
                                       "      ✓ young_low_income: age < young_age_limit and "
                                       "consumption == \"low\"\n"
                                       "          ✓ age is 25, less than young_age_limit (40)\n"
                                       "          ✓ consumption is \"low\"\n"));
  EXPECT_THAT(explained.out, HasSubstr("      · young_mid_income: not checked: rule "
                                       "'young_low_income' matched first\n"));
  EXPECT_THAT(explained.out, ContainsRegex("✗ purchase_frequency is [0-9]+, needs more than "
                                           "high_value_min_frequency \\(10\\)"));

  json as_json = Ok({"explain", "--customer", "c-1", "--json"}).Json();
  bool saw_reason = false;
  for (const json& rule : as_json["decision"]["explanation"]) {
    for (const json& check : rule["checks"]) saw_reason |= check.contains("reason");
  }
  EXPECT_TRUE(saw_reason);

  CliOutput inline_customer = Ok({"explain", "--customer-json", R"({"id": "x", "年龄": 65})"});
  EXPECT_THAT(inline_customer.out, HasSubstr("✗ age is 65, needs less than young_age_limit (40)"));
  EXPECT_EQ(Run({"explain", "--customer", "nobody"}).code, kExitNotFound);
  EXPECT_EQ(Run({"explain"}).code, kExitBadInput);
  CliOutput bad_json = Run({"explain", "--customer-json", "{not json"});
  EXPECT_EQ(bad_json.code, kExitBadInput);
  EXPECT_THAT(bad_json.err, HasSubstr("--customer-json"));
}

// The default ruleset with some of its parameters changed, in a
// directory of its own.
void WriteCandidate(const testing::RulesDirectory& dir,
                    const std::vector<std::pair<std::string, std::string>>& replacements) {
  const absl::StatusOr<std::vector<std::filesystem::path>> paths =
      rules::RuleSet::RuleFilePaths(std::string(CLIENTELE_SOURCE_DIR) + "/config/rules");
  ASSERT_TRUE(paths.ok()) << paths.status();
  for (const std::filesystem::path& path : *paths) {
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [from, to] : replacements) {
      if (size_t at = content.find(from); at != std::string::npos) content.replace(at, from.size(), to);
    }
    dir.WriteInPlace(path.filename().string(), content);
  }
}

TEST_F(RemoteCommandsTest, SimulateShowsMovesOffersAndPointsWithoutChangingAnything) {
  AddCustomers();  // c-1 25 低 (年轻低收入群体, 满100减20), c-2 45 高
  Ok({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-1", "--amount", "450",
      "--date", "2026-11-20", "--key", "k-sim-p1"});
  testing::RulesDirectory candidate;
  WriteCandidate(candidate, {{"young_age_limit: 40", "young_age_limit: 20"},
                             {"big_purchase_amount: 500", "big_purchase_amount: 400"}});
  const std::string dir = candidate.path().string();

  // The candidate's own tests run first: they expected the old limits.
  CliOutput refused = Run({"rules", "simulate", dir, "--show", "5", "--today", "2026-11-24"});
  EXPECT_EQ(refused.code, kExitRuleErrors);
  EXPECT_THAT(refused.out, ContainsRegex("^" + dir + "/tests.yaml:10:30: error: test '[^']*' failed: "
                                         "segments.life_stage: expected 年轻低收入群体, got 其他"));
  EXPECT_THAT(refused.out, HasSubstr("the candidate's tests: 23 passed, 2 failed - publishing it "
                                     "would be refused\ncandidate "));
  // Without tests, the simulation alone.
  candidate.Remove("tests.yaml");
  CliOutput text = Ok({"rules", "simulate", dir, "--show", "5", "--today", "2026-11-24"});
  EXPECT_THAT(text.out, ContainsRegex("^candidate [0-9a-f]{12} \\(directory .*\\) against serving "
                                      "[0-9a-f]{12}\n2 stored customers evaluated as of 2026-11-24"));
  EXPECT_THAT(text.out, HasSubstr("  life_stage: 1 of 2 customers move\n"));
  EXPECT_THAT(text.out, ContainsRegex("    年轻低收入群体 +→ 其他 +1 +e\\.g\\. c-1\n"));
  EXPECT_THAT(text.out, HasSubstr("  age_band: no customer moves\n"));
  EXPECT_THAT(text.out, HasSubstr("  offers, by the customers who have them:\n"
                                  "    满100减20  1 loses it (e.g. c-1)\n"));
  EXPECT_THAT(text.out, HasSubstr("points, replaying the purchases of 2026-10-26 to 2026-11-24: 1 purchase\n"));
  EXPECT_THAT(text.out, HasSubstr("serving 50 points, candidate 100 (+50, +100.0 %); 1 customer would get other points, e.g. c-1"));

  json as_json = Ok({"rules", "simulate", dir, "--today", "2026-11-24", "--json"}).Json();
  EXPECT_EQ(as_json["customers"], "2");
  EXPECT_EQ(as_json["points"]["serving_points"], "50");
  EXPECT_EQ(as_json["points"]["candidate_points"], "100");
  EXPECT_EQ(as_json["dimensions"][0]["dimension"], "life_stage");
  EXPECT_EQ(as_json["dimensions"][0]["customers_moved"], "1");
  EXPECT_TRUE(as_json["dimensions"][0]["movements"][0]["examples"].empty()) << "no --show";
  // A period without purchases replays none.
  json quiet = Ok({"rules", "simulate", dir, "--purchases-from", "2026-01-01", "--purchases-to",
                   "2026-01-31", "--json"})
                   .Json();
  EXPECT_EQ(quiet["points"]["purchases"], "0");

  // Nothing was swapped in or written.
  EXPECT_THAT(Ok({"evaluate", "--customer-id", "c-1"}).out, HasSubstr("年轻低收入群体"));
  EXPECT_THAT(Ok({"rules", "versions"}).out, HasSubstr("1 versions\n"));

  // The served version against itself: nobody moves.
  const std::string served = Ok({"ruleset", "--json"}).Json()["version"];
  CliOutput same = Ok({"rules", "simulate", served});
  EXPECT_THAT(same.out, HasSubstr("  life_stage: no customer moves\n"));

  // Bad input changes nothing and says why.
  candidate.WriteInPlace("segments.yaml", "kind: segmentation\ndimensions:\n  - id: x\n    rules: 3\n");
  CliOutput broken = Run({"rules", "simulate", dir});
  EXPECT_EQ(broken.code, kExitRuleErrors);
  // Files named as rules validate names them: with the directory.
  EXPECT_THAT(broken.err, HasSubstr(dir + "/segments.yaml:4:"));
  EXPECT_EQ(Run({"rules", "simulate", "nothere"}).code, kExitBadInput);
  EXPECT_EQ(Run({"rules", "simulate", "abcdef12"}).code, kExitNotFound);
  EXPECT_EQ(Run({"rules", "simulate", served, "--show", "101"}).code, kExitBadInput);
  CliOutput backwards = Run({"rules", "simulate", served, "--purchases-from", "2026-11-02",
                             "--purchases-to", "2026-11-01"});
  EXPECT_EQ(backwards.code, kExitBadInput);
  EXPECT_THAT(backwards.err, HasSubstr("purchases_to"));
}

TEST_F(RemoteCommandsTest, EvaluateStoredInlineAndMany) {
  AddCustomers();
  CliOutput stored = Ok({"evaluate", "--customer-id", "c-1", "--today", "2026-11-24"});
  EXPECT_THAT(stored.out, ContainsRegex("^customer c-1  \\[ruleset [0-9a-f]{12}\\]\n"));
  EXPECT_THAT(stored.out, ContainsRegex("    life_stage +年轻低收入群体 +\\(rule young_low_income\\)\n"));
  EXPECT_THAT(stored.out, HasSubstr("  offer:    满100减20"));
  EXPECT_THAT(stored.out, HasSubstr("  tier:     普通会员\n"));
  EXPECT_THAT(stored.out, Not(HasSubstr("why:")));

  CliOutput inline_customer =
      Ok({"evaluate", "--customer", R"({"id": "x", "年龄": 45, "消费能力": "高"})", "--explain"});
  EXPECT_THAT(inline_customer.out, ContainsRegex("life_stage +中年高收入群体"));
  EXPECT_THAT(inline_customer.out, HasSubstr("  why:\n"));
  EXPECT_THAT(inline_customer.out, HasSubstr("✗ young_low_income"));
  EXPECT_THAT(inline_customer.out,
              HasSubstr("✗ age is 45, needs less than young_age_limit (40)"));
  json explained = Ok({"evaluate", "--customer-id", "c-2", "--explain", "--json"}).Json();
  EXPECT_EQ(explained["decision"]["customer_id"], "c-2");
  EXPECT_FALSE(explained["decision"]["explanation"].empty());
  EXPECT_EQ(Run({"evaluate", "--customer-id", "nobody"}).code, kExitNotFound);
  EXPECT_EQ(Run({"evaluate", "--customer-id", "c-1", "--today", "2026-13-01"}).code, kExitBadInput);

  CliOutput many = Ok({"evaluate-many"});
  EXPECT_THAT(many.out, ContainsRegex("^CUSTOMER +life_stage +purchase_behavior +age_band"));
  EXPECT_THAT(many.out, ContainsRegex("\nc-1 +年轻低收入群体 "));
  EXPECT_THAT(many.out, ContainsRegex("\nc-2 +中年高收入群体 "));
  EXPECT_THAT(many.out, ContainsRegex("\n2 customers evaluated  \\[ruleset [0-9a-f]{12}\\]\n$"));
  std::vector<json> lines = Ok({"evaluate-many", "--json"}).JsonLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["decision"]["customer_id"], "c-2");
  std::vector<json> segment =
      Ok({"evaluate-many", "--segment", "life_stage=年轻低收入群体", "--json"}).JsonLines();
  ASSERT_EQ(segment.size(), 1u);
  EXPECT_EQ(segment[0]["decision"]["customer_id"], "c-1");
  std::vector<json> ids = Ok({"evaluate-many", "--ids", "c-2,nobody", "--json"}).JsonLines();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0]["decision"]["customer_id"], "c-2");
  EXPECT_EQ(Ok({"evaluate-many", "--limit", "1", "--json"}).JsonLines().size(), 1u);
  EXPECT_THAT(Ok({"evaluate-many", "--ids", "c-1", "--explain"}).out, HasSubstr("  why:\n"));
  EXPECT_EQ(Run({"evaluate-many", "--segment", "nope=x"}).code, kExitBadInput);
  EXPECT_EQ(Run({"evaluate-many", "--ids", "c-1", "--segment", "life_stage=x"}).code,
            kExitBadInput);
}

TEST_F(RemoteCommandsTest, SegmentSizes) {
  AddCustomers();
  CliOutput sizes = Ok({"reports", "segments"});
  EXPECT_THAT(sizes.out, ContainsRegex("^segment sizes of 2 customers  \\[ruleset [0-9a-f]{12}\\]\n"));
  EXPECT_THAT(sizes.out, ContainsRegex("DIMENSION +SEGMENT +CUSTOMERS +SHARE\n"));
  EXPECT_THAT(sizes.out, ContainsRegex("life_stage +(年轻低收入群体|中年高收入群体) +1 +50%\n"));
  json one = Ok({"reports", "segments", "--dimension", "age_band", "--json"}).Json();
  ASSERT_EQ(one["dimensions"].size(), 1u);
  EXPECT_EQ(one["dimensions"][0]["dimension"], "age_band");
  EXPECT_EQ(one["customers"], "2");
  EXPECT_EQ(Run({"reports", "segments", "--dimension", "nope"}).code, kExitBadInput);
}

}  // namespace
}  // namespace clientele::client
