// Events.RecordEvent: a custom event of a type the ruleset declares
// (rules/events.h). The event joins the customer's history; each event
// earning rule that matches credits its points, within its limit, by a
// ledger entry of the customer who gets them (the event's, or a referrer
// an attribute names), and that customer's tier follows.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/strings.h"
#include "rules/diagnostic.h"
#include "rules/events.h"
#include "server/api/events.h"
#include "server/api/idempotent_writes.h"
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

namespace {

constexpr int kMaxAttributes = 64;

// A RecordEvent request that passed validation.
struct CheckedEvent {
  std::shared_ptr<const ServedRuleset> served;
  rules::CustomEvent event;
  std::vector<std::pair<std::string, std::string>> attributes;  // in declaration order
  std::vector<std::string> customers;  // the values of its customer attributes
  Date today;
  std::string occurred_at;  // as given, or the time it was recorded
};

// The event's day: that of occurred_at in the programme's time zone, or
// today; never after today.
absl::StatusOr<Date> EventDay(const rules::RuleSet& ruleset, std::string_view occurred_at,
                              Date today) {
  if (occurred_at.empty()) return today;
  absl::Time instant;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(occurred_at), &instant, &error)) {
    return Invalid(
        "occurred_at",
        StrCat("is not an RFC 3339 time such as 2026-11-20T10:30:00+08:00 (", error, ")"));
  }
  const Date day = ruleset.LocalTimeAt(instant).day;
  if (day.year() < 1900 || day.year() > 2200) {
    return Invalid("occurred_at", "must fall between the years 1900 and 2200");
  }
  if (absl::Status s = CheckNotAfter("occurred_at", day, today); !s.ok()) return s;
  return day;
}

// The type the ruleset declares under `name`, or INVALID_ARGUMENT naming
// the ones it does.
absl::StatusOr<const rules::EventType*> DeclaredType(const rules::RuleSet& ruleset,
                                                     std::string_view name) {
  if (const rules::EventType* type = ruleset.FindEventType(name)) return type;
  std::vector<std::string> names;
  for (const rules::EventType& type : ruleset.EventTypes()) names.push_back(type.name);
  return Invalid("type",
                 StrCat("'", name, "' is not an event type of the served ruleset",
                        rules::DidYouMeanSuffix(name, names),
                        names.empty() ? " (it declares none: add an events file)"
                                      : StrCat(" (it declares: ", StrJoin(names, ", "), ")")));
}

absl::StatusOr<CheckedEvent> CheckEvent(const v1::RecordEventRequest& request,
                                        std::shared_ptr<const ServedRuleset> served, Date today,
                                        absl::Time now) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("type", request.type(), 100, true); !s.ok()) return s;
  if (absl::Status s = CheckText("occurred_at", request.occurred_at(), 64, false); !s.ok()) {
    return s;
  }
  if (request.attributes_size() > kMaxAttributes) {
    return Invalid("attributes",
                   StrCat("has ", request.attributes_size(), "; at most ", kMaxAttributes));
  }
  const rules::RuleSet& ruleset = *served->ruleset;
  absl::StatusOr<const rules::EventType*> type = DeclaredType(ruleset, request.type());
  if (!type.ok()) return type.status();
  // Sorted by name: a map's order is not the request's.
  const std::map<std::string, std::string> sorted(request.attributes().begin(),
                                                  request.attributes().end());
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [name, value] : sorted) {
    const std::string field = StrCat("attributes.", name);
    if (absl::Status s = CheckText(field, name, 100, true); !s.ok()) return s;
    if (absl::Status s =
            CheckText(field, value, rules::kMaxAttributeTextBytes, false, TextKind::kFreeText);
        !s.ok()) {
      return s;
    }
    given.emplace_back(name, value);
  }
  absl::StatusOr<Date> day = EventDay(ruleset, request.occurred_at(), today);
  if (!day.ok()) return day.status();
  absl::StatusOr<rules::CustomEvent> event = rules::MakeEvent(**type, given, *day);
  if (!event.ok()) return Invalid("attributes", View(event.status().message()));
  CheckedEvent checked{std::move(served),
                       *std::move(event),
                       {},
                       {},
                       today,
                       request.occurred_at().empty()
                           ? absl::FormatTime(absl::RFC3339_sec, now, absl::UTCTimeZone())
                           : request.occurred_at()};
  for (size_t i = 0; i < (*type)->attributes.size(); ++i) {
    const rules::EventAttribute& attribute = (*type)->attributes[i];
    const rules::EventValue& value = checked.event.values[i];
    if (!value.given) continue;
    const std::string field = StrCat("attributes.", attribute.name);
    checked.attributes.emplace_back(attribute.name, sorted.at(attribute.name));
    if (attribute.type != rules::AttributeType::kCustomer) continue;
    if (absl::Status s = CheckId(field, value.text); !s.ok()) return s;
    if (value.text == request.customer_id()) {
      return Invalid(field, StrCat("is the event's own customer '", value.text,
                                   "': a customer attribute names another customer"));
    }
    checked.customers.push_back(value.text);
  }
  return checked;
}

// The customer `id`'s points after a credit of `entry`, with its lot,
// lifetime points and what it owed settled (PointsAccount::RecordEarning).
absl::StatusOr<int64_t> Credit(Transaction& tx, const CheckedEvent& checked, const Customer& before,
                               const LedgerEntry& entry) {
  absl::StatusOr<int64_t> entry_id = tx.AppendLedger(entry);
  if (!entry_id.ok()) return entry_id.status();
  if (absl::Status s = tx.UpdatePointsTotals(before.id, entry.delta, before.points_owed); !s.ok()) {
    return s;
  }
  PointsAccount account(tx, checked.served->ruleset->points_policy(),
                        checked.served->ruleset->version(), checked.today);
  absl::StatusOr<PointsAccount::Earning> earning =
      account.RecordEarning(before, *entry_id, entry, checked.event.day);
  if (!earning.ok()) return earning.status();
  return *entry_id;
}

// The tier of a customer whose points an event changed, by the rules.
absl::Status FollowTier(Transaction& tx, const CheckedEvent& checked, std::string_view id,
                        std::string_view source) {
  const rules::RuleSet& ruleset = *checked.served->ruleset;
  absl::StatusOr<Customer> after = RequireCustomer(tx, id, AsOf(ruleset, checked.today));
  if (!after.ok()) return after.status();
  rules::Decision decision;
  if (absl::Status s =
          EvaluateRules(ruleset, {&*after, nullptr, nullptr, nullptr, checked.today}, &decision);
      !s.ok()) {
    return s;
  }
  return ChangeTierByRules(tx, *after, {decision.tier, decision.tier_downgrade_on}, source,
                           decision.ruleset_version, checked.today);
}

void CreditToProto(const rules::EventCredit& credit, std::string_view customer_id, int64_t entry_id,
                   v1::EventCredit* out) {
  out->set_rule_id(std::string(credit.rule_id));
  out->set_customer_id(std::string(credit.to_customer.empty() ? customer_id : credit.to_customer));
  out->set_to_attribute(std::string(credit.to_attribute));
  out->set_points(credit.points);
  out->set_rule_points(credit.rule_points);
  if (credit.limit.any()) out->set_limit(credit.limit.Describe());
  out->set_used_times_before(credit.used_before.times);
  out->set_used_points_before(credit.used_before.points);
  out->set_limited(credit.limited);
  out->set_ledger_entry_id(entry_id);
}

// The transaction of an event: the event, its credits and their tiers.
absl::Status WriteEvent(const CheckedEvent& checked, std::string_view customer_id, Transaction& tx,
                        v1::RecordEventResponse* out) {
  const rules::RuleSet& ruleset = *checked.served->ruleset;
  // Earning rules read the facts as of the event's own day.
  CustomerAsOf as_of = AsOf(ruleset, checked.today);
  if (as_of.history_days > 0) as_of.history_days += checked.today.days() - checked.event.day.days();
  absl::StatusOr<Customer> customer = RequireCustomer(tx, customer_id, as_of);
  if (!customer.ok()) return customer.status();
  if (absl::Status s = UseLastEventsAsOf(tx, ruleset, checked.event.day, checked.today, &*customer);
      !s.ok()) {
    return s;
  }
  for (const std::string& other : checked.customers) {
    absl::StatusOr<std::optional<Customer>> found =
        tx.FindCustomer(other, AsOf(ruleset, checked.today));
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      for (const auto& [name, value] : checked.attributes) {
        if (value == other) {
          return Invalid(StrCat("attributes.", name), StrCat("customer '", other, "' not found"));
        }
      }
    }
  }
  absl::StatusOr<std::vector<rules::EventRuleUsage>> used =
      tx.EventRuleUsage(customer->id, ruleset.EventEarningRules(), checked.event.day);
  if (!used.ok()) return used.status();
  rules::EvalInput input{&*customer, nullptr, nullptr, nullptr, checked.today};
  input.event = &checked.event;
  input.event_usage = *used;
  rules::Decision decision;
  if (absl::Status s = EvaluateRules(ruleset, input, &decision); !s.ok()) return s;
  CustomEventRecord record{0,
                           customer->id,
                           checked.event.type,
                           checked.event.day,
                           checked.occurred_at,
                           checked.attributes,
                           std::string(decision.ruleset_version),
                           ""};
  absl::StatusOr<int64_t> event_id = tx.InsertCustomEvent(record);
  if (!event_id.ok()) return event_id.status();
  const std::string source = StrCat("event:", *event_id);
  std::vector<std::string> credited;  // customers whose tier may follow
  for (const rules::EventCredit& credit : decision.event.credits) {
    int64_t entry_id = 0;
    if (credit.points > 0) {
      const std::string to(credit.to_customer.empty() ? customer->id : credit.to_customer);
      absl::StatusOr<Customer> before = RequireCustomer(tx, to, AsOf(ruleset, checked.today));
      if (!before.ok()) return before.status();
      LedgerEntry entry;
      entry.customer_id = to;
      entry.delta = credit.points;
      entry.reason = "event";
      entry.rule_id = std::string(credit.rule_id);
      entry.ruleset_version = std::string(decision.ruleset_version);
      entry.source = source;
      // A referrer's entry names the customer whose event it was.
      entry.note = to == customer->id ? checked.event.type
                                      : StrCat(checked.event.type, " of customer ", customer->id);
      absl::StatusOr<int64_t> id = Credit(tx, checked, *before, entry);
      if (!id.ok()) return id.status();
      entry_id = *id;
      if (absl::Status s = tx.InsertEventCredit({*event_id, entry.rule_id, customer->id, to,
                                                 checked.event.day, credit.points, entry_id});
          !s.ok()) {
        return s;
      }
      if (std::find(credited.begin(), credited.end(), to) == credited.end()) credited.push_back(to);
      Metrics::Global().RecordMatch("event", credit.rule_id);
      Metrics::Global().RecordPoints(credit.points);
    }
    CreditToProto(credit, customer->id, entry_id, out->add_credits());
  }
  for (const std::string& id : credited) {
    if (absl::Status s = FollowTier(tx, checked, id, source); !s.ok()) return s;
  }
  // The event's customer has a new event whatever it earned; those
  // credited, new points.
  if (std::find(credited.begin(), credited.end(), customer->id) == credited.end()) {
    credited.push_back(customer->id);
  }
  for (const std::string& id : credited) {
    if (absl::Status s = OpenTasksByRules(tx, ruleset, id, checked.today, source); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<Customer> after = RequireCustomer(tx, customer->id, AsOf(ruleset, checked.today));
  if (!after.ok()) return after.status();
  out->set_event_id(*event_id);
  out->set_type(checked.event.type);
  out->set_day(checked.event.day.ToString());
  out->set_points_balance(after->points);
  out->set_tier_before(customer->tier);
  out->set_tier(after->tier);
  out->set_ruleset_version(std::string(decision.ruleset_version));
  return absl::OkStatus();
}

}  // namespace

absl::Status EventsApi::RecordEvent(const v1::RecordEventRequest& request,
                                    v1::RecordEventResponse* response) {
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  absl::StatusOr<CheckedEvent> checked = CheckEvent(request, std::move(served), today_(), now_());
  if (!checked.ok()) return checked.status();
  return IdempotentWrite(store_, "RecordEvent", request, request.idempotency_key(), response,
                         [&](Transaction& tx, v1::RecordEventResponse* out) {
                           return WriteEvent(*checked, request.customer_id(), tx, out);
                         });
}

}  // namespace clientele::server
