#include "rules/decision.h"

#include "absl/status/status.h"
#include "common/strings.h"

namespace clientele::rules {

std::string_view Decision::SegmentOf(std::string_view dimension) const {
  for (const SegmentAssignment& s : segments) {
    if (s.dimension == dimension) return s.segment;
  }
  return {};
}

void LoyaltyOutcome::Clear() {
  applied = false;
  rule_id = {};
  points_earned = points_before = points_after = 0;
  contributions.clear();
}

void EventOutcome::Clear() {
  applied = false;
  type = {};
  credits.clear();
  points_to_customer = points_before = points_after = 0;
}

void Decision::Clear() {
  ruleset_version = {};
  segments.clear();
  offers.clear();
  offers_lost.clear();
  improvements.clear();
  tasks.clear();
  loyalty.Clear();
  interaction = InteractionOutcome();
  event.Clear();
  tier = {};
  tier_before = {};
  tier_downgrade_on = Date();
  scratch.strings_used = 0;
}

std::string PointsBreakdown(const LoyaltyOutcome& loyalty) {
  std::string text;
  std::vector<std::string> not_applied;
  for (const PointsContribution& c : loyalty.contributions) {
    switch (c.kind) {
      case PointsContribution::Kind::kBase:
        StrAppend(&text, c.value.ToString(), " (", c.rule_id, ")");
        break;
      case PointsContribution::Kind::kMultiplier:
        if (!c.applied) {
          not_applied.push_back(StrCat("× ", c.value.ToString(), " (", c.rule_id, ")"));
          break;
        }
        StrAppend(&text, text.empty() ? "0" : "", " × ", c.value.ToString(), " (", c.rule_id, ")");
        break;
      case PointsContribution::Kind::kOffer:
        StrAppend(&text, text.empty() ? "0" : "", " × ", c.value.ToString(), " (offer ",
                  c.rule_id, ")");
        break;
      case PointsContribution::Kind::kBonus:
        StrAppend(&text, text.empty() ? "" : " + ", c.value.ToString(), " (", c.rule_id, ")");
        break;
      case PointsContribution::Kind::kCap:
        StrAppend(&text, ", capped at ", c.value.ToString());
        break;
    }
  }
  if (!not_applied.empty()) {
    StrAppend(&text, "; not applied (only the highest multiplier applies): ",
              StrJoin(not_applied, ", "));
  }
  return text;
}

absl::StatusOr<std::map<std::string, std::string>> ApplyProductChanges(
    std::map<std::string, std::string> product,
    const std::vector<ImprovementProposal>& proposals) {
  for (const ImprovementProposal& proposal : proposals) {
    if (proposal.change == nullptr) continue;
    const ProductChange& change = *proposal.change;
    std::string& value = product[change.field];
    switch (change.kind) {
      case ProductChange::Kind::kSet: value = change.text; break;
      case ProductChange::Kind::kAppend: value += change.text; break;
      case ProductChange::Kind::kAdd: {
        absl::StatusOr<Decimal> current =
            value.empty() ? Decimal() : Decimal::Parse(value);
        Decimal sum;
        if (!current.ok() || !Decimal::Add(*current, change.amount, &sum)) {
          return absl::InvalidArgumentError(
              StrCat("action '", proposal.rule_id, "' adds to '", change.field,
                           "', whose value '", value, "' is not a number"));
        }
        value = sum.ToString();
        break;
      }
    }
  }
  return product;
}

}  // namespace clientele::rules
