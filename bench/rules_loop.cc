// A fixed number of evaluations of the default ruleset, for instruction
// counts under valgrind (deterministic, unlike timings on a shared VM):
//
//   valgrind --tool=callgrind build/bench/rules_loop 0 all       # setup only
//   valgrind --tool=callgrind build/bench/rules_loop 20000 all
//
// (second total - first total) / 20000 = instructions per evaluation.
// Modes: all (customer, purchase, interaction, feedback), customer (no
// event), hand (the hand-written seed code, the floor).
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "rules/ruleset.h"
#include "tests/support/customer_generator.h"
#include "tests/support/seed_reference.h"

namespace {

// Keeps the compiler from dropping work whose result is unused.
template <typename T>
void Keep(T* value) {
  asm volatile("" : : "g"(value) : "memory");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clientele;
  const std::string_view mode = argc == 3 ? argv[2] : "";
  if (mode != "all" && mode != "customer" && mode != "hand") {
    std::fprintf(stderr, "usage: rules_loop EVALUATIONS all|customer|hand\n");
    return 2;
  }
  const long evaluations = std::strtol(argv[1], nullptr, 10);
  constexpr size_t kCustomers = 4096;  // as rules_bench
  testing::CustomerGenerator generator(42);
  std::vector<rules::Customer> customers;
  std::vector<rules::Purchase> purchases;
  std::vector<rules::Interaction> interactions;
  std::vector<rules::Feedback> feedback;
  for (size_t i = 0; i < kCustomers; ++i) {
    customers.push_back(generator.NextCustomer());
    purchases.push_back(generator.NextPurchase());
    interactions.push_back(generator.NextInteraction());
    feedback.push_back(generator.NextFeedback());
  }
  rules::LoadResult loaded = rules::RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
  if (!loaded.ok()) return 1;
  const rules::Date today = *rules::Date::Parse("2026-11-24");
  rules::Decision decision;
  seed_reference::SeedDecision seed_decision;
  for (long k = 0; k < evaluations; ++k) {
    const size_t i = static_cast<size_t>(k) % kCustomers;
    if (mode == "hand") {
      seed_reference::Decide(customers[i], &purchases[i], &interactions[i], &feedback[i],
                             &seed_decision);
      Keep(&seed_decision);
      continue;
    }
    rules::EvalInput input{&customers[i], nullptr, nullptr, nullptr, today};
    if (mode == "all") {
      input.purchase = &purchases[i];
      input.interaction = &interactions[i];
      input.feedback = &feedback[i];
    }
    if (!loaded.ruleset->Evaluate(input, &decision).ok()) return 1;
    Keep(&decision);
  }
  return 0;
}
