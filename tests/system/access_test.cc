// Who gets in, on the wire: every RPC of clientele.v1 (found in the protos,
// so a new one cannot be missed) is called with no token, a wrong token and
// a token of each role, and must refuse exactly as server/api/auth.h and
// roles.h say; a refused write changes nothing; and the logs hold neither
// tokens nor the customers' personal data.
#include <grpcpp/generic/generic_stub.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "clientele/v1/admin.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/auth.h"
#include "tests/support/health_check.h"
#include "tests/support/rpc_methods.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using server::Permission;
using server::Role;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::EveryRpc;
using testing::RpcMethod;

// Shuts `queue` down and takes what is left in it, as gRPC requires
// before a queue is destroyed.
void Drain(grpc::CompletionQueue* queue) {
  queue->Shutdown();
  void* tag;
  bool ok;
  while (queue->Next(&tag, &ok)) {
  }
}

// A test token of every role of the table (roles.h), in its order.
std::vector<std::pair<Role, std::string>> TokenOfEachRole() {
  const std::map<Role, std::string> tokens = {{Role::kReader, testing::kReaderToken},
                                              {Role::kWriter, testing::kWriterToken},
                                              {Role::kMarketer, testing::kMarketerToken},
                                              {Role::kApprover, testing::kApproverToken},
                                              {Role::kAdmin, testing::kAdminToken}};
  std::vector<std::pair<Role, std::string>> each;
  for (Role role : server::AllRoles()) each.emplace_back(role, tokens.at(role));
  return each;
}

// Waits for the next completion of `queue` (each step below has one) and
// says whether its operation succeeded. No timeout of its own: the call's
// deadline ends every operation, and a wait that gave up earlier would
// leave the operation pending while the call moves on (or is destroyed),
// which gRPC does not allow.
bool Next(grpc::CompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  return queue->Next(&tag, &ok) && ok;
}

// The request message CallRaw sends: empty, but for a watch that sends
// nothing on an empty store and would hold each admitted call up to its
// deadline: a request it refuses at once, after the role check, which
// comes first (INVALID_ARGUMENT is no refusal of the caller).
std::string RequestBytes(const RpcMethod& method) {
  if (method.name == "WatchSegmentChanges") {
    v1::WatchSegmentChangesRequest request;
    request.set_after_sequence(-1);
    return request.SerializeAsString();
  }
  return "";
}

// Calls `method` with its RequestBytes and returns its status. A stream
// that sends a first message is cancelled then (a watch never ends).
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel, const RpcMethod& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Slice bytes(RequestBytes(method));
  grpc::ByteBuffer request(&bytes, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  int tag = 0;
  if (!method.streaming) {
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub.PrepareUnaryCall(&context, method.path(), request, &queue);
    call->StartCall();
    call->Finish(&response, &status, &tag);
    Next(&queue);
  } else {
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&context, method.path(), &queue);
    call->StartCall(&tag);
    Next(&queue);
    call->Write(request, &tag);
    Next(&queue);
    call->WritesDone(&tag);
    Next(&queue);
    call->Read(&response, &tag);
    if (Next(&queue)) context.TryCancel();
    call->Finish(&status, &tag);
    Next(&queue);
  }
  Drain(&queue);
  return status;
}

class AccessTest : public ServerTest {};

TEST_F(AccessTest, EveryRpcRefusesMissingAndBadTokensAndTooLowRoles) {
  const std::vector<RpcMethod> methods = EveryRpc();
  ASSERT_GE(methods.size(), 28u);
  const auto none = testing::TestChannel(server_.address(), "");
  const auto wrong = testing::TestChannel(server_.address(), "not-a-token-of-this-server");
  std::vector<std::pair<Role, std::shared_ptr<grpc::Channel>>> roles;
  for (const auto& [role, token] : TokenOfEachRole()) {
    roles.emplace_back(role, testing::TestChannel(server_.address(), token));
  }
  for (const RpcMethod& method : methods) {
    SCOPED_TRACE(method.path());
    const std::optional<Permission> required = server::RequiredPermission(method.name);
    ASSERT_TRUE(required.has_value());
    EXPECT_EQ(CallRaw(none, method).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(CallRaw(wrong, method).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    for (const auto& [role, channel] : roles) {
      SCOPED_TRACE(std::string(server::RoleName(role)));
      const grpc::Status status = CallRaw(channel, method);
      if (!server::Allows(role, *required)) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(status.error_message(), HasSubstr("may not call " + method.name));
        EXPECT_THAT(status.error_message(),
                    HasSubstr("needs the role " + server::RolesWith(*required)));
      } else {
        // Admitted: whatever the empty request gets next, it is not a refusal.
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
      }
    }
  }
}

// The JSON gateway's answer to `method` called with `token` ("" none),
// its empty request (RequestBytes' refusal for WatchSegmentChanges) in
// JSON. A stream is given 600 ms: a watch admitted sends nothing more.
httplib::Result CallOverHttp(const std::string& address, const RpcMethod& method,
                             const std::string& token) {
  httplib::Client client("http://" + address);
  client.set_read_timeout(20, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method.streaming) headers.emplace("Connect-Timeout-Ms", "600");
  const std::string body =
      method.name == "WatchSegmentChanges" ? R"({"after_sequence": "-1"})" : "{}";
  return client.Post(method.path(), headers, body, "application/json");
}

class AccessOverHttpTest : public AccessTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer("http_listen: 127.0.0.1:0\n")); }
};

TEST_F(AccessOverHttpTest, EveryRpcRefusesMissingAndBadTokensAndTooLowRolesOverHttp) {
  const std::vector<RpcMethod> methods = EveryRpc();
  ASSERT_GE(methods.size(), 28u);
  const std::vector<std::pair<Role, std::string>> roles = TokenOfEachRole();
  for (const RpcMethod& method : methods) {
    SCOPED_TRACE(method.path());
    if (method.client_streaming) {
      // gRPC only, whoever asks (HTTP/1.1 cannot stream the requests).
      const httplib::Result answer =
          CallOverHttp(server_.http_address(), method, testing::kAdminToken);
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->status, 501);
      continue;
    }
    const std::optional<Permission> required = server::RequiredPermission(method.name);
    ASSERT_TRUE(required.has_value());
    for (const std::string token : {"", "not-a-token-of-this-server"}) {
      const httplib::Result answer = CallOverHttp(server_.http_address(), method, token);
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->status, 401) << answer->body;
      EXPECT_THAT(answer->body, HasSubstr(R"("unauthenticated")"));
    }
    for (const auto& [role, token] : roles) {
      SCOPED_TRACE(std::string(server::RoleName(role)));
      const httplib::Result answer = CallOverHttp(server_.http_address(), method, token);
      ASSERT_TRUE(answer);
      if (!server::Allows(role, *required)) {
        EXPECT_EQ(answer->status, 403) << answer->body;
        EXPECT_THAT(answer->body, HasSubstr(R"("permission_denied")"));
        EXPECT_THAT(answer->body, HasSubstr("may not call " + method.name));
      } else {
        // Admitted: whatever the empty request gets next, it is not a
        // refusal, nor a method the gateway does not know.
        EXPECT_NE(answer->status, 401) << answer->body;
        EXPECT_NE(answer->status, 403) << answer->body;
        EXPECT_NE(answer->status, 501) << answer->body;
        EXPECT_THAT(answer->body, Not(HasSubstr("has no method")));
        EXPECT_THAT(answer->body, Not(HasSubstr("no service")));
      }
    }
  }
  // The tokens came by HTTP headers; none reached the log.
  const std::string log = server_.ReadLog();
  for (const auto& [role, token] : roles) EXPECT_THAT(log, Not(HasSubstr(token)));
}

TEST_F(AccessTest, HealthAndReflectionNeedNoToken) {
  EXPECT_EQ(testing::HealthStatus(testing::TestChannel(server_.address(), "")),
            testing::kHealthServing);
}

TEST_F(AccessTest, ARefusedWriteChangesNothing) {
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(ZhangSan(), "k-1", &upserted).ok());
  for (const char* token : {"", "wrong", testing::kReaderToken}) {
    auto events = v1::Events::NewStub(testing::TestChannel(server_.address(), token));
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key("k-p");
    request.set_customer_id("c-1");
    request.set_purchase_id("p-1");
    request.set_amount("600");
    v1::RecordPurchaseResponse response;
    const grpc::Status status = Call(events, &v1::Events::Stub::RecordPurchase, request, &response);
    EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                status.error_code() == grpc::StatusCode::PERMISSION_DENIED)
        << token;
  }
  EXPECT_EQ(Get("c-1").points(), 0);
  EXPECT_EQ(Get("c-1").purchase_frequency(), 0);
  // The same key now works for a writer: the refused calls left no trace.
  v1::RecordPurchaseResponse response;
  EXPECT_TRUE(Purchase("c-1", "p-1", "600", "k-p", &response).ok());
  EXPECT_EQ(Get("c-1").points(), 100);
}

TEST_F(AccessTest, RefusedUpsertsImportsAndBackupsChangeNothing) {
  auto reader = v1::Customers::NewStub(testing::TestChannel(server_.address(), testing::kReaderToken));
  v1::UpsertCustomerRequest upsert;
  upsert.set_idempotency_key("k-u");
  *upsert.mutable_customer() = ZhangSan();
  v1::UpsertCustomerResponse upserted;
  EXPECT_EQ(Call(reader, &v1::Customers::Stub::UpsertCustomer, upsert, &upserted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetCustomerRequest get;
  get.set_customer_id("c-1");
  v1::GetCustomerResponse got;
  EXPECT_EQ(Call(customers_, &v1::Customers::Stub::GetCustomer, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // An import stream from a reader: refused before a message is taken.
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ImportCustomersResponse imported;
    auto writer = reader->ImportCustomers(&context, &imported);
    v1::ImportCustomersRequest message;
    message.set_idempotency_key("k-i");
    *message.add_customers() = ZhangSan();
    writer->Write(message);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(Call(customers_, &v1::Customers::Stub::GetCustomer, get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // A writer's backup is refused and holds no backup slot: an admin's works.
  for (const char* token : {testing::kWriterToken, testing::kAdminToken}) {
    auto admin = v1::Admin::NewStub(testing::TestChannel(server_.address(), token));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto reader_stream = admin->Backup(&context, v1::BackupRequest());
    v1::BackupChunk chunk;
    int64_t bytes = 0;
    while (reader_stream->Read(&chunk)) bytes += static_cast<int64_t>(chunk.data().size());
    const grpc::Status status = reader_stream->Finish();
    if (token == testing::kWriterToken) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
      EXPECT_EQ(bytes, 0);
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
      EXPECT_GT(bytes, 0);
    }
  }
}

// Asks server reflection for the list of services; their names in *bytes
// (the raw response). The status of the call.
grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel, std::string* bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  int tag = 0;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  call->StartCall(&tag);
  Next(&queue);
  // ServerReflectionRequest{list_services: ""}: field 7, length 0.
  grpc::Slice request_bytes(std::string("\x3a\x00", 2));
  call->Write(grpc::ByteBuffer(&request_bytes, 1), &tag);
  Next(&queue);
  grpc::ByteBuffer response;
  call->Read(&response, &tag);
  if (Next(&queue)) {
    std::vector<grpc::Slice> slices;
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        bytes->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    context.TryCancel();
  }
  grpc::Status status;
  call->Finish(&status, &tag);
  Next(&queue);
  Drain(&queue);
  return status;
}

TEST_F(AccessTest, ReflectionAnswersWithoutAToken) {
  std::string services;
  ListServices(testing::TestChannel(server_.address(), ""), &services);
  EXPECT_THAT(services, HasSubstr("clientele.v1.Customers"));
  EXPECT_THAT(services, HasSubstr("clientele.v1.Admin"));
}

// A server logging at debug, so that every call is logged.
class LogPrivacyTest : public ServerTest {
 protected:
  void SetUp() override {
    server_.set_log_level("debug");
    ASSERT_NO_FATAL_FAILURE(StartServer());
  }
};

TEST_F(LogPrivacyTest, LogsHoldNeitherTokensNorPersonalData) {
  v1::Customer customer = ZhangSan();
  customer.set_name("王秘密");
  customer.set_birthday("1979-03-14");
  customer.set_occupation("秘密职业");
  v1::UpsertCustomerResponse upserted;
  ASSERT_TRUE(Upsert(customer, "k-1", &upserted).ok());
  // Refused requests whose messages echo what was sent.
  v1::Customer bad = customer;
  bad.set_birthday("1979-13-45");
  EXPECT_FALSE(Upsert(bad, "k-2", &upserted).ok());
  bad = customer;
  bad.set_satisfaction("秘密满意");
  EXPECT_FALSE(Upsert(bad, "k-3", &upserted).ok());
  v1::RecordInteractionResponse interacted;
  ASSERT_TRUE(Interaction("c-1", "秘密文本好评", "k-4", &interacted).ok());
  EXPECT_FALSE(Interaction("nobody", "秘密文本差评", "k-6", &interacted).ok());
  Evaluate("c-1");
  // An inline customer whose evaluation is refused.
  v1::EvaluateRequest inline_request;
  *inline_request.mutable_customer() = bad;
  inline_request.mutable_customer()->set_birthday("1979-13-45");
  v1::EvaluateResponse evaluated;
  EXPECT_FALSE(Call(decisions_, &v1::Decisions::Stub::Evaluate, inline_request, &evaluated).ok());
  // Tokens the server refuses, and one of each role it accepts.
  for (const char* token : {"leaked-secret-token", testing::kReaderToken, testing::kWriterToken}) {
    auto stub = v1::Customers::NewStub(testing::TestChannel(server_.address(), token));
    v1::DeleteCustomerRequest request;
    request.set_customer_id("c-1");
    request.set_idempotency_key("k-5");
    v1::DeleteCustomerResponse response;
    EXPECT_FALSE(Call(stub, &v1::Customers::Stub::DeleteCustomer, request, &response).ok());
  }
  ASSERT_EQ(StopServer(), 0);

  const std::string log = server_.ReadLog();
  // The log is there and tells who did what ...
  EXPECT_THAT(log, HasSubstr("UpsertCustomer"));
  EXPECT_THAT(log, HasSubstr("test-admin"));
  EXPECT_THAT(log, HasSubstr("customer.birthday"));
  EXPECT_THAT(log, HasSubstr("PERMISSION_DENIED"));
  // ... without the secrets.
  for (const char* secret : {"王秘密", "1979-03-14", "1979-13-45", "秘密职业", "秘密满意",
                             "秘密文本", "leaked-secret-token", testing::kReaderToken,
                             testing::kWriterToken, testing::kAdminToken}) {
    EXPECT_THAT(log, Not(HasSubstr(secret))) << secret;
  }
}

}  // namespace
}  // namespace clientele
