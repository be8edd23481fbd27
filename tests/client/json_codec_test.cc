// Tests the CLI's JSON codec (client/json_codec.h): customers from JSON
// (English and the seed articles' Chinese keys, exact numbers, unknown
// fields with a did-you-mean, range and date checks), events from JSON
// (purchase as a number or an object, interaction as text, feedback), and
// the shape of DecisionToJson (the example of docs/rules.md section 6.2,
// collect dimensions, interactions, improvements, explanations).
#include "client/json_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "rules/ruleset.h"
#include "tests/support/status_matchers.h"

namespace clientele::client {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::nlohmann::json;
using rules::Decimal;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// Parsed as the CLI parses: with ParseJson, which keeps numbers exact.
json Json(std::string_view text) { return ParseJson(text, "test input").value(); }

absl::StatusOr<rules::Customer> ParseCustomer(std::string_view text) {
  return CustomerFromJson(Json(text));
}

absl::StatusOr<Events> EventsOf(std::string_view text) { return EventsFromJson(Json(text)); }

Decimal Num(std::string_view text) { return Decimal::Parse(text).value(); }

// ---------------------------------------------------------------- customers

TEST(CustomerFromJsonTest, EnglishFields) {
  absl::StatusOr<rules::Customer> c = ParseCustomer(R"({
    "id": "7", "name": "客户7", "age": 35, "gender": "女", "occupation": "Teacher",
    "consumption": "mid", "channel": "both", "purchase_frequency": 6,
    "average_purchase_amount": 600.5, "total_spent": 3603, "satisfaction": 3.8,
    "interaction_count": 2, "points": 480, "tier": "银卡会员",
    "birthday": "1991-11-02", "joined_at": "2026-10-25", "last_purchase_at": "2026-11-01"})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->id, "7");
  EXPECT_EQ(c->name, "客户7");
  EXPECT_EQ(c->age, 35);
  EXPECT_EQ(c->gender, "女");
  EXPECT_EQ(c->occupation, "Teacher");
  EXPECT_EQ(c->consumption, rules::Consumption::kMid);
  EXPECT_EQ(c->channel, rules::Channel::kBoth);
  EXPECT_EQ(c->purchase_frequency, 6);
  EXPECT_EQ(c->average_purchase_amount, Num("600.5"));
  EXPECT_EQ(c->total_spent, Num("3603"));
  EXPECT_EQ(c->satisfaction, Num("3.8"));
  EXPECT_EQ(c->interaction_count, 2);
  EXPECT_EQ(c->points, 480);
  EXPECT_EQ(c->tier, "银卡会员");
  EXPECT_EQ(c->birthday.ToString(), "1991-11-02");
  EXPECT_EQ(c->joined_at.ToString(), "2026-10-25");
  EXPECT_EQ(c->last_purchase_at.ToString(), "2026-11-01");
}

TEST(CustomerFromJsonTest, SeedArticlesChineseKeys) {
  absl::StatusOr<rules::Customer> c = ParseCustomer(R"({
    "客户ID": "1", "姓名": "张三", "年龄": 25, "性别": "男", "职业": "教师",
    "消费能力": "低", "购买行为": "线上", "购买频率": 3, "平均购买金额": 120,
    "满意度": 4.5, "互动次数": 1, "积分": 20, "会员等级": "普通会员", "生日": "2000-01-31"})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->id, "1");
  EXPECT_EQ(c->name, "张三");
  EXPECT_EQ(c->age, 25);
  EXPECT_EQ(c->gender, "男");
  EXPECT_EQ(c->occupation, "教师");
  EXPECT_EQ(c->consumption, rules::Consumption::kLow);
  EXPECT_EQ(c->channel, rules::Channel::kOnline);
  EXPECT_EQ(c->purchase_frequency, 3);
  EXPECT_EQ(c->average_purchase_amount, Num("120"));
  EXPECT_EQ(c->satisfaction, Num("4.5"));
  EXPECT_EQ(c->interaction_count, 1);
  EXPECT_EQ(c->points, 20);
  EXPECT_EQ(c->tier, "普通会员");
  EXPECT_EQ(c->birthday.ToString(), "2000-01-31");
}

TEST(CustomerFromJsonTest, LargeNumbersKeepEveryDigit) {
  absl::StatusOr<rules::Customer> c = ParseCustomer(
      R"({"total_spent": 1234567890123.4567, "average_purchase_amount": 92233720368547.7583})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->total_spent.ToString(), "1234567890123.4567");
  EXPECT_EQ(c->average_purchase_amount.ToString(), "92233720368547.7583");
}

TEST(CustomerFromJsonTest, NumbersAreExact) {
  absl::StatusOr<rules::Customer> c = ParseCustomer(
      R"({"satisfaction": 4.1, "average_purchase_amount": 1234.5678, "total_spent": 0.3})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->satisfaction.units(), 41000);  // not 40999.99...
  EXPECT_EQ(c->satisfaction.ToString(), "4.1");
  EXPECT_EQ(c->average_purchase_amount.units(), 12345678);
  EXPECT_EQ(c->total_spent.units(), 3000);

  // 4.0 and 5.0 (as the demo customers write them) are whole numbers.
  absl::StatusOr<rules::Customer> whole = ParseCustomer(R"({"satisfaction": 4.0})");
  ASSERT_THAT(whole, IsOk());
  EXPECT_EQ(whole->satisfaction, Decimal::FromInteger(4));
  absl::StatusOr<rules::Customer> five = ParseCustomer(R"({"满意度": 5.0})");
  ASSERT_THAT(five, IsOk());
  EXPECT_EQ(five->satisfaction, Decimal::FromInteger(5));
}

TEST(CustomerFromJsonTest, NumbersMayBeWrittenAsText) {
  absl::StatusOr<rules::Customer> c =
      ParseCustomer(R"({"age": "25", "satisfaction": "4.10", "points": "5100"})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->age, 25);
  EXPECT_EQ(c->satisfaction, Num("4.1"));
  EXPECT_EQ(c->points, 5100);
}

TEST(CustomerFromJsonTest, MissingAndNullFieldsAreZeroEmptyOrUnknown) {
  absl::StatusOr<rules::Customer> c =
      ParseCustomer(R"({"id": "9", "age": null, "birthday": null})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->age, 0);
  EXPECT_FALSE(c->birthday.known());
  EXPECT_EQ(c->satisfaction, Decimal());
  EXPECT_EQ(c->consumption, rules::Consumption::kUnknown);
  absl::StatusOr<rules::Customer> empty = ParseCustomer("{}");
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->id, "");
}

TEST(CustomerFromJsonTest, UnknownFieldSuggestsTheClosestName) {
  EXPECT_THAT(ParseCustomer(R"({"agee": 25})"),
              StatusIs(kInvalid, "unknown customer field 'agee'; did you mean 'age'?"));
  EXPECT_THAT(ParseCustomer(R"({"satisfation": 4})"),
              StatusIs(kInvalid,
                       "unknown customer field 'satisfation'; did you mean "
                       "'satisfaction'?"));
  absl::StatusOr<rules::Customer> far = ParseCustomer(R"({"review": "好评"})");
  EXPECT_THAT(far, StatusIs(kInvalid, "unknown customer field 'review'"));
  EXPECT_THAT(std::string(far.status().message()),
              ::testing::Not(::testing::HasSubstr("did you mean")));
}

TEST(CustomerFromJsonTest, ValuesAreChecked) {
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"satisfaction": 5.5})", "satisfaction: 5.5 is outside 1.00..5.00"},
      {R"({"satisfaction": 0.5})", "satisfaction: 0.5 is outside 1.00..5.00"},
      {R"({"satisfaction": 4.123})", "satisfaction: 4.123 has more than two decimals"},
      {R"({"满意度": 6})", "satisfaction: 6 is outside 1.00..5.00"},
      {R"({"age": 151})", "age: 151 is out of range (0..150)"},
      {R"({"age": -1})", "age: -1 is out of range (0..150)"},
      {R"({"age": 25.5})", "age: '25.5' is not a whole number"},
      {R"({"points_pending": -5})", "points_pending: -5 is out of range"},
      {R"({"points_expiring": "50 in 2026-12-20"})",
       "points_expiring: '50 in 2026-12-20' is not \"N on YYYY-MM-DD\" with N greater than 0"},
      {R"({"total_spent": -0.01})", "total_spent: -0.01 is negative"},
      {R"({"average_purchase_amount": 1.23456})",
       "average_purchase_amount: '1.23456' is not a decimal number: it has more than 4 digits "
       "after the decimal point"},
      {R"({"consumption": "medium"})",
       "consumption: 'medium' is not a consumption level (accepted: low, mid, high, 低, 中, 高)"},
      {R"({"购买行为": "电话"})", "channel: '电话' is not a purchase channel"},
      {R"({"birthday": "2026-02-30"})",
       "birthday: '2026-02-30' is not a date: there is no such day"},
      {R"({"joined_at": "2026/01/01"})",
       "joined_at: '2026/01/01' is not a date: write it as YYYY-MM-DD, e.g. 2026-05-01"},
      {R"({"生日": "1899-12-31"})",
       "birthday: '1899-12-31' is not a date: the year must be 1900..2200"},
      {R"({"age": true})", "age: expected a number or text, got boolean"},
      {R"({"name": ["张", "三"]})", "name: expected a number or text, got array"},
      {R"({"id": {"value": 1}})", "id: expected a number or text, got object"},
  };
  for (const auto& [text, message] : kCases) {
    EXPECT_THAT(ParseCustomer(text), StatusIs(kInvalid, message)) << text;
  }
}

TEST(CustomerFromJsonTest, MustBeAnObject) {
  EXPECT_THAT(CustomerFromJson(json::parse("[1, 2]")),
              StatusIs(kInvalid, "a customer must be a JSON object"));
  EXPECT_THAT(CustomerFromJson(json::parse("25")),
              StatusIs(kInvalid, "a customer must be a JSON object"));
}

TEST(ParseJsonTest, ReportsSyntaxErrorsWithWhatWasParsed) {
  absl::StatusOr<json> parsed = ParseJson(R"({"age": 25,})", "the customer");
  EXPECT_THAT(parsed, StatusIs(kInvalid, "the customer is not valid JSON: "));
  EXPECT_THAT(ParseJson("", "the event"), StatusIs(kInvalid, "the event is not valid JSON"));
  absl::StatusOr<json> ok = ParseJson(R"({"年龄": 25})", "the customer");
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ((*ok)["年龄"], 25);
}

// ---------------------------------------------------------------- events

TEST(EventsFromJsonTest, PurchaseAsANumberOrAnObject) {
  absl::StatusOr<Events> bare = EventsOf(R"({"purchase": 400})");
  ASSERT_THAT(bare, IsOk());
  ASSERT_TRUE(bare->purchase.has_value());
  EXPECT_EQ(bare->purchase->amount, Num("400"));
  EXPECT_FALSE(bare->interaction.has_value());
  EXPECT_FALSE(bare->feedback.has_value());

  absl::StatusOr<Events> full = EventsOf(
      R"({"purchase": {"id": "demo-1", "amount": 1234.5, "product": "产品A", "channel": "线上"}})");
  ASSERT_THAT(full, IsOk());
  ASSERT_TRUE(full->purchase.has_value());
  EXPECT_EQ(full->purchase->id, "demo-1");
  EXPECT_EQ(full->purchase->amount, Num("1234.5"));
  EXPECT_EQ(full->purchase->product, "产品A");
  EXPECT_EQ(full->purchase->channel, rules::Channel::kOnline);

  absl::StatusOr<Events> text = EventsOf(R"({"purchase": {"amount": "0.1"}})");
  ASSERT_THAT(text, IsOk());
  EXPECT_EQ(text->purchase->amount.units(), 1000);
  EXPECT_EQ(text->purchase->channel, rules::Channel::kUnknown);
}

TEST(EventsFromJsonTest, BadPurchases) {
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"purchase": 0})", "purchase.amount: 0 is not positive"},
      {R"({"purchase": {"amount": -5}})", "purchase.amount: -5 is not positive"},
      {R"({"purchase": {"amount": 1.23456}})",
       "purchase.amount: '1.23456' is not a decimal number: it has more than 4 digits after "
       "the decimal point"},
      {R"({"purchase": {"amount": "四百"}})", "purchase.amount: '四百' is not a decimal number"},
      {R"({"purchase": {"amount": true}})",
       "purchase.amount: expected a number or text, got boolean"},
      {R"({"purchase": {}})", "purchase.amount is missing"},
      {R"({"purchase": {"product": "产品A"}})", "purchase.amount is missing"},
      {R"({"purchase": {"amount": 1, "price": 3}})",
       "unknown purchase field 'price' (fields: id, amount, product, channel, date, category, quantity)"},
      {R"({"purchase": "400"})", "purchase: expected an object such as {\"amount\": 400}"},
      {R"({"purchase": {"amount": 1, "channel": "电话"}})",
       "purchase.channel: '电话' is not a purchase channel"},
      {R"({"purchase": {"amount": 1, "product": 5}})", "purchase.product: expected text"},
  };
  for (const auto& [text, message] : kCases) {
    EXPECT_THAT(EventsOf(text), StatusIs(kInvalid, message)) << text;
  }
}

TEST(EventsFromJsonTest, InteractionAsTextOrObject) {
  absl::StatusOr<Events> text = EventsOf(R"({"interaction": "好评"})");
  ASSERT_THAT(text, IsOk());
  ASSERT_TRUE(text->interaction.has_value());
  EXPECT_EQ(text->interaction->text, "好评");
  absl::StatusOr<Events> object = EventsOf(R"({"interaction": {"text": "差评"}})");
  ASSERT_THAT(object, IsOk());
  EXPECT_EQ(object->interaction->text, "差评");
  EXPECT_THAT(EventsOf(R"({"interaction": 5})"),
              StatusIs(kInvalid, "interaction: expected text such as \"好评\""));
  EXPECT_THAT(EventsOf(R"({"interaction": {"review": "好评"}})"),
              StatusIs(kInvalid, "unknown interaction field 'review' (fields: text)"));
}

TEST(EventsFromJsonTest, FeedbackWithARatingAndTheProductsHistory) {
  absl::StatusOr<Events> events =
      EventsOf(R"({"feedback": {"product": "产品A", "text": "太贵", "satisfaction": 2.5,)"
               R"( "history": [{"date": "2026-12-01", "text": "价格高", "satisfaction": 3}]}})");
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->feedback->satisfaction, *rules::Decimal::Parse("2.5"));
  ASSERT_EQ(events->feedback_history.size(), 1u);
  EXPECT_THAT(events->feedback->product_history,
              ::testing::IsEmpty());  // until the ruleset is known
  EXPECT_THAT(EventsOf(R"({"feedback": {"text": "x", "satisfaction": 6}})"),
              StatusIs(kInvalid, "feedback.satisfaction: 6 is outside 1.00..5.00"));
  EXPECT_THAT(EventsOf(R"({"feedback": {"text": "x", "history": {"date": "2026-12-01"}}})"),
              StatusIs(kInvalid, "feedback.history must be a list"));
  EXPECT_THAT(EventsOf(R"({"feedback": {"text": "x", "history": [3]}})"),
              StatusIs(kInvalid, "each entry is an object"));
}

TEST(CustomerFromJsonTest, HistoryListsAreReadAndTheirMistakesNamed) {
  absl::StatusOr<rules::Customer> c = CustomerFromJson(Json(
      R"({"id": "1", "history": {"purchases": [{"date": "2026-12-01", "amount": 12.5, "points": 1}],)"
      R"( "interactions": [{"date": "2026-12-02", "rule": "negative_review"}], "satisfaction_changes": []}})"));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->history.size(), 4u);  // purchases, spent and points of a day; an interaction
  EXPECT_THAT(CustomerFromJson(Json(R"({"history": {"purchase": []}})")),
              StatusIs(kInvalid, "history has no list 'purchase'; did you mean 'purchases'?"));
  EXPECT_THAT(CustomerFromJson(Json(R"({"history": [1]})")),
              StatusIs(kInvalid, "history must be a JSON object of lists"));
  EXPECT_THAT(CustomerFromJson(Json(R"({"history": {"purchases": {"date": "2026-12-01"}}})")),
              StatusIs(kInvalid, "history purchases must be a list"));
  EXPECT_THAT(CustomerFromJson(Json(R"({"history": {"purchases": [{"date": "2026-12-01"}]}})")),
              StatusIs(kInvalid, "each purchase needs an amount above 0"));
}

TEST(EventsFromJsonTest, Feedback) {
  absl::StatusOr<Events> full = EventsOf(
      R"({"feedback": {"product": "产品A", "text": "功能更强大,价格更优惠", "source": "电话回访"}})");
  ASSERT_THAT(full, IsOk());
  ASSERT_TRUE(full->feedback.has_value());
  EXPECT_EQ(full->feedback->product, "产品A");
  EXPECT_EQ(full->feedback->text, "功能更强大,价格更优惠");
  EXPECT_EQ(full->feedback->source, rules::FeedbackSource::kPhone);

  absl::StatusOr<Events> bare = EventsOf(R"({"feedback": "价格更优惠"})");
  ASSERT_THAT(bare, IsOk());
  EXPECT_EQ(bare->feedback->text, "价格更优惠");
  EXPECT_EQ(bare->feedback->product, "");
  EXPECT_EQ(bare->feedback->source, rules::FeedbackSource::kUnknown);

  EXPECT_THAT(EventsOf(R"({"feedback": {"text": "x", "source": "email"}})"),
              StatusIs(kInvalid, "feedback.source: 'email' is not a feedback source"));
  EXPECT_THAT(EventsOf(R"({"feedback": {"text": "x", "rating": 5}})"),
              StatusIs(kInvalid,
                       "unknown feedback field 'rating' (fields: product, text, source, "
                       "satisfaction, history)"));
  EXPECT_THAT(EventsOf(R"({"feedback": 3})"), StatusIs(kInvalid, "feedback: expected"));
}

TEST(EventsFromJsonTest, SeveralEventsUnknownKeysAndNonObjects) {
  absl::StatusOr<Events> all = EventsOf(
      R"({"purchase": {"id": "demo-1", "amount": 400, "product": "产品A"}, "interaction": "好评",
          "feedback": {"product": "产品A", "text": "功能更强大", "source": "survey"}})");
  ASSERT_THAT(all, IsOk());
  EXPECT_TRUE(all->purchase.has_value());
  EXPECT_TRUE(all->interaction.has_value());
  EXPECT_TRUE(all->feedback.has_value());

  absl::StatusOr<Events> none = EventsFromJson(json());
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->purchase.has_value());
  absl::StatusOr<Events> empty = EventsOf("{}");
  ASSERT_THAT(empty, IsOk());
  EXPECT_FALSE(empty->interaction.has_value());

  EXPECT_THAT(
      EventsOf(R"({"review": "好评"})"),
      StatusIs(kInvalid,
               "unknown event field 'review' (fields: purchase, interaction, feedback, event)"));
  EXPECT_THAT(EventsOf(R"(["好评"])"), StatusIs(kInvalid, "an event must be a JSON object"));
}

// ---------------------------------------------------------------- decisions

class DecisionToJsonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rules::LoadResult loaded = rules::RuleSet::LoadDirectory(CLIENTELE_SOURCE_DIR "/config/rules");
    ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
    ruleset_ = loaded.ruleset;
  }

  static rules::Decision Evaluate(const rules::RuleSet& ruleset, const rules::Customer& customer,
                                  const Events& events, rules::Explanation* explanation = nullptr) {
    rules::EvalInput input;
    input.customer = &customer;
    input.purchase = events.purchase ? &*events.purchase : nullptr;
    input.interaction = events.interaction ? &*events.interaction : nullptr;
    input.feedback = events.feedback ? &*events.feedback : nullptr;
    input.today = rules::Date::Parse("2026-11-24").value();
    rules::Decision decision;
    EXPECT_THAT(ruleset.Evaluate(input, &decision, explanation), IsOk());
    return decision;
  }

  static std::shared_ptr<const rules::RuleSet> ruleset_;
};

std::shared_ptr<const rules::RuleSet> DecisionToJsonTest::ruleset_;

// docs/rules.md section 6.2: 王五 buying for 400, as JSON.
TEST_F(DecisionToJsonTest, DocumentedExample) {
  absl::StatusOr<rules::Customer> wang_wu =
      ParseCustomer(R"({"姓名":"王五","年龄":50,"消费能力":"高","积分":0})");
  ASSERT_THAT(wang_wu, IsOk());
  absl::StatusOr<Events> events = EventsOf(R"({"purchase":{"amount":400}})");
  ASSERT_THAT(events, IsOk());
  rules::Decision decision = Evaluate(*ruleset_, *wang_wu, *events);
  json expected = json::parse(R"({
    "customer": "",
    "loyalty": {
      "points_after": 50,
      "points_before": 0,
      "points_earned": 50,
      "rule": "medium_purchase",
      "tier_after": "普通会员",
      "tier_before": "普通会员"
    },
    "offers": [
      {"exclusive": true, "offer": "生日礼物", "priority": 10, "rule": "middle_aged_birthday_gift"}
    ],
    "ruleset_version": "",
    "segment_rules": {
      "age_band": ["middle_aged"],
      "life_stage": ["middle_aged_high_income"],
      "purchase_behavior": ["default"],
      "satisfaction_level": ["default"]
    },
    "segments": {
      "age_band": "中年客户",
      "life_stage": "中年高收入群体",
      "purchase_behavior": "潜力客户",
      "satisfaction_level": "不满意客户"
    },
    "tier": "普通会员"
  })");
  expected["ruleset_version"] = ruleset_->version();
  EXPECT_EQ(DecisionToJson(*wang_wu, decision, nullptr), expected)
      << DecisionToJson(*wang_wu, decision, nullptr).dump(2);
}

TEST_F(DecisionToJsonTest, InteractionNumbersAndImprovements) {
  absl::StatusOr<rules::Customer> li_si = ParseCustomer(R"({"id":"4","满意度":4.0,"互动次数":3})");
  ASSERT_THAT(li_si, IsOk());
  absl::StatusOr<Events> events = EventsOf(
      R"({"interaction":"好评","feedback":{"product":"产品A","text":"功能更强大,价格更优惠,售后服务更完善"}})");
  ASSERT_THAT(events, IsOk());
  json out = DecisionToJson(*li_si, Evaluate(*ruleset_, *li_si, *events), nullptr);
  EXPECT_EQ(out["customer"], "4");
  EXPECT_FALSE(out.contains("loyalty"));  // no purchase
  EXPECT_FALSE(out.contains("explanation"));
  EXPECT_EQ(out["offers"], json::array());
  const json& interaction = out["interaction"];
  EXPECT_EQ(interaction["rule"], "positive_review");
  EXPECT_EQ(interaction["satisfaction_before"].dump(), "4");
  EXPECT_EQ(interaction["satisfaction_change"].dump(), "0.1");
  EXPECT_EQ(interaction["satisfaction_after"].dump(), "4.1");
  EXPECT_EQ(interaction["interaction_count_after"], 4);
  EXPECT_EQ(out["improvements"], json::parse(R"([
    {"rule": "stronger_features", "action": "增加新功能X",
     "change": {"field": "功能", "append": "新功能X"}},
    {"rule": "better_price", "action": "价格下调10元", "change": {"field": "价格", "add": -10}},
    {"rule": "better_after_sales", "action": "提供7*24小时在线客服",
     "change": {"field": "售后服务", "set": "7*24小时在线客服"}}
  ])"));
}

TEST_F(DecisionToJsonTest, CollectDimensionsGiveArraysAndActionsWithoutChangeHaveNone) {
  rules::LoadResult loaded =
      rules::RuleSet::LoadSources({{"segments.yaml", R"(kind: segmentation
dimensions:
  - id: tags
    hit_policy: collect
    rules:
      - id: tag_vip
        when: points >= 5000
        segment: VIP
      - id: tag_senior
        when: age >= 60
        segment: 老年
  - id: band
    rules:
      - id: young
        when: age < 30
        segment: 年轻
    default: 其他
)"},
                                   {"improvements.yaml", R"(kind: improvements
actions:
  - id: call_back
    when: feedback contains "差"
    action: 回访
)"}});
  ASSERT_TRUE(loaded.ok()) << rules::FormatDiagnostics(loaded.diagnostics);
  absl::StatusOr<rules::Customer> c = ParseCustomer(R"({"id":"5","age":65,"points":5100})");
  ASSERT_THAT(c, IsOk());
  absl::StatusOr<Events> events = EventsOf(R"({"feedback":"太差了"})");
  ASSERT_THAT(events, IsOk());
  json out = DecisionToJson(*c, Evaluate(*loaded.ruleset, *c, *events), nullptr);
  EXPECT_EQ(out["segments"], json::parse(R"({"tags": ["VIP", "老年"], "band": "其他"})"));
  EXPECT_EQ(out["segment_rules"],
            json::parse(R"({"tags": ["tag_vip", "tag_senior"], "band": ["default"]})"));
  EXPECT_EQ(out["tier"], "");
  EXPECT_EQ(out["improvements"], json::parse(R"([{"rule": "call_back", "action": "回访"}])"));
}

TEST_F(DecisionToJsonTest, ExplanationIsAddedWhenGiven) {
  absl::StatusOr<rules::Customer> c = ParseCustomer(R"({"客户ID":"4","年龄":55,"消费能力":"中"})");
  ASSERT_THAT(c, IsOk());
  rules::Explanation why;
  rules::Decision decision = Evaluate(*ruleset_, *c, Events{}, &why);
  json out = DecisionToJson(*c, decision, &why);
  ASSERT_TRUE(out.contains("explanation"));
  const json& rules = out["explanation"];
  ASSERT_TRUE(rules.is_array());
  ASSERT_EQ(rules.size(), why.rules.size());
  const json& first = rules[0];
  EXPECT_EQ(first["section"], "segmentation life_stage");
  EXPECT_EQ(first["rule"], "young_low_income");
  EXPECT_EQ(first["condition"], "age < young_age_limit and consumption == \"low\"");
  EXPECT_EQ(first["evaluated"], true);
  EXPECT_EQ(first["matched"], false);
  EXPECT_FALSE(first.contains("note"));
  EXPECT_EQ(first["checks"], json::parse(R"json([{"expression": "age < young_age_limit",
    "result": false, "observed": {"age": "55", "young_age_limit": "40"}, "as_needed": false,
    "reason": "age is 55, needs less than young_age_limit (40)"}])json"));

  // A rule that was not looked at carries its note.
  bool found_note = false;
  absl::StatusOr<rules::Customer> young = ParseCustomer(R"({"年龄":25,"消费能力":"低"})");
  ASSERT_THAT(young, IsOk());
  rules::Explanation young_why;
  json young_out =
      DecisionToJson(*young, Evaluate(*ruleset_, *young, Events{}, &young_why), &young_why);
  for (const json& rule : young_out["explanation"]) {
    if (rule["rule"] == "young_mid_income") {
      found_note = true;
      EXPECT_EQ(rule["evaluated"], false);
      EXPECT_EQ(rule["note"], "not checked: rule 'young_low_income' matched first");
      EXPECT_EQ(rule["checks"], json::array());
    }
  }
  EXPECT_TRUE(found_note);
}

}  // namespace
}  // namespace clientele::client
