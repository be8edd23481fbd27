// `clientele events purchase|return|interaction|feedback|record`: the Events
// service. Every event is a write with an idempotency key.
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/events.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

std::string TierChange(const std::string& before, const std::string& after) {
  const std::string shown_before = before.empty() ? "(none)" : before;
  const std::string shown_after = after.empty() ? "(none)" : after;
  return before == after ? shown_after : StrCat(shown_before, " -> ", shown_after);
}

std::string Signed(int64_t value) { return value > 0 ? StrCat("+", value) : StrCat(value); }

// "黑五满200减50 (black_friday) 50, 周末双倍积分 (weekend_double_points)
// 30 points, redemptions 7, 8".
std::string OffersInWords(const google::protobuf::RepeatedPtrField<v1::OfferRedemption>& list) {
  std::vector<std::string> offers;
  std::vector<std::string> ids;
  for (const v1::OfferRedemption& r : list) {
    std::string worth = r.unit().empty() ? "" : StrCat(" ", r.value(), r.unit() == "points" ? " points" : "");
    offers.push_back(StrCat(r.offer(), " (", r.offer_id(), ")", worth));
    ids.push_back(StrCat(r.redemption_id()));
  }
  return StrCat(StrJoin(offers, ", "), "; redemption", ids.size() == 1 ? " " : "s ",
                StrJoin(ids, ", "));
}

// Pending points and a debt paid are shown only when there are any, as
// with the seed's rules (no points policy) there never are.
std::vector<std::pair<std::string, std::string>> PurchaseFields(
    const v1::RecordPurchaseResponse& r, const std::string& rule) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"points earned", StrCat(Signed(r.points_earned()), " (", rule, ")")}};
  if (r.points_expired() > 0) {
    fields.push_back({"expired at once", StrCat(r.points_expired(), " (the purchase is older than the points last)")});
  }
  if (r.points_debt_settled() > 0) {
    fields.push_back({"paid points owed", StrCat(r.points_debt_settled())});
  }
  fields.push_back({"points balance", StrCat(r.points_balance())});
  if (r.points_pending() > 0) {
    fields.push_back({"of which pending", StrCat(r.points_pending(), " (available ",
                                                 r.points_available(), ")")});
  }
  fields.push_back({"tier", TierChange(r.tier_before(), r.tier())});
  if (!r.offers_redeemed().empty()) {
    fields.push_back({"offers redeemed", OffersInWords(r.offers_redeemed())});
  }
  fields.push_back({"ruleset", r.ruleset_version()});
  return fields;
}

std::vector<std::pair<std::string, std::string>> ReturnFields(
    const v1::ReturnPurchaseResponse& r) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"points reversed", StrCat(r.points_reversed())}};
  if (r.points_owed() > 0) {
    fields.push_back({"points owed", StrCat(r.points_owed(), " (already spent; paid from the next points)")});
  }
  if (r.points_forgiven() > 0) {
    fields.push_back({"points forgiven", StrCat(r.points_forgiven(), " (already spent)")});
  }
  fields.push_back({"points balance", StrCat(r.points_balance())});
  fields.push_back({"tier", TierChange(r.tier_before(), r.tier())});
  if (!r.offers_reversed().empty()) {
    fields.push_back({"offers given back", OffersInWords(r.offers_reversed())});
  }
  fields.push_back({"ruleset", r.ruleset_version()});
  return fields;
}

std::string RenderProposals(const v1::SubmitFeedbackResponse& r) {
  if (r.proposals().empty()) return "  no improvement action proposed\n";
  Table table({{"ACTION", Table::Align::kRight}, {"RULE"}, {"PROPOSES"}, {"CHANGE"}, {"KEYWORDS"}});
  for (int i = 0; i < r.proposals_size(); ++i) {
    const v1::ImprovementProposal& p = r.proposals(i);
    table.AddRow({i < r.action_ids_size() ? StrCat(r.action_ids(i)) : "?", p.rule_id(), p.action(),
                  p.change().empty() ? "-" : p.change(), StrJoin(p.keywords(), ", ")});
  }
  return table.Render("  ");
}

}  // namespace

int RunPurchase(const PurchaseOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::RecordPurchaseRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_purchase_id(options.purchase_id);
  request.set_amount(options.amount);
  request.set_product(options.product);
  request.set_channel(options.channel);
  request.set_date(options.date);
  request.set_category(options.category);
  request.set_quantity(options.quantity);
  for (const std::string& id : options.offer_ids) request.add_offer_ids(id);
  v1::RecordPurchaseResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Events::Stub::RecordPurchase, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err, [&](const v1::RecordPurchaseResponse& r) {
        const std::string rule =
            r.earning_rule_id().empty() ? "no earning rule" : StrCat("rule ", r.earning_rule_id());
        return StrCat("recorded purchase ", r.purchase_id(), " of customer ", options.customer_id,
                      "\n",
                      RenderFields(PurchaseFields(r, rule), "  "));
      });
}

int RunReturn(const ReturnOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::ReturnPurchaseRequest request;
  request.set_idempotency_key(key.key);
  request.set_purchase_id(options.purchase_id);
  request.set_kind(options.kind);
  v1::ReturnPurchaseResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Events::Stub::ReturnPurchase, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err, [&](const v1::ReturnPurchaseResponse& r) {
        return StrCat("took back purchase ", r.purchase_id(), " of customer ", r.customer_id(), " (",
                      options.kind.empty() ? "return" : options.kind, ")\n",
                      RenderFields(ReturnFields(r), "  "));
      });
}

int RunInteraction(const InteractionOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::RecordInteractionRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_text(options.text);
  v1::RecordInteractionResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Events::Stub::RecordInteraction, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err,
      [&](const v1::RecordInteractionResponse& r) {
        return StrCat(
            "recorded interaction of customer ", options.customer_id, "\n",
            RenderFields({{"rule", r.rule_id().empty() ? "(none matched)" : r.rule_id()},
                          {"satisfaction",
                           StrCat(r.satisfaction_before(), " -> ", r.satisfaction_after())},
                          {"interactions", StrCat(r.interaction_count())},
                          {"ruleset", r.ruleset_version()}},
                         "  "));
      });
}

namespace {

// A line per credit: "review_points  +10 to 7 (limit 3 times a month, used 1 before)".
std::string RenderCredits(const v1::RecordEventResponse& r) {
  if (r.credits().empty()) return "  credits  (no rule matched)\n";
  std::vector<std::pair<std::string, std::string>> fields;
  for (const v1::EventCredit& c : r.credits()) {
    std::string text = StrCat("+", c.points(), " to ", c.customer_id());
    if (!c.to_attribute().empty()) StrAppend(&text, " (", c.to_attribute(), ")");
    if (!c.limit().empty()) {
      StrAppend(&text, "; limit ", c.limit(), ", used ", c.used_times_before(), " before",
                c.limited() ? StrCat(": ", c.rule_points(), " cut to ", c.points()) : "");
    }
    fields.emplace_back(c.rule_id(), std::move(text));
  }
  return RenderFields(fields, "  ");
}

}  // namespace

int RunCustomEvent(const CustomEventOptions& options, std::ostream& out, std::ostream& err) {
  v1::RecordEventRequest request;
  if (!ParseNameValues(options.attributes, "stars=5", request.mutable_attributes(), err)) {
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_type(options.type);
  request.set_occurred_at(options.occurred_at);
  v1::RecordEventResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Events::Stub::RecordEvent, request, &response);
  return PrintWriteResult(
      status, response, key, options.remote, out, err, [&](const v1::RecordEventResponse& r) {
        return StrCat(
            "recorded event ", r.event_id(), " (", r.type(), " of customer ", options.customer_id,
            ", ", r.day(), ")  [ruleset ", r.ruleset_version(), "]\n", RenderCredits(r),
            RenderFields(
                {{StrCat("points of ", options.customer_id), StrCat(r.points_balance())},
                 {"tier", r.tier_before() == r.tier()
                              ? (r.tier().empty() ? "(none)" : r.tier())
                              : StrCat(r.tier_before().empty() ? "(none)" : r.tier_before(), " -> ",
                                       r.tier())}},
                "  "));
      });
}

int RunFeedback(const FeedbackOptions& options, std::ostream& out, std::ostream& err) {
  const IdempotencyKey key = ResolveKey(options.key);
  v1::SubmitFeedbackRequest request;
  request.set_idempotency_key(key.key);
  request.set_customer_id(options.customer_id);
  request.set_product(options.product);
  request.set_text(options.text);
  request.set_source(options.source);
  request.set_satisfaction(options.satisfaction);
  request.set_date(options.date);
  v1::SubmitFeedbackResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Events::Stub::SubmitFeedback, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::SubmitFeedbackResponse& r) {
                            return StrCat("recorded feedback ", r.feedback_id(), " about ",
                                          options.product, "  [ruleset ", r.ruleset_version(),
                                          "]\n", RenderProposals(r));
                          });
}

}  // namespace clientele::client
