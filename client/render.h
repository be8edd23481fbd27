// Human-readable output of the CLI: decisions and explanations as aligned
// text that reads well with Chinese segment names. Pure functions.
#ifndef CLIENTELE_CLIENT_RENDER_H_
#define CLIENTELE_CLIENT_RENDER_H_

#include <string>

#include "rules/customer.h"
#include "rules/decision.h"

namespace clientele::client {

std::string RenderDecision(const rules::Customer& customer, const rules::Decision& decision);

// For each rule considered: ✓ matched, ✗ did not (with the comparison that
// failed and the values it saw), · not checked (and why).
std::string RenderExplanation(const rules::Explanation& explanation);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_RENDER_H_
