// The standard gRPC health check from tests, without generated health
// stubs (Debian's gRPC ships none): a generic call to
// /grpc.health.v1.Health/Check for the whole server (service "").
#ifndef CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_
#define CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace clientele::testing {

// HealthCheckResponse.ServingStatus values.
inline constexpr int kHealthServing = 1;
inline constexpr int kHealthNotServing = 2;

// The serving status the server reports, or -1 when the call fails.
inline int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  // HealthCheckRequest{service: ""} written out: field 1, length 0.
  grpc::Slice request_bytes(std::string("\x0a\x00", 2));
  grpc::ByteBuffer request(&request_bytes, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      generic.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
  call->StartCall();
  int tag = 1;
  call->Finish(&response, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  queue.Next(&got, &ok);
  queue.Shutdown();
  while (queue.Next(&got, &ok)) {
  }
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // HealthCheckResponse{status: S}: field 1, varint S (08 S); SERVING
  // may also be sent as the only field, UNKNOWN (0) as no bytes.
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != '\x08') return -1;
  return bytes[1];
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_HEALTH_CHECK_H_
