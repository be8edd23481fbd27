// The Tasks service (proto/clientele/v1/tasks.proto): the tasks the rules
// give people for customers, listed, claimed and closed. Statuses and
// thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_TASKS_H_
#define CLIENTELE_SERVER_API_TASKS_H_

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "clientele/v1/tasks.pb.h"
#include "server/api/dependencies.h"

namespace clientele::server {

class TasksApi {
 public:
  // What `dependencies` points to must outlive the TasksApi.
  explicit TasksApi(const ApiDependencies& dependencies)
      : store_(dependencies.store), limits_(dependencies.limits) {}

  absl::Status ListTasks(const v1::ListTasksRequest& request, v1::ListTasksResponse* response);
  absl::Status ClaimTask(const v1::ClaimTaskRequest& request, v1::TaskResponse* response);
  absl::Status CloseTask(const v1::CloseTaskRequest& request, v1::TaskResponse* response);

  // For WatchTasks: checks a request; the open and claimed tasks it asks
  // for, oldest first (at most `limit`; FAILED_PRECONDITION beyond, asking
  // for a narrower watch); and the changes after, to `listener` on the
  // store's writer thread (quick; never calling the Store or the APIs)
  // until Unsubscribe.
  absl::Status CheckWatch(const v1::WatchTasksRequest& request) const;
  absl::Status OpenTasks(const v1::WatchTasksRequest& request, int limit,
                         std::vector<v1::TaskChange>* out);
  int Subscribe(const v1::WatchTasksRequest& request,
                std::function<void(const v1::TaskChange&)> listener);
  void Unsubscribe(int id);

 private:
  Store* const store_;
  const RequestLimits limits_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_TASKS_H_
