#include "server/api/roles.h"

#include <string>
#include <vector>

namespace clientele::server {

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kRoles = {Role::kReader, Role::kWriter, Role::kMarketer,
                                           Role::kApprover, Role::kAdmin};
  return kRoles;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kMarketer:
      return "marketer";
    case Role::kApprover:
      return "approver";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : AllRoles()) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "read";
    case Permission::kWrite:
      return "write";
    case Permission::kDraft:
      return "draft";
    case Permission::kApprove:
      return "approve";
    case Permission::kAdminister:
      return "administer";
  }
  return "unknown";
}

bool Allows(Role role, Permission permission) {
  switch (role) {
    case Role::kAdmin:
      return true;
    case Role::kReader:
      return permission == Permission::kRead;
    case Role::kWriter:
      return permission == Permission::kRead || permission == Permission::kWrite;
    case Role::kMarketer:
      return permission == Permission::kRead || permission == Permission::kDraft;
    case Role::kApprover:
      return permission == Permission::kRead || permission == Permission::kDraft ||
             permission == Permission::kApprove;
  }
  return false;
}

std::string RolesWith(Permission permission) {
  std::vector<std::string_view> names;
  for (Role role : AllRoles()) {
    if (Allows(role, permission)) names.push_back(RoleName(role));
  }
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

const std::vector<MethodPermission>& MethodPermissions() {
  static const std::vector<MethodPermission> kTable = {
      {"clientele.v1.Customers", "UpsertCustomer", Permission::kWrite},
      {"clientele.v1.Customers", "GetCustomer", Permission::kRead},
      {"clientele.v1.Customers", "DeleteCustomer", Permission::kAdminister},
      {"clientele.v1.Customers", "ListCustomers", Permission::kRead},
      {"clientele.v1.Customers", "ImportCustomers", Permission::kWrite},
      {"clientele.v1.Events", "RecordPurchase", Permission::kWrite},
      {"clientele.v1.Events", "RecordInteraction", Permission::kWrite},
      {"clientele.v1.Events", "RecordEvent", Permission::kWrite},
      {"clientele.v1.Events", "ReturnPurchase", Permission::kWrite},
      {"clientele.v1.Events", "SubmitFeedback", Permission::kWrite},
      {"clientele.v1.Decisions", "Evaluate", Permission::kRead},
      {"clientele.v1.Decisions", "EvaluateMany", Permission::kRead},
      {"clientele.v1.Decisions", "GetRuleset", Permission::kRead},
      // Who asked about whom, when: an audit trail, for operators.
      {"clientele.v1.Decisions", "ListLoggedDecisions", Permission::kAdminister},
      {"clientele.v1.Improvements", "UpsertProduct", Permission::kWrite},
      {"clientele.v1.Improvements", "GetProduct", Permission::kRead},
      {"clientele.v1.Improvements", "ListImprovementActions", Permission::kRead},
      {"clientele.v1.Improvements", "ApplyImprovementAction", Permission::kAdminister},
      {"clientele.v1.Improvements", "DismissImprovementAction", Permission::kAdminister},
      {"clientele.v1.Reports", "SegmentSizes", Permission::kRead},
      {"clientele.v1.Reports", "FeedbackReport", Permission::kRead},
      {"clientele.v1.Reports", "GetLedger", Permission::kRead},
      {"clientele.v1.Diagnostics", "Ping", Permission::kRead},
      {"clientele.v1.Rulesets", "GetRulesetStatus", Permission::kRead},
      {"clientele.v1.Rulesets", "ReloadRuleset", Permission::kAdminister},
      {"clientele.v1.Rulesets", "WatchRuleset", Permission::kRead},
      {"clientele.v1.Rulesets", "ListRulesetVersions", Permission::kRead},
      {"clientele.v1.Rulesets", "GetRulesetVersion", Permission::kRead},
      // Reads only: a candidate ruleset is evaluated, nothing is stored.
      {"clientele.v1.Rulesets", "SimulateRuleset", Permission::kRead},
      {"clientele.v1.Admin", "Backup", Permission::kAdminister},
      {"clientele.v1.Loyalty", "GetPoints", Permission::kRead},
      {"clientele.v1.Loyalty", "RedeemPoints", Permission::kWrite},
      {"clientele.v1.Loyalty", "ReverseRedemption", Permission::kWrite},
      {"clientele.v1.Loyalty", "GetTierHistory", Permission::kRead},
      // An override of the rules, audited: for operators.
      {"clientele.v1.Loyalty", "SetTier", Permission::kAdminister},
      {"clientele.v1.Offers", "RedeemOffer", Permission::kWrite},
      {"clientele.v1.Offers", "ReverseOfferRedemption", Permission::kWrite},
      {"clientele.v1.Offers", "ListOfferRedemptions", Permission::kRead},
      {"clientele.v1.Offers", "GetOfferCalendar", Permission::kRead},
      {"clientele.v1.Tasks", "ListTasks", Permission::kRead},
      {"clientele.v1.Tasks", "ClaimTask", Permission::kWrite},
      {"clientele.v1.Tasks", "CloseTask", Permission::kWrite},
      {"clientele.v1.Tasks", "WatchTasks", Permission::kRead},
      {"clientele.v1.Segments", "GetCustomerSegments", Permission::kRead},
      {"clientele.v1.Segments", "ListSegmentMembers", Permission::kRead},
      {"clientele.v1.Segments", "WatchSegmentChanges", Permission::kRead},
      {"clientele.v1.Segments", "GetRfm", Permission::kRead},
      // A pass over every customer: for operators.
      {"clientele.v1.Segments", "RefreshSegments", Permission::kAdminister},
      {"clientele.v1.Reports", "OfferReport", Permission::kRead},
      // Drafts are marketing's: readable by all, changed by those who draft.
      {"clientele.v1.Drafts", "CreateDraft", Permission::kDraft},
      {"clientele.v1.Drafts", "GetDraft", Permission::kRead},
      {"clientele.v1.Drafts", "ListDrafts", Permission::kRead},
      {"clientele.v1.Drafts", "EditDraft", Permission::kDraft},
      {"clientele.v1.Drafts", "DeleteDraft", Permission::kDraft},
      {"clientele.v1.Drafts", "ExportDraftParameters", Permission::kRead},
      {"clientele.v1.Drafts", "ImportDraftParameters", Permission::kDraft},
      {"clientele.v1.Drafts", "CheckDraft", Permission::kRead},
      // Four eyes: those who draft submit (and withdraw their own); those
      // who approve review, never their own (ChangeRequestsApi).
      {"clientele.v1.ChangeRequests", "SubmitChangeRequest", Permission::kDraft},
      {"clientele.v1.ChangeRequests", "ApproveChangeRequest", Permission::kApprove},
      {"clientele.v1.ChangeRequests", "RejectChangeRequest", Permission::kApprove},
      {"clientele.v1.ChangeRequests", "WithdrawChangeRequest", Permission::kDraft},
      {"clientele.v1.ChangeRequests", "GetChangeRequest", Permission::kRead},
      {"clientele.v1.ChangeRequests", "ListChangeRequests", Permission::kRead},
  };
  return kTable;
}

std::optional<Permission> RequiredPermission(std::string_view method) {
  for (const MethodPermission& entry : MethodPermissions()) {
    if (entry.method == method) return entry.permission;
  }
  return std::nullopt;
}

}  // namespace clientele::server
