// Customers' stored segments and their changes (records.h
// SegmentMembershipRecord, SegmentChangeRecord), and the RFM quantiles
// computed over the customers (rules/rfm.h), which customer reads score
// with.
#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "common/strings.h"
#include "rules/rfm.h"
#include "server/store/sql/connection.h"
#include "server/store/sql/values.h"

namespace clientele::server::sql {
namespace {

constexpr const char* kMemberColumns =
    "SELECT customer_id, dimension, segment, since, ruleset_version, computed_at "
    "FROM segment_members ";

SegmentMembershipRecord RowToMember(sql::Statement& s) {
  SegmentMembershipRecord m;
  m.customer_id = s.getColumn(0).getString();
  m.dimension = s.getColumn(1).getString();
  m.segment = s.getColumn(2).getString();
  m.since = s.getColumn(3).getString();
  m.ruleset_version = s.getColumn(4).getString();
  m.computed_at = s.getColumn(5).getString();
  return m;
}

SegmentChangeRecord RowToChange(sql::Statement& s) {
  SegmentChangeRecord c;
  c.sequence = s.getColumn(0).getInt64();
  c.customer_id = s.getColumn(1).getString();
  c.dimension = s.getColumn(2).getString();
  c.from_segment = s.getColumn(3).getString();
  c.to_segment = s.getColumn(4).getString();
  c.ruleset_version = s.getColumn(5).getString();
  c.cause = s.getColumn(6).getString();
  c.changed_at = s.getColumn(7).getString();
  return c;
}

// Cut points are stored as "30,90,180,365" ("" none).
std::string CutsText(const rules::RfmCutPoints& cuts) {
  std::string text;
  for (int64_t cut : cuts) StrAppend(&text, text.empty() ? "" : ",", cut);
  return text;
}

rules::RfmCutPoints CutsFrom(const std::string& text) {
  rules::RfmCutPoints cuts;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    int64_t cut = 0;
    // A value that is no number (a row written by hand) is left out.
    if (absl::SimpleAtoi(text.substr(begin, end - begin), &cut)) {
      cuts.push_back(cut);
    }
    begin = end + 1;
  }
  return cuts;
}

}  // namespace

void Connection::NoteCustomerChanged(std::string_view customer_id) {
  if (customer_id.empty()) return;  // anonymous feedback
  if (std::find(changed_customers_.begin(), changed_customers_.end(), customer_id) ==
      changed_customers_.end()) {
    changed_customers_.emplace_back(customer_id);
  }
}

std::vector<SegmentMembershipRecord> Connection::ReadCustomerSegments(
    std::string_view customer_id) {
  sql::Statement& s = Prepared(StrCat(kMemberColumns, "WHERE customer_id = ?"));
  Done done{s};
  s.bind(1, std::string(customer_id));
  std::vector<SegmentMembershipRecord> members;
  while (s.executeStep()) members.push_back(RowToMember(s));
  return members;
}

std::vector<SegmentChangeRecord> Connection::UnsafeSetSegments(
    std::string_view customer_id, const std::vector<SegmentMembershipRecord>& segments,
    std::string_view ruleset_version, std::string_view cause, bool confirm) {
  std::map<std::string, SegmentMembershipRecord, std::less<>> before;
  for (SegmentMembershipRecord& m : ReadCustomerSegments(customer_id)) {
    std::string dimension = m.dimension;
    before.emplace(std::move(dimension), std::move(m));
  }
  std::map<std::string_view, std::string_view> after;
  for (const SegmentMembershipRecord& m : segments) {
    if (!m.segment.empty()) after.emplace(m.dimension, m.segment);
  }
  const std::string now = NowText();
  std::vector<SegmentChangeRecord> changes;
  auto change = [&](std::string_view dimension, std::string_view from, std::string_view to) {
    sql::Statement& s = Prepared(
        "INSERT INTO segment_changes (customer_id, dimension, from_segment, to_segment, "
        "ruleset_version, cause, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING sequence");
    Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, std::string(dimension));
    s.bind(3, std::string(from));
    s.bind(4, std::string(to));
    s.bind(5, std::string(ruleset_version));
    s.bind(6, std::string(cause));
    s.bind(7, now);
    s.executeStep();
    changes.push_back({s.getColumn(0).getInt64(), std::string(customer_id), std::string(dimension),
                       std::string(from), std::string(to), std::string(ruleset_version),
                       std::string(cause), now});
  };
  for (const auto& [dimension, member] : before) {
    if (after.contains(dimension)) continue;
    sql::Statement& s =
        Prepared("DELETE FROM segment_members WHERE customer_id = ? AND dimension = ?");
    Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, dimension);
    s.exec();
    change(dimension, member.segment, "");
  }
  for (const auto& [dimension, segment] : after) {
    auto was = before.find(dimension);
    const bool same = was != before.end() && was->second.segment == segment;
    if (same && !confirm && was->second.ruleset_version == ruleset_version) continue;
    // A new segment starts now; the same one keeps its `since`.
    sql::Statement& s = Prepared(
        "INSERT INTO segment_members (customer_id, dimension, segment, since, ruleset_version, "
        "computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?4) ON CONFLICT (customer_id, dimension) DO "
        "UPDATE SET segment = ?3, "
        "since = CASE WHEN segment_members.segment = ?3 THEN segment_members.since ELSE ?4 END, "
        "ruleset_version = ?5, computed_at = ?4");
    Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, std::string(dimension));
    s.bind(3, std::string(segment));
    s.bind(4, now);
    s.bind(5, std::string(ruleset_version));
    s.exec();
    if (!same) change(dimension, was == before.end() ? "" : was->second.segment, segment);
  }
  for (const SegmentChangeRecord& c : changes) segment_changes_.Note(c);
  return changes;
}

std::vector<SegmentChangeRecord> Connection::ReadSegmentChanges(const SegmentChangeQuery& query) {
  // Only the filters given, so that SQLite can pick an index for them.
  std::string where = "WHERE sequence > ?1";
  if (!query.customer_id.empty()) where += " AND customer_id = ?2";
  if (!query.dimension.empty()) where += " AND dimension = ?3";
  if (!query.segment.empty()) where += " AND (from_segment = ?4 OR to_segment = ?4)";
  sql::Statement& s = Prepared(StrCat(
      "SELECT sequence, customer_id, dimension, from_segment, to_segment, ruleset_version, cause, "
      "changed_at FROM segment_changes ",
      where, " ORDER BY sequence LIMIT ?5"));
  Done done{s};
  s.bind(1, query.after_sequence);
  s.bind(2, query.customer_id);
  s.bind(3, query.dimension);
  s.bind(4, query.segment);
  s.bind(5, query.limit);
  std::vector<SegmentChangeRecord> changes;
  while (s.executeStep()) changes.push_back(RowToChange(s));
  return changes;
}

std::vector<SegmentMembershipRecord> Connection::ReadSegmentMembers(std::string_view dimension,
                                                                    std::string_view segment,
                                                                    std::string_view after_id,
                                                                    int limit) {
  sql::Statement& s = Prepared(StrCat(
      kMemberColumns,
      "WHERE dimension = ? AND segment = ? AND customer_id > ? ORDER BY customer_id LIMIT ?"));
  Done done{s};
  s.bind(1, std::string(dimension));
  s.bind(2, std::string(segment));
  s.bind(3, std::string(after_id));
  s.bind(4, limit);
  std::vector<SegmentMembershipRecord> members;
  while (s.executeStep()) members.push_back(RowToMember(s));
  return members;
}

std::optional<rules::RfmQuantiles> Connection::ReadRfmQuantiles(int32_t window_days) {
  sql::Statement& s = Prepared(
      "SELECT recency, frequency, monetary, customers, ruleset_version, computed_at "
      "FROM rfm_quantiles WHERE window_days = ?");
  Done done{s};
  s.bind(1, window_days);
  if (!s.executeStep()) return std::nullopt;
  rules::RfmQuantiles q;
  q.window_days = window_days;
  q.recency = CutsFrom(s.getColumn(0).getString());
  q.frequency = CutsFrom(s.getColumn(1).getString());
  q.monetary = CutsFrom(s.getColumn(2).getString());
  q.customers = s.getColumn(3).getInt64();
  q.ruleset_version = s.getColumn(4).getString();
  q.computed_at = s.getColumn(5).getString();
  return q;
}

void Connection::ScoreRfm(const rules::RfmModel* model, Date today, Customer* c) {
  if (model == nullptr) return;
  std::optional<rules::RfmQuantiles> quantiles;
  if (model->UsesQuantiles()) quantiles = ReadRfmQuantiles(model->window_days);
  rules::ScoreRfm(*model, quantiles ? &*quantiles : nullptr, today, c);
}

// ------------------------------------------- the Transaction's methods

absl::StatusOr<std::vector<SegmentChangeRecord>> Connection::SetSegments(
    std::string_view customer_id, const std::vector<SegmentMembershipRecord>& segments,
    std::string_view ruleset_version, std::string_view cause, bool confirm) {
  return Guarded("storing segments", [&]() -> absl::StatusOr<std::vector<SegmentChangeRecord>> {
    return UnsafeSetSegments(customer_id, segments, ruleset_version, cause, confirm);
  });
}

absl::StatusOr<std::vector<std::string>> Connection::CustomerIdsAfter(std::string_view after_id,
                                                                      int limit) {
  return Guarded("listing customers", [&]() -> absl::StatusOr<std::vector<std::string>> {
    sql::Statement& s = Prepared("SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?");
    Done done{s};
    s.bind(1, std::string(after_id));
    s.bind(2, limit);
    std::vector<std::string> ids;
    while (s.executeStep()) ids.push_back(s.getColumn(0).getString());
    return ids;
  });
}

absl::Status Connection::PutRfmQuantiles(const rules::RfmQuantiles& q) {
  return Guarded("storing RFM quantiles", [&] {
    sql::Statement& s = Prepared(
        "INSERT INTO rfm_quantiles (window_days, recency, frequency, monetary, customers, "
        "ruleset_version, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (window_days) DO UPDATE SET recency = excluded.recency, "
        "frequency = excluded.frequency, monetary = excluded.monetary, "
        "customers = excluded.customers, ruleset_version = excluded.ruleset_version, "
        "computed_at = excluded.computed_at");
    Done done{s};
    s.bind(1, q.window_days);
    s.bind(2, CutsText(q.recency));
    s.bind(3, CutsText(q.frequency));
    s.bind(4, CutsText(q.monetary));
    s.bind(5, q.customers);
    s.bind(6, q.ruleset_version);
    s.bind(7, q.computed_at.empty() ? NowText() : q.computed_at);
    s.exec();
    return absl::OkStatus();
  });
}

}  // namespace clientele::server::sql
