#include "server/api/grpc/services.h"

#include <algorithm>

#include "server/infra/metrics.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;
using rules::Decimal;

absl::Status Operations::UpsertCustomer(const v1::UpsertCustomerRequest& request,
                                        v1::UpsertCustomerResponse* response) {
  absl::StatusOr<Customer> customer = CustomerFromProto(request.customer(), false, limits_);
  if (!customer.ok()) return customer.status();
  absl::StatusOr<CustomerMask> mask = ParseCustomerMask(request.update_mask());
  if (!mask.ok()) return mask.status();
  const Date today = Date::Today();
  if (!customer->joined_at.known()) customer->joined_at = today;
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  // Without a mask an empty satisfaction keeps the stored one; a mask
  // that names it sets it ("" or "0": never rated).
  const bool satisfaction_given =
      mask->all && request.update_mask().paths().empty() ? !request.customer().satisfaction().empty()
                                                          : mask->Has("satisfaction");
  return IdempotentWrite(
      store_, "UpsertCustomer", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::UpsertCustomerResponse* out) -> absl::Status {
        absl::StatusOr<UpsertedCustomer> upserted =
            UpsertCustomerIn(tx, *customer, satisfaction_given, *served->ruleset, today, *mask);
        if (!upserted.ok()) return upserted.status();
        CustomerToProto(upserted->stored, out->mutable_customer());
        out->set_created(upserted->created);
        out->set_ruleset_version(served->ruleset->version());
        return absl::OkStatus();
      });
}

absl::Status Operations::GetCustomer(const v1::GetCustomerRequest& request,
                                     v1::GetCustomerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  absl::StatusOr<std::optional<Customer>> found =
      store_->FindCustomer(request.customer_id(), Date::Today());
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
  }
  CustomerToProto(**found, response->mutable_customer());
  return absl::OkStatus();
}

absl::Status Operations::DeleteCustomer(const v1::DeleteCustomerRequest& request,
                                        v1::DeleteCustomerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  return IdempotentWrite(
      store_, "DeleteCustomer", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::DeleteCustomerResponse*) -> absl::Status {
        absl::StatusOr<bool> deleted = tx.DeleteCustomer(request.customer_id());
        if (!deleted.ok()) return deleted.status();
        if (!*deleted) {
          return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
        }
        return absl::OkStatus();
      });
}

absl::Status Operations::ListCustomers(const v1::ListCustomersRequest& request,
                                       v1::ListCustomersResponse* response) {
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  // The token's position is the last id of the previous page (filtered:
  // the last one looked at).
  absl::StatusOr<std::string> after = ReadPageToken(store_->page_token_key(), "ListCustomers",
                                                    request, request.page_token());
  if (!after.ok()) return after.status();
  auto next_page_token = [&](std::string_view last_id) {
    return IssuePageToken(store_->page_token_key(), "ListCustomers", request, last_id);
  };
  const Date today = Date::Today();
  if (!request.has_segment()) {
    absl::StatusOr<CustomerPage> page = store_->ListCustomers(*after, *page_size, today);
    if (!page.ok()) return page.status();
    for (const Customer& c : page->customers) CustomerToProto(c, response->add_customers());
    if (page->more) response->set_next_page_token(next_page_token(page->customers.back().id));
    return absl::OkStatus();
  }
  // Filtered: evaluate customers in id order until the page is full or
  // kMaxFilterScan have been looked at; the token is the last id looked at.
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  if (absl::Status s = CheckSegmentFilter("segment", request.segment(), *served->ruleset);
      !s.ok()) {
    return s;
  }
  response->set_ruleset_version(served->ruleset->version());
  constexpr int kMaxFilterScan = 10'000;
  constexpr int kScanPageSize = 500;
  std::string last_seen = *after;
  bool more = true;
  int scanned = 0;
  rules::Decision decision;
  while (more && scanned < kMaxFilterScan && response->customers_size() < *page_size) {
    absl::StatusOr<CustomerPage> page = store_->ListCustomers(
        last_seen, std::min(kScanPageSize, kMaxFilterScan - scanned), today);
    if (!page.ok()) return page.status();
    more = page->more;
    for (size_t i = 0; i < page->customers.size(); ++i) {
      const Customer& c = page->customers[i];
      ++scanned;
      last_seen = c.id;
      if (absl::Status s = EvaluateRules(*served->ruleset, {&c, nullptr, nullptr, nullptr, today},
                                         &decision);
          !s.ok()) {
        return s;
      }
      if (decision.SegmentOf(request.segment().dimension()) == request.segment().segment()) {
        CustomerToProto(c, response->add_customers());
        if (response->customers_size() == *page_size) {
          more = more || i + 1 < page->customers.size();
          break;
        }
      }
    }
  }
  if (more) response->set_next_page_token(next_page_token(last_seen));
  return absl::OkStatus();
}

namespace {

// A purchase request that passed validation, with what its write needs.
struct CheckedPurchase {
  rules::Purchase purchase;
  Date day;
  Date today;
  std::shared_ptr<const ServedRuleset> served;
};

// The transaction of a purchase: purchase row, points by the earning
// rules, ledger entry, tier.
absl::Status WritePurchase(const CheckedPurchase& checked, std::string_view customer_id,
                           Transaction& tx, v1::RecordPurchaseResponse* out) {
  const rules::Purchase& purchase = checked.purchase;
  absl::StatusOr<Customer> customer = RequireCustomer(tx, customer_id, checked.today);
  if (!customer.ok()) return customer.status();
  rules::Decision decision;
  if (absl::Status s = EvaluateRules(*checked.served->ruleset,
                                     {&*customer, &purchase, nullptr, nullptr, checked.today},
                                     &decision);
      !s.ok()) {
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
  if (absl::StatusOr<int64_t> id = tx.InsertPurchase(record, entry, decision.tier); !id.ok()) {
    return id.status();
  }
  // Counted here, where a retry replayed from its idempotency key never
  // comes (only a failed group commit, which fails the call, over-counts).
  Metrics::Global().RecordMatch("earning", loyalty.rule_id);
  Metrics::Global().RecordPoints(loyalty.points_earned);
  out->set_purchase_id(purchase.id);
  out->set_points_earned(loyalty.points_earned);
  out->set_earning_rule_id(std::string(loyalty.rule_id));
  out->set_points_balance(loyalty.points_after);
  out->set_tier_before(std::string(decision.tier_before));
  out->set_tier(std::string(decision.tier));
  out->set_ruleset_version(std::string(decision.ruleset_version));
  return absl::OkStatus();
}

// Validates a purchase request (all but the served rules).
absl::StatusOr<CheckedPurchase> CheckPurchase(const v1::RecordPurchaseRequest& request,
                                              const RequestLimits& limits) {
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
  CheckedPurchase checked;
  checked.purchase.id = request.purchase_id();
  checked.purchase.amount = *amount;
  checked.purchase.product = request.product();
  if (!request.channel().empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(request.channel());
    if (!channel.ok()) return Invalid("channel", View(channel.status().message()));
    checked.purchase.channel = *channel;
  }
  checked.today = Date::Today();
  absl::StatusOr<Date> day = ParseDay("date", request.date(), checked.today);
  if (!day.ok()) return day.status();
  if (absl::Status s = CheckNotAfter("date", *day, checked.today); !s.ok()) return s;
  checked.day = *day;
  return checked;
}

}  // namespace

absl::Status Operations::RecordPurchase(const v1::RecordPurchaseRequest& request,
                                        v1::RecordPurchaseResponse* response) {
  return WaitFor([&](Done done) {
    RecordPurchase(request, response, Store::Deadline::max(), std::move(done));
  });
}

void Operations::RecordPurchase(const v1::RecordPurchaseRequest& request,
                                v1::RecordPurchaseResponse* response, Store::Deadline deadline,
                                Done done) {
  absl::StatusOr<CheckedPurchase> checked = CheckPurchase(request, limits_);
  if (!checked.ok()) return done(checked.status());
  if (absl::Status s = ServingRules(&checked->served); !s.ok()) return done(std::move(s));
  SubmitIdempotentWrite(
      store_, "RecordPurchase", request, request.idempotency_key(), deadline, response,
      [checked = *std::move(checked), &request](Transaction& tx, v1::RecordPurchaseResponse* out) {
        return WritePurchase(checked, request.customer_id(), tx, out);
      },
      std::move(done));
}

absl::Status Operations::RecordInteraction(const v1::RecordInteractionRequest& request,
                                           v1::RecordInteractionResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s =
          CheckText("text", request.text(), limits_.max_text_bytes, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  const rules::Interaction interaction{request.text()};
  const Date today = Date::Today();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "RecordInteraction", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::RecordInteractionResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer = RequireCustomer(tx, request.customer_id(), today);
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
        if (absl::Status s =
                tx.RecordInteraction(customer->id, interaction.text, outcome.rule_id,
                                     outcome.satisfaction_after, outcome.interaction_count_after);
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

absl::Status Operations::ReturnPurchase(const v1::ReturnPurchaseRequest& request,
                                        v1::ReturnPurchaseResponse* response) {
  if (absl::Status s = CheckId("purchase_id", request.purchase_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("kind", request.kind(), 50, false); !s.ok()) return s;
  const std::string kind = request.kind().empty() ? "return" : request.kind();
  if (kind != "return" && kind != "cancellation") {
    return Invalid("kind",
                   StrCat("must be \"return\" or \"cancellation\", not \"", request.kind(), "\""));
  }
  const Date today = Date::Today();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
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
        absl::StatusOr<Customer> customer = RequireCustomer(tx, purchase.customer_id, today);
        if (!customer.ok()) return customer.status();
        // Points earned come back off the balance, but never below 0 (they
        // may have been spent); a penalty (negative) is given back whole.
        const int64_t reversed = purchase.points_earned > 0
                                     ? std::min(purchase.points_earned, customer->points)
                                     : purchase.points_earned;
        if (absl::Status s = tx.MarkReturned(purchase, kind); !s.ok()) return s;
        if (reversed != 0) {
          LedgerEntry entry;
          entry.customer_id = customer->id;
          entry.delta = -reversed;
          entry.reason = kind;
          entry.rule_id = purchase.rule_id;
          entry.ruleset_version = purchase.ruleset_version;
          entry.source = StrCat(kind, ":", purchase.purchase_id);
          if (absl::StatusOr<int64_t> id = tx.AppendLedger(entry); !id.ok()) return id.status();
          Metrics::Global().RecordPoints(-reversed);
        }
        absl::StatusOr<Customer> after = RequireCustomer(tx, purchase.customer_id, today);
        if (!after.ok()) return after.status();
        rules::Decision decision;
        if (absl::Status s = EvaluateRules(*served->ruleset,
                                           {&*after, nullptr, nullptr, nullptr, today}, &decision);
            !s.ok())
          return s;
        if (decision.tier != after->tier) {
          if (absl::Status s = tx.SetTier(after->id, decision.tier); !s.ok()) return s;
        }
        out->set_purchase_id(purchase.purchase_id);
        out->set_customer_id(customer->id);
        out->set_points_reversed(reversed);
        out->set_points_balance(after->points);
        out->set_tier_before(customer->tier);
        out->set_tier(std::string(decision.tier));
        out->set_ruleset_version(std::string(decision.ruleset_version));
        return absl::OkStatus();
      });
}

absl::Status Operations::Evaluate(const v1::EvaluateRequest& request,
                                  v1::EvaluateResponse* response, std::string_view caller) {
  const Date today_default = Date::Today();
  absl::StatusOr<Date> today = ParseDay("today", request.today(), today_default);
  if (!today.ok()) return today.status();
  Customer customer;
  switch (request.subject_case()) {
    case v1::EvaluateRequest::kCustomerId: {
      if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
      absl::StatusOr<std::optional<Customer>> found =
          store_->FindCustomer(request.customer_id(), *today);
      if (!found.ok()) return found.status();
      if (!found->has_value()) {
        return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
      }
      customer = std::move(**found);
      break;
    }
    case v1::EvaluateRequest::kCustomer: {
      absl::StatusOr<Customer> inline_customer =
          CustomerFromProto(request.customer(), true, limits_);
      if (!inline_customer.ok()) return inline_customer.status();
      customer = std::move(*inline_customer);
      break;
    }
    default:
      return Invalid("subject", "give customer_id (a stored customer) or customer (inline)");
  }
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  rules::Decision decision;
  rules::Explanation explanation;
  rules::Explanation* why = request.explain() ? &explanation : nullptr;
  if (absl::Status s = EvaluateRules(
          *served->ruleset, {&customer, nullptr, nullptr, nullptr, *today}, &decision, why);
      !s.ok())
    return s;
  Metrics::Global().RecordMatches(decision);
  DecisionToProto(customer, decision, why, response->mutable_decision());
  MaybeLogDecision(decision_log_,
                   {.method = "Evaluate",
                    .caller = caller,
                    .subject = request.has_customer() ? "inline" : "stored",
                    .today = *today,
                    .explain = request.explain(),
                    .customer = customer,
                    .decision = response->decision()});
  return absl::OkStatus();
}

}  // namespace clientele::server
