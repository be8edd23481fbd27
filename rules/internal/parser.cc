#include "rules/internal/parser.h"

#include <optional>
#include <utility>

#include "rules/internal/characters.h"
#include "common/strings.h"

namespace clientele::rules {
namespace ast_internal {

const char* OperatorText(Operator op) {
  switch (op) {
    case Operator::kOr: return "or";
    case Operator::kAnd: return "and";
    case Operator::kNot: return "not";
    case Operator::kEq: return "==";
    case Operator::kNe: return "!=";
    case Operator::kLt: return "<";
    case Operator::kLe: return "<=";
    case Operator::kGt: return ">";
    case Operator::kGe: return ">=";
    case Operator::kIn: return "in";
    case Operator::kNotIn: return "not in";
    case Operator::kContains: return "contains";
    case Operator::kContainsAny: return "contains any";
    case Operator::kContainsAll: return "contains all";
    case Operator::kAdd: return "+";
    case Operator::kSub: return "-";
    case Operator::kMul: return "*";
    case Operator::kDiv: return "/";
    case Operator::kMod: return "%";
    case Operator::kNegate: return "-";
    case Operator::kPlus: return "+";
    case Operator::kNone: break;
  }
  return "?";
}

}  // namespace ast_internal

namespace parser_internal {
namespace {

using ast_internal::AstKind;
using ast_internal::AstNode;
using ast_internal::Operator;

enum class TokenKind {
  kEnd, kNumber, kString, kIdentifier, kAnd, kOr, kNot, kIn, kContains, kAny,
  kAll, kTrue, kFalse, kLeftParen, kRightParen, kLeftBracket, kRightBracket,
  kComma, kDot, kPlus, kMinus, kStar, kSlash, kPercent, kEq, kNe, kLt, kLe,
  kGt, kGe, kError,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string text;  // identifier name, or decoded string literal
};

bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentifierPart(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

TokenKind KeywordKind(std::string_view word) {
  static constexpr std::pair<std::string_view, TokenKind> kKeywords[] = {
      {"and", TokenKind::kAnd},     {"or", TokenKind::kOr},
      {"not", TokenKind::kNot},     {"in", TokenKind::kIn},
      {"contains", TokenKind::kContains}, {"any", TokenKind::kAny},
      {"all", TokenKind::kAll},     {"true", TokenKind::kTrue},
      {"false", TokenKind::kFalse}};
  for (const auto& [text, kind] : kKeywords) {
    if (text == word) return kind;
  }
  return TokenKind::kIdentifier;
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits)
      : text_(text), limits_(limits) {}

  ParseResult Run() {
    ParseResult result;
    if (text_.size() > limits_.max_length) {
      Fail(0, 1, StrCat("the expression is ", text_.size(),
                              " bytes long; the limit is ", limits_.max_length),
           "split it into several rules or use a parameter list");
    } else {
      Advance();
      if (token_.kind == TokenKind::kEnd && !failed_) {
        Fail(0, 0, "the expression is empty", "write a condition such as: age < 40");
      }
      if (!failed_) {
        std::unique_ptr<AstNode> root = ParseOr();
        if (!failed_ && token_.kind != TokenKind::kEnd) {
          FailUnexpected("after a complete expression", "nothing",
                         "join conditions with 'and' or 'or'");
        }
        if (!failed_) result.root = std::move(root);
      }
    }
    result.error = std::move(error_);
    return result;
  }

 private:
  // ---- errors ----
  void Fail(uint32_t begin, uint32_t end, std::string message, std::string hint = "") {
    if (failed_) return;
    failed_ = true;
    error_ = ParseError{begin, std::max(end, begin + 1), std::move(message), std::move(hint)};
  }

  // Reports the current token as out of place: "unexpected 'x' <context>",
  // or at the end of the text "the expression ends too early: <expected>
  // is missing".
  void FailUnexpected(std::string_view context, std::string_view expected,
                      std::string_view hint = "") {
    if (token_.kind == TokenKind::kEnd) {
      Fail(static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(text_.size()) + 1,
           StrCat("the expression ends too early: ", expected, " is missing"), std::string(hint));
      return;
    }
    Fail(token_.begin, token_.end,
         StrCat("unexpected '", text_.substr(token_.begin, token_.end - token_.begin),
                      "' ", context),
         std::string(hint));
  }

  // ---- lexer ----
  void Advance() {
    if (failed_) {
      token_ = Token{TokenKind::kEnd, 0, 0, {}};
      return;
    }
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
    token_ = Token{};
    token_.begin = static_cast<uint32_t>(pos_);
    if (pos_ >= text_.size()) {
      token_.kind = TokenKind::kEnd;
      token_.end = token_.begin;
      return;
    }
    const char c = text_[pos_];
    if (IsDigit(c)) return LexNumber();
    if (IsIdentifierStart(c)) return LexWord();
    if (c == '"' || c == '\'') return LexString(c);
    if (static_cast<unsigned char>(c) >= 0x80) return LexBareText();
    LexPunctuation();
  }

  void Finish(TokenKind kind, size_t length) {
    pos_ += length;
    token_.kind = kind;
    token_.end = static_cast<uint32_t>(pos_);
  }

  void LexNumber() {
    size_t end = pos_;
    while (end < text_.size() && IsDigit(text_[end])) ++end;
    if (end + 1 < text_.size() && text_[end] == '.' && IsDigit(text_[end + 1])) {
      ++end;
      while (end < text_.size() && IsDigit(text_[end])) ++end;
    }
    if (end < text_.size() && (IsIdentifierStart(text_[end]) || text_[end] == '.')) {
      size_t bad = end;
      while (bad < text_.size() && (IsIdentifierPart(text_[bad]) || text_[bad] == '.')) ++bad;
      Fail(static_cast<uint32_t>(pos_), static_cast<uint32_t>(bad),
           StrCat("'", text_.substr(pos_, bad - pos_), "' is not a number"),
           "numbers are written like 40 or 0.25; names cannot start with a digit");
      token_.kind = TokenKind::kError;
      return;
    }
    token_.text = std::string(text_.substr(pos_, end - pos_));
    Finish(TokenKind::kNumber, end - pos_);
  }

  void LexWord() {
    size_t end = pos_;
    while (end < text_.size() && IsIdentifierPart(text_[end])) ++end;
    if (end < text_.size() && static_cast<unsigned char>(text_[end]) >= 0x80) {
      // A look-alike inside a name (agе with a Cyrillic е): name the
      // character and the whole word, not the part after it.
      size_t word_end = end;
      while (word_end < text_.size() && (static_cast<unsigned char>(text_[word_end]) >= 0x80 ||
                                         IsIdentifierPart(text_[word_end]))) {
        ++word_end;
      }
      if (FailOnLookAlike(text_.substr(pos_, word_end - pos_))) return;
    }
    token_.text = std::string(text_.substr(pos_, end - pos_));
    Finish(KeywordKind(token_.text), end - pos_);
  }

  void LexString(char quote) {
    std::string value;
    size_t i = pos_ + 1;
    for (; i < text_.size() && text_[i] != quote; ++i) {
      if (text_[i] == '\\' && i + 1 < text_.size()) {
        char next = text_[++i];
        switch (next) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case '\\': case '"': case '\'': value += next; break;
          default:
            Fail(static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i + 1),
                 StrCat("unknown escape '\\", std::string(1, next), "' in text"),
                 "inside quotes write \\\" for a quote and \\\\ for a backslash");
            token_.kind = TokenKind::kError;
            return;
        }
        continue;
      }
      value += text_[i];
    }
    if (i >= text_.size()) {
      Fail(static_cast<uint32_t>(pos_), static_cast<uint32_t>(pos_ + 1),
           "this text has no closing quote",
           StrCat("end the text with ", std::string(1, quote)));
      token_.kind = TokenKind::kError;
      return;
    }
    token_.text = std::move(value);
    Finish(TokenKind::kString, i + 1 - pos_);
  }

  // Text such as 低 outside quotes: the seed article's own mistake. A
  // look-alike character (＞, “, a Cyrillic а, a zero-width space) is named
  // instead: quoting it would not help.
  void LexBareText() {
    size_t end = pos_;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) >= 0x80 ||
                                  IsIdentifierPart(text_[end]))) {
      ++end;
    }
    std::string_view word = text_.substr(pos_, end - pos_);
    if (FailOnLookAlike(word)) return;
    Fail(static_cast<uint32_t>(pos_), static_cast<uint32_t>(end),
         StrCat("text '", word, "' must be in quotes"),
         StrCat("write \"", word, "\""));
    token_.kind = TokenKind::kError;
  }

  // Reports the first look-alike character of `word` (which starts at
  // pos_); false when it has none.
  bool FailOnLookAlike(std::string_view word) {
    namespace chars = characters_internal;
    for (size_t i = 0; i < word.size();) {
      chars::CodePointAt at = chars::DecodeAt(word, i);
      std::optional<chars::LookAlike> look_alike = chars::FindLookAlike(at.code_point);
      if (!look_alike) {
        i += at.length;
        continue;
      }
      const auto begin = static_cast<uint32_t>(pos_ + i);
      const auto end = static_cast<uint32_t>(pos_ + i + at.length);
      if (look_alike->letter) {
        Fail(begin, end, StrCat("'", word, "' contains ", chars::Describe(word, i)),
             StrCat("retype it with Latin letters: ", chars::WithAsciiForLookAlikes(word)));
      } else if (look_alike->ascii.empty()) {
        Fail(begin, end, StrCat("an invisible character is here: ", chars::Describe(word, i)),
             "delete it; it often comes with text copied from a web page or a chat");
      } else {
        Fail(begin, end, StrCat("unexpected character ", chars::Describe(word, i)),
             StrCat("write '", look_alike->ascii,
                    "' instead: type expressions with the keyboard in half-width (English) "
                    "mode; only text in quotes may be Chinese"));
      }
      token_.kind = TokenKind::kError;
      return true;
    }
    return false;
  }

  void LexPunctuation() {
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    auto fail = [&](size_t length, std::string message, std::string hint) {
      Fail(static_cast<uint32_t>(pos_), static_cast<uint32_t>(pos_ + length),
           std::move(message), std::move(hint));
      token_.kind = TokenKind::kError;
    };
    switch (c) {
      case '(': return Finish(TokenKind::kLeftParen, 1);
      case ')': return Finish(TokenKind::kRightParen, 1);
      case '[': return Finish(TokenKind::kLeftBracket, 1);
      case ']': return Finish(TokenKind::kRightBracket, 1);
      case ',': return Finish(TokenKind::kComma, 1);
      case '.': return Finish(TokenKind::kDot, 1);
      case '+': return Finish(TokenKind::kPlus, 1);
      case '-': return Finish(TokenKind::kMinus, 1);
      case '*': return Finish(TokenKind::kStar, 1);
      case '/': return Finish(TokenKind::kSlash, 1);
      case '%': return Finish(TokenKind::kPercent, 1);
      case '<':
        if (next == '>') return fail(2, "'<>' is not an operator", "write '!=' for not equal");
        return next == '=' ? Finish(TokenKind::kLe, 2) : Finish(TokenKind::kLt, 1);
      case '>': return next == '=' ? Finish(TokenKind::kGe, 2) : Finish(TokenKind::kGt, 1);
      case '=':
        if (next == '=') return Finish(TokenKind::kEq, 2);
        if (next == '>') return fail(2, "'=>' is not an operator", "write '>=' for at least");
        if (next == '<') return fail(2, "'=<' is not an operator", "write '<=' for at most");
        return fail(1, "'=' is not a comparison", "write '==' to compare two values");
      case '!':
        if (next == '=') return Finish(TokenKind::kNe, 2);
        return fail(1, "'!' is not an operator here", "write 'not' instead of '!'");
      case '&':
        return fail(next == '&' ? 2 : 1, "'&&' is not an operator here",
                    "write 'and' instead of '&&'");
      case '|':
        return fail(next == '|' ? 2 : 1, "'||' is not an operator here",
                    "write 'or' instead of '||'");
      default:
        if (characters_internal::IsControl(static_cast<unsigned char>(c))) {
          return fail(1, StrCat("unexpected control character ",
                                characters_internal::Describe(text_, pos_)),
                      "delete it");
        }
        return fail(1, StrCat("unexpected character '", std::string(1, c), "'"),
                    "see docs/rules.md for what an expression may contain");
    }
  }

  // ---- grammar ----
  std::unique_ptr<AstNode> MakeBinary(Operator op, std::unique_ptr<AstNode> lhs,
                                      std::unique_ptr<AstNode> rhs) {
    auto node = std::make_unique<AstNode>();
    node->kind = AstKind::kBinary;
    node->op = op;
    node->begin = lhs->begin;
    node->end = rhs->end;
    node->children.push_back(std::move(lhs));
    node->children.push_back(std::move(rhs));
    return node;
  }

  // Guards recursion: every grammar level that can nest calls this.
  bool Enter() {
    if (++depth_ > limits_.max_depth) {
      Fail(token_.begin, token_.end,
           StrCat("the expression nests deeper than ", limits_.max_depth, " levels"),
           "split it into simpler rules or parameters");
      return false;
    }
    return true;
  }
  struct DepthGuard {
    int* depth;
    ~DepthGuard() { --*depth; }
  };

  std::unique_ptr<AstNode> ParseOr() {
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    std::unique_ptr<AstNode> lhs = ParseAnd();
    while (!failed_ && token_.kind == TokenKind::kOr) {
      Advance();
      std::unique_ptr<AstNode> rhs = ParseAnd();
      if (failed_) return nullptr;
      lhs = MakeBinary(Operator::kOr, std::move(lhs), std::move(rhs));
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  std::unique_ptr<AstNode> ParseAnd() {
    std::unique_ptr<AstNode> lhs = ParseNot();
    while (!failed_ && token_.kind == TokenKind::kAnd) {
      Advance();
      std::unique_ptr<AstNode> rhs = ParseNot();
      if (failed_) return nullptr;
      lhs = MakeBinary(Operator::kAnd, std::move(lhs), std::move(rhs));
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  std::unique_ptr<AstNode> ParseNot() {
    if (token_.kind != TokenKind::kNot) return ParseComparison();
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    uint32_t begin = token_.begin;
    Advance();
    std::unique_ptr<AstNode> operand = ParseNot();
    if (failed_) return nullptr;
    auto node = std::make_unique<AstNode>();
    node->kind = AstKind::kUnary;
    node->op = Operator::kNot;
    node->begin = begin;
    node->end = operand->end;
    node->children.push_back(std::move(operand));
    return node;
  }

  // Reads a comparison operator at the current token, consuming it (and
  // "not in", "contains any", "contains all"). kNone when there is none.
  Operator TakeComparisonOperator() {
    switch (token_.kind) {
      case TokenKind::kEq: Advance(); return Operator::kEq;
      case TokenKind::kNe: Advance(); return Operator::kNe;
      case TokenKind::kLt: Advance(); return Operator::kLt;
      case TokenKind::kLe: Advance(); return Operator::kLe;
      case TokenKind::kGt: Advance(); return Operator::kGt;
      case TokenKind::kGe: Advance(); return Operator::kGe;
      case TokenKind::kIn: Advance(); return Operator::kIn;
      case TokenKind::kNot: {
        Advance();
        if (token_.kind != TokenKind::kIn) {
          FailUnexpected("after 'not' here", "'in' after 'not'", "write 'x not in [...]', or put 'not' first");
          return Operator::kNone;
        }
        Advance();
        return Operator::kNotIn;
      }
      case TokenKind::kContains: {
        Advance();
        if (token_.kind == TokenKind::kAny) {
          Advance();
          return Operator::kContainsAny;
        }
        if (token_.kind == TokenKind::kAll) {
          Advance();
          return Operator::kContainsAll;
        }
        return Operator::kContains;
      }
      default: return Operator::kNone;
    }
  }

  static bool IsComparisonToken(TokenKind kind) {
    switch (kind) {
      case TokenKind::kEq: case TokenKind::kNe: case TokenKind::kLt:
      case TokenKind::kLe: case TokenKind::kGt: case TokenKind::kGe:
      case TokenKind::kIn: case TokenKind::kContains:
        return true;
      default: return false;
    }
  }

  std::unique_ptr<AstNode> ParseComparison() {
    std::unique_ptr<AstNode> lhs = ParseAdditive();
    if (failed_) return nullptr;
    Operator op = TakeComparisonOperator();
    if (failed_) return nullptr;
    if (op == Operator::kNone) return lhs;
    std::unique_ptr<AstNode> rhs = ParseAdditive();
    if (failed_) return nullptr;
    if (IsComparisonToken(token_.kind)) {
      Fail(token_.begin, token_.end, "comparisons cannot be chained",
           "write two comparisons joined by 'and', e.g. 18 <= age and age < 30");
      return nullptr;
    }
    return MakeBinary(op, std::move(lhs), std::move(rhs));
  }

  std::unique_ptr<AstNode> ParseAdditive() {
    std::unique_ptr<AstNode> lhs = ParseMultiplicative();
    while (!failed_ && (token_.kind == TokenKind::kPlus || token_.kind == TokenKind::kMinus)) {
      Operator op = token_.kind == TokenKind::kPlus ? Operator::kAdd : Operator::kSub;
      Advance();
      std::unique_ptr<AstNode> rhs = ParseMultiplicative();
      if (failed_) return nullptr;
      lhs = MakeBinary(op, std::move(lhs), std::move(rhs));
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  std::unique_ptr<AstNode> ParseMultiplicative() {
    std::unique_ptr<AstNode> lhs = ParseUnary();
    while (!failed_ && (token_.kind == TokenKind::kStar || token_.kind == TokenKind::kSlash ||
                        token_.kind == TokenKind::kPercent)) {
      Operator op = token_.kind == TokenKind::kStar    ? Operator::kMul
                    : token_.kind == TokenKind::kSlash ? Operator::kDiv
                                                       : Operator::kMod;
      Advance();
      std::unique_ptr<AstNode> rhs = ParseUnary();
      if (failed_) return nullptr;
      lhs = MakeBinary(op, std::move(lhs), std::move(rhs));
    }
    return failed_ ? nullptr : std::move(lhs);
  }

  std::unique_ptr<AstNode> ParseUnary() {
    if (token_.kind != TokenKind::kMinus && token_.kind != TokenKind::kPlus) {
      return ParsePrimary();
    }
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    uint32_t begin = token_.begin;
    Operator op = token_.kind == TokenKind::kMinus ? Operator::kNegate : Operator::kPlus;
    Advance();
    std::unique_ptr<AstNode> operand = ParseUnary();
    if (failed_) return nullptr;
    auto node = std::make_unique<AstNode>();
    node->kind = AstKind::kUnary;
    node->op = op;
    node->begin = begin;
    node->end = operand->end;
    node->children.push_back(std::move(operand));
    return node;
  }

  std::unique_ptr<AstNode> ParsePrimary() {
    auto node = std::make_unique<AstNode>();
    node->begin = token_.begin;
    node->end = token_.end;
    switch (token_.kind) {
      case TokenKind::kNumber: {
        absl::StatusOr<Decimal> value = Decimal::Parse(token_.text);
        if (!value.ok()) {
          Fail(token_.begin, token_.end, std::string(value.status().message()),
               "numbers have at most 4 decimals and must be below 922 trillion");
          return nullptr;
        }
        node->kind = AstKind::kNumber;
        node->number = *value;
        node->number_is_integer = token_.text.find('.') == std::string::npos;
        Advance();
        return node;
      }
      case TokenKind::kString:
        node->kind = AstKind::kString;
        node->text = token_.text;
        Advance();
        return node;
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        node->kind = AstKind::kBool;
        node->boolean = token_.kind == TokenKind::kTrue;
        Advance();
        return node;
      case TokenKind::kIdentifier: return ParseNameOrCall(std::move(node));
      case TokenKind::kLeftParen: return ParseParenthesis();
      case TokenKind::kLeftBracket: return ParseList(std::move(node));
      case TokenKind::kError: return nullptr;
      default:
        FailUnexpected("where a value was expected", "a value",
                       "a value is a number, \"text\", a field name, a list [..] or a function call");
        return nullptr;
    }
  }

  std::unique_ptr<AstNode> ParseNameOrCall(std::unique_ptr<AstNode> node) {
    node->kind = AstKind::kName;
    node->text = token_.text;
    node->name_parts.emplace_back(token_.begin, token_.end);
    Advance();
    if (token_.kind == TokenKind::kLeftParen) return ParseCall(std::move(node));
    while (!failed_ && token_.kind == TokenKind::kDot) {
      Advance();
      if (token_.kind != TokenKind::kIdentifier) {
        FailUnexpected("after '.'", "a field name after '.'", "a field name follows the dot, e.g. segment.life_stage");
        return nullptr;
      }
      node->text += "." + token_.text;
      node->name_parts.emplace_back(token_.begin, token_.end);
      node->end = token_.end;
      Advance();
    }
    return failed_ ? nullptr : std::move(node);
  }

  std::unique_ptr<AstNode> ParseCall(std::unique_ptr<AstNode> node) {
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    node->kind = AstKind::kCall;
    Advance();  // '('
    if (token_.kind != TokenKind::kRightParen) {
      while (true) {
        std::unique_ptr<AstNode> argument = ParseOr();
        if (failed_) return nullptr;
        node->children.push_back(std::move(argument));
        if (token_.kind == TokenKind::kComma) {
          Advance();
          continue;
        }
        if (token_.kind != TokenKind::kRightParen) {
          FailUnexpected(StrCat("in the call of ", node->text, "(...)"),
                         StrCat("')' to close ", node->text, "("),
                         "separate arguments with ',' and close with ')'");
          return nullptr;
        }
        break;
      }
    }
    node->end = token_.end;
    Advance();  // ')'
    return node;
  }

  std::unique_ptr<AstNode> ParseParenthesis() {
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    uint32_t begin = token_.begin;
    Advance();
    std::unique_ptr<AstNode> inner = ParseOr();
    if (failed_) return nullptr;
    if (token_.kind != TokenKind::kRightParen) {
      FailUnexpected("where ')' was expected", "')'",
                     StrCat("close the '(' at character ", begin + 1));
      return nullptr;
    }
    inner->begin = begin;
    inner->end = token_.end;
    Advance();
    return inner;
  }

  std::unique_ptr<AstNode> ParseList(std::unique_ptr<AstNode> node) {
    if (!Enter()) return nullptr;
    DepthGuard guard{&depth_};
    node->kind = AstKind::kList;
    Advance();  // '['
    while (token_.kind != TokenKind::kRightBracket) {
      std::unique_ptr<AstNode> item = ParseAdditive();
      if (failed_) return nullptr;
      node->children.push_back(std::move(item));
      if (token_.kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      if (token_.kind != TokenKind::kRightBracket) {
        FailUnexpected("in a list", "']' to close the list", "separate items with ',' and close the list with ']'");
        return nullptr;
      }
    }
    node->end = token_.end;
    Advance();  // ']'
    return node;
  }

  std::string_view text_;
  const ParseLimits& limits_;
  size_t pos_ = 0;
  Token token_;
  int depth_ = 0;
  bool failed_ = false;
  ParseError error_;
};

}  // namespace

ParseResult ParseExpression(std::string_view text, const ParseLimits& limits) {
  return Parser(text, limits).Run();
}

}  // namespace parser_internal
}  // namespace clientele::rules
