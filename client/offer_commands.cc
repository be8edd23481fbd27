#include "client/offer_commands.h"

#include "client/exit_codes.h"
#include "client/table.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"
#include "rules/diagnostic.h"
#include "rules/offer_calendar.h"
#include "rules/ruleset.h"

namespace clientele::client {
namespace {

using nlohmann::json;

// "11-27" under a weekday initial line: "Fri 27".
std::string DayColumn(rules::Date day) {
  static constexpr const char* kDays[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return StrCat(kDays[day.Weekday()], " ", day.ToString().substr(5));
}

}  // namespace

std::string RenderOfferCalendar(const rules::OfferCalendar& calendar, const std::string& zone) {
  std::vector<Table::Column> columns = {{"offer"}};
  for (rules::Date day : calendar.days) columns.push_back({DayColumn(day)});
  columns.push_back({"hours"});
  columns.push_back({"limits and budgets"});
  Table table(columns);
  for (const rules::OfferCalendar::Row& row : calendar.offers) {
    std::vector<std::string> cells = {StrCat(row.offer, " (", row.id, ")")};
    for (bool live : row.live) cells.push_back(live ? "●" : "·");
    cells.push_back(row.hours.empty() ? "all day" : row.hours);
    cells.push_back(row.limits.empty() ? "none" : row.limits);
    table.AddRow(std::move(cells));
  }
  std::string out = StrCat("offers from ", calendar.days.front().ToString(), " to ",
                           calendar.days.back().ToString(), " (", zone,
                           "; ● its dates and days allow it, · not):\n", table.Render("  "));
  if (calendar.blocks.empty()) return out + "no two offers live on the same day keep each other out\n";
  StrAppend(&out, "when both apply, stacking gives one:\n");
  for (const rules::OfferCalendar::Block& b : calendar.blocks) {
    StrAppend(&out, "  ", b.first, " / ", b.second, "  ", b.from.ToString(),
              b.from == b.to ? "" : StrCat(" to ", b.to.ToString()), ": ", b.why, "\n");
  }
  return out;
}

json OfferCalendarJson(const rules::OfferCalendar& calendar, const std::string& zone) {
  json days = json::array();
  for (rules::Date day : calendar.days) days.push_back(day.ToString());
  json offers = json::array();
  for (const rules::OfferCalendar::Row& row : calendar.offers) {
    json live = json::array();
    for (size_t d = 0; d < row.live.size(); ++d) {
      if (row.live[d]) live.push_back(calendar.days[d].ToString());
    }
    offers.push_back({{"id", row.id}, {"offer", row.offer}, {"live_on", live},
                      {"hours", row.hours}, {"limits", row.limits}});
  }
  json blocks = json::array();
  for (const rules::OfferCalendar::Block& b : calendar.blocks) {
    blocks.push_back({{"first", b.first}, {"second", b.second}, {"why", b.why},
                      {"from", b.from.ToString()}, {"to", b.to.ToString()}});
  }
  return {{"time_zone", zone}, {"days", days}, {"offers", offers}, {"blocks", blocks}};
}

int RunOfferCalendar(const OfferCalendarOptions& options, std::ostream& out, std::ostream& err) {
  absl::StatusOr<rules::Date> from = rules::Date::Parse(options.from);
  absl::StatusOr<rules::Date> to = rules::Date::Parse(options.to);
  if (!from.ok() || !to.ok()) {
    err << "error: --from and --to are days YYYY-MM-DD\n";
    return kExitBadInput;
  }
  rules::LoadResult loaded = rules::RuleSet::LoadDirectory(options.directory);
  if (!loaded.diagnostics.empty()) err << rules::FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return kExitRuleErrors;
  absl::StatusOr<rules::OfferCalendar> calendar =
      rules::MakeOfferCalendar(*loaded.ruleset, *from, *to);
  if (!calendar.ok()) {
    err << "error: " << View(calendar.status().message()) << "\n";
    return kExitBadInput;
  }
  const std::string& zone = loaded.ruleset->time_zone_name();
  if (options.server.json) {
    out << OfferCalendarJson(*calendar, zone).dump(2) << "\n";
  } else {
    out << RenderOfferCalendar(*calendar, zone);
  }
  return kExitOk;
}

}  // namespace clientele::client
