// The roles of clientele's tokens, what each may do, and the
// method-to-permission table: who may call which RPC. Roles are not a
// ladder: a marketer drafts rule changes but may not record a purchase,
// and a writer records purchases but may not draft. An approver may do
// what a marketer may and approve, publish, schedule and roll back (four
// eyes: the approver's token is another than the author's). An admin may
// do everything. Constant data: thread-safe.
#ifndef CLIENTELE_SERVER_API_ROLES_H_
#define CLIENTELE_SERVER_API_ROLES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clientele::server {

enum class Role {
  kReader = 1,    // read
  kWriter = 2,    // read, write
  kAdmin = 3,     // everything
  kMarketer = 4,  // read, draft
  kApprover = 5,  // read, draft, approve
};

// What a method needs.
enum class Permission {
  kRead,        // evaluate, get, list, reports, ruleset status and versions
  kWrite,       // record events, upsert and import customers and products
  kDraft,       // rule drafts, their checks, submitting a change
  kApprove,     // approve or reject a change, publish, schedule, roll back
  kAdminister,  // delete, reload, apply or dismiss actions, backup, the decision log
};

// Every role, in the order the docs list them.
const std::vector<Role>& AllRoles();
std::string_view RoleName(Role role);  // "reader", "writer", "marketer", ...
std::optional<Role> ParseRole(std::string_view name);
std::string_view PermissionName(Permission permission);  // "read", "write", ...

// Whether a token of `role` has `permission`.
bool Allows(Role role, Permission permission);

// The roles that have `permission`, for messages: "writer or admin".
std::string RolesWith(Permission permission);

// The permission the RPC `method` (its name without the service, e.g.
// "DeleteCustomer") needs; nullopt for a method this table does not know,
// which nobody may call.
std::optional<Permission> RequiredPermission(std::string_view method);

// Every method of the table with its permission, in the order of the protos.
struct MethodPermission {
  std::string_view service;  // e.g. "clientele.v1.Customers"
  std::string_view method;   // e.g. "DeleteCustomer"
  Permission permission;
};
const std::vector<MethodPermission>& MethodPermissions();

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_ROLES_H_
