// The metrics: the exposition format checked line by line (by a small
// parser of the text format), the values the server's calls must produce,
// and the endpoint scraped over HTTP as Prometheus would.
#include "server/infra/metrics.h"

#include <httplib.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parses the text exposition format (0.0.4) strictly: HELP and TYPE once
// per family and before its samples; sample names of the family's type
// (_bucket/_sum/_count for histograms); label values quoted and escaped;
// values numbers. Histogram buckets must be cumulative and end in +Inf,
// which must equal _count. Returns the samples as "name{labels}" → value,
// or fails the test.
std::map<std::string, double> ParseExposition(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.e+]+|\+Inf))");
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  std::string family;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
      family = m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1], family) << "TYPE without its HELP: " << line;
      EXPECT_TRUE(types.emplace(m[1], m[2]).second) << "TYPE twice: " << line;
    } else if (std::regex_match(line, m, kSample)) {
      const std::string name = m[1];
      const std::string& type = types[family];
      if (type == "histogram") {
        EXPECT_TRUE(name == family + "_bucket" || name == family + "_sum" ||
                    name == family + "_count")
            << line;
      } else {
        EXPECT_EQ(name, family) << line;
      }
      EXPECT_TRUE(samples.emplace(name + m[2].str(), std::stod(m[4])).second) << "twice: " << line;
    } else {
      ADD_FAILURE() << "not exposition format: '" << line << "'";
    }
  }
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  return samples;
}

TEST(MetricsFormatTest, HistogramsAreCumulativeAndLabelsEscaped) {
  server::Metrics metrics;
  metrics.RecordCall("Evaluate", absl::StatusCode::kOk, std::chrono::microseconds(30));
  metrics.RecordCall("Evaluate", absl::StatusCode::kOk, std::chrono::microseconds(300));
  metrics.RecordCall("Evaluate", absl::StatusCode::kNotFound, std::chrono::seconds(20));
  metrics.RecordMatch("segment", "rule \"quoted\"\\back\nslash");
  metrics.RecordPoints(100);
  metrics.RecordPoints(-40);
  metrics.SetServedVersion("abc123");
  const std::string text = metrics.Render();
  std::map<std::string, double> samples = ParseExposition(text);
  EXPECT_EQ(samples[R"(clientele_rpc_total{method="Evaluate",code="OK"})"], 2);
  EXPECT_EQ(samples[R"(clientele_rpc_total{method="Evaluate",code="NOT_FOUND"})"], 1);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_bucket{method="Evaluate",le="5e-05"})"], 1);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_bucket{method="Evaluate",le="0.0005"})"], 2);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_bucket{method="Evaluate",le="10"})"], 2);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_bucket{method="Evaluate",le="+Inf"})"], 3);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_count{method="Evaluate"})"], 3);
  EXPECT_NEAR(samples[R"(clientele_rpc_duration_seconds_sum{method="Evaluate"})"], 20.00033, 1e-6);
  EXPECT_THAT(text, HasSubstr(R"(rule="rule \"quoted\"\\back\nslash"} 1)"));
  EXPECT_EQ(samples["clientele_points_awarded_total"], 100);
  EXPECT_EQ(samples["clientele_points_taken_back_total"], 40);
  EXPECT_EQ(samples[R"(clientele_ruleset_info{version="abc123"})"], 1);
}

class MetricsEndpointTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer("metrics_listen: 127.0.0.1:0\n"));
    ASSERT_FALSE(server_.metrics_address().empty());
  }

  httplib::Result Get(const std::string& path) {
    const size_t colon = server_.metrics_address().rfind(':');
    httplib::Client client(server_.metrics_address().substr(0, colon),
                           std::stoi(server_.metrics_address().substr(colon + 1)));
    client.set_read_timeout(10);
    return client.Get(path.c_str());
  }
};

TEST_F(MetricsEndpointTest, ScrapeShowsCallsRulesDatabaseAndPoints) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &upserted).ok());
  Evaluate("c-1");
  Evaluate("c-1");
  v1::RecordPurchaseResponse purchased;
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-p", &purchased).ok());
  // A retry is answered from its key: no points are awarded twice.
  ASSERT_TRUE(Purchase("c-1", "p-1", "600", "k-p", &purchased).ok());
  auto anonymous = v1::Decisions::NewStub(testing::TestChannel(server_.address(), ""));
  v1::EvaluateRequest request;
  request.set_customer_id("c-1");
  v1::EvaluateResponse response;
  EXPECT_EQ(Call(anonymous, &v1::Decisions::Stub::Evaluate, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  httplib::Result scraped = Get("/metrics");
  ASSERT_TRUE(scraped) << httplib::to_string(scraped.error());
  EXPECT_EQ(scraped->status, 200);
  EXPECT_THAT(scraped->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  std::map<std::string, double> samples = ParseExposition(scraped->body);

  EXPECT_EQ(samples[R"(clientele_rpc_total{method="Evaluate",code="OK"})"], 2);
  EXPECT_EQ(samples[R"(clientele_rpc_total{method="Evaluate",code="UNAUTHENTICATED"})"], 1);
  EXPECT_EQ(samples[R"(clientele_rpc_total{method="RecordPurchase",code="OK"})"], 2);
  EXPECT_EQ(samples[R"(clientele_rpc_duration_seconds_count{method="Evaluate"})"], 3);
  EXPECT_EQ(samples["clientele_ruleset_info{version=\"" + purchased.ruleset_version() + "\"}"], 1);
  EXPECT_EQ(samples[R"(clientele_ruleset_reloads_total{outcome="accepted"})"], 1);
  EXPECT_EQ(samples[R"(clientele_rule_matches_total{kind="earning",rule="big_purchase"})"], 1);
  // Two evaluations of 张三 (25, 低): each dimension's rule counted twice.
  EXPECT_EQ(samples[R"(clientele_rule_matches_total{kind="segment",rule="young_low_income"})"], 2);
  EXPECT_EQ(samples["clientele_points_awarded_total"], 100);
  EXPECT_GE(samples[R"(clientele_database_seconds_count{operation="commit"})"], 2);
  EXPECT_GE(samples[R"(clientele_database_seconds_count{operation="read"})"], 2);

  httplib::Result other = Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

}  // namespace
}  // namespace clientele
