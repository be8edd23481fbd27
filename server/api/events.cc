// The Events service: purchases (points by the earning rules, the ledger,
// the tier), their returns, interactions (satisfaction) and feedback (the
// improvement actions the rules propose from it).
#include "server/api/events.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "server/api/conversion.h"
#include "server/api/idempotent_writes.h"
#include "server/api/offer_redemptions.h"
#include "server/api/offer_usage.h"
#include "server/api/points_account.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/api/task_opening.h"
#include "server/api/tier_changes.h"
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;
using rules::Decimal;

namespace {

// A purchase request that passed validation, with what its write needs.
struct CheckedPurchase {
  rules::Purchase purchase;
  Date day;
  Date today;
  int32_t minute = -1;  // the time of day offers see: now's on a purchase of today
  std::shared_ptr<const ServedRuleset> served;
};

constexpr int kMaxOffersPerPurchase = 20;

// The transaction of a purchase: purchase row, points by the earning
// rules, ledger entry, tier.
absl::Status WritePurchase(const CheckedPurchase& checked, std::string_view customer_id,
                           const google::protobuf::RepeatedPtrField<std::string>& offer_ids,
                           Transaction& tx, v1::RecordPurchaseResponse* out) {
  rules::Purchase purchase = checked.purchase;
  const rules::RuleSet& ruleset = *checked.served->ruleset;
  // Earning rules read the facts as of the purchase's own day: a
  // backdated one needs the history from its window's first day.
  CustomerAsOf as_of = AsOf(ruleset, checked.today);
  if (as_of.history_days > 0 && purchase.date.known() && purchase.date < checked.today) {
    as_of.history_days += checked.today.days() - purchase.date.days();
  }
  absl::StatusOr<Customer> customer = RequireCustomer(tx, customer_id, as_of);
  if (!customer.ok()) return customer.status();
  if (absl::Status s = UseLastEventsAsOf(tx, ruleset, purchase.date, checked.today, &*customer);
      !s.ok()) {
    return s;
  }
  // The catalogue's category, read only when the rules look at it.
  if (purchase.category.empty() && !purchase.product.empty() &&
      checked.served->ruleset->ReadsPurchaseCategory()) {
    absl::StatusOr<std::string> category = tx.ProductCategory(purchase.product);
    if (!category.ok()) return category.status();
    purchase.category = *std::move(category);
  }
  rules::Decision decision;
  rules::EvalInput input{&*customer, &purchase, nullptr, nullptr, checked.today};
  input.minute = checked.minute;
  // The offers' limits and budgets as this transaction sees them: the
  // purchase redeems its offers below, after every earlier write.
  absl::StatusOr<std::vector<int64_t>> used = ReadUsedOfCaps(tx, ruleset, customer->id, checked.today);
  if (!used.ok()) return used.status();
  input.offer_usage = *used;
  if (absl::Status s = EvaluateRules(*checked.served->ruleset, input, &decision); !s.ok()) {
    // A purchase recorded before is ALREADY_EXISTS whatever the rules say
    // now; the insert below finds that out without a lookup, but is not
    // reached here.
    absl::StatusOr<std::optional<PurchaseRecord>> recorded = tx.FindPurchase(purchase.id);
    if (recorded.ok() && recorded->has_value()) {
      return WithReason(
          absl::AlreadyExistsError(StrCat("purchase_id '", purchase.id, "' is already recorded")),
          kReasonPurchaseAlreadyRecorded);
    }
    return s;
  }
  const rules::LoyaltyOutcome& loyalty = decision.loyalty;
  PurchaseRecord record{purchase.id,
                        customer->id,
                        purchase.amount,
                        purchase.product,
                        purchase.channel,
                        checked.day,
                        loyalty.points_earned,
                        std::string(loyalty.rule_id),
                        std::string(decision.ruleset_version),
                        /*returned_kind=*/""};
  LedgerEntry entry;
  entry.customer_id = customer->id;
  entry.delta = loyalty.points_earned;
  entry.reason = "purchase";
  entry.rule_id = std::string(loyalty.rule_id);
  entry.ruleset_version = std::string(decision.ruleset_version);
  entry.source = StrCat("purchase:", purchase.id);
  // Points of a purchase so old that they have expired leave at once
  // (RecordEarning): they change neither the balance nor a tier on it (a
  // tier on points earned counts them: they were earned).
  const rules::PointsPolicy& policy = ruleset.points_policy();
  const bool expired_already = loyalty.points_earned > 0 &&
                               policy.expiry.ExpiresOn(checked.day).known() &&
                               policy.expiry.ExpiresOn(checked.day) <= checked.today;
  const bool on_balance = ruleset.tier_policy().figure == rules::TierPolicy::Figure::kBalance;
  std::string_view tier = decision.tier;
  Date downgrade_on = decision.tier_downgrade_on;
  rules::Decision without;  // the customer as if the expired points had not come
  if (expired_already && on_balance) {
    if (absl::Status s = EvaluateRules(ruleset, {&*customer, nullptr, nullptr, nullptr,
                                                 checked.today},
                                       &without);
        !s.ok()) {
      return s;
    }
    tier = without.tier;
    downgrade_on = without.tier_downgrade_on;
  }
  absl::StatusOr<int64_t> entry_id = tx.InsertPurchase(record, entry, std::nullopt);
  if (!entry_id.ok()) return entry_id.status();
  if (absl::Status s = ChangeTierByRules(tx, *customer, {tier, downgrade_on}, entry.source,
                                         decision.ruleset_version, checked.today);
      !s.ok()) {
    return s;
  }
  PointsAccount account(tx, checked.served->ruleset->points_policy(), decision.ruleset_version,
                        checked.today);
  absl::StatusOr<PointsAccount::Earning> earning =
      account.RecordEarning(*customer, *entry_id, entry, checked.day);
  if (!earning.ok()) return earning.status();
  absl::StatusOr<std::vector<OfferRedemptionRecord>> redeemed =
      RedeemPurchaseOffers(tx, ruleset, input, decision, offer_ids, record);
  if (!redeemed.ok()) return redeemed.status();
  for (const OfferRedemptionRecord& r : *redeemed) {
    OfferRedemptionToProto(r, out->add_offers_redeemed());
  }
  // Counted here, where a retry replayed from its idempotency key never
  // comes (only a failed group commit, which fails the call, over-counts).
  Metrics::Global().RecordMatch("earning", loyalty.rule_id);
  Metrics::Global().RecordPoints(loyalty.points_earned);
  out->set_purchase_id(purchase.id);
  out->set_points_earned(loyalty.points_earned);
  out->set_earning_rule_id(std::string(loyalty.rule_id));
  const int64_t balance = loyalty.points_after - earning->debt_settled - earning->expired;
  const int64_t pending = customer->points_pending + earning->pending_added;
  out->set_points_balance(balance);
  out->set_points_available(balance - pending);
  out->set_points_pending(pending);
  out->set_points_debt_settled(earning->debt_settled);
  out->set_tier_before(std::string(decision.tier_before));
  out->set_tier(std::string(tier));
  out->set_ruleset_version(std::string(decision.ruleset_version));
  out->set_points_expired(earning->expired);
  return OpenTasksByRules(tx, ruleset, customer->id, checked.today, entry.source);
}

// Validates a purchase request (all but the served rules).
absl::StatusOr<CheckedPurchase> CheckPurchase(const v1::RecordPurchaseRequest& request,
                                              const RequestLimits& limits, Date today) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckId("purchase_id", request.purchase_id()); !s.ok()) return s;
  if (request.amount().empty()) return Invalid("amount", "is required");
  if (absl::Status s = CheckDecimalText("amount", request.amount()); !s.ok()) return s;
  absl::StatusOr<Decimal> amount = Decimal::Parse(request.amount());
  if (!amount.ok()) return Invalid("amount", View(amount.status().message()));
  if (*amount <= Decimal()) return Invalid("amount", "must be greater than 0");
  if (*amount > kMaxAmount) {
    return Invalid("amount", StrCat("must be at most ", kMaxAmount.ToString()));
  }
  if (absl::Status s = CheckText("product", request.product(), limits.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  for (const auto& [field, text] :
       {std::pair{"channel", &request.channel()}, std::pair{"date", &request.date()}}) {
    if (absl::Status s = CheckText(field, *text, 50, false); !s.ok()) return s;
  }
  if (absl::Status s = CheckText("category", request.category(), 100, false); !s.ok()) return s;
  if (request.quantity() < 0 || request.quantity() > 1'000'000) {
    return Invalid("quantity", StrCat("must be 1..1000000 (0: 1), not ", request.quantity()));
  }
  if (request.offer_ids_size() > kMaxOffersPerPurchase) {
    return Invalid("offer_ids", StrCat("has ", request.offer_ids_size(), " offers; at most ",
                                       kMaxOffersPerPurchase));
  }
  for (int i = 0; i < request.offer_ids_size(); ++i) {
    const std::string& id = request.offer_ids(i);
    if (absl::Status s = CheckText("offer_ids", id, kMaxIdBytes * 2, true); !s.ok()) return s;
    for (int j = 0; j < i; ++j) {
      if (request.offer_ids(j) == id) {
        return Invalid("offer_ids", StrCat("names '", id, "' twice"));
      }
    }
  }
  CheckedPurchase checked;
  checked.purchase.id = request.purchase_id();
  checked.purchase.amount = *amount;
  checked.purchase.product = request.product();
  checked.purchase.category = request.category();
  checked.purchase.quantity = request.quantity() == 0 ? 1 : request.quantity();
  if (!request.channel().empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(request.channel());
    if (!channel.ok()) return Invalid("channel", View(channel.status().message()));
    checked.purchase.channel = *channel;
  }
  checked.today = today;
  absl::StatusOr<Date> day = ParseDay("date", request.date(), checked.today);
  if (!day.ok()) return day.status();
  if (absl::Status s = CheckNotAfter("date", *day, checked.today); !s.ok()) return s;
  checked.day = *day;
  checked.purchase.date = *day;  // earning rules see it as today()
  return checked;
}

// The rule's phrases that the feedback text contains (letter case of
// ASCII ignored, as `lower(feedback) contains ...` would).
std::vector<std::string> MatchedKeywords(const std::vector<std::string>& keywords,
                                         std::string_view text) {
  const std::string haystack = utf8::AsciiLower(text);
  std::vector<std::string> matched;
  for (const std::string& keyword : keywords) {
    if (haystack.find(utf8::AsciiLower(keyword)) != std::string::npos) matched.push_back(keyword);
  }
  return matched;
}

// Satisfaction as feedback gives it: "1".."5", at most 2 decimals.
absl::StatusOr<std::optional<Decimal>> ParseSatisfaction(std::string_view text) {
  if (text.empty()) return std::optional<Decimal>();
  if (absl::Status s = CheckDecimalText("satisfaction", text); !s.ok()) return s;
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  if (!value.ok()) return Invalid("satisfaction", View(value.status().message()));
  if (*value < Decimal::FromInteger(1) || *value > Decimal::FromInteger(5)) {
    return Invalid("satisfaction", StrCat("must be 1 to 5, not ", text));
  }
  if (value->units() % 100 != 0) return Invalid("satisfaction", "has more than 2 decimals");
  return std::optional<Decimal>(*value);
}

}  // namespace

absl::Status EventsApi::RecordPurchase(const v1::RecordPurchaseRequest& request,
                                        v1::RecordPurchaseResponse* response) {
  return WaitFor([&](Done done) {
    RecordPurchase(request, response, Store::Deadline::max(), std::move(done));
  });
}

void EventsApi::RecordPurchase(const v1::RecordPurchaseRequest& request,
                                v1::RecordPurchaseResponse* response, Store::Deadline deadline,
                                Done done) {
  absl::StatusOr<CheckedPurchase> checked = CheckPurchase(request, limits_, today_());
  if (!checked.ok()) return done(checked.status());
  if (absl::Status s = ServingRules(*rules_, *reloader_, &checked->served); !s.ok()) return done(std::move(s));
  checked->minute = minute_(*checked->served->ruleset, checked->purchase.date);
  SubmitIdempotentWrite(
      store_, "RecordPurchase", request, request.idempotency_key(), deadline, response,
      [checked = *std::move(checked), &request](Transaction& tx, v1::RecordPurchaseResponse* out) {
        return WritePurchase(checked, request.customer_id(), request.offer_ids(), tx, out);
      },
      std::move(done));
}

absl::Status EventsApi::RecordInteraction(const v1::RecordInteractionRequest& request,
                                           v1::RecordInteractionResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s =
          CheckText("text", request.text(), limits_.max_text_bytes, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  const rules::Interaction interaction{request.text()};
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "RecordInteraction", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::RecordInteractionResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer =
            RequireCustomer(tx, request.customer_id(), AsOf(*served->ruleset, today));
        if (!customer.ok()) return customer.status();
        rules::Decision decision;
        if (absl::Status s = EvaluateRules(
                *served->ruleset, {&*customer, nullptr, &interaction, nullptr, today}, &decision);
            !s.ok())
          return s;
        const rules::InteractionOutcome& outcome = decision.interaction;
        if (!outcome.applied) {
          return absl::FailedPreconditionError("the ruleset has no interaction rules");
        }
        if (absl::Status s = tx.RecordInteraction(customer->id, interaction.text, outcome.rule_id,
                                                  outcome.satisfaction_after,
                                                  outcome.interaction_count_after, today);
            !s.ok()) {
          return s;
        }
        if (absl::Status s =
                OpenTasksByRules(tx, *served->ruleset, customer->id, today, "interaction");
            !s.ok()) {
          return s;
        }
        Metrics::Global().RecordMatch("interaction", outcome.rule_id);
        out->set_rule_id(std::string(outcome.rule_id));
        out->set_satisfaction_before(outcome.satisfaction_before.ToString());
        out->set_satisfaction_after(outcome.satisfaction_after.ToString());
        out->set_interaction_count(outcome.interaction_count_after);
        out->set_ruleset_version(std::string(decision.ruleset_version));
        return absl::OkStatus();
      });
}

absl::Status EventsApi::ReturnPurchase(const v1::ReturnPurchaseRequest& request,
                                        v1::ReturnPurchaseResponse* response) {
  if (absl::Status s = CheckId("purchase_id", request.purchase_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("kind", request.kind(), 50, false); !s.ok()) return s;
  const std::string kind = request.kind().empty() ? "return" : request.kind();
  if (kind != "return" && kind != "cancellation") {
    return Invalid("kind",
                   StrCat("must be \"return\" or \"cancellation\", not \"", request.kind(), "\""));
  }
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "ReturnPurchase", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::ReturnPurchaseResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<PurchaseRecord>> found =
            tx.FindPurchase(request.purchase_id());
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          return absl::NotFoundError(
              StrCat("purchase_id '", request.purchase_id(), "' is not recorded"));
        }
        const PurchaseRecord& purchase = **found;
        if (!purchase.returned_kind.empty()) {
          return WithReason(absl::FailedPreconditionError(
                                StrCat("purchase '", purchase.purchase_id,
                                       "' was already taken back (", purchase.returned_kind, ")")),
                            kReasonPurchaseAlreadyTakenBack);
        }
        const CustomerAsOf as_of = AsOf(*served->ruleset, today);
        absl::StatusOr<Customer> customer = RequireCustomer(tx, purchase.customer_id, as_of);
        if (!customer.ok()) return customer.status();
        // Points earned come back off the balance: what is left of them,
        // then other points; what was spent meanwhile goes by the policy's
        // returns_after_spending. A penalty (negative) is given back whole.
        if (absl::Status s = tx.MarkReturned(purchase, kind); !s.ok()) return s;
        // The offers it redeemed: their limits and budgets get them back.
        absl::StatusOr<std::vector<OfferRedemptionRecord>> reversed_offers =
            ReverseOffersOfPurchase(tx, purchase.purchase_id, kind);
        if (!reversed_offers.ok()) return reversed_offers.status();
        for (const OfferRedemptionRecord& r : *reversed_offers) {
          OfferRedemptionToProto(r, out->add_offers_reversed());
        }
        PointsAccount account(tx, served->ruleset->points_policy(), served->ruleset->version(),
                              today);
        absl::StatusOr<PointsAccount::TakeBack> taken =
            account.TakeBackPurchase(*customer, purchase, kind);
        if (!taken.ok()) return taken.status();
        const int64_t reversed = taken->reversed;
        if (reversed != 0) Metrics::Global().RecordPoints(-reversed);
        absl::StatusOr<Customer> after = RequireCustomer(tx, purchase.customer_id, as_of);
        if (!after.ok()) return after.status();
        rules::Decision decision;
        if (absl::Status s = EvaluateRules(*served->ruleset,
                                           {&*after, nullptr, nullptr, nullptr, today}, &decision);
            !s.ok())
          return s;
        if (absl::Status s =
                ChangeTierByRules(tx, *after, {decision.tier, decision.tier_downgrade_on},
                                  StrCat(kind, ":", purchase.purchase_id),
                                  decision.ruleset_version, today);
            !s.ok()) {
          return s;
        }
        if (absl::Status s = OpenTasksByRules(tx, *served->ruleset, purchase.customer_id, today,
                                              StrCat(kind, ":", purchase.purchase_id));
            !s.ok()) {
          return s;
        }
        out->set_purchase_id(purchase.purchase_id);
        out->set_customer_id(customer->id);
        out->set_points_reversed(reversed);
        out->set_points_owed(taken->owed);
        out->set_points_forgiven(taken->forgiven);
        out->set_points_balance(after->points);
        out->set_tier_before(customer->tier);
        out->set_tier(std::string(decision.tier));
        out->set_ruleset_version(std::string(decision.ruleset_version));
        return absl::OkStatus();
      });
}

absl::Status EventsApi::SubmitFeedback(const v1::SubmitFeedbackRequest& request,
                                        v1::SubmitFeedbackResponse* response) {
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckText("text", request.text(), limits_.max_text_bytes, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("source", request.source(), 100, false); !s.ok()) return s;
  if (absl::Status s = CheckText("date", request.date(), 50, false); !s.ok()) return s;
  rules::Feedback feedback;
  feedback.product = request.product();
  feedback.text = request.text();
  if (!request.source().empty()) {
    absl::StatusOr<rules::FeedbackSource> source = rules::ParseFeedbackSource(request.source());
    if (!source.ok()) return Invalid("source", View(source.status().message()));
    feedback.source = *source;
  }
  absl::StatusOr<std::optional<Decimal>> satisfaction = ParseSatisfaction(request.satisfaction());
  if (!satisfaction.ok()) return satisfaction.status();
  feedback.satisfaction = satisfaction->value_or(Decimal());
  const Date today = today_();
  absl::StatusOr<Date> day = ParseDay("date", request.date(), today);
  if (!day.ok()) return day.status();
  if (absl::Status s = CheckNotAfter("date", *day, today); !s.ok()) return s;
  feedback.day = *day;

  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "SubmitFeedback", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::SubmitFeedbackResponse* out) -> absl::Status {
        // Customer fields may appear in improvement conditions: evaluate
        // with the customer who gave the feedback (anonymous: an empty one).
        rules::Customer customer;
        if (!request.customer_id().empty()) {
          absl::StatusOr<rules::Customer> found =
              RequireCustomer(tx, request.customer_id(), AsOf(*served->ruleset, today));
          if (!found.ok()) return found.status();
          customer = std::move(*found);
        }
        // The product's feedback that its facts count, this one's aside
        // (a copy: a write that is tried again starts from none).
        rules::Feedback judged = feedback;
        const rules::RuleSet& ruleset = *served->ruleset;
        if (const int32_t days = ruleset.ProductHistoryDays(); days > 0) {
          if (absl::Status s =
                  tx.AddProductHistory(feedback.product, Date::FromDays(today.days() - days + 1),
                                       ruleset.Facts(), &judged);
              !s.ok()) {
            return s;
          }
        }
        rules::Decision decision;
        if (absl::Status s = EvaluateRules(
                *served->ruleset, {&customer, nullptr, nullptr, &judged, today}, &decision);
            !s.ok()) {
          return s;
        }
        FeedbackRecord record;
        record.customer_id = request.customer_id();
        record.product = request.product();
        record.text = request.text();
        record.source = feedback.source;
        record.satisfaction = *satisfaction;
        record.day = *day;
        record.ruleset_version = std::string(decision.ruleset_version);
        for (const rules::ImprovementProposal& p : decision.improvements) {
          record.themes.emplace_back(p.rule_id);
        }
        absl::StatusOr<int64_t> feedback_id = tx.InsertFeedback(record);
        if (!feedback_id.ok()) return feedback_id.status();
        out->set_feedback_id(*feedback_id);
        out->set_ruleset_version(std::string(decision.ruleset_version));
        for (const rules::ImprovementProposal& p : decision.improvements) {
          ImprovementActionRecord proposal;
          proposal.product = request.product();
          proposal.rule_id = std::string(p.rule_id);
          proposal.action = std::string(p.action);
          if (p.change != nullptr) proposal.change = *p.change;
          proposal.ruleset_version = std::string(decision.ruleset_version);
          absl::StatusOr<int64_t> action_id = tx.SupportAction(
              proposal, *feedback_id, *day, MatchedKeywords(*p.keywords, request.text()));
          if (!action_id.ok()) return action_id.status();
          Metrics::Global().RecordMatch("improvement", proposal.rule_id);
          v1::ImprovementProposal* shown = out->add_proposals();
          shown->set_rule_id(proposal.rule_id);
          shown->set_action(proposal.action);
          if (p.change != nullptr) shown->set_change(DescribeChange(*p.change));
          for (const std::string& keyword : *p.keywords) shown->add_keywords(keyword);
          out->add_action_ids(*action_id);
        }
        return absl::OkStatus();
      });
}

}  // namespace clientele::server
