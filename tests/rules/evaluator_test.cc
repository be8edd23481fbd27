// Tests RuleSet::Evaluate (rules/ruleset.h) on small in-memory rulesets
// built with RuleSet::LoadSources, one behaviour of docs/rules.md at a time:
// hit policies and defaults, dimensions that use other dimensions, offer
// priority / stacking / validity windows, loyalty earning and tiers,
// interactions (first, collect, clamping, the initial satisfaction),
// improvements and ApplyProductChanges, every function, `in` / `contains`
// operators, constants on the left, Chinese enum literals, runtime errors,
// and the contents of explanations.
//
// Every evaluation in this file is made twice, without and with an
// explanation, and the two decisions must be identical: the plain path runs
// the flattened conditions (fused atoms), the explained path walks the
// expression tree. A differential test does the same for 10,000 random
// customers on a ruleset that mixes every kind of condition.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/ruleset.h"
#include "tests/support/customer_generator.h"
#include "tests/support/status_matchers.h"

namespace clientele::rules {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;

// ---------------------------------------------------------------- helpers

Date Day(std::string_view text) {
  absl::StatusOr<Date> date = Date::Parse(text);
  EXPECT_THAT(date, IsOk()) << text;
  return date.value_or(Date());
}

Decimal Num(std::string_view text) {
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  EXPECT_THAT(value, IsOk()) << text;
  return value.value_or(Decimal());
}

// Loads `sources`, which must load (warnings allowed).
std::shared_ptr<const RuleSet> Load(std::vector<RuleSource> sources) {
  LoadResult loaded = RuleSet::LoadSources(std::move(sources));
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

// Every field of a decision as one line per item, to compare decisions and
// to show them in failure messages.
std::string DecisionText(const Decision& d) {
  std::string out = "version " + std::string(d.ruleset_version) + "\n";
  for (const SegmentAssignment& s : d.segments) {
    out += "segment " + std::string(s.dimension) + " = " + std::string(s.segment) + " (" +
           std::string(s.rule_id) + (s.is_default ? ", default" : "") + ")\n";
  }
  for (const OfferGrant& o : d.offers) {
    out += "offer " + std::string(o.offer) + " (" + std::string(o.rule_id) + ", " +
           std::to_string(o.priority) + (o.exclusive ? ", exclusive" : ", stackable") + ")\n";
  }
  out += "tier " + std::string(d.tier_before) + " -> " + std::string(d.tier) + "\n";
  if (d.loyalty.applied) {
    out += "loyalty " + std::string(d.loyalty.rule_id) + " " +
           std::to_string(d.loyalty.points_earned) + ": " +
           std::to_string(d.loyalty.points_before) + " -> " +
           std::to_string(d.loyalty.points_after) + "\n";
  }
  if (d.interaction.applied) {
    out += "interaction " + std::string(d.interaction.rule_id) + " " +
           d.interaction.satisfaction_before.ToString() + " + " +
           d.interaction.satisfaction_change.ToString() + " = " +
           d.interaction.satisfaction_after.ToString() + ", count " +
           std::to_string(d.interaction.interaction_count_after) + "\n";
  }
  for (const ImprovementProposal& p : d.improvements) {
    out += "improvement " + std::string(p.rule_id) + ": " + std::string(p.action);
    if (p.change != nullptr) {
      out += " [" + p.change->field + " " + std::to_string(static_cast<int>(p.change->kind)) + " " +
             p.change->text + " " + p.change->amount.ToString() + "]";
    }
    out += "\n";
  }
  return out;
}

struct Events {
  const Purchase* purchase = nullptr;
  const Interaction* interaction = nullptr;
  const Feedback* feedback = nullptr;
  std::string_view today = "2026-11-24";
};

EvalInput Input(const Customer& customer, const Events& events) {
  return EvalInput{&customer, events.purchase, events.interaction, events.feedback,
                   Day(events.today)};
}

// Evaluates without and with an explanation; both must succeed and agree.
// The explanation, when wanted, is stored in *explanation.
Decision Evaluate(const RuleSet& ruleset, const Customer& customer, const Events& events = {},
                  Explanation* explanation = nullptr) {
  const EvalInput input = Input(customer, events);
  Decision plain;
  EXPECT_THAT(ruleset.Evaluate(input, &plain), IsOk());
  Decision explained;
  Explanation local;
  Explanation* why = explanation != nullptr ? explanation : &local;
  EXPECT_THAT(ruleset.Evaluate(input, &explained, why), IsOk());
  EXPECT_EQ(DecisionText(plain), DecisionText(explained))
      << "the explained evaluation decided differently";
  return plain;
}

// The segments of `dimension`, in order.
std::vector<std::string> SegmentsOf(const Decision& d, std::string_view dimension) {
  std::vector<std::string> out;
  for (const SegmentAssignment& s : d.segments) {
    if (s.dimension == dimension) out.emplace_back(s.segment);
  }
  return out;
}

std::vector<std::string> OffersOf(const Decision& d) {
  std::vector<std::string> out;
  for (const OfferGrant& o : d.offers) out.emplace_back(o.offer);
  return out;
}

std::vector<std::string> ImprovementRules(const Decision& d) {
  std::vector<std::string> out;
  for (const ImprovementProposal& p : d.improvements) out.emplace_back(p.rule_id);
  return out;
}

const RuleExplanation* FindRule(const Explanation& e, std::string_view rule_id) {
  for (const RuleExplanation& r : e.rules) {
    if (r.rule_id == rule_id) return &r;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> Observed(const ConditionCheck& check) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ObservedValue& v : check.observed) out.emplace_back(v.expression, v.value);
  return out;
}

Customer WithConsumption(int64_t age, std::string_view consumption) {
  Customer c;
  c.age = age;
  EXPECT_THAT(SetCustomerField(&c, "consumption", consumption), IsOk());
  return c;
}

// ---------------------------------------------------------------- segmentation

constexpr char kAgeBands[] = R"(kind: segmentation
dimensions:
  - id: age_band
    rules:
      - id: young
        when: age < 30
        segment: 年轻客户
      - id: middle_aged
        when: age < 60
        segment: 中年客户
    default: 老年客户
)";

TEST(SegmentationTest, FirstHitPolicyTakesTheFirstMatchingRuleElseTheDefault) {
  auto ruleset = Load({{"segments.yaml", kAgeBands}});
  ASSERT_NE(ruleset, nullptr);
  struct Case {
    int64_t age;
    const char* segment;
    const char* rule;
    bool is_default;
  };
  const Case kCases[] = {
      {0, "年轻客户", "young", false},        {29, "年轻客户", "young", false},
      {30, "中年客户", "middle_aged", false}, {59, "中年客户", "middle_aged", false},
      {60, "老年客户", "default", true},      {150, "老年客户", "default", true}};
  for (const Case& c : kCases) {
    Customer customer;
    customer.age = c.age;
    Decision d = Evaluate(*ruleset, customer);
    ASSERT_EQ(d.segments.size(), 1u) << c.age;
    EXPECT_EQ(d.segments[0].dimension, "age_band");
    EXPECT_EQ(d.segments[0].segment, c.segment) << c.age;
    EXPECT_EQ(d.segments[0].rule_id, c.rule) << c.age;
    EXPECT_EQ(d.segments[0].is_default, c.is_default) << c.age;
    EXPECT_EQ(d.SegmentOf("age_band"), c.segment);
    EXPECT_EQ(d.ruleset_version, ruleset->version());
  }
}

constexpr char kTags[] = R"(kind: segmentation
dimensions:
  - id: focus
    description: written first, but uses tags, so it is evaluated after them
    rules:
      - id: focus_vip
        when: '"VIP" in segment.tags and "老年" not in segment.tags'
        segment: 重点维护
      - id: focus_many
        when: len(segment.tags) >= 2
        segment: 多重关注
      - id: focus_senior
        when: segment.tags contains "老年"
        segment: 老年关怀
      - id: focus_none
        when: len(segment.tags) == 0
        segment: 无标签
    default: 常规
  - id: tags
    hit_policy: collect
    rules:
      - id: tag_vip
        when: points >= 5000 or total_spent >= 50000
        segment: VIP
      - id: tag_senior
        when: age >= 60
        segment: 老年
      - id: tag_dormant
        when: days_since(last_purchase_at) > 180
        segment: 沉睡客户
  - id: channels
    hit_policy: collect
    rules:
      - id: ch_online
        when: channel in ["online", "线上线下"]
        segment: 线上
      - id: ch_offline
        when: channel in ["线下", "both"]
        segment: 线下
    default: 未知渠道
)";

TEST(SegmentationTest, CollectHitPolicyKeepsEveryMatchInRuleOrder) {
  auto ruleset = Load({{"segments.yaml", kTags}});
  ASSERT_NE(ruleset, nullptr);
  EXPECT_THAT(ruleset->DimensionIds(), ElementsAre("tags", "focus", "channels"));

  Customer many;
  many.age = 65;
  many.points = 6000;  // never bought: last_purchase_at unknown, so dormant
  Decision d = Evaluate(*ruleset, many);
  EXPECT_THAT(SegmentsOf(d, "tags"), ElementsAre("VIP", "老年", "沉睡客户"));
  EXPECT_EQ(d.SegmentOf("tags"), "VIP");  // the first one
  EXPECT_EQ(d.SegmentOf("focus"), "多重关注");
  ASSERT_GE(d.segments.size(), 4u);
  EXPECT_EQ(d.segments[0].rule_id, "tag_vip");
  EXPECT_EQ(d.segments[1].rule_id, "tag_senior");
  EXPECT_EQ(d.segments[2].rule_id, "tag_dormant");
  EXPECT_EQ(d.segments[3].rule_id, "focus_many");
}

TEST(SegmentationTest, InNotInContainsAndLenOnACollectDimension) {
  auto ruleset = Load({{"segments.yaml", kTags}});
  ASSERT_NE(ruleset, nullptr);
  struct Case {
    const char* name;
    int64_t age;
    int64_t points;
    const char* total_spent;
    const char* last_purchase;  // "" unknown
    std::vector<std::string> tags;
    const char* focus;
  };
  const Case kCases[] = {
      {"vip only", 30, 6000, "0", "2026-11-01", {"VIP"}, "重点维护"},
      {"vip by spending", 30, 0, "50000", "2026-11-01", {"VIP"}, "重点维护"},
      {"senior only", 65, 0, "0", "2026-11-20", {"老年"}, "老年关怀"},
      {"vip and senior", 60, 5000, "0", "2026-11-20", {"VIP", "老年"}, "多重关注"},
      {"no tag", 30, 4999, "49999.99", "2026-11-20", {}, "无标签"},
      {"dormant only", 30, 0, "0", "", {"沉睡客户"}, "常规"},
      {"dormant after 181 days", 30, 0, "0", "2026-05-27", {"沉睡客户"}, "常规"},
      {"not dormant after 180 days", 30, 0, "0", "2026-05-28", {}, "无标签"},
  };
  for (const Case& c : kCases) {
    Customer customer;
    customer.age = c.age;
    customer.points = c.points;
    customer.total_spent = Num(c.total_spent);
    if (*c.last_purchase != '\0') customer.last_purchase_at = Day(c.last_purchase);
    Decision d = Evaluate(*ruleset, customer);
    EXPECT_THAT(SegmentsOf(d, "tags"), ElementsAreArray(c.tags)) << c.name;
    EXPECT_EQ(d.SegmentOf("focus"), c.focus) << c.name;
    if (c.tags.empty()) {
      EXPECT_EQ(d.SegmentOf("tags"), "") << c.name;
    }
  }
}

TEST(SegmentationTest, CollectDefaultOnlyWhenNoRuleMatched) {
  auto ruleset = Load({{"segments.yaml", kTags}});
  ASSERT_NE(ruleset, nullptr);
  const std::pair<Channel, std::vector<std::string>> kCases[] = {
      {Channel::kBoth, {"线上", "线下"}},
      {Channel::kOnline, {"线上"}},
      {Channel::kOffline, {"线下"}},
      {Channel::kUnknown, {"未知渠道"}},
  };
  for (const auto& [channel, expected] : kCases) {
    Customer customer;
    customer.channel = channel;
    Decision d = Evaluate(*ruleset, customer);
    EXPECT_THAT(SegmentsOf(d, "channels"), ElementsAreArray(expected)) << ChannelName(channel);
  }
  Customer unknown;
  Decision d = Evaluate(*ruleset, unknown);
  for (const SegmentAssignment& s : d.segments) {
    if (s.dimension == "channels") {
      EXPECT_TRUE(s.is_default);
      EXPECT_EQ(s.rule_id, "default");
    }
  }
}

constexpr char kFocusFile[] = R"(kind: segmentation
dimensions:
  - id: other
    rules:
      - id: other_young
        when: age < 18
        segment: 未成年
    default: 成年
  - id: focus
    rules:
      - id: focus_young_low
        when: segment.base == "年轻低收入群体" and segment.other == "成年"
        segment: 重点
    default: 常规
)";

constexpr char kBaseFile[] = R"(kind: segmentation
dimensions:
  - id: base
    rules:
      - id: base_young_low
        when: age < 40 and consumption == "低"
        segment: 年轻低收入群体
    default: 其他
)";

TEST(SegmentationTest, DimensionUsingAnotherIsEvaluatedAfterItWhateverTheFileOrder) {
  auto ruleset = Load({{"a_focus.yaml", kFocusFile}, {"b_base.yaml", kBaseFile}});
  ASSERT_NE(ruleset, nullptr);
  EXPECT_THAT(ruleset->DimensionIds(), ElementsAre("other", "base", "focus"));

  Decision young_low = Evaluate(*ruleset, WithConsumption(25, "low"));
  EXPECT_EQ(young_low.SegmentOf("base"), "年轻低收入群体");
  EXPECT_EQ(young_low.SegmentOf("focus"), "重点");
  // Segments are listed in evaluation order.
  ASSERT_EQ(young_low.segments.size(), 3u);
  EXPECT_EQ(young_low.segments[0].dimension, "other");
  EXPECT_EQ(young_low.segments[1].dimension, "base");
  EXPECT_EQ(young_low.segments[2].dimension, "focus");

  EXPECT_EQ(Evaluate(*ruleset, WithConsumption(15, "low")).SegmentOf("focus"), "常规");
  EXPECT_EQ(Evaluate(*ruleset, WithConsumption(25, "high")).SegmentOf("focus"), "常规");

  // The same files given in the other order are the same ruleset.
  auto reversed = Load({{"b_base.yaml", kBaseFile}, {"a_focus.yaml", kFocusFile}});
  ASSERT_NE(reversed, nullptr);
  EXPECT_EQ(reversed->version(), ruleset->version());
  EXPECT_EQ(reversed->DimensionIds(), ruleset->DimensionIds());
}

// ---------------------------------------------------------------- offers

constexpr char kOffersA[] = R"(kind: offers
offers:
  - id: young_discount
    when: age < 30
    offer: 满100减20
    priority: 20
    stacking: exclusive
  - id: birthday_gift
    when: consumption == "高"
    offer: 生日礼物
    priority: 10
    stacking: stackable
  - id: double_eleven
    when: consumption in ["mid", "high"]
    offer: 双十一优惠券
    priority: 5
    stacking: stackable
    valid_from: 2026-11-01
    valid_until: 2026-11-11
  - id: welcome_gift
    when: days_since(joined_at) <= 30
    offer: 新客礼包
)";

constexpr char kOffersB[] = R"(kind: offers
offers:
  - id: same_priority_b
    when: total_spent > 1000
    offer: B券
    priority: 5
    stacking: stackable
  - id: black_gold
    when: points >= 9000
    offer: 黑金礼遇
    priority: 100
)";

class OffersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ruleset_ = Load({{"offers_b.yaml", kOffersB}, {"offers_a.yaml", kOffersA}});
    ASSERT_NE(ruleset_, nullptr);
  }
  // 45, high spender, joined 2026-11-01.
  static Customer HighSpender() {
    Customer c = WithConsumption(45, "high");
    c.joined_at = Day("2026-11-01");
    return c;
  }
  std::shared_ptr<const RuleSet> ruleset_;
};

TEST_F(OffersTest, StackableOffersCombineAndALaterExclusiveOneIsNotAdded) {
  Decision d = Evaluate(*ruleset_, HighSpender(), {.today = "2026-11-05"});
  ASSERT_THAT(OffersOf(d), ElementsAre("生日礼物", "双十一优惠券"));
  EXPECT_EQ(d.offers[0].rule_id, "birthday_gift");
  EXPECT_EQ(d.offers[0].priority, 10);
  EXPECT_FALSE(d.offers[0].exclusive);
  EXPECT_EQ(d.offers[1].priority, 5);
}

TEST_F(OffersTest, EqualPrioritiesKeepFileOrder) {
  Customer c = HighSpender();
  c.total_spent = Num("2000");
  Decision d = Evaluate(*ruleset_, c, {.today = "2026-11-05"});
  EXPECT_THAT(OffersOf(d), ElementsAre("生日礼物", "双十一优惠券", "B券"));
}

TEST_F(OffersTest, HigherPriorityExclusiveOfferIsTheOnlyOneEvenFromAnotherFile) {
  Customer young = WithConsumption(25, "high");
  young.joined_at = Day("2026-11-01");
  Decision d = Evaluate(*ruleset_, young, {.today = "2026-11-05"});
  ASSERT_THAT(OffersOf(d), ElementsAre("满100减20"));
  EXPECT_TRUE(d.offers[0].exclusive);
  EXPECT_EQ(d.offers[0].priority, 20);

  young.points = 9000;
  EXPECT_THAT(OffersOf(Evaluate(*ruleset_, young, {.today = "2026-11-05"})),
              ElementsAre("黑金礼遇"));
}

TEST_F(OffersTest, AnExclusiveOfferAloneIsGiven) {
  Customer c = WithConsumption(45, "low");
  c.joined_at = Day("2026-11-20");
  Decision d = Evaluate(*ruleset_, c);
  ASSERT_THAT(OffersOf(d), ElementsAre("新客礼包"));
  EXPECT_EQ(d.offers[0].priority, 0);  // the default
  EXPECT_TRUE(d.offers[0].exclusive);  // the default
  c.joined_at = Day("2026-10-24");     // 31 days
  EXPECT_THAT(Evaluate(*ruleset_, c).offers, IsEmpty());
}

TEST_F(OffersTest, ValidityWindowIncludesBothEnds) {
  const std::pair<const char*, bool> kDays[] = {{"2026-10-31", false}, {"2026-11-01", true},
                                                {"2026-11-11", true},  {"2026-11-12", false},
                                                {"2025-11-05", false}, {"2027-11-05", false}};
  Customer c = WithConsumption(45, "mid");  // only double_eleven can match
  for (const auto& [today, valid] : kDays) {
    Decision d = Evaluate(*ruleset_, c, {.today = today});
    if (valid) {
      EXPECT_THAT(OffersOf(d), ElementsAre("双十一优惠券")) << today;
    } else {
      EXPECT_THAT(d.offers, IsEmpty()) << today;
    }
  }
}

TEST_F(OffersTest, ExplanationSaysWhyEachOfferWasOrWasNotGiven) {
  Explanation why;
  Decision d = Evaluate(*ruleset_, HighSpender(), {.today = "2026-11-20"}, &why);
  EXPECT_THAT(OffersOf(d), ElementsAre("生日礼物"));

  const RuleExplanation* window = FindRule(why, "double_eleven");
  ASSERT_NE(window, nullptr);
  EXPECT_EQ(window->section, "offers");
  EXPECT_FALSE(window->evaluated);
  EXPECT_EQ(window->note,
            "outside its window: not valid today (2026-11-20): valid 2026-11-01 to 2026-11-11");

  const RuleExplanation* welcome = FindRule(why, "welcome_gift");
  ASSERT_NE(welcome, nullptr);
  EXPECT_TRUE(welcome->evaluated);
  EXPECT_TRUE(welcome->matched);
  EXPECT_EQ(welcome->note,
            "matched, but lost to 'birthday_gift', given before it: this exclusive offer cannot "
            "combine with it");
  ASSERT_EQ(welcome->checks.size(), 1u);
  EXPECT_EQ(welcome->checks[0].expression, "days_since(joined_at) <= 30");
  EXPECT_TRUE(welcome->checks[0].result);
  EXPECT_THAT(Observed(welcome->checks[0]), ElementsAre(Pair("days_since(joined_at)", "19")));

  // Offers are explained in priority order.
  std::vector<std::string> order;
  for (const RuleExplanation& r : why.rules) {
    if (r.section == "offers") order.push_back(r.rule_id);
  }
  EXPECT_THAT(order, ElementsAre("black_gold", "young_discount", "birthday_gift", "double_eleven",
                                 "same_priority_b", "welcome_gift"));

  Explanation young_why;
  Evaluate(*ruleset_, WithConsumption(25, "low"), {}, &young_why);
  // Every offer is checked, also after an exclusive one was given, so
  // that the explanation says whether it would have applied.
  const RuleExplanation* gift = FindRule(young_why, "birthday_gift");
  ASSERT_NE(gift, nullptr);
  EXPECT_TRUE(gift->evaluated);
  EXPECT_FALSE(gift->matched);
  EXPECT_EQ(gift->note, "");
}

// ---------------------------------------------------------------- loyalty

constexpr char kLoyaltyParameters[] = R"(kind: parameters
parameters:
  lucky_amounts: [88, 168, 888]
  vip_points:
    value: 5000
    description: 钻石会员
  big_purchase_amount: 500
  yuan_per_point: 10
)";

constexpr char kLoyalty[] = R"(kind: loyalty
earning:
  rules:
    - id: lucky_amount
      when: purchase.amount in lucky_amounts
      points: 88
    - id: vip_purchase
      when: points >= vip_points and purchase.amount >= 1000
      points: floor(purchase.amount / 5)
    - id: big_purchase
      when: purchase.amount >= big_purchase_amount
      points: 100
    - id: return_penalty
      when: purchase.product == "退货"
      points: -100
  default:
    id: small_purchase
    points: floor(purchase.amount / yuan_per_point)
tiers:
  - name: 普通会员
    min_points: 100
  - name: 银卡会员
    min_points: 500
  - name: 金卡会员
    min_points: 2000
  - name: 钻石会员
    min_points: 5000
)";

TEST(LoyaltyTest, EarningBandsWithParametersAndFormulas) {
  auto ruleset = Load({{"parameters.yaml", kLoyaltyParameters}, {"loyalty.yaml", kLoyalty}});
  ASSERT_NE(ruleset, nullptr);
  struct Case {
    int64_t points;
    const char* amount;
    const char* product;
    const char* rule;
    int64_t earned;
    int64_t after;
  };
  const Case kCases[] = {
      {5100, "88", "", "lucky_amount", 88, 5188},
      {100, "168.0", "", "lucky_amount", 88, 188},
      {5100, "1234.5", "", "vip_purchase", 246, 5346},  // floor(246.9)
      {4999, "1234.5", "", "big_purchase", 100, 5099},
      {5100, "600", "", "big_purchase", 100, 5200},
      {100, "99", "", "small_purchase", 9, 109},  // floor(9.9)
      {100, "88.5", "", "small_purchase", 8, 108},
      {100, "0.01", "", "small_purchase", 0, 100},
      {500, "10", "退货", "return_penalty", -100, 400},
      {30, "10", "退货", "return_penalty", -30, 0},  // never below 0
  };
  for (const Case& c : kCases) {
    Customer customer;
    customer.points = c.points;
    Purchase purchase{"p1", Num(c.amount), c.product, Channel::kUnknown};
    Decision d = Evaluate(*ruleset, customer, {.purchase = &purchase});
    EXPECT_TRUE(d.loyalty.applied);
    EXPECT_EQ(d.loyalty.rule_id, c.rule) << c.amount;
    EXPECT_EQ(d.loyalty.points_earned, c.earned) << c.amount;
    EXPECT_EQ(d.loyalty.points_before, c.points) << c.amount;
    EXPECT_EQ(d.loyalty.points_after, c.after) << c.amount;
  }
}

TEST(LoyaltyTest, TierFollowsTheBalanceAfterThePurchase) {
  auto ruleset = Load({{"parameters.yaml", kLoyaltyParameters}, {"loyalty.yaml", kLoyalty}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.points = 450;
  Purchase big{"p", Num("600"), "", Channel::kUnknown};
  Decision up = Evaluate(*ruleset, c, {.purchase = &big});
  EXPECT_EQ(up.tier_before, "普通会员");
  EXPECT_EQ(up.tier, "银卡会员");

  Purchase refund{"p", Num("10"), "退货", Channel::kUnknown};
  c.points = 520;
  Decision down = Evaluate(*ruleset, c, {.purchase = &refund});
  EXPECT_EQ(down.tier_before, "银卡会员");
  EXPECT_EQ(down.tier, "普通会员");

  // Without a purchase there is no earning, but the tier is still worked out.
  c.points = 2000;
  Decision none = Evaluate(*ruleset, c);
  EXPECT_FALSE(none.loyalty.applied);
  EXPECT_EQ(none.tier, "金卡会员");
  EXPECT_EQ(none.tier_before, "金卡会员");

  // Below the first tier there is no tier.
  c.points = 99;
  Decision below = Evaluate(*ruleset, c);
  EXPECT_EQ(below.tier, "");
  c.points = 95;
  Purchase small{"p", Num("50"), "", Channel::kUnknown};
  Decision reached = Evaluate(*ruleset, c, {.purchase = &small});
  EXPECT_EQ(reached.tier_before, "");
  EXPECT_EQ(reached.tier, "普通会员");
}

// ---------------------------------------------------------------- interactions

constexpr char kInteractionsFirst[] = R"(kind: interactions
satisfaction_range: {min: 1, max: 5, initial: 2.5}
rules:
  - id: positive_review
    when: interaction contains "好评"
    satisfaction_change: 0.1
  - id: negative_review
    when: interaction contains "差评"
    satisfaction_change: -0.1
  - id: complaint
    when: interaction.text contains any ["投诉", "退货"]
    satisfaction_change: -2 * 0.1
)";

struct InteractionCase {
  const char* satisfaction;
  const char* text;
  const char* rule;
  const char* before;
  const char* change;
  const char* after;
};

void CheckInteractions(const RuleSet& ruleset, const std::vector<InteractionCase>& cases) {
  for (const InteractionCase& c : cases) {
    Customer customer;
    customer.satisfaction = Num(c.satisfaction);
    customer.interaction_count = 7;
    Interaction interaction{c.text};
    Decision d = Evaluate(ruleset, customer, {.interaction = &interaction});
    const std::string label = std::string(c.satisfaction) + " " + c.text;
    EXPECT_TRUE(d.interaction.applied) << label;
    EXPECT_EQ(d.interaction.rule_id, c.rule) << label;
    EXPECT_EQ(d.interaction.satisfaction_before.ToString(), c.before) << label;
    EXPECT_EQ(d.interaction.satisfaction_change.ToString(), c.change) << label;
    EXPECT_EQ(d.interaction.satisfaction_after.ToString(), c.after) << label;
    EXPECT_EQ(d.interaction.interaction_count_after, 8) << label;  // every interaction counts
  }
}

TEST(InteractionsTest, FirstHitPolicyAndClampingToTheRange) {
  auto ruleset = Load({{"interactions.yaml", kInteractionsFirst}});
  ASSERT_NE(ruleset, nullptr);
  CheckInteractions(*ruleset, {
                                  {"4", "好评", "positive_review", "4", "0.1", "4.1"},
                                  {"4", "差评", "negative_review", "4", "-0.1", "3.9"},
                                  {"4", "先差评后好评", "positive_review", "4", "0.1", "4.1"},
                                  {"4", "我要投诉", "complaint", "4", "-0.2", "3.8"},
                                  {"4", "一般", "", "4", "0", "4"},
                                  {"4.95", "好评", "positive_review", "4.95", "0.05", "5"},
                                  {"5", "好评", "positive_review", "5", "0", "5"},
                                  {"1.05", "差评", "negative_review", "1.05", "-0.05", "1"},
                                  {"1", "退货", "complaint", "1", "0", "1"},
                              });
}

TEST(InteractionsTest, NeverRatedCustomerStartsFromTheInitialSatisfaction) {
  auto ruleset = Load({{"interactions.yaml", kInteractionsFirst}});
  ASSERT_NE(ruleset, nullptr);
  CheckInteractions(*ruleset, {
                                  {"0", "好评", "positive_review", "2.5", "0.1", "2.6"},
                                  {"0", "差评", "negative_review", "2.5", "-0.1", "2.4"},
                                  {"0", "一般", "", "2.5", "0", "2.5"},
                              });
}

TEST(InteractionsTest, TenPositiveReviewsFromOneLandExactlyOnTwo) {
  auto ruleset = Load({{"interactions.yaml", kInteractionsFirst}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.satisfaction = Decimal::FromInteger(1);
  Interaction good{"好评"};
  for (int i = 0; i < 10; ++i) {
    Decision d = Evaluate(*ruleset, c, {.interaction = &good});
    c.satisfaction = d.interaction.satisfaction_after;
    c.interaction_count = d.interaction.interaction_count_after;
  }
  EXPECT_EQ(c.satisfaction, Decimal::FromInteger(2));
  EXPECT_EQ(c.interaction_count, 10);
}

constexpr char kInteractionsCollect[] = R"(kind: interactions
hit_policy: collect
rules:
  - id: praise
    when: interaction contains "好评"
    satisfaction_change: 0.5
  - id: service
    when: interaction contains "服务"
    satisfaction_change: 0.3 + satisfaction / 10
  - id: rude
    when: interaction contains "差"
    satisfaction_change: -1
)";

TEST(InteractionsTest, CollectAddsUpTheChangesThenClampsOnce) {
  auto ruleset = Load({{"interactions.yaml", kInteractionsCollect}});
  ASSERT_NE(ruleset, nullptr);
  CheckInteractions(*ruleset, {
                                  // 0.5 + (0.3 + 0.4) = 1.2, cut to what fits.
                                  {"4", "好评,服务很好", "praise", "4", "1", "5"},
                                  // (0.3 + 0.4) - 1; rule_id names the first match.
                                  {"4", "服务差评", "service", "4", "-0.3", "3.7"},
                                  // 0.5 + 0.78 - 1 = 0.28: clamped once at the end
                                  // (4.8 + 0.28 -> 5), not after every step (-> 4).
                                  {"4.8", "好评服务差", "praise", "4.8", "0.2", "5"},
                                  {"2", "差差", "rude", "2", "-1", "1"},
                                  {"1.5", "差", "rude", "1.5", "-0.5", "1"},
                                  {"3", "一般", "", "3", "0", "3"},
                              });
}

TEST(InteractionsTest, NoInteractionNoOutcome) {
  auto ruleset = Load({{"interactions.yaml", kInteractionsFirst}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.satisfaction = Num("4");
  c.interaction_count = 3;
  Decision d = Evaluate(*ruleset, c);
  EXPECT_FALSE(d.interaction.applied);
  EXPECT_EQ(d.interaction.interaction_count_after, 0);
}

// ---------------------------------------------------------------- improvements

constexpr char kImprovementParameters[] = R"(kind: parameters
parameters:
  hotline_product: 产品B
)";

constexpr char kImprovements[] = R"(kind: improvements
actions:
  - id: stronger_features
    when: feedback contains "功能更强大"
    action: 增加新功能X
    change: {field: 功能, append: 新功能X}
  - id: better_price
    when: feedback.text contains any ["价格更优惠", "太贵"]
    action: 价格下调10元
    change: {field: 价格, add: -10}
  - id: better_after_sales
    when: feedback contains "售后服务更完善"
    action: 提供7*24小时在线客服
    change:
      field: 售后服务
      set: 7*24小时在线客服
  - id: hotline_follow_up
    when: feedback.source == "电话回访" and feedback.product == hotline_product
    action: 安排产品B回访小组
  - id: discount_more
    when: feedback contains all ["太贵", "优惠"]
    action: 再降5.5元
    change: {field: 价格, add: -5.5}
)";

class ImprovementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ruleset_ =
        Load({{"parameters.yaml", kImprovementParameters}, {"improvements.yaml", kImprovements}});
    ASSERT_NE(ruleset_, nullptr);
  }
  Decision Propose(const Feedback& feedback) {
    return Evaluate(*ruleset_, Customer(), {.feedback = &feedback});
  }
  std::shared_ptr<const RuleSet> ruleset_;
};

TEST_F(ImprovementsTest, EveryMatchingActionIsProposedInOrder) {
  Decision d = Propose({"产品A", "功能更强大,价格更优惠,售后服务更完善", FeedbackSource::kSurvey});
  EXPECT_THAT(ImprovementRules(d),
              ElementsAre("stronger_features", "better_price", "better_after_sales"));
  ASSERT_EQ(d.improvements.size(), 3u);
  ASSERT_NE(d.improvements[1].change, nullptr);
  EXPECT_EQ(d.improvements[1].action, "价格下调10元");
  EXPECT_EQ(d.improvements[1].change->kind, ProductChange::Kind::kAdd);
  EXPECT_EQ(d.improvements[1].change->field, "价格");
  EXPECT_EQ(d.improvements[1].change->amount, Num("-10"));
  EXPECT_EQ(d.improvements[0].change->kind, ProductChange::Kind::kAppend);
  EXPECT_EQ(d.improvements[0].change->text, "新功能X");
  EXPECT_EQ(d.improvements[2].change->kind, ProductChange::Kind::kSet);
  EXPECT_EQ(d.improvements[2].change->text, "7*24小时在线客服");
  EXPECT_THAT(*d.improvements[0].keywords, ElementsAre("功能更强大"));
  EXPECT_THAT(*d.improvements[1].keywords, ElementsAre("价格更优惠", "太贵"));

  auto improved = ApplyProductChanges(
      {{"功能", "基础功能"}, {"价格", "100"}, {"售后服务", "正常工作时间客服"}}, d.improvements);
  ASSERT_THAT(improved, IsOk());
  EXPECT_THAT(*improved, ElementsAre(Pair("价格", "90"), Pair("功能", "基础功能新功能X"),
                                     Pair("售后服务", "7*24小时在线客服")));
}

TEST_F(ImprovementsTest, SourceAndProductConditionsAndActionsWithoutChange) {
  Decision d = Propose({"产品B", "太贵了", FeedbackSource::kPhone});
  ASSERT_THAT(ImprovementRules(d), ElementsAre("better_price", "hotline_follow_up"));
  EXPECT_EQ(d.improvements[1].change, nullptr);
  EXPECT_EQ(d.improvements[1].action, "安排产品B回访小组");
  EXPECT_THAT(*d.improvements[1].keywords, IsEmpty());  // looks at no text
  EXPECT_THAT(ImprovementRules(Propose({"产品A", "太贵了", FeedbackSource::kPhone})),
              ElementsAre("better_price"));
  EXPECT_THAT(ImprovementRules(Propose({"产品B", "太贵了", FeedbackSource::kSurvey})),
              ElementsAre("better_price"));
}

TEST_F(ImprovementsTest, AddsApplyInOrderAndAMissingAttributeCountsAsZero) {
  Decision d = Propose({"产品A", "太贵,要优惠", FeedbackSource::kUnknown});
  ASSERT_THAT(ImprovementRules(d), ElementsAre("better_price", "discount_more"));
  EXPECT_THAT(*d.improvements[1].keywords, ElementsAre("太贵", "优惠"));
  auto priced = ApplyProductChanges({{"价格", "100"}}, d.improvements);
  ASSERT_THAT(priced, IsOk());
  EXPECT_EQ(priced->at("价格"), "84.5");
  auto missing = ApplyProductChanges({}, d.improvements);
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->at("价格"), "-15.5");
  EXPECT_THAT(ApplyProductChanges({{"价格", "面议"}}, d.improvements),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "action 'better_price' adds to '价格', whose value '面议' is not a number"));
}

TEST_F(ImprovementsTest, NothingWithoutFeedback) {
  EXPECT_THAT(Evaluate(*ruleset_, Customer()).improvements, IsEmpty());
  EXPECT_THAT(Propose({"产品A", "很好", FeedbackSource::kSurvey}).improvements, IsEmpty());
}

// ---------------------------------------------------------------- functions

// One collect dimension with a rule per function check; the segment of
// each rule is its id, so the decision lists the checks that held.
std::string ChecksDimension(const std::vector<std::pair<std::string, std::string>>& checks) {
  std::string yaml =
      "kind: segmentation\ndimensions:\n  - id: checks\n    hit_policy: collect\n"
      "    rules:\n";
  for (const auto& [id, when] : checks) {
    yaml += "      - id: " + id + "\n        when: '" + when + "'\n        segment: " + id + "\n";
  }
  return yaml;
}

// The ids of `checks` whose condition held for `customer`.
std::vector<std::string> HeldChecks(const std::vector<std::pair<std::string, std::string>>& checks,
                                    const Customer& customer, std::string_view today,
                                    std::vector<RuleSource> extra = {}) {
  extra.push_back({"checks.yaml", ChecksDimension(checks)});
  auto ruleset = Load(std::move(extra));
  if (ruleset == nullptr) return {"(did not load)"};
  return SegmentsOf(Evaluate(*ruleset, customer, {.today = today}), "checks");
}

std::vector<std::string> Ids(const std::vector<std::pair<std::string, std::string>>& checks) {
  std::vector<std::string> ids;
  for (const auto& check : checks) ids.push_back(check.first);
  return ids;
}

// docs/rules.md section 3.5: 张三, age 35, satisfaction 4.0, occupation
// "Teacher", birthday 1991-11-02, joined 2026-10-25, no last purchase,
// evaluated on 2026-11-24.
Customer ZhangSan() {
  Customer c;
  c.name = "张三";
  c.age = 35;
  c.satisfaction = Num("4.0");
  c.occupation = "Teacher";
  c.birthday = Day("1991-11-02");
  c.joined_at = Day("2026-10-25");
  return c;
}

TEST(FunctionsTest, EveryFunctionGivesTheDocumentedResult) {
  const std::vector<std::pair<std::string, std::string>> kTrue = {
      {"min_whole", "min(age, 40) == 35"},
      {"min_decimal", "min(satisfaction, 4.5, 10) == 4"},
      {"max_three", "max(age, 40, 18) == 40"},
      {"abs_negative", "abs(satisfaction - 5) == 1"},
      {"abs_positive", "abs(5 - satisfaction) == 1"},
      {"round_half_up", "round(satisfaction + 0.5) == 5"},
      {"round_half_down", "round(0 - satisfaction - 0.5) == -5"},
      {"round_one_digit", "round(satisfaction / 3, 1) == 1.3"},
      {"round_two_digits", "round(satisfaction + 0.125, 2) == 4.13"},
      {"round_negative_digits", "round(0 - satisfaction - 0.125, 2) == -4.13"},
      {"floor_positive", "floor(satisfaction + 0.9) == 4"},
      {"floor_negative", "floor(-satisfaction - 0.1) == -5"},
      {"ceil_positive", "ceil(satisfaction + 0.1) == 5"},
      {"ceil_negative", "ceil(-satisfaction - 0.9) == -4"},
      {"lower_ascii", "lower(occupation) == \"teacher\""},
      {"lower_chinese", "lower(name) == \"张三\""},
      {"len_chinese", "len(name) == 2"},
      {"len_ascii", "len(occupation) == 7"},
      {"len_list", "len([\"a\", \"b\", \"c\"]) == 3"},
      {"days_since_field", "days_since(joined_at) == 30"},
      {"days_since_unknown", "days_since(last_purchase_at) == 36500"},
      {"days_since_text", "days_since(\"2026-01-01\") == 327"},
      {"year_of", "year(birthday) == 1991"},
      {"month_of", "month(birthday) == 11"},
      {"day_of", "day(birthday) == 2"},
      {"unknown_date_parts",
       "year(last_purchase_at) == 0 and month(last_purchase_at) == 0 and "
       "day(last_purchase_at) == 0"},
      {"birthday_this_month", "month(birthday) == month(today())"},
      {"today_is", "today() == \"2026-11-24\""},
      {"today_year", "year(today()) == 2026 and day(today()) == 24"},
      {"unknown_date_is_earliest", "last_purchase_at < \"1900-01-01\""},
      {"date_comparisons", "joined_at >= \"2026-10-25\" and birthday < \"2000-01-01\""},
      {"remainder", "age % 10 == 5"},
      {"division_is_decimal", "age / 2 == 17.5"},
      {"precedence", "age + 5 > 2 * 20 - 1"},
      {"double_negative", "-2 * -3 == 6"},
  };
  const std::vector<std::pair<std::string, std::string>> kFalse = {
      {"len_is_not_bytes", "len(name) == 6"},
      {"lower_changes_text", "lower(occupation) == \"Teacher\""},
      {"unknown_month_is_not_this_month", "month(last_purchase_at) == month(today())"},
      {"unknown_date_is_not_late", "last_purchase_at >= \"1900-01-01\""},
      {"days_since_is_exact", "days_since(joined_at) == 31"},
  };
  std::vector<std::pair<std::string, std::string>> all = kTrue;
  all.insert(all.end(), kFalse.begin(), kFalse.end());
  EXPECT_THAT(HeldChecks(all, ZhangSan(), "2026-11-24"), ElementsAreArray(Ids(kTrue)));
}

TEST(FunctionsTest, ResultsDependOnTheCustomerAndTheDate) {
  const std::vector<std::pair<std::string, std::string>> kChecks = {
      {"birthday_this_month", "month(birthday) == month(today())"},
      {"recent", "days_since(joined_at) <= 30"},
      {"len_three", "len(name) == 3"},
      {"min_is_age", "min(age, 40) == age"},
  };
  Customer c = ZhangSan();
  EXPECT_THAT(HeldChecks(kChecks, c, "2026-11-24"),
              ElementsAre("birthday_this_month", "recent", "min_is_age"));
  EXPECT_THAT(HeldChecks(kChecks, c, "2026-12-01"), ElementsAre("min_is_age"));
  c.name = "欧阳娜";
  c.age = 41;
  EXPECT_THAT(HeldChecks(kChecks, c, "2026-11-25"),
              ElementsAre("birthday_this_month", "len_three"));
}

// ---------------------------------------------------------------- operators

constexpr char kOperatorParameters[] = R"(kind: parameters
parameters:
  jobs: ["Teacher", "Nurse"]
)";

const std::vector<std::pair<std::string, std::string>>& OperatorChecks() {
  static const auto* const kChecks = new std::vector<std::pair<std::string, std::string>>{
      {"in_consumption", "consumption in [\"低\", \"mid\"]"},
      {"not_in_consumption", "consumption not in [\"low\", \"mid\", \"high\"]"},
      {"in_age", "age in [25, 35]"},
      {"not_in_age", "age not in [25, 35]"},
      {"in_parameter", "occupation in jobs"},
      {"contains_any", "occupation contains any [\"ach\", \"zz\"]"},
      {"contains_all", "occupation contains all [\"Tea\", \"her\"]"},
      {"contains_all_false", "occupation contains all [\"Tea\", \"zz\"]"},
      {"contains_case", "occupation contains \"teach\""},
      {"constant_left", "40 > age"},
      {"constant_left_decimal", "4 < satisfaction"},
      {"constant_left_le", "1000 <= total_spent"},
      {"constant_left_ne", "35 != age"},
      {"chinese_low", "consumption == \"低\""},
      {"english_any_case", "consumption == \"LOW\""},
      {"chinese_not_high", "consumption != \"高\""},
      {"chinese_left", "\"低\" == consumption"},
      {"chinese_channel", "channel == \"线上\""},
  };
  return *kChecks;
}

TEST(OperatorsTest, ListsContainsConstantsOnTheLeftAndChineseLiterals) {
  struct Case {
    const char* name;
    Customer customer;
    std::vector<std::string> held;
  };
  Customer x;
  x.age = 35;
  ASSERT_THAT(SetCustomerField(&x, "消费能力", "低"), IsOk());
  ASSERT_EQ(x.consumption, Consumption::kLow);
  x.occupation = "Teacher";
  x.satisfaction = Num("4.01");
  x.total_spent = Num("1000");
  x.channel = Channel::kOnline;

  Customer y;  // everything unknown or zero
  y.age = 40;
  y.satisfaction = Num("4");
  y.total_spent = Num("999.99");

  Customer z;
  z.age = 39;
  z.consumption = Consumption::kHigh;
  z.occupation = "Nurse";
  z.satisfaction = Num("5");
  z.channel = Channel::kBoth;

  const Case kCases[] = {
      {"x",
       x,
       {"in_consumption", "in_age", "in_parameter", "contains_any", "contains_all", "constant_left",
        "constant_left_decimal", "constant_left_le", "chinese_low", "english_any_case",
        "chinese_not_high", "chinese_left", "chinese_channel"}},
      {"y", y, {"not_in_consumption", "not_in_age", "constant_left_ne", "chinese_not_high"}},
      {"z",
       z,
       {"not_in_age", "in_parameter", "constant_left", "constant_left_decimal",
        "constant_left_ne"}},
  };
  for (const Case& c : kCases) {
    EXPECT_THAT(HeldChecks(OperatorChecks(), c.customer, "2026-11-24",
                           {{"parameters.yaml", kOperatorParameters}}),
                ElementsAreArray(c.held))
        << c.name;
  }
}

TEST(OperatorsTest, ConstantOnTheLeftMirrorsTheComparisonAtTheBoundaries) {
  const std::vector<std::pair<std::string, std::string>> kChecks = {
      {"lt", "40 > age"},  {"le", "40 >= age"}, {"gt", "40 < age"},
      {"ge", "40 <= age"}, {"eq", "40 == age"}, {"ne", "40 != age"},
  };
  const std::pair<int64_t, std::vector<std::string>> kCases[] = {
      {39, {"lt", "le", "ne"}}, {40, {"le", "ge", "eq"}}, {41, {"gt", "ge", "ne"}}};
  for (const auto& [age, held] : kCases) {
    Customer c;
    c.age = age;
    EXPECT_THAT(HeldChecks(kChecks, c, "2026-11-24"), ElementsAreArray(held)) << age;
  }
  // And decimals: satisfaction 4.0 vs 4.01 and 3.99.
  const std::vector<std::pair<std::string, std::string>> kDecimalChecks = {
      {"above", "4 < satisfaction"}, {"at_most", "4 >= satisfaction"}};
  const std::pair<const char*, std::vector<std::string>> kDecimalCases[] = {
      {"3.99", {"at_most"}}, {"4", {"at_most"}}, {"4.01", {"above"}}};
  for (const auto& [satisfaction, held] : kDecimalCases) {
    Customer c;
    c.satisfaction = Num(satisfaction);
    EXPECT_THAT(HeldChecks(kDecimalChecks, c, "2026-11-24"), ElementsAreArray(held))
        << satisfaction;
  }
}

// ---------------------------------------------------------------- runtime errors

constexpr char kDividingLoyalty[] = R"(kind: loyalty
earning:
  rules:
    - id: per_purchase
      when: purchase.amount >= 100
      points: floor(purchase.amount / purchase_frequency)
  default:
    id: small_purchase
    points: 1
)";

// Evaluates with and without an explanation; both must fail alike.
absl::Status EvaluateStatus(const RuleSet& ruleset, const Customer& customer,
                            const Events& events = {}) {
  const EvalInput input = Input(customer, events);
  Decision plain;
  absl::Status status = ruleset.Evaluate(input, &plain);
  Decision explained;
  Explanation why;
  absl::Status explained_status = ruleset.Evaluate(input, &explained, &why);
  EXPECT_EQ(status, explained_status);
  return status;
}

TEST(RuntimeErrorTest, DivisionByZeroInPointsNamesTheRule) {
  auto ruleset = Load({{"loyalty.yaml", kDividingLoyalty}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  Purchase purchase{"p", Num("800"), "", Channel::kUnknown};
  absl::Status status = EvaluateStatus(*ruleset, c, {.purchase = &purchase});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kOutOfRange, "rule 'per_purchase'"));
  EXPECT_EQ(status.message(),
            "rule 'per_purchase' (loyalty.yaml:4): division by zero in "
            "`purchase.amount / purchase_frequency`");

  c.purchase_frequency = 3;
  Decision d = Evaluate(*ruleset, c, {.purchase = &purchase});
  EXPECT_EQ(d.loyalty.points_earned, 266);  // floor(266.6667)

  // The default does not divide: a small purchase is fine even with 0.
  c.purchase_frequency = 0;
  Purchase small{"p", Num("50"), "", Channel::kUnknown};
  EXPECT_EQ(Evaluate(*ruleset, c, {.purchase = &small}).loyalty.points_earned, 1);
}

constexpr char kDividingSegments[] = R"(kind: segmentation
dimensions:
  - id: spend
    hit_policy: collect
    rules:
      - id: protected_average
        when: purchase_frequency > 0 and total_spent / purchase_frequency > 500
        segment: 高客单
      - id: unprotected_average
        when: total_spent / purchase_frequency > 500
        segment: 高客单2
)";

TEST(RuntimeErrorTest, DivisionByZeroInAConditionUnlessProtectedByAnd) {
  auto ruleset = Load({{"segments.yaml", kDividingSegments}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.total_spent = Num("5000");
  absl::Status status = EvaluateStatus(*ruleset, c);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kOutOfRange,
                               "rule 'unprotected_average' (segments.yaml:"));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kOutOfRange,
                               "division by zero in `total_spent / purchase_frequency`"));
  c.purchase_frequency = 2;
  EXPECT_THAT(SegmentsOf(Evaluate(*ruleset, c), "spend"), ElementsAre("高客单", "高客单2"));
}

TEST(RuntimeErrorTest, RemainderByZeroAndOverflow) {
  const std::vector<std::pair<std::string, std::string>> kRemainder = {
      {"remainder", "age % purchase_frequency == 1"}};
  auto remainder = Load({{"checks.yaml", ChecksDimension(kRemainder)}});
  ASSERT_NE(remainder, nullptr);
  Customer c;
  c.age = 7;
  EXPECT_THAT(EvaluateStatus(*remainder, c),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "rule 'remainder' (checks.yaml:6): remainder of division by zero in "
                       "`age % purchase_frequency`"));

  const std::vector<std::pair<std::string, std::string>> kOverflow = {
      {"overflow", "total_spent * 100000000000 > 1"}};
  auto overflow = Load({{"checks.yaml", ChecksDimension(kOverflow)}});
  ASSERT_NE(overflow, nullptr);
  c.total_spent = Num("50000");
  EXPECT_THAT(EvaluateStatus(*overflow, c),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "rule 'overflow' (checks.yaml:6): the result is too large in "
                       "`total_spent * 100000000000`"));
  c.total_spent = Num("5");
  EXPECT_THAT(SegmentsOf(Evaluate(*overflow, c), "checks"), ElementsAre("overflow"));
}

TEST(RuntimeErrorTest, DivisionByZeroInASatisfactionChange) {
  auto ruleset = Load({{"interactions.yaml", R"(kind: interactions
rules:
  - id: per_visit
    when: interaction contains "好评"
    satisfaction_change: 1 / purchase_frequency
)"}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.satisfaction = Num("3");
  Interaction good{"好评"};
  EXPECT_THAT(EvaluateStatus(*ruleset, c, {.interaction = &good}),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "rule 'per_visit' (interactions.yaml:3): division by zero"));
  c.purchase_frequency = 4;
  EXPECT_EQ(Evaluate(*ruleset, c, {.interaction = &good}).interaction.satisfaction_after,
            Num("3.25"));
}

TEST(RuntimeErrorTest, MissingCustomerOrDateIsInvalidArgument) {
  auto ruleset = Load({{"segments.yaml", kAgeBands}});
  ASSERT_NE(ruleset, nullptr);
  Decision d;
  EvalInput no_customer;
  no_customer.today = Day("2026-11-24");
  EXPECT_THAT(ruleset->Evaluate(no_customer, &d), StatusIs(absl::StatusCode::kInvalidArgument, ""));
  Customer c;
  EvalInput no_date;
  no_date.customer = &c;
  EXPECT_THAT(ruleset->Evaluate(no_date, &d), StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

// ---------------------------------------------------------------- explanations

constexpr char kLifeStageParameters[] = R"(kind: parameters
parameters:
  young_age_limit: 40
)";

constexpr char kLifeStage[] = R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young_low
        when: age < young_age_limit and consumption == "low"
        segment: 年轻低收入群体
      - id: young_mid
        when: age < young_age_limit and consumption == "mid"
        segment: 年轻中收入群体
    default: 其他
)";

TEST(ExplanationTest, MatchedRuleChecksWithObservedValuesAndSkippedRules) {
  auto ruleset = Load({{"parameters.yaml", kLifeStageParameters}, {"segments.yaml", kLifeStage}});
  ASSERT_NE(ruleset, nullptr);
  Explanation why;
  Decision d = Evaluate(*ruleset, WithConsumption(25, "低"), {}, &why);
  EXPECT_EQ(d.SegmentOf("life_stage"), "年轻低收入群体");
  ASSERT_EQ(why.rules.size(), 2u);

  const RuleExplanation& matched = why.rules[0];
  EXPECT_EQ(matched.section, "segmentation life_stage");
  EXPECT_EQ(matched.rule_id, "young_low");
  EXPECT_EQ(matched.condition, "age < young_age_limit and consumption == \"low\"");
  EXPECT_TRUE(matched.evaluated);
  EXPECT_TRUE(matched.matched);
  EXPECT_EQ(matched.note, "");
  ASSERT_EQ(matched.checks.size(), 2u);
  EXPECT_EQ(matched.checks[0].expression, "age < young_age_limit");
  EXPECT_TRUE(matched.checks[0].result);
  EXPECT_THAT(Observed(matched.checks[0]),
              ElementsAre(Pair("age", "25"), Pair("young_age_limit", "40")));
  EXPECT_EQ(matched.checks[1].expression, "consumption == \"low\"");
  EXPECT_TRUE(matched.checks[1].result);
  // The literal "low" is not repeated among the observed values.
  EXPECT_THAT(Observed(matched.checks[1]), ElementsAre(Pair("consumption", "\"low\"")));

  const RuleExplanation& skipped = why.rules[1];
  EXPECT_EQ(skipped.rule_id, "young_mid");
  EXPECT_FALSE(skipped.evaluated);
  EXPECT_FALSE(skipped.matched);
  EXPECT_THAT(skipped.checks, IsEmpty());
  EXPECT_EQ(skipped.note, "not checked: rule 'young_low' matched first");
}

TEST(ExplanationTest, AndStopsEarlyAndOnlyMadeComparisonsAreShown) {
  auto ruleset = Load({{"parameters.yaml", kLifeStageParameters}, {"segments.yaml", kLifeStage}});
  ASSERT_NE(ruleset, nullptr);
  Explanation why;
  Decision d = Evaluate(*ruleset, WithConsumption(55, "中"), {}, &why);
  EXPECT_EQ(d.SegmentOf("life_stage"), "其他");
  ASSERT_EQ(why.rules.size(), 2u);
  for (const RuleExplanation& r : why.rules) {
    EXPECT_TRUE(r.evaluated) << r.rule_id;
    EXPECT_FALSE(r.matched) << r.rule_id;
    ASSERT_EQ(r.checks.size(), 1u) << r.rule_id;
    EXPECT_EQ(r.checks[0].expression, "age < young_age_limit");
    EXPECT_FALSE(r.checks[0].result);
    EXPECT_THAT(Observed(r.checks[0]),
                ElementsAre(Pair("age", "55"), Pair("young_age_limit", "40")));
  }
}

TEST(ExplanationTest, SegmentSetsFunctionsAndEventsAreObserved) {
  auto ruleset = Load({{"segments.yaml", kTags}});
  ASSERT_NE(ruleset, nullptr);
  Customer c;
  c.age = 65;
  c.points = 6000;
  Explanation why;
  Evaluate(*ruleset, c, {}, &why);
  const RuleExplanation* vip = FindRule(why, "focus_vip");
  ASSERT_NE(vip, nullptr);
  EXPECT_EQ(vip->section, "segmentation focus");
  EXPECT_FALSE(vip->matched);
  ASSERT_EQ(vip->checks.size(), 2u);
  EXPECT_EQ(vip->checks[0].expression, "\"VIP\" in segment.tags");
  EXPECT_TRUE(vip->checks[0].result);
  EXPECT_THAT(Observed(vip->checks[0]), ElementsAre(Pair("segment.tags", "[VIP, 老年, 沉睡客户]")));
  // `"老年" not in segment.tags` is false for this customer, and so recorded.
  EXPECT_EQ(vip->checks[1].expression, "\"老年\" not in segment.tags");
  EXPECT_FALSE(vip->checks[1].result);

  const RuleExplanation* dormant = FindRule(why, "tag_dormant");
  ASSERT_NE(dormant, nullptr);
  ASSERT_EQ(dormant->checks.size(), 1u);
  EXPECT_THAT(Observed(dormant->checks[0]),
              ElementsAre(Pair("days_since(last_purchase_at)", "36500")));

  const RuleExplanation* vip_tag = FindRule(why, "tag_vip");
  ASSERT_NE(vip_tag, nullptr);
  ASSERT_EQ(vip_tag->checks.size(), 1u);  // `or` stops at the first true side
  EXPECT_EQ(vip_tag->checks[0].expression, "points >= 5000");

  auto interactions = Load({{"interactions.yaml", kInteractionsFirst}});
  ASSERT_NE(interactions, nullptr);
  Interaction text{"我要投诉"};
  Explanation interaction_why;
  Customer rated;
  rated.satisfaction = Num("4");
  Evaluate(*interactions, rated, {.interaction = &text}, &interaction_why);
  ASSERT_EQ(interaction_why.rules.size(), 3u);
  EXPECT_EQ(interaction_why.rules[0].section, "interactions");
  const RuleExplanation& complaint = interaction_why.rules[2];
  EXPECT_TRUE(complaint.matched);
  EXPECT_THAT(Observed(complaint.checks[0]), ElementsAre(Pair("interaction.text", "\"我要投诉\"")));
}

TEST(ExplanationTest, SectionsOfLoyaltyAndImprovements) {
  auto loyalty = Load({{"parameters.yaml", kLoyaltyParameters}, {"loyalty.yaml", kLoyalty}});
  ASSERT_NE(loyalty, nullptr);
  Customer c;
  c.points = 5100;
  Purchase purchase{"p", Num("1234.5"), "", Channel::kUnknown};
  Explanation why;
  Evaluate(*loyalty, c, {.purchase = &purchase}, &why);
  ASSERT_EQ(why.rules.size(), 4u);
  EXPECT_EQ(why.rules[0].section, "loyalty earning");
  EXPECT_EQ(why.rules[0].rule_id, "lucky_amount");
  EXPECT_FALSE(why.rules[0].matched);
  EXPECT_THAT(
      Observed(why.rules[0].checks[0]),
      ElementsAre(Pair("purchase.amount", "1234.5"), Pair("lucky_amounts", "[88, 168, 888]")));
  EXPECT_TRUE(why.rules[1].matched);
  EXPECT_EQ(why.rules[2].note, "not checked: rule 'vip_purchase' matched first");
  EXPECT_EQ(why.rules[3].note, "not checked: rule 'vip_purchase' matched first");

  auto improvements =
      Load({{"parameters.yaml", kImprovementParameters}, {"improvements.yaml", kImprovements}});
  ASSERT_NE(improvements, nullptr);
  Feedback feedback{"产品B", "太贵了", FeedbackSource::kPhone};
  Explanation improvement_why;
  Evaluate(*improvements, Customer(), {.feedback = &feedback}, &improvement_why);
  ASSERT_EQ(improvement_why.rules.size(), 5u);  // every action is looked at
  const RuleExplanation* hotline = FindRule(improvement_why, "hotline_follow_up");
  ASSERT_NE(hotline, nullptr);
  EXPECT_EQ(hotline->section, "improvements");
  EXPECT_TRUE(hotline->matched);
  ASSERT_EQ(hotline->checks.size(), 2u);
  EXPECT_THAT(Observed(hotline->checks[0]), ElementsAre(Pair("feedback.source", "\"phone\"")));
  EXPECT_THAT(Observed(hotline->checks[1]), ElementsAre(Pair("feedback.product", "\"产品B\""),
                                                        Pair("hotline_product", "\"产品B\"")));
}

TEST(ExplanationTest, ReusedExplanationAndDecisionAreClearedFirst) {
  auto ruleset = Load({{"parameters.yaml", kLifeStageParameters}, {"segments.yaml", kLifeStage}});
  ASSERT_NE(ruleset, nullptr);
  Decision d;
  Explanation why;
  Customer first = WithConsumption(25, "low");
  Customer second = WithConsumption(55, "high");
  const Date today = Day("2026-11-24");
  ASSERT_THAT(ruleset->Evaluate({&first, nullptr, nullptr, nullptr, today}, &d, &why), IsOk());
  ASSERT_THAT(ruleset->Evaluate({&second, nullptr, nullptr, nullptr, today}, &d, &why), IsOk());
  EXPECT_EQ(d.segments.size(), 1u);
  EXPECT_EQ(d.SegmentOf("life_stage"), "其他");
  EXPECT_EQ(why.rules.size(), 2u);
  ASSERT_THAT(ruleset->Evaluate({&first, nullptr, nullptr, nullptr, today}, &d), IsOk());
  EXPECT_EQ(d.SegmentOf("life_stage"), "年轻低收入群体");
}

// ---------------------------------------------------------------- differential

constexpr char kMixedParameters[] = R"(kind: parameters
parameters:
  young_age_limit: 40
  vip_points: 5000
  big_amount: 500
  lucky_amounts: [300, 500, 1000]
  complaint_words: ["差评", "投诉"]
  jobs: ["Teacher", "Nurse"]
  campaign_start: 2026-11-01
)";

constexpr char kMixedSegments[] = R"(kind: segmentation
dimensions:
  - id: focus
    rules:
      - id: f_vip
        when: '"VIP" in segment.tags and segment.life_stage != "其他"'
        segment: 重点维护
      - id: f_many
        when: len(segment.tags) >= 7
        segment: 多重关注
      - id: f_not_young
        when: '"not_young" not in segment.tags and segment.tags contains "sat_band"'
        segment: 满意青老
    default: 常规
  - id: life_stage
    rules:
      - id: young_low
        when: age < young_age_limit and consumption == "低"
        segment: 年轻低收入群体
      - id: young_mid
        when: 40 > age and consumption in ["mid"]
        segment: 年轻中收入群体
      - id: middle_high
        when: age >= young_age_limit and not (consumption != "high")
        segment: 中年高收入群体
    default: 其他
  - id: tags
    hit_policy: collect
    rules:
      - id: t_or
        when: points >= vip_points or total_spent >= 50000
        segment: VIP
      - id: t_arith
        when: age * 2 + purchase_frequency > 90
        segment: arith
      - id: t_div
        when: purchase_frequency > 0 and total_spent / purchase_frequency > 3000
        segment: div
      - id: t_round
        when: round(satisfaction * 2) / 2 >= 4.5 and abs(age - 40) <= 2
        segment: round
      - id: t_minmax
        when: min(purchase_frequency, 10) + max(age, 50) >= 62
        segment: minmax
      - id: t_in
        when: purchase_frequency in [5, 10] or age not in [28, 29, 30, 31, 32]
        segment: in
      - id: t_channel
        when: channel != "线下" and channel in ["online", "both"]
        segment: channel
      - id: sat_band
        when: satisfaction > 4 and satisfaction <= 4.5
        segment: sat_band
      - id: t_mod
        when: age % 7 == 3 and points % 2 == 0
        segment: mod
      - id: not_young
        when: not (age < 30 or age >= 60)
        segment: not_young
      - id: t_len
        when: len(name) >= 5 and len(occupation) < 6
        segment: len
      - id: t_lower
        when: lower(occupation) == "teacher"
        segment: lower
      - id: t_contains
        when: occupation contains any ["ach", "urs"] or occupation contains "工程"
        segment: contains
      - id: t_dates
        when: days_since(last_purchase_at) > 180 or month(birthday) == month(today())
        segment: dates
      - id: t_joined
        when: joined_at >= campaign_start and year(joined_at) == 2026
        segment: joined
      - id: t_neg
        when: -satisfaction < -3.5 and satisfaction != 5
        segment: neg
      - id: t_average
        when: average_purchase_amount > 1000 and purchase_frequency > 10
        segment: average
      - id: t_exact
        when: average_purchase_amount == 500 or average_purchase_amount == 1000.01
        segment: exact
      - id: t_ceil
        when: ceil(average_purchase_amount / 100) == 5 or floor(total_spent / 1000) % 2 == 1
        segment: ceil
      - id: t_never_rated
        when: satisfaction == 0 or interaction_count >= 45
        segment: never_rated
  - id: thresholds
    description: >-
      only field-vs-constant comparisons: decided branch-free on the plain
      path (every test evaluated, the first rule with none failed wins)
    rules:
      - id: th_false
        when: "false"
        segment: 从不
      - id: th_ne
        when: consumption != "low" and satisfaction > 4.5 and segment.life_stage != "其他"
        segment: 满意非低
      - id: th_online
        when: channel == "online" and age <= 35 and points >= 1000 and total_spent < 20000
        segment: 线上青年
      - id: th_frequent
        when: purchase_frequency >= 10 and 1000 > average_purchase_amount
        segment: 常客
      - id: th_stage
        when: segment.life_stage == "年轻中收入群体" and interaction_count != 0
        segment: 年轻中收入互动
    default: 其余
)";

constexpr char kMixedOffers[] = R"(kind: offers
offers:
  - id: o_young_low
    when: segment.life_stage == "年轻低收入群体" and points < 3000
    offer: 满100减20
    priority: 20
  - id: o_stage
    when: segment.life_stage in ["中年高收入群体", "年轻中收入群体"]
    offer: 生日礼物
    priority: 10
    stacking: stackable
  - id: o_vip
    when: '"VIP" in segment.tags'
    offer: VIP券
    priority: 5
    stacking: stackable
    valid_from: 2026-11-01
    valid_until: 2026-11-30
  - id: o_happy
    when: satisfaction >= 4.5 or segment.focus == "多重关注"
    offer: 满意礼
    priority: 1
)";

constexpr char kMixedLoyalty[] = R"(kind: loyalty
earning:
  rules:
    - id: lucky
      when: purchase.amount in lucky_amounts
      points: 88
    - id: vip
      when: points >= vip_points and purchase.amount >= 1000
      points: floor(purchase.amount / 5)
    - id: big
      when: purchase.amount >= big_amount and not (segment.life_stage == "其他")
      points: 100
    - id: medium
      when: purchase >= 300
      points: round(purchase.amount / 7)
  default:
    id: small
    points: ceil(purchase.amount / 50)
tiers:
  - name: 普通会员
    min_points: 0
  - name: 银卡会员
    min_points: 500
  - name: 金卡会员
    min_points: 2000
  - name: 钻石会员
    min_points: 5000
)";

constexpr char kMixedInteractions[] = R"(kind: interactions
hit_policy: collect
satisfaction_range: {min: 1, max: 5, initial: 3}
rules:
  - id: positive
    when: interaction contains "好评"
    satisfaction_change: 0.1
  - id: negative
    when: interaction.text contains any complaint_words
    satisfaction_change: -0.1 * 2
  - id: exclaim
    when: interaction contains "!" and satisfaction > 2
    satisfaction_change: -satisfaction / 100
)";

constexpr char kMixedImprovements[] = R"(kind: improvements
actions:
  - id: i_features
    when: feedback contains "功能更强大"
    action: 增加新功能X
    change: {field: 功能, append: 新功能X}
  - id: i_price
    when: feedback.text contains all ["价格", "优惠"] and feedback.source == "survey"
    action: 价格下调10元
    change: {field: 价格, add: -10}
  - id: i_other
    when: not (feedback contains "很好") and len(feedback) > 0 and feedback.product in ["产品A"]
    action: 回访
)";

// A first-match list is decided branch-free with one bit per rule in a
// 64-bit word, the last bit meaning "none": up to 63 rules. Longer lists
// take the rule-by-rule path. Both sides of that boundary, every rule.
TEST(SegmentationTest, LongFirstMatchListsAroundTheBranchFreeLimit) {
  for (int rules : {63, 64}) {
    std::string yaml = "kind: segmentation\ndimensions:\n  - id: exact_age\n    rules:\n";
    for (int i = 0; i < rules; ++i) {
      yaml += "      - {id: r" + std::to_string(i) + ", when: age == " + std::to_string(i) +
              " and points != 7, segment: s" + std::to_string(i) + "}\n";
    }
    yaml += "    default: other\n";
    auto ruleset = Load({{"segments.yaml", yaml}});
    ASSERT_NE(ruleset, nullptr) << rules;
    for (int age = 0; age <= rules; ++age) {
      for (int64_t points : {0, 7}) {
        Customer customer;
        customer.age = age;
        customer.points = points;
        Decision d = Evaluate(*ruleset, customer);
        const bool matches = age < rules && points != 7;
        EXPECT_EQ(d.SegmentOf("exact_age"), matches ? "s" + std::to_string(age) : "other")
            << rules << " rules, age " << age << ", points " << points;
      }
    }
  }
}

TEST(DifferentialTest, ExplainedAndFastEvaluationAgreeOnTenThousandCustomers) {
  auto ruleset = Load({{"parameters.yaml", kMixedParameters},
                       {"segments.yaml", kMixedSegments},
                       {"offers.yaml", kMixedOffers},
                       {"loyalty.yaml", kMixedLoyalty},
                       {"interactions.yaml", kMixedInteractions},
                       {"improvements.yaml", kMixedImprovements}});
  ASSERT_NE(ruleset, nullptr);

  testing::CustomerGenerator generator(20261124);
  const char* kOccupations[] = {"", "Teacher", "TEACHER", "Nurse", "工程师", "Engineer"};
  const char* kToday[] = {"2026-10-31", "2026-11-01", "2026-11-15", "2026-11-30", "2026-12-01"};
  const Date kEarliest = Day("1950-01-01");
  const Date kLatest = Day("2026-12-01");
  auto random_date = [&]() {
    if (generator.Uniform(0, 3) == 0) return Date();  // unknown
    return Date::FromDays(
        static_cast<int32_t>(generator.Uniform(kEarliest.days(), kLatest.days())));
  };
  auto recent_date = [&]() {
    if (generator.Uniform(0, 3) == 0) return Date();
    return Date::FromDays(
        static_cast<int32_t>(generator.Uniform(kLatest.days() - 400, kLatest.days())));
  };

  constexpr int kCustomers = 10000;
  std::map<std::string, int> matches;  // tag rule id -> customers it matched
  Decision plain;
  Decision explained;
  Explanation why;
  int compared = 0;
  for (int i = 0; i < kCustomers; ++i) {
    Customer customer = generator.NextCustomer();
    customer.occupation = kOccupations[generator.Uniform(0, 5)];
    customer.birthday = random_date();
    customer.joined_at = recent_date();
    customer.last_purchase_at = recent_date();
    if (generator.Uniform(0, 9) == 0) customer.satisfaction = Decimal();  // never rated
    Purchase purchase = generator.NextPurchase();
    if (generator.Uniform(0, 4) == 0)
      purchase.amount = Decimal::FromInteger(300 + 200 * generator.Uniform(0, 3));
    Interaction interaction = generator.NextInteraction();
    Feedback feedback = generator.NextFeedback();
    if (generator.Uniform(0, 1) == 0) feedback.source = FeedbackSource::kPhone;
    if (generator.Uniform(0, 1) == 0) feedback.product = "产品B";
    EvalInput input;
    input.customer = &customer;
    input.purchase = generator.Uniform(0, 3) != 0 ? &purchase : nullptr;
    input.interaction = generator.Uniform(0, 2) != 0 ? &interaction : nullptr;
    input.feedback = generator.Uniform(0, 2) != 0 ? &feedback : nullptr;
    input.today = Day(kToday[generator.Uniform(0, 4)]);

    ASSERT_THAT(ruleset->Evaluate(input, &plain), IsOk()) << "customer " << customer.id;
    ASSERT_THAT(ruleset->Evaluate(input, &explained, &why), IsOk()) << "customer " << customer.id;
    ASSERT_EQ(DecisionText(plain), DecisionText(explained)) << "customer " << customer.id;
    ++compared;

    // The explanation agrees with the decision about the tags.
    std::set<std::string> explained_tags;
    for (const RuleExplanation& r : why.rules) {
      if (r.section == "segmentation tags" && r.matched) explained_tags.insert(r.rule_id);
    }
    std::set<std::string> decided_tags;
    for (const SegmentAssignment& s : plain.segments) {
      if (s.dimension == "tags") decided_tags.emplace(s.rule_id);
    }
    ASSERT_EQ(explained_tags, decided_tags) << "customer " << customer.id;
    for (const std::string& id : decided_tags) ++matches[id];
    for (const OfferGrant& o : plain.offers) ++matches[std::string(o.rule_id)];
    for (const SegmentAssignment& s : plain.segments) {
      if (s.dimension != "tags") ++matches[std::string(s.rule_id)];
    }
    if (plain.loyalty.applied) ++matches["loyalty " + std::string(plain.loyalty.rule_id)];
    for (const ImprovementProposal& p : plain.improvements) ++matches[std::string(p.rule_id)];
  }
  EXPECT_EQ(compared, kCustomers);

  // Every rule both matched and failed to match for some customers, so
  // that both outcomes of every condition were compared.
  const char* kRules[] = {
      "t_or",          "t_arith",     "t_div",       "t_round",        "t_minmax",
      "t_in",          "t_channel",   "sat_band",    "t_mod",          "not_young",
      "t_len",         "t_lower",     "t_contains",  "t_dates",        "t_joined",
      "t_neg",         "t_average",   "t_exact",     "t_ceil",         "t_never_rated",
      "f_vip",         "f_many",      "f_not_young", "young_low",      "young_mid",
      "middle_high",   "o_young_low", "o_stage",     "o_vip",          "o_happy",
      "loyalty lucky", "loyalty vip", "loyalty big", "loyalty medium", "loyalty small",
      "i_features",    "i_price",     "i_other",     "th_ne",          "th_online",
      "th_frequent",   "th_stage"};
  for (const char* rule : kRules) {
    EXPECT_GT(matches[rule], 0) << rule << " never matched";
    EXPECT_LT(matches[rule], kCustomers) << rule << " always matched";
  }
}

}  // namespace
}  // namespace clientele::rules
