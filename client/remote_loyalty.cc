// `clientele points show|redeem|reverse` and `clientele tier
// history|set|end`: the Loyalty service. Redemptions, their reversals and
// manual tiers are writes with an idempotency key.
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/loyalty.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// Balance, available, pending, lifetime, owed, then the expiries by date.
std::string RenderBalance(const v1::PointsBalance& b) {
  std::string out = RenderFields({{"balance", StrCat(b.balance())},
                                  {"available", StrCat(b.available())},
                                  {"pending", StrCat(b.pending())},
                                  {"lifetime", StrCat(b.lifetime())},
                                  {"owed", StrCat(b.owed())}},
                                 "  ");
  if (b.expiring().empty()) return out + "  no points expire\n";
  Table table({{"EXPIRE ON"}, {"POINTS", Table::Align::kRight}});
  for (const v1::PointsExpiry& e : b.expiring()) table.AddRow({e.date(), StrCat(e.points())});
  return out + "upcoming expiries (the points leave on that day):\n" + table.Render("  ");
}

std::string RenderRedemptions(const google::protobuf::RepeatedPtrField<v1::Redemption>& list) {
  if (list.empty()) return "no redemptions\n";
  Table table({{"REDEMPTION", Table::Align::kRight},
               {"RECORDED"},
               {"POINTS", Table::Align::kRight},
               {"REASON"},
               {"REFERENCE"},
               {"REVERSED BY"}});
  for (const v1::Redemption& r : list) {
    table.AddRow({StrCat(r.redemption_id()), r.recorded_at(), StrCat(r.points()),
                  r.reason().empty() ? "-" : r.reason(),
                  r.reference().empty() ? "-" : r.reference(),
                  r.reversed_by() == 0 ? "-" : StrCat(r.reversed_by())});
  }
  return "latest redemptions:\n" + table.Render("  ");
}

std::string Or(const std::string& text, std::string_view fallback) {
  return text.empty() ? std::string(fallback) : text;
}

std::string RenderTierHistory(const v1::GetTierHistoryResponse& r) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"tier", Or(r.tier(), "(none)")},
      {"since", Or(r.tier_since(), "-")},
      {"previous tier", Or(r.previous_tier(), "-")}};
  if (!r.manual_tier_until().empty()) fields.push_back({"set by hand until", r.manual_tier_until()});
  fields.push_back({"by the rules today", Or(r.tier_by_rules(), "(none)")});
  // A tier policy on a window, or with grace: what the tier stands on.
  if (!r.qualify_on().empty() && r.qualify_on() != "balance") {
    fields.push_back({"qualifies on", StrCat(r.qualify_on(), ": ", r.qualifying())});
  }
  if (!r.tier_downgrade_on().empty() || !r.downgrade_by_rules().empty()) {
    const std::string& day = Or(r.downgrade_by_rules(), r.tier_downgrade_on());
    fields.push_back({"downgrade due", StrCat(day, " unless it qualifies again")});
  }
  std::string out = StrCat("tier of customer ", r.customer_id(), "\n", RenderFields(fields, "  "));
  if (r.changes().empty()) return out + "no tier changes\n";
  Table table({{"CHANGE", Table::Align::kRight},
               {"DATE"},
               {"FROM"},
               {"TO"},
               {"CAUSE"},
               {"SOURCE"},
               {"RULESET"},
               {"WHO / WHY"}});
  for (const v1::TierChange& c : r.changes()) {
    std::string who = c.actor().empty() && c.reason().empty()
                          ? "-"
                          : StrCat(Or(c.actor(), "?"), ": ", c.reason(),
                                   c.manual_until().empty() ? "" : StrCat(" (until ", c.manual_until(), ")"));
    table.AddRow({StrCat(c.change_id()), c.date(), Or(c.from_tier(), "(none)"),
                  Or(c.to_tier(), "(none)"), c.cause(), c.source(), c.ruleset_version(), who});
  }
  return out + "changes, newest first:\n" + table.Render("  ");
}

}  // namespace

int RunTierHistory(const TierHistoryOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetTierHistoryRequest request;
  request.set_customer_id(options.customer_id);
  request.set_limit(options.limit);
  v1::GetTierHistoryResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Loyalty::Stub::GetTierHistory, request, &response);
  return PrintResult(status, response, options.remote, out, err, RenderTierHistory);
}

int RunTierSet(const TierSetOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::SetTierRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_tier(options.tier);
  request.set_until(options.until);
  request.set_reason(options.reason);
  request.set_actor(options.actor);
  v1::SetTierResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Loyalty::Stub::SetTier, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err, [&](const v1::SetTierResponse& r) {
        const std::string change = StrCat(Or(r.tier_before(), "(none)"), " -> ", Or(r.tier(), "(none)"));
        return r.manual_tier_until().empty()
                   ? StrCat("ended the manual tier of customer ", r.customer_id(),
                            ": the rules decide again (", change, ")\n")
                   : StrCat("set the tier of customer ", r.customer_id(), " by hand until ",
                            r.manual_tier_until(), " (", change, ")\n");
      });
}

int RunPointsShow(const PointsShowOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetPointsRequest request;
  request.set_customer_id(options.customer_id);
  request.set_redemptions(options.redemptions);
  v1::GetPointsResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Loyalty::Stub::GetPoints, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [](const v1::GetPointsResponse& r) {
                       return StrCat("points of customer ", r.customer_id(), " on ", r.today(),
                                     "\n", RenderBalance(r.points()),
                                     RenderRedemptions(r.redemptions()));
                     });
}

int RunPointsRedeem(const PointsRedeemOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::RedeemPointsRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_points(options.points);
  request.set_reason(options.reason);
  request.set_reference(options.reference);
  v1::RedeemPointsResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Loyalty::Stub::RedeemPoints, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::RedeemPointsResponse& r) {
                            return StrCat("redeemed ", r.points(), " points of customer ",
                                          options.customer_id, ": redemption ",
                                          r.redemption_id(), "  [ruleset ", r.ruleset_version(),
                                          "]\n", RenderBalance(r.points_after()));
                          });
}

int RunPointsReverse(const PointsReverseOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::ReverseRedemptionRequest request;
  request.set_idempotency_key(key.key);
  request.set_redemption_id(options.redemption_id);
  request.set_reason(options.reason);
  v1::ReverseRedemptionResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Loyalty::Stub::ReverseRedemption, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err, [&](const v1::ReverseRedemptionResponse& r) {
        return StrCat("gave back the ", r.points(), " points of redemption ", r.redemption_id(),
                      " to customer ", r.customer_id(), " (ledger entry ", r.reversal_id(), ")",
                      r.points_debt_settled() > 0
                          ? StrCat("; ", r.points_debt_settled(), " of them paid points owed")
                          : std::string(),
                      "\n", RenderBalance(r.points_after()));
      });
}

}  // namespace clientele::client
