// Feedback about products, the products themselves, the improvement actions
// the rules propose from feedback, and the per-product feedback report.
#include <algorithm>
#include <map>

#include "common/utf8.h"
#include "server/infra/metrics.h"
#include "server/api/grpc/services.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation
using rules::Date;
using rules::Decimal;

namespace {

constexpr size_t kMaxAttributes = 100;
constexpr size_t kMaxAttributeNameBytes = 100;
constexpr size_t kMaxAttributeValueBytes = 1000;
constexpr int kDefaultTop = 5;
constexpr int kMaxTop = 100;

// The rule's phrases that the feedback text contains (letter case of
// ASCII ignored, as `lower(feedback) contains ...` would).
std::vector<std::string> MatchedKeywords(const std::vector<std::string>& keywords,
                                         std::string_view text) {
  const std::string haystack = utf8::AsciiLower(text);
  std::vector<std::string> matched;
  for (const std::string& keyword : keywords) {
    if (haystack.find(utf8::AsciiLower(keyword)) != std::string::npos) matched.push_back(keyword);
  }
  return matched;
}

// A product change in words: what an operator approves when applying.
std::string DescribeChange(const rules::ProductChange& change) {
  switch (change.kind) {
    case rules::ProductChange::Kind::kSet:
      return StrCat("set ", change.field, " to \"", change.text, "\"");
    case rules::ProductChange::Kind::kAppend:
      return StrCat("append \"", change.text, "\" to ", change.field);
    case rules::ProductChange::Kind::kAdd:
      return StrCat("add ", change.amount.ToString(), " to ", change.field);
  }
  return "";
}

// Satisfaction as feedback gives it: "1".."5", at most 2 decimals.
absl::StatusOr<std::optional<Decimal>> ParseSatisfaction(std::string_view text) {
  if (text.empty()) return std::optional<Decimal>();
  if (absl::Status s = CheckDecimalText("satisfaction", text); !s.ok()) return s;
  absl::StatusOr<Decimal> value = Decimal::Parse(text);
  if (!value.ok()) return Invalid("satisfaction", View(value.status().message()));
  if (*value < Decimal::FromInteger(1) || *value > Decimal::FromInteger(5)) {
    return Invalid("satisfaction", StrCat("must be 1 to 5, not ", text));
  }
  if (value->units() % 100 != 0) return Invalid("satisfaction", "has more than 2 decimals");
  return std::optional<Decimal>(*value);
}

void ProductToProto(const ProductRecord& record, v1::Product* p) {
  p->set_product(record.product);
  for (const auto& [name, value] : record.attributes) (*p->mutable_attributes())[name] = value;
  p->set_updated_at(record.updated_at);
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

// The phrases of a feedback text (the seed's 期望): split at commas, 、,
// semicolons, full stops and line breaks, ASCII and full-width, trimmed.
std::vector<std::string> Expectations(std::string_view text) {
  static constexpr std::string_view kSeparators[] = {",", "，", "、", ";", "；",
                                                     "。", "\n", "\r"};
  std::vector<std::string> phrases;
  auto trim_and_add = [&](std::string_view phrase) {
    static constexpr std::string_view kSpaces[] = {" ", "\t", "\u3000"};
    bool trimmed = true;
    while (trimmed && !phrase.empty()) {
      trimmed = false;
      for (std::string_view space : kSpaces) {
        if (phrase.substr(0, space.size()) == space) {
          phrase.remove_prefix(space.size());
          trimmed = true;
        }
        if (phrase.size() >= space.size() && phrase.substr(phrase.size() - space.size()) == space) {
          phrase.remove_suffix(space.size());
          trimmed = true;
        }
      }
    }
    if (!phrase.empty()) phrases.emplace_back(phrase);
  };
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t separator = 0;
    for (std::string_view s : kSeparators) {
      if (text.substr(i, s.size()) == s) {
        separator = s.size();
        break;
      }
    }
    if (separator == 0) {
      ++i;
      continue;
    }
    trim_and_add(text.substr(start, i - start));
    i += separator;
    start = i;
  }
  trim_and_add(text.substr(start));
  return phrases;
}

// The `top` largest counts, largest first, then by name.
void TopCounts(const std::map<std::string, int64_t>& counts, int top,
               google::protobuf::RepeatedPtrField<v1::Count>* out) {
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (static_cast<int>(sorted.size()) > top) sorted.resize(top);
  for (const auto& [name, count] : sorted) {
    v1::Count* c = out->Add();
    c->set_name(name);
    c->set_count(count);
  }
}

// Mean of `sum` over `count` ratings, to 2 decimals; "" for none.
std::string AverageText(Decimal sum, int64_t count) {
  if (count == 0) return "";
  Decimal mean;
  if (!Decimal::Divide(sum, Decimal::FromInteger(count), &mean)) return "";
  return mean.Round(2).ToString();
}

}  // namespace

absl::Status Operations::SubmitFeedback(const v1::SubmitFeedbackRequest& request,
                                        v1::SubmitFeedbackResponse* response) {
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckText("text", request.text(), limits_.max_text_bytes, true, TextKind::kFreeText);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("source", request.source(), 100, false); !s.ok()) return s;
  if (absl::Status s = CheckText("date", request.date(), 50, false); !s.ok()) return s;
  rules::Feedback feedback{request.product(), request.text(), rules::FeedbackSource::kUnknown};
  if (!request.source().empty()) {
    absl::StatusOr<rules::FeedbackSource> source = rules::ParseFeedbackSource(request.source());
    if (!source.ok()) return Invalid("source", View(source.status().message()));
    feedback.source = *source;
  }
  absl::StatusOr<std::optional<Decimal>> satisfaction = ParseSatisfaction(request.satisfaction());
  if (!satisfaction.ok()) return satisfaction.status();
  const Date today = Date::Today();
  absl::StatusOr<Date> day = ParseDay("date", request.date(), today);
  if (!day.ok()) return day.status();
  if (absl::Status s = CheckNotAfter("date", *day, today); !s.ok()) return s;

  std::shared_ptr<const ServedRuleset> served;
  if (absl::Status s = ServingRules(&served); !s.ok()) return s;
  return IdempotentWrite(
      store_, "SubmitFeedback", request, request.idempotency_key(), response,
      [&](Transaction& tx, v1::SubmitFeedbackResponse* out) -> absl::Status {
        // Customer fields may appear in improvement conditions: evaluate
        // with the customer who gave the feedback (anonymous: an empty one).
        rules::Customer customer;
        if (!request.customer_id().empty()) {
          absl::StatusOr<rules::Customer> found = RequireCustomer(tx, request.customer_id(), today);
          if (!found.ok()) return found.status();
          customer = std::move(*found);
        }
        rules::Decision decision;
        if (absl::Status s = EvaluateRules(*served->ruleset,
                                           {&customer, nullptr, nullptr, &feedback, today},
                                           &decision);
            !s.ok()) {
          return s;
        }
        FeedbackRecord record;
        record.customer_id = request.customer_id();
        record.product = request.product();
        record.text = request.text();
        record.source = feedback.source;
        record.satisfaction = *satisfaction;
        record.day = *day;
        record.ruleset_version = std::string(decision.ruleset_version);
        for (const rules::ImprovementProposal& p : decision.improvements) {
          record.themes.emplace_back(p.rule_id);
        }
        absl::StatusOr<int64_t> feedback_id = tx.InsertFeedback(record);
        if (!feedback_id.ok()) return feedback_id.status();
        out->set_feedback_id(*feedback_id);
        out->set_ruleset_version(std::string(decision.ruleset_version));
        for (const rules::ImprovementProposal& p : decision.improvements) {
          ImprovementActionRecord proposal;
          proposal.product = request.product();
          proposal.rule_id = std::string(p.rule_id);
          proposal.action = std::string(p.action);
          if (p.change != nullptr) proposal.change = *p.change;
          proposal.ruleset_version = std::string(decision.ruleset_version);
          absl::StatusOr<int64_t> action_id = tx.SupportAction(
              proposal, *feedback_id, *day, MatchedKeywords(*p.keywords, request.text()));
          if (!action_id.ok()) return action_id.status();
          Metrics::Global().RecordMatch("improvement", proposal.rule_id);
          v1::ImprovementProposal* shown = out->add_proposals();
          shown->set_rule_id(proposal.rule_id);
          shown->set_action(proposal.action);
          if (p.change != nullptr) shown->set_change(DescribeChange(*p.change));
          for (const std::string& keyword : *p.keywords) shown->add_keywords(keyword);
          out->add_action_ids(*action_id);
        }
        return absl::OkStatus();
      });
}

absl::Status Operations::UpsertProduct(const v1::UpsertProductRequest& request,
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
  ProductRecord record;
  record.product = product.product();
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

absl::Status Operations::GetProduct(const v1::GetProductRequest& request,
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

absl::Status Operations::ListImprovementActions(const v1::ListImprovementActionsRequest& request,
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

absl::Status Operations::ApplyImprovementAction(const v1::DecideImprovementActionRequest& request,
                                                v1::DecideImprovementActionResponse* response) {
  return DecideImprovementAction("ApplyImprovementAction", "applied", request, response);
}

absl::Status Operations::DismissImprovementAction(
    const v1::DecideImprovementActionRequest& request,
    v1::DecideImprovementActionResponse* response) {
  return DecideImprovementAction("DismissImprovementAction", "dismissed", request, response);
}

absl::Status Operations::DecideImprovementAction(std::string_view method, std::string_view status,
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

absl::Status Operations::FeedbackReport(const v1::FeedbackReportRequest& request,
                                        v1::FeedbackReportResponse* response) {
  if (absl::Status s = CheckText("product", request.product(), limits_.max_name_bytes, false);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Date> since = ParseDay("since", request.since(), Date());
  if (!since.ok()) return since.status();
  const int top = request.top() == 0 ? kDefaultTop : request.top();
  if (top < 1 || top > kMaxTop) {
    return Invalid("top", StrCat("must be 0 (default ", kDefaultTop, ") to ", kMaxTop));
  }

  struct Month {
    int64_t count = 0;
    int64_t rated = 0;
    Decimal satisfaction_sum;
  };
  struct Totals {
    int64_t count = 0;
    int64_t rated = 0;
    Decimal satisfaction_sum;
    std::map<std::string, int64_t> expectations;
    std::map<std::string, int64_t> themes;
    std::map<std::string, Month> months;  // "YYYY-MM" sorts by time
    Date first;
    Date last;
  };
  std::map<std::string, Totals> products;
  absl::Status scanned =
      store_->ScanFeedback(request.product(), *since, [&](const FeedbackRecord& f) {
        Totals& t = products[f.product];
        Month& month = t.months[f.day.ToString().substr(0, 7)];
        ++t.count;
        ++month.count;
        if (f.satisfaction.has_value()) {
          ++t.rated;
          ++month.rated;
          // Sums of at most 5 per item cannot overflow in practice
          // (10^14 units); a failed add leaves the sum as it was.
          Decimal::Add(t.satisfaction_sum, *f.satisfaction, &t.satisfaction_sum);
          Decimal::Add(month.satisfaction_sum, *f.satisfaction, &month.satisfaction_sum);
        }
        for (std::string& phrase : Expectations(f.text)) ++t.expectations[std::move(phrase)];
        for (const std::string& theme : f.themes) ++t.themes[theme];
        if (!t.first.known() || f.day < t.first) t.first = f.day;
        if (!t.last.known() || t.last < f.day) t.last = f.day;
      });
  if (!scanned.ok()) return scanned;
  for (const auto& [name, t] : products) {
    v1::ProductFeedback* p = response->add_products();
    p->set_product(name);
    p->set_feedback_count(t.count);
    p->set_rated_count(t.rated);
    p->set_average_satisfaction(AverageText(t.satisfaction_sum, t.rated));
    TopCounts(t.expectations, top, p->mutable_expectations());
    TopCounts(t.themes, top, p->mutable_themes());
    for (const auto& [month_name, month] : t.months) {
      v1::MonthTrend* trend = p->add_trend();
      trend->set_month(month_name);
      trend->set_feedback_count(month.count);
      trend->set_average_satisfaction(AverageText(month.satisfaction_sum, month.rated));
    }
    p->set_first_feedback_at(t.first.ToString());
    p->set_last_feedback_at(t.last.ToString());
  }
  return absl::OkStatus();
}

}  // namespace clientele::server
