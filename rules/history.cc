#include "rules/history.h"

#include <algorithm>
#include <cstdint>

#include "common/strings.h"
#include "rules/diagnostic.h"
#include "rules/internal/program.h"

namespace clientele::rules {
namespace {

// What days_since() gives for an unknown date (docs/rules.md).
constexpr int64_t kDaysSinceNever = 36500;

HistoryFigure SummedFigure(FactKind kind) {
  switch (kind) {
    case FactKind::kPurchases:
      return HistoryFigure::kPurchases;
    case FactKind::kSpent:
      return HistoryFigure::kSpent;
    case FactKind::kPointsEarned:
      return HistoryFigure::kPointsEarned;
    case FactKind::kInteractions:
      return HistoryFigure::kInteractions;
    case FactKind::kEvents:
      return HistoryFigure::kEvents;
    default:
      break;
  }
  return HistoryFigure::kSatisfactionBefore;
}

// Whether the figure is already in Decimal units (else a whole number).
bool InUnits(HistoryFigure figure) {
  return figure == HistoryFigure::kSpent || figure == HistoryFigure::kSatisfactionBefore;
}

// The sum of the rows of `figure` (and `key`, when keyed) from `first`
// through `last`. Saturates rather than wraps: a history typed by hand can
// hold absurd figures, and a rule then sees the largest number instead.
int64_t WindowSum(const std::vector<HistoryDay>& rows, HistoryFigure figure, bool keyed,
                  std::string_view key, Date first, Date last) {
  int64_t sum = 0;
  for (const HistoryDay& row : rows) {
    if (row.figure != figure || row.day < first || row.day > last) continue;
    if (keyed && row.key != key) continue;
    if (__builtin_add_overflow(sum, row.value, &sum)) return row.value < 0 ? INT64_MIN : INT64_MAX;
  }
  return sum;
}

// A whole number in Decimal units, saturated.
int64_t Units(int64_t whole) {
  int64_t units;
  if (__builtin_mul_overflow(whole, Decimal::kScale, &units))
    return whole < 0 ? INT64_MIN : INT64_MAX;
  return units;
}

// `numerator` / `denominator` in Decimal units, rounded down; 0 for 0.
int64_t UnitsRatio(int64_t numerator_units, int64_t denominator) {
  if (denominator <= 0) return 0;
  return numerator_units / denominator;
}

// A fact about the feedback's product: its history plus the feedback.
int64_t ProductFactValue(const FactRequest& request, const Feedback& feedback, Date today) {
  const Date first = WindowStart(request, today);
  const std::vector<HistoryDay>& rows = feedback.product_history;
  auto sum = [&](HistoryFigure figure, bool keyed) {
    return WindowSum(rows, figure, keyed, request.key, first, today);
  };
  // The feedback itself, on its own day (a backdated one may be out).
  const Date day = feedback.day.known() ? feedback.day : today;
  const int64_t self = day >= first && day <= today ? 1 : 0;
  const int64_t given = sum(HistoryFigure::kProductFeedback, false) + self;
  switch (request.kind) {
    case FactKind::kProductFeedback:
      return Units(given);
    case FactKind::kProductMentioning:
    case FactKind::kProductShare: {
      const int64_t mentioning = sum(HistoryFigure::kProductMentions, true) +
                                 (self == 1 && MentionsAnyOf(feedback.text, request.words) ? 1 : 0);
      if (request.kind == FactKind::kProductMentioning) return Units(mentioning);
      return UnitsRatio(Units(mentioning), given);
    }
    case FactKind::kProductSatisfaction: {
      const bool rated = self == 1 && feedback.satisfaction > Decimal();
      return UnitsRatio(sum(HistoryFigure::kProductSatisfaction, false) +
                            (rated ? feedback.satisfaction.units() : 0),
                        sum(HistoryFigure::kProductRated, false) + (rated ? 1 : 0));
    }
    default:
      return 0;
  }
}

// The days from the customer's latest event of `type` on or before
// `today`; 36500 (as days_since() of an unknown date) when none.
int64_t DaysSinceLastEvent(const Customer& customer, std::string_view type, Date today) {
  Date latest;
  for (const HistoryDay& row : customer.history) {
    if (row.key != type || row.day > today) continue;
    if (row.figure != HistoryFigure::kLastEvent && row.figure != HistoryFigure::kEvents) continue;
    if (!latest.known() || row.day > latest) latest = row.day;
  }
  return Units(latest.known() ? today.days() - latest.days() : kDaysSinceNever);
}

int64_t SatisfactionAtEndOf(const Customer& customer, Date day) {
  const HistoryDay* first_after = nullptr;
  for (const HistoryDay& row : customer.history) {
    if (row.figure != HistoryFigure::kSatisfactionBefore || row.day <= day) continue;
    if (first_after == nullptr || row.day < first_after->day) first_after = &row;
  }
  return first_after != nullptr ? first_after->value : customer.satisfaction.units();
}

// A field's text, or "" when the entry does not give it.
std::string_view FieldOf(const std::vector<std::pair<std::string, std::string>>& fields,
                         std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return {};
}

absl::Status EntryError(std::string_view list, std::string_view message) {
  return absl::InvalidArgumentError(StrCat("history ", list, ": ", message));
}

absl::StatusOr<Date> EntryDate(std::string_view list,
                               const std::vector<std::pair<std::string, std::string>>& fields) {
  const std::string_view text = FieldOf(fields, "date");
  if (text.empty())
    return EntryError(list, "each entry needs a date, e.g. \"date\": \"2026-11-30\"");
  absl::StatusOr<Date> day = Date::Parse(text);
  if (!day.ok()) return EntryError(list, StrCat("date: ", day.status().message()));
  return *day;
}

absl::Status CheckFieldNames(std::string_view list,
                             const std::vector<std::pair<std::string, std::string>>& fields,
                             const std::vector<std::string>& accepted) {
  for (const auto& [key, value] : fields) {
    if (std::find(accepted.begin(), accepted.end(), key) != accepted.end()) continue;
    return EntryError(list, StrCat("unknown field '", key, "'", DidYouMeanSuffix(key, accepted),
                                   " (an entry has: ", StrJoin(accepted, ", "), ")"));
  }
  return absl::OkStatus();
}

// Whether adding `value` to the row of (day, figure, key) stays within
// int64 (a history typed by hand can hold absurd figures).
bool FitsInDay(const std::vector<HistoryDay>& rows, Date day, HistoryFigure figure,
               std::string_view key, int64_t value) {
  for (const HistoryDay& row : rows) {
    int64_t sum;
    if (row.day == day && row.figure == figure && row.key == key) {
      return !__builtin_add_overflow(row.value, value, &sum);
    }
  }
  return true;
}

// Adds `value` to the row of (day, figure, key), making it when missing;
// FitsInDay must hold.
void AddToDay(std::vector<HistoryDay>* rows, Date day, HistoryFigure figure, std::string key,
              int64_t value) {
  for (HistoryDay& row : *rows) {
    if (row.day == day && row.figure == figure && row.key == key) {
      row.value += value;
      return;
    }
  }
  rows->push_back({day, figure, std::move(key), value});
}

absl::Status AddPurchase(Customer* customer,
                         const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "amount", "points"};
  if (absl::Status s = CheckFieldNames("purchases", fields, kFields); !s.ok()) return s;
  absl::StatusOr<Date> day = EntryDate("purchases", fields);
  if (!day.ok()) return day.status();
  absl::StatusOr<Decimal> amount = Decimal::Parse(FieldOf(fields, "amount"));
  if (!amount.ok() || *amount <= Decimal()) {
    return EntryError("purchases", "each purchase needs an amount above 0, e.g. \"amount\": 120");
  }
  int64_t points = 0;
  if (const std::string_view text = FieldOf(fields, "points");
      !text.empty() && !ParseInteger(text, &points)) {
    return EntryError("purchases", StrCat("points: '", text, "' is not a whole number"));
  }
  if (!FitsInDay(customer->history, *day, HistoryFigure::kPurchases, "", 1) ||
      !FitsInDay(customer->history, *day, HistoryFigure::kSpent, "", amount->units()) ||
      !FitsInDay(customer->history, *day, HistoryFigure::kPointsEarned, "", points)) {
    return EntryError("purchases", StrCat("the purchases of ", day->ToString(),
                                          " add up to more than can be counted"));
  }
  AddToDay(&customer->history, *day, HistoryFigure::kPurchases, "", 1);
  AddToDay(&customer->history, *day, HistoryFigure::kSpent, "", amount->units());
  if (points != 0) AddToDay(&customer->history, *day, HistoryFigure::kPointsEarned, "", points);
  return absl::OkStatus();
}

absl::Status AddInteraction(Customer* customer,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "rule"};
  if (absl::Status s = CheckFieldNames("interactions", fields, kFields); !s.ok()) return s;
  absl::StatusOr<Date> day = EntryDate("interactions", fields);
  if (!day.ok()) return day.status();
  AddToDay(&customer->history, *day, HistoryFigure::kInteractions,
           std::string(FieldOf(fields, "rule")), 1);
  return absl::OkStatus();
}

// One earlier custom event: its type's daily count and latest day, and
// what it earned by an event earning rule (for the rule's limits).
absl::Status AddEvent(Customer* customer,
                      const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "type", "rule", "points"};
  if (absl::Status s = CheckFieldNames("events", fields, kFields); !s.ok()) return s;
  absl::StatusOr<Date> day = EntryDate("events", fields);
  if (!day.ok()) return day.status();
  const std::string type(FieldOf(fields, "type"));
  if (type.empty()) {
    return EntryError("events", "each event needs its type, e.g. \"type\": \"review\"");
  }
  const std::string rule(FieldOf(fields, "rule"));
  int64_t points = 0;
  if (const std::string_view text = FieldOf(fields, "points"); !text.empty()) {
    if (!ParseInteger(text, &points) || points < 0) {
      return EntryError("events",
                        StrCat("points: '", text, "' is not a whole number of 0 or more"));
    }
    if (rule.empty()) {
      return EntryError("events", "points are earned by a rule: give its id as \"rule\"");
    }
  }
  if (!FitsInDay(customer->history, *day, HistoryFigure::kEvents, type, 1) ||
      !FitsInDay(customer->history, *day, HistoryFigure::kEventRulePoints, rule, points)) {
    return EntryError(
        "events", StrCat("the events of ", day->ToString(), " add up to more than can be counted"));
  }
  AddToDay(&customer->history, *day, HistoryFigure::kEvents, type, 1);
  if (!rule.empty()) {
    AddToDay(&customer->history, *day, HistoryFigure::kEventRuleTimes, rule, 1);
    AddToDay(&customer->history, *day, HistoryFigure::kEventRulePoints, rule, points);
  }
  return absl::OkStatus();
}

absl::Status AddSatisfactionChange(Customer* customer,
                                   const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "before"};
  if (absl::Status s = CheckFieldNames("satisfaction_changes", fields, kFields); !s.ok()) {
    return s;
  }
  absl::StatusOr<Date> day = EntryDate("satisfaction_changes", fields);
  if (!day.ok()) return day.status();
  // 0: never rated before it; otherwise a satisfaction as customers have.
  const std::string_view before = FieldOf(fields, "before");
  Customer scratch;
  const bool never_rated = Decimal::Parse(before).value_or(Decimal::FromInteger(1)) == Decimal();
  if (before.empty() ||
      (!never_rated && !SetCustomerField(&scratch, "satisfaction", before).ok())) {
    return EntryError("satisfaction_changes",
                      "each change needs the satisfaction before it: \"before\": 4.5 (0: never "
                      "rated)");
  }
  // The first change of a day is what that day started from.
  for (const HistoryDay& row : customer->history) {
    if (row.day == *day && row.figure == HistoryFigure::kSatisfactionBefore) {
      return EntryError("satisfaction_changes",
                        StrCat("two changes on ", day->ToString(),
                               ": give the satisfaction before the first one only"));
    }
  }
  customer->history.push_back(
      {*day, HistoryFigure::kSatisfactionBefore, "", scratch.satisfaction.units()});
  return absl::OkStatus();
}

}  // namespace

const std::vector<FactFunction>& FactFunctions() {
  static const auto* const kFunctions = new std::vector<FactFunction>{
      {"purchases_in_last", FactKind::kPurchases, false, false},
      {"spent_in_last", FactKind::kSpent, true, false},
      {"points_earned_in_last", FactKind::kPointsEarned, false, false},
      {"interactions_in_last", FactKind::kInteractions, false, false},
      {"satisfaction_days_ago", FactKind::kSatisfactionAgo, true, false},
      {"product_feedback_in_last", FactKind::kProductFeedback, false, false},
      {"product_feedback_mentioning", FactKind::kProductMentioning, false, true},
      {"product_feedback_share", FactKind::kProductShare, true, true},
      {"product_satisfaction_in_last", FactKind::kProductSatisfaction, true, false},
      {"events_in_last", FactKind::kEvents, false, false},
      {"days_since_last_event", FactKind::kDaysSinceLastEvent, false, false},
  };
  return *kFunctions;
}

std::string FactText(const FactRequest& request) {
  std::string_view name;
  for (const FactFunction& f : FactFunctions()) {
    if (f.kind == request.kind) name = f.name;
  }
  if (request.kind == FactKind::kDaysSinceLastEvent) return StrCat(name, "(\"", request.key, "\")");
  if (request.keyed) return StrCat(name, "(", request.days, ", \"", request.key, "\")");
  if (!request.words.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& w : request.words) quoted.push_back(StrCat("\"", w, "\""));
    return StrCat(name, "(", request.days, ", [", StrJoin(quoted, ", "), "])");
  }
  return StrCat(name, "(", request.days, ")");
}

bool IsProductFact(FactKind kind) {
  return kind == FactKind::kProductFeedback || kind == FactKind::kProductMentioning ||
         kind == FactKind::kProductShare || kind == FactKind::kProductSatisfaction;
}

std::string PhraseListKey(std::vector<std::string>* words) {
  std::sort(words->begin(), words->end());
  words->erase(std::unique(words->begin(), words->end()), words->end());
  return StrJoin(*words, "\x1f");
}

Date WindowStart(const FactRequest& request, Date today) {
  return Date::FromDays(today.days() - request.days + 1);
}

int64_t FactValue(const FactRequest& request, const Customer& customer, const Feedback* feedback,
                  Date today) {
  if (request.kind == FactKind::kSatisfactionAgo) {
    return SatisfactionAtEndOf(customer, Date::FromDays(today.days() - request.days));
  }
  if (IsProductFact(request.kind)) {
    return feedback != nullptr ? ProductFactValue(request, *feedback, today) : 0;
  }
  if (request.kind == FactKind::kDaysSinceLastEvent) {
    return DaysSinceLastEvent(customer, request.key, today);
  }
  const HistoryFigure figure = SummedFigure(request.kind);
  const int64_t sum = WindowSum(customer.history, figure, request.keyed, request.key,
                                WindowStart(request, today), today);
  return InUnits(figure) ? sum : Units(sum);
}

absl::Status AddProductHistoryEntry(
    Feedback* feedback, const std::vector<FactRequest>& facts,
    const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "text", "satisfaction"};
  constexpr std::string_view kList = "of the feedback's product";
  if (absl::Status s = CheckFieldNames(kList, fields, kFields); !s.ok()) return s;
  absl::StatusOr<Date> day = EntryDate(kList, fields);
  if (!day.ok()) return day.status();
  if (FieldOf(fields, "text").empty()) {
    return EntryError(kList, "each feedback needs its text, e.g. \"text\": \"太贵了\"");
  }
  const std::string_view rating = FieldOf(fields, "satisfaction");
  Customer scratch;
  const bool rated = !rating.empty() && rating != "0";
  if (rated && !SetCustomerField(&scratch, "satisfaction", rating).ok()) {
    return EntryError(kList,
                      StrCat("satisfaction: '", rating, "' is not 1..5 with at most 2 decimals"));
  }
  AddEarlierFeedback(feedback, facts, *day, FieldOf(fields, "text"),
                     rated ? scratch.satisfaction : Decimal());
  return absl::OkStatus();
}

void AddEarlierFeedback(Feedback* feedback, const std::vector<FactRequest>& facts, Date day,
                        std::string_view text, Decimal satisfaction) {
  std::vector<HistoryDay>& rows = feedback->product_history;
  AddToDay(&rows, day, HistoryFigure::kProductFeedback, "", 1);
  if (satisfaction > Decimal()) {
    AddToDay(&rows, day, HistoryFigure::kProductRated, "", 1);
    AddToDay(&rows, day, HistoryFigure::kProductSatisfaction, "", satisfaction.units());
  }
  for (const FactRequest* list : PhraseLists(facts)) {
    if (MentionsAnyOf(text, list->words)) {
      AddToDay(&rows, day, HistoryFigure::kProductMentions, list->key, 1);
    }
  }
}

std::vector<const FactRequest*> PhraseLists(const std::vector<FactRequest>& facts) {
  std::vector<const FactRequest*> lists;
  for (const FactRequest& fact : facts) {
    if (fact.words.empty()) continue;
    const bool seen = std::any_of(lists.begin(), lists.end(),
                                  [&](const FactRequest* list) { return list->key == fact.key; });
    if (!seen) lists.push_back(&fact);
  }
  return lists;
}

void AddProductDay(Feedback* feedback, Date day, int64_t given, int64_t rated,
                   int64_t rating_units) {
  std::vector<HistoryDay>& rows = feedback->product_history;
  rows.push_back({day, HistoryFigure::kProductFeedback, "", given});
  if (rated > 0) {
    rows.push_back({day, HistoryFigure::kProductRated, "", rated});
    rows.push_back({day, HistoryFigure::kProductSatisfaction, "", rating_units});
  }
}

void AddProductMentions(Feedback* feedback, Date day, std::string key, int64_t count) {
  feedback->product_history.push_back(
      {day, HistoryFigure::kProductMentions, std::move(key), count});
}

bool MentionsAnyOf(std::string_view text, const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& word) {
    return program_internal::ContainsText(text, word);
  });
}

const std::vector<std::string>& HistoryListNames() {
  static const auto* const kNames =
      new std::vector<std::string>{"purchases", "interactions", "satisfaction_changes", "events"};
  return *kNames;
}

absl::Status CheckHistoryList(std::string_view list) {
  const std::vector<std::string>& names = HistoryListNames();
  if (std::find(names.begin(), names.end(), list) != names.end()) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat("history has no list '", list, "'",
                                           DidYouMeanSuffix(list, names),
                                           " (it has: ", StrJoin(names, ", "), ")"));
}

absl::Status AddHistoryEntry(Customer* customer, std::string_view list,
                             const std::vector<std::pair<std::string, std::string>>& fields) {
  if (list == "purchases") return AddPurchase(customer, fields);
  if (list == "interactions") return AddInteraction(customer, fields);
  if (list == "satisfaction_changes") return AddSatisfactionChange(customer, fields);
  if (list == "events") return AddEvent(customer, fields);
  return CheckHistoryList(list);
}

}  // namespace clientele::rules
