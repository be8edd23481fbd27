#include "server/gateway/in_process_call.h"

#include <vector>

namespace clientele::server::gateway {
namespace {

// Every operation of a call here is waited for before the next starts,
// so one tag serves them all.
void* const kTag = reinterpret_cast<void*>(1);

void Prepare(grpc::ClientContext* context, const CallOptions& options) {
  if (!options.authorization.empty()) {
    context->AddMetadata("authorization", options.authorization);
  }
  if (options.deadline.has_value()) context->set_deadline(*options.deadline);
}

grpc::ByteBuffer BufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Waits for the one operation under way on `queue`, with no time limit.
bool AwaitOne(grpc::CompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  return queue->Next(&tag, &ok) && ok;
}

void Drain(grpc::CompletionQueue* queue) {
  queue->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) {
  }
}

}  // namespace

UnaryOutcome CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& path,
                       const std::string& request, const CallOptions& options) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  Prepare(&context, options);
  grpc::CompletionQueue queue;
  grpc::ByteBuffer response;
  UnaryOutcome outcome;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, path, BufferOf(request), &queue);
  call->StartCall();
  call->Finish(&response, &outcome.status, kTag);
  AwaitOne(&queue);
  Drain(&queue);
  if (outcome.status.ok()) outcome.response = BytesOf(response);
  return outcome;
}

ServerStreamCall::ServerStreamCall(const std::shared_ptr<grpc::Channel>& channel,
                                   const std::string& path, const std::string& request,
                                   const CallOptions& options) {
  Prepare(&context_, options);
  grpc::GenericStub stub(channel);
  call_ = stub.PrepareCall(&context_, path, &queue_);
  call_->StartCall(kTag);
  // A start or write that fails means the call is over: the first Read
  // then fails too, and Finish tells why.
  AwaitOne(&queue_);
  call_->WriteLast(BufferOf(request), grpc::WriteOptions(), kTag);
  AwaitOne(&queue_);
}

ServerStreamCall::~ServerStreamCall() {
  if (!finished_) {
    context_.TryCancel();
    if (reading_) AwaitOne(&queue_);
    Finish();
  }
  Drain(&queue_);
}

bool ServerStreamCall::Wait(std::chrono::system_clock::time_point deadline, bool* ok) {
  void* tag = nullptr;
  return queue_.AsyncNext(&tag, ok, deadline) == grpc::CompletionQueue::GOT_EVENT;
}

ServerStreamCall::Read ServerStreamCall::Next(std::string* message,
                                              std::chrono::milliseconds wait) {
  if (finished_) return Read::kEnded;
  if (!reading_) {
    call_->Read(&incoming_, kTag);
    reading_ = true;
  }
  bool ok = false;
  if (!Wait(std::chrono::system_clock::now() + wait, &ok)) return Read::kStillWaiting;
  reading_ = false;
  if (ok) {
    *message = BytesOf(incoming_);
    return Read::kMessage;
  }
  Finish();
  return Read::kEnded;
}

void ServerStreamCall::Finish() {
  call_->Finish(&status_, kTag);
  AwaitOne(&queue_);
  finished_ = true;
}

}  // namespace clientele::server::gateway
