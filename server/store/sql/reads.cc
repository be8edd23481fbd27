// The SQLite store's reads, each on a read connection of the pool
// (ReadLease), so that reads run beside each other and beside the writer;
// and the backup, a read of the whole database.
#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/strings.h"
#include "server/store/sql/budget_usage.h"
#include "server/store/sql/connection.h"
#include "server/store/sql/sql_store.h"
#include "server/store/sql/values.h"

namespace clientele::server {

using rules::Customer;
using rules::Date;
using rules::Decimal;
using sql::ColumnDate;
using sql::FromError;

// A read connection for the length of one read; waits while all are busy.
class SqlStore::ReadLease {
 public:
  explicit ReadLease(SqlStore* store) : store_(store), began_(std::chrono::steady_clock::now()) {
    MutexLock lock(&store_->readers_mutex_);
    while (store_->idle_readers_.empty()) store_->reader_returned_.Wait(&store_->readers_mutex_);
    reader_ = store_->idle_readers_.back();
    store_->idle_readers_.pop_back();
  }
  ~ReadLease() {
    {
      MutexLock lock(&store_->readers_mutex_);
      store_->idle_readers_.push_back(reader_);
    }
    store_->reader_returned_.NotifyOne();
    store_->Observe("read", began_);
  }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;
  sql::Connection* operator->() const { return reader_; }
  sql::Connection& operator*() const { return *reader_; }

 private:
  SqlStore* store_;
  const std::chrono::steady_clock::time_point began_;
  sql::Connection* reader_;
};

absl::StatusOr<std::optional<Customer>> SqlStore::FindCustomer(std::string_view id,
                                                               const CustomerAsOf& as_of) {
  ReadLease reader(this);
  try {
    // The row, its months, lots and history from one snapshot, whatever
    // commits meanwhile (on PostgreSQL each statement would see its own).
    sql::Connection::ReadTransaction snapshot(*reader);
    return reader->FindCustomer(id, as_of);
  } catch (const sql::Error& e) {
    return FromError(e, "reading a customer");
  }
}

absl::StatusOr<CustomerPage> SqlStore::ListCustomers(std::string_view after_id, int limit,
                                                     const CustomerAsOf& as_of) {
  using sql::Connection;
  ReadLease reader(this);
  try {
    static const std::string customers_sql =
        StrCat(Connection::kCustomerColumns, "WHERE id > ?1 ORDER BY id LIMIT ?2");
    static const std::string months_sql =
        StrCat(Connection::kMonthColumns,
               "WHERE customer_id > ?1 AND customer_id <= ?2 ORDER BY customer_id, month");
    // Both reads in one snapshot (a statement run to its end would end
    // its own).
    Connection::ReadTransaction snapshot(*reader);
    sql::Statement& rows = reader->Prepared(customers_sql);
    Connection::Done rows_done{rows};
    rows.bind(1, std::string(after_id));
    rows.bind(2, limit + 1);
    CustomerPage page;
    std::vector<bool> dated;
    while (rows.executeStep()) {
      if (static_cast<int>(page.customers.size()) == limit) {
        page.more = true;
        break;
      }
      dated.push_back(Connection::FillCustomer(rows, &page.customers.emplace_back()));
    }
    if (page.customers.empty()) return page;
    // The page's months in id order, walked beside its customers.
    sql::Statement& months = reader->Prepared(months_sql);
    Connection::Done months_done{months};
    months.bind(1, std::string(after_id));
    months.bind(2, page.customers.back().id);
    bool more_months = months.executeStep();
    // The window's months computed once, not per customer.
    const sql::MonthStats none_added = reader->StatsAsOf(as_of);
    for (size_t i = 0; i < page.customers.size(); ++i) {
      Customer& customer = page.customers[i];
      sql::MonthStats stats = none_added;
      Connection::AddMonthsOf(months, customer.id, &more_months, &stats);
      stats.ApplyTo(&customer);
      if (dated[i]) reader->ApplyLots(as_of.today, &customer);
      reader->ReadHistory(as_of.today, as_of.history_days, as_of.last_events, &customer);
      reader->ScoreRfm(as_of.rfm, as_of.today, &customer);
    }
    return page;
  } catch (const sql::Error& e) {
    return FromError(e, "listing customers");
  }
}

absl::StatusOr<int64_t> SqlStore::CountCustomers() {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared("SELECT count(*) FROM customers");
    sql::Connection::Done done{s};
    s.executeStep();
    return s.getColumn(0).getInt64();
  } catch (const sql::Error& e) {
    return FromError(e, "counting customers");
  }
}

absl::StatusOr<BackupRecord> SqlStore::BackupTo(const std::string& path) {
  ReadLease reader(this);
  return backend_->BackupTo(reader->db(), path, schema_version_);
}

absl::StatusOr<std::vector<LedgerEntry>> SqlStore::Ledger(std::string_view customer_id) {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared(
        "SELECT id, customer_id, delta, reason, rule_id, ruleset_version, source, recorded_at, "
        "note FROM ledger WHERE customer_id = ? ORDER BY id");
    sql::Connection::Done done{s};
    s.bind(1, std::string(customer_id));
    std::vector<LedgerEntry> entries;
    while (s.executeStep()) entries.push_back(sql::Connection::RowToLedgerEntry(s));
    return entries;
  } catch (const sql::Error& e) {
    return FromError(e, "reading the ledger");
  }
}

absl::StatusOr<std::vector<PointLotRecord>> SqlStore::LiveLots(std::string_view customer_id) {
  ReadLease reader(this);
  try {
    sql::Connection::ReadTransaction snapshot(*reader);  // the dated lots and the undated
    return reader->LiveLots(customer_id);                // a Transaction method: catches for itself
  } catch (const sql::Error& e) {
    return FromError(e, "reading points lots");
  }
}

absl::StatusOr<std::vector<TierChangeRecord>> SqlStore::TierHistory(std::string_view customer_id,
                                                                    int limit) {
  ReadLease reader(this);
  try {
    static const std::string sql = StrCat(sql::Connection::kTierChangeColumns,
                                          "WHERE customer_id = ? ORDER BY id DESC LIMIT ?");
    sql::Statement& s = reader->Prepared(sql);
    sql::Connection::Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, limit);
    std::vector<TierChangeRecord> changes;
    while (s.executeStep()) changes.push_back(sql::Connection::RowToTierChange(s));
    return changes;
  } catch (const sql::Error& e) {
    return FromError(e, "reading the tier history");
  }
}

absl::StatusOr<std::vector<RedemptionRecord>> SqlStore::Redemptions(std::string_view customer_id,
                                                                    int limit) {
  ReadLease reader(this);
  try {
    static const std::string sql = StrCat(sql::Connection::kRedemptionColumns,
                                          "WHERE customer_id = ? ORDER BY id DESC LIMIT ?");
    sql::Statement& s = reader->Prepared(sql);
    sql::Connection::Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, limit);
    std::vector<RedemptionRecord> redemptions;
    while (s.executeStep()) redemptions.push_back(sql::Connection::RowToRedemption(s));
    return redemptions;
  } catch (const sql::Error& e) {
    return FromError(e, "reading redemptions");
  }
}

absl::StatusOr<std::vector<OfferRedemptionRecord>> SqlStore::OfferRedemptions(
    std::string_view customer_id, int limit) {
  ReadLease reader(this);
  try {
    return reader->ReadOfferRedemptions(customer_id, limit);
  } catch (const sql::Error& e) {
    return FromError(e, "reading offer redemptions");
  }
}

std::vector<OfferUsageRow> SqlStore::ReadOfferUsage(sql::Connection& reader,
                                                    const OfferUsageQuery& query) {
  // Replicas spend the same budgets: everyone's usage is the database's.
  if (backend_->shared()) return reader.ReadOfferUsage(query);
  // Everyone's from memory: a budget costs Evaluate no database read.
  std::vector<OfferUsageRow> rows = budget_usage_->Rows(query.offer_ids, query.since, query.until);
  if (query.customer_id.empty()) return rows;
  std::vector<OfferUsageRow> customer = reader.ReadCustomerOfferUsage(query);
  rows.insert(rows.end(), std::make_move_iterator(customer.begin()),
              std::make_move_iterator(customer.end()));
  return rows;
}

absl::StatusOr<std::vector<OfferUsageRow>> SqlStore::OfferUsage(const OfferUsageQuery& query) {
  if (query.customer_id.empty() && !backend_->shared()) {
    return budget_usage_->Rows(query.offer_ids, query.since, query.until);
  }
  ReadLease reader(this);
  try {
    return ReadOfferUsage(*reader, query);
  } catch (const sql::Error& e) {
    return FromError(e, "reading offer usage");
  }
}

absl::StatusOr<CustomerWithOfferUsage> SqlStore::FindCustomerWithOfferUsage(
    std::string_view id, const CustomerAsOf& as_of, const OfferUsageQuery& usage) {
  ReadLease reader(this);
  CustomerWithOfferUsage found;
  try {
    // One snapshot, and SQLite's locks taken once for both reads.
    sql::Connection::ReadTransaction snapshot(*reader);
    absl::StatusOr<std::optional<Customer>> customer = reader->FindCustomer(id, as_of);
    if (!customer.ok()) return customer.status();
    if (!customer->has_value()) return found;
    found.customer = std::move(*customer);
    found.usage = ReadOfferUsage(*reader, usage);
  } catch (const sql::Error& e) {
    return FromError(e, "reading a customer and its offer usage");
  }
  return found;
}

absl::StatusOr<DecisionLogPage> SqlStore::DecisionLog(const DecisionLogQuery& query) {
  ReadLease reader(this);
  try {
    // One statement per combination of filters, so that the customer's
    // index serves the customer filter (an "?1 = '' OR ..." would not).
    std::string sql =
        "SELECT id, recorded_at, method, caller, customer_id, ruleset_version, request, decision "
        "FROM decision_log WHERE id < ?1";
    if (!query.customer_id.empty()) sql += " AND customer_id = ?2";
    if (!query.ruleset_version.empty()) sql += " AND ruleset_version = ?3";
    sql += " ORDER BY id DESC LIMIT ?4";
    sql::Statement& s = reader->Prepared(sql);
    sql::Connection::Done done{s};
    s.bind(1, query.before_id > 0 ? query.before_id : std::numeric_limits<int64_t>::max());
    if (!query.customer_id.empty()) s.bind(2, query.customer_id);
    if (!query.ruleset_version.empty()) s.bind(3, query.ruleset_version);
    s.bind(4, query.limit + 1);  // one more tells whether there are more
    DecisionLogPage page;
    while (s.executeStep()) {
      if (static_cast<int>(page.entries.size()) == query.limit) {
        page.more = true;
        break;
      }
      DecisionLogEntry& e = page.entries.emplace_back();
      e.id = s.getColumn(0).getInt64();
      e.recorded_at = s.getColumn(1).getString();
      e.method = s.getColumn(2).getString();
      e.caller = s.getColumn(3).getString();
      e.customer_id = s.getColumn(4).getString();
      e.ruleset_version = s.getColumn(5).getString();
      e.request = s.getColumn(6).getString();
      e.decision = s.getColumn(7).getString();
    }
    return page;
  } catch (const sql::Error& e) {
    return FromError(e, "reading the decision log");
  }
}

absl::StatusOr<std::vector<PurchaseRecord>> SqlStore::Purchases(std::string_view customer_id) {
  ReadLease reader(this);
  try {
    static const std::string sql = StrCat(sql::Connection::kPurchaseColumns,
                                          "WHERE ?1 = '' OR customer_id = ?1 ORDER BY rowid");
    sql::Statement& s = reader->Prepared(sql);
    sql::Connection::Done done{s};
    s.bind(1, std::string(customer_id));
    std::vector<PurchaseRecord> purchases;
    while (s.executeStep()) purchases.push_back(sql::Connection::RowToPurchase(s));
    return purchases;
  } catch (const sql::Error& e) {
    return FromError(e, "reading purchases");
  }
}

absl::StatusOr<std::vector<std::string>> SqlStore::CustomerIdSplits(int parts) {
  ReadLease reader(this);
  try {
    // One snapshot: the count and the ids must agree.
    sql::Connection::ReadTransaction snapshot(*reader);
    int64_t count = 0;
    {
      sql::Statement& counted = reader->Prepared("SELECT count(*) FROM customers");
      sql::Connection::Done done{counted};
      counted.executeStep();
      count = counted.getColumn(0).getInt64();
    }
    std::vector<std::string> splits;
    if (parts < 2 || count < parts) return splits;
    sql::Statement& s = reader->Prepared("SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET ?");
    for (int i = 1; i < parts; ++i) {
      sql::Connection::Done done{s};
      s.bind(1, count * i / parts);
      if (s.executeStep()) splits.push_back(s.getColumn(0).getString());
      s.reset();
    }
    splits.erase(std::unique(splits.begin(), splits.end()), splits.end());
    return splits;
  } catch (const sql::Error& e) {
    return FromError(e, "splitting the customers");
  }
}

namespace {

// The id range of a scan as SQL: "id >= ?1" and, with an end, "AND id < ?2".
std::string IdRange(std::string_view column, const CustomerScan& scan) {
  return StrCat(column, " >= ?1", scan.to_id.empty() ? "" : StrCat(" AND ", column, " < ?2"));
}

void BindIdRange(sql::Statement& s, const CustomerScan& scan) {
  s.bind(1, scan.from_id);
  if (!scan.to_id.empty()) s.bind(2, scan.to_id);
}

}  // namespace

// Three statements walked side by side in id order (a merge join): a
// GROUP BY over the join of customers and their months costs several times
// a plain walk of each table in its own key order.
absl::Status SqlStore::ScanCustomers(
    const CustomerScan& scan,
    absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit) {
  ReadLease reader(this);
  try {
    // One read transaction: the three statements see the same snapshot.
    sql::Connection::ReadTransaction snapshot(*reader);
    sql::Statement& customers = reader->Prepared(
        StrCat(sql::Connection::kCustomerColumns, "WHERE ", IdRange("id", scan), " ORDER BY id"));
    sql::Connection::Done customers_done{customers};
    customers.ReadInBatches();  // a million customers are not held at once
    BindIdRange(customers, scan);
    sql::Statement& months =
        reader->Prepared(StrCat(sql::Connection::kMonthColumns, "WHERE ",
                                IdRange("customer_id", scan), " ORDER BY customer_id, month"));
    sql::Connection::Done months_done{months};
    months.ReadInBatches();
    BindIdRange(months, scan);
    const bool replay = scan.purchases_from.known() && scan.purchases_to.known();
    sql::Statement& purchases = reader->Prepared(
        StrCat("SELECT customer_id, amount_units, product, channel, day FROM purchases WHERE ",
               IdRange("customer_id", scan),
               " AND day >= ?3 AND day <= ?4 AND returned_kind IS NULL "
               "ORDER BY customer_id, rowid"));
    sql::Connection::Done purchases_done{purchases};
    purchases.ReadInBatches();
    BindIdRange(purchases, scan);
    purchases.bind(3, replay ? scan.purchases_from.days() : 1);
    purchases.bind(4, replay ? scan.purchases_to.days() : 0);

    bool more_months = months.executeStep();
    bool more_purchases = replay && purchases.executeStep();
    // The window's months computed once, not for each of a million customers.
    const sql::MonthStats none_added = reader->StatsAsOf({scan.today, scan.qualifying});
    // Read once for the scan, not for each customer.
    std::optional<rules::RfmQuantiles> rfm_quantiles;
    if (scan.rfm != nullptr && scan.rfm->UsesQuantiles()) {
      rfm_quantiles = reader->ReadRfmQuantiles(scan.rfm->window_days);
    }
    rules::Customer customer;
    std::vector<rules::Purchase> bought;
    while (customers.executeStep()) {
      const bool dated = sql::Connection::FillCustomer(customers, &customer);
      if (dated) reader->ApplyLots(scan.today, &customer);
      sql::MonthStats stats = none_added;
      sql::Connection::AddMonthsOf(months, customer.id, &more_months, &stats);
      stats.ApplyTo(&customer);
      reader->ReadHistory(scan.today, scan.history_days, scan.last_events, &customer);
      customer.rfm_r = customer.rfm_f = customer.rfm_m = 0;  // not the previous customer's
      if (scan.rfm != nullptr)
        rules::ScoreRfm(*scan.rfm, rfm_quantiles ? &*rfm_quantiles : nullptr, scan.today,
                        &customer);
      bought.clear();
      for (; more_purchases && purchases.getColumn(0).getText() <= std::string_view(customer.id);
           more_purchases = purchases.executeStep()) {
        if (std::string_view(purchases.getColumn(0).getText()) != customer.id) continue;
        rules::Purchase& p = bought.emplace_back();
        p.amount = Decimal::FromUnits(purchases.getColumn(1).getInt64());
        p.product = purchases.getColumn(2).getString();
        p.channel = static_cast<rules::Channel>(purchases.getColumn(3).getInt());
      }
      visit(customer, bought);
    }
    return absl::OkStatus();
  } catch (const sql::Error& e) {
    return FromError(e, "scanning the customers");
  }
}

absl::StatusOr<LedgerPage> SqlStore::LedgerAfter(std::string_view customer_id, int64_t after_id,
                                                 int limit) {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared(
        "SELECT id, customer_id, delta, reason, rule_id, ruleset_version, source, recorded_at, "
        "note, running FROM (SELECT *, sum(delta) OVER (ORDER BY id) AS running FROM ledger "
        "WHERE customer_id = ?1) AS entries WHERE id > ?2 ORDER BY id LIMIT ?3");
    sql::Connection::Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, after_id);
    s.bind(3, limit + 1);
    LedgerPage page;
    while (s.executeStep()) {
      if (static_cast<int>(page.entries.size()) == limit) {
        page.more = true;
        break;
      }
      page.entries.push_back(sql::Connection::RowToLedgerEntry(s));
      page.balance_after.push_back(s.getColumn(9).getInt64());
    }
    return page;
  } catch (const sql::Error& e) {
    return FromError(e, "reading the ledger");
  }
}

absl::StatusOr<std::optional<ProductRecord>> SqlStore::FindProduct(std::string_view product) {
  ReadLease reader(this);
  try {
    sql::Connection::ReadTransaction snapshot(*reader);  // the product and its attributes
    return reader->FindProduct(product);
  } catch (const sql::Error& e) {
    return FromError(e, "reading a product");
  }
}

absl::StatusOr<TaskPage> SqlStore::ListTasks(const TaskQuery& query) {
  ReadLease reader(this);
  try {
    TaskPage page;
    // Only the filters given, so that SQLite can pick the index for them
    // (`?1 = '' OR status = ?1` would scan every task).
    std::string where = "WHERE id < ?4";
    if (!query.status.empty()) where += " AND status = ?1";
    if (!query.queue.empty()) where += " AND queue = ?2";
    if (!query.customer_id.empty()) where += " AND customer_id = ?3";
    sql::Statement& s = reader->Prepared(
        StrCat(sql::Connection::kTaskColumns, where, " ORDER BY id DESC LIMIT ?5"));
    sql::Connection::Done done{s};
    s.bind(1, query.status);
    s.bind(2, query.queue);
    s.bind(3, query.customer_id);
    s.bind(4, query.before_id == 0 ? INT64_MAX : query.before_id);
    s.bind(5, query.limit + 1);
    while (s.executeStep()) {
      if (static_cast<int>(page.tasks.size()) == query.limit) {
        page.more = true;
        break;
      }
      page.tasks.push_back(sql::Connection::RowToTask(s));
    }
    return page;
  } catch (const sql::Error& e) {
    return FromError(e, "listing tasks");
  }
}

absl::StatusOr<ActionPage> SqlStore::ListActions(std::string_view product, std::string_view status,
                                                 int64_t before_id, int limit) {
  ReadLease reader(this);
  try {
    sql::Connection::ReadTransaction snapshot(*reader);  // the actions and their keywords
    ActionPage page;
    {
      sql::Statement& s = reader->Prepared(
          StrCat("SELECT ", sql::Connection::kActionColumns,
                 " FROM improvement_actions WHERE (?1 = '' OR product = ?1) "
                 "AND (?2 = '' OR status = ?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4"));
      sql::Connection::Done done{s};
      s.bind(1, std::string(product));
      s.bind(2, std::string(status));
      s.bind(3, before_id);
      s.bind(4, limit + 1);
      while (s.executeStep()) {
        if (static_cast<int>(page.actions.size()) == limit) {
          page.more = true;
          break;
        }
        page.actions.push_back(reader->RowToAction(s));
      }
    }
    for (ImprovementActionRecord& a : page.actions) reader->AddKeywordCounts(&a);
    return page;
  } catch (const sql::Error& e) {
    return FromError(e, "listing improvement actions");
  }
}

absl::Status SqlStore::ScanFeedback(std::string_view product, Date since,
                                    const std::function<void(const FeedbackRecord&)>& visit) {
  ReadLease reader(this);
  try {
    // In a transaction, which reading in batches needs.
    sql::Connection::ReadTransaction snapshot(*reader);
    // Themes come along as one text, joined by the unit separator (which
    // rule ids cannot contain).
    sql::Statement& s = reader->Prepared(
        "SELECT f.id, coalesce(f.customer_id, ''), f.product, f.text, f.source, "
        "f.satisfaction_units, f.day, f.ruleset_version, "
        "(SELECT group_concat(rule_id, char(31)) FROM feedback_themes t WHERE t.feedback_id = "
        "f.id) "
        "FROM feedback f WHERE (?1 = '' OR f.product = ?1) AND f.day >= ?2 "
        "ORDER BY f.product, f.day, f.id");
    sql::Connection::Done done{s};
    s.ReadInBatches();
    s.bind(1, std::string(product));
    s.bind(2, since.known() ? since.days() : std::numeric_limits<int32_t>::min());
    FeedbackRecord f;
    while (s.executeStep()) {
      f.id = s.getColumn(0).getInt64();
      f.customer_id = s.getColumn(1).getString();
      f.product = s.getColumn(2).getString();
      f.text = s.getColumn(3).getString();
      f.source = static_cast<rules::FeedbackSource>(s.getColumn(4).getInt());
      f.satisfaction.reset();
      if (!s.getColumn(5).isNull()) f.satisfaction = Decimal::FromUnits(s.getColumn(5).getInt64());
      f.day = Date::FromDays(s.getColumn(6).getInt());
      f.ruleset_version = s.getColumn(7).getString();
      f.themes.clear();
      const std::string themes = s.getColumn(8).isNull() ? "" : s.getColumn(8).getString();
      size_t begin = 0;
      while (begin < themes.size()) {
        size_t end = themes.find('\x1f', begin);
        if (end == std::string::npos) end = themes.size();
        f.themes.push_back(themes.substr(begin, end - begin));
        begin = end + 1;
      }
      visit(f);
    }
    return absl::OkStatus();
  } catch (const sql::Error& e) {
    return FromError(e, "reading feedback");
  }
}

absl::StatusOr<std::vector<AuditEntry>> SqlStore::Audit(std::string_view subject) {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared(
        "SELECT id, subject, event, actor, note, before, after, recorded_at FROM audit_log "
        "WHERE subject = ? ORDER BY id");
    sql::Connection::Done done{s};
    s.bind(1, std::string(subject));
    std::vector<AuditEntry> entries;
    while (s.executeStep()) {
      AuditEntry& e = entries.emplace_back();
      e.id = s.getColumn(0).getInt64();
      e.subject = s.getColumn(1).getString();
      e.event = s.getColumn(2).getString();
      e.actor = s.getColumn(3).getString();
      e.note = s.getColumn(4).getString();
      e.before = s.getColumn(5).getString();
      e.after = s.getColumn(6).getString();
      e.recorded_at = s.getColumn(7).getString();
    }
    return entries;
  } catch (const sql::Error& e) {
    return FromError(e, "reading the audit trail");
  }
}

absl::Status SqlStore::KeepRulesetVersion(const RulesetVersionRecord& record) {
  return Write({"", "KeepRulesetVersion", ""},
               [&](Transaction& tx) -> absl::StatusOr<std::string> {
                 if (absl::Status s = tx.ArchiveRuleset(record); !s.ok()) return s;
                 return std::string();
               })
      .status();
}

absl::Status SqlStore::ReportReplicaRuleset(const ReplicaRulesetRecord& record,
                                            std::string_view forget_before) {
  return Write({"", "ReportReplicaRuleset", ""},
               [&](Transaction& tx) -> absl::StatusOr<std::string> {
                 if (absl::Status s = tx.ReportReplicaRuleset(record, forget_before); !s.ok()) {
                   return s;
                 }
                 return std::string();
               })
      .status();
}

absl::StatusOr<std::vector<ReplicaRulesetRecord>> SqlStore::ReplicaRulesets() {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared(
        "SELECT replica, serving_version, last_outcome, last_message, reported_at "
        "FROM replica_rulesets ORDER BY replica");
    sql::Connection::Done done{s};
    std::vector<ReplicaRulesetRecord> replicas;
    while (s.executeStep()) {
      ReplicaRulesetRecord& r = replicas.emplace_back();
      r.replica = s.getColumn(0).getString();
      r.serving_version = s.getColumn(1).getString();
      r.last_outcome = s.getColumn(2).getString();
      r.last_message = s.getColumn(3).getString();
      r.reported_at = s.getColumn(4).getString();
    }
    return replicas;
  } catch (const sql::Error& e) {
    return FromError(e, "listing the replicas' rules");
  }
}

absl::StatusOr<std::vector<RulesetVersionRecord>> SqlStore::RulesetVersions(int limit) {
  ReadLease reader(this);
  try {
    sql::Statement& s = reader->Prepared(
        "SELECT version, directory, first_served_at, last_served_at, times_served "
        "FROM ruleset_versions ORDER BY last_served_at DESC, rowid DESC LIMIT ?");
    sql::Connection::Done done{s};
    s.bind(1, limit);
    std::vector<RulesetVersionRecord> versions;
    while (s.executeStep()) {
      RulesetVersionRecord& r = versions.emplace_back();
      r.version = s.getColumn(0).getString();
      r.directory = s.getColumn(1).getString();
      r.first_served_at = s.getColumn(2).getString();
      r.last_served_at = s.getColumn(3).getString();
      r.times_served = s.getColumn(4).getInt64();
    }
    return versions;
  } catch (const sql::Error& e) {
    return FromError(e, "listing ruleset versions");
  }
}

absl::StatusOr<std::optional<RulesetVersionRecord>> SqlStore::FindRulesetVersion(
    std::string_view version_prefix) {
  ReadLease reader(this);
  try {
    // Versions are hex: a prefix has no LIKE wildcards once checked.
    for (char c : version_prefix) {
      if (!std::isxdigit(static_cast<unsigned char>(c)))
        return std::optional<RulesetVersionRecord>();
    }
    sql::Statement& s = reader->Prepared(
        "SELECT version, directory, first_served_at, last_served_at, times_served "
        "FROM ruleset_versions WHERE version LIKE ? || '%' ORDER BY version LIMIT 2");
    std::optional<RulesetVersionRecord> found;
    {
      sql::Connection::Done done{s};
      s.bind(1, std::string(version_prefix));
      while (s.executeStep()) {
        if (found.has_value()) {
          return absl::InvalidArgumentError(
              StrCat("version '", version_prefix, "' is ambiguous: ", found->version, " and ",
                     s.getColumn(0).getString(), " both start with it; give more digits"));
        }
        found.emplace();
        found->version = s.getColumn(0).getString();
        found->directory = s.getColumn(1).getString();
        found->first_served_at = s.getColumn(2).getString();
        found->last_served_at = s.getColumn(3).getString();
        found->times_served = s.getColumn(4).getInt64();
      }
    }
    if (!found.has_value()) return found;
    sql::Statement& files = reader->Prepared(
        "SELECT f.name, c.content FROM ruleset_files f "
        "JOIN ruleset_contents c ON c.id = f.content_id "
        "WHERE f.version = ? ORDER BY f.name");
    sql::Connection::Done done{files};
    files.bind(1, found->version);
    while (files.executeStep()) {
      found->files.push_back({files.getColumn(0).getString(), ColumnBytes(files.getColumn(1))});
    }
    return found;
  } catch (const sql::Error& e) {
    return FromError(e, "reading a ruleset version");
  }
}

absl::StatusOr<std::vector<SegmentMembershipRecord>> SqlStore::CustomerSegments(
    std::string_view customer_id) {
  ReadLease reader(this);
  try {
    return reader->ReadCustomerSegments(customer_id);
  } catch (const sql::Error& e) {
    return FromError(e, "reading segments");
  }
}

absl::StatusOr<std::vector<SegmentChangeRecord>> SqlStore::SegmentChanges(
    const SegmentChangeQuery& query) {
  ReadLease reader(this);
  try {
    return reader->ReadSegmentChanges(query);
  } catch (const sql::Error& e) {
    return FromError(e, "reading segment changes");
  }
}

absl::StatusOr<std::vector<SegmentMembershipRecord>> SqlStore::SegmentMembers(
    std::string_view dimension, std::string_view segment, std::string_view after_id, int limit) {
  ReadLease reader(this);
  try {
    return reader->ReadSegmentMembers(dimension, segment, after_id, limit);
  } catch (const sql::Error& e) {
    return FromError(e, "reading segment members");
  }
}

absl::StatusOr<std::optional<rules::RfmQuantiles>> SqlStore::RfmQuantiles(int32_t window_days) {
  ReadLease reader(this);
  try {
    return reader->ReadRfmQuantiles(window_days);
  } catch (const sql::Error& e) {
    return FromError(e, "reading RFM quantiles");
  }
}

namespace {

constexpr char kDraftColumns[] =
    "id, title, author, base_version, created_at, updated_at, updated_by, revision";

DraftRecord DraftOfRow(sql::Statement& s) {
  DraftRecord draft;
  draft.id = s.getColumn(0).getInt64();
  draft.title = s.getColumn(1).getString();
  draft.author = s.getColumn(2).getString();
  draft.base_version = s.getColumn(3).getString();
  draft.created_at = s.getColumn(4).getString();
  draft.updated_at = s.getColumn(5).getString();
  draft.updated_by = s.getColumn(6).getString();
  draft.revision = s.getColumn(7).getInt64();
  return draft;
}

}  // namespace

absl::StatusOr<std::optional<DraftRecord>> SqlStore::FindDraft(int64_t id) {
  ReadLease reader(this);
  try {
    sql::Connection::ReadTransaction snapshot(*reader);  // the row, its files and editors
    static const std::string kFind = StrCat("SELECT ", kDraftColumns, " FROM drafts WHERE id = ?");
    sql::Statement& s = reader->Prepared(kFind);
    std::optional<DraftRecord> found;
    {
      sql::Connection::Done done{s};
      s.bind(1, id);
      if (!s.executeStep()) return found;
      found = DraftOfRow(s);
    }
    {
      sql::Statement& files = reader->Prepared(
          "SELECT name, content FROM draft_files WHERE draft_id = ? ORDER BY name");
      sql::Connection::Done done{files};
      files.bind(1, id);
      while (files.executeStep()) {
        found->files.push_back({files.getColumn(0).getString(), ColumnBytes(files.getColumn(1))});
      }
    }
    sql::Statement& editors =
        reader->Prepared("SELECT editor FROM draft_editors WHERE draft_id = ? ORDER BY editor");
    sql::Connection::Done done{editors};
    editors.bind(1, id);
    while (editors.executeStep()) found->editors.push_back(editors.getColumn(0).getString());
    return found;
  } catch (const sql::Error& e) {
    return FromError(e, "reading a draft");
  }
}

absl::StatusOr<std::vector<DraftRecord>> SqlStore::Drafts(int limit) {
  ReadLease reader(this);
  try {
    static const std::string kList =
        StrCat("SELECT ", kDraftColumns, " FROM drafts ORDER BY updated_at DESC, id DESC LIMIT ?");
    sql::Statement& s = reader->Prepared(kList);
    sql::Connection::Done done{s};
    s.bind(1, limit);
    std::vector<DraftRecord> drafts;
    while (s.executeStep()) drafts.push_back(DraftOfRow(s));
    return drafts;
  } catch (const sql::Error& e) {
    return FromError(e, "listing the drafts");
  }
}

namespace {

constexpr char kChangeRequestColumns[] =
    "id, draft_id, draft_revision, version, title, author, submitted_at, serving_version, state, "
    "state_by, state_at, state_comment";

ChangeRequestRecord ChangeRequestOfRow(sql::Statement& s) {
  ChangeRequestRecord request;
  request.id = s.getColumn(0).getInt64();
  request.draft_id = s.getColumn(1).getInt64();
  request.draft_revision = s.getColumn(2).getInt64();
  request.version = s.getColumn(3).getString();
  request.title = s.getColumn(4).getString();
  request.author = s.getColumn(5).getString();
  request.submitted_at = s.getColumn(6).getString();
  request.serving_version = s.getColumn(7).getString();
  request.state = s.getColumn(8).getString();
  request.state_by = s.getColumn(9).getString();
  request.state_at = s.getColumn(10).getString();
  request.state_comment = s.getColumn(11).getString();
  return request;
}

}  // namespace

absl::StatusOr<std::optional<ChangeRequestRecord>> SqlStore::FindChangeRequest(int64_t id) {
  ReadLease reader(this);
  try {
    sql::Connection::ReadTransaction snapshot(*reader);  // the state and its events agree
    static const std::string kFind =
        StrCat("SELECT ", kChangeRequestColumns, " FROM change_requests WHERE id = ?");
    sql::Statement& s = reader->Prepared(kFind);
    std::optional<ChangeRequestRecord> found;
    {
      sql::Connection::Done done{s};
      s.bind(1, id);
      if (!s.executeStep()) return found;
      found = ChangeRequestOfRow(s);
    }
    sql::Statement& events = reader->Prepared(
        "SELECT at, actor, action, comment, version, checks FROM change_request_events "
        "WHERE request_id = ? ORDER BY id");
    sql::Connection::Done done{events};
    events.bind(1, id);
    while (events.executeStep()) {
      found->events.push_back({events.getColumn(0).getString(), events.getColumn(1).getString(),
                               events.getColumn(2).getString(), events.getColumn(3).getString(),
                               events.getColumn(4).getString(), events.getColumn(5).getString()});
    }
    return found;
  } catch (const sql::Error& e) {
    return FromError(e, "reading a change request");
  }
}

absl::StatusOr<std::vector<ChangeRequestRecord>> SqlStore::ChangeRequests(std::string_view state,
                                                                          int limit) {
  ReadLease reader(this);
  try {
    static const std::string kList =
        StrCat("SELECT ", kChangeRequestColumns,
               " FROM change_requests WHERE ?1 = '' OR state = ?1 ORDER BY id DESC LIMIT ?2");
    sql::Statement& s = reader->Prepared(kList);
    sql::Connection::Done done{s};
    s.bind(1, std::string(state));
    s.bind(2, limit);
    std::vector<ChangeRequestRecord> requests;
    while (s.executeStep()) requests.push_back(ChangeRequestOfRow(s));
    return requests;
  } catch (const sql::Error& e) {
    return FromError(e, "listing the change requests");
  }
}

}  // namespace clientele::server
