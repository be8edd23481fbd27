// The streaming operations: EvaluateMany (decisions over stored customers,
// a page at a time) and ImportCustomers (many customers, one transaction).
#include <algorithm>
#include <deque>
#include <set>

#include "server/infra/metrics.h"
#include "server/api/grpc/services.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {

constexpr int kScanPageSize = 256;
constexpr int kMaxListedIds = 10'000;
constexpr int kMaxCustomersPerMessage = 1'000;
constexpr size_t kMaxListedRejections = 1'000;

class StoredDecisionStream final : public DecisionStream {
 public:
  StoredDecisionStream(Store* store, std::shared_ptr<const ServedRuleset> served, Date today,
                       bool explain, int64_t limit, std::optional<v1::SegmentFilter> segment,
                       std::optional<std::vector<std::string>> ids, DecisionLog* log,
                       std::string_view caller)
      : store_(store),
        served_(std::move(served)),
        today_(today),
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
      if (absl::Status s = EvaluateRules(*served_->ruleset,
                                         {&**customer, nullptr, nullptr, nullptr, today_},
                                         &decision_, why);
          !s.ok()) {
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
            store_->FindCustomer((*ids_)[next_id_++], today_);
        if (!found.ok() || found->has_value()) return found;
      }
      return std::optional<Customer>();
    }
    if (page_.empty() && more_) {
      absl::StatusOr<CustomerPage> page = store_->ListCustomers(last_id_, kScanPageSize, today_);
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

class StoreCustomerImport final : public CustomerImport {
 public:
  StoreCustomerImport(Store* store, std::shared_ptr<const ServedRuleset> served,
                      RequestLimits limits)
      : store_(store), served_(std::move(served)), limits_(limits), today_(Date::Today()) {}

  absl::Status Add(const v1::ImportCustomersRequest& message) override {
    if (messages_ == 0) {
      if (absl::Status s = CheckKey(message.idempotency_key()); !s.ok()) return s;
      key_ = message.idempotency_key();
      skip_invalid_ = message.skip_invalid();
    } else if (!message.idempotency_key().empty() || message.skip_invalid()) {
      return Invalid("idempotency_key",
                     StrCat("and skip_invalid go in the first message only (message ",
                            messages_ + 1, " has them)"));
    }
    ++messages_;
    if (messages_ == 1) {
      // What identifies the import: its option and its customers, one by
      // one, however the client batched them into messages.
      v1::ImportCustomersRequest options;
      options.set_skip_invalid(skip_invalid_);
      AddMessageToHash(options, &hash_);
    }
    for (const v1::Customer& customer : message.customers()) AddMessageToHash(customer, &hash_);
    if (message.customers_size() > kMaxCustomersPerMessage) {
      return Invalid("customers", StrCat("message ", messages_, " has ", message.customers_size(),
                                         " customers; at most ", kMaxCustomersPerMessage));
    }
    for (const v1::Customer& proto : message.customers()) {
      const int64_t index = received_++;
      if (static_cast<size_t>(received_) > limits_.max_import_customers) {
        return Invalid("customers", StrCat("the import has more than ",
                                           limits_.max_import_customers,
                                           " customers (server limit max_import_customers)"));
      }
      absl::Status problem = Accept(proto);
      if (problem.ok()) continue;
      if (!skip_invalid_) {
        return absl::InvalidArgumentError(
            StrCat("customer ", index, " (id '", proto.id(), "'): ", problem.message(),
                   "; nothing was imported (skip_invalid imports the valid ones)"));
      }
      ++rejected_count_;
      if (rejected_.size() < kMaxListedRejections) {
        v1::ImportError error;
        error.set_index(index);
        error.set_customer_id(proto.id());
        error.set_message(std::string(problem.message()));
        rejected_.push_back(std::move(error));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Finish(v1::ImportCustomersResponse* response) override {
    if (messages_ == 0) return Invalid("idempotency_key", "is required (the stream was empty)");
    return IdempotentWriteWithFingerprint(
        store_, "ImportCustomers", hash_.Hex(), key_, response,
        [&](Transaction& tx, v1::ImportCustomersResponse* out) -> absl::Status {
          int64_t created = 0;
          for (const Accepted& a : accepted_) {
            absl::StatusOr<UpsertedCustomer> upserted = UpsertCustomerIn(
                tx, a.customer, a.satisfaction_given, *served_->ruleset, today_);
            if (!upserted.ok()) {
              return absl::Status(upserted.status().code(),
                                  StrCat("customer '", a.customer.id, "': ",
                                         upserted.status().message()));
            }
            created += upserted->created ? 1 : 0;
          }
          out->set_received(received_);
          out->set_created(created);
          out->set_updated(static_cast<int64_t>(accepted_.size()) - created);
          for (const v1::ImportError& e : rejected_) *out->add_rejected() = e;
          out->set_rejected_count(rejected_count_);
          out->set_ruleset_version(served_->ruleset->version());
          return absl::OkStatus();
        });
  }

 private:
  struct Accepted {
    Customer customer;
    bool satisfaction_given = false;
  };

  absl::Status Accept(const v1::Customer& proto) {
    absl::StatusOr<Customer> customer = CustomerFromProto(proto, false, limits_);
    if (!customer.ok()) return customer.status();
    if (!seen_ids_.insert(customer->id).second) {
      return Invalid("customer.id", StrCat("'", customer->id, "' appears earlier in the import"));
    }
    if (!customer->joined_at.known()) customer->joined_at = today_;
    accepted_.push_back({std::move(*customer), !proto.satisfaction().empty()});
    return absl::OkStatus();
  }

  Store* store_;
  std::shared_ptr<const ServedRuleset> served_;
  RequestLimits limits_;
  Date today_;
  std::string key_;
  bool skip_invalid_ = false;
  int64_t messages_ = 0;
  int64_t received_ = 0;
  int64_t rejected_count_ = 0;
  Sha256 hash_;  // of the messages: the stream's fingerprint
  std::vector<Accepted> accepted_;
  std::set<std::string> seen_ids_;
  std::vector<v1::ImportError> rejected_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionStream>> Operations::EvaluateMany(
    const v1::EvaluateManyRequest& request, std::string_view caller) {
  absl::StatusOr<Date> today = ParseDay("today", request.today(), Date::Today());
  if (!today.ok()) return today.status();
  if (request.limit() < 0) return Invalid("limit", "must be 0 (no limit) or more");
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
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
  return std::unique_ptr<DecisionStream>(new StoredDecisionStream(
      store_, std::move(served), *today, request.explain(), request.limit(), std::move(segment),
      std::move(ids), decision_log_, caller));
}

absl::StatusOr<std::unique_ptr<CustomerImport>> Operations::StartImport() {
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  return std::unique_ptr<CustomerImport>(
      std::make_unique<StoreCustomerImport>(store_, std::move(served), limits_));
}

}  // namespace clientele::server
