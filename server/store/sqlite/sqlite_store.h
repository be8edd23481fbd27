// The SQLite implementation of the store contract (server/store/store.h),
// through SQLiteCpp. The only part of clientele that includes SQLite.
//
// Writes go through one connection (SQLite serialises writers anyway), on
// one writer thread of the store's own that commits them in groups: it
// takes every write queued while it committed the previous group and runs
// them together, each in its own savepoint, in one transaction with one
// sync to disk; a write that fails rolls back only its savepoint (files:
// write_queue.cc; the transaction's operations: connection.h). Reads use a
// small pool of their own connections (reads.cc), so that they run side
// by side and never wait for a commit's sync (WAL lets readers see the
// last commit while a writer works). The schema and its migrations are in
// schema.cc.
//
// Durability: WAL journal; an acknowledged write survives a crash of the
// process, and with SqliteStoreOptions::sync_every_commit (the default)
// also one of the machine.
//
// Thread safety: as the contract says, safe from many threads.
#ifndef CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
#define CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_

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
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "server/store/sqlite/committed_changes.h"
#include "server/store/store.h"

namespace clientele::server {

namespace sqlite {
class Connection;
class BudgetUsage;
}

struct SqliteStoreOptions {
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

class SqliteStore final : public Store {
 public:
  // Opens (creating when missing) and migrates the database to the latest
  // schema. Errors: INVALID_ARGUMENT for bad options, UNAVAILABLE when the
  // file cannot be opened, FAILED_PRECONDITION for a database written by a
  // newer clientele (unknown schema version).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  static int LatestSchemaVersion();
  // The SQL of migration `version` (1 ... LatestSchemaVersion()), so that
  // tests can build a database as an older release left it.
  static std::string_view MigrationScript(int version);

  // The schema version after migration.
  int schema_version() const override { return schema_version_; }
  // The database file (SqliteStoreOptions::path).
  const std::string& path() const override { return path_; }
  // SqliteStoreOptions::read_connections.
  int read_connections() const override { return static_cast<int>(readers_.size()); }
  // Made by migration 7 (the server_secrets table).
  const std::string& page_token_key() const override { return page_token_key_; }

  // The contract's writes and reads (store.h). BackupTo is SQLite's VACUUM
  // INTO on one read snapshot, then PRAGMA quick_check of the copy; it
  // holds a read connection for its length. ScanFeedback and
  // ScanCustomers hold one for the whole scan. Write and Submit must not
  // be called by a write (whose callback runs under mutex_).
  absl::StatusOr<std::string> Write(
      const WriteKey& key,
      absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  void Submit(const WriteKey& key, Deadline deadline, WriteFunction write, WriteDone done) override
      ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<std::optional<rules::Customer>> FindCustomer(
      std::string_view id, const CustomerAsOf& as_of) override;
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
  absl::StatusOr<std::vector<RulesetVersionRecord>> RulesetVersions(int limit) override;
  absl::StatusOr<std::optional<RulesetVersionRecord>> FindRulesetVersion(
      std::string_view version_prefix) override;
  absl::Status ScanCustomers(
      const CustomerScan& scan,
      absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit)
      override;
  absl::StatusOr<std::vector<std::string>> CustomerIdSplits(int parts) override;
  absl::StatusOr<BackupRecord> BackupTo(const std::string& path) override;
  absl::StatusOr<DecisionLogPage> DecisionLog(const DecisionLogQuery& query) override;
  absl::StatusOr<std::vector<PurchaseRecord>> Purchases(std::string_view customer_id) override;

 private:
  struct PendingWrite;
  class ReadLease;
  SqliteStore(const SqliteStoreOptions& options, std::unique_ptr<sqlite::Connection> writer,
              std::vector<std::unique_ptr<sqlite::Connection>> readers, int schema_version);
  // Tells SqliteStoreOptions::observe how long `operation` took since `began`.
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
  absl::StatusOr<std::string> RunInSavepoint(PendingWrite& write)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Store::OfferUsage on a leased reader: everyone's rows from
  // budget_usage_, the customer's from `reader`. Throws SQLite::Exception.
  std::vector<OfferUsageRow> ReadOfferUsage(sqlite::Connection& reader,
                                            const OfferUsageQuery& query);

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
  std::unique_ptr<sqlite::Connection> writer_connection_ ABSL_GUARDED_BY(mutex_);

  // Read connections not in use (all are owned by readers_).
  std::vector<std::unique_ptr<sqlite::Connection>> readers_;
  Mutex readers_mutex_;
  CondVar reader_returned_;
  std::vector<sqlite::Connection*> idle_readers_ ABSL_GUARDED_BY(readers_mutex_);
  int schema_version_ = 0;
  std::string page_token_key_;  // set by Open, then never changed
  // Everyone's offer usage as committed (budget_usage.h): OfferUsage reads
  // budgets from it. Set by Open; changed by CommitGroup.
  std::unique_ptr<sqlite::BudgetUsage> budget_usage_;
  // Who hears of committed task and segment changes.
  sqlite::ChangeListeners<TaskRecord> task_listeners_;
  sqlite::ChangeListeners<SegmentChangeRecord> segment_listeners_;
  // Set once before the first write (FollowCustomerChanges); read by the writer.
  CustomerChangeFollower follower_;
  const std::string path_;
  const std::function<void(std::string_view, std::chrono::nanoseconds)> observe_;
  // Last: they start once everything they use exists.
  std::thread completer_;
  std::thread writer_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_SQLITE_SQLITE_STORE_H_
