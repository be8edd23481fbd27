// Small pieces of reading the loyalty file's phrases ("12 months",
// "end of year + 1", "points earned in 12 months"), shared by the points
// and tier policies. Pure functions.
#ifndef CLIENTELE_RULES_INTERNAL_PHRASES_H_
#define CLIENTELE_RULES_INTERNAL_PHRASES_H_

#include <cstdint>
#include <string_view>

namespace clientele::rules::phrases_internal {

// `text` without leading and trailing spaces and tabs.
std::string_view StripWhitespace(std::string_view text);
// Removes `prefix` from the front of *text; false (and *text unchanged)
// when it does not start with it.
bool ConsumePrefix(std::string_view* text, std::string_view prefix);
// Splits "N unit" into N and the unit; false when it is not that shape.
bool CountAndUnit(std::string_view text, int64_t* count, std::string_view* unit);

}  // namespace clientele::rules::phrases_internal

#endif  // CLIENTELE_RULES_INTERNAL_PHRASES_H_
