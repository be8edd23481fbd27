// Each customer's history by day (rules::HistoryDay), kept in
// customer_days with every event in the event's transaction, and read for
// the windowed facts of the ruleset.
#include "rules/history.h"

#include <map>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

using rules::Customer;
using rules::Date;
using rules::Decimal;
using rules::HistoryFigure;

namespace {

constexpr int FigureNumber(HistoryFigure figure) { return static_cast<int>(figure); }

}  // namespace

void Connection::AddPurchaseToHistory(const PurchaseRecord& p, int sign) {
  static const std::string sql = StrCat(
      "INSERT INTO customer_days (customer_id, day, figure, key, value, amount_units, points) "
      "VALUES (?1, ?2, ",
      FigureNumber(HistoryFigure::kPurchases),
      ", '', ?3, ?4, ?5) "
      "ON CONFLICT (customer_id, day, figure, key) DO UPDATE SET "
      "value = customer_days.value + excluded.value, "
      "amount_units = customer_days.amount_units + excluded.amount_units, "
      "points = customer_days.points + excluded.points");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, p.customer_id);
  s.bind(2, p.day.days());
  s.bind(3, sign);
  s.bind(4, sign * p.amount.units());
  s.bind(5, sign * p.points_earned);
  s.RunLater();
}

void Connection::AddInteractionToHistory(std::string_view customer_id, Date day,
                                         std::string_view rule_id) {
  static const std::string sql =
      StrCat("INSERT INTO customer_days (customer_id, day, figure, key, value) VALUES (?1, ?2, ",
             FigureNumber(HistoryFigure::kInteractions),
             ", ?3, 1) ON CONFLICT (customer_id, day, figure, key) DO UPDATE SET "
             "value = customer_days.value + 1");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, day.days());
  s.bind(3, std::string(rule_id));
  s.RunLater();
}

void Connection::KeepSatisfactionBefore(std::string_view customer_id, Date day, Decimal after) {
  // The first change of a day keeps what the day started from; later ones
  // that day keep nothing more.
  static const std::string sql = StrCat(
      "INSERT INTO customer_days (customer_id, day, figure, key, value) "
      "SELECT id, ?2, ",
      FigureNumber(HistoryFigure::kSatisfactionBefore),
      ", '', satisfaction_units FROM customers WHERE id = ?1 AND satisfaction_units != ?3 "
      "ON CONFLICT (customer_id, day, figure, key) DO NOTHING");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, day.days());
  s.bind(3, after.units());
  s.RunLater();
}

void Connection::KeepSatisfactionBefore(std::string_view customer_id, Date day, Decimal before,
                                        Decimal after) {
  if (before == after) return;
  static const std::string sql =
      StrCat("INSERT INTO customer_days (customer_id, day, figure, key, value) VALUES (?1, ?2, ",
             FigureNumber(HistoryFigure::kSatisfactionBefore),
             ", '', ?3) ON CONFLICT (customer_id, day, figure, key) DO NOTHING");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, day.days());
  s.bind(3, before.units());
  s.RunLater();
}

void Connection::ReadHistory(Date today, int32_t days, bool last_events, Customer* c) {
  c->history.clear();
  if (last_events) ReadLastEvents(c);
  if (days <= 0) return;
  // Read with Int and Text in place: millions of rows in a simulation.
  sql::Statement& rows = Prepared(
      "SELECT day, figure, key, value, amount_units, points FROM customer_days "
      "WHERE customer_id = ?1 AND day >= ?2");
  Done done{rows};
  rows.bind(1, c->id);
  rows.bind(2, int64_t{today.days()} - days + 1);
  while (rows.Step()) {
    const Date day = Date::FromDays(static_cast<int32_t>(rows.Int(0)));
    const auto figure = static_cast<HistoryFigure>(rows.Int(1));
    c->history.push_back({day, figure, std::string(rows.Text(2)), rows.Int(3)});
    // A day's purchases carry their amount and points in the same row.
    if (figure == HistoryFigure::kPurchases) {
      c->history.push_back({day, HistoryFigure::kSpent, "", rows.Int(4)});
      c->history.push_back({day, HistoryFigure::kPointsEarned, "", rows.Int(5)});
    }
  }
}

void Connection::UnsafeAddProductHistory(std::string_view product, Date first_day,
                                         const std::vector<rules::FactRequest>& facts,
                                         rules::Feedback* feedback) {
  // Counts and ratings summed by SQLite, a row per day.
  {
    sql::Statement& s = Prepared(
        "SELECT day, count(*), count(satisfaction_units), coalesce(sum(satisfaction_units), 0) "
        "FROM feedback INDEXED BY feedback_by_product WHERE product = ?1 AND day >= ?2 "
        "GROUP BY day");
    Done done{s};
    s.bind(1, std::string(product));
    s.bind(2, first_day.days());
    while (s.executeStep()) {
      rules::AddProductDay(feedback, Date::FromDays(s.getColumn(0).getInt()),
                           s.getColumn(1).getInt64(), s.getColumn(2).getInt64(),
                           s.getColumn(3).getInt64());
    }
  }
  // Mentions need the texts: read only when some fact looks for phrases.
  const std::vector<const rules::FactRequest*> lists = rules::PhraseLists(facts);
  if (lists.empty()) return;
  std::map<std::pair<int32_t, size_t>, int64_t> mentions;  // (day, list) -> feedbacks
  sql::Statement& s = Prepared(
      "SELECT day, text FROM feedback INDEXED BY feedback_by_product "
      "WHERE product = ?1 AND day >= ?2");
  Done done{s};
  s.bind(1, std::string(product));
  s.bind(2, first_day.days());
  while (s.executeStep()) {
    const std::string_view text = s.getColumn(1).getText();
    for (size_t i = 0; i < lists.size(); ++i) {
      if (rules::MentionsAnyOf(text, lists[i]->words)) ++mentions[{s.getColumn(0).getInt(), i}];
    }
  }
  for (const auto& [at, count] : mentions) {
    rules::AddProductMentions(feedback, Date::FromDays(at.first), lists[at.second]->key, count);
  }
}

absl::Status Connection::AddProductHistory(std::string_view product, Date first_day,
                                           const std::vector<rules::FactRequest>& facts,
                                           rules::Feedback* feedback) {
  return Guarded("reading a product's feedback", [&] {
    UnsafeAddProductHistory(product, first_day, facts, feedback);
    return absl::OkStatus();
  });
}

}  // namespace clientele::server::sql
