// `clientele rules status | reload | watch | versions | diff | simulate`: the
// Rulesets service (hot reload, simulation), and rule-by-rule diffs of
// versions or directories.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "client/connection.h"
#include "client/exit_codes.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/rulesets.grpc.pb.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"
#include "rules/diff.h"
#include "rules/ruleset.h"

namespace clientele::client {
namespace {

// "12.3 ms", "850 µs"
std::string Duration(int64_t micros) {
  if (micros < 1000) return StrCat(micros, " µs");
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", micros / 1000.0);
  return text;
}

std::string RenderDiagnostics(const v1::ReloadAttempt& attempt, std::string_view indent) {
  std::string out;
  for (const v1::RuleDiagnostic& d : attempt.diagnostics()) {
    std::istringstream lines(d.rendered());
    for (std::string line; std::getline(lines, line);) StrAppend(&out, indent, line, "\n");
  }
  return out;
}

// "#3 watch 2026-12-01T10:00:00Z: accepted, serving 1a2b3c4d5e6f (12 ms)"
std::string AttemptLine(const v1::ReloadAttempt& a) {
  if (a.number() == 0) return "no reload attempted yet\n";
  return StrCat("#", a.number(), " ", a.trigger(), " ", a.started_at(), ": ", a.outcome(), " — ",
                a.message(), " (", Duration(a.duration_micros()), ")\n");
}

// The replicas that share this one's database, as it last read them:
// "replicas" and one indented line each; "" without peers (SQLite).
std::string RenderReplicas(const v1::RulesetStatus& s) {
  if (s.replica().empty()) return "";
  std::string out = StrCat("replicas      ", s.replicas_size(), " reporting to the shared database",
                           s.behind_peers() ? "; this one is BEHIND its peers: " : "",
                           s.behind_peers_reason(), "\n");
  Table table({{"REPLICA"}, {"SERVING"}, {"LAST RELOAD"}, {"REPORTED AT"}});
  for (const v1::ReplicaRuleset& r : s.replicas()) {
    table.AddRow({StrCat(r.replica(), r.replica() == s.replica() ? " (this one)" : ""),
                  r.serving_version().empty() ? "NOTHING" : r.serving_version(),
                  r.last_outcome().empty() ? "-" : r.last_outcome(), r.reported_at()});
  }
  return out + table.Render("  ");
}

std::string RenderStatus(const v1::RulesetStatus& s) {
  std::string text = RenderFields(
      {{"serving", s.serving() ? StrCat("yes, version ", s.version()) : "NO (health: NOT_SERVING)"},
       {"directory", s.directory()},
       {"loaded at", s.serving() ? s.loaded_at() : "-"},
       {"reloads", StrCat(s.reloads_accepted(), " accepted, ", s.reloads_rejected(), " rejected, ",
                          s.reloads_unchanged(), " unchanged")},
       {"last attempt", AttemptLine(s.last_attempt()).substr(0, AttemptLine(s.last_attempt()).size() - 1)}});
  return text + RenderDiagnostics(s.last_attempt(), "  ") + RenderReplicas(s);
}

// Behind its peers implies a rejected last reload: unhealthy either way.
bool Healthy(const v1::RulesetStatus& s) {
  return s.serving() && s.last_attempt().outcome() != "rejected" && !s.behind_peers();
}

bool LooksLikeVersion(const std::string& text) {
  if (text.size() < 4 || text.size() > 12) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The files of `what`: a local rules directory, else a version fetched
// from the server. *label says which it was.
struct Side {
  std::vector<rules::RuleSource> files;
  std::string label;
};
// The rule files of a directory, named by their file names as a server
// would show them.
int ReadDirectoryFiles(const std::string& directory, std::vector<rules::RuleSource>* files,
                       std::ostream& err) {
  absl::StatusOr<std::vector<std::filesystem::path>> paths =
      rules::RuleSet::RuleFilePaths(directory);
  if (!paths.ok()) {
    err << "error: " << directory << ": " << View(paths.status().message()) << "\n";
    return kExitBadInput;
  }
  for (const std::filesystem::path& path : *paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in.good() && !in.eof()) {
      err << "error: cannot read " << path.string() << "\n";
      return kExitBadInput;
    }
    files->push_back({path.filename().string(), content.str()});
  }
  return kExitOk;
}

bool IsDirectory(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

constexpr std::string_view kNotDirectoryNorVersion =
    "' is neither a rules directory nor a version (4 to 12 hex digits, as `clientele "
    "rules versions` lists them)\n";

int ReadSide(const RulesDiffOptions& options, const std::string& what, Side* side,
             std::ostream& err) {
  if (IsDirectory(what)) {
    if (int code = ReadDirectoryFiles(what, &side->files, err); code != kExitOk) return code;
    side->label = StrCat("directory ", what);
    return kExitOk;
  }
  if (!LooksLikeVersion(what)) {
    err << "error: '" << what << kNotDirectoryNorVersion;
    return kExitBadInput;
  }
  v1::GetRulesetVersionRequest request;
  request.set_version(what);
  v1::GetRulesetVersionResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Rulesets::Stub::GetRulesetVersion, request, &response);
  if (!status.ok()) return ReportError(status, options.remote, err);
  for (const v1::RulesetSourceFile& f : response.files()) side->files.push_back({f.name(), f.content()});
  side->label = StrCat("version ", response.info().version());
  return kExitOk;
}

nlohmann::json DiffJson(const rules::RuleSetDiff& diff, const Side& before, const Side& after) {
  nlohmann::json changes = nlohmann::json::array();
  for (const rules::RuleChange& c : diff.changes) {
    const char* kind = c.kind == rules::RuleChange::Kind::kAdded     ? "added"
                       : c.kind == rules::RuleChange::Kind::kRemoved ? "removed"
                                                                      : "changed";
    changes.push_back({{"kind", kind}, {"rule", c.rule}, {"file", c.file}, {"details", c.details}});
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const rules::Diagnostic& d : diff.problems) problems.push_back(d.Headline());
  return {{"before", before.label}, {"after", after.label}, {"changes", changes},
          {"problems", problems}};
}

// One replica's answer to GetRulesetStatus.
struct ReplicaStatus {
  std::string server;
  grpc::Status call;
  v1::RulesetStatus status;
};

// The servers of a fleet, each asked on a channel of its own: a table of
// the version each serves and its last reload; exit 1 unless every one
// serves the same version and none rejected its last reload.
int RunFleetStatus(const RulesStatusOptions& options, const std::vector<std::string>& servers,
                   std::ostream& out, std::ostream& err) {
  std::vector<ReplicaStatus> replicas;
  for (const std::string& server : servers) {
    RemoteOptions one = options.remote;
    one.server = server;
    ReplicaStatus& replica = replicas.emplace_back();
    replica.server = server;
    if (absl::Status prepared = PrepareConnection(&one); !prepared.ok()) {
      err << "error: " << prepared.message() << "\n";
      return kExitBadInput;
    }
    replica.call = CallUnary(one, &v1::Rulesets::Stub::GetRulesetStatus,
                             v1::GetRulesetStatusRequest(), &replica.status);
  }
  std::set<std::string> versions;
  int unreachable = 0, unhealthy = 0;
  for (const ReplicaStatus& r : replicas) {
    if (!r.call.ok()) {
      ++unreachable;
      continue;
    }
    if (!Healthy(r.status)) ++unhealthy;
    versions.insert(r.status.serving() ? r.status.version() : "");
  }
  if (options.remote.json) {
    for (const ReplicaStatus& r : replicas) {
      out << "{\"server\":" << nlohmann::json(r.server).dump() << ",";
      if (r.call.ok()) {
        std::ostringstream status;
        PrintJson(r.status, status);
        std::string line = status.str();
        while (!line.empty() && line.back() == '\n') line.pop_back();
        out << "\"status\":" << line << "}\n";
      } else {
        out << "\"error\":" << nlohmann::json(r.call.error_message()).dump() << "}\n";
      }
    }
  } else {
    Table table({{"SERVER"}, {"SERVING"}, {"LOADED AT"}, {"LAST RELOAD"}, {"PEERS"}});
    for (const ReplicaStatus& r : replicas) {
      if (!r.call.ok()) {
        table.AddRow({r.server, "unreachable", "-", r.call.error_message(), "-"});
        continue;
      }
      const v1::ReloadAttempt& last = r.status.last_attempt();
      table.AddRow({r.server, r.status.serving() ? r.status.version() : "NOTHING",
                    r.status.serving() ? r.status.loaded_at() : "-",
                    last.number() == 0 ? "-" : StrCat(last.outcome(), " at ", last.started_at()),
                    r.status.replica().empty() ? "-"
                    : r.status.behind_peers()  ? "BEHIND"
                                               : StrCat(r.status.replicas_size(), " reporting")});
    }
    out << table.Render();
    if (unreachable == 0 && unhealthy == 0 && versions.size() == 1) {
      out << "all " << replicas.size() << " serve " << *versions.begin() << "\n";
    } else if (versions.size() > 1) {
      out << "the replicas serve " << versions.size()
          << " different versions: a replica that rejected what its peers accepted keeps "
             "serving the one before (clientele rules status --server ONE shows its "
             "diagnostics)\n";
    }
  }
  if (unreachable > 0) return ExitCodeFor(grpc::StatusCode::UNAVAILABLE);
  return unhealthy == 0 && versions.size() == 1 ? kExitOk : kExitRuleErrors;
}

}  // namespace

int RunRulesStatus(const RulesStatusOptions& options, std::ostream& out, std::ostream& err) {
  if (const std::vector<std::string> servers = SplitServers(options.remote.server);
      servers.size() > 1) {
    return RunFleetStatus(options, servers, out, err);
  }
  v1::RulesetStatus response;
  const grpc::Status status = CallUnary(options.remote, &v1::Rulesets::Stub::GetRulesetStatus,
                                        v1::GetRulesetStatusRequest(), &response);
  const int code = PrintResult(status, response, options.remote, out, err, RenderStatus);
  return code == kExitOk && !Healthy(response) ? kExitRuleErrors : code;
}

int RunRulesReload(const RulesReloadOptions& options, std::ostream& out, std::ostream& err) {
  v1::ReloadRulesetResponse response;
  const grpc::Status status = CallUnary(options.remote, &v1::Rulesets::Stub::ReloadRuleset,
                                        v1::ReloadRulesetRequest(), &response);
  const int code = PrintResult(status, response, options.remote, out, err,
                               [](const v1::ReloadRulesetResponse& r) {
                                 return AttemptLine(r.attempt()) +
                                        RenderDiagnostics(r.attempt(), "  ");
                               });
  return code == kExitOk && response.attempt().outcome() == "rejected" ? kExitRuleErrors : code;
}

int RunRulesWatch(const RulesWatchOptions& options, std::ostream& out, std::ostream& err) {
  if (options.count < 0) {
    err << "error: --count must be 0 (no end) or more\n";
    return kExitBadInput;
  }
  v1::Rulesets::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  // Watching has no end of its own: a deadline only when one was asked for.
  if (options.remote.timeout_seconds > 0) SetDeadline(options.remote, 0, &context);
  std::unique_ptr<grpc::ClientReader<v1::RulesetStatus>> reader =
      stub.WatchRuleset(&context, v1::WatchRulesetRequest());
  return FollowStream(context, *reader, options.count, options.remote, out, err,
                      [&](const v1::RulesetStatus& message, int64_t received) {
                        if (options.remote.json) {
                          PrintJson(message, out);
                        } else if (received == 1) {
                          out << RenderStatus(message) << "watching for reloads (Ctrl-C to stop)\n";
                        } else {
                          out << AttemptLine(message.last_attempt())
                              << RenderDiagnostics(message.last_attempt(), "  ");
                        }
                      });
}

int RunRulesVersions(const RulesVersionsOptions& options, std::ostream& out, std::ostream& err) {
  v1::ListRulesetVersionsRequest request;
  request.set_limit(options.limit);
  v1::ListRulesetVersionsResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Rulesets::Stub::ListRulesetVersions, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [](const v1::ListRulesetVersionsResponse& r) {
                       Table table({{"VERSION"}, {"FIRST SERVED"}, {"LAST SERVED"},
                                    {"TIMES", Table::Align::kRight}, {""}});
                       for (const v1::RulesetVersionInfo& v : r.versions()) {
                         table.AddRow({v.version(), v.first_served_at(), v.last_served_at(),
                                       StrCat(v.times_served()), v.serving() ? "serving" : ""});
                       }
                       return table.Render() + StrCat(r.versions_size(), " versions\n");
                     });
}

int RunRulesDiff(const RulesDiffOptions& options, std::ostream& out, std::ostream& err) {
  Side before, after;
  if (int code = ReadSide(options, options.before, &before, err); code != kExitOk) return code;
  if (int code = ReadSide(options, options.after, &after, err); code != kExitOk) return code;
  const rules::RuleSetDiff diff = rules::DiffRuleSources(before.files, after.files);
  if (options.remote.json) {
    out << DiffJson(diff, before, after).dump() << "\n";
  } else {
    out << "from " << before.label << "\n  to " << after.label << "\n"
        << rules::FormatRuleSetDiff(diff);
  }
  return diff.problems.empty() ? kExitOk : kExitRuleErrors;
}

namespace {

// 1234567 -> "1,234,567"
std::string Thousands(int64_t n) {
  const std::string digits = StrCat(n);
  const size_t sign = n < 0 ? 1 : 0;
  std::string out = digits.substr(0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Signed(int64_t n) { return n > 0 ? "+" + Thousands(n) : Thousands(n); }

std::string Segment(const std::string& name) { return name.empty() ? "(none)" : name; }

std::string Examples(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.empty()) return "";
  return StrCat("e.g. ", StrJoin(ids, ", "));
}

// The segments of one side of a dimension's movements, most customers first.
std::vector<std::string> Sides(const v1::DimensionSimulation& d, bool from) {
  std::map<std::string, int64_t> sizes;
  for (const v1::SegmentMovement& m : d.movements()) sizes[from ? m.from() : m.to()] += m.customers();
  std::vector<std::string> names;
  for (const auto& [name, size] : sizes) names.push_back(name);
  std::stable_sort(names.begin(), names.end(),
                   [&](const std::string& a, const std::string& b) { return sizes[a] > sizes[b]; });
  return names;
}

// A from → to matrix of customer counts (rows: served, columns: candidate).
std::string RenderMatrix(const v1::DimensionSimulation& d) {
  constexpr size_t kMaxColumns = 10;
  const std::vector<std::string> rows = Sides(d, true), columns = Sides(d, false);
  if (rows.size() > kMaxColumns || columns.size() > kMaxColumns) return "";
  std::vector<Table::Column> header = {{"SERVING \\ CANDIDATE"}};
  for (const std::string& c : columns) header.push_back({Segment(c), Table::Align::kRight});
  Table table(std::move(header));
  for (const std::string& r : rows) {
    std::vector<std::string> cells = {Segment(r)};
    for (const std::string& c : columns) {
      int64_t n = 0;
      for (const v1::SegmentMovement& m : d.movements()) {
        if (m.from() == r && m.to() == c) n = m.customers();
      }
      cells.push_back(n == 0 ? "·" : Thousands(n));
    }
    table.AddRow(std::move(cells));
  }
  return table.Render("    ");
}

std::string RenderDimensionSimulation(const v1::DimensionSimulation& d, int64_t customers) {
  std::string out = StrCat("  ", d.dimension());
  if (!d.in_serving()) out += " (new in the candidate)";
  if (!d.in_candidate()) out += " (not in the candidate)";
  if (d.customers_moved() == 0) return StrCat(out, ": no customer moves\n");
  StrAppend(&out, ": ", Thousands(d.customers_moved()), " of ", Thousands(customers),
            " customers move\n", RenderMatrix(d));
  Table moves({{""}, {""}, {"", Table::Align::kRight}, {""}});
  for (const v1::SegmentMovement& m : d.movements()) {
    if (m.from() == m.to()) continue;
    moves.AddRow({Segment(m.from()), StrCat("→ ", Segment(m.to())), Thousands(m.customers()),
                  Examples(m.examples())});
  }
  return out + moves.Render("    ");
}

// "1 loses it (e.g. c-1)", "3 keep it": a count of customers in words.
std::string CustomersWho(int64_t n, std::string_view one, std::string_view many,
                         const google::protobuf::RepeatedPtrField<std::string>& examples) {
  std::string out = StrCat(Thousands(n), " ", n == 1 ? one : many, " it");
  if (!examples.empty()) StrAppend(&out, " (", Examples(examples), ")");
  return out;
}

// Each offer in words ("2 keep it, 1 loses it (e.g. demo-13)"): a column of
// signed counts read as "-1 customers" to people.
std::string RenderOffers(const v1::SimulateRulesetResponse& r) {
  if (r.offers().empty()) return "  offers: none granted by either version\n";
  Table table({{""}, {""}});
  for (const v1::OfferSimulation& o : r.offers()) {
    std::vector<std::string> parts;
    if (o.kept() > 0) parts.push_back(CustomersWho(o.kept(), "keeps", "keep", {}));
    if (o.gained() > 0) {
      parts.push_back(CustomersWho(o.gained(), "gains", "gain", o.gained_examples()));
    }
    if (o.lost() > 0) parts.push_back(CustomersWho(o.lost(), "loses", "lose", o.lost_examples()));
    if (o.stacked_out() > 0) {
      // Sorted for a stable line: a protobuf map has no order.
      std::map<std::string, int64_t> to(o.stacked_out_to().begin(), o.stacked_out_to().end());
      std::vector<std::string> winners;
      for (const auto& [winner, n] : to) winners.push_back(StrCat(winner, " ", Thousands(n)));
      parts.push_back(StrCat(CustomersWho(o.stacked_out(), "loses", "lose",
                                          o.stacked_out_examples()),
                             " to stacking (to ", StrJoin(winners, ", "), ")"));
    }
    table.AddRow({o.offer(), StrJoin(parts, ", ")});
  }
  return "  offers, by the customers who have them:\n" + table.Render("    ");
}

std::string RenderPoints(const v1::PointsSimulation& p) {
  std::string out = StrCat("  points, replaying the purchases of ", p.purchases_from(), " to ",
                           p.purchases_to(), ": ", Thousands(p.purchases()),
                           p.purchases() == 1 ? " purchase\n" : " purchases\n");
  if (p.purchases() == 0) return out;
  const int64_t change = p.candidate_points() - p.serving_points();
  StrAppend(&out, "    serving ", Thousands(p.serving_points()), " points, candidate ",
            Thousands(p.candidate_points()), " (", Signed(change));
  if (p.serving_points() != 0) {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%+.1f %%", 100.0 * change / p.serving_points());
    StrAppend(&out, ", ", percent);
  }
  StrAppend(&out, "); ", Thousands(p.customers_changed()),
            p.customers_changed() == 1 ? " customer" : " customers", " would get other points",
            p.examples().empty() ? "" : StrCat(", ", Examples(p.examples())), "\n");
  std::map<std::string, std::pair<const v1::EarningRuleSimulation*, const v1::EarningRuleSimulation*>>
      rules;
  for (const auto& r : p.serving_rules()) rules[r.rule_id()].first = &r;
  for (const auto& r : p.candidate_rules()) rules[r.rule_id()].second = &r;
  Table table({{"EARNING RULE"}, {"SERVING PURCHASES", Table::Align::kRight},
               {"POINTS", Table::Align::kRight}, {"CANDIDATE PURCHASES", Table::Align::kRight},
               {"POINTS", Table::Align::kRight}});
  auto cell = [](const v1::EarningRuleSimulation* r, bool points) {
    if (r == nullptr) return std::string("-");
    return Thousands(points ? r->points() : r->purchases());
  };
  for (const auto& [id, pair] : rules) {
    table.AddRow({id, cell(pair.first, false), cell(pair.first, true), cell(pair.second, false),
                  cell(pair.second, true)});
  }
  return out + table.Render("    ");
}

// The candidate's own tests first: a candidate whose tests fail would be
// refused when published, however good its simulation looks.
// `directory`: the candidate's local folder, which names the files as
// `rules validate` does (the server knows only their names); "" for a
// version served before.
std::string RenderCandidateTests(const v1::SimulateRulesetResponse& r, const std::string& directory) {
  if (r.test_failures_size() == 0) {
    return r.tests_passed() > 0 ? StrCat("the candidate's ", r.tests_passed(),
                                         r.tests_passed() == 1 ? " test passes" : " tests pass", "\n")
                                : "";
  }
  std::string out;
  for (const v1::RuleDiagnostic& d : r.test_failures()) {
    const bool named = !directory.empty() && !d.file().empty() && d.rendered().starts_with(d.file());
    out += named ? (std::filesystem::path(directory) / d.file()).string() +
                       d.rendered().substr(d.file().size())
                 : d.rendered();
  }
  StrAppend(&out, "the candidate's tests: ", r.tests_passed(), " passed, ", r.tests_failed(),
            " failed", r.tests_failed() == 0 ? ", and the tests have mistakes" : "",
            " - publishing it would be refused\n");
  return out;
}

std::string RenderSimulation(const v1::SimulateRulesetResponse& r, const std::string& label,
                             const std::string& directory) {
  std::string out = RenderCandidateTests(r, directory) + StrCat("candidate ", r.candidate_version(), " (", label, ") against serving ",
                           r.serving_version(), "\n", Thousands(r.customers()),
                           " stored customers evaluated as of ", r.today(), " in ",
                           Duration(r.elapsed_micros()), "\n");
  if (r.evaluation_errors() > 0) {
    StrAppend(&out, "  ", Thousands(r.evaluation_errors()),
              " customers could not be evaluated and are left out; first: ", r.first_error(), "\n");
  }
  out += "segments:\n";
  for (const v1::DimensionSimulation& d : r.dimensions()) {
    out += RenderDimensionSimulation(d, r.customers());
  }
  out += RenderDimensionSimulation(r.tiers(), r.customers());
  return out + RenderOffers(r) + RenderPoints(r.points());
}

}  // namespace

int RunRulesSimulate(const RulesSimulateOptions& options, std::ostream& out, std::ostream& err) {
  v1::SimulateRulesetRequest request;
  std::string label;
  std::string directory;  // of a candidate read from a folder
  if (IsDirectory(options.candidate)) {
    std::vector<rules::RuleSource> files;
    if (int code = ReadDirectoryFiles(options.candidate, &files, err); code != kExitOk) return code;
    // Errors are shown here, with their carets, before anything is sent,
    // and name the files as `rules validate` does (DIR/offers.yaml); the
    // server gets the bare names, as its own directory has them.
    std::vector<rules::RuleSource> named = files;
    for (rules::RuleSource& f : named) {
      f.path = (std::filesystem::path(options.candidate) / f.path).string();
    }
    rules::LoadResult loaded = rules::RuleSet::LoadSources(named);
    if (!loaded.diagnostics.empty()) err << rules::FormatDiagnostics(loaded.diagnostics);
    if (!loaded.ok()) return kExitRuleErrors;
    for (const rules::RuleSource& f : files) {
      v1::RulesetSourceFile* file = request.add_files();
      file->set_name(f.path);
      file->set_content(f.content);
    }
    label = StrCat("directory ", options.candidate);
    directory = options.candidate;
  } else if (LooksLikeVersion(options.candidate)) {
    request.set_version(options.candidate);
    label = "a version served before";
  } else {
    err << "error: '" << options.candidate << kNotDirectoryNorVersion;
    return kExitBadInput;
  }
  request.set_today(options.today);
  request.set_purchases_from(options.purchases_from);
  request.set_purchases_to(options.purchases_to);
  request.set_examples(options.show);

  v1::Rulesets::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  SetDeadline(options.remote, kSimulationTimeoutSeconds, &context);
  v1::SimulateRulesetResponse response;
  const grpc::Status status = stub.SimulateRuleset(&context, request, &response);
  const int code =
      PrintResult(status, response, options.remote, out, err,
                  [&](const v1::SimulateRulesetResponse& r) {
                    return RenderSimulation(r, label, directory);
                  });
  // Like `rules test`: a candidate whose own tests fail exits 1.
  return code == kExitOk && response.test_failures_size() > 0 ? kExitRuleErrors : code;
}

}  // namespace clientele::client
