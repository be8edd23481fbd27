#include "server/api/roles.h"

namespace clientele::server {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kReader, Role::kWriter, Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

const std::vector<MethodRole>& MethodRoles() {
  static const std::vector<MethodRole> kTable = {
      {"clientele.v1.Customers", "UpsertCustomer", Role::kWriter},
      {"clientele.v1.Customers", "GetCustomer", Role::kReader},
      {"clientele.v1.Customers", "DeleteCustomer", Role::kAdmin},
      {"clientele.v1.Customers", "ListCustomers", Role::kReader},
      {"clientele.v1.Customers", "ImportCustomers", Role::kWriter},
      {"clientele.v1.Events", "RecordPurchase", Role::kWriter},
      {"clientele.v1.Events", "RecordInteraction", Role::kWriter},
      {"clientele.v1.Events", "RecordEvent", Role::kWriter},
      {"clientele.v1.Events", "ReturnPurchase", Role::kWriter},
      {"clientele.v1.Events", "SubmitFeedback", Role::kWriter},
      {"clientele.v1.Decisions", "Evaluate", Role::kReader},
      {"clientele.v1.Decisions", "EvaluateMany", Role::kReader},
      {"clientele.v1.Decisions", "GetRuleset", Role::kReader},
      // Who asked about whom, when: an audit trail, for operators.
      {"clientele.v1.Decisions", "ListLoggedDecisions", Role::kAdmin},
      {"clientele.v1.Improvements", "UpsertProduct", Role::kWriter},
      {"clientele.v1.Improvements", "GetProduct", Role::kReader},
      {"clientele.v1.Improvements", "ListImprovementActions", Role::kReader},
      {"clientele.v1.Improvements", "ApplyImprovementAction", Role::kAdmin},
      {"clientele.v1.Improvements", "DismissImprovementAction", Role::kAdmin},
      {"clientele.v1.Reports", "SegmentSizes", Role::kReader},
      {"clientele.v1.Reports", "FeedbackReport", Role::kReader},
      {"clientele.v1.Reports", "GetLedger", Role::kReader},
      {"clientele.v1.Diagnostics", "Ping", Role::kReader},
      {"clientele.v1.Rulesets", "GetRulesetStatus", Role::kReader},
      {"clientele.v1.Rulesets", "ReloadRuleset", Role::kAdmin},
      {"clientele.v1.Rulesets", "WatchRuleset", Role::kReader},
      {"clientele.v1.Rulesets", "ListRulesetVersions", Role::kReader},
      {"clientele.v1.Rulesets", "GetRulesetVersion", Role::kReader},
      // Reads only: a candidate ruleset is evaluated, nothing is stored.
      {"clientele.v1.Rulesets", "SimulateRuleset", Role::kReader},
      {"clientele.v1.Admin", "Backup", Role::kAdmin},
      {"clientele.v1.Loyalty", "GetPoints", Role::kReader},
      {"clientele.v1.Loyalty", "RedeemPoints", Role::kWriter},
      {"clientele.v1.Loyalty", "ReverseRedemption", Role::kWriter},
      {"clientele.v1.Loyalty", "GetTierHistory", Role::kReader},
      // An override of the rules, audited: for operators.
      {"clientele.v1.Loyalty", "SetTier", Role::kAdmin},
      {"clientele.v1.Offers", "RedeemOffer", Role::kWriter},
      {"clientele.v1.Offers", "ReverseOfferRedemption", Role::kWriter},
      {"clientele.v1.Offers", "ListOfferRedemptions", Role::kReader},
      {"clientele.v1.Offers", "GetOfferCalendar", Role::kReader},
      {"clientele.v1.Tasks", "ListTasks", Role::kReader},
      {"clientele.v1.Tasks", "ClaimTask", Role::kWriter},
      {"clientele.v1.Tasks", "CloseTask", Role::kWriter},
      {"clientele.v1.Tasks", "WatchTasks", Role::kReader},
      {"clientele.v1.Segments", "GetCustomerSegments", Role::kReader},
      {"clientele.v1.Segments", "ListSegmentMembers", Role::kReader},
      {"clientele.v1.Segments", "WatchSegmentChanges", Role::kReader},
      {"clientele.v1.Segments", "GetRfm", Role::kReader},
      // A pass over every customer: for operators.
      {"clientele.v1.Segments", "RefreshSegments", Role::kAdmin},
      {"clientele.v1.Reports", "OfferReport", Role::kReader},
  };
  return kTable;
}

std::optional<Role> RequiredRole(std::string_view method) {
  for (const MethodRole& entry : MethodRoles()) {
    if (entry.method == method) return entry.role;
  }
  return std::nullopt;
}


}  // namespace clientele::server
