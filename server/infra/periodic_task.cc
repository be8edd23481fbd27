#include "server/infra/periodic_task.h"

#include <utility>

namespace clientele::server {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval,
                           absl::AnyInvocable<void(const StopRequested&)> pass)
    : interval_(interval), pass_(std::move(pass)) {
  MutexLock join(&join_mutex_);
  thread_ = std::thread([this] { Run(); });
}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
  }
  stop_changed_.NotifyAll();
  MutexLock join(&join_mutex_);
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Wake() {
  {
    MutexLock lock(&mutex_);
    woken_ = true;
  }
  stop_changed_.NotifyAll();
}

bool PeriodicTask::stopping() const {
  MutexLock lock(&mutex_);
  return stopping_;
}

void PeriodicTask::Run() {
  const StopRequested stop_requested = [this] { return stopping(); };
  mutex_.Lock();
  while (!stopping_) {
    woken_ = false;  // a Wake from now on asks for another pass
    mutex_.Unlock();
    pass_(stop_requested);
    passes_.fetch_add(1, std::memory_order_release);  // after the pass's effects: see passes()
    mutex_.Lock();
    const auto deadline = std::chrono::steady_clock::now() + interval_;
    while (!stopping_ && !woken_ && stop_changed_.WaitUntil(&mutex_, deadline)) {
    }
  }
  mutex_.Unlock();
}

}  // namespace clientele::server
