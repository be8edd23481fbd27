// Every RPC of clientele.v1, read from the protos' descriptors, so that
// tests that must cover every method notice a new one.
#ifndef CLIENTELE_TESTS_SUPPORT_RPC_METHODS_H_
#define CLIENTELE_TESTS_SUPPORT_RPC_METHODS_H_

#include <string>
#include <vector>

#include "clientele/v1/admin.pb.h"
#include "clientele/v1/change_requests.pb.h"
#include "clientele/v1/customers.pb.h"
#include "clientele/v1/decisions.pb.h"
#include "clientele/v1/diagnostics.pb.h"
#include "clientele/v1/drafts.pb.h"
#include "clientele/v1/events.pb.h"
#include "clientele/v1/improvements.pb.h"
#include "clientele/v1/loyalty.pb.h"
#include "clientele/v1/offers.pb.h"
#include "clientele/v1/reports.pb.h"
#include "clientele/v1/rulesets.pb.h"
#include "clientele/v1/segments.pb.h"
#include "clientele/v1/tasks.pb.h"
#include "google/protobuf/descriptor.h"

namespace clientele::testing {

struct RpcMethod {
  std::string service;  // "clientele.v1.Customers"
  std::string name;     // "DeleteCustomer"
  bool streaming;       // client or server streaming
  bool client_streaming;  // the requests stream (not on the JSON gateway)
  std::string path() const { return "/" + service + "/" + name; }
};

// Each clientele/v1 file with services. A message of each file is named
// so that its descriptors are linked in (auth_test checks that the list
// names every .proto file of proto/clientele/v1 that has a service).
inline std::vector<const google::protobuf::FileDescriptor*> FilesWithServices() {
  return {v1::UpsertCustomerRequest::descriptor()->file(),
          v1::RecordPurchaseRequest::descriptor()->file(),
          v1::EvaluateRequest::descriptor()->file(),
          v1::UpsertProductRequest::descriptor()->file(),
          v1::SegmentSizesRequest::descriptor()->file(),
          v1::PingRequest::descriptor()->file(),
          v1::GetRulesetStatusRequest::descriptor()->file(),
          v1::BackupRequest::descriptor()->file(),
          v1::GetPointsRequest::descriptor()->file(),
          v1::RedeemOfferRequest::descriptor()->file(),
          v1::ListTasksRequest::descriptor()->file(),
          v1::GetRfmRequest::descriptor()->file(),
          v1::CreateDraftRequest::descriptor()->file(),
          v1::SubmitChangeRequestRequest::descriptor()->file()};
}

// The methods of every service of FilesWithServices().
inline std::vector<RpcMethod> EveryRpc() {
  std::vector<RpcMethod> methods;
  for (const google::protobuf::FileDescriptor* file : FilesWithServices()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = service->method(m);
        methods.push_back({service->full_name(), method->name(),
                           method->client_streaming() || method->server_streaming(),
                           method->client_streaming()});
      }
    }
  }
  return methods;
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_RPC_METHODS_H_
