#include "client/render.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "common/utf8.h"

namespace clientele::client {
namespace {

// Pads `text` with spaces to `width` terminal columns (CJK counts double).
std::string Pad(std::string_view text, size_t width) {
  size_t shown = utf8::DisplayWidth(text);
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

// ": worth 50", ": worth 120 points", ": 帆布袋, worth 20"; "" for an
// offer without a value.
std::string OfferWorth(const rules::OfferGrant& offer) {
  if (offer.unit == rules::OfferValueUnit::kNone) return "";
  const std::string item = offer.free_item.empty() ? "" : StrCat(" ", offer.free_item, ",");
  if (!offer.value_known) {
    return offer.unit == rules::OfferValueUnit::kPoints ? ": points shown with a purchase"
                                                        : StrCat(":", item, " worth shown with an amount");
  }
  return StrCat(":", item, " worth ", offer.value.ToString(),
                offer.unit == rules::OfferValueUnit::kPoints ? " points" : "");
}

std::string_view LossReason(rules::OfferLoss::Why why) {
  switch (why) {
    case rules::OfferLoss::Why::kGroup: return " in its stacking group";
    case rules::OfferLoss::Why::kExclusion: return " (they exclude each other)";
    case rules::OfferLoss::Why::kExclusive: return " (exclusive)";
  }
  return "";
}

}  // namespace

namespace {

// "  event:    review: +10 points (rule review_points): 100 -> 110", and a
// line per credit that went to another customer or that a limit cut.
void RenderEventOutcome(const rules::Decision& decision, std::string* out) {
  const rules::EventOutcome& e = decision.event;
  std::vector<std::string> own;
  for (const rules::EventCredit& c : e.credits) {
    if (c.to_customer.empty() && !c.limited) own.push_back(StrCat("rule ", c.rule_id));
  }
  StrAppend(out, "  event:    ", e.type, ": +", e.points_to_customer, " points",
            own.empty() ? "" : StrCat(" (", StrJoin(own, ", "), ")"), ": ", e.points_before, " -> ",
            e.points_after);
  if (decision.tier != decision.tier_before) {
    StrAppend(out, ", tier ", decision.tier_before.empty() ? "(none)" : decision.tier_before,
              " -> ", decision.tier);
  }
  StrAppend(out, "\n");
  for (const rules::EventCredit& c : e.credits) {
    if (!c.to_customer.empty()) {
      StrAppend(out, "    +", c.points, " points to customer ", c.to_customer, " (", c.to_attribute,
                ", rule ", c.rule_id, ")");
    } else if (c.limited) {
      StrAppend(out, "    +", c.points, " points (rule ", c.rule_id, ")");
    } else {
      continue;
    }
    if (c.limited) {
      StrAppend(out, ": limit ", c.limit.Describe(), ", used ", c.used_before.times,
                c.used_before.times == 1 ? " time" : " times",
                c.limit.points > 0 ? StrCat(" and ", c.used_before.points, " points") : "",
                " before; ", c.rule_points, " cut to ", c.points);
    }
    StrAppend(out, "\n");
  }
}

}  // namespace

std::string RenderDecision(const rules::Customer& customer, const rules::Decision& decision) {
  std::string out = StrCat("customer ", customer.id.empty() ? "(no id)" : customer.id);
  if (!customer.name.empty()) StrAppend(&out, " ", customer.name);
  StrAppend(&out, "  [ruleset ", decision.ruleset_version, "]\n");
  size_t width = 0, segment_width = 0;
  for (const auto& s : decision.segments) {
    width = std::max(width, utf8::DisplayWidth(s.dimension));
    segment_width = std::max(segment_width, utf8::DisplayWidth(s.segment));
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
                !o.group.empty() ? StrCat(", group ", o.group)
                : o.exclusive    ? std::string(", exclusive")
                                 : std::string(", stackable"),
                ")", OfferWorth(o), "\n");
    }
  }
  for (const auto& lost : decision.offers_lost) {
    StrAppend(&out, "  lost:     ", lost.offer, "  (rule ", lost.rule_id, ") to ", lost.lost_to,
              LossReason(lost.why), "\n");
  }
  StrAppend(&out, "  tier:     ", decision.tier.empty() ? "(none)" : decision.tier,
            decision.tier_downgrade_on.known()
                ? StrCat(" (downgrade due ", decision.tier_downgrade_on.ToString(),
                         " unless it qualifies again)")
                : "",
            "\n");
  if (decision.loyalty.applied) {
    const auto& l = decision.loyalty;
    const std::string breakdown = rules::PointsBreakdown(l);
    StrAppend(&out, "  loyalty:  ", l.points_earned < 0 ? "" : "+", l.points_earned, " points (",
              breakdown.empty() ? StrCat("rule ", l.rule_id) : breakdown, "): ", l.points_before,
              " -> ", l.points_after);
    if (decision.tier != decision.tier_before) {
      StrAppend(&out, ", tier ", decision.tier_before.empty() ? "(none)" : decision.tier_before,
                " -> ", decision.tier);
    }
    StrAppend(&out, "\n");
  }
  if (decision.event.applied) RenderEventOutcome(decision, &out);
  if (decision.interaction.applied) {
    const auto& i = decision.interaction;
    StrAppend(&out, "  interaction: satisfaction ", i.satisfaction_before.ToString(), " -> ",
              i.satisfaction_after.ToString(), " (", Signed(i.satisfaction_change),
              i.rule_id.empty() ? ", no rule matched" : StrCat(", rule ", i.rule_id),
              "), interactions ", i.interaction_count_after, "\n");
  }
  for (const auto& t : decision.tasks) {
    StrAppend(
        &out, "  task:     ", t.task, "  (rule ", t.rule_id,
        t.queue.empty() ? "" : StrCat(", queue ", t.queue),
        t.due_days > 0 ? StrCat(", due in ", t.due_days, t.due_days == 1 ? " day" : " days") : "",
        ")\n");
  }
  for (const auto& p : decision.improvements) {
    StrAppend(&out, "  improvement: ", p.action, "  (rule ", p.rule_id, ")");
    if (p.change != nullptr) StrAppend(&out, ": ", ChangeText(*p.change));
    StrAppend(&out, "\n");
  }
  return out;
}

SectionOutcomes OutcomesOf(const rules::Decision& decision) {
  SectionOutcomes outcomes;
  for (const auto& s : decision.segments) {
    std::string& text = outcomes[StrCat("segmentation ", s.dimension)];
    StrAppend(&text, text.empty() ? "" : ", ", s.segment,
              s.is_default ? " (the default: no rule matched)" : "");
  }
  std::vector<std::string> offers;
  for (const auto& o : decision.offers) offers.emplace_back(o.offer);
  outcomes["offers"] = offers.empty() ? "none" : StrJoin(offers, ", ");
  if (decision.event.applied) {
    std::vector<std::string> credits;
    for (const auto& c : decision.event.credits) {
      credits.push_back(StrCat("+", c.points, " (", c.rule_id,
                               c.to_customer.empty() ? "" : StrCat(" to ", c.to_customer), ")"));
    }
    outcomes["event earning"] = credits.empty() ? "no points" : StrJoin(credits, ", ");
  }
  if (decision.loyalty.applied) {
    const auto& l = decision.loyalty;
    outcomes["loyalty earning"] =
        l.rule_id.empty() ? "no points"
                          : StrCat(l.points_earned < 0 ? "" : "+", l.points_earned, " points",
                                   l.rule_id == "default" ? " (the default: no rule matched)" : "");
  }
  return outcomes;
}

namespace {

void RenderRule(const rules::RuleExplanation& rule, std::string* out) {
  if (!rule.evaluated) {
    StrAppend(out, "      · ", rule.rule_id, ": ", rule.note, "\n");
    return;
  }
  StrAppend(out, "      ", rule.matched ? "✓ " : "✗ ", rule.rule_id, ": ", rule.condition, "\n");
  for (const rules::ConditionCheck& check : rule.checks) {
    StrAppend(out, "          ", check.as_needed ? "✓ " : "✗ ",
              check.reason.empty() ? check.expression : check.reason, "\n");
  }
  if (!rule.note.empty()) StrAppend(out, "          ", rule.note, "\n");
}

}  // namespace

std::string RenderExplanation(const rules::Explanation& explanation,
                              const SectionOutcomes& outcomes) {
  std::string out = "  why:\n";
  std::string section;
  std::set<std::string> shown;
  auto heading = [&](const std::string& name) {
    auto outcome = outcomes.find(name);
    StrAppend(&out, "    ", name, outcome == outcomes.end() ? "" : StrCat(" → ", outcome->second),
              "\n");
    shown.insert(name);
  };
  for (const rules::RuleExplanation& rule : explanation.rules) {
    if (rule.section != section) {
      section = rule.section;
      heading(section);
    }
    RenderRule(rule, &out);
  }
  // Sections decided without a rule to check (a dimension with only a
  // default) still say what they decided.
  for (const auto& [name, outcome] : outcomes) {
    if (!shown.contains(name) && name.starts_with("segmentation ")) heading(name);
  }
  return out;
}

}  // namespace clientele::client
