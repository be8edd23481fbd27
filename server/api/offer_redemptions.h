// Redeeming offers inside a write transaction: the check that the served
// rules give an offer under its limits and budget, as the store counts
// them in that same transaction, and the record of it. Offers.RedeemOffer
// redeems one; RecordPurchase the offers a purchase carries and the points
// offers it earned by; ReturnPurchase reverses them. Because writes are
// serialised, two redemptions can never both take a budget's last unit.
// Internal to server/api/; stateless, thread-safe.
#ifndef CLIENTELE_SERVER_API_OFFER_REDEMPTIONS_H_
#define CLIENTELE_SERVER_API_OFFER_REDEMPTIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/offers.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "rules/decision.h"
#include "rules/ruleset.h"
#include "server/store/records.h"
#include "server/store/transaction.h"

namespace clientele::server::api_internal {

// Why the rules did not give `offer_id` in `input` (which must hold the
// usage it was refused under): FAILED_PRECONDITION with the explanation's
// words and reason OFFER_LIMIT_REACHED, OFFER_BUDGET_SPENT or
// OFFER_NOT_GIVEN, about `field`. Evaluates `input` again, explained.
absl::Status OfferNotGiven(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           std::string_view offer_id, std::string_view field);

// A redemption of `grant` as `decision` gave it (with the ruleset version),
// for `customer_id` on `day` in `channel`, worth its value for `amount`.
OfferRedemptionRecord RedemptionOf(const rules::OfferGrant& grant, const rules::Decision& decision,
                                   std::string_view customer_id, rules::Date day,
                                   rules::Channel channel, std::optional<rules::Decimal> amount);

// The redemptions a purchase makes, given the decision evaluated for it
// (the usage read in `tx`): each of `offer_ids`, which must all be in
// decision.offers (else OfferNotGiven about "offer_ids", re-evaluating
// `input`), and every points offer given. Records them, carrying
// record.purchase_id, and returns them as recorded (ids set).
absl::StatusOr<std::vector<OfferRedemptionRecord>> RedeemPurchaseOffers(
    Transaction& tx, const rules::RuleSet& ruleset, const rules::EvalInput& input,
    const rules::Decision& decision, const google::protobuf::RepeatedPtrField<std::string>& offer_ids,
    const PurchaseRecord& record);

// Reverses every redemption `purchase_id` carried that is not reversed yet,
// for `reason`; returns them as they are now.
absl::StatusOr<std::vector<OfferRedemptionRecord>> ReverseOffersOfPurchase(
    Transaction& tx, std::string_view purchase_id, std::string_view reason);

void OfferRedemptionToProto(const OfferRedemptionRecord& r, v1::OfferRedemption* out);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_OFFER_REDEMPTIONS_H_
