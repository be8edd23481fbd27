// Evaluating the default ruleset (config/rules) on generated customers,
// next to the same seed rules written by hand in plain C++ (the floor).
//
//   build/bench/rules_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// Counters: allocs/eval is heap allocations per evaluation (target 0).
#include <benchmark/benchmark.h>

#include <vector>

#include "rules/ruleset.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/customer_generator.h"
#include "tests/support/seed_reference.h"

namespace clientele {
namespace {

constexpr size_t kCustomers = 4096;

struct Inputs {
  std::vector<rules::Customer> customers;
  std::vector<rules::Purchase> purchases;
  std::vector<rules::Interaction> interactions;
  std::vector<rules::Feedback> feedback;
  rules::Date today = *rules::Date::Parse("2026-11-24");

  Inputs() {
    testing::CustomerGenerator generator(42);
    for (size_t i = 0; i < kCustomers; ++i) {
      customers.push_back(generator.NextCustomer());
      purchases.push_back(generator.NextPurchase());
      interactions.push_back(generator.NextInteraction());
      feedback.push_back(generator.NextFeedback());
    }
  }
};

const Inputs& TheInputs() {
  static const Inputs* inputs = new Inputs();
  return *inputs;
}

std::shared_ptr<const rules::RuleSet> DefaultRuleset() {
  static std::shared_ptr<const rules::RuleSet> ruleset = [] {
    rules::LoadResult loaded = rules::RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
    if (!loaded.ok()) std::abort();
    return loaded.ruleset;
  }();
  return ruleset;
}

// All rule kinds: segments, offers, tier, loyalty for a purchase, an
// interaction and feedback, in one evaluation per customer.
void BM_Ruleset_AllKinds(benchmark::State& state) {
  const Inputs& in = TheInputs();
  std::shared_ptr<const rules::RuleSet> ruleset = DefaultRuleset();
  rules::Decision decision;
  size_t i = 0;
  uint64_t allocations_before = 0;
  bool warmed = false;
  for (auto _ : state) {
    rules::EvalInput input{&in.customers[i], &in.purchases[i], &in.interactions[i],
                           &in.feedback[i], in.today};
    benchmark::DoNotOptimize(ruleset->Evaluate(input, &decision));
    benchmark::DoNotOptimize(decision);
    if (++i == kCustomers) {
      i = 0;
      if (!warmed) {
        warmed = true;
        allocations_before = testing::AllocationCount();
      }
    }
  }
  state.counters["allocs/eval"] = benchmark::Counter(
      static_cast<double>(testing::AllocationCount() - allocations_before) /
      static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Ruleset_AllKinds);

void BM_HandWritten_AllKinds(benchmark::State& state) {
  const Inputs& in = TheInputs();
  seed_reference::SeedDecision decision;
  size_t i = 0;
  for (auto _ : state) {
    seed_reference::Decide(in.customers[i], &in.purchases[i], &in.interactions[i],
                           &in.feedback[i], &decision);
    benchmark::DoNotOptimize(decision);
    if (++i == kCustomers) i = 0;
  }
}
BENCHMARK(BM_HandWritten_AllKinds);

// Segments, offers and tier only (evaluating a customer without an event).
void BM_Ruleset_CustomerOnly(benchmark::State& state) {
  const Inputs& in = TheInputs();
  std::shared_ptr<const rules::RuleSet> ruleset = DefaultRuleset();
  rules::Decision decision;
  size_t i = 0;
  for (auto _ : state) {
    rules::EvalInput input{&in.customers[i], nullptr, nullptr, nullptr, in.today};
    benchmark::DoNotOptimize(ruleset->Evaluate(input, &decision));
    benchmark::DoNotOptimize(decision);
    if (++i == kCustomers) i = 0;
  }
}
BENCHMARK(BM_Ruleset_CustomerOnly);

void BM_HandWritten_CustomerOnly(benchmark::State& state) {
  const Inputs& in = TheInputs();
  seed_reference::SeedDecision decision;
  size_t i = 0;
  for (auto _ : state) {
    seed_reference::Decide(in.customers[i], nullptr, nullptr, nullptr, &decision);
    benchmark::DoNotOptimize(decision);
    if (++i == kCustomers) i = 0;
  }
}
BENCHMARK(BM_HandWritten_CustomerOnly);

// With an explanation: what turning it on for one request costs.
void BM_Ruleset_AllKindsExplained(benchmark::State& state) {
  const Inputs& in = TheInputs();
  std::shared_ptr<const rules::RuleSet> ruleset = DefaultRuleset();
  rules::Decision decision;
  rules::Explanation explanation;
  size_t i = 0;
  for (auto _ : state) {
    rules::EvalInput input{&in.customers[i], &in.purchases[i], &in.interactions[i],
                           &in.feedback[i], in.today};
    benchmark::DoNotOptimize(ruleset->Evaluate(input, &decision, &explanation));
    if (++i == kCustomers) i = 0;
  }
}
BENCHMARK(BM_Ruleset_AllKindsExplained);

void BM_LoadDefaultRuleset(benchmark::State& state) {
  for (auto _ : state) {
    rules::LoadResult loaded = rules::RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
    benchmark::DoNotOptimize(loaded);
  }
}
BENCHMARK(BM_LoadDefaultRuleset)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace clientele

BENCHMARK_MAIN();
