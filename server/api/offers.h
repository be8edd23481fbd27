// The Offers service (proto/clientele/v1/offers.proto): redeeming an offer
// under its limits and budget, reversing a redemption, a customer's
// redemptions, and the served ruleset's campaign calendar. The checks and
// records a redemption makes are offer_redemptions.h's, shared with
// RecordPurchase and ReturnPurchase.
// Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_OFFERS_H_
#define CLIENTELE_SERVER_API_OFFERS_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "clientele/v1/offers.pb.h"
#include "rules/customer.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

class OffersApi {
 public:
  // What `dependencies` points to must outlive the OffersApi.
  explicit OffersApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        today_(api_internal::ProgrammeToday(dependencies)),
        minute_(api_internal::ProgrammeMinute(dependencies)) {}

  absl::Status RedeemOffer(const v1::RedeemOfferRequest& request,
                           v1::RedeemOfferResponse* response);
  // RedeemOffer without a thread waiting for the commit, as
  // EventsApi::RecordPurchase's (the same contract for `done`, `request`,
  // `response` and `deadline`).
  void RedeemOffer(const v1::RedeemOfferRequest& request, v1::RedeemOfferResponse* response,
                   Store::Deadline deadline, Done done);
  absl::Status ReverseOfferRedemption(const v1::ReverseOfferRedemptionRequest& request,
                                      v1::ReverseOfferRedemptionResponse* response);
  absl::Status ListOfferRedemptions(const v1::ListOfferRedemptionsRequest& request,
                                    v1::ListOfferRedemptionsResponse* response);
  absl::Status GetOfferCalendar(const v1::GetOfferCalendarRequest& request,
                                v1::GetOfferCalendarResponse* response);

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const std::function<rules::Date()> today_;
  const std::function<int32_t(const rules::RuleSet&, rules::Date)> minute_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_OFFERS_H_
