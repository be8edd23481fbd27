// The decision log end to end: the real clienteled with decision_log in
// its config samples Evaluate and EvaluateMany, masks the personal fields,
// keeps the newest max_entries, and serves them with ListLoggedDecisions
// (filters, pages, bad requests), and writes what is queued on SIGTERM.
// Also the log's own parts without gRPC: sampling, the bounded queue,
// Stop, and retention (by age and count, and at the start) in the store.
#include "server/api/decision_log.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/sqlite/sqlite_store.h"
#include "server/store/store.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DecisionLogTest : public ServerTest {
 protected:
  void SetUp() override {}

  void StartWithLog(const std::string& settings) {
    ASSERT_NO_FATAL_FAILURE(StartServer("decision_log: " + settings + "\n"));
  }

  grpc::Status List(const v1::ListLoggedDecisionsRequest& request,
                    v1::ListLoggedDecisionsResponse* response) {
    return Call(decisions_, &v1::Decisions::Stub::ListLoggedDecisions, request, response);
  }

  // The log once it holds `count` entries (they are written in batches, a
  // moment after their decisions); fails the test after 10 s.
  v1::ListLoggedDecisionsResponse WaitForEntries(
      int count, v1::ListLoggedDecisionsRequest request = v1::ListLoggedDecisionsRequest()) {
    v1::ListLoggedDecisionsResponse response;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      response.Clear();
      const grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || response.decisions_size() >= count) return response;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the log holds " << response.decisions_size() << " entries, not " << count;
    return response;
  }

  v1::Customer Customer(const std::string& id, const std::string& name,
                        const std::string& birthday) {
    v1::Customer c = ZhangSan();
    c.set_id(id);
    c.set_name(name);
    c.set_birthday(birthday);
    return c;
  }

  void UpsertAll(const std::vector<v1::Customer>& customers) {
    for (const v1::Customer& c : customers) {
      v1::UpsertCustomerResponse response;
      ASSERT_TRUE(Upsert(c, "upsert-" + c.id(), &response).ok());
    }
  }
};

TEST_F(DecisionLogTest, OffUnlessConfigured) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  UpsertAll({ZhangSan()});
  Evaluate("c-1");
  v1::ListLoggedDecisionsResponse response;
  ASSERT_TRUE(List({}, &response).ok());
  EXPECT_EQ(response.decisions_size(), 0);
  EXPECT_EQ(response.settings().sample_rate(), 0);
}

TEST_F(DecisionLogTest, KeepsTheRequestMaskedAndTheDecisionAsServed) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1, max_entries: 100, max_age_days: 7}"));
  UpsertAll({Customer("c-1", "张三丰", "1990-03-15")});
  v1::EvaluateRequest request;
  request.set_customer_id("c-1");
  request.set_explain(true);
  request.set_today("2026-11-24");
  v1::EvaluateResponse served;
  ASSERT_TRUE(Call(decisions_, &v1::Decisions::Stub::Evaluate, request, &served).ok());
  v1::EvaluateRequest inline_request;
  *inline_request.mutable_customer() = Customer("walk-in", "Li Si", "1985-12-01");
  ASSERT_TRUE(Call(decisions_, &v1::Decisions::Stub::Evaluate, inline_request, &served).ok());

  const v1::ListLoggedDecisionsResponse log = WaitForEntries(2);
  ASSERT_EQ(log.decisions_size(), 2);
  EXPECT_EQ(log.settings().sample_rate(), 1);
  EXPECT_EQ(log.settings().max_entries(), 100);
  EXPECT_EQ(log.settings().max_age_days(), 7);
  EXPECT_EQ(log.next_page_token(), "");

  const v1::LoggedDecision& newest = log.decisions(0);  // the inline one
  EXPECT_EQ(newest.method(), "Evaluate");
  EXPECT_EQ(newest.caller(), "test-admin");
  EXPECT_EQ(newest.request().subject(), "inline");
  EXPECT_EQ(newest.request().customer().id(), "walk-in");
  EXPECT_EQ(newest.request().customer().name(), "L**");
  EXPECT_EQ(newest.request().customer().birthday(), "****-12-**");
  EXPECT_EQ(newest.decision().segments_size(), served.decision().segments_size());
  EXPECT_EQ(newest.decision().ruleset_version(), served.decision().ruleset_version());

  const v1::LoggedDecision& stored = log.decisions(1);
  EXPECT_LT(stored.id(), newest.id());
  EXPECT_LE(stored.recorded_at(), newest.recorded_at());
  EXPECT_EQ(stored.request().subject(), "stored");
  EXPECT_EQ(stored.request().today(), "2026-11-24");
  EXPECT_TRUE(stored.request().explain());
  EXPECT_EQ(stored.request().customer().name(), "张**");
  EXPECT_EQ(stored.request().customer().birthday(), "****-03-**");
  EXPECT_EQ(stored.request().customer().age(), 25);  // rules decide on it: kept
  EXPECT_EQ(stored.decision().customer_id(), "c-1");
  EXPECT_EQ(stored.decision().explanation_size(), 0);  // asked for, served, not logged
  EXPECT_GT(stored.decision().segments_size(), 0);

  // The database holds no personal field in full either.
  StopServer();
  std::ifstream database(server_.database(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(database)), {});
  std::string wal;
  if (std::ifstream in(server_.database() + "-wal", std::ios::binary); in) {
    wal.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_THAT(bytes + wal, Not(HasSubstr("Li Si")));
  EXPECT_THAT(bytes + wal, Not(HasSubstr("1985-12-01")));
}

TEST_F(DecisionLogTest, SamplesTheConfiguredShareExactly) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 0.25}"));
  UpsertAll({ZhangSan()});
  for (int i = 0; i < 12; ++i) Evaluate("c-1");
  // Twelve decisions at a quarter: three (the 2nd, 5th and 10th), and no
  // more arrive.
  EXPECT_EQ(WaitForEntries(3).decisions_size(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  v1::ListLoggedDecisionsResponse response;
  ASSERT_TRUE(List({}, &response).ok());
  EXPECT_EQ(response.decisions_size(), 3);
}

TEST_F(DecisionLogTest, TheStartLineShowsTheSettings) {
  server_.set_log_level("info");
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 0.25, max_entries: 500, max_age_days: 7}"));
  // Once "sample_rate=" came with no readable value (a double taken as a char).
  EXPECT_THAT(server_.ReadLog(),
              HasSubstr("event=decision_log sample_rate=0.25 max_entries=500 max_age_days=7\n"));
}

TEST_F(DecisionLogTest, EvaluateManyLogsEachDecisionAndRetentionKeepsTheNewest) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1, max_entries: 4}"));
  std::vector<v1::Customer> customers;
  for (int i = 1; i <= 6; ++i) customers.push_back(Customer("c-" + std::to_string(i), "王五", ""));
  UpsertAll(customers);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = decisions_->EvaluateMany(&context, v1::EvaluateManyRequest());
  v1::EvaluateResponse message;
  int received = 0;
  while (stream->Read(&message)) ++received;
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(received, 6);

  // Six logged, the newest four kept: c-3 .. c-6, newest first.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  v1::ListLoggedDecisionsResponse log;
  do {
    log.Clear();
    ASSERT_TRUE(List({}, &log).ok());
    if (log.decisions_size() == 4 && log.decisions(0).request().customer().id() == "c-6") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(log.decisions_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(log.decisions(i).method(), "EvaluateMany");
    EXPECT_EQ(log.decisions(i).request().customer().id(), "c-" + std::to_string(6 - i));
    EXPECT_EQ(log.decisions(i).request().customer().name(), "王**");
  }
}

TEST_F(DecisionLogTest, EntriesQueuedAtShutdownAreWrittenBeforeTheDatabaseCloses) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1}"));
  UpsertAll({ZhangSan()});
  for (int i = 0; i < 30; ++i) Evaluate("c-1");
  ASSERT_EQ(StopServer(), 0);  // at once: some entries are still queued
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1}"));
  v1::ListLoggedDecisionsResponse log;
  ASSERT_TRUE(List({}, &log).ok());
  EXPECT_EQ(log.decisions_size(), 30);
}

TEST_F(DecisionLogTest, FiltersAndPagesWithoutGapsOrRepeats) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1}"));
  UpsertAll({Customer("c-1", "甲", ""), Customer("c-2", "乙", "")});
  for (int i = 0; i < 5; ++i) {
    Evaluate("c-1");
    Evaluate("c-2");
  }
  const v1::ListLoggedDecisionsResponse all = WaitForEntries(10);
  ASSERT_EQ(all.decisions_size(), 10);
  const std::string version = all.decisions(0).decision().ruleset_version();

  v1::ListLoggedDecisionsRequest request;
  request.set_customer_id("c-2");
  request.set_page_size(2);
  std::set<int64_t> seen;
  int pages = 0;
  do {
    v1::ListLoggedDecisionsResponse page;
    ASSERT_TRUE(List(request, &page).ok());
    ++pages;
    for (const v1::LoggedDecision& d : page.decisions()) {
      EXPECT_EQ(d.request().customer().id(), "c-2");
      EXPECT_EQ(d.request().customer().name(), "**");  // one character: nothing of it kept
      EXPECT_TRUE(seen.insert(d.id()).second) << "entry " << d.id() << " twice";
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);

  v1::ListLoggedDecisionsRequest by_version;
  std::string upper = version;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  by_version.set_ruleset_version(upper);  // either case
  v1::ListLoggedDecisionsResponse same;
  ASSERT_TRUE(List(by_version, &same).ok());
  EXPECT_EQ(same.decisions_size(), 10);
  by_version.set_ruleset_version("0123456789ab");
  ASSERT_TRUE(List(by_version, &same).ok());
  EXPECT_EQ(same.decisions_size(), 0);
}

TEST_F(DecisionLogTest, BadRequestsNameTheField) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1}"));
  const std::vector<std::pair<v1::ListLoggedDecisionsRequest, std::string>> cases = [] {
    std::vector<std::pair<v1::ListLoggedDecisionsRequest, std::string>> out;
    v1::ListLoggedDecisionsRequest r;
    r.set_page_size(5000);
    out.emplace_back(r, "page_size");
    r.Clear();
    r.set_page_token("-1");
    out.emplace_back(r, "page_token");
    r.Clear();
    r.set_ruleset_version("not-hex");
    out.emplace_back(r, "ruleset_version");
    r.Clear();
    r.set_customer_id("bad id with spaces");
    out.emplace_back(r, "customer_id");
    return out;
  }();
  for (const auto& [request, field] : cases) {
    v1::ListLoggedDecisionsResponse response;
    const grpc::Status status = List(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  }
}

TEST_F(DecisionLogTest, OnlyAdminsMayReadIt) {
  ASSERT_NO_FATAL_FAILURE(StartWithLog("{sample_rate: 1}"));
  auto as_reader =
      v1::Decisions::NewStub(testing::TestChannel(server_.address(), testing::kReaderToken));
  grpc::ClientContext context;
  v1::ListLoggedDecisionsResponse response;
  const grpc::Status status =
      as_reader->ListLoggedDecisions(&context, v1::ListLoggedDecisionsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// --- The log's own parts, over a store of their own ---------------------

class DecisionLogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("decision-log-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    server::SqliteStoreOptions options;
    options.path = (directory_ / "log.db").string();
    options.sync_every_commit = false;
    store_ = std::move(*server::SqliteStore::Open(options));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  static server::DecisionLogEntry Entry(const std::string& customer, const std::string& at = "") {
    server::DecisionLogEntry e;
    e.recorded_at = at;
    e.method = "Evaluate";
    e.caller = "test";
    e.customer_id = customer;
    e.ruleset_version = "abcdefabcdef";
    e.request = "{}";
    e.decision = "{}";
    return e;
  }

  // Two entries logged by an earlier run, without retention: "old" long
  // past any age limit, "recent" in the future.
  void LogOldAndRecent() {
    ASSERT_TRUE(store_
                    ->Write({"", "test", ""},
                            [&](server::Transaction& tx) -> absl::StatusOr<std::string> {
                              const std::vector<server::DecisionLogEntry> earlier = {
                                  Entry("old", "2020-01-01T00:00:00.000Z"),
                                  Entry("recent", "2099-01-01T00:00:00.000Z")};
                              absl::StatusOr<int64_t> removed =
                                  tx.AppendDecisions(earlier, server::DecisionRetention{});
                              if (!removed.ok()) return removed.status();
                              return std::string();
                            })
                    .ok());
  }

  std::vector<std::string> Customers() {
    absl::StatusOr<server::DecisionLogPage> page = store_->DecisionLog(
        {.customer_id = "", .ruleset_version = "", .before_id = 0, .limit = 1000});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& e : page->entries) ids.push_back(e.customer_id);
    }
    return ids;
  }

  std::filesystem::path directory_;
  std::unique_ptr<server::Store> store_;
};

TEST_F(DecisionLogStoreTest, SampleTakesTheShareEvenlyWithoutAPeriod) {
  for (const double rate : {0.0, 0.01, 0.1, 0.25, 1.0 / 3, 0.5, 1.0}) {
    server::DecisionLogOptions options;
    options.sample_rate = rate;
    server::DecisionLog log(store_.get(), options);
    int sampled = 0;
    int in_first_half = 0;
    int even = 0;
    for (int n = 1; n <= 1200; ++n) {
      if (!log.Sample()) continue;
      ++sampled;
      in_first_half += n <= 600 ? 1 : 0;
      even += n % 2 == 0 ? 1 : 0;
    }
    EXPECT_NEAR(sampled, 1200 * rate, 2) << rate;
    EXPECT_NEAR(in_first_half, 600 * rate, 2) << rate;
    // Two callers taking turns are logged alike, not one of them only.
    EXPECT_NEAR(even, 600 * rate, 4 + 0.05 * 600 * rate) << rate;
  }
}

TEST_F(DecisionLogStoreTest, RetentionIsAppliedAtTheStartEvenWhenTheLogIsOff) {
  ASSERT_NO_FATAL_FAILURE(LogOldAndRecent());
  server::DecisionLogOptions off;
  off.retention.max_age = std::chrono::hours(24);
  server::DecisionLog log(store_.get(), off);
  EXPECT_FALSE(log.Sample());
  EXPECT_EQ(Customers(), (std::vector<std::string>{"recent"}));
}

// Of replicas sharing a database, only the one that leads runs the
// retention passes (at the start and each minute); every replica's
// appends trim as they go (RetentionRemovesEntriesOlderThan... below).
TEST_F(DecisionLogStoreTest, OnlyTheReplicaThatLeadsRunsTheRetentionPasses) {
  ASSERT_NO_FATAL_FAILURE(LogOldAndRecent());
  std::atomic<int> asked = 0;
  server::DecisionLogOptions follower;
  follower.retention.max_age = std::chrono::hours(24);
  follower.leads = [&] {
    ++asked;
    return false;
  };
  { server::DecisionLog log(store_.get(), follower); }
  EXPECT_GE(asked.load(), 1);
  EXPECT_EQ(Customers(), (std::vector<std::string>{"recent", "old"}));  // newest first
  server::DecisionLogOptions leader = follower;
  leader.leads = [] { return true; };
  { server::DecisionLog log(store_.get(), leader); }
  EXPECT_EQ(Customers(), (std::vector<std::string>{"recent"}));
}

TEST_F(DecisionLogStoreTest, StopWritesWhatIsQueuedAndDropsWhatComesAfter) {
  server::DecisionLogOptions options;
  options.sample_rate = 1;
  options.flush_interval = std::chrono::hours(1);
  server::DecisionLog log(store_.get(), options);
  log.Record(Entry("before"));
  log.Stop();
  EXPECT_EQ(Customers(), (std::vector<std::string>{"before"}));
  log.Record(Entry("after"));
  log.Flush();  // returns: nothing is queued after Stop
  log.Stop();
  EXPECT_EQ(log.dropped(), 1);
  EXPECT_EQ(Customers(), (std::vector<std::string>{"before"}));
}

TEST_F(DecisionLogStoreTest, FlushWritesWhatIsQueuedAndAFullQueueDrops) {
  // An interval far longer than the test: only Flush and a full batch write.
  server::DecisionLogOptions options;
  options.sample_rate = 1;
  options.max_queued = 3;
  options.flush_interval = std::chrono::hours(1);
  server::DecisionLog log(store_.get(), options);
  for (int i = 0; i < 5; ++i) log.Record(Entry("c-" + std::to_string(i)));
  EXPECT_EQ(log.dropped(), 2);
  log.Flush();
  EXPECT_EQ(Customers(), (std::vector<std::string>{"c-2", "c-1", "c-0"}));
  log.Record(Entry("c-9"));
  log.Flush();
  EXPECT_EQ(Customers().size(), 4u);
}

TEST_F(DecisionLogStoreTest, RetentionRemovesEntriesOlderThanTheAgeAndBeyondTheCount) {
  const auto append = [&](std::vector<server::DecisionLogEntry> entries,
                          server::DecisionRetention retention) {
    return store_->Write({"", "test", ""},
                         [&](server::Transaction& tx) -> absl::StatusOr<std::string> {
                           absl::StatusOr<int64_t> removed = tx.AppendDecisions(entries, retention);
                           if (!removed.ok()) return removed.status();
                           return std::to_string(*removed);
                         });
  };
  const server::DecisionRetention by_age{.max_entries = 100, .max_age = std::chrono::hours(24)};
  absl::StatusOr<std::string> removed = append(
      {Entry("old", "2020-01-01T00:00:00.000Z"), Entry("new", "2099-01-01T00:00:00.000Z")}, by_age);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, "1");
  EXPECT_EQ(Customers(), (std::vector<std::string>{"new"}));

  const server::DecisionRetention by_count{.max_entries = 2};
  removed = append({Entry("a", "2099-01-02T00:00:00.000Z"), Entry("b", "2099-01-03T00:00:00.000Z")},
                   by_count);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, "1");
  EXPECT_EQ(Customers(), (std::vector<std::string>{"b", "a"}));
}

}  // namespace
}  // namespace clientele
