// The relational store's schema: its migrations, in order, as SQLite
// takes them (PostgreSQL's are translated from these: postgres/dialect.h).
#include "server/store/sql/schema.h"

#include <iterator>
#include <string_view>

namespace clientele::server::sql {
namespace {

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
    // 8: points as lots (rules/points.h): what each credit earned and what
    // is left of it, so that points can be pending, expire, be spent
    // expiring-first and be taken back by a return; what each debit drew
    // from which lot; redemptions; a customer's lifetime points and what it
    // owes; a product's category (purchase.category in earning rules);
    // every change of a customer's tier, with why, and a tier set by hand.
    // points_dated marks a customer with a lot that ever had a date:
    // only those customers' reads look at their lots. A balance from
    // before becomes one undated lot (points before never pend or expire),
    // and lifetime points start at that balance (no points were spent
    // before redemptions existed).
    R"sql(
ALTER TABLE customers ADD COLUMN points_lifetime INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN points_owed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN points_dated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE purchases ADD COLUMN ledger_id INTEGER;
ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN previous_tier TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN tier_since INTEGER;
ALTER TABLE customers ADD COLUMN manual_tier_until INTEGER;
CREATE TABLE tier_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  from_tier TEXT NOT NULL,
  to_tier TEXT NOT NULL,
  day INTEGER NOT NULL,
  recorded_at TEXT NOT NULL,
  cause TEXT NOT NULL,
  source TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  manual_until INTEGER
);
CREATE INDEX tier_changes_by_customer ON tier_changes(customer_id, id);
CREATE TABLE point_lots (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  points INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  expired INTEGER NOT NULL DEFAULT 0,
  forgiven INTEGER NOT NULL DEFAULT 0,
  earned_on INTEGER,
  available_on INTEGER,
  expires_on INTEGER,
  rule_id TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX point_lots_live ON point_lots(customer_id, expires_on) WHERE remaining > 0;
CREATE INDEX point_lots_expiring ON point_lots(expires_on)
  WHERE remaining > 0 AND expires_on IS NOT NULL;
CREATE TABLE point_draws (
  entry_id INTEGER NOT NULL,
  lot_id INTEGER NOT NULL REFERENCES point_lots(id) ON DELETE CASCADE,
  points INTEGER NOT NULL,
  PRIMARY KEY (entry_id, lot_id)
) WITHOUT ROWID;
CREATE INDEX point_draws_by_lot ON point_draws(lot_id);
CREATE TABLE point_redemptions (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  points INTEGER NOT NULL,
  reason TEXT NOT NULL,
  reference TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  reversed_by INTEGER
);
CREATE INDEX point_redemptions_by_customer ON point_redemptions(customer_id, id);
INSERT INTO point_lots (id, customer_id, points, remaining, rule_id, ruleset_version, source)
  SELECT max(l.id), l.customer_id, c.points, c.points, '', '', 'balance before lots'
  FROM ledger l JOIN customers c ON c.id = l.customer_id
  WHERE c.points > 0 GROUP BY l.customer_id;
UPDATE customers SET points_lifetime = max(points, 0);
)sql",
    // 9: tier policies. Points earned per month beside the count and amount
    // (the figure tiers can qualify on), filled from the purchases not
    // taken back; the day a scheduled downgrade takes effect; and an
    // index that finds a customer's lot of points without dates.
    R"sql(
ALTER TABLE purchase_months ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
UPDATE purchase_months SET points = m.points
FROM (SELECT customer_id,
             CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
               + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1 AS month,
             sum(points_earned) AS points
      FROM purchases WHERE returned_kind IS NULL GROUP BY 1, 2) AS m
WHERE m.customer_id = purchase_months.customer_id AND m.month = purchase_months.month;
ALTER TABLE customers ADD COLUMN tier_downgrade_on INTEGER;
-- Points without dates (a policy with no pending and no expiry) are kept
-- in one lot per customer, which later credits join: found by
-- point_lots_undated. The live lots with a date are indexed apart, so that
-- moving the points of the undated lot writes no index.
DROP INDEX point_lots_live;
DROP INDEX point_lots_expiring;  -- the expiry pass walks point_lots_dated
CREATE INDEX point_lots_dated ON point_lots(customer_id, expires_on)
  WHERE remaining > 0 AND (available_on IS NOT NULL OR expires_on IS NOT NULL);
CREATE INDEX point_lots_undated ON point_lots(customer_id, id)
  WHERE available_on IS NULL AND expires_on IS NULL;
)sql",
    // 10: offer redemptions, and what limits and budgets count: each
    // customer's and everyone's ('' customer) redemptions and value per
    // offer and channel, by day and in total, kept with every redemption
    // and reversal in the same transaction, so that a limit reads at most
    // a period's rows. Everyone's rows have no customer to cascade from:
    // a deleted customer's redemptions stay spent of the budget.
    R"sql(
CREATE TABLE offer_redemptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  offer_id TEXT NOT NULL,
  offer TEXT NOT NULL,
  day INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  unit INTEGER NOT NULL,
  value_units INTEGER NOT NULL,
  amount_units INTEGER,
  purchase_id TEXT NOT NULL,
  reference TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  reversed_at TEXT,
  reversal_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX offer_redemptions_by_customer ON offer_redemptions(customer_id, id);
CREATE INDEX offer_redemptions_by_purchase ON offer_redemptions(purchase_id);
CREATE TABLE offer_usage_days (
  customer_id TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  redemptions INTEGER NOT NULL,
  value_units INTEGER NOT NULL,
  PRIMARY KEY (customer_id, offer_id, day, channel)
) WITHOUT ROWID;
CREATE TABLE offer_usage_totals (
  customer_id TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  channel INTEGER NOT NULL,
  redemptions INTEGER NOT NULL,
  value_units INTEGER NOT NULL,
  PRIMARY KEY (customer_id, offer_id, channel)
) WITHOUT ROWID;
)sql",
    // 11: each customer's history by day (rules/history.h): figure is a
    // rules::HistoryFigure, key the interaction rule of an interaction
    // count. A day's purchases are one row (figure 1: their count in
    // value, with their amount and points), since a simulation reads
    // every customer's window and rows are its cost. Kept with every
    // purchase, return, interaction and change of satisfaction in their
    // transaction, so that a fact over a window reads that window's rows.
    // Filled here from what was recorded before: purchases by their day,
    // interactions by the UTC day they were recorded on; satisfaction
    // before this migration has no history.
    R"sql(
CREATE TABLE customer_days (
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  day INTEGER NOT NULL,
  figure INTEGER NOT NULL,
  key TEXT NOT NULL DEFAULT '',
  value INTEGER NOT NULL,
  amount_units INTEGER NOT NULL DEFAULT 0,
  points INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (customer_id, day, figure, key)
) WITHOUT ROWID;
INSERT INTO customer_days (customer_id, day, figure, key, value, amount_units, points)
  SELECT customer_id, day, 1, '', count(*), sum(amount_units), sum(points_earned) FROM purchases
  WHERE returned_kind IS NULL GROUP BY customer_id, day;
INSERT INTO customer_days (customer_id, day, figure, key, value)
  SELECT customer_id, CAST(julianday(substr(recorded_at, 1, 10)) - 2440587.5 AS INTEGER), 4,
         rule_id, count(*)
  FROM interactions GROUP BY 1, 2, 4;
)sql",
    // 12: custom events (rules/events.h), their attributes, what their
    // earning rules credited (for the rules' limits, per the event's
    // customer), and each customer's latest day per event type; the
    // tasks the rules give people.
    R"sql(
CREATE TABLE custom_events (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  day INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX custom_events_by_customer ON custom_events (customer_id, type, day);
CREATE TABLE custom_event_attributes (
  event_id INTEGER NOT NULL REFERENCES custom_events(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (event_id, position)
) WITHOUT ROWID;
CREATE TABLE event_credits (
  event_id INTEGER NOT NULL REFERENCES custom_events(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  to_customer_id TEXT NOT NULL,
  day INTEGER NOT NULL,
  points INTEGER NOT NULL,
  ledger_entry_id INTEGER NOT NULL,
  PRIMARY KEY (event_id, rule_id)
) WITHOUT ROWID;
CREATE INDEX event_credits_by_rule ON event_credits (customer_id, rule_id, day);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  status TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  evidence TEXT NOT NULL,
  source TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  due_on INTEGER,
  claimed_by TEXT NOT NULL DEFAULT '',
  claimed_at TEXT NOT NULL DEFAULT '',
  closed_by TEXT NOT NULL DEFAULT '',
  closed_at TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT ''
);
-- One task per rule and customer while it is not closed.
CREATE UNIQUE INDEX tasks_not_closed ON tasks (customer_id, rule_id) WHERE status != 'closed';
CREATE INDEX tasks_by_status ON tasks (status, id);
CREATE INDEX tasks_by_queue ON tasks (queue, status, id);
CREATE INDEX tasks_by_customer ON tasks (customer_id, id);
CREATE TABLE customer_last_events (
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  last_day INTEGER NOT NULL,
  total INTEGER NOT NULL,
  PRIMARY KEY (customer_id, type)
) WITHOUT ROWID;
)sql",
    // 13: the RFM quantiles computed over the customers (rules/rfm.h), the
    // customers' stored segments and the changes of them. Segments have no
    // foreign key: a deleted customer's are left to the write that deleted
    // it, which records that it left them.
    R"sql(
CREATE TABLE rfm_quantiles (
  window_days INTEGER PRIMARY KEY,
  recency TEXT NOT NULL,
  frequency TEXT NOT NULL,
  monetary TEXT NOT NULL,
  customers INTEGER NOT NULL,
  ruleset_version TEXT NOT NULL,
  computed_at TEXT NOT NULL
);
CREATE TABLE segment_members (
  customer_id TEXT NOT NULL,
  dimension TEXT NOT NULL,
  segment TEXT NOT NULL,
  since TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  computed_at TEXT NOT NULL,
  PRIMARY KEY (customer_id, dimension)
) WITHOUT ROWID;
CREATE INDEX segment_members_by_segment ON segment_members (dimension, segment, customer_id);
CREATE TABLE segment_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL,
  dimension TEXT NOT NULL,
  from_segment TEXT NOT NULL,
  to_segment TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  cause TEXT NOT NULL,
  changed_at TEXT NOT NULL
);
CREATE INDEX segment_changes_by_customer ON segment_changes (customer_id, sequence);
)sql",
    // 14: task changes, each task as a committed write left it, in commit
    // order, for replicas that share a database: each reads the others'
    // from here and tells its task watches (the segment changes have
    // segment_changes). Written only to a database replicas share.
    R"sql(
CREATE TABLE task_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id INTEGER NOT NULL,
  customer_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  status TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  evidence TEXT NOT NULL,
  source TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  due_on INTEGER,
  claimed_by TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  closed_by TEXT NOT NULL,
  closed_at TEXT NOT NULL,
  outcome TEXT NOT NULL
);
)sql",
    // 15: what each replica of a fleet serves, for replicas that share a
    // database: each replaces its own row after every reload attempt and
    // every half minute, and reads its peers' (server/api/fleet_rulesets.h).
    R"sql(
CREATE TABLE replica_rulesets (
  replica TEXT PRIMARY KEY,
  serving_version TEXT NOT NULL,
  last_outcome TEXT NOT NULL,
  last_message TEXT NOT NULL,
  reported_at TEXT NOT NULL
);
)sql",
    // 16: the console's rule drafts: a copy of a kept version's files that
    // people edit, with a revision that refuses an edit made on a stale
    // copy (server/api/drafts.h).
    R"sql(
CREATE TABLE drafts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  author TEXT NOT NULL,
  base_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  revision INTEGER NOT NULL
);
CREATE TABLE draft_files (
  draft_id INTEGER NOT NULL REFERENCES drafts(id),
  name TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (draft_id, name)
);
)sql",
    // 17: change requests: a draft submitted for approval with the
    // version of its files frozen, where it stands, and every step it
    // went through (server/api/change_requests.h). A request outlives its
    // draft: the audit stays. And who wrote each draft (its author and
    // everyone who changed it), none of whom may approve it.
    R"sql(
CREATE TABLE change_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  draft_id INTEGER NOT NULL,
  draft_revision INTEGER NOT NULL,
  version TEXT NOT NULL,
  title TEXT NOT NULL,
  author TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  serving_version TEXT NOT NULL,
  state TEXT NOT NULL,
  state_by TEXT NOT NULL,
  state_at TEXT NOT NULL,
  state_comment TEXT NOT NULL
);
CREATE INDEX change_requests_by_draft ON change_requests (draft_id, state);
CREATE TABLE change_request_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id INTEGER NOT NULL REFERENCES change_requests(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  comment TEXT NOT NULL,
  version TEXT NOT NULL,
  checks TEXT NOT NULL
);
CREATE INDEX change_request_events_by_request ON change_request_events (request_id, id);
CREATE TABLE draft_editors (
  draft_id INTEGER NOT NULL,
  editor TEXT NOT NULL,
  PRIMARY KEY (draft_id, editor)
);
INSERT INTO draft_editors (draft_id, editor) SELECT id, author FROM drafts;
INSERT INTO draft_editors (draft_id, editor)
  SELECT id, updated_by FROM drafts WHERE updated_by <> author;
)sql",
};

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

std::string_view MigrationScript(int version) {
  if (version < 1 || version > LatestSchemaVersion()) return {};
  return kMigrations[version - 1];
}

}  // namespace clientele::server::sql
