// Evaluating the default ruleset does not allocate once the Decision's
// buffers have grown: the hot path promise of rules/ruleset.h. Counts calls
// of the global operator new (tests/support/allocation_counter.cc).
#include "gtest/gtest.h"
#include "rules/ruleset.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/customer_generator.h"

namespace clientele::rules {
namespace {

TEST(EvaluationAllocationTest, NoHeapAllocationPerEvaluationAfterWarmUp) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  testing::CustomerGenerator generator(7);
  std::vector<Customer> customers;
  std::vector<Purchase> purchases;
  std::vector<Interaction> interactions;
  std::vector<Feedback> feedback;
  for (int i = 0; i < 1000; ++i) {
    customers.push_back(generator.NextCustomer());
    purchases.push_back(generator.NextPurchase());
    interactions.push_back(generator.NextInteraction());
    feedback.push_back(generator.NextFeedback());
  }
  Date today = *Date::Parse("2026-11-24");
  Decision decision;
  auto evaluate_all = [&] {
    for (size_t i = 0; i < customers.size(); ++i) {
      EvalInput input{&customers[i], &purchases[i], &interactions[i], &feedback[i], today};
      ASSERT_TRUE(loaded.ruleset->Evaluate(input, &decision).ok());
    }
  };
  evaluate_all();  // warm-up: the Decision's vectors reach their size
  uint64_t before = testing::AllocationCount();
  evaluate_all();
  EXPECT_EQ(testing::AllocationCount() - before, 0u);
}

}  // namespace
}  // namespace clientele::rules
