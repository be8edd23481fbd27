// The Events service (proto/clientele/v1/events.proto): purchases, their
// returns, interactions and feedback, each written with the points, tier
// and satisfaction the rules give. Statuses and thread safety as
// dependencies.h says.
#ifndef CLIENTELE_SERVER_API_EVENTS_H_
#define CLIENTELE_SERVER_API_EVENTS_H_

#include <functional>

#include "absl/status/status.h"
#include "clientele/v1/events.pb.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

class EventsApi {
 public:
  // What `dependencies` points to must outlive the EventsApi.
  explicit EventsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        limits_(dependencies.limits),
        today_(api_internal::ProgrammeToday(dependencies)),
        now_(dependencies.now),
        minute_(api_internal::ProgrammeMinute(dependencies)) {}

  absl::Status RecordPurchase(const v1::RecordPurchaseRequest& request,
                              v1::RecordPurchaseResponse* response);
  // RecordPurchase without a thread waiting for the commit: validates on
  // the calling thread and queues the write (Store::Submit). `done` runs
  // once: on the calling thread before this returns for a request refused
  // up front, else on the store's writer or completion thread, where it
  // must be quick and must not call the API classes or the Store.
  // `request` and `response` must live until then. A write still queued
  // at `deadline` is not made (DEADLINE_EXCEEDED).
  void RecordPurchase(const v1::RecordPurchaseRequest& request,
                      v1::RecordPurchaseResponse* response, Store::Deadline deadline, Done done);
  absl::Status RecordInteraction(const v1::RecordInteractionRequest& request,
                                 v1::RecordInteractionResponse* response);
  absl::Status ReturnPurchase(const v1::ReturnPurchaseRequest& request,
                              v1::ReturnPurchaseResponse* response);
  // Feedback about a product; the improvement rules may propose actions
  // from it (see improvements.h).
  absl::Status SubmitFeedback(const v1::SubmitFeedbackRequest& request,
                              v1::SubmitFeedbackResponse* response);
  // A custom event of a type the ruleset declares: its earning rules'
  // credits, each a ledger entry of the customer who gets it
  // (custom_events.cc).
  absl::Status RecordEvent(const v1::RecordEventRequest& request,
                           v1::RecordEventResponse* response);

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  const std::function<rules::Date()> today_;
  const std::function<absl::Time()> now_;  // events without occurred_at happen now
  const std::function<int32_t(const rules::RuleSet&, rules::Date)> minute_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_EVENTS_H_
