// The Customers service (proto/clientele/v1/customers.proto): customer
// profiles and their bulk import. Statuses and thread safety as
// dependencies.h says.
#ifndef CLIENTELE_SERVER_API_CUSTOMERS_H_
#define CLIENTELE_SERVER_API_CUSTOMERS_H_

#include <memory>

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clientele/v1/customers.pb.h"
#include "server/api/dependencies.h"
#include "server/api/serving.h"

namespace clientele::server {

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

class CustomersApi {
 public:
  // What `dependencies` points to must outlive the CustomersApi.
  explicit CustomersApi(const ApiDependencies& dependencies)
      : store_(dependencies.store),
        rules_(dependencies.rules),
        reloader_(dependencies.reloader),
        limits_(dependencies.limits) ,
        today_(api_internal::ProgrammeToday(dependencies)) {}

  absl::Status UpsertCustomer(const v1::UpsertCustomerRequest& request,
                              v1::UpsertCustomerResponse* response);
  absl::Status GetCustomer(const v1::GetCustomerRequest& request,
                           v1::GetCustomerResponse* response);
  absl::Status DeleteCustomer(const v1::DeleteCustomerRequest& request,
                              v1::DeleteCustomerResponse* response);
  absl::Status ListCustomers(const v1::ListCustomersRequest& request,
                             v1::ListCustomersResponse* response);
  // The ImportCustomers stream. UNAVAILABLE while no valid ruleset is
  // loaded.
  absl::StatusOr<std::unique_ptr<CustomerImport>> StartImport();

 private:
  // How a read shows customers on `today`: with the tier qualification
  // figures of the served ruleset (none while no ruleset is loaded), its
  // RFM scores, and without the history only evaluations read. *served
  // gets that ruleset: the caller holds it until the read is done (the
  // result points into it).
  CustomerAsOf ReadAsOf(rules::Date today, std::shared_ptr<const ServedRuleset>* served) const;

  Store* const store_;
  RulesetHolder* const rules_;
  RulesReloader* const reloader_;
  const RequestLimits limits_;
  const std::function<rules::Date()> today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_CUSTOMERS_H_
