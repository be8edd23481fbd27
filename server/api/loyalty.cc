#include "server/api/loyalty.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "server/api/conversion.h"
#include "server/api/idempotent_writes.h"
#include "server/api/points_account.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/api/tier_changes.h"
#include "server/infra/log.h"
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {

constexpr int64_t kMaxRedemption = 1'000'000'000;

// After a write that moved a customer's points: its tier as the rules
// decide from the points now (a tier on the balance follows it), and its
// points into *out (re-read in the same transaction).
absl::Status SettleAfter(Transaction& tx, const rules::RuleSet& ruleset,
                         std::string_view customer_id, Date today, std::string_view source,
                         v1::PointsBalance* out) {
  absl::StatusOr<Customer> after = RequireCustomer(tx, customer_id, AsOf(ruleset, today));
  if (!after.ok()) return after.status();
  // Rules that fail for this customer (a division by zero in a segment)
  // do not fail the redemption, which does not depend on them: the tier
  // then waits for the next event or review that can decide it.
  rules::Decision decision;
  if (EvaluateRules(ruleset, {&*after, nullptr, nullptr, nullptr, today}, &decision).ok()) {
    if (absl::Status s = ChangeTierByRules(tx, *after, {decision.tier, decision.tier_downgrade_on},
                                           source, decision.ruleset_version, today);
        !s.ok()) {
      return s;
    }
  }
  PointsBalanceToProto(*after, out);
  return absl::OkStatus();
}

void RedemptionToProto(const RedemptionRecord& r, v1::Redemption* out) {
  out->set_redemption_id(r.id);
  out->set_points(r.points);
  out->set_reason(r.reason);
  out->set_reference(r.reference);
  out->set_recorded_at(r.recorded_at);
  out->set_reversed_by(r.reversed_by);
}

// The transaction of a redemption: the points spent from the lots that
// expire first, its ledger entry and record, and the tier after it.
absl::Status WriteRedemption(Transaction& tx, const rules::RuleSet& ruleset,
                             const v1::RedeemPointsRequest& request, Date today,
                             v1::RedeemPointsResponse* out) {
  absl::StatusOr<Customer> customer =
      RequireCustomer(tx, request.customer_id(), CustomerAsOf{today, {}});
  if (!customer.ok()) return customer.status();
  PointsAccount account(tx, ruleset.points_policy(), ruleset.version(), today);
  absl::StatusOr<int64_t> id =
      account.Redeem(*customer, request.points(), request.reason(), request.reference());
  if (!id.ok()) return id.status();
  // Counted here, where a retry replayed from its idempotency key never
  // comes (only a failed group commit, which fails the call, over-counts).
  Metrics::Global().RecordPoints(-request.points());
  out->set_redemption_id(*id);
  out->set_points(request.points());
  out->set_ruleset_version(ruleset.version());
  return SettleAfter(tx, ruleset, customer->id, today, StrCat("redemption:", *id),
                     out->mutable_points_after());
}

}  // namespace

absl::Status LoyaltyApi::GetPoints(const v1::GetPointsRequest& request,
                                   v1::GetPointsResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (request.redemptions() < 0 || request.redemptions() > 100) {
    return Invalid("redemptions", "must be 0..100 (0: the default, 10)");
  }
  const int redemptions = request.redemptions() == 0 ? 10 : request.redemptions();
  const Date today = today_();
  // Points only: no tier figures.
  absl::StatusOr<Customer> customer =
      RequireCustomer(*store_, request.customer_id(), CustomerAsOf{today, {}});
  if (!customer.ok()) return customer.status();
  absl::StatusOr<std::vector<RedemptionRecord>> latest =
      store_->Redemptions(request.customer_id(), redemptions);
  if (!latest.ok()) return latest.status();
  response->set_customer_id(request.customer_id());
  response->set_today(today.ToString());
  PointsBalanceToProto(*customer, response->mutable_points());
  for (const RedemptionRecord& r : *latest) RedemptionToProto(r, response->add_redemptions());
  return absl::OkStatus();
}

absl::Status LoyaltyApi::RedeemPoints(const v1::RedeemPointsRequest& request,
                                      v1::RedeemPointsResponse* response) {
  return WaitFor([&](Done done) {
    RedeemPoints(request, response, Store::Deadline::max(), std::move(done));
  });
}

void LoyaltyApi::RedeemPoints(const v1::RedeemPointsRequest& request,
                              v1::RedeemPointsResponse* response, Store::Deadline deadline,
                              Done done) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return done(s);
  if (request.points() <= 0 || request.points() > kMaxRedemption) {
    return done(
        Invalid("points", StrCat("must be 1..", kMaxRedemption, ", not ", request.points())));
  }
  if (absl::Status s = CheckText("reason", request.reason(), 200, false); !s.ok()) return done(s);
  if (absl::Status s = CheckText("reference", request.reference(), 128, false); !s.ok()) {
    return done(s);
  }
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return done(s);
  SubmitIdempotentWrite(
      store_, "RedeemPoints", request, request.idempotency_key(), deadline, response,
      [served = std::move(served), today, &request](Transaction& tx,
                                                    v1::RedeemPointsResponse* out) {
        return WriteRedemption(tx, *served->ruleset, request, today, out);
      },
      std::move(done));
}

absl::Status LoyaltyApi::ReverseRedemption(const v1::ReverseRedemptionRequest& request,
                                           v1::ReverseRedemptionResponse* response) {
  if (request.redemption_id() <= 0) {
    return Invalid("redemption_id", "is required (RedeemPointsResponse.redemption_id)");
  }
  if (absl::Status s = CheckText("reason", request.reason(), 200, false); !s.ok()) return s;
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "ReverseRedemption", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::ReverseRedemptionResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<RedemptionRecord>> redemption =
            tx.FindRedemption(request.redemption_id());
        if (!redemption.ok()) return redemption.status();
        if (!redemption->has_value()) {
          return absl::NotFoundError(
              StrCat("redemption ", request.redemption_id(), " is not recorded"));
        }
        absl::StatusOr<Customer> customer =
            RequireCustomer(tx, (*redemption)->customer_id, CustomerAsOf{today, {}});
        if (!customer.ok()) return customer.status();
        PointsAccount account(tx, served->ruleset->points_policy(), served->ruleset->version(),
                              today);
        absl::StatusOr<PointsAccount::Reversal> reversal =
            account.ReverseRedemption(*customer, **redemption, request.reason());
        if (!reversal.ok()) return reversal.status();
        Metrics::Global().RecordPoints(reversal->points);
        out->set_redemption_id(request.redemption_id());
        out->set_customer_id(customer->id);
        out->set_points(reversal->points);
        out->set_reversal_id(reversal->entry_id);
        out->set_points_debt_settled(reversal->debt_settled);
        out->set_ruleset_version(served->ruleset->version());
        return SettleAfter(tx, *served->ruleset, customer->id, today,
                           StrCat("redemption_reversal:", request.redemption_id()),
                           out->mutable_points_after());
      });
}

absl::Status LoyaltyApi::GetTierHistory(const v1::GetTierHistoryRequest& request,
                                        v1::GetTierHistoryResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (request.limit() < 0 || request.limit() > 1000) {
    return Invalid("limit", "must be 0..1000 (0: the default, 100)");
  }
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  const bool served_ok = ServingRules(*rules_, *reloader_, &served).ok();
  const CustomerAsOf as_of = served_ok ? AsOf(*served->ruleset, today) : CustomerAsOf{today, {}};
  absl::StatusOr<Customer> customer = RequireCustomer(*store_, request.customer_id(), as_of);
  if (!customer.ok()) return customer.status();
  absl::StatusOr<std::vector<TierChangeRecord>> changes =
      store_->TierHistory(request.customer_id(), request.limit() == 0 ? 100 : request.limit());
  if (!changes.ok()) return changes.status();
  const Customer& c = *customer;
  response->set_customer_id(c.id);
  response->set_tier(c.tier);
  response->set_tier_since(c.tier_since.ToString());
  response->set_previous_tier(c.previous_tier);
  response->set_manual_tier_until(c.manual_tier_until.ToString());
  response->set_tier_downgrade_on(c.tier_downgrade_on.ToString());
  if (served_ok) {
    rules::Decision decision;
    if (EvaluateRules(*served->ruleset, {&c, nullptr, nullptr, nullptr, today}, &decision).ok()) {
      response->set_tier_by_rules(std::string(decision.tier));
      response->set_downgrade_by_rules(decision.tier_downgrade_on.ToString());
    }
    const rules::TierPolicy& policy = served->ruleset->tier_policy();
    response->set_qualify_on(policy.QualifyOnText());
    if (policy.figure == rules::TierPolicy::Figure::kPointsEarned) {
      response->set_qualifying(std::to_string(c.qualifying_points));
    } else if (policy.figure == rules::TierPolicy::Figure::kAmountSpent) {
      response->set_qualifying(c.qualifying_spent.ToString());
    } else {
      response->set_qualifying(std::to_string(c.points));
    }
  }
  for (const TierChangeRecord& r : *changes) {
    v1::TierChange* out = response->add_changes();
    out->set_change_id(r.id);
    out->set_from_tier(r.from_tier);
    out->set_to_tier(r.to_tier);
    out->set_date(r.day.ToString());
    out->set_recorded_at(r.recorded_at);
    out->set_cause(r.cause);
    out->set_source(r.source);
    out->set_ruleset_version(r.ruleset_version);
    out->set_actor(r.actor);
    out->set_reason(r.reason);
    out->set_manual_until(r.manual_until.ToString());
  }
  return absl::OkStatus();
}

absl::Status LoyaltyApi::SetTier(const v1::SetTierRequest& request, v1::SetTierResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (absl::Status s = CheckText("tier", request.tier(), limits_.max_name_bytes, false); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("until", request.until(), 50, false); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", request.reason(), 500, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("actor", request.actor(), 100, false); !s.ok()) return s;
  const Date today = today_();
  const bool ending = request.tier().empty();
  Date until;
  if (ending) {
    if (!request.until().empty()) return Invalid("until", "goes with a tier; leave it out to end one");
  } else {
    if (request.until().empty()) return Invalid("until", "is required with a tier (its last day)");
    absl::StatusOr<Date> day = Date::Parse(request.until());
    if (!day.ok()) return Invalid("until", View(day.status().message()));
    if (*day < today || day->days() > today.days() + 3660) {
      return Invalid("until", StrCat("must be from today (", today.ToString(),
                                     ") to 10 years on, not ", request.until()));
    }
    until = *day;
  }
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  const std::vector<std::string> tiers = served->ruleset->DecisionNames().tiers;
  if (!ending && std::find(tiers.begin(), tiers.end(), request.tier()) == tiers.end()) {
    return Invalid("tier", StrCat("'", request.tier(), "' is not a tier of the served ruleset",
                                  rules::DidYouMeanSuffix(request.tier(), tiers), " (tiers: ",
                                  StrJoin(tiers, ", "), ")"));
  }
  return IdempotentWrite(
      store_, "SetTier", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::SetTierResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer =
            RequireCustomer(tx, request.customer_id(), AsOf(*served->ruleset, today));
        if (!customer.ok()) return customer.status();
        TierChangeRecord change;
        Date ruled_downgrade;  // ending: the downgrade the rules schedule
        change.customer_id = customer->id;
        change.from_tier = customer->tier;
        change.day = today;
        change.source = "manual";
        change.ruleset_version = served->ruleset->version();
        change.actor = request.actor();
        change.reason = request.reason();
        if (ending) {
          if (!customer->manual_tier_until.known() || customer->manual_tier_until < today) {
            return absl::FailedPreconditionError(
                StrCat("customer '", customer->id, "' has no manual tier to end"));
          }
          // The rules decide again, from today.
          Customer ruled = *customer;
          ruled.manual_tier_until = Date();
          rules::Decision decision;
          if (absl::Status s = EvaluateRules(*served->ruleset,
                                             {&ruled, nullptr, nullptr, nullptr, today}, &decision);
              !s.ok()) {
            return s;
          }
          change.to_tier = std::string(decision.tier);
          ruled_downgrade = decision.tier_downgrade_on;
          change.cause = "manual_ended";
        } else {
          change.to_tier = request.tier();
          change.cause = "manual";
          change.manual_until = until;
        }
        absl::StatusOr<int64_t> change_id = tx.ChangeTier(change);
        if (!change_id.ok()) return change_id.status();
        // The rules' schedule from today, which ChangeTier dropped.
        if (ending && ruled_downgrade.known()) {
          if (absl::Status s = tx.SetTierDowngrade(customer->id, ruled_downgrade); !s.ok()) return s;
        }
        AuditEntry audit;
        audit.subject = StrCat("customer_tier:", customer->id);
        audit.event = ending ? "manual_tier_ended" : "manual_tier_set";
        audit.actor = request.actor();
        audit.note = request.reason();
        audit.before = customer->tier;
        audit.after = ending ? change.to_tier : StrCat(change.to_tier, " until ", until.ToString());
        absl::StatusOr<int64_t> audited = tx.AppendAudit(audit);
        if (!audited.ok()) return audited.status();
        out->set_customer_id(customer->id);
        out->set_tier_before(customer->tier);
        out->set_tier(change.to_tier);
        out->set_manual_tier_until(until.ToString());
        out->set_change_id(*change_id);
        out->set_ruleset_version(served->ruleset->version());
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> LoyaltyApi::ReviewTiers(Date today, int64_t batch,
                                                const std::function<bool()>& stop_requested) {
  if (batch < 1) return absl::InvalidArgumentError("the tier review needs a batch of 1 or more");
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  const rules::RuleSet& ruleset = *served->ruleset;
  if (!ruleset.TiersChangeOverTime()) return 0;
  const CustomerAsOf as_of = AsOf(ruleset, today);
  const std::string source = StrCat("tier review ", today.ToString());
  int64_t changed = 0;
  int64_t failed = 0;
  rules::Decision decision;
  std::string after;
  for (bool more = true; more && (!stop_requested || !stop_requested());) {
    // Read a page, then write only the customers whose tier moves: most
    // reviews change nothing, and the writes queued behind are not held.
    absl::StatusOr<CustomerPage> page = store_->ListCustomers(after, static_cast<int>(batch), as_of);
    if (!page.ok()) return page.status();
    more = page->more;
    std::vector<std::string> moving;
    for (const Customer& c : page->customers) {
      // A customer the rules fail for (a division by zero in a segment)
      // is left as it is, and the review goes on with the others.
      if (!EvaluateRules(ruleset, {&c, nullptr, nullptr, nullptr, today}, &decision).ok()) {
        ++failed;
        continue;
      }
      if (decision.tier != c.tier || decision.tier_downgrade_on != c.tier_downgrade_on) {
        moving.push_back(c.id);
      }
    }
    if (!page->customers.empty()) after = page->customers.back().id;
    if (moving.empty()) continue;
    int64_t written_changes = 0;
    absl::StatusOr<std::string> written =
        store_->Write({"", "ReviewTiers", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          written_changes = 0;
          // Read again in the write: an event may have moved them since.
          for (const std::string& id : moving) {
            absl::StatusOr<std::optional<Customer>> c = tx.FindCustomer(id, as_of);
            if (!c.ok()) return c.status();
            if (!c->has_value()) continue;  // deleted since
            rules::Decision now;
            if (!EvaluateRules(ruleset, {&**c, nullptr, nullptr, nullptr, today}, &now).ok()) {
              continue;
            }
            if (now.tier == (*c)->tier && now.tier_downgrade_on == (*c)->tier_downgrade_on) {
              continue;  // an event did it meanwhile
            }
            if (absl::Status s = ChangeTierByRules(tx, **c, {now.tier, now.tier_downgrade_on},
                                                   source, now.ruleset_version, today);
                !s.ok()) {
              return s;
            }
            ++written_changes;
          }
          return std::string();
        });
    if (!written.ok()) return written.status();
    changed += written_changes;
  }
  if (failed > 0) {
    Log(LogLevel::kWarning, "tier_review_skipped",
        {{"customers", StrCat(failed)},
         {"reason", "the rules failed for them (see Evaluate of one for the rule)"}});
  }
  return changed;
}

absl::StatusOr<int64_t> LoyaltyApi::ExpirePoints(Date today, int64_t batch,
                                                 const std::function<bool()>& stop_requested) {
  if (batch < 1) return absl::InvalidArgumentError("the expiry pass needs a batch of 1 or more");
  // The policy does not matter here: the lots carry their own dates.
  const rules::PointsPolicy no_policy;
  int64_t total = 0;
  std::string from_customer;  // one pass over the customers, in id order
  while (!stop_requested || !stop_requested()) {
    int64_t lots = 0;
    absl::StatusOr<std::string> written = store_->Write(
        {"", "ExpirePoints", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<std::vector<PointLotRecord>> due =
              tx.ExpiredLots(today, from_customer, batch);
          if (!due.ok()) return due.status();
          lots = static_cast<int64_t>(due->size());
          if (!due->empty()) from_customer = due->back().customer_id;
          PointsAccount account(tx, no_policy, "", today);
          absl::StatusOr<int64_t> points = account.Expire(*due);
          if (!points.ok()) return points.status();
          return std::to_string(*points);
        });
    if (!written.ok()) return written.status();
    const int64_t points = std::stoll(*written);
    total += points;
    if (points != 0) Metrics::Global().RecordPoints(-points);
    if (lots < batch) break;
  }
  return total;
}

}  // namespace clientele::server
