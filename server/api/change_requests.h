// The ChangeRequests service (proto/clientele/v1/change_requests.proto):
// the console's four eyes. A draft is submitted only when its check
// passes, with the version of its files frozen; a person who neither
// submitted it nor wrote any of the draft approves it (anyone but the
// submitter may reject it); any change to the draft voids a
// pending request (the store does it, so no path can skip it), and an
// approval is refused when the draft's files are no longer the version
// submitted. Every step is an event with who, when, the version and the
// check's results then: the audit.
//
// Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_CHANGE_REQUESTS_H_
#define CLIENTELE_SERVER_API_CHANGE_REQUESTS_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clientele/v1/change_requests.pb.h"
#include "server/api/dependencies.h"
#include "server/api/drafts.h"

namespace clientele::server {

class ChangeRequestsApi {
 public:
  // What `dependencies` points to, and `drafts` (which checks a draft),
  // must outlive the ChangeRequestsApi.
  ChangeRequestsApi(const ApiDependencies& dependencies, DraftsApi* drafts)
      : store_(dependencies.store),
        reloader_(dependencies.reloader),
        now_(dependencies.now),
        drafts_(drafts) {}

  // `caller` is the name of the caller's token: who took the step.
  absl::Status SubmitChangeRequest(const v1::SubmitChangeRequestRequest& request,
                                   std::string_view caller, v1::ChangeRequest* response);
  absl::Status ApproveChangeRequest(const v1::ReviewChangeRequestRequest& request,
                                    std::string_view caller, v1::ChangeRequest* response);
  absl::Status RejectChangeRequest(const v1::ReviewChangeRequestRequest& request,
                                   std::string_view caller, v1::ChangeRequest* response);
  absl::Status WithdrawChangeRequest(const v1::WithdrawChangeRequestRequest& request,
                                     std::string_view caller, v1::ChangeRequest* response);
  absl::Status GetChangeRequest(const v1::GetChangeRequestRequest& request,
                                v1::ChangeRequest* response);
  absl::Status ListChangeRequests(const v1::ListChangeRequestsRequest& request,
                                  v1::ListChangeRequestsResponse* response);

 private:
  // Moves request `id` from `from` to `to` with an event of `action` by
  // `caller`, and answers the request after it.
  absl::Status Move(int64_t id, std::string_view from, std::string_view to, std::string_view action,
                    std::string_view caller, std::string_view comment, std::string_view version,
                    v1::ChangeRequest* response);
  // Request `id` as stored, with its events, into *response.
  absl::Status Answer(int64_t id, v1::ChangeRequest* response) const;
  std::string Now() const;

  Store* const store_;
  RulesReloader* const reloader_;
  const std::function<absl::Time()> now_;
  DraftsApi* const drafts_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_CHANGE_REQUESTS_H_
