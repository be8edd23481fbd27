// The Improvements service: products, and the improvement actions the
// rules propose from feedback about them, applied (with their change to
// the product) or dismissed.
#include "server/api/improvements.h"

#include <map>
#include <optional>
#include <string>

#include "server/api/conversion.h"
#include "server/api/idempotent_writes.h"
#include "server/api/page_tokens.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace api_internal;  // NOLINT: the helpers of every operation

namespace {

constexpr size_t kMaxAttributes = 100;
constexpr size_t kMaxAttributeNameBytes = 100;
constexpr size_t kMaxAttributeValueBytes = 1000;

void ProductToProto(const ProductRecord& record, v1::Product* p) {
  p->set_product(record.product);
  for (const auto& [name, value] : record.attributes) (*p->mutable_attributes())[name] = value;
  p->set_updated_at(record.updated_at);
  p->set_category(record.category);
}

void ActionToProto(const ImprovementActionRecord& a, v1::ImprovementAction* p) {
  p->set_action_id(a.id);
  p->set_product(a.product);
  p->set_rule_id(a.rule_id);
  p->set_action(a.action);
  if (a.change.has_value()) p->set_change(DescribeChange(*a.change));
  p->set_status(a.status);
  p->set_feedback_count(a.feedback_count);
  for (const auto& [keyword, count] : a.keyword_counts) {
    (*p->mutable_keyword_counts())[keyword] = count;
  }
  p->set_first_feedback_at(a.first_feedback_at.ToString());
  p->set_last_feedback_at(a.last_feedback_at.ToString());
  p->set_ruleset_version(a.ruleset_version);
  p->set_proposed_at(a.proposed_at);
  p->set_decided_at(a.decided_at);
  p->set_decided_by(a.decided_by);
  p->set_note(a.note);
}

// Attributes as "name=value" lines, for the audit trail.
std::string AttributesText(const std::map<std::string, std::string>& attributes) {
  std::string text;
  for (const auto& [name, value] : attributes) text += StrCat(name, "=", value, "\n");
  return text;
}

}  // namespace

absl::Status ImprovementsApi::UpsertProduct(const v1::UpsertProductRequest& request,
                                       v1::UpsertProductResponse* response) {
  const v1::Product& product = request.product();
  if (absl::Status s =
          CheckText("product.product", product.product(), limits_.max_name_bytes, true);
      !s.ok()) {
    return s;
  }
  if (product.attributes_size() > static_cast<int>(kMaxAttributes)) {
    return Invalid("product.attributes",
                   StrCat("has ", product.attributes_size(), " entries; at most ", kMaxAttributes));
  }
  if (absl::Status s = CheckText("product.category", product.category(), 100, false); !s.ok()) {
    return s;
  }
  ProductRecord record;
  record.product = product.product();
  record.category = product.category();
  for (const auto& [name, value] : product.attributes()) {
    if (absl::Status s = CheckText("product.attributes", name, kMaxAttributeNameBytes, true);
        !s.ok()) {
      return Invalid("product.attributes", StrCat("a name ", s.message()));
    }
    if (absl::Status s = CheckText(StrCat("product.attributes[", name, "]"), value,
                                   kMaxAttributeValueBytes, false, TextKind::kFreeText);
        !s.ok()) {
      return s;
    }
    record.attributes[name] = value;
  }
  return IdempotentWrite(
      store_, "UpsertProduct", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::UpsertProductResponse* out) -> absl::Status {
        absl::StatusOr<bool> created = tx.UpsertProduct(record);
        if (!created.ok()) return created.status();
        absl::StatusOr<std::optional<ProductRecord>> stored = tx.FindProduct(record.product);
        if (!stored.ok()) return stored.status();
        ProductToProto(**stored, out->mutable_product());
        out->set_created(*created);
        return absl::OkStatus();
      });
}

absl::Status ImprovementsApi::GetProduct(const v1::GetProductRequest& request,
                                    v1::GetProductResponse* response) {
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, true);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::optional<ProductRecord>> found = store_->FindProduct(request.product());
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(StrCat("product '", request.product(), "' not found"));
  }
  ProductToProto(**found, response->mutable_product());
  return absl::OkStatus();
}

absl::Status ImprovementsApi::ListImprovementActions(const v1::ListImprovementActionsRequest& request,
                                                v1::ListImprovementActionsResponse* response) {
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("status", request.status(), 50, false); !s.ok()) return s;
  const std::string& status = request.status();
  if (!status.empty() && status != "proposed" && status != "applied" && status != "dismissed") {
    return Invalid("status", StrCat("must be \"proposed\", \"applied\", \"dismissed\" or empty, "
                                    "not \"",
                                    status, "\""));
  }
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  // The token is the id of the last action of the previous page.
  absl::StatusOr<int64_t> before_id = ReadIdPageToken(
      store_->page_token_key(), "ListImprovementActions", request, request.page_token());
  if (!before_id.ok()) return before_id.status();
  absl::StatusOr<ActionPage> page =
      store_->ListActions(request.product(), status, *before_id, *page_size);
  if (!page.ok()) return page.status();
  for (const ImprovementActionRecord& a : page->actions) ActionToProto(a, response->add_actions());
  if (page->more) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(),
                                                 "ListImprovementActions", request,
                                                 StrCat(page->actions.back().id)));
  }
  return absl::OkStatus();
}

absl::Status ImprovementsApi::ApplyImprovementAction(const v1::DecideImprovementActionRequest& request,
                                                v1::DecideImprovementActionResponse* response) {
  return DecideImprovementAction("ApplyImprovementAction", "applied", request, response);
}

absl::Status ImprovementsApi::DismissImprovementAction(
    const v1::DecideImprovementActionRequest& request,
    v1::DecideImprovementActionResponse* response) {
  return DecideImprovementAction("DismissImprovementAction", "dismissed", request, response);
}

absl::Status ImprovementsApi::DecideImprovementAction(std::string_view method, std::string_view status,
                                                 const v1::DecideImprovementActionRequest& request,
                                                 v1::DecideImprovementActionResponse* response) {
  if (request.action_id() <= 0) return Invalid("action_id", "is required (a positive id)");
  if (absl::Status s = CheckText("actor", request.actor(), limits_.max_name_bytes, true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckText("note", request.note(), limits_.max_text_bytes, false, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  const bool apply = status == "applied";
  return IdempotentWrite(
      store_, method, request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::DecideImprovementActionResponse* out) -> absl::Status {
        absl::StatusOr<std::optional<ImprovementActionRecord>> found =
            tx.FindAction(request.action_id());
        if (!found.ok()) return found.status();
        if (!found->has_value()) {
          return absl::NotFoundError(
              StrCat("improvement action ", request.action_id(), " not found"));
        }
        const ImprovementActionRecord& action = **found;
        if (action.status != "proposed") {
          return WithReason(absl::FailedPreconditionError(StrCat(
                                "improvement action ", action.id, " was already ", action.status,
                                " by ", action.decided_by, " at ", action.decided_at)),
                            kReasonActionAlreadyDecided);
        }
        AuditEntry audit;
        audit.subject = StrCat("improvement_action:", action.id);
        audit.event = std::string(status);
        audit.actor = request.actor();
        audit.note = request.note();
        if (apply && action.change.has_value()) {
          absl::StatusOr<std::optional<ProductRecord>> product = tx.FindProduct(action.product);
          if (!product.ok()) return product.status();
          if (!product->has_value()) {
            return absl::FailedPreconditionError(
                StrCat("product '", action.product,
                       "' is not stored, so its attributes cannot change; create it with "
                       "UpsertProduct first"));
          }
          const rules::ProductChange& change = *action.change;
          if (change.kind == rules::ProductChange::Kind::kAdd &&
              (*product)->attributes.count(change.field) == 0) {
            return absl::FailedPreconditionError(
                StrCat("product '", action.product, "' has no attribute '", change.field,
                       "' to add ", change.amount.ToString(), " to; set it with UpsertProduct"));
          }
          rules::ImprovementProposal proposal{action.rule_id, action.action, &change, nullptr};
          absl::StatusOr<std::map<std::string, std::string>> changed =
              rules::ApplyProductChanges((*product)->attributes, {proposal});
          if (!changed.ok()) return absl::FailedPreconditionError(changed.status().message());
          ProductRecord after = **product;
          after.attributes = std::move(*changed);
          if (absl::StatusOr<bool> s = tx.UpsertProduct(after); !s.ok()) return s.status();
          absl::StatusOr<std::optional<ProductRecord>> stored = tx.FindProduct(action.product);
          if (!stored.ok()) return stored.status();
          ProductToProto(**product, out->mutable_product_before());
          ProductToProto(**stored, out->mutable_product_after());
          audit.before = AttributesText((*product)->attributes);
          audit.after = AttributesText((*stored)->attributes);
        }
        if (absl::Status s = tx.CloseAction(action.id, status, request.actor(), request.note());
            !s.ok()) {
          return s;
        }
        if (absl::StatusOr<int64_t> s = tx.AppendAudit(audit); !s.ok()) return s.status();
        absl::StatusOr<std::optional<ImprovementActionRecord>> closed = tx.FindAction(action.id);
        if (!closed.ok()) return closed.status();
        ActionToProto(**closed, out->mutable_action());
        return absl::OkStatus();
      });
}

}  // namespace clientele::server
