// Custom events (rules/events.h): building an event from its attributes'
// texts (MakeEvent), what the rules refuse in an events file when they
// load, what its earning rules credit (every rule that matches, to the
// event's customer or to the customer a `to:` attribute names), their
// limits and how much of them a history says is used (UsageFromHistory,
// by the period that holds the event's day), the facts events_in_last()
// and days_since_last_event(), the checks of the event an evaluation is
// given, and the explanation of an event earning rule.
#include "rules/events.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decimal.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/history.h"
#include "rules/offers.h"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Attributes = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kUnit = Decimal::kScale;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

// The event types of every ruleset below; `earning:` follows at line 14,
// its first rule at line kFirstRuleLine.
constexpr char kTypes[] =
    "kind: events\n"                                        //  1
    "types:\n"                                              //  2
    "  review:\n"                                           //  3
    "    description: a product review\n"                   //  4
    "    attributes:\n"                                     //  5
    "      stars: number\n"                                 //  6
    "      product: {type: text, required: false}\n"        //  7
    "      written_on: {type: date, required: false}\n"     //  8
    "  referral_completed:\n"                               //  9
    "    attributes:\n"                                     // 10
    "      referrer_id: customer\n"                         // 11
    "      backup_id: {type: customer, required: false}\n"  // 12
    "  app_login: {}\n";                                    // 13
constexpr int kFirstRuleLine = 15;

// Rules in flow style, so that a diagnostic's line says which: review_points
// at line 15 (and 16), review_bonus at 17, referral_reward at 18 (and 19),
// referral_welcome at 20, login_points at 21.
constexpr char kEarning[] =
    "  - {id: review_points, on: review, when: event.stars >= 4, points: 10,\n"
    "     limit: {times: 3, per: month}}\n"
    "  - {id: review_bonus, on: review, when: event.stars >= 5, points: 5}\n"
    "  - {id: referral_reward, on: referral_completed, points: 200, to: referrer_id,\n"
    "     limit: {times: 1}}\n"
    "  - {id: referral_welcome, on: referral_completed, points: 50}\n"
    "  - {id: login_points, on: app_login, points: 3, limit: {points: 5, per: week}}\n";
// Their indices in RuleSet::EventEarningRules() and EvalInput::event_usage.
constexpr size_t kReviewPoints = 0;
constexpr size_t kReviewBonus = 1;
constexpr size_t kReferralReward = 2;
constexpr size_t kReferralWelcome = 3;
constexpr size_t kLoginPoints = 4;

std::string EventsFile(std::string_view earning) {
  std::string text = kTypes;
  if (!earning.empty()) text += "earning:\n" + std::string(earning);
  return text;
}

LoadResult LoadEvents(std::string_view earning, std::vector<RuleSource> others = {}) {
  others.insert(others.begin(), RuleSource{"events.yaml", EventsFile(earning)});
  return RuleSet::LoadSources(std::move(others));
}

// A segmentation file whose one dimension, `activity`, has `rules`
// (indented by six, the first at line 5) and the default `other`.
RuleSource Segments(std::string_view rules) {
  return {"segments.yaml", "kind: segmentation\ndimensions:\n  - id: activity\n    rules:\n" +
                               std::string(rules) + "    default: other\n"};
}

// The errors of a load, as "file:line: message".
std::vector<std::string> Errors(const LoadResult& loaded) {
  std::vector<std::string> errors;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity != Severity::kError) continue;
    errors.push_back(d.file + ":" + std::to_string(d.line) + ": " + d.message);
  }
  return errors;
}

// "events.yaml:<line>: <message>".
std::string At(int line, std::string_view message) {
  return "events.yaml:" + std::to_string(line) + ": " + std::string(message);
}

CustomEvent Event(const RuleSet& rules, std::string_view type, const Attributes& attributes,
                  Date day = Date()) {
  const EventType* event_type = rules.FindEventType(type);
  EXPECT_NE(event_type, nullptr) << type;
  if (event_type == nullptr) return CustomEvent();
  absl::StatusOr<CustomEvent> event = MakeEvent(*event_type, attributes, day);
  EXPECT_THAT(event, IsOk()) << type;
  return event.value_or(CustomEvent());
}

absl::Status EvaluateEvent(const RuleSet& rules, const Customer& customer, const CustomEvent& event,
                           std::string_view today, Decision* decision,
                           const std::vector<EventRuleUsage>& usage = {},
                           Explanation* explanation = nullptr) {
  EvalInput input;
  input.customer = &customer;
  input.today = Day(today);
  input.event = &event;
  input.event_usage = usage;
  return rules.Evaluate(input, decision, explanation);
}

// The usage of every rule of kEarning: nothing, but `used` for rule `index`.
std::vector<EventRuleUsage> Used(size_t index, EventRuleUsage used) {
  std::vector<EventRuleUsage> usage(5);
  usage[index] = used;
  return usage;
}

std::vector<std::string> CreditIds(const Decision& decision) {
  std::vector<std::string> ids;
  for (const EventCredit& credit : decision.event.credits) ids.emplace_back(credit.rule_id);
  return ids;
}

void EarlierEvent(Customer* c, std::string day, std::string type, std::string rule = "",
                  std::string points = "") {
  Attributes fields = {{"date", std::move(day)}, {"type", std::move(type)}};
  if (!rule.empty()) fields.emplace_back("rule", std::move(rule));
  if (!points.empty()) fields.emplace_back("points", std::move(points));
  ASSERT_THAT(AddHistoryEntry(c, "events", fields), IsOk());
}

// ------------------------------------------------------------------ MakeEvent

TEST(MakeEvent, BuildsTheValuesInDeclarationOrder) {
  LoadResult loaded = LoadEvents("");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  ASSERT_EQ(rules.EventTypes().size(), 3u);
  EXPECT_EQ(rules.EventTypes()[0].name, "review");
  EXPECT_EQ(rules.EventTypes()[0].description, "a product review");
  EXPECT_EQ(rules.EventTypes()[1].name, "referral_completed");
  EXPECT_EQ(rules.EventTypes()[2].name, "app_login");
  EXPECT_THAT(rules.EventTypes()[2].attributes, IsEmpty());
  EXPECT_EQ(rules.FindEventType("reveiw"), nullptr);
  ASSERT_NE(rules.FindEventType("review"), nullptr);
  ASSERT_NE(rules.FindEventType("referral_completed"), nullptr);
  ASSERT_NE(rules.FindEventType("app_login"), nullptr);
  const EventType& review = *rules.FindEventType("review");
  ASSERT_EQ(review.attributes.size(), 3u);
  EXPECT_EQ(review.attributes[0].name, "stars");
  EXPECT_EQ(review.attributes[0].type, AttributeType::kNumber);
  EXPECT_TRUE(review.attributes[0].required);
  EXPECT_EQ(review.attributes[1].type, AttributeType::kText);
  EXPECT_FALSE(review.attributes[1].required);
  EXPECT_EQ(review.attributes[2].type, AttributeType::kDate);
  EXPECT_EQ(review.FindAttribute("written_on"), 2);
  EXPECT_EQ(review.FindAttribute("stars "), -1);

  // Given in another order than declared.
  absl::StatusOr<CustomEvent> event =
      MakeEvent(review, {{"written_on", "2026-11-30"}, {"product", "产品A"}, {"stars", "4.5"}},
                Day("2026-12-01"));
  ASSERT_THAT(event, IsOk());
  EXPECT_EQ(event->type, "review");
  EXPECT_EQ(event->day, Day("2026-12-01"));
  ASSERT_EQ(event->values.size(), 3u);
  EXPECT_TRUE(event->values[0].given);
  EXPECT_EQ(event->values[0].number, Decimal::FromUnits(45000));
  EXPECT_TRUE(event->values[1].given);
  EXPECT_EQ(event->values[1].text, "产品A");
  EXPECT_TRUE(event->values[2].given);
  EXPECT_EQ(event->values[2].date, Day("2026-11-30"));

  // Optional attributes left out: not given, and empty.
  absl::StatusOr<CustomEvent> bare = MakeEvent(review, {{"stars", "3"}}, Date());
  ASSERT_THAT(bare, IsOk());
  ASSERT_EQ(bare->values.size(), 3u);
  EXPECT_TRUE(bare->values[0].given);
  EXPECT_EQ(bare->values[0].number, Decimal::FromInteger(3));
  EXPECT_FALSE(bare->values[1].given);
  EXPECT_EQ(bare->values[1].text, "");
  EXPECT_FALSE(bare->values[2].given);
  EXPECT_FALSE(bare->values[2].date.known());
  EXPECT_FALSE(bare->day.known());

  const EventType& referral = *rules.FindEventType("referral_completed");
  absl::StatusOr<CustomEvent> referred = MakeEvent(referral, {{"referrer_id", "c-9"}}, Date());
  ASSERT_THAT(referred, IsOk());
  ASSERT_EQ(referred->values.size(), 2u);
  EXPECT_EQ(referred->values[0].text, "c-9");
  EXPECT_FALSE(referred->values[1].given);

  absl::StatusOr<CustomEvent> login = MakeEvent(*rules.FindEventType("app_login"), {}, Date());
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(login->values, IsEmpty());

  // A text of exactly the most bytes is taken.
  EXPECT_THAT(
      MakeEvent(review, {{"stars", "4"}, {"product", std::string(kMaxAttributeTextBytes, 'x')}},
                Date()),
      IsOk());
}

TEST(MakeEvent, MistakesNameTheAttribute) {
  LoadResult loaded = LoadEvents("");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  ASSERT_NE(loaded.ruleset->FindEventType("review"), nullptr);
  ASSERT_NE(loaded.ruleset->FindEventType("referral_completed"), nullptr);
  ASSERT_NE(loaded.ruleset->FindEventType("app_login"), nullptr);
  const EventType& review = *loaded.ruleset->FindEventType("review");
  const EventType& referral = *loaded.ruleset->FindEventType("referral_completed");
  const EventType& login = *loaded.ruleset->FindEventType("app_login");
  const Date day = Day("2026-12-01");

  EXPECT_THAT(MakeEvent(review, {{"starz", "4"}}, day),
              StatusIs(kInvalid, "a review event has no attribute 'starz'; did you mean 'stars'?"));
  EXPECT_THAT(MakeEvent(review, {{"starz", "4"}}, day),
              StatusIs(kInvalid, "(it has: stars, product, written_on)"));
  EXPECT_THAT(MakeEvent(login, {{"stars", "4"}}, day),
              StatusIs(kInvalid, "has no attribute 'stars' (it has none)"));
  EXPECT_THAT(MakeEvent(review, {{"stars", "4"}, {"stars", "5"}}, day),
              StatusIs(kInvalid, "attribute 'stars' of a review event is given twice"));
  EXPECT_THAT(MakeEvent(review, {{"product", "产品A"}}, day),
              StatusIs(kInvalid, "attribute 'stars' of a review event is required (number)"));
  EXPECT_THAT(MakeEvent(review, {}, day), StatusIs(kInvalid, "attribute 'stars'"));
  EXPECT_THAT(
      MakeEvent(review, {{"stars", "four"}}, day),
      StatusIs(kInvalid, "attribute 'stars' of a review event must be a number, not 'four'"));
  EXPECT_THAT(MakeEvent(review, {{"stars", ""}}, day),
              StatusIs(kInvalid, "attribute 'stars' of a review event must be a number"));
  EXPECT_THAT(MakeEvent(review, {{"stars", "4"}, {"written_on", "2026-02-30"}}, day),
              StatusIs(kInvalid,
                       "attribute 'written_on' of a review event must be a date as YYYY-MM-DD, not "
                       "'2026-02-30'"));
  EXPECT_THAT(MakeEvent(review, {{"stars", "4"}, {"written_on", "30.11.2026"}}, day),
              StatusIs(kInvalid, "attribute 'written_on'"));
  EXPECT_THAT(
      MakeEvent(referral, {{"referrer_id", ""}}, day),
      StatusIs(kInvalid,
               "attribute 'referrer_id' of a referral_completed event needs a customer id"));
  EXPECT_THAT(
      MakeEvent(review, {{"stars", "4"}, {"product", std::string(kMaxAttributeTextBytes + 1, 'x')}},
                day),
      StatusIs(kInvalid, "attribute 'product' of a review event is 2001 bytes; at most 2000"));
  EXPECT_THAT(
      MakeEvent(referral, {{"referrer_id", std::string(kMaxAttributeTextBytes + 1, '7')}}, day),
      StatusIs(kInvalid, "attribute 'referrer_id' of a referral_completed event is 2001 bytes"));
}

TEST(MakeEvent, AttributeTypesByName) {
  for (AttributeType type : {AttributeType::kNumber, AttributeType::kText, AttributeType::kDate,
                             AttributeType::kCustomer}) {
    absl::StatusOr<AttributeType> parsed = ParseAttributeType(AttributeTypeName(type));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(AttributeTypeName(AttributeType::kCustomer), "customer");
  EXPECT_THAT(ParseAttributeType("numbr"),
              StatusIs(kInvalid, "unknown attribute type 'numbr'; did you mean 'number'?"));
  EXPECT_THAT(ParseAttributeType("Number"), StatusIs(kInvalid, "number, text, date, customer"));
}

// ------------------------------------------------------------ the events file

TEST(EventsFile, LoadsTypesAndEarningRulesInOrder) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  const std::vector<EventEarningTerms>& terms = rules.EventEarningRules();
  ASSERT_EQ(terms.size(), 5u);
  EXPECT_EQ(terms[kReviewPoints].id, "review_points");
  EXPECT_EQ(terms[kReviewPoints].type, "review");
  EXPECT_EQ(terms[kReviewPoints].to_attribute, "");
  EXPECT_EQ(terms[kReviewPoints].limit.period, CapPeriod::kMonth);
  EXPECT_EQ(terms[kReviewPoints].limit.times, 3);
  EXPECT_EQ(terms[kReviewPoints].limit.points, 0);
  EXPECT_EQ(terms[kReviewPoints].limit.Describe(), "3 times a month");
  EXPECT_EQ(terms[kReviewBonus].id, "review_bonus");
  EXPECT_FALSE(terms[kReviewBonus].limit.any());
  EXPECT_EQ(terms[kReferralReward].type, "referral_completed");
  EXPECT_EQ(terms[kReferralReward].to_attribute, "referrer_id");
  EXPECT_EQ(terms[kReferralReward].limit.period, CapPeriod::kTotal);  // no `per:`
  EXPECT_EQ(terms[kReferralReward].limit.Describe(), "once");
  EXPECT_EQ(terms[kReferralWelcome].id, "referral_welcome");
  EXPECT_EQ(terms[kLoginPoints].limit.period, CapPeriod::kWeek);
  EXPECT_EQ(terms[kLoginPoints].limit.points, 5);
  EXPECT_EQ(terms[kLoginPoints].limit.Describe(), "5 points a week");

  EXPECT_EQ(rules.Summarize().event_types, 3u);
  EXPECT_EQ(rules.Summarize().event_rules, 5u);
  int listed = 0;
  for (const RuleSet::RuleInfo& info : rules.Rules()) {
    if (info.section != "event earning") continue;
    ++listed;
    if (info.id == "review_bonus") {
      EXPECT_EQ(info.file, "events.yaml");
      EXPECT_EQ(info.line, kFirstRuleLine + 2);
    }
  }
  EXPECT_EQ(listed, 5);
  // A limit per period depends on the day; one in total does not.
  const auto dated = rules.DateDependentRules();
  EXPECT_TRUE(dated.contains({"event earning", "review_points"}));
  EXPECT_TRUE(dated.contains({"event earning", "login_points"}));
  EXPECT_FALSE(dated.contains({"event earning", "referral_reward"}));
  EXPECT_FALSE(dated.contains({"event earning", "review_bonus"}));
  EXPECT_FALSE(rules.ReadsLastEvents());
  EXPECT_EQ(rules.HistoryDays(), 0);
}

TEST(EventsFile, LimitsDescribeThemselves) {
  EXPECT_EQ((EventLimit{CapPeriod::kTotal, 1, 0}).Describe(), "once");
  EXPECT_EQ((EventLimit{CapPeriod::kMonth, 3, 0}).Describe(), "3 times a month");
  EXPECT_EQ((EventLimit{CapPeriod::kYear, 0, 500}).Describe(), "500 points a year");
  EXPECT_EQ((EventLimit{CapPeriod::kMonth, 3, 500}).Describe(), "3 times and 500 points a month");
  EXPECT_EQ((EventLimit{CapPeriod::kDay, 1, 0}).Describe(), "once a day");
  EXPECT_FALSE((EventLimit{}).any());
}

TEST(EventsFile, ToMayNameTheAttributeAsEventDotAttribute) {
  LoadResult loaded = LoadEvents(
      "  - {id: referral_reward, on: referral_completed, points: 200, to: event.referrer_id}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  ASSERT_EQ(loaded.ruleset->EventEarningRules().size(), 1u);
  EXPECT_EQ(loaded.ruleset->EventEarningRules()[0].to_attribute, "referrer_id");
}

TEST(EventsFile, BadTypesAreRefusedWhereTheyAre) {
  LoadResult numbr = RuleSet::LoadSources({{"events.yaml",
                                            "kind: events\n"
                                            "types:\n"
                                            "  review:\n"
                                            "    attributes:\n"
                                            "      stars: numbr\n"}});
  EXPECT_FALSE(numbr.ok());
  EXPECT_THAT(Errors(numbr),
              Contains(At(5,
                          "unknown attribute type 'numbr'; did you mean 'number'? (the types "
                          "are: number, text, date, customer)")));

  LoadResult dat = RuleSet::LoadSources({{"events.yaml",
                                          "kind: events\n"
                                          "types:\n"
                                          "  review:\n"
                                          "    attributes:\n"
                                          "      stars: number\n"
                                          "      written_on: {type: dat, required: false}\n"}});
  EXPECT_FALSE(dat.ok());
  EXPECT_THAT(Errors(dat), Contains(HasSubstr(At(6, "unknown attribute type 'dat'"))));

  LoadResult required = RuleSet::LoadSources({{"events.yaml",
                                               "kind: events\n"
                                               "types:\n"
                                               "  review:\n"
                                               "    attributes:\n"
                                               "      product: {type: text, required: maybe}\n"}});
  EXPECT_FALSE(required.ok());
  EXPECT_THAT(Errors(required), Contains(At(5, "'required' must be true or false, not 'maybe'")));

  LoadResult badname = RuleSet::LoadSources({{"events.yaml",
                                              "kind: events\n"
                                              "types:\n"
                                              "  2review: {}\n"}});
  EXPECT_FALSE(badname.ok());
  EXPECT_THAT(Errors(badname), Contains(At(3, "event type '2review' is not a name")));

  // An events file's types are in one file only.
  LoadResult twice = RuleSet::LoadSources(
      {{"events.yaml", EventsFile("")}, {"more_events.yaml", "kind: events\ntypes:\n  x: {}\n"}});
  EXPECT_FALSE(twice.ok());
  EXPECT_THAT(Errors(twice),
              Contains("more_events.yaml:1: event types and their earning rules are already "
                       "defined in events.yaml"));
}

// Loads the events file with `rule` as its one earning rule (at line
// kFirstRuleLine) and returns its errors.
std::vector<std::string> RuleErrors(std::string_view rule) {
  LoadResult loaded = LoadEvents(rule);
  EXPECT_FALSE(loaded.ok()) << rule;
  return Errors(loaded);
}

TEST(EventsFile, BadEarningRulesAreRefusedWhereTheyAre) {
  EXPECT_THAT(
      RuleErrors("  - {id: r, on: reveiw, points: 1}\n"),
      ElementsAre(At(kFirstRuleLine, "'reveiw' is not an event type; did you mean 'review'?")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, when: event.starz >= 4, points: 1}\n"),
              ElementsAre(At(kFirstRuleLine,
                             "a review event has no attribute 'starz'; did you mean 'stars'?")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: app_login, when: event.stars >= 4, points: 1}\n"),
              Contains(HasSubstr("a app_login event has no attribute 'stars'")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, to: stars}\n"),
              ElementsAre(At(kFirstRuleLine, "'stars' is a number, not a customer")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: referral_completed, points: 1, to: backup_id}\n"),
              ElementsAre(At(kFirstRuleLine,
                             "'backup_id' is optional: an event without it would credit no one")));
  EXPECT_THAT(
      RuleErrors("  - {id: r, on: referral_completed, points: 1, to: event.referer_id}\n"),
      ElementsAre(At(kFirstRuleLine,
                     "a referral_completed event has no attribute 'referer_id'; did you mean "
                     "'referrer_id'?")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, limit: {per: month}}\n"),
              ElementsAre(At(kFirstRuleLine, "a limit needs 'times' or 'points'")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, limit: {times: 0}}\n"),
              ElementsAre(At(kFirstRuleLine, "'times' must be at least 1")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, limit: {points: 0, per: day}}\n"),
              ElementsAre(At(kFirstRuleLine, "'points' must be at least 1")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, limit: {times: 3, per: mnth}}\n"),
              ElementsAre(At(kFirstRuleLine, "unknown period 'mnth'; did you mean 'month'?")));
  EXPECT_THAT(
      RuleErrors("  - {id: r, on: review, points: -5}\n"),
      ElementsAre(At(kFirstRuleLine, "an event earning rule's points must not be negative")));
  EXPECT_THAT(RuleErrors("  - {id: r, on: review, points: 1, limit: {times: 3, every: month}}\n"),
              Contains(HasSubstr("unknown key 'every'")));
  EXPECT_THAT(RuleErrors("  - {id: r, points: 1}\n"), Contains(HasSubstr("has no 'on'")));
  // The second rule, on the next line.
  EXPECT_THAT(RuleErrors("  - {id: fine, on: review, points: 1}\n"
                         "  - {id: r, on: review, points: 1, limit: {times: 0}}\n"),
              ElementsAre(At(kFirstRuleLine + 1, "'times' must be at least 1")));

  // Points are whole numbers: an attribute's number is not one as it is.
  LoadResult decimal = LoadEvents("  - {id: r, on: review, points: event.stars}\n");
  EXPECT_FALSE(decimal.ok());
  EXPECT_THAT(FormatDiagnostics(decimal.diagnostics),
              HasSubstr("use round(...), floor(...) or ceil(...)"));
}

TEST(EventsFile, EventAttributesAreOnlyKnownInEventEarningRules) {
  LoadResult loaded = LoadEvents(
      kEarning, {Segments("      - {id: happy, when: event.stars >= 4, segment: happy}\n")});
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Errors(loaded),
              ElementsAre("segments.yaml:5: there is no event here: event.<attribute> is only "
                          "known in event earning rules"));
}

TEST(EventsFile, FactsNameADeclaredEventTypeInAnyFile) {
  LoadResult loaded =
      LoadEvents(kEarning, {Segments("      - id: reviewer\n"
                                     "        when: events_in_last(30, \"reveiw\") >= 1\n"
                                     "        segment: reviewer\n")});
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(Errors(loaded),
              ElementsAre("segments.yaml:6: 'reveiw' is not an event type; did you mean "
                          "'review'?"));

  LoadResult days =
      LoadEvents(kEarning, {Segments("      - id: lapsed\n"
                                     "        when: days_since_last_event(\"app_logn\") > 30\n"
                                     "        segment: lapsed\n")});
  EXPECT_FALSE(days.ok());
  EXPECT_THAT(Errors(days), Contains(HasSubstr("segments.yaml:6: 'app_logn' is not an event type; "
                                               "did you mean 'app_login'?")));

  // In the events file's own rules too.
  EXPECT_THAT(
      RuleErrors("  - id: r\n"
                 "    on: review\n"
                 "    when: events_in_last(30, \"reveiw\") < 3\n"
                 "    points: 1\n"),
      ElementsAre(At(kFirstRuleLine + 2, "'reveiw' is not an event type; did you mean 'review'?")));

  // Without an events file, no type is one.
  LoadResult none =
      RuleSet::LoadSources({Segments("      - id: reviewer\n"
                                     "        when: events_in_last(30, \"review\") >= 1\n"
                                     "        segment: reviewer\n")});
  EXPECT_FALSE(none.ok());
  EXPECT_THAT(Errors(none), Contains(HasSubstr("'review' is not an event type")));

  // The type is fixed text, and the window is required.
  LoadResult variable =
      LoadEvents(kEarning, {Segments("      - id: reviewer\n"
                                     "        when: events_in_last(30, name) >= 1\n"
                                     "        segment: reviewer\n")});
  EXPECT_FALSE(variable.ok());
  EXPECT_THAT(FormatDiagnostics(variable.diagnostics),
              HasSubstr("the event type of events_in_last() is fixed text"));
  LoadResult no_window =
      LoadEvents(kEarning, {Segments("      - id: reviewer\n"
                                     "        when: events_in_last(\"review\") >= 1\n"
                                     "        segment: reviewer\n")});
  EXPECT_FALSE(no_window.ok());
}

// ------------------------------------------------------------------ earning

TEST(EventEarning, AMatchingRuleCreditsTheEventsCustomer) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  c.id = "c-1";
  c.points = 100;
  const CustomEvent four = Event(rules, "review", {{"stars", "4"}});
  Decision decision;
  ASSERT_THAT(EvaluateEvent(rules, c, four, "2026-12-06", &decision), IsOk());
  const EventOutcome& outcome = decision.event;
  EXPECT_TRUE(outcome.applied);
  EXPECT_EQ(outcome.type, "review");
  ASSERT_THAT(CreditIds(decision), ElementsAre("review_points"));  // 4 stars: no bonus
  const EventCredit& credit = outcome.credits[0];
  EXPECT_EQ(credit.points, 10);
  EXPECT_EQ(credit.rule_points, 10);
  EXPECT_FALSE(credit.limited);
  EXPECT_EQ(credit.to_customer, "");
  EXPECT_EQ(credit.to_attribute, "");
  EXPECT_EQ(credit.limit.times, 3);
  EXPECT_EQ(credit.used_before, EventRuleUsage{});
  EXPECT_EQ(outcome.points_to_customer, 10);
  EXPECT_EQ(outcome.points_before, 100);
  EXPECT_EQ(outcome.points_after, 110);
  // Nothing of a purchase.
  EXPECT_FALSE(decision.loyalty.applied);

  const CustomEvent three = Event(rules, "review", {{"stars", "3.5"}});
  ASSERT_THAT(EvaluateEvent(rules, c, three, "2026-12-06", &decision), IsOk());
  EXPECT_TRUE(decision.event.applied);
  EXPECT_THAT(decision.event.credits, IsEmpty());
  EXPECT_EQ(decision.event.points_to_customer, 0);
  EXPECT_EQ(decision.event.points_after, 100);

  // Without an event, no event outcome.
  EvalInput plain;
  plain.customer = &c;
  plain.today = Day("2026-12-06");
  ASSERT_THAT(rules.Evaluate(plain, &decision), IsOk());
  EXPECT_FALSE(decision.event.applied);
  EXPECT_THAT(decision.event.credits, IsEmpty());
}

TEST(EventEarning, EveryMatchingRuleEarns) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  c.points = 7;
  const CustomEvent five = Event(*loaded.ruleset, "review", {{"stars", "5"}});
  Decision decision;
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, five, "2026-12-06", &decision), IsOk());
  EXPECT_THAT(CreditIds(decision), ElementsAre("review_points", "review_bonus"));
  EXPECT_EQ(decision.event.credits[1].points, 5);
  EXPECT_EQ(decision.event.points_to_customer, 15);
  EXPECT_EQ(decision.event.points_before, 7);
  EXPECT_EQ(decision.event.points_after, 22);
}

TEST(EventEarning, ToCreditsTheCustomerTheAttributeNames) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  c.id = "c-1";
  c.points = 10;
  const CustomEvent referral =
      Event(*loaded.ruleset, "referral_completed", {{"referrer_id", "c-9"}, {"backup_id", "c-8"}});
  Decision decision;
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, referral, "2026-12-06", &decision), IsOk());
  ASSERT_THAT(CreditIds(decision), ElementsAre("referral_reward", "referral_welcome"));
  const EventCredit& reward = decision.event.credits[0];
  EXPECT_EQ(reward.to_customer, "c-9");
  EXPECT_EQ(reward.to_attribute, "referrer_id");
  EXPECT_EQ(reward.points, 200);
  const EventCredit& welcome = decision.event.credits[1];
  EXPECT_EQ(welcome.to_customer, "");
  EXPECT_EQ(welcome.points, 50);
  // The referrer's 200 are not the event's customer's.
  EXPECT_EQ(decision.event.points_to_customer, 50);
  EXPECT_EQ(decision.event.points_after, 60);
}

TEST(EventEarning, TheTierCountsTheEventsPoints) {
  LoadResult loaded =
      LoadEvents(kEarning, {{"loyalty.yaml",
                             "kind: loyalty\n"
                             "earning:\n"
                             "  rules: []\n"
                             "  default: {id: per_10_yuan, points: floor(purchase.amount / 10)}\n"
                             "tiers:\n"
                             "  - name: Bronze\n"
                             "    min_points: 0\n"
                             "  - name: Silver\n"
                             "    min_points: 1000\n"}});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  c.points = 995;
  const CustomEvent four = Event(*loaded.ruleset, "review", {{"stars", "4"}});
  Decision decision;
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, four, "2026-12-06", &decision), IsOk());
  EXPECT_EQ(decision.event.points_after, 1005);
  EXPECT_EQ(decision.tier_before, "Bronze");
  EXPECT_EQ(decision.tier, "Silver");
  // The referrer's points are not the event's customer's: no tier for them.
  const CustomEvent referral =
      Event(*loaded.ruleset, "referral_completed", {{"referrer_id", "c-9"}});
  c.points = 990;  // + 50 welcome, not + 200
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, referral, "2026-12-06", &decision), IsOk());
  EXPECT_EQ(decision.event.points_after, 1040);
  c.points = 940;
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, referral, "2026-12-06", &decision), IsOk());
  EXPECT_EQ(decision.tier, "Bronze");
}

TEST(EventEarning, ANegativeFormulaIsAnErrorNamingTheRule) {
  LoadResult loaded = LoadEvents("  - {id: harsh, on: review, points: floor(event.stars) - 10}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  const CustomEvent four = Event(*loaded.ruleset, "review", {{"stars", "4"}});
  Decision decision;
  EXPECT_THAT(EvaluateEvent(*loaded.ruleset, c, four, "2026-12-06", &decision),
              StatusIs(absl::StatusCode::kOutOfRange, "rule 'harsh' (events.yaml:15)"));
  EXPECT_THAT(EvaluateEvent(*loaded.ruleset, c, four, "2026-12-06", &decision),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "an event earning rule's points must not be negative"));
  // Explaining names it the same.
  Explanation explanation;
  EXPECT_THAT(EvaluateEvent(*loaded.ruleset, c, four, "2026-12-06", &decision, {}, &explanation),
              StatusIs(absl::StatusCode::kOutOfRange, "rule 'harsh'"));
  // 10 stars: 0 points, no error.
  const CustomEvent ten = Event(*loaded.ruleset, "review", {{"stars", "10"}});
  ASSERT_THAT(EvaluateEvent(*loaded.ruleset, c, ten, "2026-12-06", &decision), IsOk());
  ASSERT_EQ(decision.event.credits.size(), 1u);
  EXPECT_EQ(decision.event.credits[0].points, 0);
}

// ------------------------------------------------------------------ CheckEvent

TEST(EventEarning, TheEventIsCheckedBeforeAnyRuleRuns) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  Decision decision;
  CustomEvent unknown;
  unknown.type = "reveiw";
  EXPECT_THAT(EvaluateEvent(rules, c, unknown, "2026-12-06", &decision),
              StatusIs(kInvalid, "unknown event type 'reveiw'; did you mean 'review'?"));
  EXPECT_THAT(EvaluateEvent(rules, c, unknown, "2026-12-06", &decision),
              StatusIs(kInvalid, "(the ruleset declares: review, referral_completed, app_login)"));

  CustomEvent short_of_values;
  short_of_values.type = "review";
  short_of_values.values.resize(1);
  EXPECT_THAT(EvaluateEvent(rules, c, short_of_values, "2026-12-06", &decision),
              StatusIs(kInvalid, "a review event has 3 attributes, not 1"));

  const CustomEvent four = Event(rules, "review", {{"stars", "4"}});
  Purchase purchase;
  purchase.amount = Decimal::FromInteger(100);
  EvalInput both;
  both.customer = &c;
  both.today = Day("2026-12-06");
  both.purchase = &purchase;
  both.event = &four;
  EXPECT_THAT(rules.Evaluate(both, &decision),
              StatusIs(kInvalid, "a purchase and a custom event are evaluated separately"));
}

// ------------------------------------------------------------------ limits

TEST(EventLimits, ATimesLimitUsedUpCreditsNothing) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  c.points = 100;
  const CustomEvent five = Event(rules, "review", {{"stars", "5"}});
  Decision decision;

  ASSERT_THAT(EvaluateEvent(rules, c, five, "2026-12-06", &decision, Used(kReviewPoints, {2, 20})),
              IsOk());
  ASSERT_THAT(CreditIds(decision), ElementsAre("review_points", "review_bonus"));
  EXPECT_EQ(decision.event.credits[0].points, 10);
  EXPECT_FALSE(decision.event.credits[0].limited);
  EXPECT_EQ(decision.event.credits[0].used_before, (EventRuleUsage{2, 20}));

  ASSERT_THAT(EvaluateEvent(rules, c, five, "2026-12-06", &decision, Used(kReviewPoints, {3, 30})),
              IsOk());
  // Still listed, with 0 points; the other rule earns as before.
  ASSERT_THAT(CreditIds(decision), ElementsAre("review_points", "review_bonus"));
  const EventCredit& limited = decision.event.credits[0];
  EXPECT_EQ(limited.points, 0);
  EXPECT_EQ(limited.rule_points, 10);
  EXPECT_TRUE(limited.limited);
  EXPECT_EQ(limited.used_before, (EventRuleUsage{3, 30}));
  EXPECT_EQ(decision.event.credits[1].points, 5);
  EXPECT_FALSE(decision.event.credits[1].limited);
  EXPECT_EQ(decision.event.points_to_customer, 5);
  EXPECT_EQ(decision.event.points_after, 105);

  // Usage is by index: that of another rule does not limit this one.
  ASSERT_THAT(EvaluateEvent(rules, c, five, "2026-12-06", &decision, Used(kReviewBonus, {3, 30})),
              IsOk());
  EXPECT_EQ(decision.event.points_to_customer, 15);
  // A usage shorter than the rules: the rest used nothing.
  ASSERT_THAT(EvaluateEvent(rules, c, five, "2026-12-06", &decision, {EventRuleUsage{5, 50}}),
              IsOk());
  EXPECT_EQ(decision.event.points_to_customer, 5);

  // A referral earns its referrer once ever; the welcome is not limited.
  const CustomEvent referral = Event(rules, "referral_completed", {{"referrer_id", "c-9"}});
  ASSERT_THAT(
      EvaluateEvent(rules, c, referral, "2026-12-06", &decision, Used(kReferralReward, {1, 200})),
      IsOk());
  ASSERT_THAT(CreditIds(decision), ElementsAre("referral_reward", "referral_welcome"));
  EXPECT_EQ(decision.event.credits[0].points, 0);
  EXPECT_TRUE(decision.event.credits[0].limited);
  EXPECT_EQ(decision.event.credits[1].points, 50);
  EXPECT_EQ(decision.event.points_to_customer, 50);
}

TEST(EventLimits, APointsLimitCutsToWhatIsLeft) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  const CustomEvent login = Event(rules, "app_login", {});
  Decision decision;
  auto credited = [&](EventRuleUsage used) {
    EXPECT_THAT(EvaluateEvent(rules, c, login, "2026-12-06", &decision, Used(kLoginPoints, used)),
                IsOk());
    EXPECT_EQ(decision.event.credits.size(), 1u);
    return decision.event.credits.empty() ? EventCredit() : decision.event.credits[0];
  };
  EventCredit credit = credited({0, 0});
  EXPECT_EQ(credit.points, 3);
  EXPECT_FALSE(credit.limited);
  credit = credited({1, 3});  // 2 of 5 left
  EXPECT_EQ(credit.points, 2);
  EXPECT_EQ(credit.rule_points, 3);
  EXPECT_TRUE(credit.limited);
  EXPECT_EQ(decision.event.points_to_customer, 2);
  credit = credited({2, 5});
  EXPECT_EQ(credit.points, 0);
  EXPECT_TRUE(credit.limited);
  credit = credited({3, 9});  // more than the limit (a history typed by hand)
  EXPECT_EQ(credit.points, 0);
  EXPECT_TRUE(credit.limited);
  // Times are not limited by this rule: 100 events earned, 0 points.
  credit = credited({100, 0});
  EXPECT_EQ(credit.points, 3);
}

TEST(EventLimits, BothTimesAndPoints) {
  LoadResult loaded = LoadEvents(
      "  - {id: r, on: app_login, points: 4, limit: {times: 3, points: 10, per: day}}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  Customer c;
  const CustomEvent login = Event(*loaded.ruleset, "app_login", {});
  Decision decision;
  ASSERT_THAT(
      EvaluateEvent(*loaded.ruleset, c, login, "2026-12-06", &decision, {EventRuleUsage{2, 8}}),
      IsOk());
  ASSERT_EQ(decision.event.credits.size(), 1u);
  EXPECT_EQ(decision.event.credits[0].points, 2);
  ASSERT_THAT(
      EvaluateEvent(*loaded.ruleset, c, login, "2026-12-06", &decision, {EventRuleUsage{3, 8}}),
      IsOk());
  EXPECT_EQ(decision.event.credits[0].points, 0);
  EXPECT_EQ(loaded.ruleset->EventEarningRules()[0].limit.Describe(), "3 times and 10 points a day");
}

// Rows of review_points earnings on 2026-10-29, 10-30 and 10-31 (10
// points each), and others around them.
Customer ReviewHistory() {
  Customer c;
  EarlierEvent(&c, "2025-12-31", "review", "review_points", "10");  // last year
  EarlierEvent(&c, "2026-03-02", "review", "review_points", "10");
  EarlierEvent(&c, "2026-10-29", "review", "review_points", "10");
  EarlierEvent(&c, "2026-10-30", "review", "review_points", "10");
  EarlierEvent(&c, "2026-10-31", "review", "review_points", "10");
  EarlierEvent(&c, "2026-10-30", "review", "other_rule", "7");  // another rule's
  EarlierEvent(&c, "2026-10-30", "review");                     // earned nothing
  EarlierEvent(&c, "2026-12-01", "review", "review_points", "10");
  return c;
}

std::vector<EventRuleUsage> UsageOn(CapPeriod period, const Customer& c, std::string_view day) {
  const std::vector<EventEarningTerms> terms = {
      {"review_points", "review", "", EventLimit{period, 3, 0}}};
  return UsageFromHistory(terms, c, Day(day));
}

TEST(EventLimits, UsageFromHistoryCountsThePeriodThatHoldsTheEventsDay) {
  const Customer c = ReviewHistory();
  // 2026-11-01 is a Sunday: its week is 2026-10-26 .. 2026-11-01.
  ASSERT_EQ(Day("2026-11-01").Weekday(), 7);
  // A new month: the three of late October do not count; December's neither.
  EXPECT_THAT(UsageOn(CapPeriod::kMonth, c, "2026-11-01"), ElementsAre(EventRuleUsage{0, 0}));
  EXPECT_THAT(UsageOn(CapPeriod::kMonth, c, "2026-11-30"), ElementsAre(EventRuleUsage{0, 0}));
  EXPECT_THAT(UsageOn(CapPeriod::kMonth, c, "2026-10-31"), ElementsAre(EventRuleUsage{3, 30}));
  EXPECT_THAT(UsageOn(CapPeriod::kMonth, c, "2026-10-01"), ElementsAre(EventRuleUsage{3, 30}));
  EXPECT_THAT(UsageOn(CapPeriod::kMonth, c, "2026-12-31"), ElementsAre(EventRuleUsage{1, 10}));
  // The same year: they do, and March's and December's too, not 2025's.
  EXPECT_THAT(UsageOn(CapPeriod::kYear, c, "2026-11-01"), ElementsAre(EventRuleUsage{5, 50}));
  EXPECT_THAT(UsageOn(CapPeriod::kYear, c, "2025-06-01"), ElementsAre(EventRuleUsage{1, 10}));
  // Monday to Sunday.
  EXPECT_THAT(UsageOn(CapPeriod::kWeek, c, "2026-11-01"), ElementsAre(EventRuleUsage{3, 30}));
  EXPECT_THAT(UsageOn(CapPeriod::kWeek, c, "2026-10-26"), ElementsAre(EventRuleUsage{3, 30}));
  EXPECT_THAT(UsageOn(CapPeriod::kWeek, c, "2026-11-02"), ElementsAre(EventRuleUsage{0, 0}));
  EXPECT_THAT(UsageOn(CapPeriod::kWeek, c, "2026-10-25"), ElementsAre(EventRuleUsage{0, 0}));
  EXPECT_THAT(UsageOn(CapPeriod::kDay, c, "2026-10-30"), ElementsAre(EventRuleUsage{1, 10}));
  EXPECT_THAT(UsageOn(CapPeriod::kDay, c, "2026-11-01"), ElementsAre(EventRuleUsage{0, 0}));
  // In total: every one, whatever the day.
  EXPECT_THAT(UsageOn(CapPeriod::kTotal, c, "2026-11-01"), ElementsAre(EventRuleUsage{6, 60}));
  EXPECT_THAT(UsageOn(CapPeriod::kTotal, c, "2020-01-01"), ElementsAre(EventRuleUsage{6, 60}));

  // One entry per rule, in the rules' order.
  const std::vector<EventEarningTerms> terms = {
      {"other_rule", "review", "", EventLimit{CapPeriod::kMonth, 0, 100}},
      {"review_points", "review", "", EventLimit{CapPeriod::kWeek, 3, 0}},
      {"never_earned", "review", "", EventLimit{CapPeriod::kTotal, 1, 0}}};
  EXPECT_THAT(UsageFromHistory(terms, c, Day("2026-10-31")),
              ElementsAre(EventRuleUsage{1, 7}, EventRuleUsage{3, 30}, EventRuleUsage{0, 0}));
  EXPECT_THAT(UsageFromHistory({}, c, Day("2026-10-31")), IsEmpty());
}

TEST(EventLimits, TheHistorysUsageLimitsTheEvaluation) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  const Customer c = ReviewHistory();
  Decision decision;
  // A review on the first of November: October's three do not count.
  const CustomEvent november = Event(rules, "review", {{"stars", "4"}}, Day("2026-11-01"));
  std::vector<EventRuleUsage> usage = UsageFromHistory(rules.EventEarningRules(), c, november.day);
  ASSERT_EQ(usage.size(), 5u);
  EXPECT_EQ(usage[kReviewPoints], (EventRuleUsage{0, 0}));
  ASSERT_THAT(EvaluateEvent(rules, c, november, "2026-11-01", &decision, usage), IsOk());
  ASSERT_THAT(CreditIds(decision), ElementsAre("review_points"));
  EXPECT_EQ(decision.event.credits[0].points, 10);
  EXPECT_FALSE(decision.event.credits[0].limited);
  // One of 31 October, told on 1 November: October's limit is used up.
  const CustomEvent october = Event(rules, "review", {{"stars", "4"}}, Day("2026-10-31"));
  usage = UsageFromHistory(rules.EventEarningRules(), c, october.day);
  EXPECT_EQ(usage[kReviewPoints], (EventRuleUsage{3, 30}));
  ASSERT_THAT(EvaluateEvent(rules, c, october, "2026-11-01", &decision, usage), IsOk());
  ASSERT_THAT(CreditIds(decision), ElementsAre("review_points"));
  EXPECT_EQ(decision.event.credits[0].points, 0);
  EXPECT_TRUE(decision.event.credits[0].limited);
}

// ------------------------------------------------------------------ history

TEST(EventHistory, EntriesAreCheckedAndChangeNothingOnError) {
  Customer c;
  EarlierEvent(&c, "2026-12-01", "review", "review_points", "10");
  EarlierEvent(&c, "2026-12-01", "review", "review_points", "10");
  // One row per day and figure: 2 reviews, 2 earnings of 20 points.
  EXPECT_THAT(
      c.history,
      ::testing::UnorderedElementsAre(
          HistoryDay{Day("2026-12-01"), HistoryFigure::kEvents, "review", 2},
          HistoryDay{Day("2026-12-01"), HistoryFigure::kEventRuleTimes, "review_points", 2},
          HistoryDay{Day("2026-12-01"), HistoryFigure::kEventRulePoints, "review_points", 20}));
  const std::vector<HistoryDay> before = c.history;
  const std::vector<std::pair<Attributes, std::string>> bad = {
      {{{"type", "review"}}, "each entry needs a date"},
      {{{"date", "2026-12-01"}}, "each event needs its type"},
      {{{"date", "2026-12-01"}, {"type", "review"}, {"points", "10"}}, "give its id as \"rule\""},
      {{{"date", "2026-12-01"}, {"type", "review"}, {"rule", "r"}, {"points", "-1"}},
       "points: '-1' is not a whole number of 0 or more"},
      {{{"date", "2026-12-01"}, {"type", "review"}, {"rule", "r"}, {"points", "1.5"}},
       "points: '1.5'"},
      {{{"date", "2026-12-01"}, {"type", "review"}, {"stars", "4"}}, "unknown field 'stars'"},
  };
  for (const auto& [fields, message] : bad) {
    SCOPED_TRACE(message);
    EXPECT_THAT(AddHistoryEntry(&c, "events", fields), StatusIs(kInvalid, message));
    EXPECT_EQ(c.history, before);
  }
  EXPECT_THAT(CheckHistoryList("event"), StatusIs(kInvalid, "did you mean 'events'"));
}

// ------------------------------------------------------------------ facts

int64_t EventsInLast(int32_t days, std::string type, const Customer& c, std::string_view today) {
  return FactValue({FactKind::kEvents, days, true, std::move(type)}, c, nullptr, Day(today));
}

int64_t DaysSinceLast(std::string type, const Customer& c, std::string_view today) {
  return FactValue({FactKind::kDaysSinceLastEvent, 0, true, std::move(type)}, c, nullptr,
                   Day(today));
}

// The last 30 days on 2026-12-06 are 2026-11-07 through 2026-12-06.
TEST(EventFacts, EventsInLastHoldsTodayAndTheDaysBeforeItButNotOneMore) {
  Customer c;
  EarlierEvent(&c, "2026-11-06", "review");  // today - 30: out
  EarlierEvent(&c, "2026-11-07", "review");  // today - 29: in
  EarlierEvent(&c, "2026-12-06", "review");  // today: in
  EarlierEvent(&c, "2026-12-06", "review");
  EarlierEvent(&c, "2026-12-07", "review");     // after today: out
  EarlierEvent(&c, "2026-11-20", "app_login");  // another type
  EXPECT_EQ(EventsInLast(30, "review", c, "2026-12-06"), 3 * kUnit);
  EXPECT_EQ(EventsInLast(31, "review", c, "2026-12-06"), 4 * kUnit);
  EXPECT_EQ(EventsInLast(30, "review", c, "2026-12-07"), 3 * kUnit);  // 11-07 out, 12-07 in
  EXPECT_EQ(EventsInLast(1, "review", c, "2026-12-06"), 2 * kUnit);
  EXPECT_EQ(EventsInLast(30, "app_login", c, "2026-12-06"), 1 * kUnit);
  EXPECT_EQ(EventsInLast(30, "referral_completed", c, "2026-12-06"), 0);
}

TEST(EventFacts, DaysSinceLastEvent) {
  Customer c;
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-12-06"), 36500 * kUnit);  // never
  EarlierEvent(&c, "2026-11-01", "app_login");
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-12-06"), 35 * kUnit);
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-11-01"), 0);
  EXPECT_EQ(DaysSinceLast("review", c, "2026-12-06"), 36500 * kUnit);  // another type
  // Events after today are not seen: an evaluation as of an earlier day.
  EarlierEvent(&c, "2026-12-10", "app_login");
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-12-06"), 35 * kUnit);
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-12-10"), 0);
  EXPECT_EQ(DaysSinceLast("app_login", c, "2026-10-31"), 36500 * kUnit);

  // The store's latest day of a type, whatever the window.
  Customer stored;
  stored.history.push_back({Day("2026-10-01"), HistoryFigure::kLastEvent, "app_login", 12});
  EXPECT_EQ(DaysSinceLast("app_login", stored, "2026-12-06"), 66 * kUnit);
  // A latest day after today: the daily rows before today say when.
  stored.history.push_back({Day("2026-12-20"), HistoryFigure::kLastEvent, "app_login", 13});
  stored.history.push_back({Day("2026-11-20"), HistoryFigure::kEvents, "app_login", 1});
  EXPECT_EQ(DaysSinceLast("app_login", stored, "2026-12-06"), 16 * kUnit);
  // Other figures keyed by the same name do not count.
  Customer earned;
  earned.history.push_back({Day("2026-12-01"), HistoryFigure::kEventRuleTimes, "app_login", 1});
  EXPECT_EQ(DaysSinceLast("app_login", earned, "2026-12-06"), 36500 * kUnit);
}

std::string SegmentOf(const RuleSet& rules, const Customer& c, std::string_view today) {
  Decision decision;
  EvalInput input;
  input.customer = &c;
  input.today = Day(today);
  EXPECT_THAT(rules.Evaluate(input, &decision), IsOk());
  for (const SegmentAssignment& s : decision.segments) {
    if (s.dimension == "activity") return std::string(s.segment);
  }
  return "";
}

TEST(EventFacts, RulesReadThemAndSayWhatHistoryTheyNeed) {
  LoadResult loaded =
      LoadEvents(kEarning, {Segments("      - id: reviewer\n"
                                     "        when: events_in_last(30, \"review\") >= 2\n"
                                     "        segment: reviewer\n"
                                     "      - id: lapsed\n"
                                     "        when: days_since_last_event(\"app_login\") > 30\n"
                                     "        segment: lapsed\n")});
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  EXPECT_EQ(rules.HistoryDays(), 30);  // days_since_last_event() has no window
  EXPECT_TRUE(rules.ReadsLastEvents());
  ASSERT_EQ(rules.Facts().size(), 2u);
  EXPECT_EQ(FactText(rules.Facts()[0]), "events_in_last(30, \"review\")");
  EXPECT_EQ(FactText(rules.Facts()[1]), "days_since_last_event(\"app_login\")");
  EXPECT_TRUE(rules.DateDependentRules().contains({"segmentation activity", "lapsed"}));

  Customer reviewer;
  EarlierEvent(&reviewer, "2026-11-07", "review");
  EarlierEvent(&reviewer, "2026-12-01", "review");
  EarlierEvent(&reviewer, "2026-12-01", "app_login");
  EXPECT_EQ(SegmentOf(rules, reviewer, "2026-12-06"), "reviewer");
  EXPECT_EQ(SegmentOf(rules, reviewer, "2026-12-07"), "other");  // 11-07 left the window

  Customer lapsed;
  EarlierEvent(&lapsed, "2026-11-01", "app_login");
  EXPECT_EQ(SegmentOf(rules, lapsed, "2026-12-01"), "other");   // 30 days
  EXPECT_EQ(SegmentOf(rules, lapsed, "2026-12-02"), "lapsed");  // 31 days
  Customer never;
  EXPECT_EQ(SegmentOf(rules, never, "2026-12-02"), "lapsed");  // 36500 days
}

TEST(EventFacts, AnEventEarningRuleSeesThemAsOfTheEventsDay) {
  LoadResult loaded = LoadEvents(
      "  - {id: comeback, on: app_login, when: 'days_since_last_event(\"app_login\") >= 30',\n"
      "     points: 20}\n");
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  EarlierEvent(&c, "2026-11-01", "app_login");
  Decision decision;
  // Today, 35 days after the last login.
  const CustomEvent today = Event(rules, "app_login", {}, Day("2026-12-06"));
  ASSERT_THAT(EvaluateEvent(rules, c, today, "2026-12-06", &decision), IsOk());
  EXPECT_THAT(CreditIds(decision), ElementsAre("comeback"));
  EXPECT_EQ(decision.event.points_to_customer, 20);
  // On the day unknown: the evaluation's.
  const CustomEvent undated = Event(rules, "app_login", {});
  ASSERT_THAT(EvaluateEvent(rules, c, undated, "2026-12-06", &decision), IsOk());
  EXPECT_THAT(CreditIds(decision), ElementsAre("comeback"));
  // A login of 2026-11-20 told on 2026-12-06: 19 days after the last.
  const CustomEvent backdated = Event(rules, "app_login", {}, Day("2026-11-20"));
  ASSERT_THAT(EvaluateEvent(rules, c, backdated, "2026-12-06", &decision), IsOk());
  EXPECT_THAT(decision.event.credits, IsEmpty());
}

// ------------------------------------------------------------------ explanation

const RuleExplanation* RecordOf(const Explanation& explanation, std::string_view rule_id) {
  for (const RuleExplanation& rule : explanation.rules) {
    if (rule.rule_id == rule_id) return &rule;
  }
  return nullptr;
}

TEST(EventExplanation, SaysHowMuchOfTheLimitWasUsed) {
  LoadResult loaded = LoadEvents(kEarning);
  ASSERT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  const RuleSet& rules = *loaded.ruleset;
  Customer c;
  const CustomEvent four = Event(rules, "review", {{"stars", "4"}});
  Decision decision;
  Explanation explanation;
  ASSERT_THAT(EvaluateEvent(rules, c, four, "2026-12-06", &decision, Used(kReviewPoints, {2, 20}),
                            &explanation),
              IsOk());
  EXPECT_EQ(decision.event.points_to_customer, 10);  // the same decision as without
  const RuleExplanation* points = RecordOf(explanation, "review_points");
  ASSERT_NE(points, nullptr);
  EXPECT_EQ(points->section, "event earning");
  EXPECT_TRUE(points->evaluated);
  EXPECT_TRUE(points->matched);
  EXPECT_EQ(points->condition, "event.stars >= 4");
  EXPECT_THAT(points->note, HasSubstr("limit 3 times a month"));
  EXPECT_THAT(points->note, HasSubstr("2 events earned this month before this one"));
  EXPECT_THAT(points->note, HasSubstr("it earns its 10"));
  // A rule that did not match, and one without a limit: no note.
  const RuleExplanation* bonus = RecordOf(explanation, "review_bonus");
  ASSERT_NE(bonus, nullptr);
  EXPECT_EQ(bonus->section, "event earning");
  EXPECT_FALSE(bonus->matched);
  EXPECT_EQ(bonus->note, "");
  // Rules on other types are not considered.
  EXPECT_EQ(RecordOf(explanation, "login_points"), nullptr);

  ASSERT_THAT(EvaluateEvent(rules, c, four, "2026-12-06", &decision, Used(kReviewPoints, {3, 30}),
                            &explanation),
              IsOk());
  points = RecordOf(explanation, "review_points");
  ASSERT_NE(points, nullptr);
  EXPECT_THAT(points->note, HasSubstr("3 events earned this month before this one"));
  EXPECT_THAT(points->note, HasSubstr("reached: it earns 0 of 10"));

  const CustomEvent login = Event(rules, "app_login", {});
  ASSERT_THAT(EvaluateEvent(rules, c, login, "2026-12-06", &decision, Used(kLoginPoints, {1, 3}),
                            &explanation),
              IsOk());
  const RuleExplanation* login_points = RecordOf(explanation, "login_points");
  ASSERT_NE(login_points, nullptr);
  EXPECT_EQ(login_points->note,
            "limit 5 points a week: 1 event earned 3 points this week before this one; it earns "
            "2 of 3");
  EXPECT_EQ(RecordOf(explanation, "review_points"), nullptr);  // cleared between evaluations

  const CustomEvent referral = Event(rules, "referral_completed", {{"referrer_id", "c-9"}});
  ASSERT_THAT(EvaluateEvent(rules, c, referral, "2026-12-06", &decision, {}, &explanation), IsOk());
  const RuleExplanation* reward = RecordOf(explanation, "referral_reward");
  ASSERT_NE(reward, nullptr);
  EXPECT_THAT(reward->note, HasSubstr("limit once: 0 events earned before this one"));
}

}  // namespace
}  // namespace clientele::rules
