// The compiled default ruleset agrees with the seed rules written by hand
// (tests/support/seed_reference.h) on 20,000 generated customers, each with
// a random mix of purchase, interaction and feedback events.
#include "gtest/gtest.h"
#include "rules/ruleset.h"
#include "tests/support/customer_generator.h"
#include "tests/support/seed_reference.h"

namespace clientele::rules {
namespace {

TEST(SeedReferenceTest, CompiledRulesetAgreesWithHandWrittenSeedCode) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  testing::CustomerGenerator generator(20261124);
  Decision decision;
  seed_reference::SeedDecision expected;
  constexpr int kCustomers = 20'000;
  for (int i = 0; i < kCustomers; ++i) {
    Customer customer = generator.NextCustomer();
    Purchase purchase = generator.NextPurchase();
    Interaction interaction = generator.NextInteraction();
    Feedback feedback = generator.NextFeedback();
    int64_t mask = generator.Uniform(0, 7);
    const Purchase* p = (mask & 1) ? &purchase : nullptr;
    const Interaction* in = (mask & 2) ? &interaction : nullptr;
    const Feedback* f = (mask & 4) ? &feedback : nullptr;

    EvalInput input{&customer, p, in, f, *Date::Parse("2026-11-24")};
    ASSERT_TRUE(loaded.ruleset->Evaluate(input, &decision).ok());
    seed_reference::Decide(customer, p, in, f, &expected);

    SCOPED_TRACE(::testing::Message() << "customer " << i << " age " << customer.age
                                    << " frequency " << customer.purchase_frequency << " amount "
                                    << customer.average_purchase_amount.ToString());
    ASSERT_EQ(decision.SegmentOf("life_stage"), expected.life_stage);
    ASSERT_EQ(decision.SegmentOf("purchase_behavior"), expected.purchase_behavior);
    ASSERT_EQ(decision.SegmentOf("age_band"), expected.age_band);
    ASSERT_EQ(decision.SegmentOf("satisfaction_level"), expected.satisfaction_level);
    ASSERT_EQ(decision.offers.empty() ? std::string_view() : decision.offers[0].offer,
              expected.offer);
    ASSERT_LE(decision.offers.size(), 1u);
    ASSERT_EQ(decision.tier, expected.tier);
    ASSERT_EQ(decision.loyalty.applied, p != nullptr);
    if (p != nullptr) {
      ASSERT_EQ(decision.loyalty.points_earned, expected.points_earned);
      ASSERT_EQ(decision.loyalty.points_after, expected.points_after);
    }
    ASSERT_EQ(decision.interaction.applied, in != nullptr);
    if (in != nullptr) {
      ASSERT_EQ(decision.interaction.satisfaction_after, expected.satisfaction_after);
      ASSERT_EQ(decision.interaction.interaction_count_after, expected.interaction_count_after);
    }
    size_t proposals = expected.more_features + expected.lower_price + expected.better_support;
    ASSERT_EQ(decision.improvements.size(), proposals);
  }
}

}  // namespace
}  // namespace clientele::rules
