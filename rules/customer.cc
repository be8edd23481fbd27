#include "rules/customer.h"

#include <array>
#include <ctime>

#include "common/utf8.h"
#include "common/strings.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rules/diagnostic.h"
#include "rules/points.h"

namespace clientele::rules {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

absl::CivilDay ToCivil(int32_t days) { return kEpoch + days; }

// One accepted spelling of an enum value.
template <typename Enum>
struct Spelling {
  std::string_view text;
  Enum value;
};

template <typename Enum, size_t N>
absl::StatusOr<Enum> ParseEnum(std::string_view what, std::string_view text,
                               const std::array<Spelling<Enum>, N>& spellings) {
  const std::string lowered = utf8::AsciiLower(text);
  for (const auto& spelling : spellings) {
    if (spelling.text == lowered) return spelling.value;
  }
  std::vector<std::string> accepted;
  for (const auto& spelling : spellings) accepted.emplace_back(spelling.text);
  return absl::InvalidArgumentError(
      StrCat("'", text, "' is not a ", what, DidYouMeanSuffix(lowered, accepted),
                   " (accepted: ", StrJoin(accepted, ", "), ")"));
}

constexpr std::array<Spelling<Consumption>, 6> kConsumptionSpellings{{
    {"low", Consumption::kLow}, {"mid", Consumption::kMid},
    {"high", Consumption::kHigh}, {"低", Consumption::kLow},
    {"中", Consumption::kMid}, {"高", Consumption::kHigh}}};
constexpr std::array<Spelling<Channel>, 6> kChannelSpellings{{
    {"online", Channel::kOnline}, {"offline", Channel::kOffline},
    {"both", Channel::kBoth}, {"线上", Channel::kOnline},
    {"线下", Channel::kOffline}, {"线上线下", Channel::kBoth}}};
constexpr std::array<Spelling<FeedbackSource>, 9> kFeedbackSourceSpellings{{
    {"survey", FeedbackSource::kSurvey}, {"phone", FeedbackSource::kPhone},
    {"face_to_face", FeedbackSource::kFaceToFace},
    {"online", FeedbackSource::kOnline}, {"在线调查", FeedbackSource::kSurvey},
    {"电话回访", FeedbackSource::kPhone}, {"面对面交流", FeedbackSource::kFaceToFace},
    {"在线", FeedbackSource::kOnline}, {"问卷调查", FeedbackSource::kSurvey}}};

absl::StatusOr<int64_t> ParseCount(std::string_view text, int64_t max) {
  int64_t value;
  if (!ParseInteger(text, &value)) {
    return absl::InvalidArgumentError(StrCat("'", text, "' is not a whole number"));
  }
  if (value < 0 || value > max) {
    return absl::InvalidArgumentError(
        StrCat(value, " is out of range (0..", max, ")"));
  }
  return value;
}

absl::StatusOr<Decimal> ParseAmount(std::string_view text) {
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  if (!value.ok()) return value.status();
  if (*value < Decimal()) {
    return absl::InvalidArgumentError(StrCat(text, " is negative"));
  }
  return value;
}

absl::StatusOr<Decimal> ParseSatisfaction(std::string_view text) {
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  if (!value.ok()) return value.status();
  if (*value < Decimal::FromInteger(1) || *value > Decimal::FromInteger(5)) {
    return absl::InvalidArgumentError(StrCat(text, " is outside 1.00..5.00"));
  }
  if (value->Round(2) != *value) {
    return absl::InvalidArgumentError(
        StrCat(text, " has more than two decimals"));
  }
  return value;
}

// Applies the parsed value of `text` to `*target` only when parsing works,
// so that a failed field leaves the customer unchanged.
template <typename T, typename Parser>
absl::Status Assign(T* target, std::string_view text, Parser parse) {
  absl::StatusOr<T> value = parse(text);
  if (!value.ok()) return value.status();
  *target = *value;
  return absl::OkStatus();
}

absl::Status AssignText(std::string* target, std::string_view text) {
  *target = std::string(text);
  return absl::OkStatus();
}

constexpr int64_t kMaxCount = 1'000'000'000'000;

absl::Status SetField(Customer* c, std::string_view field, std::string_view text) {
  auto count = [&](std::string_view t) { return ParseCount(t, kMaxCount); };
  if (field == "id") return AssignText(&c->id, text);
  if (field == "name") return AssignText(&c->name, text);
  if (field == "gender") return AssignText(&c->gender, text);
  if (field == "occupation") return AssignText(&c->occupation, text);
  if (field == "tier") return AssignText(&c->tier, text);
  if (field == "previous_tier") return AssignText(&c->previous_tier, text);
  if (field == "tier_since") return Assign(&c->tier_since, text, Date::Parse);
  if (field == "manual_tier_until") return Assign(&c->manual_tier_until, text, Date::Parse);
  if (field == "tier_downgrade_on") return Assign(&c->tier_downgrade_on, text, Date::Parse);
  if (field == "qualifying_points") return Assign(&c->qualifying_points, text, count);
  auto score = [](std::string_view t) { return ParseCount(t, 5); };
  if (field == "rfm.r") return Assign(&c->rfm_r, text, score);
  if (field == "rfm.f") return Assign(&c->rfm_f, text, score);
  if (field == "rfm.m") return Assign(&c->rfm_m, text, score);
  if (field == "qualifying_spent") return Assign(&c->qualifying_spent, text, ParseAmount);
  if (field == "age") {
    return Assign(&c->age, text, [](std::string_view t) { return ParseCount(t, 150); });
  }
  if (field == "consumption") return Assign(&c->consumption, text, ParseConsumption);
  if (field == "channel") return Assign(&c->channel, text, ParseChannel);
  if (field == "purchase_frequency") return Assign(&c->purchase_frequency, text, count);
  if (field == "interaction_count") return Assign(&c->interaction_count, text, count);
  if (field == "points") {
    // Below zero after a return under returns_after_spending: negative_balance.
    return Assign(&c->points, text, [](std::string_view t) -> absl::StatusOr<int64_t> {
      if (t.starts_with('-')) {
        absl::StatusOr<int64_t> owed = ParseCount(t.substr(1), kMaxCount);
        if (!owed.ok()) return owed.status();
        return -*owed;
      }
      return ParseCount(t, kMaxCount);
    });
  }
  if (field == "points_pending") return Assign(&c->points_pending, text, count);
  if (field == "points_lifetime") return Assign(&c->points_lifetime, text, count);
  if (field == "points_owed") return Assign(&c->points_owed, text, count);
  if (field == "points_expiring") return Assign(&c->points_expiring, text, ParseExpiringPoints);
  if (field == "average_purchase_amount") {
    return Assign(&c->average_purchase_amount, text, ParseAmount);
  }
  if (field == "total_spent") return Assign(&c->total_spent, text, ParseAmount);
  if (field == "satisfaction") return Assign(&c->satisfaction, text, ParseSatisfaction);
  if (field == "birthday") return Assign(&c->birthday, text, Date::Parse);
  if (field == "joined_at") return Assign(&c->joined_at, text, Date::Parse);
  if (field == "last_purchase_at") return Assign(&c->last_purchase_at, text, Date::Parse);
  return absl::NotFoundError("");
}

}  // namespace

absl::StatusOr<Date> Date::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is not a date: ", why));
  };
  int year, month, day;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ParseInteger(text.substr(0, 4), &year) ||
      !ParseInteger(text.substr(5, 2), &month) ||
      !ParseInteger(text.substr(8, 2), &day)) {
    return invalid("write it as YYYY-MM-DD, e.g. 2026-05-01");
  }
  if (year < 1900 || year > 2200) return invalid("the year must be 1900..2200");
  absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return invalid("there is no such day");
  }
  return Date(static_cast<int32_t>(civil - kEpoch));
}

Date Date::Today() { return At(absl::Now(), absl::UTCTimeZone()); }

Date Date::At(absl::Time instant, absl::TimeZone zone) {
  return Date(static_cast<int32_t>(absl::ToCivilDay(instant, zone) - kEpoch));
}

int Date::year() const { return known() ? static_cast<int>(ToCivil(days_).year()) : 0; }
int Date::month() const { return known() ? ToCivil(days_).month() : 0; }
int Date::day() const { return known() ? ToCivil(days_).day() : 0; }

std::string Date::ToString() const {
  if (!known()) return "";
  absl::CivilDay civil = ToCivil(days_);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(civil.year()),
                civil.month(), civil.day());
  return buffer;
}

int Date::Weekday() const {
  if (!known()) return 0;
  switch (absl::GetWeekday(ToCivil(days_))) {
    case absl::Weekday::monday: return 1;
    case absl::Weekday::tuesday: return 2;
    case absl::Weekday::wednesday: return 3;
    case absl::Weekday::thursday: return 4;
    case absl::Weekday::friday: return 5;
    case absl::Weekday::saturday: return 6;
    case absl::Weekday::sunday: return 7;
  }
  return 0;
}

Date Date::StartOfMonth() const {
  if (!known()) return Date();
  return Date(static_cast<int32_t>(absl::CivilDay(absl::CivilMonth(ToCivil(days_))) - kEpoch));
}

Date Date::StartOfYear() const {
  if (!known()) return Date();
  return Date(static_cast<int32_t>(absl::CivilDay(absl::CivilYear(ToCivil(days_))) - kEpoch));
}

Date Date::EndOfMonth() const {
  if (!known()) return Date();
  const absl::CivilDay next_month(absl::CivilMonth(ToCivil(days_)) + 1);
  return Date(static_cast<int32_t>(next_month - 1 - kEpoch));
}

int32_t Date::DaysToAnniversary(Date today) const {
  if (!known() || !today.known()) return -1;
  const absl::CivilDay date = ToCivil(days_);
  const absl::CivilDay now = ToCivil(today.days_);
  // The anniversary in `year`: 29 February becomes 28 February when the
  // year has none (CivilDay would roll it over to 1 March).
  auto in_year = [&](absl::civil_year_t year) {
    absl::CivilDay day(year, date.month(), date.day());
    if (day.month() != date.month()) day = absl::CivilDay(year, date.month() + 1, 1) - 1;
    return day;
  };
  absl::CivilDay next = in_year(now.year());
  if (next < now) next = in_year(now.year() + 1);
  return static_cast<int32_t>(next - now);
}

std::string_view ConsumptionName(Consumption value) {
  switch (value) {
    case Consumption::kLow: return "low";
    case Consumption::kMid: return "mid";
    case Consumption::kHigh: return "high";
    case Consumption::kUnknown: break;
  }
  return "";
}

std::string_view ChannelName(Channel value) {
  switch (value) {
    case Channel::kOnline: return "online";
    case Channel::kOffline: return "offline";
    case Channel::kBoth: return "both";
    case Channel::kUnknown: break;
  }
  return "";
}

std::string_view FeedbackSourceName(FeedbackSource value) {
  switch (value) {
    case FeedbackSource::kSurvey: return "survey";
    case FeedbackSource::kPhone: return "phone";
    case FeedbackSource::kFaceToFace: return "face_to_face";
    case FeedbackSource::kOnline: return "online";
    case FeedbackSource::kUnknown: break;
  }
  return "";
}

absl::StatusOr<Consumption> ParseConsumption(std::string_view text) {
  return ParseEnum("consumption level", text, kConsumptionSpellings);
}

absl::StatusOr<Channel> ParseChannel(std::string_view text) {
  return ParseEnum("purchase channel", text, kChannelSpellings);
}

absl::StatusOr<FeedbackSource> ParseFeedbackSource(std::string_view text) {
  return ParseEnum("feedback source", text, kFeedbackSourceSpellings);
}

const std::vector<std::string>& CustomerFieldNames() {
  static const auto* const kNames = new std::vector<std::string>{"id",
                                                                 "name",
                                                                 "age",
                                                                 "gender",
                                                                 "occupation",
                                                                 "consumption",
                                                                 "channel",
                                                                 "purchase_frequency",
                                                                 "average_purchase_amount",
                                                                 "total_spent",
                                                                 "satisfaction",
                                                                 "interaction_count",
                                                                 "points",
                                                                 "points_pending",
                                                                 "points_lifetime",
                                                                 "points_owed",
                                                                 "points_expiring",
                                                                 "tier",
                                                                 "previous_tier",
                                                                 "tier_since",
                                                                 "manual_tier_until",
                                                                 "qualifying_points",
                                                                 "qualifying_spent",
                                                                 "tier_downgrade_on",
                                                                 "rfm.r",
                                                                 "rfm.f",
                                                                 "rfm.m",
                                                                 "birthday",
                                                                 "joined_at",
                                                                 "last_purchase_at"};
  return *kNames;
}

std::string_view CanonicalFieldName(std::string_view field) {
  // The seed articles' own column names.
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"客户ID", "id"},
      {"姓名", "name"},
      {"年龄", "age"},
      {"性别", "gender"},
      {"职业", "occupation"},
      {"消费能力", "consumption"},
      {"购买行为", "channel"},
      {"购买频率", "purchase_frequency"},
      {"平均购买金额", "average_purchase_amount"},
      {"满意度", "satisfaction"},
      {"互动次数", "interaction_count"},
      {"积分", "points"},
      {"会员等级", "tier"},
      {"生日", "birthday"},
      {"rfm_r", "rfm.r"},
      {"rfm_f", "rfm.f"},
      {"rfm_m", "rfm.m"},
      {"rfm.recency", "rfm.r"},
      {"rfm.frequency", "rfm.f"},
      {"rfm.monetary", "rfm.m"}};
  for (const auto& [alias, name] : kAliases) {
    if (alias == field) return name;
  }
  return field;
}

absl::Status SetCustomerField(Customer* customer, std::string_view field,
                              std::string_view text) {
  field = CanonicalFieldName(field);
  absl::Status status = SetField(customer, field, text);
  if (absl::IsNotFound(status)) {
    return absl::InvalidArgumentError(
        StrCat("unknown customer field '", field, "'",
                     DidYouMeanSuffix(field, CustomerFieldNames())));
  }
  if (!status.ok()) {
    return absl::InvalidArgumentError(StrCat(field, ": ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace clientele::rules
