// Drafts: the callback service. Changes run on the write pool (they wait
// for the store's commit), and so do the reads that load a draft's rules
// (a ruleset's compile is no work for gRPC's threads); the list on
// gRPC's thread.
#include <memory>

#include "clientele/v1/drafts.grpc.pb.h"
#include "server/api/drafts.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class DraftsService final : public v1::Drafts::CallbackService {
 public:
  explicit DraftsService(const ServiceContext& c)
      : api_(&c.apis->drafts), pool_(c.write_pool), auth_(c.auth) {}

  grpc::ServerUnaryReactor* CreateDraft(grpc::CallbackServerContext* context,
                                        const v1::CreateDraftRequest* request,
                                        v1::Draft* response) override {
    return RunWrite("CreateDraft", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->CreateDraft(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* GetDraft(grpc::CallbackServerContext* context,
                                     const v1::GetDraftRequest* request,
                                     v1::Draft* response) override {
    // On the pool, as a write: it loads the draft's rules, as a reload does.
    return RunWrite("GetDraft", *auth_, context, pool_,
                    [api = api_, request, response] { return api->GetDraft(*request, response); });
  }
  grpc::ServerUnaryReactor* ListDrafts(grpc::CallbackServerContext* context,
                                       const v1::ListDraftsRequest* request,
                                       v1::ListDraftsResponse* response) override {
    return Run("ListDrafts", *auth_, context, [&] { return api_->ListDrafts(*request, response); });
  }
  grpc::ServerUnaryReactor* EditDraft(grpc::CallbackServerContext* context,
                                      const v1::EditDraftRequest* request,
                                      v1::Draft* response) override {
    return RunWrite("EditDraft", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->EditDraft(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* DeleteDraft(grpc::CallbackServerContext* context,
                                        const v1::DeleteDraftRequest* request,
                                        v1::DeleteDraftResponse* response) override {
    return RunWrite("DeleteDraft", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->DeleteDraft(*request, caller, response);
                    });
  }
  grpc::ServerUnaryReactor* ExportDraftParameters(
      grpc::CallbackServerContext* context, const v1::ExportDraftParametersRequest* request,
      v1::ExportDraftParametersResponse* response) override {
    return RunWrite(
        "ExportDraftParameters", *auth_, context, pool_,
        [api = api_, request, response] { return api->ExportDraftParameters(*request, response); });
  }
  grpc::ServerUnaryReactor* ImportDraftParameters(grpc::CallbackServerContext* context,
                                                  const v1::ImportDraftParametersRequest* request,
                                                  v1::Draft* response) override {
    return RunWrite("ImportDraftParameters", *auth_, context, pool_,
                    [api = api_, request, response](std::string_view caller) {
                      return api->ImportDraftParameters(*request, caller, response);
                    });
  }

  grpc::ServerUnaryReactor* CheckDraft(grpc::CallbackServerContext* context,
                                       const v1::CheckDraftRequest* request,
                                       v1::DraftCheck* response) override {
    return RunWrite("CheckDraft", *auth_, context, pool_, [api = api_, request, response] {
      return api->CheckDraft(*request, response);
    });
  }

 private:
  DraftsApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeDraftsService(const ServiceContext& context) {
  return std::make_unique<DraftsService>(context);
}

}  // namespace clientele::server
