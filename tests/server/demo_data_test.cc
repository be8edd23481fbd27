// LoadDemoData: the demo data is dated back from the day it is loaded, the
// same for the same day, and holds purchases of the last 30 days (what
// `clientele rules simulate` replays by default).
#include "server/demo_data.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/store.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;

rules::Date Day(const char* text) { return *rules::Date::Parse(text); }

// A store of its own, filled with the demo data of `today`.
class DemoStore {
 public:
  explicit DemoStore(rules::Date today) {
    if (in_process_.apis() != nullptr) {
      EXPECT_THAT(LoadDemoData(in_process_.apis(), today), IsOk());
    }
  }

  std::vector<PurchaseRecord> Purchases() {
    if (in_process_.store() == nullptr) return {};
    absl::StatusOr<std::vector<PurchaseRecord>> purchases = in_process_.store()->Purchases("");
    EXPECT_THAT(purchases, IsOk());
    return purchases.ok() ? *purchases : std::vector<PurchaseRecord>{};
  }
  std::vector<rules::Date> FeedbackDays() {
    std::vector<rules::Date> days;
    if (in_process_.store() == nullptr) return days;
    EXPECT_THAT(in_process_.store()->ScanFeedback(
                    "", rules::Date(), [&](const FeedbackRecord& f) { days.push_back(f.day); }),
                IsOk());
    return days;
  }

 private:
  testing::InProcessApis in_process_;
};

TEST(DemoDataTest, PurchasesFallInThe270DaysUpToTheDayItIsLoaded) {
  const rules::Date today = Day("2026-03-05");
  DemoStore demo(today);
  const std::vector<PurchaseRecord> purchases = demo.Purchases();
  ASSERT_GT(purchases.size(), 100u);
  int last_30_days = 0;
  for (const PurchaseRecord& p : purchases) {
    EXPECT_LE(p.day, today) << p.purchase_id;
    EXPECT_GT(p.day.days(), today.days() - 270) << p.purchase_id;
    if (p.day.days() > today.days() - 30) ++last_30_days;
  }
  // rules simulate replays the last 30 days by default: enough to show.
  EXPECT_GE(last_30_days, 10);
  for (const rules::Date day : demo.FeedbackDays()) {
    EXPECT_LT(day, today);
    EXPECT_GT(day.days(), today.days() - 90);
  }
}

TEST(DemoDataTest, TheSameDataForTheSameDayAndShiftedForAnother) {
  std::vector<PurchaseRecord> first = DemoStore(Day("2026-11-24")).Purchases();
  std::vector<PurchaseRecord> again = DemoStore(Day("2026-11-24")).Purchases();
  std::vector<PurchaseRecord> later = DemoStore(Day("2026-12-04")).Purchases();
  ASSERT_EQ(first.size(), again.size());
  ASSERT_EQ(first.size(), later.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].purchase_id, again[i].purchase_id);
    EXPECT_EQ(first[i].day, again[i].day);
    EXPECT_EQ(first[i].amount, again[i].amount);
    EXPECT_EQ(first[i].points_earned, again[i].points_earned);
    EXPECT_EQ(first[i].purchase_id, later[i].purchase_id);
    EXPECT_EQ(later[i].day.days() - first[i].day.days(), 10) << first[i].purchase_id;
  }
}

}  // namespace
}  // namespace clientele::server
