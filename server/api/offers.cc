#include "server/api/offers.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/offer_calendar.h"
#include "server/api/idempotent_writes.h"
#include "server/api/offer_redemptions.h"
#include "server/api/offer_usage.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;
using rules::Decimal;

namespace {

constexpr int kMaxCalendarDays = 366;

// A redemption request that passed validation, with what its write needs.
struct CheckedRedemption {
  std::string customer_id;
  std::string offer_id;
  std::optional<Decimal> amount;
  std::string purchase_id;
  rules::Channel channel = rules::Channel::kUnknown;
  std::string reference;
  Date today;
  int32_t minute = -1;
  std::shared_ptr<const ServedRuleset> served;
};

absl::StatusOr<CheckedRedemption> CheckRedemption(const v1::RedeemOfferRequest& request) {
  CheckedRedemption checked;
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("offer_id", request.offer_id(), kMaxIdBytes * 2, true); !s.ok()) {
    return s;
  }
  if (!request.amount().empty() && !request.purchase_id().empty()) {
    return Invalid("amount", "give amount or purchase_id, not both (a purchase has its amount)");
  }
  if (!request.amount().empty()) {
    if (absl::Status s = CheckDecimalText("amount", request.amount()); !s.ok()) return s;
    absl::StatusOr<Decimal> amount = Decimal::Parse(request.amount());
    if (!amount.ok() || *amount <= Decimal() || *amount > kMaxAmount) {
      return Invalid("amount", StrCat("must be more than 0 and at most ", kMaxAmount.ToString()));
    }
    checked.amount = *amount;
  }
  if (!request.purchase_id().empty()) {
    if (absl::Status s = CheckId("purchase_id", request.purchase_id()); !s.ok()) return s;
  }
  if (absl::Status s = CheckText("channel", request.channel(), 50, false); !s.ok()) return s;
  if (!request.channel().empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(request.channel());
    if (!channel.ok()) return Invalid("channel", View(channel.status().message()));
    checked.channel = *channel;
  }
  if (absl::Status s = CheckText("reference", request.reference(), 128, false); !s.ok()) return s;
  checked.customer_id = request.customer_id();
  checked.offer_id = request.offer_id();
  checked.purchase_id = request.purchase_id();
  checked.reference = request.reference();
  return checked;
}

// The offer as the served rules have it; INVALID_ARGUMENT for one they
// do not have, or a points offer (its purchase redeems it).
absl::Status CheckOfferServed(const rules::RuleSet& ruleset, std::string_view offer_id) {
  const std::vector<rules::RuleSet::OfferTerms> offers = ruleset.OfferTermsList();
  auto found = std::find_if(offers.begin(), offers.end(),
                            [&](const rules::RuleSet::OfferTerms& o) { return o.id == offer_id; });
  if (found == offers.end()) {
    std::vector<std::string> ids;
    for (const rules::RuleSet::OfferTerms& o : offers) ids.push_back(o.id);
    return Invalid("offer_id", StrCat("the served ruleset has no offer '", offer_id,
                                      "'; its offers: ",
                                      ids.empty() ? "none" : StrJoin(ids, ", ")));
  }
  if (found->unit == rules::OfferValueUnit::kPoints) {
    return Invalid("offer_id", StrCat("'", offer_id,
                                      "' is a points offer: the purchase it multiplies redeems "
                                      "it (Events.RecordPurchase)"));
  }
  return absl::OkStatus();
}

// A channel given with a purchase must be the purchase's: its budget counts
// in the purchase's channel.
absl::Status CheckChannelOfPurchase(const CheckedRedemption& checked,
                                    const PurchaseRecord& purchase) {
  if (checked.channel == rules::Channel::kUnknown || checked.channel == purchase.channel) {
    return absl::OkStatus();
  }
  return Invalid("channel", StrCat("purchase '", purchase.purchase_id, "' was ",
                                   purchase.channel == rules::Channel::kUnknown
                                       ? "recorded without a channel"
                                       : StrCat("made ", rules::ChannelName(purchase.channel)),
                                   ": leave channel empty"));
}

// Why stacking keeps offers `a` and `b` from going together, in words; ""
// when they combine (docs/rules.md, "Stacking").
std::string StackingConflict(const rules::RuleSet::OfferTerms& a,
                             const rules::RuleSet::OfferTerms& b) {
  if (!a.group.empty() && a.group == b.group) return StrCat("both are of group '", a.group, "'");
  for (const auto& [one, other] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    if (std::find(one->excludes.begin(), one->excludes.end(), other->id) != one->excludes.end()) {
      return StrCat("'", one->id, "' excludes '", other->id, "'");
    }
    if (one->exclusive && one->group.empty()) return StrCat("'", one->id, "' is exclusive");
  }
  return "";
}

// An offer redeemed for a recorded purchase joins the offers it redeemed
// before: not the same one again, and none that stacking keeps apart.
absl::Status CheckBesidesPurchaseOffers(Transaction& tx, const rules::RuleSet& ruleset,
                                        const CheckedRedemption& checked) {
  absl::StatusOr<std::vector<OfferRedemptionRecord>> earlier =
      tx.OfferRedemptionsOfPurchase(checked.purchase_id);
  if (!earlier.ok()) return earlier.status();
  const std::vector<rules::RuleSet::OfferTerms> offers = ruleset.OfferTermsList();
  auto terms_of = [&](std::string_view id) -> const rules::RuleSet::OfferTerms* {
    for (const rules::RuleSet::OfferTerms& o : offers) {
      if (o.id == id) return &o;
    }
    return nullptr;
  };
  const rules::RuleSet::OfferTerms* wanted = terms_of(checked.offer_id);
  for (const OfferRedemptionRecord& r : *earlier) {
    if (!r.reversed_at.empty()) continue;
    if (r.offer_id == checked.offer_id) {
      return WithReason(absl::AlreadyExistsError(StrCat("purchase '", checked.purchase_id,
                                                        "' redeemed '", r.offer_id,
                                                        "' already (redemption ", r.id, ")")),
                        kReasonOfferAlreadyRedeemed);
    }
    const rules::RuleSet::OfferTerms* before = terms_of(r.offer_id);
    if (wanted == nullptr || before == nullptr) continue;
    if (const std::string conflict = StackingConflict(*before, *wanted); !conflict.empty()) {
      return WithField(
          WithReason(absl::FailedPreconditionError(StrCat(
                         "offer '", checked.offer_id, "' is not given: purchase '",
                         checked.purchase_id, "' redeemed '", r.offer_id, "' (redemption ", r.id,
                         "), and stacking does not combine them: ", conflict)),
                     kReasonOfferNotGiven),
          "offer_id");
    }
  }
  return absl::OkStatus();
}

// The transaction of a redemption: the customer, the purchase it is for,
// the usage as this transaction sees it, the rules' decision, the record.
absl::Status WriteOfferRedemption(const CheckedRedemption& checked, Transaction& tx,
                                  v1::RedeemOfferResponse* out) {
  const rules::RuleSet& ruleset = *checked.served->ruleset;
  absl::StatusOr<Customer> customer =
      RequireCustomer(tx, checked.customer_id, AsOf(ruleset, checked.today));
  if (!customer.ok()) return customer.status();
  rules::EvalInput input{&*customer, nullptr, nullptr, nullptr, checked.today};
  input.minute = checked.minute;
  input.basket_amount = checked.amount;
  input.channel = checked.channel;
  if (!checked.purchase_id.empty()) {
    absl::StatusOr<std::optional<PurchaseRecord>> purchase = tx.FindPurchase(checked.purchase_id);
    if (!purchase.ok()) return purchase.status();
    if (!purchase->has_value() || (*purchase)->customer_id != customer->id) {
      return WithField(absl::NotFoundError(StrCat("purchase '", checked.purchase_id,
                                                  "' of customer '", customer->id,
                                                  "' is not recorded")),
                       "purchase_id");
    }
    if (!(*purchase)->returned_kind.empty()) {
      return WithReason(WithField(absl::FailedPreconditionError(StrCat(
                                      "purchase '", checked.purchase_id, "' was taken back (",
                                      (*purchase)->returned_kind, ")")),
                                  "purchase_id"),
                        kReasonPurchaseAlreadyTakenBack);
    }
    if (absl::Status s = CheckChannelOfPurchase(checked, **purchase); !s.ok()) return s;
    input.basket_amount = (*purchase)->amount;
    input.channel = (*purchase)->channel;
    if (absl::Status s = CheckBesidesPurchaseOffers(tx, ruleset, checked); !s.ok()) return s;
  }
  absl::StatusOr<std::vector<int64_t>> used =
      ReadUsedOfCaps(tx, ruleset, customer->id, checked.today);
  if (!used.ok()) return used.status();
  input.offer_usage = *used;
  rules::Decision decision;
  if (absl::Status s = EvaluateRules(ruleset, input, &decision); !s.ok()) return s;
  auto grant = std::find_if(decision.offers.begin(), decision.offers.end(),
                            [&](const rules::OfferGrant& g) { return g.rule_id == checked.offer_id; });
  if (grant == decision.offers.end()) {
    return OfferNotGiven(ruleset, input, checked.offer_id, "offer_id");
  }
  if (!grant->value_known) {
    return Invalid("amount", StrCat("what '", checked.offer_id,
                                    "' is worth depends on the amount: give amount or purchase_id"));
  }
  OfferRedemptionRecord record = RedemptionOf(*grant, decision, customer->id, checked.today,
                                              input.channel, input.basket_amount);
  record.purchase_id = checked.purchase_id;
  record.reference = checked.reference;
  absl::StatusOr<OfferRedemptionRecord> stored = tx.InsertOfferRedemption(record);
  if (!stored.ok()) return stored.status();
  Metrics::Global().RecordMatch("offer_redemption", grant->rule_id);
  OfferRedemptionToProto(*stored, out->mutable_redemption());
  return absl::OkStatus();
}

}  // namespace

absl::Status OffersApi::RedeemOffer(const v1::RedeemOfferRequest& request,
                                    v1::RedeemOfferResponse* response) {
  return WaitFor([&](Done done) {
    RedeemOffer(request, response, Store::Deadline::max(), std::move(done));
  });
}

void OffersApi::RedeemOffer(const v1::RedeemOfferRequest& request,
                            v1::RedeemOfferResponse* response, Store::Deadline deadline,
                            Done done) {
  absl::StatusOr<CheckedRedemption> checked = CheckRedemption(request);
  if (!checked.ok()) return done(checked.status());
  if (absl::Status s = ServingRules(*rules_, *reloader_, &checked->served); !s.ok()) {
    return done(std::move(s));
  }
  const rules::RuleSet& ruleset = *checked->served->ruleset;
  if (absl::Status s = CheckOfferServed(ruleset, checked->offer_id); !s.ok()) return done(s);
  checked->today = today_();
  checked->minute = minute_(ruleset, checked->today);
  SubmitIdempotentWrite(
      store_, "RedeemOffer", request, request.idempotency_key(), deadline, response,
      [checked = *std::move(checked)](Transaction& tx, v1::RedeemOfferResponse* out) {
        return WriteOfferRedemption(checked, tx, out);
      },
      std::move(done));
}

absl::Status OffersApi::ReverseOfferRedemption(const v1::ReverseOfferRedemptionRequest& request,
                                               v1::ReverseOfferRedemptionResponse* response) {
  if (request.redemption_id() <= 0) {
    return Invalid("redemption_id", "is required (OfferRedemption.redemption_id)");
  }
  if (absl::Status s = CheckText("reason", request.reason(), 200, false); !s.ok()) return s;
  return IdempotentWrite(
      store_, "ReverseOfferRedemption", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::ReverseOfferRedemptionResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<OfferRedemptionRecord>> found =
            tx.FindOfferRedemption(request.redemption_id());
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          return WithField(absl::NotFoundError(StrCat("offer redemption ",
                                                      request.redemption_id(),
                                                      " is not recorded")),
                           "redemption_id");
        }
        if (!(*found)->reversed_at.empty()) {
          return WithReason(
              absl::FailedPreconditionError(StrCat("offer redemption ", request.redemption_id(),
                                                   " was reversed at ", (*found)->reversed_at)),
              kReasonOfferRedemptionAlreadyReversed);
        }
        // The purchase got the offer's discount or points: giving the unit
        // back while the purchase keeps them would let the budget be spent
        // again and again. Its return gives both back.
        if (!(*found)->purchase_id.empty()) {
          return WithReason(
              absl::FailedPreconditionError(StrCat(
                  "offer redemption ", request.redemption_id(), " belongs to purchase '",
                  (*found)->purchase_id,
                  "': return or cancel the purchase (Events.ReturnPurchase) to give it back")),
              kReasonOfferRedemptionOfPurchase);
        }
        absl::StatusOr<OfferRedemptionRecord> now =
            tx.ReverseOfferRedemption(request.redemption_id(), request.reason());
        if (!now.ok()) return now.status();
        OfferRedemptionToProto(*now, out->mutable_redemption());
        return absl::OkStatus();
      });
}

absl::Status OffersApi::ListOfferRedemptions(const v1::ListOfferRedemptionsRequest& request,
                                             v1::ListOfferRedemptionsResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (request.limit() < 0 || request.limit() > 1000) {
    return Invalid("limit", "must be 0..1000 (0: the default, 100)");
  }
  const Date today = today_();
  absl::StatusOr<Customer> customer =
      RequireCustomer(*store_, request.customer_id(), CustomerAsOf{today, {}});
  if (!customer.ok()) return customer.status();
  absl::StatusOr<std::vector<OfferRedemptionRecord>> found =
      store_->OfferRedemptions(request.customer_id(), request.limit() == 0 ? 100 : request.limit());
  if (!found.ok()) return found.status();
  for (const OfferRedemptionRecord& r : *found) {
    OfferRedemptionToProto(r, response->add_redemptions());
  }
  return absl::OkStatus();
}

absl::Status OffersApi::GetOfferCalendar(const v1::GetOfferCalendarRequest& request,
                                         v1::GetOfferCalendarResponse* response) {
  if (request.from().empty()) return Invalid("from", "is required (YYYY-MM-DD)");
  if (request.to().empty()) return Invalid("to", "is required (YYYY-MM-DD)");
  absl::StatusOr<Date> from = ParseDay("from", request.from(), Date());
  if (!from.ok()) return from.status();
  absl::StatusOr<Date> to = ParseDay("to", request.to(), Date());
  if (!to.ok()) return to.status();
  if (*to < *from) return Invalid("to", "is before from");
  if (to->days() - from->days() >= kMaxCalendarDays) {
    return Invalid("to", StrCat("is more than ", kMaxCalendarDays, " days from from"));
  }
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  absl::StatusOr<rules::OfferCalendar> calendar =
      rules::MakeOfferCalendar(*served->ruleset, *from, *to);
  if (!calendar.ok()) return Invalid("to", View(calendar.status().message()));
  response->set_ruleset_version(served->ruleset->version());
  response->set_time_zone(served->ruleset->time_zone_name());
  response->set_from(from->ToString());
  response->set_to(to->ToString());
  for (const rules::OfferCalendar::Row& row : calendar->offers) {
    v1::OfferCalendarRow* out = response->add_offers();
    out->set_offer_id(row.id);
    out->set_offer(row.offer);
    for (size_t d = 0; d < row.live.size() && d < calendar->days.size(); ++d) {
      if (row.live[d]) out->add_live_dates(calendar->days[d].ToString());
    }
    out->set_hours(row.hours);
    out->set_limits(row.limits);
  }
  for (const rules::OfferCalendar::Block& block : calendar->blocks) {
    v1::OfferBlock* out = response->add_blocks();
    out->set_first(block.first);
    out->set_second(block.second);
    out->set_why(block.why);
    out->set_from(block.from.ToString());
    out->set_to(block.to.ToString());
  }
  return absl::OkStatus();
}

}  // namespace clientele::server
