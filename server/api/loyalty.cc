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
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {

constexpr int64_t kMaxRedemption = 1'000'000'000;

// Points as the customer has them after a write (its balances re-read in
// the same transaction).
absl::Status BalanceAfter(Transaction& tx, std::string_view customer_id, Date today,
                          v1::PointsBalance* out) {
  absl::StatusOr<Customer> after = RequireCustomer(tx, customer_id, today);
  if (!after.ok()) return after.status();
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

}  // namespace

absl::Status LoyaltyApi::GetPoints(const v1::GetPointsRequest& request,
                                   v1::GetPointsResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (request.redemptions() < 0 || request.redemptions() > 100) {
    return Invalid("redemptions", "must be 0..100 (0: the default, 10)");
  }
  const int redemptions = request.redemptions() == 0 ? 10 : request.redemptions();
  const Date today = today_();
  absl::StatusOr<std::optional<Customer>> customer =
      store_->FindCustomer(request.customer_id(), today);
  if (!customer.ok()) return customer.status();
  if (!customer->has_value()) {
    return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
  }
  absl::StatusOr<std::vector<RedemptionRecord>> latest =
      store_->Redemptions(request.customer_id(), redemptions);
  if (!latest.ok()) return latest.status();
  response->set_customer_id(request.customer_id());
  response->set_today(today.ToString());
  PointsBalanceToProto(**customer, response->mutable_points());
  for (const RedemptionRecord& r : *latest) RedemptionToProto(r, response->add_redemptions());
  return absl::OkStatus();
}

absl::Status LoyaltyApi::RedeemPoints(const v1::RedeemPointsRequest& request,
                                      v1::RedeemPointsResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  if (request.points() <= 0 || request.points() > kMaxRedemption) {
    return Invalid("points", StrCat("must be 1..", kMaxRedemption, ", not ", request.points()));
  }
  if (absl::Status s = CheckText("reason", request.reason(), 200, false); !s.ok()) return s;
  if (absl::Status s = CheckText("reference", request.reference(), 128, false); !s.ok()) return s;
  const Date today = today_();
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "RedeemPoints", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::RedeemPointsResponse* out) -> absl::Status {
        absl::StatusOr<Customer> customer = RequireCustomer(tx, request.customer_id(), today);
        if (!customer.ok()) return customer.status();
        PointsAccount account(tx, served->ruleset->points_policy(), served->ruleset->version(),
                              today);
        absl::StatusOr<int64_t> id =
            account.Redeem(*customer, request.points(), request.reason(), request.reference());
        if (!id.ok()) return id.status();
        Metrics::Global().RecordPoints(-request.points());
        out->set_redemption_id(*id);
        out->set_points(request.points());
        out->set_ruleset_version(served->ruleset->version());
        return BalanceAfter(tx, customer->id, today, out->mutable_points_after());
      });
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
            RequireCustomer(tx, (*redemption)->customer_id, today);
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
        return BalanceAfter(tx, customer->id, today, out->mutable_points_after());
      });
}

absl::StatusOr<int64_t> LoyaltyApi::ExpirePoints(Date today, int64_t batch,
                                                 const std::function<bool()>& stop_requested) {
  if (batch < 1) return absl::InvalidArgumentError("the expiry pass needs a batch of 1 or more");
  // The policy does not matter here: the lots carry their own dates.
  const rules::PointsPolicy no_policy;
  int64_t total = 0;
  while (!stop_requested || !stop_requested()) {
    int64_t lots = 0;
    absl::StatusOr<std::string> written =
        store_->Write({}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          absl::StatusOr<std::vector<PointLotRecord>> due = tx.ExpiredLots(today, batch);
          if (!due.ok()) return due.status();
          lots = static_cast<int64_t>(due->size());
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
