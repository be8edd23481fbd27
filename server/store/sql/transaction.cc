// The operations of a write transaction on the SQLite store (the
// Transaction contract, server/store/transaction.h).
#include <algorithm>
#include <limits>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_details.h"
#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

using rules::Customer;
using rules::Date;
using rules::Decimal;

absl::StatusOr<std::optional<Customer>> Connection::UnsafeFindCustomer(std::string_view id,
                                                                       const CustomerAsOf& as_of) {
  static const std::string customer_sql = StrCat(kCustomerColumns, "WHERE id = ?");
  static const std::string months_sql = StrCat(kMonthColumns, "WHERE customer_id = ?");
  sql::Statement& row = Prepared(customer_sql);
  // Open until the months are read: both reads in one read transaction.
  Done row_done{row};
  row.bind(1, std::string(id));
  // The months go with the row (on PostgreSQL, one round trip for both).
  sql::Statement& months = Prepared(months_sql);
  Done months_done{months};
  months.bind(1, std::string(id));
  months.SendAhead();
  if (!row.executeStep()) return std::optional<Customer>();
  std::optional<Customer> found(std::in_place);
  const bool dated = FillCustomer(row, &*found);
  MonthStats stats = StatsAsOf(as_of);
  while (months.executeStep()) AddMonth(months, &stats);
  stats.ApplyTo(&*found);
  if (dated) ApplyLots(as_of.today, &*found);
  ReadHistory(as_of.today, as_of.history_days, as_of.last_events, &*found);
  ScoreRfm(as_of.rfm, as_of.today, &*found);
  return found;
}

absl::StatusOr<bool> Connection::UnsafeUpsertCustomerProfile(const Customer& c, Date day) {
  sql::Statement& exists = Prepared("SELECT 1 FROM customers WHERE id = ?");
  bool found;
  {
    Done done{exists};
    exists.bind(1, c.id);
    found = exists.executeStep();
  }
  if (found) KeepSatisfactionBefore(c.id, day, c.satisfaction);
  sql::Statement& s = Prepared(
      found ? "UPDATE customers SET name = ?2, age = ?3, gender = ?4, occupation = ?5, "
              "consumption = ?6, channel = ?7, birthday = ?8, joined_at = ?9, "
              "satisfaction_units = ?10, "
              "imported_purchase_frequency = coalesce(?11, imported_purchase_frequency), "
              "imported_average_units = coalesce(?12, imported_average_units) WHERE id = ?1"
            : "INSERT INTO customers (id, name, age, gender, occupation, consumption, channel, "
              "birthday, joined_at, satisfaction_units, imported_purchase_frequency, "
              "imported_average_units) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
              "?12)");
  Done done{s};
  s.bind(1, c.id);
  s.bind(2, c.name);
  s.bind(3, c.age);
  s.bind(4, c.gender);
  s.bind(5, c.occupation);
  s.bind(6, static_cast<int>(c.consumption));
  s.bind(7, static_cast<int>(c.channel));
  BindDate(s, 8, c.birthday);
  BindDate(s, 9, c.joined_at);
  s.bind(10, c.satisfaction.units());
  // Stats given (not 0) are imported; 0 keeps what was imported before.
  const bool stats_given = c.purchase_frequency != 0 || c.average_purchase_amount != Decimal();
  if (stats_given) {
    s.bind(11, c.purchase_frequency);
    s.bind(12, c.average_purchase_amount.units());
  } else {
    s.bind(11);
    s.bind(12);
  }
  s.exec();
  // A new customer was not rated before today.
  if (!found) KeepSatisfactionBefore(c.id, day, Decimal(), c.satisfaction);
  return !found;
}

absl::StatusOr<bool> Connection::UnsafeDeleteCustomer(std::string_view id) {
  if (id.empty()) return false;  // "" names everyone's offer usage, never a customer
  NoteTasksOfDeletedCustomer(id);
  sql::Statement& s = Prepared("DELETE FROM customers WHERE id = ?");
  Done done{s};
  s.bind(1, std::string(id));
  if (s.exec() == 0) return false;
  // The customer's own offer usage goes with it (its redemptions cascade);
  // everyone's keeps what it redeemed: the budget was spent.
  for (const char* sql : {"DELETE FROM offer_usage_days WHERE customer_id = ?",
                          "DELETE FROM offer_usage_totals WHERE customer_id = ?"}) {
    sql::Statement& usage = Prepared(sql);
    Done usage_done{usage};
    usage.bind(1, std::string(id));
    usage.exec();
  }
  return true;
}

absl::StatusOr<int64_t> Connection::UnsafeInsertPurchase(const PurchaseRecord& p,
                                                         const LedgerEntry& points,
                                                         std::optional<std::string_view> tier) {
  // Five statements, each its own B-tree walk, because the writer
  // thread's time per purchase is what RecordPurchase's throughput is.
  // The customer first, so that an unknown one is NOT_FOUND, not a
  // constraint error; the savepoint undoes it when a later step fails.
  const std::string recorded_at = NowText();
  {
    sql::Statement& s = Prepared(
        "UPDATE customers SET total_spent_units = total_spent_units + ?2, "
        "last_purchase_at = max(coalesce(last_purchase_at, ?3), ?3), points = points + ?4, "
        "points_lifetime = points_lifetime + max(?4, 0), tier = coalesce(?5, tier) "
        "WHERE id = ?1");
    Done done{s};
    s.bind(1, p.customer_id);
    s.bind(2, p.amount.units());
    s.bind(3, p.day.days());
    s.bind(4, points.delta);
    if (tier.has_value()) {
      s.bind(5, std::string(*tier));
    } else {
      s.bind(5);  // NULL: keep
    }
    // Held on PostgreSQL, to go with the ledger's insert.
    if (absl::Status found = s.ChangeLater(1, StrCat("customer '", p.customer_id, "' not found"));
        !found.ok()) {
      return found;
    }
  }
  // The ledger row before the purchase, which keeps its id.
  const int64_t ledger_id = InsertLedgerRow(points, recorded_at);
  {
    sql::Statement& s = Prepared(
        "INSERT INTO purchases (purchase_id, customer_id, amount_units, product, channel, day, "
        "points_earned, rule_id, ruleset_version, recorded_at, ledger_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, p.purchase_id);
    s.bind(2, p.customer_id);
    s.bind(3, p.amount.units());
    s.bind(4, p.product);
    s.bind(5, static_cast<int>(p.channel));
    s.bind(6, p.day.days());
    s.bind(7, p.points_earned);
    s.bind(8, p.rule_id);
    s.bind(9, p.ruleset_version);
    s.bind(10, recorded_at);
    s.bind(11, ledger_id);
    // The primary key tells a purchase recorded before: no lookup first.
    try {
      s.exec();
    } catch (const sql::Error& e) {
      if (e.kind() != sql::ErrorKind::kDuplicate) throw;
      return WithReason(
          absl::AlreadyExistsError(StrCat("purchase_id '", p.purchase_id, "' is already recorded")),
          kReasonPurchaseAlreadyRecorded);
    }
  }
  {
    sql::Statement& s = Prepared(
        "INSERT INTO purchase_months (customer_id, month, count, amount_units, points) "
        "VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (customer_id, month) DO UPDATE SET "
        "count = purchase_months.count + 1, "
        "amount_units = purchase_months.amount_units + ?3, "
        "points = purchase_months.points + ?4");
    Done done{s};
    s.bind(1, p.customer_id);
    s.bind(2, MonthIndex(p.day));
    s.bind(3, p.amount.units());
    s.bind(4, p.points_earned);
    s.RunLater();
  }
  AddPurchaseToHistory(p, 1);
  return ledger_id;
}

int64_t Connection::InsertLedgerRow(const LedgerEntry& e, const std::string& recorded_at) {
  sql::Statement& s = Prepared(
      "INSERT INTO ledger (customer_id, delta, reason, rule_id, ruleset_version, source, "
      "recorded_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  Done done{s};
  s.bind(1, e.customer_id);
  s.bind(2, e.delta);
  s.bind(3, e.reason);
  s.bind(4, e.rule_id);
  s.bind(5, e.ruleset_version);
  s.bind(6, e.source);
  s.bind(7, recorded_at);
  s.bind(8, e.note);
  s.executeStep();
  return s.getColumn(0).getInt64();
}

absl::StatusOr<std::optional<PurchaseRecord>> Connection::UnsafeFindPurchase(
    std::string_view purchase_id) {
  static const std::string sql = StrCat(kPurchaseColumns, "WHERE purchase_id = ?");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(purchase_id));
  if (!s.executeStep()) return std::optional<PurchaseRecord>();
  return std::optional<PurchaseRecord>(RowToPurchase(s));
}

absl::Status Connection::UnsafeMarkReturned(const PurchaseRecord& p, std::string_view kind) {
  {
    sql::Statement& s = Prepared(
        "UPDATE purchases SET returned_kind = ?, returned_at = ? "
        "WHERE purchase_id = ? AND returned_kind IS NULL");
    Done done{s};
    s.bind(1, std::string(kind));
    s.bind(2, NowText());
    s.bind(3, p.purchase_id);
    if (s.exec() != 1) {
      return absl::FailedPreconditionError(
          StrCat("purchase '", p.purchase_id, "' was already taken back"));
    }
  }
  {
    sql::Statement& s = Prepared(
        "UPDATE purchase_months SET count = count - 1, amount_units = amount_units - ?3, "
        "points = points - ?4 WHERE customer_id = ?1 AND month = ?2");
    Done done{s};
    s.bind(1, p.customer_id);
    s.bind(2, MonthIndex(p.day));
    s.bind(3, p.amount.units());
    s.bind(4, p.points_earned);
    s.exec();
  }
  AddPurchaseToHistory(p, -1);
  sql::Statement& s = Prepared(
      "UPDATE customers SET total_spent_units = total_spent_units - ?2, last_purchase_at = "
      "(SELECT max(day) FROM purchases WHERE customer_id = ?1 AND returned_kind IS NULL) "
      "WHERE id = ?1");
  Done done{s};
  s.bind(1, p.customer_id);
  s.bind(2, p.amount.units());
  s.exec();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::UnsafeAppendLedger(const LedgerEntry& e) {
  const int64_t id = InsertLedgerRow(e, NowText());
  sql::Statement& s = Prepared("UPDATE customers SET points = points + ? WHERE id = ?");
  Done done{s};
  s.bind(1, e.delta);
  s.bind(2, e.customer_id);
  if (s.exec() != 1) {
    return absl::NotFoundError(StrCat("customer '", e.customer_id, "' not found"));
  }
  return id;
}

absl::StatusOr<int64_t> Connection::UnsafeChangeTier(const TierChangeRecord& c) {
  {
    sql::Statement& s = Prepared(
        "UPDATE customers SET tier = ?2, previous_tier = ?3, tier_since = ?4, "
        "manual_tier_until = ?5, tier_downgrade_on = NULL WHERE id = ?1");
    Done done{s};
    s.bind(1, c.customer_id);
    s.bind(2, c.to_tier);
    s.bind(3, c.from_tier);
    BindDate(s, 4, c.day);
    BindDate(s, 5, c.manual_until);
    if (s.exec() != 1) {
      return absl::NotFoundError(StrCat("customer '", c.customer_id, "' not found"));
    }
  }
  sql::Statement& s = Prepared(
      "INSERT INTO tier_changes (customer_id, from_tier, to_tier, day, recorded_at, cause, source, "
      "ruleset_version, actor, reason, manual_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  Done done{s};
  s.bind(1, c.customer_id);
  s.bind(2, c.from_tier);
  s.bind(3, c.to_tier);
  BindDate(s, 4, c.day);
  s.bind(5, NowText());
  s.bind(6, c.cause);
  s.bind(7, c.source);
  s.bind(8, c.ruleset_version);
  s.bind(9, c.actor);
  s.bind(10, c.reason);
  BindDate(s, 11, c.manual_until);
  s.executeStep();
  return s.getColumn(0).getInt64();
}

absl::Status Connection::UnsafeSetTierDowngrade(std::string_view customer_id, Date day) {
  sql::Statement& s = Prepared("UPDATE customers SET tier_downgrade_on = ?2 WHERE id = ?1");
  Done done{s};
  s.bind(1, std::string(customer_id));
  BindDate(s, 2, day);
  if (s.exec() != 1) {
    return absl::NotFoundError(StrCat("customer '", customer_id, "' not found"));
  }
  return absl::OkStatus();
}

absl::Status Connection::UnsafeRecordInteraction(std::string_view customer_id,
                                                 std::string_view text, std::string_view rule_id,
                                                 Decimal satisfaction, int64_t interaction_count,
                                                 Date day) {
  KeepSatisfactionBefore(customer_id, day, satisfaction);
  // The customer first, so that an unknown one is NOT_FOUND, not a
  // foreign key error from the rows that name it.
  {
    sql::Statement& s =
        Prepared("UPDATE customers SET satisfaction_units = ?, interaction_count = ? WHERE id = ?");
    Done done{s};
    s.bind(1, satisfaction.units());
    s.bind(2, interaction_count);
    s.bind(3, std::string(customer_id));
    if (s.exec() != 1) {
      return absl::NotFoundError(StrCat("customer '", customer_id, "' not found"));
    }
  }
  sql::Statement& s = Prepared(
      "INSERT INTO interactions (customer_id, text, rule_id, satisfaction_after_units, "
      "recorded_at) VALUES (?, ?, ?, ?, ?)");
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, std::string(text));
  s.bind(3, std::string(rule_id));
  s.bind(4, satisfaction.units());
  s.bind(5, NowText());
  s.exec();
  AddInteractionToHistory(customer_id, day, rule_id);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::UnsafeInsertFeedback(const FeedbackRecord& f) {
  if (!f.customer_id.empty()) {
    sql::Statement& s = Prepared("SELECT 1 FROM customers WHERE id = ?");
    Done done{s};
    s.bind(1, f.customer_id);
    if (!s.executeStep()) {
      return absl::NotFoundError(StrCat("customer '", f.customer_id, "' not found"));
    }
  }
  int64_t id;
  {
    sql::Statement& s = Prepared(
        "INSERT INTO feedback (customer_id, product, text, source, satisfaction_units, day, "
        "ruleset_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Done done{s};
    if (f.customer_id.empty()) {
      s.bind(1);
    } else {
      s.bind(1, f.customer_id);
    }
    s.bind(2, f.product);
    s.bind(3, f.text);
    s.bind(4, static_cast<int>(f.source));
    if (f.satisfaction.has_value()) {
      s.bind(5, f.satisfaction->units());
    } else {
      s.bind(5);
    }
    s.bind(6, f.day.days());
    s.bind(7, f.ruleset_version);
    s.bind(8, NowText());
    s.executeStep();
    id = s.getColumn(0).getInt64();
  }
  for (const std::string& theme : f.themes) {
    sql::Statement& s =
        Prepared("INSERT OR IGNORE INTO feedback_themes (feedback_id, rule_id) VALUES (?, ?)");
    Done done{s};
    s.bind(1, id);
    s.bind(2, theme);
    s.exec();
  }
  return id;
}

absl::StatusOr<int64_t> Connection::UnsafeSupportAction(const ImprovementActionRecord& proposal,
                                                        int64_t feedback_id, Date day,
                                                        const std::vector<std::string>& keywords) {
  int64_t action_id = 0;
  {
    sql::Statement& s = Prepared(
        "SELECT id FROM improvement_actions WHERE product = ? AND rule_id = ? "
        "AND status = 'proposed'");
    Done done{s};
    s.bind(1, proposal.product);
    s.bind(2, proposal.rule_id);
    if (s.executeStep()) action_id = s.getColumn(0).getInt64();
  }
  if (action_id == 0) {
    sql::Statement& s = Prepared(
        "INSERT INTO improvement_actions (product, rule_id, action, change_kind, change_field, "
        "change_text, change_amount_units, status, ruleset_version, proposed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?) RETURNING id");
    Done done{s};
    s.bind(1, proposal.product);
    s.bind(2, proposal.rule_id);
    s.bind(3, proposal.action);
    if (proposal.change.has_value()) {
      s.bind(4, static_cast<int>(proposal.change->kind));
      s.bind(5, proposal.change->field);
      s.bind(6, proposal.change->text);
      s.bind(7, proposal.change->amount.units());
    } else {
      s.bind(4);
      s.bind(5, "");
      s.bind(6, "");
      s.bind(7, int64_t{0});
    }
    s.bind(8, proposal.ruleset_version);
    s.bind(9, NowText());
    s.executeStep();
    action_id = s.getColumn(0).getInt64();
  }
  {
    sql::Statement& s = Prepared(
        "UPDATE improvement_actions SET feedback_count = feedback_count + 1, "
        "first_feedback_day = min(coalesce(first_feedback_day, ?2), ?2), "
        "last_feedback_day = max(coalesce(last_feedback_day, ?2), ?2) WHERE id = ?1");
    Done done{s};
    s.bind(1, action_id);
    s.bind(2, day.days());
    s.exec();
  }
  {
    sql::Statement& s =
        Prepared("INSERT INTO action_evidence (action_id, feedback_id) VALUES (?, ?)");
    Done done{s};
    s.bind(1, action_id);
    s.bind(2, feedback_id);
    s.exec();
  }
  for (const std::string& keyword : keywords) {
    sql::Statement& s = Prepared(
        "INSERT INTO action_keywords (action_id, keyword, count) VALUES (?, ?, 1) "
        "ON CONFLICT (action_id, keyword) DO UPDATE SET "
        "count = action_keywords.count + 1");
    Done done{s};
    s.bind(1, action_id);
    s.bind(2, keyword);
    s.exec();
  }
  return action_id;
}

absl::StatusOr<std::optional<ImprovementActionRecord>> Connection::UnsafeFindAction(int64_t id) {
  ImprovementActionRecord a;
  {
    static const std::string sql =
        StrCat("SELECT ", kActionColumns, " FROM improvement_actions WHERE id = ?");
    sql::Statement& s = Prepared(sql);
    Done done{s};
    s.bind(1, id);
    if (!s.executeStep()) return std::optional<ImprovementActionRecord>();
    a = RowToAction(s);
  }
  AddKeywordCounts(&a);
  return std::optional<ImprovementActionRecord>(std::move(a));
}

absl::Status Connection::UnsafeCloseAction(int64_t id, std::string_view status,
                                           std::string_view actor, std::string_view note) {
  sql::Statement& s = Prepared(
      "UPDATE improvement_actions SET status = ?, decided_at = ?, decided_by = ?, note = ? "
      "WHERE id = ? AND status = 'proposed'");
  Done done{s};
  s.bind(1, std::string(status));
  s.bind(2, NowText());
  s.bind(3, std::string(actor));
  s.bind(4, std::string(note));
  s.bind(5, id);
  if (s.exec() != 1) {
    return absl::FailedPreconditionError(
        StrCat("improvement action ", id, " is not proposed any more"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ProductRecord>> Connection::UnsafeFindProduct(
    std::string_view product) {
  ProductRecord p;
  {
    sql::Statement& s = Prepared("SELECT updated_at, category FROM products WHERE product = ?");
    Done done{s};
    s.bind(1, std::string(product));
    if (!s.executeStep()) return std::optional<ProductRecord>();
    p.product = std::string(product);
    p.updated_at = s.getColumn(0).getString();
    p.category = s.getColumn(1).getString();
  }
  sql::Statement& s = Prepared("SELECT name, value FROM product_attributes WHERE product = ?");
  Done done{s};
  s.bind(1, std::string(product));
  while (s.executeStep()) p.attributes[s.getColumn(0).getString()] = s.getColumn(1).getString();
  return std::optional<ProductRecord>(std::move(p));
}

absl::StatusOr<std::string> Connection::UnsafeProductCategory(std::string_view product) {
  sql::Statement& s = Prepared("SELECT category FROM products WHERE product = ?");
  Done done{s};
  s.bind(1, std::string(product));
  if (!s.executeStep()) return std::string();
  return s.getColumn(0).getString();
}

absl::StatusOr<bool> Connection::UnsafeUpsertProduct(const ProductRecord& p) {
  bool created;
  {
    sql::Statement& s = Prepared("SELECT 1 FROM products WHERE product = ?");
    Done done{s};
    s.bind(1, p.product);
    created = !s.executeStep();
  }
  {
    sql::Statement& s = Prepared(
        "INSERT INTO products (product, updated_at, category) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (product) DO UPDATE SET updated_at = ?2, category = ?3");
    Done done{s};
    s.bind(1, p.product);
    s.bind(2, NowText());
    s.bind(3, p.category);
    s.exec();
  }
  {
    sql::Statement& s = Prepared("DELETE FROM product_attributes WHERE product = ?");
    Done done{s};
    s.bind(1, p.product);
    s.exec();
  }
  for (const auto& [name, value] : p.attributes) {
    sql::Statement& s =
        Prepared("INSERT INTO product_attributes (product, name, value) VALUES (?, ?, ?)");
    Done done{s};
    s.bind(1, p.product);
    s.bind(2, name);
    s.bind(3, value);
    s.exec();
  }
  return created;
}

absl::StatusOr<int64_t> Connection::UnsafeAppendAudit(const AuditEntry& e) {
  sql::Statement& s = Prepared(
      "INSERT INTO audit_log (subject, event, actor, note, before, after, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
  Done done{s};
  s.bind(1, e.subject);
  s.bind(2, e.event);
  s.bind(3, e.actor);
  s.bind(4, e.note);
  s.bind(5, e.before);
  s.bind(6, e.after);
  s.bind(7, NowText());
  s.executeStep();
  return s.getColumn(0).getInt64();
}

absl::Status Connection::UnsafeArchiveRuleset(const RulesetVersionRecord& r) {
  sql::Statement& update = Prepared(
      "UPDATE ruleset_versions SET last_served_at = ?2, times_served = times_served + 1 "
      "WHERE version = ?1");
  {
    Done done{update};
    update.bind(1, r.version);
    update.bind(2, r.last_served_at);
    if (update.exec() > 0) return absl::OkStatus();
  }
  sql::Statement& insert = Prepared(
      "INSERT INTO ruleset_versions (version, directory, first_served_at, last_served_at, "
      "times_served) VALUES (?1, ?2, ?3, ?3, 1)");
  {
    Done done{insert};
    insert.bind(1, r.version);
    insert.bind(2, r.directory);
    insert.bind(3, r.last_served_at);
    insert.exec();
  }
  sql::Statement& file =
      Prepared("INSERT INTO ruleset_files (version, name, content_id) VALUES (?, ?, ?)");
  for (const rules::RuleSource& source : r.files) {
    const int64_t content_id = ContentId(source.content);
    Done done{file};
    file.bind(1, r.version);
    file.bind(2, std::filesystem::path(source.path).filename().string());
    file.bind(3, content_id);
    file.exec();
  }
  return absl::OkStatus();
}

absl::Status Connection::UnsafeReportReplicaRuleset(const ReplicaRulesetRecord& r,
                                                    std::string_view forget_before) {
  sql::Statement& upsert = Prepared(
      "INSERT INTO replica_rulesets (replica, serving_version, last_outcome, last_message, "
      "reported_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (replica) DO UPDATE SET "
      "serving_version = excluded.serving_version, last_outcome = excluded.last_outcome, "
      "last_message = excluded.last_message, reported_at = excluded.reported_at");
  {
    Done done{upsert};
    upsert.bind(1, r.replica);
    upsert.bind(2, r.serving_version);
    upsert.bind(3, r.last_outcome);
    upsert.bind(4, r.last_message);
    upsert.bind(5, r.reported_at);
    upsert.exec();
  }
  sql::Statement& forget = Prepared("DELETE FROM replica_rulesets WHERE reported_at < ?");
  Done done{forget};
  forget.bind(1, std::string(forget_before));
  forget.exec();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::UnsafeAppendDecisions(std::span<const DecisionLogEntry> entries,
                                                          const DecisionRetention& retention) {
  sql::Statement& insert = Prepared(
      "INSERT INTO decision_log (recorded_at, method, caller, customer_id, ruleset_version, "
      "request, decision) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const DecisionLogEntry& e : entries) {
    Done done{insert};
    insert.bind(1, e.recorded_at);
    insert.bind(2, e.method);
    insert.bind(3, e.caller);
    insert.bind(4, e.customer_id);
    insert.bind(5, e.ruleset_version);
    insert.bind(6, e.request.data(), static_cast<int>(e.request.size()));
    insert.bind(7, e.decision.data(), static_cast<int>(e.decision.size()));
    insert.exec();
  }
  // Ids grow by one per entry, so the newest max_entries are those
  // above the last id minus max_entries.
  sql::Statement& by_count =
      Prepared("DELETE FROM decision_log WHERE id <= (SELECT max(id) FROM decision_log) - ?");
  int64_t removed = 0;
  {
    Done done{by_count};
    by_count.bind(1, retention.max_entries);
    removed += by_count.exec();
  }
  if (retention.max_age > std::chrono::seconds::zero()) {
    // Everything before the oldest entry young enough; the scan in id
    // order stops there, having read only what it removes.
    sql::Statement& by_age = Prepared(
        "DELETE FROM decision_log WHERE id < coalesce("
        "(SELECT id FROM decision_log WHERE recorded_at >= ?1 ORDER BY id LIMIT 1), "
        "(SELECT max(id) + 1 FROM decision_log))");
    Done done{by_age};
    by_age.bind(1, UtcMillisecondsText(std::chrono::system_clock::now() - retention.max_age));
    removed += by_age.exec();
  }
  return removed;
}

absl::StatusOr<int64_t> Connection::UnsafeRemoveIdempotencyKeysBefore(
    std::chrono::system_clock::time_point cutoff, int64_t limit) {
  // A key saved gets a rowid above every key kept (SQLite's max + 1), so
  // rowid order is the order of recording: the oldest `limit` keys are
  // the rowids below the smallest plus `limit`, and the scan for the
  // first young one reads only those.
  sql::Statement& s = Prepared(
      "DELETE FROM idempotency_keys WHERE rowid < coalesce("
      "(SELECT rowid FROM idempotency_keys WHERE recorded_at >= ?1 AND "
      "rowid < (SELECT min(rowid) FROM idempotency_keys) + ?2 ORDER BY rowid LIMIT 1), "
      "(SELECT min(rowid) FROM idempotency_keys) + ?2)");
  Done done{s};
  s.bind(1, SecondsText(absl::FromChrono(cutoff)));
  s.bind(2, limit);
  return s.exec();
}

int64_t Connection::ContentId(const std::string& content) {
  uint64_t fnv = 14695981039346656037ull;
  for (unsigned char c : content) fnv = (fnv ^ c) * 1099511628211ull;
  sql::Statement& find = Prepared("SELECT id FROM ruleset_contents WHERE fnv = ? AND content = ?");
  {
    Done done{find};
    find.bind(1, static_cast<int64_t>(fnv));
    find.bind(2, content.data(), static_cast<int>(content.size()));
    if (find.executeStep()) return find.getColumn(0).getInt64();
  }
  sql::Statement& insert =
      Prepared("INSERT INTO ruleset_contents (fnv, content) VALUES (?, ?) RETURNING id");
  Done done{insert};
  insert.bind(1, static_cast<int64_t>(fnv));
  insert.bind(2, content.data(), static_cast<int>(content.size()));
  insert.executeStep();
  return insert.getColumn(0).getInt64();
}

absl::StatusOr<std::optional<Customer>> Connection::FindCustomer(std::string_view id,
                                                                 const CustomerAsOf& as_of) {
  return Guarded("reading a customer", [&] { return UnsafeFindCustomer(id, as_of); });
}

absl::StatusOr<bool> Connection::UpsertCustomerProfile(const Customer& c, Date day) {
  NoteCustomerChanged(c.id);
  return Guarded("writing a customer", [&] { return UnsafeUpsertCustomerProfile(c, day); });
}

absl::StatusOr<bool> Connection::DeleteCustomer(std::string_view id) {
  NoteCustomerChanged(id);
  return Guarded("deleting a customer", [&] { return UnsafeDeleteCustomer(id); });
}

absl::StatusOr<int64_t> Connection::InsertPurchase(const PurchaseRecord& p,
                                                   const LedgerEntry& points,
                                                   std::optional<std::string_view> tier) {
  NoteCustomerChanged(p.customer_id);
  return Guarded("recording a purchase", [&] { return UnsafeInsertPurchase(p, points, tier); });
}

absl::StatusOr<std::optional<PurchaseRecord>> Connection::FindPurchase(
    std::string_view purchase_id) {
  return Guarded("looking up a purchase", [&] { return UnsafeFindPurchase(purchase_id); });
}

absl::Status Connection::MarkReturned(const PurchaseRecord& p, std::string_view kind) {
  NoteCustomerChanged(p.customer_id);
  return Guarded("taking back a purchase", [&] { return UnsafeMarkReturned(p, kind); });
}

absl::StatusOr<int64_t> Connection::AppendLedger(const LedgerEntry& e) {
  NoteCustomerChanged(e.customer_id);
  return Guarded("writing the ledger", [&] { return UnsafeAppendLedger(e); });
}

absl::StatusOr<int64_t> Connection::ChangeTier(const TierChangeRecord& change) {
  NoteCustomerChanged(change.customer_id);
  return Guarded("changing a tier", [&] { return UnsafeChangeTier(change); });
}

absl::Status Connection::SetTierDowngrade(std::string_view customer_id, Date day) {
  NoteCustomerChanged(customer_id);
  return Guarded("scheduling a tier downgrade",
                 [&] { return UnsafeSetTierDowngrade(customer_id, day); });
}

absl::Status Connection::RecordInteraction(std::string_view customer_id, std::string_view text,
                                           std::string_view rule_id, Decimal satisfaction,
                                           int64_t interaction_count, Date day) {
  NoteCustomerChanged(customer_id);
  return Guarded("recording an interaction", [&] {
    return UnsafeRecordInteraction(customer_id, text, rule_id, satisfaction, interaction_count,
                                   day);
  });
}

absl::StatusOr<int64_t> Connection::InsertFeedback(const FeedbackRecord& f) {
  NoteCustomerChanged(f.customer_id);
  return Guarded("recording feedback", [&] { return UnsafeInsertFeedback(f); });
}

absl::StatusOr<int64_t> Connection::SupportAction(const ImprovementActionRecord& proposal,
                                                  int64_t feedback_id, Date day,
                                                  const std::vector<std::string>& keywords) {
  return Guarded("proposing an improvement action",
                 [&] { return UnsafeSupportAction(proposal, feedback_id, day, keywords); });
}

absl::StatusOr<std::optional<ImprovementActionRecord>> Connection::FindAction(int64_t id) {
  return Guarded("reading an improvement action", [&] { return UnsafeFindAction(id); });
}

absl::Status Connection::CloseAction(int64_t id, std::string_view status, std::string_view actor,
                                     std::string_view note) {
  return Guarded("closing an improvement action",
                 [&] { return UnsafeCloseAction(id, status, actor, note); });
}

absl::StatusOr<std::optional<ProductRecord>> Connection::FindProduct(std::string_view product) {
  return Guarded("reading a product", [&] { return UnsafeFindProduct(product); });
}

absl::StatusOr<std::string> Connection::ProductCategory(std::string_view product) {
  return Guarded("reading a product", [&] { return UnsafeProductCategory(product); });
}

absl::StatusOr<bool> Connection::UpsertProduct(const ProductRecord& p) {
  return Guarded("writing a product", [&] { return UnsafeUpsertProduct(p); });
}

absl::StatusOr<int64_t> Connection::AppendAudit(const AuditEntry& e) {
  return Guarded("writing the audit trail", [&] { return UnsafeAppendAudit(e); });
}

absl::Status Connection::ArchiveRuleset(const RulesetVersionRecord& r) {
  return Guarded("keeping a ruleset version", [&] { return UnsafeArchiveRuleset(r); });
}

absl::Status Connection::ReportReplicaRuleset(const ReplicaRulesetRecord& r,
                                              std::string_view forget_before) {
  return Guarded("reporting the replica's rules",
                 [&] { return UnsafeReportReplicaRuleset(r, forget_before); });
}

absl::StatusOr<int64_t> Connection::AppendDecisions(std::span<const DecisionLogEntry> entries,
                                                    const DecisionRetention& retention) {
  return Guarded("writing the decision log",
                 [&] { return UnsafeAppendDecisions(entries, retention); });
}

absl::StatusOr<int64_t> Connection::RemoveIdempotencyKeysBefore(
    std::chrono::system_clock::time_point cutoff, int64_t limit) {
  return Guarded("removing expired idempotency keys",
                 [&] { return UnsafeRemoveIdempotencyKeysBefore(cutoff, limit); });
}

}  // namespace clientele::server::sql
