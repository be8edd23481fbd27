// Events.RecordEvent through the API classes in process (no gRPC), on the
// retail example ruleset (config/examples/retail-programme: Shanghai time;
// events.yaml: reviews earn 10 points, at most 3 a month, 5 more with a
// photo; the first app login of a day earns 1, one after more than 90 days
// away 50 more; a completed referral credits 200 to the referrer, once per
// friend). Each credit is a ledger entry of the customer who gets it; the
// limits count per the event's customer over the period of the event's day
// in the programme's time zone (a month ends at Shanghai's midnight, 16:00
// UTC); the login rules read the stored events; a refused event changes
// nothing; a retry with its key replays, whatever the order of its
// attributes.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/customer.h"
#include "server/api/apis.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using rules::Date;
using ::testing::HasSubstr;

using Attributes = std::vector<std::pair<std::string, std::string>>;

constexpr char kRetail[] = CLIENTELE_SOURCE_DIR "/config/examples/retail-programme";

struct RetailServer {
  RetailServer() : in_process(kRetail) {}
  testing::InProcessApis in_process;
};

class CustomEventsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RetailServer>();
    ASSERT_NE(server_->in_process.apis(), nullptr);
    apis_ = server_->in_process.apis();
    // Noon UTC: 20:00 the same day in Shanghai.
    today_ = *Date::Parse("2026-12-06");
    server_->in_process.set_today(today_);
    ASSERT_NO_FATAL_FAILURE(Upsert("c-1"));
  }

  std::string Key() { return "key-" + std::to_string(++keys_); }
  std::string DaysBefore(int days) const { return Date::FromDays(today_.days() - days).ToString(); }

  void Upsert(const std::string& id) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(Key());
    request.mutable_customer()->set_id(id);
    v1::UpsertCustomerResponse response;
    ASSERT_THAT(apis_->customers.UpsertCustomer(request, &response), IsOk());
  }

  // RecordEvent with the attributes put in the map in the order given;
  // a new idempotency key unless one is given.
  absl::Status Record(const std::string& customer, const std::string& type,
                      const Attributes& attributes, const std::string& occurred_at,
                      v1::RecordEventResponse* response, const std::string& key = "") {
    v1::RecordEventRequest request;
    request.set_idempotency_key(key.empty() ? Key() : key);
    request.set_customer_id(customer);
    request.set_type(type);
    for (const auto& [name, value] : attributes) (*request.mutable_attributes())[name] = value;
    request.set_occurred_at(occurred_at);
    return apis_->events.RecordEvent(request, response);
  }

  // A review of c-1 without a photo, which must be recorded.
  v1::RecordEventResponse Review(const std::string& occurred_at) {
    v1::RecordEventResponse response;
    EXPECT_THAT(
        Record("c-1", "review", {{"stars", "5"}, {"product", "产品A"}}, occurred_at, &response),
        IsOk())
        << occurred_at;
    return response;
  }

  v1::RecordEventResponse Login(const std::string& customer, const std::string& occurred_at) {
    v1::RecordEventResponse response;
    EXPECT_THAT(Record(customer, "app_login", {}, occurred_at, &response), IsOk()) << occurred_at;
    return response;
  }

  int64_t Balance(const std::string& id) {
    v1::GetPointsRequest request;
    request.set_customer_id(id);
    v1::GetPointsResponse response;
    EXPECT_THAT(apis_->loyalty.GetPoints(request, &response), IsOk()) << id;
    return response.points().balance();
  }

  std::vector<v1::LedgerEntry> Ledger(const std::string& id) {
    v1::GetLedgerRequest request;
    request.set_customer_id(id);
    request.set_page_size(1000);
    v1::GetLedgerResponse response;
    EXPECT_THAT(apis_->reports.GetLedger(request, &response), IsOk()) << id;
    return std::vector<v1::LedgerEntry>(response.entries().begin(), response.entries().end());
  }

  void MoveTo(int days_later) {
    today_ = Date::FromDays(today_.days() + days_later);
    server_->in_process.set_today(today_);
  }

  std::unique_ptr<RetailServer> server_;
  Apis* apis_ = nullptr;
  Date today_;
  int keys_ = 0;
};

TEST_F(CustomEventsApiTest, AReviewCreditsTenPointsByALedgerEntryOfTheEvent) {
  ASSERT_EQ(Balance("c-1"), 0);
  const v1::RecordEventResponse r = Review("");
  EXPECT_GT(r.event_id(), 0);
  EXPECT_EQ(r.type(), "review");
  EXPECT_EQ(r.day(), "2026-12-06");                   // "" is now: today in Shanghai
  ASSERT_EQ(r.credits_size(), 1) << r.DebugString();  // no photo: no bonus
  const v1::EventCredit& credit = r.credits(0);
  EXPECT_EQ(credit.rule_id(), "review_points");
  EXPECT_EQ(credit.customer_id(), "c-1");
  EXPECT_EQ(credit.to_attribute(), "");
  EXPECT_EQ(credit.points(), 10);
  EXPECT_EQ(credit.rule_points(), 10);
  EXPECT_EQ(credit.limit(), "3 times a month");
  EXPECT_EQ(credit.used_times_before(), 0);
  EXPECT_FALSE(credit.limited());
  EXPECT_GT(credit.ledger_entry_id(), 0);
  EXPECT_EQ(r.points_balance(), 10);
  EXPECT_FALSE(r.ruleset_version().empty());
  EXPECT_EQ(Balance("c-1"), 10);

  const std::vector<v1::LedgerEntry> ledger = Ledger("c-1");
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger[0].entry_id(), credit.ledger_entry_id());
  EXPECT_EQ(ledger[0].delta(), 10);
  EXPECT_EQ(ledger[0].reason(), "event");
  EXPECT_EQ(ledger[0].rule_id(), "review_points");
  EXPECT_EQ(ledger[0].source(), "event:" + std::to_string(r.event_id()));
  EXPECT_EQ(ledger[0].note(), "review");
  EXPECT_EQ(ledger[0].balance_after(), 10);

  // With a photo: both rules credit, each by an entry of its own.
  v1::RecordEventResponse photo;
  ASSERT_THAT(Record("c-1", "review",
                     {{"stars", "4.5"}, {"product", "产品B"}, {"with_photo", "yes"}}, "", &photo),
              IsOk());
  ASSERT_EQ(photo.credits_size(), 2) << photo.DebugString();
  EXPECT_EQ(photo.credits(0).rule_id(), "review_points");
  EXPECT_EQ(photo.credits(0).points(), 10);
  EXPECT_EQ(photo.credits(0).used_times_before(), 1);
  EXPECT_EQ(photo.credits(1).rule_id(), "photo_review_bonus");
  EXPECT_EQ(photo.credits(1).points(), 5);
  EXPECT_NE(photo.credits(0).ledger_entry_id(), photo.credits(1).ledger_entry_id());
  EXPECT_GT(photo.event_id(), r.event_id());
  EXPECT_EQ(photo.points_balance(), 25);
  EXPECT_EQ(Balance("c-1"), 25);
  EXPECT_EQ(Ledger("c-1").size(), 3u);
}

TEST_F(CustomEventsApiTest, TheMonthlyLimitEndsAtShanghaisMidnight) {
  const v1::RecordEventResponse first = Review("2026-11-05T10:00:00+08:00");
  const v1::RecordEventResponse second = Review("2026-11-18T09:00:00Z");
  const v1::RecordEventResponse third = Review("2026-11-30T23:30:00+08:00");
  int used = 0;
  for (const v1::RecordEventResponse* r : {&first, &second, &third}) {
    ASSERT_EQ(r->credits_size(), 1) << r->DebugString();
    EXPECT_EQ(r->credits(0).points(), 10);
    EXPECT_EQ(r->credits(0).used_times_before(), used++);
    EXPECT_FALSE(r->credits(0).limited());
    EXPECT_GT(r->credits(0).ledger_entry_id(), 0);
  }
  EXPECT_EQ(first.day(), "2026-11-05");
  EXPECT_EQ(second.day(), "2026-11-18");
  EXPECT_EQ(third.day(), "2026-11-30");
  EXPECT_EQ(Balance("c-1"), 30);

  // 15:59:59 UTC is 23:59:59 in Shanghai: still November, the fourth.
  const v1::RecordEventResponse fourth = Review("2026-11-30T15:59:59Z");
  EXPECT_EQ(fourth.day(), "2026-11-30");
  ASSERT_EQ(fourth.credits_size(), 1) << fourth.DebugString();
  EXPECT_EQ(fourth.credits(0).rule_id(), "review_points");
  EXPECT_EQ(fourth.credits(0).points(), 0);
  EXPECT_EQ(fourth.credits(0).rule_points(), 10);
  EXPECT_TRUE(fourth.credits(0).limited());
  EXPECT_EQ(fourth.credits(0).used_times_before(), 3);
  EXPECT_EQ(fourth.credits(0).used_points_before(), 30);
  EXPECT_EQ(fourth.credits(0).ledger_entry_id(), 0);
  EXPECT_GT(fourth.event_id(), third.event_id());  // recorded all the same
  EXPECT_EQ(fourth.points_balance(), 30);
  EXPECT_EQ(Balance("c-1"), 30);
  EXPECT_EQ(Ledger("c-1").size(), 3u);

  // 17:00 UTC on 30 November is 01:00 on 1 December in Shanghai: a new
  // month, though it is still November in UTC.
  const v1::RecordEventResponse december = Review("2026-11-30T17:00:00Z");
  EXPECT_EQ(december.day(), "2026-12-01");
  ASSERT_EQ(december.credits_size(), 1) << december.DebugString();
  EXPECT_EQ(december.credits(0).points(), 10);
  EXPECT_EQ(december.credits(0).used_times_before(), 0);
  EXPECT_FALSE(december.credits(0).limited());
  EXPECT_EQ(Balance("c-1"), 40);

  // And November stays used up: one more dated there earns nothing.
  const v1::RecordEventResponse late = Review("2026-11-01T00:00:00+08:00");
  EXPECT_EQ(late.day(), "2026-11-01");
  ASSERT_EQ(late.credits_size(), 1);
  EXPECT_EQ(late.credits(0).points(), 0);
  EXPECT_EQ(late.credits(0).used_times_before(), 3);
  EXPECT_EQ(Balance("c-1"), 40);
}

TEST_F(CustomEventsApiTest, AReferralCreditsTheReferrerOncePerFriend) {
  ASSERT_NO_FATAL_FAILURE(Upsert("friend"));
  ASSERT_NO_FATAL_FAILURE(Upsert("ref"));
  v1::RecordEventResponse first;
  ASSERT_THAT(
      Record("friend", "referral_completed", {{"referrer_id", "ref"}}, "", &first, "referral-1"),
      IsOk());
  ASSERT_EQ(first.credits_size(), 1) << first.DebugString();
  const v1::EventCredit& credit = first.credits(0);
  EXPECT_EQ(credit.rule_id(), "referral_reward");
  EXPECT_EQ(credit.customer_id(), "ref");
  EXPECT_EQ(credit.to_attribute(), "referrer_id");
  EXPECT_EQ(credit.points(), 200);
  EXPECT_EQ(credit.limit(), "once");
  EXPECT_FALSE(credit.limited());
  EXPECT_GT(credit.ledger_entry_id(), 0);
  EXPECT_EQ(first.points_balance(), 0);  // the friend's
  EXPECT_EQ(Balance("friend"), 0);
  EXPECT_TRUE(Ledger("friend").empty());
  EXPECT_EQ(Balance("ref"), 200);
  std::vector<v1::LedgerEntry> ledger = Ledger("ref");
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger[0].entry_id(), credit.ledger_entry_id());
  EXPECT_EQ(ledger[0].delta(), 200);
  EXPECT_EQ(ledger[0].reason(), "event");
  EXPECT_EQ(ledger[0].rule_id(), "referral_reward");
  EXPECT_EQ(ledger[0].source(), "event:" + std::to_string(first.event_id()));
  EXPECT_EQ(ledger[0].note(), "referral_completed of customer friend");

  // A retry with the same key: the same response, no second credit.
  v1::RecordEventResponse retried;
  ASSERT_THAT(
      Record("friend", "referral_completed", {{"referrer_id", "ref"}}, "", &retried, "referral-1"),
      IsOk());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString()) << retried.DebugString();
  EXPECT_EQ(Balance("ref"), 200);
  EXPECT_EQ(Ledger("ref").size(), 1u);

  // The same friend's referral again, a new request: the limit is used.
  v1::RecordEventResponse again;
  ASSERT_THAT(
      Record("friend", "referral_completed", {{"referrer_id", "ref"}}, "", &again, "referral-2"),
      IsOk());
  EXPECT_NE(again.event_id(), first.event_id());
  ASSERT_EQ(again.credits_size(), 1) << again.DebugString();
  EXPECT_EQ(again.credits(0).customer_id(), "ref");
  EXPECT_EQ(again.credits(0).points(), 0);
  EXPECT_EQ(again.credits(0).rule_points(), 200);
  EXPECT_TRUE(again.credits(0).limited());
  EXPECT_EQ(again.credits(0).used_times_before(), 1);
  EXPECT_EQ(again.credits(0).ledger_entry_id(), 0);
  EXPECT_EQ(Balance("ref"), 200);
  EXPECT_EQ(Ledger("ref").size(), 1u);

  // Another friend's referral earns the referrer 200 more: the limit
  // counts per friend, not per referrer.
  ASSERT_NO_FATAL_FAILURE(Upsert("friend-2"));
  v1::RecordEventResponse other;
  ASSERT_THAT(Record("friend-2", "referral_completed", {{"referrer_id", "ref"}}, "", &other),
              IsOk());
  ASSERT_EQ(other.credits_size(), 1);
  EXPECT_EQ(other.credits(0).points(), 200);
  EXPECT_EQ(other.credits(0).used_times_before(), 0);
  EXPECT_EQ(Balance("ref"), 400);
  ledger = Ledger("ref");
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[1].note(), "referral_completed of customer friend-2");
  EXPECT_EQ(Balance("friend"), 0);
  EXPECT_EQ(Balance("friend-2"), 0);
}

TEST_F(CustomEventsApiTest, BadEventsAreRefusedNamingTheFieldAndChangeNothing) {
  using absl::StatusCode;
  ASSERT_NO_FATAL_FAILURE(Upsert("ref"));
  const v1::RecordEventResponse before = Review("");
  ASSERT_EQ(Balance("c-1"), 10);
  const Attributes review = {{"stars", "5"}, {"product", "产品A"}};
  v1::RecordEventResponse r;

  const absl::Status unknown_type = Record("c-1", "reveiw", review, "", &r);
  EXPECT_THAT(unknown_type, StatusIs(StatusCode::kInvalidArgument, "type"));
  EXPECT_THAT(std::string(unknown_type.message()), HasSubstr("'reveiw'"));
  EXPECT_THAT(std::string(unknown_type.message()), HasSubstr("did you mean 'review'"));
  for (const char* declared : {"review", "app_login", "referral_completed"}) {
    EXPECT_THAT(std::string(unknown_type.message()), HasSubstr(declared));
  }

  const absl::Status unknown_attribute =
      Record("c-1", "review", {{"stars", "5"}, {"product", "产品A"}, {"star", "4"}}, "", &r);
  EXPECT_THAT(unknown_attribute, StatusIs(StatusCode::kInvalidArgument, "'star'"));
  EXPECT_THAT(std::string(unknown_attribute.message()), HasSubstr("did you mean 'stars'"));

  EXPECT_THAT(Record("c-1", "review", {{"stars", "5"}}, "", &r),
              StatusIs(StatusCode::kInvalidArgument, "'product'"));
  const absl::Status not_a_number =
      Record("c-1", "review", {{"stars", "five"}, {"product", "产品A"}}, "", &r);
  EXPECT_THAT(not_a_number, StatusIs(StatusCode::kInvalidArgument, "'stars'"));
  EXPECT_THAT(std::string(not_a_number.message()), HasSubstr("number"));

  EXPECT_THAT(Record("c-1", "referral_completed", {{"referrer_id", "c-1"}}, "", &r),
              StatusIs(StatusCode::kInvalidArgument, "attributes.referrer_id"));
  // Checked in the write's transaction: its key stays unused.
  const absl::Status no_referrer =
      Record("c-1", "referral_completed", {{"referrer_id", "ghost"}}, "", &r, "bad-referrer");
  EXPECT_THAT(no_referrer, StatusIs(StatusCode::kInvalidArgument, "attributes.referrer_id"));
  EXPECT_THAT(std::string(no_referrer.message()), HasSubstr("ghost"));

  EXPECT_THAT(Record("c-1", "review", review, "2026-11-30 10:00", &r),
              StatusIs(StatusCode::kInvalidArgument, "occurred_at"));
  EXPECT_THAT(Record("c-1", "review", review, "2026-12-06T10:00:00", &r),  // no offset
              StatusIs(StatusCode::kInvalidArgument, "occurred_at"));
  // Tomorrow in Shanghai (16:30 UTC on the 6th is 00:30 on the 7th).
  EXPECT_THAT(Record("c-1", "review", review, "2026-12-06T16:30:00Z", &r),
              StatusIs(StatusCode::kInvalidArgument, "occurred_at"));
  EXPECT_THAT(Record("c-1", "review", review, "2026-12-07T09:00:00+08:00", &r),
              StatusIs(StatusCode::kInvalidArgument, "future"));

  EXPECT_THAT(Record("nobody", "review", review, "", &r),
              StatusIs(StatusCode::kNotFound, "nobody"));

  // Nothing changed: no points, no ledger entry, no event (the next one
  // gets the next id, and the month's limit counts one review before it).
  EXPECT_EQ(Balance("c-1"), 10);
  EXPECT_EQ(Balance("ref"), 0);
  EXPECT_EQ(Ledger("c-1").size(), 1u);
  EXPECT_TRUE(Ledger("ref").empty());
  const v1::RecordEventResponse after = Review("");
  EXPECT_EQ(after.event_id(), before.event_id() + 1);
  ASSERT_EQ(after.credits_size(), 1);
  EXPECT_EQ(after.credits(0).used_times_before(), 1);
  EXPECT_EQ(Balance("c-1"), 20);

  // The key of the request refused in its transaction was not kept.
  v1::RecordEventResponse referral;
  ASSERT_THAT(
      Record("c-1", "referral_completed", {{"referrer_id", "ref"}}, "", &referral, "bad-referrer"),
      IsOk());
  ASSERT_EQ(referral.credits_size(), 1);
  EXPECT_EQ(referral.credits(0).points(), 200);
  EXPECT_EQ(Balance("ref"), 200);
}

TEST_F(CustomEventsApiTest, LoginsEarnByTheStoredEvents) {
  // A login 100 days ago, then today's: the first of today, and after
  // more than 90 days away.
  const v1::RecordEventResponse long_ago = Login("c-1", DaysBefore(100) + "T09:00:00+08:00");
  EXPECT_EQ(long_ago.day(), DaysBefore(100));
  ASSERT_GE(long_ago.credits_size(), 1) << long_ago.DebugString();
  EXPECT_EQ(long_ago.credits(0).rule_id(), "daily_login");
  const int64_t balance = Balance("c-1");

  const v1::RecordEventResponse today = Login("c-1", "");
  EXPECT_EQ(today.day(), "2026-12-06");
  ASSERT_EQ(today.credits_size(), 2) << today.DebugString();
  EXPECT_EQ(today.credits(0).rule_id(), "daily_login");
  EXPECT_EQ(today.credits(0).points(), 1);
  EXPECT_EQ(today.credits(1).rule_id(), "welcome_back");
  EXPECT_EQ(today.credits(1).points(), 50);
  EXPECT_GT(today.credits(1).ledger_entry_id(), 0);
  EXPECT_EQ(today.points_balance(), balance + 51);
  EXPECT_EQ(Balance("c-1"), balance + 51);

  // A second login today: neither rule holds any more.
  const v1::RecordEventResponse again = Login("c-1", "2026-12-06T08:00:00Z");
  EXPECT_EQ(again.day(), "2026-12-06");
  EXPECT_EQ(again.credits_size(), 0) << again.DebugString();
  EXPECT_EQ(again.points_balance(), balance + 51);
  EXPECT_EQ(Balance("c-1"), balance + 51);

  // Tomorrow's first login: the daily point only.
  MoveTo(1);
  const v1::RecordEventResponse tomorrow = Login("c-1", "");
  ASSERT_EQ(tomorrow.credits_size(), 1) << tomorrow.DebugString();
  EXPECT_EQ(tomorrow.credits(0).rule_id(), "daily_login");
  EXPECT_EQ(tomorrow.credits(0).points(), 1);
  EXPECT_EQ(Balance("c-1"), balance + 52);
}

TEST_F(CustomEventsApiTest, ABackdatedLoginSeesTheLoginsBeforeItsOwnDay) {
  Login("c-1", DaysBefore(100) + "T09:00:00+08:00");
  Login("c-1", "");  // today: the latest login of all
  // Recorded now, dated 50 days ago: 50 days after the one before it, so no
  // welcome back (the latest login, today's, is after it and does not count).
  const v1::RecordEventResponse backdated = Login("c-1", DaysBefore(50) + "T09:00:00+08:00");
  EXPECT_EQ(backdated.day(), DaysBefore(50));
  ASSERT_EQ(backdated.credits_size(), 1) << backdated.DebugString();
  EXPECT_EQ(backdated.credits(0).rule_id(), "daily_login");
  // Dated 95 days after the first: a welcome back, as it was then.
  const v1::RecordEventResponse later = Login("c-1", DaysBefore(5) + "T09:00:00+08:00");
  ASSERT_EQ(later.credits_size(), 1) << later.DebugString();  // 45 days after the one of 50 ago
  const v1::RecordEventResponse second = Login("c-1", DaysBefore(99) + "T09:00:00+08:00");
  ASSERT_EQ(second.credits_size(), 1) << second.DebugString();  // a day after the first
  EXPECT_EQ(second.credits(0).rule_id(), "daily_login");
}

TEST_F(CustomEventsApiTest, BackAfterExactlyNinetyDaysIsNoWelcomeBack) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2"));
  Login("c-2", DaysBefore(90) + "T12:00:00+08:00");
  const int64_t balance = Balance("c-2");
  const v1::RecordEventResponse today = Login("c-2", "");
  ASSERT_EQ(today.credits_size(), 1) << today.DebugString();
  EXPECT_EQ(today.credits(0).rule_id(), "daily_login");
  EXPECT_EQ(Balance("c-2"), balance + 1);
}

TEST_F(CustomEventsApiTest, AKeyRefusesAnotherRequestButNotAnotherOrderOfItsAttributes) {
  v1::RecordEventResponse first;
  ASSERT_THAT(Record("c-1", "review", {{"stars", "5"}, {"product", "产品A"}, {"with_photo", "yes"}},
                     "", &first, "same"),
              IsOk());
  ASSERT_EQ(first.credits_size(), 2) << first.DebugString();
  EXPECT_EQ(Balance("c-1"), 15);

  // Another request under the key: refused, nothing recorded.
  v1::RecordEventResponse other;
  EXPECT_THAT(Record("c-1", "review", {{"stars", "4"}, {"product", "产品A"}, {"with_photo", "yes"}},
                     "", &other, "same"),
              StatusIs(absl::StatusCode::kAlreadyExists, "idempotency_key"));
  EXPECT_EQ(Balance("c-1"), 15);

  // The same attributes put in the map in another order: the same
  // request, replayed.
  v1::RecordEventResponse reordered;
  ASSERT_THAT(Record("c-1", "review", {{"with_photo", "yes"}, {"product", "产品A"}, {"stars", "5"}},
                     "", &reordered, "same"),
              IsOk());
  EXPECT_EQ(reordered.SerializeAsString(), first.SerializeAsString()) << reordered.DebugString();
  EXPECT_EQ(Balance("c-1"), 15);
  EXPECT_EQ(Ledger("c-1").size(), 2u);

  // The next review counts one before it in the month, not two.
  const v1::RecordEventResponse next = Review("");
  EXPECT_EQ(next.event_id(), first.event_id() + 1);
  ASSERT_EQ(next.credits_size(), 1);
  EXPECT_EQ(next.credits(0).used_times_before(), 1);
}

}  // namespace
}  // namespace clientele::server
