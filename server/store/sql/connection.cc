// The connection's setup, statement cache, idempotency keys and row
// mappings (the transaction's operations are in transaction.cc).
#include "server/store/sql/connection.h"

#include <iterator>

#include "common/status_details.h"
#include "common/strings.h"
#include "server/store/sql/values.h"

namespace clientele::server::sql {

using rules::Customer;
using rules::Date;
using rules::Decimal;

Connection::Connection(const SqlStoreOptions& options, std::unique_ptr<sql::Database> db)
    : options_(options), db_(std::move(db)) {}

sql::Statement& Connection::Prepared(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    std::unique_ptr<sql::Statement> statement = db_->Prepare(sql);
    return *statements_.emplace(std::string(sql), std::move(statement)).first->second;
  }
  found->second->reset();
  return *found->second;
}

Connection::ReadTransaction::ReadTransaction(Connection& connection) : connection_(connection) {
  connection_.db_->BeginRead();
}

Connection::ReadTransaction::~ReadTransaction() {
  try {
    connection_.db_->Commit();
  } catch (const sql::Error&) {
    // The rollback ends the transaction all the same.
    connection_.db_->Rollback();
  }
}

void Connection::AddMonth(sql::Statement& months, MonthStats* stats) {
  stats->Add(months.getColumn(1).getInt(), months.getColumn(2).getInt64(),
             months.getColumn(3).getInt64(), months.getColumn(4).getInt64());
}

void Connection::AddMonthsOf(sql::Statement& months, std::string_view customer_id, bool* more,
                             MonthStats* stats) {
  // Text in SQLite's BINARY order, which string_view's comparison follows.
  for (; *more && std::string_view(months.getColumn(0).getText()) <= customer_id;
       *more = months.executeStep()) {
    if (std::string_view(months.getColumn(0).getText()) == customer_id) AddMonth(months, stats);
  }
}

MonthStats Connection::StatsAsOf(const CustomerAsOf& as_of) const {
  return MonthStats(StatsWindow(as_of.today), as_of.qualifying);
}

std::pair<int, int> Connection::StatsWindow(Date today) const {
  const int current = MonthIndex(today);
  return {current - options_.stats_window_months + 1, current};
}

LedgerEntry Connection::RowToLedgerEntry(sql::Statement& s) {
  LedgerEntry e;
  e.id = s.getColumn(0).getInt64();
  e.customer_id = s.getColumn(1).getString();
  e.delta = s.getColumn(2).getInt64();
  e.reason = s.getColumn(3).getString();
  e.rule_id = s.getColumn(4).getString();
  e.ruleset_version = s.getColumn(5).getString();
  e.source = s.getColumn(6).getString();
  e.recorded_at = s.getColumn(7).getString();
  e.note = s.getColumn(8).getString();
  return e;
}

TierChangeRecord Connection::RowToTierChange(sql::Statement& s) {
  TierChangeRecord c;
  c.id = s.getColumn(0).getInt64();
  c.customer_id = s.getColumn(1).getString();
  c.from_tier = s.getColumn(2).getString();
  c.to_tier = s.getColumn(3).getString();
  c.day = ColumnDate(s.getColumn(4));
  c.recorded_at = s.getColumn(5).getString();
  c.cause = s.getColumn(6).getString();
  c.source = s.getColumn(7).getString();
  c.ruleset_version = s.getColumn(8).getString();
  c.actor = s.getColumn(9).getString();
  c.reason = s.getColumn(10).getString();
  c.manual_until = ColumnDate(s.getColumn(11));
  return c;
}

PurchaseRecord Connection::RowToPurchase(sql::Statement& s) {
  PurchaseRecord p;
  p.purchase_id = s.getColumn(0).getString();
  p.customer_id = s.getColumn(1).getString();
  p.amount = Decimal::FromUnits(s.getColumn(2).getInt64());
  p.product = s.getColumn(3).getString();
  p.channel = static_cast<rules::Channel>(s.getColumn(4).getInt());
  p.day = Date::FromDays(s.getColumn(5).getInt());
  p.points_earned = s.getColumn(6).getInt64();
  p.rule_id = s.getColumn(7).getString();
  p.ruleset_version = s.getColumn(8).getString();
  p.returned_kind = s.getColumn(9).getString();
  p.ledger_id = s.getColumn(10).getInt64();
  return p;
}

ImprovementActionRecord Connection::RowToAction(sql::Statement& s) {
  ImprovementActionRecord a;
  a.id = s.getColumn(0).getInt64();
  a.product = s.getColumn(1).getString();
  a.rule_id = s.getColumn(2).getString();
  a.action = s.getColumn(3).getString();
  if (!s.getColumn(4).isNull()) {
    rules::ProductChange change;
    change.kind = static_cast<rules::ProductChange::Kind>(s.getColumn(4).getInt());
    change.field = s.getColumn(5).getString();
    change.text = s.getColumn(6).getString();
    change.amount = Decimal::FromUnits(s.getColumn(7).getInt64());
    a.change = std::move(change);
  }
  a.status = s.getColumn(8).getString();
  a.feedback_count = s.getColumn(9).getInt64();
  a.first_feedback_at = ColumnDate(s.getColumn(10));
  a.last_feedback_at = ColumnDate(s.getColumn(11));
  a.ruleset_version = s.getColumn(12).getString();
  a.proposed_at = s.getColumn(13).getString();
  a.decided_at = s.getColumn(14).getString();
  a.decided_by = s.getColumn(15).getString();
  a.note = s.getColumn(16).getString();
  return a;
}

void Connection::AddKeywordCounts(ImprovementActionRecord* a) {
  sql::Statement& s = Prepared("SELECT keyword, count FROM action_keywords WHERE action_id = ?");
  Done done{s};
  s.bind(1, a->id);
  while (s.executeStep()) a->keyword_counts[s.getColumn(0).getString()] = s.getColumn(1).getInt64();
}

absl::StatusOr<std::optional<std::string>> Connection::FindKey(const WriteKey& key) {
  sql::Statement& s =
      Prepared("SELECT method, fingerprint, response FROM idempotency_keys WHERE key = ?");
  Done done{s};
  s.bind(1, std::string(key.key));
  if (!s.executeStep()) return std::optional<std::string>();
  if (s.getColumn(0).getString() != key.method || s.getColumn(1).getString() != key.fingerprint) {
    return WithField(
        WithReason(absl::AlreadyExistsError(StrCat(
                       "idempotency_key '", key.key, "' was already used for a different request (",
                       s.getColumn(0).getString(), "); use a new key for a new request")),
                   kReasonIdempotencyKeyReused),
        "idempotency_key");
  }
  return std::optional<std::string>(ColumnBytes(s.getColumn(2)));
}

void Connection::SaveKey(const WriteKey& key, const std::string& response) {
  sql::Statement& s = Prepared(
      "INSERT INTO idempotency_keys (key, method, fingerprint, response, recorded_at) "
      "VALUES (?, ?, ?, ?, ?)");
  Done done{s};
  s.bind(1, std::string(key.key));
  s.bind(2, std::string(key.method));
  s.bind(3, std::string(key.fingerprint));
  s.bind(4, response.data(), static_cast<int>(response.size()));
  s.bind(5, NowText());
  s.RunLater();  // new: FindKey found none, and the group's transaction holds the write lock
}

void Connection::AssignText(const sql::Column& column, std::string* to) {
  to->assign(column.getText(), static_cast<size_t>(column.getBytes()));
}

bool Connection::FillCustomer(sql::Statement& s, Customer* out) {
  Customer& c = *out;
  AssignText(s.getColumn(0), &c.id);
  AssignText(s.getColumn(1), &c.name);
  c.age = s.getColumn(2).getInt64();
  AssignText(s.getColumn(3), &c.gender);
  AssignText(s.getColumn(4), &c.occupation);
  c.consumption = static_cast<rules::Consumption>(s.getColumn(5).getInt());
  c.channel = static_cast<rules::Channel>(s.getColumn(6).getInt());
  c.birthday = ColumnDate(s.getColumn(7));
  c.joined_at = ColumnDate(s.getColumn(8));
  c.satisfaction = Decimal::FromUnits(s.getColumn(9).getInt64());
  c.interaction_count = s.getColumn(10).getInt64();
  c.points = s.getColumn(11).getInt64();
  AssignText(s.getColumn(12), &c.tier);
  c.total_spent = Decimal::FromUnits(s.getColumn(13).getInt64());
  c.last_purchase_at = ColumnDate(s.getColumn(14));
  // Imported stats; MonthStats::ApplyTo replaces them with recorded ones.
  c.purchase_frequency = s.getColumn(15).isNull() ? 0 : s.getColumn(15).getInt64();
  c.average_purchase_amount =
      Decimal::FromUnits(s.getColumn(16).isNull() ? 0 : s.getColumn(16).getInt64());
  c.points_lifetime = s.getColumn(17).getInt64();
  c.points_owed = s.getColumn(18).getInt64();
  AssignText(s.getColumn(20), &c.previous_tier);
  c.tier_since = ColumnDate(s.getColumn(21));
  c.manual_tier_until = ColumnDate(s.getColumn(22));
  c.tier_downgrade_on = ColumnDate(s.getColumn(23));
  // Set by the caller from the months of the tier policy; none otherwise.
  c.qualifying_points = 0;
  c.qualifying_spent = Decimal();
  // Set by ApplyLots when the customer has dated lots; none otherwise.
  c.points_pending = 0;
  c.points_expiring.clear();
  return s.getColumn(19).getInt() != 0;
}

}  // namespace clientele::server::sql
