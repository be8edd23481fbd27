// Tasks: the callback service.
#include <memory>

#include "clientele/v1/tasks.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/tasks.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class TasksService final : public v1::Tasks::CallbackService {
 public:
  explicit TasksService(const ServiceContext& c)
      : api_(&c.apis->tasks), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* context,
                                      const v1::ListTasksRequest* request,
                                      v1::ListTasksResponse* response) override {
    return Run("ListTasks", *auth_, context, [&] { return api_->ListTasks(*request, response); });
  }
  grpc::ServerUnaryReactor* ClaimTask(grpc::CallbackServerContext* context,
                                      const v1::ClaimTaskRequest* request,
                                      v1::TaskResponse* response) override {
    return RunWrite("ClaimTask", *auth_, context, pool_,
                    [api = api_, request, response] { return api->ClaimTask(*request, response); });
  }
  grpc::ServerUnaryReactor* CloseTask(grpc::CallbackServerContext* context,
                                      const v1::CloseTaskRequest* request,
                                      v1::TaskResponse* response) override {
    return RunWrite("CloseTask", *auth_, context, pool_,
                    [api = api_, request, response] { return api->CloseTask(*request, response); });
  }

 private:
  TasksApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeTasksService(const ServiceContext& context) {
  return std::make_unique<TasksService>(context);
}

}  // namespace clientele::server
