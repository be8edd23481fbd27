// The gRPC services of clienteled (proto/clientele/v1): request
// validation, rules evaluation, and the store, with absl::Status mapped to
// gRPC status codes at this layer only.
//
// Each RPC has a plain method (Upsert, RecordPurchase, ...) that takes the
// request and fills the response; the callback-API handlers call it, and
// so do the demo-data loader and tests. Thread safety: every method may be
// called from many threads at once (the Store, RulesetHolder and
// RulesReloader are).
#ifndef CLIENTELE_SERVER_SERVICE_H_
#define CLIENTELE_SERVER_SERVICE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include <grpcpp/support/server_interceptor.h>
#include "clientele/v1/admin.grpc.pb.h"
#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/diagnostics.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/improvements.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "clientele/v1/rulesets.grpc.pb.h"
#include "rules/ruleset.h"
#include "server/api/auth.h"
#include "server/api/decision_log.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store.h"
#include "server/infra/worker_pool.h"

namespace clientele::server {

// Limits on request contents, from the server config.
struct RequestLimits {
  size_t max_text_bytes = 2000;  // interaction text, feedback
  size_t max_name_bytes = 200;   // names, products
  size_t max_import_customers = 1'000'000;  // per ImportCustomers stream
};

// The decisions of EvaluateMany, produced one at a time from pages of
// stored customers so that memory stays bounded however many there are.
// Not thread-safe: one caller at a time (a gRPC reactor serialises its
// callbacks).
class DecisionStream {
 public:
  virtual ~DecisionStream() = default;
  // The next decision into *response (cleared first); false at the end.
  virtual absl::StatusOr<bool> Next(v1::EvaluateResponse* response) = 0;
};

// One ImportCustomers stream: messages are validated as they arrive and
// written together by Finish. Not thread-safe (one stream, one reader).
class CustomerImport {
 public:
  virtual ~CustomerImport() = default;
  // Takes one message. INVALID_ARGUMENT for a stream that cannot be
  // imported at all (no key on the first message, a key or option on a
  // later one, too many customers, an invalid customer without
  // skip_invalid); the stream should then be ended with that status.
  virtual absl::Status Add(const v1::ImportCustomersRequest& message) = 0;
  // Writes every valid customer in one transaction (idempotent by the
  // first message's key and a hash of the whole stream).
  virtual absl::Status Finish(v1::ImportCustomersResponse* response) = 0;
};

// The operations behind the RPCs. Statuses: INVALID_ARGUMENT naming the
// field, NOT_FOUND, ALREADY_EXISTS (idempotency key reused for another
// request; purchase id recorded before), FAILED_PRECONDITION, UNAVAILABLE
// (also while no valid ruleset is loaded, for the operations that need
// one, with the reason).
class Operations {
 public:
  // All must outlive the Operations; `decision_log` may be null (no log).
  Operations(Store* store, RulesetHolder* rules, RulesReloader* reloader, RequestLimits limits,
             DecisionLog* decision_log = nullptr)
      : store_(store),
        rules_(rules),
        reloader_(reloader),
        limits_(limits),
        decision_log_(decision_log) {}

  absl::Status UpsertCustomer(const v1::UpsertCustomerRequest& request,
                              v1::UpsertCustomerResponse* response);
  absl::Status GetCustomer(const v1::GetCustomerRequest& request,
                           v1::GetCustomerResponse* response);
  absl::Status DeleteCustomer(const v1::DeleteCustomerRequest& request,
                              v1::DeleteCustomerResponse* response);
  absl::Status ListCustomers(const v1::ListCustomersRequest& request,
                             v1::ListCustomersResponse* response);
  absl::Status RecordPurchase(const v1::RecordPurchaseRequest& request,
                              v1::RecordPurchaseResponse* response);
  // Gets the outcome of an asynchronous operation, once.
  using Done = absl::AnyInvocable<void(absl::Status)>;
  // RecordPurchase without a thread waiting for the commit: validates on
  // the calling thread and queues the write (Store::Submit). `done` runs
  // once: on the calling thread before this returns for a request refused
  // up front, else on the store's writer or completion thread, where it
  // must be quick and must not call Operations or the Store. `request` and `response`
  // must live until then. A write still queued at `deadline` is not made
  // (DEADLINE_EXCEEDED).
  void RecordPurchase(const v1::RecordPurchaseRequest& request,
                      v1::RecordPurchaseResponse* response, Store::Deadline deadline, Done done);
  absl::Status RecordInteraction(const v1::RecordInteractionRequest& request,
                                 v1::RecordInteractionResponse* response);
  absl::Status ReturnPurchase(const v1::ReturnPurchaseRequest& request,
                              v1::ReturnPurchaseResponse* response);
  // `caller` (the token's name) goes into the decision log.
  absl::Status Evaluate(const v1::EvaluateRequest& request, v1::EvaluateResponse* response,
                        std::string_view caller = "");
  // The decision log, newest first (decision_log_ops.cc); empty while the
  // log is off.
  absl::Status ListLoggedDecisions(const v1::ListLoggedDecisionsRequest& request,
                                   v1::ListLoggedDecisionsResponse* response);

  // The ruleset, its reloads and versions (ruleset_ops.cc).
  absl::Status GetRuleset(const v1::GetRulesetRequest& request,
                          v1::GetRulesetResponse* response);
  absl::Status GetRulesetStatus(const v1::GetRulesetStatusRequest& request,
                                v1::RulesetStatus* response);
  absl::Status ReloadRuleset(const v1::ReloadRulesetRequest& request,
                             v1::ReloadRulesetResponse* response);
  absl::Status ListRulesetVersions(const v1::ListRulesetVersionsRequest& request,
                                   v1::ListRulesetVersionsResponse* response);
  absl::Status GetRulesetVersion(const v1::GetRulesetVersionRequest& request,
                                 v1::GetRulesetVersionResponse* response);
  // Evaluates a candidate ruleset against every stored customer beside the
  // served one (simulation_ops.cc). One at a time: RESOURCE_EXHAUSTED
  // while another runs. Uses up to 4 threads and as many store readers.
  absl::Status SimulateRuleset(const v1::SimulateRulesetRequest& request,
                               v1::SimulateRulesetResponse* response);
  // The status as WatchRuleset sends it, after `attempt` (the last one).
  void RulesetStatusAfter(const ReloadAttempt& attempt, v1::RulesetStatus* status) const;
  RulesReloader* reloader() const { return reloader_; }

  // Feedback, products and improvement actions (feedback_ops.cc).
  absl::Status SubmitFeedback(const v1::SubmitFeedbackRequest& request,
                              v1::SubmitFeedbackResponse* response);
  absl::Status UpsertProduct(const v1::UpsertProductRequest& request,
                             v1::UpsertProductResponse* response);
  absl::Status GetProduct(const v1::GetProductRequest& request, v1::GetProductResponse* response);
  absl::Status ListImprovementActions(const v1::ListImprovementActionsRequest& request,
                                      v1::ListImprovementActionsResponse* response);
  absl::Status ApplyImprovementAction(const v1::DecideImprovementActionRequest& request,
                                      v1::DecideImprovementActionResponse* response);
  absl::Status DismissImprovementAction(const v1::DecideImprovementActionRequest& request,
                                        v1::DecideImprovementActionResponse* response);
  absl::Status FeedbackReport(const v1::FeedbackReportRequest& request,
                              v1::FeedbackReportResponse* response);

  // Reports over customers (report_ops.cc).
  absl::Status SegmentSizes(const v1::SegmentSizesRequest& request,
                            v1::SegmentSizesResponse* response);
  absl::Status GetLedger(const v1::GetLedgerRequest& request, v1::GetLedgerResponse* response);

  // Streams (stream_ops.cc). EvaluateMany validates the request and
  // returns the stream of its decisions.
  absl::StatusOr<std::unique_ptr<DecisionStream>> EvaluateMany(
      const v1::EvaluateManyRequest& request, std::string_view caller = "");
  // UNAVAILABLE while no valid ruleset is loaded.
  absl::StatusOr<std::unique_ptr<CustomerImport>> StartImport();

  // Administration (admin_ops.cc).
  // A checked copy of the database in a temporary file beside it, for the
  // Backup stream to send; destroying it removes the file and lets the
  // next backup start. Takes seconds for a large store: call it off
  // gRPC's threads. RESOURCE_EXHAUSTED while another backup is held.
  class TakenBackup {
   public:
    TakenBackup(std::string path, v1::BackupManifest manifest, std::atomic<bool>* slot)
        : path_(std::move(path)), manifest_(std::move(manifest)), slot_(slot) {}
    ~TakenBackup();
    TakenBackup(const TakenBackup&) = delete;
    TakenBackup& operator=(const TakenBackup&) = delete;
    const std::string& path() const { return path_; }
    const v1::BackupManifest& manifest() const { return manifest_; }

   private:
    const std::string path_;
    const v1::BackupManifest manifest_;
    std::atomic<bool>* const slot_;
  };
  absl::StatusOr<std::unique_ptr<TakenBackup>> TakeBackup();

 private:
  // The ruleset to decide with into *served; UNAVAILABLE, with the reason
  // of the last reload attempt, while none is loaded.
  absl::Status ServingRules(std::shared_ptr<const ServedRuleset>* served) const;
  // Closes a proposed action as `status` ("applied" | "dismissed") in one
  // audited transaction; applying also makes its change to the product.
  absl::Status DecideImprovementAction(std::string_view method, std::string_view status,
                                       const v1::DecideImprovementActionRequest& request,
                                       v1::DecideImprovementActionResponse* response);

  Store* store_;
  RulesetHolder* rules_;
  RulesReloader* reloader_;
  RequestLimits limits_;
  DecisionLog* decision_log_;
  std::mutex simulation_mutex_;  // held while a simulation runs
  std::atomic<bool> backup_held_{false};  // a TakenBackup exists
};

// Removes what backups in progress when the server last died left beside
// the database (DATABASE.backup-*: TakenBackup removes its file, but not
// after a kill -9 or a power loss); returns how many files. For the start,
// before any backup can run.
int RemoveAbandonedBackups(const std::string& database_path);

// The open streams that never end by themselves (WatchRuleset), so that
// shutdown can end them instead of waiting out its grace period.
// Thread-safe.
class OpenStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void End() = 0;  // finishes the stream with OK; may be called twice
  };
  // False once EndAll has been called: the stream should end at once.
  bool Add(Stream* stream);
  void Remove(Stream* stream);
  // Ends every open stream and refuses new ones.
  void EndAll();

 private:
  std::mutex mutex_;
  std::set<Stream*> streams_;  // guarded by mutex_
  bool closed_ = false;        // guarded by mutex_
};

// A server-wide cap on the streaming calls open at once (EvaluateMany,
// ImportCustomers, WatchRuleset, Backup), so that clients that open streams
// and leave them open cannot tie up the server's memory and threads. A
// stream holds its Slot from admission until it is done. Thread-safe.
class StreamSlots {
 public:
  // A held slot; releases it when destroyed. Move-only.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class StreamSlots;
    explicit Slot(StreamSlots* owner) : owner_(owner) {}
    StreamSlots* owner_ = nullptr;
  };

  explicit StreamSlots(int max_open) : max_open_(max_open) {}
  // A slot, or RESOURCE_EXHAUSTED naming the limit when max_open are held.
  absl::StatusOr<Slot> Acquire();
  int open() const { return open_.load(std::memory_order_relaxed); }

 private:
  const int max_open_;
  std::atomic<int> open_{0};
};

// What the services need; everything must outlive them.
struct ServiceContext {
  Operations* operations = nullptr;
  // Runs the calls that write other than purchases (those queue with the
  // store: Store::Submit), and backups.
  WorkerPool* write_pool = nullptr;
  OpenStreams* streams = nullptr;
  StreamSlots* stream_slots = nullptr;
  const Authenticator* auth = nullptr;
  // The server's limit on a message (backups are sent in chunks below it).
  size_t max_message_bytes = 4 << 20;
};

// Callback-API services over Operations. Each handler first admits the
// call (see auth.h: UNAUTHENTICATED without a token the authenticator
// accepts, PERMISSION_DENIED when its role may not call the method,
// DEADLINE_EXCEEDED when the deadline has passed; a stream also needs a
// free StreamSlot, else RESOURCE_EXHAUSTED) and then runs the operation:
// writes on the write pool or the store's queue, the rest on gRPC's
// threads.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceContext& context);

// For the ServerBuilder: makes a call of ours whose request does not
// parse INVALID_ARGUMENT (with details, counted and logged) instead of
// gRPC's bare UNIMPLEMENTED (grpc_services.cc says why it is needed).
// (ImportCustomers parses its stream itself, with the same outcome.)
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory();

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_SERVICE_H_
