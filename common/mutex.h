// A mutex and a condition variable that Clang's thread-safety analysis
// understands (-Wthread-safety, on in every Clang build: see the top
// CMakeLists.txt), so that "guarded by" is checked by the compiler instead
// of being a comment: a member declared ABSL_GUARDED_BY(mutex_) cannot be
// touched without holding mutex_.
//
// std::mutex and std::condition_variable underneath, not absl::Mutex:
// Debian's Abseil is not built with ThreadSanitizer, which then cannot see
// absl::Mutex's synchronisation and reports races that are not there.
//
// Waiting is written as a loop over the condition, so that the analysis
// sees the guarded reads happen under the lock:
//
//   MutexLock lock(&mutex_);
//   while (queue_.empty()) queue_changed_.Wait(&mutex_);
//
// Thread-safe, as their std:: counterparts.
#ifndef CLIENTELE_COMMON_MUTEX_H_
#define CLIENTELE_COMMON_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace clientele {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mutex_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mutex_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mutex_;
};

// Holds a Mutex for its scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mutex_;
};

class CondVar {
 public:
  // Releases `mutex`, waits for a notification (or a spurious wake-up:
  // loop over the condition), and holds `mutex` again on return.
  void Wait(Mutex* mutex) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    changed_.wait(lock);
    lock.release();  // still held, by the caller's MutexLock
  }
  // Wait, for at most until `deadline`; false when the deadline passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex* mutex, std::chrono::time_point<Clock, Duration> deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    const bool woken = changed_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void NotifyOne() { changed_.notify_one(); }
  void NotifyAll() { changed_.notify_all(); }

 private:
  std::condition_variable changed_;
};

}  // namespace clientele

#endif  // CLIENTELE_COMMON_MUTEX_H_
