// Opening the tasks the rules give for a customer (rules: a tasks file),
// inside the write that changed the customer. Internal to server/api/.
#ifndef CLIENTELE_SERVER_API_TASK_OPENING_H_
#define CLIENTELE_SERVER_API_TASK_OPENING_H_

#include <string_view>

#include "absl/status/status.h"
#include "rules/ruleset.h"
#include "server/store/transaction.h"

namespace clientele::server::api_internal {

// Reads customer `customer_id` as `tx` has left it and opens a task for
// each task rule of `ruleset` that holds, unless one of that rule is open
// or claimed for the customer already (the store keeps one). Each records
// the rule, the ruleset version, what the rules saw (the rule's checks and
// those of the segment rules it reads) and `source`, the write. Nothing
// when the ruleset has no task rules. Called from the writer's thread.
absl::Status OpenTasksByRules(Transaction& tx, const rules::RuleSet& ruleset,
                              std::string_view customer_id, rules::Date today,
                              std::string_view source);
// The same for `customer` as the write left it, which `decision` (of
// `ruleset`, with no event, on `today`) was made for: only the tasks that
// `decision` proposes.
absl::Status OpenTasksByRules(Transaction& tx, const rules::RuleSet& ruleset,
                              const rules::Customer& customer, const rules::Decision& decision,
                              rules::Date today, std::string_view source);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_TASK_OPENING_H_
