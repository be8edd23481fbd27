#include "server/service_internal.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "rules/internal/utf8.h"

namespace clientele::server::service_internal {

using rules::Customer;
using rules::Date;
using rules::Decimal;

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
  return Sha256Hex(bytes);
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
  std::vector<std::pair<const char*, std::string>> fields = {{"name", p.name()},
                                                             {"age", StrCat(p.age())},
                                                             {"gender", p.gender()},
                                                             {"occupation", p.occupation()},
                                                             {"consumption", p.consumption()},
                                                             {"channel", p.channel()},
                                                             {"birthday", p.birthday()},
                                                             {"joined_at", p.joined_at()},
                                                             {"satisfaction", p.satisfaction()}};
  // Purchase stats may be given on upsert and import too (stats from
  // another system, as the seeds have them); the store keeps them until
  // purchases are recorded.
  fields.insert(fields.end(), {{"purchase_frequency", StrCat(p.purchase_frequency())},
                               {"average_purchase_amount", p.average_purchase_amount()}});
  if (maintained) {
    fields.insert(fields.end(), {{"total_spent", p.total_spent()},
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
      c->set_as_needed(check.as_needed);
      c->set_reason(check.reason);
      for (const rules::ObservedValue& v : check.observed) {
        (*c->mutable_observed())[v.expression] = v.value;
      }
    }
  }
}

absl::StatusOr<RulesetVersionRecord> FindServedVersion(Store& store, std::string_view version) {
  if (version.size() < 4 || version.size() > 12) {
    return Invalid("version", "give a version (12 hex digits) or at least its first 4 digits");
  }
  for (char c : version) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Invalid("version", "is hexadecimal (digits 0-9 and a-f)");
    }
  }
  absl::StatusOr<std::optional<RulesetVersionRecord>> found =
      store.FindRulesetVersion(rules::utf8_internal::AsciiLower(version));
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(StrCat("ruleset version '", version,
                                      "' was never served here (clientele rules versions lists them)"));
  }
  return std::move(**found);
}

void DiagnosticToProto(const rules::Diagnostic& d, v1::RuleDiagnostic* out) {
  out->set_file(d.ShownFile());
  out->set_line(d.line);
  out->set_column(d.column);
  out->set_severity(std::string(rules::SeverityName(d.severity)));
  out->set_message(d.ShownMessage());
  out->set_hint(d.ShownHint());
  out->set_rendered(rules::FormatDiagnostic(d));
}

absl::StatusOr<Customer> RequireCustomer(Transaction& tx, std::string_view id, Date today) {
  absl::StatusOr<std::optional<Customer>> found = tx.FindCustomer(id, today);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("customer '", id, "' not found"));
  return std::move(**found);
}

absl::StatusOr<int> CheckPageSize(int32_t page_size) {
  if (page_size == 0) return kDefaultPageSize;
  if (page_size < 1 || page_size > kMaxPageSize) {
    return Invalid("page_size", StrCat("must be 0 (default ", kDefaultPageSize, ") to ",
                                       kMaxPageSize, ", not ", page_size));
  }
  return page_size;
}

absl::StatusOr<int64_t> ParseIdToken(std::string_view token, std::string_view rpc) {
  if (token.empty()) return 0;
  int64_t id = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), id);
  if (error != std::errc() || end != token.data() + token.size() || id <= 0) {
    return Invalid("page_token", StrCat("is not a token returned by ", rpc));
  }
  return id;
}

absl::Status EvaluateRules(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           rules::Decision* decision, rules::Explanation* explanation) {
  absl::Status s = ruleset.Evaluate(input, decision, explanation);
  if (s.ok()) return s;
  if (absl::IsResourceExhausted(s)) {
    return absl::ResourceExhaustedError(
        StrCat(s.message(), " (max_evaluation_work in the server config)"));
  }
  return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
}

absl::Status CheckDimension(std::string_view field, std::string_view dimension,
                            const rules::RuleSet& ruleset) {
  const std::vector<std::string> dimensions = ruleset.DimensionIds();
  if (std::find(dimensions.begin(), dimensions.end(), dimension) != dimensions.end()) {
    return absl::OkStatus();
  }
  std::string known;
  for (const std::string& d : dimensions) known += StrCat(known.empty() ? "" : ", ", d);
  return Invalid(field,
                 StrCat("'", dimension, "' is not a dimension of the rules (", known, ")"));
}

absl::Status CheckSegmentFilter(std::string_view field, const v1::SegmentFilter& filter,
                                const rules::RuleSet& ruleset) {
  if (absl::Status s =
          CheckDimension(StrCat(field, ".dimension"), filter.dimension(), ruleset);
      !s.ok()) {
    return s;
  }
  return CheckText(StrCat(field, ".segment"), filter.segment(), 200, true);
}

absl::StatusOr<UpsertedCustomer> UpsertCustomerIn(Transaction& tx, Customer customer,
                                                  bool satisfaction_given,
                                                  const rules::RuleSet& ruleset, Date today) {
  absl::StatusOr<std::optional<Customer>> existing = tx.FindCustomer(customer.id, today);
  if (!existing.ok()) return existing.status();
  if (existing->has_value() && !satisfaction_given) {
    customer.satisfaction = (*existing)->satisfaction;
  }
  absl::StatusOr<bool> created = tx.UpsertCustomerProfile(customer);
  if (!created.ok()) return created.status();
  absl::StatusOr<Customer> stored = RequireCustomer(tx, customer.id, today);
  if (!stored.ok()) return stored.status();
  rules::Decision decision;
  if (absl::Status s =
          EvaluateRules(ruleset, {&*stored, nullptr, nullptr, nullptr, today}, &decision);
      !s.ok()) {
    return s;
  }
  if (decision.tier != stored->tier) {
    if (absl::Status s = tx.SetTier(stored->id, decision.tier); !s.ok()) return s;
    stored->tier = std::string(decision.tier);
  }
  return UpsertedCustomer{std::move(*stored), *created};
}

void AddMessageToHash(const google::protobuf::Message& message, Sha256* hash) {
  const std::string bytes = message.SerializeAsString();
  hash->Add(StrCat(bytes.size(), ":"));
  hash->Add(bytes);
}

absl::Status WaitFor(absl::FunctionRef<void(Operations::Done)> start) {
  std::mutex mutex;
  std::condition_variable finished;
  std::optional<absl::Status> outcome;  // guarded by mutex
  start([&](absl::Status status) {
    std::lock_guard<std::mutex> lock(mutex);
    outcome = std::move(status);
    finished.notify_one();  // under the lock: the waiter owns `finished`
  });
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return outcome.has_value(); });
  return *std::move(outcome);
}

}  // namespace clientele::server::service_internal
