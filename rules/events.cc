#include "rules/events.h"

#include <algorithm>

#include "common/strings.h"
#include "rules/decimal.h"
#include "rules/diagnostic.h"

namespace clientele::rules {
namespace {

constexpr std::pair<AttributeType, std::string_view> kTypeNames[] = {
    {AttributeType::kNumber, "number"},
    {AttributeType::kText, "text"},
    {AttributeType::kDate, "date"},
    {AttributeType::kCustomer, "customer"},
};

absl::Status AttributeError(std::string_view type, std::string_view attribute,
                            std::string_view problem) {
  return absl::InvalidArgumentError(
      StrCat("attribute '", attribute, "' of a ", type, " event ", problem));
}

// The value of one attribute from its text, or why it is not one.
absl::StatusOr<EventValue> AttributeValue(const EventType& type, const EventAttribute& attribute,
                                          std::string_view text) {
  EventValue value;
  value.given = true;
  switch (attribute.type) {
    case AttributeType::kNumber: {
      absl::StatusOr<Decimal> number = Decimal::Parse(text);
      if (!number.ok()) {
        return AttributeError(type.name, attribute.name,
                              StrCat("must be a number, not '", text, "'"));
      }
      value.number = *number;
      return value;
    }
    case AttributeType::kDate: {
      absl::StatusOr<Date> date = Date::Parse(text);
      if (!date.ok()) {
        return AttributeError(type.name, attribute.name,
                              StrCat("must be a date as YYYY-MM-DD, not '", text, "'"));
      }
      value.date = *date;
      return value;
    }
    case AttributeType::kCustomer:
      if (text.empty()) return AttributeError(type.name, attribute.name, "needs a customer id");
      break;
    case AttributeType::kText:
      break;
  }
  if (text.size() > kMaxAttributeTextBytes) {
    return AttributeError(type.name, attribute.name,
                          StrCat("is ", text.size(), " bytes; at most ", kMaxAttributeTextBytes));
  }
  value.text = std::string(text);
  return value;
}

std::vector<std::string> AttributeNames(const EventType& type) {
  std::vector<std::string> names;
  for (const EventAttribute& attribute : type.attributes) names.push_back(attribute.name);
  return names;
}

}  // namespace

std::string_view AttributeTypeName(AttributeType type) {
  for (const auto& [value, name] : kTypeNames) {
    if (value == type) return name;
  }
  return "text";
}

absl::StatusOr<AttributeType> ParseAttributeType(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& [value, type_name] : kTypeNames) {
    if (type_name == name) return value;
    names.emplace_back(type_name);
  }
  return absl::InvalidArgumentError(StrCat("unknown attribute type '", name, "'",
                                           DidYouMeanSuffix(name, names),
                                           " (the types are: ", StrJoin(names, ", "), ")"));
}

int EventType::FindAttribute(std::string_view attribute) const {
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (attributes[i].name == attribute) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<CustomEvent> MakeEvent(
    const EventType& type, const std::vector<std::pair<std::string, std::string>>& attributes,
    Date day) {
  CustomEvent event;
  event.type = type.name;
  event.day = day;
  event.values.resize(type.attributes.size());
  for (const auto& [name, text] : attributes) {
    const int index = type.FindAttribute(name);
    if (index < 0) {
      const std::vector<std::string> names = AttributeNames(type);
      return absl::InvalidArgumentError(StrCat(
          "a ", type.name, " event has no attribute '", name, "'", DidYouMeanSuffix(name, names),
          names.empty() ? " (it has none)" : StrCat(" (it has: ", StrJoin(names, ", "), ")")));
    }
    if (event.values[index].given) return AttributeError(type.name, name, "is given twice");
    absl::StatusOr<EventValue> value = AttributeValue(type, type.attributes[index], text);
    if (!value.ok()) return value.status();
    event.values[index] = *std::move(value);
  }
  for (size_t i = 0; i < type.attributes.size(); ++i) {
    const EventAttribute& attribute = type.attributes[i];
    if (attribute.required && !event.values[i].given) {
      return AttributeError(type.name, attribute.name,
                            StrCat("is required (", AttributeTypeName(attribute.type), ")"));
    }
  }
  return event;
}

std::string EventLimit::Describe() const {
  const std::string times_text = times == 1 ? "once" : StrCat(times, " times");
  std::string amount;
  if (times > 0 && points > 0) {
    amount = StrCat(times_text, " and ", points, " points");
  } else if (times > 0) {
    amount = times_text;
  } else {
    amount = StrCat(points, " points");
  }
  if (period == CapPeriod::kTotal) return amount;
  return StrCat(amount, " a ", CapPeriodName(period));
}

std::vector<EventRuleUsage> UsageFromHistory(std::span<const EventEarningTerms> rules,
                                             const Customer& customer, Date day) {
  std::vector<EventRuleUsage> usage(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const EventLimit& limit = rules[i].limit;
    const Date first = PeriodStart(limit.period, day);
    const Date last = PeriodEnd(limit.period, day);
    for (const HistoryDay& row : customer.history) {
      if (row.key != rules[i].id) continue;
      if (limit.period != CapPeriod::kTotal && (row.day < first || row.day > last)) continue;
      // Saturated: a history typed by hand can hold absurd figures.
      int64_t* sum = row.figure == HistoryFigure::kEventRuleTimes    ? &usage[i].times
                     : row.figure == HistoryFigure::kEventRulePoints ? &usage[i].points
                                                                     : nullptr;
      if (sum != nullptr && __builtin_add_overflow(*sum, row.value, sum)) *sum = INT64_MAX;
    }
  }
  return usage;
}

}  // namespace clientele::rules
