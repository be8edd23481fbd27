// The change feed of a shared database (SqlStore::FeedChanges): the task
// and segment changes of every replica, read back in commit order and
// told to this replica's listeners.
#include <pthread.h>

#include <thread>

#include "server/store/sql/connection.h"
#include "server/store/sql/sql_store.h"

namespace clientele::server {

void SqlStore::FeedChanges() {
  // At most this many of each per read; a longer backlog takes several.
  constexpr int kBatch = 1000;
  while (!feed_stopping_.load()) {
    try {
      change_signal_->Wait(std::chrono::seconds(1));
      for (bool more = true; more && !feed_stopping_.load();) {
        SegmentChangeQuery query;
        query.after_sequence = fed_segment_sequence_;
        query.limit = kBatch;
        const std::vector<SegmentChangeRecord> segments =
            feed_connection_->ReadSegmentChanges(query);
        if (!segments.empty()) fed_segment_sequence_ = segments.back().sequence;
        segment_listeners_.Publish(segments);
        const std::vector<TaskRecord> tasks =
            feed_connection_->ReadTaskChangesAfter(fed_task_sequence_, &fed_task_sequence_);
        task_listeners_.Publish(tasks);
        more = segments.size() == kBatch || tasks.size() == kBatch;
      }
    } catch (const sql::Error&) {
      // The database cannot be reached: what was not read is read once it
      // can be (by sequence, nothing is lost); no busy loop meanwhile.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace clientele::server
