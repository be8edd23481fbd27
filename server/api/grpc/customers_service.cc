// Customers: the callback service, and the ImportCustomers reactor.
#include <memory>
#include <optional>
#include <string>

#include "clientele/v1/customers.grpc.pb.h"
#include "common/status_details.h"
#include "common/strings.h"
#include "server/api/customers.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Reads an import stream message by message into a CustomerImport and
// writes it when the client has sent everything.
//
// The stream is read as raw bytes and parsed here: gRPC's typed reader
// shows a message that does not parse exactly as the end of the stream
// (OnReadDone(false)), which would import what came before it. A message
// that does not parse fails the whole import instead.
class ImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, std::string_view caller,
                StreamSlots::Slot slot, std::unique_ptr<CustomerImport> import,
                grpc::ByteBuffer* response, WorkerPool* pool)
      : context_(context),
        caller_(caller),
        slot_(std::move(slot)),
        import_(std::move(import)),
        response_(response),
        pool_(pool) {
    StartRead(&bytes_);
  }
  // A stream that cannot start (no valid ruleset): ends at once.
  ImportReactor(grpc::CallbackServerContext* context, const absl::Status& refused)
      : context_(context), response_(nullptr), pool_(nullptr) {
    LogCall("ImportCustomers", refused, began_);
    Finish(ToGrpc(refused));
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away)
      if (context_->IsCancelled()) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled; nothing was imported"));
      } else {
        pool_->Run([this] {
          v1::ImportCustomersResponse response;
          absl::Status status = import_->Finish(&response);
          bool own_buffer = false;
          if (status.ok() &&
              !grpc::SerializationTraits<v1::ImportCustomersResponse>::Serialize(
                   response, response_, &own_buffer)
                   .ok()) {
            status = absl::InternalError("the import's response cannot be serialized");
          }
          LogCall("ImportCustomers", status, began_, caller_);
          Finish(ToGrpc(status));
        });
      }
      return;
    }
    ++messages_;
    v1::ImportCustomersRequest message;
    if (!grpc::SerializationTraits<v1::ImportCustomersRequest>::Deserialize(&bytes_, &message)
             .ok()) {
      const absl::Status s = WithReason(
          absl::InvalidArgumentError(StrCat(
              "message ", messages_,
              " of the stream does not parse as ImportCustomersRequest (a string field that is "
              "not valid UTF-8, or truncated or malformed bytes); nothing was imported")),
          kReasonUnparseableRequest);
      LogCall("ImportCustomers", s, began_, caller_);
      Finish(ToGrpc(s));
      return;
    }
    if (absl::Status s = import_->Add(message); !s.ok()) {
      LogCall("ImportCustomers", s, began_, caller_);
      Finish(ToGrpc(s));
      return;
    }
    bytes_.Clear();
    StartRead(&bytes_);
  }
  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* context_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  std::unique_ptr<CustomerImport> import_;
  grpc::ByteBuffer* response_;  // the serialized ImportCustomersResponse
  WorkerPool* pool_;
  grpc::ByteBuffer bytes_;      // the message being read
  int64_t messages_ = 0;        // read so far
};

// ImportCustomers is served raw (bytes in, bytes out): see ImportReactor.
class CustomersService final
    : public v1::Customers::WithRawCallbackMethod_ImportCustomers<v1::Customers::CallbackService> {
 public:
  explicit CustomersService(const ServiceContext& c)
      : api_(&c.apis->customers), pool_(c.write_pool), slots_(c.stream_slots), auth_(c.auth) {}
  grpc::ServerUnaryReactor* UpsertCustomer(grpc::CallbackServerContext* context,
                                           const v1::UpsertCustomerRequest* request,
                                           v1::UpsertCustomerResponse* response) override {
    return RunWrite("UpsertCustomer", *auth_, context, pool_, [api = api_, request, response] {
      return api->UpsertCustomer(*request, response);
    });
  }
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* context,
                                        const v1::GetCustomerRequest* request,
                                        v1::GetCustomerResponse* response) override {
    return Run("GetCustomer", *auth_, context,
               [&] { return api_->GetCustomer(*request, response); });
  }
  grpc::ServerUnaryReactor* DeleteCustomer(grpc::CallbackServerContext* context,
                                           const v1::DeleteCustomerRequest* request,
                                           v1::DeleteCustomerResponse* response) override {
    return RunWrite("DeleteCustomer", *auth_, context, pool_, [api = api_, request, response] {
      return api->DeleteCustomer(*request, response);
    });
  }
  grpc::ServerUnaryReactor* ListCustomers(grpc::CallbackServerContext* context,
                                          const v1::ListCustomersRequest* request,
                                          v1::ListCustomersResponse* response) override {
    return Run("ListCustomers", *auth_, context,
               [&] { return api_->ListCustomers(*request, response); });
  }
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportCustomers(
      grpc::CallbackServerContext* context, grpc::ByteBuffer* response) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "ImportCustomers");
    if (!caller.ok()) return new ImportReactor(context, caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new ImportReactor(context, slot.status());
    absl::StatusOr<std::unique_ptr<CustomerImport>> import = api_->StartImport();
    if (!import.ok()) return new ImportReactor(context, import.status());
    return new ImportReactor(context, caller->name, std::move(*slot), std::move(*import), response,
                             pool_);
  }

 private:
  CustomersApi* api_;
  WorkerPool* pool_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeCustomersService(const ServiceContext& context) {
  return std::make_unique<CustomersService>(context);
}

}  // namespace clientele::server
