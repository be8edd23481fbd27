#include "server/api/requests.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "rules/diagnostic.h"
#include "common/utf8.h"

namespace clientele::server::service_internal {

using rules::Customer;
using rules::Date;
using rules::Decimal;

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return WithField(absl::InvalidArgumentError(StrCat(field, ": ", problem)), field);
}

absl::Status CheckText(std::string_view field, std::string_view text, size_t max_bytes,
                       bool required, TextKind kind) {
  if (required && text.empty()) return Invalid(field, "is required");
  if (text.size() > max_bytes) {
    return Invalid(field, StrCat("is ", text.size(), " bytes; at most ", max_bytes, " allowed"));
  }
  if (size_t bad = utf8::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Invalid(field, StrCat("is not valid UTF-8 (byte ", bad, ")"));
  }
  const std::string_view allowed = kind == TextKind::kFreeText ? "\t\n\r" : "";
  if (size_t bad = FindControlCharacter(text, allowed); bad != std::string_view::npos) {
    const auto byte = static_cast<unsigned char>(text[bad]);
    const unsigned code = byte == 0xc2 ? static_cast<unsigned char>(text[bad + 1]) : byte;
    std::string hex = HexByte(static_cast<unsigned char>(code));
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return WithReason(
        Invalid(field, StrCat("contains the control character U+00", hex, " (byte ",
                              bad, "); ",
                              kind == TextKind::kFreeText
                                  ? "only tab and line breaks are allowed"
                                  : "none is allowed")),
        kReasonControlCharacter);
  }
  return absl::OkStatus();
}

absl::Status CheckDecimalText(std::string_view field, std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;  // a negative is refused by its range
  const size_t digits_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  bool ok = i > digits_start;
  if (ok && i < text.size() && text[i] == '.') {
    const size_t point = i++;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    ok = i - point - 1 >= 1 && i - point - 1 <= static_cast<size_t>(rules::Decimal::kScaleDigits);
  }
  if (ok && i == text.size()) return absl::OkStatus();
  return Invalid(field, StrCat("'", text,
                               "' is not decimal text: digits, optionally '.' and 1 to 4 digits, "
                               "without '+' or spaces (e.g. 199.90)"));
}

absl::Status CheckNotAfter(std::string_view field, Date day, Date today) {
  if (!day.known() || !(today < day)) return absl::OkStatus();
  return WithReason(Invalid(field, StrCat("is in the future (after today, ", today.ToString(), " UTC)")),
                    kReasonDateInFuture);
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
  return CheckText("idempotency_key", key, kMaxKeyBytes, true);
}

// "YYYY-MM-DD", or `fallback` when empty.
absl::StatusOr<Date> ParseDay(std::string_view field, std::string_view text, Date fallback) {
  if (text.empty()) return fallback;
  if (absl::Status s = CheckText(field, text, 50, false); !s.ok()) return s;
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
    const std::string* value;
    size_t max_bytes;
  };
  // Every text first, so that no parser below echoes a control character.
  std::vector<TextField> texts = {{"name", &p.name(), limits.max_name_bytes},
                                  {"gender", &p.gender(), 50},
                                  {"occupation", &p.occupation(), 100},
                                  {"consumption", &p.consumption(), 50},
                                  {"channel", &p.channel(), 50},
                                  {"birthday", &p.birthday(), 50},
                                  {"joined_at", &p.joined_at(), 50}};
  if (maintained) {
    texts.insert(texts.end(), {{"tier", &p.tier(), limits.max_name_bytes},
                               {"last_purchase_at", &p.last_purchase_at(), 50}});
  }
  for (const TextField& f : texts) {
    if (absl::Status s = CheckText(StrCat("customer.", f.name), *f.value, f.max_bytes, false);
        !s.ok()) {
      return s;
    }
  }
  // Decimals follow one syntax everywhere (CheckDecimalText). A never
  // rated customer is returned with satisfaction "0": taken back as such.
  std::vector<std::pair<const char*, const std::string*>> decimals = {
      {"average_purchase_amount", &p.average_purchase_amount()},
      {"satisfaction", &p.satisfaction()}};
  if (maintained) decimals.push_back({"total_spent", &p.total_spent()});
  for (const auto& [name, text] : decimals) {
    if (text->empty()) continue;
    if (absl::Status s = CheckDecimalText(StrCat("customer.", name), *text); !s.ok()) return s;
  }
  const bool never_rated =
      !p.satisfaction().empty() && p.satisfaction().find_first_not_of("0.") == std::string::npos;
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
    if (std::string_view(name) == "satisfaction" && never_rated) continue;  // stays 0
    if (absl::Status s = rules::SetCustomerField(&c, name, text); !s.ok()) {
      return WithField(absl::InvalidArgumentError(StrCat("customer.", s.message())),
                       StrCat("customer.", name));
    }
  }
  const Date today = Date::Today();
  if (absl::Status s = CheckNotAfter("customer.birthday", c.birthday, today); !s.ok()) return s;
  if (absl::Status s = CheckNotAfter("customer.joined_at", c.joined_at, today); !s.ok()) return s;
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
      store.FindRulesetVersion(utf8::AsciiLower(version));
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

namespace {

constexpr size_t kPageTokenMacBytes = 16;
constexpr size_t kMaxPageTokenBytes = 512;

// The MAC of a position in the listing `method` of `request`'s query.
std::string PageTokenMac(std::string_view key, std::string_view method,
                         const google::protobuf::Message& request, std::string_view position) {
  std::unique_ptr<google::protobuf::Message> query(request.New());
  query->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = query->GetDescriptor();
  for (const char* paging : {"page_token", "page_size"}) {
    if (const google::protobuf::FieldDescriptor* f = descriptor->FindFieldByName(paging)) {
      query->GetReflection()->ClearField(query.get(), f);
    }
  }
  std::string query_bytes;
  {
    google::protobuf::io::StringOutputStream stream(&query_bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    query->SerializeToCodedStream(&coded);
  }
  // Lengths first, so that no two (method, query, position) share bytes.
  const std::string signed_bytes = StrCat("page-token-v1:", method.size(), ":", method, ":",
                                          query_bytes.size(), ":", query_bytes, position);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(signed_bytes.data()), signed_bytes.size(), mac,
           &mac_size) == nullptr ||
      mac_size < kPageTokenMacBytes) {
    return "";  // no token verifies against an empty MAC (see ReadPageToken)
  }
  return std::string(reinterpret_cast<const char*>(mac), kPageTokenMacBytes);
}

}  // namespace

std::string IssuePageToken(std::string_view key, std::string_view method,
                           const google::protobuf::Message& request, std::string_view position) {
  const std::string raw = StrCat(position, PageTokenMac(key, method, request, position));
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(raw.data(), raw.size()), &token);
  return token;
}

absl::StatusOr<std::string> ReadPageToken(std::string_view key, std::string_view method,
                                          const google::protobuf::Message& request,
                                          std::string_view token) {
  if (token.empty()) return std::string();
  auto refused = [&] {
    return WithReason(
        Invalid("page_token", StrCat("is not a token that ", method,
                                     " issued for this request (a token holds to the request's "
                                     "other fields: send them unchanged; page_size may change)")),
        kReasonInvalidPageToken);
  };
  std::string raw;
  if (token.size() > kMaxPageTokenBytes ||
      !absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw) ||
      raw.size() <= kPageTokenMacBytes) {
    return refused();
  }
  const std::string_view position(raw.data(), raw.size() - kPageTokenMacBytes);
  const std::string expected = PageTokenMac(key, method, request, position);
  if (expected.size() != kPageTokenMacBytes ||
      CRYPTO_memcmp(expected.data(), raw.data() + position.size(), kPageTokenMacBytes) != 0) {
    return refused();
  }
  return std::string(position);
}

absl::StatusOr<int64_t> ReadIdPageToken(std::string_view key, std::string_view method,
                                        const google::protobuf::Message& request,
                                        std::string_view token) {
  absl::StatusOr<std::string> position = ReadPageToken(key, method, request, token);
  if (!position.ok()) return position.status();
  if (position->empty()) return 0;
  int64_t id = 0;
  if (!ParseInteger(std::string_view(*position), &id) || id <= 0) {
    return absl::InternalError(StrCat("a page token of ", method, " holds a bad position"));
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
  if (absl::Status s = CheckText(field, dimension, 200, true); !s.ok()) return s;
  return WithReason(Invalid(field, StrCat("'", dimension, "' is not a dimension of the rules",
                                          rules::DidYouMeanSuffix(dimension, dimensions), " (",
                                          StrJoin(dimensions, ", "), ")")),
                    kReasonUnknownDimension);
}

absl::Status CheckSegmentFilter(std::string_view field, const v1::SegmentFilter& filter,
                                const rules::RuleSet& ruleset) {
  if (absl::Status s =
          CheckDimension(StrCat(field, ".dimension"), filter.dimension(), ruleset);
      !s.ok()) {
    return s;
  }
  const std::string segment_field = StrCat(field, ".segment");
  if (absl::Status s = CheckText(segment_field, filter.segment(), 200, true); !s.ok()) return s;
  const std::vector<std::string> segments = ruleset.SegmentNames(filter.dimension());
  if (std::find(segments.begin(), segments.end(), filter.segment()) != segments.end()) {
    return absl::OkStatus();
  }
  constexpr size_t kMaxListed = 20;
  const std::string listed =
      segments.size() <= kMaxListed ? StrCat(" (", StrJoin(segments, ", "), ")") : "";
  return WithReason(
      Invalid(segment_field, StrCat("'", filter.segment(), "' is not a segment of dimension '",
                                    filter.dimension(), "'",
                                    rules::DidYouMeanSuffix(filter.segment(), segments), listed)),
      kReasonUnknownSegment);
}

namespace {

// The fields of a Customer that UpsertCustomer sets (the rest the server
// maintains), with how to copy each.
struct EditableField {
  std::string_view name;
  void (*copy)(const Customer& from, Customer* to);
};
constexpr EditableField kEditableFields[] = {
    {"name", [](const Customer& f, Customer* t) { t->name = f.name; }},
    {"age", [](const Customer& f, Customer* t) { t->age = f.age; }},
    {"gender", [](const Customer& f, Customer* t) { t->gender = f.gender; }},
    {"occupation", [](const Customer& f, Customer* t) { t->occupation = f.occupation; }},
    {"consumption", [](const Customer& f, Customer* t) { t->consumption = f.consumption; }},
    {"channel", [](const Customer& f, Customer* t) { t->channel = f.channel; }},
    {"birthday", [](const Customer& f, Customer* t) { t->birthday = f.birthday; }},
    {"joined_at", [](const Customer& f, Customer* t) { t->joined_at = f.joined_at; }},
    {"purchase_frequency",
     [](const Customer& f, Customer* t) { t->purchase_frequency = f.purchase_frequency; }},
    {"average_purchase_amount",
     [](const Customer& f, Customer* t) { t->average_purchase_amount = f.average_purchase_amount; }},
    {"satisfaction", [](const Customer& f, Customer* t) { t->satisfaction = f.satisfaction; }},
};

}  // namespace

bool CustomerMask::Has(std::string_view field) const {
  return all || std::find(fields.begin(), fields.end(), field) != fields.end();
}

absl::StatusOr<CustomerMask> ParseCustomerMask(const google::protobuf::FieldMask& mask) {
  CustomerMask parsed;
  if (mask.paths().empty()) return parsed;
  parsed.all = false;
  std::vector<std::string> editable;
  for (const EditableField& f : kEditableFields) editable.emplace_back(f.name);
  for (const std::string& path : mask.paths()) {
    if (absl::Status s = CheckText("update_mask.paths", path, 100, true); !s.ok()) return s;
    if (path == "*") {
      parsed.all = true;
      continue;
    }
    if (std::find(editable.begin(), editable.end(), path) != editable.end()) {
      parsed.fields.push_back(path);
      continue;
    }
    const std::vector<std::string>& every = rules::CustomerFieldNames();
    if (std::find(every.begin(), every.end(), path) != every.end()) {
      return Invalid("update_mask.paths",
                     StrCat("'", path, "' is maintained by the server, not set by an upsert"));
    }
    return Invalid("update_mask.paths",
                   StrCat("'", path, "' is not an editable customer field",
                          rules::DidYouMeanSuffix(path, editable), " (", StrJoin(editable, ", "),
                          ")"));
  }
  return parsed;
}

absl::StatusOr<UpsertedCustomer> UpsertCustomerIn(Transaction& tx, Customer customer,
                                                  bool satisfaction_given,
                                                  const rules::RuleSet& ruleset, Date today,
                                                  const CustomerMask& mask) {
  absl::StatusOr<std::optional<Customer>> existing = tx.FindCustomer(customer.id, today);
  if (!existing.ok()) return existing.status();
  if (!mask.all) {
    // What the mask does not name stays as stored (or unknown when new).
    const Customer kept = existing->has_value() ? **existing : Customer();
    for (const EditableField& f : kEditableFields) {
      if (!mask.Has(f.name)) f.copy(kept, &customer);
    }
    if (!customer.joined_at.known()) customer.joined_at = today;
  }
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
