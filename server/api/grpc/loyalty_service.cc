// Loyalty: the callback service.
#include <memory>

#include "clientele/v1/loyalty.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/loyalty.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class LoyaltyService final : public v1::Loyalty::CallbackService {
 public:
  explicit LoyaltyService(const ServiceContext& c)
      : api_(&c.apis->loyalty), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* GetPoints(grpc::CallbackServerContext* context,
                                      const v1::GetPointsRequest* request,
                                      v1::GetPointsResponse* response) override {
    return Run("GetPoints", *auth_, context, [&] { return api_->GetPoints(*request, response); });
  }
  grpc::ServerUnaryReactor* RedeemPoints(grpc::CallbackServerContext* context,
                                         const v1::RedeemPointsRequest* request,
                                         v1::RedeemPointsResponse* response) override {
    return StartWrite("RedeemPoints", *auth_, context,
                      [api = api_, request, response](Store::Deadline deadline, Done done) {
                        api->RedeemPoints(*request, response, deadline, std::move(done));
                      });
  }
  grpc::ServerUnaryReactor* GetTierHistory(grpc::CallbackServerContext* context,
                                           const v1::GetTierHistoryRequest* request,
                                           v1::GetTierHistoryResponse* response) override {
    return Run("GetTierHistory", *auth_, context,
               [&] { return api_->GetTierHistory(*request, response); });
  }
  grpc::ServerUnaryReactor* SetTier(grpc::CallbackServerContext* context,
                                    const v1::SetTierRequest* request,
                                    v1::SetTierResponse* response) override {
    return RunWrite("SetTier", *auth_, context, pool_, [api = api_, request, response] {
      return api->SetTier(*request, response);
    });
  }
  grpc::ServerUnaryReactor* ReverseRedemption(grpc::CallbackServerContext* context,
                                              const v1::ReverseRedemptionRequest* request,
                                              v1::ReverseRedemptionResponse* response) override {
    return RunWrite("ReverseRedemption", *auth_, context, pool_, [api = api_, request, response] {
      return api->ReverseRedemption(*request, response);
    });
  }

 private:
  LoyaltyApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeLoyaltyService(const ServiceContext& context) {
  return std::make_unique<LoyaltyService>(context);
}

}  // namespace clientele::server
