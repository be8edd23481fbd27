// Tests the server's limits on streams and on evaluation work against the
// real clienteled:
//  - max_open_streams: streaming calls beyond it get RESOURCE_EXHAUSTED,
//    unary calls go on, and a stream that ends frees its slot;
//  - max_streams_per_connection (HTTP/2 MAX_CONCURRENT_STREAMS): calls
//    beyond it on one connection wait, other connections are not held up;
//  - max_evaluation_work: a request whose texts would take its evaluation
//    over the limit gets RESOURCE_EXHAUSTED and changes nothing, and a
//    ruleset whose rules alone exceed it is rejected at reload while the
//    old one keeps serving.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "clientele/v1/diagnostics.grpc.pb.h"
#include "clientele/v1/rulesets.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/rules_directory.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;

std::chrono::system_clock::time_point In(std::chrono::milliseconds wait) {
  return std::chrono::system_clock::now() + wait;
}

// A WatchRuleset stream that has been admitted (its first message read).
struct OpenWatch {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::RulesetStatus>> reader;
};

std::unique_ptr<OpenWatch> Watch(v1::Rulesets::Stub& stub) {
  auto watch = std::make_unique<OpenWatch>();
  watch->context.set_deadline(In(std::chrono::seconds(30)));
  watch->reader = stub.WatchRuleset(&watch->context, v1::WatchRulesetRequest());
  return watch;
}

grpc::Status Ping(v1::Diagnostics::Stub& stub, std::chrono::milliseconds deadline) {
  grpc::ClientContext context;
  context.set_deadline(In(deadline));
  v1::PingResponse response;
  return stub.Ping(&context, v1::PingRequest(), &response);
}

// ---------------------------------------------------------------- streams

class StreamLimitTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer("max_open_streams: 2\n")); }
};

TEST_F(StreamLimitTest, StreamsBeyondTheLimitAreRefusedAndAnEndedOneFreesItsSlot) {
  auto rulesets = v1::Rulesets::NewStub(channel_);
  std::vector<std::unique_ptr<OpenWatch>> watches;
  for (int i = 0; i < 2; ++i) {
    watches.push_back(Watch(*rulesets));
    v1::RulesetStatus first;
    ASSERT_TRUE(watches.back()->reader->Read(&first)) << "watch " << i << " was not admitted";
  }

  // A third stream of any kind is refused, naming the limit.
  std::unique_ptr<OpenWatch> third = Watch(*rulesets);
  v1::RulesetStatus ignored;
  EXPECT_FALSE(third->reader->Read(&ignored));
  grpc::Status refused = third->reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("max_open_streams"));

  grpc::ClientContext many_context;
  many_context.set_deadline(In(std::chrono::seconds(10)));
  auto many = decisions_->EvaluateMany(&many_context, v1::EvaluateManyRequest());
  v1::EvaluateResponse decision;
  EXPECT_FALSE(many->Read(&decision));
  EXPECT_EQ(many->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Unary calls are not streams: they go on.
  v1::UpsertCustomerResponse upserted;
  EXPECT_TRUE(Upsert(ZhangSan(), "upsert-1", &upserted).ok());
  EXPECT_FALSE(Evaluate("c-1").ruleset_version().empty());

  // Ending a watch frees its slot (once the server has seen it end).
  watches[0]->context.TryCancel();
  watches[0]->reader->Finish();
  watches.erase(watches.begin());
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    std::unique_ptr<OpenWatch> again = Watch(*rulesets);
    v1::RulesetStatus first;
    admitted = again->reader->Read(&first);
    if (admitted) {
      watches.push_back(std::move(again));
    } else {
      again->reader->Finish();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(admitted) << "the slot of the cancelled watch was never freed";
  for (auto& watch : watches) watch->context.TryCancel();
  for (auto& watch : watches) watch->reader->Finish();
}

class PerConnectionLimitTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer("max_streams_per_connection: 1\n")); }

  // A channel with a connection of its own (gRPC shares connections
  // between channels to the same address unless told not to).
  std::shared_ptr<grpc::Channel> OwnConnection() {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    client::ConnectionOptions options;
    options.server = server_.address();
    options.token = testing::kAdminToken;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        client::OpenChannel(options, arguments);
    EXPECT_TRUE(channel.ok());
    return channel.value_or(nullptr);
  }
};

TEST_F(PerConnectionLimitTest, CallsBeyondTheLimitWaitOnTheirConnectionOnly) {
  std::shared_ptr<grpc::Channel> busy = OwnConnection();
  std::shared_ptr<grpc::Channel> other = OwnConnection();
  ASSERT_NE(busy, nullptr);
  ASSERT_NE(other, nullptr);
  auto busy_rulesets = v1::Rulesets::NewStub(busy);
  auto busy_diagnostics = v1::Diagnostics::NewStub(busy);
  auto other_diagnostics = v1::Diagnostics::NewStub(other);
  ASSERT_TRUE(Ping(*other_diagnostics, std::chrono::seconds(10)).ok());

  std::unique_ptr<OpenWatch> watch = Watch(*busy_rulesets);
  v1::RulesetStatus first;
  ASSERT_TRUE(watch->reader->Read(&first));

  // The watch holds the connection's one stream: a call on it waits out
  // its deadline, while another connection answers at once.
  EXPECT_EQ(Ping(*busy_diagnostics, std::chrono::milliseconds(800)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(Ping(*other_diagnostics, std::chrono::seconds(10)).ok());

  watch->context.TryCancel();
  watch->reader->Finish();
  EXPECT_TRUE(Ping(*busy_diagnostics, std::chrono::seconds(10)).ok());
}

// ---------------------------------------------------------------- work

// The shipped interaction rules search the text twice: with texts up to
// 20,000 bytes allowed, a long one takes an evaluation over 1,000 units.
constexpr char kWorkLimits[] = "max_evaluation_work: 1000\nmax_text_bytes: 20000\n";

class WorkLimitTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer(kWorkLimits)); }
};

TEST_F(WorkLimitTest, AnInteractionWhoseTextIsTooMuchWorkIsRefusedAndChangesNothing) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "upsert-1", &upserted).ok());
  const v1::Customer before = Get("c-1");

  v1::RecordInteractionResponse recorded;
  grpc::Status refused = Interaction("c-1", std::string(16'000, 'x') + "好评", "long-1", &recorded);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("over the limit of 1000"));
  EXPECT_THAT(refused.error_message(), HasSubstr("the interaction text"));
  EXPECT_THAT(refused.error_message(), HasSubstr("max_evaluation_work"));
  const v1::Customer after = Get("c-1");
  EXPECT_EQ(after.interaction_count(), before.interaction_count());
  EXPECT_EQ(after.satisfaction(), before.satisfaction());

  // The key was not used up: the same key with a short text goes through.
  ASSERT_TRUE(Interaction("c-1", "好评", "long-1", &recorded).ok());
  EXPECT_EQ(Get("c-1").interaction_count(), before.interaction_count() + 1);
}

// Starts on a copy of the shipped rules, so that a file can be added.
class WorkLimitReloadTest : public ServerTest {
 protected:
  void SetUp() override {
    for (const auto& entry : std::filesystem::directory_iterator(kRules)) {
      std::filesystem::copy_file(entry.path(), dir_.path() / entry.path().filename());
    }
    ASSERT_TRUE(
        server_.Start(dir_.path().string(), std::string(kWorkLimits) + "rules_watch: false\n"));
    channel_ = testing::TestChannel(server_.address());
    customers_ = v1::Customers::NewStub(channel_);
    decisions_ = v1::Decisions::NewStub(channel_);
  }
  testing::RulesDirectory dir_;
};

TEST_F(WorkLimitReloadTest, ARulesetWhoseRulesAloneExceedTheLimitIsRejected) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "upsert-1", &upserted).ok());
  const std::string serving = Evaluate("c-1").ruleset_version();
  ASSERT_FALSE(serving.empty());

  std::string keywords;
  for (int i = 0; i < 1200; ++i) keywords += (i ? ", \"" : "\"") + std::to_string(i) + "\"";
  dir_.WriteInPlace("zz_heavy_parameters.yaml",
                    "kind: parameters\nparameters:\n  listed_ids: [" + keywords + "]\n");
  dir_.WriteInPlace("zz_heavy.yaml",
                    "kind: segmentation\ndimensions:\n  - id: heavy\n    rules:\n"
                    "      - id: listed\n        when: id in listed_ids\n"
                    "        segment: listed\n    default: other\n");
  auto rulesets = v1::Rulesets::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(20)));
  v1::ReloadRulesetResponse reloaded;
  ASSERT_TRUE(rulesets->ReloadRuleset(&context, v1::ReloadRulesetRequest(), &reloaded).ok());
  EXPECT_EQ(reloaded.attempt().outcome(), "rejected");
  EXPECT_THAT(reloaded.attempt().message(), HasSubstr("work units before any text"));
  EXPECT_EQ(reloaded.status().version(), serving);
  EXPECT_EQ(Evaluate("c-1").ruleset_version(), serving);
}

}  // namespace
}  // namespace clientele
