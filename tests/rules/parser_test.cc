// Tests the expression parser (rules/internal/parser.h) on its own:
//   - a golden table of syntax errors: for each bad expression, the exact
//     message and the byte offsets [begin, end) that the parser reports;
//   - limits: too long, too deep (100,000 nested parentheses must not
//     crash), empty;
//   - a golden table of valid expressions whose tree, printed with
//     parentheses around every operator, shows the precedence and
//     associativity of docs/rules.md section 3.3;
//   - node details: literal values, name parts, byte offsets.
#include "rules/internal/parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/internal/ast.h"

namespace clientele::rules::parser_internal {
namespace {

using ast_internal::AstKind;
using ast_internal::AstNode;
using ast_internal::Operator;
using ::testing::ElementsAre;
using ::testing::Pair;

// Renders a tree with parentheses around every unary and binary operation:
// "a or b and c" -> "(a or (b and c))". Calls and lists print as written;
// texts print in double quotes.
std::string Render(const AstNode& node) {
  switch (node.kind) {
    case AstKind::kNumber:
      return node.number.ToString();
    case AstKind::kString:
      return "\"" + node.text + "\"";
    case AstKind::kBool:
      return node.boolean ? "true" : "false";
    case AstKind::kName:
      return node.text;
    case AstKind::kList:
    case AstKind::kCall: {
      std::string out = node.kind == AstKind::kList ? "[" : node.text + "(";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += ", ";
        out += Render(*node.children[i]);
      }
      return out + (node.kind == AstKind::kList ? "]" : ")");
    }
    case AstKind::kUnary: {
      const std::string op = ast_internal::OperatorText(node.op);
      // Words need a space before their operand, signs do not.
      return "(" + op + (node.op == Operator::kNot ? " " : "") + Render(*node.children[0]) + ")";
    }
    case AstKind::kBinary:
      return "(" + Render(*node.children[0]) + " " + ast_internal::OperatorText(node.op) + " " +
             Render(*node.children[1]) + ")";
  }
  return "?";
}

ParseResult Parse(std::string_view text, ParseLimits limits = {}) {
  return ParseExpression(text, limits);
}

// ---------------------------------------------------------------- errors

struct ErrorCase {
  std::string name;
  std::string expression;
  std::string message;
  uint32_t begin;
  uint32_t end;
  ParseLimits limits = {};
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

std::vector<ErrorCase> ErrorCases() {
  const ParseLimits kLong = {.max_length = 1 << 20, .max_depth = 64};
  return {
      {"SingleEquals", "age = 40", "'=' is not a comparison", 4, 5},
      {"SingleEqualsAfterChinese", "name == \"张三\" and age = 40", "'=' is not a comparison", 25,
       26},
      {"DoubleAmpersand", "age < 40 && consumption == \"low\"", "'&&' is not an operator here", 9,
       11},
      {"SingleAmpersand", "a & b", "'&&' is not an operator here", 2, 3},
      {"DoublePipe", "a || b", "'||' is not an operator here", 2, 4},
      {"SinglePipe", "a | b", "'||' is not an operator here", 2, 3},
      {"Bang", "age > 0 and !(age < 40)", "'!' is not an operator here", 12, 13},
      {"BangAtStart", "!x", "'!' is not an operator here", 0, 1},
      {"UnquotedChinese", "consumption == 低", "text '低' must be in quotes", 15, 18},
      {"UnquotedChineseWord", "segment.life_stage == 年轻低收入群体",
       "text '年轻低收入群体' must be in quotes", 22, 43},
      {"UnquotedChineseWithLetters", "名字abc == 1", "text '名字abc' must be in quotes", 0, 9},
      {"UnclosedDoubleQuote", "name == \"abc", "this text has no closing quote", 8, 9},
      {"UnclosedSingleQuote", "name == 'abc", "this text has no closing quote", 8, 9},
      {"QuoteOfTheOtherKindDoesNotClose", "name == \"abc'", "this text has no closing quote", 8, 9},
      {"EscapedQuoteDoesNotClose", "name == \"abc\\\"", "this text has no closing quote", 8, 9},
      {"BadEscape", "name == \"a\\qb\"", "unknown escape '\\q' in text", 10, 12},
      {"ChainedLess", "1 < age < 3", "comparisons cannot be chained", 8, 9},
      {"ChainedEquals", "a == b == c", "comparisons cannot be chained", 7, 9},
      {"ChainedIn", "a == b in c", "comparisons cannot be chained", 7, 9},
      {"ChainedContains", "a contains b contains c", "comparisons cannot be chained", 13, 21},
      {"TrailingAnd", "age < 40 and", "the expression ends too early: a value is missing", 12, 13},
      {"TrailingPlus", "age +", "the expression ends too early: a value is missing", 5, 6},
      {"TrailingComparison", "age <", "the expression ends too early: a value is missing", 5, 6},
      {"OnlyMinus", "-", "the expression ends too early: a value is missing", 1, 2},
      {"OnlyNot", "not", "the expression ends too early: a value is missing", 3, 4},
      {"MissingClosingParenthesis", "(age < 40 and consumption == \"low\"",
       "the expression ends too early: ')' is missing", 34, 35},
      {"WrongTokenInsteadOfParenthesis", "(age < 40 or age > 60 points > 5",
       "unexpected 'points' where ')' was expected", 22, 28},
      {"OperatorBeforeClosingParenthesis", "(age < 40 and) or age > 60",
       "unexpected ')' where a value was expected", 13, 14},
      {"ExtraClosingParenthesis", "age < 40)", "unexpected ')' after a complete expression", 8, 9},
      {"DigitThenLetters", "1abc > 2", "'1abc' is not a number", 0, 4},
      {"NumberWithTwoDots", "age > 1.5.3", "'1.5.3' is not a number", 6, 11},
      {"NumberEndingInDot", "1. > x", "'1.' is not a number", 0, 2},
      {"FiveDecimals", "satisfaction > 1.23456",
       "'1.23456' is not a decimal number: it has more than 4 digits after the decimal point", 15,
       22},
      {"NumberTooLarge", "total_spent > 99999999999999999999",
       "'99999999999999999999' is not a decimal number: it is too large", 14, 34},
      {"UnexpectedCharacter", "age # 3", "unexpected character '#'", 4, 5},
      {"UnexpectedTilde", "a ~ b", "unexpected character '~'", 2, 3},
      {"UnexpectedSemicolon", "a == 1;", "unexpected character ';'", 6, 7},
      {"UpperCaseAnd", "satisfaction > 4 AND age > 18",
       "unexpected 'AND' after a complete expression", 17, 20},
      {"TwoValues", "age 40", "unexpected '40' after a complete expression", 4, 6},
      {"TextAfterExpression", "age > 3 \"x\"", "unexpected '\"x\"' after a complete expression", 8,
       11},
      {"NotWithoutIn", "age not 3", "unexpected '3' after 'not' here", 8, 9},
      {"NotAtEndOfComparison", "age not",
       "the expression ends too early: 'in' after 'not' is missing", 7, 8},
      {"KeywordAsValue", "and", "unexpected 'and' where a value was expected", 0, 3},
      {"ContainsWithoutValue", "feedback contains",
       "the expression ends too early: a value is missing", 17, 18},
      {"DotWithoutName", "segment.",
       "the expression ends too early: a field name after '.' is missing", 8, 9},
      {"DotThenNumber", "segment.1 == 2", "unexpected '1' after '.'", 8, 9},
      {"CallNotClosed", "round(x, 2",
       "the expression ends too early: ')' to close round( is missing", 10, 11},
      {"CallMissingComma", "round(x 2)", "unexpected '2' in the call of round(...)", 8, 9},
      {"CallEmptyArgument", "min(,)", "unexpected ',' where a value was expected", 4, 5},
      {"ListNotClosed", "x in [1, 2",
       "the expression ends too early: ']' to close the list is missing", 10, 11},
      {"ListMissingComma", "x in [1 2]", "unexpected '2' in a list", 8, 9},
      {"ListWithCondition", "consumption in [\"low\", \"mid\" and age < 40",
       "unexpected 'and' in a list", 29, 32},
      {"Empty", "", "the expression is empty", 0, 1},
      {"OnlySpaces", "   \t\n", "the expression is empty", 0, 1},
      {"TooLong", "age < 40 and " + Repeat("age < 40 and ", 400) + "true",
       "the expression is 5217 bytes long; the limit is 4096", 0, 1},
      {"TooLongForCustomLimit",
       "age < 40 and consumption == \"low\"",
       "the expression is 33 bytes long; the limit is 16",
       0,
       1,
       {.max_length = 16}},
      // Every '(' opens two levels (the parenthesis and the expression
      // inside), so the 33rd '(' is one level too deep.
      {"TooDeepParentheses", Repeat("(", 100) + "age < 40" + Repeat(")", 100),
       "the expression nests deeper than 64 levels", 32, 33},
      {"HundredThousandNestedParentheses", Repeat("(", 100000) + "age < 40" + Repeat(")", 100000),
       "the expression nests deeper than 64 levels", 32, 33, kLong},
      {"HundredThousandNestedParenthesesDefaultLimit",
       Repeat("(", 100000) + "age < 40" + Repeat(")", 100000),
       "the expression is 200008 bytes long; the limit is 4096", 0, 1},
      {"HundredThousandUnclosedParentheses", Repeat("(", 100000),
       "the expression nests deeper than 64 levels", 32, 33, kLong},
      {"HundredThousandMinusSigns", Repeat("-", 100000) + "x",
       "the expression nests deeper than 64 levels", 63, 64, kLong},
      {"HundredThousandNots", Repeat("not ", 100000) + "x",
       "the expression nests deeper than 64 levels", 252, 255, kLong},
      {"HundredThousandNestedCalls", Repeat("abs(", 100000) + "x" + Repeat(")", 100000),
       "the expression nests deeper than 64 levels", 128, 131, kLong},
      {"HundredThousandNestedLists", Repeat("[", 100000),
       "the expression nests deeper than 64 levels", 63, 64, kLong},
      {"DepthLimitIsConfigurable",
       "((a))",
       "the expression nests deeper than 3 levels",
       1,
       2,
       {.max_depth = 3}},
  };
}

class ParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrorTest, ReportsMessageAndOffsets) {
  const ErrorCase& c = GetParam();
  ParseResult result = Parse(c.expression, c.limits);
  EXPECT_EQ(result.root, nullptr);
  EXPECT_EQ(result.error.message, c.message);
  EXPECT_EQ(result.error.begin, c.begin);
  EXPECT_EQ(result.error.end, c.end);
  EXPECT_LT(result.error.begin, result.error.end);
  EXPECT_LE(result.error.end, c.expression.size() + 1);
}

INSTANTIATE_TEST_SUITE_P(Golden, ParserErrorTest, ::testing::ValuesIn(ErrorCases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return info.param.name;
                         });

TEST(ParserErrorTableTest, HasAtLeastTwentyCases) { EXPECT_GE(ErrorCases().size(), 20u); }

// The hints that docs/rules.md section 7 shows next to the messages.
TEST(ParserErrorDetailsTest, HintsSayWhatToWriteInstead) {
  EXPECT_EQ(Parse("age = 40").error.hint, "write '==' to compare two values");
  EXPECT_EQ(Parse("a && b").error.hint, "write 'and' instead of '&&'");
  EXPECT_EQ(Parse("a || b").error.hint, "write 'or' instead of '||'");
  EXPECT_EQ(Parse("!a").error.hint, "write 'not' instead of '!'");
  EXPECT_EQ(Parse("consumption == 低").error.hint, "write \"低\"");
  EXPECT_EQ(Parse("name == \"abc").error.hint, "end the text with \"");
  EXPECT_EQ(Parse("name == 'abc").error.hint, "end the text with '");
  EXPECT_EQ(Parse("18 <= age < 30").error.hint,
            "write two comparisons joined by 'and', e.g. 18 <= age and age < 30");
  EXPECT_EQ(Parse("a > 4 AND b > 1").error.hint, "join conditions with 'and' or 'or'");
  EXPECT_EQ(Parse("(a or b").error.hint, "close the '(' at character 1");
  EXPECT_EQ(Parse("x and (a or b").error.hint, "close the '(' at character 7");
}

TEST(ParserErrorDetailsTest, ReportsOnlyTheFirstError) {
  ParseResult result = Parse("age = 40 && consumption == 低");
  EXPECT_EQ(result.error.message, "'=' is not a comparison");
  EXPECT_EQ(result.error.begin, 4u);
}

// ---------------------------------------------------------------- precedence

struct ShapeCase {
  std::string expression;
  std::string tree;
};

TEST(ParserPrecedenceTest, PrintsTheTreeShape) {
  const ShapeCase kCases[] = {
      // Levels, loosest first: or < and < not < comparison < + - < * / % < unary.
      {"a or b and c", "(a or (b and c))"},
      {"a and b or c", "((a and b) or c)"},
      {"a or b or c", "((a or b) or c)"},
      {"a and b and c", "((a and b) and c)"},
      {"not a == b", "(not (a == b))"},
      {"not a and b", "((not a) and b)"},
      {"not a or not b", "((not a) or (not b))"},
      {"not not a", "(not (not a))"},
      {"not (a and b)", "(not (a and b))"},
      {"-x * y", "((-x) * y)"},
      {"-2 * -3", "((-2) * (-3))"},
      {"- - x", "(-(-x))"},
      {"+x", "(+x)"},
      {"-x.y", "(-x.y)"},
      {"a + b * c", "(a + (b * c))"},
      {"a * b + c", "((a * b) + c)"},
      {"a - b - c", "((a - b) - c)"},
      {"a / b / c", "((a / b) / c)"},
      {"a / b % c", "((a / b) % c)"},
      {"a * (b + c)", "(a * (b + c))"},
      {"age + 5 > 2 * 20 - 1", "((age + 5) > ((2 * 20) - 1))"},
      {"age == 35 or age == 1 and age == 2", "((age == 35) or ((age == 1) and (age == 2)))"},
      {"not consumption == \"low\" and age > 30",
       "((not (consumption == \"low\")) and (age > 30))"},
      {"a == b and c != d or e < f", "(((a == b) and (c != d)) or (e < f))"},
      {"a <= b", "(a <= b)"},
      {"a >= b", "(a >= b)"},
      {"a > -1", "(a > (-1))"},
      {"40 > age", "(40 > age)"},
      {"x in [1, 2]", "(x in [1, 2])"},
      {"x not in [\"a\", 'b']", "(x not in [\"a\", \"b\"])"},
      {"not x in [1]", "(not (x in [1]))"},
      {"not x not in [1]", "(not (x not in [1]))"},
      {"\"VIP\" in segment.tags", "(\"VIP\" in segment.tags)"},
      {"x + 1 in [2, 3 - 1]", "((x + 1) in [2, (3 - 1)])"},
      {"t contains \"x\"", "(t contains \"x\")"},
      {"feedback contains any [\"价格更优惠\", \"太贵\"]",
       "(feedback contains any [\"价格更优惠\", \"太贵\"])"},
      {"t contains all ['x'] and u", "((t contains all [\"x\"]) and u)"},
      {"t contains any_words", "(t contains any_words)"},
      {"round(a / 3, 1)", "round((a / 3), 1)"},
      {"min(a, b, c) < 3", "(min(a, b, c) < 3)"},
      {"floor(purchase.amount / 5)", "floor((purchase.amount / 5))"},
      {"f(a or b, not c)", "f((a or b), (not c))"},
      {"today()", "today()"},
      {"month(birthday) == month(today())", "(month(birthday) == month(today()))"},
      {"len(segment.tags) >= 2", "(len(segment.tags) >= 2)"},
      {"segment.life_stage == \"年轻低收入群体\"", "(segment.life_stage == \"年轻低收入群体\")"},
      {"params.young_age_limit", "params.young_age_limit"},
      {"true or false", "(true or false)"},
      {"0.1 + 4", "(0.1 + 4)"},
      {"4.10", "4.1"},
      {"'it\\'s' == x", "(\"it's\" == x)"},
      {"\"say \\\"hi\\\"\" == x", "(\"say \"hi\"\" == x)"},
      {"[]", "[]"},
      {"((((a))))", "a"},
      {"a\n and\tb\r\n", "(a and b)"},
      {"x == \"# not a comment\"", "(x == \"# not a comment\")"},
  };
  for (const ShapeCase& c : kCases) {
    ParseResult result = Parse(c.expression);
    ASSERT_NE(result.root, nullptr) << c.expression << ": " << result.error.message;
    EXPECT_EQ(Render(*result.root), c.tree) << c.expression;
  }
}

TEST(ParserPrecedenceTest, ThirtyLevelsOfParenthesesAreAllowed) {
  ParseResult result = Parse(Repeat("(", 30) + "age < 40" + Repeat(")", 30));
  ASSERT_NE(result.root, nullptr) << result.error.message;
  EXPECT_EQ(Render(*result.root), "(age < 40)");
}

TEST(ParserPrecedenceTest, LongFlatChainsAreNotTooDeep) {
  // 500 conditions joined by 'and' nest only by associativity, not by
  // brackets, and are parsed iteratively.
  std::string text = "a0 == 0";
  for (int i = 1; i < 500; ++i) text += " and a" + std::to_string(i) + " == " + std::to_string(i);
  ParseResult result = Parse(text, {.max_length = 1 << 20, .max_depth = 64});
  ASSERT_NE(result.root, nullptr) << result.error.message;
  EXPECT_EQ(result.root->op, Operator::kAnd);
  EXPECT_EQ(result.root->children[1]->children[0]->text, "a499");
}

// ---------------------------------------------------------------- nodes

TEST(ParserNodeTest, NumbersKeepTheirValueAndWhetherTheyAreWhole) {
  ParseResult whole = Parse("40");
  ASSERT_NE(whole.root, nullptr);
  EXPECT_EQ(whole.root->kind, AstKind::kNumber);
  EXPECT_EQ(whole.root->number, Decimal::FromInteger(40));
  EXPECT_TRUE(whole.root->number_is_integer);

  ParseResult fraction = Parse("4.0");
  ASSERT_NE(fraction.root, nullptr);
  EXPECT_EQ(fraction.root->number, Decimal::FromInteger(4));
  EXPECT_FALSE(fraction.root->number_is_integer);

  ParseResult tiny = Parse("0.0001");
  ASSERT_NE(tiny.root, nullptr);
  EXPECT_EQ(tiny.root->number.units(), 1);
}

TEST(ParserNodeTest, StringsAreDecoded) {
  ParseResult result = Parse("\"a\\nb\\tc\\\\d\"");
  ASSERT_NE(result.root, nullptr);
  EXPECT_EQ(result.root->kind, AstKind::kString);
  EXPECT_EQ(result.root->text, "a\nb\tc\\d");
  ParseResult chinese = Parse("'好评'");
  ASSERT_NE(chinese.root, nullptr);
  EXPECT_EQ(chinese.root->text, "好评");
}

TEST(ParserNodeTest, KeywordsAreLowerCaseOnly) {
  ParseResult result = Parse("True");
  ASSERT_NE(result.root, nullptr);
  EXPECT_EQ(result.root->kind, AstKind::kName);  // a name, not the literal
  EXPECT_EQ(result.root->text, "True");
  ParseResult literal = Parse("false");
  ASSERT_NE(literal.root, nullptr);
  EXPECT_EQ(literal.root->kind, AstKind::kBool);
  EXPECT_FALSE(literal.root->boolean);
}

TEST(ParserNodeTest, DottedNamesRecordTheOffsetsOfTheirParts) {
  ParseResult result = Parse("segment.life_stage == \"x\"");
  ASSERT_NE(result.root, nullptr);
  const AstNode& name = *result.root->children[0];
  EXPECT_EQ(name.kind, AstKind::kName);
  EXPECT_EQ(name.text, "segment.life_stage");
  EXPECT_THAT(name.name_parts, ElementsAre(Pair(0u, 7u), Pair(8u, 18u)));
  EXPECT_EQ(name.begin, 0u);
  EXPECT_EQ(name.end, 18u);
}

TEST(ParserNodeTest, OffsetsCoverTheSourceTextOfEachNode) {
  const std::string text = "not (age < 40) and round(x, 2) > 1";
  ParseResult result = Parse(text);
  ASSERT_NE(result.root, nullptr);
  const AstNode& root = *result.root;
  EXPECT_EQ(root.op, Operator::kAnd);
  EXPECT_EQ(text.substr(root.begin, root.end - root.begin), text);
  const AstNode& negation = *root.children[0];
  EXPECT_EQ(text.substr(negation.begin, negation.end - negation.begin), "not (age < 40)");
  // A parenthesised expression includes its parentheses.
  const AstNode& inner = *negation.children[0];
  EXPECT_EQ(text.substr(inner.begin, inner.end - inner.begin), "(age < 40)");
  const AstNode& call = *root.children[1]->children[0];
  EXPECT_EQ(call.kind, AstKind::kCall);
  EXPECT_EQ(text.substr(call.begin, call.end - call.begin), "round(x, 2)");
  EXPECT_EQ(call.children.size(), 2u);
}

TEST(ParserNodeTest, OffsetsAreBytesAlsoAfterChineseText) {
  const std::string text = "name == \"张三\" and age < 40";
  ParseResult result = Parse(text);
  ASSERT_NE(result.root, nullptr);
  const AstNode& right = *result.root->children[1];
  EXPECT_EQ(right.begin, 21u);  // 张 and 三 are three bytes each
  EXPECT_EQ(text.substr(right.begin, right.end - right.begin), "age < 40");
}

TEST(ParserNodeTest, TwoWordOperators) {
  const std::pair<const char*, Operator> kCases[] = {
      {"a not in [1]", Operator::kNotIn},
      {"a contains \"x\"", Operator::kContains},
      {"a contains any [\"x\"]", Operator::kContainsAny},
      {"a contains all [\"x\"]", Operator::kContainsAll},
      {"a in [1]", Operator::kIn},
  };
  for (const auto& [text, op] : kCases) {
    ParseResult result = Parse(text);
    ASSERT_NE(result.root, nullptr) << text;
    EXPECT_EQ(result.root->kind, AstKind::kBinary) << text;
    EXPECT_EQ(result.root->op, op) << text;
  }
}

}  // namespace
}  // namespace clientele::rules::parser_internal
