// Reports: the callback service.
#include <memory>

#include "clientele/v1/reports.grpc.pb.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"
#include "server/api/reports.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

class ReportsService final : public v1::Reports::CallbackService {
 public:
  explicit ReportsService(const ServiceContext& c) : api_(&c.apis->reports), auth_(c.auth) {}
  grpc::ServerUnaryReactor* SegmentSizes(grpc::CallbackServerContext* context,
                                         const v1::SegmentSizesRequest* request,
                                         v1::SegmentSizesResponse* response) override {
    return Run("SegmentSizes", *auth_, context,
               [&] { return api_->SegmentSizes(*request, response); });
  }
  grpc::ServerUnaryReactor* FeedbackReport(grpc::CallbackServerContext* context,
                                           const v1::FeedbackReportRequest* request,
                                           v1::FeedbackReportResponse* response) override {
    return Run("FeedbackReport", *auth_, context,
               [&] { return api_->FeedbackReport(*request, response); });
  }
  grpc::ServerUnaryReactor* GetLedger(grpc::CallbackServerContext* context,
                                      const v1::GetLedgerRequest* request,
                                      v1::GetLedgerResponse* response) override {
    return Run("GetLedger", *auth_, context, [&] { return api_->GetLedger(*request, response); });
  }
  grpc::ServerUnaryReactor* OfferReport(grpc::CallbackServerContext* context,
                                        const v1::OfferReportRequest* request,
                                        v1::OfferReportResponse* response) override {
    return Run("OfferReport", *auth_, context,
               [&] { return api_->OfferReport(*request, response); });
  }

 private:
  ReportsApi* api_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeReportsService(const ServiceContext& context) {
  return std::make_unique<ReportsService>(context);
}

}  // namespace clientele::server
