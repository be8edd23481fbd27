// Tier policies through the API classes in process: tiers on points earned
// or amount spent in a window of months (kept per month by the store, less
// returns), upgrades at once, downgrades scheduled after a grace period and
// carried out by the daily review (LoyaltyApi::ReviewTiers), one tier at a
// time, and the history of each change. The day is moved with
// InProcessApis::set_today.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::testing::HasSubstr;
using rules::Date;

// A rules directory holding a loyalty file (a point per yuan, then
// `policy` and `tiers`) and, when given, `segments` as a segmentation file.
class LoyaltyRules {
 public:
  LoyaltyRules(const std::string& policy, const std::string& tiers,
               const std::string& segments = "") {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("clientele-tier-rules-" + std::to_string(::getpid()) + "-" +
             std::to_string(random()));
    std::filesystem::create_directories(path_);
    std::ofstream(path_ / "loyalty.yaml", std::ios::binary)
        << "kind: loyalty\n"
           "earning:\n"
           "  rules: []\n"
           "  default:\n"
           "    id: per_yuan\n"
           "    points: floor(purchase.amount)\n"
        << policy << tiers;
    if (!segments.empty()) std::ofstream(path_ / "segments.yaml", std::ios::binary) << segments;
  }
  ~LoyaltyRules() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  LoyaltyRules(const LoyaltyRules&) = delete;
  LoyaltyRules& operator=(const LoyaltyRules&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

constexpr char kPointTiers[] =
    "tiers:\n"
    "  - {name: Bronze, min_points: 0}\n"
    "  - {name: Silver, min_points: 100}\n"
    "  - {name: Gold, min_points: 500}\n";

constexpr char kTwelveMonthsOneTierGrace30[] =
    "tier_policy:\n"
    "  qualify_on: points earned in 12 months\n"
    "  downgrade: one_tier\n"
    "  review: daily\n"
    "  grace_days: 30\n";

struct Served {
  Served(const std::string& policy, const std::string& tiers, const std::string& segments = "")
      : rules(policy, tiers, segments), in_process(rules.path()) {}
  LoyaltyRules rules;
  testing::InProcessApis in_process;
};

class TierPolicyApiTest : public ::testing::Test {
 protected:
  void Serve(const std::string& policy, const std::string& tiers = kPointTiers,
             const std::string& segments = "") {
    served_ = std::make_unique<Served>(policy, tiers, segments);
    ASSERT_NE(served_->in_process.apis(), nullptr);
    apis_ = served_->in_process.apis();
    // The first of a month, so that months are easy to count.
    start_ = *Date::Parse("2026-03-01");
    ClockAt(start_);
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(Key());
    request.mutable_customer()->set_id("c1");
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  void ClockAt(Date day) {
    served_->in_process.set_today(day);
    today_ = day;
  }
  static Date Plus(Date day, int days) { return Date::FromDays(day.days() + days); }

  std::string Key() { return "key-" + std::to_string(++keys_); }

  v1::RecordPurchaseResponse Buy(const std::string& id, const std::string& amount,
                                 const std::string& date = "", const std::string& customer = "c1") {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id(customer);
    request.set_purchase_id(id);
    request.set_amount(amount);
    request.set_date(date);
    v1::RecordPurchaseResponse response;
    EXPECT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << id;
    return response;
  }

  v1::ReturnPurchaseResponse Return(const std::string& id) {
    v1::ReturnPurchaseRequest request;
    request.set_idempotency_key(Key());
    request.set_purchase_id(id);
    v1::ReturnPurchaseResponse response;
    EXPECT_THAT(apis_->events.ReturnPurchase(request, &response), IsOk()) << id;
    return response;
  }

  v1::Customer Customer() {
    v1::GetCustomerRequest request;
    request.set_customer_id("c1");
    v1::GetCustomerResponse response;
    EXPECT_THAT(apis_->customers.GetCustomer(request, &response), IsOk());
    return response.customer();
  }

  v1::GetTierHistoryResponse History() {
    v1::GetTierHistoryRequest request;
    request.set_customer_id("c1");
    v1::GetTierHistoryResponse response;
    EXPECT_THAT(apis_->loyalty.GetTierHistory(request, &response), IsOk());
    return response;
  }

  int64_t Review() {
    absl::StatusOr<int64_t> changed = apis_->loyalty.ReviewTiers(today_, 1000, nullptr);
    EXPECT_THAT(changed.status(), IsOk());
    return changed.ok() ? *changed : -1;
  }

  std::unique_ptr<Served> served_;
  Apis* apis_ = nullptr;
  Date start_;
  Date today_;
  int keys_ = 0;
};

TEST_F(TierPolicyApiTest, APurchaseRaisesTheTierOnThePointsEarnedInTheWindow) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  EXPECT_EQ(Customer().tier(), "Bronze");
  Buy("p1", "60");
  EXPECT_EQ(Customer().qualifying_points(), 60);
  v1::RecordPurchaseResponse second = Buy("p2", "45");
  EXPECT_EQ(second.tier_before(), "Bronze");
  EXPECT_EQ(second.tier(), "Silver");
  v1::Customer c = Customer();
  EXPECT_EQ(c.tier(), "Silver");
  EXPECT_EQ(c.qualifying_points(), 105);
  EXPECT_EQ(c.tier_downgrade_on(), "");
  v1::GetTierHistoryResponse history = History();
  EXPECT_EQ(history.qualify_on(), "points earned in 12 months");
  EXPECT_EQ(history.qualifying(), "105");
  ASSERT_GE(history.changes_size(), 1);
  EXPECT_EQ(history.changes(0).to_tier(), "Silver");
  EXPECT_EQ(history.changes(0).source(), "purchase:p2");
}

TEST_F(TierPolicyApiTest, SpendingPointsDoesNotLowerATierOnPointsEarned) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "150");
  v1::RedeemPointsRequest request;
  request.set_idempotency_key(Key());
  request.set_customer_id("c1");
  request.set_points(120);
  v1::RedeemPointsResponse response;
  ASSERT_THAT(apis_->loyalty.RedeemPoints(request, &response), IsOk());
  v1::Customer c = Customer();
  EXPECT_EQ(c.points(), 30);
  EXPECT_EQ(c.qualifying_points(), 150);
  EXPECT_EQ(c.tier(), "Silver");
  EXPECT_EQ(c.tier_downgrade_on(), "");
}

TEST_F(TierPolicyApiTest, AReturnLeavesTheFigureAndStartsTheGrace) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "80");
  Buy("p2", "40");
  ASSERT_EQ(Customer().tier(), "Silver");
  ClockAt(Plus(start_, 5));
  v1::ReturnPurchaseResponse returned = Return("p2");
  EXPECT_EQ(returned.tier(), "Silver");  // kept through the grace
  v1::Customer c = Customer();
  EXPECT_EQ(c.qualifying_points(), 80);
  EXPECT_EQ(c.tier(), "Silver");
  EXPECT_EQ(c.tier_downgrade_on(), Plus(start_, 35).ToString());
  // Evaluate says so too.
  v1::EvaluateRequest evaluate;
  evaluate.set_customer_id("c1");
  v1::EvaluateResponse evaluated;
  ASSERT_THAT(apis_->decisions.Evaluate(evaluate, &evaluated, "test"), IsOk());
  EXPECT_EQ(evaluated.decision().tier(), "Silver");
  EXPECT_EQ(evaluated.decision().tier_downgrade_on(), Plus(start_, 35).ToString());
  // The last day of grace keeps the tier; the review on the due day drops it.
  ClockAt(Plus(start_, 34));
  EXPECT_EQ(Review(), 0);
  EXPECT_EQ(Customer().tier(), "Silver");
  ClockAt(Plus(start_, 35));
  EXPECT_EQ(Review(), 1);
  c = Customer();
  EXPECT_EQ(c.tier(), "Bronze");
  EXPECT_EQ(c.previous_tier(), "Silver");
  EXPECT_EQ(c.tier_since(), Plus(start_, 35).ToString());
  EXPECT_EQ(c.tier_downgrade_on(), "");
  v1::GetTierHistoryResponse history = History();
  ASSERT_GE(history.changes_size(), 1);
  EXPECT_EQ(history.changes(0).cause(), "rules");
  EXPECT_THAT(history.changes(0).source(), HasSubstr("tier review"));
  // A second review of the same day changes nothing.
  EXPECT_EQ(Review(), 0);
}

TEST_F(TierPolicyApiTest, EarningEnoughDuringTheGraceCancelsTheDowngrade) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "80");
  Buy("p2", "40");
  Return("p2");
  ASSERT_EQ(Customer().tier_downgrade_on(), Plus(start_, 30).ToString());
  ClockAt(Plus(start_, 10));
  v1::RecordPurchaseResponse again = Buy("p3", "25");
  EXPECT_EQ(again.tier(), "Silver");
  EXPECT_EQ(Customer().tier_downgrade_on(), "");
  ClockAt(Plus(start_, 40));
  EXPECT_EQ(Review(), 0);
  EXPECT_EQ(Customer().tier(), "Silver");
}

TEST_F(TierPolicyApiTest, TheWindowMovesOnAndGoldFallsOneTierAtATime) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "600");  // on 2026-03-01: counts through 2027-02
  ASSERT_EQ(Customer().tier(), "Gold");
  ClockAt(*Date::Parse("2027-02-28"));
  EXPECT_EQ(Review(), 0);
  EXPECT_EQ(Customer().qualifying_points(), 600);
  // 2027-03: the purchase's month has left the 12 months.
  const Date march = *Date::Parse("2027-03-01");
  ClockAt(march);
  EXPECT_EQ(Review(), 1);
  v1::Customer c = Customer();
  EXPECT_EQ(c.qualifying_points(), 0);
  EXPECT_EQ(c.tier(), "Gold");
  EXPECT_EQ(c.tier_downgrade_on(), Plus(march, 30).ToString());
  // Due: one tier down, not two; the next step needs its own grace.
  ClockAt(Plus(march, 30));
  EXPECT_EQ(Review(), 1);
  c = Customer();
  EXPECT_EQ(c.tier(), "Silver");
  EXPECT_EQ(c.tier_downgrade_on(), "");
  ClockAt(Plus(march, 31));
  EXPECT_EQ(Review(), 1);
  EXPECT_EQ(Customer().tier_downgrade_on(), Plus(march, 61).ToString());
  ClockAt(Plus(march, 61));
  EXPECT_EQ(Review(), 1);
  EXPECT_EQ(Customer().tier(), "Bronze");
  std::vector<std::string> path;
  const v1::GetTierHistoryResponse history = History();
  for (const v1::TierChange& change : history.changes()) path.push_back(change.to_tier());
  EXPECT_EQ(path, (std::vector<std::string>{"Bronze", "Silver", "Gold", "Bronze"}));
  EXPECT_EQ(history.changes_size(), 4);
}

TEST_F(TierPolicyApiTest, APurchaseDatedBeforeTheWindowDoesNotCount) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  ClockAt(*Date::Parse("2027-03-10"));
  v1::RecordPurchaseResponse old = Buy("p-old", "200", "2026-03-31");
  EXPECT_EQ(old.points_earned(), 200);
  EXPECT_EQ(old.tier(), "Bronze");
  EXPECT_EQ(Customer().qualifying_points(), 0);
  v1::RecordPurchaseResponse in_window = Buy("p-in", "200", "2026-04-01");
  EXPECT_EQ(in_window.tier(), "Silver");
  EXPECT_EQ(Customer().qualifying_points(), 200);
}

TEST_F(TierPolicyApiTest, TiersOnTheAmountSpentThisYear) {
  ASSERT_NO_FATAL_FAILURE(Serve(
      "tier_policy:\n  qualify_on: spent this year\n  downgrade: recompute\n",
      "tiers:\n  - {name: Member, min_spent: 0}\n  - {name: VIP, min_spent: 1000.00}\n"));
  Buy("p1", "999.99");
  v1::Customer c = Customer();
  EXPECT_EQ(c.qualifying_spent(), "999.99");
  EXPECT_EQ(c.tier(), "Member");
  EXPECT_EQ(Buy("p2", "0.01").tier(), "VIP");
  // A new year starts from nothing: recompute, daily, no grace.
  ClockAt(*Date::Parse("2027-01-01"));
  EXPECT_EQ(Customer().qualifying_spent(), "0");
  EXPECT_EQ(Review(), 1);
  EXPECT_EQ(Customer().tier(), "Member");
}

TEST_F(TierPolicyApiTest, DowngradeNeverKeepsTheTier) {
  ASSERT_NO_FATAL_FAILURE(
      Serve("tier_policy:\n  qualify_on: points earned in 1 month\n  downgrade: never\n"));
  Buy("p1", "150");
  ASSERT_EQ(Customer().tier(), "Silver");
  ClockAt(*Date::Parse("2026-06-01"));
  EXPECT_EQ(Review(), 0);
  v1::Customer c = Customer();
  EXPECT_EQ(c.qualifying_points(), 0);
  EXPECT_EQ(c.tier(), "Silver");
}

TEST_F(TierPolicyApiTest, AnAnniversaryReviewWaitsForTheDayTheTierWasReached) {
  ASSERT_NO_FATAL_FAILURE(Serve(
      "tier_policy:\n  qualify_on: points earned in 3 months\n  downgrade: recompute\n"
      "  review: anniversary\n  grace_days: 0\n"));
  ClockAt(*Date::Parse("2026-03-10"));
  Buy("p1", "150");
  ASSERT_EQ(Customer().tier_since(), "2026-03-10");
  ClockAt(*Date::Parse("2026-07-01"));  // out of the 3 months
  EXPECT_EQ(Review(), 1);
  v1::Customer c = Customer();
  EXPECT_EQ(c.tier(), "Silver");
  EXPECT_EQ(c.tier_downgrade_on(), "2027-03-10");
  ClockAt(*Date::Parse("2027-03-09"));
  EXPECT_EQ(Review(), 0);
  EXPECT_EQ(Customer().tier(), "Silver");
  ClockAt(*Date::Parse("2027-03-10"));
  EXPECT_EQ(Review(), 1);
  EXPECT_EQ(Customer().tier(), "Bronze");
}

TEST_F(TierPolicyApiTest, TheReviewSkipsACustomerTheRulesFailForAndGoesOn) {
  // 100 / age fails for a customer without an age: that customer is left
  // as it is, and the others are reviewed. The rule comes with a reload,
  // after c1 (no age) has Silver.
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "150");
  v1::UpsertCustomerRequest upsert;
  upsert.set_idempotency_key(Key());
  upsert.mutable_customer()->set_id("c2");
  upsert.mutable_customer()->set_age(30);
  v1::UpsertCustomerResponse upserted;
  ASSERT_THAT(apis_->customers.UpsertCustomer(upsert, &upserted), IsOk());
  Buy("p2", "150", "", "c2");
  std::ofstream(served_->rules.path() / "segments.yaml", std::ios::binary)
      << "kind: segmentation\n"
         "dimensions:\n"
         "  - id: odd\n"
         "    rules:\n"
         "      - {id: young, when: 100 / age > 3, segment: young}\n"
         "    default: other\n";
  v1::ReloadRulesetResponse reloaded;
  ASSERT_THAT(apis_->rulesets.ReloadRuleset({}, &reloaded), IsOk());
  ASSERT_EQ(reloaded.attempt().outcome(), "accepted") << reloaded.DebugString();
  ClockAt(*Date::Parse("2027-03-01"));  // the purchases' month has left the window
  EXPECT_EQ(Review(), 1);
  EXPECT_EQ(Customer().tier(), "Silver") << "left as it was";
  EXPECT_EQ(Customer().tier_downgrade_on(), "");
  v1::GetCustomerRequest get;
  get.set_customer_id("c2");
  v1::GetCustomerResponse got;
  ASSERT_THAT(apis_->customers.GetCustomer(get, &got), IsOk());
  EXPECT_EQ(got.customer().tier(), "Silver");
  EXPECT_EQ(got.customer().tier_downgrade_on(), "2027-03-31");
}

TEST_F(TierPolicyApiTest, EndingAManualTierKeepsTheGraceTheRulesGive) {
  ASSERT_NO_FATAL_FAILURE(Serve(kTwelveMonthsOneTierGrace30));
  Buy("p1", "150");  // Silver
  v1::SetTierRequest set;
  set.set_idempotency_key(Key());
  set.set_customer_id("c1");
  set.set_tier("Gold");
  set.set_until(Plus(start_, 10).ToString());
  set.set_reason("complaint settled");
  v1::SetTierResponse response;
  ASSERT_THAT(apis_->loyalty.SetTier(set, &response), IsOk());
  ClockAt(Plus(start_, 3));
  v1::SetTierRequest end;
  end.set_idempotency_key(Key());
  end.set_customer_id("c1");
  end.set_reason("set by mistake");
  ASSERT_THAT(apis_->loyalty.SetTier(end, &response), IsOk());
  // Gold, below it: kept through a grace that starts today.
  v1::Customer c = Customer();
  EXPECT_EQ(c.tier(), "Gold");
  EXPECT_EQ(c.tier_downgrade_on(), Plus(start_, 33).ToString());
  EXPECT_EQ(Review(), 0);
}

TEST_F(TierPolicyApiTest, AnExpiredBackdatedPurchaseLeavesABalanceTierAndItsGrace) {
  ASSERT_NO_FATAL_FAILURE(Serve("points:\n  expiry: 30 days\n"
                                "tier_policy:\n  qualify_on: balance\n  grace_days: 30\n"));
  Buy("p1", "520");  // Gold on 520 points
  Buy("p2", "40");
  ASSERT_EQ(Customer().tier(), "Gold");
  ClockAt(Plus(start_, 5));
  Return("p2");  // 520: still Gold
  Return("p1");  // 0: below Gold, grace from today
  ASSERT_EQ(Customer().tier_downgrade_on(), Plus(start_, 35).ToString());
  ClockAt(Plus(start_, 20));
  // Dated 35 days ago: its 500 points expired 5 days ago. They would make
  // Gold again, but leave at once: the tier and its grace stay as they were.
  v1::RecordPurchaseResponse old = Buy("p3", "500", Plus(start_, -15).ToString());
  EXPECT_EQ(old.points_expired(), 500);
  v1::Customer c = Customer();
  EXPECT_EQ(c.points(), 0);
  EXPECT_EQ(c.tier(), "Gold");
  EXPECT_EQ(c.tier_downgrade_on(), Plus(start_, 35).ToString());
}

TEST(TierReviewDefaultRules, TheSeedRulesetNeedsNoReview) {
  testing::InProcessApis in_process;
  ASSERT_NE(in_process.apis(), nullptr);
  absl::StatusOr<int64_t> changed =
      in_process.apis()->loyalty.ReviewTiers(Date::Today(), 1000, nullptr);
  ASSERT_THAT(changed.status(), IsOk());
  EXPECT_EQ(*changed, 0);
}

}  // namespace
}  // namespace clientele::server
