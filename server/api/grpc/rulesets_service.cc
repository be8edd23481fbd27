// Rulesets: the callback service, and the WatchRuleset reactor.
#include <memory>

#include "clientele/v1/rulesets.grpc.pb.h"
#include "common/mutex.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/grpc/following_stream.h"
#include "server/api/rulesets.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Follows reload attempts: the status at the start, then one message per
// attempt, told on the reloader's thread.
class WatchRulesetReactor final : public FollowingStream<v1::RulesetStatus> {
 public:
  // A client that lets this many messages pile up unread is cut off.
  static constexpr size_t kMaxBacklog = 256;

  WatchRulesetReactor(RulesetsApi* api, OpenStreams* streams, std::string_view caller,
                      StreamSlots::Slot slot)
      : FollowingStream("WatchRuleset", streams, caller, std::move(slot), kMaxBacklog), api_(api) {
    MutexLock lock(&mutex_);
    if (!RegisterLocked()) return;
    // Subscribe first, then send the current state: an attempt made in
    // between is sent once (EnqueueAttemptLocked skips numbers already queued).
    listener_ = api_->reloader()->Subscribe([this](const ReloadAttempt& attempt) {
      MutexLock lock(&mutex_);
      EnqueueAttemptLocked(attempt);
    });
    Subscribed();
    EnqueueAttemptLocked(api_->reloader()->LastAttempt(), /*initial=*/true);
  }

 private:
  void Unsubscribe() override { api_->reloader()->Unsubscribe(listener_); }

  void EnqueueAttemptLocked(const ReloadAttempt& attempt, bool initial = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finishing() || (!initial && attempt.number <= last_number_)) return;
    last_number_ = attempt.number;
    v1::RulesetStatus status;
    api_->RulesetStatusAfter(attempt, &status);
    EnqueueLocked(std::move(status));
  }

  RulesetsApi* const api_;
  int listener_ = 0;  // set by the constructor, read by OnDone
  int64_t last_number_ ABSL_GUARDED_BY(mutex_) = -1;
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
