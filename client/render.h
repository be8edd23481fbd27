// Human-readable output of the CLI: decisions and explanations as aligned
// text that reads well with Chinese segment names. Pure functions.
#ifndef CLIENTELE_CLIENT_RENDER_H_
#define CLIENTELE_CLIENT_RENDER_H_

#include <map>
#include <string>

#include "rules/customer.h"
#include "rules/decision.h"

namespace clientele::client {

std::string RenderDecision(const rules::Customer& customer, const rules::Decision& decision);

// What each section of an evaluation decided, keyed by the section names
// of an Explanation: "segmentation life_stage" -> "年轻低收入群体",
// "offers" -> "满100减20", "loyalty earning" -> "+150 points".
using SectionOutcomes = std::map<std::string, std::string>;
SectionOutcomes OutcomesOf(const rules::Decision& decision);

// In plain words, section by section (headed by its outcome when
// `outcomes` has it), each rule considered: ✓ matched, ✗ did not, · not
// checked (and why); under a checked rule, each comparison with the values
// it saw, ✗ marking the ones that kept the rule from matching ("✗
// purchase_frequency is 7, needs more than 10").
std::string RenderExplanation(const rules::Explanation& explanation,
                              const SectionOutcomes& outcomes = {});

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_RENDER_H_
