#include "server/api/offer_redemptions.h"

#include <algorithm>

#include "common/status_details.h"
#include "common/strings.h"
#include "server/api/serving.h"
#include "server/infra/metrics.h"

namespace clientele::server::api_internal {

using rules::Decimal;

namespace {

// The explanation of the offer; null when the rules did not consider it.
const rules::RuleExplanation* OfferExplained(const rules::Explanation& explanation,
                                             std::string_view offer_id) {
  for (const rules::RuleExplanation& rule : explanation.rules) {
    if (rule.section == "offers" && rule.rule_id == offer_id) return &rule;
  }
  return nullptr;
}

// The explanation's words for why the offer was not given.
std::string WhyInWords(const rules::RuleExplanation* explained) {
  if (explained != nullptr) {
    const rules::RuleExplanation& rule = *explained;
    if (!rule.note.empty()) return rule.note;
    std::vector<std::string> failed;
    for (const rules::ConditionCheck& check : rule.checks) {
      if (!check.as_needed) failed.push_back(check.reason);
    }
    if (!failed.empty()) return StrCat("its condition is false: ", StrJoin(failed, "; "));
    return rule.matched ? "it matched, but was not given" : "its condition is false";
  }
  return "the rules did not consider it";
}

}  // namespace

absl::Status OfferNotGiven(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           std::string_view offer_id, std::string_view field) {
  rules::Decision decision;
  rules::Explanation explanation;
  if (absl::Status s = EvaluateRules(ruleset, input, &decision, &explanation); !s.ok()) return s;
  for (const rules::OfferLoss& loss : decision.offers_lost) {
    if (loss.rule_id != offer_id) continue;
    return WithField(
        WithReason(absl::FailedPreconditionError(StrCat(
                       "offer '", offer_id, "' is not given: stacking gave '", loss.lost_to,
                       "' instead (",
                       loss.why == rules::OfferLoss::Why::kGroup       ? "the same group"
                       : loss.why == rules::OfferLoss::Why::kExclusion ? "an exclusion"
                                                                        : "an exclusive offer",
                       ")")),
                   kReasonOfferNotGiven),
        field);
  }
  const rules::RuleExplanation* explained = OfferExplained(explanation, offer_id);
  const std::string why = WhyInWords(explained);
  using CapReached = rules::RuleExplanation::CapReached;
  const CapReached cap = explained == nullptr ? CapReached::kNone : explained->cap_reached;
  const char* reason = cap == CapReached::kCustomerLimit ? kReasonOfferLimitReached
                       : cap == CapReached::kBudget      ? kReasonOfferBudgetSpent
                                                         : kReasonOfferNotGiven;
  return WithField(WithReason(absl::FailedPreconditionError(
                                  StrCat("offer '", offer_id, "' is not given: ", why)),
                              reason),
                   field);
}

OfferRedemptionRecord RedemptionOf(const rules::OfferGrant& grant, const rules::Decision& decision,
                                   std::string_view customer_id, rules::Date day,
                                   rules::Channel channel, std::optional<Decimal> amount) {
  OfferRedemptionRecord r;
  r.customer_id = std::string(customer_id);
  r.offer_id = std::string(grant.rule_id);
  r.offer = std::string(grant.offer);
  r.day = day;
  r.channel = channel;
  r.unit = grant.unit;
  if (grant.value_known) r.value = grant.value;
  r.amount = amount;
  r.ruleset_version = std::string(decision.ruleset_version);
  return r;
}

absl::StatusOr<std::vector<OfferRedemptionRecord>> RedeemPurchaseOffers(
    Transaction& tx, const rules::RuleSet& ruleset, const rules::EvalInput& input,
    const rules::Decision& decision, const google::protobuf::RepeatedPtrField<std::string>& offer_ids,
    const PurchaseRecord& record) {
  auto given = [&](std::string_view id) {
    return std::find_if(decision.offers.begin(), decision.offers.end(),
                        [&](const rules::OfferGrant& g) { return g.rule_id == id; });
  };
  for (const std::string& id : offer_ids) {
    if (given(id) == decision.offers.end()) return OfferNotGiven(ruleset, input, id, "offer_ids");
  }
  std::vector<OfferRedemptionRecord> redeemed;
  for (const rules::OfferGrant& grant : decision.offers) {
    const bool listed = std::find(offer_ids.begin(), offer_ids.end(), grant.rule_id) !=
                        offer_ids.end();
    // A points offer is used by the purchase it multiplied: when it added
    // points (a purchase that earned none used nothing of it).
    if (!listed && (grant.unit != rules::OfferValueUnit::kPoints || !grant.value_known ||
                    grant.value <= Decimal())) {
      continue;
    }
    OfferRedemptionRecord r = RedemptionOf(grant, decision, record.customer_id, input.today,
                                           record.channel, record.amount);
    r.purchase_id = record.purchase_id;
    absl::StatusOr<OfferRedemptionRecord> stored = tx.InsertOfferRedemption(r);
    if (!stored.ok()) return stored.status();
    Metrics::Global().RecordMatch("offer_redemption", grant.rule_id);
    redeemed.push_back(*std::move(stored));
  }
  return redeemed;
}

absl::StatusOr<std::vector<OfferRedemptionRecord>> ReverseOffersOfPurchase(
    Transaction& tx, std::string_view purchase_id, std::string_view reason) {
  absl::StatusOr<std::vector<OfferRedemptionRecord>> carried =
      tx.OfferRedemptionsOfPurchase(purchase_id);
  if (!carried.ok()) return carried.status();
  std::vector<OfferRedemptionRecord> reversed;
  for (const OfferRedemptionRecord& r : *carried) {
    if (!r.reversed_at.empty()) continue;
    absl::StatusOr<OfferRedemptionRecord> now = tx.ReverseOfferRedemption(r.id, reason);
    if (!now.ok()) return now.status();
    reversed.push_back(*std::move(now));
  }
  return reversed;
}

void OfferRedemptionToProto(const OfferRedemptionRecord& r, v1::OfferRedemption* out) {
  out->set_redemption_id(r.id);
  out->set_customer_id(r.customer_id);
  out->set_offer_id(r.offer_id);
  out->set_offer(r.offer);
  out->set_date(r.day.ToString());
  out->set_channel(std::string(rules::ChannelName(r.channel)));
  out->set_unit(std::string(rules::OfferValueUnitName(r.unit)));
  if (r.unit != rules::OfferValueUnit::kNone) out->set_value(r.value.ToString());
  if (r.amount.has_value()) out->set_amount(r.amount->ToString());
  out->set_purchase_id(r.purchase_id);
  out->set_reference(r.reference);
  out->set_ruleset_version(r.ruleset_version);
  out->set_recorded_at(r.recorded_at);
  out->set_reversed_at(r.reversed_at);
  out->set_reversal_reason(r.reversal_reason);
}

}  // namespace clientele::server::api_internal
