// Custom events (rules/events.h): the events, their attributes, what
// their earning rules credited (which the rules' limits count), and what
// they add to the customer's history: a daily count per type, the type's
// latest day, and the points credited.
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"
#include "server/store/sql/values.h"

namespace clientele::server::sql {

using rules::Date;
using rules::HistoryFigure;

namespace {

constexpr int FigureNumber(HistoryFigure figure) { return static_cast<int>(figure); }

}  // namespace

absl::StatusOr<int64_t> Connection::UnsafeInsertCustomEvent(const CustomEventRecord& event) {
  // The customer first, so that an unknown one is NOT_FOUND, not a
  // foreign key error from the rows that name it.
  {
    sql::Statement& s = Prepared(
        "INSERT INTO customer_last_events (customer_id, type, last_day, total) "
        "SELECT id, ?2, ?3, 1 FROM customers WHERE id = ?1 "
        "ON CONFLICT (customer_id, type) DO UPDATE SET "
        "last_day = max(customer_last_events.last_day, excluded.last_day), "
        "total = customer_last_events.total + 1");
    Done done{s};
    s.bind(1, event.customer_id);
    s.bind(2, event.type);
    s.bind(3, event.day.days());
    if (s.exec() != 1) {
      return absl::NotFoundError(StrCat("customer '", event.customer_id, "' not found"));
    }
  }
  int64_t id = 0;
  {
    sql::Statement& s = Prepared(
        "INSERT INTO custom_events (customer_id, type, day, occurred_at, ruleset_version, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    Done done{s};
    s.bind(1, event.customer_id);
    s.bind(2, event.type);
    s.bind(3, event.day.days());
    s.bind(4, event.occurred_at);
    s.bind(5, event.ruleset_version);
    s.bind(6, NowText());
    s.executeStep();
    id = s.getColumn(0).getInt64();
  }
  for (size_t i = 0; i < event.attributes.size(); ++i) {
    sql::Statement& s = Prepared(
        "INSERT INTO custom_event_attributes (event_id, position, name, value) "
        "VALUES (?, ?, ?, ?)");
    Done done{s};
    s.bind(1, id);
    s.bind(2, static_cast<int64_t>(i));
    s.bind(3, event.attributes[i].first);
    s.bind(4, event.attributes[i].second);
    s.exec();
  }
  static const std::string count_sql =
      StrCat("INSERT INTO customer_days (customer_id, day, figure, key, value) VALUES (?1, ?2, ",
             FigureNumber(HistoryFigure::kEvents),
             ", ?3, 1) ON CONFLICT (customer_id, day, figure, key) DO UPDATE SET "
             "value = customer_days.value + 1");
  sql::Statement& s = Prepared(count_sql);
  Done done{s};
  s.bind(1, event.customer_id);
  s.bind(2, event.day.days());
  s.bind(3, event.type);
  s.exec();
  return id;
}

std::vector<rules::EventRuleUsage> Connection::UnsafeEventRuleUsage(
    std::string_view customer_id, std::span<const rules::EventEarningTerms> rules, Date day) {
  std::vector<rules::EventRuleUsage> usage(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const rules::EventLimit& limit = rules[i].limit;
    if (!limit.any()) continue;
    // A period without bounds (total) reads every day.
    const Date first = rules::PeriodStart(limit.period, day);
    const Date last = rules::PeriodEnd(limit.period, day);
    sql::Statement& s = Prepared(
        "SELECT count(*), coalesce(sum(points), 0) FROM event_credits "
        "WHERE customer_id = ?1 AND rule_id = ?2 AND day BETWEEN ?3 AND ?4");
    Done done{s};
    s.bind(1, std::string(customer_id));
    s.bind(2, rules[i].id);
    s.bind(3, first.known() ? int64_t{first.days()} : INT64_MIN);
    s.bind(4, last.known() ? int64_t{last.days()} : INT64_MAX);
    if (s.executeStep()) usage[i] = {s.getColumn(0).getInt64(), s.getColumn(1).getInt64()};
  }
  return usage;
}

void Connection::UnsafeInsertEventCredit(const EventCreditRecord& credit) {
  {
    sql::Statement& s = Prepared(
        "INSERT INTO event_credits (event_id, rule_id, customer_id, to_customer_id, day, points, "
        "ledger_entry_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, credit.event_id);
    s.bind(2, credit.rule_id);
    s.bind(3, credit.customer_id);
    s.bind(4, credit.to_customer_id);
    s.bind(5, credit.day.days());
    s.bind(6, credit.points);
    s.bind(7, credit.ledger_entry_id);
    s.exec();
  }
  // Points earned otherwise than by purchases have a row of their own
  // (a day's purchases carry theirs in the purchases row).
  static const std::string sql =
      StrCat("INSERT INTO customer_days (customer_id, day, figure, key, value) VALUES (?1, ?2, ",
             FigureNumber(HistoryFigure::kPointsEarned),
             ", '', ?3) ON CONFLICT (customer_id, day, figure, key) DO UPDATE SET "
             "value = customer_days.value + excluded.value");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, credit.to_customer_id);
  s.bind(2, credit.day.days());
  s.bind(3, credit.points);
  s.exec();
}

void Connection::ReadLastEvents(Customer* c) {
  sql::Statement& s =
      Prepared("SELECT type, last_day, total FROM customer_last_events WHERE customer_id = ?");
  Done done{s};
  s.bind(1, c->id);
  while (s.executeStep()) {
    c->history.push_back({Date::FromDays(s.getColumn(1).getInt()), HistoryFigure::kLastEvent,
                          s.getColumn(0).getString(), s.getColumn(2).getInt64()});
  }
}

absl::StatusOr<std::vector<rules::HistoryDay>> Connection::LastEventsAsOf(
    std::string_view customer_id, Date day) {
  return Guarded(
      "reading a customer's events", [&]() -> absl::StatusOr<std::vector<rules::HistoryDay>> {
        // custom_events_by_customer (customer_id, type, day) serves it.
        sql::Statement& s = Prepared(
            "SELECT type, max(day), count(*) FROM custom_events "
            "WHERE customer_id = ? AND day <= ? GROUP BY type");
        Done done{s};
        s.bind(1, std::string(customer_id));
        s.bind(2, day.days());
        std::vector<rules::HistoryDay> rows;
        while (s.executeStep()) {
          rows.push_back({Date::FromDays(s.getColumn(1).getInt()), HistoryFigure::kLastEvent,
                          s.getColumn(0).getString(), s.getColumn(2).getInt64()});
        }
        return rows;
      });
}

absl::StatusOr<int64_t> Connection::InsertCustomEvent(const CustomEventRecord& event) {
  NoteCustomerChanged(event.customer_id);
  return Guarded("recording an event", [&] { return UnsafeInsertCustomEvent(event); });
}

absl::StatusOr<std::vector<rules::EventRuleUsage>> Connection::EventRuleUsage(
    std::string_view customer_id, std::span<const rules::EventEarningTerms> rules, Date day) {
  return Guarded("reading the use of event limits",
                 [&]() -> absl::StatusOr<std::vector<rules::EventRuleUsage>> {
                   return UnsafeEventRuleUsage(customer_id, rules, day);
                 });
}

absl::Status Connection::InsertEventCredit(const EventCreditRecord& credit) {
  NoteCustomerChanged(credit.customer_id);
  NoteCustomerChanged(credit.to_customer_id);
  return Guarded("recording an event's points", [&] {
    UnsafeInsertEventCredit(credit);
    return absl::OkStatus();
  });
}

}  // namespace clientele::server::sql
