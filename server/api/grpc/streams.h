// What the streaming calls of the gRPC services share: the open streams
// that shutdown must end, and the server-wide cap on streams. Both are
// thread-safe.
#ifndef CLIENTELE_SERVER_API_GRPC_STREAMS_H_
#define CLIENTELE_SERVER_API_GRPC_STREAMS_H_

#include <atomic>
#include <set>
#include <utility>

#include "absl/status/statusor.h"
#include "common/mutex.h"

namespace clientele::server {

// The open streams that never end by themselves (WatchRuleset), so that
// shutdown can end them instead of waiting out its grace period.
// Thread-safe.
class OpenStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void End() = 0;  // finishes the stream with OK; may be called twice
  };
  // False once EndAll has been called: the stream should end at once.
  bool Add(Stream* stream);
  void Remove(Stream* stream);
  // Ends every open stream and refuses new ones.
  void EndAll();

 private:
  Mutex mutex_;
  std::set<Stream*> streams_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

// A server-wide cap on the streaming calls open at once (EvaluateMany,
// ImportCustomers, WatchRuleset, Backup), so that clients that open streams
// and leave them open cannot tie up the server's memory and threads. A
// stream holds its Slot from admission until it is done. Thread-safe.
class StreamSlots {
 public:
  // A held slot; releases it when destroyed. Move-only.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class StreamSlots;
    explicit Slot(StreamSlots* owner) : owner_(owner) {}
    StreamSlots* owner_ = nullptr;
  };

  explicit StreamSlots(int max_open) : max_open_(max_open) {}
  // A slot, or RESOURCE_EXHAUSTED naming the limit when max_open are held.
  absl::StatusOr<Slot> Acquire();
  int open() const { return open_.load(std::memory_order_relaxed); }

 private:
  const int max_open_;
  std::atomic<int> open_{0};
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_STREAMS_H_
