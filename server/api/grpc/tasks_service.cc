// Tasks: the callback service.
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "clientele/v1/tasks.grpc.pb.h"
#include "common/mutex.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/tasks.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Follows the tasks: the open and claimed ones at the start, then each
// committed change. Changes are told on the store's writer thread and
// written on gRPC's; one write is outstanding at a time and Finish waits
// for it (as WatchRuleset's reactor).
class WatchTasksReactor final : public grpc::ServerWriteReactor<v1::TaskChange>,
                                public OpenStreams::Stream {
 public:
  // A client that lets this many changes pile up unread is cut off; the
  // list at the start may hold up to kMaxExisting more.
  static constexpr size_t kMaxBacklog = 1024;
  static constexpr int kMaxExisting = 10000;

  WatchTasksReactor(TasksApi* api, OpenStreams* streams, std::string_view caller,
                    StreamSlots::Slot slot, const v1::WatchTasksRequest& request)
      : api_(api), streams_(streams), caller_(caller), slot_(std::move(slot)) {
    MutexLock lock(&mutex_);
    if (!streams_->Add(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is stopping"));
      return;
    }
    registered_ = true;
    // Subscribe first, then list: a change made in between comes after the
    // list, and may repeat a task the list has (the later one holds).
    listener_ = api_->Subscribe(request, [this](const v1::TaskChange& change) {
      MutexLock lock(&mutex_);
      EnqueueLocked(change);
    });
    std::vector<v1::TaskChange> existing;
    // A store read under the reactor's lock: changes wait for it, in order.
    if (absl::Status s = api_->OpenTasks(request, kMaxExisting, &existing); !s.ok()) {
      FinishLocked(ToGrpc(s));
      return;
    }
    for (v1::TaskChange& change : existing) backlog_.push_front(std::move(change));
    // The list goes first, oldest first: it was pushed to the front reversed.
    std::reverse(backlog_.begin(), backlog_.begin() + static_cast<long>(existing.size()));
    WriteNextLocked();
  }
  void End() override {
    MutexLock lock(&mutex_);
    FinishLocked(grpc::Status::OK);
  }
  void OnWriteDone(bool ok) override {
    MutexLock lock(&mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    if (finish_wanted_) {
      FinishLocked(*finish_wanted_);
      return;
    }
    WriteNextLocked();
  }
  void OnCancel() override {
    MutexLock lock(&mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  void OnDone() override {
    if (listener_ != 0) api_->Unsubscribe(listener_);  // no call after this
    if (registered_) streams_->Remove(this);
    delete this;
  }

 private:
  void EnqueueLocked(const v1::TaskChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finishing_) return;
    if (backlog_.size() >= kMaxBacklog + kMaxExisting) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "the client read too slowly; watch again"));
      return;
    }
    backlog_.push_back(change);
    WriteNextLocked();
  }
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (writing_ || backlog_.empty() || finishing_) return;
    sending_ = std::move(backlog_.front());
    backlog_.pop_front();
    writing_ = true;
    StartWrite(&sending_);
  }
  // Finishes now, or once the outstanding write is done.
  void FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finished_) return;
    finishing_ = true;
    if (writing_) {
      if (!finish_wanted_) finish_wanted_ = std::move(status);
      return;
    }
    finished_ = true;
    LogCall("WatchTasks", FromGrpc(status), began_, caller_);
    Finish(std::move(status));
  }

  TasksApi* const api_;
  OpenStreams* const streams_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  // Set by the constructor, before gRPC can call any reaction, and read
  // by OnDone, the last one: no lock needed.
  bool registered_ = false;
  int listener_ = 0;
  Mutex mutex_;
  std::deque<v1::TaskChange> backlog_ ABSL_GUARDED_BY(mutex_);
  v1::TaskChange sending_ ABSL_GUARDED_BY(mutex_);
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finishing_ ABSL_GUARDED_BY(mutex_) = false;  // no more messages are queued
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;   // Finish called
  std::optional<grpc::Status> finish_wanted_ ABSL_GUARDED_BY(mutex_);
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
