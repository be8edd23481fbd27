// The callback-API gRPC services over Operations: the only place where
// absl::Status becomes grpc::Status.
#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>

#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "common/strings.h"
#include "server/api/auth.h"
#include "server/infra/log.h"
#include "server/infra/metrics.h"
#include "server/api/grpc/services.h"
#include "server/api/requests.h"
#include "common/status_details.h"

namespace clientele::server {

namespace {

// Whether failures with `code` are about the request, so that their
// messages may echo what it held (a name, a birthday, a text). The
// server's own failures (INTERNAL, UNAVAILABLE, refusals, deadlines) hold
// no request data.
bool IsAboutTheRequest(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

// A field path of ours: lower case, digits, '_', '.', '[' and ']'.
bool IsFieldPath(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '[' ||
           c == ']';
  });
}

// The request field a failure is about: the one attached to it
// (status_details.h), else the field path its message starts with
// ("customer.birthday" of "customer.birthday: ... is not a date"), else "".
std::string FieldOfFailure(const absl::Status& status) {
  if (std::string field = FieldOf(status); !field.empty()) return field;
  if (!IsAboutTheRequest(status.code())) return "";
  const std::string_view message = View(status.message());
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || !IsFieldPath(message.substr(0, colon))) return "";
  return std::string(message.substr(0, colon));
}

// The gRPC status of a failure: its message with control characters
// escaped (line breaks kept: diagnostics take several lines), and in the
// grpc-status-details-bin trailer a google.rpc.Status with an ErrorInfo
// (the reason: status_details.h, else the code's name; the field, if
// any, in its metadata) and, for INVALID_ARGUMENT about a field, a
// BadRequest naming it.
grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::string message = EscapeControlCharacters(View(status.message()), "\n");
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  google::rpc::ErrorInfo info;
  const std::string reason = ReasonOf(status);
  info.set_reason(reason.empty() ? absl::StatusCodeToString(status.code()) : reason);
  info.set_domain("clientele");
  const std::string field = FieldOfFailure(status);
  if (!field.empty()) (*info.mutable_metadata())["field"] = field;
  details.add_details()->PackFrom(info);
  if (!field.empty() && status.code() == absl::StatusCode::kInvalidArgument) {
    google::rpc::BadRequest bad_request;
    google::rpc::BadRequest::FieldViolation* violation = bad_request.add_field_violations();
    violation->set_field(field);
    const std::string prefix = StrCat(field, ": ");
    violation->set_description(message.rfind(prefix, 0) == 0 ? message.substr(prefix.size())
                                                              : message);
    details.add_details()->PackFrom(bad_request);
  }
  // absl::StatusCode and grpc::StatusCode share their numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& status) {
  // The same numbering, as in ToGrpc.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// What of a failure's message may be logged. Messages about the request
// may echo what it held (a name, a birthday, a text), which must not reach
// the logs: of those only the field they name is kept ("customer.birthday"
// of "customer.birthday: '1979-13-01' is not a date"). The server's own
// failures (INTERNAL, UNAVAILABLE, refusals, deadlines) hold no request
// data and are logged whole.
std::string LoggableError(const absl::Status& status) {
  if (!IsAboutTheRequest(status.code())) return std::string(status.message());
  // An attached field may hold a map key the caller chose: logged only
  // when it is a plain path.
  const std::string field = FieldOfFailure(status);
  return IsFieldPath(field) ? StrCat("about ", field, " (details went to the caller only)")
                            : "(details went to the caller only)";
}

// Counts the call in the metrics and logs it: failures at info
// (LoggableError), the rest at debug, each with its duration and the name
// of the caller's token (never the token itself).
void LogCall(std::string_view method, const absl::Status& status,
             std::chrono::steady_clock::time_point began, std::string_view caller = "") {
  const auto elapsed = std::chrono::steady_clock::now() - began;
  Metrics::Global().RecordCall(method, status.code(), elapsed);
  const LogLevel level = status.ok() ? LogLevel::kDebug : LogLevel::kInfo;
  if (!LogEnabled(level)) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  std::vector<std::pair<std::string_view, std::string>> fields = {
      {"method", std::string(method)},
      {"code", absl::StatusCodeToString(status.code())},
      {"us", std::to_string(micros)}};
  if (!caller.empty()) fields.emplace_back("caller", std::string(caller));
  if (!status.ok()) fields.emplace_back("error", LoggableError(status));
  Log(level, "call", fields);
}

// Admits a call: it carries a token this server accepts, whose role may
// call `method`, and its deadline has not passed. The caller, or why not
// (UNAUTHENTICATED, PERMISSION_DENIED, DEADLINE_EXCEEDED).
absl::StatusOr<Caller> Admit(const Authenticator& auth, grpc::CallbackServerContext* context,
                             std::string_view method) {
  const auto& metadata = context->client_metadata();
  std::optional<std::string_view> authorization;
  if (const auto found = metadata.find("authorization"); found != metadata.end()) {
    authorization = std::string_view(found->second.data(), found->second.size());
  }
  absl::StatusOr<Caller> caller = auth.Authenticate(authorization);
  if (!caller.ok()) return caller.status();
  if (absl::Status s = Authenticator::Authorize(*caller, method); !s.ok()) return s;
  if (context->deadline() < std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("the deadline passed before the call started");
  }
  return caller;
}

grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, std::string_view method,
                                 const absl::Status& why) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  LogCall(method, why, std::chrono::steady_clock::now());
  reactor->Finish(ToGrpc(why));
  return reactor;
}

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
    const absl::Status status =
        context->deadline() < std::chrono::system_clock::now()
            ? absl::DeadlineExceededError("the deadline passed before a worker was free")
            : operation();
    LogCall(method, status, began, caller);
    reactor->Finish(ToGrpc(status));
  });
  return reactor;
}

// Starts an asynchronous writing operation on the calling gRPC thread: it
// validates, queues its write with the store and returns; the store's
// writer thread finishes the call once the commit is durable. No thread
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

// Writes the decisions of a DecisionStream one at a time: the next is
// produced only when the previous has been sent, so a slow reader holds
// back the scan instead of filling memory.
class EvaluateManyReactor final : public grpc::ServerWriteReactor<v1::EvaluateResponse> {
 public:
  EvaluateManyReactor(grpc::CallbackServerContext* context, std::string_view caller,
                      StreamSlots::Slot slot,
                      absl::StatusOr<std::unique_ptr<DecisionStream>> stream)
      : context_(context), caller_(caller), slot_(std::move(slot)) {
    if (!stream.ok()) {
      End(ToGrpc(stream.status()));
      return;
    }
    stream_ = std::move(*stream);
    WriteNext();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  // Counts and logs the stream, then finishes it.
  void End(grpc::Status status) {
    LogCall("EvaluateMany", FromGrpc(status), began_, caller_);
    Finish(std::move(status));
  }

  void WriteNext() {
    if (context_->IsCancelled()) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      return;
    }
    if (context_->deadline() < std::chrono::system_clock::now()) {
      End(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the deadline passed mid-stream"));
      return;
    }
    absl::StatusOr<bool> more = stream_->Next(&response_);
    if (!more.ok()) {
      End(ToGrpc(more.status()));
    } else if (!*more) {
      End(grpc::Status::OK);
    } else {
      StartWrite(&response_);
    }
  }

  grpc::CallbackServerContext* context_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  std::unique_ptr<DecisionStream> stream_;
  v1::EvaluateResponse response_;
};

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
      : ops_(c.operations), pool_(c.write_pool), slots_(c.stream_slots), auth_(c.auth) {}
  grpc::ServerUnaryReactor* UpsertCustomer(grpc::CallbackServerContext* context,
                                           const v1::UpsertCustomerRequest* request,
                                           v1::UpsertCustomerResponse* response) override {
    return RunWrite("UpsertCustomer", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->UpsertCustomer(*request, response);
    });
  }
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* context,
                                        const v1::GetCustomerRequest* request,
                                        v1::GetCustomerResponse* response) override {
    return Run("GetCustomer", *auth_, context,
               [&] { return ops_->GetCustomer(*request, response); });
  }
  grpc::ServerUnaryReactor* DeleteCustomer(grpc::CallbackServerContext* context,
                                           const v1::DeleteCustomerRequest* request,
                                           v1::DeleteCustomerResponse* response) override {
    return RunWrite("DeleteCustomer", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->DeleteCustomer(*request, response);
    });
  }
  grpc::ServerUnaryReactor* ListCustomers(grpc::CallbackServerContext* context,
                                          const v1::ListCustomersRequest* request,
                                          v1::ListCustomersResponse* response) override {
    return Run("ListCustomers", *auth_, context,
               [&] { return ops_->ListCustomers(*request, response); });
  }
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportCustomers(
      grpc::CallbackServerContext* context, grpc::ByteBuffer* response) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "ImportCustomers");
    if (!caller.ok()) return new ImportReactor(context, caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new ImportReactor(context, slot.status());
    absl::StatusOr<std::unique_ptr<CustomerImport>> import = ops_->StartImport();
    if (!import.ok()) return new ImportReactor(context, import.status());
    return new ImportReactor(context, caller->name, std::move(*slot), std::move(*import), response,
                             pool_);
  }

 private:
  Operations* ops_;
  WorkerPool* pool_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

class EventsService final : public v1::Events::CallbackService {
 public:
  explicit EventsService(const ServiceContext& c)
      : ops_(c.operations), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* RecordPurchase(grpc::CallbackServerContext* context,
                                           const v1::RecordPurchaseRequest* request,
                                           v1::RecordPurchaseResponse* response) override {
    return StartWrite(
        "RecordPurchase", *auth_, context,
        [ops = ops_, request, response](Store::Deadline deadline, Operations::Done done) {
          ops->RecordPurchase(*request, response, deadline, std::move(done));
        });
  }
  grpc::ServerUnaryReactor* RecordInteraction(grpc::CallbackServerContext* context,
                                              const v1::RecordInteractionRequest* request,
                                              v1::RecordInteractionResponse* response) override {
    return RunWrite("RecordInteraction", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->RecordInteraction(*request, response);
    });
  }
  grpc::ServerUnaryReactor* ReturnPurchase(grpc::CallbackServerContext* context,
                                           const v1::ReturnPurchaseRequest* request,
                                           v1::ReturnPurchaseResponse* response) override {
    return RunWrite("ReturnPurchase", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->ReturnPurchase(*request, response);
    });
  }
  grpc::ServerUnaryReactor* SubmitFeedback(grpc::CallbackServerContext* context,
                                           const v1::SubmitFeedbackRequest* request,
                                           v1::SubmitFeedbackResponse* response) override {
    return RunWrite("SubmitFeedback", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->SubmitFeedback(*request, response);
    });
  }

 private:
  Operations* ops_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

class DecisionsService final : public v1::Decisions::CallbackService {
 public:
  explicit DecisionsService(const ServiceContext& c)
      : ops_(c.operations), slots_(c.stream_slots), auth_(c.auth) {}
  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const v1::EvaluateRequest* request,
                                     v1::EvaluateResponse* response) override {
    return Run("Evaluate", *auth_, context, [&](std::string_view caller) {
      return ops_->Evaluate(*request, response, caller);
    });
  }
  grpc::ServerWriteReactor<v1::EvaluateResponse>* EvaluateMany(
      grpc::CallbackServerContext* context, const v1::EvaluateManyRequest* request) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "EvaluateMany");
    if (!caller.ok()) {
      return new RefusedStream<v1::EvaluateResponse>("EvaluateMany", caller.status());
    }
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::EvaluateResponse>("EvaluateMany", slot.status());
    return new EvaluateManyReactor(context, caller->name, std::move(*slot),
                                   ops_->EvaluateMany(*request, caller->name));
  }
  grpc::ServerUnaryReactor* GetRuleset(grpc::CallbackServerContext* context,
                                       const v1::GetRulesetRequest* request,
                                       v1::GetRulesetResponse* response) override {
    return Run("GetRuleset", *auth_, context, [&] { return ops_->GetRuleset(*request, response); });
  }
  grpc::ServerUnaryReactor* ListLoggedDecisions(grpc::CallbackServerContext* context,
                                                const v1::ListLoggedDecisionsRequest* request,
                                                v1::ListLoggedDecisionsResponse* response) override {
    return Run("ListLoggedDecisions", *auth_, context,
               [&] { return ops_->ListLoggedDecisions(*request, response); });
  }

 private:
  Operations* ops_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

class ImprovementsService final : public v1::Improvements::CallbackService {
 public:
  explicit ImprovementsService(const ServiceContext& c)
      : ops_(c.operations), pool_(c.write_pool), auth_(c.auth) {}
  grpc::ServerUnaryReactor* UpsertProduct(grpc::CallbackServerContext* context,
                                          const v1::UpsertProductRequest* request,
                                          v1::UpsertProductResponse* response) override {
    return RunWrite("UpsertProduct", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->UpsertProduct(*request, response);
    });
  }
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context,
                                       const v1::GetProductRequest* request,
                                       v1::GetProductResponse* response) override {
    return Run("GetProduct", *auth_, context, [&] { return ops_->GetProduct(*request, response); });
  }
  grpc::ServerUnaryReactor* ListImprovementActions(
      grpc::CallbackServerContext* context, const v1::ListImprovementActionsRequest* request,
      v1::ListImprovementActionsResponse* response) override {
    return Run("ListImprovementActions", *auth_, context,
               [&] { return ops_->ListImprovementActions(*request, response); });
  }
  grpc::ServerUnaryReactor* ApplyImprovementAction(
      grpc::CallbackServerContext* context, const v1::DecideImprovementActionRequest* request,
      v1::DecideImprovementActionResponse* response) override {
    return RunWrite("ApplyImprovementAction", *auth_, context, pool_,
                    [ops = ops_, request, response] {
                      return ops->ApplyImprovementAction(*request, response);
                    });
  }
  grpc::ServerUnaryReactor* DismissImprovementAction(
      grpc::CallbackServerContext* context, const v1::DecideImprovementActionRequest* request,
      v1::DecideImprovementActionResponse* response) override {
    return RunWrite("DismissImprovementAction", *auth_, context, pool_,
                    [ops = ops_, request, response] {
                      return ops->DismissImprovementAction(*request, response);
                    });
  }

 private:
  Operations* ops_;
  WorkerPool* pool_;
  const Authenticator* auth_;
};

// Ping answers on the reactor thread without touching anything else (but
// admits callers like every RPC, so that it stays a fair ceiling).
class DiagnosticsService final : public v1::Diagnostics::CallbackService {
 public:
  explicit DiagnosticsService(const Authenticator* auth) : auth_(auth) {}
  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context,
                                 const v1::PingRequest* request,
                                 v1::PingResponse* response) override {
    const auto began = std::chrono::steady_clock::now();
    if (absl::StatusOr<Caller> caller = Admit(*auth_, context, "Ping"); !caller.ok()) {
      return Refuse(context, "Ping", caller.status());
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->payload().size() > 1024) {
      reactor->Finish(ToGrpc(service_internal::Invalid("payload", "at most 1024 bytes")));
      return reactor;
    }
    response->set_payload(request->payload());
    // Counted like every call (not logged), so that it stays a fair ceiling.
    Metrics::Global().RecordCall("Ping", absl::StatusCode::kOk,
                                 std::chrono::steady_clock::now() - began);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const Authenticator* auth_;
};

class ReportsService final : public v1::Reports::CallbackService {
 public:
  explicit ReportsService(const ServiceContext& c) : ops_(c.operations), auth_(c.auth) {}
  grpc::ServerUnaryReactor* SegmentSizes(grpc::CallbackServerContext* context,
                                         const v1::SegmentSizesRequest* request,
                                         v1::SegmentSizesResponse* response) override {
    return Run("SegmentSizes", *auth_, context,
               [&] { return ops_->SegmentSizes(*request, response); });
  }
  grpc::ServerUnaryReactor* FeedbackReport(grpc::CallbackServerContext* context,
                                           const v1::FeedbackReportRequest* request,
                                           v1::FeedbackReportResponse* response) override {
    return Run("FeedbackReport", *auth_, context,
               [&] { return ops_->FeedbackReport(*request, response); });
  }
  grpc::ServerUnaryReactor* GetLedger(grpc::CallbackServerContext* context,
                                      const v1::GetLedgerRequest* request,
                                      v1::GetLedgerResponse* response) override {
    return Run("GetLedger", *auth_, context, [&] { return ops_->GetLedger(*request, response); });
  }

 private:
  Operations* ops_;
  const Authenticator* auth_;
};


// Follows reload attempts: the status at the start, then one message per
// attempt. Attempts are told on the reloader's thread and written on
// gRPC's; one write is outstanding at a time and Finish waits for it.
class WatchRulesetReactor final : public grpc::ServerWriteReactor<v1::RulesetStatus>,
                                  public OpenStreams::Stream {
 public:
  // A client that lets this many messages pile up unread is cut off.
  static constexpr size_t kMaxBacklog = 256;

  WatchRulesetReactor(Operations* ops, OpenStreams* streams, std::string_view caller,
                      StreamSlots::Slot slot)
      : ops_(ops), streams_(streams), caller_(caller), slot_(std::move(slot)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!streams_->Add(this)) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is stopping"));
      return;
    }
    registered_ = true;
    // Subscribe first, then send the current state: an attempt made in
    // between is sent once (EnqueueLocked skips numbers already queued).
    listener_ = ops_->reloader()->Subscribe([this](const ReloadAttempt& attempt) {
      std::lock_guard<std::mutex> lock(mutex_);
      EnqueueLocked(attempt);
    });
    EnqueueLocked(ops_->reloader()->LastAttempt(), /*initial=*/true);
  }
  void End() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(grpc::Status::OK);
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading"));
      return;
    }
    if (finish_wanted_) {
      FinishLocked(*finish_wanted_);
      return;
    }
    WriteNextLocked();
  }
  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  void OnDone() override {
    if (listener_ != 0) ops_->reloader()->Unsubscribe(listener_);  // no call after this
    if (registered_) streams_->Remove(this);
    delete this;
  }

 private:
  void EnqueueLocked(const ReloadAttempt& attempt, bool initial = false) {
    if (finishing_ || (!initial && attempt.number <= last_number_)) return;
    last_number_ = attempt.number;
    if (backlog_.size() >= kMaxBacklog) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "the client read too slowly; watch again"));
      return;
    }
    ops_->RulesetStatusAfter(attempt, &backlog_.emplace_back());
    WriteNextLocked();
  }
  void WriteNextLocked() {
    if (writing_ || backlog_.empty()) return;
    sending_ = std::move(backlog_.front());
    backlog_.pop_front();
    writing_ = true;
    StartWrite(&sending_);
  }
  // Finishes now, or once the outstanding write is done.
  void FinishLocked(grpc::Status status) {
    if (finished_) return;
    finishing_ = true;
    if (writing_) {
      if (!finish_wanted_) finish_wanted_ = std::move(status);
      return;
    }
    finished_ = true;
    LogCall("WatchRuleset", FromGrpc(status), began_, caller_);
    Finish(std::move(status));
  }

  Operations* const ops_;
  OpenStreams* const streams_;
  const std::string_view caller_;
  const StreamSlots::Slot slot_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  bool registered_ = false;
  int listener_ = 0;
  std::mutex mutex_;
  // All below guarded by mutex_.
  std::deque<v1::RulesetStatus> backlog_;
  v1::RulesetStatus sending_;
  int64_t last_number_ = -1;
  bool writing_ = false;
  bool finishing_ = false;  // no more messages are queued
  bool finished_ = false;   // Finish called
  std::optional<grpc::Status> finish_wanted_;
};

class RulesetsService final : public v1::Rulesets::CallbackService {
 public:
  explicit RulesetsService(const ServiceContext& c)
      : ops_(c.operations),
        pool_(c.write_pool),
        streams_(c.streams),
        slots_(c.stream_slots),
        auth_(c.auth) {}
  grpc::ServerUnaryReactor* GetRulesetStatus(grpc::CallbackServerContext* context,
                                             const v1::GetRulesetStatusRequest* request,
                                             v1::RulesetStatus* response) override {
    return Run("GetRulesetStatus", *auth_, context,
               [&] { return ops_->GetRulesetStatus(*request, response); });
  }
  // A reload reads and compiles files: off gRPC's threads.
  grpc::ServerUnaryReactor* ReloadRuleset(grpc::CallbackServerContext* context,
                                          const v1::ReloadRulesetRequest* request,
                                          v1::ReloadRulesetResponse* response) override {
    return RunWrite("ReloadRuleset", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->ReloadRuleset(*request, response);
    });
  }
  grpc::ServerWriteReactor<v1::RulesetStatus>* WatchRuleset(
      grpc::CallbackServerContext* context, const v1::WatchRulesetRequest*) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "WatchRuleset");
    if (!caller.ok()) return new RefusedStream<v1::RulesetStatus>("WatchRuleset", caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::RulesetStatus>("WatchRuleset", slot.status());
    return new WatchRulesetReactor(ops_, streams_, caller->name, std::move(*slot));
  }
  grpc::ServerUnaryReactor* ListRulesetVersions(grpc::CallbackServerContext* context,
                                                const v1::ListRulesetVersionsRequest* request,
                                                v1::ListRulesetVersionsResponse* response) override {
    return Run("ListRulesetVersions", *auth_, context,
               [&] { return ops_->ListRulesetVersions(*request, response); });
  }
  grpc::ServerUnaryReactor* GetRulesetVersion(grpc::CallbackServerContext* context,
                                              const v1::GetRulesetVersionRequest* request,
                                              v1::GetRulesetVersionResponse* response) override {
    return Run("GetRulesetVersion", *auth_, context,
               [&] { return ops_->GetRulesetVersion(*request, response); });
  }
  // Seconds of work for a large store: on the pool, off gRPC's threads.
  grpc::ServerUnaryReactor* SimulateRuleset(grpc::CallbackServerContext* context,
                                            const v1::SimulateRulesetRequest* request,
                                            v1::SimulateRulesetResponse* response) override {
    return RunWrite("SimulateRuleset", *auth_, context, pool_, [ops = ops_, request, response] {
      return ops->SimulateRuleset(*request, response);
    });
  }

 private:
  Operations* ops_;
  WorkerPool* pool_;
  OpenStreams* streams_;
  StreamSlots* slots_;
  const Authenticator* auth_;
};

// Streams a backup: takes it on the write pool (seconds for a large store,
// off gRPC's threads), then sends the file a chunk at a time, one write
// outstanding, hashing as it goes. The backup (and so its temporary file)
// lives until the stream is done, however it ends.
//
// Every reaction works under mutex_ and only decides the final status
// there; Finish is called after the lock is released, as the last use of
// `this` (gRPC may run OnDone, which deletes the reactor, at once on
// another thread).
class BackupReactor final : public grpc::ServerWriteReactor<v1::BackupChunk> {
 public:
  BackupReactor(Operations* ops, WorkerPool* pool, size_t chunk_bytes, std::string_view caller,
                StreamSlots::Slot slot)
      : chunk_bytes_(chunk_bytes), slot_(std::move(slot)) {
    pool->Run([this, ops, caller, began = std::chrono::steady_clock::now()] {
      absl::StatusOr<std::unique_ptr<Operations::TakenBackup>> taken = ops->TakeBackup();
      LogCall("Backup", taken.status(), began, caller);
      React([&] {
        if (!taken.ok()) return FinishWith(ToGrpc(taken.status()));
        if (cancelled_) return FinishWith(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        backup_ = std::move(*taken);
        file_.open(backup_->path(), std::ios::binary);
        if (!file_ || !hash_.ok()) {
          return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the backup"));
        }
        *chunk_.mutable_manifest() = backup_->manifest();
        SendNextLocked();
      });
    });
  }

  void OnWriteDone(bool ok) override {
    React([&] {
      if (!ok) return FinishWith(grpc::Status(grpc::StatusCode::CANCELLED, "the client left"));
      if (last_sent_) return FinishWith(grpc::Status::OK);
      chunk_.Clear();
      SendNextLocked();
    });
  }
  // A cancel while the copy is being taken ends the stream once it is
  // (VACUUM INTO is not interrupted); during the stream the outstanding
  // write fails and OnWriteDone ends it.
  void OnCancel() override {
    React([&] { cancelled_ = true; });
  }
  void OnDone() override { delete this; }  // the backup's file goes with it

 private:
  // Runs `reaction` under the lock, then finishes if it decided to.
  template <typename Reaction>
  void React(Reaction reaction) {
    std::optional<grpc::Status> finish;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reaction();
      if (finish_with_.has_value() && !finished_) {
        finished_ = true;
        finish = std::move(finish_with_);
      }
    }
    if (finish.has_value()) Finish(std::move(*finish));  // the last use of `this`
  }
  void FinishWith(grpc::Status status) {
    if (!finish_with_.has_value()) finish_with_ = std::move(status);
  }
  // Reads the next chunk into chunk_ (the last one gets the SHA-256) and
  // writes it.
  void SendNextLocked() {
    std::string* data = chunk_.mutable_data();
    data->resize(chunk_bytes_);
    file_.read(data->data(), static_cast<std::streamsize>(chunk_bytes_));
    data->resize(static_cast<size_t>(file_.gcount()));
    if (file_.bad() || !hash_.Add(*data)) {
      return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the backup"));
    }
    sent_bytes_ += static_cast<int64_t>(data->size());
    if (sent_bytes_ >= backup_->manifest().size_bytes() || file_.eof()) {
      if (sent_bytes_ != backup_->manifest().size_bytes()) {
        return FinishWith(
            grpc::Status(grpc::StatusCode::INTERNAL, "the backup changed while it was sent"));
      }
      const std::string hex = hash_.Hex();
      if (!hash_.ok()) {
        return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot hash the backup"));
      }
      chunk_.set_sha256(hex);
      last_sent_ = true;
    }
    StartWrite(&chunk_);
  }

  const size_t chunk_bytes_;
  const StreamSlots::Slot slot_;
  std::mutex mutex_;
  std::unique_ptr<Operations::TakenBackup> backup_;  // guarded by mutex_
  std::ifstream file_;                               // guarded by mutex_
  Sha256 hash_;                                      // guarded by mutex_; of the data sent
  v1::BackupChunk chunk_;                            // guarded by mutex_; the write outstanding
  int64_t sent_bytes_ = 0;                           // guarded by mutex_
  bool last_sent_ = false;                           // guarded by mutex_
  bool cancelled_ = false;                           // guarded by mutex_
  std::optional<grpc::Status> finish_with_;          // guarded by mutex_
  bool finished_ = false;                            // guarded by mutex_
};

class AdminService final : public v1::Admin::CallbackService {
 public:
  explicit AdminService(const ServiceContext& c)
      // A chunk and its framing fit in a message, up to 1 MiB.
      : ops_(c.operations),
        pool_(c.write_pool),
        slots_(c.stream_slots),
        auth_(c.auth),
        chunk_bytes_(std::clamp<size_t>(c.max_message_bytes - 512, 256, 1 << 20)) {}
  grpc::ServerWriteReactor<v1::BackupChunk>* Backup(grpc::CallbackServerContext* context,
                                                    const v1::BackupRequest* /*request*/) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "Backup");
    if (!caller.ok()) return new RefusedStream<v1::BackupChunk>("Backup", caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::BackupChunk>("Backup", slot.status());
    return new BackupReactor(ops_, pool_, chunk_bytes_, caller->name, std::move(*slot));
  }

 private:
  Operations* ops_;
  WorkerPool* pool_;
  StreamSlots* slots_;
  const Authenticator* auth_;
  const size_t chunk_bytes_;
};

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

bool OpenStreams::Add(Stream* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return false;
  streams_.insert(stream);
  return true;
}

void OpenStreams::Remove(Stream* stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  streams_.erase(stream);
}

void OpenStreams::EndAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  for (Stream* stream : streams_) stream->End();
}

StreamSlots::Slot& StreamSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->open_.fetch_sub(1, std::memory_order_relaxed);
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

StreamSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->open_.fetch_sub(1, std::memory_order_relaxed);
}

absl::StatusOr<StreamSlots::Slot> StreamSlots::Acquire() {
  int open = open_.load(std::memory_order_relaxed);
  do {
    if (open >= max_open_) {
      return absl::ResourceExhaustedError(StrCat("the server already has ", open,
                                                 " streams open, its limit (max_open_streams); "
                                                 "close one or try again later"));
    }
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
  return Slot(this);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory() {
  return std::make_unique<UnparseableRequestInterceptorFactory>();
}

std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceContext& context) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::make_unique<CustomersService>(context));
  services.push_back(std::make_unique<EventsService>(context));
  services.push_back(std::make_unique<DecisionsService>(context));
  services.push_back(std::make_unique<ImprovementsService>(context));
  services.push_back(std::make_unique<ReportsService>(context));
  services.push_back(std::make_unique<DiagnosticsService>(context.auth));
  services.push_back(std::make_unique<RulesetsService>(context));
  services.push_back(std::make_unique<AdminService>(context));
  return services;
}

}  // namespace clientele::server
