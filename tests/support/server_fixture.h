// The fixture of the integration tests: a real clienteled on an ephemeral
// 127.0.0.1 port with a temporary database and the default ruleset, with
// a stub for every service and helpers for the common calls.
#ifndef CLIENTELE_TESTS_SUPPORT_SERVER_FIXTURE_H_
#define CLIENTELE_TESTS_SUPPORT_SERVER_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/improvements.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/test_channel.h"

namespace clientele {

inline const std::string kRules = CLIENTELE_SOURCE_DIR "/config/rules";

class ServerTest : public ::testing::Test {
 protected:
  // The ruleset directory the server serves; a fixture may set another in
  // its constructor.
  std::string rules_ = kRules;

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  // `extra_config`: more lines for the server's config.
  void StartServer(const std::string& extra_config = "") {
    ASSERT_TRUE(server_.Start(rules_, extra_config)) << "clienteled did not start";
    channel_ = testing::TestChannel(server_.address());
    customers_ = v1::Customers::NewStub(channel_);
    events_ = v1::Events::NewStub(channel_);
    decisions_ = v1::Decisions::NewStub(channel_);
    improvements_ = v1::Improvements::NewStub(channel_);
    reports_ = v1::Reports::NewStub(channel_);
  }

  // Stops the server with SIGTERM and returns its exit status (as
  // ServerProcess::Stop), having closed this fixture's channel first: an
  // idle client connection holds a graceful shutdown up by about 5 s.
  int StopServer() {
    customers_.reset();
    events_.reset();
    decisions_.reset();
    improvements_.reset();
    reports_.reset();
    channel_.reset();
    return server_.Stop();
  }

  // Calls with a 10 s deadline.
  template <typename Stub, typename Method, typename Request, typename Response>
  grpc::Status Call(Stub& stub, Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ((*stub).*method)(&context, request, response);
  }

  grpc::Status Upsert(const v1::Customer& customer, const std::string& key,
                      v1::UpsertCustomerResponse* response) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(key);
    *request.mutable_customer() = customer;
    return Call(customers_, &v1::Customers::Stub::UpsertCustomer, request, response);
  }

  grpc::Status Purchase(const std::string& customer, const std::string& purchase_id,
                        const std::string& amount, const std::string& key,
                        v1::RecordPurchaseResponse* response) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(key);
    request.set_customer_id(customer);
    request.set_purchase_id(purchase_id);
    request.set_amount(amount);
    request.set_product("产品A");
    return Call(events_, &v1::Events::Stub::RecordPurchase, request, response);
  }

  grpc::Status Interaction(const std::string& customer, const std::string& text,
                           const std::string& key, v1::RecordInteractionResponse* response) {
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(key);
    request.set_customer_id(customer);
    request.set_text(text);
    return Call(events_, &v1::Events::Stub::RecordInteraction, request, response);
  }

  v1::Customer Get(const std::string& id) {
    v1::GetCustomerRequest request;
    request.set_customer_id(id);
    v1::GetCustomerResponse response;
    grpc::Status status = Call(customers_, &v1::Customers::Stub::GetCustomer, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.customer();
  }

  v1::Decision Evaluate(const std::string& id) {
    v1::EvaluateRequest request;
    request.set_customer_id(id);
    v1::EvaluateResponse response;
    grpc::Status status = Call(decisions_, &v1::Decisions::Stub::Evaluate, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.decision();
  }

  static std::string SegmentOf(const v1::Decision& d, const std::string& dimension) {
    for (const v1::Segment& s : d.segments()) {
      if (s.dimension() == dimension) return s.segment();
    }
    return "";
  }

  static v1::Customer ZhangSan() {
    v1::Customer c;
    c.set_id("c-1");
    c.set_name("张三");
    c.set_age(25);
    c.set_consumption("低");
    c.set_channel("线上");
    c.set_satisfaction("4.0");
    return c;
  }

  testing::ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Customers::Stub> customers_;
  std::unique_ptr<v1::Events::Stub> events_;
  std::unique_ptr<v1::Decisions::Stub> decisions_;
  std::unique_ptr<v1::Improvements::Stub> improvements_;
  std::unique_ptr<v1::Reports::Stub> reports_;
};

}  // namespace clientele

#endif  // CLIENTELE_TESTS_SUPPORT_SERVER_FIXTURE_H_
