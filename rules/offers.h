// The campaign terms of an offer (docs/rules.md "Campaigns"): when it can
// be given (days of the week, hours), how often and how much (limits per
// customer, budgets), and what marketing spent of them so far.
//
// A ruleset numbers every limit and budget of every offer once (its "caps",
// RuleSet::OfferCaps()). Whoever evaluates says how much of each cap is
// used as of the evaluation (OfferUsage): the server from its store, a rule
// test from its starting state. Plain values and pure functions: no
// thread-safety concerns.
#ifndef CLIENTELE_RULES_OFFERS_H_
#define CLIENTELE_RULES_OFFERS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/decimal.h"

namespace clientele::rules {

// The stretch of days a cap counts over.
enum class CapPeriod : uint8_t {
  kTotal,  // since the offer began
  kDay,    // the day of the evaluation, in the ruleset's time zone
  kWeek,   // Monday to Sunday (ISO 8601)
  kMonth,  // the calendar month
  kYear,   // the calendar year
};

std::string_view CapPeriodName(CapPeriod period);  // "total", "day", "week", "month", "year"

// The first day of the period that holds `day`; unknown for kTotal (the
// period has no start) or an unknown day.
Date PeriodStart(CapPeriod period, Date day);
// The last day of that period; unknown for kTotal or an unknown day.
Date PeriodEnd(CapPeriod period, Date day);

// One limit or budget of an offer.
struct OfferCap {
  enum class Scope : uint8_t {
    kCustomer,  // per customer: each customer's own redemptions
    kBudget,    // everyone's redemptions together
  };
  enum class Measure : uint8_t {
    kRedemptions,  // a count
    kValue,        // the sum of the redemptions' values, in units of Decimal
  };
  Scope scope = Scope::kCustomer;
  Measure measure = Measure::kRedemptions;
  CapPeriod period = CapPeriod::kTotal;
  // Budgets may be kept per channel: only redemptions in this channel
  // count, and only evaluations in it are held to it. kUnknown: every
  // channel together.
  Channel channel = Channel::kUnknown;
  int64_t limit = 0;  // a count, or Decimal units for kValue; > 0

  // In words: "1 per customer", "2 per customer a week", "a budget of
  // 5000 redemptions", "a budget of 250000 in value a month online".
  std::string Describe() const;
  // Where the offers file sets it, as a path of keys under the offer:
  // "per_customer.total", "per_customer.week", "budget.redemptions",
  // "budget.value_per_day", "budget.online.redemptions". Rule tests name
  // used amounts by it.
  std::string Key() const;
};

// A cap of one offer, as RuleSet::OfferCaps() lists them.
struct NumberedCap {
  std::string offer_id;  // the offer's rule id: what the store counts by
  OfferCap cap;
};

// The cap of `offer_id` that `key` names (OfferCap::Key(); "per_customer"
// alone is "per_customer.total"), as an index into `caps`. NOT_FOUND
// naming the offer's caps (or the offers that have caps) otherwise.
absl::StatusOr<size_t> FindCap(std::span<const NumberedCap> caps, std::string_view offer_id,
                               std::string_view key);
// An amount used of `cap` as written ("4999"; "250.50" for a value):
// a whole number for redemptions, an amount for a value, at least 0.
absl::StatusOr<int64_t> ParseUsedAmount(const OfferCap& cap, std::string_view text);

// How much of each cap of a ruleset is used, as of the evaluation:
// `used[i]` for RuleSet::OfferCaps()[i] (a count, or Decimal units), over
// the cap's period that holds the evaluation's day, in the evaluation's
// channel for a channel's budget, and for the evaluated customer for a
// per-customer limit. An empty span: nothing used.
using OfferUsage = std::span<const int64_t>;

// The days of the week an offer can be given on, as a bit set: bit d for
// ISO weekday d (1 Monday .. 7 Sunday). 0 stands for every day.
struct Weekdays {
  uint8_t bits = 0;

  bool Contains(Date day) const;
  bool all() const { return bits == 0 || bits == 0xFE; }
  // "Mon, Fri, Sat"; "every day".
  std::string ToString() const;
  // One day as the offers file writes it: "mon".."sun" or "monday"..
  // "sunday" (any case); 1..7, or 0 when it is not one.
  static int ParseDay(std::string_view text);
};

// A time of day range, [begin, end) in minutes after midnight; end may be
// 1440 (24:00).
struct HoursOfDay {
  int32_t begin = 0;
  int32_t end = 1440;

  bool Contains(int32_t minute) const { return minute >= begin && minute < end; }
  std::string ToString() const;  // "09:00-21:00"
  // "HH:MM-HH:MM" with the end after the beginning; INVALID_ARGUMENT
  // saying the form otherwise.
  static absl::StatusOr<HoursOfDay> Parse(std::string_view text);
};

// "HH:MM" as minutes after midnight (0..1439); INVALID_ARGUMENT otherwise.
absl::StatusOr<int32_t> ParseTimeOfDay(std::string_view text);
// Minutes after midnight as "HH:MM" ("" for a negative minute: unknown).
std::string TimeOfDayString(int32_t minute);

// What an offer's value is measured in.
enum class OfferValueUnit : uint8_t {
  kNone,    // an offer without a value (the seed's 生日礼物): 0
  kMoney,   // an amount off, a percent off, a threshold discount, a free item's worth
  kPoints,  // a points multiplier: the points it adds to the purchase
};

// "money", "points"; "" for kNone.
std::string_view OfferValueUnitName(OfferValueUnit unit);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_OFFERS_H_
