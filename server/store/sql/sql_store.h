// The store contract (server/store/store.h) on a relational database,
// written once over sql::Database (statement.h) for every backend: SQLite
// (server/store/sqlite/), the embedded default, and PostgreSQL
// (server/store/postgres/), which several replicas share. What differs
// between them (connecting, the schema's migrations, the backup) is the
// backend's (SqlBackend below); the SQL they both run is written once.
//
// Writes go through one connection, on one writer thread of the store's
// own that commits them in groups: it takes every write queued while it
// committed the previous group and runs them together, each in its own
// savepoint, in one transaction with one commit; a write that fails
// rolls back only its savepoint (files: write_queue.cc; the transaction's
// operations: connection.h). The group's transaction holds the
// database's write lock (SqlBackend: SQLite's, or on PostgreSQL a lock
// that every replica's writer takes), so that writes are serialised
// across every process that shares the database, as the contract
// promises. Reads use a small pool of their own connections (reads.cc),
// so that they run side by side and never wait for a commit.
//
// Durability: as the backend's (SQLite's WAL, PostgreSQL's commit).
//
// Thread safety: as the contract says, safe from many threads.
#ifndef CLIENTELE_SERVER_STORE_SQL_SQL_STORE_H_
#define CLIENTELE_SERVER_STORE_SQL_SQL_STORE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "server/store/sql/committed_changes.h"
#include "server/store/store.h"

namespace clientele::server {

namespace sql {
class Connection;
class BudgetUsage;
class Database;
class Statement;
}  // namespace sql

// What a relational store needs of its database beyond running SQL.
// Called by SqlStore::Open on its thread, except BackupTo and
// LeadsBackgroundPasses (thread-safe), which the store calls.
class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  // What names the database in messages and Store::path(): the file, or
  // the URL without its password.
  virtual const std::string& location() const = 0;
  // A new connection. Throws sql::Error.
  virtual std::unique_ptr<sql::Database> Connect() = 0;
  // Applies the migrations not yet applied, one process at a time;
  // returns the schema version. FAILED_PRECONDITION when the database
  // has a newer schema than this clientele knows. Throws sql::Error.
  virtual absl::StatusOr<int> Migrate(sql::Database& db) = 0;
  // Tunes the writer's connection once migrated. Throws sql::Error.
  virtual void PrepareWriter(sql::Database& db) = 0;
  // Whether other processes write to the same database (replicas): then
  // the store keeps nothing that their writes change in memory (everyone's
  // offer usage is read from the database, not from BudgetUsage).
  virtual bool shared() const = 0;
  // Store::LeadsBackgroundPasses.
  virtual bool LeadsBackgroundPasses() = 0;
  // For a database that a newer clientele may migrate while this one
  // runs (replicas upgraded one at a time): a query of the schema version
  // (one row, one column), which every write group sends ahead with its
  // start, after the write lock that migrations take too, and checks
  // before it commits. Empty for a database no other process migrates.
  virtual std::string SchemaVersionQuery() const = 0;

  // What wakes the change feed of every replica sharing a database when
  // a write group that changed tasks or segments commits.
  class ChangeSignal {
   public:
    virtual ~ChangeSignal() = default;
    // Returns when a commit was signalled, when Interrupt was called, or
    // after `timeout`, whichever is first. Throws sql::Error when the
    // database cannot be reached (after trying to listen again).
    virtual void Wait(std::chrono::milliseconds timeout) = 0;
    // Makes the Wait in progress (or the next) return now. Thread-safe.
    virtual void Interrupt() = 0;
  };
  // For a shared database: a signal of its own (a connection that
  // listens), and what a write group sends on `writer` inside its
  // transaction (told at its commit). Throw sql::Error.
  virtual std::unique_ptr<ChangeSignal> ListenForChanges() = 0;
  virtual void SignalChanges(sql::Database& writer) = 0;
  // Store::BackupTo, reading through `reader` (held for its length).
  virtual absl::StatusOr<BackupRecord> BackupTo(sql::Database& reader, const std::string& path,
                                                int schema_version) = 0;
};

struct SqlStoreOptions {
  int stats_window_months = 12;  // purchase stats: this month and the 11 before
  int read_connections = 4;      // reads at once (1..64)
  // With a shared database: the task changes kept in task_changes for the
  // other replicas' feeds, the newest ones (each feed reads them within a
  // second of their commit; a replica that starts begins after the last).
  int64_t task_changes_kept = 100'000;
  // Told how long each database operation took: "read" (one read, waiting
  // for a connection included) or "commit" (a group of writes, sync
  // included). Called on the reading thread or the writer thread; must be
  // quick and thread-safe. May be empty.
  std::function<void(std::string_view operation, std::chrono::nanoseconds took)> observe = nullptr;
};

class SqlStore final : public Store {
 public:
  // Connects through `backend` and migrates the database to the latest
  // schema. Errors: INVALID_ARGUMENT for bad options, UNAVAILABLE when the
  // database cannot be reached, FAILED_PRECONDITION for a database written
  // by a newer clientele (unknown schema version).
  static absl::StatusOr<std::unique_ptr<Store>> Open(std::unique_ptr<SqlBackend> backend,
                                                     const SqlStoreOptions& options);
  ~SqlStore() override;
  SqlStore(const SqlStore&) = delete;
  SqlStore& operator=(const SqlStore&) = delete;

  // The schema version after migration.
  int schema_version() const override { return schema_version_; }
  // SqlBackend::location.
  const std::string& path() const override { return backend_->location(); }
  // SqlStoreOptions::read_connections.
  int read_connections() const override { return static_cast<int>(readers_.size()); }
  // Made by migration 7 (the server_secrets table).
  const std::string& page_token_key() const override { return page_token_key_; }

  // The contract's writes and reads (store.h). BackupTo is the backend's;
  // it holds a read connection for its length. ScanFeedback and
  // ScanCustomers hold one for the whole scan. Write and Submit must not
  // be called by a write (whose callback runs under mutex_).
  absl::StatusOr<std::string> Write(
      const WriteKey& key,
      absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  void Submit(const WriteKey& key, Deadline deadline, WriteFunction write, WriteDone done) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<std::optional<rules::Customer>> FindCustomer(std::string_view id,
                                                              const CustomerAsOf& as_of) override;
  absl::StatusOr<CustomerPage> ListCustomers(std::string_view after_id, int limit,
                                             const CustomerAsOf& as_of) override;
  absl::StatusOr<int64_t> CountCustomers() override;
  absl::StatusOr<std::vector<LedgerEntry>> Ledger(std::string_view customer_id) override;
  absl::StatusOr<std::vector<PointLotRecord>> LiveLots(std::string_view customer_id) override;
  absl::StatusOr<std::vector<RedemptionRecord>> Redemptions(std::string_view customer_id,
                                                            int limit) override;
  absl::StatusOr<std::vector<TierChangeRecord>> TierHistory(std::string_view customer_id,
                                                            int limit) override;
  absl::StatusOr<LedgerPage> LedgerAfter(std::string_view customer_id, int64_t after_id,
                                         int limit) override;
  absl::StatusOr<std::vector<OfferRedemptionRecord>> OfferRedemptions(std::string_view customer_id,
                                                                      int limit) override;
  absl::StatusOr<std::vector<OfferUsageRow>> OfferUsage(const OfferUsageQuery& query) override;
  absl::StatusOr<CustomerWithOfferUsage> FindCustomerWithOfferUsage(
      std::string_view id, const CustomerAsOf& as_of, const OfferUsageQuery& usage) override;
  absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) override;
  absl::StatusOr<TaskPage> ListTasks(const TaskQuery& query) override;
  int SubscribeTasks(std::function<void(const TaskRecord&)> listener) override;
  void UnsubscribeTasks(int id) override;
  int SubscribeSegmentChanges(std::function<void(const SegmentChangeRecord&)> listener) override;
  void UnsubscribeSegmentChanges(int id) override;
  void FollowCustomerChanges(CustomerChangeFollower follower) override;
  absl::StatusOr<std::vector<SegmentMembershipRecord>> CustomerSegments(
      std::string_view customer_id) override;
  absl::StatusOr<std::vector<SegmentChangeRecord>> SegmentChanges(
      const SegmentChangeQuery& query) override;
  absl::StatusOr<std::vector<SegmentMembershipRecord>> SegmentMembers(std::string_view dimension,
                                                                      std::string_view segment,
                                                                      std::string_view after_id,
                                                                      int limit) override;
  absl::StatusOr<std::optional<rules::RfmQuantiles>> RfmQuantiles(int32_t window_days) override;
  absl::StatusOr<ActionPage> ListActions(std::string_view product, std::string_view status,
                                         int64_t before_id, int limit) override;
  absl::Status ScanFeedback(std::string_view product, rules::Date since,
                            const std::function<void(const FeedbackRecord&)>& visit) override;
  absl::StatusOr<std::vector<AuditEntry>> Audit(std::string_view subject) override;
  absl::Status KeepRulesetVersion(const RulesetVersionRecord& record) override;
  absl::Status ReportReplicaRuleset(const ReplicaRulesetRecord& record,
                                    std::string_view forget_before) override;
  absl::StatusOr<std::vector<ReplicaRulesetRecord>> ReplicaRulesets() override;
  absl::StatusOr<std::optional<DraftRecord>> FindDraft(int64_t id) override;
  absl::StatusOr<std::vector<DraftRecord>> Drafts(int limit) override;
  absl::StatusOr<std::optional<ChangeRequestRecord>> FindChangeRequest(int64_t id) override;
  absl::StatusOr<std::vector<ChangeRequestRecord>> ChangeRequests(std::string_view state,
                                                                  int limit) override;
  absl::StatusOr<std::vector<RulesetVersionRecord>> RulesetVersions(int limit) override;
  absl::StatusOr<std::optional<RulesetVersionRecord>> FindRulesetVersion(
      std::string_view version_prefix) override;
  absl::Status ScanCustomers(
      const CustomerScan& scan,
      absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit)
      override;
  absl::StatusOr<std::vector<std::string>> CustomerIdSplits(int parts) override;
  absl::StatusOr<BackupRecord> BackupTo(const std::string& path) override;
  bool LeadsBackgroundPasses() override { return backend_->LeadsBackgroundPasses(); }
  absl::StatusOr<DecisionLogPage> DecisionLog(const DecisionLogQuery& query) override;
  absl::StatusOr<std::vector<PurchaseRecord>> Purchases(std::string_view customer_id) override;

 private:
  struct PendingWrite;
  class ReadLease;
  SqlStore(std::unique_ptr<SqlBackend> backend, const SqlStoreOptions& options,
           std::unique_ptr<sql::Connection> writer,
           std::vector<std::unique_ptr<sql::Connection>> readers, int schema_version);
  // Tells SqlStoreOptions::observe how long `operation` took since `began`.
  void Observe(std::string_view operation, std::chrono::steady_clock::time_point began) const;
  // The writer thread: commits groups of queued writes until the store is
  // destroyed, then commits what is left and returns.
  void WriteQueued() ABSL_LOCKS_EXCLUDED(mutex_);
  // The completion thread: runs the WriteDone of committed writes (which
  // finish gRPC calls, a cost of its own), so that the writer thread goes
  // on to the next group meanwhile. Returns once the writer has finished
  // and every write is done.
  void CompleteWritten();
  // One transaction for `group`: each write's result set, or all failed.
  void CommitGroup(std::vector<PendingWrite>& group) ABSL_LOCKS_EXCLUDED(mutex_);
  // Thrown by RunInSavepoint when its write failed for want of the
  // database and left the transaction unusable: CommitGroup fails every
  // write of the group with `status`.
  struct GroupFailure {
    absl::Status status;
  };
  // Rolls the group's transaction back, forgets the changes its writes
  // noted, and gives each write `status(write)`.
  void FailGroup(std::vector<PendingWrite>& group,
                 absl::FunctionRef<absl::Status(const PendingWrite&)> status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Throws sql::Error (kUnavailable) unless `schema` (the backend's
  // SchemaVersionQuery, sent ahead) reads this store's schema version:
  // a newer clientele migrated the database, whose writes this one would
  // not all know how to make.
  void CheckSchemaUnchanged(sql::Statement& schema) const;
  absl::StatusOr<std::string> RunInSavepoint(PendingWrite& write)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // With a shared database, task and segment changes reach the listeners
  // through this feed, every replica's (its own included) in commit
  // order: it reads task_changes and segment_changes after the last it
  // told, whenever a commit is signalled (and every second). Runs on
  // feed_ until feed_stopping_.
  void FeedChanges();
  // Store::OfferUsage on a leased reader: everyone's rows from
  // budget_usage_ (from `reader` on a shared database), the customer's
  // from `reader`. Throws sql::Error.
  std::vector<OfferUsageRow> ReadOfferUsage(sql::Connection& reader, const OfferUsageQuery& query);

  // Writes wait here for the writer thread.
  Mutex queue_mutex_;
  CondVar queue_changed_;
  std::vector<PendingWrite> queue_ ABSL_GUARDED_BY(queue_mutex_);
  bool stopping_ ABSL_GUARDED_BY(queue_mutex_) = false;

  // Committed (or failed) writes on their way to their WriteDone.
  Mutex written_mutex_;
  CondVar written_changed_;
  std::vector<PendingWrite> written_ ABSL_GUARDED_BY(written_mutex_);
  bool writer_finished_ ABSL_GUARDED_BY(written_mutex_) = false;

  Mutex mutex_;  // held by the writer thread while it commits a group
  std::unique_ptr<sql::Connection> writer_connection_ ABSL_GUARDED_BY(mutex_);

  // Read connections not in use (all are owned by readers_).
  std::vector<std::unique_ptr<sql::Connection>> readers_;
  Mutex readers_mutex_;
  CondVar reader_returned_;
  std::vector<sql::Connection*> idle_readers_ ABSL_GUARDED_BY(readers_mutex_);
  int schema_version_ = 0;
  std::string page_token_key_;  // set by Open, then never changed
  // Everyone's offer usage as committed (budget_usage.h): OfferUsage reads
  // budgets from it. Set by Open; changed by CommitGroup. None on a
  // shared database, whose budgets other replicas spend too.
  std::unique_ptr<sql::BudgetUsage> budget_usage_;
  // Who hears of committed task and segment changes.
  sql::ChangeListeners<TaskRecord> task_listeners_;
  sql::ChangeListeners<SegmentChangeRecord> segment_listeners_;
  // Set once before the first write (FollowCustomerChanges); read by the writer.
  CustomerChangeFollower follower_;
  // The change feed of a shared database (null otherwise); set by Open.
  std::unique_ptr<sql::Connection> feed_connection_;
  std::unique_ptr<SqlBackend::ChangeSignal> change_signal_;
  int64_t fed_segment_sequence_ = 0;  // the feed's own, once started
  int64_t fed_task_sequence_ = 0;
  std::atomic<bool> feed_stopping_{false};
  std::thread feed_;
  const std::unique_ptr<SqlBackend> backend_;
  const std::function<void(std::string_view, std::chrono::nanoseconds)> observe_;
  // Last: they start once everything they use exists.
  std::thread completer_;
  std::thread writer_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_SQL_SQL_STORE_H_
