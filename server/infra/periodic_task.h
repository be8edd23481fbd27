// A background pass that runs at once and then at every interval on a
// thread of its own, until stopped: what the server's housekeeping
// (idempotency-key expiry, points expiry) runs on. The pass is told
// whether a stop was asked, so that a long one can end between batches.
//
// Thread safety: every method may be called from many threads at once.
#ifndef CLIENTELE_SERVER_INFRA_PERIODIC_TASK_H_
#define CLIENTELE_SERVER_INFRA_PERIODIC_TASK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "common/mutex.h"

namespace clientele::server {

class PeriodicTask {
 public:
  // True once Stop was asked; a pass checks it between its batches.
  using StopRequested = std::function<bool()>;

  // Starts the thread, which runs `pass` at once.
  PeriodicTask(std::chrono::milliseconds interval,
               absl::AnyInvocable<void(const StopRequested&)> pass);
  // Stop.
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Stops the thread, after the pass in progress. May be called twice.
  void Stop();
  // Runs the next pass now rather than at the end of the interval (after
  // the pass in progress, if any).
  void Wake();
  // Completed passes (the first at the start).
  int64_t passes() const { return passes_.load(std::memory_order_acquire); }

 private:
  void Run();
  bool stopping() const;

  const std::chrono::milliseconds interval_;
  absl::AnyInvocable<void(const StopRequested&)> pass_;
  std::atomic<int64_t> passes_{0};
  mutable Mutex mutex_;
  CondVar stop_changed_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  bool woken_ ABSL_GUARDED_BY(mutex_) = false;
  Mutex join_mutex_;  // Stop from two threads joins once
  std::thread thread_
      ABSL_GUARDED_BY(join_mutex_);  // last: it starts once everything it uses exists
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_PERIODIC_TASK_H_
