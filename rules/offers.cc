#include "rules/offers.h"

#include <array>
#include <cctype>
#include <string>

#include "common/strings.h"
#include "rules/diagnostic.h"
#include "rules/internal/phrases.h"

namespace clientele::rules {
namespace {

constexpr std::array<std::string_view, 7> kShortDays = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string TwoDigits(int32_t n) { return StrCat(n < 10 ? "0" : "", n); }

}  // namespace

std::string_view CapPeriodName(CapPeriod period) {
  switch (period) {
    case CapPeriod::kTotal: return "total";
    case CapPeriod::kDay: return "day";
    case CapPeriod::kWeek: return "week";
    case CapPeriod::kMonth: return "month";
    case CapPeriod::kYear: return "year";
  }
  return "total";
}

Date PeriodStart(CapPeriod period, Date day) {
  if (!day.known()) return Date();
  switch (period) {
    case CapPeriod::kTotal: return Date();
    case CapPeriod::kDay: return day;
    case CapPeriod::kWeek: return Date::FromDays(day.days() - (day.Weekday() - 1));
    case CapPeriod::kMonth: return day.StartOfMonth();
    case CapPeriod::kYear: return day.StartOfYear();
  }
  return Date();
}

Date PeriodEnd(CapPeriod period, Date day) {
  if (!day.known()) return Date();
  switch (period) {
    case CapPeriod::kTotal:
      return Date();
    case CapPeriod::kDay:
      return day;
    case CapPeriod::kWeek:
      return Date::FromDays(PeriodStart(period, day).days() + 6);
    case CapPeriod::kMonth:
      return day.EndOfMonth();
    case CapPeriod::kYear:
      return Date::FromDays(Date::FromDays(day.StartOfYear().days() + 366).StartOfYear().days() -
                            1);
  }
  return Date();
}

std::string OfferCap::Describe() const {
  const std::string amount = measure == Measure::kRedemptions
                                 ? StrCat(limit)
                                 : Decimal::FromUnits(limit).ToString();
  std::string period;
  if (this->period != CapPeriod::kTotal) period = StrCat(" a ", CapPeriodName(this->period));
  if (scope == Scope::kCustomer) return StrCat(amount, " per customer", period);
  std::string text = StrCat("a budget of ", amount,
                            measure == Measure::kRedemptions ? " redemptions" : " in value", period);
  if (channel != Channel::kUnknown) StrAppend(&text, " ", ChannelName(channel));
  return text;
}

std::string OfferCap::Key() const {
  if (scope == Scope::kCustomer) return StrCat("per_customer.", CapPeriodName(period));
  std::string key = "budget.";
  if (channel != Channel::kUnknown) StrAppend(&key, ChannelName(channel), ".");
  StrAppend(&key, measure == Measure::kRedemptions ? "redemptions" : "value");
  if (period != CapPeriod::kTotal) StrAppend(&key, "_per_", CapPeriodName(period));
  return key;
}

absl::StatusOr<size_t> FindCap(std::span<const NumberedCap> caps, std::string_view offer_id,
                               std::string_view key) {
  const std::string_view wanted = key == "per_customer" ? "per_customer.total" : key;
  std::vector<std::string> keys;
  std::vector<std::string> offers;
  for (size_t i = 0; i < caps.size(); ++i) {
    if (offers.empty() || offers.back() != caps[i].offer_id) offers.push_back(caps[i].offer_id);
    if (caps[i].offer_id != offer_id) continue;
    if (caps[i].cap.Key() == wanted) return i;
    keys.push_back(caps[i].cap.Key());
  }
  if (keys.empty()) {
    return absl::NotFoundError(
        StrCat("no offer with id '", offer_id, "' has limits or a budget",
               DidYouMeanSuffix(std::string(offer_id), offers), "; ",
               offers.empty() ? "this ruleset's offers have none"
                              : StrCat("the offers with limits or budgets are: ",
                                       StrJoin(offers, ", "))));
  }
  return absl::NotFoundError(StrCat("offer '", offer_id, "' has no limit or budget '", wanted,
                                    "'", DidYouMeanSuffix(std::string(wanted), keys),
                                    "; its limits and budgets are: ", StrJoin(keys, ", ")));
}

absl::StatusOr<int64_t> ParseUsedAmount(const OfferCap& cap, std::string_view text) {
  const bool value = cap.measure == OfferCap::Measure::kValue;
  absl::StatusOr<Decimal> amount = Decimal::Parse(text);
  if (!amount.ok() || *amount < Decimal() || (!value && !amount->IsInteger())) {
    return absl::InvalidArgumentError(StrCat("'", cap.Key(), "' used is ",
                                             value ? "an amount" : "a whole number",
                                             ", at least 0, not '", text, "'"));
  }
  return value ? amount->units() : amount->IntegerPart();
}

bool Weekdays::Contains(Date day) const {
  return all() || (bits & (1u << day.Weekday())) != 0;
}

std::string Weekdays::ToString() const {
  if (all()) return "every day";
  std::vector<std::string> days;
  for (int d = 1; d <= 7; ++d) {
    if ((bits & (1u << d)) == 0) continue;
    std::string name(kShortDays[d - 1]);
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    days.push_back(std::move(name));
  }
  return StrJoin(days, ", ");
}

int Weekdays::ParseDay(std::string_view text) {
  const std::string lower = Lower(phrases_internal::StripWhitespace(text));
  for (int d = 0; d < 7; ++d) {
    if (lower == kShortDays[d] || lower == kLongDays[d]) return d + 1;
  }
  return 0;
}

absl::StatusOr<int32_t> ParseTimeOfDay(std::string_view text) {
  text = phrases_internal::StripWhitespace(text);
  const bool shape = text.size() == 5 && text[2] == ':' && std::isdigit(text[0]) &&
                     std::isdigit(text[1]) && std::isdigit(text[3]) && std::isdigit(text[4]);
  const int hours = shape ? (text[0] - '0') * 10 + (text[1] - '0') : 99;
  const int minutes = shape ? (text[3] - '0') * 10 + (text[4] - '0') : 99;
  if (hours > 23 || minutes > 59) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not a time of day: write HH:MM from 00:00 to 23:59"));
  }
  return hours * 60 + minutes;
}

std::string TimeOfDayString(int32_t minute) {
  if (minute < 0) return "";
  return StrCat(TwoDigits(minute / 60), ":", TwoDigits(minute % 60));
}

std::string HoursOfDay::ToString() const {
  return StrCat(TimeOfDayString(begin), "-", TimeOfDayString(end));
}

absl::StatusOr<HoursOfDay> HoursOfDay::Parse(std::string_view text) {
  const std::string_view whole = phrases_internal::StripWhitespace(text);
  const size_t dash = whole.find('-');
  auto form = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        StrCat("'", whole, "' is not a range of hours: ", why,
               "; write it as HH:MM-HH:MM, e.g. 09:00-21:00 (24:00 ends at midnight)"));
  };
  if (dash == std::string_view::npos) return form("it has no '-'");
  const std::string_view begin_text = phrases_internal::StripWhitespace(whole.substr(0, dash));
  const std::string_view end_text = phrases_internal::StripWhitespace(whole.substr(dash + 1));
  absl::StatusOr<int32_t> begin = ParseTimeOfDay(begin_text);
  absl::StatusOr<int32_t> end = end_text == "24:00" ? 1440 : ParseTimeOfDay(end_text);
  if (!begin.ok()) return form(StrCat("'", begin_text, "' is not a time of day"));
  if (!end.ok()) return form(StrCat("'", end_text, "' is not a time of day"));
  if (*end <= *begin) {
    return form("it ends before it begins (a range past midnight is two offers, or two ranges)");
  }
  return HoursOfDay{*begin, *end};
}

std::string_view OfferValueUnitName(OfferValueUnit unit) {
  switch (unit) {
    case OfferValueUnit::kNone:
      return "";
    case OfferValueUnit::kMoney:
      return "money";
    case OfferValueUnit::kPoints:
      return "points";
  }
  return "";
}

}  // namespace clientele::rules
