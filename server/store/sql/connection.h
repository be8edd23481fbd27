// One SQLite connection of the SQLite store, with its cached prepared
// statements, the operations of a write transaction (the Transaction
// contract, server/store/transaction.h) and the row mappings that the
// reads share. Internal to server/store/sqlite/.
//
// Thread safety: none. A connection is used by one thread at a time: the
// writer connection by the writer thread (under SqlStore::mutex_), a
// read connection by the holder of its ReadLease. The database throws
// sql::Error; the Transaction methods catch it and return a status, the
// other methods let it through to the SqlStore method that called
// them, which catches it.
#ifndef CLIENTELE_SERVER_STORE_SQL_CONNECTION_H_
#define CLIENTELE_SERVER_STORE_SQL_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "server/store/records.h"
#include "server/store/sql/budget_usage.h"
#include "server/store/sql/committed_changes.h"
#include "server/store/sql/month_stats.h"
#include "server/store/sql/sql_store.h"
#include "server/store/sql/statement.h"
#include "server/store/sql/values.h"
#include "server/store/store.h"
#include "server/store/transaction.h"

namespace clientele::server::sql {

class Connection : public Transaction {
 public:
  using Customer = rules::Customer;
  using Date = rules::Date;
  using Decimal = rules::Decimal;
  using WriteKey = Store::WriteKey;

  Connection(const SqlStoreOptions& options, std::unique_ptr<sql::Database> db);
  sql::Database& db() { return *db_; }
  // A cached prepared statement, reset and unbound, ready to use. Found
  // without allocating: callers that build their SQL keep it in a static
  // string, so that a call (every Evaluate reads a customer) builds no
  // text either.
  sql::Statement& Prepared(std::string_view sql);
  // Runs a statement without results through the cache, held to go with
  // the next statement that is sent (sql::Statement::RunOrHold): for
  // SAVEPOINT and RELEASE in a write, which Database::Execute would parse
  // anew every time.
  void ExecuteLater(const char* sql) { Prepared(sql).RunLater(); }
  // Resets a statement when leaving scope, so that no read stays open.
  struct Done {
    sql::Statement& statement;
    ~Done() { statement.tryReset(); }
  };
  // One read transaction while in scope, for reads that must see one
  // snapshot or that are many: each implicit transaction of a statement
  // takes and drops SQLite's file locks (two fcntl calls or so, which a
  // VM makes dear), this takes them once. BEGIN throws sql::Error
  // (after rolling back a transaction that a failure left open); the end
  // commits and, should that fail, rolls back, so the connection is never
  // left inside a transaction. For reader connections only.
  class ReadTransaction {
   public:
    explicit ReadTransaction(Connection& connection);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

   private:
    Connection& connection_;
  };

  // ------------------------------------------------------- the transaction
  absl::StatusOr<std::optional<Customer>> FindCustomer(std::string_view id,
                                                       const CustomerAsOf& as_of) override;
  absl::StatusOr<bool> UpsertCustomerProfile(const Customer& c, Date day) override;
  absl::StatusOr<bool> DeleteCustomer(std::string_view id) override;
  absl::StatusOr<int64_t> InsertPurchase(const PurchaseRecord& p, const LedgerEntry& points,
                                         std::optional<std::string_view> tier) override;
  absl::StatusOr<std::optional<PurchaseRecord>> FindPurchase(std::string_view purchase_id) override;
  absl::Status MarkReturned(const PurchaseRecord& p, std::string_view kind) override;
  absl::StatusOr<int64_t> AppendLedger(const LedgerEntry& e) override;
  absl::StatusOr<int64_t> ChangeTier(const TierChangeRecord& change) override;
  absl::Status SetTierDowngrade(std::string_view customer_id, Date day) override;
  absl::Status InsertLot(const PointLotRecord& lot) override;
  absl::StatusOr<std::optional<PointLotRecord>> FindLot(int64_t id) override;
  absl::StatusOr<std::vector<PointLotRecord>> LiveLots(std::string_view customer_id) override;
  absl::Status UpdateLot(const PointLotRecord& lot) override;
  absl::StatusOr<std::optional<PointLotRecord>> FindUndatedLot(std::string_view customer_id,
                                                               int64_t up_to_id) override;
  absl::StatusOr<std::vector<PointLotRecord>> ExpiredLots(Date today,
                                                          std::string_view from_customer_id,
                                                          int64_t limit) override;
  absl::Status InsertDraws(int64_t entry_id, std::span<const LotDraw> draws) override;
  absl::StatusOr<std::vector<LotDraw>> DrawsOf(int64_t entry_id) override;
  absl::Status UpdatePointsTotals(std::string_view customer_id, int64_t lifetime_delta,
                                  int64_t owed) override;
  absl::Status InsertRedemption(const RedemptionRecord& redemption) override;
  absl::StatusOr<std::optional<RedemptionRecord>> FindRedemption(int64_t id) override;
  absl::Status MarkRedemptionReversed(int64_t id, int64_t reversed_by) override;
  absl::StatusOr<OfferRedemptionRecord> InsertOfferRedemption(
      const OfferRedemptionRecord& redemption) override;
  absl::StatusOr<std::optional<OfferRedemptionRecord>> FindOfferRedemption(int64_t id) override;
  absl::StatusOr<std::vector<OfferRedemptionRecord>> OfferRedemptionsOfPurchase(
      std::string_view purchase_id) override;
  absl::StatusOr<OfferRedemptionRecord> ReverseOfferRedemption(int64_t id,
                                                               std::string_view reason) override;
  absl::StatusOr<std::vector<OfferUsageRow>> OfferUsage(const OfferUsageQuery& query) override;
  absl::Status RecordInteraction(std::string_view customer_id, std::string_view text,
                                 std::string_view rule_id, Decimal satisfaction,
                                 int64_t interaction_count, Date day) override;
  absl::StatusOr<int64_t> InsertCustomEvent(const CustomEventRecord& event) override;
  absl::StatusOr<std::vector<rules::EventRuleUsage>> EventRuleUsage(
      std::string_view customer_id, std::span<const rules::EventEarningTerms> rules,
      Date day) override;
  absl::Status InsertEventCredit(const EventCreditRecord& credit) override;
  absl::StatusOr<std::vector<rules::HistoryDay>> LastEventsAsOf(std::string_view customer_id,
                                                                Date day) override;
  absl::StatusOr<std::optional<int64_t>> OpenTask(const TaskRecord& task) override;
  absl::StatusOr<std::optional<TaskRecord>> FindTask(int64_t id) override;
  absl::StatusOr<std::vector<std::string>> RulesWithTasks(std::string_view customer_id,
                                                          bool closed_too) override;
  absl::Status UpdateTask(const TaskRecord& task) override;
  absl::StatusOr<std::vector<SegmentChangeRecord>> SetSegments(
      std::string_view customer_id, const std::vector<SegmentMembershipRecord>& segments,
      std::string_view ruleset_version, std::string_view cause, bool confirm) override;
  absl::StatusOr<std::vector<std::string>> CustomerIdsAfter(std::string_view after_id,
                                                            int limit) override;
  absl::Status PutRfmQuantiles(const rules::RfmQuantiles& quantiles) override;
  absl::StatusOr<int64_t> InsertFeedback(const FeedbackRecord& f) override;
  absl::Status AddProductHistory(std::string_view product, Date first_day,
                                 const std::vector<rules::FactRequest>& facts,
                                 rules::Feedback* feedback) override;
  absl::StatusOr<int64_t> SupportAction(const ImprovementActionRecord& proposal,
                                        int64_t feedback_id, Date day,
                                        const std::vector<std::string>& keywords) override;
  absl::StatusOr<std::optional<ImprovementActionRecord>> FindAction(int64_t id) override;
  absl::Status CloseAction(int64_t id, std::string_view status, std::string_view actor,
                           std::string_view note) override;
  absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) override;
  absl::StatusOr<std::string> ProductCategory(std::string_view product) override;
  absl::StatusOr<bool> UpsertProduct(const ProductRecord& p) override;
  absl::StatusOr<int64_t> AppendAudit(const AuditEntry& e) override;
  absl::Status ArchiveRuleset(const RulesetVersionRecord& r) override;
  absl::StatusOr<int64_t> CreateDraft(const DraftRecord& draft) override;
  absl::Status ReplaceDraft(const DraftRecord& draft) override;
  absl::Status DeleteDraft(int64_t id, int64_t revision, std::string_view by,
                           std::string_view at) override;
  absl::StatusOr<int64_t> CreateChangeRequest(const ChangeRequestRecord& request,
                                              const ChangeRequestEvent& submitted) override;
  absl::Status MoveChangeRequest(int64_t id, std::string_view from, std::string_view to,
                                 const ChangeRequestEvent& event) override;
  absl::Status ReportReplicaRuleset(const ReplicaRulesetRecord& r,
                                    std::string_view forget_before) override;
  absl::StatusOr<int64_t> AppendDecisions(std::span<const DecisionLogEntry> entries,
                                          const DecisionRetention& retention) override;
  absl::StatusOr<int64_t> RemoveIdempotencyKeysBefore(std::chrono::system_clock::time_point cutoff,
                                                      int64_t limit) override;

  // ------------------------------------------------------------ idempotency
  // Idempotency: the stored response for `key`, or nullopt; ALREADY_EXISTS
  // when the key was used for another request.
  absl::StatusOr<std::optional<std::string>> FindKey(const WriteKey& key);
  void SaveKey(const WriteKey& key, const std::string& response);

  // ---------------------------------------------- rows, shared with reads
  // The customer columns FillCustomer reads, for a query to finish with
  // WHERE.
  static constexpr const char* kCustomerColumns =
      "SELECT id, name, age, gender, occupation, consumption, channel, birthday, joined_at, "
      "satisfaction_units, interaction_count, points, tier, total_spent_units, "
      "last_purchase_at, imported_purchase_frequency, imported_average_units, "
      "points_lifetime, points_owed, points_dated, previous_tier, tier_since, "
      "manual_tier_until, tier_downgrade_on FROM customers ";
  // The purchase_months columns that MonthStats adds up (after the
  // customer's id), for a query to finish with WHERE.
  static constexpr const char* kMonthColumns =
      "SELECT customer_id, month, count, amount_units, points FROM purchase_months ";
  // Adds a row of kMonthColumns to `stats`.
  static void AddMonth(sql::Statement& months, MonthStats* stats);
  // Walks `months` (kMonthColumns in customer id order, `*more` true while
  // it is on a row) up to the first row after `customer_id`'s, adding that
  // customer's rows to `stats` and skipping those of ids before it.
  static void AddMonthsOf(sql::Statement& months, std::string_view customer_id, bool* more,
                          MonthStats* stats);
  // The stats of `as_of` before any month is added.
  MonthStats StatsAsOf(const CustomerAsOf& as_of) const;
  // Reads the profile columns of kCustomerColumns into *c, reusing its
  // strings' buffers. True when the customer has dated lots, which
  // ApplyLots must then apply.
  static bool FillCustomer(sql::Statement& s, Customer* out);
  static constexpr const char* kTierChangeColumns =
      "SELECT id, customer_id, from_tier, to_tier, day, recorded_at, cause, source, "
      "ruleset_version, actor, reason, manual_until FROM tier_changes ";
  static TierChangeRecord RowToTierChange(sql::Statement& s);
  // The customer's balances on `today` from its lots (rules::ApplyPointsLots).
  void ApplyLots(Date today, Customer* c);
  // Replaces c->history with its days from today - days + 1 on (none
  // when days is 0): a seek on the customer's rows, never all of them.
  void ReadHistory(Date today, int32_t days, bool last_events, Customer* c);
  // Segments and RFM quantiles (segments.cc); they throw, for the store's
  // reads to catch.
  std::vector<SegmentMembershipRecord> ReadCustomerSegments(std::string_view customer_id);
  std::vector<SegmentChangeRecord> ReadSegmentChanges(const SegmentChangeQuery& query);
  std::vector<SegmentMembershipRecord> ReadSegmentMembers(std::string_view dimension,
                                                          std::string_view segment,
                                                          std::string_view after_id, int limit);
  std::optional<rules::RfmQuantiles> ReadRfmQuantiles(int32_t window_days);
  // Scores the customer by as_of.rfm (nothing when null), with the
  // quantiles stored for its window.
  void ScoreRfm(const rules::RfmModel* model, Date today, Customer* c);
  void UnsafeAddProductHistory(std::string_view product, Date first_day,
                               const std::vector<rules::FactRequest>& facts,
                               rules::Feedback* feedback);
  static constexpr const char* kLotColumns =
      "SELECT id, customer_id, points, remaining, expired, forgiven, earned_on, available_on, "
      "expires_on, rule_id, ruleset_version, source FROM point_lots ";
  static PointLotRecord RowToLot(sql::Statement& s);
  static constexpr const char* kRedemptionColumns =
      "SELECT id, customer_id, points, reason, reference, recorded_at, "
      "coalesce(reversed_by, 0) FROM point_redemptions ";
  static RedemptionRecord RowToRedemption(sql::Statement& s);
  // Offer redemptions and usage (offers.cc); the reads throw, for the
  // store's reads to catch.
  static OfferRedemptionRecord RowToOfferRedemption(sql::Statement& s);
  std::vector<OfferUsageRow> ReadOfferUsage(const OfferUsageQuery& query);
  // The customer's rows only (query.customer_id, not empty).
  std::vector<OfferUsageRow> ReadCustomerOfferUsage(const OfferUsageQuery& query);
  // Every row of everyone's usage (customer ""): what BudgetUsage loads.
  std::vector<OfferUsageRow> ReadEveryonesOfferUsage();
  std::vector<OfferRedemptionRecord> ReadOfferRedemptions(std::string_view customer_id, int limit);
  // The changes of everyone's usage that writes made since the last Take:
  // the store applies them to its BudgetUsage once they are committed,
  // and drops those of a write rolled back (to the size it noted before).
  std::vector<BudgetUsageChange> TakeBudgetChanges();
  // The tasks writes opened or changed (each as it was left) and the
  // segment changes they made, which the store tells its listeners once
  // committed.
  NotedChanges<TaskRecord>& task_changes() { return task_changes_; }
  // Whether task changes are also written to the task_changes table, for
  // the other replicas of a shared database (SqlStore::Open sets it).
  void set_log_task_changes(bool log) { log_task_changes_ = log; }
  // Removes the task_changes rows beyond the newest
  // options.task_changes_kept. Throws sql::Error.
  void TrimTaskChanges();
  // Up to 1000 task changes (task_changes) after `after_sequence`, in
  // sequence order; *last_sequence becomes the last one's (after_sequence
  // when none). Throws sql::Error.
  std::vector<TaskRecord> ReadTaskChangesAfter(int64_t after_sequence, int64_t* last_sequence);
  NotedChanges<SegmentChangeRecord>& segment_changes() { return segment_changes_; }
  // The customers the write in progress changed (Store::
  // FollowCustomerChanges), each once; Take empties them.
  std::vector<std::string> TakeChangedCustomers() { return std::exchange(changed_customers_, {}); }
  size_t BudgetChangesNoted() const { return budget_changes_.size(); }
  void DropBudgetChangesAfter(size_t mark);
  // The first and last month of the stats window ending in today's month.
  std::pair<int, int> StatsWindow(Date today) const;
  static void AssignText(const sql::Column& column, std::string* to);
  static LedgerEntry RowToLedgerEntry(sql::Statement& s);
  // The columns RowToPurchase reads, for a query to finish with WHERE.
  static constexpr const char* kPurchaseColumns =
      "SELECT purchase_id, customer_id, amount_units, product, channel, day, points_earned, "
      "rule_id, ruleset_version, coalesce(returned_kind, ''), coalesce(ledger_id, 0) "
      "FROM purchases ";
  static PurchaseRecord RowToPurchase(sql::Statement& s);
  // The columns RowToTask reads, for a query to finish with WHERE.
  static constexpr const char* kTaskColumns =
      "SELECT id, customer_id, rule_id, task, queue, status, ruleset_version, evidence, source, "
      "opened_at, due_on, claimed_by, claimed_at, closed_by, closed_at, outcome FROM tasks ";
  static TaskRecord RowToTask(sql::Statement& s);
  static constexpr const char* kActionColumns =
      "id, product, rule_id, action, change_kind, change_field, change_text, "
      "change_amount_units, status, feedback_count, first_feedback_day, last_feedback_day, "
      "ruleset_version, proposed_at, decided_at, decided_by, note";
  ImprovementActionRecord RowToAction(sql::Statement& s);
  void AddKeywordCounts(ImprovementActionRecord* a);

 private:
  // The transaction's operations, which throw sql::Error.
  absl::StatusOr<std::optional<Customer>> UnsafeFindCustomer(std::string_view id,
                                                             const CustomerAsOf& as_of);
  absl::StatusOr<bool> UnsafeUpsertCustomerProfile(const Customer& c, Date day);
  absl::StatusOr<bool> UnsafeDeleteCustomer(std::string_view id);
  absl::StatusOr<int64_t> UnsafeInsertPurchase(const PurchaseRecord& p, const LedgerEntry& points,
                                               std::optional<std::string_view> tier);
  // The ledger row alone (the balance is the caller's to move); its id.
  int64_t InsertLedgerRow(const LedgerEntry& e, const std::string& recorded_at);
  absl::StatusOr<std::optional<PurchaseRecord>> UnsafeFindPurchase(std::string_view purchase_id);
  absl::Status UnsafeMarkReturned(const PurchaseRecord& p, std::string_view kind);
  absl::StatusOr<int64_t> UnsafeAppendLedger(const LedgerEntry& e);
  absl::StatusOr<int64_t> UnsafeChangeTier(const TierChangeRecord& change);
  absl::Status UnsafeSetTierDowngrade(std::string_view customer_id, Date day);
  // ------------------------------------------------ points lots (points.cc)
  absl::Status UnsafeInsertLot(const PointLotRecord& lot);
  absl::StatusOr<std::optional<PointLotRecord>> UnsafeFindLot(int64_t id);
  absl::StatusOr<std::vector<PointLotRecord>> UnsafeLiveLots(std::string_view customer_id);
  absl::Status UnsafeUpdateLot(const PointLotRecord& lot);
  absl::StatusOr<std::optional<PointLotRecord>> UnsafeFindUndatedLot(std::string_view customer_id,
                                                                     int64_t up_to_id);
  absl::StatusOr<std::vector<PointLotRecord>> UnsafeExpiredLots(Date today,
                                                                std::string_view from_customer_id,
                                                                int64_t limit);
  absl::Status UnsafeInsertDraws(int64_t entry_id, std::span<const LotDraw> draws);
  absl::StatusOr<std::vector<LotDraw>> UnsafeDrawsOf(int64_t entry_id);
  absl::Status UnsafeUpdatePointsTotals(std::string_view customer_id, int64_t lifetime_delta,
                                        int64_t owed);
  absl::Status UnsafeInsertRedemption(const RedemptionRecord& redemption);
  absl::StatusOr<std::optional<RedemptionRecord>> UnsafeFindRedemption(int64_t id);
  absl::Status UnsafeMarkRedemptionReversed(int64_t id, int64_t reversed_by);
  // ------------------------------------------------ offer redemptions (offers.cc)
  absl::StatusOr<OfferRedemptionRecord> UnsafeInsertOfferRedemption(const OfferRedemptionRecord& r);
  absl::StatusOr<std::optional<OfferRedemptionRecord>> UnsafeFindOfferRedemption(int64_t id);
  absl::StatusOr<std::vector<OfferRedemptionRecord>> UnsafeOfferRedemptionsOfPurchase(
      std::string_view purchase_id);
  absl::StatusOr<OfferRedemptionRecord> UnsafeReverseOfferRedemption(int64_t id,
                                                                     std::string_view reason);
  // Adds the redemption (sign +1) or takes it off (-1) the usage rows of
  // its customer and of everyone, on its day and in total.
  void AddOfferUsage(const OfferRedemptionRecord& r, int64_t sign);
  static void ReadUsageRows(sql::Statement& s, std::vector<OfferUsageRow>* rows);
  absl::Status UnsafeRecordInteraction(std::string_view customer_id, std::string_view text,
                                       std::string_view rule_id, Decimal satisfaction,
                                       int64_t interaction_count, Date day);
  // ------------------------------------------------ history (history.cc)
  // Adds a purchase's figures to its day of the customer's history
  // (sign 1), or takes a returned one's off (sign -1).
  void AddPurchaseToHistory(const PurchaseRecord& p, int sign);
  // Counts an interaction of `day` under `rule_id`.
  void AddInteractionToHistory(std::string_view customer_id, Date day, std::string_view rule_id);
  // Keeps the satisfaction the customer has before it becomes `after` on
  // `day`, unless it is already `after` or `day` has a change kept.
  // Call before writing the new satisfaction.
  void KeepSatisfactionBefore(std::string_view customer_id, Date day, Decimal after);
  // The same for a change from `before` that the caller knows (a customer
  // just created: from never rated).
  void KeepSatisfactionBefore(std::string_view customer_id, Date day, Decimal before,
                              Decimal after);
  // ------------------------------------------------ custom events (custom_events.cc)
  absl::StatusOr<int64_t> UnsafeInsertCustomEvent(const CustomEventRecord& event);
  std::vector<rules::EventRuleUsage> UnsafeEventRuleUsage(
      std::string_view customer_id, std::span<const rules::EventEarningTerms> rules, Date day);
  void UnsafeInsertEventCredit(const EventCreditRecord& credit);
  // The kLastEvent rows of a customer's history (ReadHistory).
  void ReadLastEvents(Customer* c);
  // ------------------------------------------------ tasks (tasks.cc)
  absl::StatusOr<std::optional<int64_t>> UnsafeOpenTask(const TaskRecord& task);
  std::optional<TaskRecord> UnsafeFindTask(int64_t id);
  absl::Status UnsafeUpdateTask(const TaskRecord& task);
  // The customer's open and claimed tasks go with it (the rows cascade):
  // its task listeners hear of each as closed, "the customer was deleted".
  void NoteTasksOfDeletedCustomer(std::string_view customer_id);
  // Notes a task as the write left it (task_changes_), and logs it to the
  // task_changes table when log_task_changes_.
  void NoteTaskChange(const TaskRecord& task);
  // ------------------------------------------------ segments and RFM (segments.cc)
  std::vector<SegmentChangeRecord> UnsafeSetSegments(
      std::string_view customer_id, const std::vector<SegmentMembershipRecord>& segments,
      std::string_view ruleset_version, std::string_view cause, bool confirm);
  // ------------------------------------------------ feedback and products
  absl::StatusOr<int64_t> UnsafeInsertFeedback(const FeedbackRecord& f);
  absl::StatusOr<int64_t> UnsafeSupportAction(const ImprovementActionRecord& proposal,
                                              int64_t feedback_id, Date day,
                                              const std::vector<std::string>& keywords);
  absl::StatusOr<std::optional<ImprovementActionRecord>> UnsafeFindAction(int64_t id);
  absl::Status UnsafeCloseAction(int64_t id, std::string_view status, std::string_view actor,
                                 std::string_view note);
  absl::StatusOr<std::optional<ProductRecord>> UnsafeFindProduct(std::string_view product);
  absl::StatusOr<std::string> UnsafeProductCategory(std::string_view product);
  absl::StatusOr<bool> UnsafeUpsertProduct(const ProductRecord& p);
  absl::StatusOr<int64_t> UnsafeAppendAudit(const AuditEntry& e);
  absl::Status UnsafeArchiveRuleset(const RulesetVersionRecord& r);
  absl::StatusOr<int64_t> UnsafeCreateDraft(const DraftRecord& draft);
  absl::Status UnsafeReplaceDraft(const DraftRecord& draft);
  absl::Status UnsafeDeleteDraft(int64_t id, int64_t revision, std::string_view by,
                                 std::string_view at);
  // Voids the draft's pending change requests: `why` is the event's comment.
  absl::Status UnsafeVoidChangeRequests(int64_t draft_id, std::string_view by, std::string_view at,
                                        std::string_view why);
  absl::StatusOr<int64_t> UnsafeCreateChangeRequest(const ChangeRequestRecord& request,
                                                    const ChangeRequestEvent& submitted);
  absl::Status UnsafeMoveChangeRequest(int64_t id, std::string_view from, std::string_view to,
                                       const ChangeRequestEvent& event);
  void UnsafeAppendChangeRequestEvent(int64_t id, const ChangeRequestEvent& event);
  // Why a change of draft `id` made on `revision` found no such row:
  // NOT_FOUND, or ABORTED naming its revision now and who made it.
  absl::Status UnsafeDraftMismatch(int64_t id, int64_t revision);
  void UnsafeWriteDraftFiles(int64_t id, const std::vector<rules::RuleSource>& files);
  // Notes `editor` as one who wrote draft `id` (once).
  void UnsafeAddDraftEditor(int64_t id, std::string_view editor);
  absl::Status UnsafeReportReplicaRuleset(const ReplicaRulesetRecord& r,
                                          std::string_view forget_before);
  absl::StatusOr<int64_t> UnsafeAppendDecisions(std::span<const DecisionLogEntry> entries,
                                                const DecisionRetention& retention);
  absl::StatusOr<int64_t> UnsafeRemoveIdempotencyKeysBefore(
      std::chrono::system_clock::time_point cutoff, int64_t limit);
  // The id of `content` in ruleset_contents, inserting it when new.
  int64_t ContentId(const std::string& content);
  // Runs `operation` with the database's errors turned into statuses:
  // what each Transaction method does around its Unsafe* counterpart.
  template <typename F>
  static auto Guarded(std::string_view doing, F&& operation) -> decltype(operation()) {
    try {
      return operation();
    } catch (const sql::Error& e) {
      return FromError(e, doing);
    }
  }

  SqlStoreOptions options_;
  std::unique_ptr<sql::Database> db_;
  std::map<std::string, std::unique_ptr<sql::Statement>, std::less<>> statements_;
  std::vector<BudgetUsageChange> budget_changes_;  // not yet committed
  NotedChanges<TaskRecord> task_changes_;          // the same
  NotedChanges<SegmentChangeRecord> segment_changes_;
  bool log_task_changes_ = false;
  std::vector<std::string> changed_customers_;  // by the write in progress
  // Notes that the write in progress changed the customer.
  void NoteCustomerChanged(std::string_view customer_id);
};

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_CONNECTION_H_
