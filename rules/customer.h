// The customer record and the events that rules look at.
//
// These are the values a ruleset is evaluated against. Field names here are
// the names used in rules, JSON and protos (see docs/rules.md). Text values
// are UTF-8. All types are plain values with no thread-safety concerns of
// their own.
#ifndef CLIENTELE_RULES_CUSTOMER_H_
#define CLIENTELE_RULES_CUSTOMER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rules/decimal.h"

namespace clientele::rules {

// A calendar day, counted from 1970-01-01. Default-constructed dates are
// unknown (a customer who never gave a birthday).
class Date {
 public:
  constexpr Date() = default;
  static constexpr Date FromDays(int32_t days) { return Date(days); }
  // "YYYY-MM-DD", a real calendar day between years 1900 and 2200.
  static absl::StatusOr<Date> Parse(std::string_view text);
  // Today in UTC.
  static Date Today();
  // The day `instant` falls on in `zone`.
  static Date At(absl::Time instant, absl::TimeZone zone);

  constexpr bool known() const { return days_ != kUnknownDays; }
  constexpr int32_t days() const { return days_; }
  int year() const;   // 0 when unknown
  int month() const;  // 1..12, 0 when unknown
  int day() const;    // 1..31, 0 when unknown
  std::string ToString() const;  // "YYYY-MM-DD", "" when unknown
  // 1 (Monday) .. 7 (Sunday), ISO 8601; 0 when unknown.
  int Weekday() const;
  // The first and the last day of its month; unknown when unknown.
  Date StartOfMonth() const;
  Date StartOfYear() const;  // 1 January of its year; unknown when unknown
  Date EndOfMonth() const;
  // Days from `today` to this date's next anniversary (its month and day
  // in today's year, or the next year's once passed; 0 on the day). A
  // 29 February falls on 28 February in other years. -1 when unknown.
  int32_t DaysToAnniversary(Date today) const;

  constexpr auto operator<=>(const Date&) const = default;

 private:
  static constexpr int32_t kUnknownDays = INT32_MIN;
  constexpr explicit Date(int32_t days) : days_(days) {}
  int32_t days_ = kUnknownDays;
};

// 消费能力. Rules and input accept low/mid/high and 低/中/高.
enum class Consumption : uint8_t { kUnknown, kLow, kMid, kHigh };
// 购买行为. Rules and input accept online/offline/both and 线上/线下/线上线下.
enum class Channel : uint8_t { kUnknown, kOnline, kOffline, kBoth };
// How feedback was collected (seed: 在线调查、电话回访、面对面交流).
enum class FeedbackSource : uint8_t { kUnknown, kSurvey, kPhone, kFaceToFace, kOnline };

// Canonical English names ("low", "online", "face_to_face"; "" for unknown).
std::string_view ConsumptionName(Consumption value);
std::string_view ChannelName(Channel value);
std::string_view FeedbackSourceName(FeedbackSource value);

// Parse canonical names, their Chinese forms and (for English) any letter
// case. INVALID_ARGUMENT listing the accepted values otherwise.
absl::StatusOr<Consumption> ParseConsumption(std::string_view text);
absl::StatusOr<Channel> ParseChannel(std::string_view text);
absl::StatusOr<FeedbackSource> ParseFeedbackSource(std::string_view text);

// Points that leave the balance on a day (rules/points.h).
struct ExpiringPoints {
  Date on;  // the first day without them
  int64_t points = 0;
  auto operator<=>(const ExpiringPoints&) const = default;
};

// What a daily figure counts. The numbers are stored: never renumber.
enum class HistoryFigure : uint8_t {
  kPurchases = 1,     // purchases made that day, less those taken back
  kSpent = 2,         // their amount, in Decimal units
  kPointsEarned = 3,  // the points they earned, less what returns took back
  kInteractions = 4,  // interactions that day whose rule is `key` ("" none matched)
  // On a day satisfaction changed: its value before (units; 0 never rated).
  kSatisfactionBefore = 5,
  // A product's feedback (Feedback::product_history):
  kProductFeedback = 6,      // feedback given that day
  kProductRated = 7,         // of it, with a satisfaction
  kProductSatisfaction = 8,  // the sum of those satisfactions, in Decimal units
  kProductMentions = 9,      // of it, mentioning any phrase of list `key` (PhraseListKey)
  // Custom events (rules/events.h), by type (`key`):
  kEvents = 10,     // the customer's events of type `key` that day
  kLastEvent = 11,  // the day of the customer's latest event of type `key`, whatever the
                    // window (`value`: how many of that type ever); one row per type
  // Event earning rules (`key`: the rule's id): what they credited for the
  // customer's events that day, for their limits.
  kEventRuleTimes = 12,   // how many of the events earned by the rule
  kEventRulePoints = 13,  // the points they earned by it
};

// One figure of one day of a customer's history (rules/history.h).
struct HistoryDay {
  Date day;
  HistoryFigure figure = HistoryFigure::kPurchases;
  std::string key;    // kInteractions: the interaction rule; kProductMentions: the phrases
  int64_t value = 0;  // a count, points, or Decimal units (kSpent, kSatisfactionBefore)
  auto operator<=>(const HistoryDay&) const = default;
};

struct Customer {
  std::string id;
  std::string name;
  int64_t age = 0;                        // years, 0..150
  std::string gender;
  std::string occupation;
  Consumption consumption = Consumption::kUnknown;
  Channel channel = Channel::kUnknown;
  int64_t purchase_frequency = 0;         // purchases in the stats window
  Decimal average_purchase_amount;        // currency units, >= 0
  Decimal total_spent;                    // currency units, >= 0
  Decimal satisfaction;                   // 1.00..5.00; 0 when never rated
  int64_t interaction_count = 0;
  // Loyalty balance: the ledger's sum, less points that expired by today
  // (rules/points.h). points - points_pending is what can be spent.
  int64_t points = 0;
  int64_t points_pending = 0;             // of the balance, not yet spendable
  int64_t points_lifetime = 0;            // earned ever, less what returns took back
  int64_t points_owed = 0;                // owed by returns after spending
  std::vector<ExpiringPoints> points_expiring;  // upcoming expiries, by day
  std::string tier;                       // as stored; rules compute their own
  std::string previous_tier;              // the stored tier before the last change ("" none)
  Date tier_since;                        // day of the last change of the stored tier
  // A tier set by hand holds through this day: the rules give `tier` (when
  // the ruleset has it) instead of computing one. Unknown: none.
  Date manual_tier_until;
  // The figures tiers qualify on, over the months of the loyalty file's
  // tier_policy (rules/tiers.h): points purchases earned and the amount
  // they came to, less returns. 0 when the tiers qualify on the balance.
  int64_t qualifying_points = 0;
  Decimal qualifying_spent;
  // The day a downgrade scheduled by the tier policy takes effect, unless
  // the customer qualifies again first. Unknown: none.
  Date tier_downgrade_on;
  // RFM scores 1..5 (rules/rfm.h): recency, frequency and monetary value
  // of the purchases. 0: not scored (the ruleset has no rfm file, or its
  // quantiles were never computed).
  int64_t rfm_r = 0;
  int64_t rfm_f = 0;
  int64_t rfm_m = 0;
  Date birthday;
  Date joined_at;
  Date last_purchase_at;
  // What the customer did in the days that the ruleset's windowed facts
  // look at (RuleSet::HistoryDays), one row per day and figure, in any
  // order; empty when the rules read no such fact.
  std::vector<HistoryDay> history;
};

struct Purchase {
  std::string id;
  Decimal amount;                         // currency units, > 0
  std::string product;
  Channel channel = Channel::kUnknown;
  // The day it was made; earning rules see it as today() (unknown: the
  // evaluation's day).
  Date date;
  std::string category;                   // the product's, from the catalogue
  int64_t quantity = 1;                   // items, >= 1
};

// An interaction such as a review: "好评", "差评", or free text containing them.
struct Interaction {
  std::string text;
};

struct Feedback {
  std::string product;                    // e.g. "产品A"
  std::string text;                       // e.g. "功能更强大,价格更优惠"
  FeedbackSource source = FeedbackSource::kUnknown;
  Decimal satisfaction;  // the rating given with it, 1..5; 0: none
  // The day it was given; unknown: the evaluation's day. Product facts
  // count it only when their window holds this day.
  Date day;
  // The product's earlier feedback by day, as far back as the ruleset's
  // product facts look (RuleSet::ProductHistoryDays; rules/history.h):
  // kProductFeedback, kProductRated, kProductSatisfaction and
  // kProductMentions rows, in any order.
  std::vector<HistoryDay> product_history;
};

// The value of one attribute of a custom event, as its type declares it
// (rules/events.h): a number, a text, a date, or a customer's id (text).
struct EventValue {
  Decimal number;
  std::string text;
  Date date;
  // False for an optional attribute the event left out: a number reads 0,
  // a text "", a date unknown.
  bool given = false;
};

// Something a customer did that the ruleset declares as an event type,
// such as a review or a referral (rules/events.h builds one from text).
struct CustomEvent {
  std::string type;  // a type declared by the ruleset's events file
  // The day it happened; event earning rules see it as today() (unknown:
  // the evaluation's day).
  Date day;
  std::vector<EventValue> values;  // one per attribute of its type, in declaration order
};

// The names of every customer field, in declaration order.
const std::vector<std::string>& CustomerFieldNames();

// The English field name for a field name of the seed articles (年龄 -> age,
// 消费能力 -> consumption, 满意度 -> satisfaction, 积分 -> points ...);
// other names are returned unchanged.
std::string_view CanonicalFieldName(std::string_view field);

// Sets the customer field `field` (English or seed name) from its text form: numbers as decimal
// text ("25", "4.10"), dates as "YYYY-MM-DD", enums by any accepted name.
// Validates ranges (age 0..150, satisfaction 1..5 with at most two
// decimals, amounts and counts not negative). On error returns
// INVALID_ARGUMENT naming the field and the problem (unknown fields get a
// "did you mean") and leaves *customer unchanged.
absl::Status SetCustomerField(Customer* customer, std::string_view field,
                              std::string_view text);

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_CUSTOMER_H_
