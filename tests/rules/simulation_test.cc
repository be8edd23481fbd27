// Tests rules::Simulation (rules/simulation.h): from → to counts per
// dimension (first-match and collect, dimensions only one version has,
// tiers), offers gained / lost / kept, the points replay by earning rule,
// example ids and their limit, merging in customer order, and customers a
// version cannot evaluate.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/diagnostic.h"
#include "rules/ruleset.h"
#include "rules/simulation.h"
#include "common/strings.h"

namespace clientele::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const RuleSet> Load(std::vector<RuleSource> sources) {
  LoadResult loaded = RuleSet::LoadSources(std::move(sources));
  EXPECT_TRUE(loaded.ok()) << FormatDiagnostics(loaded.diagnostics);
  return loaded.ruleset;
}

// A ruleset whose thresholds are parameters, so that a candidate differs
// only in them.
std::shared_ptr<const RuleSet> Rules(int young_limit, int big_amount, bool with_tags = true,
                                     std::string_view extra_dimension = "") {
  std::string segments = StrCat(R"(kind: segmentation
dimensions:
  - id: life_stage
    rules:
      - id: young
        when: age < )", young_limit, R"(
        segment: 年轻
    default: 其他
)");
  if (with_tags) {
    segments += R"(  - id: tags
    hit_policy: collect
    rules:
      - id: vip
        when: points >= 1000
        segment: VIP
      - id: senior
        when: age >= 60
        segment: 老年
)";
  }
  segments += extra_dimension;
  const std::string offers = R"(kind: offers
offers:
  - id: young_discount
    when: segment.life_stage == "年轻"
    offer: 满100减20
    stacking: stackable
  - id: points_gift
    when: points >= 500
    offer: 积分礼品
    stacking: stackable
)";
  const std::string loyalty = StrCat(R"(kind: loyalty
earning:
  rules:
    - id: big
      when: purchase.amount >= )", big_amount, R"(
      points: 100
  default:
    id: small
    points: 10
tiers:
  - name: 普通会员
    min_points: 0
  - name: 银卡会员
    min_points: 1000
)");
  return Load({{"segments.yaml", segments}, {"offers.yaml", offers}, {"loyalty.yaml", loyalty}});
}

Customer Person(std::string id, int64_t age, int64_t points = 0) {
  Customer c;
  c.id = std::move(id);
  c.age = age;
  c.points = points;
  return c;
}

SimulationOptions Options(size_t examples = 0) {
  return {*Date::Parse("2026-11-24"), examples};
}

const DimensionSimulation& Dimension(const SimulationReport& report, std::string_view id) {
  for (const DimensionSimulation& d : report.dimensions) {
    if (d.dimension == id) return d;
  }
  static const DimensionSimulation kMissing;
  ADD_FAILURE() << "no dimension " << id;
  return kMissing;
}

// "from→to:n" for every movement, in report order.
std::vector<std::string> Moves(const DimensionSimulation& d) {
  std::vector<std::string> out;
  for (const SegmentMovement& m : d.movements) {
    out.push_back(StrCat(m.from, "→", m.to, ":", m.customers));
  }
  return out;
}

const OfferSimulation* Offer(const SimulationReport& report, std::string_view offer) {
  for (const OfferSimulation& o : report.offers) {
    if (o.offer == offer) return &o;
  }
  return nullptr;
}

TEST(SimulationTest, CountsWhoMovesFromWhichSegmentToWhich) {
  Simulation simulation(Rules(40, 500), Rules(35, 500), Options(2));
  simulation.Add(Person("a", 25));
  simulation.Add(Person("b", 36));
  simulation.Add(Person("c", 38));
  simulation.Add(Person("d", 39));
  simulation.Add(Person("e", 50));
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.customers, 5);
  EXPECT_EQ(report.serving_version, Rules(40, 500)->version());
  EXPECT_EQ(report.candidate_version, Rules(35, 500)->version());
  const DimensionSimulation& life = Dimension(report, "life_stage");
  EXPECT_TRUE(life.in_serving);
  EXPECT_TRUE(life.in_candidate);
  EXPECT_EQ(life.customers_moved, 3);
  EXPECT_THAT(Moves(life), ElementsAre("年轻→其他:3", "其他→其他:1", "年轻→年轻:1"));
  // Examples only for real moves, the first ones in customer order, at most 2.
  EXPECT_THAT(life.movements[0].examples, ElementsAre("b", "c"));
  EXPECT_THAT(life.movements[1].examples, IsEmpty());
  EXPECT_EQ(Dimension(report, "tags").customers_moved, 0);
}

TEST(SimulationTest, CollectDimensionsCompareTheirSegmentLists) {
  const std::string_view kRich = R"(  - id: wealth
    hit_policy: collect
    rules:
      - id: rich
        when: points >= 5000
        segment: 富裕
)";
  // The candidate drops `tags` and adds `wealth`.
  Simulation simulation(Rules(40, 500), Rules(40, 500, false, kRich), Options(5));
  simulation.Add(Person("a", 65, 6000));  // tags [VIP, 老年], wealth [富裕]
  simulation.Add(Person("b", 30));        // no tags, no wealth
  const SimulationReport report = simulation.Report();
  const DimensionSimulation& tags = Dimension(report, "tags");
  EXPECT_TRUE(tags.in_serving);
  EXPECT_FALSE(tags.in_candidate);
  EXPECT_THAT(Moves(tags), ElementsAre("→:1", "VIP, 老年→:1"));
  EXPECT_THAT(tags.movements[1].examples, ElementsAre("a"));
  const DimensionSimulation& wealth = Dimension(report, "wealth");
  EXPECT_FALSE(wealth.in_serving);
  EXPECT_THAT(Moves(wealth), ElementsAre("→:1", "→富裕:1"));
  // The candidate's dimensions come first, then the ones it dropped.
  ASSERT_EQ(report.dimensions.size(), 3u);
  EXPECT_EQ(report.dimensions[0].dimension, "life_stage");
  EXPECT_EQ(report.dimensions[1].dimension, "wealth");
  EXPECT_EQ(report.dimensions[2].dimension, "tags");
}

TEST(SimulationTest, OffersGainedLostAndKept) {
  Simulation simulation(Rules(40, 500), Rules(35, 500), Options(1));
  simulation.Add(Person("a", 25, 600));  // discount kept, gift kept
  simulation.Add(Person("b", 37));       // discount lost
  simulation.Add(Person("c", 38));       // discount lost
  const SimulationReport report = simulation.Report();
  const OfferSimulation* discount = Offer(report, "满100减20");
  ASSERT_NE(discount, nullptr);
  EXPECT_EQ(discount->kept, 1);
  EXPECT_EQ(discount->lost, 2);
  EXPECT_EQ(discount->gained, 0);
  EXPECT_THAT(discount->lost_examples, ElementsAre("b"));
  const OfferSimulation* gift = Offer(report, "积分礼品");
  ASSERT_NE(gift, nullptr);
  EXPECT_EQ(gift->kept, 1);
  // Changed offers first.
  EXPECT_EQ(report.offers[0].offer, "满100减20");

  Simulation reverse(Rules(35, 500), Rules(40, 500), Options(3));
  reverse.Add(Person("b", 37));
  EXPECT_EQ(Offer(reverse.Report(), "满100减20")->gained, 1);
  EXPECT_THAT(Offer(reverse.Report(), "满100减20")->gained_examples, ElementsAre("b"));
}

TEST(SimulationTest, OffersLostToStackingAreCountedWithTheirWinners) {
  // The candidate puts both offers in one group that takes the first: the
  // gift applies to "a" and "c" but the discount, first, takes its place
  // for "a" only.
  const std::shared_ptr<const RuleSet> serving = Rules(40, 500);
  const std::shared_ptr<const RuleSet> grouped = Load({{"offers.yaml", R"(kind: offers
groups: {one_gift: first}
offers:
  - id: young_discount
    when: age < 40
    offer: 满100减20
    group: one_gift
  - id: points_gift
    when: points >= 500
    offer: 积分礼品
    group: one_gift
)"}});
  ASSERT_NE(grouped, nullptr);
  Simulation simulation(serving, grouped, Options(2));
  simulation.Add(Person("a", 25, 600));
  simulation.Add(Person("b", 37));
  simulation.Add(Person("c", 50, 700));
  const SimulationReport report = simulation.Report();
  const OfferSimulation* gift = Offer(report, "积分礼品");
  ASSERT_NE(gift, nullptr);
  EXPECT_EQ(gift->kept, 1);  // c
  EXPECT_EQ(gift->lost, 1);  // a
  EXPECT_EQ(gift->stacked_out, 1);
  EXPECT_THAT(gift->stacked_out_examples, ElementsAre("a"));
  EXPECT_EQ(gift->stacked_out_to, (std::map<std::string, int64_t>{{"满100减20", 1}}));
  EXPECT_EQ(Offer(report, "满100减20")->stacked_out, 0);
}

TEST(SimulationTest, TiersMoveWithTheCurrentBalance) {
  const std::string loyalty = R"(kind: loyalty
earning:
  rules: []
  default: {id: none, points: 0}
tiers:
  - name: 普通会员
    min_points: 0
  - name: 银卡会员
    min_points: 800
)";
  Simulation simulation(Rules(40, 500), Load({{"loyalty.yaml", loyalty}}), Options(3));
  simulation.Add(Person("a", 25, 900));
  simulation.Add(Person("b", 25, 100));
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.tiers.dimension, "tier");
  EXPECT_THAT(Moves(report.tiers), ElementsAre("普通会员→普通会员:1", "普通会员→银卡会员:1"));
  EXPECT_THAT(report.tiers.movements[1].examples, ElementsAre("a"));
}

TEST(SimulationTest, ReplaysPurchasesForThePointsOfEachVersion) {
  Simulation simulation(Rules(40, 500), Rules(40, 400), Options(5));
  const std::vector<Purchase> a_bought = {{"p1", *Decimal::Parse("450"), "", Channel::kUnknown},
                                          {"p2", *Decimal::Parse("600"), "", Channel::kUnknown}};
  const std::vector<Purchase> b_bought = {{"p3", *Decimal::Parse("100"), "", Channel::kUnknown}};
  simulation.Add(Person("a", 25), a_bought);
  simulation.Add(Person("b", 25), b_bought);
  simulation.Add(Person("c", 25));
  const PointsSimulation& points = simulation.Report().points;
  EXPECT_EQ(points.purchases, 3);
  EXPECT_EQ(points.serving_points, 10 + 100 + 10);
  EXPECT_EQ(points.candidate_points, 100 + 100 + 10);
  EXPECT_EQ(points.customers_changed, 1);
  EXPECT_THAT(points.examples, ElementsAre("a"));
  ASSERT_EQ(points.serving_rules.size(), 2u);
  EXPECT_EQ(points.serving_rules[0].rule_id, "big");
  EXPECT_EQ(points.serving_rules[0].purchases, 1);
  EXPECT_EQ(points.serving_rules[0].points, 100);
  EXPECT_EQ(points.serving_rules[1].rule_id, "small");
  EXPECT_EQ(points.serving_rules[1].purchases, 2);
  ASSERT_EQ(points.candidate_rules.size(), 2u);
  EXPECT_EQ(points.candidate_rules[0].purchases, 2);
  EXPECT_EQ(points.candidate_rules[0].points, 200);
}

TEST(SimulationTest, MergingKeepsCustomerOrderAndTheExampleLimit) {
  const auto serving = Rules(40, 500);
  const auto candidate = Rules(35, 500);
  Simulation whole(serving, candidate, Options(3));
  Simulation first(serving, candidate, Options(3));
  Simulation second(serving, candidate, Options(3));
  const std::vector<Customer> people = {Person("a", 36), Person("b", 37), Person("c", 65, 2000),
                                        Person("d", 38), Person("e", 39), Person("f", 70, 3000)};
  for (size_t i = 0; i < people.size(); ++i) {
    whole.Add(people[i]);
    (i < 2 ? first : second).Add(people[i]);
  }
  first.Merge(std::move(second));
  const SimulationReport merged = first.Report();
  const SimulationReport expected = whole.Report();
  EXPECT_EQ(merged.customers, expected.customers);
  EXPECT_EQ(Moves(Dimension(merged, "life_stage")), Moves(Dimension(expected, "life_stage")));
  EXPECT_THAT(Dimension(merged, "life_stage").movements[0].examples, ElementsAre("a", "b", "d"));
  // Interned segment lists of a collect dimension survive the merge.
  EXPECT_EQ(Moves(Dimension(merged, "tags")), Moves(Dimension(expected, "tags")));
  EXPECT_THAT(Moves(Dimension(merged, "tags")), ElementsAre("→:4", "VIP, 老年→VIP, 老年:2"));
  EXPECT_EQ(Offer(merged, "满100减20")->lost, Offer(expected, "满100减20")->lost);
  EXPECT_THAT(Offer(merged, "满100减20")->lost_examples, ElementsAre("a", "b", "d"));
}

TEST(SimulationTest, CustomersAVersionCannotEvaluateAreLeftOutAndNamed) {
  const std::string failing = R"(kind: offers
offers:
  - id: ratio
    when: 100 / interaction_count > 1
    offer: 关怀
)";
  Simulation simulation(Rules(40, 500), Load({{"offers.yaml", failing}}), Options());
  simulation.Add(Person("zero", 30));  // interaction_count 0: division by zero
  Customer fine = Person("fine", 30);
  fine.interaction_count = 10;
  simulation.Add(fine);
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.customers, 1);
  EXPECT_EQ(report.evaluation_errors, 1);
  EXPECT_THAT(report.first_error, ::testing::StartsWith("customer zero under version "));
  EXPECT_THAT(report.first_error, ::testing::HasSubstr("division by zero"));
}

TEST(SimulationTest, ACustomerWhosePurchaseFailsCountsNowhere) {
  const std::string failing = R"(kind: loyalty
earning:
  rules: []
  default:
    id: per_visit
    points: floor(purchase.amount / purchase_frequency)
)";
  Simulation simulation(Rules(40, 500), Load({{"loyalty.yaml", failing}}), Options(3));
  const std::vector<Purchase> bought = {{"p1", *Decimal::Parse("450"), "", Channel::kUnknown},
                                        {"p2", *Decimal::Parse("600"), "", Channel::kUnknown}};
  Customer never = Person("never", 25);  // purchase_frequency 0: division by zero
  simulation.Add(never, bought);
  Customer regular = Person("regular", 25);
  regular.purchase_frequency = 3;
  simulation.Add(regular, bought);
  const SimulationReport report = simulation.Report();
  EXPECT_EQ(report.customers, 1);
  EXPECT_EQ(report.evaluation_errors, 1);
  EXPECT_THAT(report.first_error, ::testing::StartsWith("customer never under version "));
  EXPECT_THAT(Moves(Dimension(report, "life_stage")), ElementsAre("年轻→:1"));  // dropped
  EXPECT_EQ(report.points.purchases, 2);
  EXPECT_EQ(report.points.candidate_points, 150 + 200);
  ASSERT_EQ(report.points.candidate_rules.size(), 1u);
  EXPECT_EQ(report.points.candidate_rules[0].purchases, 2);
  EXPECT_EQ(report.points.serving_rules[0].purchases + report.points.serving_rules[1].purchases, 2);
}

}  // namespace
}  // namespace clientele::rules
