// The JSON gateway (server/gateway/json_gateway.h) from outside: a real
// clienteled with http_listen, called with cpp-httplib's client as curl
// or a backend without gRPC would.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
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

// Follows a stream by GET on a thread of its own, keeping what comes;
// thread-safe. Join() waits for the stream to end.
class StreamFollower {
 public:
  StreamFollower(const std::string& origin, const std::string& path, httplib::Headers headers)
      : thread_([this, origin, path, headers = std::move(headers)] {
          httplib::Client client(origin);
          client.set_read_timeout(20, 0);
          client.Get(
              path, headers,
              [this](const httplib::Response& response) {
                std::lock_guard<std::mutex> lock(mutex_);
                status_ = response.status;
                return true;
              },
              [this](const char* data, size_t length) {
                std::lock_guard<std::mutex> lock(mutex_);
                received_.append(data, length);
                return true;
              });
        }) {}
  ~StreamFollower() { Join(); }

  // Waits up to 10 s until what came holds `text`; whether it does.
  bool WaitFor(const std::string& text) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (received().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  int status() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }

 private:
  mutable std::mutex mutex_;
  std::string received_;
  int status_ = 0;
  std::thread thread_;  // last: starts once the rest is there
};

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
  const int opened = open;
  // ... a third is refused, and a unary call still goes through.
  const auto third = Post("/clientele.v1.Rulesets/WatchRuleset", "{}");
  const auto ping = Post("/clientele.v1.Diagnostics/Ping", "{}");
  // Once the two clients have left, their streams end (at the latest when
  // a keep-alive finds them gone) and a new watch is served.
  leave = true;
  for (std::thread& watcher : watchers) watcher.join();
  ASSERT_EQ(opened, 2);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
  EXPECT_EQ(Body(third)["code"], "resource_exhausted");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);
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

// Sends `raw` (HTTP requests as bytes) to `address` and returns all that
// comes back until the server closes the connection or 3 s pass.
std::string RawAnswer(const std::string& address, const std::string& raw) {
  const size_t colon = address.rfind(':');
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  const timeval three{3, 0};
  setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &three, sizeof three);
  std::string answer;
  if (::connect(socket, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) == 0 &&
      ::send(socket, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size())) {
    char buffer[4096];
    for (ssize_t got; (got = ::recv(socket, buffer, sizeof buffer, 0)) > 0;) {
      answer.append(buffer, got);
    }
  }
  ::close(socket);
  return answer;
}

// The status line of RawAnswer.
std::string RawStatusLine(const std::string& address, const std::string& raw) {
  const std::string answer = RawAnswer(address, raw);
  return answer.substr(0, answer.find("\r\n"));
}

TEST_F(JsonGatewayTest, ABodyItCannotBoundIsRefusedBeforeItIsRead) {
  const std::string address = server_.http_address();
  const std::string head =
      "POST /clientele.v1.Diagnostics/Ping HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nAuthorization: Bearer " +
      std::string(testing::kAdminToken) + "\r\n";
  // No length: it would be read until the client closed.
  EXPECT_THAT(RawStatusLine(address, head + "\r\n{}"), HasSubstr(" 411 "));
  // Chunked, or compressed: sizes httplib does not hold to the limit.
  EXPECT_THAT(
      RawStatusLine(address, head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
      HasSubstr(" 411 "));
  EXPECT_THAT(
      RawStatusLine(address, head + "Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"),
      HasSubstr(" 415 "));
  EXPECT_THAT(RawStatusLine(address, head + "Content-Length: 999999999\r\n\r\n{}"),
              HasSubstr(" 413 "));
  // HEAD and the rest would otherwise reach the GET handlers.
  for (const char* method : {"HEAD", "PUT", "DELETE", "OPTIONS"}) {
    EXPECT_THAT(RawStatusLine(address, std::string(method) +
                                           " /clientele.v1.Rulesets/ReloadRuleset HTTP/1.1\r\n"
                                           "Host: x\r\nContent-Length: 0\r\n\r\n"),
                HasSubstr(" 405 "))
        << method;
  }
  // An empty body with its length is the empty request.
  EXPECT_THAT(RawStatusLine(address, head + "Connection: close\r\nContent-Length: 0\r\n\r\n"),
              HasSubstr(" 200 "));

  // A refused body is never read as the next request: the connection
  // ends after the refusal. (Here the body is a whole request of its own.)
  const std::string smuggled = "GET /console/session HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& refused :
       {head + "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(smuggled.size()) +
            "\r\n\r\n" + smuggled,
        "PUT /clientele.v1.Diagnostics/Ping HTTP/1.1\r\nHost: x\r\nContent-Length: " +
            std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled}) {
    const std::string answer = RawAnswer(address, refused);
    EXPECT_THAT(answer, HasSubstr("Connection: close"));
    size_t answers = 0;
    for (size_t at = answer.find("HTTP/1.1 "); at != std::string::npos;
         at = answer.find("HTTP/1.1 ", at + 1)) {
      ++answers;
    }
    EXPECT_EQ(answers, 1u) << answer;
  }
}

TEST_F(JsonGatewayTest, AnAuthorizationGrpcCannotCarryIsRefusedAndTheServerGoesOn) {
  for (const std::string& authorization :
       {std::string("Bearer %0A"), std::string("Bearer \x80\xff"),
        "Bearer " + std::string(5000, 'a')}) {
    const std::string raw =
        "POST /clientele.v1.Diagnostics/Ping HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nConnection: close\r\nAuthorization: " +
        authorization + "\r\nContent-Length: 2\r\n\r\n{}";
    EXPECT_THAT(RawStatusLine(server_.http_address(), raw), HasSubstr(" 401 "));
  }
  const auto ping = Post("/clientele.v1.Diagnostics/Ping", "{}");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);
}

TEST_F(JsonGatewayTest, EventsAreNeverCompressedForABrowserThatAcceptsGzip) {
  std::string received, encoding;
  Client().Get(
      "/clientele.v1.Rulesets/WatchRuleset",
      {{"Authorization", std::string("Bearer ") + testing::kReaderToken},
       {"Accept", "text/event-stream"},
       {"Accept-Encoding", "gzip, deflate, br"}},
      [&](const httplib::Response& response) {
        encoding = response.get_header_value("Content-Encoding");
        return true;
      },
      [&](const char* data, size_t length) {
        received.append(data, length);
        return received.find("\n\n") == std::string::npos;
      });
  EXPECT_EQ(encoding, "");
  EXPECT_THAT(received, StartsWith("data: {"));
}

TEST_F(JsonGatewayTest, StoppingEndsOpenStreamsAndSaysWhy) {
  StreamFollower watcher("http://" + server_.http_address(), "/clientele.v1.Rulesets/WatchRuleset",
                         {{"Authorization", std::string("Bearer ") + testing::kReaderToken}});
  ASSERT_TRUE(watcher.WaitFor("\n"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(StopServer(), 0);
  watcher.Join();
  // Well within the grace period: the stream did not hold shutdown up.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  const std::string received = watcher.received();
  EXPECT_THAT(received, StartsWith("{\"result\":"));
  EXPECT_THAT(received, HasSubstr(R"({"error":)")) << received;
  EXPECT_THAT(received, HasSubstr("unavailable")) << received;
}

// The console's login and pages on the gateway's port, as a browser
// would use them (cookies and headers set by hand).
class ConsoleTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer("http_listen: 127.0.0.1:0\n"));
    origin_ = "http://" + server_.http_address();
  }

  httplib::Client Client() const {
    httplib::Client client(origin_);
    client.set_read_timeout(20, 0);
    return client;
  }

  struct Session {
    std::string cookie;  // "__Host-clientele=ID"
    std::string csrf;
  };

  // Logs in with `token` from a page of this origin.
  Session LogIn(const std::string& token) {
    const auto answer = Client().Post("/console/login", {{"Origin", origin_}},
                                      Json{{"token", token}}.dump(), "application/json");
    EXPECT_TRUE(answer);
    if (!answer || answer->status != 200) return {};
    const std::string set_cookie = answer->get_header_value("Set-Cookie");
    return {set_cookie.substr(0, set_cookie.find(';')),
            Json::parse(answer->body)["csrf"].get<std::string>()};
  }

  // Calls `method` with the session's cookie and, unless `csrf` is
  // nullptr, that CSRF header; `extra` headers besides.
  httplib::Result CallWith(const Session& session, const std::string& method,
                           const std::string& body, const char* csrf, httplib::Headers extra = {}) {
    extra.emplace("Cookie", session.cookie);
    if (csrf != nullptr) extra.emplace("X-Clientele-CSRF", csrf);
    return Client().Post("/clientele.v1." + method, extra, body, "application/json");
  }

  std::string origin_;
};

TEST_F(ConsoleTest, ThePagesComeWithAStrictPolicyAndFromTheBinary) {
  httplib::Client client = Client();
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(page->body, HasSubstr(R"(<script type="module" src="/console/console.js">)"));
  const std::string policy = page->get_header_value("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("default-src 'none'"));
  EXPECT_THAT(policy, HasSubstr("script-src 'self'"));
  EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(policy, Not(HasSubstr("unsafe")));
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  // Exactly one policy: two would both apply.
  EXPECT_EQ(page->get_header_value_count("Content-Security-Policy"), 1u);

  const auto script = client.Get("/console/console.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_THAT(script->get_header_value("Content-Type"), StartsWith("text/javascript"));
  // Revalidated by its tag, so that a new server's files replace the old.
  const std::string tag = script->get_header_value("ETag");
  ASSERT_FALSE(tag.empty());
  const auto again = client.Get("/console/console.js", {{"If-None-Match", tag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  const auto missing = client.Get("/console/nothing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ConsoleTest, ALoginIsACookieThePageCannotReadAndACsrfTokenItMustSend) {
  const auto answer =
      Client().Post("/console/login", {{"Origin", origin_}},
                    Json{{"token", testing::kReaderToken}}.dump(), "application/json");
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  const std::string cookie = answer->get_header_value("Set-Cookie");
  EXPECT_THAT(cookie, StartsWith("__Host-clientele="));
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_THAT(cookie, HasSubstr(attribute));
  }
  EXPECT_THAT(cookie, Not(HasSubstr("Domain")));
  const Json login = Json::parse(answer->body);
  EXPECT_EQ(login["token_name"], "test-reader");
  EXPECT_EQ(login["role"], "reader");
  EXPECT_EQ(login["csrf"].get<std::string>().size(), 64u);
  // The token is in neither the answer nor the cookie.
  EXPECT_THAT(answer->body + cookie, Not(HasSubstr(testing::kReaderToken)));

  const Session session{cookie.substr(0, cookie.find(';')), login["csrf"]};
  // The login is the reader's: its role applies to what the console calls.
  const auto ping = CallWith(session, "Diagnostics/Ping", "{}", session.csrf.c_str());
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200) << ping->body;
  const auto write =
      CallWith(session, "Customers/UpsertCustomer",
               R"({"idempotency_key": "k", "customer": {"id": "c"}})", session.csrf.c_str());
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 403);

  // The session endpoint gives a reloaded page its CSRF token back.
  const auto again = Client().Get("/console/session", {{"Cookie", session.cookie}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(Json::parse(again->body)["csrf"], session.csrf);
}

TEST_F(ConsoleTest, ACallWithTheCookieButNotFromThePageIsRefused) {
  const Session session = LogIn(testing::kAdminToken);
  ASSERT_FALSE(session.cookie.empty());
  struct Case {
    const char* what;
    const char* csrf;
    httplib::Headers headers;
  };
  const std::string wrong(64, 'a');
  for (const Case& c :
       {Case{"no CSRF header", nullptr, {}}, Case{"a wrong CSRF header", wrong.c_str(), {}},
        Case{"another origin", session.csrf.c_str(), {{"Origin", "https://elsewhere.example"}}},
        Case{"another site", session.csrf.c_str(), {{"Sec-Fetch-Site", "cross-site"}}}}) {
    const auto answer = CallWith(session, "Diagnostics/Ping", "{}", c.csrf, c.headers);
    ASSERT_TRUE(answer) << c.what;
    EXPECT_EQ(answer->status, 403) << c.what << ": " << answer->body;
    EXPECT_EQ(Json::parse(answer->body)["code"], "permission_denied") << c.what;
  }
  // A form of another site: no JSON, so no login and no call.
  const auto form = Client().Post("/console/login", {{"Origin", "https://elsewhere.example"}},
                                  std::string("token=") + testing::kAdminToken,
                                  "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 403);
  const auto plain = Client().Post("/console/login", std::string("token=") + testing::kAdminToken,
                                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 415);
  // The page's own origin with its header goes through.
  const auto own = CallWith(session, "Diagnostics/Ping", "{}", session.csrf.c_str(),
                            {{"Origin", origin_}, {"Sec-Fetch-Site", "same-origin"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
}

TEST_F(ConsoleTest, AStreamByGetNeedsTheCsrfTokenInItsQueryAndEndsWithTheLogin) {
  const Session session = LogIn(testing::kReaderToken);
  StreamFollower follower(origin_, "/clientele.v1.Rulesets/WatchRuleset?csrf=" + session.csrf,
                          {{"Cookie", session.cookie},
                           {"Accept", "text/event-stream"},
                           {"Sec-Fetch-Site", "same-origin"}});
  ASSERT_TRUE(follower.WaitFor("\n\n"));
  // Logging out ends the stream too, at its next keep-alive (5 s at most).
  const auto out = Client().Post("/console/logout",
                                 {{"Cookie", session.cookie}, {"X-Clientele-CSRF", session.csrf}},
                                 "{}", "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  const auto logged_out = std::chrono::steady_clock::now();
  follower.Join();
  EXPECT_LT(std::chrono::steady_clock::now() - logged_out, std::chrono::seconds(8));
  EXPECT_EQ(follower.status(), 200);
  EXPECT_THAT(follower.received(), StartsWith("data: {\"serving\":true"));
  EXPECT_THAT(follower.received(), HasSubstr("event: error\ndata: {\"code\":\"unauthenticated\""));

  // Without the token in the query (a link or an <img> of another page
  // could make the browser send the cookie), or from another site: no.
  const Session again = LogIn(testing::kAdminToken);
  for (const auto& [path, headers] :
       {std::pair<std::string, httplib::Headers>{"/clientele.v1.Rulesets/WatchRuleset",
                                                 {{"Cookie", again.cookie}}},
        {"/clientele.v1.Admin/Backup", {{"Cookie", again.cookie}}},
        {"/clientele.v1.Admin/Backup?csrf=" + std::string(64, '0'), {{"Cookie", again.cookie}}},
        {"/clientele.v1.Rulesets/WatchRuleset?csrf=" + again.csrf,
         {{"Cookie", again.cookie}, {"Sec-Fetch-Site", "cross-site"}}},
        {"/clientele.v1.Rulesets/WatchRuleset?csrf=" + again.csrf,
         {{"Cookie", again.cookie}, {"Sec-Fetch-Site", "same-site"}}}}) {
    const auto refused = Client().Get(path, headers);
    ASSERT_TRUE(refused) << path;
    EXPECT_EQ(refused->status, 403) << path;
  }
}

TEST_F(ConsoleTest, ALoginNeedsHttpsOffLoopbackAndTakesEitherSchemeOfItsOwnHost) {
  const std::string body = Json{{"token", testing::kAdminToken}}.dump();
  // Behind a proxy that ends TLS, the page's origin is https.
  const auto https =
      Client().Post("/console/login", {{"Origin", "https://" + server_.http_address()}}, body,
                    "application/json");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->status, 200) << https->body;
  // A name that is not loopback over plain HTTP: the Secure cookie would
  // be dropped, so the login is refused saying why.
  const auto remote =
      Client().Post("/console/login",
                    {{"Host", "console.example:50080"}, {"Origin", "http://console.example:50080"}},
                    body, "application/json");
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->status, 400);
  EXPECT_THAT(Json::parse(remote->body)["message"].get<std::string>(), HasSubstr("HTTPS"));
}

TEST_F(ConsoleTest, WrongTokensAreRefusedAndSlowed) {
  for (int i = 0; i < 5; ++i) {
    const auto wrong =
        Client().Post("/console/login", Json{{"token", "guess"}}.dump(), "application/json");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401) << i;
  }
  const auto held = Client().Post("/console/login", Json{{"token", testing::kAdminToken}}.dump(),
                                  "application/json");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->status, 429);
  EXPECT_EQ(held->get_header_value("Retry-After"), "60");
  EXPECT_THAT(server_.ReadLog(), HasSubstr("console_login_refused"));
  EXPECT_THAT(server_.ReadLog(), Not(HasSubstr("guess")));
}

TEST_F(ConsoleTest, LoggingOutEndsTheLogin) {
  const Session session = LogIn(testing::kAdminToken);
  ASSERT_FALSE(session.cookie.empty());
  const auto out = Client().Post("/console/logout",
                                 {{"Cookie", session.cookie}, {"X-Clientele-CSRF", session.csrf}},
                                 "{}", "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_THAT(out->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  const auto after = CallWith(session, "Diagnostics/Ping", "{}", session.csrf.c_str());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
  EXPECT_THAT(Json::parse(after->body)["message"].get<std::string>(), HasSubstr("log in again"));
  const auto gone = Client().Get("/console/session", {{"Cookie", session.cookie}});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 401);
  // No token reached the log.
  EXPECT_THAT(server_.ReadLog(), Not(HasSubstr(testing::kAdminToken)));
}

}  // namespace
}  // namespace clientele
