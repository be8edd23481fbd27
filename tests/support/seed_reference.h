// The seed articles' rules written by hand in plain C++, as directly as the
// Python they come from (../shared/seeds/). Two uses:
//   - the reference that the compiled default ruleset (config/rules) must
//     agree with, customer by customer (tests/rules/seed_reference_test.cc);
//   - the floor that the benchmark compares the rules engine against
//     (bench/rules_bench.cc).
// Thresholds are those of config/rules/parameters.yaml.
#ifndef CLIENTELE_TESTS_SUPPORT_SEED_REFERENCE_H_
#define CLIENTELE_TESTS_SUPPORT_SEED_REFERENCE_H_

#include <algorithm>
#include <string_view>

#include "rules/customer.h"
#include "rules/decimal.h"

namespace clientele::seed_reference {

using rules::Decimal;

struct SeedDecision {
  std::string_view life_stage;         // customer_segmentation
  std::string_view purchase_behavior;  // classify_customers
  std::string_view age_band;           // classify_customers_by_attribute
  std::string_view satisfaction_level; // classify_customers_by_satisfaction
  std::string_view offer;              // personalized_service ("" for 无)
  std::string_view tier;
  int64_t points_earned = 0;           // loyalty_program
  int64_t points_after = 0;
  Decimal satisfaction_after;          // customer_relationship_management
  int64_t interaction_count_after = 0;
  bool more_features = false;          // product_improvement
  bool lower_price = false;
  bool better_support = false;
};

inline std::string_view TierFor(int64_t points) {
  if (points >= 5000) return "钻石会员";
  if (points >= 2000) return "金卡会员";
  if (points >= 500) return "银卡会员";
  return "普通会员";
}

// REQUIRES: purchase, interaction and feedback may each be null.
inline void Decide(const rules::Customer& c, const rules::Purchase* purchase,
                   const rules::Interaction* interaction, const rules::Feedback* feedback,
                   SeedDecision* d) {
  using rules::Consumption;
  constexpr int64_t kYoung = 40;
  if (c.age < kYoung && c.consumption == Consumption::kLow) {
    d->life_stage = "年轻低收入群体";
  } else if (c.age < kYoung && c.consumption == Consumption::kMid) {
    d->life_stage = "年轻中收入群体";
  } else if (c.age >= kYoung && c.consumption == Consumption::kHigh) {
    d->life_stage = "中年高收入群体";
  } else {
    d->life_stage = "其他";
  }

  if (c.purchase_frequency > 10 && c.average_purchase_amount > Decimal::FromInteger(1000)) {
    d->purchase_behavior = "高价值客户";
  } else if (c.purchase_frequency > 5 && c.average_purchase_amount > Decimal::FromInteger(500)) {
    d->purchase_behavior = "忠诚客户";
  } else {
    d->purchase_behavior = "潜力客户";
  }

  if (c.age < 30) {
    d->age_band = "年轻客户";
  } else if (c.age < 60) {
    d->age_band = "中年客户";
  } else {
    d->age_band = "老年客户";
  }

  d->satisfaction_level = c.satisfaction > Decimal::FromInteger(4) ? "满意客户" : "不满意客户";

  if (d->life_stage == "年轻低收入群体") {
    d->offer = "满100减20";
  } else if (d->life_stage == "中年高收入群体") {
    d->offer = "生日礼物";
  } else {
    d->offer = "";
  }

  d->points_earned = 0;
  d->points_after = c.points;
  if (purchase != nullptr) {
    if (purchase->amount >= Decimal::FromInteger(500)) {
      d->points_earned = 100;
    } else if (purchase->amount >= Decimal::FromInteger(300)) {
      d->points_earned = 50;
    } else {
      d->points_earned = 20;
    }
    d->points_after = c.points + d->points_earned;
  }
  d->tier = TierFor(d->points_after);

  d->satisfaction_after = c.satisfaction;
  d->interaction_count_after = c.interaction_count;
  if (interaction != nullptr) {
    d->interaction_count_after = c.interaction_count + 1;
    Decimal step = Decimal::FromUnits(1000);  // 0.1
    Decimal after = c.satisfaction;
    if (interaction->text.find("好评") != std::string::npos) {
      Decimal::Add(after, step, &after);
    } else if (interaction->text.find("差评") != std::string::npos) {
      Decimal::Subtract(after, step, &after);
    }
    d->satisfaction_after = std::clamp(after, Decimal::FromInteger(1), Decimal::FromInteger(5));
  }

  d->more_features = d->lower_price = d->better_support = false;
  if (feedback != nullptr) {
    d->more_features = feedback->text.find("功能更强大") != std::string::npos;
    d->lower_price = feedback->text.find("价格更优惠") != std::string::npos;
    d->better_support = feedback->text.find("售后服务更完善") != std::string::npos;
  }
}

}  // namespace clientele::seed_reference

#endif  // CLIENTELE_TESTS_SUPPORT_SEED_REFERENCE_H_
