// Rulesets: the callback service, and the WatchRuleset reactor.
#include <deque>
#include <memory>
#include <optional>

#include "clientele/v1/rulesets.grpc.pb.h"
#include "common/mutex.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/rulesets.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Follows reload attempts: the status at the start, then one message per
// attempt. Attempts are told on the reloader's thread and written on
// gRPC's; one write is outstanding at a time and Finish waits for it.
class WatchRulesetReactor final : public grpc::ServerWriteReactor<v1::RulesetStatus>,
                                  public OpenStreams::Stream {
 public:
  // A client that lets this many messages pile up unread is cut off.
  static constexpr size_t kMaxBacklog = 256;

  WatchRulesetReactor(RulesetsApi* api, OpenStreams* streams, std::string_view caller,
                      StreamSlots::Slot slot)
      : api_(api), streams_(streams), caller_(caller), slot_(std::move(slot)) {
    MutexLock lock(&mutex_);
    if (!streams_->Add(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is stopping"));
      return;
    }
    registered_ = true;
    // Subscribe first, then send the current state: an attempt made in
    // between is sent once (EnqueueLocked skips numbers already queued).
    listener_ = api_->reloader()->Subscribe([this](const ReloadAttempt& attempt) {
      MutexLock lock(&mutex_);
      EnqueueLocked(attempt);
    });
    EnqueueLocked(api_->reloader()->LastAttempt(), /*initial=*/true);
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
    if (listener_ != 0) api_->reloader()->Unsubscribe(listener_);  // no call after this
    if (registered_) streams_->Remove(this);
    delete this;
  }

 private:
  void EnqueueLocked(const ReloadAttempt& attempt, bool initial = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finishing_ || (!initial && attempt.number <= last_number_)) return;
    last_number_ = attempt.number;
    if (backlog_.size() >= kMaxBacklog) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "the client read too slowly; watch again"));
      return;
    }
    api_->RulesetStatusAfter(attempt, &backlog_.emplace_back());
    WriteNextLocked();
  }
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (writing_ || backlog_.empty()) return;
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
    LogCall("WatchRuleset", FromGrpc(status), began_, caller_);
    Finish(std::move(status));
  }

  RulesetsApi* const api_;
  OpenStreams* const streams_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  // Set by the constructor, before gRPC can call any reaction, and read
  // by OnDone, the last one: no lock needed.
  bool registered_ = false;
  int listener_ = 0;
  Mutex mutex_;
  std::deque<v1::RulesetStatus> backlog_ ABSL_GUARDED_BY(mutex_);
  v1::RulesetStatus sending_ ABSL_GUARDED_BY(mutex_);
  int64_t last_number_ ABSL_GUARDED_BY(mutex_) = -1;
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finishing_ ABSL_GUARDED_BY(mutex_) = false;  // no more messages are queued
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;   // Finish called
  std::optional<grpc::Status> finish_wanted_ ABSL_GUARDED_BY(mutex_);
};

class RulesetsService final : public v1::Rulesets::CallbackService {
 public:
  explicit RulesetsService(const ServiceContext& c)
      : api_(&c.apis->rulesets),
        pool_(c.write_pool),
        streams_(c.streams),
        slots_(c.stream_slots),
        auth_(c.auth) {}
  grpc::ServerUnaryReactor* GetRulesetStatus(grpc::CallbackServerContext* context,
                                             const v1::GetRulesetStatusRequest* request,
                                             v1::RulesetStatus* response) override {
    return Run("GetRulesetStatus", *auth_, context,
               [&] { return api_->GetRulesetStatus(*request, response); });
  }
  // A reload reads and compiles files: off gRPC's threads.
  grpc::ServerUnaryReactor* ReloadRuleset(grpc::CallbackServerContext* context,
                                          const v1::ReloadRulesetRequest* request,
                                          v1::ReloadRulesetResponse* response) override {
    return RunWrite("ReloadRuleset", *auth_, context, pool_, [api = api_, request, response] {
      return api->ReloadRuleset(*request, response);
    });
  }
  grpc::ServerWriteReactor<v1::RulesetStatus>* WatchRuleset(
      grpc::CallbackServerContext* context, const v1::WatchRulesetRequest*) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "WatchRuleset");
    if (!caller.ok()) return new RefusedStream<v1::RulesetStatus>("WatchRuleset", caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::RulesetStatus>("WatchRuleset", slot.status());
    return new WatchRulesetReactor(api_, streams_, caller->name, std::move(*slot));
  }
  grpc::ServerUnaryReactor* ListRulesetVersions(
      grpc::CallbackServerContext* context, const v1::ListRulesetVersionsRequest* request,
      v1::ListRulesetVersionsResponse* response) override {
    return Run("ListRulesetVersions", *auth_, context,
               [&] { return api_->ListRulesetVersions(*request, response); });
  }
  grpc::ServerUnaryReactor* GetRulesetVersion(grpc::CallbackServerContext* context,
                                              const v1::GetRulesetVersionRequest* request,
                                              v1::GetRulesetVersionResponse* response) override {
    return Run("GetRulesetVersion", *auth_, context,
               [&] { return api_->GetRulesetVersion(*request, response); });
  }
  // Seconds of work for a large store: on the pool, off gRPC's threads.
  grpc::ServerUnaryReactor* SimulateRuleset(grpc::CallbackServerContext* context,
                                            const v1::SimulateRulesetRequest* request,
                                            v1::SimulateRulesetResponse* response) override {
    return RunWrite("SimulateRuleset", *auth_, context, pool_, [api = api_, request, response] {
      return api->SimulateRuleset(*request, response);
    });
  }

 private:
  RulesetsApi* api_;
  WorkerPool* pool_;
  OpenStreams* streams_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeRulesetsService(const ServiceContext& context) {
  return std::make_unique<RulesetsService>(context);
}

}  // namespace clientele::server
