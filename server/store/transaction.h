// The write transaction of the store contract: what a write may do, all of
// it committed together or not at all (see Store::Write). An
// implementation's transaction exists only inside Store::Write or
// Store::Submit and must not escape its callback; it is used by one
// thread, the one that runs the callback.
#ifndef CLIENTELE_SERVER_STORE_TRANSACTION_H_
#define CLIENTELE_SERVER_STORE_TRANSACTION_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "server/store/records.h"

namespace clientele::server {

// Operations inside one write transaction (see Store::Write). Every method
// returns an error rather than throwing; after an error the caller should
// return it, which rolls the whole transaction back.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // The customer as of `as_of` (its purchase stats, balances and tier
  // qualification figures); nullopt when there is none.
  virtual absl::StatusOr<std::optional<rules::Customer>> FindCustomer(
      std::string_view id, const CustomerAsOf& as_of) = 0;
  // Inserts the customer or replaces its profile fields (name, age, gender,
  // occupation, consumption, channel, birthday, joined_at, satisfaction).
  // Nonzero purchase_frequency / average_purchase_amount are kept as
  // imported stats, which FindCustomer reports while the customer has no
  // recorded purchase (zero keeps earlier imported ones). Points, tier and
  // totals are never written here. True when the customer was created.
  // A change of satisfaction is kept in the customer's history as made on
  // `day` (rules::HistoryFigure::kSatisfactionBefore).
  virtual absl::StatusOr<bool> UpsertCustomerProfile(const rules::Customer& customer,
                                                     rules::Date day) = 0;
  // Deletes the customer and everything recorded about it. False when
  // there was no such customer.
  virtual absl::StatusOr<bool> DeleteCustomer(std::string_view id) = 0;

  // Stores the purchase with the points it earned: the purchase row, the
  // customer's total, last purchase day, windowed stats, lifetime points
  // (raised by the points when they are above 0) and tier (kept when
  // `tier` is nullopt), and
  // `points` appended to the ledger with the balance moved by its delta
  // (see AppendLedger). Returns the ledger entry's id, which the purchase
  // keeps (PurchaseRecord::ledger_id); its lot is the caller's (InsertLot). NOT_FOUND for an
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
  // Sets the customer's tier to change.to_tier, its previous tier to
  // change.from_tier, the day since which it holds to change.day and the
  // manual tier's last day to change.manual_until (unknown: none), and
  // appends the change to the tier history; returns the change's id.
  // NOT_FOUND for an unknown customer.
  virtual absl::StatusOr<int64_t> ChangeTier(const TierChangeRecord& change) = 0;
  // Schedules the customer's downgrade for `day` (unknown: none). A
  // ChangeTier drops any schedule.
  virtual absl::Status SetTierDowngrade(std::string_view customer_id, rules::Date day) = 0;

  // ---- points lots (server/api/points_account.h keeps them in step with
  // the ledger: the lots' remaining points add up to the balance, or to 0
  // while it is below 0).
  // Stores a lot; lot.id is the ledger entry that credited it. A lot with
  // a date marks its customer, whose reads then apply the lots.
  virtual absl::Status InsertLot(const PointLotRecord& lot) = 0;
  virtual absl::StatusOr<std::optional<PointLotRecord>> FindLot(int64_t id) = 0;
  // The customer's lots with points remaining, expired or not, those
  // expiring first (never last), then the oldest first.
  virtual absl::StatusOr<std::vector<PointLotRecord>> LiveLots(std::string_view customer_id) = 0;
  // Writes the lot's points, remaining, expired and forgiven points.
  virtual absl::Status UpdateLot(const PointLotRecord& lot) = 0;
  // The customer's newest lot without dates (neither pending nor
  // expiring) whose id is at most `up_to_id`, whatever it has left;
  // nullopt when it has none.
  virtual absl::StatusOr<std::optional<PointLotRecord>> FindUndatedLot(
      std::string_view customer_id, int64_t up_to_id) = 0;
  // Lots with points remaining that expired by `today`, of customers
  // whose ids are `from_customer_id` or after, in customer id order (then
  // the earliest expiry first), at most `limit`. In customer order, so
  // that a batch of them changes few pages of the customers and their
  // lots; a pass that goes on from the last lot's customer finds what is
  // left of it (written-off lots have no points remaining).
  virtual absl::StatusOr<std::vector<PointLotRecord>> ExpiredLots(
      rules::Date today, std::string_view from_customer_id, int64_t limit) = 0;
  // Records what debit `entry_id` took from which lots.
  virtual absl::Status InsertDraws(int64_t entry_id, std::span<const LotDraw> draws) = 0;
  virtual absl::StatusOr<std::vector<LotDraw>> DrawsOf(int64_t entry_id) = 0;
  // Adds `lifetime_delta` to the customer's lifetime points and sets what
  // it owes. NOT_FOUND for an unknown customer.
  virtual absl::Status UpdatePointsTotals(std::string_view customer_id, int64_t lifetime_delta,
                                          int64_t owed) = 0;
  virtual absl::Status InsertRedemption(const RedemptionRecord& redemption) = 0;
  virtual absl::StatusOr<std::optional<RedemptionRecord>> FindRedemption(int64_t id) = 0;
  virtual absl::Status MarkRedemptionReversed(int64_t id, int64_t reversed_by) = 0;
  // ---- offer redemptions (server/api/offer_redemptions.h checks them against the
  // served rules' limits and budgets, which OfferUsage reads in the same
  // transaction: writes are serialised, so no two can both take the last unit).
  // Stores the redemption and adds it to the usage of its customer and of
  // everyone, on its day and in total; returns it as stored (its id and
  // recorded_at set). NOT_FOUND for an unknown customer.
  virtual absl::StatusOr<OfferRedemptionRecord> InsertOfferRedemption(
      const OfferRedemptionRecord& redemption) = 0;
  virtual absl::StatusOr<std::optional<OfferRedemptionRecord>> FindOfferRedemption(int64_t id) = 0;
  // The redemptions that purchase `purchase_id` carried, reversed or not, oldest first.
  virtual absl::StatusOr<std::vector<OfferRedemptionRecord>> OfferRedemptionsOfPurchase(
      std::string_view purchase_id) = 0;
  // Marks the redemption reversed (now, for `reason`) and takes it off the
  // usage where InsertOfferRedemption added it; returns it as it is now.
  // FAILED_PRECONDITION when it is not recorded or was reversed before.
  virtual absl::StatusOr<OfferRedemptionRecord> ReverseOfferRedemption(int64_t id,
                                                                       std::string_view reason) = 0;
  // The usage rows that `query` asks for, as this transaction sees them.
  virtual absl::StatusOr<std::vector<OfferUsageRow>> OfferUsage(const OfferUsageQuery& query) = 0;

  // Records an interaction made on `day` and sets the customer's
  // satisfaction and count; its history counts it under `rule_id` and
  // keeps a change of satisfaction.
  virtual absl::Status RecordInteraction(std::string_view customer_id, std::string_view text,
                                         std::string_view rule_id, rules::Decimal satisfaction,
                                         int64_t interaction_count, rules::Date day) = 0;

  // ---- custom events (rules/events.h)
  // Stores the event and adds it to its customer's history (the day's
  // count of its type, the type's latest day); returns its id. NOT_FOUND
  // for an unknown customer.
  virtual absl::StatusOr<int64_t> InsertCustomEvent(const CustomEventRecord& event) = 0;
  // How much of each rule's limit `customer_id`'s events have used, over
  // the rule's period that holds `day` (rules::EventUsage), as this
  // transaction sees it.
  virtual absl::StatusOr<std::vector<rules::EventRuleUsage>> EventRuleUsage(
      std::string_view customer_id, std::span<const rules::EventEarningTerms> rules,
      rules::Date day) = 0;
  // The kLastEvent rows of the customer's history as of `day`: for each
  // event type, the latest day on or before it and how many till then.
  // For an event or purchase dated before today (the stored rows hold the
  // latest day of all).
  virtual absl::StatusOr<std::vector<rules::HistoryDay>> LastEventsAsOf(
      std::string_view customer_id, rules::Date day) = 0;
  // Stores a credit (its ledger entry written already) and adds its points
  // to the history of the customer who got them (points earned that day).
  virtual absl::Status InsertEventCredit(const EventCreditRecord& credit) = 0;

  // ---- tasks
  // Opens `task` (status "open"; opened_at set here) unless one of its
  // rule is open or claimed for its customer: its id, or nullopt then.
  // NOT_FOUND for an unknown customer.
  virtual absl::StatusOr<std::optional<int64_t>> OpenTask(const TaskRecord& task) = 0;
  virtual absl::StatusOr<std::optional<TaskRecord>> FindTask(int64_t id) = 0;
  // The rules with a task open or claimed for the customer; with
  // `closed_too`, every rule that ever gave the customer a task.
  virtual absl::StatusOr<std::vector<std::string>> RulesWithTasks(std::string_view customer_id,
                                                                  bool closed_too) = 0;
  // Writes the status, claim and close fields of a stored task; an empty
  // claimed_at (closed_at) becomes the time now when the status is claimed
  // (closed). NOT_FOUND for an unknown id.
  virtual absl::Status UpdateTask(const TaskRecord& task) = 0;

  // ---- segment membership (server/api/segments.h keeps it fresh) and RFM
  // Sets the customer's segments to `segments` ({dimension, segment}
  // pairs; a dimension left out has none), as `ruleset_version` evaluated
  // them now: rows of a new segment start `since` now, rows written are
  // stamped with the version and the time, and each dimension whose
  // segment changed gets a SegmentChangeRecord with `cause`, told to the
  // store's segment listeners once committed. A row whose segment and
  // version stay is written (computed_at now) only with `confirm`: a
  // refresh confirms every row, a write's follow-up only what moved.
  // Returns the changes made.
  virtual absl::StatusOr<std::vector<SegmentChangeRecord>> SetSegments(
      std::string_view customer_id, const std::vector<SegmentMembershipRecord>& segments,
      std::string_view ruleset_version, std::string_view cause, bool confirm) = 0;
  // Up to `limit` stored customer ids after `after_id`, ascending.
  virtual absl::StatusOr<std::vector<std::string>> CustomerIdsAfter(std::string_view after_id,
                                                                    int limit) = 0;
  // Stores the quantiles of their window, replacing earlier ones.
  virtual absl::Status PutRfmQuantiles(const rules::RfmQuantiles& quantiles) = 0;

  // Stores feedback (and its themes); returns its id. A non-empty
  // customer_id must be a stored customer (else NOT_FOUND).
  virtual absl::StatusOr<int64_t> InsertFeedback(const FeedbackRecord& feedback) = 0;
  // Adds the feedback on `product` of `first_day` and after to
  // feedback->product_history (rules::AddEarlierFeedback, mentions
  // counted for the phrase lists of `facts`): the product facts of
  // improvement rules. Reads that window's feedback, by product and day.
  virtual absl::Status AddProductHistory(std::string_view product, rules::Date first_day,
                                         const std::vector<rules::FactRequest>& facts,
                                         rules::Feedback* feedback) = 0;
  // Adds feedback `feedback_id` of `day`, which contained
  // `matched_keywords`, to the evidence of the open action for
  // (proposal.product, proposal.rule_id), creating that action from
  // `proposal` when none is open. Returns the action's id.
  virtual absl::StatusOr<int64_t> SupportAction(
      const ImprovementActionRecord& proposal, int64_t feedback_id, rules::Date day,
      const std::vector<std::string>& matched_keywords) = 0;
  virtual absl::StatusOr<std::optional<ImprovementActionRecord>> FindAction(int64_t id) = 0;
  // Moves a proposed action to `status` ("applied" | "dismissed");
  // FAILED_PRECONDITION when it is not proposed any more.
  virtual absl::Status CloseAction(int64_t id, std::string_view status, std::string_view actor,
                                   std::string_view note) = 0;
  virtual absl::StatusOr<std::optional<ProductRecord>> FindProduct(std::string_view product) = 0;
  // The product's category; "" when it has none or is not stored.
  virtual absl::StatusOr<std::string> ProductCategory(std::string_view product) = 0;
  // Creates the product or replaces its attributes; true when created.
  virtual absl::StatusOr<bool> UpsertProduct(const ProductRecord& product) = 0;
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  // Keeps a version being swapped in: new versions with their files (by
  // file name); a version served before gets its last_served_at (from
  // record.last_served_at) and times_served updated.
  virtual absl::Status ArchiveRuleset(const RulesetVersionRecord& record) = 0;
  // Stores a new draft with its files; returns its id. `draft.id` is
  // ignored.
  virtual absl::StatusOr<int64_t> CreateDraft(const DraftRecord& draft) = 0;
  // Replaces draft `draft.id` (title, files, updated_at, updated_by) and
  // sets its revision to `draft.revision`, if its revision is still
  // `draft.revision - 1`: ABORTED when another change came first,
  // NOT_FOUND when there is no such draft.
  virtual absl::Status ReplaceDraft(const DraftRecord& draft) = 0;
  // Deletes the draft and its files if its revision is still `revision`:
  // ABORTED when another change came first, NOT_FOUND when there is none.
  // `by` and `at` (RFC 3339 UTC) name the deletion in the "voided" event
  // of the draft's pending change requests.
  virtual absl::Status DeleteDraft(int64_t id, int64_t revision, std::string_view by,
                                   std::string_view at) = 0;
  // ReplaceDraft and DeleteDraft also void the draft's pending change
  // requests (state "open" or "approved"), with a "voided" event saying
  // who changed the draft and when: no change to an approved draft keeps
  // its approval, by any path.

  // Stores a new change request in state "open" with `submitted` as its
  // first event; returns its id. ABORTED when its draft is no longer at
  // `request.draft_revision` (NOT_FOUND when it is gone); ALREADY_EXISTS
  // naming the pending one when the draft has a request "open" or
  // "approved".
  virtual absl::StatusOr<int64_t> CreateChangeRequest(const ChangeRequestRecord& request,
                                                      const ChangeRequestEvent& submitted) = 0;
  // Moves request `id` from state `from` to state `to`, appending `event`
  // (whose actor, time and comment become the state's).
  // FAILED_PRECONDITION naming its state when it is not in `from`
  // (someone acted first), NOT_FOUND when there is no such request.
  virtual absl::Status MoveChangeRequest(int64_t id, std::string_view from, std::string_view to,
                                         const ChangeRequestEvent& event) = 0;
  // Replaces `record.replica`'s report (Store::ReportReplicaRuleset) and
  // removes the reports made before `forget_before`.
  virtual absl::Status ReportReplicaRuleset(const ReplicaRulesetRecord& record,
                                            std::string_view forget_before) = 0;
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

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_TRANSACTION_H_
