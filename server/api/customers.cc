// The Customers service: profiles (upsert with an update mask, get,
// delete, list, optionally filtered by segment) and ImportCustomers (many
// customers, one transaction).
#include "server/api/customers.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/field_mask.pb.h"
#include "server/api/conversion.h"
#include "server/api/idempotent_writes.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"
#include "server/api/serving.h"
#include "server/api/task_opening.h"
#include "server/api/tier_changes.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation
using rules::Customer;
using rules::Date;

namespace {

constexpr int kMaxCustomersPerMessage = 1'000;
constexpr size_t kMaxListedRejections = 1'000;

// The editable customer fields an upsert changes: every one (no
// update_mask, or "*"), or those the mask names.
struct CustomerMask {
  bool all = true;
  std::vector<std::string> fields;  // when !all
  bool Has(std::string_view field) const;
};
// The mask of UpsertCustomerRequest.update_mask: INVALID_ARGUMENT about
// update_mask.paths for a path that is not an editable field (a
// maintained one says so; an unknown one gets a did-you-mean).
absl::StatusOr<CustomerMask> ParseCustomerMask(const google::protobuf::FieldMask& mask);

struct UpsertedCustomer {
  rules::Customer stored;  // as stored, with its tier
  bool created = false;
};

// Creates or replaces the customer's profile inside `tx`: an omitted
// satisfaction (`satisfaction_given` false) keeps the one interactions
// have built up, the fields `mask` does not name keep their stored
// values (read in `tx`, so no other write comes in between; a new
// customer gets them unknown, joined today), and the tier follows the
// balance by the loyalty rules.
absl::StatusOr<UpsertedCustomer> UpsertCustomerIn(Transaction& tx, rules::Customer customer,
                                                  bool satisfaction_given,
                                                  const rules::RuleSet& ruleset,
                                                  rules::Date today,
                                                  const CustomerMask& mask = {});

// The fields of a Customer that UpsertCustomer sets (the rest the server
// maintains), with how to copy each.
struct EditableField {
  std::string_view name;
  void (*copy)(const Customer& from, Customer* to);
};
constexpr EditableField kEditableFields[] = {
    {"name", [](const Customer& f, Customer* t) { t->name = f.name; }},
    {"age", [](const Customer& f, Customer* t) { t->age = f.age; }},
    {"gender", [](const Customer& f, Customer* t) { t->gender = f.gender; }},
    {"occupation", [](const Customer& f, Customer* t) { t->occupation = f.occupation; }},
    {"consumption", [](const Customer& f, Customer* t) { t->consumption = f.consumption; }},
    {"channel", [](const Customer& f, Customer* t) { t->channel = f.channel; }},
    {"birthday", [](const Customer& f, Customer* t) { t->birthday = f.birthday; }},
    {"joined_at", [](const Customer& f, Customer* t) { t->joined_at = f.joined_at; }},
    {"purchase_frequency",
     [](const Customer& f, Customer* t) { t->purchase_frequency = f.purchase_frequency; }},
    {"average_purchase_amount",
     [](const Customer& f, Customer* t) { t->average_purchase_amount = f.average_purchase_amount; }},
    {"satisfaction", [](const Customer& f, Customer* t) { t->satisfaction = f.satisfaction; }},
};

bool CustomerMask::Has(std::string_view field) const {
  return all || std::find(fields.begin(), fields.end(), field) != fields.end();
}

absl::StatusOr<CustomerMask> ParseCustomerMask(const google::protobuf::FieldMask& mask) {
  CustomerMask parsed;
  if (mask.paths().empty()) return parsed;
  parsed.all = false;
  std::vector<std::string> editable;
  for (const EditableField& f : kEditableFields) editable.emplace_back(f.name);
  for (const std::string& path : mask.paths()) {
    if (absl::Status s = CheckText("update_mask.paths", path, 100, true); !s.ok()) return s;
    if (path == "*") {
      parsed.all = true;
      continue;
    }
    if (std::find(editable.begin(), editable.end(), path) != editable.end()) {
      parsed.fields.push_back(path);
      continue;
    }
    const std::vector<std::string>& every = rules::CustomerFieldNames();
    if (std::find(every.begin(), every.end(), path) != every.end()) {
      return Invalid("update_mask.paths",
                     StrCat("'", path, "' is maintained by the server, not set by an upsert"));
    }
    return Invalid("update_mask.paths",
                   StrCat("'", path, "' is not an editable customer field",
                          rules::DidYouMeanSuffix(path, editable), " (", StrJoin(editable, ", "),
                          ")"));
  }
  return parsed;
}

absl::StatusOr<UpsertedCustomer> UpsertCustomerIn(Transaction& tx, Customer customer,
                                                  bool satisfaction_given,
                                                  const rules::RuleSet& ruleset, Date today,
                                                  const CustomerMask& mask) {
  const CustomerAsOf as_of = AsOf(ruleset, today);
  CustomerAsOf profile_only = as_of;  // what the mask keeps: no history needed
  profile_only.history_days = 0;
  profile_only.last_events = false;
  absl::StatusOr<std::optional<Customer>> existing = tx.FindCustomer(customer.id, profile_only);
  if (!existing.ok()) return existing.status();
  if (!mask.all) {
    // What the mask does not name stays as stored (or unknown when new).
    const Customer kept = existing->has_value() ? **existing : Customer();
    for (const EditableField& f : kEditableFields) {
      if (!mask.Has(f.name)) f.copy(kept, &customer);
    }
    if (!customer.joined_at.known()) customer.joined_at = today;
  }
  if (existing->has_value() && !satisfaction_given) {
    customer.satisfaction = (*existing)->satisfaction;
  }
  absl::StatusOr<bool> created = tx.UpsertCustomerProfile(customer, today);
  if (!created.ok()) return created.status();
  absl::StatusOr<Customer> stored = RequireCustomer(tx, customer.id, as_of);
  if (!stored.ok()) return stored.status();
  rules::Decision decision;
  if (absl::Status s =
          EvaluateRules(ruleset, {&*stored, nullptr, nullptr, nullptr, today}, &decision);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ChangeTierByRules(tx, &*stored, {decision.tier, decision.tier_downgrade_on}, "upsert",
                            decision.ruleset_version, today);
      !s.ok()) {
    return s;
  }
  // Read again: the tier changed above, and a task rule may read it.
  if (absl::Status s = OpenTasksByRules(tx, ruleset, stored->id, today, "upsert"); !s.ok()) {
    return s;
  }
  return UpsertedCustomer{std::move(*stored), *created};
}

class StoreCustomerImport final : public CustomerImport {
 public:
  StoreCustomerImport(Store* store, std::shared_ptr<const ServedRuleset> served,
                      RequestLimits limits, rules::Date today)
      : store_(store), served_(std::move(served)), limits_(limits), today_(today) {}

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
    absl::StatusOr<Customer> customer = CustomerFromProto(proto, false, limits_, today_);
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

absl::Status CustomersApi::UpsertCustomer(const v1::UpsertCustomerRequest& request,
                                        v1::UpsertCustomerResponse* response) {
  const Date today = today_();
  absl::StatusOr<Customer> customer =
      CustomerFromProto(request.customer(), false, limits_, today);
  if (!customer.ok()) return customer.status();
  absl::StatusOr<CustomerMask> mask = ParseCustomerMask(request.update_mask());
  if (!mask.ok()) return mask.status();
  if (!customer->joined_at.known()) customer->joined_at = today;
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  // Without a mask an empty satisfaction keeps the stored one; a mask
  // that names it sets it ("" or "0": never rated).
  const bool satisfaction_given =
      mask->all && request.update_mask().paths().empty() ? !request.customer().satisfaction().empty()
                                                          : mask->Has("satisfaction");
  return IdempotentWrite(
      store_, "UpsertCustomer", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::UpsertCustomerResponse* out) -> absl::Status {
        absl::StatusOr<UpsertedCustomer> upserted =
            UpsertCustomerIn(tx, *customer, satisfaction_given, *served->ruleset, today, *mask);
        if (!upserted.ok()) return upserted.status();
        CustomerToProto(upserted->stored, out->mutable_customer());
        out->set_created(upserted->created);
        out->set_ruleset_version(served->ruleset->version());
        return absl::OkStatus();
      });
}

CustomerAsOf CustomersApi::ReadAsOf(Date today,
                                    std::shared_ptr<const ServedRuleset>* served_out) const {
  std::shared_ptr<const ServedRuleset>& served = *served_out;
  served = rules_->Current();
  if (served == nullptr) return {today, {}};
  CustomerAsOf as_of = AsOf(*served->ruleset, today);
  // Records only: nothing here evaluates the facts; but RFM scores, shown
  // with the record, count the purchases of their window.
  const rules::RfmModel* rfm = served->ruleset->Rfm();
  as_of.history_days = rfm == nullptr ? 0 : rfm->window_days;
  as_of.last_events = false;
  return as_of;
}

absl::Status CustomersApi::GetCustomer(const v1::GetCustomerRequest& request,
                                     v1::GetCustomerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  std::shared_ptr<const ServedRuleset> served;  // holds the rules the read scores by
  absl::StatusOr<std::optional<Customer>> found =
      store_->FindCustomer(request.customer_id(), ReadAsOf(today_(), &served));
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
  }
  CustomerToProto(**found, response->mutable_customer());
  return absl::OkStatus();
}

absl::Status CustomersApi::DeleteCustomer(const v1::DeleteCustomerRequest& request,
                                        v1::DeleteCustomerResponse* response) {
  if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  return IdempotentWrite(
      store_, "DeleteCustomer", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::DeleteCustomerResponse*) -> absl::Status {
        absl::StatusOr<bool> deleted = tx.DeleteCustomer(request.customer_id());
        if (!deleted.ok()) return deleted.status();
        if (!*deleted) {
          return absl::NotFoundError(StrCat("customer '", request.customer_id(), "' not found"));
        }
        return absl::OkStatus();
      });
}

absl::Status CustomersApi::ListCustomers(const v1::ListCustomersRequest& request,
                                       v1::ListCustomersResponse* response) {
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  // The token's position is the last id of the previous page (filtered:
  // the last one looked at).
  absl::StatusOr<std::string> after = ReadPageToken(store_->page_token_key(), "ListCustomers",
                                                    request, request.page_token());
  if (!after.ok()) return after.status();
  auto next_page_token = [&](std::string_view last_id) {
    return IssuePageToken(store_->page_token_key(), "ListCustomers", request, last_id);
  };
  const Date today = today_();
  if (!request.has_segment()) {
    std::shared_ptr<const ServedRuleset> served;  // holds the rules the read scores by
    absl::StatusOr<CustomerPage> page =
        store_->ListCustomers(*after, *page_size, ReadAsOf(today, &served));
    if (!page.ok()) return page.status();
    for (const Customer& c : page->customers) CustomerToProto(c, response->add_customers());
    if (page->more) response->set_next_page_token(next_page_token(page->customers.back().id));
    return absl::OkStatus();
  }
  // Filtered: evaluate customers in id order until the page is full or
  // kMaxFilterScan have been looked at; the token is the last id looked at.
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  if (absl::Status s = CheckSegmentFilter("segment", request.segment(), *served->ruleset);
      !s.ok()) {
    return s;
  }
  response->set_ruleset_version(served->ruleset->version());
  constexpr int kMaxFilterScan = 10'000;
  constexpr int kScanPageSize = 500;
  std::string last_seen = *after;
  bool more = true;
  int scanned = 0;
  rules::Decision decision;
  while (more && scanned < kMaxFilterScan && response->customers_size() < *page_size) {
    absl::StatusOr<CustomerPage> page = store_->ListCustomers(
        last_seen, std::min(kScanPageSize, kMaxFilterScan - scanned),
        AsOf(*served->ruleset, today));
    if (!page.ok()) return page.status();
    more = page->more;
    for (size_t i = 0; i < page->customers.size(); ++i) {
      const Customer& c = page->customers[i];
      ++scanned;
      last_seen = c.id;
      if (absl::Status s = EvaluateRules(*served->ruleset, {&c, nullptr, nullptr, nullptr, today},
                                         &decision);
          !s.ok()) {
        return s;
      }
      if (decision.SegmentOf(request.segment().dimension()) == request.segment().segment()) {
        CustomerToProto(c, response->add_customers());
        if (response->customers_size() == *page_size) {
          more = more || i + 1 < page->customers.size();
          break;
        }
      }
    }
  }
  if (more) response->set_next_page_token(next_page_token(last_seen));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CustomerImport>> CustomersApi::StartImport() {
  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(*rules_, *reloader_, &served); !s.ok()) return s;
  return std::unique_ptr<CustomerImport>(
      std::make_unique<StoreCustomerImport>(store_, std::move(served), limits_, today_()));
}

}  // namespace clientele::server
