// The Decisions service: Evaluate, EvaluateMany (decisions over stored
// customers, a page at a time), GetRuleset, and ListLoggedDecisions (which
// decisions go into the log, masked how, is MaybeLogDecision in
// decision_log.h).
#include "server/api/decisions.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "server/api/conversion.h"
#include "server/api/decision_log.h"
#include "server/api/draft_rulesets.h"
#include "server/api/offer_usage.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/infra/metrics.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {

constexpr int kScanPageSize = 256;
constexpr int kMaxListedIds = 10'000;

// Entries are the messages' protobuf bytes: encoding them costs the
// decision about a microsecond, where JSON took some fifteen
// (bench/decision_log_bench).
absl::Status Decode(const std::string& bytes, google::protobuf::Message* message) {
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError(
        StrCat("decision log entry does not decode as ", message->GetTypeName()));
  }
  return absl::OkStatus();
}

class StoredDecisionStream final : public DecisionStream {
 public:
  StoredDecisionStream(Store* store, std::shared_ptr<const ServedRuleset> served, Date today,
                       int32_t minute, bool explain, int64_t limit,
                       std::optional<v1::SegmentFilter> segment,
                       std::optional<std::vector<std::string>> ids, DecisionLog* log,
                       std::string_view caller)
      : store_(store),
        served_(std::move(served)),
        today_(today),
        minute_(minute),
        explain_(explain),
        limit_(limit),
        segment_(std::move(segment)),
        ids_(std::move(ids)),
        log_(log),
        caller_(caller) {}

  absl::StatusOr<bool> Next(v1::EvaluateResponse* response) override {
    response->Clear();
    while (limit_ == 0 || sent_ < limit_) {
      absl::StatusOr<std::optional<Customer>> customer = NextCustomer();
      if (!customer.ok()) return customer.status();
      if (!customer->has_value()) return false;
      rules::Explanation explanation;
      rules::Explanation* why = explain_ ? &explanation : nullptr;
      rules::EvalInput input{&**customer, nullptr, nullptr, nullptr, today_};
      input.minute = minute_;
      absl::StatusOr<std::vector<int64_t>> used =
          ReadUsedOfCaps(*store_, *served_->ruleset, (*customer)->id, today_);
      if (!used.ok()) return used.status();
      input.offer_usage = *used;
      if (absl::Status s = EvaluateRules(*served_->ruleset, input, &decision_, why); !s.ok()) {
        return s;
      }
      if (segment_.has_value() &&
          decision_.SegmentOf(segment_->dimension()) != segment_->segment()) {
        continue;
      }
      Metrics::Global().RecordMatches(decision_);
      DecisionToProto(**customer, decision_, why, response->mutable_decision());
      MaybeLogDecision(log_, {.method = "EvaluateMany",
                              .caller = caller_,
                              .subject = "stored",
                              .today = today_,
                              .explain = explain_,
                              .customer = **customer,
                              .decision = response->decision()});
      ++sent_;
      return true;
    }
    return false;
  }

 private:
  // The next customer in id order: from the listed ids (unknown ones
  // skipped) or from the store a page at a time.
  absl::StatusOr<std::optional<Customer>> NextCustomer() {
    if (ids_.has_value()) {
      while (next_id_ < ids_->size()) {
        absl::StatusOr<std::optional<Customer>> found =
            store_->FindCustomer((*ids_)[next_id_++], AsOf(*served_->ruleset, today_));
        if (!found.ok() || found->has_value()) return found;
      }
      return std::optional<Customer>();
    }
    if (page_.empty() && more_) {
      absl::StatusOr<CustomerPage> page =
          store_->ListCustomers(last_id_, kScanPageSize, AsOf(*served_->ruleset, today_));
      if (!page.ok()) return page.status();
      more_ = page->more;
      for (Customer& c : page->customers) page_.push_back(std::move(c));
      if (!page_.empty()) last_id_ = page_.back().id;
    }
    if (page_.empty()) return std::optional<Customer>();
    Customer next = std::move(page_.front());
    page_.pop_front();
    return std::optional<Customer>(std::move(next));
  }

  Store* store_;
  std::shared_ptr<const ServedRuleset> served_;  // one version for the whole stream
  Date today_;
  int32_t minute_;
  bool explain_;
  int64_t limit_;
  std::optional<v1::SegmentFilter> segment_;
  std::optional<std::vector<std::string>> ids_;  // sorted, unique
  DecisionLog* log_;     // may be null
  std::string caller_;   // for the log
  size_t next_id_ = 0;
  std::deque<Customer> page_;
  std::string last_id_;
  bool more_ = true;
  int64_t sent_ = 0;
  rules::Decision decision_;  // reused: its buffers stay allocated
};

}  // namespace

absl::Status DecisionsApi::OfferSituation(const v1::EvaluateRequest& request,
                                          const rules::RuleSet& ruleset,
                                          rules::EvalInput* input) const {
  input->minute = request.today().empty() ? minute_(ruleset, input->today) : -1;
  if (!request.time().empty()) {
    absl::StatusOr<int32_t> minute = rules::ParseTimeOfDay(request.time());
    if (!minute.ok()) return Invalid("time", View(minute.status().message()));
    input->minute = *minute;
  }
  if (!request.amount().empty()) {
    absl::StatusOr<rules::Decimal> amount = rules::Decimal::Parse(request.amount());
    if (!amount.ok() || *amount <= rules::Decimal()) {
      return Invalid("amount", StrCat("is a basket's amount, decimal text more than 0, not '",
                                      request.amount(), "'"));
    }
    input->basket_amount = *amount;
  }
  if (!request.channel().empty()) {
    absl::StatusOr<rules::Channel> channel = rules::ParseChannel(request.channel());
    if (!channel.ok()) return Invalid("channel", View(channel.status().message()));
    input->channel = *channel;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const rules::RuleSet>> DecisionsApi::DecidingRuleset(
    const v1::EvaluateRequest& request) const {
  if (request.draft_id() != 0) {
    return DraftRuleset(*store_, *reloader_, "draft_id", request.draft_id());
  }
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return served->ruleset;
}

absl::Status DecisionsApi::Evaluate(const v1::EvaluateRequest& request,
                                  v1::EvaluateResponse* response, std::string_view caller) {
  const Date today_default = today_();
  absl::StatusOr<Date> today = ParseDay("today", request.today(), today_default);
  if (!today.ok()) return today.status();
  absl::StatusOr<std::shared_ptr<const rules::RuleSet>> chosen = DecidingRuleset(request);
  if (!chosen.ok()) return chosen.status();
  const rules::RuleSet& ruleset = **chosen;
  // The request's time, amount and channel checked before anything is read.
  rules::EvalInput input{nullptr, nullptr, nullptr, nullptr, *today};
  if (absl::Status s = OfferSituation(request, ruleset, &input); !s.ok()) return s;
  Customer customer;
  std::vector<int64_t> used;  // of each of the ruleset's limits and budgets
  switch (request.subject_case()) {
    case v1::EvaluateRequest::kCustomerId: {
      if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
      // The customer with the usage of the ruleset's limits and budgets,
      // as the store counts them now (no usage read for a ruleset
      // without any).
      absl::StatusOr<CustomerWithUsedCaps> found = FindCustomerWithUsedCaps(
          *store_, ruleset, request.customer_id(), AsOf(ruleset, *today), *today);
      if (!found.ok()) return found.status();
      if (!found->customer.has_value()) {
        return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
      }
      customer = std::move(*found->customer);
      used = std::move(found->used);
      break;
    }
    case v1::EvaluateRequest::kCustomer: {
      absl::StatusOr<Customer> inline_customer =
          CustomerFromProto(request.customer(), true, limits_, *today);
      if (!inline_customer.ok()) return inline_customer.status();
      customer = std::move(*inline_customer);
      // An inline customer is a what-if: held to the budgets, not to the
      // limits of a stored customer who may have its id.
      absl::StatusOr<std::vector<int64_t>> budgets =
          ReadUsedOfCaps(*store_, ruleset, std::string(), *today);
      if (!budgets.ok()) return budgets.status();
      used = std::move(*budgets);
      // Scored as a stored customer would be, unless the request gives scores.
      if (const rules::RfmModel* rfm = ruleset.Rfm()) {
        absl::StatusOr<std::optional<rules::RfmQuantiles>> quantiles =
            store_->RfmQuantiles(rfm->window_days);
        if (!quantiles.ok()) return quantiles.status();
        rules::ScoreRfm(*rfm, quantiles->has_value() ? &**quantiles : nullptr, *today, &customer);
      }
      break;
    }
    default:
      return Invalid("subject", "give customer_id (a stored customer) or customer (inline)");
  }
  input.customer = &customer;
  input.offer_usage = used;
  rules::Decision decision;
  rules::Explanation explanation;
  rules::Explanation* why = request.explain() ? &explanation : nullptr;
  if (absl::Status s = EvaluateRules(ruleset, input, &decision, why); !s.ok()) return s;
  DecisionToProto(customer, decision, why, response->mutable_decision());
  // A trial under a draft is not a decision: neither counted nor logged.
  if (request.draft_id() != 0) return absl::OkStatus();
  Metrics::Global().RecordMatches(decision);
  MaybeLogDecision(decision_log_,
                   {.method = "Evaluate",
                    .caller = caller,
                    .subject = request.has_customer() ? "inline" : "stored",
                    .today = *today,
                    .explain = request.explain(),
                    .customer = customer,
                    .decision = response->decision()});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DecisionStream>> DecisionsApi::EvaluateMany(
    const v1::EvaluateManyRequest& request, std::string_view caller) {
  absl::StatusOr<Date> today = ParseDay("today", request.today(), today_());
  if (!today.ok()) return today.status();
  if (request.limit() < 0) return Invalid("limit", "must be 0 (no limit) or more");
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  std::optional<v1::SegmentFilter> segment;
  std::optional<std::vector<std::string>> ids;
  switch (request.filter_case()) {
    case v1::EvaluateManyRequest::kSegment:
      if (absl::Status s = CheckSegmentFilter("segment", request.segment(), *served->ruleset);
          !s.ok()) {
        return s;
      }
      segment = request.segment();
      break;
    case v1::EvaluateManyRequest::kCustomerIds: {
      const auto& listed = request.customer_ids().ids();
      if (listed.empty()) return Invalid("customer_ids.ids", "is empty");
      if (listed.size() > kMaxListedIds) {
        return Invalid("customer_ids.ids",
                       StrCat("has ", listed.size(), " ids; at most ", kMaxListedIds));
      }
      for (const std::string& id : listed) {
        if (absl::Status s = CheckId("customer_ids.ids", id); !s.ok()) return s;
      }
      std::set<std::string> unique(listed.begin(), listed.end());
      ids.emplace(unique.begin(), unique.end());
      break;
    }
    default:
      break;
  }
  const int32_t minute = request.today().empty() ? minute_(*served->ruleset, *today) : -1;
  return std::unique_ptr<DecisionStream>(new StoredDecisionStream(
      store_, std::move(served), *today, minute, request.explain(), request.limit(),
      std::move(segment), std::move(ids), decision_log_, caller));
}

absl::Status DecisionsApi::GetRuleset(const v1::GetRulesetRequest&,
                                    v1::GetRulesetResponse* response) {
  RulesetStatusAfter(*rules_, *reloader_, reloader_->LastAttempt(), response->mutable_status());
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  if (served == nullptr) {
    response->set_directory(reloader_->directory().string());
    return absl::OkStatus();
  }
  response->set_version(served->ruleset->version());
  response->set_directory(served->directory);
  response->set_loaded_at(served->loaded_at);
  for (const rules::RuleSource& source : served->ruleset->sources()) {
    v1::RulesetFile* file = response->add_files();
    file->set_path(source.path);
    file->set_size_bytes(static_cast<int64_t>(source.content.size()));
  }
  return absl::OkStatus();
}

absl::Status DecisionsApi::ListLoggedDecisions(const v1::ListLoggedDecisionsRequest& request,
                                             v1::ListLoggedDecisionsResponse* response) {
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  // Versions are kept in lower case, as RuleSet::version() gives them.
  if (absl::Status s = CheckText("ruleset_version", request.ruleset_version(), 50, false);
      !s.ok()) {
    return s;
  }
  const std::string version = utf8::AsciiLower(request.ruleset_version());
  if (!version.empty()) {
    if (version.size() != 12 || !std::all_of(version.begin(), version.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c));
        })) {
      return Invalid("ruleset_version", "must be a ruleset version: 12 hex digits");
    }
  }
  absl::StatusOr<int64_t> before_id = ReadIdPageToken(
      store_->page_token_key(), "ListLoggedDecisions", request, request.page_token());
  if (!before_id.ok()) return before_id.status();
  v1::DecisionLogSettings* settings = response->mutable_settings();
  if (decision_log_ != nullptr) {
    const DecisionLogOptions& options = decision_log_->options();
    settings->set_sample_rate(options.sample_rate);
    settings->set_max_entries(options.retention.max_entries);
    settings->set_max_age_days(static_cast<int32_t>(options.retention.max_age_days()));
    settings->set_dropped(decision_log_->dropped());
  }
  absl::StatusOr<DecisionLogPage> page = store_->DecisionLog({.customer_id = request.customer_id(),
                                                              .ruleset_version = version,
                                                              .before_id = *before_id,
                                                              .limit = *page_size});
  if (!page.ok()) return page.status();
  for (const DecisionLogEntry& entry : page->entries) {
    v1::LoggedDecision* out = response->add_decisions();
    out->set_id(entry.id);
    out->set_recorded_at(entry.recorded_at);
    out->set_method(entry.method);
    out->set_caller(entry.caller);
    if (absl::Status s = Decode(entry.request, out->mutable_request()); !s.ok()) return s;
    if (absl::Status s = Decode(entry.decision, out->mutable_decision()); !s.ok()) return s;
  }
  if (page->more && !page->entries.empty()) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(), "ListLoggedDecisions",
                                                 request, StrCat(page->entries.back().id)));
  }
  return absl::OkStatus();
}

}  // namespace clientele::server
