// SQLite through SQLiteCpp. SQLiteCpp reports errors by throwing
// SQLite::Exception; every public entry point catches it here and returns
// an absl::Status, so nothing above this file sees an exception.
#include "server/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/strings.h"
#include "common/status_details.h"

namespace clientele::server {
namespace {

using rules::Customer;
using rules::Date;
using rules::Decimal;

// Schema migrations, applied in order; PRAGMA user_version records how
// many have been applied. Never edit one that has shipped: add another.
constexpr const char* kMigrations[] = {
    // 1: customers, purchases with monthly stats, the ledger, interactions,
    // idempotency keys. Dates are days since 1970-01-01 (NULL: unknown),
    // money and satisfaction are Decimal units (1/10,000).
    R"sql(
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  age INTEGER NOT NULL DEFAULT 0,
  gender TEXT NOT NULL DEFAULT '',
  occupation TEXT NOT NULL DEFAULT '',
  consumption INTEGER NOT NULL DEFAULT 0,
  channel INTEGER NOT NULL DEFAULT 0,
  birthday INTEGER,
  joined_at INTEGER,
  satisfaction_units INTEGER NOT NULL DEFAULT 0,
  interaction_count INTEGER NOT NULL DEFAULT 0,
  points INTEGER NOT NULL DEFAULT 0,
  tier TEXT NOT NULL DEFAULT '',
  total_spent_units INTEGER NOT NULL DEFAULT 0,
  last_purchase_at INTEGER
);
CREATE TABLE purchases (
  purchase_id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  amount_units INTEGER NOT NULL,
  product TEXT NOT NULL,
  channel INTEGER NOT NULL,
  day INTEGER NOT NULL,
  points_earned INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX purchases_by_customer ON purchases(customer_id);
-- Purchase count and amount per customer and calendar month (year * 12 +
-- month - 1), so that windowed stats read at most a window of rows.
CREATE TABLE purchase_months (
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  month INTEGER NOT NULL,
  count INTEGER NOT NULL,
  amount_units INTEGER NOT NULL,
  PRIMARY KEY (customer_id, month)
) WITHOUT ROWID;
CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  delta INTEGER NOT NULL,
  reason TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  source TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX ledger_by_customer ON ledger(customer_id, id);
CREATE TABLE interactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  satisfaction_after_units INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX interactions_by_customer ON interactions(customer_id, id);
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response BLOB NOT NULL,
  recorded_at TEXT NOT NULL
);
)sql",
    // 2: purchases can be taken back (returns and cancellations).
    R"sql(
ALTER TABLE purchases ADD COLUMN returned_kind TEXT;
ALTER TABLE purchases ADD COLUMN returned_at TEXT;
)sql",
    // 3: feedback, products, improvement actions with their evidence, and
    // the audit trail of explicit decisions. Feedback outlives the customer
    // who gave it (anonymised), so that product reports keep their counts.
    R"sql(
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT REFERENCES customers(id) ON DELETE SET NULL,
  product TEXT NOT NULL,
  text TEXT NOT NULL,
  source INTEGER NOT NULL,
  satisfaction_units INTEGER,
  day INTEGER NOT NULL,
  ruleset_version TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX feedback_by_product ON feedback(product, day);
CREATE TABLE feedback_themes (
  feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (feedback_id, rule_id)
) WITHOUT ROWID;
CREATE TABLE products (
  product TEXT PRIMARY KEY,
  updated_at TEXT NOT NULL
);
CREATE TABLE product_attributes (
  product TEXT NOT NULL REFERENCES products(product) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (product, name)
) WITHOUT ROWID;
-- change_kind: NULL no change, else rules::ProductChange::Kind.
CREATE TABLE improvement_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  product TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  action TEXT NOT NULL,
  change_kind INTEGER,
  change_field TEXT NOT NULL DEFAULT '',
  change_text TEXT NOT NULL DEFAULT '',
  change_amount_units INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  feedback_count INTEGER NOT NULL DEFAULT 0,
  first_feedback_day INTEGER,
  last_feedback_day INTEGER,
  ruleset_version TEXT NOT NULL,
  proposed_at TEXT NOT NULL,
  decided_at TEXT NOT NULL DEFAULT '',
  decided_by TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX one_open_action_per_rule ON improvement_actions(product, rule_id)
  WHERE status = 'proposed';
CREATE TABLE action_evidence (
  action_id INTEGER NOT NULL REFERENCES improvement_actions(id) ON DELETE CASCADE,
  feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
  PRIMARY KEY (action_id, feedback_id)
) WITHOUT ROWID;
CREATE TABLE action_keywords (
  action_id INTEGER NOT NULL REFERENCES improvement_actions(id) ON DELETE CASCADE,
  keyword TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (action_id, keyword)
) WITHOUT ROWID;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX audit_by_subject ON audit_log(subject, id);
)sql",
    // 4: purchase stats given on import (from another system), used while
    // a customer has no recorded purchase. NULL: not given.
    R"sql(
ALTER TABLE customers ADD COLUMN imported_purchase_frequency INTEGER;
ALTER TABLE customers ADD COLUMN imported_average_units INTEGER;
)sql",
    // 5: every ruleset version that was served, with its files, so that a
    // decision or ledger entry can be explained later (hot reload).
    R"sql(
CREATE TABLE ruleset_versions (
  version TEXT PRIMARY KEY,
  directory TEXT NOT NULL,
  first_served_at TEXT NOT NULL,
  last_served_at TEXT NOT NULL,
  times_served INTEGER NOT NULL
);
-- File contents are kept once however many versions share them (an edit
-- of one file keeps only that file again), found by a 64-bit FNV-1a hash
-- and compared in full.
CREATE TABLE ruleset_contents (
  id INTEGER PRIMARY KEY,
  fnv INTEGER NOT NULL,
  content BLOB NOT NULL
);
CREATE INDEX ruleset_contents_by_fnv ON ruleset_contents(fnv);
CREATE TABLE ruleset_files (
  version TEXT NOT NULL REFERENCES ruleset_versions(version),
  name TEXT NOT NULL,
  content_id INTEGER NOT NULL REFERENCES ruleset_contents(id),
  PRIMARY KEY (version, name)
);
)sql",
    // 6: the decision log (optional, sampled): what the rules decided, for
    // whom, asked by whom, with which version; request and decision as
    // the service layer encoded them, personal fields masked. Trimmed to
    // its retention on every append, both by id: ids grow with time, so
    // the oldest entries are the lowest ids (no index on time to keep up).
    R"sql(
CREATE TABLE decision_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recorded_at TEXT NOT NULL,
  method TEXT NOT NULL,
  caller TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  request BLOB NOT NULL,
  decision BLOB NOT NULL
);
CREATE INDEX decision_log_by_customer ON decision_log(customer_id, id);
)sql",
    // 7: the server's secrets, made once per database so that what they
    // sign outlives a restart (and a backup restored elsewhere): the key
    // of page tokens (HMAC-SHA256). randomblob() is SQLite's CSPRNG,
    // seeded from the operating system.
    R"sql(
CREATE TABLE server_secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
INSERT INTO server_secrets (name, value) VALUES ('page_token_key', randomblob(32));
)sql",
};

// RFC 3339 UTC to the second: recorded_at of most tables, idempotency keys
// included (their expiry compares these texts).
std::string SecondsText(absl::Time at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone());
}

std::string NowText() { return SecondsText(absl::Now()); }

}  // namespace

std::string UtcMillisecondsText(std::chrono::system_clock::time_point at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(at), absl::UTCTimeZone());
}

namespace {

int MonthIndex(Date day) { return day.year() * 12 + day.month() - 1; }

// A status for an exception from SQLiteCpp.
absl::Status FromException(const SQLite::Exception& e, std::string_view doing) {
  const int code = e.getErrorCode() & 0xff;
  std::string message = StrCat("database error while ", doing, ": ", e.what());
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  if (code == SQLITE_FULL || code == SQLITE_IOERR) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

void BindDate(SQLite::Statement& s, int index, Date day) {
  if (day.known()) {
    s.bind(index, day.days());
  } else {
    s.bind(index);  // NULL
  }
}

Date ColumnDate(const SQLite::Column& column) {
  return column.isNull() ? Date() : Date::FromDays(column.getInt());
}

}  // namespace

// The connection, its prepared statements, and the transaction operations.
class Store::Impl : public Transaction {
 public:
  Impl(const StoreOptions& options)
      : options_(options),
        db_(options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
    // NOMUTEX: each connection is used by one thread at a time (the writer
    // under Store::mutex_, a reader under its ReadLease).
    db_.setBusyTimeout(options.busy_timeout_ms);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(options.sync_every_commit ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
  }

  // Applies the migrations not yet applied; returns the version.
  absl::StatusOr<int> Migrate() {
    int version = db_.execAndGet("PRAGMA user_version").getInt();
    const int latest = static_cast<int>(std::size(kMigrations));
    if (version > latest) {
      return absl::FailedPreconditionError(
          StrCat("database '", options_.path, "' has schema version ", version,
                       ", newer than this clientele's ", latest, ": use a newer clientele"));
    }
    for (; version < latest; ++version) {
      SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
      db_.exec(kMigrations[version]);
      db_.exec(StrCat("PRAGMA user_version=", version + 1));
      transaction.commit();
    }
    return version;
  }

  SQLite::Database& db() { return db_; }

  // A cached prepared statement, reset and unbound, ready to use.
  SQLite::Statement& Prepared(const std::string& sql) {
    std::unique_ptr<SQLite::Statement>& slot = statements_[sql];
    if (slot == nullptr) {
      slot = std::make_unique<SQLite::Statement>(db_, sql);
    } else {
      slot->reset();
      slot->clearBindings();
    }
    return *slot;
  }

  // Runs a statement without results through the cache (SAVEPOINT,
  // RELEASE: sqlite3_exec would parse them anew every time).
  void Execute(const char* sql) { Prepared(sql).exec(); }

  // Resets a statement when leaving scope, so that no read stays open.
  struct Done {
    SQLite::Statement& statement;
    ~Done() { statement.tryReset(); }
  };

  // A customer row with its purchase stats in one statement (one read
  // transaction): the profile columns RowToCustomer reads, then the count
  // and amount of the purchases in the window (?2, ?3] of months, and the
  // count of every recorded purchase.
  static constexpr const char* kCustomerWithStats =
      "SELECT c.id, c.name, c.age, c.gender, c.occupation, c.consumption, c.channel, "
      "c.birthday, c.joined_at, c.satisfaction_units, c.interaction_count, c.points, c.tier, "
      "c.total_spent_units, c.last_purchase_at, c.imported_purchase_frequency, "
      "c.imported_average_units, "
      "coalesce(sum(CASE WHEN m.month > ?2 AND m.month <= ?3 THEN m.count END), 0), "
      "coalesce(sum(CASE WHEN m.month > ?2 AND m.month <= ?3 THEN m.amount_units END), 0), "
      "coalesce(sum(m.count), 0) "
      "FROM customers c LEFT JOIN purchase_months m ON m.customer_id = c.id ";

  // Binds the window of kCustomerWithStats for `today`.
  void BindWindow(SQLite::Statement& s, Date today) {
    const auto [first, last] = StatsWindow(today);
    s.bind(2, first - 1);
    s.bind(3, last);
  }

  // A row of kCustomerWithStats: recorded purchases decide the stats when
  // there are any; otherwise the imported ones stand.
  static Customer RowToCustomerWithStats(SQLite::Statement& s) {
    Customer c = RowToCustomer(s);
    ApplyRecordedStats(s.getColumn(17).getInt64(), s.getColumn(18).getInt64(),
                       s.getColumn(19).getInt64(), &c);
    return c;
  }

  // Recorded purchases decide the stats when there are any (`recorded`,
  // ever); otherwise the imported ones stand.
  static void ApplyRecordedStats(int64_t window_count, int64_t window_units, int64_t recorded,
                                 Customer* c) {
    if (recorded == 0) return;
    c->purchase_frequency = window_count;
    c->average_purchase_amount =
        window_count == 0 ? Decimal() : Decimal::FromUnits(window_units / window_count);
  }

  // The first and last month of the stats window ending in today's month.
  std::pair<int, int> StatsWindow(Date today) const {
    const int current = MonthIndex(today);
    return {current - options_.stats_window_months + 1, current};
  }

  absl::StatusOr<std::optional<Customer>> UnsafeFindCustomer(std::string_view id, Date today) {
    SQLite::Statement& s = Prepared(StrCat(kCustomerWithStats, "WHERE c.id = ?1 GROUP BY c.id"));
    Done done{s};
    s.bind(1, std::string(id));
    BindWindow(s, today);
    if (!s.executeStep()) return std::optional<Customer>();
    return std::optional<Customer>(RowToCustomerWithStats(s));
  }

  absl::StatusOr<bool> UnsafeUpsertCustomerProfile(const Customer& c) {
    SQLite::Statement& exists = Prepared("SELECT 1 FROM customers WHERE id = ?");
    bool found;
    {
      Done done{exists};
      exists.bind(1, c.id);
      found = exists.executeStep();
    }
    SQLite::Statement& s = Prepared(
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
    return !found;
  }

  absl::StatusOr<bool> UnsafeDeleteCustomer(std::string_view id) {
    SQLite::Statement& s = Prepared("DELETE FROM customers WHERE id = ?");
    Done done{s};
    s.bind(1, std::string(id));
    return s.exec() > 0;
  }

  absl::StatusOr<int64_t> UnsafeInsertPurchase(const PurchaseRecord& p, const LedgerEntry& points,
                                               std::optional<std::string_view> tier) {
    // Four statements, each its own B-tree walk, because the writer
    // thread's time per purchase is what RecordPurchase's throughput is.
    // The customer first, so that an unknown one is NOT_FOUND, not a
    // constraint error; the savepoint undoes it when a later step fails.
    const std::string recorded_at = NowText();
    {
      SQLite::Statement& s = Prepared(
          "UPDATE customers SET total_spent_units = total_spent_units + ?2, "
          "last_purchase_at = max(coalesce(last_purchase_at, ?3), ?3), points = points + ?4, "
          "tier = coalesce(?5, tier) WHERE id = ?1");
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
      if (s.exec() != 1) {
        return absl::NotFoundError(StrCat("customer '", p.customer_id, "' not found"));
      }
    }
    {
      SQLite::Statement& s = Prepared(
          "INSERT INTO purchases (purchase_id, customer_id, amount_units, product, channel, day, "
          "points_earned, rule_id, ruleset_version, recorded_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
      // The primary key tells a purchase recorded before: no lookup first.
      if (const int code = s.tryExecuteStep(); code != SQLITE_DONE) {
        if (s.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY) {
          return WithReason(absl::AlreadyExistsError(
                                StrCat("purchase_id '", p.purchase_id, "' is already recorded")),
                            kReasonPurchaseAlreadyRecorded);
        }
        throw SQLite::Exception(db_.getHandle(), code);
      }
    }
    {
      SQLite::Statement& s = Prepared(
          "INSERT INTO purchase_months (customer_id, month, count, amount_units) "
          "VALUES (?1, ?2, 1, ?3) ON CONFLICT (customer_id, month) DO UPDATE SET "
          "count = count + 1, amount_units = amount_units + ?3");
      Done done{s};
      s.bind(1, p.customer_id);
      s.bind(2, MonthIndex(p.day));
      s.bind(3, p.amount.units());
      s.exec();
    }
    return InsertLedgerRow(points, recorded_at);
  }

  // The ledger row alone (the balance is the caller's to move); its id.
  int64_t InsertLedgerRow(const LedgerEntry& e, const std::string& recorded_at) {
    SQLite::Statement& s = Prepared(
        "INSERT INTO ledger (customer_id, delta, reason, rule_id, ruleset_version, source, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, e.customer_id);
    s.bind(2, e.delta);
    s.bind(3, e.reason);
    s.bind(4, e.rule_id);
    s.bind(5, e.ruleset_version);
    s.bind(6, e.source);
    s.bind(7, recorded_at);
    s.exec();
    return db_.getLastInsertRowid();
  }

  absl::StatusOr<std::optional<PurchaseRecord>> UnsafeFindPurchase(std::string_view purchase_id) {
    SQLite::Statement& s = Prepared(
        StrCat(kPurchaseColumns, "WHERE purchase_id = ?"));
    Done done{s};
    s.bind(1, std::string(purchase_id));
    if (!s.executeStep()) return std::optional<PurchaseRecord>();
    return std::optional<PurchaseRecord>(RowToPurchase(s));
  }

  absl::Status UnsafeMarkReturned(const PurchaseRecord& p, std::string_view kind) {
    {
      SQLite::Statement& s = Prepared(
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
      SQLite::Statement& s = Prepared(
          "UPDATE purchase_months SET count = count - 1, amount_units = amount_units - ?3 "
          "WHERE customer_id = ?1 AND month = ?2");
      Done done{s};
      s.bind(1, p.customer_id);
      s.bind(2, MonthIndex(p.day));
      s.bind(3, p.amount.units());
      s.exec();
    }
    SQLite::Statement& s = Prepared(
        "UPDATE customers SET total_spent_units = total_spent_units - ?2, last_purchase_at = "
        "(SELECT max(day) FROM purchases WHERE customer_id = ?1 AND returned_kind IS NULL) "
        "WHERE id = ?1");
    Done done{s};
    s.bind(1, p.customer_id);
    s.bind(2, p.amount.units());
    s.exec();
    return absl::OkStatus();
  }

  static LedgerEntry RowToLedgerEntry(SQLite::Statement& s) {
    LedgerEntry e;
    e.id = s.getColumn(0).getInt64();
    e.customer_id = s.getColumn(1).getString();
    e.delta = s.getColumn(2).getInt64();
    e.reason = s.getColumn(3).getString();
    e.rule_id = s.getColumn(4).getString();
    e.ruleset_version = s.getColumn(5).getString();
    e.source = s.getColumn(6).getString();
    e.recorded_at = s.getColumn(7).getString();
    return e;
  }

  // The columns RowToPurchase reads, for a query to finish with WHERE.
  static constexpr const char* kPurchaseColumns =
      "SELECT purchase_id, customer_id, amount_units, product, channel, day, points_earned, "
      "rule_id, ruleset_version, coalesce(returned_kind, '') FROM purchases ";

  static PurchaseRecord RowToPurchase(SQLite::Statement& s) {
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
    return p;
  }

  absl::StatusOr<int64_t> UnsafeAppendLedger(const LedgerEntry& e) {
    const int64_t id = InsertLedgerRow(e, NowText());
    SQLite::Statement& s = Prepared("UPDATE customers SET points = points + ? WHERE id = ?");
    Done done{s};
    s.bind(1, e.delta);
    s.bind(2, e.customer_id);
    if (s.exec() != 1) {
      return absl::NotFoundError(StrCat("customer '", e.customer_id, "' not found"));
    }
    return id;
  }

  absl::Status UnsafeSetTier(std::string_view customer_id, std::string_view tier) {
    SQLite::Statement& s = Prepared("UPDATE customers SET tier = ? WHERE id = ?");
    Done done{s};
    s.bind(1, std::string(tier));
    s.bind(2, std::string(customer_id));
    s.exec();
    return absl::OkStatus();
  }

  absl::Status UnsafeRecordInteraction(std::string_view customer_id, std::string_view text,
                                 std::string_view rule_id, Decimal satisfaction,
                                 int64_t interaction_count) {
    {
      SQLite::Statement& s = Prepared(
          "INSERT INTO interactions (customer_id, text, rule_id, satisfaction_after_units, "
          "recorded_at) VALUES (?, ?, ?, ?, ?)");
      Done done{s};
      s.bind(1, std::string(customer_id));
      s.bind(2, std::string(text));
      s.bind(3, std::string(rule_id));
      s.bind(4, satisfaction.units());
      s.bind(5, NowText());
      s.exec();
    }
    SQLite::Statement& s = Prepared(
        "UPDATE customers SET satisfaction_units = ?, interaction_count = ? WHERE id = ?");
    Done done{s};
    s.bind(1, satisfaction.units());
    s.bind(2, interaction_count);
    s.bind(3, std::string(customer_id));
    if (s.exec() != 1) {
      return absl::NotFoundError(StrCat("customer '", customer_id, "' not found"));
    }
    return absl::OkStatus();
  }

  // ------------------------------------------------ feedback and products
  absl::StatusOr<int64_t> UnsafeInsertFeedback(const FeedbackRecord& f) {
    if (!f.customer_id.empty()) {
      SQLite::Statement& s = Prepared("SELECT 1 FROM customers WHERE id = ?");
      Done done{s};
      s.bind(1, f.customer_id);
      if (!s.executeStep()) {
        return absl::NotFoundError(StrCat("customer '", f.customer_id, "' not found"));
      }
    }
    int64_t id;
    {
      SQLite::Statement& s = Prepared(
          "INSERT INTO feedback (customer_id, product, text, source, satisfaction_units, day, "
          "ruleset_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
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
      s.exec();
      id = db_.getLastInsertRowid();
    }
    for (const std::string& theme : f.themes) {
      SQLite::Statement& s =
          Prepared("INSERT OR IGNORE INTO feedback_themes (feedback_id, rule_id) VALUES (?, ?)");
      Done done{s};
      s.bind(1, id);
      s.bind(2, theme);
      s.exec();
    }
    return id;
  }

  absl::StatusOr<int64_t> UnsafeSupportAction(const ImprovementActionRecord& proposal,
                                              int64_t feedback_id, Date day,
                                              const std::vector<std::string>& keywords) {
    int64_t action_id = 0;
    {
      SQLite::Statement& s = Prepared(
          "SELECT id FROM improvement_actions WHERE product = ? AND rule_id = ? "
          "AND status = 'proposed'");
      Done done{s};
      s.bind(1, proposal.product);
      s.bind(2, proposal.rule_id);
      if (s.executeStep()) action_id = s.getColumn(0).getInt64();
    }
    if (action_id == 0) {
      SQLite::Statement& s = Prepared(
          "INSERT INTO improvement_actions (product, rule_id, action, change_kind, change_field, "
          "change_text, change_amount_units, status, ruleset_version, proposed_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?)");
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
      s.exec();
      action_id = db_.getLastInsertRowid();
    }
    {
      SQLite::Statement& s = Prepared(
          "UPDATE improvement_actions SET feedback_count = feedback_count + 1, "
          "first_feedback_day = min(coalesce(first_feedback_day, ?2), ?2), "
          "last_feedback_day = max(coalesce(last_feedback_day, ?2), ?2) WHERE id = ?1");
      Done done{s};
      s.bind(1, action_id);
      s.bind(2, day.days());
      s.exec();
    }
    {
      SQLite::Statement& s =
          Prepared("INSERT INTO action_evidence (action_id, feedback_id) VALUES (?, ?)");
      Done done{s};
      s.bind(1, action_id);
      s.bind(2, feedback_id);
      s.exec();
    }
    for (const std::string& keyword : keywords) {
      SQLite::Statement& s = Prepared(
          "INSERT INTO action_keywords (action_id, keyword, count) VALUES (?, ?, 1) "
          "ON CONFLICT (action_id, keyword) DO UPDATE SET count = count + 1");
      Done done{s};
      s.bind(1, action_id);
      s.bind(2, keyword);
      s.exec();
    }
    return action_id;
  }

  static constexpr const char* kActionColumns =
      "id, product, rule_id, action, change_kind, change_field, change_text, "
      "change_amount_units, status, feedback_count, first_feedback_day, last_feedback_day, "
      "ruleset_version, proposed_at, decided_at, decided_by, note";

  ImprovementActionRecord RowToAction(SQLite::Statement& s) {
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

  void AddKeywordCounts(ImprovementActionRecord* a) {
    SQLite::Statement& s =
        Prepared("SELECT keyword, count FROM action_keywords WHERE action_id = ?");
    Done done{s};
    s.bind(1, a->id);
    while (s.executeStep()) a->keyword_counts[s.getColumn(0).getString()] = s.getColumn(1).getInt64();
  }

  absl::StatusOr<std::optional<ImprovementActionRecord>> UnsafeFindAction(int64_t id) {
    ImprovementActionRecord a;
    {
      SQLite::Statement& s =
          Prepared(StrCat("SELECT ", kActionColumns, " FROM improvement_actions WHERE id = ?"));
      Done done{s};
      s.bind(1, id);
      if (!s.executeStep()) return std::optional<ImprovementActionRecord>();
      a = RowToAction(s);
    }
    AddKeywordCounts(&a);
    return std::optional<ImprovementActionRecord>(std::move(a));
  }

  absl::Status UnsafeCloseAction(int64_t id, std::string_view status, std::string_view actor,
                                 std::string_view note) {
    SQLite::Statement& s = Prepared(
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

  absl::StatusOr<std::optional<ProductRecord>> UnsafeFindProduct(std::string_view product) {
    ProductRecord p;
    {
      SQLite::Statement& s = Prepared("SELECT updated_at FROM products WHERE product = ?");
      Done done{s};
      s.bind(1, std::string(product));
      if (!s.executeStep()) return std::optional<ProductRecord>();
      p.product = std::string(product);
      p.updated_at = s.getColumn(0).getString();
    }
    SQLite::Statement& s =
        Prepared("SELECT name, value FROM product_attributes WHERE product = ?");
    Done done{s};
    s.bind(1, std::string(product));
    while (s.executeStep()) p.attributes[s.getColumn(0).getString()] = s.getColumn(1).getString();
    return std::optional<ProductRecord>(std::move(p));
  }

  absl::StatusOr<bool> UnsafeUpsertProduct(const ProductRecord& p) {
    bool created;
    {
      SQLite::Statement& s = Prepared("SELECT 1 FROM products WHERE product = ?");
      Done done{s};
      s.bind(1, p.product);
      created = !s.executeStep();
    }
    {
      SQLite::Statement& s = Prepared(
          "INSERT INTO products (product, updated_at) VALUES (?1, ?2) "
          "ON CONFLICT (product) DO UPDATE SET updated_at = ?2");
      Done done{s};
      s.bind(1, p.product);
      s.bind(2, NowText());
      s.exec();
    }
    {
      SQLite::Statement& s = Prepared("DELETE FROM product_attributes WHERE product = ?");
      Done done{s};
      s.bind(1, p.product);
      s.exec();
    }
    for (const auto& [name, value] : p.attributes) {
      SQLite::Statement& s =
          Prepared("INSERT INTO product_attributes (product, name, value) VALUES (?, ?, ?)");
      Done done{s};
      s.bind(1, p.product);
      s.bind(2, name);
      s.bind(3, value);
      s.exec();
    }
    return created;
  }

  absl::StatusOr<int64_t> UnsafeAppendAudit(const AuditEntry& e) {
    SQLite::Statement& s = Prepared(
        "INSERT INTO audit_log (subject, event, actor, note, before, after, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, e.subject);
    s.bind(2, e.event);
    s.bind(3, e.actor);
    s.bind(4, e.note);
    s.bind(5, e.before);
    s.bind(6, e.after);
    s.bind(7, NowText());
    s.exec();
    return db_.getLastInsertRowid();
  }

  absl::Status UnsafeArchiveRuleset(const RulesetVersionRecord& r) {
    SQLite::Statement& update = Prepared(
        "UPDATE ruleset_versions SET last_served_at = ?2, times_served = times_served + 1 "
        "WHERE version = ?1");
    {
      Done done{update};
      update.bind(1, r.version);
      update.bind(2, r.last_served_at);
      if (update.exec() > 0) return absl::OkStatus();
    }
    SQLite::Statement& insert = Prepared(
        "INSERT INTO ruleset_versions (version, directory, first_served_at, last_served_at, "
        "times_served) VALUES (?1, ?2, ?3, ?3, 1)");
    {
      Done done{insert};
      insert.bind(1, r.version);
      insert.bind(2, r.directory);
      insert.bind(3, r.last_served_at);
      insert.exec();
    }
    SQLite::Statement& file =
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

  absl::StatusOr<int64_t> UnsafeAppendDecisions(std::span<const DecisionLogEntry> entries,
                                                 const DecisionRetention& retention) {
    SQLite::Statement& insert = Prepared(
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
    SQLite::Statement& by_count = Prepared(
        "DELETE FROM decision_log WHERE id <= (SELECT max(id) FROM decision_log) - ?");
    int64_t removed = 0;
    {
      Done done{by_count};
      by_count.bind(1, retention.max_entries);
      removed += by_count.exec();
    }
    if (retention.max_age > std::chrono::seconds::zero()) {
      // Everything before the oldest entry young enough; the scan in id
      // order stops there, having read only what it removes.
      SQLite::Statement& by_age = Prepared(
          "DELETE FROM decision_log WHERE id < coalesce("
          "(SELECT id FROM decision_log WHERE recorded_at >= ?1 ORDER BY id LIMIT 1), "
          "(SELECT max(id) + 1 FROM decision_log))");
      Done done{by_age};
      by_age.bind(1, UtcMillisecondsText(std::chrono::system_clock::now() - retention.max_age));
      removed += by_age.exec();
    }
    return removed;
  }

  absl::StatusOr<int64_t> UnsafeRemoveIdempotencyKeysBefore(
      std::chrono::system_clock::time_point cutoff, int64_t limit) {
    // A key saved gets a rowid above every key kept (SQLite's max + 1), so
    // rowid order is the order of recording: the oldest `limit` keys are
    // the rowids below the smallest plus `limit`, and the scan for the
    // first young one reads only those.
    SQLite::Statement& s = Prepared(
        "DELETE FROM idempotency_keys WHERE rowid < coalesce("
        "(SELECT rowid FROM idempotency_keys WHERE recorded_at >= ?1 AND "
        "rowid < (SELECT min(rowid) FROM idempotency_keys) + ?2 ORDER BY rowid LIMIT 1), "
        "(SELECT min(rowid) FROM idempotency_keys) + ?2)");
    Done done{s};
    s.bind(1, SecondsText(absl::FromChrono(cutoff)));
    s.bind(2, limit);
    return s.exec();
  }

  // The id of `content` in ruleset_contents, inserting it when new.
  int64_t ContentId(const std::string& content) {
    uint64_t fnv = 14695981039346656037ull;
    for (unsigned char c : content) fnv = (fnv ^ c) * 1099511628211ull;
    SQLite::Statement& find =
        Prepared("SELECT id FROM ruleset_contents WHERE fnv = ? AND content = ?");
    {
      Done done{find};
      find.bind(1, static_cast<int64_t>(fnv));
      find.bind(2, content.data(), static_cast<int>(content.size()));
      if (find.executeStep()) return find.getColumn(0).getInt64();
    }
    SQLite::Statement& insert =
        Prepared("INSERT INTO ruleset_contents (fnv, content) VALUES (?, ?)");
    Done done{insert};
    insert.bind(1, static_cast<int64_t>(fnv));
    insert.bind(2, content.data(), static_cast<int>(content.size()));
    insert.exec();
    return db_.getLastInsertRowid();
  }

  // Transaction: the operations above, with SQLiteCpp's exceptions turned
  // into statuses.
  template <typename F>
  static auto Guarded(std::string_view doing, F&& operation) -> decltype(operation()) {
    try {
      return operation();
    } catch (const SQLite::Exception& e) {
      return FromException(e, doing);
    }
  }
  absl::StatusOr<std::optional<Customer>> FindCustomer(std::string_view id, Date today) override {
    return Guarded("reading a customer", [&] { return UnsafeFindCustomer(id, today); });
  }
  absl::StatusOr<bool> UpsertCustomerProfile(const Customer& c) override {
    return Guarded("writing a customer", [&] { return UnsafeUpsertCustomerProfile(c); });
  }
  absl::StatusOr<bool> DeleteCustomer(std::string_view id) override {
    return Guarded("deleting a customer", [&] { return UnsafeDeleteCustomer(id); });
  }
  absl::StatusOr<int64_t> InsertPurchase(const PurchaseRecord& p, const LedgerEntry& points,
                                         std::optional<std::string_view> tier) override {
    return Guarded("recording a purchase", [&] { return UnsafeInsertPurchase(p, points, tier); });
  }
  absl::StatusOr<std::optional<PurchaseRecord>> FindPurchase(std::string_view purchase_id) override {
    return Guarded("looking up a purchase", [&] { return UnsafeFindPurchase(purchase_id); });
  }
  absl::Status MarkReturned(const PurchaseRecord& p, std::string_view kind) override {
    return Guarded("taking back a purchase", [&] { return UnsafeMarkReturned(p, kind); });
  }
  absl::StatusOr<int64_t> AppendLedger(const LedgerEntry& e) override {
    return Guarded("writing the ledger", [&] { return UnsafeAppendLedger(e); });
  }
  absl::Status SetTier(std::string_view customer_id, std::string_view tier) override {
    return Guarded("setting a tier", [&] { return UnsafeSetTier(customer_id, tier); });
  }
  absl::Status RecordInteraction(std::string_view customer_id, std::string_view text,
                                 std::string_view rule_id, Decimal satisfaction,
                                 int64_t interaction_count) override {
    return Guarded("recording an interaction", [&] { return UnsafeRecordInteraction(customer_id, text, rule_id, satisfaction, interaction_count); });
  }
  absl::StatusOr<int64_t> InsertFeedback(const FeedbackRecord& f) override {
    return Guarded("recording feedback", [&] { return UnsafeInsertFeedback(f); });
  }
  absl::StatusOr<int64_t> SupportAction(const ImprovementActionRecord& proposal,
                                        int64_t feedback_id, Date day,
                                        const std::vector<std::string>& keywords) override {
    return Guarded("proposing an improvement action", [&] {
      return UnsafeSupportAction(proposal, feedback_id, day, keywords);
    });
  }
  absl::StatusOr<std::optional<ImprovementActionRecord>> FindAction(int64_t id) override {
    return Guarded("reading an improvement action", [&] { return UnsafeFindAction(id); });
  }
  absl::Status CloseAction(int64_t id, std::string_view status, std::string_view actor,
                           std::string_view note) override {
    return Guarded("closing an improvement action",
                   [&] { return UnsafeCloseAction(id, status, actor, note); });
  }
  absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) override {
    return Guarded("reading a product", [&] { return UnsafeFindProduct(product); });
  }
  absl::StatusOr<bool> UpsertProduct(const ProductRecord& p) override {
    return Guarded("writing a product", [&] { return UnsafeUpsertProduct(p); });
  }
  absl::StatusOr<int64_t> AppendAudit(const AuditEntry& e) override {
    return Guarded("writing the audit trail", [&] { return UnsafeAppendAudit(e); });
  }
  absl::Status ArchiveRuleset(const RulesetVersionRecord& r) override {
    return Guarded("keeping a ruleset version", [&] { return UnsafeArchiveRuleset(r); });
  }
  absl::StatusOr<int64_t> AppendDecisions(std::span<const DecisionLogEntry> entries,
                                          const DecisionRetention& retention) override {
    return Guarded("writing the decision log",
                   [&] { return UnsafeAppendDecisions(entries, retention); });
  }
  absl::StatusOr<int64_t> RemoveIdempotencyKeysBefore(std::chrono::system_clock::time_point cutoff,
                                                      int64_t limit) override {
    return Guarded("removing expired idempotency keys",
                   [&] { return UnsafeRemoveIdempotencyKeysBefore(cutoff, limit); });
  }

  // Idempotency: the stored response for `key`, or nullopt; ALREADY_EXISTS
  // when the key was used for another request.
  absl::StatusOr<std::optional<std::string>> FindKey(const WriteKey& key) {
    SQLite::Statement& s =
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
    const SQLite::Column response = s.getColumn(2);
    return std::optional<std::string>(
        std::string(static_cast<const char*>(response.getBlob()), response.getBytes()));
  }

  void SaveKey(const WriteKey& key, const std::string& response) {
    SQLite::Statement& s = Prepared(
        "INSERT INTO idempotency_keys (key, method, fingerprint, response, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, std::string(key.key));
    s.bind(2, std::string(key.method));
    s.bind(3, std::string(key.fingerprint));
    s.bind(4, response.data(), static_cast<int>(response.size()));
    s.bind(5, NowText());
    s.exec();
  }

  static Customer RowToCustomer(SQLite::Statement& s) {
    Customer c;
    FillCustomer(s, &c);
    return c;
  }

  static void AssignText(const SQLite::Column& column, std::string* to) {
    to->assign(column.getText(), static_cast<size_t>(column.getBytes()));
  }

  // Reads the profile columns of kCustomerWithStats into *c, reusing its
  // strings' buffers.
  static void FillCustomer(SQLite::Statement& s, Customer* out) {
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
    // Imported stats; RowToCustomerWithStats replaces them with recorded ones.
    c.purchase_frequency = s.getColumn(15).isNull() ? 0 : s.getColumn(15).getInt64();
    c.average_purchase_amount =
        Decimal::FromUnits(s.getColumn(16).isNull() ? 0 : s.getColumn(16).getInt64());
  }

 private:
  StoreOptions options_;
  SQLite::Database db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

struct Store::PendingWrite {
  std::string key;
  std::string method;
  std::string fingerprint;
  Deadline deadline;
  WriteFunction write;
  WriteDone done;
  absl::StatusOr<std::string> result = absl::UnknownError("not written");

  WriteKey View() const { return {key, method, fingerprint}; }
};

Store::Store(const StoreOptions& options, std::unique_ptr<Impl> writer,
             std::vector<std::unique_ptr<Impl>> readers, int schema_version)
    : impl_(std::move(writer)),
      readers_(std::move(readers)),
      schema_version_(schema_version),
      path_(options.path),
      observe_(options.observe) {
  for (const std::unique_ptr<Impl>& reader : readers_) idle_readers_.push_back(reader.get());
  // Named for top -H, perf and gdb.
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-done");
    CompleteWritten();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");
    WriteQueued();
  });
}

Store::~Store() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  writer_.join();  // after the writes still queued
  {
    std::lock_guard<std::mutex> lock(written_mutex_);
    writer_finished_ = true;
  }
  written_changed_.notify_all();
  completer_.join();  // after their WriteDone
}

// A read connection for the length of one read; waits while all are busy.
class Store::ReadLease {
 public:
  explicit ReadLease(Store* store) : store_(store), began_(std::chrono::steady_clock::now()) {
    std::unique_lock<std::mutex> lock(store_->readers_mutex_);
    store_->reader_returned_.wait(lock, [&] { return !store_->idle_readers_.empty(); });
    reader_ = store_->idle_readers_.back();
    store_->idle_readers_.pop_back();
  }
  ~ReadLease() {
    {
      std::lock_guard<std::mutex> lock(store_->readers_mutex_);
      store_->idle_readers_.push_back(reader_);
    }
    store_->reader_returned_.notify_one();
    store_->Observe("read", began_);
  }
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;
  Impl* operator->() const { return reader_; }

 private:
  Store* store_;
  const std::chrono::steady_clock::time_point began_;
  Impl* reader_;
};

int Store::LatestSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

std::string_view Store::MigrationScript(int version) {
  if (version < 1 || version > LatestSchemaVersion()) return {};
  return kMigrations[version - 1];
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation,
  // and nothing here reads them. Only possible before SQLite's first use
  // in the process; later it fails harmlessly.
  static std::once_flag sqlite_configured;
  std::call_once(sqlite_configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (options.path.empty()) return absl::InvalidArgumentError("database path is empty");
  if (options.stats_window_months < 1 || options.stats_window_months > 120) {
    return absl::InvalidArgumentError("stats_window_months must be 1..120");
  }
  if (options.read_connections < 1 || options.read_connections > 64) {
    return absl::InvalidArgumentError("read_connections must be 1..64");
  }
  try {
    auto impl = std::make_unique<Impl>(options);
    absl::StatusOr<int> version = impl->Migrate();
    if (!version.ok()) return version.status();
    // The writer's cache holds a whole group's pages: with SQLite's default
    // 2 MB it wrote pages to the WAL in the middle of a group, three times
    // the writes of a purchase. (Readers keep the default.)
    impl->db().exec("PRAGMA cache_size=-32000");
    std::string page_token_key =
        impl->db().execAndGet("SELECT value FROM server_secrets WHERE name = 'page_token_key'")
            .getString();
    // Readers open after the migration, so that they see the final schema.
    std::vector<std::unique_ptr<Impl>> readers;
    for (int i = 0; i < options.read_connections; ++i) {
      readers.push_back(std::make_unique<Impl>(options));
    }
    auto store = std::unique_ptr<Store>(
        new Store(options, std::move(impl), std::move(readers), *version));
    store->page_token_key_ = std::move(page_token_key);
    return store;
  } catch (const SQLite::Exception& e) {
    return absl::UnavailableError(
        StrCat("cannot open database '", options.path, "': ", e.what()));
  }
}

void Store::Submit(const WriteKey& key, Deadline deadline, WriteFunction write, WriteDone done) {
  PendingWrite pending{std::string(key.key), std::string(key.method), std::string(key.fingerprint),
                       deadline, std::move(write), std::move(done)};
  bool was_idle = false;
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    refused = stopping_;
    if (!refused) {
      was_idle = queue_.empty();
      queue_.push_back(std::move(pending));
    }
  }
  if (refused) {  // never queued
    pending.done(absl::UnavailableError("the store is closing"));
    return;
  }
  // A busy writer looks at the queue again before it sleeps: only the
  // first write of a group needs to wake it.
  if (was_idle) queue_changed_.notify_one();
}

absl::StatusOr<std::string> Store::Write(
    const WriteKey& key, absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write) {
  std::mutex mutex;
  std::condition_variable written;
  std::optional<absl::StatusOr<std::string>> result;  // guarded by mutex
  Submit(
      key, Deadline::max(), [write](Transaction& tx) { return write(tx); },
      [&](absl::StatusOr<std::string> outcome) {
        std::lock_guard<std::mutex> lock(mutex);
        result = std::move(outcome);
        written.notify_one();  // under the lock: the waiter owns `written`
      });
  std::unique_lock<std::mutex> lock(mutex);
  written.wait(lock, [&] { return result.has_value(); });
  return std::move(*result);
}

void Store::WriteQueued() {
  // Bounds a group, so that the first write of a long queue is not held
  // up by the thousandth.
  constexpr size_t kMaxGroup = 512;
  std::vector<PendingWrite> group;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      if (queue_.size() <= kMaxGroup) {
        group.swap(queue_);
      } else {
        std::move(queue_.begin(), queue_.begin() + kMaxGroup, std::back_inserter(group));
        queue_.erase(queue_.begin(), queue_.begin() + kMaxGroup);
      }
    }
    CommitGroup(group);
    bool more_to_write;
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      more_to_write = !queue_.empty();
    }
    if (!more_to_write) {
      // Nothing waits for the writer: finishing the calls here costs no
      // throughput and saves waking the completion thread.
      for (PendingWrite& w : group) w.done(std::move(w.result));
    } else {
      bool completer_idle;
      {
        std::lock_guard<std::mutex> lock(written_mutex_);
        completer_idle = written_.empty();
        std::move(group.begin(), group.end(), std::back_inserter(written_));
      }
      if (completer_idle) written_changed_.notify_one();
    }
    group.clear();
  }
}

void Store::CompleteWritten() {
  std::vector<PendingWrite> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(written_mutex_);
      written_changed_.wait(lock, [this] { return writer_finished_ || !written_.empty(); });
      if (written_.empty()) return;  // the writer has finished, and so have we
      batch.swap(written_);
    }
    for (PendingWrite& w : batch) w.done(std::move(w.result));
    batch.clear();
  }
}

void Store::Observe(std::string_view operation, std::chrono::steady_clock::time_point began) const {
  if (observe_) observe_(operation, std::chrono::steady_clock::now() - began);
}

void Store::CommitGroup(std::vector<PendingWrite>& group) {
  const auto began = std::chrono::steady_clock::now();
  absl::Cleanup observe = [&] { Observe("commit", began); };
  absl::MutexLock lock(&mutex_);
  try {
    SQLite::Transaction transaction(impl_->db(), SQLite::TransactionBehavior::IMMEDIATE);
    // After BEGIN, which may wait for another process's lock.
    const Deadline now = std::chrono::system_clock::now();
    for (PendingWrite& w : group) {
      w.result = w.deadline < now ? absl::DeadlineExceededError(
                                        "the deadline passed before the write's turn came")
                                  : RunInSavepoint(w);
    }
    transaction.commit();
  } catch (const SQLite::Exception& e) {
    // Nothing of the group was committed: every write of it failed.
    for (PendingWrite& w : group) w.result = FromException(e, w.method);
  }
}

absl::StatusOr<std::string> Store::RunInSavepoint(PendingWrite& w) {
  SQLite::Database& db = impl_->db();
  impl_->Execute("SAVEPOINT one_write");
  auto roll_back = [&](absl::Status status) -> absl::StatusOr<std::string> {
    db.exec("ROLLBACK TO one_write; RELEASE one_write");
    return status;
  };
  try {
    if (w.key.empty()) {  // the server's own write: no idempotency key
      absl::StatusOr<std::string> response = w.write(*impl_);
      if (!response.ok()) return roll_back(response.status());
      impl_->Execute("RELEASE one_write");
      return response;
    }
    absl::StatusOr<std::optional<std::string>> previous = impl_->FindKey(w.View());
    if (!previous.ok()) return roll_back(previous.status());
    if (previous->has_value()) {  // a retry: same answer, no change
      impl_->Execute("RELEASE one_write");
      return **previous;
    }
    absl::StatusOr<std::string> response = w.write(*impl_);
    if (!response.ok()) return roll_back(response.status());
    impl_->SaveKey(w.View(), *response);
    impl_->Execute("RELEASE one_write");
    return response;
  } catch (const SQLite::Exception& e) {
    // A failed rollback throws on to CommitGroup, which fails the group.
    return roll_back(FromException(e, w.method));
  }
}

absl::StatusOr<std::optional<Customer>> Store::FindCustomer(std::string_view id, Date today) {
  ReadLease reader(this);
  try {
    return reader->FindCustomer(id, today);
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading a customer");
  }
}

absl::StatusOr<CustomerPage> Store::ListCustomers(std::string_view after_id, int limit,
                                                  Date today) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        StrCat(Impl::kCustomerWithStats, "WHERE c.id > ?1 GROUP BY c.id ORDER BY c.id LIMIT ?4"));
    Impl::Done done{s};
    s.bind(1, std::string(after_id));
    reader->BindWindow(s, today);
    s.bind(4, limit + 1);
    CustomerPage page;
    while (s.executeStep()) {
      if (static_cast<int>(page.customers.size()) == limit) {
        page.more = true;
        break;
      }
      page.customers.push_back(Impl::RowToCustomerWithStats(s));
    }
    return page;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "listing customers");
  }
}

absl::StatusOr<int64_t> Store::CountCustomers() {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared("SELECT count(*) FROM customers");
    Impl::Done done{s};
    s.executeStep();
    return s.getColumn(0).getInt64();
  } catch (const SQLite::Exception& e) {
    return FromException(e, "counting customers");
  }
}

absl::StatusOr<BackupRecord> Store::BackupTo(const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return absl::AlreadyExistsError(StrCat("backup file '", path, "' already exists"));
  }
  auto discard = [&](absl::Status status) {
    std::filesystem::remove(path, error);
    return status;
  };
  BackupRecord record;
  {
    ReadLease reader(this);
    record.taken_at = UtcMillisecondsText(std::chrono::system_clock::now());
    try {
      SQLite::Statement vacuum(reader->db(), "VACUUM INTO ?");
      vacuum.bind(1, path);
      vacuum.exec();
    } catch (const SQLite::Exception& e) {
      return discard(FromException(e, StrCat("writing the backup to '", path, "'")));
    }
  }
  try {
    SQLite::Database copy(path, SQLite::OPEN_READONLY);
    const std::string check = copy.execAndGet("PRAGMA quick_check").getString();
    if (check != "ok") {
      return discard(absl::DataLossError(StrCat("the backup failed its check: ", check)));
    }
    record.schema_version = copy.execAndGet("PRAGMA user_version").getInt();
    if (record.schema_version != schema_version_) {
      return discard(absl::InternalError(StrCat("the backup has schema version ",
                                                record.schema_version, ", the store ",
                                                schema_version_)));
    }
    record.customers = copy.execAndGet("SELECT count(*) FROM customers").getInt64();
    record.size_bytes = static_cast<int64_t>(std::filesystem::file_size(path));
    return record;
  } catch (const SQLite::Exception& e) {
    return discard(FromException(e, StrCat("checking the backup '", path, "'")));
  } catch (const std::filesystem::filesystem_error& e) {
    return discard(absl::InternalError(StrCat("checking the backup '", path, "': ", e.what())));
  }
}

absl::StatusOr<std::vector<LedgerEntry>> Store::Ledger(std::string_view customer_id) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        "SELECT id, customer_id, delta, reason, rule_id, ruleset_version, source, recorded_at "
        "FROM ledger WHERE customer_id = ? ORDER BY id");
    Impl::Done done{s};
    s.bind(1, std::string(customer_id));
    std::vector<LedgerEntry> entries;
    while (s.executeStep()) entries.push_back(Impl::RowToLedgerEntry(s));
    return entries;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading the ledger");
  }
}

absl::StatusOr<DecisionLogPage> Store::DecisionLog(const DecisionLogQuery& query) {
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
    SQLite::Statement& s = reader->Prepared(sql);
    Impl::Done done{s};
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
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading the decision log");
  }
}

absl::StatusOr<std::vector<PurchaseRecord>> Store::Purchases(std::string_view customer_id) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        StrCat(Impl::kPurchaseColumns, "WHERE ?1 = '' OR customer_id = ?1 ORDER BY rowid"));
    Impl::Done done{s};
    s.bind(1, std::string(customer_id));
    std::vector<PurchaseRecord> purchases;
    while (s.executeStep()) purchases.push_back(Impl::RowToPurchase(s));
    return purchases;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading purchases");
  }
}

absl::StatusOr<std::vector<std::string>> Store::CustomerIdSplits(int parts) {
  ReadLease reader(this);
  try {
    // One snapshot: the count and the ids must agree.
    SQLite::Transaction snapshot(reader->db(), SQLite::TransactionBehavior::DEFERRED);
    const int64_t count = reader->db().execAndGet("SELECT count(*) FROM customers").getInt64();
    std::vector<std::string> splits;
    if (parts < 2 || count < parts) return splits;
    SQLite::Statement& s =
        reader->Prepared("SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET ?");
    for (int i = 1; i < parts; ++i) {
      Impl::Done done{s};
      s.bind(1, count * i / parts);
      if (s.executeStep()) splits.push_back(s.getColumn(0).getString());
      s.reset();
    }
    snapshot.commit();
    splits.erase(std::unique(splits.begin(), splits.end()), splits.end());
    return splits;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "splitting the customers");
  }
}

namespace {

// The id range of a scan as SQL: "id >= ?1" and, with an end, "AND id < ?2".
std::string IdRange(std::string_view column, const CustomerScan& scan) {
  return StrCat(column, " >= ?1", scan.to_id.empty() ? "" : StrCat(" AND ", column, " < ?2"));
}

void BindIdRange(SQLite::Statement& s, const CustomerScan& scan) {
  s.bind(1, scan.from_id);
  if (!scan.to_id.empty()) s.bind(2, scan.to_id);
}

}  // namespace

// Three statements walked side by side in id order (a merge join): a
// GROUP BY over the join of customers and their months costs several times
// a plain walk of each table in its own key order.
absl::Status Store::ScanCustomers(
    const CustomerScan& scan,
    absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit) {
  ReadLease reader(this);
  try {
    // One read transaction: the three statements see the same snapshot.
    SQLite::Transaction snapshot(reader->db(), SQLite::TransactionBehavior::DEFERRED);
    SQLite::Statement& customers = reader->Prepared(StrCat(
        "SELECT id, name, age, gender, occupation, consumption, channel, birthday, joined_at, "
        "satisfaction_units, interaction_count, points, tier, total_spent_units, "
        "last_purchase_at, imported_purchase_frequency, imported_average_units "
        "FROM customers WHERE ", IdRange("id", scan), " ORDER BY id"));
    Impl::Done customers_done{customers};
    BindIdRange(customers, scan);
    SQLite::Statement& months = reader->Prepared(
        StrCat("SELECT customer_id, month, count, amount_units FROM purchase_months WHERE ",
               IdRange("customer_id", scan), " ORDER BY customer_id, month"));
    Impl::Done months_done{months};
    BindIdRange(months, scan);
    const bool replay = scan.purchases_from.known() && scan.purchases_to.known();
    SQLite::Statement& purchases = reader->Prepared(
        StrCat("SELECT customer_id, amount_units, product, channel, day FROM purchases WHERE ",
               IdRange("customer_id", scan),
               " AND day >= ?3 AND day <= ?4 AND returned_kind IS NULL "
               "ORDER BY customer_id, rowid"));
    Impl::Done purchases_done{purchases};
    BindIdRange(purchases, scan);
    purchases.bind(3, replay ? scan.purchases_from.days() : 1);
    purchases.bind(4, replay ? scan.purchases_to.days() : 0);

    const auto [first_month, last_month] = reader->StatsWindow(scan.today);
    bool more_months = months.executeStep();
    bool more_purchases = replay && purchases.executeStep();
    rules::Customer customer;
    std::vector<rules::Purchase> bought;
    while (customers.executeStep()) {
      Impl::FillCustomer(customers, &customer);
      // Rows of customers before this one have no customer (cannot happen
      // with the foreign keys; skipped all the same).
      int64_t window_count = 0, window_units = 0, recorded = 0;
      for (; more_months && months.getColumn(0).getText() <= std::string_view(customer.id);
           more_months = months.executeStep()) {
        if (std::string_view(months.getColumn(0).getText()) != customer.id) continue;
        const int month = months.getColumn(1).getInt();
        const int64_t count = months.getColumn(2).getInt64();
        recorded += count;
        if (month >= first_month && month <= last_month) {
          window_count += count;
          window_units += months.getColumn(3).getInt64();
        }
      }
      Impl::ApplyRecordedStats(window_count, window_units, recorded, &customer);
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
    snapshot.commit();
    return absl::OkStatus();
  } catch (const SQLite::Exception& e) {
    return FromException(e, "scanning the customers");
  }
}

absl::StatusOr<LedgerPage> Store::LedgerAfter(std::string_view customer_id, int64_t after_id,
                                               int limit) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        "SELECT id, customer_id, delta, reason, rule_id, ruleset_version, source, recorded_at, "
        "running FROM (SELECT *, sum(delta) OVER (ORDER BY id) AS running FROM ledger "
        "WHERE customer_id = ?1) WHERE id > ?2 ORDER BY id LIMIT ?3");
    Impl::Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, after_id);
    s.bind(3, limit + 1);
    LedgerPage page;
    while (s.executeStep()) {
      if (static_cast<int>(page.entries.size()) == limit) {
        page.more = true;
        break;
      }
      page.entries.push_back(Impl::RowToLedgerEntry(s));
      page.balance_after.push_back(s.getColumn(8).getInt64());
    }
    return page;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading the ledger");
  }
}

absl::StatusOr<std::optional<ProductRecord>> Store::FindProduct(std::string_view product) {
  ReadLease reader(this);
  return reader->FindProduct(product);
}

absl::StatusOr<ActionPage> Store::ListActions(std::string_view product, std::string_view status,
                                              int64_t before_id, int limit) {
  ReadLease reader(this);
  try {
    ActionPage page;
    {
      SQLite::Statement& s = reader->Prepared(StrCat(
          "SELECT ", Impl::kActionColumns, " FROM improvement_actions WHERE (?1 = '' OR product = ?1) "
          "AND (?2 = '' OR status = ?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4"));
      Impl::Done done{s};
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
  } catch (const SQLite::Exception& e) {
    return FromException(e, "listing improvement actions");
  }
}

absl::Status Store::ScanFeedback(std::string_view product, Date since,
                                 const std::function<void(const FeedbackRecord&)>& visit) {
  ReadLease reader(this);
  try {
    // Themes come along as one text, joined by the unit separator (which
    // rule ids cannot contain).
    SQLite::Statement& s = reader->Prepared(
        "SELECT f.id, coalesce(f.customer_id, ''), f.product, f.text, f.source, "
        "f.satisfaction_units, f.day, f.ruleset_version, "
        "(SELECT group_concat(rule_id, char(31)) FROM feedback_themes t WHERE t.feedback_id = f.id) "
        "FROM feedback f WHERE (?1 = '' OR f.product = ?1) AND f.day >= ?2 "
        "ORDER BY f.product, f.day, f.id");
    Impl::Done done{s};
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
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading feedback");
  }
}

absl::StatusOr<std::vector<AuditEntry>> Store::Audit(std::string_view subject) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        "SELECT id, subject, event, actor, note, before, after, recorded_at FROM audit_log "
        "WHERE subject = ? ORDER BY id");
    Impl::Done done{s};
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
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading the audit trail");
  }
}

}  // namespace clientele::server

namespace clientele::server {

absl::Status Store::KeepRulesetVersion(const RulesetVersionRecord& record) {
  return Write({"", "KeepRulesetVersion", ""},
               [&](Transaction& tx) -> absl::StatusOr<std::string> {
                 if (absl::Status s = tx.ArchiveRuleset(record); !s.ok()) return s;
                 return std::string();
               })
      .status();
}

absl::StatusOr<std::vector<RulesetVersionRecord>> Store::RulesetVersions(int limit) {
  ReadLease reader(this);
  try {
    SQLite::Statement& s = reader->Prepared(
        "SELECT version, directory, first_served_at, last_served_at, times_served "
        "FROM ruleset_versions ORDER BY last_served_at DESC, rowid DESC LIMIT ?");
    Impl::Done done{s};
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
  } catch (const SQLite::Exception& e) {
    return FromException(e, "listing ruleset versions");
  }
}

absl::StatusOr<std::optional<RulesetVersionRecord>> Store::FindRulesetVersion(
    std::string_view version_prefix) {
  ReadLease reader(this);
  try {
    // Versions are hex: a prefix has no LIKE wildcards once checked.
    for (char c : version_prefix) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::optional<RulesetVersionRecord>();
    }
    SQLite::Statement& s = reader->Prepared(
        "SELECT version, directory, first_served_at, last_served_at, times_served "
        "FROM ruleset_versions WHERE version LIKE ? || '%' ORDER BY version LIMIT 2");
    std::optional<RulesetVersionRecord> found;
    {
      Impl::Done done{s};
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
    SQLite::Statement& files =
        reader->Prepared("SELECT f.name, c.content FROM ruleset_files f "
                         "JOIN ruleset_contents c ON c.id = f.content_id "
                         "WHERE f.version = ? ORDER BY f.name");
    Impl::Done done{files};
    files.bind(1, found->version);
    while (files.executeStep()) {
      const SQLite::Column content = files.getColumn(1);
      found->files.push_back(
          {files.getColumn(0).getString(),
           std::string(static_cast<const char*>(content.getBlob()), content.getBytes())});
    }
    return found;
  } catch (const SQLite::Exception& e) {
    return FromException(e, "reading a ruleset version");
  }
}

}  // namespace clientele::server
