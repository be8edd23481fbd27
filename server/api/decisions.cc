// The decision log on the service side: which decisions go into it, with
// which fields masked, and ListLoggedDecisions. The log itself (sampling,
// batching, retention) is server/decision_log.h.
#include "common/utf8.h"
#include "server/api/decision_log.h"
#include "server/api/grpc/services.h"
#include "server/api/requests.h"

namespace clientele::server {

using namespace service_internal;  // NOLINT: the helpers of every operation

namespace {

// The bytes of the first UTF-8 character of `text` (valid UTF-8: checked
// when the request was).
size_t FirstCharacterBytes(std::string_view text) {
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  return std::min(length, text.size());
}

// Masks what identifies a person and that no rule needs whole: the name
// (its first character kept when it has more, so that a reader can tell
// entries apart) and the birthday (month kept: birthday offers decide on
// it).
void MaskPersonalFields(v1::Customer* customer) {
  if (const std::string& name = customer->name(); !name.empty()) {
    const size_t first = FirstCharacterBytes(name);
    customer->set_name(first < name.size() ? StrCat(name.substr(0, first), "**") : "**");
  }
  if (const std::string& birthday = customer->birthday(); birthday.size() == 10) {
    customer->set_birthday(StrCat("****-", birthday.substr(5, 2), "-**"));
  } else if (!birthday.empty()) {
    customer->set_birthday("****-**-**");
  }
}

// Entries are the messages' protobuf bytes: encoding them costs the
// decision about a microsecond, where JSON took some fifteen
// (bench/decision_log_bench).
absl::Status Decode(const std::string& bytes, google::protobuf::Message* message) {
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError(
        StrCat("decision log entry does not decode as ", message->GetTypeName()));
  }
  return absl::OkStatus();
}

}  // namespace

namespace service_internal {

void MaybeLogDecision(DecisionLog* log, const DecisionToLog& made) {
  if (log == nullptr || !log->Sample()) return;
  v1::LoggedRequest request;
  request.set_subject(std::string(made.subject));
  request.set_today(made.today.ToString());
  request.set_explain(made.explain);
  CustomerToProto(made.customer, request.mutable_customer());
  MaskPersonalFields(request.mutable_customer());
  DecisionLogEntry entry;
  entry.method = made.method;
  entry.caller = made.caller;
  entry.customer_id = made.customer.id;
  entry.ruleset_version = made.decision.ruleset_version();
  request.SerializeToString(&entry.request);
  if (made.decision.explanation_size() == 0) {
    made.decision.SerializeToString(&entry.decision);
  } else {
    v1::Decision decision = made.decision;
    decision.clear_explanation();
    decision.SerializeToString(&entry.decision);
  }
  log->Record(std::move(entry));
}

}  // namespace service_internal

absl::Status Operations::ListLoggedDecisions(const v1::ListLoggedDecisionsRequest& request,
                                             v1::ListLoggedDecisionsResponse* response) {
  absl::StatusOr<int> page_size = CheckPageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  if (!request.customer_id().empty()) {
    if (absl::Status s = CheckId("customer_id", request.customer_id()); !s.ok()) return s;
  }
  // Versions are kept in lower case, as RuleSet::version() gives them.
  if (absl::Status s = CheckText("ruleset_version", request.ruleset_version(), 50, false);
      !s.ok()) {
    return s;
  }
  const std::string version = utf8::AsciiLower(request.ruleset_version());
  if (!version.empty()) {
    if (version.size() != 12 || !std::all_of(version.begin(), version.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c));
        })) {
      return Invalid("ruleset_version", "must be a ruleset version: 12 hex digits");
    }
  }
  absl::StatusOr<int64_t> before_id = ReadIdPageToken(
      store_->page_token_key(), "ListLoggedDecisions", request, request.page_token());
  if (!before_id.ok()) return before_id.status();
  v1::DecisionLogSettings* settings = response->mutable_settings();
  if (decision_log_ != nullptr) {
    const DecisionLogOptions& options = decision_log_->options();
    settings->set_sample_rate(options.sample_rate);
    settings->set_max_entries(options.retention.max_entries);
    settings->set_max_age_days(static_cast<int32_t>(options.retention.max_age_days()));
    settings->set_dropped(decision_log_->dropped());
  }
  absl::StatusOr<DecisionLogPage> page = store_->DecisionLog({.customer_id = request.customer_id(),
                                                              .ruleset_version = version,
                                                              .before_id = *before_id,
                                                              .limit = *page_size});
  if (!page.ok()) return page.status();
  for (const DecisionLogEntry& entry : page->entries) {
    v1::LoggedDecision* out = response->add_decisions();
    out->set_id(entry.id);
    out->set_recorded_at(entry.recorded_at);
    out->set_method(entry.method);
    out->set_caller(entry.caller);
    if (absl::Status s = Decode(entry.request, out->mutable_request()); !s.ok()) return s;
    if (absl::Status s = Decode(entry.decision, out->mutable_decision()); !s.ok()) return s;
  }
  if (page->more && !page->entries.empty()) {
    response->set_next_page_token(IssuePageToken(store_->page_token_key(), "ListLoggedDecisions",
                                                 request, StrCat(page->entries.back().id)));
  }
  return absl::OkStatus();
}

}  // namespace clientele::server
