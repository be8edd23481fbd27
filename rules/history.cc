#include "rules/history.h"

#include <algorithm>
#include <cstdint>

#include "common/strings.h"
#include "rules/diagnostic.h"

namespace clientele::rules {
namespace {

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
    case FactKind::kSatisfactionAgo:
      break;
  }
  return HistoryFigure::kSatisfactionBefore;
}

// Whether the figure is already in Decimal units (else a whole number).
bool InUnits(HistoryFigure figure) {
  return figure == HistoryFigure::kSpent || figure == HistoryFigure::kSatisfactionBefore;
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

// Adds `value` to the row of (day, figure, key), making it when missing.
void AddToDay(Customer* customer, Date day, HistoryFigure figure, std::string key, int64_t value) {
  for (HistoryDay& row : customer->history) {
    if (row.day == day && row.figure == figure && row.key == key) {
      row.value += value;
      return;
    }
  }
  customer->history.push_back({day, figure, std::move(key), value});
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
  AddToDay(customer, *day, HistoryFigure::kPurchases, "", 1);
  AddToDay(customer, *day, HistoryFigure::kSpent, "", amount->units());
  if (points != 0) AddToDay(customer, *day, HistoryFigure::kPointsEarned, "", points);
  return absl::OkStatus();
}

absl::Status AddInteraction(Customer* customer,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  static const std::vector<std::string> kFields = {"date", "rule"};
  if (absl::Status s = CheckFieldNames("interactions", fields, kFields); !s.ok()) return s;
  absl::StatusOr<Date> day = EntryDate("interactions", fields);
  if (!day.ok()) return day.status();
  AddToDay(customer, *day, HistoryFigure::kInteractions, std::string(FieldOf(fields, "rule")), 1);
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
      {"purchases_in_last", FactKind::kPurchases, false},
      {"spent_in_last", FactKind::kSpent, true},
      {"points_earned_in_last", FactKind::kPointsEarned, false},
      {"interactions_in_last", FactKind::kInteractions, false},
      {"satisfaction_days_ago", FactKind::kSatisfactionAgo, true},
  };
  return *kFunctions;
}

std::string FactText(const FactRequest& request) {
  std::string_view name;
  for (const FactFunction& f : FactFunctions()) {
    if (f.kind == request.kind) name = f.name;
  }
  if (request.keyed) return StrCat(name, "(", request.days, ", \"", request.key, "\")");
  return StrCat(name, "(", request.days, ")");
}

Date WindowStart(const FactRequest& request, Date today) {
  return Date::FromDays(today.days() - request.days + 1);
}

int64_t FactValue(const FactRequest& request, const Customer& customer, Date today) {
  if (request.kind == FactKind::kSatisfactionAgo) {
    return SatisfactionAtEndOf(customer, Date::FromDays(today.days() - request.days));
  }
  const HistoryFigure figure = SummedFigure(request.kind);
  const Date first = WindowStart(request, today);
  int64_t sum = 0;
  for (const HistoryDay& row : customer.history) {
    if (row.figure != figure || row.day < first || row.day > today) continue;
    if (request.keyed && row.key != request.key) continue;
    // Saturates rather than wraps: a history typed by hand can hold
    // absurd figures, and a rule then sees the largest number instead.
    if (__builtin_add_overflow(sum, row.value, &sum)) {
      sum = row.value < 0 ? INT64_MIN : INT64_MAX;
    }
  }
  if (InUnits(figure)) return sum;
  int64_t units;
  if (__builtin_mul_overflow(sum, Decimal::kScale, &units)) return sum < 0 ? INT64_MIN : INT64_MAX;
  return units;
}

const std::vector<std::string>& HistoryListNames() {
  static const auto* const kNames =
      new std::vector<std::string>{"purchases", "interactions", "satisfaction_changes"};
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
  return CheckHistoryList(list);
}

}  // namespace clientele::rules
