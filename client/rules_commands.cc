#include "client/rules_commands.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "client/json_codec.h"
#include "client/render.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "rules/rule_tests.h"
#include "common/strings.h"
#include "rules/offers.h"
#include "rules/ruleset.h"

namespace clientele::client {
namespace {

using nlohmann::json;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open '", path, "'"));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

json DiagnosticsToJson(const std::vector<rules::Diagnostic>& diagnostics) {
  json items = json::array();
  for (const rules::Diagnostic& d : diagnostics) {
    items.push_back({{"file", d.file}, {"line", d.line}, {"column", d.column},
                     {"severity", std::string(rules::SeverityName(d.severity))},
                     {"message", d.message}, {"hint", d.hint}});
  }
  return items;
}

std::string SummaryLine(const std::string& directory, const rules::RuleSet& ruleset) {
  rules::RuleSet::Summary s = ruleset.Summarize();
  return StrCat(directory, ": ok, version ", ruleset.version(), " — ", s.files, " files, ",
                s.dimensions, " dimensions (", s.segment_rules, " rules), ", s.offers, " offers, ",
                s.improvements, " improvement actions, ", s.interaction_rules,
                " interaction rules, ", s.earning_rules, " earning rules, ",
                // Only a ruleset with custom events says so: the seeds' line stays as it was.
                s.event_types == 0
                    ? std::string()
                    : StrCat(s.event_types, " event types (", s.event_rules, " earning rules), "),
                s.task_rules == 0 ? std::string() : StrCat(s.task_rules, " task rules, "), s.tiers,
                " tiers, ", s.parameters, " parameters; up to ", s.work_without_text,
                " work units per evaluation before texts\n");
}

// Loads the ruleset, printing its diagnostics to `err`; null on errors.
std::shared_ptr<const rules::RuleSet> Load(const std::string& directory, uint64_t max_work,
                                           std::ostream& err) {
  rules::LoadResult loaded =
      rules::RuleSet::LoadDirectory(directory, {.max_evaluation_work = max_work});
  if (!loaded.diagnostics.empty()) err << rules::FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

// What offers see besides the customer and events (EvalOptions' --time,
// --amount, --channel and --offers-used).
struct OfferSituation {
  int32_t minute = -1;
  std::optional<rules::Decimal> amount;
  rules::Channel channel = rules::Channel::kUnknown;
  std::vector<int64_t> used;
};

// Adds the amounts under `node` (whose keys join `prefix` into a cap's
// key, as rule tests write them) to *used.
absl::Status ReadOffersUsed(const rules::RuleSet& ruleset, const json& node,
                            const std::string& offer, const std::string& prefix,
                            std::vector<int64_t>* used) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (absl::Status s = ReadOffersUsed(ruleset, value, offer,
                                          prefix.empty() ? key : StrCat(prefix, ".", key), used);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  const std::vector<rules::NumberedCap>& caps = ruleset.OfferCaps();
  absl::StatusOr<size_t> index = rules::FindCap(caps, offer, prefix);
  if (!index.ok()) return absl::InvalidArgumentError(index.status().message());
  absl::StatusOr<int64_t> amount = rules::ParseUsedAmount(
      caps[*index].cap, node.is_string() ? node.get<std::string>() : node.dump());
  if (!amount.ok()) return amount.status();
  (*used)[*index] = *amount;
  return absl::OkStatus();
}

absl::StatusOr<OfferSituation> ReadOfferSituation(const EvalOptions& options,
                                                  const rules::RuleSet& ruleset,
                                                  const rules::RuleSet::LocalTime& now) {
  OfferSituation situation;
  if (!options.time.empty()) {
    absl::StatusOr<int32_t> minute = rules::ParseTimeOfDay(options.time);
    if (!minute.ok()) return absl::InvalidArgumentError(StrCat("--time: ", View(minute.status().message())));
    situation.minute = *minute;
  } else if (options.today.empty()) {
    situation.minute = now.minute;
  }
  if (!options.amount.empty()) {
    absl::StatusOr<rules::Decimal> amount = rules::Decimal::Parse(options.amount);
    if (!amount.ok() || *amount <= rules::Decimal()) {
      return absl::InvalidArgumentError(
          StrCat("--amount: a basket's amount is a number more than 0, not '", options.amount, "'"));
    }
    situation.amount = *amount;
  }
  if (!options.channel.empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(options.channel);
    if (!channel.ok()) return absl::InvalidArgumentError(StrCat("--channel: ", View(channel.status().message())));
    situation.channel = *channel;
  }
  situation.used.assign(ruleset.OfferCaps().size(), 0);
  if (!options.offers_used.empty()) {
    absl::StatusOr<json> parsed = ParseJson(options.offers_used, "--offers-used");
    if (!parsed.ok()) return parsed.status();
    if (!parsed->is_object()) {
      return absl::InvalidArgumentError(
          "--offers-used is a JSON object of offer id: what is used of its limits and budgets");
    }
    for (const auto& [offer, node] : parsed->items()) {
      if (absl::Status s = ReadOffersUsed(ruleset, node, offer, "", &situation.used); !s.ok()) {
        return absl::InvalidArgumentError(StrCat("--offers-used: ", View(s.message())));
      }
    }
  }
  return situation;
}

struct Evaluator {
  const rules::RuleSet& ruleset;
  const Events& events;
  rules::Date today;
  const OfferSituation& situation;
  const EvalOptions& options;
  rules::Decision decision;
  rules::Explanation explanation;

  // Evaluates one customer and prints the result; false on failure.
  bool Run(const rules::Customer& given, std::ostream& out, std::ostream& err,
           std::string_view where) {
    // Scored by the rfm file's cut points unless given (quantiles are the
    // server's, computed over its customers).
    rules::Customer customer = given;
    if (ruleset.Rfm() != nullptr) rules::ScoreRfm(*ruleset.Rfm(), nullptr, today, &customer);
    rules::EvalInput input;
    input.customer = &customer;
    input.purchase = events.purchase ? &*events.purchase : nullptr;
    input.interaction = events.interaction ? &*events.interaction : nullptr;
    input.feedback = events.feedback ? &*events.feedback : nullptr;
    input.today = today;
    input.minute = situation.minute;
    input.basket_amount = situation.amount;
    input.channel = situation.channel;
    input.offer_usage = situation.used;
    // A custom event's limits, as the customer's history says they were used.
    std::vector<rules::EventRuleUsage> event_usage;
    if (events.event) {
      input.event = &*events.event;
      event_usage = rules::UsageFromHistory(ruleset.EventEarningRules(), customer,
                                            events.event->day.known() ? events.event->day : today);
      input.event_usage = event_usage;
    }
    absl::Status status =
        ruleset.Evaluate(input, &decision, options.explain ? &explanation : nullptr);
    if (!status.ok()) {
      err << where << "error: " << View(status.message()) << "\n";
      return false;
    }
    if (options.json) {
      out << DecisionToJson(customer, decision, options.explain ? &explanation : nullptr)
                 .dump(options.customers_file.empty() ? 2 : -1)
          << "\n";
    } else {
      out << RenderDecision(customer, decision);
      if (options.explain) out << RenderExplanation(explanation, OutcomesOf(decision));
    }
    return true;
  }
};

absl::StatusOr<Events> ReadEvents(const EvalOptions& options) {
  std::string text = options.event_json;
  if (!options.event_file.empty()) {
    absl::StatusOr<std::string> content = ReadFile(options.event_file);
    if (!content.ok()) return content.status();
    text = *content;
  }
  if (text.empty()) return Events{};
  absl::StatusOr<json> parsed = ParseJson(text, "the event");
  if (!parsed.ok()) return parsed.status();
  return EventsFromJson(*parsed);
}

absl::StatusOr<rules::Customer> ParseCustomer(std::string_view text, std::string_view what) {
  absl::StatusOr<json> parsed = ParseJson(text, what);
  if (!parsed.ok()) return parsed.status();
  return CustomerFromJson(*parsed);
}

}  // namespace

int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  rules::LoadResult loaded =
      rules::RuleSet::LoadDirectory(options.directory, {.max_evaluation_work = options.max_work});
  if (options.json) {
    out << json{{"ok", loaded.ok()},
                {"version", loaded.ok() ? loaded.ruleset->version() : ""},
                {"work_without_text",
                 loaded.ok() ? loaded.ruleset->Summarize().work_without_text : 0},
                {"diagnostics", DiagnosticsToJson(loaded.diagnostics)}}
               .dump(2)
        << "\n";
  } else {
    if (!loaded.diagnostics.empty()) out << rules::FormatDiagnostics(loaded.diagnostics);
    if (loaded.ok()) out << SummaryLine(options.directory, *loaded.ruleset);
  }
  (void)err;
  return loaded.ok() ? kExitOk : kExitRuleErrors;
}

int RunTest(const TestOptions& options, std::ostream& out, std::ostream& err) {
  rules::RuleTestOptions test_options;
  if (!options.today.empty()) {
    absl::StatusOr<rules::Date> parsed = rules::Date::Parse(options.today);
    if (!parsed.ok()) {
      err << "error: --today: " << View(parsed.status().message()) << "\n";
      return kExitBadInput;
    }
    test_options.today = *parsed;
  }
  if (options.min_coverage > 100) {
    err << "error: --min-coverage is a percentage, 0..100\n";
    return kExitBadInput;
  }
  rules::LoadResult loaded = rules::RuleSet::LoadDirectory(options.directory);
  if (!loaded.ok()) {
    out << rules::FormatDiagnostics(loaded.diagnostics)
        << "the ruleset has errors: no test was run\n";
    return kExitRuleErrors;
  }
  const rules::RuleTestReport report = rules::RunRuleTests(*loaded.ruleset, test_options);
  const bool enough = options.min_coverage < 0 || report.coverage_percent() >= options.min_coverage;
  if (options.json) {
    json cases = json::array();
    for (const rules::RuleTestCaseResult& c : report.cases) {
      json failures = json::array();
      for (const rules::Diagnostic& f : c.failures) {
        failures.push_back({{"message", f.ShownMessage()}, {"line", f.line}, {"column", f.column}});
      }
      cases.push_back({{"name", c.name}, {"file", c.file}, {"line", c.line},
                       {"passed", c.passed}, {"failures", failures}});
    }
    json never = json::array();
    for (size_t i = 0; i < report.rules.size(); ++i) {
      if (report.matched.contains(i)) continue;
      never.push_back({{"section", report.rules[i].section}, {"id", report.rules[i].id},
                       {"file", report.rules[i].file}, {"line", report.rules[i].line}});
    }
    out << json{{"passed", report.passed()},
                {"failed", report.failed()},
                {"problems", DiagnosticsToJson(report.problems)},
                {"warnings", DiagnosticsToJson(report.warnings)},
                {"cases", cases},
                {"coverage_percent", report.coverage_percent()},
                {"never_matched", never}}
               .dump(2)
        << "\n";
  } else {
    out << rules::FormatRuleTestReport(report, options.coverage || options.min_coverage >= 0);
    if (!enough) {
      char text[64];
      std::snprintf(text, sizeof text, "coverage %.1f %% is below the minimum of %.1f %%\n",
                    report.coverage_percent(), options.min_coverage);
      out << text;
    }
  }
  return report.ok() && enough ? kExitOk : kExitRuleErrors;
}

int RunEval(const EvalOptions& options, std::ostream& out, std::ostream& err) {
  int sources = !options.customer_json.empty() + !options.customer_file.empty() +
                !options.customers_file.empty();
  if (sources != 1) {
    err << "error: give exactly one of --customer, --customer-file, --customers-file\n";
    return kExitBadInput;
  }
  std::optional<rules::Date> today_given;
  if (!options.today.empty()) {
    absl::StatusOr<rules::Date> parsed = rules::Date::Parse(options.today);
    if (!parsed.ok()) {
      err << "error: --today: " << View(parsed.status().message()) << "\n";
      return kExitBadInput;
    }
    today_given = *parsed;
  }
  absl::StatusOr<Events> events = ReadEvents(options);
  if (!events.ok()) {
    err << "error: " << View(events.status().message()) << "\n";
    return kExitBadInput;
  }
  std::shared_ptr<const rules::RuleSet> ruleset = Load(options.directory, options.max_work, err);
  if (ruleset == nullptr) return kExitRuleErrors;
  // One reading of the clock for the day and the time of day.
  const rules::RuleSet::LocalTime now = ruleset->LocalTimeAt(absl::Now());
  absl::StatusOr<OfferSituation> situation = ReadOfferSituation(options, *ruleset, now);
  if (!situation.ok()) {
    err << "error: " << View(situation.status().message()) << "\n";
    return kExitBadInput;
  }
  const rules::Date today = today_given ? *today_given : now.day;
  if (absl::Status s = ResolveEvents(*ruleset, &*events); !s.ok()) {
    err << "error: " << View(s.message()) << "\n";
    return kExitBadInput;
  }
  Evaluator evaluator{*ruleset, *events, today, *situation, options, {}, {}};

  if (options.customers_file.empty()) {
    std::string text = options.customer_json;
    if (!options.customer_file.empty()) {
      absl::StatusOr<std::string> content = ReadFile(options.customer_file);
      if (!content.ok()) {
        err << "error: " << View(content.status().message()) << "\n";
        return kExitBadInput;
      }
      text = *content;
    }
    absl::StatusOr<rules::Customer> customer = ParseCustomer(text, "the customer");
    if (!customer.ok()) {
      err << "error: " << View(customer.status().message()) << "\n";
      return kExitBadInput;
    }
    return evaluator.Run(*customer, out, err, "") ? kExitOk : kExitRuleErrors;
  }

  std::ifstream in(options.customers_file, std::ios::binary);
  if (!in) {
    err << "error: cannot open '" << options.customers_file << "'\n";
    return kExitBadInput;
  }
  int exit_code = kExitOk;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = StrCat(options.customers_file, ":", number, ": ");
    absl::StatusOr<rules::Customer> customer = ParseCustomer(line, "this line");
    if (!customer.ok()) {
      err << where << "error: " << View(customer.status().message()) << "\n";
      exit_code = kExitBadInput;
      continue;
    }
    if (!evaluator.Run(*customer, out, err, where)) exit_code = kExitRuleErrors;
  }
  return exit_code;
}

}  // namespace clientele::client
