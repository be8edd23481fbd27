#include "server/api/grpc/unparseable_request_interceptor.h"

#include <string>
#include <string_view>

#include "common/status_details.h"
#include "google/protobuf/descriptor.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// gRPC 1.51's callback handlers answer a request that does not parse
// (a string field that is not UTF-8, truncated bytes) with UNIMPLEMENTED
// and an empty message, without running the handler: the parse error is
// dropped in server_callback_handlers.h, and serialization traits cannot
// change that. This interceptor sees the status on its way out and, for
// a method of ours (no handler of ours sends UNIMPLEMENTED), makes it
// INVALID_ARGUMENT with a message and details, counted and logged as a
// call. A method the server does not have keeps its UNIMPLEMENTED.
class UnparseableRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit UnparseableRequestInterceptor(std::string_view method) : method_(method) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      if (sent.error_code() == grpc::StatusCode::UNIMPLEMENTED && sent.error_message().empty()) {
        const absl::Status invalid = WithReason(
            absl::InvalidArgumentError(
                "the request does not parse as its message type (a string field that is not "
                "valid UTF-8, or truncated or malformed bytes)"),
            kReasonUnparseableRequest);
        LogCall(method_, invalid, std::chrono::steady_clock::now());
        methods->ModifySendStatus(ToGrpc(invalid));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;  // the short name, as metrics and logs have it
};

class UnparseableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // "/clientele.v1.Customers/UpsertCustomer": ours when the protos have it.
    std::string_view path = info->method() != nullptr ? info->method() : "";
    const size_t slash = path.rfind('/');
    if (path.size() < 2 || path[0] != '/' || slash == std::string_view::npos || slash == 0) {
      return nullptr;
    }
    std::string full_name(path.substr(1));
    full_name[slash - 1] = '.';
    if (full_name.rfind("clientele.", 0) != 0 ||
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name) ==
            nullptr) {
      return nullptr;
    }
    return new UnparseableRequestInterceptor(path.substr(slash + 1));
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory() {
  return std::make_unique<UnparseableRequestInterceptorFactory>();
}

}  // namespace clientele::server
