// Earning through the API classes in process (no gRPC): a copy of the
// default ruleset whose loyalty file doubles the points of electronics
// (purchase.category), adds 30 points to weekend purchases (today() in
// earning rules is the purchase's day) and the quantity to bulk ones.
// RecordPurchase takes the product's category from the catalogue when the
// request gives none, and the request's when it does; a backdated purchase
// earns by its own day; the ledger carries the base earning rule;
// quantity and category are validated; products keep their category
// through UpsertProduct / GetProduct and an applied improvement action.
//
// The API's day is moved (InProcessApis::set_today) to the Wednesday on or
// before the real day, so that an undated purchase is never a weekend's.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "server/store/store.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Date;
using ::testing::HasSubstr;

constexpr char kLoyalty[] = R"(kind: loyalty
description: the seed's earning, doubled for electronics, plus weekend and bulk bonuses
earning:
  rules:
    - id: big_purchase
      when: purchase.amount >= big_purchase_amount
      points: 100
    - id: medium_purchase
      when: purchase.amount >= medium_purchase_amount
      points: 50
  default:
    id: small_purchase
    points: 20
  bonuses:
    - id: weekend_bonus
      when: weekday(today()) >= 6
      points: 30
    - id: bulk_bonus
      when: purchase.quantity >= 10
      points: purchase.quantity
  multipliers:
    - id: electronics_double
      when: purchase.category == "electronics"
      factor: 2
tiers:
  - name: 普通会员
    min_points: 0
  - name: 银卡会员
    min_points: 500
)";

// Dated cases only: the server runs them before serving the rules, on
// whatever day the test runs (2026-12-05 is a Saturday).
constexpr char kTests[] = R"(kind: tests
cases:
  - name: electronics on a Wednesday
    today: 2026-12-02
    purchase: {amount: 600, category: electronics}
    expect: {points: 200}
  - name: a Saturday's purchase recorded on Monday
    today: 2026-12-07
    purchase: {amount: 600, date: 2026-12-05}
    expect: {points: 130}
  - name: bulk
    today: 2026-12-02
    purchase: {amount: 100, quantity: 12}
    expect: {points: 32}
)";

// The default ruleset (config/rules) with kLoyalty and kTests instead of
// its loyalty and tests files, in a temporary directory of its own.
class EarningRules {
 public:
  EarningRules() {
    std::random_device random;
    path_ =
        std::filesystem::temp_directory_path() /
        ("clientele-earning-rules-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
    for (const auto& entry :
         std::filesystem::directory_iterator(testing::InProcessApis::kDefaultRules)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".yaml" && name != "loyalty.yaml" && name != "tests.yaml") {
        std::filesystem::copy_file(entry.path(), path_ / name);
      }
    }
    std::ofstream(path_ / "loyalty.yaml", std::ios::binary) << kLoyalty;
    std::ofstream(path_ / "tests.yaml", std::ios::binary) << kTests;
  }
  ~EarningRules() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  EarningRules(const EarningRules&) = delete;
  EarningRules& operator=(const EarningRules&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct EarningServer {
  EarningServer() : in_process(rules.path()) {}
  EarningRules rules;
  testing::InProcessApis in_process;
};

class EarningApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<EarningServer>();
    ASSERT_NE(server_->in_process.apis(), nullptr);
    apis_ = server_->in_process.apis();
    store_ = server_->in_process.store();
    // The Wednesday on or before the real day.
    const Date real = Date::Today();
    wednesday_ = Date::FromDays(real.days() - (real.Weekday() - 3 + 7) % 7);
    ASSERT_EQ(wednesday_.Weekday(), 3);
    server_->in_process.set_today(wednesday_);
    ASSERT_NO_FATAL_FAILURE(AddCustomer("c-1"));
  }

  std::string DaysBefore(int days) const {
    return Date::FromDays(wednesday_.days() - days).ToString();
  }

  std::string NextKey() { return "key-" + std::to_string(++keys_); }

  void AddCustomer(const std::string& id) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(NextKey());
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_age(30);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  absl::StatusOr<v1::Product> PutProduct(const std::string& product, const std::string& category,
                                         std::map<std::string, std::string> attributes = {}) {
    v1::UpsertProductRequest request;
    request.set_idempotency_key(NextKey());
    request.mutable_product()->set_product(product);
    request.mutable_product()->set_category(category);
    for (const auto& [name, value] : attributes) {
      (*request.mutable_product()->mutable_attributes())[name] = value;
    }
    v1::UpsertProductResponse response;
    if (absl::Status s = apis_->improvements.UpsertProduct(request, &response); !s.ok()) return s;
    return response.product();
  }

  absl::StatusOr<v1::Product> GetProduct(const std::string& product) {
    v1::GetProductRequest request;
    request.set_product(product);
    v1::GetProductResponse response;
    if (absl::Status s = apis_->improvements.GetProduct(request, &response); !s.ok()) return s;
    return response.product();
  }

  // A purchase request of 600 by c-1, made today, unless set otherwise.
  class Purchase {
   public:
    explicit Purchase(std::string id) { request_.set_purchase_id(std::move(id)); }
    Purchase& Amount(std::string amount) {
      amount_ = std::move(amount);
      return *this;
    }
    Purchase& Product(std::string product) {
      request_.set_product(std::move(product));
      return *this;
    }
    Purchase& Category(std::string category) {
      request_.set_category(std::move(category));
      return *this;
    }
    Purchase& Date(std::string date) {
      request_.set_date(std::move(date));
      return *this;
    }
    Purchase& Quantity(int64_t quantity) {
      request_.set_quantity(quantity);
      return *this;
    }
    v1::RecordPurchaseRequest Request(std::string key) const {
      v1::RecordPurchaseRequest request = request_;
      request.set_idempotency_key(std::move(key));
      request.set_customer_id("c-1");
      request.set_amount(amount_);
      return request;
    }
    const std::string& id() const { return request_.purchase_id(); }

   private:
    v1::RecordPurchaseRequest request_;
    std::string amount_ = "600";
  };

  absl::StatusOr<v1::RecordPurchaseResponse> Record(const Purchase& p) {
    v1::RecordPurchaseResponse response;
    if (absl::Status s = apis_->events.RecordPurchase(p.Request(NextKey()), &response); !s.ok()) {
      return s;
    }
    return response;
  }

  // The points a purchase earns, or -1 (and a failure) when it is refused.
  int64_t Earned(const Purchase& p) {
    absl::StatusOr<v1::RecordPurchaseResponse> response = Record(p);
    EXPECT_THAT(response, IsOk()) << p.id();
    return response.ok() ? response->points_earned() : -1;
  }

  std::unique_ptr<EarningServer> server_;
  Apis* apis_ = nullptr;
  Store* store_ = nullptr;
  Date wednesday_;
  int keys_ = 0;
};

TEST_F(EarningApiTest, TheCataloguesCategoryEarnsTheMultiplier) {
  ASSERT_THAT(PutProduct("tv", "electronics"), IsOk());
  ASSERT_THAT(PutProduct("novel", "books"), IsOk());
  absl::StatusOr<v1::RecordPurchaseResponse> tv = Record(Purchase("p-1").Product("tv"));
  ASSERT_THAT(tv, IsOk());
  EXPECT_EQ(tv->points_earned(), 200);
  EXPECT_EQ(tv->earning_rule_id(), "big_purchase");
  EXPECT_EQ(tv->points_balance(), 200);
  EXPECT_EQ(Earned(Purchase("p-2").Product("novel")), 100);
  EXPECT_EQ(Earned(Purchase("p-3").Product("not-in-the-catalogue")), 100);
  EXPECT_EQ(Earned(Purchase("p-4").Amount("100").Product("tv")), 40);

  // The category is read when the purchase is recorded.
  ASSERT_THAT(PutProduct("novel", "electronics"), IsOk());
  EXPECT_EQ(Earned(Purchase("p-5").Product("novel")), 200);
}

TEST_F(EarningApiTest, TheRequestsCategoryOverridesTheCatalogues) {
  ASSERT_THAT(PutProduct("tv", "electronics"), IsOk());
  ASSERT_THAT(PutProduct("novel", "books"), IsOk());
  EXPECT_EQ(Earned(Purchase("p-1").Product("tv").Category("books")), 100);
  EXPECT_EQ(Earned(Purchase("p-2").Product("novel").Category("electronics")), 200);
  EXPECT_EQ(Earned(Purchase("p-3").Category("electronics")), 200) << "without a product";
}

TEST_F(EarningApiTest, APurchaseDatedLastSaturdayEarnsTheWeekendBonus) {
  ASSERT_THAT(PutProduct("tv", "electronics"), IsOk());
  // Recorded on Wednesday: no weekend.
  EXPECT_EQ(Earned(Purchase("p-1")), 100);
  // Made on the Saturday and the Sunday before, recorded today.
  EXPECT_EQ(Earned(Purchase("p-2").Date(DaysBefore(4))), 130);
  EXPECT_EQ(Earned(Purchase("p-3").Date(DaysBefore(3))), 130);
  EXPECT_EQ(Earned(Purchase("p-4").Date(DaysBefore(2))), 100) << "a Monday";
  // The bonus adds after the multiplier: 100 x 2 + 30.
  EXPECT_EQ(Earned(Purchase("p-5").Product("tv").Date(DaysBefore(4))), 230);

  // The API's day on a Saturday: an undated purchase is of that day; a
  // purchase of the Friday before is not.
  server_->in_process.set_today(Date::FromDays(wednesday_.days() + 3));
  EXPECT_EQ(Earned(Purchase("p-6")), 130);
  EXPECT_EQ(Earned(Purchase("p-7").Date(DaysBefore(-2))), 100);
}

TEST_F(EarningApiTest, TheQuantityReachesTheRules) {
  EXPECT_EQ(Earned(Purchase("p-1").Amount("100").Quantity(12)), 20 + 12);
  EXPECT_EQ(Earned(Purchase("p-2").Amount("100").Quantity(9)), 20);
  EXPECT_EQ(Earned(Purchase("p-3").Amount("100").Quantity(0)), 20) << "0 means 1";
  EXPECT_EQ(Earned(Purchase("p-4").Amount("100").Quantity(1'000'000)), 20 + 1'000'000);
}

TEST_F(EarningApiTest, TheLedgerEntryCarriesTheEarningRule) {
  ASSERT_THAT(PutProduct("tv", "electronics"), IsOk());
  ASSERT_THAT(Record(Purchase("p-1").Product("tv").Date(DaysBefore(4))), IsOk());
  ASSERT_THAT(Record(Purchase("p-2").Amount("100")), IsOk());
  absl::StatusOr<std::vector<LedgerEntry>> ledger = store_->Ledger("c-1");
  ASSERT_THAT(ledger, IsOk());
  std::vector<LedgerEntry> purchases;
  for (const LedgerEntry& e : *ledger) {
    if (e.reason == "purchase") purchases.push_back(e);
  }
  ASSERT_EQ(purchases.size(), 2u);
  EXPECT_EQ(purchases[0].source, "purchase:p-1");
  EXPECT_EQ(purchases[0].delta, 230);
  EXPECT_EQ(purchases[0].rule_id, "big_purchase");
  EXPECT_EQ(purchases[0].ruleset_version,
            server_->in_process.holder().Current()->ruleset->version());
  EXPECT_EQ(purchases[1].source, "purchase:p-2");
  EXPECT_EQ(purchases[1].delta, 20);
  EXPECT_EQ(purchases[1].rule_id, "small_purchase");
}

TEST_F(EarningApiTest, AQuantityOutOfRangeIsInvalidNamingIt) {
  for (int64_t quantity : {int64_t{-1}, int64_t{1'000'001}, int64_t{-1'000'000'000'000}}) {
    SCOPED_TRACE(quantity);
    absl::StatusOr<v1::RecordPurchaseResponse> response =
        Record(Purchase("p-q").Quantity(quantity));
    EXPECT_THAT(response,
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "quantity: must be 1..1000000 (0: 1), not " + std::to_string(quantity)));
    EXPECT_EQ(FieldOf(response.status()), "quantity");
  }
  // Nothing was written.
  absl::StatusOr<std::vector<LedgerEntry>> ledger = store_->Ledger("c-1");
  ASSERT_THAT(ledger, IsOk());
  EXPECT_TRUE(ledger->empty());
}

TEST_F(EarningApiTest, ACategoryLongerThan100BytesIsInvalid) {
  absl::StatusOr<v1::RecordPurchaseResponse> response =
      Record(Purchase("p-1").Category(std::string(101, 'x')));
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument,
                                 "category: is 101 bytes; at most 100 allowed"));
  EXPECT_EQ(FieldOf(response.status()), "category");
  // 34 Chinese characters are 102 bytes.
  std::string chinese;
  for (int i = 0; i < 34; ++i) chinese += "电";
  EXPECT_THAT(Record(Purchase("p-2").Category(chinese)),
              StatusIs(absl::StatusCode::kInvalidArgument, "category: is 102 bytes"));
  EXPECT_THAT(Record(Purchase("p-3").Category("bad\x01")),
              StatusIs(absl::StatusCode::kInvalidArgument, "category: contains the control"));
  EXPECT_THAT(Record(Purchase("p-4").Category(std::string(100, 'x'))), IsOk());

  // The catalogue's are held to the same.
  EXPECT_THAT(PutProduct("tv", std::string(101, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "product.category: is 101 bytes; at most 100 allowed"));
  EXPECT_THAT(PutProduct("tv", std::string(100, 'x')), IsOk());
}

TEST_F(EarningApiTest, ProductsKeepTheirCategory) {
  absl::StatusOr<v1::Product> put = PutProduct("tv", "electronics", {{"价格", "100"}});
  ASSERT_THAT(put, IsOk());
  EXPECT_EQ(put->category(), "electronics");
  absl::StatusOr<v1::Product> got = GetProduct("tv");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->category(), "electronics");
  EXPECT_EQ(got->attributes().at("价格"), "100");

  ASSERT_THAT(PutProduct("tv", "家电", {{"价格", "100"}}), IsOk());
  got = GetProduct("tv");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->category(), "家电");

  // An upsert replaces the product: without a category it has none.
  ASSERT_THAT(PutProduct("tv", "", {{"价格", "100"}}), IsOk());
  got = GetProduct("tv");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->category(), "");
}

TEST_F(EarningApiTest, AnAppliedImprovementActionKeepsTheProductsCategory) {
  ASSERT_THAT(PutProduct("产品A", "electronics", {{"价格", "100"}}), IsOk());
  v1::SubmitFeedbackRequest feedback;
  feedback.set_idempotency_key(NextKey());
  feedback.set_customer_id("c-1");
  feedback.set_product("产品A");
  feedback.set_text("价格更优惠");
  feedback.set_source("survey");
  v1::SubmitFeedbackResponse proposed;
  ASSERT_THAT(apis_->events.SubmitFeedback(feedback, &proposed), IsOk());
  ASSERT_EQ(proposed.action_ids_size(), 1);

  v1::DecideImprovementActionRequest apply;
  apply.set_idempotency_key(NextKey());
  apply.set_action_id(proposed.action_ids(0));
  apply.set_actor("product owner");
  v1::DecideImprovementActionResponse applied;
  ASSERT_THAT(apis_->improvements.ApplyImprovementAction(apply, &applied), IsOk());
  EXPECT_EQ(applied.product_before().category(), "electronics");
  EXPECT_EQ(applied.product_after().category(), "electronics");
  EXPECT_EQ(applied.product_after().attributes().at("价格"), "90");

  absl::StatusOr<v1::Product> got = GetProduct("产品A");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->category(), "electronics");
  EXPECT_EQ(got->attributes().at("价格"), "90");
  // And purchases of it still earn double.
  EXPECT_EQ(Earned(Purchase("p-1").Product("产品A")), 200);
}

}  // namespace
}  // namespace clientele::server
