// The Loyalty service (proto/clientele/v1/loyalty.proto): a customer's
// points as money — balances with what is pending and expiring, redemption
// and its reversal — kept by PointsAccount (points_account.h) in the one
// ledger; the expiry pass, which writes off points whose expiry came; and
// the tier's history and manual tiers.
// Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_LOYALTY_H_
#define CLIENTELE_SERVER_API_LOYALTY_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/loyalty.pb.h"
#include "rules/customer.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

class LoyaltyApi {
 public:
  // What `dependencies` points to must outlive the LoyaltyApi.
  explicit LoyaltyApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        limits_(dependencies.limits) ,
        today_(api_internal::ProgrammeToday(dependencies)) {}

  absl::Status GetPoints(const v1::GetPointsRequest& request, v1::GetPointsResponse* response);
  absl::Status RedeemPoints(const v1::RedeemPointsRequest& request,
                            v1::RedeemPointsResponse* response);
  // RedeemPoints without a thread waiting for the commit, as
  // EventsApi::RecordPurchase's (the same contract for `done`, `request`,
  // `response` and `deadline`).
  void RedeemPoints(const v1::RedeemPointsRequest& request, v1::RedeemPointsResponse* response,
                    Store::Deadline deadline, Done done);
  absl::Status ReverseRedemption(const v1::ReverseRedemptionRequest& request,
                                 v1::ReverseRedemptionResponse* response);
  absl::Status GetTierHistory(const v1::GetTierHistoryRequest& request,
                              v1::GetTierHistoryResponse* response);
  absl::Status SetTier(const v1::SetTierRequest& request, v1::SetTierResponse* response);

  // Reviews the tiers of every customer on `today` by the served rules
  // (rules/tiers.h: a downgrade scheduled, due or dropped; a tier left as
  // a qualifying window moved on or points expired), reading `batch`
  // customers at a time and writing only those whose tier or schedule
  // changes. Customers the rules fail for (a division by zero in a
  // segment) are left as they are and logged. Nothing when the served
  // rules' tiers cannot change without an event
  // (RuleSet::TiersChangeOverTime). Stops between batches once
  // `stop_requested` says so. Returns the customers changed.
  // The programme's day (ApiDependencies::today): what the background
  // passes take for today.
  rules::Date Today() const { return today_(); }

  absl::StatusOr<int64_t> ReviewTiers(rules::Date today, int64_t batch,
                                      const std::function<bool()>& stop_requested);

  // Writes off, as ledger entries "expiry", the points of every lot whose
  // expiry is `today` or before, in one pass over the customers in id
  // order, in store writes of at most `batch` lots each (writes queued
  // behind one are not held up long); reads never show such points even
  // before this runs. Stops between writes once `stop_requested` says so.
  // Returns the points written off.
  absl::StatusOr<int64_t> ExpirePoints(rules::Date today, int64_t batch,
                                       const std::function<bool()>& stop_requested = {});

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  const std::function<rules::Date()> today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_LOYALTY_H_
