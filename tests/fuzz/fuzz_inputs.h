// What the fuzz targets share: a few customers and events to evaluate
// rulesets against, so that whatever loads is also run.
#ifndef CLIENTELE_TESTS_FUZZ_FUZZ_INPUTS_H_
#define CLIENTELE_TESTS_FUZZ_FUZZ_INPUTS_H_

#include <vector>

#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/ruleset.h"

namespace clientele::fuzzing {

// Customers at the edges the seed rules care about (young / old, low /
// high consumption, never rated, large balances).
inline const std::vector<rules::Customer>& Customers() {
  static const std::vector<rules::Customer>* customers = [] {
    auto* list = new std::vector<rules::Customer>(3);
    (*list)[0].id = "young";
    (*list)[0].age = 25;
    (*list)[0].consumption = rules::Consumption::kLow;
    (*list)[1].id = "rich";
    (*list)[1].age = 45;
    (*list)[1].consumption = rules::Consumption::kHigh;
    (*list)[1].purchase_frequency = 12;
    (*list)[1].points = 1'000'000'000'000;
    (*list)[1].satisfaction = *rules::Decimal::Parse("4.5");
    (*list)[2].id = "empty";
    return list;
  }();
  return *customers;
}

// Evaluates `ruleset` for each customer, alone and with each kind of
// event. Errors (overflow, division by zero) are fine; crashes are not.
inline void EvaluateEverything(const rules::RuleSet& ruleset) {
  const rules::Date today = *rules::Date::Parse("2026-11-24");
  rules::Purchase purchase{"p-1", *rules::Decimal::Parse("600"), "产品A", rules::Channel::kOnline};
  rules::Interaction interaction{"好评"};
  rules::Feedback feedback{"产品A", "功能更强大,价格更优惠", rules::FeedbackSource::kSurvey};
  rules::Decision decision;
  rules::Explanation explanation;
  for (const rules::Customer& customer : Customers()) {
    (void)ruleset.Evaluate({&customer, nullptr, nullptr, nullptr, today}, &decision, &explanation);
    (void)ruleset.Evaluate({&customer, &purchase, &interaction, &feedback, today}, &decision);
  }
}

}  // namespace clientele::fuzzing

#endif  // CLIENTELE_TESTS_FUZZ_FUZZ_INPUTS_H_
