// BudgetUsage (server/store/sql/budget_usage.h): everyone's offer usage
// in memory: rows as loaded, changes applied to their day and the total,
// and reads of a period that skip the days before it.
#include "server/store/sql/budget_usage.h"

#include <string>
#include <vector>

#include "common/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientele::server::sql {
namespace {

using rules::Channel;
using rules::Date;

Date Day(const char* text) { return *Date::Parse(text); }

std::vector<std::string> Lines(const std::vector<OfferUsageRow>& rows) {
  std::vector<std::string> lines;
  for (const OfferUsageRow& r : rows) {
    lines.push_back(StrCat(r.offer_id, "/", rules::ChannelName(r.channel), "/",
                           r.day.known() ? r.day.ToString() : "total", ": ", r.redemptions, ", ",
                           r.value_units));
  }
  return lines;
}

TEST(BudgetUsage, ReadsTotalsAndThePeriodsDaysOfTheOffersAsked) {
  BudgetUsage usage;
  std::vector<OfferUsageRow> loaded;
  for (int d = 0; d < 400; ++d) {  // a long campaign: a row a day
    loaded.push_back(
        {"gift", "", Channel::kOnline, Date::FromDays(Day("2025-11-01").days() + d), 1, 10});
  }
  loaded.push_back({"gift", "", Channel::kOnline, Date(), 400, 4000});
  loaded.push_back({"coupon", "", Channel::kOffline, Date(), 3, 30});
  usage.Load(loaded);
  EXPECT_THAT(
      Lines(usage.Rows({"gift"}, Day("2026-12-03"), Day("2026-12-04"))),
      ::testing::ElementsAre("gift/online/total: 400, 4000", "gift/online/2026-12-03: 1, 10",
                             "gift/online/2026-12-04: 1, 10"));
  // No days asked: the totals alone; every offer when none is named.
  EXPECT_THAT(
      Lines(usage.Rows({}, Date(), Date())),
      ::testing::ElementsAre("coupon/offline/total: 3, 30", "gift/online/total: 400, 4000"));
  EXPECT_TRUE(usage.Rows({"nothing"}, Day("2026-12-01"), Day("2026-12-31")).empty());
}

TEST(BudgetUsage, ChangesMoveTheirDayAndTheTotal) {
  BudgetUsage usage;
  usage.Apply(
      std::vector<BudgetUsageChange>{{"gift", Channel::kOnline, Day("2026-12-07"), 1, 20},
                                     {"gift", Channel::kOffline, Day("2026-12-07"), 1, 20},
                                     {"gift", Channel::kOnline, Day("2026-12-08"), 1, 20},
                                     {"gift", Channel::kOnline, Day("2026-12-07"), -1, -20}});
  EXPECT_THAT(
      Lines(usage.Rows({"gift"}, Day("2026-12-07"), Day("2026-12-07"))),
      ::testing::ElementsAre("gift/online/total: 1, 20", "gift/offline/total: 1, 20",
                             "gift/online/2026-12-07: 0, 0", "gift/offline/2026-12-07: 1, 20"));
}

}  // namespace
}  // namespace clientele::server::sql
