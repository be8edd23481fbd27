// `clientele ping`, `ruleset`, `evaluate`, `explain`, `evaluate-many` and
// `decision-log`: the Diagnostics and Decisions services.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "client/customer_input.h"
#include "client/render.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/diagnostics.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "common/strings.h"

namespace clientele::client {
namespace {

std::string SegmentSource(const v1::Segment& s) {
  return s.is_default() ? "(default)" : StrCat("(rule ", s.rule_id(), ")");
}

// As client/render.cc's OfferWorth, from the proto.
std::string OfferWorth(const v1::Offer& o) {
  if (o.unit().empty()) return "";
  const std::string item = o.free_item().empty() ? "" : StrCat(" ", o.free_item(), ",");
  if (o.value().empty()) {
    return o.unit() == "points" ? ": points shown with a purchase"
                                : StrCat(":", item, " worth shown with an amount");
  }
  return StrCat(":", item, " worth ", o.value(), o.unit() == "points" ? " points" : "");
}

std::string RenderDecision(const v1::Decision& d) {
  std::string out = StrCat("customer ", d.customer_id().empty() ? "(no id)" : d.customer_id(),
                           "  [ruleset ", d.ruleset_version(), "]\n  segments:\n");
  Table segments({{}, {}, {}});
  for (const v1::Segment& s : d.segments()) {
    segments.AddRow({s.dimension(), s.segment(), SegmentSource(s)});
  }
  out += segments.Render("    ");
  if (d.offers().empty()) out += "  offers:   无 (none)\n";
  for (const v1::Offer& o : d.offers()) {
    StrAppend(&out, "  offer:    ", o.offer(), "  (rule ", o.rule_id(), ", priority ", o.priority(),
              !o.group().empty() ? StrCat(", group ", o.group())
              : o.exclusive()    ? std::string(", exclusive")
                                 : std::string(", stackable"),
              ")", OfferWorth(o), "\n");
  }
  for (const v1::OfferLoss& l : d.offers_lost()) {
    StrAppend(&out, "  lost:     ", l.offer(), "  (rule ", l.rule_id(), ") to ", l.lost_to(),
              l.why() == "group"       ? " in its stacking group"
              : l.why() == "exclusion" ? " (they exclude each other)"
                                       : " (exclusive)",
              "\n");
  }
  StrAppend(&out, "  tier:     ", d.tier().empty() ? "(none)" : d.tier(),
            d.tier_downgrade_on().empty()
                ? ""
                : StrCat(" (downgrade due ", d.tier_downgrade_on(), " unless it qualifies again)"),
            "\n");
  return out;
}

// The explanation of a decision as the rules layer gives it, so that local
// and remote explanations read the same (client/render.h).
rules::Explanation ExplanationOf(const v1::Decision& d) {
  rules::Explanation explanation;
  for (const v1::RuleExplanation& from : d.explanation()) {
    rules::RuleExplanation& rule = explanation.rules.emplace_back();
    rule.section = from.section();
    rule.rule_id = from.rule_id();
    rule.condition = from.condition();
    rule.evaluated = from.evaluated();
    rule.matched = from.matched();
    rule.note = from.note();
    for (const v1::ConditionCheck& check : from.checks()) {
      rules::ConditionCheck& to = rule.checks.emplace_back();
      to.expression = check.expression();
      to.result = check.result();
      to.as_needed = check.as_needed();
      to.reason = check.reason();
      // A protobuf map has no order; sort for stable output.
      const std::map<std::string, std::string> observed(check.observed().begin(),
                                                        check.observed().end());
      for (const auto& [expression, value] : observed) to.observed.push_back({expression, value});
    }
  }
  return explanation;
}

SectionOutcomes OutcomesOf(const v1::Decision& d) {
  SectionOutcomes outcomes;
  for (const v1::Segment& s : d.segments()) {
    std::string& text = outcomes[StrCat("segmentation ", s.dimension())];
    StrAppend(&text, text.empty() ? "" : ", ", s.segment(),
              s.is_default() ? " (the default: no rule matched)" : "");
  }
  std::vector<std::string> offers;
  for (const v1::Offer& o : d.offers()) offers.push_back(o.offer());
  outcomes["offers"] = offers.empty() ? "none" : StrJoin(offers, ", ");
  return outcomes;
}

std::string RenderWhy(const v1::Decision& d) {
  return RenderExplanation(ExplanationOf(d), OutcomesOf(d));
}

std::string RenderDecisionWithWhy(const v1::Decision& d, bool explain) {
  return explain ? RenderDecision(d) + RenderWhy(d) : RenderDecision(d);
}

// evaluate-many's table: one row per customer, one column per dimension.
class DecisionTable {
 public:
  void Add(const v1::Decision& d) {
    if (dimensions_.empty()) {
      for (const v1::Segment& s : d.segments()) {
        if (std::find(dimensions_.begin(), dimensions_.end(), s.dimension()) == dimensions_.end()) {
          dimensions_.push_back(s.dimension());
        }
      }
      version_ = d.ruleset_version();
    }
    std::vector<std::string> row = {d.customer_id()};
    for (const std::string& dimension : dimensions_) {
      std::vector<std::string> names;
      for (const v1::Segment& s : d.segments()) {
        if (s.dimension() == dimension) names.push_back(s.segment());
      }
      row.push_back(StrJoin(names, ", "));
    }
    std::vector<std::string> offers;
    for (const v1::Offer& o : d.offers()) offers.push_back(o.offer());
    row.push_back(offers.empty() ? "-" : StrJoin(offers, ", "));
    row.push_back(d.tier().empty() ? "-" : d.tier());
    rows_.push_back(std::move(row));
  }

  std::string Render() const {
    std::vector<Table::Column> columns = {{"CUSTOMER"}};
    for (const std::string& dimension : dimensions_) columns.push_back({dimension});
    columns.push_back({"OFFERS"});
    columns.push_back({"TIER"});
    Table table(std::move(columns));
    for (const auto& row : rows_) table.AddRow(row);
    std::string out = rows_.empty() ? "" : table.Render();
    StrAppend(&out, rows_.size(), rows_.size() == 1 ? " customer" : " customers", " evaluated");
    if (!version_.empty()) StrAppend(&out, "  [ruleset ", version_, "]");
    return out + "\n";
  }

 private:
  std::vector<std::string> dimensions_;
  std::string version_;
  std::vector<std::vector<std::string>> rows_;
};

// Fills the filter of an EvaluateMany request; false (with a message on
// `err`) for bad options.
bool SetEvaluateManyFilter(const EvaluateManyOptions& options, v1::EvaluateManyRequest* request,
                           std::ostream& err) {
  if (!options.segment.empty() && !options.ids.empty()) {
    err << "error: give --segment or --ids, not both\n";
    return false;
  }
  if (!options.segment.empty()) {
    v1::SegmentFilter* filter = request->mutable_segment();
    if (!ParseSegmentFilter(options.segment, filter->mutable_dimension(),
                            filter->mutable_segment())) {
      err << "error: --segment must be DIMENSION=SEGMENT, e.g. life_stage=年轻低收入群体, not '"
          << options.segment << "'\n";
      return false;
    }
  }
  for (const std::string& id : options.ids) {
    if (!id.empty()) request->mutable_customer_ids()->add_ids(id);
  }
  if (!options.ids.empty() && request->customer_ids().ids().empty()) {
    err << "error: --ids lists no customer id\n";
    return false;
  }
  return true;
}

std::string RenderDecisionLog(const std::vector<v1::ListLoggedDecisionsResponse>& pages) {
  const v1::DecisionLogSettings& settings = pages.front().settings();
  std::string out;
  if (settings.sample_rate() == 0) {
    out += "the decision log is off (server config: decision_log: {sample_rate: ...})\n";
  } else {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%g%%", settings.sample_rate() * 100);
    StrAppend(&out, "decision log: ", percent, " of decisions, the newest ", settings.max_entries(),
              " kept",
              settings.max_age_days() > 0 ? StrCat(" for up to ", settings.max_age_days(), " days")
                                          : std::string(),
              "; ", settings.dropped(), " dropped since the server started\n");
  }
  Table table({{"ID", Table::Align::kRight},
               {"RECORDED AT"},
               {"METHOD"},
               {"CALLER"},
               {"CUSTOMER"},
               {"SEGMENTS"},
               {"OFFERS"},
               {"TIER"},
               {"RULESET"}});
  size_t count = 0;
  for (const v1::ListLoggedDecisionsResponse& page : pages) {
    for (const v1::LoggedDecision& d : page.decisions()) {
      std::vector<std::string> segments, offers;
      for (const v1::Segment& s : d.decision().segments()) {
        segments.push_back(s.segment());
      }
      for (const v1::Offer& o : d.decision().offers()) offers.push_back(o.offer());
      const v1::Customer& c = d.request().customer();
      table.AddRow({StrCat(d.id()), d.recorded_at(), d.method(), d.caller(),
                    StrCat(c.id(), d.request().subject() == "inline" ? " (inline)" : ""),
                    StrJoin(segments, ", "), offers.empty() ? "-" : StrJoin(offers, ", "),
                    d.decision().tier().empty() ? "-" : d.decision().tier(),
                    d.decision().ruleset_version()});
      ++count;
    }
  }
  if (count > 0) out += table.Render();
  StrAppend(&out, count, count == 1 ? " decision\n" : " decisions\n");
  return out + MoreLine(pages.back().next_page_token());
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return static_cast<int64_t>(ms * 100 + 0.5) / 100.0;  // 2 decimals
}

std::string TwoDecimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

int RunPing(const PingOptions& options, std::ostream& out, std::ostream& err) {
  v1::PingRequest request;
  request.set_payload(options.payload);
  v1::Diagnostics::Stub stub(Connect(options.remote));
  // The first call also connects; the second one is the round trip alone.
  double ms[2] = {0, 0};
  v1::PingResponse response;
  for (double& elapsed : ms) {
    grpc::ClientContext context;
    SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status status = stub.Ping(&context, request, &response);
    elapsed = MillisecondsSince(start);
    if (!status.ok()) return ReportError(status, options.remote, err);
  }
  if (options.remote.json) {
    out << nlohmann::json{{"server", options.remote.server},
                          {"round_trip_ms", ms[1]},
                          {"first_call_ms", ms[0]},
                          {"payload_bytes", response.payload().size()}}
               .dump()
        << "\n";
  } else {
    out << "pong from " << options.remote.server << " in " << TwoDecimals(ms[1])
        << " ms (first call, with connecting: " << TwoDecimals(ms[0]) << " ms; "
        << response.payload().size() << " payload bytes echoed)\n";
  }
  return kExitOk;
}

int RunRuleset(const RulesetOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetRulesetResponse response;
  const grpc::Status status = CallUnary(options.remote, &v1::Decisions::Stub::GetRuleset,
                                        v1::GetRulesetRequest(), &response);
  return PrintResult(status, response, options.remote, out, err,
                     [](const v1::GetRulesetResponse& r) {
                       std::string text = RenderFields({{"version", r.version()},
                                                        {"directory", r.directory()},
                                                        {"loaded at", r.loaded_at()},
                                                        {"files", StrCat(r.files_size())}});
                       Table files({{"FILE"}, {"BYTES", Table::Align::kRight}});
                       for (const v1::RulesetFile& f : r.files()) {
                         files.AddRow({f.path(), StrCat(f.size_bytes())});
                       }
                       return text + files.Render("  ");
                     });
}

int RunEvaluate(const EvaluateOptions& options, std::ostream& out, std::ostream& err) {
  if (options.customer_id.empty() == options.customer_json.empty()) {
    err << "error: give exactly one of --customer-id (a stored customer) and --customer "
           "(JSON)\n";
    return kExitBadInput;
  }
  v1::EvaluateRequest request;
  if (!options.customer_id.empty()) {
    request.set_customer_id(options.customer_id);
  } else {
    absl::StatusOr<v1::Customer> customer = CustomerFromJsonText(options.customer_json);
    if (!customer.ok()) {
      err << "error: --customer: " << View(customer.status().message()) << "\n";
      return kExitBadInput;
    }
    *request.mutable_customer() = std::move(*customer);
  }
  request.set_explain(options.explain);
  request.set_today(options.today);
  request.set_time(options.time);
  request.set_amount(options.amount);
  request.set_channel(options.channel);
  v1::EvaluateResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Decisions::Stub::Evaluate, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [&](const v1::EvaluateResponse& r) {
                       return RenderDecisionWithWhy(r.decision(), options.explain);
                     });
}

int RunExplain(const ExplainOptions& options, std::ostream& out, std::ostream& err) {
  if (options.customer_id.empty() == options.customer_json.empty()) {
    err << "error: give exactly one of --customer (a stored customer's id) and --customer-json\n";
    return kExitBadInput;
  }
  if (!options.customer_json.empty()) {
    absl::Status parsed = CustomerFromJsonText(options.customer_json).status();
    if (!parsed.ok()) {
      err << "error: --customer-json: " << View(parsed.message()) << "\n";
      return kExitBadInput;
    }
  }
  EvaluateOptions evaluate;
  evaluate.remote = options.remote;
  evaluate.customer_id = options.customer_id;
  evaluate.customer_json = options.customer_json;
  evaluate.today = options.today;
  evaluate.explain = true;
  return RunEvaluate(evaluate, out, err);
}

int RunEvaluateMany(const EvaluateManyOptions& options, std::ostream& out, std::ostream& err) {
  v1::EvaluateManyRequest request;
  if (!SetEvaluateManyFilter(options, &request, err)) return kExitBadInput;
  if (options.limit < 0) {
    err << "error: --limit must be 0 (no limit) or more\n";
    return kExitBadInput;
  }
  request.set_limit(options.limit);
  request.set_explain(options.explain);
  request.set_today(options.today);

  v1::Decisions::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  SetDeadline(options.remote, kStreamTimeoutSeconds, &context);
  std::unique_ptr<grpc::ClientReader<v1::EvaluateResponse>> reader =
      stub.EvaluateMany(&context, request);
  DecisionTable table;
  v1::EvaluateResponse response;
  while (reader->Read(&response)) {
    if (options.remote.json) {
      PrintJson(response, out);
    } else if (options.explain) {
      out << RenderDecisionWithWhy(response.decision(), true);
    } else {
      table.Add(response.decision());
    }
  }
  const grpc::Status status = reader->Finish();
  if (!options.remote.json && !options.explain) out << table.Render();
  if (!status.ok()) return ReportError(status, options.remote, err);
  return kExitOk;
}

int RunDecisionLog(const DecisionLogOptions& options, std::ostream& out, std::ostream& err) {
  v1::ListLoggedDecisionsRequest request;
  request.set_customer_id(options.customer_id);
  request.set_ruleset_version(options.ruleset_version);
  request.set_page_size(options.page.page_size);
  v1::Decisions::Stub stub(Connect(options.remote));
  std::vector<v1::ListLoggedDecisionsResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::ListLoggedDecisionsResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.ListLoggedDecisions(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err, RenderDecisionLog);
}

}  // namespace clientele::client
