// Diagnostics: Ping, the only service with no API class (nothing below
// gRPC is involved).
#include <memory>

#include "clientele/v1/diagnostics.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/requests.h"
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Ping answers on the reactor thread without touching anything else (but
// admits callers like every RPC, so that it stays a fair ceiling).
class DiagnosticsService final : public v1::Diagnostics::CallbackService {
 public:
  explicit DiagnosticsService(const Authenticator* auth) : auth_(auth) {}
  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context,
                                 const v1::PingRequest* request,
                                 v1::PingResponse* response) override {
    const auto began = std::chrono::steady_clock::now();
    if (absl::StatusOr<Caller> caller = Admit(*auth_, context, "Ping"); !caller.ok()) {
      return Refuse(context, "Ping", caller.status());
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->payload().size() > 1024) {
      reactor->Finish(ToGrpc(api_internal::Invalid("payload", "at most 1024 bytes")));
      return reactor;
    }
    response->set_payload(request->payload());
    // Counted like every call (not logged), so that it stays a fair ceiling.
    Metrics::Global().RecordCall("Ping", absl::StatusCode::kOk,
                                 std::chrono::steady_clock::now() - began);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeDiagnosticsService(const Authenticator* auth) {
  return std::make_unique<DiagnosticsService>(auth);
}

}  // namespace clientele::server
