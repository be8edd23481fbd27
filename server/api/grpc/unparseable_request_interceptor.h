// For the ServerBuilder: makes a call of ours whose request does not
// parse INVALID_ARGUMENT (with details, counted and logged) instead of
// gRPC's bare UNIMPLEMENTED (unparseable_request_interceptor.cc says why
// it is needed). (ImportCustomers parses its stream itself, with the same
// outcome.) The factory and its interceptors are thread-safe.
#ifndef CLIENTELE_SERVER_API_GRPC_UNPARSEABLE_REQUEST_INTERCEPTOR_H_
#define CLIENTELE_SERVER_API_GRPC_UNPARSEABLE_REQUEST_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace clientele::server {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory();

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_UNPARSEABLE_REQUEST_INTERCEPTOR_H_
