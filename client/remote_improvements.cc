// `clientele products upsert|get` and `clientele improvements
// list|apply|dismiss`: the Improvements service.
#include <map>

#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/improvements.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// A protobuf map has no order; tables show it sorted by key.
template <typename Value>
std::map<std::string, Value> Sorted(const google::protobuf::Map<std::string, Value>& map) {
  return {map.begin(), map.end()};
}

std::string RenderProduct(const v1::Product& p) {
  std::string out = StrCat("product ", p.product(), "  (",
                           p.category().empty() ? "" : StrCat("category ", p.category(), ", "),
                           "updated ", p.updated_at(), ")\n");
  std::vector<std::pair<std::string, std::string>> attributes;
  for (const auto& [name, value] : Sorted(p.attributes())) attributes.emplace_back(name, value);
  if (attributes.empty()) return out + "  (no attributes)\n";
  return out + RenderFields(attributes, "  ");
}

std::string Keywords(const v1::ImprovementAction& a) {
  std::vector<std::string> counts;
  for (const auto& [keyword, count] : Sorted(a.keyword_counts())) {
    counts.push_back(StrCat(keyword, "×", count));
  }
  return counts.empty() ? "-" : StrJoin(counts, ", ");
}

std::string RenderActionPages(const std::vector<v1::ListImprovementActionsResponse>& pages) {
  Table table({{"ID", Table::Align::kRight},
               {"PRODUCT"},
               {"ACTION"},
               {"CHANGE"},
               {"STATUS"},
               {"FEEDBACK", Table::Align::kRight},
               {"KEYWORDS"},
               {"LAST FEEDBACK"}});
  for (const v1::ListImprovementActionsResponse& page : pages) {
    for (const v1::ImprovementAction& a : page.actions()) {
      table.AddRow({StrCat(a.action_id()), a.product(), a.action(),
                    a.change().empty() ? "-" : a.change(), a.status(),
                    StrCat(a.feedback_count()), Keywords(a), a.last_feedback_at()});
    }
  }
  std::string out = table.rows() == 0 ? "" : table.Render();
  StrAppend(&out, table.rows(), table.rows() == 1 ? " action\n" : " actions\n");
  return out + MoreLine(pages.back().next_page_token());
}

// The attributes that Apply changed: name, before, after.
std::string RenderChanges(const v1::Product& before, const v1::Product& after) {
  std::map<std::string, std::string> old_values = Sorted(before.attributes());
  Table table({{"ATTRIBUTE"}, {"BEFORE"}, {"AFTER"}});
  for (const auto& [name, value] : Sorted(after.attributes())) {
    auto it = old_values.find(name);
    const std::string old_value = it == old_values.end() ? "(none)" : it->second;
    if (old_value != value) table.AddRow({name, old_value, value});
  }
  if (table.rows() == 0) return "  the product is unchanged\n";
  return "  changes to the product:\n" + table.Render("    ");
}

std::string RenderDecided(bool apply, const v1::DecideImprovementActionResponse& r) {
  const v1::ImprovementAction& a = r.action();
  std::string out = StrCat(apply ? "applied" : "dismissed", " action ", a.action_id(), " (",
                           a.action(), ") ", apply ? "to " : "for ", a.product(), "\n");
  out += RenderFields({{"status", a.status()},
                       {"decided by", a.decided_by()},
                       {"decided at", a.decided_at()},
                       {"note", a.note().empty() ? "-" : a.note()},
                       {"evidence", StrCat(a.feedback_count(), " feedback: ", Keywords(a))}},
                      "  ");
  if (apply) out += RenderChanges(r.product_before(), r.product_after());
  return out;
}

}  // namespace

int RunProductUpsert(const ProductUpsertOptions& options, std::ostream& out, std::ostream& err) {
  v1::UpsertProductRequest request;
  v1::Product* product = request.mutable_product();
  product->set_product(options.product);
  product->set_category(options.category);
  if (!ParseNameValues(options.attributes, "价格=100", product->mutable_attributes(), err)) {
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  request.set_idempotency_key(key.key);
  v1::UpsertProductResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Improvements::Stub::UpsertProduct, request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [](const v1::UpsertProductResponse& r) {
                            return StrCat(r.created() ? "created " : "updated ",
                                          RenderProduct(r.product()));
                          });
}

int RunProductGet(const ProductGetOptions& options, std::ostream& out, std::ostream& err) {
  v1::GetProductRequest request;
  request.set_product(options.product);
  v1::GetProductResponse response;
  const grpc::Status status =
      CallUnary(options.remote, &v1::Improvements::Stub::GetProduct, request, &response);
  return PrintResult(status, response, options.remote, out, err,
                     [](const v1::GetProductResponse& r) { return RenderProduct(r.product()); });
}

int RunImprovementList(const ImprovementListOptions& options, std::ostream& out,
                       std::ostream& err) {
  v1::ListImprovementActionsRequest request;
  request.set_product(options.product);
  request.set_status(options.status);
  request.set_page_size(options.page.page_size);
  v1::Improvements::Stub stub(Connect(options.remote));
  std::vector<v1::ListImprovementActionsResponse> pages;
  const grpc::Status status = FetchPages(
      options.page,
      [&](const std::string& token, v1::ListImprovementActionsResponse* response) {
        request.set_page_token(token);
        grpc::ClientContext context;
        SetDeadline(options.remote, kUnaryTimeoutSeconds, &context);
        return stub.ListImprovementActions(&context, request, response);
      },
      &pages);
  return PrintPages(status, pages, options.remote, out, err, RenderActionPages);
}

int RunImprovementDecide(bool apply, const ImprovementDecideOptions& options, std::ostream& out,
                         std::ostream& err) {
  if (options.actor.empty()) {
    err << "error: --actor is required (who decides; it is recorded in the audit trail)\n";
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  v1::DecideImprovementActionRequest request;
  request.set_idempotency_key(key.key);
  request.set_action_id(options.action_id);
  request.set_actor(options.actor);
  request.set_note(options.note);
  v1::DecideImprovementActionResponse response;
  const grpc::Status status =
      CallUnary(options.remote,
                apply ? &v1::Improvements::Stub::ApplyImprovementAction
                      : &v1::Improvements::Stub::DismissImprovementAction,
                request, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::DecideImprovementActionResponse& r) {
                            return RenderDecided(apply, r);
                          });
}

}  // namespace clientele::client
