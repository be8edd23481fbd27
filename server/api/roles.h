// The roles of clientele's tokens and the method-to-role table: who may
// call which RPC. Roles are cumulative: a writer may do what a reader may,
// an admin what a writer may. Constant data: thread-safe.
#ifndef CLIENTELE_SERVER_API_ROLES_H_
#define CLIENTELE_SERVER_API_ROLES_H_

#include <optional>
#include <string_view>
#include <vector>

namespace clientele::server {

enum class Role {
  kReader = 1,  // evaluate, get, list, reports, ruleset status and versions
  kWriter = 2,  // + record events, upsert and import customers and products
  kAdmin = 3,   // + delete, reload, apply or dismiss actions, backup
};

std::string_view RoleName(Role role);  // "reader", "writer", "admin"
std::optional<Role> ParseRole(std::string_view name);

// The role the RPC `method` (its name without the service, e.g.
// "DeleteCustomer") needs; nullopt for a method this table does not know,
// which nobody may call.
std::optional<Role> RequiredRole(std::string_view method);

// Every method of the table with its role, in the order of the protos.
struct MethodRole {
  std::string_view service;  // e.g. "clientele.v1.Customers"
  std::string_view method;   // e.g. "DeleteCustomer"
  Role role;
};
const std::vector<MethodRole>& MethodRoles();

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_ROLES_H_
