// The expression parser: text of one `when:` (or `points:` ...) value to a
// syntax tree. Grammar and precedence, lowest first (docs/rules.md):
//
//   or  <  and  <  not  <  comparison (== != < <= > >= in, not in,
//   contains, contains any, contains all; not chained)  <  + -  <  * / %
//   <  unary - +  <  primary (literal, name, call, list, parenthesis)
//
// Thread-safe: no shared state.
#ifndef CLIENTELE_RULES_INTERNAL_PARSER_H_
#define CLIENTELE_RULES_INTERNAL_PARSER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rules/internal/ast.h"

namespace clientele::rules::parser_internal {

struct ParseLimits {
  size_t max_length = 4096;  // bytes of expression text
  int max_depth = 64;        // nesting of parentheses, operators and calls
};

// A syntax error at byte offsets [begin, end) of the expression.
struct ParseError {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string message;
  std::string hint;
};

struct ParseResult {
  std::unique_ptr<ast_internal::AstNode> root;  // null iff error is set
  ParseError error;
};

// Parses `text`; REQUIRES: `text` is valid UTF-8. Reports the first syntax
// error only: after one, the rest of the expression cannot be trusted.
ParseResult ParseExpression(std::string_view text, const ParseLimits& limits);

}  // namespace clientele::rules::parser_internal

#endif  // CLIENTELE_RULES_INTERNAL_PARSER_H_
