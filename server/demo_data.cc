#include "server/demo_data.h"

#include <cstdint>

#include "rules/strings.h"

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

}  // namespace

absl::Status LoadDemoData(Operations* operations) {
  Sequence random(20261124);
  for (int i = 1; i <= kDemoCustomers; ++i) {
    const std::string id = StrCat("demo-", i);
    v1::UpsertCustomerRequest upsert;
    upsert.set_idempotency_key(StrCat("demo-customer-", i));
    v1::Customer* c = upsert.mutable_customer();
    c->set_id(id);
    c->set_name(StrCat(kSurnames[random.Next(8)], kGivenNames[random.Next(10)]));
    c->set_age(18 + random.Next(60));
    c->set_gender(random.Next(2) == 0 ? "男" : "女");
    c->set_occupation(kOccupations[random.Next(5)]);
    c->set_consumption(kConsumption[random.Next(3)]);
    c->set_channel(kChannels[random.Next(3)]);
    c->set_birthday(StrCat(1950 + random.Next(55), "-0", 1 + random.Next(9), "-1", random.Next(10)));
    c->set_joined_at(StrCat("2025-0", 1 + random.Next(9), "-01"));
    v1::UpsertCustomerResponse upserted;
    if (absl::Status s = operations->UpsertCustomer(upsert, &upserted); !s.ok()) return s;

    const int purchases = random.Next(14);
    for (int p = 1; p <= purchases; ++p) {
      v1::RecordPurchaseRequest purchase;
      purchase.set_idempotency_key(StrCat("demo-purchase-", i, "-", p));
      purchase.set_customer_id(id);
      purchase.set_purchase_id(StrCat("demo-", i, "-", p));
      purchase.set_amount(kAmounts[random.Next(8)]);
      purchase.set_product(random.Next(2) == 0 ? "产品A" : "产品B");
      purchase.set_channel(kChannels[random.Next(3)]);
      purchase.set_date(StrCat("2026-0", 1 + random.Next(9), "-", 10 + random.Next(18)));
      v1::RecordPurchaseResponse recorded;
      if (absl::Status s = operations->RecordPurchase(purchase, &recorded); !s.ok()) return s;
    }
    const int reviews = random.Next(4);
    for (int r = 1; r <= reviews; ++r) {
      v1::RecordInteractionRequest review;
      review.set_idempotency_key(StrCat("demo-review-", i, "-", r));
      review.set_customer_id(id);
      review.set_text(kReviews[random.Next(4)]);
      v1::RecordInteractionResponse recorded;
      if (absl::Status s = operations->RecordInteraction(review, &recorded); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace clientele::server
