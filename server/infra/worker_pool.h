// A fixed set of threads that run tasks in the order they are queued. The
// gRPC layer hands it the calls that write, which block while the store
// commits; on gRPC's own few callback threads they would serialise every
// write, here they wait side by side so that the store can commit them
// together (group commit, see Store::Write).
//
// Thread-safe. The destructor runs the tasks already queued, then joins.
#ifndef CLIENTELE_SERVER_INFRA_WORKER_POOL_H_
#define CLIENTELE_SERVER_INFRA_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace clientele::server {

class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~WorkerPool() {
    {
      MutexLock lock(&mutex_);
      stopping_ = true;
    }
    ready_.NotifyAll();
    for (std::thread& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Run(std::function<void()> task) {
    {
      MutexLock lock(&mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.NotifyOne();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        MutexLock lock(&mutex_);
        while (!stopping_ && tasks_.empty()) ready_.Wait(&mutex_);
        if (tasks_.empty()) return;  // stopping, and nothing left to do
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  Mutex mutex_;
  CondVar ready_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_WORKER_POOL_H_
