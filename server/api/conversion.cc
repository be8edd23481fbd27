#include "server/api/conversion.h"

#include "common/strings.h"
#include "common/utf8.h"
#include "rules/diagnostic.h"
#include "server/api/requests.h"

namespace clientele::server::api_internal {

using rules::Customer;
using rules::Date;
using rules::Decimal;

namespace {

// Upcoming expiries as the protos give them (replacing what `out` held).
void ExpiringToProto(const std::vector<rules::ExpiringPoints>& expiring,
                     google::protobuf::RepeatedPtrField<v1::PointsExpiry>* out) {
  out->Clear();
  for (const rules::ExpiringPoints& e : expiring) {
    v1::PointsExpiry* entry = out->Add();
    entry->set_date(e.on.ToString());
    entry->set_points(e.points);
  }
}

}  // namespace

absl::StatusOr<Customer> CustomerFromProto(const v1::Customer& p, bool maintained,
                                           const RequestLimits& limits, Date today) {
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
                               {"last_purchase_at", &p.last_purchase_at(), 50},
                               {"previous_tier", &p.previous_tier(), limits.max_name_bytes},
                               {"tier_since", &p.tier_since(), 50},
                               {"manual_tier_until", &p.manual_tier_until(), 50},
                               {"tier_downgrade_on", &p.tier_downgrade_on(), 50}});
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
  if (maintained) {
    decimals.push_back({"total_spent", &p.total_spent()});
    decimals.push_back({"qualifying_spent", &p.qualifying_spent()});
  }
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
                                 {"points_pending", StrCat(p.points_pending())},
                                 {"points_lifetime", StrCat(p.points_lifetime())},
                                 {"points_owed", StrCat(p.points_owed())},
                                 {"tier", p.tier()},
                                 {"previous_tier", p.previous_tier()},
                                 {"tier_since", p.tier_since()},
                                 {"manual_tier_until", p.manual_tier_until()},
                                 {"qualifying_points", StrCat(p.qualifying_points())},
                                 {"qualifying_spent", p.qualifying_spent()},
                                 {"tier_downgrade_on", p.tier_downgrade_on()},
                                 {"rfm.r", p.rfm_r() == 0 ? "" : StrCat(p.rfm_r())},
                                 {"rfm.f", p.rfm_f() == 0 ? "" : StrCat(p.rfm_f())},
                                 {"rfm.m", p.rfm_m() == 0 ? "" : StrCat(p.rfm_m())},
                                 {"last_purchase_at", p.last_purchase_at()}});
  }
  if (maintained && p.points_expiring_size() > 0) {
    // points_available is derived (points - points_pending): not read.
    constexpr int kMaxExpiries = 1000;
    if (p.points_expiring_size() > kMaxExpiries) {
      return Invalid("customer.points_expiring", StrCat("has more than ", kMaxExpiries, " dates"));
    }
    std::string expiring;
    for (const v1::PointsExpiry& e : p.points_expiring()) {
      if (absl::Status s = CheckText("customer.points_expiring.date", e.date(), 50, true); !s.ok()) {
        return s;
      }
      StrAppend(&expiring, expiring.empty() ? "" : ", ", e.points(), " on ", e.date());
    }
    fields.push_back({"points_expiring", expiring});
  }
  for (const auto& [name, text] : fields) {
    if (text.empty()) continue;  // unknown / unset
    if (std::string_view(name) == "satisfaction" && never_rated) continue;  // stays 0
    if (absl::Status s = rules::SetCustomerField(&c, name, text); !s.ok()) {
      return WithField(absl::InvalidArgumentError(StrCat("customer.", s.message())),
                       StrCat("customer.", name));
    }
  }
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
  p->set_points_available(c.points - c.points_pending);
  p->set_points_pending(c.points_pending);
  p->set_points_lifetime(c.points_lifetime);
  p->set_points_owed(c.points_owed);
  ExpiringToProto(c.points_expiring, p->mutable_points_expiring());
  p->set_tier(c.tier);
  p->set_previous_tier(c.previous_tier);
  p->set_tier_since(c.tier_since.ToString());
  p->set_manual_tier_until(c.manual_tier_until.ToString());
  p->set_qualifying_points(c.qualifying_points);
  p->set_qualifying_spent(c.qualifying_spent.ToString());
  p->set_tier_downgrade_on(c.tier_downgrade_on.ToString());
  p->set_rfm_r(c.rfm_r);
  p->set_rfm_f(c.rfm_f);
  p->set_rfm_m(c.rfm_m);
  p->set_last_purchase_at(c.last_purchase_at.ToString());
}

void PointsBalanceToProto(const Customer& c, v1::PointsBalance* p) {
  p->set_balance(c.points);
  p->set_available(c.points - c.points_pending);
  p->set_pending(c.points_pending);
  p->set_lifetime(c.points_lifetime);
  p->set_owed(c.points_owed);
  ExpiringToProto(c.points_expiring, p->mutable_expiring());
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
    out->set_group(std::string(o.group));
    if (o.unit != rules::OfferValueUnit::kNone) {
      out->set_unit(std::string(rules::OfferValueUnitName(o.unit)));
      if (o.value_known) out->set_value(o.value.ToString());
    }
    out->set_free_item(std::string(o.free_item));
  }
  for (const rules::OfferLoss& l : d.offers_lost) {
    v1::OfferLoss* out = p->add_offers_lost();
    out->set_offer(std::string(l.offer));
    out->set_rule_id(std::string(l.rule_id));
    out->set_lost_to(std::string(l.lost_to));
    out->set_why(l.why == rules::OfferLoss::Why::kGroup       ? "group"
                 : l.why == rules::OfferLoss::Why::kExclusion ? "exclusion"
                                                              : "exclusive");
  }
  p->set_tier(std::string(d.tier));
  p->set_tier_downgrade_on(d.tier_downgrade_on.ToString());
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

void DiagnosticToProto(const rules::Diagnostic& d, v1::RuleDiagnostic* out) {
  out->set_file(d.ShownFile());
  out->set_line(d.line);
  out->set_column(d.column);
  out->set_severity(std::string(rules::SeverityName(d.severity)));
  out->set_message(d.ShownMessage());
  out->set_hint(d.ShownHint());
  out->set_rendered(rules::FormatDiagnostic(d));
}

void AttemptToProto(const ReloadAttempt& attempt, v1::ReloadAttempt* out) {
  out->set_number(attempt.number);
  out->set_trigger(attempt.trigger);
  out->set_started_at(attempt.started_at);
  out->set_duration_micros(attempt.duration_micros);
  out->set_outcome(std::string(ReloadOutcomeName(attempt.outcome)));
  out->set_version(attempt.version);
  out->set_serving_version(attempt.serving_version);
  for (const rules::Diagnostic& d : attempt.diagnostics) DiagnosticToProto(d, out->add_diagnostics());
  out->set_message(attempt.message);
}

std::string DescribeChange(const rules::ProductChange& change) {
  switch (change.kind) {
    case rules::ProductChange::Kind::kSet:
      return StrCat("set ", change.field, " to \"", change.text, "\"");
    case rules::ProductChange::Kind::kAppend:
      return StrCat("append \"", change.text, "\" to ", change.field);
    case rules::ProductChange::Kind::kAdd:
      return StrCat("add ", change.amount.ToString(), " to ", change.field);
  }
  return "";
}

}  // namespace clientele::server::api_internal
