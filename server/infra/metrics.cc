#include "server/infra/metrics.h"

#include <algorithm>
#include <vector>

#include "common/strings.h"

namespace clientele::server {
namespace {

// A label value with \, " and newlines escaped, as the format requires.
std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Seconds as the shortest text that reads back exactly enough.
std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", seconds);
  return text;
}

void Header(std::string_view name, std::string_view type, std::string_view help, std::string* out) {
  StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

void Histogram::Observe(std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  const size_t bucket = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(duration.count(), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBounds.size() ? Seconds(kBounds[i]) : "+Inf";
    StrAppend(out, name, "_bucket{", labels, "le=\"", le, "\"} ", cumulative, "\n");
  }
  const std::string bare =
      labels.empty() ? "" : StrCat("{", labels.substr(0, labels.size() - 1), "}");
  StrAppend(out, name, "_sum", bare, " ",
            Seconds(static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9), "\n");
  // The count is the buckets' total, so that the two never disagree.
  StrAppend(out, name, "_count", bare, " ", cumulative, "\n");
}

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics;  // never destroyed: threads may record until exit
  return *metrics;
}

void Metrics::RecordCall(std::string_view method, absl::StatusCode code,
                         std::chrono::nanoseconds duration) {
  CallStats* stats = calls_.Find(method);
  const size_t index = std::min<size_t>(static_cast<size_t>(code), stats->by_code.size() - 1);
  stats->by_code[index].fetch_add(1, std::memory_order_relaxed);
  stats->duration.Observe(duration);
}

void Metrics::RecordReload(std::string_view outcome) {
  reloads_.Find(outcome)->fetch_add(1, std::memory_order_relaxed);
}

void Metrics::SetServedVersion(std::string_view version) {
  absl::MutexLock lock(&served_version_mutex_);
  served_version_ = std::string(version);
}

void Metrics::SetBehindPeers(bool behind) {
  behind_peers_.store(behind, std::memory_order_relaxed);
}

void Metrics::RecordMatch(std::string_view kind, std::string_view rule_id) {
  if (rule_id.empty()) return;
  std::string key;
  key.reserve(kind.size() + 1 + rule_id.size());
  key.append(kind).push_back('\0');
  key.append(rule_id);
  matches_.Find(key)->fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RecordMatches(const rules::Decision& decision) {
  for (const rules::SegmentAssignment& s : decision.segments) {
    if (s.rule_id != "default") RecordMatch("segment", s.rule_id);
  }
  for (const rules::OfferGrant& o : decision.offers) RecordMatch("offer", o.rule_id);
  for (const rules::ImprovementProposal& p : decision.improvements) {
    RecordMatch("improvement", p.rule_id);
  }
}

void Metrics::RecordDatabase(std::string_view operation, std::chrono::nanoseconds duration) {
  database_.Find(operation)->Observe(duration);
}

void Metrics::RecordPoints(int64_t delta) {
  if (delta > 0) points_awarded_.fetch_add(static_cast<uint64_t>(delta), std::memory_order_relaxed);
  if (delta < 0) {
    points_taken_back_.fetch_add(static_cast<uint64_t>(-delta), std::memory_order_relaxed);
  }
}

void Metrics::RecordDecisionLog(std::string_view outcome, uint64_t count) {
  decision_log_.Find(outcome)->fetch_add(count, std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  std::string out;

  Header("clientele_rpc_total", "counter", "RPCs finished, by method and status code.", &out);
  for (const auto& [method, stats] : calls_.Sorted()) {
    for (size_t code = 0; code < stats->by_code.size(); ++code) {
      const uint64_t count = stats->by_code[code].load(std::memory_order_relaxed);
      if (count == 0) continue;
      StrAppend(&out, "clientele_rpc_total{method=\"", Escape(method), "\",code=\"",
                absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), "\"} ", count, "\n");
    }
  }
  Header("clientele_rpc_duration_seconds", "histogram",
         "Time from a call's start to its status, by method.", &out);
  for (const auto& [method, stats] : calls_.Sorted()) {
    stats->duration.Render("clientele_rpc_duration_seconds",
                           StrCat("method=\"", Escape(method), "\","), &out);
  }

  Header("clientele_ruleset_info", "gauge", "1 for the ruleset version being served.", &out);
  {
    absl::ReaderMutexLock lock(&served_version_mutex_);
    if (!served_version_.empty()) {
      StrAppend(&out, "clientele_ruleset_info{version=\"", Escape(served_version_), "\"} 1\n");
    }
  }
  Header("clientele_ruleset_behind_peers", "gauge",
         "1 while this replica's last reload was rejected and a peer serves another version.",
         &out);
  StrAppend(&out, "clientele_ruleset_behind_peers ",
            behind_peers_.load(std::memory_order_relaxed) ? 1 : 0, "\n");
  Header("clientele_ruleset_reloads_total", "counter",
         "Reload attempts, by outcome: accepted, rejected, unchanged.", &out);
  for (const auto& [outcome, count] : reloads_.Sorted()) {
    StrAppend(&out, "clientele_ruleset_reloads_total{outcome=\"", Escape(outcome), "\"} ",
              count->load(std::memory_order_relaxed), "\n");
  }

  Header("clientele_rule_matches_total", "counter",
         "Rules that decided a served decision, by kind and rule id.", &out);
  for (const auto& [key, count] : matches_.Sorted()) {
    const size_t split = key.find('\0');
    StrAppend(&out, "clientele_rule_matches_total{kind=\"", Escape(key.substr(0, split)),
              "\",rule=\"", Escape(key.substr(split + 1)), "\"} ",
              count->load(std::memory_order_relaxed), "\n");
  }

  Header("clientele_database_seconds", "histogram",
         "Database work: a read (waiting for a connection included) or a group commit.", &out);
  for (const auto& [operation, histogram] : database_.Sorted()) {
    histogram->Render("clientele_database_seconds",
                      StrCat("operation=\"", Escape(operation), "\","), &out);
  }

  Header("clientele_points_awarded_total", "counter", "Loyalty points earned by purchases.", &out);
  StrAppend(&out, "clientele_points_awarded_total ",
            points_awarded_.load(std::memory_order_relaxed), "\n");
  Header("clientele_points_taken_back_total", "counter",
         "Loyalty points taken back by returns and cancellations.", &out);
  StrAppend(&out, "clientele_points_taken_back_total ",
            points_taken_back_.load(std::memory_order_relaxed), "\n");
  Header("clientele_decision_log_entries_total", "counter",
         "Decision log entries, by outcome: written, expired (removed by retention), dropped "
         "(queue full), failed (their write failed).",
         &out);
  for (const auto& [outcome, count] : decision_log_.Sorted()) {
    StrAppend(&out, "clientele_decision_log_entries_total{outcome=\"", Escape(outcome), "\"} ",
              count->load(std::memory_order_relaxed), "\n");
  }
  return out;
}

}  // namespace clientele::server
