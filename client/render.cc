#include "client/render.h"

#include <algorithm>

#include "rules/strings.h"
#include "rules/internal/utf8.h"

namespace clientele::client {
namespace {

// Pads `text` with spaces to `width` terminal columns (CJK counts double).
std::string Pad(std::string_view text, size_t width) {
  size_t shown = rules::utf8_internal::DisplayWidth(text);
  return StrCat(text, std::string(width > shown ? width - shown : 0, ' '));
}

std::string ChangeText(const rules::ProductChange& change) {
  switch (change.kind) {
    case rules::ProductChange::Kind::kSet: return StrCat(change.field, " = ", change.text);
    case rules::ProductChange::Kind::kAppend: return StrCat(change.field, " += ", change.text);
    case rules::ProductChange::Kind::kAdd: {
      std::string amount = change.amount.ToString();
      return StrCat(change.field, amount[0] == '-' ? " " : " +", amount);
    }
  }
  return "";
}

std::string Signed(rules::Decimal value) {
  std::string text = value.ToString();
  return value < rules::Decimal() ? text : StrCat("+", text);
}

}  // namespace

std::string RenderDecision(const rules::Customer& customer, const rules::Decision& decision) {
  std::string out = StrCat("customer ", customer.id.empty() ? "(no id)" : customer.id);
  if (!customer.name.empty()) StrAppend(&out, " ", customer.name);
  StrAppend(&out, "  [ruleset ", decision.ruleset_version, "]\n");
  size_t width = 0, segment_width = 0;
  for (const auto& s : decision.segments) {
    width = std::max(width, rules::utf8_internal::DisplayWidth(s.dimension));
    segment_width = std::max(segment_width, rules::utf8_internal::DisplayWidth(s.segment));
  }
  StrAppend(&out, "  segments:\n");
  for (const auto& s : decision.segments) {
    StrAppend(&out, "    ", Pad(s.dimension, width), "  ", Pad(s.segment, segment_width), "  (",
              s.is_default ? "default" : StrCat("rule ", s.rule_id), ")\n");
  }
  if (decision.offers.empty()) {
    StrAppend(&out, "  offers:   无 (none)\n");
  } else {
    for (const auto& o : decision.offers) {
      StrAppend(&out, "  offer:    ", o.offer, "  (rule ", o.rule_id, ", priority ", o.priority,
                o.exclusive ? ", exclusive)\n" : ", stackable)\n");
    }
  }
  StrAppend(&out, "  tier:     ", decision.tier.empty() ? "(none)" : decision.tier, "\n");
  if (decision.loyalty.applied) {
    const auto& l = decision.loyalty;
    StrAppend(&out, "  loyalty:  ", l.points_earned < 0 ? "" : "+", l.points_earned,
              " points (rule ", l.rule_id, "): ",
              l.points_before, " -> ", l.points_after);
    if (decision.tier != decision.tier_before) {
      StrAppend(&out, ", tier ", decision.tier_before.empty() ? "(none)" : decision.tier_before,
                " -> ", decision.tier);
    }
    StrAppend(&out, "\n");
  }
  if (decision.interaction.applied) {
    const auto& i = decision.interaction;
    StrAppend(&out, "  interaction: satisfaction ", i.satisfaction_before.ToString(), " -> ",
              i.satisfaction_after.ToString(), " (", Signed(i.satisfaction_change),
              i.rule_id.empty() ? ", no rule matched" : StrCat(", rule ", i.rule_id),
              "), interactions ", i.interaction_count_after, "\n");
  }
  for (const auto& p : decision.improvements) {
    StrAppend(&out, "  improvement: ", p.action, "  (rule ", p.rule_id, ")");
    if (p.change != nullptr) StrAppend(&out, ": ", ChangeText(*p.change));
    StrAppend(&out, "\n");
  }
  return out;
}

std::string RenderExplanation(const rules::Explanation& explanation) {
  std::string out = "  why:\n";
  std::string section;
  for (const rules::RuleExplanation& rule : explanation.rules) {
    if (rule.section != section) {
      section = rule.section;
      StrAppend(&out, "    ", section, "\n");
    }
    const char* mark = !rule.evaluated ? "·" : rule.matched ? "✓" : "✗";
    StrAppend(&out, "      ", mark, " ", rule.rule_id, ": ", rule.condition, "\n");
    for (const rules::ConditionCheck& check : rule.checks) {
      StrAppend(&out, "          ", check.expression, "  -> ", check.result ? "true" : "false");
      if (!check.observed.empty()) {
        std::vector<std::string> seen;
        for (const auto& v : check.observed) seen.push_back(StrCat(v.expression, " = ", v.value));
        StrAppend(&out, "   (", StrJoin(seen, ", "), ")");
      }
      StrAppend(&out, "\n");
    }
    if (!rule.note.empty()) StrAppend(&out, "          ", rule.note, "\n");
  }
  return out;
}

}  // namespace clientele::client
