#include "client/json_codec.h"

#include "absl/status/status.h"
#include "common/strings.h"
#include "rules/diagnostic.h"
#include "rules/events.h"
#include "rules/history.h"

namespace clientele::client {
namespace {

using nlohmann::json;

// The text form of a JSON scalar for SetCustomerField: strings as they are,
// numbers as JSON prints them (shortest round-trip form: 4.1, not 4.0999...).
absl::StatusOr<std::string> ScalarText(const json& value, std::string_view field) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return absl::InvalidArgumentError(
      StrCat(field, ": expected a number or text, got ", value.type_name()));
}

absl::Status CheckKeys(const json& object, std::string_view what,
                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) {
      return absl::InvalidArgumentError(
          StrCat("unknown ", what, " field '", key, "' (fields: ", StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> TextField(const json& object, std::string_view key,
                                      std::string_view what) {
  auto it = object.find(key);
  if (it == object.end()) return std::string();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(StrCat(what, ".", key, ": expected text"));
  }
  return it->get<std::string>();
}

absl::StatusOr<rules::Purchase> PurchaseFromJson(json object) {
  if (object.is_number()) object = json{{"amount", object}};
  if (!object.is_object()) {
    return absl::InvalidArgumentError("purchase: expected an object such as {\"amount\": 400}");
  }
  if (absl::Status s = CheckKeys(object, "purchase",
                                 {"id", "amount", "product", "channel", "date", "category",
                                  "quantity"});
      !s.ok()) {
    return s;
  }
  rules::Purchase purchase;
  auto amount = object.find("amount");
  if (amount == object.end()) return absl::InvalidArgumentError("purchase.amount is missing");
  absl::StatusOr<std::string> text = ScalarText(*amount, "purchase.amount");
  if (!text.ok()) return text.status();
  absl::StatusOr<rules::Decimal> value = rules::Decimal::Parse(*text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(StrCat("purchase.amount: ", View(value.status().message())));
  }
  if (*value <= rules::Decimal()) {
    return absl::InvalidArgumentError(StrCat("purchase.amount: ", *text, " is not positive"));
  }
  purchase.amount = *value;
  absl::StatusOr<std::string> id = TextField(object, "id", "purchase");
  absl::StatusOr<std::string> product = TextField(object, "product", "purchase");
  absl::StatusOr<std::string> channel = TextField(object, "channel", "purchase");
  absl::StatusOr<std::string> category = TextField(object, "category", "purchase");
  absl::StatusOr<std::string> date = TextField(object, "date", "purchase");
  for (const auto* s : {&id, &product, &channel, &category, &date}) {
    if (!s->ok()) return s->status();
  }
  purchase.id = *id;
  purchase.product = *product;
  purchase.category = *category;
  if (!date->empty()) {
    absl::StatusOr<rules::Date> day = rules::Date::Parse(*date);
    if (!day.ok()) {
      return absl::InvalidArgumentError(StrCat("purchase.date: ", View(day.status().message())));
    }
    purchase.date = *day;
  }
  if (auto quantity = object.find("quantity"); quantity != object.end()) {
    absl::StatusOr<std::string> items = ScalarText(*quantity, "purchase.quantity");
    if (!items.ok()) return items.status();
    int64_t count = 0;
    if (!ParseInteger(*items, &count) || count < 1 || count > 1'000'000) {
      return absl::InvalidArgumentError(
          StrCat("purchase.quantity: ", *items, " is not a whole number from 1 to 1000000"));
    }
    purchase.quantity = count;
  }
  if (!channel->empty()) {
    absl::StatusOr<rules::Channel> parsed = rules::ParseChannel(*channel);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(StrCat("purchase.channel: ", View(parsed.status().message())));
    }
    purchase.channel = *parsed;
  }
  return purchase;
}

absl::StatusOr<rules::Interaction> InteractionFromJson(const json& object) {
  if (object.is_string()) return rules::Interaction{object.get<std::string>()};
  if (!object.is_object()) {
    return absl::InvalidArgumentError("interaction: expected text such as \"好评\" or {\"text\": ...}");
  }
  if (absl::Status s = CheckKeys(object, "interaction", {"text"}); !s.ok()) return s;
  absl::StatusOr<std::string> text = TextField(object, "text", "interaction");
  if (!text.ok()) return text.status();
  return rules::Interaction{*text};
}

// The feedback's "history": [{"date": ..., "text": ..., "satisfaction": ...}].
// One history entry's fields as text (rules::AddHistoryEntry and
// AddProductHistoryEntry take them so); `what` names it in errors.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> EntryFields(
    const json& entry, std::string_view what, std::string_view example) {
  if (!entry.is_object()) {
    return absl::InvalidArgumentError(StrCat(what, ": each entry is an object, e.g. ", example));
  }
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : entry.items()) {
    absl::StatusOr<std::string> text = ScalarText(value, StrCat(what, " ", name));
    if (!text.ok()) return text.status();
    fields.emplace_back(name, *std::move(text));
  }
  return fields;
}

absl::Status FeedbackHistoryFromJson(const json& history, Events* events) {
  if (!history.is_array()) {
    return absl::InvalidArgumentError(
        "feedback.history must be a list of the product's earlier feedback, e.g. "
        "[{\"date\": \"2026-11-30\", \"text\": \"太贵了\"}]");
  }
  for (const json& entry : history) {
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> fields =
        EntryFields(entry, "feedback.history", "{\"date\": \"2026-11-30\", \"text\": \"太贵了\"}");
    if (!fields.ok()) return fields.status();
    events->feedback_history.push_back(*std::move(fields));
  }
  return absl::OkStatus();
}

// {"type": "review", "date": "2026-11-20", "attributes": {"stars": 5}}.
absl::StatusOr<Events::PendingEvent> CustomEventFromJson(const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        "event: expected an object such as {\"type\": \"review\", \"attributes\": {\"stars\": 5}}");
  }
  if (absl::Status s = CheckKeys(object, "event", {"type", "date", "attributes"}); !s.ok())
    return s;
  Events::PendingEvent event;
  absl::StatusOr<std::string> type = TextField(object, "type", "event");
  if (!type.ok()) return type.status();
  if (type->empty())
    return absl::InvalidArgumentError("event.type: give the event's type, e.g. \"review\"");
  event.type = *std::move(type);
  if (object.contains("date")) {
    absl::StatusOr<std::string> date = TextField(object, "date", "event");
    if (!date.ok()) return date.status();
    event.date = *std::move(date);
  }
  if (auto it = object.find("attributes"); it != object.end() && !it->is_null()) {
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> fields =
        EntryFields(*it, "event.attributes", "{\"stars\": 5}");
    if (!fields.ok()) return fields.status();
    event.attributes = *std::move(fields);
  }
  return event;
}

absl::StatusOr<rules::Feedback> FeedbackFromJson(const json& object, Events* events) {
  if (object.is_string()) return rules::Feedback{"", object.get<std::string>()};
  if (!object.is_object()) {
    return absl::InvalidArgumentError("feedback: expected {\"product\": ..., \"text\": ...}");
  }
  if (absl::Status s =
          CheckKeys(object, "feedback", {"product", "text", "source", "satisfaction", "history"});
      !s.ok()) {
    return s;
  }
  rules::Feedback feedback;
  absl::StatusOr<std::string> product = TextField(object, "product", "feedback");
  absl::StatusOr<std::string> text = TextField(object, "text", "feedback");
  absl::StatusOr<std::string> source = TextField(object, "source", "feedback");
  for (const auto* s : {&product, &text, &source}) {
    if (!s->ok()) return s->status();
  }
  feedback.product = *product;
  feedback.text = *text;
  if (!source->empty()) {
    absl::StatusOr<rules::FeedbackSource> parsed = rules::ParseFeedbackSource(*source);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(StrCat("feedback.source: ", View(parsed.status().message())));
    }
    feedback.source = *parsed;
  }
  if (auto rating = object.find("satisfaction"); rating != object.end() && !rating->is_null()) {
    absl::StatusOr<std::string> text = ScalarText(*rating, "feedback.satisfaction");
    if (!text.ok()) return text.status();
    rules::Customer scratch;  // the same range and precision as a customer's
    if (absl::Status s = rules::SetCustomerField(&scratch, "satisfaction", *text); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("feedback.", View(s.message())));
    }
    feedback.satisfaction = scratch.satisfaction;
  }
  if (auto history = object.find("history"); history != object.end()) {
    if (absl::Status s = FeedbackHistoryFromJson(*history, events); !s.ok()) return s;
  }
  return feedback;
}

std::string Text(std::string_view view) { return std::string(view); }

json ExplanationToJson(const rules::Explanation& explanation) {
  json rules = json::array();
  for (const rules::RuleExplanation& rule : explanation.rules) {
    json checks = json::array();
    for (const rules::ConditionCheck& check : rule.checks) {
      json observed = json::object();
      for (const rules::ObservedValue& value : check.observed) observed[value.expression] = value.value;
      checks.push_back({{"expression", check.expression}, {"result", check.result},
                        {"observed", observed}, {"as_needed", check.as_needed},
                        {"reason", check.reason}});
    }
    json entry = {{"section", rule.section}, {"rule", rule.rule_id},
                  {"condition", rule.condition}, {"evaluated", rule.evaluated},
                  {"matched", rule.matched}, {"checks", checks}};
    if (!rule.note.empty()) entry["note"] = rule.note;
    rules.push_back(entry);
  }
  return rules;
}

}  // namespace

namespace {

// Builds the JSON tree like nlohmann's own parser, except that numbers with
// a fraction or exponent keep their text ("1234567890123.4567") instead of
// becoming a double that would lose digits; ScalarText() reads numbers and
// text alike.
class ExactNumberParser : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  using json_sax_dom_parser::json_sax_dom_parser;
  bool number_float(json::number_float_t /*rounded*/, const std::string& text) {
    std::string exact = text;
    return string(exact);
  }
};

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view what) {
  // nlohmann reports where parsing failed only through its exception.
  try {
    json result;
    ExactNumberParser parser(result, /*allow_exceptions_=*/true);
    json::sax_parse(text, &parser);
    return result;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(StrCat(what, " is not valid JSON: ", e.what()));
  }
}

namespace {

// "history": {"purchases": [{"date": "2026-11-30", "amount": 120}], ...}
// (rules::AddHistoryEntry).
absl::Status HistoryFromJson(const json& history, rules::Customer* customer) {
  const std::string lists = StrJoin(rules::HistoryListNames(), ", ");
  if (!history.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("history must be a JSON object of lists (", lists, ")"));
  }
  for (const auto& [list, entries] : history.items()) {
    if (absl::Status s = rules::CheckHistoryList(list); !s.ok()) return s;
    if (!entries.is_array()) {
      return absl::InvalidArgumentError(StrCat(
          "history ", list, " must be a list of entries, e.g. [{\"date\": \"2026-11-30\"}]"));
    }
    for (const json& entry : entries) {
      absl::StatusOr<std::vector<std::pair<std::string, std::string>>> fields =
          EntryFields(entry, StrCat("history ", list), "{\"date\": \"2026-11-30\"}");
      if (!fields.ok()) return fields.status();
      if (absl::Status s = rules::AddHistoryEntry(customer, list, *fields); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<rules::Customer> CustomerFromJson(const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("a customer must be a JSON object such as {\"age\": 25}");
  }
  rules::Customer customer;
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    if (key == "history") {
      if (absl::Status s = HistoryFromJson(value, &customer); !s.ok()) return s;
      continue;
    }
    absl::StatusOr<std::string> text = ScalarText(value, key);
    if (!text.ok()) return text.status();
    if (absl::Status s = rules::SetCustomerField(&customer, key, *text); !s.ok()) return s;
  }
  return customer;
}

absl::StatusOr<Events> EventsFromJson(const json& object) {
  Events events;
  if (object.is_null()) return events;
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        "an event must be a JSON object with \"purchase\", \"interaction\", \"feedback\" or "
        "\"event\"");
  }
  if (absl::Status s = CheckKeys(object, "event", {"purchase", "interaction", "feedback", "event"});
      !s.ok()) {
    return s;
  }
  if (auto it = object.find("event"); it != object.end()) {
    absl::StatusOr<Events::PendingEvent> event = CustomEventFromJson(*it);
    if (!event.ok()) return event.status();
    events.pending_event = *std::move(event);
  }
  if (auto it = object.find("purchase"); it != object.end()) {
    absl::StatusOr<rules::Purchase> purchase = PurchaseFromJson(*it);
    if (!purchase.ok()) return purchase.status();
    events.purchase = *purchase;
  }
  if (auto it = object.find("interaction"); it != object.end()) {
    absl::StatusOr<rules::Interaction> interaction = InteractionFromJson(*it);
    if (!interaction.ok()) return interaction.status();
    events.interaction = *interaction;
  }
  if (auto it = object.find("feedback"); it != object.end()) {
    absl::StatusOr<rules::Feedback> feedback = FeedbackFromJson(*it, &events);
    if (!feedback.ok()) return feedback.status();
    events.feedback = *feedback;
  }
  return events;
}

// A custom event's outcome: every credit, with its limit's use.
json EventOutcomeToJson(const rules::EventOutcome& event) {
  json credits = json::array();
  for (const rules::EventCredit& credit : event.credits) {
    json entry = {{"rule", Text(credit.rule_id)},
                  {"points", credit.points},
                  {"rule_points", credit.rule_points}};
    if (!credit.to_customer.empty()) {
      entry["to_customer"] = Text(credit.to_customer);
      entry["to_attribute"] = Text(credit.to_attribute);
    }
    if (credit.limit.any()) {
      entry["limit"] = credit.limit.Describe();
      entry["used_before"] = {{"times", credit.used_before.times},
                              {"points", credit.used_before.points}};
      entry["limited"] = credit.limited;
    }
    credits.push_back(std::move(entry));
  }
  return {{"type", Text(event.type)},
          {"credits", credits},
          {"points_to_customer", event.points_to_customer},
          {"points_before", event.points_before},
          {"points_after", event.points_after}};
}

absl::Status ResolveEvents(const rules::RuleSet& ruleset, Events* events) {
  if (events->pending_event) {
    const Events::PendingEvent& pending = *events->pending_event;
    const rules::EventType* type = ruleset.FindEventType(pending.type);
    if (type == nullptr) {
      std::vector<std::string> names;
      for (const rules::EventType& t : ruleset.EventTypes()) names.push_back(t.name);
      return absl::InvalidArgumentError(
          StrCat("event.type: '", pending.type, "' is not an event type of the ruleset",
                 rules::DidYouMeanSuffix(pending.type, names),
                 names.empty() ? " (it declares none)"
                               : StrCat(" (it declares: ", StrJoin(names, ", "), ")")));
    }
    rules::Date day;
    if (!pending.date.empty()) {
      absl::StatusOr<rules::Date> parsed = rules::Date::Parse(pending.date);
      if (!parsed.ok())
        return absl::InvalidArgumentError(StrCat("event.date: ", parsed.status().message()));
      day = *parsed;
    }
    absl::StatusOr<rules::CustomEvent> event = rules::MakeEvent(*type, pending.attributes, day);
    if (!event.ok()) return event.status();
    events->event = *std::move(event);
    events->pending_event.reset();
  }
  if (events->feedback_history.empty()) return absl::OkStatus();
  for (const auto& fields : events->feedback_history) {
    if (absl::Status s = rules::AddProductHistoryEntry(&*events->feedback, ruleset.Facts(), fields);
        !s.ok()) {
      return s;
    }
  }
  events->feedback_history.clear();
  return absl::OkStatus();
}

json DecisionToJson(const rules::Customer& customer, const rules::Decision& decision,
                    const rules::Explanation* explanation) {
  json segments = json::object();
  json segment_rules = json::object();
  for (const rules::SegmentAssignment& s : decision.segments) {
    std::string dimension = Text(s.dimension);
    if (segments.contains(dimension)) {
      if (!segments[dimension].is_array()) segments[dimension] = json::array({segments[dimension]});
      segments[dimension].push_back(Text(s.segment));
      segment_rules[dimension].push_back(Text(s.rule_id));
    } else {
      segments[dimension] = Text(s.segment);
      segment_rules[dimension] = json::array({Text(s.rule_id)});
    }
  }
  json offers = json::array();
  for (const rules::OfferGrant& o : decision.offers) {
    json offer = {{"offer", Text(o.offer)}, {"rule", Text(o.rule_id)},
                  {"priority", o.priority}, {"exclusive", o.exclusive}};
    if (!o.group.empty()) offer["group"] = Text(o.group);
    // Only offers with a value say it; an unknown value (no amount) is null.
    if (o.unit != rules::OfferValueUnit::kNone) {
      offer["unit"] = rules::OfferValueUnitName(o.unit);
      offer["value"] = o.value_known ? json::parse(o.value.ToString()) : json();
    }
    if (!o.free_item.empty()) offer["free_item"] = Text(o.free_item);
    offers.push_back(std::move(offer));
  }
  json offers_lost = json::array();
  for (const rules::OfferLoss& l : decision.offers_lost) {
    offers_lost.push_back({{"offer", Text(l.offer)}, {"rule", Text(l.rule_id)},
                           {"lost_to", Text(l.lost_to)},
                           {"why", l.why == rules::OfferLoss::Why::kGroup       ? "group"
                                   : l.why == rules::OfferLoss::Why::kExclusion ? "exclusion"
                                                                                : "exclusive"}});
  }
  json out = {{"customer", customer.id},
              {"ruleset_version", Text(decision.ruleset_version)},
              {"segments", segments},
              {"segment_rules", segment_rules},
              {"offers", offers},
              {"tier", Text(decision.tier)}};
  if (!offers_lost.empty()) out["offers_lost"] = offers_lost;
  // A downgrade the tier policy scheduled (only then, as Decision has it).
  if (decision.tier_downgrade_on.known()) {
    out["tier_downgrade_on"] = decision.tier_downgrade_on.ToString();
  }
  if (decision.loyalty.applied) {
    out["loyalty"] = {{"rule", Text(decision.loyalty.rule_id)},
                      {"points_earned", decision.loyalty.points_earned},
                      {"points_before", decision.loyalty.points_before},
                      {"points_after", decision.loyalty.points_after},
                      {"tier_before", Text(decision.tier_before)},
                      {"tier_after", Text(decision.tier)}};
    // With bonuses, multipliers or a cap: how the points came about.
    if (std::string breakdown = rules::PointsBreakdown(decision.loyalty); !breakdown.empty()) {
      out["loyalty"]["breakdown"] = breakdown;
    }
  }
  if (decision.event.applied) out["event"] = EventOutcomeToJson(decision.event);
  if (!decision.tasks.empty()) {
    json tasks = json::array();
    for (const rules::TaskProposal& t : decision.tasks) {
      json task = {{"rule", Text(t.rule_id)}, {"task", Text(t.task)}};
      if (!t.queue.empty()) task["queue"] = Text(t.queue);
      if (t.due_days > 0) task["due_days"] = t.due_days;
      tasks.push_back(std::move(task));
    }
    out["tasks"] = std::move(tasks);
  }
  if (decision.interaction.applied) {
    const rules::InteractionOutcome& i = decision.interaction;
    // Decimals as JSON numbers parsed from their exact text, so 4.1 prints as 4.1.
    out["interaction"] = {{"rule", Text(i.rule_id)},
                          {"satisfaction_before", json::parse(i.satisfaction_before.ToString())},
                          {"satisfaction_change", json::parse(i.satisfaction_change.ToString())},
                          {"satisfaction_after", json::parse(i.satisfaction_after.ToString())},
                          {"interaction_count_after", i.interaction_count_after}};
  }
  json improvements = json::array();
  for (const rules::ImprovementProposal& p : decision.improvements) {
    json entry = {{"rule", Text(p.rule_id)}, {"action", Text(p.action)}};
    if (p.change != nullptr) {
      const rules::ProductChange& c = *p.change;
      entry["change"] = {{"field", c.field}};
      switch (c.kind) {
        case rules::ProductChange::Kind::kSet: entry["change"]["set"] = c.text; break;
        case rules::ProductChange::Kind::kAppend: entry["change"]["append"] = c.text; break;
        case rules::ProductChange::Kind::kAdd:
          entry["change"]["add"] = json::parse(c.amount.ToString());
          break;
      }
    }
    improvements.push_back(entry);
  }
  if (!improvements.empty()) out["improvements"] = improvements;
  if (explanation != nullptr) out["explanation"] = ExplanationToJson(*explanation);
  return out;
}

}  // namespace clientele::client
