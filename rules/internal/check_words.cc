#include "rules/internal/check_words.h"

#include "common/strings.h"
#include "common/utf8.h"

namespace clientele::rules::check_words_internal {
namespace {

struct Phrases {
  Relation relation;
  Relation complement;
  const char* fact;  // what the value is: "less than"
  const char* need;  // what the rule asks for: "needs less than"
};

// Every relation with its complement, in both directions.
constexpr Phrases kPhrases[] = {
    {Relation::kLess, Relation::kAtLeast, "less than", "needs less than"},
    {Relation::kAtLeast, Relation::kLess, "at least", "needs at least"},
    {Relation::kAtMost, Relation::kMore, "at most", "needs at most"},
    {Relation::kMore, Relation::kAtMost, "more than", "needs more than"},
    {Relation::kEqual, Relation::kNotEqual, "the same as", "needs"},
    {Relation::kNotEqual, Relation::kEqual, "not", "needs anything but"},
    {Relation::kIn, Relation::kNotIn, "one of", "needs one of"},
    {Relation::kNotIn, Relation::kIn, "none of", "needs none of"},
    {Relation::kContains, Relation::kNotContains, "contains", "needs to contain"},
    {Relation::kNotContains, Relation::kContains, "does not contain", "must not contain"},
    {Relation::kContainsAny, Relation::kContainsNone, "contains one of",
     "needs to contain one of"},
    {Relation::kContainsNone, Relation::kContainsAny, "contains none of",
     "must contain none of"},
    {Relation::kContainsAll, Relation::kNotContainsAll, "contains all of",
     "needs to contain all of"},
    {Relation::kNotContainsAll, Relation::kContainsAll, "does not contain all of",
     "must not contain all of"},
    {Relation::kIncludes, Relation::kNotIncludes, "includes", "needs to include"},
    {Relation::kNotIncludes, Relation::kIncludes, "does not include", "must not include"},
};

const Phrases& PhrasesOf(Relation relation) {
  for (const Phrases& p : kPhrases) {
    if (p.relation == relation) return p;
  }
  return kPhrases[0];  // unreachable: every relation is listed
}

bool IsText(const Operand& operand) {
  return !operand.value.empty() && operand.value.front() == '"';
}

// A literal reads as written; anything else by name with its value:
// "young_age_limit (40)".
std::string ReferenceText(const Operand& reference) {
  if (reference.literal) return std::string(reference.text);
  return StrCat(reference.text, " (", Abbreviate(reference.value), ")");
}

}  // namespace

Relation Complement(Relation relation) { return PhrasesOf(relation).complement; }

bool IsValueComparison(Relation relation) {
  switch (relation) {
    case Relation::kLess:
    case Relation::kAtLeast:
    case Relation::kAtMost:
    case Relation::kMore:
    case Relation::kEqual:
    case Relation::kNotEqual: return true;
    default: return false;
  }
}

Relation Mirror(Relation relation) {
  switch (relation) {
    case Relation::kLess: return Relation::kMore;
    case Relation::kMore: return Relation::kLess;
    case Relation::kAtMost: return Relation::kAtLeast;
    case Relation::kAtLeast: return Relation::kAtMost;
    default: return relation;
  }
}

std::string DescribeComparison(const Operand& subject, Relation relation,
                               const Operand& reference, bool result, bool wanted) {
  // A literal subject (`"差评,投诉" contains interaction`) is its own value.
  const std::string sentence = subject.literal
                                   ? std::string(subject.text)
                                   : StrCat(subject.text, " is ", Abbreviate(subject.value));
  const std::string_view separator = subject.literal ? " " : ", ";
  const std::string reference_text = ReferenceText(reference);
  if (result != wanted) {
    const Relation needed = wanted ? relation : Complement(relation);
    std::string_view need = PhrasesOf(needed).need;
    if (needed == Relation::kEqual && !IsText(reference)) need = "needs exactly";
    return StrCat(sentence, separator, need, " ", reference_text);
  }
  const Relation actual = result ? relation : Complement(relation);
  // "consumption is "low"" says it all when the rule named "low" itself.
  if (actual == Relation::kEqual && reference.literal) return sentence;
  return StrCat(sentence, separator, PhrasesOf(actual).fact, " ", reference_text);
}

std::string DescribeTruth(std::string_view expression, bool result, bool wanted) {
  const char* value = result ? "true" : "false";
  if (result == wanted) return StrCat(expression, " is ", value);
  return StrCat(expression, " is ", value, ", needs ", wanted ? "true" : "false");
}

std::string Abbreviate(std::string_view quoted_value, size_t max_code_points) {
  const bool quoted = quoted_value.size() >= 2 && quoted_value.front() == '"' &&
                      quoted_value.back() == '"';
  std::string_view inner = quoted ? quoted_value.substr(1, quoted_value.size() - 2) : quoted_value;
  if (utf8::CodePointCount(inner) <= max_code_points) return std::string(quoted_value);
  std::string_view head = inner.substr(0, utf8::ByteOffsetOfCodePoint(inner, max_code_points));
  return quoted ? StrCat("\"", head, "…\"") : StrCat(head, "…");
}

}  // namespace clientele::rules::check_words_internal
