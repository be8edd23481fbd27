// Events: the callback service.
#include <memory>

#include "clientele/v1/events.grpc.pb.h"
#include "server/api/events.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class EventsService final : public v1::Events::CallbackService {
 public:
  explicit EventsService(const ServiceContext& c)
      : api_(&c.apis->events), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* RecordPurchase(grpc::CallbackServerContext* context,
                                           const v1::RecordPurchaseRequest* request,
                                           v1::RecordPurchaseResponse* response) override {
    return StartWrite(
        "RecordPurchase", *auth_, context,
        [api = api_, request, response](Store::Deadline deadline, Done done) {
          api->RecordPurchase(*request, response, deadline, std::move(done));
        });
  }
  grpc::ServerUnaryReactor* RecordInteraction(grpc::CallbackServerContext* context,
                                              const v1::RecordInteractionRequest* request,
                                              v1::RecordInteractionResponse* response) override {
    return RunWrite("RecordInteraction", *auth_, context, pool_, [api = api_, request, response] {
      return api->RecordInteraction(*request, response);
    });
  }
  grpc::ServerUnaryReactor* ReturnPurchase(grpc::CallbackServerContext* context,
                                           const v1::ReturnPurchaseRequest* request,
                                           v1::ReturnPurchaseResponse* response) override {
    return RunWrite("ReturnPurchase", *auth_, context, pool_, [api = api_, request, response] {
      return api->ReturnPurchase(*request, response);
    });
  }
  grpc::ServerUnaryReactor* SubmitFeedback(grpc::CallbackServerContext* context,
                                           const v1::SubmitFeedbackRequest* request,
                                           v1::SubmitFeedbackResponse* response) override {
    return RunWrite("SubmitFeedback", *auth_, context, pool_, [api = api_, request, response] {
      return api->SubmitFeedback(*request, response);
    });
  }
  grpc::ServerUnaryReactor* RecordEvent(grpc::CallbackServerContext* context,
                                        const v1::RecordEventRequest* request,
                                        v1::RecordEventResponse* response) override {
    return RunWrite("RecordEvent", *auth_, context, pool_, [api = api_, request, response] {
      return api->RecordEvent(*request, response);
    });
  }

 private:
  EventsApi* api_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeEventsService(const ServiceContext& context) {
  return std::make_unique<EventsService>(context);
}

}  // namespace clientele::server
