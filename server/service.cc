#include "server/service.h"

#include <openssl/sha.h>

#include <algorithm>
#include <chrono>

#include "rules/internal/utf8.h"
#include "rules/strings.h"

namespace clientele::server {
namespace {

using rules::Customer;
using rules::Date;
using rules::Decimal;

constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxKeyBytes = 128;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
const Decimal kMaxAmount = Decimal::FromInteger(100'000'000);

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(StrCat(field, ": ", problem));
}

// Text that is well-formed UTF-8 of at most `max_bytes` (and not empty
// when `required`).
absl::Status CheckText(std::string_view field, std::string_view text, size_t max_bytes,
                       bool required) {
  if (required && text.empty()) return Invalid(field, "is required");
  if (text.size() > max_bytes) {
    return Invalid(field, StrCat("is ", text.size(), " bytes; at most ", max_bytes, " allowed"));
  }
  if (size_t bad = rules::utf8_internal::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Invalid(field, StrCat("is not valid UTF-8 (byte ", bad, ")"));
  }
  return absl::OkStatus();
}

// Ids: 1..64 bytes of letters, digits and - _ . :
absl::Status CheckId(std::string_view field, std::string_view id) {
  if (id.empty()) return Invalid(field, "is required");
  if (id.size() > kMaxIdBytes) {
    return Invalid(field, StrCat("is ", id.size(), " bytes; at most ", kMaxIdBytes, " allowed"));
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return Invalid(field, "may contain only letters, digits and - _ . :");
  }
  return absl::OkStatus();
}

absl::Status CheckKey(std::string_view key) {
  if (absl::Status s = CheckText("idempotency_key", key, kMaxKeyBytes, true); !s.ok()) return s;
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return Invalid("idempotency_key", "contains a control character");
  }
  return absl::OkStatus();
}

// "YYYY-MM-DD", or `fallback` when empty.
absl::StatusOr<Date> ParseDay(std::string_view field, std::string_view text, Date fallback) {
  if (text.empty()) return fallback;
  absl::StatusOr<Date> day = Date::Parse(text);
  if (!day.ok()) return Invalid(field, View(day.status().message()));
  return *day;
}

// SHA-256 of the request's bytes, hex: what idempotency compares.
std::string Fingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  request.SerializeToString(&bytes);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) hex += HexByte(byte);
  return hex;
}

// The customer of a request. Profile fields always; with `maintained`, the
// fields the server maintains too (an inline customer to evaluate).
absl::StatusOr<Customer> CustomerFromProto(const v1::Customer& p, bool maintained,
                                           const RequestLimits& limits) {
  Customer c;
  if (absl::Status s = CheckId("customer.id", p.id()); !s.ok()) return s;
  c.id = p.id();
  struct TextField {
    const char* name;
    const std::string& value;
    size_t max_bytes;
  };
  const TextField texts[] = {{"name", p.name(), limits.max_name_bytes},
                             {"gender", p.gender(), 50},
                             {"occupation", p.occupation(), 100}};
  for (const TextField& f : texts) {
    if (absl::Status s = CheckText(StrCat("customer.", f.name), f.value, f.max_bytes, false);
        !s.ok()) {
      return s;
    }
  }
  // Everything else goes through the rules' own field parser, which
  // checks ranges and enum spellings exactly as rule files and the CLI do.
  std::vector<std::pair<const char*, std::string>> fields = {
      {"name", p.name()},           {"age", StrCat(p.age())},
      {"gender", p.gender()},       {"occupation", p.occupation()},
      {"consumption", p.consumption()}, {"channel", p.channel()},
      {"birthday", p.birthday()},   {"joined_at", p.joined_at()},
      {"satisfaction", p.satisfaction()}};
  if (maintained) {
    fields.insert(fields.end(),
                  {{"purchase_frequency", StrCat(p.purchase_frequency())},
                   {"average_purchase_amount", p.average_purchase_amount()},
                   {"total_spent", p.total_spent()},
                   {"interaction_count", StrCat(p.interaction_count())},
                   {"points", StrCat(p.points())},
                   {"tier", p.tier()},
                   {"last_purchase_at", p.last_purchase_at()}});
  }
  for (const auto& [name, text] : fields) {
    if (text.empty()) continue;  // unknown / unset
    if (absl::Status s = rules::SetCustomerField(&c, name, text); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("customer.", s.message()));
    }
  }
  return c;
}

void CustomerToProto(const Customer& c, v1::Customer* p) {
  p->set_id(c.id);
  p->set_name(c.name);
  p->set_age(c.age);
  p->set_gender(c.gender);
  p->set_occupation(c.occupation);
  p->set_consumption(std::string(rules::ConsumptionName(c.consumption)));
  p->set_channel(std::string(rules::ChannelName(c.channel)));
  p->set_birthday(c.birthday.ToString());
  p->set_joined_at(c.joined_at.ToString());
  p->set_purchase_frequency(c.purchase_frequency);
  p->set_average_purchase_amount(c.average_purchase_amount.ToString());
  p->set_total_spent(c.total_spent.ToString());
  p->set_satisfaction(c.satisfaction.ToString());
  p->set_interaction_count(c.interaction_count);
  p->set_points(c.points);
  p->set_tier(c.tier);
  p->set_last_purchase_at(c.last_purchase_at.ToString());
}

void DecisionToProto(const Customer& customer, const rules::Decision& d,
                     const rules::Explanation* explanation, v1::Decision* p) {
  p->set_customer_id(customer.id);
  p->set_ruleset_version(std::string(d.ruleset_version));
  for (const rules::SegmentAssignment& s : d.segments) {
    v1::Segment* out = p->add_segments();
    out->set_dimension(std::string(s.dimension));
    out->set_segment(std::string(s.segment));
    out->set_rule_id(std::string(s.rule_id));
    out->set_is_default(s.is_default);
  }
  for (const rules::OfferGrant& o : d.offers) {
    v1::Offer* out = p->add_offers();
    out->set_offer(std::string(o.offer));
    out->set_rule_id(std::string(o.rule_id));
    out->set_priority(o.priority);
    out->set_exclusive(o.exclusive);
  }
  p->set_tier(std::string(d.tier));
  if (explanation == nullptr) return;
  for (const rules::RuleExplanation& r : explanation->rules) {
    v1::RuleExplanation* out = p->add_explanation();
    out->set_section(r.section);
    out->set_rule_id(r.rule_id);
    out->set_condition(r.condition);
    out->set_evaluated(r.evaluated);
    out->set_matched(r.matched);
    out->set_note(r.note);
    for (const rules::ConditionCheck& check : r.checks) {
      v1::ConditionCheck* c = out->add_checks();
      c->set_expression(check.expression);
      c->set_result(check.result);
      for (const rules::ObservedValue& v : check.observed) {
        (*c->mutable_observed())[v.expression] = v.value;
      }
    }
  }
}

// Runs a write through the store's idempotency and parses its response.
template <typename Response, typename Write>
absl::Status IdempotentWrite(Store* store, std::string_view method,
                             const google::protobuf::Message& request, std::string_view key,
                             Response* response, Write write) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  const std::string fingerprint = Fingerprint(request);
  absl::StatusOr<std::string> bytes =
      store->Write({key, method, fingerprint}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = write(tx, &fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      });
  if (!bytes.ok()) return bytes.status();
  if (!response->ParseFromString(*bytes)) {
    return absl::InternalError(StrCat("stored response of ", method, " is unreadable"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Customer> RequireCustomer(Transaction& tx, std::string_view id, Date today) {
  absl::StatusOr<std::optional<Customer>> found = tx.FindCustomer(id, today);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("customer '", id, "' not found"));
  return std::move(**found);
}

}  // namespace

absl::Status Operations::UpsertCustomer(const v1::UpsertCustomerRequest& request,
                                        v1::UpsertCustomerResponse* response) {
  absl::StatusOr<Customer> customer = CustomerFromProto(request.customer(), false, limits_);
  if (!customer.ok()) return customer.status();
  const Date today = Date::Today();
  if (!customer->joined_at.known()) customer->joined_at = today;
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  return IdempotentWrite(
      store_, "UpsertCustomer", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::UpsertCustomerResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<Customer>> existing = tx.FindCustomer(customer->id, today);
        if (!existing.ok()) return existing.status();
        // An omitted satisfaction keeps the one interactions have built up.
        if (existing->has_value() && request.customer().satisfaction().empty()) {
          customer->satisfaction = (*existing)->satisfaction;
        }
        absl::StatusOr<bool> created = tx.UpsertCustomerProfile(*customer);
        if (!created.ok()) return created.status();
        absl::StatusOr<Customer> stored = RequireCustomer(tx, customer->id, today);
        if (!stored.ok()) return stored.status();
        // The tier follows the balance by the loyalty rules.
        rules::Decision decision;
        if (absl::Status s = served->ruleset->Evaluate({&*stored, nullptr, nullptr, nullptr, today},
                                                       &decision);
            !s.ok()) {
          return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
        }
        if (decision.tier != stored->tier) {
          if (absl::Status s = tx.SetTier(stored->id, decision.tier); !s.ok()) return s;
          stored->tier = std::string(decision.tier);
        }
        CustomerToProto(*stored, out->mutable_customer());
        out->set_created(*created);
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
  return IdempotentWrite(store_, "DeleteCustomer", request, request.idempotency_key(), response,
                         [&](Transaction& tx, v1::DeleteCustomerResponse*) -> absl::Status {
                           absl::StatusOr<bool> deleted = tx.DeleteCustomer(request.customer_id());
                           if (!deleted.ok()) return deleted.status();
                           if (!*deleted) {
                             return absl::NotFoundError(StrCat(
                                 "customer '", request.customer_id(), "' not found"));
                           }
                           return absl::OkStatus();
                         });
}

absl::Status Operations::ListCustomers(const v1::ListCustomersRequest& request,
                                       v1::ListCustomersResponse* response) {
  int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Invalid("page_size", StrCat("must be 0 (default ", kDefaultPageSize, ") to ",
                                       kMaxPageSize, ", not ", request.page_size()));
  }
  // The token is the last id of the previous page, which CheckId accepts.
  if (!request.page_token().empty()) {
    if (!CheckId("page_token", request.page_token()).ok()) {
      return Invalid("page_token", "is not a token returned by ListCustomers");
    }
  }
  absl::StatusOr<CustomerPage> page =
      store_->ListCustomers(request.page_token(), page_size, Date::Today());
  if (!page.ok()) return page.status();
  for (const Customer& c : page->customers) CustomerToProto(c, response->add_customers());
  if (page->more) response->set_next_page_token(page->customers.back().id);
  return absl::OkStatus();
}

absl::Status Operations::RecordPurchase(const v1::RecordPurchaseRequest& request,
                                        v1::RecordPurchaseResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckId("purchase_id", request.purchase_id()); !s.ok()) return s;
  if (request.amount().empty()) return Invalid("amount", "is required");
  absl::StatusOr<Decimal> amount = Decimal::Parse(request.amount());
  if (!amount.ok()) return Invalid("amount", View(amount.status().message()));
  if (*amount <= Decimal()) return Invalid("amount", "must be greater than 0");
  if (*amount > kMaxAmount) {
    return Invalid("amount", StrCat("must be at most ", kMaxAmount.ToString()));
  }
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  rules::Purchase purchase;
  purchase.id = request.purchase_id();
  purchase.amount = *amount;
  purchase.product = request.product();
  if (!request.channel().empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(request.channel());
    if (!channel.ok()) return Invalid("channel", View(channel.status().message()));
    purchase.channel = *channel;
  }
  const Date today = Date::Today();
  absl::StatusOr<Date> day = ParseDay("date", request.date(), today);
  if (!day.ok()) return day.status();
  if (*day > today) return Invalid("date", "is in the future");
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  return IdempotentWrite(
      store_, "RecordPurchase", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::RecordPurchaseResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer = RequireCustomer(tx, request.customer_id(), today);
        if (!customer.ok()) return customer.status();
        absl::StatusOr<bool> exists = tx.PurchaseExists(purchase.id);
        if (!exists.ok()) return exists.status();
        if (*exists) {
          return absl::AlreadyExistsError(
              StrCat("purchase_id '", purchase.id, "' is already recorded"));
        }
        rules::Decision decision;
        if (absl::Status s = served->ruleset->Evaluate(
                {&*customer, &purchase, nullptr, nullptr, today}, &decision);
            !s.ok()) {
          return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
        }
        const rules::LoyaltyOutcome& loyalty = decision.loyalty;
        PurchaseRecord record{purchase.id,     customer->id,      purchase.amount,
                              purchase.product, purchase.channel, *day,
                              loyalty.points_earned, std::string(loyalty.rule_id),
                              std::string(decision.ruleset_version), /*returned_kind=*/""};
        if (absl::Status s = tx.InsertPurchase(record); !s.ok()) return s;
        LedgerEntry entry;
        entry.customer_id = customer->id;
        entry.delta = loyalty.points_earned;
        entry.reason = "purchase";
        entry.rule_id = std::string(loyalty.rule_id);
        entry.ruleset_version = std::string(decision.ruleset_version);
        entry.source = StrCat("purchase:", purchase.id);
        if (absl::StatusOr<int64_t> id = tx.AppendLedger(entry); !id.ok()) return id.status();
        if (decision.tier != customer->tier) {
          if (absl::Status s = tx.SetTier(customer->id, decision.tier); !s.ok()) return s;
        }
        out->set_purchase_id(purchase.id);
        out->set_points_earned(loyalty.points_earned);
        out->set_earning_rule_id(std::string(loyalty.rule_id));
        out->set_points_balance(loyalty.points_after);
        out->set_tier_before(std::string(decision.tier_before));
        out->set_tier(std::string(decision.tier));
        out->set_ruleset_version(std::string(decision.ruleset_version));
        return absl::OkStatus();
      });
}

absl::Status Operations::RecordInteraction(const v1::RecordInteractionRequest& request,
                                           v1::RecordInteractionResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("text", request.text(), limits_.max_text_bytes, true); !s.ok()) {
    return s;
  }
  const rules::Interaction interaction{request.text()};
  const Date today = Date::Today();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  return IdempotentWrite(
      store_, "RecordInteraction", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::RecordInteractionResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer = RequireCustomer(tx, request.customer_id(), today);
        if (!customer.ok()) return customer.status();
        rules::Decision decision;
        if (absl::Status s = served->ruleset->Evaluate(
                {&*customer, nullptr, &interaction, nullptr, today}, &decision);
            !s.ok()) {
          return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
        }
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
  const std::string kind = request.kind().empty() ? "return" : request.kind();
  if (kind != "return" && kind != "cancellation") {
    return Invalid("kind", StrCat("must be \"return\" or \"cancellation\", not \"",
                                  request.kind(), "\""));
  }
  const Date today = Date::Today();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  return IdempotentWrite(
      store_, "ReturnPurchase", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::ReturnPurchaseResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<PurchaseRecord>> found = tx.FindPurchase(request.purchase_id());
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          return absl::NotFoundError(
              StrCat("purchase_id '", request.purchase_id(), "' is not recorded"));
        }
        const PurchaseRecord& purchase = **found;
        if (!purchase.returned_kind.empty()) {
          return absl::FailedPreconditionError(StrCat("purchase '", purchase.purchase_id,
                                                      "' was already taken back (",
                                                      purchase.returned_kind, ")"));
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
        }
        absl::StatusOr<Customer> after = RequireCustomer(tx, purchase.customer_id, today);
        if (!after.ok()) return after.status();
        rules::Decision decision;
        if (absl::Status s =
                served->ruleset->Evaluate({&*after, nullptr, nullptr, nullptr, today}, &decision);
            !s.ok()) {
          return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
        }
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
                                  v1::EvaluateResponse* response) {
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
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  rules::Decision decision;
  rules::Explanation explanation;
  rules::Explanation* why = request.explain() ? &explanation : nullptr;
  if (absl::Status s =
          served->ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, *today}, &decision, why);
      !s.ok()) {
    return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
  }
  DecisionToProto(customer, decision, why, response->mutable_decision());
  return absl::OkStatus();
}

absl::Status Operations::GetRuleset(const v1::GetRulesetRequest&,
                                    v1::GetRulesetResponse* response) {
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  response->set_version(served->ruleset->version());
  response->set_directory(served->directory);
  response->set_loaded_at(served->loaded_at);
  for (const rules::RuleSource& source : served->ruleset->sources()) {
    v1::RulesetFile* file = response->add_files();
    file->set_path(source.path);
    file->set_size_bytes(static_cast<int64_t>(source.content.size()));
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------- gRPC layer

namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share their numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

template <typename Operation>
grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, Operation operation) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (context->deadline() < std::chrono::system_clock::now()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "the deadline passed before the call started"));
  } else {
    reactor->Finish(ToGrpc(operation()));
  }
  return reactor;
}

class CustomersService final : public v1::Customers::CallbackService {
 public:
  explicit CustomersService(Operations* ops) : ops_(ops) {}
  grpc::ServerUnaryReactor* UpsertCustomer(grpc::CallbackServerContext* context,
                                           const v1::UpsertCustomerRequest* request,
                                           v1::UpsertCustomerResponse* response) override {
    return Run(context, [&] { return ops_->UpsertCustomer(*request, response); });
  }
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* context,
                                        const v1::GetCustomerRequest* request,
                                        v1::GetCustomerResponse* response) override {
    return Run(context, [&] { return ops_->GetCustomer(*request, response); });
  }
  grpc::ServerUnaryReactor* DeleteCustomer(grpc::CallbackServerContext* context,
                                           const v1::DeleteCustomerRequest* request,
                                           v1::DeleteCustomerResponse* response) override {
    return Run(context, [&] { return ops_->DeleteCustomer(*request, response); });
  }
  grpc::ServerUnaryReactor* ListCustomers(grpc::CallbackServerContext* context,
                                          const v1::ListCustomersRequest* request,
                                          v1::ListCustomersResponse* response) override {
    return Run(context, [&] { return ops_->ListCustomers(*request, response); });
  }

 private:
  Operations* ops_;
};

class EventsService final : public v1::Events::CallbackService {
 public:
  explicit EventsService(Operations* ops) : ops_(ops) {}
  grpc::ServerUnaryReactor* RecordPurchase(grpc::CallbackServerContext* context,
                                           const v1::RecordPurchaseRequest* request,
                                           v1::RecordPurchaseResponse* response) override {
    return Run(context, [&] { return ops_->RecordPurchase(*request, response); });
  }
  grpc::ServerUnaryReactor* RecordInteraction(grpc::CallbackServerContext* context,
                                              const v1::RecordInteractionRequest* request,
                                              v1::RecordInteractionResponse* response) override {
    return Run(context, [&] { return ops_->RecordInteraction(*request, response); });
  }
  grpc::ServerUnaryReactor* ReturnPurchase(grpc::CallbackServerContext* context,
                                           const v1::ReturnPurchaseRequest* request,
                                           v1::ReturnPurchaseResponse* response) override {
    return Run(context, [&] { return ops_->ReturnPurchase(*request, response); });
  }

 private:
  Operations* ops_;
};

class DecisionsService final : public v1::Decisions::CallbackService {
 public:
  explicit DecisionsService(Operations* ops) : ops_(ops) {}
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override {
    return Run(context, [&] { return ops_->Evaluate(*request, response); });
  }
  grpc::ServerUnaryReactor* GetRuleset(grpc::CallbackServerContext* context,
                                       const v1::GetRulesetRequest* request,
                                       v1::GetRulesetResponse* response) override {
    return Run(context, [&] { return ops_->GetRuleset(*request, response); });
  }

 private:
  Operations* ops_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::Service>> MakeServices(Operations* operations) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<CustomersService>(operations));
  services.push_back(std::make_unique<EventsService>(operations));
  services.push_back(std::make_unique<DecisionsService>(operations));
  return services;
}

}  // namespace clientele::server
