// The remote commands of `clientele`: one per RPC of clienteled
// (proto/clientele/v1), talking gRPC to the server in RemoteOptions.
//
// Each Run* function validates its options, makes the call with a
// deadline, prints the result to `out` (an aligned table, or one JSON
// object per line with --json) and returns the exit code
// (client/exit_codes.h): 0 ok, 2 bad input, 3 not found, 4 conflict,
// 5 server unreachable / too slow / failed. Errors go to `err` as
// "error: CODE: message". Writes send an idempotency key: --key, or a
// generated one that the human output shows.
//
// The functions keep no state; each may run on any thread.
#ifndef CLIENTELE_CLIENT_REMOTE_COMMANDS_H_
#define CLIENTELE_CLIENT_REMOTE_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "client/remote.h"

namespace clientele::client {

// --- Diagnostics, Decisions ------------------------------------------------

struct PingOptions {
  RemoteOptions remote;
  std::string payload;  // echoed back, 0..1024 bytes
};
// `clientele ping`: the round trip time of a call, measured on a second
// call (the first one also connects, and is shown apart).
int RunPing(const PingOptions& options, std::ostream& out, std::ostream& err);

struct RulesetOptions {
  RemoteOptions remote;
};
// `clientele ruleset`: the version, directory and files being served.
int RunRuleset(const RulesetOptions& options, std::ostream& out, std::ostream& err);

// --- Rulesets: what the server serves, its reloads and versions ----------

struct RulesStatusOptions {
  RemoteOptions remote;
};
// `clientele rules status`: the version served, the reload counters and the
// last attempt with every diagnostic. Exit 1 when nothing is served or the
// last attempt was rejected.
int RunRulesStatus(const RulesStatusOptions& options, std::ostream& out, std::ostream& err);

struct RulesReloadOptions {
  RemoteOptions remote;
};
// `clientele rules reload`: reloads the server's rules directory now and
// prints the attempt. Exit 1 when it was rejected (the old version serves).
int RunRulesReload(const RulesReloadOptions& options, std::ostream& out, std::ostream& err);

struct RulesWatchOptions {
  RemoteOptions remote;
  int64_t count = 0;  // stop after this many messages (the first is the current state); 0: never
};
// `clientele rules watch`: the current state, then a line (and the
// diagnostics) per reload attempt as it happens, until interrupted.
int RunRulesWatch(const RulesWatchOptions& options, std::ostream& out, std::ostream& err);

struct RulesVersionsOptions {
  RemoteOptions remote;
  int32_t limit = 0;  // 1..1000; 0: the server's default (100)
};
// `clientele rules versions`: every version the server has served.
int RunRulesVersions(const RulesVersionsOptions& options, std::ostream& out, std::ostream& err);

struct RulesDiffOptions {
  RemoteOptions remote;
  // Each a rules directory here (read offline) or a version the server has
  // served (12 hex digits, or at least the first 4).
  std::string before;
  std::string after;
};
// `clientele rules diff A B`: what changed from A to B, rule by rule.
int RunRulesDiff(const RulesDiffOptions& options, std::ostream& out, std::ostream& err);

struct RulesSimulateOptions {
  RemoteOptions remote;
  std::string candidate;       // a rules directory here, or a version the server served
  std::string today;           // YYYY-MM-DD; "" today (UTC)
  std::string purchases_from;  // YYYY-MM-DD; "" the 30 days up to today
  std::string purchases_to;    // YYYY-MM-DD; "" today
  int32_t show = 0;            // example customers per movement, 0..100
};
// `clientele rules simulate DIR|VERSION`: what the candidate would change for
// every stored customer if it replaced the served ruleset.
int RunRulesSimulate(const RulesSimulateOptions& options, std::ostream& out, std::ostream& err);

struct EvaluateOptions {
  RemoteOptions remote;
  std::string customer_id;    // a stored customer, or
  std::string customer_json;  // one given inline (not stored)
  bool explain = false;
  std::string today;          // YYYY-MM-DD; "" today in the programme's time zone
  std::string time;           // HH:MM; "" now (without --today)
  std::string amount;         // a basket's amount; "" none
  std::string channel;        // online|offline; "" none
};
// `clientele evaluate`: segments, offers and tier of one customer.
int RunEvaluate(const EvaluateOptions& options, std::ostream& out, std::ostream& err);

struct ExplainOptions {
  RemoteOptions remote;
  std::string customer_id;    // a stored customer, or
  std::string customer_json;  // one given inline (not stored)
  std::string today;          // YYYY-MM-DD; "" today (UTC)
};
// `clientele explain`: the decision for one customer and, in plain words,
// why: for every rule considered, what its condition saw.
int RunExplain(const ExplainOptions& options, std::ostream& out, std::ostream& err);

struct EvaluateManyOptions {
  RemoteOptions remote;
  std::string segment;            // "dimension=segment"; "" every customer
  std::vector<std::string> ids;   // or these customers
  int64_t limit = 0;              // 0: no limit
  bool explain = false;
  std::string today;
};
// `clientele evaluate-many`: the decisions of many stored customers, a table
// (or JSON lines, printed as they arrive) and a count.
int RunEvaluateMany(const EvaluateManyOptions& options, std::ostream& out, std::ostream& err);

struct DecisionLogOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string customer_id;      // only this customer's; "" all
  std::string ruleset_version;  // only those of this version; "" all
};
// `clientele decision-log`: the server's sample of served decisions,
// newest first, with the log's settings.
int RunDecisionLog(const DecisionLogOptions& options, std::ostream& out, std::ostream& err);

// --- Customers -------------------------------------------------------------

struct CustomerUpsertOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_json;  // {"id": "c-1", "name": "张三", "age": 25, ...}
  // Only these fields change (UpsertCustomerRequest.update_mask); empty: all.
  std::vector<std::string> update_mask;
};
int RunCustomerUpsert(const CustomerUpsertOptions& options, std::ostream& out, std::ostream& err);

struct CustomerGetOptions {
  RemoteOptions remote;
  std::string customer_id;
};
int RunCustomerGet(const CustomerGetOptions& options, std::ostream& out, std::ostream& err);

struct CustomerDeleteOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
};
int RunCustomerDelete(const CustomerDeleteOptions& options, std::ostream& out, std::ostream& err);

struct CustomerListOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string segment;  // "dimension=segment"; "" every customer
};
int RunCustomerList(const CustomerListOptions& options, std::ostream& out, std::ostream& err);

struct CustomerImportOptions {
  RemoteOptions remote;
  std::string key;
  std::string file;
  std::string format;         // "csv", "jsonl"; "" by the file's extension
  bool skip_invalid = false;
  bool progress = false;      // progress lines on `err`
};
// `clientele customers import FILE`: checks the whole file first (every
// line that cannot be parsed is reported as FILE:LINE, and then nothing is
// sent), then streams it in messages of kImportBatchSize customers and
// prints the server's summary, rejected customers with their FILE:LINE.
inline constexpr int kImportBatchSize = 500;
int RunCustomerImport(const CustomerImportOptions& options, std::ostream& out, std::ostream& err);

// --- Events ----------------------------------------------------------------

struct PurchaseOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  std::string purchase_id;
  std::string amount;   // decimal text, e.g. "399.90"
  std::string product;
  std::string channel;  // online | offline | both | ""
  std::string date;     // YYYY-MM-DD; "" today
  std::string category;  // "" the product's category in the catalogue
  int64_t quantity = 0;  // 0: 1
  std::vector<std::string> offer_ids;  // offers it redeems (rule ids)
};
int RunPurchase(const PurchaseOptions& options, std::ostream& out, std::ostream& err);

struct ReturnOptions {
  RemoteOptions remote;
  std::string key;
  std::string purchase_id;
  std::string kind;  // "return" (default) | "cancellation"
};
int RunReturn(const ReturnOptions& options, std::ostream& out, std::ostream& err);

// --- Loyalty: points as money ---------------------------------------------

struct PointsShowOptions {
  RemoteOptions remote;
  std::string customer_id;
  int32_t redemptions = 0;  // the latest redemptions to list, 1..100; 0: the server's default (10)
};
// `clientele points show`: balance, available, pending, lifetime, owed,
// the upcoming expiries by date and the latest redemptions.
int RunPointsShow(const PointsShowOptions& options, std::ostream& out, std::ostream& err);

struct PointsRedeemOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  int64_t points = 0;
  std::string reason;     // kept in the ledger entry's note
  std::string reference;  // e.g. an order id: the entry's source is redemption:<reference>
};
// `clientele points redeem`: spends available points, those expiring first.
int RunPointsRedeem(const PointsRedeemOptions& options, std::ostream& out, std::ostream& err);

struct PointsReverseOptions {
  RemoteOptions remote;
  std::string key;
  int64_t redemption_id = 0;
  std::string reason;
};
// `clientele points reverse`: gives a redemption's points back, with their
// original expiry.
int RunPointsReverse(const PointsReverseOptions& options, std::ostream& out, std::ostream& err);

struct TierHistoryOptions {
  RemoteOptions remote;
  std::string customer_id;
  int32_t limit = 0;  // 1..1000; 0: the server's default (100)
};
// `clientele tier history`: the stored tier (since when, the one before, a
// manual tier's last day), what the rules give today, and every change.
int RunTierHistory(const TierHistoryOptions& options, std::ostream& out, std::ostream& err);

struct TierSetOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  std::string tier;    // "" ends the manual tier (`clientele tier end`)
  std::string until;   // YYYY-MM-DD, its last day
  std::string reason;
  std::string actor;
};
// `clientele tier set` / `tier end`: a tier by hand until a day, or the end
// of one; audited.
int RunTierSet(const TierSetOptions& options, std::ostream& out, std::ostream& err);

struct InteractionOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  std::string text;  // e.g. 好评
};
int RunInteraction(const InteractionOptions& options, std::ostream& out, std::ostream& err);

struct CustomEventOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  std::string type;                     // a type the served ruleset declares
  std::vector<std::string> attributes;  // "name=value" each
  std::string occurred_at;              // RFC 3339; "" now
};
// `clientele events record`: a custom event; shows what each event earning
// rule credited, and to whom.
int RunCustomEvent(const CustomEventOptions& options, std::ostream& out, std::ostream& err);

struct FeedbackOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;  // "" anonymous
  std::string product;
  std::string text;
  std::string source;        // survey | phone | face_to_face | online | ""
  std::string satisfaction;  // "1".."5"; "" not asked
  std::string date;
};
int RunFeedback(const FeedbackOptions& options, std::ostream& out, std::ostream& err);

// --- Products and improvement actions -------------------------------------

struct ProductUpsertOptions {
  RemoteOptions remote;
  std::string key;
  std::string product;
  std::string category;                 // purchase.category of its purchases; "" none
  std::vector<std::string> attributes;  // "name=value" each
};
int RunProductUpsert(const ProductUpsertOptions& options, std::ostream& out, std::ostream& err);

struct ProductGetOptions {
  RemoteOptions remote;
  std::string product;
};
int RunProductGet(const ProductGetOptions& options, std::ostream& out, std::ostream& err);

struct ImprovementListOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string product;  // "" any
  std::string status;   // proposed | applied | dismissed | "" any
};
int RunImprovementList(const ImprovementListOptions& options, std::ostream& out,
                       std::ostream& err);

struct ImprovementDecideOptions {
  RemoteOptions remote;
  std::string key;
  int64_t action_id = 0;
  std::string actor;  // who decides (audited)
  std::string note;   // why
};
// `improvements apply` (apply true) or `improvements dismiss`.
int RunImprovementDecide(bool apply, const ImprovementDecideOptions& options, std::ostream& out,
                         std::ostream& err);

// --- Tasks -----------------------------------------------------------------

struct TaskListOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string status;       // open | claimed | closed | "" any
  std::string queue;        // "" any
  std::string customer_id;  // "" any
};
// `clientele tasks list`: newest first, with what the rules saw.
int RunTaskList(const TaskListOptions& options, std::ostream& out, std::ostream& err);

struct TaskChangeOptions {
  RemoteOptions remote;
  std::string key;
  int64_t task_id = 0;
  std::string actor;    // who (audited)
  std::string outcome;  // close only: what came of it
};
// `clientele tasks claim` (close false) or `tasks close`.
int RunTaskChange(bool close, const TaskChangeOptions& options, std::ostream& out,
                  std::ostream& err);

struct TaskWatchOptions {
  RemoteOptions remote;
  std::string queue;        // "" every queue
  std::string customer_id;  // "" every customer
  int64_t count = 0;        // stop after this many messages; 0: never
};
// `clientele tasks watch`: the open and claimed tasks, then a line per task
// as writes open, claim or close it, until interrupted.
int RunTaskWatch(const TaskWatchOptions& options, std::ostream& out, std::ostream& err);

// --- Segments and RFM ------------------------------------------------------

struct SegmentShowOptions {
  RemoteOptions remote;
  std::string customer_id;
};
// `clientele segments show`: the customer's stored segments.
int RunSegmentShow(const SegmentShowOptions& options, std::ostream& out, std::ostream& err);

struct SegmentMembersOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string dimension;
  std::string segment;
};
// `clientele segments members`: the customers of one stored segment.
int RunSegmentMembers(const SegmentMembersOptions& options, std::ostream& out, std::ostream& err);

struct SegmentRefreshOptions {
  RemoteOptions remote;
};
// `clientele segments refresh`: RFM quantiles and every customer's segments now.
int RunSegmentRefresh(const SegmentRefreshOptions& options, std::ostream& out, std::ostream& err);

struct SegmentWatchOptions {
  RemoteOptions remote;
  std::string dimension;    // "" every dimension
  std::string segment;      // "" any: else moves into or out of it
  std::string customer_id;  // "" every customer
  int64_t after = -1;       // >= 0: the stored changes after this sequence first
  int64_t count = 0;        // stop after this many changes; 0: never
};
// `clientele segments watch`: a line per move, as committed, until
// interrupted; with --after, the stored moves after that sequence first.
int RunSegmentWatch(const SegmentWatchOptions& options, std::ostream& out, std::ostream& err);

struct RfmShowOptions {
  RemoteOptions remote;
  std::string customer_id;  // "" the model and quantiles only
};
// `clientele rfm show`: how the served rules score RFM, and a customer's scores.
int RunRfmShow(const RfmShowOptions& options, std::ostream& out, std::ostream& err);

// --- Reports ---------------------------------------------------------------

struct SegmentReportOptions {
  RemoteOptions remote;
  std::string dimension;  // "" every dimension
  std::string today;
};
int RunSegmentReport(const SegmentReportOptions& options, std::ostream& out, std::ostream& err);

struct FeedbackReportOptions {
  RemoteOptions remote;
  std::string product;  // "" every product
  std::string since;    // YYYY-MM-DD; "" all
  int32_t top = 0;      // expectations and themes per product; 0: 5
};
int RunFeedbackReport(const FeedbackReportOptions& options, std::ostream& out, std::ostream& err);

struct LedgerOptions {
  RemoteOptions remote;
  PageOptions page;
  std::string customer_id;
};
int RunLedger(const LedgerOptions& options, std::ostream& out, std::ostream& err);

// --- Admin -------------------------------------------------------------------

struct BackupOptions {
  RemoteOptions remote;
  std::string file;    // written on this machine
  bool force = false;  // replace `file` when it exists
};
// `clientele admin backup FILE`: streams a backup from the server into
// FILE.partial, checks its size and SHA-256 against what the server sent,
// syncs it and renames it to FILE; on any failure FILE is left as it was
// and the partial file removed. An existing FILE needs --force (exit 2).
int RunBackup(const BackupOptions& options, std::ostream& out, std::ostream& err);

// "dimension=segment" split at the first '='; false when either is empty.
bool ParseSegmentFilter(const std::string& text, std::string* dimension, std::string* segment);

// --- Offers: redemptions, the served calendar, how campaigns did ----------

struct OfferRedeemOptions {
  RemoteOptions remote;
  std::string key;
  std::string customer_id;
  std::string offer_id;     // the offer's rule id
  std::string amount;       // a basket's amount, or
  std::string purchase_id;  // a recorded purchase of the customer
  std::string channel;      // online | offline | ""
  std::string reference;
};
// `clientele offers redeem`: Offers.RedeemOffer. Exit 4 when the rules do
// not give the offer (its limit, its budget, its window...), saying why.
int RunOfferRedeem(const OfferRedeemOptions& options, std::ostream& out, std::ostream& err);

struct OfferReverseOptions {
  RemoteOptions remote;
  std::string key;
  int64_t redemption_id = 0;
  std::string reason;
};
// `clientele offers reverse`: gives a redemption back to its limit and budget.
int RunOfferReverse(const OfferReverseOptions& options, std::ostream& out, std::ostream& err);

struct OfferRedemptionsOptions {
  RemoteOptions remote;
  std::string customer_id;
  int32_t limit = 0;  // 1..1000; 0: the server's default (100)
};
// `clientele offers redemptions`: a customer's offer redemptions, newest first.
int RunOfferRedemptions(const OfferRedemptionsOptions& options, std::ostream& out,
                        std::ostream& err);

struct OfferCalendarOptions;  // offer_commands.h
// `clientele offers calendar` without DIR: the calendar of the ruleset the
// server serves (options.server, prepared by the caller), shown as the
// offline one is.
int RunServedOfferCalendar(const OfferCalendarOptions& options, std::ostream& out,
                           std::ostream& err);

struct OfferReportOptions {
  RemoteOptions remote;
  std::string from;      // YYYY-MM-DD; "" 30 days before --to
  std::string to;        // YYYY-MM-DD; "" today
  std::string offer_id;  // "" every offer
};
// `clientele reports offers`: per offer, redemptions and value per day and
// in total, and what is left of each budget.
int RunOfferReport(const OfferReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_REMOTE_COMMANDS_H_
