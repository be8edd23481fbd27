// The syntax tree of one rule expression, as the parser builds it and before
// names are resolved. Offsets are byte offsets into the expression text.
#ifndef CLIENTELE_RULES_INTERNAL_AST_H_
#define CLIENTELE_RULES_INTERNAL_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rules/decimal.h"

namespace clientele::rules::ast_internal {

enum class AstKind {
  kNumber,  // 40, 0.1
  kString,  // "低"
  kBool,    // true, false
  kList,    // ["a", "b"]
  kName,    // age, segment.life_stage, params.young_age
  kUnary,   // not x, -x, +x
  kBinary,  // a + b, a and b, a contains any [...]
  kCall,    // round(x, 2)
};

// Binary and unary operators. kNotIn, kContainsAny and kContainsAll are
// two-word operators ("not in", "contains any", "contains all").
enum class Operator {
  kNone, kOr, kAnd, kNot, kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn,
  kContains, kContainsAny, kContainsAll, kAdd, kSub, kMul, kDiv, kMod,
  kNegate, kPlus,
};

const char* OperatorText(Operator op);

struct AstNode {
  AstKind kind = AstKind::kNumber;
  Operator op = Operator::kNone;
  Decimal number;
  bool number_is_integer = false;
  bool boolean = false;
  std::string text;  // string literal value, or name ("segment.life_stage"), or function
  std::vector<std::unique_ptr<AstNode>> children;
  uint32_t begin = 0;  // byte offsets of the node's source text [begin, end)
  uint32_t end = 0;
  // For kName: the offsets of each dotted part, e.g. "segment" and "life_stage".
  std::vector<std::pair<uint32_t, uint32_t>> name_parts;
};

}  // namespace clientele::rules::ast_internal

#endif  // CLIENTELE_RULES_INTERNAL_AST_H_
