// Calls of clienteld's own gRPC server through its in-process channel,
// with gRPC's generic stub: a request's bytes in, the responses' bytes
// out. The call goes through everything a call from the network goes
// through (the token and its role, limits, metrics, logs), which is why
// the gateway calls the server this way and not the API classes.
// Thread safety: each call is used by one thread, but Cancel() may come
// from any thread.
#ifndef CLIENTELE_SERVER_GATEWAY_IN_PROCESS_CALL_H_
#define CLIENTELE_SERVER_GATEWAY_IN_PROCESS_CALL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace clientele::server::gateway {

// What a call carries besides its request.
struct CallOptions {
  std::string authorization;  // the "authorization" metadata ("Bearer …"); "" sends none
  std::optional<std::chrono::system_clock::time_point> deadline;
};

struct UnaryOutcome {
  grpc::Status status;
  std::string response;  // serialized, when status is OK
};

// Calls the unary method at `path` and waits for its answer.
UnaryOutcome CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                       const std::string& request, const CallOptions& options);

// A call of a server-streaming method, read message by message.
class ServerStreamCall {
 public:
  // Starts the call and sends `request` (and the end of the requests).
  ServerStreamCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                   const std::string& request, const CallOptions& options);
  ~ServerStreamCall();  // cancels the call if it has not ended
  ServerStreamCall(const ServerStreamCall&) = delete;
  ServerStreamCall& operator=(const ServerStreamCall&) = delete;

  enum class Read { kMessage, kEnded, kStillWaiting };
  // The next message into *message (kMessage); kEnded when the stream is
  // over (then status() tells how it ended); kStillWaiting when nothing
  // came within `wait` (call again: the read is still under way).
  Read Next(std::string* message, std::chrono::milliseconds wait);

  // How the stream ended; only after Next returned kEnded.
  const grpc::Status& status() const { return status_; }

  // Ends the call from any thread: Next returns kEnded soon after, with
  // CANCELLED.
  void Cancel() { context_.TryCancel(); }

 private:
  // Waits for the one operation under way, up to `deadline`: whether it
  // completed (and then *ok), or timed out.
  bool Wait(std::chrono::system_clock::time_point deadline, bool* ok);
  void Finish();

  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  grpc::ByteBuffer incoming_;
  bool reading_ = false;   // a Read is under way
  bool finished_ = false;  // Finish has completed: status_ is known
  grpc::Status status_;
};

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_IN_PROCESS_CALL_H_
