// The reactor of a server-streaming call that follows something as it
// happens (WatchRuleset, WatchTasks): messages are queued from any thread
// (a listener of the reloader or of the store) and written on gRPC's, one
// write outstanding at a time; Finish waits for it. The stream never ends
// by itself: the client cancels, shutdown ends it (OpenStreams), or a
// client that lets max_backlog messages pile up unread is cut off.
//
// A subclass subscribes to what it follows in its constructor, after
// Register, and unsubscribes in Unsubscribe, which OnDone calls before the
// reactor is deleted. Thread-safe as described: the queue and the state of
// the call are under mutex_; what the constructor sets before gRPC can call
// any reaction (registered, subscribed) is read by OnDone, the last one,
// without it.
#ifndef CLIENTELE_SERVER_API_GRPC_FOLLOWING_STREAM_H_
#define CLIENTELE_SERVER_API_GRPC_FOLLOWING_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"
#include "server/api/grpc/calls.h"
#include "server/api/grpc/streams.h"

namespace clientele::server::grpc_internal {

template <typename Message>
class FollowingStream : public grpc::ServerWriteReactor<Message>, public OpenStreams::Stream {
 public:
  void End() override {
    MutexLock lock(&mutex_);
    FinishLocked(grpc::Status::OK);
  }
  void OnWriteDone(bool ok) override {
    MutexLock lock(&mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    if (finish_wanted_) {
      FinishLocked(*finish_wanted_);
      return;
    }
    WriteNextLocked();
  }
  void OnCancel() override {
    MutexLock lock(&mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  void OnDone() override {
    if (subscribed_) Unsubscribe();  // no call from what it follows after this
    if (registered_) streams_->Remove(this);
    delete this;
  }

 protected:
  // `method` names the call in the log (a literal).
  FollowingStream(std::string_view method, OpenStreams* streams, std::string_view caller,
                  StreamSlots::Slot slot, size_t max_backlog)
      : method_(method),
        streams_(streams),
        caller_(caller),
        slot_(std::move(slot)),
        max_backlog_(max_backlog) {}

  // Joins the open streams; false (and finished) when the server stops.
  bool RegisterLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (!streams_->Add(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is stopping"));
      return false;
    }
    registered_ = true;
    return true;
  }
  // Says that the subclass subscribed: OnDone calls Unsubscribe.
  void Subscribed() { subscribed_ = true; }
  virtual void Unsubscribe() = 0;

  // Queues a message (none once finishing) and writes it when its turn comes.
  void EnqueueLocked(Message message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finishing_) return;
    if (backlog_.size() >= max_backlog_) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "the client read too slowly; watch again"));
      return;
    }
    backlog_.push_back(std::move(message));
    WriteNextLocked();
  }
  // Finishes now, or once the outstanding write is done.
  void FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finished_) return;
    finishing_ = true;
    if (writing_) {
      if (!finish_wanted_) finish_wanted_ = std::move(status);
      return;
    }
    finished_ = true;
    LogCall(method_, FromGrpc(status), began_, caller_);
    this->Finish(std::move(status));
  }
  bool finishing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return finishing_; }
  // Queues nothing more, and finishes once what is queued is written.
  void FinishAfterQueuedLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finishing_) return;
    finishing_ = true;
    finish_after_queued_ = std::move(status);
    WriteNextLocked();
  }

  Mutex mutex_;

 private:
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (writing_) return;
    if (backlog_.empty()) {
      if (finish_after_queued_) FinishLocked(*std::exchange(finish_after_queued_, std::nullopt));
      return;
    }
    sending_ = std::move(backlog_.front());
    backlog_.pop_front();
    writing_ = true;
    this->StartWrite(&sending_);
  }

  const std::string_view method_;
  OpenStreams* const streams_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const size_t max_backlog_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  // Set by the constructor, before gRPC can call any reaction, and read
  // by OnDone, the last one: no lock needed.
  bool registered_ = false;
  bool subscribed_ = false;
  std::deque<Message> backlog_ ABSL_GUARDED_BY(mutex_);
  Message sending_ ABSL_GUARDED_BY(mutex_);
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool finishing_ ABSL_GUARDED_BY(mutex_) = false;  // no more messages are queued
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;   // Finish called
  std::optional<grpc::Status> finish_wanted_ ABSL_GUARDED_BY(mutex_);
  std::optional<grpc::Status> finish_after_queued_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace clientele::server::grpc_internal

#endif  // CLIENTELE_SERVER_API_GRPC_FOLLOWING_STREAM_H_
