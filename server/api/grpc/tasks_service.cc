// Tasks: the callback service.
#include <memory>
#include <vector>

#include "clientele/v1/tasks.grpc.pb.h"
#include "common/mutex.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/grpc/following_stream.h"
#include "server/api/tasks.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Follows the tasks: the open and claimed ones at the start, then each
// committed change, told on the store's writer thread.
class WatchTasksReactor final : public FollowingStream<v1::TaskChange> {
 public:
  // The list at the start may hold up to kMaxExisting; a client that then
  // lets kMaxBacklog more changes pile up unread is cut off.
  static constexpr int kMaxExisting = 10000;
  static constexpr size_t kMaxBacklog = 1024;

  WatchTasksReactor(TasksApi* api, OpenStreams* streams, std::string_view caller,
                    StreamSlots::Slot slot, const v1::WatchTasksRequest& request)
      : FollowingStream("WatchTasks", streams, caller, std::move(slot), kMaxExisting + kMaxBacklog),
        api_(api) {
    {
      MutexLock lock(&mutex_);
      if (!RegisterLocked()) return;
    }
    // Subscribe first, then list: a change made meanwhile waits in
    // held_back_ and comes after the list (it may repeat a task the list
    // has; the later one holds). The store's writer, which tells the
    // changes, never waits for the list to be read.
    listener_ = api_->Subscribe(request, [this](const v1::TaskChange& change) {
      MutexLock lock(&mutex_);
      if (listed_) {
        EnqueueLocked(change);
      } else if (held_back_.size() < kMaxBacklog) {
        held_back_.push_back(change);
      } else {
        FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "the tasks changed too fast to list them; watch again"));
      }
    });
    Subscribed();
    std::vector<v1::TaskChange> existing;
    const absl::Status listed = api_->OpenTasks(request, kMaxExisting, &existing);
    MutexLock lock(&mutex_);
    if (!listed.ok()) {
      FinishLocked(ToGrpc(listed));
      return;
    }
    for (v1::TaskChange& change : existing) EnqueueLocked(std::move(change));
    for (v1::TaskChange& change : held_back_) EnqueueLocked(std::move(change));
    held_back_.clear();
    listed_ = true;
  }

 private:
  void Unsubscribe() override { api_->Unsubscribe(listener_); }

  TasksApi* const api_;
  int listener_ = 0;                             // set by the constructor, read by OnDone
  bool listed_ ABSL_GUARDED_BY(mutex_) = false;  // the list at the start is queued
  std::vector<v1::TaskChange> held_back_ ABSL_GUARDED_BY(mutex_);  // changes told before it
};

class TasksService final : public v1::Tasks::CallbackService {
 public:
  explicit TasksService(const ServiceContext& c)
      : api_(&c.apis->tasks),
        pool_(c.write_pool),
        streams_(c.streams),
        slots_(c.stream_slots),
        auth_(c.auth) {}
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
  grpc::ServerWriteReactor<v1::TaskChange>* WatchTasks(
      grpc::CallbackServerContext* context, const v1::WatchTasksRequest* request) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "WatchTasks");
    if (!caller.ok()) return new RefusedStream<v1::TaskChange>("WatchTasks", caller.status());
    if (absl::Status s = api_->CheckWatch(*request); !s.ok()) {
      return new RefusedStream<v1::TaskChange>("WatchTasks", s);
    }
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::TaskChange>("WatchTasks", slot.status());
    return new WatchTasksReactor(api_, streams_, caller->name, std::move(*slot), *request);
  }

 private:
  TasksApi* api_;
  WorkerPool* pool_;
  OpenStreams* streams_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeTasksService(const ServiceContext& context) {
  return std::make_unique<TasksService>(context);
}

}  // namespace clientele::server
