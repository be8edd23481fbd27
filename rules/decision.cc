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

void Decision::Clear() {
  ruleset_version = {};
  segments.clear();
  offers.clear();
  improvements.clear();
  loyalty = LoyaltyOutcome();
  interaction = InteractionOutcome();
  tier = {};
  tier_before = {};
  scratch.strings_used = 0;
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
