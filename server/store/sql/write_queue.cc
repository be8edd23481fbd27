// The SQLite store's writes: the queue, the writer thread that commits
// them in groups, each write in its own savepoint with its idempotency
// key, and the completion thread that tells their callers.
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "common/strings.h"
#include "server/store/sql/budget_usage.h"
#include "server/store/sql/connection.h"
#include "server/store/sql/sql_store.h"
#include "server/store/sql/values.h"

namespace clientele::server {
namespace {

constexpr const char* kTooLate = "the deadline passed before the write's turn came";

}  // namespace

using sql::FromError;

struct SqlStore::PendingWrite {
  std::string key;
  std::string method;
  std::string fingerprint;
  Deadline deadline;
  WriteFunction write;
  WriteDone done;
  absl::StatusOr<std::string> result = absl::UnknownError("not written");

  WriteKey View() const { return {key, method, fingerprint}; }
};

SqlStore::SqlStore(std::unique_ptr<SqlBackend> backend, const SqlStoreOptions& options,
                   std::unique_ptr<sql::Connection> writer,
                   std::vector<std::unique_ptr<sql::Connection>> readers, int schema_version)
    : writer_connection_(std::move(writer)),
      readers_(std::move(readers)),
      schema_version_(schema_version),
      backend_(std::move(backend)),
      observe_(options.observe) {
  // Replicas of a shared database read budgets from it every time.
  if (!backend_->shared()) budget_usage_ = std::make_unique<sql::BudgetUsage>();
  for (const std::unique_ptr<sql::Connection>& reader : readers_)
    idle_readers_.push_back(reader.get());
  // Named for top -H, perf and gdb.
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-done");
    CompleteWritten();
  });
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");
    WriteQueued();
  });
}

SqlStore::~SqlStore() {
  if (feed_.joinable()) {
    feed_stopping_ = true;
    change_signal_->Interrupt();
    feed_.join();
  }
  {
    MutexLock lock(&queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.NotifyAll();
  writer_.join();  // after the writes still queued
  {
    MutexLock lock(&written_mutex_);
    writer_finished_ = true;
  }
  written_changed_.NotifyAll();
  completer_.join();  // after their WriteDone
}

void SqlStore::Submit(const WriteKey& key, Deadline deadline, WriteFunction write, WriteDone done) {
  PendingWrite pending{
      std::string(key.key), std::string(key.method), std::string(key.fingerprint), deadline,
      std::move(write),     std::move(done)};
  bool was_idle = false;
  bool refused = false;
  {
    MutexLock lock(&queue_mutex_);
    refused = stopping_;
    if (!refused) {
      was_idle = queue_.empty();
      queue_.push_back(std::move(pending));
    }
  }
  if (refused) {  // never queued
    pending.done(absl::UnavailableError("the store is closing"));
    return;
  }
  // A busy writer looks at the queue again before it sleeps: only the
  // first write of a group needs to wake it.
  if (was_idle) queue_changed_.NotifyOne();
}

absl::StatusOr<std::string> SqlStore::Write(
    const WriteKey& key, absl::FunctionRef<absl::StatusOr<std::string>(Transaction&)> write) {
  Mutex mutex;
  CondVar written;
  std::optional<absl::StatusOr<std::string>> result;  // guarded by mutex
  Submit(
      key, Deadline::max(), [write](Transaction& tx) { return write(tx); },
      [&](absl::StatusOr<std::string> outcome) {
        MutexLock lock(&mutex);
        result = std::move(outcome);
        written.NotifyOne();  // under the lock: the waiter owns `written`
      });
  MutexLock lock(&mutex);
  while (!result.has_value()) written.Wait(&mutex);
  return std::move(*result);
}

void SqlStore::WriteQueued() {
  // Bounds a group, so that the first write of a long queue is not held
  // up by the thousandth.
  constexpr size_t kMaxGroup = 512;
  std::vector<PendingWrite> group;
  for (;;) {
    {
      MutexLock lock(&queue_mutex_);
      while (!stopping_ && queue_.empty()) queue_changed_.Wait(&queue_mutex_);
      if (queue_.empty()) return;  // stopping, and nothing left to write
      if (queue_.size() <= kMaxGroup) {
        group.swap(queue_);
      } else {
        std::move(queue_.begin(), queue_.begin() + kMaxGroup, std::back_inserter(group));
        queue_.erase(queue_.begin(), queue_.begin() + kMaxGroup);
      }
    }
    CommitGroup(group);
    bool more_to_write;
    {
      MutexLock lock(&queue_mutex_);
      more_to_write = !queue_.empty();
    }
    if (!more_to_write) {
      // Nothing waits for the writer: finishing the calls here costs no
      // throughput and saves waking the completion thread.
      for (PendingWrite& w : group) w.done(std::move(w.result));
    } else {
      bool completer_idle;
      {
        MutexLock lock(&written_mutex_);
        completer_idle = written_.empty();
        std::move(group.begin(), group.end(), std::back_inserter(written_));
      }
      if (completer_idle) written_changed_.NotifyOne();
    }
    group.clear();
  }
}

void SqlStore::CompleteWritten() {
  std::vector<PendingWrite> batch;
  for (;;) {
    {
      MutexLock lock(&written_mutex_);
      while (!writer_finished_ && written_.empty()) written_changed_.Wait(&written_mutex_);
      if (written_.empty()) return;  // the writer has finished, and so have we
      batch.swap(written_);
    }
    for (PendingWrite& w : batch) w.done(std::move(w.result));
    batch.clear();
  }
}

void SqlStore::CommitGroup(std::vector<PendingWrite>& group) {
  const auto began = std::chrono::steady_clock::now();
  absl::Cleanup observe = [&] { Observe("commit", began); };
  MutexLock lock(&mutex_);
  sql::Database& db = writer_connection_->db();
  const std::string schema_query = backend_->SchemaVersionQuery();
  sql::Statement* schema = nullptr;
  absl::Cleanup reset_schema = [&] {
    if (schema != nullptr) schema->tryReset();
  };
  try {
    db.BeginWrite();
    // Late already: not even begun. RunInSavepoint looks again once its
    // savepoint is set, which may have waited for another process's write
    // lock (a backend may send BEGIN and the lock with the first
    // statement).
    const Deadline now = std::chrono::system_clock::now();
    for (PendingWrite& w : group) {
      if (w.deadline < now) {
        w.result = absl::DeadlineExceededError(kTooLate);
        continue;
      }
      if (schema == nullptr && !schema_query.empty()) {
        // With the first write that runs: no round trip of its own.
        schema = &writer_connection_->Prepared(schema_query);
        schema->SendAhead();
      }
      w.result = RunInSavepoint(w);
    }
    const bool shared = backend_->shared();
    if (shared && (writer_connection_->task_changes().Mark() > 0 ||
                   writer_connection_->segment_changes().Mark() > 0)) {
      backend_->SignalChanges(db);  // every replica's feed reads them once committed
    }
    if (shared && writer_connection_->task_changes().Mark() > 0) {
      writer_connection_->TrimTaskChanges();  // the feeds' table stays bounded
    }
    if (schema != nullptr) CheckSchemaUnchanged(*schema);
    db.Commit();
    std::vector<sql::BudgetUsageChange> budget_changes = writer_connection_->TakeBudgetChanges();
    if (!shared) budget_usage_->Apply(budget_changes);
    std::vector<TaskRecord> tasks = writer_connection_->task_changes().Take();
    std::vector<SegmentChangeRecord> segments = writer_connection_->segment_changes().Take();
    if (!shared) {
      task_listeners_.Publish(tasks);
      segment_listeners_.Publish(segments);
    }
  } catch (const sql::Error& e) {
    // Nothing of the group was committed: every write of it failed.
    FailGroup(group, [&](const PendingWrite& w) { return FromError(e, w.method); });
  } catch (const GroupFailure& failure) {
    FailGroup(group, [&](const PendingWrite&) { return failure.status; });
  }
}

void SqlStore::FailGroup(std::vector<PendingWrite>& group,
                         absl::FunctionRef<absl::Status(const PendingWrite&)> status) {
  writer_connection_->db().Rollback();
  writer_connection_->TakeBudgetChanges();
  writer_connection_->task_changes().Take();
  writer_connection_->segment_changes().Take();
  for (PendingWrite& w : group) w.result = status(w);
}

void SqlStore::CheckSchemaUnchanged(sql::Statement& schema) const {
  const int found = schema.executeStep() ? schema.getColumn(0).getInt() : 0;
  if (found == schema_version_) return;
  throw sql::Error(sql::ErrorKind::kUnavailable,
                   StrCat("the database's schema is now version ", found,
                          ", and this clienteled knows ", schema_version_,
                          ": it no longer writes to it; upgrade it (docs/operations.md, "
                          "\"Upgrading replicas\")"));
}

int SqlStore::SubscribeTasks(std::function<void(const TaskRecord&)> listener) {
  return task_listeners_.Subscribe(std::move(listener));
}

void SqlStore::UnsubscribeTasks(int id) { task_listeners_.Unsubscribe(id); }

int SqlStore::SubscribeSegmentChanges(std::function<void(const SegmentChangeRecord&)> listener) {
  return segment_listeners_.Subscribe(std::move(listener));
}

void SqlStore::UnsubscribeSegmentChanges(int id) { segment_listeners_.Unsubscribe(id); }

void SqlStore::FollowCustomerChanges(CustomerChangeFollower follower) {
  MutexLock lock(&mutex_);  // the writer reads it under mutex_
  follower_ = std::move(follower);
}

absl::StatusOr<std::string> SqlStore::RunInSavepoint(PendingWrite& w) {
  // The lambdas below run under mutex_ too, which the analysis cannot see.
  sql::Connection& writer = *writer_connection_;
  // Held, as RELEASE is at the end: on PostgreSQL each goes with the next
  // statement, in its round trip.
  writer.ExecuteLater("SAVEPOINT one_write");
  const size_t budget_changes = writer.BudgetChangesNoted();
  const size_t task_changes = writer.task_changes().Mark();
  const size_t segment_changes = writer.segment_changes().Mark();
  writer.TakeChangedCustomers();
  auto roll_back = [&](absl::Status status) -> absl::StatusOr<std::string> {
    writer.DropBudgetChangesAfter(budget_changes);
    writer.task_changes().DropAfter(task_changes);
    writer.segment_changes().DropAfter(segment_changes);
    try {
      // Writes still held go first, to be undone with the rest; one that
      // fails is among what the rollback undoes.
      writer.db().Flush();
    } catch (const sql::Error&) {
    }
    try {
      writer.ExecuteLater("ROLLBACK TO one_write");
      writer.ExecuteLater("RELEASE one_write");
      writer.db().Flush();
    } catch (const sql::Error&) {
      // The group cannot go on, and CommitGroup fails it. When this write
      // failed for want of the database (the group's start, sent with its
      // first statement: BEGIN or the write lock, so that the savepoint
      // was never set), that is what every write of the group is told.
      if (absl::IsUnavailable(status)) throw GroupFailure{status};
      throw;
    }
    return status;
  };
  // Sends what the write held, so that a failure of it is this write's.
  auto release = [&] {
    writer.ExecuteLater("RELEASE one_write");
    writer.db().Flush();
  };
  try {
    // The write, then what follows from the customers it changed.
    auto write_and_follow = [&]() -> absl::StatusOr<std::string> {
      absl::StatusOr<std::string> response = w.write(writer);
      if (!response.ok() || !follower_) return response;
      const std::vector<std::string> changed = writer.TakeChangedCustomers();
      if (changed.empty()) return response;
      if (absl::Status s = follower_(writer, w.method, changed); !s.ok()) return s;
      return response;
    };
    std::optional<std::string> previous;  // a retry's answer
    if (!w.key.empty()) {
      absl::StatusOr<std::optional<std::string>> found = writer.FindKey(w.View());
      if (!found.ok()) return roll_back(found.status());
      previous = *std::move(found);
    }
    if (w.deadline != Deadline::max()) {
      // Once the savepoint is set (on PostgreSQL, once the fleet's write
      // lock is held), which may have waited for another process.
      writer.db().Flush();
      if (w.deadline < std::chrono::system_clock::now()) {
        return roll_back(absl::DeadlineExceededError(kTooLate));
      }
    }
    if (previous.has_value()) {  // a retry: same answer, no change
      release();
      return *std::move(previous);
    }
    absl::StatusOr<std::string> response = write_and_follow();
    if (!response.ok()) return roll_back(response.status());
    if (!w.key.empty()) writer.SaveKey(w.View(), *response);
    release();
    return response;
  } catch (const sql::Error& e) {
    // A failed rollback throws on to CommitGroup, which fails the group.
    return roll_back(FromError(e, w.method));
  }
}

}  // namespace clientele::server
