#include "server/api/segments.h"

#include <algorithm>
#include <utility>

#include "common/strings.h"
#include "rules/rfm.h"
#include "server/api/customer_scan.h"
#include "server/api/idempotent_writes.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/api/task_opening.h"

namespace clientele::server {
namespace {

using api_internal::AsOf;
using api_internal::CheckId;
using api_internal::CheckPageSize;
using api_internal::CheckText;
using api_internal::EvaluateRules;
using api_internal::Invalid;

// Customers evaluated in one write of a refresh: long enough to be cheap,
// short enough not to hold up the writes waiting behind it.
constexpr int kRefreshBatch = 500;
// Stored changes a watch reads at a time before following.
constexpr int kChangesPage = 1000;

// The customer's segment in each dimension the decision assigned (a
// collect dimension's joined by ", ", in the rules' order).
std::vector<SegmentMembershipRecord> SegmentsOf(const rules::Decision& decision) {
  std::vector<SegmentMembershipRecord> segments;
  for (const rules::SegmentAssignment& a : decision.segments) {
    auto same = std::find_if(segments.begin(), segments.end(),
                             [&](const auto& s) { return s.dimension == a.dimension; });
    if (same == segments.end()) {
      SegmentMembershipRecord& s = segments.emplace_back();
      s.dimension = std::string(a.dimension);
      s.segment = std::string(a.segment);
    } else {
      StrAppend(&same->segment, ", ", a.segment);
    }
  }
  return segments;
}

// Opens the tasks `decision` proposes of rules that never gave the customer
// a task: what time alone or a new version made true. Once one is closed,
// only a write about the customer opens the next (a refresh each day
// would reopen what a person closed).
absl::Status OpenFirstTasks(Transaction& tx, const rules::RuleSet& ruleset,
                            const rules::Customer& customer, rules::Decision* decision,
                            rules::Date today, std::string_view cause) {
  absl::StatusOr<std::vector<std::string>> had = tx.RulesWithTasks(customer.id, true);
  if (!had.ok()) return had.status();
  std::erase_if(decision->tasks, [&](const rules::TaskProposal& t) {
    return std::find(had->begin(), had->end(), t.rule_id) != had->end();
  });
  return api_internal::OpenTasksByRules(tx, ruleset, customer, *decision, today, cause);
}

// Evaluates the customer as `tx` has it and stores its segments; a
// customer no longer stored leaves all of them. In a `refresh`, also
// confirms the rows that stay (computed_at now) and opens the tasks its
// rules give that time or a new version made true (a write opens its own
// and stamps only what moved). Returns the moves; the store's errors; or,
// when a rule fails for the customer, 0 with *rule_failed set (nothing
// stored then).
absl::StatusOr<int64_t> StoreSegmentsOf(Transaction& tx, const rules::RuleSet& ruleset,
                                        std::string_view customer_id, rules::Date today,
                                        std::string_view cause, bool refresh,
                                        absl::Status* rule_failed) {
  absl::StatusOr<std::optional<rules::Customer>> customer =
      tx.FindCustomer(customer_id, AsOf(ruleset, today));
  if (!customer.ok()) return customer.status();
  std::vector<SegmentMembershipRecord> segments;
  if (customer->has_value()) {
    rules::Decision decision;
    const rules::EvalInput input{&**customer, nullptr, nullptr, nullptr, today};
    if (absl::Status s = EvaluateRules(ruleset, input, &decision); !s.ok()) {
      *rule_failed = std::move(s);
      return 0;
    }
    segments = SegmentsOf(decision);
    if (refresh && !decision.tasks.empty()) {
      if (absl::Status s = OpenFirstTasks(tx, ruleset, **customer, &decision, today, cause);
          !s.ok()) {
        return s;
      }
    }
  }
  absl::StatusOr<std::vector<SegmentChangeRecord>> changes =
      tx.SetSegments(customer_id, segments, ruleset.version(), cause, /*confirm=*/refresh);
  if (!changes.ok()) return changes.status();
  return static_cast<int64_t>(changes->size());
}

void MembershipToProto(const SegmentMembershipRecord& m, v1::SegmentMembership* p) {
  p->set_customer_id(m.customer_id);
  p->set_dimension(m.dimension);
  p->set_segment(m.segment);
  p->set_since(m.since);
  p->set_ruleset_version(m.ruleset_version);
  p->set_computed_at(m.computed_at);
}

void ChangeToProto(const SegmentChangeRecord& c, v1::SegmentChange* p) {
  p->set_sequence(c.sequence);
  p->set_customer_id(c.customer_id);
  p->set_dimension(c.dimension);
  p->set_from_segment(c.from_segment);
  p->set_to_segment(c.to_segment);
  p->set_ruleset_version(c.ruleset_version);
  p->set_cause(c.cause);
  p->set_changed_at(c.changed_at);
}

bool Matches(const v1::WatchSegmentChangesRequest& request, const SegmentChangeRecord& c) {
  if (!request.dimension().empty() && c.dimension != request.dimension()) return false;
  if (!request.customer_id().empty() && c.customer_id != request.customer_id()) return false;
  if (!request.segment().empty() && c.from_segment != request.segment() &&
      c.to_segment != request.segment()) {
    return false;
  }
  return true;
}

void CutsToProto(rules::RfmMeasure measure, const rules::RfmCutPoints& cuts,
                 google::protobuf::RepeatedPtrField<std::string>* out) {
  for (int64_t cut : cuts) {
    out->Add(measure == rules::RfmMeasure::kMonetary ? rules::Decimal::FromUnits(cut).ToString()
                                                     : StrCat(cut));
  }
}

void QuantilesToProto(const rules::RfmQuantiles& q, v1::RfmQuantiles* p) {
  p->set_window_days(q.window_days);
  CutsToProto(rules::RfmMeasure::kRecency, q.recency, p->mutable_recency());
  CutsToProto(rules::RfmMeasure::kFrequency, q.frequency, p->mutable_frequency());
  CutsToProto(rules::RfmMeasure::kMonetary, q.monetary, p->mutable_monetary());
  p->set_customers(q.customers);
  p->set_ruleset_version(q.ruleset_version);
  p->set_computed_at(q.computed_at);
}

}  // namespace

SegmentsApi::SegmentsApi(const ApiDependencies& dependencies)
    : store_(dependencies.store),
      rules_(dependencies.rules),
      reloader_(dependencies.reloader),
      limits_(dependencies.limits),
      today_(api_internal::ProgrammeToday(dependencies)),
      now_(dependencies.now) {
  store_->FollowCustomerChanges(
      [this](Transaction& tx, std::string_view method, const std::vector<std::string>& ids) {
        return FollowChanges(tx, method, ids);
      });
}

SegmentsApi::~SegmentsApi() { StopFollowing(); }

void SegmentsApi::StopRefreshing() { stopping_ = true; }

void SegmentsApi::StopFollowing() {
  std::call_once(stopped_following_, [this] { store_->FollowCustomerChanges(nullptr); });
}

absl::Status SegmentsApi::FollowChanges(Transaction& tx, std::string_view method,
                                        const std::vector<std::string>& customer_ids) {
  const std::string_view cause = method.empty() ? "server" : method;
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  if (served == nullptr) {
    // Nothing to evaluate by (the next refresh catches up), but a deleted
    // customer leaves its segments now.
    for (const std::string& id : customer_ids) {
      absl::StatusOr<std::optional<rules::Customer>> found = tx.FindCustomer(id, {today_(), {}});
      if (!found.ok()) return found.status();
      if (found->has_value()) continue;
      if (absl::StatusOr<std::vector<SegmentChangeRecord>> left =
              tx.SetSegments(id, {}, "", cause, /*confirm=*/false);
          !left.ok()) {
        return left.status();
      }
    }
    return absl::OkStatus();
  }
  const rules::RuleSet& ruleset = *served->ruleset;
  const rules::Date today = today_();
  for (const std::string& id : customer_ids) {
    // A rule that fails for this customer keeps its segments as they were:
    // the write itself stands (its own evaluation reported the failure).
    absl::Status rule_failed;
    absl::StatusOr<int64_t> moves =
        StoreSegmentsOf(tx, ruleset, id, today, cause, /*refresh=*/false, &rule_failed);
    if (!moves.ok()) return moves.status();
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::GetCustomerSegments(const v1::GetCustomerSegmentsRequest& request,
                                              v1::GetCustomerSegmentsResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  absl::StatusOr<std::optional<rules::Customer>> customer =
      store_->FindCustomer(request.customer_id(), {today_(), {}});
  if (!customer.ok()) return customer.status();
  if (!customer->has_value()) {
    return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
  }
  absl::StatusOr<std::vector<SegmentMembershipRecord>> segments =
      store_->CustomerSegments(request.customer_id());
  if (!segments.ok()) return segments.status();
  for (const SegmentMembershipRecord& m : *segments) {
    MembershipToProto(m, response->add_segments());
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::ListSegmentMembers(const v1::ListSegmentMembersRequest& request,
                                             v1::ListSegmentMembersResponse* response) {
  if (request.dimension().empty()) return Invalid("dimension", "is required");
  if (request.segment().empty()) return Invalid("segment", "is required");
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = api_internal::ServingRules(*rules_, *reloader_, &served); !s.ok()) {
    return s;
  }
  // A collect dimension's customers in several segments are stored with
  // them joined by ", ": such a name is looked up as it is.
  if (request.segment().find(", ") == std::string::npos) {
    if (absl::Status s = api_internal::CheckSegment("dimension", request.dimension(), "segment",
                                                    request.segment(), *served->ruleset);
        !s.ok()) {
      return s;
    }
  } else if (absl::Status s =
                 api_internal::CheckDimension("dimension", request.dimension(), *served->ruleset);
             !s.ok()) {
    return s;
  }
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<std::string> after = api_internal::ReadPageToken(
      store_->page_token_key(), "ListSegmentMembers", request, request.page_token());
  if (!after.ok()) return after.status();
  absl::StatusOr<std::vector<SegmentMembershipRecord>> members =
      store_->SegmentMembers(request.dimension(), request.segment(), *after, *page_size + 1);
  if (!members.ok()) return members.status();
  const bool more = static_cast<int>(members->size()) > *page_size;
  if (more) members->pop_back();
  for (const SegmentMembershipRecord& m : *members) {
    MembershipToProto(m, response->add_members());
  }
  if (more) {
    response->set_next_page_token(api_internal::IssuePageToken(
        store_->page_token_key(), "ListSegmentMembers", request, members->back().customer_id));
  }
  return absl::OkStatus();
}

absl::Status SegmentsApi::RefreshSegments(const v1::RefreshSegmentsRequest&,
                                          v1::RefreshSegmentsResponse* response) {
  const std::function<bool()> never = [] { return false; };
  return Refresh("refresh", RefreshWhen::kAlways, never, response);
}

absl::Status SegmentsApi::Refresh(std::string_view cause, RefreshWhen when,
                                  const std::function<bool()>& stop_requested,
                                  v1::RefreshSegmentsResponse* outcome) {
  std::lock_guard<std::mutex> one_at_a_time(refresh_mutex_);
  for (;;) {
    std::shared_ptr<const ServedRuleset> served;
    if (absl::Status s = api_internal::ServingRules(*rules_, *reloader_, &served); !s.ok()) {
      return s;
    }
    if (when == RefreshWhen::kIfStale && RefreshedVersion() == served->ruleset->version() &&
        RefreshedDay() == today_()) {
      return absl::OkStatus();
    }
    outcome->Clear();
    bool superseded = false;
    absl::Status s = RefreshWith(*served, cause, stop_requested, outcome, &superseded);
    // Another version was served meanwhile: writes store segments by it,
    // so the older one must not go on. Start over with the newer.
    if (!s.ok() || !superseded) return s;
  }
}

absl::Status SegmentsApi::RefreshWith(const ServedRuleset& served, std::string_view cause,
                                      const std::function<bool()>& stop_requested,
                                      v1::RefreshSegmentsResponse* outcome, bool* superseded) {
  const rules::RuleSet& ruleset = *served.ruleset;
  const rules::Date today = today_();
  outcome->set_ruleset_version(ruleset.version());
  if (ruleset.Rfm() != nullptr && ruleset.Rfm()->UsesQuantiles()) {
    if (absl::Status s = ComputeRfmQuantiles(ruleset, today, outcome->mutable_rfm_quantiles());
        !s.ok()) {
      return s;
    }
  }
  // Each batch reads its customers inside the writer, so a write between
  // batches is never undone by an older read. (A deleted customer left its
  // segments in the write that deleted it.)
  std::string after;
  auto stopped = [&] { return stopping_.load() || stop_requested(); };
  while (!stopped()) {
    int64_t read = 0;
    absl::StatusOr<std::string> written = store_->Write(
        {"", "RefreshSegments", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
          // In the writer: a write before this batch by a newer version
          // saw it served here too.
          std::shared_ptr<const ServedRuleset> now = rules_->Current();
          if (now == nullptr || now->ruleset->version() != ruleset.version()) {
            *superseded = true;
            return std::string();
          }
          absl::StatusOr<std::vector<std::string>> ids = tx.CustomerIdsAfter(after, kRefreshBatch);
          if (!ids.ok()) return ids.status();
          for (const std::string& id : *ids) {
            absl::Status rule_failed;
            absl::StatusOr<int64_t> moves =
                StoreSegmentsOf(tx, ruleset, id, today, cause, /*refresh=*/true, &rule_failed);
            if (!moves.ok()) return moves.status();
            if (!rule_failed.ok()) {
              if (outcome->evaluation_errors() == 0) {
                outcome->set_first_error(StrCat("customer ", id, ": ", rule_failed.message()));
              }
              outcome->set_evaluation_errors(outcome->evaluation_errors() + 1);
            }
            outcome->set_changes(outcome->changes() + *moves);
          }
          read = static_cast<int64_t>(ids->size());
          if (!ids->empty()) after = ids->back();
          return std::string();
        });
    if (!written.ok()) return written.status();
    if (*superseded) return absl::OkStatus();
    outcome->set_customers(outcome->customers() + read);
    if (read < kRefreshBatch) break;
  }
  if (stopped()) return absl::CancelledError("the refresh was stopped before its end");
  std::lock_guard<std::mutex> lock(refreshed_mutex_);
  refreshed_version_ = ruleset.version();
  refreshed_day_ = today;
  return absl::OkStatus();
}

absl::Status SegmentsApi::ComputeRfmQuantiles(const rules::RuleSet& ruleset, rules::Date today,
                                              v1::RfmQuantiles* out) {
  const rules::RfmModel& model = *ruleset.Rfm();
  CustomerScan scan;
  scan.today = today;
  scan.history_days = std::max(ruleset.HistoryDays(), model.window_days);
  std::vector<rules::RfmQuantileBuilder> builders;
  absl::Status scanned = api_internal::ScanCustomersInRanges(
      *store_, scan, [&](size_t ranges) { builders.resize(ranges); },
      [&](size_t range, const rules::Customer& c, std::span<const rules::Purchase>) {
        builders[range].Add(rules::MeasureRfm(c, model.window_days, today));
      });
  if (!scanned.ok()) return scanned;
  for (size_t i = 1; i < builders.size(); ++i) builders[0].Merge(std::move(builders[i]));
  if (builders[0].customers() == 0) return absl::OkStatus();  // none to compute them over
  rules::RfmQuantiles quantiles = builders[0].Build(model.window_days);
  quantiles.ruleset_version = ruleset.version();
  quantiles.computed_at = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now_(), absl::UTCTimeZone());
  absl::StatusOr<std::string> written =
      store_->Write({"", "RecomputeRfm", ""}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
        if (absl::Status s = tx.PutRfmQuantiles(quantiles); !s.ok()) return s;
        return std::string();
      });
  if (!written.ok()) return written.status();
  QuantilesToProto(quantiles, out);
  return absl::OkStatus();
}

std::string SegmentsApi::RefreshedVersion() const {
  std::lock_guard<std::mutex> lock(refreshed_mutex_);
  return refreshed_version_;
}

rules::Date SegmentsApi::RefreshedDay() const {
  std::lock_guard<std::mutex> lock(refreshed_mutex_);
  return refreshed_day_;
}

absl::Status SegmentsApi::GetRfm(const v1::GetRfmRequest& request, v1::GetRfmResponse* response) {
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = api_internal::ServingRules(*rules_, *reloader_, &served); !s.ok()) {
    return s;
  }
  const rules::RuleSet& ruleset = *served->ruleset;
  const rules::RfmModel* model = ruleset.Rfm();
  if (model == nullptr) {
    return absl::FailedPreconditionError(
        StrCat("the served rules (version ", ruleset.version(),
               ") have no rfm file: add one with kind: rfm (docs/rules.md, RFM scores)"));
  }
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  absl::StatusOr<std::optional<rules::RfmQuantiles>> quantiles =
      store_->RfmQuantiles(model->window_days);
  if (!quantiles.ok()) return quantiles.status();
  const rules::RfmQuantiles* computed = quantiles->has_value() ? &**quantiles : nullptr;
  response->set_ruleset_version(ruleset.version());
  response->set_window_days(model->window_days);
  for (rules::RfmMeasure measure : rules::kRfmMeasures) {
    v1::RfmMeasure* m = response->add_measures();
    m->set_measure(std::string(rules::RfmMeasureName(measure)));
    m->set_quantiles(model->Spec(measure).quantiles);
    if (const rules::RfmCutPoints* cuts = rules::RfmCutsOf(*model, measure, computed)) {
      CutsToProto(measure, *cuts, m->mutable_cuts());
    }
  }
  if (computed != nullptr) QuantilesToProto(*computed, response->mutable_quantiles());
  if (request.customer_id().empty()) return absl::OkStatus();
  const rules::Date today = today_();
  absl::StatusOr<rules::Customer> customer =
      api_internal::RequireCustomer(*store_, request.customer_id(), AsOf(ruleset, today));
  if (!customer.ok()) return customer.status();
  const rules::RfmValues values = rules::MeasureRfm(*customer, model->window_days, today);
  response->set_recency_days(values.recency_days);
  response->set_purchases(values.purchases);
  response->set_spent(values.spent.ToString());
  response->set_r(customer->rfm_r);
  response->set_f(customer->rfm_f);
  response->set_m(customer->rfm_m);
  return absl::OkStatus();
}

absl::Status SegmentsApi::CheckWatch(const v1::WatchSegmentChangesRequest& request) const {
  if (absl::Status s = CheckText("dimension", request.dimension(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("segment", request.segment(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  if (request.has_after_sequence() && request.after_sequence() < 0) {
    return Invalid("after_sequence", "must be 0 or more");
  }
  if (request.customer_id().empty()) return absl::OkStatus();
  return CheckId("customer_id", request.customer_id());
}

absl::Status SegmentsApi::StoredChanges(const v1::WatchSegmentChangesRequest& request,
                                        int64_t after_sequence, int limit,
                                        std::vector<v1::SegmentChange>* out) {
  if (after_sequence > 0 && after_sequence == request.after_sequence()) {
    // The change a reader resumes after must be stored (changes are never
    // removed): else its sequence is from another database, say before a
    // restore, and the changes told from now on would be taken for seen.
    absl::StatusOr<std::vector<SegmentChangeRecord>> resumed =
        store_->SegmentChanges({after_sequence - 1, "", "", "", 1});
    if (!resumed.ok()) return resumed.status();
    if (resumed->empty()) {
      return absl::OutOfRangeError(
          StrCat("after_sequence ", after_sequence, " is past the last change stored",
                 " (a database restored from a backup?): watch again without it, or from 0"));
    }
  }
  SegmentChangeQuery query{after_sequence, request.dimension(), request.segment(),
                           request.customer_id(), std::min(limit, kChangesPage)};
  absl::StatusOr<std::vector<SegmentChangeRecord>> changes = store_->SegmentChanges(query);
  if (!changes.ok()) return changes.status();
  for (const SegmentChangeRecord& c : *changes) ChangeToProto(c, &out->emplace_back());
  return absl::OkStatus();
}

int SegmentsApi::Subscribe(const v1::WatchSegmentChangesRequest& request,
                           std::function<void(const v1::SegmentChange&)> listener) {
  return store_->SubscribeSegmentChanges(
      [request, listener = std::move(listener)](const SegmentChangeRecord& change) {
        if (!Matches(request, change)) return;
        v1::SegmentChange out;
        ChangeToProto(change, &out);
        listener(out);
      });
}

void SegmentsApi::Unsubscribe(int id) { store_->UnsubscribeSegmentChanges(id); }

}  // namespace clientele::server
