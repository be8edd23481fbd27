// ChangeRequests: the callback service. The steps run on the write pool:
// they wait for the store's commit, a submission runs the draft's check (a
// simulation), and an approval loads the draft's rules; the reads on
// gRPC's thread.
#include <memory>

#include "clientele/v1/change_requests.grpc.pb.h"
#include "server/api/change_requests.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class ChangeRequestsService final : public v1::ChangeRequests::CallbackService {
 public:
  explicit ChangeRequestsService(const ServiceContext& c)
      : api_(&c.apis->change_requests), pool_(c.write_pool), auth_(c.auth) {}

  grpc::ServerUnaryReactor* SubmitChangeRequest(grpc::CallbackServerContext* context,
                                                const v1::SubmitChangeRequestRequest* request,
                                                v1::ChangeRequest* response) override {
    return RunWrite("SubmitChangeRequest", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->SubmitChangeRequest(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* ApproveChangeRequest(grpc::CallbackServerContext* context,
                                                 const v1::ReviewChangeRequestRequest* request,
                                                 v1::ChangeRequest* response) override {
    return RunWrite("ApproveChangeRequest", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->ApproveChangeRequest(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* RejectChangeRequest(grpc::CallbackServerContext* context,
                                                const v1::ReviewChangeRequestRequest* request,
                                                v1::ChangeRequest* response) override {
    return RunWrite("RejectChangeRequest", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->RejectChangeRequest(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* WithdrawChangeRequest(grpc::CallbackServerContext* context,
                                                  const v1::WithdrawChangeRequestRequest* request,
                                                  v1::ChangeRequest* response) override {
    return RunWrite("WithdrawChangeRequest", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->WithdrawChangeRequest(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* GetChangeRequest(grpc::CallbackServerContext* context,
                                             const v1::GetChangeRequestRequest* request,
                                             v1::ChangeRequest* response) override {
    return Run("GetChangeRequest", *auth_, context,
               [&] { return api_->GetChangeRequest(*request, response); });
  }
  grpc::ServerUnaryReactor* ListChangeRequests(grpc::CallbackServerContext* context,
                                               const v1::ListChangeRequestsRequest* request,
                                               v1::ListChangeRequestsResponse* response) override {
    return Run("ListChangeRequests", *auth_, context,
               [&] { return api_->ListChangeRequests(*request, response); });
  }

 private:
  ChangeRequestsApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeChangeRequestsService(const ServiceContext& context) {
  return std::make_unique<ChangeRequestsService>(context);
}

}  // namespace clientele::server
