// The store contract of clientele: what the services keep, behind an
// abstract interface (leveldb's DB / DBImpl is the model), so that the
// layers above never see the database. Customers, purchases and returns,
// the points ledger, offer redemptions, interactions, feedback, products, improvement actions
// and their audit trail, ruleset versions, the decision log and
// idempotency keys. The records are in records.h, the write transaction in
// transaction.h; server/store/sqlite/ is the implementation.
//
// Thread safety: every implementation is safe to use from many threads at
// once. Writes are serialised and durable when they return (Write) or
// when `done` is told (Submit); reads run beside writes and see committed
// data only.
//
// Errors: absl::Status, never an exception. UNAVAILABLE when the database
// cannot be reached or is busy, RESOURCE_EXHAUSTED when it is full,
// INTERNAL for anything else it reports; the operations document the
// rest (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT).
#ifndef CLIENTELE_SERVER_STORE_STORE_H_
#define CLIENTELE_SERVER_STORE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "server/store/records.h"
#include "server/store/transaction.h"

namespace clientele::server {

class Store {
 public:
  virtual ~Store() = default;

  // The schema version of the data, as backups record it.
  virtual int schema_version() const = 0;
  // Where the data lives: the database file of a file-based store.
  virtual const std::string& path() const = 0;
  // How many reads can run at once, so that a scan split into parts can
  // use them all.
  virtual int read_connections() const = 0;
  // The key that signs page tokens: 32 random bytes made with the
  // database, so that tokens outlive a restart.
  virtual const std::string& page_token_key() const = 0;

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
  // Writes are atomic and isolated from each other: an implementation may
  // commit writes that were queued together in one transaction (group
  // commit), but a write that fails leaves no trace of itself and does not
  // fail the others. Write returns only after the commit is durable.
  // `write` may run on a thread of the store's while the caller waits; it
  // must not call the Store. Must not be called from a WriteDone of Submit
  // (it could wait for the thread it runs on).
  virtual absl::StatusOr<std::string> Write(
      const WriteKey& key, absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write) = 0;

  using Deadline = std::chrono::system_clock::time_point;
  using WriteFunction = absl::AnyInvocable<absl::StatusOr<std::string>(Transaction&)>;
  using WriteDone = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;
  // Write without waiting: queues the write and returns at once (the key's
  // strings are copied). `done` gets what Write would return, once the
  // commit is durable or the write failed, on a thread of the store's; it must be quick (it holds
  // up the writes after it) and must not call the Store. A write whose `deadline` has passed when
  // its turn comes is not run: `done` gets DEADLINE_EXCEEDED and nothing changes. Once the Store is
  // being destroyed, `done` gets UNAVAILABLE at once. This is what lets a server keep many writes
  // in flight without a thread waiting for each.
  virtual void Submit(const WriteKey& key, Deadline deadline, WriteFunction write,
                      WriteDone done) = 0;

  // Calls `listener` with each task as a committed write left it (opened,
  // claimed or closed), in commit order, on a thread of the store's right
  // after the commit; it must be quick and must not call the Store. Returns
  // the id UnsubscribeTasks takes.
  virtual int SubscribeTasks(std::function<void(const TaskRecord&)> listener) = 0;
  // Once it returns, the listener `id` is not called any more. Must not be
  // called from a listener.
  virtual void UnsubscribeTasks(int id) = 0;
  // The same for segment changes (Transaction::SetSegments), in sequence
  // order.
  virtual int SubscribeSegmentChanges(std::function<void(const SegmentChangeRecord&)> listener) = 0;
  virtual void UnsubscribeSegmentChanges(int id) = 0;

  // Called inside every write, after its function succeeded, with the
  // method of the write and the ids of the customers it changed (created,
  // edited, deleted, points, purchases, events...), each once; what it
  // writes is part of the write, and an error rolls the write back. For
  // what follows from a customer's change, such as its stored segments.
  // Set once, before the first write; runs on the writer's thread.
  using CustomerChangeFollower = std::function<absl::Status(
      Transaction& tx, std::string_view method, const std::vector<std::string>& customer_ids)>;
  virtual void FollowCustomerChanges(CustomerChangeFollower follower) = 0;

  // Whether this process runs the background passes now (key expiry,
  // points expiry, the tier review, the segment refresh), so that they
  // run once across every process sharing the database: always for a
  // database one process writes; with replicas sharing one, for the one
  // that holds the lead (a replica takes it over at its next ask once the
  // holder is gone). Thread-safe; may ask the database (call it once per
  // pass, not per write).
  virtual bool LeadsBackgroundPasses() = 0;

  // Reads.
  virtual absl::StatusOr<std::optional<rules::Customer>> FindCustomer(
      std::string_view id, const CustomerAsOf& as_of) = 0;
  // Up to `limit` customers with ids greater than `after_id`, in id order.
  virtual absl::StatusOr<CustomerPage> ListCustomers(std::string_view after_id, int limit,
                                                     const CustomerAsOf& as_of) = 0;
  virtual absl::StatusOr<int64_t> CountCustomers() = 0;
  // The customer's ledger, oldest first.
  virtual absl::StatusOr<std::vector<LedgerEntry>> Ledger(std::string_view customer_id) = 0;
  // Up to `limit` ledger entries with ids greater than `after_id`, with the
  // running balance after each.
  virtual absl::StatusOr<LedgerPage> LedgerAfter(std::string_view customer_id, int64_t after_id,
                                                 int limit) = 0;
  // The customer's lots with points remaining (see Transaction::LiveLots).
  virtual absl::StatusOr<std::vector<PointLotRecord>> LiveLots(std::string_view customer_id) = 0;
  // The customer's tier changes, newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<TierChangeRecord>> TierHistory(std::string_view customer_id,
                                                                    int limit) = 0;
  // The customer's redemptions, newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<RedemptionRecord>> Redemptions(std::string_view customer_id,
                                                                    int limit) = 0;
  // The customer's offer redemptions, newest first, at most `limit`.
  virtual absl::StatusOr<std::vector<OfferRedemptionRecord>> OfferRedemptions(
      std::string_view customer_id, int limit) = 0;
  // The usage rows that `query` asks for (Transaction::OfferUsage).
  virtual absl::StatusOr<std::vector<OfferUsageRow>> OfferUsage(const OfferUsageQuery& query) = 0;
  // FindCustomer, then, when the customer is stored, OfferUsage(`usage`):
  // what Evaluate of a stored customer reads, in one go (on the SQLite
  // store, one connection lease instead of two).
  virtual absl::StatusOr<CustomerWithOfferUsage> FindCustomerWithOfferUsage(
      std::string_view id, const CustomerAsOf& as_of, const OfferUsageQuery& usage) = 0;
  virtual absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) = 0;
  // Up to `limit` actions with ids less than `before_id` (0: no bound),
  // newest first; `product` and `status` filter when not empty.
  virtual absl::StatusOr<ActionPage> ListActions(std::string_view product, std::string_view status,
                                                 int64_t before_id, int limit) = 0;
  // Up to query.limit tasks with ids less than query.before_id (0: no
  // bound), newest first, filtered by the query's non-empty fields.
  virtual absl::StatusOr<TaskPage> ListTasks(const TaskQuery& query) = 0;
  // Calls `visit` for every feedback item of `product` ("" all) given on
  // or after `since` (unknown: all), by product and then day. `visit`
  // must not call the Store.
  virtual absl::Status ScanFeedback(std::string_view product, rules::Date since,
                                    const std::function<void(const FeedbackRecord&)>& visit) = 0;
  // The customer's stored segments, by dimension.
  virtual absl::StatusOr<std::vector<SegmentMembershipRecord>> CustomerSegments(
      std::string_view customer_id) = 0;
  // Stored segment changes after query.after_sequence, in sequence order,
  // at most query.limit, filtered by the query's non-empty fields.
  virtual absl::StatusOr<std::vector<SegmentChangeRecord>> SegmentChanges(
      const SegmentChangeQuery& query) = 0;
  // The customers in `segment` of `dimension` after `after_id`, ascending,
  // at most `limit`.
  virtual absl::StatusOr<std::vector<SegmentMembershipRecord>> SegmentMembers(
      std::string_view dimension, std::string_view segment, std::string_view after_id,
      int limit) = 0;
  // The RFM quantiles last stored for a window; nullopt when none were.
  virtual absl::StatusOr<std::optional<rules::RfmQuantiles>> RfmQuantiles(int32_t window_days) = 0;
  // The audit trail of `subject`, oldest first.
  virtual absl::StatusOr<std::vector<AuditEntry>> Audit(std::string_view subject) = 0;
  // Keeps a ruleset version being swapped in (Transaction::ArchiveRuleset
  // in a write of its own, without an idempotency key).
  virtual absl::Status KeepRulesetVersion(const RulesetVersionRecord& record) = 0;
  // Replaces `record.replica`'s report of its rules, and forgets every
  // report made before `forget_before` (RFC 3339 UTC), in a write of its
  // own without an idempotency key.
  virtual absl::Status ReportReplicaRuleset(const ReplicaRulesetRecord& record,
                                            std::string_view forget_before) = 0;
  // Every replica's latest report, by replica name.
  virtual absl::StatusOr<std::vector<ReplicaRulesetRecord>> ReplicaRulesets() = 0;
  // Ruleset versions served, the most recently served first, without files.
  virtual absl::StatusOr<std::vector<RulesetVersionRecord>> RulesetVersions(int limit) = 0;
  // Draft `id` with its files; nullopt when there is none.
  virtual absl::StatusOr<std::optional<DraftRecord>> FindDraft(int64_t id) = 0;
  // The drafts without their files, the most recently changed first, at
  // most `limit`.
  virtual absl::StatusOr<std::vector<DraftRecord>> Drafts(int limit) = 0;
  // Change request `id` with its events; nullopt when there is none.
  virtual absl::StatusOr<std::optional<ChangeRequestRecord>> FindChangeRequest(int64_t id) = 0;
  // Change requests without their events, newest first, at most `limit`:
  // those in `state`, or all when it is "".
  virtual absl::StatusOr<std::vector<ChangeRequestRecord>> ChangeRequests(std::string_view state,
                                                                          int limit) = 0;
  // The version that `version_prefix` starts (with its files); nullopt when
  // none does; INVALID_ARGUMENT when several do.
  virtual absl::StatusOr<std::optional<RulesetVersionRecord>> FindRulesetVersion(
      std::string_view version_prefix) = 0;
  // Calls `visit` for every customer of the scan's id range, in id order,
  // with the stats FindCustomer would give and the purchases made in the
  // scan's period that were not returned, in the order they were recorded. All in one read
  // transaction (a consistent snapshot); `visit` must not call the Store.
  virtual absl::Status ScanCustomers(
      const CustomerScan& scan,
      absl::FunctionRef<void(const rules::Customer&, std::span<const rules::Purchase>)> visit) = 0;
  // Ids that split the customers into `parts` id ranges of about the same
  // size, ascending: parts - 1 of them, none for fewer customers than parts.
  virtual absl::StatusOr<std::vector<std::string>> CustomerIdSplits(int parts) = 0;
  // Writes a consistent copy of the whole database to `path` (which must
  // not exist; its directory must), while reads and writes go on, and
  // checks that the copy opens with this store's schema. On any error the
  // partial file is removed. Takes seconds for a large store.
  virtual absl::StatusOr<BackupRecord> BackupTo(const std::string& path) = 0;
  // A page of the decision log, newest first.
  virtual absl::StatusOr<DecisionLogPage> DecisionLog(const DecisionLogQuery& query) = 0;
  // Purchases recorded, oldest first (all customers when id is empty).
  virtual absl::StatusOr<std::vector<PurchaseRecord>> Purchases(std::string_view customer_id) = 0;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_STORE_H_
