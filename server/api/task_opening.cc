#include "server/api/task_opening.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "common/strings.h"
#include "server/api/idempotent_writes.h"
#include "server/api/serving.h"

namespace clientele::server::api_internal {
namespace {

// Whether `condition` reads `name` (segment.tier, not segment.tier_history).
bool Reads(std::string_view condition, std::string_view name) {
  for (size_t at = condition.find(name); at != std::string_view::npos;
       at = condition.find(name, at + 1)) {
    const size_t end = at + name.size();
    const bool word_ends =
        end == condition.size() ||
        !(std::isalnum(static_cast<unsigned char>(condition[end])) || condition[end] == '_');
    if (word_ends) return true;
  }
  return false;
}

// The checks of a record, in words.
void AddChecks(const rules::RuleExplanation& record, std::vector<std::string>* evidence) {
  for (const rules::ConditionCheck& check : record.checks) {
    evidence->push_back(check.reason.empty() ? check.expression : check.reason);
  }
}

// What the rules saw for task rule `rule_id`: its checks, then those of the
// segment rules that placed the customer in the dimensions it reads.
std::vector<std::string> Evidence(const rules::Explanation& explanation, std::string_view rule_id) {
  std::vector<std::string> evidence;
  const rules::RuleExplanation* task = nullptr;
  for (const rules::RuleExplanation& record : explanation.rules) {
    if (record.section == "tasks" && record.rule_id == rule_id) task = &record;
  }
  if (task == nullptr) return evidence;
  AddChecks(*task, &evidence);
  for (const rules::RuleExplanation& record : explanation.rules) {
    constexpr std::string_view kSegmentation = "segmentation ";
    if (!record.matched || record.section.rfind(kSegmentation, 0) != 0) continue;
    const std::string dimension = record.section.substr(kSegmentation.size());
    if (!Reads(task->condition, StrCat("segment.", dimension))) continue;
    std::string condition = record.condition;  // one line, however it was written
    std::replace(condition.begin(), condition.end(), '\n', ' ');
    evidence.push_back(StrCat("segment.", dimension, " by rule ", record.rule_id, ": ", condition));
    AddChecks(record, &evidence);
  }
  return evidence;
}

}  // namespace

absl::Status OpenTasksByRules(Transaction& tx, const rules::RuleSet& ruleset,
                              std::string_view customer_id, rules::Date today,
                              std::string_view source) {
  if (!ruleset.HasTaskRules()) return absl::OkStatus();
  absl::StatusOr<rules::Customer> customer = RequireCustomer(tx, customer_id, AsOf(ruleset, today));
  if (!customer.ok()) return customer.status();
  rules::Decision decision;
  if (absl::Status s =
          EvaluateRules(ruleset, {&*customer, nullptr, nullptr, nullptr, today}, &decision);
      !s.ok()) {
    return s;
  }
  return OpenTasksByRules(tx, ruleset, *customer, decision, today, source);
}

absl::Status OpenTasksByRules(Transaction& tx, const rules::RuleSet& ruleset,
                              const rules::Customer& customer, const rules::Decision& decided,
                              rules::Date today, std::string_view source) {
  if (decided.tasks.empty()) return absl::OkStatus();
  // While a customer stays where a rule holds, its task is open already:
  // nothing to explain then.
  absl::StatusOr<std::vector<std::string>> open = tx.RulesWithTasks(customer.id, false);
  if (!open.ok()) return open.status();
  const bool all_open =
      std::all_of(decided.tasks.begin(), decided.tasks.end(), [&](const rules::TaskProposal& t) {
        return std::find(open->begin(), open->end(), t.rule_id) != open->end();
      });
  if (all_open) return absl::OkStatus();
  // Only now the evidence: explaining costs more, and few writes open a task.
  const rules::EvalInput input{&customer, nullptr, nullptr, nullptr, today};
  rules::Decision decision;
  rules::Explanation explanation;
  if (absl::Status s = EvaluateRules(ruleset, input, &decision, &explanation); !s.ok()) return s;
  auto proposed = [&](std::string_view rule_id) {
    return std::any_of(decided.tasks.begin(), decided.tasks.end(),
                       [&](const rules::TaskProposal& t) { return t.rule_id == rule_id; });
  };
  for (const rules::TaskProposal& proposal : decision.tasks) {
    if (std::find(open->begin(), open->end(), proposal.rule_id) != open->end()) continue;
    if (!proposed(proposal.rule_id)) continue;  // the caller left it out
    TaskRecord task;
    task.customer_id = customer.id;
    task.rule_id = std::string(proposal.rule_id);
    task.task = std::string(proposal.task);
    task.queue = std::string(proposal.queue);
    task.ruleset_version = std::string(decision.ruleset_version);
    task.evidence = Evidence(explanation, proposal.rule_id);
    task.source = std::string(source);
    if (proposal.due_days > 0)
      task.due_on = rules::Date::FromDays(today.days() + proposal.due_days);
    absl::StatusOr<std::optional<int64_t>> opened = tx.OpenTask(task);
    if (!opened.ok()) return opened.status();
  }
  return absl::OkStatus();
}

}  // namespace clientele::server::api_internal
