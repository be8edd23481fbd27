// The Segments service (proto/clientele/v1/segments.proto): customers'
// stored segments kept fresh, their changes followed, and RFM scores.
//
// The SegmentsApi makes the store call it inside every write that changes
// customers (Store::FollowCustomerChanges), and stores those customers'
// segments by the served rules in the same transaction, so a purchase that
// makes a customer "churn risk" records the move with the purchase. A
// refresh (Refresh: another version served, a new day, or asked for)
// recomputes the RFM quantiles and then every customer's segments, inside
// the store's writer a batch at a time, so that no write in between is
// undone by an older read; it also opens the tasks the rules give (a task
// rule that became true with time alone, or with the new version). Statuses and thread safety as
// dependencies.h says; one refresh runs at a time.
#ifndef CLIENTELE_SERVER_API_SEGMENTS_H_
#define CLIENTELE_SERVER_API_SEGMENTS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/segments.pb.h"
#include "rules/ruleset.h"
#include "server/api/dependencies.h"

namespace clientele::server {

class SegmentsApi {
 public:
  // What `dependencies` points to must outlive the SegmentsApi, which
  // follows the store's customer changes until destroyed.
  explicit SegmentsApi(const ApiDependencies& dependencies);
  ~SegmentsApi();  // StopFollowing

  // From now on the store's writes are not followed: before the store
  // closes, when it closes before the SegmentsApi goes. May be called twice.
  void StopFollowing();
  // A refresh running or to come stops at its next batch (CANCELLED): at
  // shutdown, so that a long one does not hold the server.
  void StopRefreshing();
  SegmentsApi(const SegmentsApi&) = delete;
  SegmentsApi& operator=(const SegmentsApi&) = delete;

  absl::Status GetCustomerSegments(const v1::GetCustomerSegmentsRequest& request,
                                   v1::GetCustomerSegmentsResponse* response);
  absl::Status ListSegmentMembers(const v1::ListSegmentMembersRequest& request,
                                  v1::ListSegmentMembersResponse* response);
  absl::Status RefreshSegments(const v1::RefreshSegmentsRequest& request,
                               v1::RefreshSegmentsResponse* response);
  absl::Status GetRfm(const v1::GetRfmRequest& request, v1::GetRfmResponse* response);

  // Recomputes the RFM quantiles (when the served rules' rfm file takes
  // them) and every customer's segments, recording moves with `cause`;
  // stops between batches once `stop_requested` says so (CANCELLED, not
  // counted as refreshed). Waits for a
  // refresh running; kIfStale then does nothing (an empty *outcome) when
  // the served version was refreshed in full today. When another version
  // is served meanwhile, starts over with it. UNAVAILABLE while no ruleset
  // is served.
  enum class RefreshWhen { kAlways, kIfStale };
  absl::Status Refresh(std::string_view cause, RefreshWhen when,
                       const std::function<bool()>& stop_requested,
                       v1::RefreshSegmentsResponse* outcome);
  // The version and the programme day of the last refresh that finished
  // ("" and unknown before any).
  std::string RefreshedVersion() const;
  rules::Date RefreshedDay() const;
  // The programme's day now.
  rules::Date Today() const { return today_(); }

  // For WatchSegmentChanges: checks a request; the stored changes after
  // `after_sequence` it asks for, in order, at most `limit`; and the
  // changes committed from now on, to `listener` on the store's writer
  // thread (quick; never calling the Store or the APIs) until Unsubscribe.
  absl::Status CheckWatch(const v1::WatchSegmentChangesRequest& request) const;
  absl::Status StoredChanges(const v1::WatchSegmentChangesRequest& request, int64_t after_sequence,
                             int limit, std::vector<v1::SegmentChange>* out);
  int Subscribe(const v1::WatchSegmentChangesRequest& request,
                std::function<void(const v1::SegmentChange&)> listener);
  void Unsubscribe(int id);

 private:
  // Stores the segments of the customers a write changed.
  absl::Status FollowChanges(Transaction& tx, std::string_view method,
                             const std::vector<std::string>& customer_ids);
  // One refresh by `served`; *superseded (and nothing more done) once
  // another version is served.
  absl::Status RefreshWith(const ServedRuleset& served, std::string_view cause,
                           const std::function<bool()>& stop_requested,
                           v1::RefreshSegmentsResponse* outcome, bool* superseded);
  absl::Status ComputeRfmQuantiles(const rules::RuleSet& ruleset, rules::Date today,
                                   v1::RfmQuantiles* out);

  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  const std::function<rules::Date()> today_;
  const std::function<absl::Time()> now_;
  std::mutex refresh_mutex_;  // one refresh at a time
  std::once_flag stopped_following_;
  std::atomic<bool> stopping_{false};  // StopRefreshing
  mutable std::mutex refreshed_mutex_;
  std::string refreshed_version_;  // guarded by refreshed_mutex_
  rules::Date refreshed_day_;      // guarded by refreshed_mutex_
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_SEGMENTS_H_
