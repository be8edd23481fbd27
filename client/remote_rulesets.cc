// `clientele rules status | reload | watch | versions | diff`: the Rulesets
// service (hot reload), and rule-by-rule diffs of versions or directories.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/exit_codes.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/rulesets.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "rules/diff.h"
#include "rules/ruleset.h"
#include "rules/strings.h"

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

std::string RenderStatus(const v1::RulesetStatus& s) {
  std::string text = RenderFields(
      {{"serving", s.serving() ? StrCat("yes, version ", s.version()) : "NO (health: NOT_SERVING)"},
       {"directory", s.directory()},
       {"loaded at", s.serving() ? s.loaded_at() : "-"},
       {"reloads", StrCat(s.reloads_accepted(), " accepted, ", s.reloads_rejected(), " rejected, ",
                          s.reloads_unchanged(), " unchanged")},
       {"last attempt", AttemptLine(s.last_attempt()).substr(0, AttemptLine(s.last_attempt()).size() - 1)}});
  return text + RenderDiagnostics(s.last_attempt(), "  ");
}

bool Healthy(const v1::RulesetStatus& s) {
  return s.serving() && s.last_attempt().outcome() != "rejected";
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
int ReadSide(const RulesDiffOptions& options, const std::string& what, Side* side,
             std::ostream& err) {
  std::error_code error;
  if (std::filesystem::is_directory(what, error)) {
    absl::StatusOr<std::vector<std::filesystem::path>> paths = rules::RuleSet::RuleFilePaths(what);
    if (!paths.ok()) {
      err << "error: " << what << ": " << View(paths.status().message()) << "\n";
      return kExitBadInput;
    }
    for (const std::filesystem::path& path : *paths) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      side->files.push_back({path.filename().string(), content.str()});
    }
    side->label = StrCat("directory ", what);
    return kExitOk;
  }
  if (!LooksLikeVersion(what)) {
    err << "error: '" << what
        << "' is neither a rules directory nor a version (4 to 12 hex digits, as `clientele "
           "rules versions` lists them)\n";
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

}  // namespace

int RunRulesStatus(const RulesStatusOptions& options, std::ostream& out, std::ostream& err) {
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
  v1::RulesetStatus message;
  int64_t received = 0;
  while (reader->Read(&message)) {
    ++received;
    if (options.remote.json) {
      PrintJson(message, out);
    } else if (received == 1) {
      out << RenderStatus(message) << "watching for reloads (Ctrl-C to stop)\n";
    } else {
      out << AttemptLine(message.last_attempt()) << RenderDiagnostics(message.last_attempt(), "  ");
    }
    out.flush();
    if (options.count > 0 && received >= options.count) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  if (options.count > 0 && received >= options.count) return kExitOk;
  if (!status.ok() && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return ReportError(status, options.remote, err);
  }
  return kExitOk;
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

}  // namespace clientele::client
