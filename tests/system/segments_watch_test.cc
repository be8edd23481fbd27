// Segments.WatchSegmentChanges through the real clienteled on the default
// ruleset (config/rules: four dimensions; age_band puts a customer under
// 30 in 年轻客户, under 60 in 中年客户, else 老年客户, so that an upsert
// of another age moves it by one change, and a new customer enters four
// segments). Without after_sequence a watch sees only what is committed
// after it started; with it, the stored changes after that sequence, then
// the live ones, with neither gap nor duplicate at the switch, however
// the writes race with the start; filters by dimension, segment (into or
// out of) and customer; a reader may watch and read, only an admin may
// refresh; a bad request is refused.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/segments.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/test_channel.h"

namespace clientele {
namespace {

constexpr char kRules[] = CLIENTELE_SOURCE_DIR "/config/rules";
constexpr char kYoung[] = "年轻客户";
constexpr char kMiddle[] = "中年客户";
constexpr char kOld[] = "老年客户";

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

std::string Describe(const v1::SegmentChange& c) {
  return std::to_string(c.sequence()) + " " + c.customer_id() + " " + c.dimension() + ": '" +
         c.from_segment() + "' -> '" + c.to_segment() + "' (" + c.cause() + ")";
}

std::vector<int64_t> SequencesOf(const std::vector<v1::SegmentChange>& changes) {
  std::vector<int64_t> sequences;
  for (const v1::SegmentChange& c : changes) sequences.push_back(c.sequence());
  return sequences;
}

// One WatchSegmentChanges call, read on a thread of its own into a list
// that the test waits on. Cancelled when destroyed.
class Watch {
 public:
  Watch(v1::Segments::Stub* stub, const v1::WatchSegmentChangesRequest& request) {
    context_.set_deadline(In(120));
    reader_ = stub->WatchSegmentChanges(&context_, request);
    thread_ = std::thread([this] {
      v1::SegmentChange change;
      while (reader_->Read(&change)) {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(change);
        changed_.notify_all();
      }
      const grpc::Status status = reader_->Finish();
      std::lock_guard<std::mutex> lock(mutex_);
      status_ = status;
      done_ = true;
      changed_.notify_all();
    });
  }
  ~Watch() { Cancel(); }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // What came so far, once `count` came, the call ended or `timeout` passed.
  std::vector<v1::SegmentChange> WaitFor(
      size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return done_ || received_.size() >= count; });
    return received_;
  }
  // What came so far, once `done` says so of it, the call ended or 20 s
  // passed.
  std::vector<v1::SegmentChange> WaitUntil(
      const std::function<bool(const std::vector<v1::SegmentChange>&)>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(20), [&] { return done_ || done(received_); });
    return received_;
  }
  // What came so far, after a short wait for anything more.
  std::vector<v1::SegmentChange> Settled() {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_.size();
  }
  // The call's status once it ended by itself (within 20 s).
  grpc::Status Ended() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::seconds(20), [&] { return done_; })) {
      return grpc::Status(grpc::StatusCode::UNKNOWN, "the watch did not end");
    }
    return status_;
  }
  // Cancels the call; its status.
  grpc::Status Cancel() {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SegmentChange>> reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<v1::SegmentChange> received_;  // guarded by mutex_
  bool done_ = false;                        // guarded by mutex_
  grpc::Status status_;                      // guarded by mutex_ until the thread is joined
  std::thread thread_;                       // last: it reads the members above
};

v1::WatchSegmentChangesRequest After(int64_t sequence) {
  v1::WatchSegmentChangesRequest request;
  request.set_after_sequence(sequence);
  return request;
}

class SegmentsWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(kRules)) << "clienteled did not start";
    channel_ = testing::TestChannel(server_.address());
    customers_ = v1::Customers::NewStub(channel_);
    segments_ = v1::Segments::NewStub(channel_);
  }

  // Creates or replaces customer `id` with `age` (a new key each call).
  void Upsert(const std::string& id, int64_t age) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key("key-" + std::to_string(++keys_));
    request.mutable_customer()->set_id(id);
    request.mutable_customer()->set_age(age);
    v1::UpsertCustomerResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = customers_->UpsertCustomer(&context, request, &response);
    ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
  }

  // The stored changes that `request` (with after_sequence) replays: the
  // first `count` of them, which must come.
  std::vector<v1::SegmentChange> Stored(const v1::WatchSegmentChangesRequest& request,
                                        size_t count) {
    Watch watch(segments_.get(), request);
    std::vector<v1::SegmentChange> changes = watch.WaitFor(count);
    EXPECT_GE(changes.size(), count) << request.DebugString();
    if (changes.size() > count) changes.resize(count);
    return changes;
  }

  // Moves `id` (of 25 or 45 years) to the other age until `watch` has
  // seen something: then it follows the commits. The number of moves.
  int MoveUntilSeen(Watch& watch, const std::string& id, int64_t* age) {
    for (int moves = 1; moves <= 50; ++moves) {
      *age = *age == 25 ? 45 : 25;
      Upsert(id, *age);
      if (watch.WaitFor(1, std::chrono::milliseconds(200)).size() >= 1) return moves;
    }
    ADD_FAILURE() << "the watch saw none of 50 changes";
    return 0;
  }

  testing::ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Customers::Stub> customers_;
  std::unique_ptr<v1::Segments::Stub> segments_;
  int keys_ = 0;
};

TEST_F(SegmentsWatchTest, WithoutAfterSequenceOnlyChangesCommittedLaterComeInOrderOnce) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 25));
  ASSERT_NO_FATAL_FAILURE(Upsert("probe", 25));
  const std::vector<v1::SegmentChange> before = Stored(After(0), 8);
  ASSERT_EQ(before.size(), 8u);
  const int64_t last_before = before.back().sequence();

  Watch watch(segments_.get(), v1::WatchSegmentChangesRequest());
  int64_t probe_age = 25;
  const int probes = MoveUntilSeen(watch, "probe", &probe_age);
  ASSERT_GT(probes, 0);
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2", 45));  // enters four segments
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 70));  // 年轻客户 -> 老年客户
  // (The first probes may have been committed before the watch began.)
  const std::vector<v1::SegmentChange> seen =
      watch.WaitUntil([](const std::vector<v1::SegmentChange>& changes) {
        return !changes.empty() && changes.back().customer_id() == "c-1";
      });
  EXPECT_EQ(watch.Settled().size(), seen.size()) << "more than the writes made";
  ASSERT_GE(seen.size(), 5u);
  EXPECT_LE(seen.size(), static_cast<size_t>(probes) + 5);

  // Nothing from before the watch; every change once, in order; the probes
  // first (the first of them may have come before the watch did).
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].sequence(), last_before) << Describe(seen[i]);
    if (i > 0) {
      EXPECT_GT(seen[i].sequence(), seen[i - 1].sequence()) << Describe(seen[i]);
    }
  }
  const size_t probes_seen = seen.size() - 5;
  for (size_t i = 0; i < probes_seen; ++i) {
    EXPECT_EQ(seen[i].customer_id(), "probe") << Describe(seen[i]);
    EXPECT_EQ(seen[i].dimension(), "age_band") << Describe(seen[i]);
  }
  for (size_t i = probes_seen; i < probes_seen + 4; ++i) {
    EXPECT_EQ(seen[i].customer_id(), "c-2") << Describe(seen[i]);
    EXPECT_EQ(seen[i].from_segment(), "") << Describe(seen[i]);
    EXPECT_EQ(seen[i].cause(), "UpsertCustomer");
    EXPECT_FALSE(seen[i].ruleset_version().empty());
    EXPECT_FALSE(seen[i].changed_at().empty());
  }
  const v1::SegmentChange& moved = seen.back();
  EXPECT_EQ(moved.customer_id(), "c-1");
  EXPECT_EQ(moved.dimension(), "age_band");
  EXPECT_EQ(moved.from_segment(), kYoung);
  EXPECT_EQ(moved.to_segment(), kOld);
  EXPECT_EQ(moved.cause(), "UpsertCustomer");

  // What came is what is stored.
  const std::vector<v1::SegmentChange> stored =
      Stored(After(seen.front().sequence() - 1), seen.size());
  ASSERT_EQ(stored.size(), seen.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].SerializeAsString(), stored[i].SerializeAsString()) << Describe(seen[i]);
  }
  watch.Cancel();
}

TEST_F(SegmentsWatchTest, WithAfterSequenceStoredChangesThenLiveOnesWithoutGapOrDuplicate) {
  constexpr int kCustomers = 5;
  for (int i = 0; i < kCustomers; ++i) {
    ASSERT_NO_FATAL_FAILURE(Upsert("c-" + std::to_string(i), 25));
  }
  const std::vector<v1::SegmentChange> created = Stored(After(0), 4 * kCustomers);
  ASSERT_EQ(created.size(), 4u * kCustomers);
  const int64_t from = created[9].sequence();  // resume in the middle of them

  // Another channel writes as fast as it can (one change a write), while
  // watches from `from` start one after another: each switches from the
  // stored changes to the live ones at another point of the writes.
  std::thread writer([&] {
    std::shared_ptr<grpc::Channel> channel = testing::TestChannel(server_.address());
    std::unique_ptr<v1::Customers::Stub> customers = v1::Customers::NewStub(channel);
    for (int k = 0; k < 300; ++k) {
      v1::UpsertCustomerRequest request;
      request.set_idempotency_key("w-" + std::to_string(k));
      request.mutable_customer()->set_id("c-" + std::to_string(k % kCustomers));
      request.mutable_customer()->set_age((k / kCustomers) % 2 == 0 ? 45 : 25);
      v1::UpsertCustomerResponse response;
      grpc::ClientContext context;
      context.set_deadline(In(10));
      const grpc::Status status = customers->UpsertCustomer(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
  });
  std::vector<std::unique_ptr<Watch>> watches;
  for (int w = 0; w < 8; ++w) {
    watches.push_back(std::make_unique<Watch>(segments_.get(), After(from)));
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + 10 * w));
  }
  writer.join();
  ASSERT_NO_FATAL_FAILURE(Upsert("last", 25));  // four changes: the end

  // Every stored change after `from`, up to the last customer's.
  std::vector<v1::SegmentChange> expected;
  {
    Watch all(segments_.get(), After(from));
    for (int tries = 0; tries < 100; ++tries) {
      expected = all.WaitFor(expected.size() + 1, std::chrono::seconds(2));
      int last = 0;
      for (const v1::SegmentChange& c : expected) last += c.customer_id() == "last";
      if (last == 4) break;
    }
  }
  ASSERT_EQ(expected.size(), 4u * kCustomers - 10 + 300 + 4);
  for (size_t i = 1; i < expected.size(); ++i) {
    ASSERT_EQ(expected[i].sequence(), expected[i - 1].sequence() + 1)
        << "the stored sequences have a gap: " << Describe(expected[i]);
  }
  const std::vector<int64_t> want = SequencesOf(expected);
  for (size_t w = 0; w < watches.size(); ++w) {
    SCOPED_TRACE("watch " + std::to_string(w));
    watches[w]->WaitFor(expected.size());
    const std::vector<v1::SegmentChange> seen = watches[w]->Settled();
    EXPECT_EQ(SequencesOf(seen), want);
    for (size_t i = 0; i < seen.size() && i < expected.size(); ++i) {
      if (seen[i].SerializeAsString() != expected[i].SerializeAsString()) {
        ADD_FAILURE() << "seen " << Describe(seen[i]) << ", stored " << Describe(expected[i]);
        break;
      }
    }
    watches[w]->Cancel();
  }
}

TEST_F(SegmentsWatchTest, FiltersByDimensionSegmentAndCustomer) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 25));
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2", 45));
  auto request = [](const std::string& dimension, const std::string& segment,
                    const std::string& customer) {
    v1::WatchSegmentChangesRequest r = After(0);
    r.set_dimension(dimension);
    r.set_segment(segment);
    r.set_customer_id(customer);
    return r;
  };
  Watch by_dimension(segments_.get(), request("age_band", "", ""));
  Watch by_customer(segments_.get(), request("", "", "c-2"));
  Watch by_segment(segments_.get(), request("", kMiddle, ""));
  Watch both(segments_.get(), request("age_band", "", "c-1"));
  // The stored ones first.
  ASSERT_EQ(by_dimension.WaitFor(2).size(), 2u);
  ASSERT_EQ(by_customer.WaitFor(4).size(), 4u);
  ASSERT_EQ(by_segment.WaitFor(1).size(), 1u);
  ASSERT_EQ(both.WaitFor(1).size(), 1u);

  // Then the live ones.
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 45));  // into 中年客户
  ASSERT_NO_FATAL_FAILURE(Upsert("c-2", 70));  // out of it
  ASSERT_NO_FATAL_FAILURE(Upsert("c-3", 45));  // four segments, 中年客户 among them
  auto described = [](Watch& watch, size_t count) {
    watch.WaitFor(count);
    std::vector<std::string> lines;
    for (const v1::SegmentChange& c : watch.Settled()) {
      lines.push_back(c.customer_id() + " " + c.dimension() + ": '" + c.from_segment() + "' -> '" +
                      c.to_segment() + "'");
    }
    return lines;
  };
  const std::string young = kYoung, middle = kMiddle, old = kOld;
  EXPECT_EQ(described(by_dimension, 5),
            (std::vector<std::string>{"c-1 age_band: '' -> '" + young + "'",
                                      "c-2 age_band: '' -> '" + middle + "'",
                                      "c-1 age_band: '" + young + "' -> '" + middle + "'",
                                      "c-2 age_band: '" + middle + "' -> '" + old + "'",
                                      "c-3 age_band: '' -> '" + middle + "'"}));
  const std::vector<std::string> of_c2 = described(by_customer, 5);
  ASSERT_EQ(of_c2.size(), 5u);
  for (const std::string& line : of_c2) EXPECT_EQ(line.rfind("c-2 ", 0), 0u) << line;
  EXPECT_EQ(of_c2.back(), "c-2 age_band: '" + middle + "' -> '" + old + "'");
  EXPECT_EQ(described(by_segment, 4),
            (std::vector<std::string>{"c-2 age_band: '' -> '" + middle + "'",
                                      "c-1 age_band: '" + young + "' -> '" + middle + "'",
                                      "c-2 age_band: '" + middle + "' -> '" + old + "'",
                                      "c-3 age_band: '' -> '" + middle + "'"}));
  EXPECT_EQ(described(both, 2),
            (std::vector<std::string>{"c-1 age_band: '' -> '" + young + "'",
                                      "c-1 age_band: '" + young + "' -> '" + middle + "'"}));

  // A watch of live changes only filters as well.
  v1::WatchSegmentChangesRequest live_request = request("age_band", "", "c-3");
  live_request.clear_after_sequence();
  Watch live(segments_.get(), live_request);
  int64_t age = 45;
  const int probes = MoveUntilSeen(live, "c-3", &age);
  ASSERT_GT(probes, 0);
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 70));  // not c-3
  ASSERT_NO_FATAL_FAILURE(Upsert("c-3", 70));
  const std::vector<v1::SegmentChange> seen =
      live.WaitUntil([&](const std::vector<v1::SegmentChange>& changes) {
        return !changes.empty() && changes.back().to_segment() == old;
      });
  EXPECT_EQ(live.Settled().size(), seen.size());
  EXPECT_LE(seen.size(), static_cast<size_t>(probes) + 1);
  for (const v1::SegmentChange& c : seen) {
    EXPECT_EQ(c.customer_id(), "c-3") << Describe(c);
    EXPECT_EQ(c.dimension(), "age_band") << Describe(c);
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().to_segment(), old);
}

TEST_F(SegmentsWatchTest, AReaderMayWatchAndReadButOnlyAnAdminRefreshes) {
  ASSERT_NO_FATAL_FAILURE(Upsert("c-1", 25));
  std::unique_ptr<v1::Segments::Stub> reader =
      v1::Segments::NewStub(testing::TestChannel(server_.address(), testing::kReaderToken));
  {
    Watch watch(reader.get(), After(0));
    EXPECT_EQ(watch.WaitFor(4).size(), 4u);
    EXPECT_EQ(watch.Cancel().error_code(), grpc::StatusCode::CANCELLED);
  }
  {
    v1::GetCustomerSegmentsRequest request;
    request.set_customer_id("c-1");
    v1::GetCustomerSegmentsResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = reader->GetCustomerSegments(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.segments_size(), 4);
  }
  {
    v1::ListSegmentMembersRequest request;
    request.set_dimension("age_band");
    request.set_segment(kYoung);
    v1::ListSegmentMembersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    const grpc::Status status = reader->ListSegmentMembers(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.members_size(), 1);
    EXPECT_EQ(response.members(0).customer_id(), "c-1");
  }
  {
    // The default rules have no rfm file: refused for that, not for the role.
    v1::GetRfmResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(10));
    EXPECT_EQ(reader->GetRfm(&context, v1::GetRfmRequest(), &response).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  for (const char* token : {testing::kReaderToken, testing::kWriterToken, testing::kAdminToken}) {
    SCOPED_TRACE(token);
    std::unique_ptr<v1::Segments::Stub> stub =
        v1::Segments::NewStub(testing::TestChannel(server_.address(), token));
    v1::RefreshSegmentsResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(30));
    const grpc::Status status =
        stub->RefreshSegments(&context, v1::RefreshSegmentsRequest(), &response);
    if (std::string(token) == testing::kAdminToken) {
      EXPECT_TRUE(status.ok()) << status.error_message();
      EXPECT_EQ(response.customers(), 1);
      EXPECT_EQ(response.changes(), 0);
      EXPECT_FALSE(response.ruleset_version().empty());
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
    }
  }
}

TEST_F(SegmentsWatchTest, ABadRequestIsRefused) {
  std::vector<std::pair<std::string, v1::WatchSegmentChangesRequest>> bad;
  bad.emplace_back("negative after_sequence", After(-1));
  v1::WatchSegmentChangesRequest long_dimension;
  long_dimension.set_dimension(std::string(201, 'd'));
  bad.emplace_back("dimension of 201 bytes", long_dimension);
  v1::WatchSegmentChangesRequest long_segment;
  long_segment.set_segment(std::string(201, 's'));
  bad.emplace_back("segment of 201 bytes", long_segment);
  v1::WatchSegmentChangesRequest bad_customer;
  bad_customer.set_customer_id("not an id");
  bad.emplace_back("customer_id with spaces", bad_customer);
  for (const auto& [what, request] : bad) {
    Watch watch(segments_.get(), request);
    const grpc::Status status = watch.Ended();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << what << ": " << status.error_message();
    EXPECT_EQ(watch.size(), 0u) << what;
  }
  // The longest allowed is fine: a watch that waits.
  v1::WatchSegmentChangesRequest longest = After(0);
  longest.set_dimension(std::string(200, 'd'));
  Watch watch(segments_.get(), longest);
  EXPECT_EQ(watch.WaitFor(1, std::chrono::milliseconds(300)).size(), 0u);
  EXPECT_EQ(watch.Cancel().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace clientele
