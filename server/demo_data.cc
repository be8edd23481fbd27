#include "server/demo_data.h"

#include <cstdint>

#include "common/strings.h"

namespace clientele::server {
namespace {

// A small deterministic generator (64-bit LCG): the demo data must not
// depend on the standard library's distributions, which vary by version.
class Sequence {
 public:
  explicit Sequence(uint64_t seed) : state_(seed) {}
  int Next(int bound) {  // 0..bound-1
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state_ >> 33) % static_cast<uint64_t>(bound));
  }

 private:
  uint64_t state_;
};

constexpr const char* kSurnames[] = {"张", "王", "李", "赵", "陈", "刘", "杨", "黄"};
constexpr const char* kGivenNames[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"};
constexpr const char* kConsumption[] = {"低", "中", "高"};
constexpr const char* kChannels[] = {"线上", "线下", "线上线下"};
constexpr const char* kOccupations[] = {"教师", "工程师", "医生", "学生", "销售"};
constexpr const char* kAmounts[] = {"88", "120", "260", "300", "450", "520", "999.90", "1200"};
constexpr const char* kReviews[] = {"好评", "差评", "客户给了好评", "一般"};

// The seed's market research: product, satisfaction, expectation; and the
// seed's product before improvement.
struct SeedFeedback {
  const char* product;
  const char* satisfaction;
  const char* expectation;
};
constexpr SeedFeedback kSeedFeedback[] = {{"产品A", "4.5", "功能更强大"},
                                          {"产品B", "3.8", "价格更优惠"},
                                          {"产品C", "4.2", "售后服务更完善"}};
constexpr const char* kFeedbackSources[] = {"survey", "phone", "face_to_face", "online"};

// The day `days` before `today`, as "YYYY-MM-DD".
std::string DaysBefore(rules::Date today, int days) {
  return rules::Date::FromDays(today.days() - days).ToString();
}

// Products with the seed's attributes, and feedback about them.
absl::Status LoadDemoFeedback(Apis* apis, rules::Date today, Sequence& random) {
  for (const SeedFeedback& seed : kSeedFeedback) {
    v1::UpsertProductRequest product;
    product.set_idempotency_key(StrCat("demo-product-", seed.product));
    product.mutable_product()->set_product(seed.product);
    auto& attributes = *product.mutable_product()->mutable_attributes();
    attributes["功能"] = "基础功能";
    attributes["价格"] = "100";
    attributes["售后服务"] = "正常工作时间客服";
    v1::UpsertProductResponse stored;
    if (absl::Status s = apis->improvements.UpsertProduct(product, &stored); !s.ok()) return s;
  }
  // Each customer gives one piece of feedback: mostly the seed's own
  // expectation and satisfaction for the product, sometimes a second wish.
  for (int i = 1; i <= kDemoCustomers; ++i) {
    const SeedFeedback& seed = kSeedFeedback[random.Next(3)];
    const SeedFeedback& also = kSeedFeedback[random.Next(3)];
    v1::SubmitFeedbackRequest feedback;
    feedback.set_idempotency_key(StrCat("demo-feedback-", i));
    feedback.set_customer_id(StrCat("demo-", i));
    feedback.set_product(seed.product);
    feedback.set_text(random.Next(3) == 0 && also.expectation != seed.expectation
                          ? StrCat(seed.expectation, ",", also.expectation)
                          : seed.expectation);
    feedback.set_source(kFeedbackSources[random.Next(4)]);
    feedback.set_satisfaction(seed.satisfaction);
    // One to three months back, as the seed's survey was.
    const int months_back = random.Next(2);
    const int days_back = random.Next(18);
    feedback.set_date(DaysBefore(today, 22 + 30 * months_back + days_back));
    v1::SubmitFeedbackResponse recorded;
    if (absl::Status s = apis->events.SubmitFeedback(feedback, &recorded); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadDemoData(Apis* apis, rules::Date today) {
  Sequence random(20261124);
  for (int i = 1; i <= kDemoCustomers; ++i) {
    const std::string id = StrCat("demo-", i);
    v1::UpsertCustomerRequest upsert;
    upsert.set_idempotency_key(StrCat("demo-customer-", i));
    v1::Customer* c = upsert.mutable_customer();
    c->set_id(id);
    // One draw per statement: the order in which a call's arguments are
    // evaluated differs between compilers, and so would the data. (The
    // draws are in the order GCC made them when the docs were written.)
    const char* given_name = kGivenNames[random.Next(10)];
    c->set_name(StrCat(kSurnames[random.Next(8)], given_name));
    c->set_age(18 + random.Next(60));
    c->set_gender(random.Next(2) == 0 ? "男" : "女");
    c->set_occupation(kOccupations[random.Next(5)]);
    c->set_consumption(kConsumption[random.Next(3)]);
    c->set_channel(kChannels[random.Next(3)]);
    const int day_digit = random.Next(10);
    const int month = 1 + random.Next(9);
    c->set_birthday(StrCat(1950 + random.Next(55), "-0", month, "-1", day_digit));
    // Joined 10 to 19 months back, before any of their purchases.
    c->set_joined_at(DaysBefore(today, 300 + 30 * random.Next(9)));
    // A survey score to start from: 3.0 .. 4.9, so that reviews move some
    // customers across the 满意 threshold of 4.
    const int tenths = random.Next(10);
    c->set_satisfaction(StrCat(3 + random.Next(2), ".", tenths));
    v1::UpsertCustomerResponse upserted;
    if (absl::Status s = apis->customers.UpsertCustomer(upsert, &upserted); !s.ok()) return s;

    const int purchases = random.Next(14);
    for (int p = 1; p <= purchases; ++p) {
      v1::RecordPurchaseRequest purchase;
      purchase.set_idempotency_key(StrCat("demo-purchase-", i, "-", p));
      purchase.set_customer_id(id);
      purchase.set_purchase_id(StrCat("demo-", i, "-", p));
      purchase.set_amount(kAmounts[random.Next(8)]);
      purchase.set_product(random.Next(2) == 0 ? "产品A" : "产品B");
      purchase.set_channel(kChannels[random.Next(3)]);
      // Within the 270 days up to today: about one in nine in the last 30.
      const int months_back = random.Next(9);
      const int days_back = random.Next(18);
      const int more_days_back = random.Next(13);
      purchase.set_date(DaysBefore(today, 30 * months_back + days_back + more_days_back));
      v1::RecordPurchaseResponse recorded;
      if (absl::Status s = apis->events.RecordPurchase(purchase, &recorded); !s.ok()) return s;
    }
    const int reviews = random.Next(4);
    for (int r = 1; r <= reviews; ++r) {
      v1::RecordInteractionRequest review;
      review.set_idempotency_key(StrCat("demo-review-", i, "-", r));
      review.set_customer_id(id);
      review.set_text(kReviews[random.Next(4)]);
      v1::RecordInteractionResponse recorded;
      if (absl::Status s = apis->events.RecordInteraction(review, &recorded); !s.ok()) return s;
    }
  }
  return LoadDemoFeedback(apis, today, random);
}

}  // namespace clientele::server
