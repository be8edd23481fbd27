#include "rules/internal/phrases.h"

#include "common/strings.h"

namespace clientele::rules::phrases_internal {

std::string_view StripWhitespace(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (!text->starts_with(prefix)) return false;
  text->remove_prefix(prefix.size());
  return true;
}

bool CountAndUnit(std::string_view text, int64_t* count, std::string_view* unit) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return false;
  if (!ParseInteger(text.substr(0, space), count)) return false;
  *unit = StripWhitespace(text.substr(space + 1));
  return true;
}

}  // namespace clientele::rules::phrases_internal
