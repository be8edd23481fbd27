// JSON for the CLI: customers and events in, decisions and explanations
// out. Field names are those of docs/rules.md (the seed articles' Chinese
// column names are accepted too: 年龄, 消费能力, 满意度 ...). Numbers are read
// from their JSON text, so 4.1 stays exactly 4.1.
//
// Pure functions; thread-safe.
#ifndef CLIENTELE_CLIENT_JSON_CODEC_H_
#define CLIENTELE_CLIENT_JSON_CODEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/ruleset.h"

namespace clientele::client {

// A customer from a JSON object such as {"id": "1", "age": 25,
// "consumption": "低"}. Unknown fields and bad values give INVALID_ARGUMENT
// naming the field.
absl::StatusOr<rules::Customer> CustomerFromJson(const nlohmann::json& json);

// Parses JSON text; INVALID_ARGUMENT with the position on syntax errors.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view what);

// The events of one evaluation: any of "purchase", "interaction",
// "feedback", "event" (a custom event). {"purchase": {"amount": 400}},
// {"interaction": "好评"}, {"feedback": {"product": "产品A", "text":
// "价格更优惠", "source": "survey"}}, {"event": {"type": "review", "date":
// "2026-11-20", "attributes": {"stars": 5}}}.
struct Events {
  std::optional<rules::Purchase> purchase;
  std::optional<rules::Interaction> interaction;
  std::optional<rules::Feedback> feedback;
  // The feedback's "history": the product's earlier feedback, each as its
  // fields, for rules::AddProductHistoryEntry once the ruleset is known
  // (ResolveEvents).
  std::vector<std::vector<std::pair<std::string, std::string>>> feedback_history;
  // The custom event as given, built once the ruleset (its types) is
  // known (ResolveEvents): its type, day ("" the evaluation's) and
  // attributes as text.
  struct PendingEvent {
    std::string type;
    std::string date;
    std::vector<std::pair<std::string, std::string>> attributes;
  };
  std::optional<PendingEvent> pending_event;
  std::optional<rules::CustomEvent> event;
};
// Completes what needs the ruleset: rolls events->feedback_history into
// the feedback's product history for the product facts of `ruleset`
// (mentions by its phrase lists), and builds the custom event by its
// declared type. INVALID_ARGUMENT naming what is wrong.
absl::Status ResolveEvents(const rules::RuleSet& ruleset, Events* events);
absl::StatusOr<Events> EventsFromJson(const nlohmann::json& json);

// The decision (and explanation, when given) as JSON.
nlohmann::json DecisionToJson(const rules::Customer& customer, const rules::Decision& decision,
                              const rules::Explanation* explanation);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_JSON_CODEC_H_
