// `clientele offers calendar` (client/offer_commands.cc): the calendar of
// the retail example's campaigns, as text and JSON, and bad input.
#include <sstream>
#include <string>

#include "client/exit_codes.h"
#include "client/offer_commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace clientele::client {
namespace {

using ::testing::HasSubstr;

OfferCalendarOptions Calendar(const std::string& directory, const std::string& from,
                              const std::string& to, bool json) {
  OfferCalendarOptions options;
  options.directory = directory;
  options.from = from;
  options.to = to;
  options.server.json = json;
  return options;
}

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";

TEST(OfferCalendarCommand, ShowsLiveDaysAndBlocks) {
  std::ostringstream out, err;
  ASSERT_EQ(RunOfferCalendar(Calendar(kRetail, "2026-11-30", "2026-12-01", false), out, err), kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("(Asia/Shanghai;"));
  EXPECT_THAT(out.str(), ::testing::ContainsRegex("\\(black_friday\\) +● +· +all day +1 per customer"));
  EXPECT_THAT(out.str(), HasSubstr("black_friday / member_discount  2026-11-30: one of them"));
}

TEST(OfferCalendarCommand, JsonListsTheDaysEachOfferIsLive) {
  std::ostringstream out, err;
  ASSERT_EQ(RunOfferCalendar(Calendar(kRetail, "2026-12-04", "2026-12-07", true), out, err), kExitOk);
  const nlohmann::json calendar = nlohmann::json::parse(out.str());
  for (const nlohmann::json& offer : calendar["offers"]) {
    if (offer["id"] != "weekend_double_points") continue;
    EXPECT_EQ(offer["live_on"], nlohmann::json({"2026-12-05", "2026-12-06"}));
    EXPECT_EQ(offer["hours"], "10:00-22:00");
    return;
  }
  ADD_FAILURE() << "no weekend_double_points in " << out.str();
}

TEST(OfferCalendarCommand, BadDaysAndRangesAreBadInput) {
  std::ostringstream out, err;
  EXPECT_EQ(RunOfferCalendar(Calendar(kRetail, "2026-13-01", "2026-12-01", false), out, err),
            kExitBadInput);
  EXPECT_EQ(RunOfferCalendar(Calendar(kRetail, "2026-12-02", "2026-12-01", false), out, err),
            kExitBadInput);
  EXPECT_THAT(err.str(), HasSubstr("the calendar's last day is before its first"));
  EXPECT_EQ(RunOfferCalendar(Calendar("/nonexistent-rules", "2026-12-01", "2026-12-01", false), out, err),
            kExitRuleErrors);
}

}  // namespace
}  // namespace clientele::client
