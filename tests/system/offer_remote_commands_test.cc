// `clientele offers redeem|reverse|redemptions|calendar`, `reports offers`
// and purchases that carry offers, against the real clienteled serving a
// ruleset with a budget of 2 and a weekly limit: tables, --json, and the
// exit codes when the rules do not give an offer (4) or the offer is not
// in the ruleset (2).
#include <string>

#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cli_fixture.h"
#include "tests/support/rules_directory.h"

namespace clientele::client {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

constexpr char kOffers[] = R"(kind: offers
offers:
  - id: launch_gift
    when: true
    offer: 新品礼
    stacking: stackable
    value: {amount_off: 20}
    budget: {redemptions: 2}
  - id: weekly_coupon
    when: true
    offer: 周券
    stacking: stackable
    value: {percent_off: 10, max_off: 30}
    per_customer: {week: 1}
)";

class OfferCommandsTest : public CliTest {
 protected:
  void SetUp() override {
    ClearClienteleEnvironment();
    directory_.WriteInPlace("offers.yaml", kOffers);
    ASSERT_TRUE(server_.Start(directory_.path().string())) << "clienteled did not start";
    for (const char* id : {"c-1", "c-2", "c-3"}) {
      Ok({"customers", "upsert", "--customer", std::string(R"({"id": ")") + id + R"("})"});
    }
  }

  testing::RulesDirectory directory_;
};

TEST_F(OfferCommandsTest, RedeemUntilTheBudgetIsSpentThenGiveOneBack) {
  CliOutput first = Ok({"offers", "redeem", "--customer-id", "c-1", "--offer-id", "launch_gift",
                        "--amount", "80", "--reference", "order-1", "--key", "k-1"});
  EXPECT_THAT(first.out, HasSubstr("redeemed launch_gift for customer c-1\n"));
  EXPECT_THAT(first.out, ContainsRegex("offer +新品礼 \\(launch_gift\\)\n"));
  EXPECT_THAT(first.out, ContainsRegex("worth +20\n"));
  EXPECT_THAT(first.out, HasSubstr("key: k-1"));
  const nlohmann::json second = Ok({"offers", "redeem", "--customer-id", "c-2", "--offer-id",
                                    "launch_gift", "--json", "--key", "k-2"})
                                    .Json();
  EXPECT_EQ(second["redemption"]["value"], "20");
  CliOutput spent =
      Run({"offers", "redeem", "--customer-id", "c-3", "--offer-id", "launch_gift"});
  EXPECT_EQ(spent.code, kExitConflict);
  EXPECT_THAT(spent.err, HasSubstr("budget spent: a budget of 2 redemptions, 2 used"));
  EXPECT_THAT(spent.err, HasSubstr("OFFER_BUDGET_SPENT"));

  const std::string id = second["redemption"]["redemption_id"].get<std::string>();
  CliOutput reversed = Ok({"offers", "reverse", id, "--reason", "order cancelled"});
  EXPECT_THAT(reversed.out, HasSubstr("gave back redemption " + id + " of launch_gift"));
  EXPECT_THAT(reversed.out, ContainsRegex("reversed +[0-9T:-]+Z: order cancelled\n"));
  CliOutput again = Run({"offers", "reverse", id});
  EXPECT_EQ(again.code, kExitConflict);
  EXPECT_THAT(again.err, HasSubstr("OFFER_REDEMPTION_ALREADY_REVERSED"));
  Ok({"offers", "redeem", "--customer-id", "c-3", "--offer-id", "launch_gift"});

  CliOutput listed = Ok({"offers", "redemptions", "c-2"});
  EXPECT_THAT(listed.out, ContainsRegex(id + " +[0-9-]+ +新品礼 \\(launch_gift\\) +20 .*order cancelled"));
  CliOutput report = Ok({"reports", "offers"});
  EXPECT_THAT(report.out, ContainsRegex("新品礼 \\(launch_gift\\) +2 +40 +2 +40 +0 of 2 "
                                        "\\(budget.redemptions\\)"));
  EXPECT_THAT(report.out, HasSubstr("per day (reversals taken off):"));
}

TEST_F(OfferCommandsTest, APurchaseCarriesOffersAndItsReturnGivesThemBack) {
  CliOutput bought = Ok({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-1",
                         "--amount", "400", "--offer", "weekly_coupon", "--offer", "launch_gift"});
  // In the ruleset's order of offers.
  EXPECT_THAT(bought.out, ContainsRegex("offers redeemed +新品礼 \\(launch_gift\\) 20, 周券 "
                                        "\\(weekly_coupon\\) 30; redemptions [0-9]+, [0-9]+\n"));
  CliOutput limit = Run({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-2",
                         "--amount", "100", "--offer", "weekly_coupon"});
  EXPECT_EQ(limit.code, kExitConflict);
  EXPECT_THAT(limit.err, HasSubstr("customer limit reached: 1 per customer a week"));
  EXPECT_THAT(limit.err, HasSubstr("OFFER_LIMIT_REACHED"));
  CliOutput returned = Ok({"events", "return", "p-1"});
  EXPECT_THAT(returned.out, HasSubstr("offers given back  新品礼 (launch_gift) 20, 周券 (weekly_coupon) 30"));
  Ok({"events", "purchase", "--customer-id", "c-1", "--purchase-id", "p-2", "--amount", "100",
      "--offer", "weekly_coupon"});
}

TEST_F(OfferCommandsTest, UnknownOffersAndTheServedCalendar) {
  CliOutput unknown = Run({"offers", "redeem", "--customer-id", "c-1", "--offer-id", "nope"});
  EXPECT_EQ(unknown.code, kExitBadInput);
  EXPECT_THAT(unknown.err, HasSubstr("its offers: launch_gift, weekly_coupon"));
  CliOutput calendar = Ok({"offers", "calendar", "--from", "2026-12-07", "--to", "2026-12-09"});
  EXPECT_THAT(calendar.out, HasSubstr("the calendar of ruleset "));
  EXPECT_THAT(calendar.out, ContainsRegex("周券 \\(weekly_coupon\\) +● +● +● +all day +1 per "
                                          "customer a week"));
  const nlohmann::json json =
      Ok({"offers", "calendar", "--from", "2026-12-07", "--to", "2026-12-07", "--json"}).Json();
  EXPECT_EQ(json["offers"][0]["live_on"], nlohmann::json({"2026-12-07"}));
  EXPECT_EQ(json["time_zone"], "UTC");
}

}  // namespace
}  // namespace clientele::client
