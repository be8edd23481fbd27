// The CLI's side of earning (client/json_codec.cc, client/render.cc): a
// purchase event's date, category and quantity, their errors, and the
// points breakdown in the JSON decision and the rendered one.
#include <memory>
#include <string>
#include <string_view>

#include "client/json_codec.h"
#include "client/render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::client {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::nlohmann::json;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

absl::StatusOr<Events> EventsOf(std::string_view text) {
  return EventsFromJson(ParseJson(text, "test input").value());
}

TEST(EarningJsonTest, APurchaseTakesADateACategoryAndAQuantity) {
  absl::StatusOr<Events> events = EventsOf(
      R"({"purchase": {"amount": 600, "date": "2026-12-05", "category": "electronics",
                       "quantity": 3}})");
  ASSERT_THAT(events, IsOk());
  ASSERT_TRUE(events->purchase.has_value());
  EXPECT_EQ(events->purchase->date.ToString(), "2026-12-05");
  EXPECT_EQ(events->purchase->category, "electronics");
  EXPECT_EQ(events->purchase->quantity, 3);

  // Left out: no day of its own, no category, one item.
  absl::StatusOr<Events> plain = EventsOf(R"({"purchase": {"amount": 600}})");
  ASSERT_THAT(plain, IsOk());
  EXPECT_FALSE(plain->purchase->date.known());
  EXPECT_EQ(plain->purchase->category, "");
  EXPECT_EQ(plain->purchase->quantity, 1);

  // A quantity may be written as text, as amounts may.
  absl::StatusOr<Events> text = EventsOf(R"({"purchase": {"amount": 600, "quantity": "1000000"}})");
  ASSERT_THAT(text, IsOk());
  EXPECT_EQ(text->purchase->quantity, 1'000'000);
}

TEST(EarningJsonTest, BadDatesCategoriesAndQuantities) {
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"purchase": {"amount": 1, "date": "2026-02-30"}})",
       "purchase.date: '2026-02-30' is not a date"},
      {R"({"purchase": {"amount": 1, "date": "saturday"}})",
       "purchase.date: 'saturday' is not a date"},
      {R"({"purchase": {"amount": 1, "date": 20261205}})", "purchase.date: expected text"},
      {R"({"purchase": {"amount": 1, "category": 5}})", "purchase.category: expected text"},
      {R"({"purchase": {"amount": 1, "quantity": 0}})",
       "purchase.quantity: 0 is not a whole number from 1 to 1000000"},
      {R"({"purchase": {"amount": 1, "quantity": -2}})",
       "purchase.quantity: -2 is not a whole number from 1 to 1000000"},
      {R"({"purchase": {"amount": 1, "quantity": 1000001}})",
       "purchase.quantity: 1000001 is not a whole number from 1 to 1000000"},
      {R"({"purchase": {"amount": 1, "quantity": 2.5}})",
       "purchase.quantity: 2.5 is not a whole number from 1 to 1000000"},
      {R"({"purchase": {"amount": 1, "quantity": true}})",
       "purchase.quantity: expected a number or text, got boolean"},
      {R"({"purchase": {"amount": 1, "quantities": 2}})",
       "unknown purchase field 'quantities' (fields: id, amount, product, channel, date, "
       "category, quantity)"},
  };
  for (const auto& [text, message] : kCases) {
    EXPECT_THAT(EventsOf(text), StatusIs(kInvalid, message)) << text;
  }
}

constexpr char kLoyalty[] =
    "kind: loyalty\n"
    "earning:\n"
    "  rules:\n"
    "    - {id: big, when: purchase.amount >= 500, points: 100}\n"
    "  default: {id: small, points: 20}\n"
    "  bonuses:\n"
    "    - {id: bulk, when: purchase.quantity >= 3, points: 15}\n"
    "  multipliers:\n"
    "    - {id: electronics, when: purchase.category == \"electronics\", factor: 2}\n"
    "    - {id: weekend, when: weekday(today()) >= 6, factor: 3}\n";

TEST(EarningJsonTest, TheDecisionShowsTheBreakdown) {
  rules::LoadResult loaded = rules::RuleSet::LoadSources({{"loyalty.yaml", kLoyalty}});
  ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  absl::StatusOr<Events> events = EventsOf(
      R"({"purchase": {"amount": 600, "date": "2026-12-05", "category": "electronics",
                       "quantity": 3}})");
  ASSERT_THAT(events, IsOk());
  rules::Customer customer;
  customer.id = "c-1";
  customer.points = 10;
  rules::Decision decision;
  // Evaluated on a Monday; bought on a Saturday.
  ASSERT_THAT(loaded.ruleset->Evaluate({&customer, &*events->purchase, nullptr, nullptr,
                                        rules::Date::Parse("2026-12-07").value()},
                                       &decision),
              IsOk());
  const std::string breakdown =
      "100 (big) × 3 (weekend) + 15 (bulk); not applied (only the highest multiplier applies): × 2 "
      "(electronics)";
  const json out = DecisionToJson(customer, decision, nullptr);
  ASSERT_TRUE(out.contains("loyalty")) << out.dump(2);
  const json& loyalty = out.at("loyalty");
  EXPECT_EQ(loyalty.value("points_earned", 0), 315);
  EXPECT_EQ(loyalty.value("rule", ""), "big");
  EXPECT_EQ(loyalty.value("breakdown", ""), breakdown) << out.dump(2);
  EXPECT_THAT(RenderDecision(customer, decision),
              HasSubstr("  loyalty:  +315 points (" + breakdown + "): 10 -> 325"));

  // Without extras in the rules: no breakdown, the rule as before.
  rules::LoadResult plain =
      rules::RuleSet::LoadSources({{"loyalty.yaml",
                                    "kind: loyalty\n"
                                    "earning:\n"
                                    "  rules:\n"
                                    "    - {id: big, when: purchase.amount >= 500, points: 100}\n"
                                    "  default: {id: small, points: 20}\n"}});
  ASSERT_TRUE(plain.ok()) << rules::FormatDiagnostics(plain.diagnostics);
  ASSERT_THAT(plain.ruleset->Evaluate({&customer, &*events->purchase, nullptr, nullptr,
                                       rules::Date::Parse("2026-12-07").value()},
                                      &decision),
              IsOk());
  const json bare = DecisionToJson(customer, decision, nullptr);
  ASSERT_TRUE(bare.contains("loyalty")) << bare.dump(2);
  EXPECT_FALSE(bare.at("loyalty").contains("breakdown")) << bare.dump(2);
  EXPECT_THAT(RenderDecision(customer, decision),
              HasSubstr("  loyalty:  +100 points (rule big): 10 -> 110"));
}

// A downgrade the tier policy scheduled is in the JSON decision and the
// rendered one; without one, neither says anything of it.
TEST(EarningJsonTest, TheDecisionShowsADowngradeDue) {
  rules::LoadResult loaded = rules::RuleSet::LoadSources(
      {{"loyalty.yaml",
        "kind: loyalty\n"
        "earning:\n"
        "  rules: []\n"
        "  default: {id: per_yuan, points: floor(purchase.amount)}\n"
        "tier_policy:\n"
        "  qualify_on: points earned in 12 months\n"
        "  grace_days: 30\n"
        "tiers:\n"
        "  - {name: Bronze, min_points: 0}\n"
        "  - {name: Gold, min_points: 500}\n"}});
  ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  rules::Customer customer;
  customer.id = "c-1";
  customer.tier = "Gold";
  customer.qualifying_points = 499;
  rules::Decision decision;
  const rules::Date today = rules::Date::Parse("2026-12-06").value();
  ASSERT_THAT(loaded.ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, today}, &decision),
              IsOk());
  json out = DecisionToJson(customer, decision, nullptr);
  EXPECT_EQ(out.value("tier", ""), "Gold");
  EXPECT_EQ(out.value("tier_downgrade_on", ""), "2027-01-05") << out.dump(2);
  EXPECT_THAT(RenderDecision(customer, decision),
              HasSubstr("  tier:     Gold (downgrade due 2027-01-05 unless it qualifies again)\n"));

  customer.qualifying_points = 500;
  ASSERT_THAT(loaded.ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, today}, &decision),
              IsOk());
  out = DecisionToJson(customer, decision, nullptr);
  EXPECT_FALSE(out.contains("tier_downgrade_on")) << out.dump(2);
  EXPECT_THAT(RenderDecision(customer, decision), HasSubstr("  tier:     Gold\n"));
}

}  // namespace
}  // namespace clientele::client
