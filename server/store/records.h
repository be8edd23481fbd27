// The records of the store contract (server/store/store.h): what the
// store keeps and gives back, as plain values. No database here; the
// customer itself is the rules' record (rules::Customer), since that is
// what the rules evaluate. Plain values, without shared state.
#ifndef CLIENTELE_SERVER_STORE_RECORDS_H_
#define CLIENTELE_SERVER_STORE_RECORDS_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/offers.h"
#include "rules/points.h"
#include "rules/ruleset.h"
#include "rules/tiers.h"

namespace clientele::server {

// One line of the append-only points ledger.
struct LedgerEntry {
  int64_t id = 0;  // assigned by the store, increasing
  std::string customer_id;
  int64_t delta = 0;    // points added (negative: taken back)
  std::string reason;   // "purchase", "return", ...
  std::string rule_id;  // the earning rule, or ""
  std::string ruleset_version;
  std::string source;       // the event, e.g. "purchase:P-1001"
  std::string recorded_at;  // RFC 3339, UTC
  // Free text: a redemption's reason, or what a return could not take
  // back ("" none).
  std::string note;
};

// What is left of one credit of points: a purchase's earnings, kept apart
// so that they can be pending, expire, be spent expiring-first, and be
// taken back by a return (rules/points.h).
struct PointLotRecord {
  int64_t id = 0;  // the ledger entry that credited the points
  std::string customer_id;
  int64_t points = 0;     // credited
  int64_t remaining = 0;  // not yet spent, expired or taken back (>= 0)
  int64_t expired = 0;    // of `points`, what left by expiry
  // Of `points`, what a return could not take back because it was spent,
  // and forgave (returns_after_spending: forgive); a reversal of that
  // spending gives nothing back for them.
  int64_t forgiven = 0;
  rules::Date earned_on;
  rules::Date available_on;  // unknown: at once
  rules::Date expires_on;    // unknown: never
  // Those of the credit, which an expiry entry repeats.
  std::string rule_id;
  std::string ruleset_version;
  std::string source;

  rules::PointsLot lot() const { return {remaining, available_on, expires_on}; }
};

// Points that a debit (redemption, return, expiry, debt settlement) took
// from a lot, kept so that a reversal gives them back where they were.
struct LotDraw {
  int64_t lot_id = 0;
  int64_t points = 0;
};

// A change of a customer's stored tier, as its history keeps it.
struct TierChangeRecord {
  int64_t id = 0;  // assigned by the store, increasing
  std::string customer_id;
  std::string from_tier;
  std::string to_tier;
  rules::Date day;          // the day it took effect
  std::string recorded_at;  // RFC 3339, UTC; set by the store
  // "rules": the loyalty rules gave another tier; "manual": set by hand
  // until manual_until; "manual_ended": a manual tier ended by hand.
  std::string cause;
  std::string source;  // what caused it: "purchase:P-1", "return:P-1", "upsert", "manual"
  std::string ruleset_version;
  std::string actor;   // who set it by hand ("" for the rules)
  std::string reason;  // why, for a manual change
  rules::Date manual_until;  // "manual": the last day it holds
};

// A redemption of points (Loyalty.RedeemPoints).
struct RedemptionRecord {
  int64_t id = 0;  // its ledger entry
  std::string customer_id;
  int64_t points = 0;
  std::string reason;
  std::string reference;
  std::string recorded_at;
  int64_t reversed_by = 0;  // the ledger entry that gave them back; 0: not reversed
};

// A redemption of an offer (Offers.RedeemOffer, or a purchase that carried
// it): what limits and budgets count.
struct OfferRedemptionRecord {
  int64_t id = 0;  // assigned by the store, increasing
  std::string customer_id;
  std::string offer_id;  // the offer's rule id, what its limits count by
  std::string offer;     // its name when redeemed, e.g. "满100减20"
  // The programme's day it was redeemed on: the periods of limits and
  // budgets (a week, a month) count it there, a reversal too.
  rules::Date day;
  rules::Channel channel = rules::Channel::kUnknown;
  rules::OfferValueUnit unit = rules::OfferValueUnit::kNone;
  rules::Decimal value;  // what it was worth: money off, or the points it added
  std::optional<rules::Decimal> amount;  // the purchase or basket it was worth that for
  std::string purchase_id;  // the purchase that carried it ("" none): its return reverses it
  std::string reference;    // the caller's, e.g. an order id
  std::string ruleset_version;
  std::string recorded_at;  // RFC 3339, UTC; set by the store
  std::string reversed_at;  // "" while not reversed; set by the store
  std::string reversal_reason;
};

// What one customer, or everyone, redeemed of an offer in one channel:
// on one day, or since the offer began (day unknown). Reversed
// redemptions are taken off. Limits and budgets are sums of these.
struct OfferUsageRow {
  std::string offer_id;
  std::string customer_id;  // "" everyone's: what budgets count
  rules::Channel channel = rules::Channel::kUnknown;
  rules::Date day;  // unknown: the total since the offer began
  int64_t redemptions = 0;
  int64_t value_units = 0;  // Decimal units
};

// Which usage to read (Store::OfferUsage): everyone's and, when
// customer_id is not empty, that customer's, of these offers: their
// totals, and their days from `since` to `until` (none when either is unknown).
struct OfferUsageQuery {
  std::string customer_id;
  std::vector<std::string> offer_ids;  // every offer when empty
  rules::Date since;
  rules::Date until;
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
  // The ledger entry of its points (and its lot, when it earned any); set
  // by the store, 0 for purchases recorded before lots existed.
  int64_t ledger_id = 0;
};

// A custom event as recorded (rules/events.h).
struct CustomEventRecord {
  int64_t id = 0;  // assigned by the store, increasing
  std::string customer_id;
  std::string type;
  rules::Date day;          // the day it happened, in the programme's time zone
  std::string occurred_at;  // RFC 3339, as given ("" when not given: when recorded)
  // Its attributes as given, in the type's declaration order (name, text).
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string ruleset_version;
  std::string recorded_at;  // RFC 3339, UTC; set by the store
};

// What one event earning rule credited for a custom event: the rule's
// limits count these, per the event's customer.
struct EventCreditRecord {
  int64_t event_id = 0;
  std::string rule_id;
  std::string customer_id;     // the event's
  std::string to_customer_id;  // who got the points: the event's customer or another (a referrer)
  rules::Date day;             // the event's
  int64_t points = 0;          // > 0
  int64_t ledger_entry_id = 0;
};

// A task the rules gave someone for a customer (a tasks file): open until
// someone claims it, then closed with an outcome.
struct TaskRecord {
  int64_t id = 0;  // assigned by the store, increasing
  std::string customer_id;
  std::string rule_id;
  std::string task;    // what to do, e.g. "电话回访"
  std::string queue;   // who takes it ("" anyone)
  std::string status;  // "open" | "claimed" | "closed"
  std::string ruleset_version;
  // What the rules saw when they gave it, in words ("satisfaction is 3.8"),
  // without line breaks.
  std::vector<std::string> evidence;
  std::string source;     // what opened it: "purchase:P-1", "event:7", "interaction", ...
  std::string opened_at;  // RFC 3339, UTC; set by the store
  rules::Date due_on;     // unknown: none
  std::string claimed_by;
  std::string claimed_at;
  std::string closed_by;
  std::string closed_at;
  std::string outcome;  // what came of it, as the closer says
};

// The segment a customer is in for one dimension, as stored (a collect
// dimension's segments joined by ", ").
struct SegmentMembershipRecord {
  std::string customer_id;
  std::string dimension;
  std::string segment;
  std::string since;            // RFC 3339 UTC: when the customer entered it
  std::string ruleset_version;  // of the last evaluation
  std::string computed_at;      // RFC 3339 UTC: last set by a move, or confirmed by a refresh
};

// A customer entered or left a segment: `from` → `to` in a dimension ("":
// no segment), as an evaluation by `ruleset_version` found.
struct SegmentChangeRecord {
  int64_t sequence = 0;  // assigned by the store, increasing with each commit
  std::string customer_id;
  std::string dimension;
  std::string from_segment;
  std::string to_segment;
  std::string ruleset_version;
  // What found it: the write (its method, "RecordPurchase"), "ruleset"
  // (a new version served), "daily", or "refresh" (asked for).
  std::string cause;
  std::string changed_at;  // RFC 3339 UTC
};

// Which of the stored changes to read (Store::SegmentChanges).
struct SegmentChangeQuery {
  int64_t after_sequence = 0;
  std::string dimension;    // "" any
  std::string segment;      // "" any: else changes from or to it
  std::string customer_id;  // "" any
  int limit = 1000;
};

struct TaskQuery {
  std::string status;       // "" any
  std::string queue;        // "" any
  std::string customer_id;  // "" any
  int64_t before_id = 0;    // 0: from the newest
  int limit = 100;
};

struct TaskPage {
  std::vector<TaskRecord> tasks;  // newest first
  bool more = false;
};

// One piece of feedback about a product.
struct FeedbackRecord {
  int64_t id = 0;           // assigned by the store
  std::string customer_id;  // "" anonymous
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
  std::string category;  // e.g. "electronics"; "" none (purchase.category in earning rules)
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
  std::string before;  // what changed, as text ("" when nothing did)
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
  std::string version;                   // RuleSet::version()
  std::string directory;                 // loaded from
  std::string first_served_at;           // RFC 3339, UTC
  std::string last_served_at;            // the latest time it was swapped in
  int64_t times_served = 0;              // how often it was swapped in
  std::vector<rules::RuleSource> files;  // file name and bytes; empty in listings
};

// What one replica of a fleet that shares a database reported of its
// rules (server/api/fleet_rulesets.h): the version it serves and how its
// last reload attempt ended.
struct ReplicaRulesetRecord {
  std::string replica;          // its name: host and port, unless configured
  std::string serving_version;  // "" while it serves none
  std::string last_outcome;     // of its last reload: accepted | rejected | unchanged
  std::string last_message;     // that attempt's one line
  std::string reported_at;      // RFC 3339 UTC with milliseconds
};

// A rule draft of the console (server/api/drafts.h): a copy of a kept
// version's files that people edit before submitting it for approval.
// `revision` counts its changes, so that an edit made on a stale copy is
// refused instead of undoing another person's.
struct DraftRecord {
  int64_t id = 0;  // assigned by CreateDraft, from 1
  std::string title;
  std::string author;        // the name of the token that created it
  std::string base_version;  // the kept version it started from
  std::string created_at;    // RFC 3339 UTC, milliseconds
  std::string updated_at;
  std::string updated_by;                // the name of the token of the last change
  int64_t revision = 1;                  // 1 when created, +1 with each change
  std::vector<rules::RuleSource> files;  // file name and bytes, by name; empty in listings
  // Everyone who wrote it (the author and each who changed it), by name;
  // kept by the store, empty in listings.
  std::vector<std::string> editors;
};

// One step of a change request, as its audit keeps it.
struct ChangeRequestEvent {
  std::string at;     // RFC 3339 UTC, milliseconds
  std::string actor;  // the name of the caller's token
  // "submitted", "approved", "rejected", "withdrawn", "voided" or
  // "published".
  std::string action;
  std::string comment;  // given with it; for "voided", why
  // The version of the draft's files the step was taken on (for
  // "voided", the one the request froze).
  std::string version;
  std::string checks;  // the draft's check then, one line per step; "" none ran
};

// A change request of the console (server/api/change_requests.h): a draft
// submitted for approval, the version of its files frozen, and where it
// stands. State "open" (submitted), "approved", "rejected", "withdrawn",
// "voided" (its draft changed or went) or "published".
struct ChangeRequestRecord {
  int64_t id = 0;  // assigned by CreateChangeRequest, from 1
  int64_t draft_id = 0;
  int64_t draft_revision = 0;   // submitted
  std::string version;          // of the draft's files, submitted
  std::string title;            // the draft's, submitted
  std::string author;           // who submitted it
  std::string submitted_at;     // RFC 3339 UTC, milliseconds
  std::string serving_version;  // served when it was submitted
  std::string state = "open";
  std::string state_by;  // the last change of state: who, when, with what comment
  std::string state_at;
  std::string state_comment;
  std::vector<ChangeRequestEvent> events;  // oldest first; empty in listings
};

// One sampled decision of the decision log (server/api/decision_log.h). The
// request and decision are bytes that the service layer encodes and
// decodes; the store keeps them as given.
struct DecisionLogEntry {
  int64_t id = 0;           // assigned by the store, increasing
  std::string recorded_at;  // RFC 3339 UTC with milliseconds
  std::string method;       // the RPC, e.g. "Evaluate"
  std::string caller;       // the name of the caller's token
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

// What Store::BackupTo wrote.
struct BackupRecord {
  std::string taken_at;  // RFC 3339 UTC with milliseconds: the snapshot's start
  int64_t size_bytes = 0;
  int schema_version = 0;
  int64_t customers = 0;
};

// A stored customer and the offer usage read with it (Store::
// FindCustomerWithOfferUsage); no usage when the customer is not stored.
struct CustomerWithOfferUsage {
  std::optional<rules::Customer> customer;
  std::vector<OfferUsageRow> usage;
};

struct CustomerPage {
  std::vector<rules::Customer> customers;
  bool more = false;  // customers after the last one exist
};

// A walk over stored customers (Store::ScanCustomers).
// What a customer read computes besides its stored row: the purchase
// stats and points balances on `today`, and the tier qualification figures
// (qualifying_points, qualifying_spent) over the `qualifying` months, which
// the ruleset's tier policy gives (rules::TierPolicy::QualifyingMonths;
// empty: the figures are 0).
struct CustomerAsOf {
  rules::Date today;
  rules::MonthRange qualifying;
  // Customer::history holds the days from today - history_days + 1 on
  // (RuleSet::HistoryDays); none when 0.
  int32_t history_days = 0;
  // And a kLastEvent row per event type the customer has had
  // (RuleSet::ReadsLastEvents).
  bool last_events = false;
  // Non-null: the customer's RFM scores by this model (RuleSet::Rfm), with
  // the quantiles stored for its window; history_days must cover the
  // model's window.
  const rules::RfmModel* rfm = nullptr;
};

struct CustomerScan {
  rules::Date today;    // REQUIRED: the stats window ends in its month
  rules::MonthRange qualifying;  // as CustomerAsOf's
  std::string from_id;  // the first id of the range ("" from the start)
  std::string to_id;    // ids before this one ("" to the end)
  // Purchases made on these days (both included) come with their customer;
  // none when either is unknown.
  rules::Date purchases_from;
  rules::Date purchases_to;
  int32_t history_days = 0;  // as CustomerAsOf's
  bool last_events = false;  // as CustomerAsOf's
  const rules::RfmModel* rfm = nullptr;  // as CustomerAsOf's
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_STORE_RECORDS_H_
