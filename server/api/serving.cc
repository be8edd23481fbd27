#include "server/api/serving.h"

#include <cctype>

#include "common/strings.h"
#include "common/utf8.h"
#include "server/api/conversion.h"
#include "server/api/requests.h"

namespace clientele::server::api_internal {

absl::Status ServingRules(const RulesetHolder& rules, const RulesReloader& reloader,
                          std::shared_ptr<const ServedRuleset>* served) {
  *served = rules.Current();
  if (*served != nullptr) return absl::OkStatus();
  const ReloadAttempt last = reloader.LastAttempt();
  return absl::UnavailableError(
      StrCat("no valid ruleset is loaded from ", reloader.directory().string(),
             last.message.empty() ? "" : StrCat(": ", last.message),
             "; fix the rule files (clientele rules status lists every error)"));
}

std::function<rules::Date()> ProgrammeToday(const ApiDependencies& dependencies) {
  if (dependencies.today) return dependencies.today;
  return [rules = dependencies.rules, now = dependencies.now] {
    const absl::Time instant = now();
    const std::shared_ptr<const ServedRuleset> served = rules->Current();
    if (served != nullptr) return served->ruleset->LocalTimeAt(instant).day;
    return rules::Date::At(instant, absl::UTCTimeZone());
  };
}

std::function<int32_t(const rules::RuleSet&, rules::Date)> ProgrammeMinute(
    const ApiDependencies& dependencies) {
  if (dependencies.today) return [](const rules::RuleSet&, rules::Date) { return -1; };
  return [now = dependencies.now](const rules::RuleSet& ruleset, rules::Date day) {
    const rules::RuleSet::LocalTime local = ruleset.LocalTimeAt(now());
    return local.day == day ? local.minute : -1;
  };
}

CustomerAsOf AsOf(const rules::RuleSet& ruleset, rules::Date today) {
  return {today, ruleset.tier_policy().QualifyingMonths(today), ruleset.HistoryDays(),
          ruleset.ReadsLastEvents(), ruleset.Rfm()};
}

absl::Status UseLastEventsAsOf(Transaction& tx, const rules::RuleSet& ruleset, rules::Date day,
                               rules::Date today, rules::Customer* customer) {
  if (!day.known() || day >= today || !ruleset.ReadsLastEvents()) return absl::OkStatus();
  absl::StatusOr<std::vector<rules::HistoryDay>> rows = tx.LastEventsAsOf(customer->id, day);
  if (!rows.ok()) return rows.status();
  std::erase_if(customer->history, [](const rules::HistoryDay& row) {
    return row.figure == rules::HistoryFigure::kLastEvent;
  });
  customer->history.insert(customer->history.end(), rows->begin(), rows->end());
  return absl::OkStatus();
}

absl::Status EvaluateRules(const rules::RuleSet& ruleset, const rules::EvalInput& input,
                           rules::Decision* decision, rules::Explanation* explanation) {
  absl::Status s = ruleset.Evaluate(input, decision, explanation);
  if (s.ok()) return s;
  if (absl::IsResourceExhausted(s)) {
    return absl::ResourceExhaustedError(
        StrCat(s.message(), " (max_evaluation_work in the server config)"));
  }
  return absl::FailedPreconditionError(StrCat("evaluating the rules failed: ", s.message()));
}

void RulesetStatusAfter(const RulesetHolder& rules, const RulesReloader& reloader,
                        const ReloadAttempt& attempt, v1::RulesetStatus* status) {
  status->Clear();
  if (std::shared_ptr<const ServedRuleset> served = rules.Current(); served != nullptr) {
    status->set_serving(true);
    status->set_version(served->ruleset->version());
    status->set_directory(served->directory);
    status->set_loaded_at(served->loaded_at);
  } else {
    status->set_directory(reloader.directory().string());
  }
  AttemptToProto(attempt, status->mutable_last_attempt());
  const ReloadCounters counters = reloader.Counters();
  status->set_reloads_accepted(counters.accepted);
  status->set_reloads_rejected(counters.rejected);
  status->set_reloads_unchanged(counters.unchanged);
}

absl::StatusOr<RulesetVersionRecord> FindServedVersion(Store& store, std::string_view version) {
  if (version.size() < 4 || version.size() > 12) {
    return Invalid("version", "give a version (12 hex digits) or at least its first 4 digits");
  }
  for (char c : version) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return Invalid("version", "is hexadecimal (digits 0-9 and a-f)");
    }
  }
  absl::StatusOr<std::optional<RulesetVersionRecord>> found =
      store.FindRulesetVersion(utf8::AsciiLower(version));
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(
        StrCat("ruleset version '", version,
               "' was never served here (clientele rules versions lists them)"));
  }
  return std::move(**found);
}

}  // namespace clientele::server::api_internal
