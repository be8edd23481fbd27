// Deterministic random customers and events for differential tests and
// benchmarks. Values cluster around the seed rules' thresholds (ages near
// 30/40/60, frequencies near 5/10, amounts near 300/500/1000, satisfaction
// near 4) so that every branch is taken often, boundaries included.
#ifndef CLIENTELE_TESTS_SUPPORT_CUSTOMER_GENERATOR_H_
#define CLIENTELE_TESTS_SUPPORT_CUSTOMER_GENERATOR_H_

#include <random>
#include <string>
#include <vector>

#include "rules/customer.h"

namespace clientele::testing {

class CustomerGenerator {
 public:
  explicit CustomerGenerator(uint64_t seed) : random_(seed) {}

  rules::Customer NextCustomer() {
    rules::Customer c;
    c.id = std::to_string(next_id_++);
    c.name = "客户" + c.id;
    c.age = Near({30, 40, 60}, 0, 100);
    c.consumption = static_cast<rules::Consumption>(Uniform(0, 3));
    c.channel = static_cast<rules::Channel>(Uniform(0, 3));
    c.purchase_frequency = Near({5, 10}, 0, 40);
    c.average_purchase_amount = Amount({500, 1000});
    c.total_spent = rules::Decimal::FromInteger(Uniform(0, 100000));
    c.satisfaction = rules::Decimal::FromUnits(Uniform(100, 500) * 100);  // 1.00..5.00
    if (Uniform(0, 9) == 0) c.satisfaction = rules::Decimal::FromInteger(4);
    c.interaction_count = Uniform(0, 50);
    c.points = Near({500, 2000, 5000}, 0, 8000);
    return c;
  }

  rules::Purchase NextPurchase() {
    rules::Purchase p;
    p.id = "p" + std::to_string(next_id_++);
    p.amount = Amount({300, 500});
    if (p.amount <= rules::Decimal()) p.amount = rules::Decimal::FromUnits(1);
    p.product = "产品A";
    return p;
  }

  rules::Interaction NextInteraction() {
    static const char* kTexts[] = {"好评", "差评", "客户给了好评", "一般", "差评!", ""};
    return rules::Interaction{kTexts[Uniform(0, 5)]};
  }

  rules::Feedback NextFeedback() {
    static const char* kTexts[] = {"功能更强大,价格更优惠,售后服务更完善", "价格更优惠",
                                   "功能更强大", "售后服务更完善,功能更强大", "很好", ""};
    return rules::Feedback{"产品A", kTexts[Uniform(0, 5)], rules::FeedbackSource::kSurvey};
  }

  int64_t Uniform(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }

 private:
  // Mostly within ±2 of one of `points`, sometimes anywhere in [low, high].
  int64_t Near(std::initializer_list<int64_t> points, int64_t low, int64_t high) {
    if (Uniform(0, 3) == 0) return Uniform(low, high);
    int64_t point = *(points.begin() + Uniform(0, static_cast<int64_t>(points.size()) - 1));
    return std::clamp<int64_t>(point + Uniform(-2, 2), low, high);
  }

  // Money with cents, often exactly on or one cent around a threshold.
  rules::Decimal Amount(std::initializer_list<int64_t> thresholds) {
    int64_t cents;
    if (Uniform(0, 2) == 0) {
      cents = Uniform(0, 300000);
    } else {
      int64_t t = *(thresholds.begin() + Uniform(0, static_cast<int64_t>(thresholds.size()) - 1));
      cents = t * 100 + Uniform(-1, 1);
    }
    return rules::Decimal::FromUnits(cents * 100);
  }

  std::mt19937_64 random_;
  int64_t next_id_ = 1;
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_CUSTOMER_GENERATOR_H_
