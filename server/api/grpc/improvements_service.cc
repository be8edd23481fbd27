// Improvements: the callback service.
#include <memory>

#include "clientele/v1/improvements.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/improvements.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class ImprovementsService final : public v1::Improvements::CallbackService {
 public:
  explicit ImprovementsService(const ServiceContext& c)
      : api_(&c.apis->improvements), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* UpsertProduct(grpc::CallbackServerContext* context,
                                          const v1::UpsertProductRequest* request,
                                          v1::UpsertProductResponse* response) override {
    return RunWrite("UpsertProduct", *auth_, context, pool_, [api = api_, request, response] {
      return api->UpsertProduct(*request, response);
    });
  }
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const v1::GetProductRequest* request,
                                       v1::GetProductResponse* response) override {
    return Run("GetProduct", *auth_, context, [&] { return api_->GetProduct(*request, response); });
  }
  grpc::ServerUnaryReactor* ListImprovementActions(
      grpc::CallbackServerContext* context, const v1::ListImprovementActionsRequest* request,
      v1::ListImprovementActionsResponse* response) override {
    return Run("ListImprovementActions", *auth_, context,
               [&] { return api_->ListImprovementActions(*request, response); });
  }
  grpc::ServerUnaryReactor* ApplyImprovementAction(
      grpc::CallbackServerContext* context, const v1::DecideImprovementActionRequest* request,
      v1::DecideImprovementActionResponse* response) override {
    return RunWrite("ApplyImprovementAction", *auth_, context, pool_,
                    [api = api_, request, response] {
                      return api->ApplyImprovementAction(*request, response);
                    });
  }
  grpc::ServerUnaryReactor* DismissImprovementAction(
      grpc::CallbackServerContext* context, const v1::DecideImprovementActionRequest* request,
      v1::DecideImprovementActionResponse* response) override {
    return RunWrite("DismissImprovementAction", *auth_, context, pool_,
                    [api = api_, request, response] {
                      return api->DismissImprovementAction(*request, response);
                    });
  }

 private:
  ImprovementsApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeImprovementsService(const ServiceContext& context) {
  return std::make_unique<ImprovementsService>(context);
}

}  // namespace clientele::server
