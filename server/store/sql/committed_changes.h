// What the store tells listeners once a write is committed (task changes,
// segment changes): the writer's connection notes each change as a write
// makes it (NotedChanges), drops those of a write rolled back to its
// savepoint, and the store hands the rest to its listeners after the
// group's commit (ChangeListeners).
#ifndef CLIENTELE_SERVER_STORE_SQL_COMMITTED_CHANGES_H_
#define CLIENTELE_SERVER_STORE_SQL_COMMITTED_CHANGES_H_

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace clientele::server::sql {

// Changes noted by the writes of a group not committed yet. Used by the
// writer's thread only.
template <typename Record>
class NotedChanges {
 public:
  void Note(Record record) { noted_.push_back(std::move(record)); }
  // A mark to drop back to when the write that follows is rolled back.
  size_t Mark() const { return noted_.size(); }
  void DropAfter(size_t mark) {
    if (mark < noted_.size()) noted_.resize(mark);
  }
  // The changes noted since the last Take, in the order noted.
  std::vector<Record> Take() { return std::exchange(noted_, {}); }

 private:
  std::vector<Record> noted_;
};

// Who hears of committed changes. Thread-safe: Publish runs the listeners
// under the lock, so that once Unsubscribe returns, the listener is not
// called any more; a listener must be quick and must not subscribe.
template <typename Record>
class ChangeListeners {
 public:
  int Subscribe(std::function<void(const Record&)> listener) {
    MutexLock lock(&mutex_);
    const int id = next_id_++;
    listeners_.emplace(id, std::move(listener));
    return id;
  }
  void Unsubscribe(int id) {
    MutexLock lock(&mutex_);
    listeners_.erase(id);
  }
  void Publish(const std::vector<Record>& records) {
    if (records.empty()) return;
    MutexLock lock(&mutex_);
    for (const Record& record : records) {
      for (const auto& [id, listener] : listeners_) listener(record);
    }
  }

 private:
  Mutex mutex_;
  std::map<int, std::function<void(const Record&)>> listeners_ ABSL_GUARDED_BY(mutex_);
  int next_id_ ABSL_GUARDED_BY(mutex_) = 1;
};

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_COMMITTED_CHANGES_H_
