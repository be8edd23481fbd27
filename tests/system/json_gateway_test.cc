// The JSON gateway (server/gateway/json_gateway.h) from outside: a real
// clienteled with http_listen, called with cpp-httplib's client as curl
// or a backend without gRPC would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "clientele/v1/customers.pb.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;

constexpr char kJson[] = "application/json";

class JsonGatewayTest : public ServerTest {
 protected:
  void SetUp() override {
    // 64 KiB messages: a body over 128 KiB is refused. Four threads: two
    // streams at once.
    ASSERT_NO_FATAL_FAILURE(
        StartServer("http_listen: 127.0.0.1:0\nhttp_threads: 4\nmax_message_bytes: 65536\n"));
    ASSERT_FALSE(server_.http_address().empty());
  }

  httplib::Client Client() const {
    httplib::Client client("http://" + server_.http_address());
    client.set_read_timeout(20, 0);
    return client;
  }

  // POSTs `body` as JSON to `path` with `token` ("" none).
  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token = testing::kAdminToken,
                       httplib::Headers headers = {}) const {
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return Client().Post(path, headers, body, kJson);
  }

  // The body of an answer as JSON (null when it is not JSON).
  static Json Body(const httplib::Result& result) {
    return Json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  }
};

TEST_F(JsonGatewayTest, AUnaryCallTakesAndAnswersProtobufJson) {
  const auto upserted = Post("/clientele.v1.Customers/UpsertCustomer",
                             R"({"idempotency_key": "http-1",
                                 "customer": {"id": "c-http", "name": "李雷", "age": 34,
                                              "birthday": "1992-03-04"}})",
                             testing::kWriterToken);
  ASSERT_TRUE(upserted);
  EXPECT_EQ(upserted->status, 200) << upserted->body;
  EXPECT_THAT(upserted->get_header_value("Content-Type"), StartsWith(kJson));

  const auto got = Post("/clientele.v1.Customers/GetCustomer", R"({"customer_id": "c-http"})",
                        testing::kReaderToken);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  const Json customer = Body(got)["customer"];
  EXPECT_EQ(customer["name"], "李雷");  // UTF-8 as it is, not \u escapes
  EXPECT_THAT(got->body, HasSubstr("李雷"));
  EXPECT_EQ(customer["age"], "34");
  // The CLI's --json: names as in the .proto, fields at zero printed too.
  EXPECT_EQ(customer["points"], "0");  // int64 is a string in protobuf's JSON
  EXPECT_TRUE(customer.contains("purchase_frequency"));

  // The same server behind both ports.
  EXPECT_EQ(Get("c-http").name(), "李雷");

  const auto ping = Post("/clientele.v1.Diagnostics/Ping", R"({"payload": "aGk="})");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);
  EXPECT_EQ(Body(ping)["payload"], "aGk=");  // bytes in base64, as the mapping says
  // No body at all is the empty request.
  const auto empty = Post("/clientele.v1.Diagnostics/Ping", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200) << empty->body;
}

TEST_F(JsonGatewayTest, AFailureIsAConnectErrorWithItsHttpStatusAndDetails) {
  const auto missing = Post("/clientele.v1.Customers/GetCustomer", R"({"customer_id": "nobody"})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Body(missing)["code"], "not_found");
  EXPECT_THAT(Body(missing)["message"].get<std::string>(), HasSubstr("nobody"));

  // The server's details (google.rpc.Status) come along, decoded.
  const auto bad = Post("/clientele.v1.Customers/UpsertCustomer",
                        R"({"idempotency_key": "http-2",
                            "customer": {"id": "c-2", "birthday": "1979-13-01"}})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  const Json error = Body(bad);
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("customer.birthday"));
  bool named_the_field = false;
  for (const Json& detail : error["details"]) {
    EXPECT_FALSE(detail["value"].get<std::string>().empty());
    if (detail["type"] == "google.rpc.BadRequest") {
      named_the_field = detail["debug"]["field_violations"][0]["field"] == "customer.birthday";
    }
  }
  EXPECT_TRUE(named_the_field) << bad->body;

  for (const auto& [token, status, code] :
       {std::tuple{std::string(), 401, "unauthenticated"},
        std::tuple{std::string("not-a-token"), 401, "unauthenticated"},
        std::tuple{std::string(testing::kReaderToken), 403, "permission_denied"}}) {
    const auto refused = Post("/clientele.v1.Customers/UpsertCustomer",
                              R"({"idempotency_key": "http-3", "customer": {"id": "c-3"}})", token);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, status) << token;
    EXPECT_EQ(Body(refused)["code"], code) << token;
  }
  // None of the refused writes happened.
  const auto absent = Post("/clientele.v1.Customers/GetCustomer", R"({"customer_id": "c-3"})");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404);
}

TEST_F(JsonGatewayTest, AMalformedRequestIsRefusedBeforeTheServerSeesIt) {
  struct Case {
    std::string body;
    std::string says;
  };
  for (const Case& bad :
       {Case{R"({"customer_idz": "c-1"})", "customer_idz"},
        Case{R"({"customer_id": {"nested": 1}})", "customer_id"},
        Case{R"({"customer_id": )", "GetCustomerRequest"}, Case{"[1, 2]", "GetCustomerRequest"},
        Case{"not json", "GetCustomerRequest"}}) {
    const auto answer = Post("/clientele.v1.Customers/GetCustomer", bad.body);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 400) << bad.body;
    EXPECT_EQ(Body(answer)["code"], "invalid_argument") << bad.body;
    EXPECT_THAT(Body(answer)["message"].get<std::string>(), HasSubstr(bad.says)) << bad.body;
  }
  const auto ints = Post("/clientele.v1.Decisions/EvaluateMany", R"({"limit": "many"})");
  ASSERT_TRUE(ints);
  EXPECT_EQ(ints->status, 400);
  EXPECT_THAT(Body(ints)["message"].get<std::string>(), HasSubstr("limit"));

  const auto timeout = Post("/clientele.v1.Diagnostics/Ping", "{}", testing::kAdminToken,
                            {{"Connect-Timeout-Ms", "soon"}});
  ASSERT_TRUE(timeout);
  EXPECT_EQ(timeout->status, 400);
  EXPECT_THAT(Body(timeout)["message"].get<std::string>(), HasSubstr("Connect-Timeout-Ms"));
}

TEST_F(JsonGatewayTest, OnlyMethodsOfTheApiAreServedAndOnlyAsJsonPosts) {
  httplib::Client client = Client();
  const httplib::Headers token = {{"Authorization", std::string("Bearer ") + testing::kAdminToken}};

  struct Case {
    std::string path;
    int status;
    std::string code;
    std::string says;
  };
  for (const Case& c :
       {Case{"/clientele.v1.Customers/GetCustomerz", 404, "not_found", "has no method"},
        Case{"/clientele.v1.Nothing/Get", 404, "not_found", "no service"},
        // Only our API: not gRPC's own services behind the same server.
        Case{"/grpc.health.v1.Health/Check", 404, "not_found", "no service"},
        Case{"/clientele.v1.Customers/GetCustomer/more", 404, "not_found", "no such path"},
        Case{"/", 404, "not_found", "no such path"},
        Case{"/clientele.v1.Customers/ImportCustomers", 501, "unimplemented", "over gRPC"}}) {
    const auto answer = client.Post(c.path, token, "{}", kJson);
    ASSERT_TRUE(answer) << c.path;
    EXPECT_EQ(answer->status, c.status) << c.path;
    EXPECT_EQ(Body(answer)["code"], c.code) << c.path;
    EXPECT_THAT(Body(answer)["message"].get<std::string>(), HasSubstr(c.says)) << c.path;
  }
  // A form, as a page of another site could post it, is not JSON.
  for (const char* type :
       {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data"}) {
    const auto form = client.Post("/clientele.v1.Diagnostics/Ping", token, "a=b", type);
    ASSERT_TRUE(form);
    // (httplib itself refuses a multipart body that does not parse.)
    EXPECT_TRUE(form->status == 415 || form->status == 400) << type << ": " << form->status;
    EXPECT_EQ(Body(form)["code"], "invalid_argument") << type;
  }
  const auto charset =
      client.Post("/clientele.v1.Diagnostics/Ping", token, "{}", "Application/JSON; charset=utf-8");
  ASSERT_TRUE(charset);
  EXPECT_EQ(charset->status, 200);
  const auto get = client.Get("/clientele.v1.Diagnostics/Ping", token);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");

  // Larger than twice max_message_bytes.
  const auto huge = client.Post("/clientele.v1.Diagnostics/Ping", token,
                                R"({"payload": ")" + std::string(200'000, 'A') + R"("})", kJson);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(Body(huge)["code"], "resource_exhausted");
}

TEST_F(JsonGatewayTest, NoAnswerMayBeCachedSniffedFramedOrReadByAnotherOrigin) {
  httplib::Client client = Client();
  const httplib::Headers headers = {
      {"Authorization", std::string("Bearer ") + testing::kAdminToken},
      {"Origin", "https://elsewhere.example"}};
  for (const std::string path : {"/clientele.v1.Diagnostics/Ping", "/clientele.v1.No/Such", "/"}) {
    const auto answer = client.Post(path, headers, "{}", kJson);
    ASSERT_TRUE(answer) << path;
    EXPECT_EQ(answer->get_header_value("Cache-Control"), "no-store") << path;
    EXPECT_EQ(answer->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_THAT(answer->get_header_value("Content-Security-Policy"),
                HasSubstr("frame-ancestors 'none'"))
        << path;
    EXPECT_FALSE(answer->has_header("Access-Control-Allow-Origin")) << path;
  }
  // A CORS preflight finds nothing that would let the browser go on.
  const auto preflight = client.Options(
      "/clientele.v1.Diagnostics/Ping",
      {{"Origin", "https://elsewhere.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Methods"));
  // The token is never logged, whichever port it came by.
  EXPECT_THAT(server_.ReadLog(), Not(HasSubstr(testing::kAdminToken)));
}

TEST_F(JsonGatewayTest, AServerStreamIsNewlineDelimitedJson) {
  v1::UpsertCustomerResponse upserted;
  for (const char* id : {"s-1", "s-2", "s-3"}) {
    v1::Customer customer;
    customer.set_id(id);
    customer.set_age(30);
    ASSERT_TRUE(Upsert(customer, std::string("k-") + id, &upserted).ok());
  }
  const auto stream = Post("/clientele.v1.Decisions/EvaluateMany",
                           R"({"customer_ids": {"ids": ["s-1", "s-2", "s-3"]}})");
  ASSERT_TRUE(stream);
  ASSERT_EQ(stream->status, 200) << stream->body;
  EXPECT_THAT(stream->get_header_value("Content-Type"), StartsWith("application/x-ndjson"));
  std::istringstream lines(stream->body);
  std::string line;
  std::set<std::string> evaluated;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;  // a keep-alive
    const Json message = Json::parse(line);
    ASSERT_TRUE(message.contains("result")) << line;
    evaluated.insert(message["result"]["decision"]["customer_id"].get<std::string>());
  }
  EXPECT_EQ(evaluated, (std::set<std::string>{"s-1", "s-2", "s-3"}));

  // Refused at once: the refusal's own status, not a 200 with an error line.
  const auto refused = Post("/clientele.v1.Decisions/EvaluateMany", "{}", "");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(Body(refused)["code"], "unauthenticated");
}

// Reads a stream of `path` by GET as an EventSource would, until the
// first event; returns what came (headers in *content_type).
std::string FirstEvent(httplib::Client& client, const std::string& path, std::string* content_type,
                       int* status) {
  std::string received;
  const auto answer = client.Get(
      path,
      {{"Authorization", std::string("Bearer ") + testing::kReaderToken},
       {"Accept", "text/event-stream"}},
      [&](const httplib::Response& response) {
        *content_type = response.get_header_value("Content-Type");
        *status = response.status;
        return true;
      },
      [&](const char* data, size_t length) {
        received.append(data, length);
        return received.find("\n\n") == std::string::npos;  // stop after one event
      });
  if (!answer && received.empty()) *status = -1;
  return received;
}

TEST_F(JsonGatewayTest, TheRulesetWatchIsAlsoServerSentEvents) {
  httplib::Client client = Client();
  std::string content_type;
  int status = 0;
  const std::string event =
      FirstEvent(client, "/clientele.v1.Rulesets/WatchRuleset", &content_type, &status);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(content_type, StartsWith("text/event-stream"));
  ASSERT_THAT(event, StartsWith("data: {"));
  const Json ruleset = Json::parse(event.substr(6, event.find("\n\n") - 6));
  EXPECT_TRUE(ruleset["serving"].get<bool>()) << event;
  EXPECT_EQ(ruleset["version"].get<std::string>().size(), 12u) << event;

  // The request in the query, as EventSource sends it: a bad one is
  // refused with its status before any event.
  httplib::Client other = Client();
  const auto bad = other.Get("/clientele.v1.Segments/WatchSegmentChanges?message=" +
                                 httplib::detail::encode_query_param(R"({"after_sequence": "-1"})"),
                             {{"Authorization", std::string("Bearer ") + testing::kReaderToken},
                              {"Accept", "text/event-stream"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_EQ(Body(bad)["code"], "invalid_argument");
}

TEST_F(JsonGatewayTest, StreamsAreCappedAndAClientThatLeftFreesItsStream) {
  // Two streams at once (http_threads: 4): two watches held open...
  std::vector<std::thread> watchers;
  std::atomic<int> open{0};
  std::atomic<bool> leave{false};
  for (int i = 0; i < 2; ++i) {
    watchers.emplace_back([&] {
      httplib::Client client = Client();
      client.Get("/clientele.v1.Rulesets/WatchRuleset",
                 {{"Authorization", std::string("Bearer ") + testing::kReaderToken}},
                 [&](const char*, size_t) {
                   ++open;
                   while (!leave) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                   return false;  // the client leaves
                 });
    });
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (open < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(open, 2);
  // ... a third is refused, and a unary call still goes through.
  const auto third = Post("/clientele.v1.Rulesets/WatchRuleset", "{}");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
  EXPECT_EQ(Body(third)["code"], "resource_exhausted");
  const auto ping = Post("/clientele.v1.Diagnostics/Ping", "{}");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);

  // Once the two clients have left, their streams end (at the latest when
  // a keep-alive finds them gone) and a new watch is served.
  leave = true;
  for (std::thread& watcher : watchers) watcher.join();
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    httplib::Client client = Client();
    std::string content_type;
    FirstEvent(client, "/clientele.v1.Rulesets/WatchRuleset", &content_type, &status);
    if (status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(JsonGatewayTest, StoppingEndsOpenStreamsAndSaysWhy) {
  std::string received;
  std::thread watcher([&] {
    httplib::Client client = Client();
    client.Get("/clientele.v1.Rulesets/WatchRuleset",
               {{"Authorization", std::string("Bearer ") + testing::kReaderToken}},
               [&](const char* data, size_t length) {
                 received.append(data, length);
                 return true;
               });
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (received.empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(StopServer(), 0);
  watcher.join();
  // Well within the grace period: the stream did not hold shutdown up.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  EXPECT_THAT(received, StartsWith("{\"result\":"));
  EXPECT_THAT(received, HasSubstr(R"({"error":)")) << received;
  EXPECT_THAT(received, HasSubstr("unavailable")) << received;
}

}  // namespace
}  // namespace clientele
