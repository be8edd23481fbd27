#include "rules/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>

#include "absl/time/clock.h"
#include "rules/internal/characters.h"
#include "common/utf8.h"
#include "rules/internal/yaml_document.h"
#include "rules/internal/yaml_text.h"
#include "common/strings.h"

namespace clientele::rules {
namespace {

std::vector<std::string> SplitDots(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// What a case expects; unset members are not checked.
// Each comes with the place of its value, where a failure is reported.
struct Expectations {
  std::map<std::string, std::vector<std::string>> segments;  // dimension -> segment(s)
  std::map<std::string, YAML::Mark> segment_marks;
  std::optional<std::vector<std::string>> offers;  // exactly these
  // Or: at least these, and none of those.
  std::optional<std::vector<std::string>> offers_included, offers_excluded;
  std::map<std::string, Decimal> offer_values;  // offer name -> value
  YAML::Mark offer_values_at;
  std::optional<int64_t> points;
  // `credits:` what each event earning rule credited (rule id -> points).
  std::map<std::string, int64_t> credits;
  YAML::Mark credits_at;
  std::optional<std::string> tier;
  std::optional<Date> tier_downgrade_on;  // unknown: none scheduled
  std::optional<Decimal> satisfaction;
  std::optional<std::vector<std::string>> actions;
  std::optional<std::vector<std::string>> tasks;
  YAML::Mark offers_at, points_at, tier_at, downgrade_at, satisfaction_at, actions_at, tasks_at;
};

// An expectation not met, and where it is written.
struct Failure {
  std::string message;
  YAML::Mark at = YAML::Mark::null_mark();
};

// One runnable case: a plain case, or one row of a case's examples.
struct Case {
  std::string name;
  std::string file;
  const RuleSource* source = nullptr;  // the tests file, owned by the ruleset
  int line = 0;
  YAML::Mark at;  // the case, or its example row
  Customer customer;
  std::optional<Purchase> purchase;
  std::optional<Interaction> interaction;
  std::optional<Feedback> feedback;
  std::optional<CustomEvent> event;               // `event:` a custom event
  std::map<std::string, std::string> parameters;  // name -> value as YAML text
  YAML::Mark parameters_at;
  Date today;
  int32_t minute = -1;                 // `time:`
  std::optional<Decimal> basket_amount;  // `amount:`
  Channel channel = Channel::kUnknown;   // `channel:`
  std::vector<int64_t> offer_usage;    // `offers_used:`, per RuleSet::OfferCaps()
  Expectations expect;
};

// An error at `mark` in the tests file `source`, with its line and caret.
Diagnostic DiagnosticAt(const RuleSource& source, const YAML::Mark& mark, std::string message,
                        std::string hint) {
  Diagnostic d;
  d.file = source.path;
  d.line = mark.line >= 0 ? mark.line + 1 : 0;
  d.message = std::move(message);
  d.hint = std::move(hint);
  if (d.line > 0) {
    size_t start = 0;
    for (int l = 1; l < d.line && start != std::string::npos; ++l) {
      start = source.content.find('\n', start);
      if (start != std::string::npos) ++start;
    }
    if (start != std::string::npos) {
      size_t end = source.content.find('\n', start);
      if (end == std::string::npos) end = source.content.size();
      if (end > start && source.content[end - 1] == '\r') --end;
      const std::string_view line = std::string_view(source.content).substr(start, end - start);
      // Columns count characters, not bytes (a Chinese name before the
      // mark is one column per character).
      const size_t byte_column = std::min<size_t>(std::max(mark.column, 0), line.size());
      d.column = static_cast<int>(utf8::CodePointCount(line.substr(0, byte_column)) + 1);
      d.SetSource(line);
    }
  }
  return d;
}

// Reads the cases of one tests file, reporting what is wrong with them.
class CaseReader {
 public:
  CaseReader(const RuleSource& source, std::vector<std::string> dimensions,
             const RuleSet::Names& names, const std::vector<NumberedCap>& caps,
             const std::vector<FactRequest>& facts, const RuleSet& ruleset,
             std::vector<Diagnostic>* problems)
      : source_(source),
        dimensions_(std::move(dimensions)),
        names_(names),
        caps_(caps),
        facts_(facts),
        ruleset_(ruleset),
        problems_(problems) {}

  std::vector<Case> Read(const YAML::Node& root) {
    std::vector<Case> cases;
    const YAML::Node list = root["cases"];
    if (!list || !list.IsSequence()) {
      Report(root.Mark(), "a tests file needs 'cases:', a list of test cases",
             "see docs/rules.md, \"Testing your rules\"");
      return cases;
    }
    for (const YAML::Node& node : list) {
      if (!node.IsMap()) {
        Report(node.Mark(), "a test case is a map with name, customer and expect", "");
        continue;
      }
      const YAML::Node examples = node["examples"];
      if (!examples) {
        if (std::optional<Case> c = ReadCase(node, "")) cases.push_back(std::move(*c));
        continue;
      }
      if (!examples.IsSequence() || examples.size() == 0) {
        Report(examples.Mark(), "'examples' is a list of rows, each a map such as "
                                "{customer.age: 25, expect.segments.age_band: 年轻客户}", "");
        continue;
      }
      int index = 0;
      for (const YAML::Node& row : examples) {
        ++index;
        std::optional<YAML::Node> merged = Merge(node, row);
        if (!merged) continue;
        std::string label;
        for (const auto& entry : row) {
          if (!label.empty()) label += ", ";
          StrAppend(&label, entry.first.Scalar(), "=", Text(entry.second));
        }
        row_mark_ = row.Mark();  // merged nodes have no place of their own
        case_node_ = &node;
        std::optional<Case> c = ReadCase(*merged, StrCat(" [example ", index, ": ", label, "]"));
        row_mark_ = YAML::Mark::null_mark();
        case_node_ = nullptr;
        if (c) {
          c->line = row.Mark().line + 1;
          cases.push_back(std::move(*c));
        }
      }
    }
    return cases;
  }

 private:
  static std::string Text(const YAML::Node& node) { return yaml_internal::YamlText(node); }

  void Report(YAML::Mark mark, std::string message, std::string hint) {
    if (mark.line < 0) mark = row_mark_;
    problems_->push_back(DiagnosticAt(source_, mark, std::move(message), std::move(hint)));
  }

  bool CheckKeys(const YAML::Node& map, const std::vector<std::string>& known, std::string_view what) {
    bool ok = true;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      Report(entry.first.Mark(),
             StrCat("unknown key '", key, "' in ", what, DidYouMeanSuffix(key, known)),
             StrCat("the keys are: ", StrJoin(known, ", ")));
      ok = false;
    }
    return ok;
  }

  // The case with a row's dotted keys ("customer.age") set into it.
  std::optional<YAML::Node> Merge(const YAML::Node& node, const YAML::Node& row) {
    if (!row.IsMap()) {
      Report(row.Mark(), "an example row is a map such as {customer.age: 25}", "");
      return std::nullopt;
    }
    YAML::Node merged = YAML::Clone(node);
    merged.remove("examples");
    for (const auto& entry : row) {
      const std::string path = entry.first.Scalar();
      std::vector<std::string> parts = SplitDots(path);
      // Node::operator= assigns through to the node referred to; reset()
      // moves the reference instead.
      YAML::Node at;
      at.reset(merged);
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        if (!at[parts[i]] || !at[parts[i]].IsMap()) at[parts[i]] = YAML::Node(YAML::NodeType::Map);
        YAML::Node child = at[parts[i]];
        at.reset(child);
      }
      at[parts.back()] = entry.second;
    }
    return merged;
  }

  std::optional<Case> ReadCase(const YAML::Node& node, const std::string& suffix) {
    const size_t problems_before = problems_->size();
    CheckKeys(
        node,
        {"name", "description", "customer", "purchase", "interaction", "feedback", "event",
         "parameters", "today", "time", "amount", "channel", "offers_used", "expect", "examples"},
        "a test case");
    Case c;
    c.file = source_.path;
    c.source = &source_;
    c.at = row_mark_.line >= 0 ? row_mark_ : node.Mark();
    c.line = c.at.line + 1;
    c.customer.id = "test";
    if (const YAML::Node name = node["name"]; name && name.IsScalar()) {
      c.name = name.Scalar() + suffix;
    } else {
      Report(node.Mark(), "a test case needs a name", "add 'name: what this case shows'");
    }
    if (const YAML::Node customer = node["customer"]) ReadCustomer(customer, &c.customer);
    if (const YAML::Node purchase = node["purchase"]) c.purchase = ReadPurchase(purchase);
    if (const YAML::Node interaction = node["interaction"]) {
      const YAML::Node text = interaction.IsMap() ? interaction["text"] : interaction;
      if (text && text.IsScalar()) {
        c.interaction = Interaction{text.Scalar()};
      } else {
        Report(interaction.Mark(), "an interaction is its text, e.g. interaction: 好评", "");
      }
    }
    if (const YAML::Node feedback = node["feedback"]) c.feedback = ReadFeedback(feedback);
    if (const YAML::Node event = node["event"]) c.event = ReadEvent(event);
    if (const YAML::Node parameters = node["parameters"]) {
      c.parameters_at = parameters.Mark();
      if (!parameters.IsMap()) {
        Report(parameters.Mark(), "parameters is a map of name: value", "");
      } else {
        for (const auto& entry : parameters) c.parameters[entry.first.Scalar()] = Text(entry.second);
      }
    }
    if (const YAML::Node today = node["today"]) {
      absl::StatusOr<Date> day = Date::Parse(today.IsScalar() ? today.Scalar() : "");
      if (day.ok()) {
        c.today = *day;
      } else {
        Report(today.Mark(), "today is a date YYYY-MM-DD", "");
      }
    }
    ReadOfferSituation(node, &c);
    const YAML::Node expect = node["expect"];
    if (!expect || !expect.IsMap()) {
      Report(node.Mark(), StrCat("test case '", c.name, "' expects nothing"),
             "add 'expect:' with segments, offers, points, credits, tier, satisfaction, actions or "
             "tasks");
    } else {
      ReadExpectations(expect, &c.expect);
    }
    if (problems_->size() != problems_before) return std::nullopt;
    return c;
  }

  // `event: {type: review, date: 2026-11-20, attributes: {stars: 5}}`: a
  // custom event of a type the ruleset declares.
  std::optional<CustomEvent> ReadEvent(const YAML::Node& node) {
    if (!node.IsMap()) {
      Report(node.Mark(), "an event is a map with its type and attributes",
             "e.g. event: {type: review, attributes: {stars: 5}}");
      return std::nullopt;
    }
    CheckKeys(node, {"type", "date", "attributes"}, "event");
    const YAML::Node type_node = node["type"];
    const std::string type_name = type_node && type_node.IsScalar() ? type_node.Scalar() : "";
    const EventType* type = ruleset_.FindEventType(type_name);
    if (type == nullptr) {
      std::vector<std::string> names;
      for (const EventType& t : ruleset_.EventTypes()) names.push_back(t.name);
      Report(type_node ? type_node.Mark() : node.Mark(),
             StrCat("'", type_name, "' is not an event type", DidYouMeanSuffix(type_name, names)),
             names.empty() ? "the ruleset declares no event types"
                           : StrCat("the event types are: ", StrJoin(names, ", ")));
      return std::nullopt;
    }
    Date day;
    if (const YAML::Node date = node["date"]) {
      absl::StatusOr<Date> parsed = Date::Parse(date.IsScalar() ? date.Scalar() : "");
      if (!parsed.ok()) {
        Report(date.Mark(), "an event's date is YYYY-MM-DD", "leave it out for the case's today");
        return std::nullopt;
      }
      day = *parsed;
    }
    std::vector<std::pair<std::string, std::string>> attributes;
    if (const YAML::Node given = node["attributes"]; given && !given.IsNull()) {
      if (!given.IsMap()) {
        Report(given.Mark(), "attributes is a map of name: value", "e.g. {stars: 5}");
        return std::nullopt;
      }
      std::optional<std::vector<std::pair<std::string, std::string>>> fields = EntryFields(given);
      if (!fields) {
        Report(given.Mark(), "each attribute is a single value", "e.g. {stars: 5, product: 产品A}");
        return std::nullopt;
      }
      attributes = *std::move(fields);
    }
    absl::StatusOr<CustomEvent> event = MakeEvent(*type, attributes, day);
    if (!event.ok()) {
      Report(node.Mark(), std::string(View(event.status().message())), "");
      return std::nullopt;
    }
    return *std::move(event);
  }

  // What offers see besides the customer: the time of day, a basket's
  // amount, the channel, and the limits and budgets already used.
  void ReadOfferSituation(const YAML::Node& node, Case* c) {
    if (const YAML::Node time = node["time"]) {
      absl::StatusOr<int32_t> minute = ParseTimeOfDay(time.IsScalar() ? time.Scalar() : "");
      if (minute.ok()) {
        c->minute = *minute;
      } else {
        Report(time.Mark(), "time is a time of day HH:MM, in the ruleset's time zone",
               "e.g. time: \"09:30\"");
      }
    }
    if (const YAML::Node amount = node["amount"]) {
      absl::StatusOr<Decimal> value = Decimal::Parse(amount.IsScalar() ? amount.Scalar() : "");
      if (!value.ok() || *value <= Decimal()) {
        Report(amount.Mark(), "amount is a basket's amount, more than 0",
               "e.g. amount: 120 (a purchase's own amount counts when the case has one)");
      } else {
        c->basket_amount = *value;
      }
    }
    if (const YAML::Node channel = node["channel"]) {
      absl::StatusOr<Channel> parsed = ParseChannel(channel.IsScalar() ? channel.Scalar() : "");
      if (!parsed.ok()) {
        Report(channel.Mark(), std::string(View(parsed.status().message())), "");
      } else {
        c->channel = *parsed;
      }
    }
    c->offer_usage.assign(caps_.size(), 0);
    if (const YAML::Node used = node["offers_used"]) ReadOffersUsed(used, c);
  }

  // offers_used: {offer id: {per_customer: {week: 1}, budget: {redemptions: 4999}}}
  void ReadOffersUsed(const YAML::Node& node, Case* c) {
    if (!node.IsMap()) {
      Report(node.Mark(), "offers_used is a map of offer id: what is used of its limits",
             "e.g. offers_used: {black_friday: {budget: {redemptions: 4999}}}");
      return;
    }
    for (const auto& entry : node) {
      const std::string offer = entry.first.Scalar();
      const bool has_caps = std::any_of(caps_.begin(), caps_.end(),
                                        [&](const NumberedCap& cap) { return cap.offer_id == offer; });
      if (!has_caps) {  // once, at the offer's id (FindCap's message names the offers that have some)
        Report(entry.first.Mark(), std::string(View(FindCap(caps_, offer, "").status().message())), "");
        continue;
      }
      ReadUsedAmounts(entry.second, offer, "", c);
    }
  }

  // The amounts under `node`, whose keys join `prefix` into a cap's Key().
  void ReadUsedAmounts(const YAML::Node& node, const std::string& offer, const std::string& prefix,
                       Case* c) {
    if (node.IsMap()) {
      for (const auto& entry : node) {
        ReadUsedAmounts(entry.second, offer,
                        prefix.empty() ? entry.first.Scalar()
                                       : StrCat(prefix, ".", entry.first.Scalar()),
                        c);
      }
      return;
    }
    absl::StatusOr<size_t> index = FindCap(caps_, offer, prefix);
    if (!index.ok()) {
      Report(node.Mark(), std::string(View(index.status().message())), "");
      return;
    }
    absl::StatusOr<int64_t> used =
        ParseUsedAmount(caps_[*index].cap, node.IsScalar() ? node.Scalar() : "");
    if (!used.ok()) {
      Report(node.Mark(), std::string(View(used.status().message())),
             "e.g. budget: {redemptions: 4999}");
      return;
    }
    c->offer_usage[*index] = *used;
  }

  void ReadCustomer(const YAML::Node& node, Customer* customer) {
    if (!node.IsMap()) {
      Report(node.Mark(), "customer is a map of fields, e.g. {age: 25, consumption: 低}", "");
      return;
    }
    for (const auto& entry : node) {
      const std::string field = entry.first.Scalar();
      if (field == "history") {
        ReadHistory(entry.second, customer);
        continue;
      }
      if (field == "rfm" && entry.second.IsMap()) {  // rfm: {r: 5, f: 4}, as rules read them
        for (const auto& score : entry.second) {
          const std::string name = StrCat("rfm.", score.first.Scalar());
          const std::string text = score.second.IsScalar() ? score.second.Scalar() : "";
          if (absl::Status s = SetCustomerField(customer, name, text); !s.ok()) {
            Report(score.first.Mark(), std::string(View(s.message())), "");
          }
        }
        continue;
      }
      if (!entry.second.IsScalar()) {
        Report(entry.second.Mark(), StrCat("customer field '", field, "' needs a single value"), "");
        continue;
      }
      if (absl::Status s = SetCustomerField(customer, field, entry.second.Scalar()); !s.ok()) {
        Report(entry.first.Mark(), std::string(View(s.message())), "");
      }
    }
  }

  // A history entry's fields as text; nullopt unless a map of single values.
  static std::optional<std::vector<std::pair<std::string, std::string>>> EntryFields(
      const YAML::Node& item) {
    if (!item.IsMap()) return std::nullopt;
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& field : item) {
      if (!field.second.IsScalar()) return std::nullopt;
      fields.emplace_back(field.first.Scalar(), field.second.Scalar());
    }
    return fields;
  }

  // history: {purchases: [{date: 2026-11-30, amount: 120}], ...}
  // (AddHistoryEntry), each mistake reported where it is.
  void ReadHistory(const YAML::Node& node, Customer* customer) {
    static const std::string kExample =
        "e.g. history: {purchases: [{date: 2026-11-30, amount: 120}]}";
    if (!node.IsMap()) {
      Report(node.Mark(), "a customer's history is a map of lists", kExample);
      return;
    }
    for (const auto& list : node) {
      if (absl::Status s = CheckHistoryList(list.first.Scalar()); !s.ok()) {
        Report(list.first.Mark(), std::string(View(s.message())), kExample);
        continue;
      }
      if (!list.second.IsSequence()) {
        Report(list.second.Mark(), StrCat("history ", list.first.Scalar(), " is a list of entries"),
               kExample);
        continue;
      }
      for (const YAML::Node& item : list.second) {
        std::optional<std::vector<std::pair<std::string, std::string>>> fields = EntryFields(item);
        if (!fields) {
          Report(item.Mark(),
                 StrCat("history ", list.first.Scalar(), ": each entry is a map of single values"),
                 kExample);
          continue;
        }
        if (absl::Status s = AddHistoryEntry(customer, list.first.Scalar(), *fields); !s.ok()) {
          Report(item.Mark(), std::string(View(s.message())), "");
        }
      }
    }
  }

  // feedback: {history: [{date: 2026-11-30, text: 太贵了, satisfaction: 2}]}:
  // the product's earlier feedback (AddProductHistoryEntry).
  void ReadProductHistory(const YAML::Node& node, Feedback* feedback) {
    static const std::string kExample =
        "e.g. history: [{date: 2026-11-30, text: 太贵了, satisfaction: 2}]";
    if (!node.IsSequence()) {
      Report(node.Mark(), "a feedback's history is a list of the product's earlier feedback",
             kExample);
      return;
    }
    for (const YAML::Node& item : node) {
      std::optional<std::vector<std::pair<std::string, std::string>>> fields = EntryFields(item);
      if (!fields) {
        Report(item.Mark(), "each earlier feedback is a map of single values", kExample);
        continue;
      }
      if (absl::Status s = AddProductHistoryEntry(feedback, facts_, *fields); !s.ok()) {
        Report(item.Mark(), std::string(View(s.message())), "");
      }
    }
  }

  std::optional<Purchase> ReadPurchase(const YAML::Node& node) {
    Purchase p;
    p.id = "test-purchase";
    const YAML::Node amount = node.IsMap() ? node["amount"] : node;
    if (node.IsMap()) {
      CheckKeys(node, {"amount", "product", "channel", "id", "date", "category", "quantity"},
                "a purchase");
      if (node["product"]) p.product = node["product"].Scalar();
      if (node["category"]) p.category = node["category"].Scalar();
      if (node["id"]) p.id = node["id"].Scalar();
      if (const YAML::Node date = node["date"]) {
        absl::StatusOr<Date> day = Date::Parse(date.IsScalar() ? date.Scalar() : "");
        if (!day.ok()) {
          Report(date.Mark(), "a purchase's date is a day YYYY-MM-DD", "e.g. date: 2026-11-28");
        } else {
          p.date = *day;
        }
      }
      if (const YAML::Node quantity = node["quantity"]) {
        int64_t items = 0;
        if (!quantity.IsScalar() || !ParseInteger(quantity.Scalar(), &items) || items < 1) {
          Report(quantity.Mark(), "a purchase's quantity is a whole number, at least 1",
                 "e.g. quantity: 3");
        } else {
          p.quantity = items;
        }
      }
      if (const YAML::Node channel = node["channel"]) {
        absl::StatusOr<Channel> parsed = ParseChannel(channel.Scalar());
        if (!parsed.ok()) {
          Report(channel.Mark(), std::string(View(parsed.status().message())), "");
        } else {
          p.channel = *parsed;
        }
      }
    }
    absl::StatusOr<Decimal> parsed =
        amount && amount.IsScalar() ? Decimal::Parse(amount.Scalar())
                                    : absl::InvalidArgumentError("missing");
    if (!parsed.ok() || *parsed <= Decimal()) {
      Report((amount ? amount : node).Mark(), "a purchase needs an amount greater than 0",
             "e.g. purchase: {amount: 600}");
      return std::nullopt;
    }
    p.amount = *parsed;
    return p;
  }

  std::optional<Feedback> ReadFeedback(const YAML::Node& node) {
    Feedback f;
    if (node.IsScalar()) {
      f.text = node.Scalar();
      return f;
    }
    if (!node.IsMap() || !node["text"]) {
      Report(node.Mark(), "feedback needs a text, e.g. {product: 产品A, text: 价格更优惠}", "");
      return std::nullopt;
    }
    CheckKeys(node, {"product", "text", "source", "satisfaction", "history"}, "feedback");
    f.text = node["text"].Scalar();
    if (node["product"]) f.product = node["product"].Scalar();
    if (const YAML::Node rating = node["satisfaction"]) {
      Customer scratch;  // the same range and precision as a customer's
      if (absl::Status s =
              SetCustomerField(&scratch, "satisfaction", rating.IsScalar() ? rating.Scalar() : "");
          !s.ok()) {
        Report(rating.Mark(), StrCat("feedback ", View(s.message())), "e.g. satisfaction: 4.5");
      }
      f.satisfaction = scratch.satisfaction;
    }
    if (const YAML::Node history = node["history"]) ReadProductHistory(history, &f);
    if (const YAML::Node source = node["source"]) {
      absl::StatusOr<FeedbackSource> parsed = ParseFeedbackSource(source.Scalar());
      if (!parsed.ok()) {
        Report(source.Mark(), std::string(View(parsed.status().message())), "");
      } else {
        f.source = *parsed;
      }
    }
    return f;
  }

  std::optional<std::vector<std::string>> ReadTexts(const YAML::Node& node, std::string_view what) {
    std::vector<std::string> texts;
    if (node.IsNull()) return texts;
    if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
    if (!node.IsSequence()) {
      Report(node.Mark(), StrCat(what, " is a list, e.g. [满100减20] ([] for none)"), "");
      return std::nullopt;
    }
    for (const YAML::Node& item : node) texts.push_back(Text(item));
    return texts;
  }

  // Where `value`, found at `path` under the case, is written. A value that
  // a row of examples did not set was copied from the case, losing its
  // place (yaml-cpp's Clone keeps none): look it up in the case itself.
  YAML::Mark Place(const YAML::Node& value, std::initializer_list<std::string_view> path) const {
    if (case_node_ == nullptr || value.Mark().line > 0) return value.Mark();
    YAML::Node at;
    at.reset(*case_node_);
    for (std::string_view key : path) {
      const YAML::Node& parent = at;
      const YAML::Node child = parent[std::string(key)];
      if (!child.IsDefined()) return row_mark_;
      at.reset(child);
    }
    return at.Mark();
  }

  // Reports each of `texts` (read from `node`) that no rule can give, with
  // the closest name that one can.
  void CheckNames(const YAML::Node& node, const std::vector<std::string>& texts,
                  const std::vector<std::string>& known, std::string_view what,
                  std::initializer_list<std::string_view> path, std::string_view where = "") {
    for (size_t i = 0; i < texts.size(); ++i) {
      if (std::find(known.begin(), known.end(), texts[i]) != known.end()) continue;
      const YAML::Node item = node.IsSequence() ? node[i] : node;
      const YAML::Mark at = item.Mark().line > 0 ? item.Mark() : Place(node, path);
      Report(at,
             StrCat("no rule gives the ", what, " '", texts[i], "'", where,
                    DidYouMeanSuffix(texts[i], known)),
             known.empty() ? StrCat("this ruleset has no ", what, "s")
                           : StrCat("the ", what, "s", where, " are: ", StrJoin(known, ", ")));
    }
  }

  // expect.offers as {includes: [...], excludes: [...]}.
  void ReadOfferInclusions(const YAML::Node& offers, Expectations* expect) {
    CheckKeys(offers, {"includes", "excludes"}, "expect.offers");
    for (const char* key : {"includes", "excludes"}) {
      const YAML::Node list = offers[key];
      if (!list) continue;
      std::optional<std::vector<std::string>> texts = ReadTexts(list, StrCat("offers.", key));
      if (!texts) continue;
      CheckNames(list, *texts, names_.offers, "offer", {"expect", "offers", key});
      (std::string_view(key) == "includes" ? expect->offers_included : expect->offers_excluded) =
          std::move(texts);
    }
    if (!expect->offers_included && !expect->offers_excluded) {
      Report(offers.Mark(), "expect.offers as a map says includes, excludes or both",
             "e.g. offers: {includes: [满100减20], excludes: [新客礼包]}");
    }
  }

  // `credits: {review_points: 10, referral_reward: 200}`: what each event
  // earning rule credited (0: it matched, but its limit was used up).
  void ReadCredits(const YAML::Node& node, Expectations* expect) {
    expect->credits_at = Place(node, {"expect", "credits"});
    if (!node.IsMap()) {
      Report(expect->credits_at, "credits is a map of event earning rule: points",
             "e.g. credits: {review_points: 10}");
      return;
    }
    std::vector<std::string> ids;
    for (const EventEarningTerms& rule : ruleset_.EventEarningRules()) ids.push_back(rule.id);
    for (const auto& entry : node) {
      const std::string id = entry.first.Scalar();
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        Report(entry.first.Mark(),
               StrCat("there is no event earning rule '", id, "'", DidYouMeanSuffix(id, ids)),
               ids.empty() ? "the ruleset has none"
                           : StrCat("the event earning rules are: ", StrJoin(ids, ", ")));
        continue;
      }
      int64_t points = 0;
      if (!entry.second.IsScalar() || !ParseInteger(entry.second.Scalar(), &points)) {
        Report(entry.second.Mark(), "a credit is a whole number of points",
               "e.g. review_points: 10");
        continue;
      }
      expect->credits[id] = points;
    }
  }

  void ReadExpectations(const YAML::Node& node, Expectations* expect) {
    CheckKeys(node,
              {"segments", "offers", "offer_values", "points", "credits", "tier",
               "tier_downgrade_on", "satisfaction", "actions", "tasks"},
              "expect");
    if (const YAML::Node credits = node["credits"]) ReadCredits(credits, expect);
    if (const YAML::Node segments = node["segments"]) {
      if (!segments.IsMap()) {
        Report(segments.Mark(), "segments is a map of dimension: segment", "");
      } else {
        for (const auto& entry : segments) {
          const std::string dimension = entry.first.Scalar();
          if (std::find(dimensions_.begin(), dimensions_.end(), dimension) == dimensions_.end()) {
            Report(entry.first.Mark(),
                   StrCat("there is no dimension '", dimension, "'",
                          DidYouMeanSuffix(dimension, dimensions_)),
                   StrCat("the dimensions are: ", StrJoin(dimensions_, ", ")));
            continue;
          }
          if (auto texts = ReadTexts(entry.second, "a collect dimension's segments")) {
            CheckNames(entry.second, *texts, names_.segments.at(dimension), "segment",
                       {"expect", "segments", dimension}, StrCat(" in dimension '", dimension, "'"));
            expect->segments[dimension] = *texts;
            expect->segment_marks[dimension] = Place(entry.second, {"expect", "segments", dimension});
          }
        }
      }
    }
    if (const YAML::Node offers = node["offers"]) {
      expect->offers_at = Place(offers, {"expect", "offers"});
      if (offers.IsMap()) {
        ReadOfferInclusions(offers, expect);
      } else {
        expect->offers = ReadTexts(offers, "offers");
        if (expect->offers) CheckNames(offers, *expect->offers, names_.offers, "offer", {"expect", "offers"});
      }
    }
    if (const YAML::Node values = node["offer_values"]) {
      expect->offer_values_at = Place(values, {"expect", "offer_values"});
      if (!values.IsMap()) {
        Report(expect->offer_values_at, "offer_values is a map of offer: value",
               "e.g. offer_values: {满100减20: 20}");
      } else {
        for (const auto& entry : values) {
          const std::string name = entry.first.Scalar();
          CheckNames(entry.first, {name}, names_.offers, "offer", {"expect", "offer_values"});
          absl::StatusOr<Decimal> value =
              Decimal::Parse(entry.second.IsScalar() ? entry.second.Scalar() : "");
          if (!value.ok()) {
            Report(entry.second.Mark(), "an offer's value is a number", "e.g. 满100减20: 20");
            continue;
          }
          expect->offer_values[name] = *value;
        }
      }
    }
    if (const YAML::Node tasks = node["tasks"]) {
      expect->tasks = ReadTexts(tasks, "tasks");
      if (expect->tasks)
        CheckNames(tasks, *expect->tasks, names_.tasks, "task", {"expect", "tasks"});
      expect->tasks_at = Place(tasks, {"expect", "tasks"});
    }
    if (const YAML::Node actions = node["actions"]) {
      expect->actions = ReadTexts(actions, "actions");
      if (expect->actions) {
        CheckNames(actions, *expect->actions, names_.actions, "action", {"expect", "actions"});
      }
      expect->actions_at = Place(actions, {"expect", "actions"});
    }
    if (const YAML::Node points = node["points"]) {
      int64_t value = 0;
      if (points.IsScalar() && ParseInteger(points.Scalar(), &value)) {
        expect->points = value;
      } else {
        Report(Place(points, {"expect", "points"}), "points is a whole number", "");
      }
      expect->points_at = Place(points, {"expect", "points"});
    }
    if (const YAML::Node tier = node["tier"]) {
      if (!tier.IsNull() && !tier.IsScalar()) {
        Report(Place(tier, {"expect", "tier"}), "tier is one tier's name ('' for none)", "");
      } else {
        expect->tier = tier.IsNull() ? "" : tier.Scalar();
        if (!expect->tier->empty()) {
          CheckNames(tier, {*expect->tier}, names_.tiers, "tier", {"expect", "tier"});
        }
      }
      expect->tier_at = Place(tier, {"expect", "tier"});
    }
    if (const YAML::Node downgrade = node["tier_downgrade_on"]) {
      const std::string text = downgrade.IsScalar() ? downgrade.Scalar() : "";
      absl::StatusOr<Date> day = Date::Parse(text);
      if (downgrade.IsNull() || text == "none") {
        expect->tier_downgrade_on = Date();
      } else if (day.ok()) {
        expect->tier_downgrade_on = *day;
      } else {
        Report(Place(downgrade, {"expect", "tier_downgrade_on"}),
               "tier_downgrade_on is a day such as 2027-01-05, or none", "");
      }
      expect->downgrade_at = Place(downgrade, {"expect", "tier_downgrade_on"});
    }
    if (const YAML::Node satisfaction = node["satisfaction"]) {
      absl::StatusOr<Decimal> value = Decimal::Parse(satisfaction.IsScalar() ? satisfaction.Scalar() : "");
      if (value.ok()) {
        expect->satisfaction = *value;
      } else {
        Report(Place(satisfaction, {"expect", "satisfaction"}), "satisfaction is a number such as 4.1", "");
      }
      expect->satisfaction_at = Place(satisfaction, {"expect", "satisfaction"});
    }
  }

  const RuleSource& source_;
  const std::vector<std::string> dimensions_;
  const RuleSet::Names& names_;
  const std::vector<NumberedCap>& caps_;
  const std::vector<FactRequest>& facts_;
  const RuleSet& ruleset_;
  std::vector<Diagnostic>* problems_;
  YAML::Mark row_mark_ = YAML::Mark::null_mark();  // the example row being read
  const YAML::Node* case_node_ = nullptr;           // the case whose row is read
};

std::string Sorted(std::vector<std::string> texts) {
  std::sort(texts.begin(), texts.end());
  return texts.empty() ? "(none)" : StrJoin(texts, ", ");
}

// Which rule of `rules` each part of `decision` names, into *matched.
void Cover(const Decision& decision, const std::map<std::pair<std::string, std::string>, size_t>& index,
           std::set<size_t>* matched) {
  auto mark = [&](std::string section, std::string_view id) {
    auto found = index.find({std::move(section), std::string(id)});
    if (found != index.end()) matched->insert(found->second);
  };
  for (const SegmentAssignment& s : decision.segments) {
    if (!s.is_default) mark(StrCat("segmentation ", s.dimension), s.rule_id);
  }
  for (const OfferGrant& o : decision.offers) mark("offers", o.rule_id);
  for (const ImprovementProposal& p : decision.improvements) mark("improvements", p.rule_id);
  if (decision.interaction.applied && !decision.interaction.rule_id.empty()) {
    mark("interactions", decision.interaction.rule_id);
  }
  for (const TaskProposal& t : decision.tasks) {
    mark("tasks", t.rule_id);
  }
  if (decision.loyalty.applied) mark("loyalty earning", decision.loyalty.rule_id);
  for (const PointsContribution& c : decision.loyalty.contributions) {
    // A multiplier that matched counts, whether or not a higher one applied.
    if (c.kind == PointsContribution::Kind::kBonus) mark("loyalty bonuses", c.rule_id);
    if (c.kind == PointsContribution::Kind::kMultiplier) mark("loyalty multipliers", c.rule_id);
  }
  for (const EventCredit& c : decision.event.credits) mark("event earning", c.rule_id);
  if (!decision.tier.empty()) mark("loyalty tiers", decision.tier);
}

// The figure a tier was decided from, for a failure message.
std::string TierFigure(const TierPolicy& policy, const Case& c, const Decision& d) {
  switch (policy.figure) {
    case TierPolicy::Figure::kBalance:
      return StrCat("points after: ", d.loyalty.applied ? d.loyalty.points_after : c.customer.points);
    case TierPolicy::Figure::kPointsEarned:
      return StrCat("qualifying_points before the case's purchase: ", c.customer.qualifying_points);
    case TierPolicy::Figure::kAmountSpent:
      return StrCat("qualifying_spent before the case's purchase: ",
                    c.customer.qualifying_spent.ToString());
  }
  return "";
}

// The same and a scheduled downgrade, for a failed tier.
std::string TierGrounds(const TierPolicy& policy, const Case& c, const Decision& d) {
  std::string grounds = TierFigure(policy, c, d);
  if (d.tier_downgrade_on.known()) {
    StrAppend(&grounds, "; downgrade scheduled on ", d.tier_downgrade_on.ToString());
  }
  return grounds;
}

// Why each offer named in a failure was not given, from the decision's
// losses: " (满100减20 lost to 'gold_discount' in its group)".
std::string OffersLost(const Decision& d, const std::vector<std::string>& names) {
  std::vector<std::string> why;
  for (const OfferLoss& loss : d.offers_lost) {
    if (std::find(names.begin(), names.end(), loss.offer) == names.end()) continue;
    why.push_back(StrCat(loss.offer, " lost to '", loss.lost_to, "'",
                         loss.why == OfferLoss::Why::kGroup       ? " in its group"
                         : loss.why == OfferLoss::Why::kExclusion ? " (excludes)"
                                                                  : " (exclusive)"));
  }
  return why.empty() ? "" : StrCat("; ", StrJoin(why, "; "));
}

// expect.offers as {includes, excludes} and expect.offer_values.
void CheckOffers(const Case& c, const Decision& d, std::vector<Failure>* failures) {
  std::vector<std::string> got;
  for (const OfferGrant& o : d.offers) got.emplace_back(o.offer);
  auto given = [&](const std::string& name) {
    return std::find(got.begin(), got.end(), name) != got.end();
  };
  if (c.expect.offers_included) {
    std::vector<std::string> missing;
    for (const std::string& name : *c.expect.offers_included) {
      if (!given(name)) missing.push_back(name);
    }
    if (!missing.empty()) {
      failures->push_back({StrCat("offers: expected to include ", Sorted(missing), ", got ",
                                  Sorted(got), OffersLost(d, missing)),
                           c.expect.offers_at});
    }
  }
  if (c.expect.offers_excluded) {
    std::vector<std::string> present;
    for (const std::string& name : *c.expect.offers_excluded) {
      if (given(name)) present.push_back(name);
    }
    if (!present.empty()) {
      failures->push_back({StrCat("offers: expected not to include ", Sorted(present), ", got ",
                                  Sorted(got)),
                           c.expect.offers_at});
    }
  }
  for (const auto& [name, expected] : c.expect.offer_values) {
    const std::string& offer_name = name;  // Clang 14 captures no structured binding
    auto grant = std::find_if(d.offers.begin(), d.offers.end(),
                              [&](const OfferGrant& o) { return o.offer == offer_name; });
    if (grant == d.offers.end()) {
      failures->push_back({StrCat("offer_values: expected ", name, " worth ", expected.ToString(),
                                  ", but it was not given", OffersLost(d, {name})),
                           c.expect.offer_values_at});
    } else if (!grant->value_known || grant->value != expected) {
      failures->push_back(
          {StrCat("offer_values: expected ", name, " worth ", expected.ToString(), ", got ",
                  grant->value_known ? grant->value.ToString() : std::string("unknown (no amount)"),
                  " (rule ", grant->rule_id, ")"),
           c.expect.offer_values_at});
    }
  }
}

// `credits:`: each rule named credited the points expected.
void CheckCredits(const Case& c, const Decision& d, std::vector<Failure>* failures) {
  for (const auto& [rule, expected] : c.expect.credits) {
    const EventCredit* credit = nullptr;
    for (const EventCredit& candidate : d.event.credits) {
      if (candidate.rule_id == rule) credit = &candidate;
    }
    if (credit == nullptr) {
      failures->push_back(
          {StrCat("credits: expected ", rule, " to credit ", expected,
                  d.event.applied ? ", but it did not match" : ", but the case has no event"),
           c.expect.credits_at});
    } else if (credit->points != expected) {
      failures->push_back(
          {StrCat("credits: expected ", rule, " to credit ", expected, ", got ", credit->points,
                  credit->limited ? StrCat(" (limit ", credit->limit.Describe(), ", used ",
                                           credit->used_before.times, " times and ",
                                           credit->used_before.points, " points before)")
                                  : ""),
           c.expect.credits_at});
    }
  }
}

// `tasks:` the tasks proposed, each named by its task or its rule id.
void CheckTasks(const Case& c, const Decision& d, std::vector<Failure>* failures) {
  if (!c.expect.tasks) return;
  std::vector<std::string> unmatched = *c.expect.tasks;
  std::vector<std::string> got, rules;
  size_t matched = 0;
  for (const TaskProposal& t : d.tasks) {
    got.emplace_back(t.task);
    rules.emplace_back(t.rule_id);
    auto it = std::find_if(unmatched.begin(), unmatched.end(),
                           [&](const std::string& e) { return e == t.task || e == t.rule_id; });
    if (it != unmatched.end()) {
      unmatched.erase(it);
      ++matched;
    }
  }
  if (unmatched.empty() && matched == d.tasks.size()) return;
  failures->push_back({StrCat("tasks: expected ", Sorted(*c.expect.tasks), ", got ", Sorted(got),
                              rules.empty() ? "" : StrCat(" (rules ", Sorted(rules), ")")),
                       c.expect.tasks_at});
}

std::vector<Failure> Check(const Case& c, const Decision& d, const TierPolicy& policy) {
  std::vector<Failure> failures;
  for (const auto& [dimension, expected] : c.expect.segments) {
    std::vector<std::string> got;
    std::string decided;
    for (const SegmentAssignment& s : d.segments) {
      if (s.dimension != dimension) continue;
      got.emplace_back(s.segment);
      if (!decided.empty()) decided += ", ";
      StrAppend(&decided, s.is_default ? "the default" : StrCat("rule ", s.rule_id));
    }
    if (Sorted(got) != Sorted(expected)) {
      failures.push_back({StrCat("segments.", dimension, ": expected ", Sorted(expected), ", got ",
                                 Sorted(got), decided.empty() ? "" : StrCat(" (", decided, ")")),
                          c.expect.segment_marks.at(dimension)});
    }
  }
  if (c.expect.offers) {
    std::vector<std::string> got, rules;
    for (const OfferGrant& o : d.offers) {
      got.emplace_back(o.offer);
      rules.emplace_back(o.rule_id);
    }
    if (Sorted(got) != Sorted(*c.expect.offers)) {
      failures.push_back({StrCat("offers: expected ", Sorted(*c.expect.offers), ", got ", Sorted(got),
                                 rules.empty() ? "" : StrCat(" (rules ", Sorted(rules), ")"),
                                 OffersLost(d, *c.expect.offers)),
                          c.expect.offers_at});
    }
  }
  CheckOffers(c, d, &failures);
  if (c.expect.points && d.event.applied) {
    // A custom event's points: what its customer got.
    if (d.event.points_to_customer != *c.expect.points) {
      failures.push_back({StrCat("points: expected ", *c.expect.points, ", got ",
                                 d.event.points_to_customer, " (", d.event.type, ")"),
                          c.expect.points_at});
    }
  } else if (c.expect.points) {
    if (!d.loyalty.applied) {
      failures.push_back({StrCat("points: expected ", *c.expect.points,
                                 ", but the case has no purchase or event to earn them"),
                          c.expect.points_at});
    } else if (d.loyalty.points_earned != *c.expect.points) {
      failures.push_back({StrCat("points: expected ", *c.expect.points, ", got ",
                                 d.loyalty.points_earned, " (rule ", d.loyalty.rule_id, ")"),
                          c.expect.points_at});
    }
  }
  CheckCredits(c, d, &failures);
  if (c.expect.tier && std::string(d.tier) != *c.expect.tier) {
    failures.push_back({StrCat("tier: expected ", c.expect.tier->empty() ? "(none)" : *c.expect.tier,
                               ", got ", d.tier.empty() ? "(none)" : std::string(d.tier),
                               " (", TierGrounds(policy, c, d), ")"),
                        c.expect.tier_at});
  }
  if (c.expect.tier_downgrade_on && d.tier_downgrade_on != *c.expect.tier_downgrade_on) {
    auto day = [](Date date) { return date.known() ? date.ToString() : std::string("none"); };
    failures.push_back({StrCat("tier_downgrade_on: expected ", day(*c.expect.tier_downgrade_on),
                               ", got ", day(d.tier_downgrade_on), " (tier ",
                               d.tier.empty() ? "(none)" : std::string(d.tier), "; ",
                               TierFigure(policy, c, d), ")"),
                        c.expect.downgrade_at});
  }
  if (c.expect.satisfaction) {
    const Decimal got = d.interaction.applied ? d.interaction.satisfaction_after : c.customer.satisfaction;
    if (got != *c.expect.satisfaction) {
      failures.push_back(
          {StrCat("satisfaction: expected ", c.expect.satisfaction->ToString(), ", got ",
                  got.ToString(),
                  !d.interaction.applied           ? " (the case has no interaction)"
                  : d.interaction.rule_id.empty() ? " (no interaction rule matched)"
                                                  : StrCat(" (rule ", d.interaction.rule_id, ")")),
           c.expect.satisfaction_at});
    }
  }
  CheckTasks(c, d, &failures);
  if (c.expect.actions) {
    // An expected action matches a proposal by its text or its rule id.
    std::vector<std::string> got;
    std::vector<std::string> unmatched = *c.expect.actions;
    size_t matched = 0;
    for (const ImprovementProposal& p : d.improvements) {
      got.emplace_back(p.action);
      auto it = std::find_if(unmatched.begin(), unmatched.end(), [&](const std::string& e) {
        return e == p.action || e == p.rule_id;
      });
      if (it != unmatched.end()) {
        unmatched.erase(it);
        ++matched;
      }
    }
    if (!unmatched.empty() || matched != d.improvements.size()) {
      std::vector<std::string> rules;
      for (const ImprovementProposal& p : d.improvements) rules.emplace_back(p.rule_id);
      failures.push_back({StrCat("actions: expected ", Sorted(*c.expect.actions), ", got ",
                                 Sorted(got), rules.empty() ? "" : StrCat(" (rules ", Sorted(rules), ")")),
                          c.expect.actions_at});
    }
  }
  return failures;
}

// A case without `today:` passes on weekdays and fails on a campaign's
// weekend (and the server refuses reloads on those days) when it reaches
// a rule that depends on the day: say which, at the case.
void WarnIfDateDependent(const Case& c, const Explanation& explanation,
                         const std::set<std::pair<std::string, std::string>>& date_dependent,
                         std::vector<Diagnostic>* warnings) {
  for (const RuleExplanation& rule : explanation.rules) {
    const bool reached = rule.evaluated || !rule.note.starts_with("not checked");
    if (!reached || !date_dependent.contains({rule.section, rule.rule_id})) continue;
    // Earning rules read a dated purchase's own day, not the run's.
    const bool earning = rule.section == "loyalty earning" || rule.section == "loyalty bonuses" ||
                         rule.section == "loyalty multipliers";
    if (earning && c.purchase && c.purchase->date.known()) continue;
    Diagnostic d = DiagnosticAt(
        *c.source, c.at,
        StrCat("test '", c.name, "' has no 'today:' and reaches ", rule.section, " rule '",
               rule.rule_id, "', which depends on the day: it may pass today and fail on another"),
        StrCat("give the case a fixed day, e.g. today: ", Date::Today().ToString()));
    d.severity = Severity::kWarning;
    warnings->push_back(std::move(d));
    return;
  }
}

std::string ParametersKey(const std::map<std::string, std::string>& parameters) {
  std::string key;
  for (const auto& [name, value] : parameters) StrAppend(&key, name, "=", value, "\n");
  return key;
}

}  // namespace

int RuleTestReport::passed() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(),
                                        [](const RuleTestCaseResult& c) { return c.passed; }));
}

int RuleTestReport::failed() const { return static_cast<int>(cases.size()) - passed(); }

double RuleTestReport::coverage_percent() const {
  return rules.empty() ? 100.0 : 100.0 * static_cast<double>(matched.size()) / rules.size();
}

RuleTestReport RunRuleTests(const RuleSet& ruleset, const RuleTestOptions& options) {
  RuleTestReport report;
  report.rules = ruleset.Rules();
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (size_t i = 0; i < report.rules.size(); ++i) {
    index.emplace(std::make_pair(report.rules[i].section, report.rules[i].id), i);
  }
  const RuleSet::Names names = ruleset.DecisionNames();
  const std::set<std::pair<std::string, std::string>> date_dependent = ruleset.DateDependentRules();
  std::vector<Case> cases;
  for (const RuleSource& source : ruleset.sources()) {
    yaml_internal::ParsedYaml parsed = yaml_internal::ParseYamlDocument(source.content);
    if (parsed.problem) continue;  // the loader reported it; a loaded ruleset has none
    const YAML::Node& root = parsed.root;
    if (!root.IsMap() || !root["kind"] || root["kind"].Scalar() != "tests") continue;
    CaseReader reader(source, ruleset.DimensionIds(), names, ruleset.OfferCaps(), ruleset.Facts(),
                      ruleset, &report.problems);
    try {
      for (Case& c : reader.Read(root)) cases.push_back(std::move(c));
    } catch (const YAML::Exception& e) {
      // Not expected (nodes are checked before use); a test file must
      // never end the process that runs it.
      report.problems.push_back({Severity::kError, source.path, 0, 0, 1,
                                 StrCat("this tests file could not be read: ", e.what()),
                                 "this is a defect in clientele: please report it with the file",
                                 ""});
    }
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
                   });
  // Cases with other parameter values run on the ruleset compiled with
  // them, once per distinct set of values.
  std::map<std::string, std::shared_ptr<const RuleSet>> variants;
  Decision decision;
  for (const Case& c : cases) {
    const RuleSet* rules = &ruleset;
    if (!c.parameters.empty()) {
      std::shared_ptr<const RuleSet>& variant = variants[ParametersKey(c.parameters)];
      if (variant == nullptr) {
        LoadOptions load;
        load.parameter_overrides = c.parameters;
        LoadResult loaded = RuleSet::LoadSources(ruleset.sources(), load);
        if (!loaded.ok()) {
          std::string why = "it has errors";
          for (const Diagnostic& d : loaded.diagnostics) {
            if (d.severity == Severity::kError) {
              why = d.message;
              break;
            }
          }
          report.problems.push_back({Severity::kError, c.file, c.parameters_at.line + 1,
                                     c.parameters_at.column + 1, 1,
                                     StrCat("with these parameters the ruleset does not load: ", why),
                                     "", ""});
          continue;
        }
        variant = loaded.ruleset;
      }
      rules = variant.get();
    }
    const Date today = c.today.known()       ? c.today
                       : options.today.known() ? options.today
                                               : ruleset.LocalTimeAt(absl::Now()).day;
    // Scores by the rfm file's cut points, unless the case gives them
    // (quantiles are the server's: a case gives those scores).
    Customer customer = c.customer;
    if (rules->Rfm() != nullptr) ScoreRfm(*rules->Rfm(), nullptr, today, &customer);
    EvalInput input{&customer, c.purchase ? &*c.purchase : nullptr,
                    c.interaction ? &*c.interaction : nullptr, c.feedback ? &*c.feedback : nullptr,
                    today};
    input.minute = c.minute;
    input.basket_amount = c.basket_amount;
    input.channel = c.channel;
    input.offer_usage = c.offer_usage;
    // A custom event's limits, as the customer's history says they were used.
    std::vector<EventRuleUsage> event_usage;
    if (c.event) {
      input.event = &*c.event;
      event_usage = UsageFromHistory(rules->EventEarningRules(), c.customer,
                                     c.event->day.known() ? c.event->day : today);
      input.event_usage = event_usage;
    }
    RuleTestCaseResult result{c.name, c.file, c.line, false, {}};
    std::vector<Failure> failures;
    // Without a day of its own, a case runs on the real one: see which
    // rules it reaches, to warn when one of them depends on the day.
    const bool undated = !c.today.known() && !options.today.known() && !date_dependent.empty();
    Explanation explanation;
    if (absl::Status s = rules->Evaluate(input, &decision, undated ? &explanation : nullptr);
        !s.ok()) {
      failures.push_back({StrCat("evaluation failed: ", View(s.message())), c.at});
    } else {
      Cover(decision, index, &report.matched);
      failures = Check(c, decision, rules->tier_policy());
    }
    for (Failure& failure : failures) {
      const YAML::Mark at = failure.at.line >= 0 ? failure.at : c.at;
      result.failures.push_back(DiagnosticAt(*c.source, at, std::move(failure.message), ""));
    }
    if (undated) WarnIfDateDependent(c, explanation, date_dependent, &report.warnings);
    result.passed = result.failures.empty();
    report.cases.push_back(std::move(result));
  }
  return report;
}

std::string FormatRuleTestReport(const RuleTestReport& report, bool coverage) {
  std::string out;
  for (const Diagnostic& d : report.problems) StrAppend(&out, FormatDiagnostic(d));
  for (const Diagnostic& d : report.warnings) StrAppend(&out, FormatDiagnostic(d));
  for (const RuleTestCaseResult& c : report.cases) {
    if (c.passed) continue;
    StrAppend(&out, "FAIL ", characters_internal::Printable(c.file, Diagnostic::kMessageLimit), ":",
              c.line, " ", characters_internal::Printable(c.name, Diagnostic::kMessageLimit), "\n");
    for (const Diagnostic& failure : c.failures) {
      // Indented under its case: "     file:line:column: what failed", then
      // the source line with a caret.
      const std::string shown = FormatDiagnostic(failure);
      const std::string_view excerpt = std::string_view(shown).substr(shown.find('\n') + 1);
      StrAppend(&out, "     ", failure.ShownFile(), ":", failure.line, ":", failure.column, ": ",
                failure.ShownMessage(), "\n");
      for (size_t begin = 0; begin < excerpt.size();) {
        const size_t end = excerpt.find('\n', begin);
        StrAppend(&out, "     ", excerpt.substr(begin, end - begin), "\n");
        begin = end == std::string_view::npos ? excerpt.size() : end + 1;
      }
    }
  }
  if (coverage) {
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.1f", report.coverage_percent());
    StrAppend(&out, "coverage: ", report.matched.size(), " of ", report.rules.size(),
              " rules matched by some case (", percent, " %)\n");
    bool header = false;
    for (size_t i = 0; i < report.rules.size(); ++i) {
      if (report.matched.contains(i)) continue;
      if (!header) {
        StrAppend(&out, "never matched:\n");
        header = true;
      }
      const RuleSet::RuleInfo& r = report.rules[i];
      StrAppend(&out, "  ", r.section, " › ", r.id,
                r.file.empty() ? "" : StrCat("  (", r.file, ":", r.line, ")"), "\n");
    }
  }
  StrAppend(&out, report.passed(), " passed, ", report.failed(), " failed",
            report.problems.empty()
                ? ""
                : StrCat(", ", report.problems.size(),
                         report.problems.size() == 1 ? " problem" : " problems", " in the tests"),
            report.warnings.empty()
                ? ""
                : StrCat(", ", report.warnings.size(),
                         report.warnings.size() == 1 ? " warning" : " warnings"),
            "\n");
  return out;
}

std::vector<Diagnostic> RuleTestDiagnostics(const RuleTestReport& report) {
  std::vector<Diagnostic> diagnostics = report.problems;
  for (const RuleTestCaseResult& c : report.cases) {
    if (c.passed) continue;
    for (Diagnostic failure : c.failures) {
      failure.message = StrCat("test '", c.name, "' failed: ", failure.message);
      failure.hint = "the rules no longer do what this test says; fix the rules or the test";
      diagnostics.push_back(std::move(failure));
    }
  }
  diagnostics.insert(diagnostics.end(), report.warnings.begin(), report.warnings.end());
  return diagnostics;
}

}  // namespace clientele::rules
