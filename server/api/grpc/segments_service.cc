// Segments: the callback service.
#include <memory>
#include <vector>

#include "clientele/v1/segments.grpc.pb.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/grpc/following_stream.h"
#include "server/api/segments.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Follows the segment changes: with after_sequence, the stored ones after
// it first, then each committed change, told on the store's writer thread.
class WatchSegmentChangesReactor final : public FollowingStream<v1::SegmentChange> {
 public:
  // One watch replays at most kMaxReplay stored changes, then ends with
  // RESOURCE_EXHAUSTED for the client to watch again from the last it
  // read; a client that lets kMaxBacklog more pile up unread is cut off.
  static constexpr int kMaxReplay = 50000;
  static constexpr size_t kMaxBacklog = 4096;

  WatchSegmentChangesReactor(SegmentsApi* api, OpenStreams* streams, std::string_view caller,
                             StreamSlots::Slot slot, const v1::WatchSegmentChangesRequest& request)
      : FollowingStream("WatchSegmentChanges", streams, caller, std::move(slot),
                        kMaxReplay + kMaxBacklog),
        api_(api) {
    {
      MutexLock lock(&mutex_);
      if (!RegisterLocked()) return;
      replayed_ = !request.has_after_sequence();
    }
    // Subscribe first, then read what is stored: a change committed
    // meanwhile waits in held_back_, and is dropped when the stored ones
    // had it already (by its sequence).
    listener_ = api_->Subscribe(request, [this](const v1::SegmentChange& change) {
      MutexLock lock(&mutex_);
      if (replayed_) {
        if (change.sequence() > last_sequence_) EnqueueLocked(change);
      } else if (held_back_.size() < kMaxBacklog) {
        held_back_.push_back(change);
      } else {
        FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "the segments changed too fast to catch up; watch again"));
      }
    });
    Subscribed();
    if (request.has_after_sequence()) Replay(request);
  }

 private:
  void Replay(const v1::WatchSegmentChangesRequest& request) {
    int64_t after = request.after_sequence();
    int replayed = 0;
    for (;;) {
      std::vector<v1::SegmentChange> stored;
      const absl::Status read = api_->StoredChanges(request, after, kMaxReplay - replayed, &stored);
      MutexLock lock(&mutex_);
      if (!read.ok()) {
        FinishLocked(ToGrpc(read));
        return;
      }
      for (v1::SegmentChange& change : stored) {
        after = change.sequence();
        EnqueueLocked(std::move(change));
      }
      replayed += static_cast<int>(stored.size());
      last_sequence_ = after;
      if (replayed >= kMaxReplay) {
        FinishAfterQueuedLocked(
            grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         StrCat("more stored changes than one watch replays (", kMaxReplay,
                                "): watch again with after_sequence ", after)));
        return;
      }
      if (!stored.empty()) continue;
      for (v1::SegmentChange& change : held_back_) {
        if (change.sequence() > last_sequence_) EnqueueLocked(std::move(change));
      }
      held_back_.clear();
      replayed_ = true;
      return;
    }
  }

  void Unsubscribe() override { api_->Unsubscribe(listener_); }

  SegmentsApi* const api_;
  int listener_ = 0;                                   // set by the constructor, read by OnDone
  bool replayed_ ABSL_GUARDED_BY(mutex_) = false;      // the stored changes are queued
  int64_t last_sequence_ ABSL_GUARDED_BY(mutex_) = 0;  // of the last stored one queued
  std::vector<v1::SegmentChange> held_back_ ABSL_GUARDED_BY(mutex_);  // told before that
};

class SegmentsService final : public v1::Segments::CallbackService {
 public:
  explicit SegmentsService(const ServiceContext& c)
      : api_(&c.apis->segments),
        pool_(c.write_pool),
        streams_(c.streams),
        slots_(c.stream_slots),
        auth_(c.auth) {}
  grpc::ServerUnaryReactor* GetCustomerSegments(
      grpc::CallbackServerContext* context, const v1::GetCustomerSegmentsRequest* request,
      v1::GetCustomerSegmentsResponse* response) override {
    return Run("GetCustomerSegments", *auth_, context,
               [&] { return api_->GetCustomerSegments(*request, response); });
  }
  grpc::ServerUnaryReactor* ListSegmentMembers(grpc::CallbackServerContext* context,
                                               const v1::ListSegmentMembersRequest* request,
                                               v1::ListSegmentMembersResponse* response) override {
    return Run("ListSegmentMembers", *auth_, context,
               [&] { return api_->ListSegmentMembers(*request, response); });
  }
  grpc::ServerUnaryReactor* RefreshSegments(grpc::CallbackServerContext* context,
                                            const v1::RefreshSegmentsRequest* request,
                                            v1::RefreshSegmentsResponse* response) override {
    return RunWrite("RefreshSegments", *auth_, context, pool_, [api = api_, request, response] {
      return api->RefreshSegments(*request, response);
    });
  }
  grpc::ServerUnaryReactor* GetRfm(grpc::CallbackServerContext* context,
                                   const v1::GetRfmRequest* request,
                                   v1::GetRfmResponse* response) override {
    return Run("GetRfm", *auth_, context, [&] { return api_->GetRfm(*request, response); });
  }
  grpc::ServerWriteReactor<v1::SegmentChange>* WatchSegmentChanges(
      grpc::CallbackServerContext* context,
      const v1::WatchSegmentChangesRequest* request) override {
    constexpr const char* kMethod = "WatchSegmentChanges";
    absl::StatusOr<Caller> caller = Admit(*auth_, context, kMethod);
    if (!caller.ok()) return new RefusedStream<v1::SegmentChange>(kMethod, caller.status());
    if (absl::Status s = api_->CheckWatch(*request); !s.ok()) {
      return new RefusedStream<v1::SegmentChange>(kMethod, s);
    }
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::SegmentChange>(kMethod, slot.status());
    return new WatchSegmentChangesReactor(api_, streams_, caller->name, std::move(*slot), *request);
  }

 private:
  SegmentsApi* api_;
  WorkerPool* pool_;
  OpenStreams* streams_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeSegmentsService(const ServiceContext& context) {
  return std::make_unique<SegmentsService>(context);
}

}  // namespace clientele::server
