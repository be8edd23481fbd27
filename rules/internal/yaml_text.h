// YAML nodes back to text, keeping what the loader reads from the way a
// value was written: a quoted scalar stays quoted ("007" is text, 007 a
// number), so that rule tests can hand parameter values to the loader and
// diffs see "30" → 30 as a change. Flow style: [a, "b"], {k: v}.
#ifndef CLIENTELE_RULES_INTERNAL_YAML_TEXT_H_
#define CLIENTELE_RULES_INTERNAL_YAML_TEXT_H_

#include <yaml-cpp/yaml.h>

#include <string>

namespace clientele::rules::yaml_internal {

// Gives up below `max_depth` levels (a self-referencing alias), writing "…".
std::string YamlText(const YAML::Node& node, int max_depth = 32);

}  // namespace clientele::rules::yaml_internal

#endif  // CLIENTELE_RULES_INTERNAL_YAML_TEXT_H_
