// The tier's history and tiers set by hand, through the API classes in
// process, on the default ruleset (普通会员 from 0 points, 银卡会员 from
// 500, 金卡会员 from 2000, 钻石会员 from 5000; a purchase of 600 earns 100):
// every change of the stored tier is kept with what caused it; a manual
// tier holds through its last day whatever the points, is audited, and can
// be ended, after which the rules decide again.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using rules::Date;

class TierHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(in_process_.apis(), nullptr);
    apis_ = in_process_.apis();
    today_ = Date::Today();
    in_process_.set_today(today_);
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(Key());
    request.mutable_customer()->set_id("c1");
    request.mutable_customer()->set_age(30);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  std::string Key() { return "key-" + std::to_string(++keys_); }
  std::string Day(int days) const { return Date::FromDays(today_.days() + days).ToString(); }

  void Buy(const std::string& purchase_id, const std::string& amount) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id("c1");
    request.set_purchase_id(purchase_id);
    request.set_amount(amount);
    v1::RecordPurchaseResponse response;
    ASSERT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << purchase_id;
  }

  absl::Status SetTier(const std::string& tier, const std::string& until,
                       v1::SetTierResponse* response = nullptr) {
    v1::SetTierRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id("c1");
    request.set_tier(tier);
    request.set_until(until);
    request.set_reason("complaint settled");
    request.set_actor("李经理");
    v1::SetTierResponse ignored;
    return apis_->loyalty.SetTier(request, response != nullptr ? response : &ignored);
  }

  v1::GetTierHistoryResponse History() {
    v1::GetTierHistoryRequest request;
    request.set_customer_id("c1");
    v1::GetTierHistoryResponse response;
    EXPECT_THAT(apis_->loyalty.GetTierHistory(request, &response), IsOk());
    return response;
  }

  std::string EvaluatedTier() {
    v1::EvaluateRequest request;
    request.set_customer_id("c1");
    request.set_today(in_process_.today().ToString());
    v1::EvaluateResponse response;
    EXPECT_THAT(apis_->decisions.Evaluate(request, &response), IsOk());
    return response.decision().tier();
  }

  testing::InProcessApis in_process_;
  Apis* apis_ = nullptr;
  Date today_;
  int keys_ = 0;
};

TEST_F(TierHistoryTest, EveryChangeByTheRulesIsKeptWithItsCause) {
  for (int i = 0; i < 5; ++i) Buy("P-" + std::to_string(i), "600");  // 500 points
  v1::ReturnPurchaseRequest take_back;
  take_back.set_idempotency_key(Key());
  take_back.set_purchase_id("P-4");
  v1::ReturnPurchaseResponse returned;
  ASSERT_THAT(apis_->events.ReturnPurchase(take_back, &returned), IsOk());

  const v1::GetTierHistoryResponse history = History();
  EXPECT_EQ(history.tier(), "普通会员");
  EXPECT_EQ(history.previous_tier(), "银卡会员");
  EXPECT_EQ(history.tier_since(), today_.ToString());
  EXPECT_EQ(history.tier_by_rules(), "普通会员");
  EXPECT_EQ(history.manual_tier_until(), "");
  ASSERT_EQ(history.changes_size(), 3);  // newest first
  EXPECT_EQ(history.changes(0).from_tier(), "银卡会员");
  EXPECT_EQ(history.changes(0).to_tier(), "普通会员");
  EXPECT_EQ(history.changes(0).cause(), "rules");
  EXPECT_EQ(history.changes(0).source(), "return:P-4");
  EXPECT_EQ(history.changes(1).from_tier(), "普通会员");
  EXPECT_EQ(history.changes(1).to_tier(), "银卡会员");
  EXPECT_EQ(history.changes(1).source(), "purchase:P-4");
  EXPECT_EQ(history.changes(1).date(), today_.ToString());
  EXPECT_EQ(history.changes(2).from_tier(), "");
  EXPECT_EQ(history.changes(2).to_tier(), "普通会员");
  EXPECT_EQ(history.changes(2).source(), "upsert");
  for (const v1::TierChange& change : history.changes()) {
    EXPECT_FALSE(change.ruleset_version().empty());
    EXPECT_GT(change.change_id(), 0);
  }
  EXPECT_GT(history.changes(0).change_id(), history.changes(1).change_id());
}

TEST_F(TierHistoryTest, AManualTierHoldsThroughItsLastDayThenTheRulesDecide) {
  Buy("P-1", "600");  // 100 points: 普通会员 by the rules
  v1::SetTierResponse set;
  ASSERT_THAT(SetTier("金卡会员", Day(10), &set), IsOk());
  EXPECT_EQ(set.tier_before(), "普通会员");
  EXPECT_EQ(set.tier(), "金卡会员");
  EXPECT_EQ(set.manual_tier_until(), Day(10));
  EXPECT_GT(set.change_id(), 0);

  // Purchases do not take it away while it holds, nor does Evaluate.
  Buy("P-2", "600");
  EXPECT_EQ(History().tier(), "金卡会员");
  EXPECT_EQ(EvaluatedTier(), "金卡会员");
  in_process_.set_today(Date::FromDays(today_.days() + 10));  // its last day
  EXPECT_EQ(EvaluatedTier(), "金卡会员");
  in_process_.set_today(Date::FromDays(today_.days() + 11));  // the day after
  EXPECT_EQ(EvaluatedTier(), "普通会员");
  EXPECT_EQ(History().tier_by_rules(), "普通会员");
  EXPECT_EQ(History().tier(), "金卡会员") << "stored until an event of the customer";
  Buy("P-3", "600");
  const v1::GetTierHistoryResponse history = History();
  EXPECT_EQ(history.tier(), "普通会员");
  EXPECT_EQ(history.changes(0).cause(), "rules");
  EXPECT_EQ(history.changes(0).source(), "purchase:P-3");
  EXPECT_EQ(history.changes(1).cause(), "manual");
  EXPECT_EQ(history.changes(1).actor(), "李经理");
  EXPECT_EQ(history.changes(1).reason(), "complaint settled");
  EXPECT_EQ(history.changes(1).manual_until(), Day(10));

  // The manual change is in the audit trail too.
  absl::StatusOr<std::vector<AuditEntry>> audit = in_process_.store()->Audit("customer_tier:c1");
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].event, "manual_tier_set");
  EXPECT_EQ((*audit)[0].actor, "李经理");
  EXPECT_EQ((*audit)[0].before, "普通会员");
  EXPECT_EQ((*audit)[0].after, "金卡会员 until " + Day(10));
}

TEST_F(TierHistoryTest, EndingAManualTierLetsTheRulesDecideAtOnce) {
  Buy("P-1", "600");
  ASSERT_THAT(SetTier("钻石会员", Day(30)), IsOk());
  v1::SetTierResponse ended;
  ASSERT_THAT(SetTier("", "", &ended), IsOk());
  EXPECT_EQ(ended.tier_before(), "钻石会员");
  EXPECT_EQ(ended.tier(), "普通会员");
  EXPECT_EQ(ended.manual_tier_until(), "");
  const v1::GetTierHistoryResponse history = History();
  EXPECT_EQ(history.tier(), "普通会员");
  EXPECT_EQ(history.manual_tier_until(), "");
  EXPECT_EQ(history.changes(0).cause(), "manual_ended");
  EXPECT_EQ(EvaluatedTier(), "普通会员");
  // Nothing left to end.
  EXPECT_THAT(SetTier("", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, "has no manual tier to end"));
}

TEST_F(TierHistoryTest, BadRequestsChangeNothing) {
  EXPECT_THAT(SetTier("金卡", Day(5)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "'金卡' is not a tier of the served ruleset"));
  EXPECT_THAT(SetTier("金卡会员", ""), StatusIs(absl::StatusCode::kInvalidArgument, "until"));
  EXPECT_THAT(SetTier("金卡会员", Day(-1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be from today"));
  EXPECT_THAT(SetTier("金卡会员", Day(3661)),
              StatusIs(absl::StatusCode::kInvalidArgument, "to 10 years on"));
  EXPECT_THAT(SetTier("金卡会员", "2026-02-30"), StatusIs(absl::StatusCode::kInvalidArgument, "no such day"));
  EXPECT_THAT(SetTier("", Day(5)), StatusIs(absl::StatusCode::kInvalidArgument, "goes with a tier"));
  v1::SetTierRequest no_reason;
  no_reason.set_idempotency_key(Key());
  no_reason.set_customer_id("c1");
  no_reason.set_tier("金卡会员");
  no_reason.set_until(Day(5));
  v1::SetTierResponse response;
  EXPECT_THAT(apis_->loyalty.SetTier(no_reason, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "reason"));
  v1::SetTierRequest unknown = no_reason;
  unknown.set_customer_id("nobody");
  unknown.set_reason("x");
  EXPECT_THAT(apis_->loyalty.SetTier(unknown, &response),
              StatusIs(absl::StatusCode::kNotFound, "not found"));
  const v1::GetTierHistoryResponse history = History();
  EXPECT_EQ(history.tier(), "普通会员");
  EXPECT_EQ(history.changes_size(), 1) << "only the upsert's";
}

}  // namespace
}  // namespace clientele::server
