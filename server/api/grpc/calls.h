// How every call of the gRPC services runs: admitted (server/api/auth.h
// and roles.h: token, role; and the deadline), then run on gRPC's thread, the write pool or the store's
// queue, then counted, logged and finished with its status mapped by
// status.h. Internal to server/api/grpc/; stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_GRPC_CALLS_H_
#define CLIENTELE_SERVER_API_GRPC_CALLS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/api/auth.h"
#include "server/api/dependencies.h"
#include "server/api/grpc/status.h"
#include "server/infra/worker_pool.h"

namespace clientele::server::grpc_internal {

// Counts the call in the metrics and logs it: failures at info
// (LoggableError), the rest at debug, each with its duration and the name
// of the caller's token (never the token itself).
void LogCall(std::string_view method, const absl::Status& status,
             std::chrono::steady_clock::time_point began, std::string_view caller = "");

// Admits a call: it carries a token this server accepts, whose role may
// call `method`, and its deadline has not passed. The caller, or why not
// (UNAUTHENTICATED, PERMISSION_DENIED, DEADLINE_EXCEEDED).
absl::StatusOr<Caller> Admit(const Authenticator& auth, grpc::CallbackServerContext* context,
                             std::string_view method);

// Finishes a unary call refused before it ran (counted and logged).
grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, std::string_view method,
                                 const absl::Status& why);

// A server stream refused before it started.
template <typename Message>
class RefusedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  RefusedStream(std::string_view method, const absl::Status& why) {
    LogCall(method, why, std::chrono::steady_clock::now());
    this->Finish(ToGrpc(why));
  }
  void OnDone() override { delete this; }
};

// Runs a writing operation on the write pool, where it may block on the
// store without holding up gRPC's threads. The operation must capture the
// request and response pointers by value: the handler returns at once.
// An operation that records who made it takes the caller's token name.
template <typename Operation>
grpc::ServerUnaryReactor* RunWrite(std::string_view method, const Authenticator& auth,
                                   grpc::CallbackServerContext* context, WorkerPool* pool,
                                   Operation operation) {
  absl::StatusOr<Caller> caller = Admit(auth, context, method);
  if (!caller.ok()) return Refuse(context, method, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool->Run([context, reactor, method, caller = caller->name,
             began = std::chrono::steady_clock::now(), operation = std::move(operation)] {
    // The call may have waited for a free worker past its deadline.
    absl::Status status;
    if (context->deadline() < std::chrono::system_clock::now()) {
      status = absl::DeadlineExceededError("the deadline passed before a worker was free");
    } else if constexpr (std::is_invocable_v<Operation, std::string_view>) {
      status = operation(caller);
    } else {
      status = operation();
    }
    LogCall(method, status, began, caller);
    reactor->Finish(ToGrpc(status));
  });
  return reactor;
}

// Starts an asynchronous writing operation on the calling gRPC thread: it
// validates, queues its write with the store (Store::Submit) and returns; a
// thread of the store's finishes the call once the commit is durable. No thread
// waits for the commit, so many writes stay in flight at little cost.
// `start` gets the call's deadline and the Done to call.
template <typename Start>
grpc::ServerUnaryReactor* StartWrite(std::string_view method, const Authenticator& auth,
                                     grpc::CallbackServerContext* context, Start start) {
  absl::StatusOr<Caller> caller = Admit(auth, context, method);
  if (!caller.ok()) return Refuse(context, method, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  start(context->deadline(), [reactor, method, caller = caller->name,
                              began = std::chrono::steady_clock::now()](absl::Status status) {
    LogCall(method, status, began, caller);
    reactor->Finish(ToGrpc(status));
  });
  return reactor;
}

// Runs a reading operation on the calling gRPC thread.
template <typename Operation>
grpc::ServerUnaryReactor* Run(std::string_view method, const Authenticator& auth,
                              grpc::CallbackServerContext* context, Operation operation) {
  absl::StatusOr<Caller> caller = Admit(auth, context, method);
  if (!caller.ok()) return Refuse(context, method, caller.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auto began = std::chrono::steady_clock::now();
  // Operations that record who asked (the decision log) take the caller.
  absl::Status status;
  if constexpr (std::is_invocable_v<Operation, std::string_view>) {
    status = operation(caller->name);
  } else {
    status = operation();
  }
  LogCall(method, status, began, caller->name);
  reactor->Finish(ToGrpc(status));
  return reactor;
}

}  // namespace clientele::server::grpc_internal

#endif  // CLIENTELE_SERVER_API_GRPC_CALLS_H_
