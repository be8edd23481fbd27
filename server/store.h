// The SQLite store of clientele: customers, purchases and returns, the
// points ledger, interactions, feedback, products, improvement actions and
// their audit trail, and idempotency keys. Knows nothing of gRPC; knows the
// rules' record types (rules::Customer) because those are what it stores.
//
// Thread safety: a Store is safe to use from many threads. Writes go
// through one connection (SQLite serialises writers anyway), on one writer
// thread of the Store's own that commits them in groups; reads
// use a small pool of their own connections, so that they run side by side
// and never wait for a commit's sync (WAL lets readers see the last commit
// while a writer works). A Transaction exists only inside Store::Write and
// must not escape its callback.
//
// Durability: WAL journal; an acknowledged write survives a crash of the
// process, and with StoreOptions::sync_every_commit (the default) also one
// of the machine.
#ifndef CLIENTELE_SERVER_STORE_H_
#define CLIENTELE_SERVER_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/ruleset.h"

namespace SQLite {
class Database;
}

namespace clientele::server {

struct StoreOptions {
  std::string path;              // database file; created when missing
  int busy_timeout_ms = 5000;    // wait this long for another process's lock
  int stats_window_months = 12;  // purchase stats: this month and the 11 before
  // true: every commit is synced to disk before Write returns (survives a
  // power loss). false: SQLite's synchronous=NORMAL in WAL mode: a commit
  // survives the process being killed (kill -9) but the last ones may be
  // lost if the machine itself loses power.
  bool sync_every_commit = true;
  int read_connections = 4;  // reads at once (1..64)
  // Told how long each database operation took: "read" (one read, waiting
  // for a connection included) or "commit" (a group of writes, sync
  // included). Called on the reading thread or the writer thread; must be
  // quick and thread-safe. May be empty.
  std::function<void(std::string_view operation, std::chrono::nanoseconds took)> observe = nullptr;
};

// One line of the append-only points ledger.
struct LedgerEntry {
  int64_t id = 0;                // assigned by the store, increasing
  std::string customer_id;
  int64_t delta = 0;             // points added (negative: taken back)
  std::string reason;            // "purchase", "return", ...
  std::string rule_id;           // the earning rule, or "" 
  std::string ruleset_version;
  std::string source;            // the event, e.g. "purchase:P-1001"
  std::string recorded_at;       // RFC 3339, UTC
};

struct PurchaseRecord {
  std::string purchase_id;
  std::string customer_id;
  rules::Decimal amount;
  std::string product;
  rules::Channel channel = rules::Channel::kUnknown;
  rules::Date day;
  int64_t points_earned = 0;
  std::string rule_id;
  std::string ruleset_version;
  std::string returned_kind;  // "" while not taken back; "return" / "cancellation"
};

// One piece of feedback about a product.
struct FeedbackRecord {
  int64_t id = 0;                // assigned by the store
  std::string customer_id;       // "" anonymous
  std::string product;
  std::string text;
  rules::FeedbackSource source = rules::FeedbackSource::kUnknown;
  std::optional<rules::Decimal> satisfaction;  // not rated when empty
  rules::Date day;
  std::string ruleset_version;
  std::vector<std::string> themes;  // the improvement rules it matched
};

// A product and its attributes (功能, 价格, 售后服务, ...).
struct ProductRecord {
  std::string product;
  std::map<std::string, std::string> attributes;
  std::string updated_at;  // RFC 3339, UTC; set by the store
};

// An improvement action proposed by the rules for a product, with its
// evidence. At most one per (product, rule_id) is "proposed" at a time.
struct ImprovementActionRecord {
  int64_t id = 0;
  std::string product;
  std::string rule_id;
  std::string action;
  std::optional<rules::ProductChange> change;
  std::string status;  // "proposed" | "applied" | "dismissed"
  int64_t feedback_count = 0;
  std::map<std::string, int64_t> keyword_counts;
  rules::Date first_feedback_at;
  rules::Date last_feedback_at;
  std::string ruleset_version;
  std::string proposed_at;
  std::string decided_at;
  std::string decided_by;
  std::string note;
};

struct ActionPage {
  std::vector<ImprovementActionRecord> actions;
  bool more = false;
};

// One line of the audit trail of explicit decisions.
struct AuditEntry {
  int64_t id = 0;
  std::string subject;  // e.g. "improvement_action:12"
  std::string event;    // e.g. "applied"
  std::string actor;
  std::string note;
  std::string before;   // what changed, as text ("" when nothing did)
  std::string after;
  std::string recorded_at;
};

struct LedgerPage {
  std::vector<LedgerEntry> entries;
  std::vector<int64_t> balance_after;  // parallel to entries: running sum
  bool more = false;
};

// A version of the rules that was served, kept so that any past decision
// or ledger entry (which carry the version) can be explained later.
struct RulesetVersionRecord {
  std::string version;          // RuleSet::version()
  std::string directory;        // loaded from
  std::string first_served_at;  // RFC 3339, UTC
  std::string last_served_at;   // the latest time it was swapped in
  int64_t times_served = 0;     // how often it was swapped in
  std::vector<rules::RuleSource> files;  // file name and bytes; empty in listings
};

// One sampled decision of the decision log (server/decision_log.h). The
// request and decision are bytes that the service layer encodes and
// decodes; the store keeps them as given.
struct DecisionLogEntry {
  int64_t id = 0;               // assigned by the store, increasing
  std::string recorded_at;      // RFC 3339 UTC with milliseconds
  std::string method;           // the RPC, e.g. "Evaluate"
  std::string caller;           // the name of the caller's token
  std::string customer_id;
  std::string ruleset_version;  // of the ruleset that decided
  std::string request;          // encoded by the service layer
  std::string decision;         // encoded by the service layer
};

// `at` as RFC 3339 UTC with milliseconds ("2026-12-02T13:34:57.573Z"): the
// form of DecisionLogEntry::recorded_at and BackupRecord::taken_at. Text
// of this form sorts as time does, which the decision log's age limit
// relies on.
std::string UtcMillisecondsText(std::chrono::system_clock::time_point at);

// How much of the decision log is kept: at most max_entries (the newest),
// and none older than max_age (zero: no age limit).
struct DecisionRetention {
  int64_t max_entries = 100'000;
  std::chrono::seconds max_age{0};
  int64_t max_age_days() const { return max_age.count() / 86400; }
};

// A page of the decision log, newest first (Store::DecisionLog).
struct DecisionLogQuery {
  std::string customer_id;      // "" all customers
  std::string ruleset_version;  // "" all versions
  int64_t before_id = 0;        // entries with smaller ids; 0: from the newest
  int limit = 100;
};

struct DecisionLogPage {
  std::vector<DecisionLogEntry> entries;
  bool more = false;  // older entries that match exist
};

// Operations inside one write transaction (see Store::Write). Every method
// returns an error rather than throwing; after an error the caller should
// return it, which rolls the whole transaction back.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // The customer with its purchase stats for the window ending on `today`;
  // nullopt when there is none.
  virtual absl::StatusOr<std::optional<rules::Customer>> FindCustomer(std::string_view id,
                                                                      rules::Date today) = 0;
  // Inserts the customer or replaces its profile fields (name, age, gender,
  // occupation, consumption, channel, birthday, joined_at, satisfaction).
  // Nonzero purchase_frequency / average_purchase_amount are kept as
  // imported stats, which FindCustomer reports while the customer has no
  // recorded purchase (zero keeps earlier imported ones). Points, tier and
  // totals are never written here. True when the customer was created.
  virtual absl::StatusOr<bool> UpsertCustomerProfile(const rules::Customer& customer) = 0;
  // Deletes the customer and everything recorded about it. False when
  // there was no such customer.
  virtual absl::StatusOr<bool> DeleteCustomer(std::string_view id) = 0;

  // Stores the purchase with the points it earned: the purchase row, the
  // customer's total, last purchase day, windowed stats and tier (kept
  // when `tier` is nullopt), and
  // `points` appended to the ledger with the balance moved by its delta
  // (see AppendLedger). Returns the ledger entry's id. NOT_FOUND for an
  // unknown customer, ALREADY_EXISTS for a purchase id recorded before.
  virtual absl::StatusOr<int64_t> InsertPurchase(const PurchaseRecord& purchase,
                                                 const LedgerEntry& points,
                                                 std::optional<std::string_view> tier) = 0;
  virtual absl::StatusOr<std::optional<PurchaseRecord>> FindPurchase(
      std::string_view purchase_id) = 0;
  // Marks the purchase as taken back (`kind`) and removes it from the
  // customer's total, last purchase day and windowed stats. The ledger is
  // the caller's business (AppendLedger).
  virtual absl::Status MarkReturned(const PurchaseRecord& purchase, std::string_view kind) = 0;
  // Appends to the ledger and moves the customer's balance by the same
  // delta, so that the balance always equals the ledger's sum.
  virtual absl::StatusOr<int64_t> AppendLedger(const LedgerEntry& entry) = 0;
  virtual absl::Status SetTier(std::string_view customer_id, std::string_view tier) = 0;
  // Records an interaction and sets the customer's satisfaction and count.
  virtual absl::Status RecordInteraction(std::string_view customer_id, std::string_view text,
                                         std::string_view rule_id, rules::Decimal satisfaction,
                                         int64_t interaction_count) = 0;

  // Stores feedback (and its themes); returns its id. A non-empty
  // customer_id must be a stored customer (else NOT_FOUND).
  virtual absl::StatusOr<int64_t> InsertFeedback(const FeedbackRecord& feedback) = 0;
  // Adds feedback `feedback_id` of `day`, which contained
  // `matched_keywords`, to the evidence of the open action for
  // (proposal.product, proposal.rule_id), creating that action from
  // `proposal` when none is open. Returns the action's id.
  virtual absl::StatusOr<int64_t> SupportAction(const ImprovementActionRecord& proposal,
                                                int64_t feedback_id, rules::Date day,
                                                const std::vector<std::string>& matched_keywords) = 0;
  virtual absl::StatusOr<std::optional<ImprovementActionRecord>> FindAction(int64_t id) = 0;
  // Moves a proposed action to `status` ("applied" | "dismissed");
  // FAILED_PRECONDITION when it is not proposed any more.
  virtual absl::Status CloseAction(int64_t id, std::string_view status, std::string_view actor,
                                   std::string_view note) = 0;
  virtual absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) = 0;
  // Creates the product or replaces its attributes; true when created.
  virtual absl::StatusOr<bool> UpsertProduct(const ProductRecord& product) = 0;
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  // Keeps a version being swapped in: new versions with their files (by
  // file name); a version served before gets its last_served_at (from
  // record.last_served_at) and times_served updated.
  virtual absl::Status ArchiveRuleset(const RulesetVersionRecord& record) = 0;
  // Appends `entries` to the decision log (recorded_at as given, ids
  // assigned), then removes what `retention` no longer keeps: the lowest
  // ids beyond max_entries, and the entries before the first one recorded
  // within max_age. Returns how many entries were removed.
  virtual absl::StatusOr<int64_t> AppendDecisions(std::span<const DecisionLogEntry> entries,
                                                  const DecisionRetention& retention) = 0;
  // Removes the oldest idempotency keys recorded before `cutoff`, at most
  // `limit` of them (a long backlog goes in several writes, each short).
  // Keys are taken in the order they were recorded and the removal stops
  // at the first one recorded at or after `cutoff`. Returns how many went.
  virtual absl::StatusOr<int64_t> RemoveIdempotencyKeysBefore(
      std::chrono::system_clock::time_point cutoff, int64_t limit) = 0;
};

// What Store::BackupTo wrote.
struct BackupRecord {
  std::string taken_at;  // RFC 3339 UTC with milliseconds: the snapshot's start
  int64_t size_bytes = 0;
  int schema_version = 0;
  int64_t customers = 0;
};

struct CustomerPage {
  std::vector<rules::Customer> customers;
  bool more = false;  // customers after the last one exist
};

// A walk over stored customers (Store::ScanCustomers).
struct CustomerScan {
  rules::Date today;            // REQUIRED: the stats window ends in its month
  std::string from_id;          // the first id of the range ("" from the start)
  std::string to_id;            // ids before this one ("" to the end)
  // Purchases made on these days (both included) come with their customer;
  // none when either is unknown.
  rules::Date purchases_from;
  rules::Date purchases_to;
};

class Store {
 public:
  // Opens (creating when missing) and migrates the database to the latest
  // schema. Errors: INVALID_ARGUMENT for bad options, UNAVAILABLE when the
  // file cannot be opened, FAILED_PRECONDITION for a database written by a
  // newer clientele (unknown schema version).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version after migration.
  int schema_version() const { return schema_version_; }
  // The database file (StoreOptions::path).
  const std::string& path() const { return path_; }
  // How many reads can run at once (StoreOptions::read_connections).
  int read_connections() const { return static_cast<int>(readers_.size()); }
  static int LatestSchemaVersion();
  // The key that signs page tokens: 32 random bytes made with the
  // database (migration 7), so that tokens outlive a restart.
  const std::string& page_token_key() const { return page_token_key_; }
  // The SQL of migration `version` (1 ... LatestSchemaVersion()), so that
  // tests can build a database as an older release left it.
  static std::string_view MigrationScript(int version);

  // What identifies a write for idempotency: the caller's key, the
  // operation, and a fingerprint of the request (e.g. a hash of its bytes).
  struct WriteKey {
    std::string_view key;
    std::string_view method;
    std::string_view fingerprint;
  };

  // Runs `write` in a transaction together with its idempotency key (an
  // empty key: the server's own write, run without one):
  //  - key seen before with the same method and fingerprint: returns the
  //    response stored then, without running `write`;
  //  - key seen with another method or fingerprint: ALREADY_EXISTS;
  //  - otherwise runs `write`; when it returns a response, stores the key
  //    with that response and commits; when it returns an error, rolls
  //    everything back and returns the error (the key stays unused).
  // Group commit: the writer thread takes every write queued while it
  // committed the previous group and runs them together, each in its own
  // savepoint, in one transaction with one sync to disk; a write that fails
  // rolls back only its savepoint. Write returns only after the commit is
  // durable. `write` runs on the writer thread while the caller waits; it
  // must not call the Store. Must not be called from a WriteDone of Submit
  // (it would wait for the thread it runs on).
  absl::StatusOr<std::string> Write(const WriteKey& key,
                                    absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write)
      ABSL_LOCKS_EXCLUDED(mutex_);

  using Deadline = std::chrono::system_clock::time_point;
  using WriteFunction = absl::AnyInvocable<absl::StatusOr<std::string>(Transaction&)>;
  using WriteDone = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;
  // Write without waiting: queues the write and returns at once (the key's
  // strings are copied). `done` gets what Write would return, once the
  // commit is durable or the write failed, on the writer thread or the
  // store's completion thread; it must be quick (it holds up the writes
  // after it) and must not call the Store. A write whose `deadline` has
  // passed when its turn comes is not run: `done` gets DEADLINE_EXCEEDED
  // and nothing changes. Once the Store is being destroyed, `done` gets
  // UNAVAILABLE at once. This is what lets a server keep many writes in
  // flight without a thread waiting for each.
  void Submit(const WriteKey& key, Deadline deadline, WriteFunction write, WriteDone done)
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Reads.
  absl::StatusOr<std::optional<rules::Customer>> FindCustomer(std::string_view id,
                                                              rules::Date today)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Up to `limit` customers with ids greater than `after_id`, in id order.
  absl::StatusOr<CustomerPage> ListCustomers(std::string_view after_id, int limit,
                                             rules::Date today) ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<int64_t> CountCustomers() ABSL_LOCKS_EXCLUDED(mutex_);
  // The customer's ledger, oldest first.
  absl::StatusOr<std::vector<LedgerEntry>> Ledger(std::string_view customer_id)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Up to `limit` ledger entries with ids greater than `after_id`, with the
  // running balance after each.
  absl::StatusOr<LedgerPage> LedgerAfter(std::string_view customer_id, int64_t after_id, int limit)
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Up to `limit` actions with ids less than `before_id` (0: no bound),
  // newest first; `product` and `status` filter when not empty.
  absl::StatusOr<ActionPage> ListActions(std::string_view product, std::string_view status,
                                         int64_t before_id, int limit) ABSL_LOCKS_EXCLUDED(mutex_);
  // Calls `visit` for every feedback item of `product` ("" all) given on
  // or after `since` (unknown: all), by product and then day. The store is
  // locked meanwhile: `visit` must not call it.
  absl::Status ScanFeedback(std::string_view product, rules::Date since,
                            const std::function<void(const FeedbackRecord&)>& visit)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The audit trail of `subject`, oldest first.
  absl::StatusOr<std::vector<AuditEntry>> Audit(std::string_view subject)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Keeps a ruleset version being swapped in (Transaction::ArchiveRuleset
  // in a write of its own, without an idempotency key).
  absl::Status KeepRulesetVersion(const RulesetVersionRecord& record) ABSL_LOCKS_EXCLUDED(mutex_);
  // Ruleset versions served, the most recently served first, without files.
  absl::StatusOr<std::vector<RulesetVersionRecord>> RulesetVersions(int limit)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The version that `version_prefix` starts (with its files); nullopt when
  // none does; INVALID_ARGUMENT when several do.
  absl::StatusOr<std::optional<RulesetVersionRecord>> FindRulesetVersion(
      std::string_view version_prefix) ABSL_LOCKS_EXCLUDED(mutex_);
  // Calls `visit` for every customer of the scan's id range, in id order,
  // with the stats FindCustomer would give and the purchases made in the
  // scan's period that were not returned, in the order they were recorded. All in one read
  // transaction (a consistent snapshot); `visit` must not call the Store.
  absl::Status ScanCustomers(
      const CustomerScan& scan,
      absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Ids that split the customers into `parts` id ranges of about the same
  // size, ascending: parts - 1 of them, none for fewer customers than parts.
  absl::StatusOr<std::vector<std::string>> CustomerIdSplits(int parts) ABSL_LOCKS_EXCLUDED(mutex_);
  // Writes a consistent copy of the whole database to `path` (which must
  // not exist; its directory must), while reads and writes go on: SQLite's
  // VACUUM INTO on one read snapshot, then a check of the copy (it opens,
  // passes PRAGMA quick_check, and has this store's schema). Takes a read
  // connection for its length. On any error the partial file is removed.
  absl::StatusOr<BackupRecord> BackupTo(const std::string& path) ABSL_LOCKS_EXCLUDED(mutex_);
  // A page of the decision log, newest first.
  absl::StatusOr<DecisionLogPage> DecisionLog(const DecisionLogQuery& query)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Purchases recorded, oldest first (all customers when id is empty).
  absl::StatusOr<std::vector<PurchaseRecord>> Purchases(std::string_view customer_id)
      ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  class Impl;
  struct PendingWrite;
  class ReadLease;
  Store(const StoreOptions& options, std::unique_ptr<Impl> writer,
        std::vector<std::unique_ptr<Impl>> readers, int schema_version);
  // Tells StoreOptions::observe how long `operation` took since `began`.
  void Observe(std::string_view operation, std::chrono::steady_clock::time_point began) const;
  // The writer thread: commits groups of queued writes until the Store is
  // destroyed, then commits what is left and returns.
  void WriteQueued() ABSL_LOCKS_EXCLUDED(mutex_);
  // The completion thread: runs the WriteDone of committed writes (which
  // finish gRPC calls, a cost of its own), so that the writer thread goes
  // on to the next group meanwhile. Returns once the writer has finished
  // and every write is done.
  void CompleteWritten();
  // One transaction for `group`: each write's result set, or all failed.
  void CommitGroup(std::vector<PendingWrite>& group) ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<std::string> RunInSavepoint(PendingWrite& write)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // Writes wait here for the writer thread (std:: primitives for the
  // predicate wait, and for ThreadSanitizer).
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::vector<PendingWrite> queue_;  // guarded by queue_mutex_
  bool stopping_ = false;           // guarded by queue_mutex_

  // Committed (or failed) writes on their way to their WriteDone.
  std::mutex written_mutex_;
  std::condition_variable written_changed_;
  std::vector<PendingWrite> written_;  // guarded by written_mutex_
  bool writer_finished_ = false;       // guarded by written_mutex_

  absl::Mutex mutex_;
  std::unique_ptr<Impl> impl_ ABSL_GUARDED_BY(mutex_);  // the writer

  // Read connections not in use (all are owned by readers_).
  std::vector<std::unique_ptr<Impl>> readers_;
  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<Impl*> idle_readers_;  // guarded by readers_mutex_
  int schema_version_ = 0;
  std::string page_token_key_;  // set by Open, then never changed
  const std::string path_;
  const std::function<void(std::string_view, std::chrono::nanoseconds)> observe_;
  // Last: they start once everything they use exists.
  std::thread completer_;
  std::thread writer_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_H_
