// The date functions of rules (rules/internal/compiler.cc, program.cc
// EvalNode) and the Date methods behind them (rules/customer.h):
// weekday(date) 1 = Monday .. 7 = Sunday, start_of_month(date),
// end_of_month(date), days_until(date) (negative when past) and
// days_until_birthday(date) (to the next anniversary; 29 February falls on
// 28 February in other years; 0 on the day). Unknown dates give 0
// (weekday), an unknown date (start/end_of_month), -36500 (days_until)
// and 36500 (days_until_birthday). Wrong arguments are compile errors;
// weekday and the month ends of a literal date are folded at load time,
// the day counts (which depend on today) are not.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

// ------------------------------------------------------------- Date methods

TEST(DateFunctionsDate, WeekdayIsIso) {
  const std::vector<std::pair<std::string_view, int>> days = {
      {"2026-11-30", 1}, {"2026-12-01", 2}, {"2026-12-02", 3}, {"2026-12-03", 4}, {"2026-12-04", 5},
      {"2026-12-05", 6}, {"2026-12-06", 7}, {"2026-12-07", 1}, {"1970-01-01", 4}, {"2000-02-29", 2},
      {"1900-01-01", 1}, {"2200-12-31", 3}, {"2024-02-29", 4}};
  for (const auto& [text, weekday] : days) {
    EXPECT_EQ(Day(text).Weekday(), weekday) << text;
  }
  EXPECT_EQ(Date().Weekday(), 0);
}

TEST(DateFunctionsDate, StartAndEndOfMonth) {
  struct Month {
    std::string_view day, start, end;
  };
  const std::vector<Month> months = {
      {"2026-12-06", "2026-12-01", "2026-12-31"},  // December: not into next year's January
      {"2026-12-31", "2026-12-01", "2026-12-31"},
      {"2026-12-01", "2026-12-01", "2026-12-31"},
      {"2026-01-31", "2026-01-01", "2026-01-31"},
      {"2026-02-10", "2026-02-01", "2026-02-28"},  // not a leap year
      {"2024-02-10", "2024-02-01", "2024-02-29"},  // a leap year
      {"2024-02-29", "2024-02-01", "2024-02-29"},
      {"2000-02-01", "2000-02-01", "2000-02-29"},  // divisible by 400: leap
      {"2100-02-15", "2100-02-01", "2100-02-28"},  // divisible by 100 only: not
      {"2026-04-30", "2026-04-01", "2026-04-30"},
      {"1900-01-01", "1900-01-01", "1900-01-31"},
      {"2200-12-31", "2200-12-01", "2200-12-31"},
  };
  for (const Month& m : months) {
    SCOPED_TRACE(m.day);
    EXPECT_EQ(Day(m.day).StartOfMonth().ToString(), m.start);
    EXPECT_EQ(Day(m.day).EndOfMonth().ToString(), m.end);
  }
  EXPECT_FALSE(Date().StartOfMonth().known());
  EXPECT_FALSE(Date().EndOfMonth().known());
}

TEST(DateFunctionsDate, DaysToAnniversary) {
  struct Case {
    std::string_view date, today;
    int32_t days;
  };
  const std::vector<Case> cases = {
      // 29 February: on 28 February in other years, on the 29th in leap ones.
      {"1992-02-29", "2027-02-27", 1},
      {"1992-02-29", "2027-02-28", 0},
      {"1992-02-29", "2028-02-28", 1},
      {"1992-02-29", "2028-02-29", 0},
      {"1992-02-29", "2026-03-01", 364},  // to 2027-02-28
      {"1992-02-29", "2028-03-01", 364},  // to 2029-02-28
      {"1992-02-29", "2027-03-01", 365},  // to 2028-02-29
      // Others.
      {"1991-11-02", "2026-12-06", 331},  // passed this year: next year's
      {"1991-12-06", "2026-12-06", 0},
      {"1991-12-07", "2026-12-06", 1},
      {"1991-12-05", "2026-12-06", 364},
      {"1990-12-31", "2026-12-31", 0},
      {"1990-01-01", "2026-12-31", 1},    // across the new year
      {"1990-02-28", "2028-02-29", 365},  // the 28th has passed in a leap year
      {"2030-06-01", "2026-06-01", 0},    // a date in the future: its month and day
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Day(c.date).DaysToAnniversary(Day(c.today)), c.days) << c.date << " from " << c.today;
  }
  EXPECT_EQ(Date().DaysToAnniversary(Day("2026-12-06")), -1);
  EXPECT_EQ(Day("1992-02-29").DaysToAnniversary(Date()), -1);
}

// --------------------------------------------------------- in rules: values

// The whole number `formula` gives for `customer` on `today`, read as the
// points of a purchase without a day of its own (so that today() is
// `today` in the earning default too).
int64_t Value(std::string_view formula, const Customer& customer, std::string_view today) {
  LoadResult loaded = RuleSet::LoadSources({{"loyalty.yaml",
                                             "kind: loyalty\n"
                                             "earning:\n"
                                             "  rules: []\n"
                                             "  default:\n"
                                             "    id: value\n"
                                             "    points: " +
                                                 std::string(formula) + "\n"}});
  EXPECT_TRUE(loaded.ok()) << formula << "\n" << FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return INT64_MIN;
  Customer rich = customer;
  rich.points = 1'000'000;  // room for negative values
  Purchase purchase;
  purchase.amount = Decimal::FromInteger(1);
  Decision decision;
  EXPECT_THAT(loaded.ruleset->Evaluate({&rich, &purchase, nullptr, nullptr, Day(today)}, &decision),
              IsOk())
      << formula;
  return decision.loyalty.points_earned;
}

Customer BornOn(std::string_view birthday) {
  Customer customer;
  customer.id = "c-1";
  if (!birthday.empty()) customer.birthday = Day(birthday);
  return customer;
}

// A date as a number: YYYYMMDD (0 for an unknown date).
std::string AsNumber(std::string_view date_expression) {
  const std::string d(date_expression);
  return "year(" + d + ") * 10000 + month(" + d + ") * 100 + day(" + d + ")";
}

TEST(DateFunctionsInRules, Weekday) {
  EXPECT_EQ(Value("weekday(birthday)", BornOn("2026-12-06"), "2026-12-06"), 7);
  EXPECT_EQ(Value("weekday(birthday)", BornOn("2026-12-05"), "2026-12-06"), 6);
  EXPECT_EQ(Value("weekday(birthday)", BornOn("2026-11-30"), "2026-12-06"), 1);
  EXPECT_EQ(Value("weekday(today())", BornOn(""), "2026-12-02"), 3);
  EXPECT_EQ(Value("weekday(\"2026-12-06\")", BornOn(""), "2026-12-02"), 7);
  EXPECT_EQ(Value("weekday(birthday)", BornOn(""), "2026-12-06"), 0) << "unknown";
}

TEST(DateFunctionsInRules, StartAndEndOfMonth) {
  EXPECT_EQ(Value(AsNumber("start_of_month(birthday)"), BornOn("2024-02-10"), "2026-12-06"),
            20240201);
  EXPECT_EQ(Value(AsNumber("end_of_month(birthday)"), BornOn("2024-02-10"), "2026-12-06"),
            20240229);
  EXPECT_EQ(Value(AsNumber("end_of_month(birthday)"), BornOn("2026-02-10"), "2026-12-06"),
            20260228);
  EXPECT_EQ(Value(AsNumber("end_of_month(today())"), BornOn(""), "2026-12-06"), 20261231);
  EXPECT_EQ(Value(AsNumber("start_of_month(today())"), BornOn(""), "2026-12-06"), 20261201);
  EXPECT_EQ(Value("day(end_of_month(\"2100-02-03\"))", BornOn(""), "2026-12-06"), 28);
  // Days left in the month, and since it started.
  EXPECT_EQ(Value("days_until(end_of_month(today()))", BornOn(""), "2026-12-06"), 25);
  EXPECT_EQ(Value("days_since(start_of_month(today()))", BornOn(""), "2026-12-06"), 5);
  // Unknown in, unknown out.
  EXPECT_EQ(Value(AsNumber("start_of_month(birthday)"), BornOn(""), "2026-12-06"), 0);
  EXPECT_EQ(Value(AsNumber("end_of_month(birthday)"), BornOn(""), "2026-12-06"), 0);
}

TEST(DateFunctionsInRules, DaysUntil) {
  EXPECT_EQ(Value("days_until(\"2026-12-25\")", BornOn(""), "2026-12-06"), 19);
  EXPECT_EQ(Value("days_until(\"2026-12-01\")", BornOn(""), "2026-12-06"), -5) << "past";
  EXPECT_EQ(Value("days_until(today())", BornOn(""), "2026-12-06"), 0);
  EXPECT_EQ(Value("days_until(birthday)", BornOn("2027-01-01"), "2026-12-06"), 26);
  EXPECT_EQ(Value("days_until(birthday)", BornOn(""), "2026-12-06"), -36500) << "unknown";
}

TEST(DateFunctionsInRules, DaysUntilBirthday) {
  const Customer leap = BornOn("1992-02-29");
  EXPECT_EQ(Value("days_until_birthday(birthday)", leap, "2027-02-27"), 1);
  EXPECT_EQ(Value("days_until_birthday(birthday)", leap, "2027-02-28"), 0);
  EXPECT_EQ(Value("days_until_birthday(birthday)", leap, "2028-02-28"), 1);
  EXPECT_EQ(Value("days_until_birthday(birthday)", leap, "2028-02-29"), 0);
  EXPECT_EQ(Value("days_until_birthday(birthday)", leap, "2026-03-01"), 364);
  EXPECT_EQ(Value("days_until_birthday(birthday)", BornOn("1991-11-02"), "2026-12-06"), 331);
  EXPECT_EQ(Value("days_until_birthday(birthday)", BornOn(""), "2026-12-06"), 36500) << "unknown";
  EXPECT_EQ(Value("days_until_birthday(\"2000-12-25\")", BornOn(""), "2026-12-06"), 19);
}

// In a condition: an unknown date leaves the rules that look ahead alone.
TEST(DateFunctionsInRules, UnknownDatesDoNotMatchLookingAhead) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"offers.yaml",
        "kind: offers\n"
        "offers:\n"
        "  - {id: birthday_week, when: days_until_birthday(birthday) <= 7, offer: 生日周, "
        "stacking: stackable}\n"
        "  - {id: anniversary_soon, when: days_until(joined_at) >= 0, offer: 周年, "
        "stacking: stackable}\n"
        "  - {id: weekend_born, when: weekday(birthday) >= 6, offer: 周末生, stacking: stackable}\n"
        "  - {id: early_month_born, when: start_of_month(birthday) < \"1900-01-01\", offer: 未知, "
        "stacking: stackable}\n"}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  auto offers = [&](const Customer& customer, std::string_view today) {
    Decision decision;
    EXPECT_THAT(
        loaded.ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, Day(today)}, &decision),
        IsOk());
    std::vector<std::string> out;
    for (const OfferGrant& o : decision.offers) out.emplace_back(o.rule_id);
    return out;
  };
  Customer unknown;
  unknown.id = "c-1";
  // start_of_month of an unknown date is unknown, earlier than every date.
  EXPECT_THAT(offers(unknown, "2026-12-06"), ElementsAre("early_month_born"));
  Customer known = BornOn("1990-12-08");  // a Saturday
  known.joined_at = Day("2026-12-06");
  EXPECT_THAT(offers(known, "2026-12-06"),
              ElementsAre("birthday_week", "anniversary_soon", "weekend_born"));
  EXPECT_THAT(offers(known, "2026-12-09"), ElementsAre("weekend_born"));
}

// ------------------------------------------------------- compile-time errors

std::vector<std::string> Headlines(const LoadResult& loaded) {
  std::vector<std::string> out;
  for (const Diagnostic& d : loaded.diagnostics) out.push_back(d.Headline());
  return out;
}

// A segmentation rule whose condition starts on line 6, column 15.
LoadResult SegmentWhen(std::string_view condition) {
  return RuleSet::LoadSources({{"segments.yaml",
                                "kind: segmentation\n"
                                "dimensions:\n"
                                "  - id: d\n"
                                "    rules:\n"
                                "      - id: r\n"
                                "        when: " +
                                    std::string(condition) +
                                    "\n"
                                    "        segment: s\n"
                                    "    default: other\n"}});
}

TEST(DateFunctionsErrors, WrongArgumentsAreCompileErrorsWithAMessage) {
  struct Case {
    std::string condition;
    std::string headline;  // a part of the first diagnostic's headline
    std::string hint;      // "" unchecked
  };
  const std::vector<Case> cases = {
      {"weekday(age) == 7",
       "segments.yaml:6:23: error: weekday() needs a date here; this is a whole number",
       "dates are fields such as birthday, or text like \"2026-01-31\""},
      {"days_until(name) > 0",
       "segments.yaml:6:26: error: days_until() needs a date here; this is a text", ""},
      {"days_until_birthday(satisfaction) < 7",
       "segments.yaml:6:35: error: days_until_birthday() needs a date here; this is a decimal "
       "number",
       ""},
      {"start_of_month(true) == today()",
       "segments.yaml:6:30: error: start_of_month() needs a date here; this is a true/false", ""},
      {"weekday() == 1", "segments.yaml:6:15: error: weekday() takes 1 argument, not 0",
       "write weekday(date)"},
      {"end_of_month(birthday, today()) == today()",
       "segments.yaml:6:15: error: end_of_month() takes 1 argument, not 2",
       "write end_of_month(date)"},
      {"weekday(\"2026-02-30\") == 1",
       "segments.yaml:6:23: error: '2026-02-30' is not a date: there is no such day", ""},
      {"weekday(\"soon\") == 1",
       "segments.yaml:6:23: error: 'soon' is not a date: write it as YYYY-MM-DD", ""},
      {"weekday(birthday) == \"Sunday\"",
       "segments.yaml:6:15: error: cannot compare a whole number with a text", ""},
      {"start_of_month(birthday) == 3",
       "segments.yaml:6:15: error: cannot compare a date with a whole number", ""},
      {"end_of_month(birthday) + 1 > 0",
       "segments.yaml:6:15: error: '+' works on numbers; this is a date", ""},
      {"weekday(birthday)",
       "segments.yaml:6:15: error: 'when' must be a true/false; this is a whole number",
       "compare it with something, e.g. age < 40"},
      {"weekdy(birthday) == 1", "error: unknown function 'weekdy'; did you mean 'weekday'?", ""},
      {"days_untill(birthday) == 1",
       "error: unknown function 'days_untill'; did you mean 'days_until'?", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.condition);
    LoadResult loaded = SegmentWhen(c.condition);
    EXPECT_FALSE(loaded.ok());
    ASSERT_FALSE(loaded.diagnostics.empty());
    EXPECT_THAT(loaded.diagnostics[0].Headline(), HasSubstr(c.headline));
    if (!c.hint.empty()) {
      EXPECT_EQ(loaded.diagnostics[0].hint, c.hint);
    }
  }
}

TEST(DateFunctionsErrors, TheNewNamesAreReservedForParameters) {
  LoadResult loaded =
      RuleSet::LoadSources({{"parameters.yaml", "kind: parameters\nparameters:\n  weekday: 3\n"}});
  EXPECT_FALSE(loaded.ok()) << "a parameter named like a function";
}

// -------------------------------------------------------- constant folding

// weekday(), start_of_month() and end_of_month() of a literal date are
// computed when the rules load: the condition becomes a constant, which
// the loader's checks of rule lists see.
TEST(DateFunctionsFolding, WeekdayOfALiteralIsFoldedAtLoadTime) {
  // Always false: the rule can never match.
  LoadResult never = SegmentWhen("weekday(\"2026-12-06\") == 6");
  ASSERT_TRUE(never.ok()) << FormatDiagnostics(never.diagnostics);
  EXPECT_THAT(Headlines(never),
              ElementsAre(HasSubstr("segments.yaml:6:15: warning: rule 'r' can never match")));

  LoadResult month_end = SegmentWhen("end_of_month(\"2024-02-03\") != \"2024-02-29\"");
  ASSERT_TRUE(month_end.ok()) << FormatDiagnostics(month_end.diagnostics);
  EXPECT_THAT(Headlines(month_end),
              ElementsAre(HasSubstr("segments.yaml:6:15: warning: rule 'r' can never match")));

  // Always true: no warning, and every customer gets the segment.
  LoadResult always = SegmentWhen("weekday(\"2026-12-06\") == 7");
  ASSERT_TRUE(always.ok()) << FormatDiagnostics(always.diagnostics);
  EXPECT_THAT(always.diagnostics, IsEmpty()) << FormatDiagnostics(always.diagnostics);
  Customer customer;
  customer.id = "c-1";
  Decision decision;
  ASSERT_THAT(always.ruleset->Evaluate({&customer, nullptr, nullptr, nullptr, Day("2026-12-02")},
                                       &decision),
              IsOk());
  EXPECT_EQ(decision.SegmentOf("d"), "s");
}

// An always-true rule shadows the rules after it.
TEST(DateFunctionsFolding, AFoldedTrueConditionShadowsLaterRules) {
  LoadResult loaded = RuleSet::LoadSources(
      {{"segments.yaml",
        "kind: segmentation\n"
        "dimensions:\n"
        "  - id: d\n"
        "    rules:\n"
        "      - {id: first, when: start_of_month(\"2026-12-06\") == \"2026-12-01\", segment: a}\n"
        "      - {id: second, when: age > 30, segment: b}\n"
        "    default: other\n"}});
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(
      Headlines(loaded),
      ElementsAre("segments.yaml:6:28: error: rule 'second' can never match: the earlier "
                  "rule 'first' (line 5) in dimension 'd' matches every customer it would"));
}

// The day counts depend on today: never folded, even of a literal.
TEST(DateFunctionsFolding, DayCountsOfALiteralAreNotFolded) {
  LoadResult loaded = SegmentWhen("days_until(\"2026-12-06\") == 0");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  EXPECT_THAT(loaded.diagnostics, IsEmpty()) << FormatDiagnostics(loaded.diagnostics);
  Customer customer;
  customer.id = "c-1";
  auto segment = [&](const RuleSet& rules, std::string_view today) {
    Decision decision;
    EXPECT_THAT(rules.Evaluate({&customer, nullptr, nullptr, nullptr, Day(today)}, &decision),
                IsOk());
    return std::string(decision.SegmentOf("d"));
  };
  EXPECT_EQ(segment(*loaded.ruleset, "2026-12-06"), "s");
  EXPECT_EQ(segment(*loaded.ruleset, "2026-12-05"), "other");

  LoadResult birthday = SegmentWhen("days_until_birthday(\"2000-12-06\") == 0");
  ASSERT_TRUE(birthday.ok()) << FormatDiagnostics(birthday.diagnostics);
  EXPECT_THAT(birthday.diagnostics, IsEmpty()) << FormatDiagnostics(birthday.diagnostics);
  EXPECT_EQ(segment(*birthday.ruleset, "2027-12-06"), "s");
  EXPECT_EQ(segment(*birthday.ruleset, "2027-12-07"), "other");
  // And the rules that use them depend on the day.
  EXPECT_THAT(loaded.ruleset->DateDependentRules(),
              ElementsAre(std::pair<std::string, std::string>{"segmentation d", "r"}));
  EXPECT_THAT(birthday.ruleset->DateDependentRules(),
              ElementsAre(std::pair<std::string, std::string>{"segmentation d", "r"}));
}

}  // namespace
}  // namespace clientele::rules
