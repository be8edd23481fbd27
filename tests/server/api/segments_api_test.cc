// Stored segments and RFM scores through the API classes in process (no
// gRPC): the SegmentsApi follows every write that changes customers
// (Store::FollowCustomerChanges) and stores their segments in the same
// transaction, recording each move with the write's method as its cause; a
// write rolled back or retried records nothing; Refresh recomputes every
// customer's segments by the served rules (after a new version, 10,000
// customers of which a known 1,250 move), a batch at a time inside the
// writer, so that the writes running meanwhile are never undone, also when
// another version is served meanwhile; the background refresh
// (SegmentRefresh) after a reload and on a new day; RFM scores by the
// retail example's rfm file (monetary by the stored customers' quintiles,
// 0 until a refresh computes them).
//
// Most tests serve a rules directory of their own (AgeAndPurchases): the
// age_group dimension puts customers under a threshold age in `young`,
// the others in `older`; the buyer dimension counts the purchases of the
// last 365 days (none, once, regular from two).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "server/segment_refresh.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/rules_directory.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Date;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";

// The segmentation described at the top, `young` under `young_below`.
std::string AgeAndPurchases(int young_below) {
  return "kind: segmentation\n"
         "dimensions:\n"
         "  - id: age_group\n"
         "    rules:\n"
         "      - id: young\n"
         "        when: age < " +
         std::to_string(young_below) +
         "\n"
         "        segment: young\n"
         "    default: older\n"
         "  - id: buyer\n"
         "    rules:\n"
         "      - id: regular\n"
         "        when: purchases_in_last(365) >= 2\n"
         "        segment: regular\n"
         "      - id: once\n"
         "        when: purchases_in_last(365) >= 1\n"
         "        segment: once\n"
         "    default: none\n";
}

// "c-00042": ids that sort as their numbers do.
std::string IdOf(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "c-%05d", i);
  return id;
}

std::string Describe(const v1::SegmentChange& c) {
  return std::to_string(c.sequence()) + " " + c.customer_id() + " " + c.dimension() + ": '" +
         c.from_segment() + "' -> '" + c.to_segment() + "' (" + c.cause() + ")";
}

// The rules directory and the in-process APIs over it, in that order, so
// that the directory outlives the APIs.
struct Served {
  explicit Served(const std::string& segments) {
    rules.WriteInPlace("segments.yaml", segments);
    apis = std::make_unique<testing::InProcessApis>(rules.path());
  }
  explicit Served(const std::filesystem::path& directory)
      : apis(std::make_unique<testing::InProcessApis>(directory)) {}
  testing::RulesDirectory rules;
  std::unique_ptr<testing::InProcessApis> apis;
};

class SegmentsApiTest : public ::testing::Test {
 protected:
  // Serves `segments` as the only rules file.
  void Serve(const std::string& segments) {
    served_ = std::make_unique<Served>(segments);
    Started();
  }
  // Serves a rules directory of the source tree.
  void ServeDirectory(const std::filesystem::path& directory) {
    served_ = std::make_unique<Served>(directory);
    Started();
  }
  void Started() {
    ASSERT_NE(served_->apis->apis(), nullptr);
    apis_ = served_->apis->apis();
  }
  // Rewrites the segmentation file and reloads it; the new version.
  std::string ServeNext(const std::string& segments) {
    served_->rules.WriteInPlace("segments.yaml", segments);
    v1::ReloadRulesetResponse reloaded;
    EXPECT_THAT(apis_->rulesets.ReloadRuleset({}, &reloaded), IsOk());
    EXPECT_EQ(reloaded.attempt().outcome(), "accepted") << reloaded.DebugString();
    return ServedVersion();
  }
  std::string ServedVersion() const {
    return served_->apis->holder().Current()->ruleset->version();
  }
  SegmentsApi& segments() { return apis_->segments; }
  std::string Key() { return "key-" + std::to_string(++keys_); }

  absl::Status Upsert(const std::string& id, int64_t age, const std::string& key = "") {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(key.empty() ? Key() : key);
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_age(age);
    v1::UpsertCustomerResponse response;
    return apis_->customers.UpsertCustomer(request, &response);
  }
  absl::Status Purchase(const std::string& customer, const std::string& purchase_id,
                        const std::string& amount = "100", const std::string& date = "",
                        const std::string& key = "") {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(key.empty() ? Key() : key);
    request.set_customer_id(customer);
    request.set_purchase_id(purchase_id);
    request.set_amount(amount);
    request.set_date(date);
    v1::RecordPurchaseResponse response;
    return apis_->events.RecordPurchase(request, &response);
  }
  absl::Status Delete(const std::string& id) {
    v1::DeleteCustomerRequest request;
    request.set_idempotency_key(Key());
    request.set_customer_id(id);
    v1::DeleteCustomerResponse response;
    return apis_->customers.DeleteCustomer(request, &response);
  }

  // Creates customers IdOf(0) .. IdOf(count - 1), of the ages given, by
  // one import.
  void Import(int count, const std::function<int64_t(int)>& age_of) {
    absl::StatusOr<std::unique_ptr<CustomerImport>> import = apis_->customers.StartImport();
    ASSERT_THAT(import, IsOk());
    v1::ImportCustomersRequest message;
    message.set_idempotency_key(Key());
    for (int i = 0; i < count; ++i) {
      v1::Customer* c = message.add_customers();
      c->set_id(IdOf(i));
      c->set_age(age_of(i));
      if (message.customers_size() == 1000 || i == count - 1) {
        ASSERT_THAT((*import)->Add(message), IsOk());
        message = v1::ImportCustomersRequest();
      }
    }
    v1::ImportCustomersResponse response;
    ASSERT_THAT((*import)->Finish(&response), IsOk());
    ASSERT_EQ(response.created(), count);
  }

  // The customer's stored segments by dimension (none when the call fails).
  std::map<std::string, v1::SegmentMembership> SegmentsOf(const std::string& id) {
    v1::GetCustomerSegmentsRequest request;
    request.set_customer_id(id);
    v1::GetCustomerSegmentsResponse response;
    EXPECT_THAT(segments().GetCustomerSegments(request, &response), IsOk()) << id;
    std::map<std::string, v1::SegmentMembership> by_dimension;
    for (const v1::SegmentMembership& m : response.segments()) {
      EXPECT_EQ(m.customer_id(), id);
      EXPECT_TRUE(by_dimension.emplace(m.dimension(), m).second) << m.dimension();
    }
    return by_dimension;
  }

  // Every stored change after `after` (of `customer`, "" any), in order.
  std::vector<v1::SegmentChange> ChangesAfter(int64_t after, const std::string& customer = "") {
    v1::WatchSegmentChangesRequest request;
    request.set_customer_id(customer);
    std::vector<v1::SegmentChange> all;
    for (;;) {
      std::vector<v1::SegmentChange> page;
      EXPECT_THAT(segments().StoredChanges(request, after, 1000, &page), IsOk());
      if (page.empty()) return all;
      for (const v1::SegmentChange& c : page) {
        EXPECT_GT(c.sequence(), after) << Describe(c);
        after = c.sequence();
      }
      all.insert(all.end(), page.begin(), page.end());
    }
  }
  int64_t LastSequence() {
    const std::vector<v1::SegmentChange> all = ChangesAfter(0);
    return all.empty() ? 0 : all.back().sequence();
  }

  // Every member of the segment, by ListSegmentMembers pages of `page_size`.
  std::vector<v1::SegmentMembership> Members(const std::string& dimension,
                                             const std::string& segment, int page_size = 1000) {
    v1::ListSegmentMembersRequest request;
    request.set_dimension(dimension);
    request.set_segment(segment);
    request.set_page_size(page_size);
    std::vector<v1::SegmentMembership> members;
    for (int pages = 0; pages < 100000; ++pages) {
      v1::ListSegmentMembersResponse response;
      EXPECT_THAT(segments().ListSegmentMembers(request, &response), IsOk());
      members.insert(members.end(), response.members().begin(), response.members().end());
      if (response.next_page_token().empty()) break;
      EXPECT_EQ(response.members_size(), page_size);
      request.set_page_token(response.next_page_token());
    }
    return members;
  }

  v1::RefreshSegmentsResponse Refresh() {
    v1::RefreshSegmentsResponse response;
    EXPECT_THAT(segments().RefreshSegments(v1::RefreshSegmentsRequest(), &response), IsOk());
    return response;
  }

  std::unique_ptr<Served> served_;
  Apis* apis_ = nullptr;
  int keys_ = 0;
};

TEST_F(SegmentsApiTest, AnUpsertStoresTheSegmentsAndAPurchaseMovesThemInItsWrite) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  const std::string version = ServedVersion();
  ASSERT_THAT(Upsert("c-1", 30), IsOk());
  std::map<std::string, v1::SegmentMembership> stored = SegmentsOf("c-1");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored["age_group"].segment(), "young");
  EXPECT_EQ(stored["buyer"].segment(), "none");
  for (const auto& [dimension, m] : stored) {
    EXPECT_EQ(m.ruleset_version(), version) << dimension;
    EXPECT_FALSE(m.computed_at().empty()) << dimension;
    EXPECT_EQ(m.since(), m.computed_at()) << dimension << ": entered now";
  }
  std::vector<v1::SegmentChange> changes = ChangesAfter(0);
  ASSERT_EQ(changes.size(), 2u);
  for (const v1::SegmentChange& c : changes) {
    EXPECT_EQ(c.customer_id(), "c-1");
    EXPECT_EQ(c.from_segment(), "") << Describe(c);
    EXPECT_EQ(c.cause(), "UpsertCustomer");
    EXPECT_EQ(c.ruleset_version(), version);
    EXPECT_FALSE(c.changed_at().empty());
    EXPECT_EQ(c.to_segment(), stored[c.dimension()].segment()) << Describe(c);
  }
  EXPECT_LT(changes[0].sequence(), changes[1].sequence());
  int64_t last = changes.back().sequence();

  // The store stamps whole seconds: the next writes come in a later one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // An upsert that moves nothing records nothing and keeps `since`; nor
  // does it stamp the rows again (a refresh confirms them).
  ASSERT_THAT(Upsert("c-1", 31), IsOk());
  EXPECT_THAT(ChangesAfter(last), IsEmpty());
  std::map<std::string, v1::SegmentMembership> again = SegmentsOf("c-1");
  EXPECT_EQ(again["age_group"].segment(), "young");
  EXPECT_EQ(again["age_group"].since(), stored["age_group"].since());
  EXPECT_EQ(again["age_group"].computed_at(), stored["age_group"].computed_at());
  Refresh();
  again = SegmentsOf("c-1");
  EXPECT_EQ(again["age_group"].since(), stored["age_group"].since());
  EXPECT_GT(again["age_group"].computed_at(), stored["age_group"].computed_at());
  EXPECT_THAT(ChangesAfter(last), IsEmpty());

  // The first purchase moves buyer from none to once, in the purchase's write.
  ASSERT_THAT(Purchase("c-1", "p-1"), IsOk());
  changes = ChangesAfter(last);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].customer_id(), "c-1");
  EXPECT_EQ(changes[0].dimension(), "buyer");
  EXPECT_EQ(changes[0].from_segment(), "none");
  EXPECT_EQ(changes[0].to_segment(), "once");
  EXPECT_EQ(changes[0].cause(), "RecordPurchase");
  EXPECT_EQ(changes[0].ruleset_version(), version);
  last = changes.back().sequence();
  std::map<std::string, v1::SegmentMembership> moved = SegmentsOf("c-1");
  EXPECT_EQ(moved["buyer"].segment(), "once");
  EXPECT_EQ(moved["buyer"].since(), moved["buyer"].computed_at());
  EXPECT_GT(moved["buyer"].since(), stored["buyer"].since());
  EXPECT_EQ(moved["age_group"].since(), stored["age_group"].since()) << "not moved";

  // The second: once to regular. Then an older age moves age_group.
  ASSERT_THAT(Purchase("c-1", "p-2"), IsOk());
  ASSERT_THAT(Upsert("c-1", 45), IsOk());
  changes = ChangesAfter(last);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(Describe(changes[0]), std::to_string(changes[0].sequence()) +
                                      " c-1 buyer: 'once' -> 'regular' (RecordPurchase)");
  EXPECT_EQ(Describe(changes[1]), std::to_string(changes[1].sequence()) +
                                      " c-1 age_group: 'young' -> 'older' (UpsertCustomer)");
  moved = SegmentsOf("c-1");
  EXPECT_EQ(moved["buyer"].segment(), "regular");
  EXPECT_EQ(moved["age_group"].segment(), "older");
  EXPECT_EQ(moved["age_group"].since(), moved["age_group"].computed_at());

  // Another customer's write records its own changes only.
  last = changes.back().sequence();
  ASSERT_THAT(Upsert("c-2", 20), IsOk());
  changes = ChangesAfter(last);
  ASSERT_EQ(changes.size(), 2u);
  for (const v1::SegmentChange& c : changes) EXPECT_EQ(c.customer_id(), "c-2") << Describe(c);
  EXPECT_EQ(ChangesAfter(0, "c-1").size(), 5u);
}

TEST_F(SegmentsApiTest, ADeletedCustomerLeavesEverySegment) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  ASSERT_THAT(Upsert("c-1", 30), IsOk());
  ASSERT_THAT(Upsert("c-2", 35), IsOk());
  ASSERT_THAT(Purchase("c-1", "p-1"), IsOk());
  const int64_t last = LastSequence();

  ASSERT_THAT(Delete("c-1"), IsOk());
  std::vector<v1::SegmentChange> changes = ChangesAfter(last);
  ASSERT_EQ(changes.size(), 2u);
  std::map<std::string, std::string> left;
  for (const v1::SegmentChange& c : changes) {
    EXPECT_EQ(c.customer_id(), "c-1");
    EXPECT_EQ(c.to_segment(), "") << Describe(c);
    EXPECT_EQ(c.cause(), "DeleteCustomer");
    EXPECT_EQ(c.ruleset_version(), ServedVersion());
    left[c.dimension()] = c.from_segment();
  }
  EXPECT_EQ(left, (std::map<std::string, std::string>{{"age_group", "young"}, {"buyer", "once"}}));

  v1::GetCustomerSegmentsRequest request;
  request.set_customer_id("c-1");
  v1::GetCustomerSegmentsResponse response;
  EXPECT_THAT(segments().GetCustomerSegments(request, &response),
              StatusIs(absl::StatusCode::kNotFound, "c-1"));
  EXPECT_EQ(response.segments_size(), 0);
  std::vector<v1::SegmentMembership> young = Members("age_group", "young");
  ASSERT_EQ(young.size(), 1u);
  EXPECT_EQ(young[0].customer_id(), "c-2");
  EXPECT_THAT(Members("buyer", "once"), IsEmpty());

  // A refresh finds nothing left to do for it.
  const v1::RefreshSegmentsResponse refreshed = Refresh();
  EXPECT_EQ(refreshed.customers(), 1);
  EXPECT_EQ(refreshed.changes(), 0);
  EXPECT_EQ(ChangesAfter(last).size(), 2u);

  // Created again, it enters its segments anew.
  ASSERT_THAT(Upsert("c-1", 50), IsOk());
  changes = ChangesAfter(last);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[2].from_segment(), "");
  EXPECT_EQ(changes[3].from_segment(), "");
  EXPECT_EQ(SegmentsOf("c-1")["age_group"].segment(), "older");
  EXPECT_EQ(SegmentsOf("c-1")["buyer"].segment(), "none");
}

TEST_F(SegmentsApiTest, AWriteRefusedOrRolledBackRecordsNoChange) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  ASSERT_THAT(Upsert("c-1", 30), IsOk());
  ASSERT_THAT(Purchase("c-1", "p-1"), IsOk());
  const int64_t last = LastSequence();
  const std::map<std::string, v1::SegmentMembership> before = SegmentsOf("c-1");
  ASSERT_EQ(before.at("buyer").segment(), "once");

  // The same purchase id again, with another key: it would make c-1
  // regular, but is refused, and the write rolled back.
  EXPECT_THAT(Purchase("c-1", "p-1"), StatusIs(absl::StatusCode::kAlreadyExists, "p-1"));
  // A purchase of an unknown customer.
  EXPECT_THAT(Purchase("nobody", "p-2"), StatusIs(absl::StatusCode::kNotFound, "nobody"));
  // A key used before, with another request.
  const std::string key = Key();
  ASSERT_THAT(Upsert("c-2", 30, key), IsOk());
  const int64_t after_c2 = LastSequence();
  EXPECT_THAT(Upsert("c-1", 50, key), StatusIs(absl::StatusCode::kAlreadyExists, ""));
  // A purchase dated in the future.
  EXPECT_THAT(Purchase("c-1", "p-3", "100", "2999-01-01"),
              StatusIs(absl::StatusCode::kInvalidArgument, "date"));
  // Deleting an unknown customer.
  EXPECT_THAT(Delete("nobody"), StatusIs(absl::StatusCode::kNotFound, ""));

  EXPECT_EQ(LastSequence(), after_c2);
  for (const v1::SegmentChange& c : ChangesAfter(last)) {
    EXPECT_EQ(c.customer_id(), "c-2") << Describe(c);
  }
  EXPECT_THAT(ChangesAfter(last, "c-1"), IsEmpty());
  std::map<std::string, v1::SegmentMembership> after = SegmentsOf("c-1");
  for (const auto& [dimension, m] : before) {
    EXPECT_EQ(after[dimension].SerializeAsString(), m.SerializeAsString()) << dimension;
  }

  // The refused purchase id is free to nobody, but p-2 of c-1 still moves it.
  ASSERT_THAT(Purchase("c-1", "p-2"), IsOk());
  const std::vector<v1::SegmentChange> changes = ChangesAfter(after_c2);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].from_segment(), "once");
  EXPECT_EQ(changes[0].to_segment(), "regular");
}

TEST_F(SegmentsApiTest, ARetriedWriteRecordsNothingNew) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  ASSERT_THAT(Upsert("c-1", 30, "k-young"), IsOk());
  ASSERT_THAT(Purchase("c-1", "p-1", "100", "", "k-p-1"), IsOk());
  ASSERT_THAT(Upsert("c-1", 45, "k-older"), IsOk());
  const std::vector<v1::SegmentChange> first = ChangesAfter(0);
  ASSERT_EQ(first.size(), 4u);  // young & none; once; older

  // Each retry returns the first answer and writes nothing: the young
  // upsert, run again, would move c-1 back to young.
  EXPECT_THAT(Upsert("c-1", 30, "k-young"), IsOk());
  EXPECT_THAT(Purchase("c-1", "p-1", "100", "", "k-p-1"), IsOk());
  EXPECT_THAT(Upsert("c-1", 45, "k-older"), IsOk());
  const std::vector<v1::SegmentChange> after = ChangesAfter(0);
  ASSERT_EQ(after.size(), first.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].SerializeAsString(), first[i].SerializeAsString()) << Describe(after[i]);
  }
  std::map<std::string, v1::SegmentMembership> stored = SegmentsOf("c-1");
  EXPECT_EQ(stored["age_group"].segment(), "older");
  EXPECT_EQ(stored["buyer"].segment(), "once");
}

TEST_F(SegmentsApiTest, ANewVersionMovesByOneChangeEachExactlyTheCustomersItsRulesMove) {
  const auto began = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  const std::string old_version = ServedVersion();
  // Ages 18 to 97, 125 customers each; under 40 young.
  constexpr int kCustomers = 10000;
  auto age_of = [](int i) -> int64_t { return 18 + i % 80; };
  ASSERT_NO_FATAL_FAILURE(Import(kCustomers, age_of));
  const std::vector<v1::SegmentChange> imported = ChangesAfter(0);
  ASSERT_EQ(imported.size(), 2u * kCustomers);
  for (const v1::SegmentChange& c : imported) {
    ASSERT_EQ(c.cause(), "ImportCustomers") << Describe(c);
    ASSERT_EQ(c.from_segment(), "") << Describe(c);
  }
  const int64_t before = imported.back().sequence();

  // Served, the new version moves nobody yet: the stored segments are the
  // old version's until a refresh.
  const std::string new_version = ServeNext(AgeAndPurchases(50));
  ASSERT_NE(new_version, old_version);
  EXPECT_THAT(ChangesAfter(before), IsEmpty());
  EXPECT_EQ(SegmentsOf(IdOf(22))["age_group"].segment(), "older");  // 40
  EXPECT_EQ(SegmentsOf(IdOf(22))["age_group"].ruleset_version(), old_version);
  const v1::SegmentMembership unmoved_before = SegmentsOf(IdOf(0))["age_group"];  // 18

  const v1::RefreshSegmentsResponse refreshed = Refresh();
  // Those of 40 to 49: ten ages of 125 customers.
  std::set<std::string> expected;
  for (int i = 0; i < kCustomers; ++i) {
    if (age_of(i) >= 40 && age_of(i) < 50) expected.insert(IdOf(i));
  }
  ASSERT_EQ(expected.size(), 1250u);
  EXPECT_EQ(refreshed.ruleset_version(), new_version);
  EXPECT_EQ(refreshed.customers(), kCustomers);
  EXPECT_EQ(refreshed.changes(), 1250);
  EXPECT_EQ(refreshed.evaluation_errors(), 0) << refreshed.first_error();
  EXPECT_FALSE(refreshed.has_rfm_quantiles()) << "these rules have no rfm file";

  const std::vector<v1::SegmentChange> changes = ChangesAfter(before);
  std::set<std::string> moved;
  for (const v1::SegmentChange& c : changes) {
    SCOPED_TRACE(Describe(c));
    EXPECT_TRUE(moved.insert(c.customer_id()).second) << "moved twice";
    EXPECT_EQ(c.dimension(), "age_group");
    EXPECT_EQ(c.from_segment(), "older");
    EXPECT_EQ(c.to_segment(), "young");
    EXPECT_EQ(c.cause(), "refresh");
    EXPECT_EQ(c.ruleset_version(), new_version);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_EQ(changes.size(), 1250u);
  EXPECT_TRUE(moved == expected) << moved.size() << " moved";

  // What is stored agrees: a moved customer entered young now; one that
  // did not move keeps its `since`, evaluated again by the new version.
  const v1::SegmentMembership moved_now = SegmentsOf(IdOf(22))["age_group"];
  EXPECT_EQ(moved_now.segment(), "young");
  EXPECT_EQ(moved_now.ruleset_version(), new_version);
  EXPECT_EQ(moved_now.since(), moved_now.computed_at());
  const v1::SegmentMembership unmoved = SegmentsOf(IdOf(0))["age_group"];
  EXPECT_EQ(unmoved.segment(), "young");
  EXPECT_EQ(unmoved.since(), unmoved_before.since());
  EXPECT_EQ(unmoved.ruleset_version(), new_version);
  EXPECT_EQ(SegmentsOf(IdOf(9999))["buyer"].ruleset_version(), new_version);
  // 32 ages of 125 are young now, 48 older.
  EXPECT_EQ(Members("age_group", "young").size(), 4000u);
  EXPECT_EQ(Members("age_group", "older").size(), 6000u);
  EXPECT_EQ(Members("buyer", "none").size(), 10000u);

  // Nothing moves a second time.
  const int64_t after_first = changes.empty() ? before : changes.back().sequence();
  const v1::RefreshSegmentsResponse again = Refresh();
  EXPECT_EQ(again.customers(), kCustomers);
  EXPECT_EQ(again.changes(), 0);
  EXPECT_THAT(ChangesAfter(after_first), IsEmpty());
  EXPECT_EQ(segments().RefreshedVersion(), new_version);

  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_LT(took, std::chrono::seconds(60)) << "slow: the whole test should take seconds";
}

TEST_F(SegmentsApiTest, WritesDuringARefreshAreNeverUndoneByIt) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  constexpr int kCustomers = 4000;  // 8 batches of a refresh
  auto age_of = [](int i) -> int64_t { return 18 + i % 80; };
  ASSERT_NO_FATAL_FAILURE(Import(kCustomers, age_of));

  // Writer threads, each with customers of its own across the whole id
  // range, buy and change ages (30 to 59) while three versions are served
  // and refreshed in turn.
  constexpr int kWriters = 3;
  struct Written {
    std::map<std::string, int64_t> age;  // the last age written
    std::map<std::string, int> purchases;
    int failed = 0;
  };
  std::vector<Written> written(kWriters);
  std::atomic<bool> stop{false};
  std::atomic<bool> refreshing{false};
  std::atomic<int> writes{0};
  std::atomic<int> during{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      Written& mine = written[t];
      for (int k = 0; !stop.load(); ++k) {
        const int i = ((k * 977) % (kCustomers / kWriters)) * kWriters + t;
        const std::string id = IdOf(i);
        const std::string key = "w-" + std::to_string(t) + "-" + std::to_string(k);
        const bool was_refreshing = refreshing.load();
        absl::Status status;
        if (k % 2 == 0) {
          status = Purchase(id, key, "50", "", key);
          if (status.ok()) ++mine.purchases[id];
        } else {
          const int64_t age = 30 + (k * 7) % 30;
          status = Upsert(id, age, key);
          if (status.ok()) mine.age[id] = age;
        }
        if (!status.ok()) {
          ++mine.failed;
          ADD_FAILURE() << key << ": " << status;
        }
        ++writes;
        if (was_refreshing && refreshing.load()) ++during;
      }
    });
  }
  std::vector<v1::RefreshSegmentsResponse> refreshes;
  for (int young_below : {50, 45, 55}) {
    ServeNext(AgeAndPurchases(young_below));
    const int before = writes.load();
    while (writes.load() < before + 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    refreshing = true;
    refreshes.push_back(Refresh());
    refreshing = false;
  }
  const int at_end = writes.load();
  while (writes.load() < at_end + 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  for (std::thread& w : writers) w.join();
  const std::string version = ServedVersion();
  EXPECT_GT(during.load(), 10) << "too few writes ran during the refreshes";
  RecordProperty("writes_during_refresh", during.load());
  for (const v1::RefreshSegmentsResponse& r : refreshes) {
    EXPECT_EQ(r.customers(), kCustomers);
    EXPECT_EQ(r.evaluation_errors(), 0) << r.first_error();
  }
  EXPECT_EQ(refreshes.back().ruleset_version(), version);

  // What each customer should be in now, by the served version (young
  // under 55).
  std::map<std::string, int64_t> final_age;
  std::map<std::string, int> purchases;
  for (int i = 0; i < kCustomers; ++i) final_age[IdOf(i)] = age_of(i);
  for (const Written& w : written) {
    for (const auto& [id, age] : w.age) final_age[id] = age;
    for (const auto& [id, count] : w.purchases) purchases[id] = count;
  }

  // Every customer's changes, replayed in order, lead to what is stored
  // and to what its data say; each change moves; no refresh moves a
  // customer after a write moved it by the same version (the refresh read
  // it after that write, by the same rules, so it would undo the write).
  std::map<std::pair<std::string, std::string>, std::vector<v1::SegmentChange>> by_customer;
  int64_t refresh_changes = 0;
  for (const v1::SegmentChange& c : ChangesAfter(0)) {
    by_customer[{c.customer_id(), c.dimension()}].push_back(c);
    if (c.cause() == "refresh") ++refresh_changes;
  }
  int64_t reported = 0;
  for (const v1::RefreshSegmentsResponse& r : refreshes) reported += r.changes();
  EXPECT_EQ(refresh_changes, reported);
  EXPECT_GT(refresh_changes, 0);
  std::map<std::pair<std::string, std::string>, std::string> stored;
  for (const auto& [dimension, segment_names] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"age_group", {"young", "older"}}, {"buyer", {"none", "once", "regular"}}}) {
    for (const std::string& segment : segment_names) {
      for (const v1::SegmentMembership& m : Members(dimension, segment)) {
        EXPECT_TRUE(stored.emplace(std::pair{m.customer_id(), dimension}, segment).second);
      }
    }
  }
  ASSERT_EQ(stored.size(), 2u * kCustomers);
  int problems = 0;
  for (const auto& [customer_and_dimension, segment] : stored) {
    const auto& [customer, dimension] = customer_and_dimension;
    SCOPED_TRACE(customer + " " + dimension);
    std::string at;
    std::string written_by;  // the version of the last move by a write
    for (const v1::SegmentChange& c : by_customer[customer_and_dimension]) {
      if (c.from_segment() != at || c.from_segment() == c.to_segment()) {
        ADD_FAILURE() << "out of step from '" << at << "': " << Describe(c);
        ++problems;
      }
      if (c.cause() == "refresh" && c.ruleset_version() == written_by) {
        ADD_FAILURE() << "the refresh undid a write: " << Describe(c);
        ++problems;
      }
      if (c.cause() != "refresh") written_by = c.ruleset_version();
      at = c.to_segment();
    }
    if (at != segment) {
      ADD_FAILURE() << "the changes lead to '" << at << "', stored is '" << segment << "'";
      ++problems;
    }
    const int bought = purchases[customer];
    const std::string expected = dimension == "age_group"
                                     ? (final_age[customer] < 55 ? "young" : "older")
                                     : (bought >= 2   ? "regular"
                                        : bought == 1 ? "once"
                                                      : "none");
    if (segment != expected) {
      ADD_FAILURE() << "stored '" << segment << "', its data say '" << expected << "'";
      ++problems;
    }
    if (problems > 20) break;
  }
}

// AgeAndPurchases, and the month dimension: `december` in December, else
// `other`, so that customers move with the day alone.
std::string WithMonth(int young_below) {
  return AgeAndPurchases(young_below) +
         "  - id: month\n"
         "    rules:\n"
         "      - id: december\n"
         "        when: month(today()) == 12\n"
         "        segment: december\n"
         "    default: other\n";
}

// Waits up to `seconds` for `done`; whether it came.
bool Eventually(const std::function<bool()>& done, int seconds = 10) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_F(SegmentsApiTest, AVersionServedDuringARefreshIsNotUndoneByTheOlderOne) {
  // The refresh evaluates by the version served when it began. A write
  // between its batches, by a version served since, must not be undone by
  // the older version when the refresh reaches its customer.
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  constexpr int kCustomers = 2000;  // four batches
  ASSERT_NO_FATAL_FAILURE(Import(kCustomers, [](int i) -> int64_t { return 18 + i % 80; }));
  const std::string second = ServeNext(AgeAndPurchases(50));
  const int64_t before = LastSequence();
  const std::string last_id = IdOf(kCustomers - 1);  // 97: older by every version here
  std::string third;
  int calls = 0;
  v1::RefreshSegmentsResponse outcome;
  ASSERT_THAT(segments().Refresh(
                  "refresh", SegmentsApi::RefreshWhen::kAlways,
                  [&] {
                    // After the first batch: a third version (young under
                    // 60), and the last customer turns 55: young by it.
                    if (++calls == 2) {
                      third = ServeNext(AgeAndPurchases(60));
                      EXPECT_THAT(Upsert(last_id, 55), IsOk());
                    }
                    return false;
                  },
                  &outcome),
              IsOk());
  ASSERT_FALSE(third.empty());
  // It started over with the version served meanwhile.
  EXPECT_EQ(outcome.ruleset_version(), third);

  const std::vector<v1::SegmentChange> changes = ChangesAfter(before, last_id);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].from_segment(), "older");
  EXPECT_EQ(changes[0].to_segment(), "young");
  EXPECT_EQ(changes[0].cause(), "UpsertCustomer");
  EXPECT_EQ(changes[0].ruleset_version(), third);
  for (size_t i = 1; i < changes.size(); ++i) {
    ADD_FAILURE() << "the upsert's move by the served version was undone: " << Describe(changes[i])
                  << " by version " << changes[i].ruleset_version() << " (served: " << third << ")";
  }
  const v1::SegmentMembership stored = SegmentsOf(last_id)["age_group"];
  EXPECT_EQ(stored.segment(), "young") << "55 is young by the served version";
  EXPECT_EQ(stored.ruleset_version(), third);
}

TEST_F(SegmentsApiTest, TheBackgroundRefreshFollowsReloadsAndDays) {
  ASSERT_NO_FATAL_FAILURE(Serve(WithMonth(40)));
  served_->apis->set_today(*Date::Parse("2026-12-31"));
  ASSERT_THAT(Upsert("c-1", 45), IsOk());
  const std::string first = ServedVersion();
  SegmentRefresh background(&segments(), apis_->rulesets.reloader(), &served_->apis->holder(),
                            std::chrono::milliseconds(50));
  // It runs at once: the version was never refreshed. Nothing moves.
  ASSERT_TRUE(Eventually([&] { return segments().RefreshedVersion() == first; }));
  EXPECT_EQ(ChangesAfter(0).size(), 3u);  // c-1 entered its three segments

  // A reload: every customer by the new version, cause "ruleset".
  const int64_t before_reload = LastSequence();
  const std::string second = ServeNext(WithMonth(50));
  ASSERT_TRUE(Eventually([&] { return !ChangesAfter(before_reload).empty(); }));
  std::vector<v1::SegmentChange> changes = ChangesAfter(before_reload);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(Describe(changes[0]),
            std::to_string(changes[0].sequence()) + " c-1 age_group: 'older' -> 'young' (ruleset)");
  EXPECT_EQ(changes[0].ruleset_version(), second);
  ASSERT_TRUE(Eventually([&] { return segments().RefreshedVersion() == second; }));

  // A new day: cause "daily".
  const int64_t before_day = changes[0].sequence();
  served_->apis->set_today(*Date::Parse("2027-01-01"));
  ASSERT_TRUE(Eventually([&] { return !ChangesAfter(before_day).empty(); }));
  changes = ChangesAfter(before_day);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(Describe(changes[0]),
            std::to_string(changes[0].sequence()) + " c-1 month: 'december' -> 'other' (daily)");
  ASSERT_TRUE(Eventually([&] { return segments().RefreshedDay() == *Date::Parse("2027-01-01"); }));
  background.Stop();
}

TEST_F(SegmentsApiTest, AReloadDuringAnAskedForRefreshIsCaughtUpWith) {
  // segment_refresh.h: a reload wakes the background refresh at once. When
  // a refresh asked for (RefreshSegments) is running then, by the older
  // version, the newer one must still be refreshed, not an interval later:
  // the running refresh starts over with it, and the background one then
  // finds nothing left to do.
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  ASSERT_NO_FATAL_FAILURE(Import(1500, [](int i) -> int64_t { return 18 + i % 80; }));
  const std::string first = ServedVersion();
  SegmentRefresh background(&segments(), apis_->rulesets.reloader(), &served_->apis->holder(),
                            std::chrono::hours(1));
  ASSERT_TRUE(Eventually([&] { return segments().RefreshedVersion() == first; }));

  std::string second;
  int calls = 0;
  v1::RefreshSegmentsResponse outcome;
  ASSERT_THAT(segments().Refresh(
                  "refresh", SegmentsApi::RefreshWhen::kAlways,
                  [&] {
                    if (++calls == 2) {
                      second = ServeNext(AgeAndPurchases(50));
                      // Time for the background pass the reload woke.
                      std::this_thread::sleep_for(std::chrono::milliseconds(300));
                    }
                    return false;
                  },
                  &outcome),
              IsOk());
  ASSERT_FALSE(second.empty());
  // It started over with the version served meanwhile.
  EXPECT_EQ(outcome.ruleset_version(), second);
  const bool caught_up = Eventually([&] { return segments().RefreshedVersion() == second; }, 5);
  EXPECT_TRUE(caught_up) << "5 s after the refresh, the version refreshed is still "
                         << (segments().RefreshedVersion() == first ? "the first" : "another")
                         << "; the served one was never refreshed";
  // 40 .. 49 are young by the served version.
  EXPECT_EQ(SegmentsOf(IdOf(22))["age_group"].segment(), "young")
      << "a customer of 40 is still stored by the older version";
  background.Stop();
}

// The retail example: recency and frequency by cut points, monetary by the
// quintiles of the stored customers, which only a refresh computes.
class RfmTest : public SegmentsApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ServeDirectory(kRetail));
    today_ = *Date::Parse("2026-12-06");
    served_->apis->set_today(today_);
  }
  v1::GetRfmResponse Rfm(const std::string& customer = "") {
    v1::GetRfmRequest request;
    request.set_customer_id(customer);
    v1::GetRfmResponse response;
    EXPECT_THAT(segments().GetRfm(request, &response), IsOk()) << customer;
    return response;
  }
  static std::vector<std::string> Cuts(const v1::RfmMeasure& m) {
    return std::vector<std::string>(m.cuts().begin(), m.cuts().end());
  }
  Date today_;
};

TEST_F(RfmTest, MonetaryIsScoredOnceARefreshComputedTheQuintiles) {
  // m-01 .. m-10 each bought once, 200 days ago, for 100 .. 1000 yuan:
  // recency 2, frequency 1, and hibernating while monetary is unscored.
  const std::string day = Date::FromDays(today_.days() - 200).ToString();
  std::vector<std::string> ids;
  for (int k = 1; k <= 10; ++k) {
    const std::string id = (k < 10 ? "m-0" : "m-") + std::to_string(k);
    ids.push_back(id);
    ASSERT_THAT(Upsert(id, 30), IsOk());
    ASSERT_THAT(Purchase(id, "p-" + id, std::to_string(k * 100), day), IsOk());
  }
  const std::string version = ServedVersion();

  v1::GetRfmResponse model = Rfm();
  EXPECT_EQ(model.ruleset_version(), version);
  EXPECT_EQ(model.window_days(), 365);
  ASSERT_EQ(model.measures_size(), 3);
  EXPECT_EQ(model.measures(0).measure(), "recency");
  EXPECT_FALSE(model.measures(0).quantiles());
  EXPECT_THAT(Cuts(model.measures(0)), ElementsAre("30", "90", "180", "365"));
  EXPECT_EQ(model.measures(1).measure(), "frequency");
  EXPECT_THAT(Cuts(model.measures(1)), ElementsAre("2", "4", "8", "16"));
  EXPECT_EQ(model.measures(2).measure(), "monetary");
  EXPECT_TRUE(model.measures(2).quantiles());
  EXPECT_THAT(Cuts(model.measures(2)), IsEmpty()) << "never computed";
  EXPECT_FALSE(model.has_quantiles());

  v1::GetRfmResponse top = Rfm("m-10");
  EXPECT_EQ(top.recency_days(), 200);
  EXPECT_EQ(top.purchases(), 1);
  EXPECT_EQ(top.spent(), "1000");
  EXPECT_EQ(top.r(), 2);
  EXPECT_EQ(top.f(), 1);
  EXPECT_EQ(top.m(), 0);
  for (const std::string& id : ids) {
    EXPECT_EQ(SegmentsOf(id)["rfm_segment"].segment(), "hibernating") << id;
  }
  const int64_t before = LastSequence();

  const v1::RefreshSegmentsResponse refreshed = Refresh();
  ASSERT_TRUE(refreshed.has_rfm_quantiles()) << refreshed.DebugString();
  const v1::RfmQuantiles& q = refreshed.rfm_quantiles();
  EXPECT_EQ(q.window_days(), 365);
  EXPECT_EQ(q.customers(), 10);
  EXPECT_EQ(q.ruleset_version(), version);
  EXPECT_EQ(q.computed_at(), "2026-12-06T12:00:00.000Z");
  // The lowest spend above two tenths of the customers, four, six, eight.
  EXPECT_THAT(q.monetary(), ElementsAre("300", "500", "700", "900"));
  EXPECT_THAT(q.recency(), IsEmpty()) << "all alike";
  EXPECT_THAT(q.frequency(), IsEmpty()) << "all alike";
  EXPECT_EQ(refreshed.customers(), 10);
  EXPECT_EQ(refreshed.evaluation_errors(), 0) << refreshed.first_error();

  model = Rfm();
  ASSERT_TRUE(model.has_quantiles());
  EXPECT_EQ(model.quantiles().SerializeAsString(), q.SerializeAsString());
  ASSERT_EQ(model.measures_size(), 3);
  EXPECT_THAT(Cuts(model.measures(2)), ElementsAre("300", "500", "700", "900"));
  EXPECT_THAT(Cuts(model.measures(0)), ElementsAre("30", "90", "180", "365")) << "its own";
  for (int k = 1; k <= 10; ++k) {
    const v1::GetRfmResponse customer = Rfm(ids[k - 1]);
    // 1 plus the cut points the spend reaches.
    const int64_t m = 1 + (k >= 3) + (k >= 5) + (k >= 7) + (k >= 9);
    EXPECT_EQ(customer.m(), m) << ids[k - 1];
    EXPECT_EQ(customer.r(), 2) << ids[k - 1];
    EXPECT_EQ(customer.f(), 1) << ids[k - 1];
    EXPECT_EQ(customer.spent(), std::to_string(k * 100)) << ids[k - 1];
  }

  // Monetary 5 and recency 2: the two biggest spenders cannot be lost.
  const std::vector<v1::SegmentChange> changes = ChangesAfter(before);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(refreshed.changes(), 2);
  EXPECT_EQ(changes[0].customer_id(), "m-09");
  EXPECT_EQ(changes[1].customer_id(), "m-10");
  for (const v1::SegmentChange& c : changes) {
    EXPECT_EQ(c.dimension(), "rfm_segment");
    EXPECT_EQ(c.from_segment(), "hibernating");
    EXPECT_EQ(c.to_segment(), "cannot_lose");
    EXPECT_EQ(c.cause(), "refresh");
    EXPECT_EQ(c.ruleset_version(), version);
  }

  // A purchase today scores at once by the stored quintiles: m-01 is
  // recent, twice a buyer, and among the biggest spenders now.
  ASSERT_THAT(Purchase("m-01", "p-big", "5000"), IsOk());
  const v1::GetRfmResponse now = Rfm("m-01");
  EXPECT_EQ(now.recency_days(), 0);
  EXPECT_EQ(now.r(), 5);
  EXPECT_EQ(now.f(), 2);
  EXPECT_EQ(now.m(), 5);
  const std::vector<v1::SegmentChange> bought = ChangesAfter(changes.back().sequence(), "m-01");
  ASSERT_FALSE(bought.empty());
  bool moved = false;
  for (const v1::SegmentChange& c : bought) {
    EXPECT_EQ(c.cause(), "RecordPurchase") << Describe(c);
    if (c.dimension() == "rfm_segment") {
      moved = true;
      EXPECT_EQ(c.from_segment(), "hibernating");
      EXPECT_EQ(c.to_segment(), "potential_loyalist");
    }
  }
  EXPECT_TRUE(moved);
}

TEST_F(RfmTest, GetRfmOfAnUnknownOrMalformedCustomerIsRefused) {
  v1::GetRfmRequest request;
  request.set_customer_id("nobody");
  v1::GetRfmResponse response;
  EXPECT_THAT(segments().GetRfm(request, &response),
              StatusIs(absl::StatusCode::kNotFound, "nobody"));
  request.set_customer_id("not an id");
  EXPECT_THAT(segments().GetRfm(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "customer_id"));
}

TEST_F(SegmentsApiTest, GetRfmNeedsAnRfmFile) {
  ASSERT_NO_FATAL_FAILURE(ServeDirectory(testing::InProcessApis::kDefaultRules));
  v1::GetRfmResponse response;
  EXPECT_THAT(segments().GetRfm(v1::GetRfmRequest(), &response),
              StatusIs(absl::StatusCode::kFailedPrecondition, "no rfm file"));
  // A refresh computes no quantiles then, but still stores segments.
  ASSERT_THAT(Upsert("c-1", 30), IsOk());
  const v1::RefreshSegmentsResponse refreshed = Refresh();
  EXPECT_FALSE(refreshed.has_rfm_quantiles());
  EXPECT_EQ(refreshed.customers(), 1);
  EXPECT_EQ(refreshed.changes(), 0);
  EXPECT_EQ(SegmentsOf("c-1").size(), 4u) << "the default rules' four dimensions";
}

TEST_F(SegmentsApiTest, ListSegmentMembersPagesInIdOrder) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  // 25 young (even), 25 older (odd).
  ASSERT_NO_FATAL_FAILURE(Import(50, [](int i) -> int64_t { return i % 2 == 0 ? 20 : 60; }));

  v1::ListSegmentMembersRequest request;
  request.set_dimension("age_group");
  request.set_segment("young");
  request.set_page_size(10);
  std::vector<std::string> ids;
  std::vector<int> sizes;
  for (int page = 0; page < 10; ++page) {
    v1::ListSegmentMembersResponse response;
    ASSERT_THAT(segments().ListSegmentMembers(request, &response), IsOk());
    sizes.push_back(response.members_size());
    for (const v1::SegmentMembership& m : response.members()) {
      EXPECT_EQ(m.dimension(), "age_group");
      EXPECT_EQ(m.segment(), "young");
      EXPECT_EQ(m.ruleset_version(), ServedVersion());
      EXPECT_FALSE(m.since().empty());
      EXPECT_FALSE(m.computed_at().empty());
      ids.push_back(m.customer_id());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(sizes, ElementsAre(10, 10, 5));
  std::vector<std::string> expected;
  for (int i = 0; i < 50; i += 2) expected.push_back(IdOf(i));
  EXPECT_EQ(ids, expected);

  // Exactly a page: no token after it.
  EXPECT_EQ(Members("age_group", "older", 25).size(), 25u);
  // Names the served rules do not have are refused, with a did-you-mean.
  v1::ListSegmentMembersRequest unknown;
  unknown.set_dimension("age_group");
  unknown.set_segment("yuong");
  v1::ListSegmentMembersResponse none;
  EXPECT_THAT(segments().ListSegmentMembers(unknown, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'young'"));
  unknown.set_dimension("age_grup");
  unknown.set_segment("young");
  EXPECT_THAT(segments().ListSegmentMembers(unknown, &none),
              StatusIs(absl::StatusCode::kInvalidArgument, "did you mean 'age_group'"));

  // A token is good only for the request it came with.
  request.clear_page_token();
  v1::ListSegmentMembersResponse first;
  ASSERT_THAT(segments().ListSegmentMembers(request, &first), IsOk());
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListSegmentMembersRequest other;
  other.set_dimension("age_group");
  other.set_segment("older");
  other.set_page_size(10);
  other.set_page_token(first.next_page_token());
  v1::ListSegmentMembersResponse refused;
  EXPECT_THAT(segments().ListSegmentMembers(other, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  other.set_page_token("garbage");
  EXPECT_THAT(segments().ListSegmentMembers(other, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  // The dimension and segment are required; page_size within 0..1000.
  v1::ListSegmentMembersRequest bad;
  bad.set_segment("young");
  EXPECT_THAT(segments().ListSegmentMembers(bad, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, "dimension"));
  bad.set_dimension("age_group");
  bad.clear_segment();
  EXPECT_THAT(segments().ListSegmentMembers(bad, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, "segment"));
  bad.set_segment("young");
  bad.set_page_size(1001);
  EXPECT_THAT(segments().ListSegmentMembers(bad, &refused),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

TEST_F(SegmentsApiTest, GetCustomerSegmentsRefusesUnknownAndMalformedIds) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  v1::GetCustomerSegmentsRequest request;
  v1::GetCustomerSegmentsResponse response;
  EXPECT_THAT(segments().GetCustomerSegments(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "customer_id"));
  request.set_customer_id("not an id");
  EXPECT_THAT(segments().GetCustomerSegments(request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "customer_id"));
  request.set_customer_id("nobody");
  EXPECT_THAT(segments().GetCustomerSegments(request, &response),
              StatusIs(absl::StatusCode::kNotFound, "nobody"));
}

// A reader resuming after a sequence this database never had (its
// changes came from before a restore) is told so, rather than having the
// changes to come taken for seen.
TEST_F(SegmentsApiTest, ResumingPastTheLastStoredChangeIsOutOfRange) {
  ASSERT_NO_FATAL_FAILURE(Serve(AgeAndPurchases(40)));
  ASSERT_THAT(Upsert("c-1", 30), IsOk());
  const int64_t last = LastSequence();
  ASSERT_GT(last, 0);
  v1::WatchSegmentChangesRequest request;
  std::vector<v1::SegmentChange> page;
  request.set_after_sequence(last);  // the last one stored: nothing after it, fine
  EXPECT_THAT(segments().StoredChanges(request, last, 1000, &page), IsOk());
  EXPECT_THAT(page, IsEmpty());
  request.set_after_sequence(last + 1000);
  EXPECT_THAT(segments().StoredChanges(request, last + 1000, 1000, &page),
              StatusIs(absl::StatusCode::kOutOfRange, "past the last change stored"));
}

}  // namespace
}  // namespace clientele::server
