// The Reports service (proto/clientele/v1/reports.proto): segment sizes
// over stored customers, the per-product feedback report and the points
// ledger. Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_REPORTS_H_
#define CLIENTELE_SERVER_API_REPORTS_H_

#include <functional>

#include "absl/status/status.h"
#include "clientele/v1/reports.pb.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

class ReportsApi {
 public:
  // What `dependencies` points to must outlive the ReportsApi.
  explicit ReportsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        limits_(dependencies.limits) ,
        today_(api_internal::ProgrammeToday(dependencies)) {}

  absl::Status SegmentSizes(const v1::SegmentSizesRequest& request,
                            v1::SegmentSizesResponse* response);
  absl::Status FeedbackReport(const v1::FeedbackReportRequest& request,
                              v1::FeedbackReportResponse* response);
  absl::Status GetLedger(const v1::GetLedgerRequest& request, v1::GetLedgerResponse* response);
  // offer_report.cc
  absl::Status OfferReport(const v1::OfferReportRequest& request,
                           v1::OfferReportResponse* response);

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  const std::function<rules::Date()> today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_REPORTS_H_
