// A RuleSet is immutable and safe to share between threads: several threads
// evaluating one RuleSet at once (each with its own Decision) get exactly
// the decisions a single thread gets.
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "rules/ruleset.h"
#include "tests/support/customer_generator.h"

namespace clientele::rules {
namespace {

struct Outcome {
  std::vector<std::string> segments;
  std::vector<std::string> offers;
  int64_t points_after = 0;
  Decimal satisfaction_after;
  size_t improvements = 0;

  bool operator==(const Outcome&) const = default;
};

Outcome Summarize(const Decision& d) {
  Outcome o;
  for (const auto& s : d.segments) o.segments.emplace_back(s.segment);
  for (const auto& offer : d.offers) o.offers.emplace_back(offer.offer);
  o.points_after = d.loyalty.points_after;
  o.satisfaction_after = d.interaction.satisfaction_after;
  o.improvements = d.improvements.size();
  return o;
}

TEST(RuleSetConcurrencyTest, ThreadsSharingOneRuleSetAgreeWithOneThread) {
  LoadResult loaded = RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& ruleset = *loaded.ruleset;
  testing::CustomerGenerator generator(99);
  constexpr int kCustomers = 2000;
  std::vector<Customer> customers;
  std::vector<Purchase> purchases;
  std::vector<Interaction> interactions;
  std::vector<Feedback> feedback;
  for (int i = 0; i < kCustomers; ++i) {
    customers.push_back(generator.NextCustomer());
    purchases.push_back(generator.NextPurchase());
    interactions.push_back(generator.NextInteraction());
    feedback.push_back(generator.NextFeedback());
  }
  const Date today = *Date::Parse("2026-11-24");
  auto evaluate = [&](int i, Decision* decision, Explanation* explanation) {
    EvalInput input{&customers[i], &purchases[i], &interactions[i], &feedback[i], today};
    EXPECT_TRUE(ruleset.Evaluate(input, decision, explanation).ok());
    return Summarize(*decision);
  };

  std::vector<Outcome> expected;
  Decision decision;
  for (int i = 0; i < kCustomers; ++i) expected.push_back(evaluate(i, &decision, nullptr));

  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Decision own;
      Explanation explanation;
      for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < kCustomers; ++i) {
          // Odd threads explain, so both evaluation paths run concurrently.
          Outcome got = evaluate(i, &own, t % 2 == 1 ? &explanation : nullptr);
          if (!(got == expected[i])) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace clientele::rules
