// Custom events (docs/rules.md, "events"): the event types a ruleset
// declares, with typed attributes (a review {stars: number, product:
// text}, a referral {referrer_id: customer}), and what their earning rules
// credit, within limits per period.
//
// A caller builds a CustomEvent from attribute texts with MakeEvent, which
// checks them against the type; the ruleset then evaluates it. How much of
// each earning rule's limit the customer has used is the caller's to say
// (EventUsage): the server from its store, a rule test or the command line
// from the customer's history (UsageFromHistory).
//
// Plain values and pure functions: no thread-safety concerns.
#ifndef CLIENTELE_RULES_EVENTS_H_
#define CLIENTELE_RULES_EVENTS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/offers.h"

namespace clientele::rules {

// What an attribute holds. A customer attribute is the id of another
// stored customer (text in rules); the server checks that it exists.
enum class AttributeType : uint8_t { kNumber, kText, kDate, kCustomer };

// "number", "text", "date", "customer".
std::string_view AttributeTypeName(AttributeType type);
// The type named so; INVALID_ARGUMENT listing the types otherwise.
absl::StatusOr<AttributeType> ParseAttributeType(std::string_view name);

struct EventAttribute {
  std::string name;
  AttributeType type = AttributeType::kText;
  bool required = true;
  std::string description;
};

struct EventType {
  std::string name;  // e.g. "review"
  std::string description;
  std::vector<EventAttribute> attributes;  // in declaration order

  // The attribute's index, or -1.
  int FindAttribute(std::string_view attribute) const;
};

// The longest text attribute an event may carry, in bytes.
inline constexpr size_t kMaxAttributeTextBytes = 2000;

// Builds an event of `type` on `day` from its attributes as text (name ->
// value): numbers as decimal text ("4", "4.5"), dates as "YYYY-MM-DD",
// texts and customer ids as they are. INVALID_ARGUMENT naming the
// attribute: one the type does not declare (with a "did you mean"), one
// given twice, a required one missing, a value of the wrong form, a text
// longer than kMaxAttributeTextBytes, an empty customer id.
absl::StatusOr<CustomEvent> MakeEvent(
    const EventType& type, const std::vector<std::pair<std::string, std::string>>& attributes,
    Date day);

// A limit on what an event earning rule credits one customer's events in
// a period: at most `times` events earn (0: no such limit) and at most
// `points` points in all (0: no such limit).
struct EventLimit {
  CapPeriod period = CapPeriod::kTotal;
  int64_t times = 0;
  int64_t points = 0;

  bool any() const { return times > 0 || points > 0; }
  // "3 times a month", "500 points a year", "once", "3 times and 500
  // points a month".
  std::string Describe() const;
};

// An event earning rule as callers need it (RuleSet::EventEarningRules):
// what it earns on, for whom, and within which limit.
struct EventEarningTerms {
  std::string id;
  std::string type;          // the event type it earns on
  std::string to_attribute;  // the customer attribute credited; "" the event's customer
  EventLimit limit;
};

// What an event earning rule already credited the event's customer's
// events in its limit's period that holds the event's day: how many of
// them earned, and how many points.
struct EventRuleUsage {
  int64_t times = 0;
  int64_t points = 0;
  auto operator<=>(const EventRuleUsage&) const = default;
};
// By index of RuleSet::EventEarningRules(); empty: nothing used.
using EventUsage = std::span<const EventRuleUsage>;

// The usage of each rule of `rules` for an event on `day`, from the
// kEventRuleTimes and kEventRulePoints rows of `customer`'s history.
std::vector<EventRuleUsage> UsageFromHistory(std::span<const EventEarningTerms> rules,
                                             const Customer& customer, Date day);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_EVENTS_H_
