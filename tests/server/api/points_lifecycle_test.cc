// The points lifecycle through the API classes in process (no gRPC), on
// a copy of the default ruleset whose loyalty file has a `points:`
// section: pending points and their boundary, expiry (left out of reads
// on its day, written off by LoyaltyApi::ExpirePoints), redemption of the
// points expiring first, its reversal, returns before and after spending
// under each returns_after_spending policy, the invariants of
// points_account.h after every step of a mixed sequence, and concurrent
// redemptions.
//
// Time is moved by backdating purchases (RecordPurchaseRequest.date), by
// the day given to ExpirePoints, and by the day the API classes take for
// today (InProcessApis::set_today, ClockAt below), which starts as the
// real one (UTC). With the seed's earning rules a purchase of 600 earns 100
// points (big_purchase), 300 earns 50 (medium_purchase) and 100 earns 20
// (small_purchase).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "server/store/store.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using rules::Date;

// The default ruleset (config/rules, its rule tests included: they hold
// whatever the points policy) with `points_section` as the loyalty file's
// `points:` section, in a temporary directory of its own.
class PointsRules {
 public:
  explicit PointsRules(std::string_view points_section) {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("clientele-points-rules-" + std::to_string(::getpid()) + "-" +
             std::to_string(random()));
    std::filesystem::create_directories(path_);
    for (const auto& entry :
         std::filesystem::directory_iterator(testing::InProcessApis::kDefaultRules)) {
      if (entry.path().extension() == ".yaml") {
        std::filesystem::copy_file(entry.path(), path_ / entry.path().filename());
      }
    }
    std::ifstream in(path_ / "loyalty.yaml", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string loyalty = text.str();
    const size_t earning = loyalty.find("\nearning:\n");
    EXPECT_NE(earning, std::string::npos) << "config/rules/loyalty.yaml has no earning section";
    loyalty.insert(earning + 1, "points:\n" + std::string(points_section));
    std::ofstream(path_ / "loyalty.yaml", std::ios::binary | std::ios::trunc) << loyalty;
  }
  ~PointsRules() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  PointsRules(const PointsRules&) = delete;
  PointsRules& operator=(const PointsRules&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The policies of these tests. Expiry "30 days" lets a backdated purchase
// land its expiry on any chosen day; 30 > 14, so the points are spendable
// from day 14 to day 29 after the purchase.
constexpr char kDebt[] =
    "  pending_days: 14\n"
    "  expiry: 30 days\n"
    "  returns_after_spending: debt\n";
constexpr char kNegativeBalance[] =
    "  pending_days: 14\n"
    "  expiry: 30 days\n"
    "  returns_after_spending: negative_balance\n";
constexpr char kForgive[] =
    "  pending_days: 14\n"
    "  expiry: 30 days\n"
    "  returns_after_spending: forgive\n";

// A store and the API classes serving PointsRules(points_section).
struct PointsServer {
  explicit PointsServer(std::string_view points_section)
      : rules(points_section), in_process(rules.path()) {}
  PointsRules rules;
  testing::InProcessApis in_process;
};

using Expiries = std::vector<std::pair<std::string, int64_t>>;

Expiries ExpiriesOf(const v1::PointsBalance& balance) {
  Expiries out;
  for (const v1::PointsExpiry& e : balance.expiring()) out.emplace_back(e.date(), e.points());
  return out;
}

class PointsLifecycleTest : public ::testing::Test {
 protected:
  // Serves the default rules with `points_section`; call first.
  void Serve(std::string_view points_section) {
    server_ = std::make_unique<PointsServer>(points_section);
    ASSERT_NE(server_->in_process.apis(), nullptr);
    apis_ = server_->in_process.apis();
    store_ = server_->in_process.store();
    version_ = server_->in_process.holder().Current()->ruleset->version();
    today_ = Date::Today();
  }

  // The day `days` before today, as requests write it.
  std::string DaysAgo(int days) const { return Date::FromDays(today_.days() - days).ToString(); }
  std::string InDays(int days) const { return Date::FromDays(today_.days() + days).ToString(); }

  std::string NextKey() { return "key-" + std::to_string(++keys_); }

  // Moves the API classes' day to `days` from today_ (today_ itself stays
  // the real day, which DaysAgo and InDays count from).
  void ClockAt(int days) {
    server_->in_process.set_today(Date::FromDays(today_.days() + days));
  }

  void AddCustomer(const std::string& id) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(NextKey());
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_age(30);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  // Records a purchase of `amount` made `days_ago` days before today.
  v1::RecordPurchaseResponse Buy(const std::string& customer_id, const std::string& purchase_id,
                                 const std::string& amount, int days_ago) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(NextKey());
    request.set_customer_id(customer_id);
    request.set_purchase_id(purchase_id);
    request.set_amount(amount);
    request.set_date(DaysAgo(days_ago));
    v1::RecordPurchaseResponse response;
    EXPECT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << purchase_id;
    return response;
  }

  absl::StatusOr<v1::RedeemPointsResponse> Redeem(const std::string& customer_id, int64_t points,
                                                  std::string key = "") {
    v1::RedeemPointsRequest request;
    request.set_idempotency_key(key.empty() ? NextKey() : key);
    request.set_customer_id(customer_id);
    request.set_points(points);
    request.set_reason("voucher");
    request.set_reference("order-" + std::to_string(keys_));
    v1::RedeemPointsResponse response;
    if (absl::Status s = apis_->loyalty.RedeemPoints(request, &response); !s.ok()) return s;
    return response;
  }

  absl::StatusOr<v1::ReverseRedemptionResponse> Reverse(int64_t redemption_id,
                                                        std::string key = "") {
    v1::ReverseRedemptionRequest request;
    request.set_idempotency_key(key.empty() ? NextKey() : key);
    request.set_redemption_id(redemption_id);
    request.set_reason("order cancelled");
    v1::ReverseRedemptionResponse response;
    if (absl::Status s = apis_->loyalty.ReverseRedemption(request, &response); !s.ok()) return s;
    return response;
  }

  absl::StatusOr<v1::ReturnPurchaseResponse> Return(const std::string& purchase_id) {
    v1::ReturnPurchaseRequest request;
    request.set_idempotency_key(NextKey());
    request.set_purchase_id(purchase_id);
    v1::ReturnPurchaseResponse response;
    if (absl::Status s = apis_->events.ReturnPurchase(request, &response); !s.ok()) return s;
    return response;
  }

  v1::PointsBalance Points(const std::string& customer_id) {
    v1::GetPointsRequest request;
    request.set_customer_id(customer_id);
    v1::GetPointsResponse response;
    EXPECT_THAT(apis_->loyalty.GetPoints(request, &response), IsOk());
    EXPECT_EQ(response.today(), today_.ToString());
    return response.points();
  }

  v1::GetPointsResponse PointsResponse(const std::string& customer_id) {
    v1::GetPointsRequest request;
    request.set_customer_id(customer_id);
    v1::GetPointsResponse response;
    EXPECT_THAT(apis_->loyalty.GetPoints(request, &response), IsOk());
    return response;
  }

  v1::Customer GetCustomer(const std::string& customer_id) {
    v1::GetCustomerRequest request;
    request.set_customer_id(customer_id);
    v1::GetCustomerResponse response;
    EXPECT_THAT(apis_->customers.GetCustomer(request, &response), IsOk());
    return response.customer();
  }

  std::vector<LedgerEntry> Ledger(const std::string& customer_id) {
    absl::StatusOr<std::vector<LedgerEntry>> ledger = store_->Ledger(customer_id);
    EXPECT_THAT(ledger, IsOk());
    return ledger.value_or(std::vector<LedgerEntry>());
  }

  // The written balance: the ledger's sum.
  int64_t LedgerSum(const std::string& customer_id) {
    int64_t sum = 0;
    for (const LedgerEntry& e : Ledger(customer_id)) sum += e.delta;
    return sum;
  }

  std::vector<LedgerEntry> EntriesFor(const std::string& customer_id, std::string_view reason) {
    std::vector<LedgerEntry> out;
    for (LedgerEntry& e : Ledger(customer_id)) {
      if (e.reason == reason) out.push_back(std::move(e));
    }
    return out;
  }

  // What points_account.h promises after every write, and what reads
  // derive from it, checked through the store's contract and the API.
  void ExpectInvariants(const std::string& customer_id, bool may_go_negative = false) {
    const std::vector<LedgerEntry> ledger = Ledger(customer_id);
    int64_t written = 0;
    for (const LedgerEntry& e : ledger) {
      written += e.delta;
      EXPECT_FALSE(e.reason.empty()) << "ledger entry " << e.id;
      EXPECT_FALSE(e.ruleset_version.empty()) << "ledger entry " << e.id << " (" << e.reason << ")";
      EXPECT_FALSE(e.source.empty()) << "ledger entry " << e.id << " (" << e.reason << ")";
    }
    absl::StatusOr<std::vector<PointLotRecord>> lots = store_->LiveLots(customer_id);
    ASSERT_THAT(lots, IsOk());
    int64_t remaining = 0, expired_unwritten = 0, pending = 0;
    std::map<std::string, int64_t> expiring;
    for (const PointLotRecord& lot : *lots) {
      EXPECT_GT(lot.remaining, 0) << "lot " << lot.id << " is listed live";
      EXPECT_LE(lot.remaining + lot.expired, lot.points) << "lot " << lot.id;
      remaining += lot.remaining;
      if (lot.expires_on.known() && lot.expires_on <= today_) {
        expired_unwritten += lot.remaining;
        continue;
      }
      if (lot.available_on.known() && lot.available_on > today_) pending += lot.remaining;
      if (lot.expires_on.known()) expiring[lot.expires_on.ToString()] += lot.remaining;
    }
    const v1::PointsBalance read = Points(customer_id);
    // The stored balance is the ledger's sum; reads leave out what expired.
    EXPECT_EQ(read.balance() + expired_unwritten, written) << "stored balance vs ledger";
    EXPECT_EQ(read.available() + read.pending(), read.balance());
    EXPECT_EQ(remaining, std::max<int64_t>(written, 0)) << "the lots vs the written balance";
    EXPECT_EQ(read.pending(), pending);
    EXPECT_EQ(ExpiriesOf(read), Expiries(expiring.begin(), expiring.end()));
    EXPECT_GE(read.pending(), 0);
    EXPECT_GE(read.owed(), 0);
    if (read.owed() > 0) {
      EXPECT_EQ(remaining, 0) << "a customer who owes has no points left";
    }
    if (!may_go_negative) {
      EXPECT_GE(written, 0) << "the balance went below 0";
    }
    // GetCustomer reads the same.
    const v1::Customer customer = GetCustomer(customer_id);
    EXPECT_EQ(customer.points(), read.balance());
    EXPECT_EQ(customer.points_available(), read.available());
    EXPECT_EQ(customer.points_pending(), read.pending());
    EXPECT_EQ(customer.points_lifetime(), read.lifetime());
    EXPECT_EQ(customer.points_owed(), read.owed());
  }

  std::unique_ptr<PointsServer> server_;
  Apis* apis_ = nullptr;
  Store* store_ = nullptr;
  std::string version_;
  Date today_;
  int keys_ = 0;
};

// ------------------------------------------------------------- pending

TEST_F(PointsLifecycleTest, PointsArePendingUntilPendingDaysHavePassed) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));

  // Dated today - 13: available tomorrow.
  const v1::RecordPurchaseResponse recent = Buy("c1", "P-recent", "600", 13);
  EXPECT_EQ(recent.points_earned(), 100);
  EXPECT_EQ(recent.points_balance(), 100);
  EXPECT_EQ(recent.points_pending(), 100);
  EXPECT_EQ(recent.points_available(), 0);
  v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.balance(), 100);
  EXPECT_EQ(points.pending(), 100);
  EXPECT_EQ(points.available(), 0);
  EXPECT_EQ(points.lifetime(), 100);
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(17), 100)));

  // Nothing to spend: refused, and nothing changes.
  const std::vector<LedgerEntry> ledger_before = Ledger("c1");
  absl::StatusOr<v1::RedeemPointsResponse> refused = Redeem("c1", 1);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                "customer 'c1' has 0 points available, not 1"));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition, "100 more are pending"));
  EXPECT_EQ(ReasonOf(refused.status()), kReasonNotEnoughPoints);
  EXPECT_EQ(Ledger("c1").size(), ledger_before.size());
  EXPECT_EQ(LedgerSum("c1"), 100);
  EXPECT_EQ(Points("c1").SerializeAsString(), points.SerializeAsString());
  EXPECT_THAT(PointsResponse("c1").redemptions(), IsEmpty());
  ExpectInvariants("c1");

  // Dated today - 14: available today.
  const v1::RecordPurchaseResponse due = Buy("c1", "P-due", "300", 14);
  EXPECT_EQ(due.points_earned(), 50);
  EXPECT_EQ(due.points_balance(), 150);
  EXPECT_EQ(due.points_pending(), 100);
  EXPECT_EQ(due.points_available(), 50);
  points = Points("c1");
  EXPECT_EQ(points.balance(), 150);
  EXPECT_EQ(points.pending(), 100);
  EXPECT_EQ(points.available(), 50);
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(16), 50), Pair(InDays(17), 100)));
  ExpectInvariants("c1");

  // Exactly the available points can be spent, not one more.
  EXPECT_THAT(Redeem("c1", 51), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         "has 50 points available, not 51 (100 more are pending)"));
  absl::StatusOr<v1::RedeemPointsResponse> spent = Redeem("c1", 50);
  ASSERT_THAT(spent, IsOk());
  EXPECT_EQ(spent->points_after().balance(), 100);
  EXPECT_EQ(spent->points_after().available(), 0);
  EXPECT_EQ(spent->points_after().pending(), 100);
  EXPECT_EQ(spent->ruleset_version(), version_);
  EXPECT_THAT(Redeem("c1", 1), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        "has 0 points available, not 1"));
  ExpectInvariants("c1");
}

// ------------------------------------------------------------- expiry

TEST_F(PointsLifecycleTest, ExpiredPointsLeaveReadsOnTheirDayAndThePassWritesThemOff) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  // Recorded two days ago, when none had expired: a purchase whose points
  // have expired when it is recorded writes them off at once.
  ClockAt(-2);
  Buy("c1", "P-old", "100", 31);       // 20, expired yesterday
  Buy("c1", "P-today", "600", 30);     // 100, expires today
  Buy("c1", "P-tomorrow", "300", 29);  // 50, expires tomorrow
  ClockAt(0);

  // Before any pass: the ledger still has every credit, reads leave out
  // what expired by today.
  EXPECT_EQ(LedgerSum("c1"), 170);
  v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.balance(), 50);
  EXPECT_EQ(points.available(), 50);
  EXPECT_EQ(points.pending(), 0);
  EXPECT_EQ(points.lifetime(), 170);
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(1), 50)));
  const v1::Customer customer = GetCustomer("c1");
  EXPECT_EQ(customer.points(), 50);
  EXPECT_EQ(customer.points_available(), 50);
  ASSERT_EQ(customer.points_expiring_size(), 1);
  EXPECT_EQ(customer.points_expiring(0).date(), InDays(1));
  EXPECT_EQ(customer.points_expiring(0).points(), 50);
  ExpectInvariants("c1");

  // A pass for yesterday writes off only what expired by yesterday.
  absl::StatusOr<int64_t> yesterday =
      apis_->loyalty.ExpirePoints(Date::FromDays(today_.days() - 1), 10);
  ASSERT_THAT(yesterday, IsOk());
  EXPECT_EQ(*yesterday, 20);
  EXPECT_EQ(LedgerSum("c1"), 150);
  ExpectInvariants("c1");

  // Today's pass, one lot per write.
  const size_t entries_before = Ledger("c1").size();
  absl::StatusOr<int64_t> expired = apis_->loyalty.ExpirePoints(today_, 1);
  ASSERT_THAT(expired, IsOk());
  EXPECT_EQ(*expired, 100);
  EXPECT_EQ(Ledger("c1").size(), entries_before + 1);
  const std::vector<LedgerEntry> expiries = EntriesFor("c1", "expiry");
  ASSERT_EQ(expiries.size(), 2u);
  EXPECT_EQ(expiries[0].delta, -20);
  EXPECT_EQ(expiries[0].source, "purchase:P-old");
  EXPECT_EQ(expiries[0].rule_id, "small_purchase");
  EXPECT_EQ(expiries[0].ruleset_version, version_);
  EXPECT_EQ(expiries[1].delta, -100);
  EXPECT_EQ(expiries[1].source, "purchase:P-today");
  EXPECT_EQ(expiries[1].rule_id, "big_purchase");
  EXPECT_EQ(expiries[1].ruleset_version, version_);
  EXPECT_EQ(LedgerSum("c1"), 50);
  EXPECT_EQ(Points("c1").balance(), 50);
  EXPECT_EQ(Points("c1").lifetime(), 170) << "expiry does not take lifetime points";
  ExpectInvariants("c1");

  // A second pass finds nothing.
  absl::StatusOr<int64_t> again = apis_->loyalty.ExpirePoints(today_, 1);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Ledger("c1").size(), entries_before + 1);
  ExpectInvariants("c1");
}

TEST_F(PointsLifecycleTest, TheExpiryPassCoversEveryCustomerInBatches) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ClockAt(-6);  // recorded before any had expired
  for (int c = 0; c < 5; ++c) {
    const std::string id = "c" + std::to_string(c);
    ASSERT_NO_FATAL_FAILURE(AddCustomer(id));
    Buy(id, id + "-a", "600", 30);  // 100, expires today
    Buy(id, id + "-b", "100", 35);  // 20, expired
    Buy(id, id + "-c", "300", 20);  // 50, stays
  }
  ClockAt(0);
  absl::StatusOr<int64_t> expired = apis_->loyalty.ExpirePoints(today_, 3);
  ASSERT_THAT(expired, IsOk());
  EXPECT_EQ(*expired, 5 * 120);
  for (int c = 0; c < 5; ++c) {
    const std::string id = "c" + std::to_string(c);
    EXPECT_EQ(EntriesFor(id, "expiry").size(), 2u) << id;
    EXPECT_EQ(LedgerSum(id), 50) << id;
    ExpectInvariants(id);
  }
  EXPECT_EQ(*apis_->loyalty.ExpirePoints(today_, 3), 0);
}

// The response of a purchase tells the balance a read gives right after,
// and the tier it stores is the tier of that balance.
TEST_F(PointsLifecycleTest, APurchaseWhosePointsExpiredAlreadyReportsTheBalanceOfAReadAfter) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  for (int i = 0; i < 4; ++i) Buy("c1", "P-" + std::to_string(i), "600", 20);  // 400
  Buy("c1", "P-4", "300", 20);                                                  // 50
  const v1::RecordPurchaseResponse late = Buy("c1", "P-late", "600", 30);  // 100, expires today
  const v1::PointsBalance read = Points("c1");
  EXPECT_EQ(read.balance(), 450);
  EXPECT_EQ(late.points_balance(), read.balance());
  EXPECT_EQ(late.points_available(), read.available());
  EXPECT_EQ(late.points_pending(), read.pending());
  EXPECT_EQ(late.tier(), "普通会员") << "450 points are below 银卡会员's 500";
  EXPECT_EQ(GetCustomer("c1").tier(), "普通会员");
  EXPECT_EQ(late.points_expired(), 100);
  EXPECT_EQ(LedgerSum("c1"), 450) << "written off at once";
  const std::vector<LedgerEntry> expiries = EntriesFor("c1", "expiry");
  ASSERT_EQ(expiries.size(), 1u);
  EXPECT_EQ(expiries[0].source, "purchase:P-late");
  EXPECT_EQ(Points("c1").lifetime(), 550) << "lifetime counts what was earned, expired or not";
  ExpectInvariants("c1");
}

// Evaluate of a stored customer reads its balance on the evaluation day:
// 500 points expiring tomorrow make 银卡会员 today, 普通会员 tomorrow.
TEST_F(PointsLifecycleTest, EvaluateReadsTheBalanceOfItsDay) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  for (int i = 0; i < 5; ++i) Buy("c1", "P-" + std::to_string(i), "600", 29);
  auto tier_on = [&](const std::string& day) {
    v1::EvaluateRequest request;
    request.set_customer_id("c1");
    request.set_today(day);
    v1::EvaluateResponse response;
    EXPECT_THAT(apis_->decisions.Evaluate(request, &response), IsOk()) << day;
    return response.decision().tier();
  };
  EXPECT_EQ(tier_on(""), "银卡会员");
  EXPECT_EQ(tier_on(today_.ToString()), "银卡会员");
  EXPECT_EQ(tier_on(InDays(1)), "普通会员");
  EXPECT_EQ(GetCustomer("c1").tier(), "银卡会员");
}

// "12 months": points earned a year ago today expire today.
TEST_F(PointsLifecycleTest, TwelveMonthsExpireOnTheSameDayAYearLater) {
  ASSERT_NO_FATAL_FAILURE(Serve("  expiry: 12 months\n"));
  if (today_.month() == 2 && today_.day() == 29) GTEST_SKIP() << "no such day a year ago";
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  std::string year_ago = today_.ToString();
  year_ago.replace(0, 4, std::to_string(today_.year() - 1));
  absl::StatusOr<Date> earned = Date::Parse(year_ago);
  ASSERT_THAT(earned, IsOk()) << year_ago;
  const std::string day_after = Date::FromDays(earned->days() + 1).ToString();
  ClockAt(-1);  // recorded yesterday, the last day of the first one's points
  for (const auto& [id, day] : {std::pair{"P-expired", year_ago}, {"P-kept", day_after}}) {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(NextKey());
    request.set_customer_id("c1");
    request.set_purchase_id(id);
    request.set_amount("600");
    request.set_date(day);
    v1::RecordPurchaseResponse response;
    ASSERT_THAT(apis_->events.RecordPurchase(request, &response), IsOk()) << id;
  }
  ClockAt(0);
  const v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.balance(), 100);
  EXPECT_EQ(points.pending(), 0) << "no pending_days: spendable at once";
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(1), 100)));
  EXPECT_EQ(LedgerSum("c1"), 200);
  ExpectInvariants("c1");
  EXPECT_EQ(*apis_->loyalty.ExpirePoints(today_, 10), 100);
  ExpectInvariants("c1");
}

// ------------------------------------------------------------- redemption

TEST_F(PointsLifecycleTest, RedemptionSpendsThePointsExpiringFirst) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);  // 100, expires in 10 days
  Buy("c1", "P-2", "300", 25);  // 50, expires in 5 days (recorded later, expires first)
  Buy("c1", "P-3", "600", 15);  // 100, expires in 15 days
  EXPECT_THAT(ExpiriesOf(Points("c1")),
              ElementsAre(Pair(InDays(5), 50), Pair(InDays(10), 100), Pair(InDays(15), 100)));

  absl::StatusOr<v1::RedeemPointsResponse> first = Redeem("c1", 70);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->points(), 70);
  EXPECT_EQ(first->points_after().balance(), 180);
  EXPECT_THAT(ExpiriesOf(first->points_after()),
              ElementsAre(Pair(InDays(10), 80), Pair(InDays(15), 100)));
  EXPECT_EQ(ExpiriesOf(Points("c1")), ExpiriesOf(first->points_after()));
  ExpectInvariants("c1");

  // The ledger entry of the redemption.
  const std::vector<LedgerEntry> redemptions = EntriesFor("c1", "redemption");
  ASSERT_EQ(redemptions.size(), 1u);
  EXPECT_EQ(redemptions[0].id, first->redemption_id());
  EXPECT_EQ(redemptions[0].delta, -70);
  EXPECT_THAT(redemptions[0].source, HasSubstr("redemption:order-"));
  EXPECT_EQ(redemptions[0].note, "voucher");
  EXPECT_EQ(redemptions[0].ruleset_version, version_);

  absl::StatusOr<v1::RedeemPointsResponse> second = Redeem("c1", 100);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(ExpiriesOf(second->points_after()), ElementsAre(Pair(InDays(15), 80)));

  // Too many: refused with the reason and how many are available.
  absl::StatusOr<v1::RedeemPointsResponse> too_many = Redeem("c1", 81);
  EXPECT_THAT(too_many, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 "customer 'c1' has 80 points available, not 81"));
  EXPECT_EQ(ReasonOf(too_many.status()), kReasonNotEnoughPoints);
  EXPECT_THAT(std::string(too_many.status().message()), ::testing::Not(HasSubstr("pending")));
  EXPECT_EQ(LedgerSum("c1"), 80);

  // The latest redemptions, newest first.
  const v1::GetPointsResponse response = PointsResponse("c1");
  ASSERT_EQ(response.redemptions_size(), 2);
  EXPECT_EQ(response.redemptions(0).redemption_id(), second->redemption_id());
  EXPECT_EQ(response.redemptions(0).points(), 100);
  EXPECT_EQ(response.redemptions(1).redemption_id(), first->redemption_id());
  EXPECT_EQ(response.redemptions(1).reason(), "voucher");
  EXPECT_EQ(response.redemptions(1).reversed_by(), 0);
  ExpectInvariants("c1");
}

TEST_F(PointsLifecycleTest, RedemptionWritesOffExpiredPointsItFinds) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-gone", "600", 30);  // 100, expires today
  Buy("c1", "P-kept", "300", 20);  // 50
  EXPECT_THAT(Redeem("c1", 51), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         "has 50 points available, not 51"));
  ASSERT_THAT(Redeem("c1", 50), IsOk());
  EXPECT_EQ(EntriesFor("c1", "expiry").size(), 1u);
  EXPECT_EQ(LedgerSum("c1"), 0);
  EXPECT_EQ(*apis_->loyalty.ExpirePoints(today_, 10), 0) << "written off already";
  ExpectInvariants("c1");
}

TEST_F(PointsLifecycleTest, RedeemRetriedWithTheSameKeySpendsOnce) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);
  v1::RedeemPointsRequest request;
  request.set_idempotency_key("redeem-once");
  request.set_customer_id("c1");
  request.set_points(30);
  v1::RedeemPointsResponse first, retried;
  ASSERT_THAT(apis_->loyalty.RedeemPoints(request, &first), IsOk());
  ASSERT_THAT(apis_->loyalty.RedeemPoints(request, &retried), IsOk());
  EXPECT_EQ(retried.redemption_id(), first.redemption_id());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(EntriesFor("c1", "redemption").size(), 1u);
  EXPECT_EQ(Points("c1").balance(), 70);
  // The same key for another request is refused.
  request.set_points(31);
  v1::RedeemPointsResponse other;
  absl::Status reused = apis_->loyalty.RedeemPoints(request, &other);
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kAlreadyExists, ""));
  EXPECT_EQ(ReasonOf(reused), kReasonIdempotencyKeyReused);
  EXPECT_EQ(Points("c1").balance(), 70);
  ExpectInvariants("c1");
}

TEST_F(PointsLifecycleTest, RedeemRefusesBadRequests) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  EXPECT_THAT(Redeem("c1", 0), StatusIs(absl::StatusCode::kInvalidArgument, "points"));
  EXPECT_THAT(Redeem("c1", -5), StatusIs(absl::StatusCode::kInvalidArgument, "points"));
  EXPECT_THAT(Redeem("nobody", 1), StatusIs(absl::StatusCode::kNotFound, "nobody"));
  EXPECT_THAT(Ledger("c1"), IsEmpty());
}

// ------------------------------------------------------------- reversal

TEST_F(PointsLifecycleTest, ReversalGivesPointsBackWithTheirExpiry) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);  // 100, expires in 10 days
  Buy("c1", "P-2", "300", 25);  // 50, expires in 5 days
  Buy("c1", "P-3", "600", 15);  // 100, expires in 15 days
  Buy("c1", "P-4", "100", 2);   // 20, pending
  const v1::PointsBalance before = Points("c1");

  absl::StatusOr<v1::RedeemPointsResponse> redeemed = Redeem("c1", 120);
  ASSERT_THAT(redeemed, IsOk());
  EXPECT_THAT(ExpiriesOf(redeemed->points_after()),
              ElementsAre(Pair(InDays(10), 30), Pair(InDays(15), 100), Pair(InDays(30 - 2), 20)));

  absl::StatusOr<v1::ReverseRedemptionResponse> reversed =
      Reverse(redeemed->redemption_id(), "reverse-1");
  ASSERT_THAT(reversed, IsOk());
  EXPECT_EQ(reversed->redemption_id(), redeemed->redemption_id());
  EXPECT_EQ(reversed->customer_id(), "c1");
  EXPECT_EQ(reversed->points(), 120);
  EXPECT_EQ(reversed->points_debt_settled(), 0);
  EXPECT_EQ(reversed->ruleset_version(), version_);
  EXPECT_GT(reversed->reversal_id(), redeemed->redemption_id());
  EXPECT_EQ(ExpiriesOf(reversed->points_after()), ExpiriesOf(before));
  EXPECT_EQ(reversed->points_after().SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Points("c1").SerializeAsString(), before.SerializeAsString());

  const std::vector<LedgerEntry> entries = EntriesFor("c1", "redemption_reversal");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, reversed->reversal_id());
  EXPECT_EQ(entries[0].delta, 120);
  EXPECT_EQ(entries[0].source, "redemption:" + std::to_string(redeemed->redemption_id()));
  EXPECT_EQ(entries[0].note, "order cancelled");
  const v1::GetPointsResponse response = PointsResponse("c1");
  ASSERT_EQ(response.redemptions_size(), 1);
  EXPECT_EQ(response.redemptions(0).reversed_by(), reversed->reversal_id());
  ExpectInvariants("c1");

  // Retried with its key: the same answer, nothing more.
  absl::StatusOr<v1::ReverseRedemptionResponse> retried =
      Reverse(redeemed->redemption_id(), "reverse-1");
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->reversal_id(), reversed->reversal_id());
  // Asked again: refused.
  absl::StatusOr<v1::ReverseRedemptionResponse> twice = Reverse(redeemed->redemption_id());
  EXPECT_THAT(twice, StatusIs(absl::StatusCode::kFailedPrecondition, "already reversed"));
  EXPECT_EQ(ReasonOf(twice.status()), kReasonRedemptionAlreadyReversed);
  EXPECT_EQ(EntriesFor("c1", "redemption_reversal").size(), 1u);
  EXPECT_EQ(LedgerSum("c1"), before.balance());

  // Unknown redemptions.
  EXPECT_THAT(Reverse(redeemed->redemption_id() + 1000),
              StatusIs(absl::StatusCode::kNotFound, "is not recorded"));
  // A ledger entry that is not a redemption is not one either.
  EXPECT_THAT(Reverse(Ledger("c1").front().id),
              StatusIs(absl::StatusCode::kNotFound, "is not recorded"));
  EXPECT_THAT(Reverse(0), StatusIs(absl::StatusCode::kInvalidArgument, "redemption_id"));
  ExpectInvariants("c1");
}

// ------------------------------------------------------------- returns

TEST_F(PointsLifecycleTest, AReturnWithinThePendingDaysCancelsThePoints) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-kept", "300", 20);  // 50, available
  Buy("c1", "P-1", "600", 3);      // 100, pending
  absl::StatusOr<v1::ReturnPurchaseResponse> returned = Return("P-1");
  ASSERT_THAT(returned, IsOk());
  EXPECT_EQ(returned->points_reversed(), 100);
  EXPECT_EQ(returned->points_owed(), 0);
  EXPECT_EQ(returned->points_forgiven(), 0);
  EXPECT_EQ(returned->points_balance(), 50);
  const v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.balance(), 50);
  EXPECT_EQ(points.pending(), 0);
  EXPECT_EQ(points.available(), 50);
  EXPECT_EQ(points.owed(), 0);
  EXPECT_EQ(points.lifetime(), 50);
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(10), 50)));
  const std::vector<LedgerEntry> entries = EntriesFor("c1", "return");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].delta, -100);
  EXPECT_EQ(entries[0].source, "return:P-1");
  EXPECT_EQ(entries[0].rule_id, "big_purchase");
  ExpectInvariants("c1");
  // Taken back once only.
  absl::StatusOr<v1::ReturnPurchaseResponse> again = Return("P-1");
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition, "already taken back"));
  EXPECT_EQ(ReasonOf(again.status()), kReasonPurchaseAlreadyTakenBack);
  ExpectInvariants("c1");
}

TEST_F(PointsLifecycleTest, AReturnTakesTheCustomersOtherPointsBeforeAnyPolicy) {
  ASSERT_NO_FATAL_FAILURE(Serve(kForgive));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 21);  // 100, expires in 9 days
  Buy("c1", "P-2", "300", 20);  // 50, expires in 10 days
  ASSERT_THAT(Redeem("c1", 100), IsOk());  // all of P-1
  absl::StatusOr<v1::ReturnPurchaseResponse> returned = Return("P-1");
  ASSERT_THAT(returned, IsOk());
  EXPECT_EQ(returned->points_reversed(), 50);
  EXPECT_EQ(returned->points_forgiven(), 50);
  EXPECT_EQ(returned->points_owed(), 0);
  EXPECT_EQ(returned->points_balance(), 0);
  EXPECT_EQ(Points("c1").lifetime(), 50);
  ExpectInvariants("c1");
}

struct AfterSpendingCase {
  const char* name;
  const char* policy;
  // After returning a purchase of 100 of which 80 were spent:
  int64_t reversed, owed, forgiven, balance;
  // After the next purchase of 100, available at once:
  int64_t settled, balance_after_next;
};

void PrintTo(const AfterSpendingCase& c, std::ostream* os) { *os << c.name; }

class ReturnAfterSpendingTest : public PointsLifecycleTest,
                                public ::testing::WithParamInterface<AfterSpendingCase> {};

TEST_P(ReturnAfterSpendingTest, FollowsThePolicy) {
  const AfterSpendingCase& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(Serve(c.policy));
  const bool negative = std::string_view(c.name) == "negative_balance";
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);  // 100
  ASSERT_THAT(Redeem("c1", 80), IsOk());
  ExpectInvariants("c1");
  EXPECT_EQ(Points("c1").lifetime(), 100);

  absl::StatusOr<v1::ReturnPurchaseResponse> returned = Return("P-1");
  ASSERT_THAT(returned, IsOk());
  EXPECT_EQ(returned->points_reversed(), c.reversed);
  EXPECT_EQ(returned->points_owed(), c.owed);
  EXPECT_EQ(returned->points_forgiven(), c.forgiven);
  EXPECT_EQ(returned->points_balance(), c.balance);
  v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.balance(), c.balance);
  EXPECT_EQ(points.owed(), c.owed);
  EXPECT_EQ(points.pending(), 0);
  EXPECT_EQ(points.lifetime(), 0) << "lifetime points lose what the purchase earned";
  EXPECT_THAT(ExpiriesOf(points), IsEmpty());
  const std::vector<LedgerEntry> entries = EntriesFor("c1", "return");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].delta, -c.reversed);
  EXPECT_EQ(entries[0].source, "return:P-1");
  EXPECT_THAT(entries[0].note, HasSubstr("80 points already spent"));
  ExpectInvariants("c1", negative);

  const v1::RecordPurchaseResponse next = Buy("c1", "P-2", "600", 20);  // 100
  EXPECT_EQ(next.points_earned(), 100);
  EXPECT_EQ(next.points_debt_settled(), c.settled);
  EXPECT_EQ(next.points_balance(), c.balance_after_next);
  EXPECT_EQ(next.points_available(), c.balance_after_next);
  points = Points("c1");
  EXPECT_EQ(points.balance(), c.balance_after_next);
  EXPECT_EQ(points.owed(), 0);
  EXPECT_EQ(points.lifetime(), 100);
  EXPECT_THAT(ExpiriesOf(points), ElementsAre(Pair(InDays(10), c.balance_after_next)));
  const std::vector<LedgerEntry> settlements = EntriesFor("c1", "debt_settlement");
  if (c.settled > 0) {
    ASSERT_EQ(settlements.size(), 1u);
    EXPECT_EQ(settlements[0].delta, -c.settled);
    EXPECT_EQ(settlements[0].source, "purchase:P-2");
    EXPECT_EQ(settlements[0].rule_id, "big_purchase");
    EXPECT_EQ(settlements[0].ruleset_version, version_);
  } else {
    EXPECT_THAT(settlements, IsEmpty());
  }
  ExpectInvariants("c1", negative);
}

INSTANTIATE_TEST_SUITE_P(
    Policies, ReturnAfterSpendingTest,
    ::testing::Values(
        AfterSpendingCase{"debt", kDebt, /*reversed=*/20, /*owed=*/80, /*forgiven=*/0,
                          /*balance=*/0, /*settled=*/80, /*balance_after_next=*/20},
        AfterSpendingCase{"negative_balance", kNegativeBalance, 100, 0, 0, -80, 0, 20},
        AfterSpendingCase{"forgive", kForgive, 20, 0, 80, 0, 0, 100}),
    [](const ::testing::TestParamInfo<AfterSpendingCase>& info) { return info.param.name; });

// Reversing the redemption that spent a returned purchase's points gives
// back nothing the customer may keep: what was owed is paid, a negative
// balance is filled; the balance never exceeds the lifetime points.
TEST_F(PointsLifecycleTest, ReversingASpendOfAReturnedPurchaseSettlesWhatTheReturnLeft) {
  for (const char* policy : {kDebt, kNegativeBalance}) {
    SCOPED_TRACE(policy);
    ASSERT_NO_FATAL_FAILURE(Serve(policy));
    ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
    Buy("c1", "P-1", "600", 20);  // 100
    absl::StatusOr<v1::RedeemPointsResponse> redeemed = Redeem("c1", 80);
    ASSERT_THAT(redeemed, IsOk());
    ASSERT_THAT(Return("P-1"), IsOk());
    absl::StatusOr<v1::ReverseRedemptionResponse> reversed = Reverse(redeemed->redemption_id());
    ASSERT_THAT(reversed, IsOk());
    EXPECT_EQ(reversed->points(), 80);
    EXPECT_EQ(reversed->points_debt_settled(), policy == kDebt ? 80 : 0);
    const v1::PointsBalance points = Points("c1");
    EXPECT_EQ(points.balance(), 0);
    EXPECT_EQ(points.owed(), 0);
    EXPECT_EQ(points.lifetime(), 0);
    ExpectInvariants("c1", policy == kNegativeBalance);
  }
}

TEST_F(PointsLifecycleTest, ReversingASpendOfAForgivenReturnDoesNotMintPoints) {
  ASSERT_NO_FATAL_FAILURE(Serve(kForgive));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);  // 100
  absl::StatusOr<v1::RedeemPointsResponse> redeemed = Redeem("c1", 80);
  ASSERT_THAT(redeemed, IsOk());
  absl::StatusOr<v1::ReturnPurchaseResponse> returned = Return("P-1");
  ASSERT_THAT(returned, IsOk());
  EXPECT_EQ(returned->points_forgiven(), 80);
  ASSERT_THAT(Reverse(redeemed->redemption_id()), IsOk());
  const v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.lifetime(), 0);
  EXPECT_LE(points.balance(), points.lifetime());
  EXPECT_EQ(points.balance(), 0);
  ExpectInvariants("c1");
}

// A debt is paid by the next points even while they are pending, and in
// as many purchases as it takes.
TEST_F(PointsLifecycleTest, ADebtIsPaidByTheNextPurchasesAsTheyCome) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "P-1", "600", 20);
  ASSERT_THAT(Redeem("c1", 80), IsOk());
  ASSERT_THAT(Return("P-1"), IsOk());
  EXPECT_EQ(Points("c1").owed(), 80);

  const v1::RecordPurchaseResponse first = Buy("c1", "P-2", "300", 0);  // 50, pending
  EXPECT_EQ(first.points_debt_settled(), 50);
  EXPECT_EQ(first.points_balance(), 0);
  EXPECT_EQ(first.points_pending(), 0);
  EXPECT_EQ(Points("c1").owed(), 30);
  ExpectInvariants("c1");

  const v1::RecordPurchaseResponse second = Buy("c1", "P-3", "600", 0);  // 100, pending
  EXPECT_EQ(second.points_debt_settled(), 30);
  EXPECT_EQ(second.points_balance(), 70);
  EXPECT_EQ(second.points_pending(), 70);
  EXPECT_EQ(second.points_available(), 0);
  const v1::PointsBalance points = Points("c1");
  EXPECT_EQ(points.owed(), 0);
  EXPECT_EQ(points.balance(), 70);
  EXPECT_EQ(points.pending(), 70);
  EXPECT_EQ(points.lifetime(), 150);
  EXPECT_EQ(EntriesFor("c1", "debt_settlement").size(), 2u);
  ExpectInvariants("c1");
}

// ------------------------------------------------------------- invariants

struct Policy {
  const char* name;
  const char* section;
};

void PrintTo(const Policy& p, std::ostream* os) { *os << p.name; }

class MixedSequenceTest : public PointsLifecycleTest,
                          public ::testing::WithParamInterface<Policy> {};

TEST_P(MixedSequenceTest, InvariantsHoldAfterEveryStep) {
  ASSERT_NO_FATAL_FAILURE(Serve(GetParam().section));
  const bool negative = GetParam().section == kNegativeBalance;
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  int step = 0;
  auto check = [&](const std::string& what) {
    SCOPED_TRACE("after step " + std::to_string(++step) + ": " + what);
    ExpectInvariants("c1", negative);
  };
  Buy("c1", "P-1", "600", 40);  // 100, expired 10 days ago
  check("a purchase whose points expired");
  Buy("c1", "P-2", "300", 20);  // 50, expires in 10 days
  check("an available purchase");
  Buy("c1", "P-3", "600", 5);  // 100, pending, expires in 25 days
  check("a pending purchase");
  absl::StatusOr<v1::RedeemPointsResponse> r1 = Redeem("c1", 30);
  ASSERT_THAT(r1, IsOk());
  check("a redemption");
  Buy("c1", "P-4", "100", 16);  // 20, expires in 14 days
  check("another available purchase");
  absl::StatusOr<v1::RedeemPointsResponse> r2 = Redeem("c1", 40);
  ASSERT_THAT(r2, IsOk());
  check("a redemption of all that is available");
  EXPECT_THAT(Redeem("c1", 1), StatusIs(absl::StatusCode::kFailedPrecondition, ""));
  check("a refused redemption");
  ASSERT_THAT(Reverse(r1->redemption_id()), IsOk());
  check("a reversal");
  ASSERT_THAT(Return("P-2"), IsOk());
  check("a return after part was spent");
  EXPECT_THAT(apis_->loyalty.ExpirePoints(today_, 2), IsOk());
  check("an expiry pass");
  ASSERT_THAT(Return("P-3"), IsOk());
  check("a return of a pending purchase after the others were spent");
  ASSERT_THAT(Reverse(r2->redemption_id()), IsOk());
  check("a reversal after returns");
  Buy("c1", "P-5", "600", 0);
  check("a purchase today");
  ASSERT_THAT(Return("P-1"), IsOk());
  check("a return of the purchase whose points expired");
  Buy("c1", "P-6", "300", 29);  // expires tomorrow
  check("a purchase expiring tomorrow");
  EXPECT_THAT(apis_->loyalty.ExpirePoints(today_, 1), IsOk());
  check("a second expiry pass");
  const v1::PointsBalance points = Points("c1");
  if (points.available() > 0) {
    ASSERT_THAT(Redeem("c1", points.available()), IsOk());
    check("spending everything available");
  }
  EXPECT_THAT(apis_->loyalty.ExpirePoints(today_, 1), IsOk());
  check("a third expiry pass");
  EXPECT_EQ(Points("c1").lifetime(), 100 + 50 + 100 + 20 + 100 + 50 - 50 - 100 - 100)
      << "what the purchases not returned earned";
}

INSTANTIATE_TEST_SUITE_P(Policies, MixedSequenceTest,
                         ::testing::Values(Policy{"debt", kDebt},
                                           Policy{"negative_balance", kNegativeBalance},
                                           Policy{"forgive", kForgive}),
                         [](const ::testing::TestParamInfo<Policy>& info) {
                           return std::string(info.param.name);
                         });

// Points without dates (no pending, no expiry: the seed's lifecycle with
// a policy for returns) share one lot per customer; returns, forgiveness
// and reversals come out as with a lot per purchase.
constexpr char kUndatedDebt[] = "  returns_after_spending: debt\n";
constexpr char kUndatedNegativeBalance[] = "  returns_after_spending: negative_balance\n";
constexpr char kUndatedForgive[] = "  returns_after_spending: forgive\n";

class UndatedSequenceTest : public PointsLifecycleTest,
                            public ::testing::WithParamInterface<Policy> {};

TEST_P(UndatedSequenceTest, OneLotPerCustomerKeepsTheInvariants) {
  ASSERT_NO_FATAL_FAILURE(Serve(GetParam().section));
  const bool negative = GetParam().section == kUndatedNegativeBalance;
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c2"));
  int step = 0;
  auto check = [&](const std::string& what) {
    SCOPED_TRACE("after step " + std::to_string(++step) + ": " + what);
    ExpectInvariants("c1", negative);
    ExpectInvariants("c2", negative);
  };
  Buy("c1", "P-1", "600", 0);  // 100
  Buy("c2", "Q-1", "300", 0);  // 50, another customer's lot
  Buy("c1", "P-2", "300", 3);  // 50
  Buy("c1", "P-3", "600", 1);  // 100
  check("three purchases");
  absl::StatusOr<std::vector<PointLotRecord>> lots = store_->LiveLots("c1");
  ASSERT_THAT(lots.status(), IsOk());
  ASSERT_EQ(lots->size(), 1u) << "one lot without dates per customer";
  EXPECT_EQ((*lots)[0].points, 250);
  EXPECT_EQ((*lots)[0].remaining, 250);
  EXPECT_EQ(Points("c2").balance(), 50);
  absl::StatusOr<v1::RedeemPointsResponse> r1 = Redeem("c1", 200);
  ASSERT_THAT(r1, IsOk());
  check("a redemption");
  ASSERT_THAT(Return("P-1"), IsOk());  // 50 left to take, 50 spent
  check("a return after part was spent");
  const v1::PointsBalance after_return = Points("c1");
  EXPECT_EQ(after_return.balance(), negative ? -50 : 0);
  EXPECT_EQ(after_return.owed(), GetParam().section == kUndatedDebt ? 50 : 0);
  ASSERT_THAT(Reverse(r1->redemption_id()), IsOk());
  check("the redemption reversed");
  // Whatever the policy, the customer ends with what the purchases not
  // returned earned: a forgiven 50 is not given back by the reversal.
  EXPECT_EQ(Points("c1").balance(), 150);
  EXPECT_EQ(Points("c1").owed(), 0);
  Buy("c1", "P-4", "100", 0);  // 20
  ASSERT_THAT(Return("P-4"), IsOk());
  check("a purchase and its return");
  EXPECT_EQ(Points("c1").balance(), 150);
  EXPECT_EQ(Points("c1").lifetime(), 150);
  lots = store_->LiveLots("c1");
  ASSERT_THAT(lots.status(), IsOk());
  EXPECT_EQ(lots->size(), 1u);
}

// Forgiven points are withheld from the reversal of a redemption made
// before the forgiving return, never from one of points earned after it:
// a lot with forgiven points takes no new credits.
TEST_F(PointsLifecycleTest, ForgivenPointsOfASharedLotAreNotTakenFromLaterPoints) {
  ASSERT_NO_FATAL_FAILURE(Serve(kUndatedForgive));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  Buy("c1", "A", "600", 0);  // 100
  absl::StatusOr<v1::RedeemPointsResponse> r1 = Redeem("c1", 100);
  ASSERT_THAT(r1, IsOk());
  ASSERT_THAT(Return("A"), IsOk());  // 100 spent: forgiven
  EXPECT_EQ(Points("c1").balance(), 0);
  Buy("c1", "C", "600", 0);  // 100, never returned
  absl::StatusOr<v1::RedeemPointsResponse> r2 = Redeem("c1", 100);
  ASSERT_THAT(r2, IsOk());
  absl::StatusOr<v1::ReverseRedemptionResponse> back2 = Reverse(r2->redemption_id());
  ASSERT_THAT(back2, IsOk());
  EXPECT_EQ(back2->points(), 100) << "C's points come back whole";
  absl::StatusOr<v1::ReverseRedemptionResponse> back1 = Reverse(r1->redemption_id());
  ASSERT_THAT(back1, IsOk());
  EXPECT_EQ(back1->points(), 0) << "A's points were forgiven at its return";
  EXPECT_EQ(Points("c1").balance(), 100);
  ExpectInvariants("c1");
}

INSTANTIATE_TEST_SUITE_P(Policies, UndatedSequenceTest,
                         ::testing::Values(Policy{"debt", kUndatedDebt},
                                           Policy{"negative_balance", kUndatedNegativeBalance},
                                           Policy{"forgive", kUndatedForgive}),
                         [](const ::testing::TestParamInfo<Policy>& info) {
                           return std::string(info.param.name);
                         });

// ------------------------------------------------------------- concurrency

TEST_F(PointsLifecycleTest, ConcurrentRedemptionsSpendNoMoreThanTheBalance) {
  ASSERT_NO_FATAL_FAILURE(Serve(kDebt));
  ASSERT_NO_FATAL_FAILURE(AddCustomer("c1"));
  for (int i = 0; i < 10; ++i) Buy("c1", "P-" + std::to_string(i), "600", 20);
  ASSERT_EQ(Points("c1").available(), 1000);

  constexpr int kThreads = 16;
  constexpr int kEach = 2;
  std::vector<absl::Status> statuses(kThreads * kEach);
  std::vector<int64_t> ids(kThreads * kEach, 0);
  std::latch start(kThreads + 1);
  std::atomic<bool> done{false};
  std::atomic<int64_t> lowest{1000};
  std::thread reader([&] {
    start.arrive_and_wait();
    while (!done.load()) {
      absl::StatusOr<std::optional<rules::Customer>> c = store_->FindCustomer("c1", {today_, {}});
      if (c.ok() && c->has_value()) {
        int64_t seen = (*c)->points;
        int64_t low = lowest.load();
        while (seen < low && !lowest.compare_exchange_weak(low, seen)) {
        }
      }
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        v1::RedeemPointsRequest request;
        request.set_idempotency_key("concurrent-" + std::to_string(t) + "-" + std::to_string(i));
        request.set_customer_id("c1");
        request.set_points(100);
        v1::RedeemPointsResponse response;
        statuses[t * kEach + i] = apis_->loyalty.RedeemPoints(request, &response);
        ids[t * kEach + i] = response.redemption_id();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  done = true;
  reader.join();

  int succeeded = 0;
  std::set<int64_t> granted;
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].ok()) {
      ++succeeded;
      EXPECT_TRUE(granted.insert(ids[i]).second) << "redemption id " << ids[i] << " twice";
    } else {
      EXPECT_EQ(statuses[i].code(), absl::StatusCode::kFailedPrecondition) << statuses[i];
      EXPECT_EQ(ReasonOf(statuses[i]), kReasonNotEnoughPoints) << statuses[i];
    }
  }
  EXPECT_EQ(succeeded, 10);
  EXPECT_GE(lowest.load(), 0);
  std::multiset<int64_t> in_ledger;
  for (const LedgerEntry& e : EntriesFor("c1", "redemption")) {
    in_ledger.insert(e.id);
    EXPECT_EQ(e.delta, -100);
  }
  for (int64_t id : granted) EXPECT_EQ(in_ledger.count(id), 1u) << "redemption " << id;
  EXPECT_EQ(in_ledger.size(), granted.size());
  EXPECT_EQ(Points("c1").balance(), 0);
  EXPECT_EQ(PointsResponse("c1").redemptions_size(), 10);
  ExpectInvariants("c1");
}

}  // namespace
}  // namespace clientele::server
