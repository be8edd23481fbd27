// The gRPC services of clienteled (proto/clientele/v1): callback-API
// services over the API classes of server/api/ (apis.h), with
// absl::Status mapped to gRPC status codes in this folder only
// (status.h). The services are stateless beyond what ServiceContext points
// to; every handler may run on many threads at once.
#ifndef CLIENTELE_SERVER_API_GRPC_SERVICES_H_
#define CLIENTELE_SERVER_API_GRPC_SERVICES_H_

#include <grpcpp/impl/service_type.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "server/api/apis.h"
#include "server/api/auth.h"
#include "server/api/grpc/streams.h"
#include "server/infra/worker_pool.h"

namespace clientele::server {

// What the services need; everything must outlive them.
struct ServiceContext {
  Apis* apis = nullptr;
  // Runs the calls that write other than purchases (those queue with the
  // store: Store::Submit), and backups.
  WorkerPool* write_pool = nullptr;
  OpenStreams* streams = nullptr;
  StreamSlots* stream_slots = nullptr;
  const Authenticator* auth = nullptr;
  // The server's limit on a message (backups are sent in chunks below it).
  size_t max_message_bytes = 4 << 20;
};

// Callback-API services over the API classes. Each handler first admits the
// call (see auth.h: UNAUTHENTICATED without a token the authenticator
// accepts, PERMISSION_DENIED when its role may not call the method,
// DEADLINE_EXCEEDED when the deadline has passed; a stream also needs a
// free StreamSlot, else RESOURCE_EXHAUSTED) and then runs the operation:
// writes on the write pool or the store's queue, the rest on gRPC's
// threads.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceContext& context);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_SERVICES_H_
