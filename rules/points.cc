#include "rules/points.h"

#include <algorithm>
#include <climits>
#include <map>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "rules/diagnostic.h"
#include "rules/internal/phrases.h"

namespace clientele::rules {
namespace {

using phrases_internal::ConsumePrefix;
using phrases_internal::CountAndUnit;
using phrases_internal::StripWhitespace;

const absl::CivilDay kEpoch(1970, 1, 1);

absl::CivilDay ToCivil(Date date) { return kEpoch + date.days(); }
Date FromCivil(absl::CivilDay day) { return Date::FromDays(static_cast<int32_t>(day - kEpoch)); }

// `day` moved by `months`, on the same day of the month or, when that
// month is shorter, on its last day (Jan 31 + 1 month is Feb 28 or 29).
absl::CivilDay AddMonths(absl::CivilDay day, int32_t months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  return std::min(absl::CivilDay(month.year(), month.month(), day.day()), last,
                  [](absl::CivilDay a, absl::CivilDay b) { return a < b; });
}

std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> items;
  for (size_t begin = 0;;) {
    const size_t comma = text.find(',', begin);
    items.push_back(text.substr(begin, comma - begin));
    if (comma == std::string_view::npos) return items;
    begin = comma + 1;
  }
}

constexpr std::string_view kExpiryForms =
    "write never, \"N days\", \"N months\", \"end of month\", \"end of year\", "
    "\"end of month + N\" or \"end of year + N\"";

absl::StatusOr<PointsExpiry> ParseEndOf(std::string_view text) {
  const std::string_view whole = text;
  PointsExpiry expiry;
  if (ConsumePrefix(&text, "end of month")) {
    expiry.kind = PointsExpiry::Kind::kEndOfMonth;
  } else if (ConsumePrefix(&text, "end of year")) {
    expiry.kind = PointsExpiry::Kind::kEndOfYear;
  } else {
    return absl::InvalidArgumentError(StrCat("'", whole, "' is not an expiry: ", kExpiryForms));
  }
  std::string_view rest = StripWhitespace(text);
  if (rest.empty()) return expiry;
  int64_t count = 0;
  if (!ConsumePrefix(&rest, "+") || !ParseInteger(StripWhitespace(rest), &count) || count < 0 ||
      count > 100) {
    return absl::InvalidArgumentError(
        StrCat("'", whole, "' is not an expiry: after \"end of month\" or \"end of year\" "
               "comes nothing, or \"+ N\" with N from 0 to 100"));
  }
  expiry.count = static_cast<int32_t>(count);
  return expiry;
}

}  // namespace

Date PointsExpiry::ExpiresOn(Date earned) const {
  if (!earned.known()) return Date();
  const absl::CivilDay day = ToCivil(earned);
  switch (kind) {
    case Kind::kNever: return Date();
    case Kind::kAfterDays: return FromCivil(day + count);
    case Kind::kAfterMonths: return FromCivil(AddMonths(day, count));
    case Kind::kEndOfMonth: return FromCivil(absl::CivilDay(absl::CivilMonth(day) + count + 1));
    case Kind::kEndOfYear: return FromCivil(absl::CivilDay(absl::CivilYear(day) + count + 1));
  }
  return Date();
}

int32_t PointsExpiry::ShortestDays() const {
  if (kind == Kind::kNever) return INT32_MAX;
  if (kind == Kind::kAfterDays) return count;
  // Month lengths and leap days repeat every 400 years, so the fewest days
  // over one such cycle are the fewest there are. Within a month, the
  // fewest come from its last days (from the 28th on: later days lose the
  // most to a shorter month, or to the month's or year's end), so only
  // those are tried: 400 × 12 × 4 days, about a millisecond.
  int32_t fewest = INT32_MAX;
  for (absl::CivilMonth month(2000, 1); month < absl::CivilMonth(2400, 1); ++month) {
    const absl::CivilDay end = absl::CivilDay(month + 1) - 1;
    for (absl::CivilDay day(month.year(), month.month(), 28); day <= end; ++day) {
      const Date earned = FromCivil(day);
      fewest = std::min(fewest, ExpiresOn(earned).days() - earned.days());
    }
  }
  return fewest;
}

std::string PointsExpiry::ToString() const {
  switch (kind) {
    case Kind::kNever: return "never";
    case Kind::kAfterDays: return StrCat(count, count == 1 ? " day" : " days");
    case Kind::kAfterMonths: return StrCat(count, count == 1 ? " month" : " months");
    case Kind::kEndOfMonth: return count == 0 ? "end of month" : StrCat("end of month + ", count);
    case Kind::kEndOfYear: return count == 0 ? "end of year" : StrCat("end of year + ", count);
  }
  return "";
}

absl::StatusOr<PointsExpiry> PointsExpiry::Parse(std::string_view text) {
  const std::string lowered = utf8::AsciiLower(StripWhitespace(text));
  std::string_view trimmed = lowered;
  if (trimmed == "never") return PointsExpiry();
  if (trimmed.starts_with("end of")) return ParseEndOf(trimmed);
  int64_t count = 0;
  std::string_view unit;
  if (!CountAndUnit(trimmed, &count, &unit)) {
    return absl::InvalidArgumentError(StrCat("'", text, "' is not an expiry: ", kExpiryForms));
  }
  PointsExpiry expiry;
  if (unit == "day" || unit == "days") {
    if (count < 1 || count > 36500) {
      return absl::InvalidArgumentError(
          StrCat("'", text, "' is not an expiry: the days must be from 1 to 36500"));
    }
    expiry.kind = Kind::kAfterDays;
  } else if (unit == "month" || unit == "months") {
    if (count < 1 || count > 1200) {
      return absl::InvalidArgumentError(
          StrCat("'", text, "' is not an expiry: the months must be from 1 to 1200"));
    }
    expiry.kind = Kind::kAfterMonths;
  } else {
    return absl::InvalidArgumentError(
        StrCat("'", unit, "' is not a unit of expiry: write days or months"));
  }
  expiry.count = static_cast<int32_t>(count);
  return expiry;
}

std::string_view ReturnAfterSpendingName(ReturnAfterSpending policy) {
  switch (policy) {
    case ReturnAfterSpending::kDebt: return "debt";
    case ReturnAfterSpending::kNegativeBalance: return "negative_balance";
    case ReturnAfterSpending::kForgive: return "forgive";
  }
  return "";
}

absl::StatusOr<ReturnAfterSpending> ParseReturnAfterSpending(std::string_view text) {
  const std::string lowered = utf8::AsciiLower(StripWhitespace(text));
  for (ReturnAfterSpending policy :
       {ReturnAfterSpending::kDebt, ReturnAfterSpending::kNegativeBalance,
        ReturnAfterSpending::kForgive}) {
    if (lowered == ReturnAfterSpendingName(policy)) return policy;
  }
  const std::vector<std::string> accepted = {"debt", "negative_balance", "forgive"};
  return absl::InvalidArgumentError(StrCat("'", text, "' is not a policy for returns after spending",
                                           DidYouMeanSuffix(text, accepted),
                                           " (accepted: debt, negative_balance, forgive)"));
}

Date PointsPolicy::AvailableOn(Date earned) const {
  if (!earned.known()) return Date();
  return Date::FromDays(earned.days() + pending_days);
}

void ApplyPointsLots(std::span<const PointsLot> lots, Date today, Customer* customer) {
  std::map<Date, int64_t> expiring;
  int64_t expired = 0;
  int64_t pending = 0;
  for (const PointsLot& lot : lots) {
    if (lot.remaining <= 0) continue;
    if (Expired(lot, today)) {
      expired += lot.remaining;
      continue;
    }
    if (Pending(lot, today)) pending += lot.remaining;
    if (lot.expires_on.known()) expiring[lot.expires_on] += lot.remaining;
  }
  customer->points -= expired;
  customer->points_pending = pending;
  customer->points_expiring.clear();
  for (const auto& [on, points] : expiring) customer->points_expiring.push_back({on, points});
}

int64_t PointsExpiringWithin(const Customer& customer, Date today, int32_t days) {
  int64_t sum = 0;
  for (const ExpiringPoints& e : customer.points_expiring) {
    if (e.on.days() > today.days() + days) break;
    if (e.on > today) sum += e.points;
  }
  return sum;
}

absl::StatusOr<std::vector<ExpiringPoints>> ParseExpiringPoints(std::string_view text) {
  std::vector<ExpiringPoints> expiring;
  if (StripWhitespace(text).empty()) return expiring;
  for (std::string_view item : SplitCommas(text)) {
    item = StripWhitespace(item);
    const size_t on = item.find(" on ");
    int64_t points = 0;
    if (on == std::string_view::npos || !ParseInteger(StripWhitespace(item.substr(0, on)), &points) ||
        points <= 0) {
      return absl::InvalidArgumentError(
          StrCat("'", item, "' is not \"N on YYYY-MM-DD\" with N greater than 0"));
    }
    absl::StatusOr<Date> day = Date::Parse(StripWhitespace(item.substr(on + 4)));
    if (!day.ok()) return day.status();
    expiring.push_back({*day, points});
  }
  std::sort(expiring.begin(), expiring.end());
  // One entry per day, as the store gives them.
  std::vector<ExpiringPoints> merged;
  for (const ExpiringPoints& e : expiring) {
    if (!merged.empty() && merged.back().on == e.on) {
      merged.back().points += e.points;
    } else {
      merged.push_back(e);
    }
  }
  return merged;
}

std::string ExpiringPointsText(std::span<const ExpiringPoints> expiring) {
  std::string text;
  for (const ExpiringPoints& e : expiring) {
    if (!text.empty()) text += ", ";
    StrAppend(&text, e.points, " on ", e.on.ToString());
  }
  return text;
}

}  // namespace clientele::rules
