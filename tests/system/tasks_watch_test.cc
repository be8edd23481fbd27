// Tasks.WatchTasks through the real clienteled on the retail example
// ruleset: the open tasks first, then each task as a write opens, claims or
// closes it; filters by queue and customer; and a reader's token is enough.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/tasks.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/test_channel.h"

namespace clientele {
namespace {

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

class TasksWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(kRetail)) << "clienteled did not start";
    channel_ = testing::TestChannel(server_.address());
    customers_ = v1::Customers::NewStub(channel_);
    events_ = v1::Events::NewStub(channel_);
    tasks_ = v1::Tasks::NewStub(channel_);
    for (const char* id : {"c-1", "c-2"}) {
      v1::UpsertCustomerRequest request;
      request.set_idempotency_key(Key());
      request.mutable_customer()->set_id(id);
      v1::UpsertCustomerResponse response;
      grpc::ClientContext context;
      context.set_deadline(In(10));
      ASSERT_TRUE(customers_->UpsertCustomer(&context, request, &response).ok());
    }
  }

  std::string Key() { return "key-" + std::to_string(++keys_); }

  // A 差评 of `customer`: two of them open a phone-call task.
  void NegativeReview(const std::string& customer) {
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id(customer);
    request.set_text("差评");
    v1::RecordInteractionResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = events_->RecordInteraction(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  v1::Task Claim(int64_t id) {
    v1::ClaimTaskRequest request;
    request.set_idempotency_key(Key());
    request.set_task_id(id);
    request.set_actor("小李");
    v1::TaskResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = tasks_->ClaimTask(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.task();
  }

  v1::Task Close(int64_t id) {
    v1::CloseTaskRequest request;
    request.set_idempotency_key(Key());
    request.set_task_id(id);
    request.set_actor("小李");
    request.set_outcome("called");
    v1::TaskResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = tasks_->CloseTask(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.task();
  }

  testing::ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Customers::Stub> customers_;
  std::unique_ptr<v1::Events::Stub> events_;
  std::unique_ptr<v1::Tasks::Stub> tasks_;
  int keys_ = 0;
};

TEST_F(TasksWatchTest, TheOpenTasksComeFirstThenEachChangeAsItIsCommitted) {
  NegativeReview("c-1");
  NegativeReview("c-1");  // opens task 1 before the watch starts
  grpc::ClientContext context;
  context.set_deadline(In(20));
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> watch =
      tasks_->WatchTasks(&context, v1::WatchTasksRequest());
  v1::TaskChange change;
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_TRUE(change.existing());
  EXPECT_EQ(change.task().customer_id(), "c-1");
  EXPECT_EQ(change.task().status(), "open");
  EXPECT_EQ(change.task().task(), "电话回访");
  const int64_t first = change.task().task_id();

  Claim(first);
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_FALSE(change.existing());
  EXPECT_EQ(change.task().task_id(), first);
  EXPECT_EQ(change.task().status(), "claimed");
  EXPECT_EQ(change.task().claimed_by(), "小李");

  NegativeReview("c-2");
  NegativeReview("c-2");  // opens c-2's task while the watch runs
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_FALSE(change.existing());
  EXPECT_EQ(change.task().customer_id(), "c-2");
  EXPECT_EQ(change.task().status(), "open");
  EXPECT_EQ(change.task().source(), "interaction");
  EXPECT_FALSE(change.task().evidence().empty());

  Close(first);
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_EQ(change.task().task_id(), first);
  EXPECT_EQ(change.task().status(), "closed");
  EXPECT_EQ(change.task().outcome(), "called");
  context.TryCancel();
  while (watch->Read(&change)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(TasksWatchTest, AWatchOfOneCustomerOrQueueSeesOnlyItsTasks) {
  grpc::ClientContext context;
  context.set_deadline(In(20));
  v1::WatchTasksRequest request;
  request.set_customer_id("c-2");
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> watch = tasks_->WatchTasks(&context, request);
  grpc::ClientContext sales_context;
  sales_context.set_deadline(In(2));
  v1::WatchTasksRequest sales;
  sales.set_queue("sales");
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> sales_watch =
      tasks_->WatchTasks(&sales_context, sales);

  NegativeReview("c-1");
  NegativeReview("c-1");  // not c-2's: not seen
  NegativeReview("c-2");
  NegativeReview("c-2");
  v1::TaskChange change;
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_EQ(change.task().customer_id(), "c-2");
  EXPECT_EQ(change.task().queue(), "customer_care");

  // The sales queue has nothing: its watch sees nothing before its deadline.
  EXPECT_FALSE(sales_watch->Read(&change));
  EXPECT_EQ(sales_watch->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  context.TryCancel();
  while (watch->Read(&change)) {
  }
  watch->Finish();
}

TEST_F(TasksWatchTest, AReaderMayWatchButNotClaim) {
  std::shared_ptr<grpc::Channel> reader =
      testing::TestChannel(server_.address(), testing::kReaderToken);
  std::unique_ptr<v1::Tasks::Stub> tasks = v1::Tasks::NewStub(reader);
  NegativeReview("c-1");
  NegativeReview("c-1");
  grpc::ClientContext context;
  context.set_deadline(In(20));
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> watch =
      tasks->WatchTasks(&context, v1::WatchTasksRequest());
  v1::TaskChange change;
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_TRUE(change.existing());
  context.TryCancel();
  while (watch->Read(&change)) {
  }
  watch->Finish();

  v1::ClaimTaskRequest claim;
  claim.set_idempotency_key(Key());
  claim.set_task_id(change.task().task_id());
  claim.set_actor("reader");
  v1::TaskResponse response;
  grpc::ClientContext claim_context;
  claim_context.set_deadline(In(10));
  EXPECT_EQ(tasks->ClaimTask(&claim_context, claim, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TasksWatchTest, ABadFilterIsRefused) {
  grpc::ClientContext context;
  context.set_deadline(In(10));
  v1::WatchTasksRequest request;
  request.set_customer_id("not an id");
  std::unique_ptr<grpc::ClientReader<v1::TaskChange>> watch = tasks_->WatchTasks(&context, request);
  v1::TaskChange change;
  EXPECT_FALSE(watch->Read(&change));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace clientele
