#include "rules/internal/yaml_text.h"

namespace clientele::rules::yaml_internal {
namespace {

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string YamlText(const YAML::Node& node, int max_depth) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (max_depth <= 0) return "…";
  if (node.IsScalar()) return node.Tag() == "!" ? Quoted(node.Scalar()) : node.Scalar();
  std::string out;
  if (node.IsSequence()) {
    out = "[";
    for (const YAML::Node& item : node) {
      if (out.size() > 1) out += ", ";
      out += YamlText(item, max_depth - 1);
    }
    return out + "]";
  }
  out = "{";
  for (const auto& entry : node) {
    if (out.size() > 1) out += ", ";
    out += YamlText(entry.first, max_depth - 1) + ": " + YamlText(entry.second, max_depth - 1);
  }
  return out + "}";
}

}  // namespace clientele::rules::yaml_internal
