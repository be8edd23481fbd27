// Plain words for one comparison of a rule's condition, as an explanation
// shows it to marketing staff: "age is 25, less than 40" when the comparison
// came out the way the rule needs, "purchase_frequency is 7, needs more than
// loyal_min_frequency (10)" when it did not. Pure functions; thread-safe.
#ifndef CLIENTELE_RULES_INTERNAL_CHECK_WORDS_H_
#define CLIENTELE_RULES_INTERNAL_CHECK_WORDS_H_

#include <string>
#include <string_view>

namespace clientele::rules::check_words_internal {

// How the subject of a comparison relates to its reference. Each relation
// has a complement (kLess / kAtLeast, kIn / kNotIn, ...), which is what a
// `not` in front of the comparison asks for.
enum class Relation {
  kLess, kAtLeast, kAtMost, kMore, kEqual, kNotEqual, kIn, kNotIn,
  kContains, kNotContains, kContainsAny, kContainsNone, kContainsAll, kNotContainsAll,
  kIncludes, kNotIncludes,
};

Relation Complement(Relation relation);
// The ordered comparisons and (in)equality: the ones whose sides can be
// swapped (`40 > age` is `age < 40`), unlike lists and text searches.
bool IsValueComparison(Relation relation);
// `a < b` read from b's side: b > a. Relations other than the ordered four
// are unchanged.
Relation Mirror(Relation relation);

// One side of a comparison as the rule author wrote it.
struct Operand {
  std::string_view text;  // e.g. "purchase_frequency", "40", "young_age_limit"
  std::string value;      // as FormatValue shows it, e.g. "7", "\"low\""
  bool literal = false;   // written as a literal: the value is the text
};

// The sentence for `subject <relation> reference`, which evaluated to
// `result` where the rule needed `wanted` (false under a `not`).
std::string DescribeComparison(const Operand& subject, Relation relation,
                               const Operand& reference, bool result, bool wanted);

// For a true/false value that is not a comparison (a yes/no parameter or
// field): "is_member is false, needs true".
std::string DescribeTruth(std::string_view expression, bool result, bool wanted);

// Shortens long text values (feedback, interactions) for a sentence: at
// most `max_code_points` characters of the text inside its quotes, then "…".
std::string Abbreviate(std::string_view quoted_value, size_t max_code_points = 40);

}  // namespace clientele::rules::check_words_internal

#endif  // CLIENTELE_RULES_INTERNAL_CHECK_WORDS_H_
