// Decisions: the callback service, and the EvaluateMany reactor.
#include <memory>
#include <string>

#include "clientele/v1/decisions.grpc.pb.h"
#include "server/api/decisions.h"
#include "server/api/grpc/arena_messages.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Writes the decisions of a DecisionStream one at a time: the next is
// produced only when the previous has been sent, so a slow reader holds
// back the scan instead of filling memory.
class EvaluateManyReactor final : public grpc::ServerWriteReactor<v1::EvaluateResponse> {
 public:
  EvaluateManyReactor(grpc::CallbackServerContext* context, std::string_view caller,
                      StreamSlots::Slot slot,
                      absl::StatusOr<std::unique_ptr<DecisionStream>> stream)
      : context_(context), caller_(caller), slot_(std::move(slot)) {
    if (!stream.ok()) {
      End(ToGrpc(stream.status()));
      return;
    }
    stream_ = std::move(*stream);
    WriteNext();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  // Counts and logs the stream, then finishes it.
  void End(grpc::Status status) {
    LogCall("EvaluateMany", FromGrpc(status), began_, caller_);
    Finish(std::move(status));
  }

  void WriteNext() {
    if (context_->IsCancelled()) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      return;
    }
    if (context_->deadline() < std::chrono::system_clock::now()) {
      End(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the deadline passed mid-stream"));
      return;
    }
    absl::StatusOr<bool> more = stream_->Next(&response_);
    if (!more.ok()) {
      End(ToGrpc(more.status()));
    } else if (!*more) {
      End(grpc::Status::OK);
    } else {
      StartWrite(&response_);
    }
  }

  grpc::CallbackServerContext* context_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  std::unique_ptr<DecisionStream> stream_;
  v1::EvaluateResponse response_;
};

class DecisionsService final : public v1::Decisions::CallbackService {
 public:
  explicit DecisionsService(const ServiceContext& c)
      : api_(&c.apis->decisions), slots_(c.stream_slots), auth_(c.auth) {
    // Evaluate is the call backends make most; its response has many parts.
    SetMessageAllocatorFor_Evaluate(&evaluate_messages_);
  }
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override {
    return Run("Evaluate", *auth_, context, [&](std::string_view caller) {
      return api_->Evaluate(*request, response, caller);
    });
  }
  grpc::ServerWriteReactor<v1::EvaluateResponse>* EvaluateMany(
      grpc::CallbackServerContext* context, const v1::EvaluateManyRequest* request) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "EvaluateMany");
    if (!caller.ok()) {
      return new RefusedStream<v1::EvaluateResponse>("EvaluateMany", caller.status());
    }
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::EvaluateResponse>("EvaluateMany", slot.status());
    return new EvaluateManyReactor(context, caller->name, std::move(*slot),
                                   api_->EvaluateMany(*request, caller->name));
  }
  grpc::ServerUnaryReactor* GetRuleset(grpc::CallbackServerContext* context,
                                       const v1::GetRulesetRequest* request,
                                       v1::GetRulesetResponse* response) override {
    return Run("GetRuleset", *auth_, context, [&] { return api_->GetRuleset(*request, response); });
  }
  grpc::ServerUnaryReactor* ListLoggedDecisions(grpc::CallbackServerContext* context,
                                                const v1::ListLoggedDecisionsRequest* request,
                                                v1::ListLoggedDecisionsResponse* response) override {
    return Run("ListLoggedDecisions", *auth_, context,
               [&] { return api_->ListLoggedDecisions(*request, response); });
  }

 private:
  DecisionsApi* api_;
  StreamSlots* slots_;
  const Authenticator* auth_;
  ArenaMessageAllocator<v1::EvaluateRequest, v1::EvaluateResponse> evaluate_messages_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeDecisionsService(const ServiceContext& context) {
  return std::make_unique<DecisionsService>(context);
}

}  // namespace clientele::server
