#include "rules/tiers.h"

#include <vector>

#include "common/strings.h"
#include "common/utf8.h"
#include "rules/diagnostic.h"
#include "rules/internal/phrases.h"

namespace clientele::rules {
namespace {

using phrases_internal::ConsumePrefix;
using phrases_internal::CountAndUnit;
using phrases_internal::StripWhitespace;

constexpr std::string_view kQualifyOnForms =
    "write balance, \"points earned in N months\", \"points earned this year\", "
    "\"spent in N months\" or \"spent this year\"";

// The window after "points earned " or "spent ": "in N months" or "this year".
absl::StatusOr<TierPolicy> ParseWindow(std::string_view whole, std::string_view rest,
                                       TierPolicy policy) {
  rest = StripWhitespace(rest);
  if (rest == "this year") {
    policy.window = TierPolicy::Window::kCalendarYear;
    return policy;
  }
  int64_t months = 0;
  std::string_view unit;
  if (!ConsumePrefix(&rest, "in ") || !CountAndUnit(StripWhitespace(rest), &months, &unit) ||
      (unit != "months" && unit != "month")) {
    return absl::InvalidArgumentError(
        StrCat("'", whole, "' is not a qualification: ", kQualifyOnForms));
  }
  if (months < 1 || months > 120) {
    return absl::InvalidArgumentError(
        StrCat("'", whole, "' is not a qualification: the months must be from 1 to 120"));
  }
  policy.window = TierPolicy::Window::kRollingMonths;
  policy.months = static_cast<int32_t>(months);
  return policy;
}

// The review day of a customer below its tier: when the grace starts.
Date ReviewDay(const TierPolicy& policy, const TierStanding& standing, Date today) {
  const Date tomorrow = Date::FromDays(today.days() + 1);
  if (policy.review == TierPolicy::Review::kDaily) {
    // One tier at a time means one step a day: a tier reached today by a
    // step down is reviewed again tomorrow at the earliest.
    const bool stepped_down_today = standing.since == today && standing.previous > standing.current;
    return policy.downgrade == TierPolicy::Downgrade::kOneTier && stepped_down_today ? tomorrow
                                                                                     : today;
  }
  if (!standing.since.known()) return today;
  // The next anniversary on or after today that is not the day of the
  // change itself (29 February falls on 28 February in other years).
  Date anniversary = Date::FromDays(today.days() + standing.since.DaysToAnniversary(today));
  if (anniversary <= standing.since) {
    anniversary = Date::FromDays(tomorrow.days() + standing.since.DaysToAnniversary(tomorrow));
  }
  return anniversary;
}

}  // namespace

int32_t MonthNumber(Date day) {
  if (!day.known()) return -1;
  return day.year() * 12 + day.month() - 1;
}

bool MonthRange::Contains(Date day) const {
  const int32_t month = MonthNumber(day);
  return day.known() && month >= first && month <= last;
}

MonthRange TierPolicy::QualifyingMonths(Date today) const {
  const int32_t current = MonthNumber(today);
  switch (window) {
    case Window::kNone: return MonthRange();
    case Window::kRollingMonths: return {current - months + 1, current};
    case Window::kCalendarYear: return {today.year() * 12, current};
  }
  return MonthRange();
}

absl::StatusOr<TierPolicy> TierPolicy::ParseQualifyOn(std::string_view text) {
  const std::string lowered = utf8::AsciiLower(StripWhitespace(text));
  std::string_view rest = lowered;
  TierPolicy policy;
  if (rest == "balance") return policy;
  if (ConsumePrefix(&rest, "points earned ")) {
    policy.figure = Figure::kPointsEarned;
    return ParseWindow(text, rest, policy);
  }
  if (ConsumePrefix(&rest, "spent ")) {
    policy.figure = Figure::kAmountSpent;
    return ParseWindow(text, rest, policy);
  }
  return absl::InvalidArgumentError(
      StrCat("'", text, "' is not a qualification: ", kQualifyOnForms));
}

std::string TierPolicy::QualifyOnText() const {
  if (figure == Figure::kBalance) return "balance";
  const std::string_view what = figure == Figure::kPointsEarned ? "points earned" : "spent";
  if (window == Window::kCalendarYear) return StrCat(what, " this year");
  return StrCat(what, " in ", months, months == 1 ? " month" : " months");
}

std::string_view TierPolicy::DowngradeName(Downgrade downgrade) {
  switch (downgrade) {
    case Downgrade::kRecompute: return "recompute";
    case Downgrade::kOneTier: return "one_tier";
    case Downgrade::kNever: return "never";
  }
  return "";
}

absl::StatusOr<TierPolicy::Downgrade> TierPolicy::ParseDowngrade(std::string_view text) {
  const std::string lowered = utf8::AsciiLower(StripWhitespace(text));
  for (Downgrade d : {Downgrade::kRecompute, Downgrade::kOneTier, Downgrade::kNever}) {
    if (lowered == DowngradeName(d)) return d;
  }
  const std::vector<std::string> accepted = {"recompute", "one_tier", "never"};
  return absl::InvalidArgumentError(StrCat("'", text, "' is not a downgrade policy",
                                           DidYouMeanSuffix(text, accepted),
                                           " (accepted: recompute, one_tier, never)"));
}

std::string_view TierPolicy::ReviewName(Review review) {
  return review == Review::kDaily ? "daily" : "anniversary";
}

absl::StatusOr<TierPolicy::Review> TierPolicy::ParseReview(std::string_view text) {
  const std::string lowered = utf8::AsciiLower(StripWhitespace(text));
  for (Review r : {Review::kDaily, Review::kAnniversary}) {
    if (lowered == ReviewName(r)) return r;
  }
  const std::vector<std::string> accepted = {"daily", "anniversary"};
  return absl::InvalidArgumentError(StrCat("'", text, "' is not a review",
                                           DidYouMeanSuffix(text, accepted),
                                           " (accepted: daily, anniversary)"));
}

TierVerdict ReviewTier(const TierPolicy& policy, int qualified, const TierStanding& standing,
                       Date today) {
  const int current = standing.current;
  if (current < 0 || qualified >= current) return {qualified, Date()};
  if (policy.downgrade == TierPolicy::Downgrade::kNever) return {current, Date()};
  Date due = standing.downgrade_on;
  if (!due.known()) {
    due = Date::FromDays(ReviewDay(policy, standing, today).days() + policy.grace_days);
  }
  if (today < due) return {current, due};
  const int lower = policy.downgrade == TierPolicy::Downgrade::kOneTier ? current - 1 : qualified;
  return {lower, Date()};
}

}  // namespace clientele::rules
