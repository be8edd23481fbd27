// Offers: the callback service.
#include <memory>

#include "clientele/v1/offers.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/offers.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class OffersService final : public v1::Offers::CallbackService {
 public:
  explicit OffersService(const ServiceContext& c)
      : api_(&c.apis->offers), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* RedeemOffer(grpc::CallbackServerContext* context,
                                        const v1::RedeemOfferRequest* request,
                                        v1::RedeemOfferResponse* response) override {
    return StartWrite("RedeemOffer", *auth_, context,
                      [api = api_, request, response](Store::Deadline deadline, Done done) {
                        api->RedeemOffer(*request, response, deadline, std::move(done));
                      });
  }
  grpc::ServerUnaryReactor* ReverseOfferRedemption(
      grpc::CallbackServerContext* context, const v1::ReverseOfferRedemptionRequest* request,
      v1::ReverseOfferRedemptionResponse* response) override {
    return RunWrite("ReverseOfferRedemption", *auth_, context, pool_,
                    [api = api_, request, response] {
                      return api->ReverseOfferRedemption(*request, response);
                    });
  }
  grpc::ServerUnaryReactor* ListOfferRedemptions(
      grpc::CallbackServerContext* context, const v1::ListOfferRedemptionsRequest* request,
      v1::ListOfferRedemptionsResponse* response) override {
    return Run("ListOfferRedemptions", *auth_, context,
               [&] { return api_->ListOfferRedemptions(*request, response); });
  }
  grpc::ServerUnaryReactor* GetOfferCalendar(grpc::CallbackServerContext* context,
                                             const v1::GetOfferCalendarRequest* request,
                                             v1::GetOfferCalendarResponse* response) override {
    return Run("GetOfferCalendar", *auth_, context,
               [&] { return api_->GetOfferCalendar(*request, response); });
  }

 private:
  OffersApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeOffersService(const ServiceContext& context) {
  return std::make_unique<OffersService>(context);
}

}  // namespace clientele::server
