// The adversarial rule-folder corpus of issue 18: hostile, broken and
// merely odd rule folders, each with the outcome the loader must give and
// the place it must give it at.
//
// Every case starts from the default ruleset (config/rules, read when the
// test runs), applies a few edits (replace a piece of one file, write or
// remove a file, make a symbolic link ...) and checks
//   - the outcome: ok (no diagnostics at all), ok with a warning, or error;
//   - the headline `file:line:column: severity: message` of the first
//     diagnostic (the whole of it, or its beginning when the message
//     quotes long data), and the hint when the case gives one;
//   - that everything printed (FormatDiagnostics, and for rule tests
//     FormatRuleTestReport) is valid UTF-8 without control characters
//     other than '\n', and that no printed line is longer than 700 bytes.
// Most cases load in memory (RuleSet::LoadSources, files named
// "segments.yaml" ...); filesystem cases write a temporary folder and use
// RuleSet::LoadDirectory (the folder's path is cut from the file names, and
// the folder itself is called ".");
// tests-file cases load the ruleset and then run its tests (RunRuleTests),
// and check the first of RuleTestDiagnostics.
//
// A case with a `known_defect` pins the CORRECT outcome and is skipped with
// the reason until the defect is fixed (HOSTILE_RUN_KNOWN_DEFECTS=1 in the
// environment runs them too). To see what every case prints, run with
// HOSTILE_DUMP=1.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "rules/diagnostic.h"
#include "rules/rule_tests.h"
#include "rules/ruleset.h"

namespace clientele::rules {
namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ edits

struct Edit {
  enum class Kind { kReplace, kWrite, kRemove, kTransform, kSymlink, kDirectory, kFifo };
  Kind kind;
  std::string file;  // "*" for kTransform: every file
  std::string from;  // kReplace: the text replaced (first occurrence); kSymlink: the target
  std::string to;    // kReplace: the new text; kWrite: the whole file
  std::function<std::string(std::string)> transform = nullptr;
};

// Replaces the first occurrence of `from` in `file` (which must hold it).
Edit Replace(std::string file, std::string from, std::string to) {
  return {Edit::Kind::kReplace, std::move(file), std::move(from), std::move(to)};
}
// Adds `file`, or replaces all of it.
Edit Write(std::string file, std::string content) {
  return {Edit::Kind::kWrite, std::move(file), "", std::move(content)};
}
Edit Remove(std::string file) { return {Edit::Kind::kRemove, std::move(file), "", ""}; }
// Rewrites every file ("*") or one file.
Edit Transform(std::string file, std::function<std::string(std::string)> transform) {
  return {Edit::Kind::kTransform, std::move(file), "", "", std::move(transform)};
}
// Filesystem only (LoadDirectory): a symbolic link, a directory or a named
// pipe called `file`.
Edit Symlink(std::string file, std::string target) {
  return {Edit::Kind::kSymlink, std::move(file), std::move(target), ""};
}
Edit Directory(std::string file) { return {Edit::Kind::kDirectory, std::move(file), "", ""}; }
Edit Fifo(std::string file) { return {Edit::Kind::kFifo, std::move(file), "", ""}; }

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The condition of rule young_low_income (segments.yaml:9:15) replaced.
Edit When(std::string condition) {
  return Replace("segments.yaml", R"(when: age < young_age_limit and consumption == "low")",
                 "when: " + std::move(condition));
}

// A tests file "zz_tests.yaml" whose cases start on line 3.
Edit Tests(std::string cases) {
  return Write("zz_tests.yaml", "kind: tests\ncases:\n" + std::move(cases));
}

// Billion laughs: `levels` anchors, each a list of ten aliases of the one
// before, in flow or block style.
std::string AliasBomb(int levels, bool flow, std::string_view indent = "  ") {
  std::string out = std::string(indent) + "l0: &l0 " +
                    (flow ? "[lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" : "lol\n");
  for (int i = 1; i <= levels; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    out += std::string(indent) + "l" + std::to_string(i) + ": &l" + std::to_string(i);
    if (flow) {
      out += " [";
      for (int j = 0; j < 10; ++j) out += (j ? ", " : "") + prev;
      out += "]\n";
    } else {
      out += "\n";
      for (int j = 0; j < 10; ++j) out += std::string(indent) + "  - " + prev + "\n";
    }
  }
  return out;
}

// ------------------------------------------------------------------ cases

enum class Outcome { kOk, kWarning, kError };
enum class Via { kSources, kDirectory, kRuleTests };

struct Case {
  std::string name;  // a gtest name: letters, digits, '_'
  std::vector<Edit> edits;
  Outcome outcome = Outcome::kOk;
  // Headline() of the first diagnostic (of the load, or for kRuleTests of
  // RuleTestDiagnostics when the load is fine); "" with kOk.
  std::string headline = "";
  bool headline_is_prefix = false;  // the message quotes long data: check its start
  // The diagnostic may come after others (a cascade that sorts first).
  bool headline_anywhere = false;
  std::string hint = "";  // of that diagnostic; unchecked when empty
  int count = -1;         // the number of diagnostics; unchecked when -1
  Via via = Via::kSources;
  std::string known_defect = "";  // the case is skipped with this reason
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr Outcome kOk = Outcome::kOk;
constexpr Outcome kWarning = Outcome::kWarning;
constexpr Outcome kError = Outcome::kError;

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](Case c) { cases.push_back(std::move(c)); };

  // ======================================================= 1. YAML level
  // Alias bombs: stopped by a linear pass before any node is built.
  add({.name = "AliasBombFlowInRulesFile",
       .edits = {Write("bomb.yaml", "kind: parameters\nparameters:\n" + AliasBomb(9, true))},
       .outcome = kError,
       .headline = "bomb.yaml:7:47: error: the aliases (*name) in this file expand to more than "
                   "100000 values"});
  add({.name = "AliasBombBlockInRulesFile",
       .edits = {Write("bomb.yaml", "kind: parameters\nparameters:\n" + AliasBomb(9, false))},
       .outcome = kError,
       .headline = "bomb.yaml:56:7: error: the aliases (*name) in this file expand to more than "
                   "100000 values"});
  add({.name = "AliasBombNestedAnchors",
       .edits = {Write("bomb.yaml",
                       "kind: parameters\nparameters:\n"
                       "  a: &a {x: &b [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], y: [*b, *b, *b, *b, *b, "
                       "*b, *b, *b, *b, *b]}\n"
                       "  c: &c [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n")},
       .outcome = kError,
       .headline = "bomb.yaml:6:34: error: the aliases (*name) in this file expand to more than "
                   "100000 values"});
  add({.name = "AliasBombInTestsExpectationsFlow",
       .edits = {Tests(
           "  - name: bomb\n"
           "    customer: {age: 25}\n"
           "    x: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
           ReplaceAll(AliasBomb(8, true, "    "),
                      "    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", "") +
           "    expect: {offers: *l8}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:9:49: error: the aliases (*name) in this file expand to more "
                   "than 100000 values"});
  add({.name = "AliasBombInTestsExpectBlock",
       .edits = {Tests("  - name: bomb\n"
                       "    customer: {age: 25}\n"
                       "    expect:\n"
                       "      segments:\n" +
                       AliasBomb(8, false, "        "))},
       .outcome = kError,
       .headline = "zz_tests.yaml:60:13: error: the aliases (*name) in this file expand to more "
                   "than 100000 values"});
  add({.name = "SmallAliasesInTestsAreFine",
       .edits = {Tests("  - name: young\n"
                       "    customer: &young {age: 25, consumption: low}\n"
                       "    expect: {offers: [满100减20]}\n"
                       "  - name: young again\n"
                       "    customer: *young\n"
                       "    expect: {offers: [满100减20]}\n")},
       .outcome = kOk,
       .via = Via::kRuleTests});
  add({.name = "UnknownAliasIsAnError",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: *nowhere")},
       .outcome = kError,
       .headline =
           "offers.yaml:13:12: error: this is not valid YAML: the referenced anchor is not defined",
       .hint = "an alias (*name) repeats what an anchor (&name) earlier in the file marks; to "
               "write a text that starts with '*', put it in quotes"});

  // Deep nesting.
  add({.name = "DeepFlowNestingClosed",
       .edits = {Replace(
           "parameters.yaml", "young_age_limit: 40",
           "young_age_limit: 40\n  deep: " + Repeat("[", 100) + "1" + Repeat("]", 100))},
       .outcome = kError,
       .headline =
           "parameters.yaml:8:71: error: lists and mappings nest more than 64 levels deep here"});
  add({.name = "DeepFlowNestingHundredThousandOpen",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  deep: " + Repeat("[", 100000))},
       .outcome = kError,
       .headline =
           "parameters.yaml:8:40: error: lists and mappings nest more than 64 levels deep here"});
  add({.name = "DeepBlockNestingByIndentation",
       .edits = {Write("deep.yaml",
                       [] {
                         std::string s = "kind: parameters\nparameters:\n";
                         for (int i = 1; i <= 100; ++i)
                           s += std::string(i * 2, ' ') + "k" + std::to_string(i) + ":\n";
                         return s + std::string(202, ' ') + "v\n";
                       }())},
       .outcome = kError,
       .headline =
           "deep.yaml:66:129: error: lists and mappings nest more than 64 levels deep here"});
  add({.name = "DeepBlockNestingByDashes",
       .edits = {Write("deep.yaml",
                       "kind: parameters\nparameters:\n  x:\n    " + Repeat("- ", 100) + "1\n")},
       .outcome = kError,
       .headline =
           "deep.yaml:4:129: error: lists and mappings nest more than 64 levels deep here"});

  // More than one document.
  add({.name = "SecondDocumentInsideFile",
       .edits = {Replace("offers.yaml", "  - id: middle_aged_birthday_gift",
                         "---\n  - id: middle_aged_birthday_gift")},
       .outcome = kError,
       .headline = "offers.yaml:11:1: error: '---' starts a second YAML document: everything after "
                   "this line would be ignored"});
  add({.name = "DocumentEndFollowedByContent",
       .edits = {Replace("offers.yaml", "  - id: middle_aged_birthday_gift",
                         "...\n  - id: middle_aged_birthday_gift")},
       .outcome = kError,
       .headline = "offers.yaml:11:1: error: '...' ends the YAML document: everything after this "
                   "line would be ignored"});
  add({.name = "DocumentStartAtTheVeryStartIsFine",
       .edits = {Transform("offers.yaml", [](std::string s) { return "---\n" + s; })},
       .outcome = kOk});
  add({.name = "DocumentEndAtTheVeryEndIsFine",
       .edits = {Transform("offers.yaml", [](std::string s) { return s + "...\n"; })},
       .outcome = kOk});
  add({.name = "SecondDocumentAfterFirstComplete",
       .edits = {Transform("offers.yaml",
                           [](std::string s) { return s + "---\nkind: offers\noffers: []\n"; })},
       .outcome = kError,
       .headline = "offers.yaml:16:1: error: '---' starts a second YAML document: everything after "
                   "this line would be ignored"});

  // Quotes and brackets never closed.
  add({.name = "UnclosedDoubleQuoteSwallowsLines",
       .edits = {Replace("offers.yaml", "offer: 满100减20", "offer: \"满100减20")},
       .outcome = kError,
       .headline = "offers.yaml:8:12: error: this quote is not closed on its line, so YAML reads "
                   "on to the next \" (line 12)"});
  add({.name = "UnclosedSingleQuoteSwallowsLines",
       .edits = {Replace("offers.yaml", "offer: 满100减20", "offer: '满100减20")},
       .outcome = kError,
       .headline = "offers.yaml:8:12: error: this quote is not closed on its line, so YAML reads "
                   "on to the next ' (the end of the file)"});
  add({.name = "UnclosedBracketFollowedByComments",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  words: [a, b,\n  # one\n  # two\n  # three")},
       .outcome = kError,
       .headline = "parameters.yaml:8:10: error: this '[' is never closed"});
  add({.name = "UnclosedBraceFollowedByComments",
       .edits = {Replace("improvements.yaml", "change: {field: 价格, add: -10}",
                         "change: {field: 价格, add: -10\n    # a comment\n    # another")},
       .outcome = kError,
       .headline = "improvements.yaml:13:13: error: this '{' is never closed"});

  // Indentation, keys, separators.
  add({.name = "TabIndentation",
       .edits = {Replace("segments.yaml", "        segment: 年轻客户", "\tsegment: 年轻客户")},
       .outcome = kError,
       .headline = "segments.yaml:37:1: error: this is not valid YAML: illegal tab when looking "
                   "for indentation"});
  add({.name = "TabInsideAValueIsFine",
       .edits = {Replace("segments.yaml", "description: 客户细分 —", "description: 客户细分\t—")},
       .outcome = kOk});
  add({.name = "DuplicateKeyInARule",
       .edits = {Replace("offers.yaml", "    offer: 生日礼物",
                         "    offer: 生日礼物\n    offer: 另一个")},
       .outcome = kError,
       .headline = "offers.yaml:14:5: error: 'offer' is given twice in an offer"});
  add({.name = "DuplicateKindKey",
       .edits = {Replace("offers.yaml", "kind: offers\n", "kind: offers\nkind: offers\n")},
       .outcome = kError,
       .headline = "offers.yaml:2:1: error: 'kind' is given twice in this offers file"});
  add({.name = "NoSpaceAfterColon",
       .edits = {Replace("segments.yaml", "when: age < young_band_limit",
                         "when:age < young_band_limit")},
       .outcome = kError,
       .headline = "segments.yaml:37:16: error: this is not valid YAML: illegal map value"});
  add({.name = "NonScalarKeyFlow",
       .edits = {Replace("offers.yaml", "    priority: 10",
                         "    priority: 10\n    ? [a, b]\n    : x")},
       .outcome = kError,
       .headline = "offers.yaml:15:7: error: keys must be plain words"});
  add({.name = "NonScalarKeyInParameters",
       .edits = {Replace("parameters.yaml", "  young_age_limit: 40",
                         "  young_age_limit: 40\n  {a: 1}: 2")},
       .outcome = kError,
       .headline = "parameters.yaml:8:3: error: keys must be plain words"});

  // Files that are not a mapping.
  add({.name = "EmptyFile",
       .edits = {Write("empty.yaml", "")},
       .outcome = kError,
       .headline = "empty.yaml:1:1: error: the file is empty"});
  add({.name = "FileOfOnlyComments",
       .edits = {Write("comments.yaml", "# nothing here\n# still nothing\n")},
       .outcome = kError,
       .headline = "comments.yaml:1:1: error: the file is empty"});
  add({.name = "FileThatIsAList",
       .edits = {Write("list.yaml", "- kind: offers\n- offers: []\n")},
       .outcome = kError,
       .headline = "list.yaml:1:1: error: a rule file must be a mapping of keys such as 'kind:'"});
  add({.name = "FileThatIsAScalar",
       .edits = {Write("scalar.yaml", "just some text\n")},
       .outcome = kError,
       .headline =
           "scalar.yaml:1:1: error: a rule file must be a mapping of keys such as 'kind:'"});

  // Bytes that are not text.
  add({.name = "NulByteInAValue",
       .edits = {Replace("offers.yaml", "offer: 生日礼物",
                         std::string("offer: 生日") + '\0' + "礼物")},
       .outcome = kError,
       .headline = "offers.yaml:13:14: error: the file holds a NUL byte (U+0000)"});
  add({.name = "NulByteInAComment",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类",
                         std::string("# 按购买") + '\0' + "行为分类")},
       .outcome = kError,
       .headline = "parameters.yaml:8:8: error: the file holds a NUL byte (U+0000)"});
  add({.name = "OldMacCarriageReturnLineEndings",
       .edits = {Transform("offers.yaml", [](std::string s) { return ReplaceAll(s, "\n", "\r"); })},
       .outcome = kError,
       .headline = "offers.yaml:1:13: error: the file ends its lines with a lone carriage return "
                   "(old Mac line endings)"});
  add({.name = "CrlfLineEndingsEverywhereAreFine",
       .edits = {Transform("*", [](std::string s) { return ReplaceAll(s, "\n", "\r\n"); })},
       .outcome = kOk});
  add({.name = "CrlfLineEndingsErrorPlacedAsWithLf",
       .edits = {When("agee < 40"),
                 Transform("segments.yaml",
                           [](std::string s) { return ReplaceAll(s, "\n", "\r\n"); })},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: unknown field 'agee'; did you mean 'age'?"});
  add({.name = "Utf8ByteOrderMark",
       .edits = {Transform("offers.yaml", [](std::string s) { return "\xEF\xBB\xBF" + s; })},
       .outcome = kOk});
  add({.name = "InvalidUtf8InAValue",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: 生日\xFF\xFE礼物")},
       .outcome = kError,
       .headline = "offers.yaml:13:14: error: the file is not valid UTF-8 (byte 0xff)"});
  add({.name = "InvalidUtf8InAComment",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类", "# \xC3\x28 按购买行为分类")},
       .outcome = kError,
       .headline = "parameters.yaml:8:5: error: the file is not valid UTF-8 (byte 0xc3)"});
  add({.name = "TruncatedUtf8AtEndOfFile",
       .edits = {Transform("offers.yaml", [](std::string s) { return s + "# \xE7\x94"; })},
       .outcome = kError,
       .headline = "offers.yaml:16:3: error: the file is not valid UTF-8 (byte 0xe7)"});
  add({.name = "OverlongUtf8Slash",
       .edits = {Replace("offers.yaml", "offer: 生日礼物",
                         "offer: a\xC0\xAF"
                         "b")},
       .outcome = kError,
       .headline = "offers.yaml:13:13: error: the file is not valid UTF-8 (byte 0xc0)"});
  add({.name = "EscapeCharacterInAValue",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: 生日\x1b[31m礼物")},
       .outcome = kError,
       .headline =
           "offers.yaml:13:14: error: the file holds the control character U+001B (escape)"});
  add({.name = "BellInAComment",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类", "# 按购买\a行为分类")},
       .outcome = kError,
       .headline =
           "parameters.yaml:8:8: error: the file holds the control character U+0007 (bell)"});
  add({.name = "DeleteCharacterInAValue",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: 生日\x7f礼物")},
       .outcome = kError,
       .headline =
           "offers.yaml:13:14: error: the file holds the control character U+007F (delete)"});
  add({.name = "C1NextLineInAValue",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: 生日\xC2\x85礼物")},
       .outcome = kError,
       .headline = "offers.yaml:13:14: error: the file holds the control character U+0085 (a "
                   "control character)"});
  add({.name = "C1ControlInAComment",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类",
                         "# 按购买\xC2\x9B"
                         "31m行为分类")},
       .outcome = kError,
       .headline = "parameters.yaml:8:8: error: the file holds the control character U+009B (a "
                   "control character)"});
  add({.name = "BidiOverrideInAComment",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类", "# 按购买\xE2\x80\xAE行为分类")},
       .outcome = kOk});

  // Very long lines: the excerpt shows about 200 characters around the caret.
  add({.name = "LongSingleLineFlowListWithErrorAtTheEnd",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         [] {
                           std::string s = "young_age_limit: 40\n  words: [";
                           for (int i = 0; i < 40000; ++i)
                             s += std::string("w") + static_cast<char>('0' + i % 10) + ", ";
                           return s + "1]";
                         }())},
       .outcome = kError,
       .headline = "parameters.yaml:8:160011: error: all items of a list parameter must be text, "
                   "or all numbers",
       .headline_is_prefix = true});
  add({.name = "LongConditionLineWithUnknownFieldFarRight",
       .edits = {When(Repeat("age > 1 and ", 300) + "agee < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:3615: error: unknown field 'agee'; did you mean 'age'?"});
  add({.name = "LongCommentLineIsFine",
       .edits = {Replace("parameters.yaml", "# 按购买行为分类",
                         "# " + Repeat("很长的注释", 40000))},
       .outcome = kOk});
  add({.name = "LongUnclosedQuoteOnLongLine",
       .edits = {Replace("offers.yaml", "offer: 满100减20", "offer: \"" + Repeat("满", 100000))},
       .outcome = kError,
       .headline = "offers.yaml:8:12: error: this quote is not closed on its line, so YAML reads "
                   "on to the next \" (line 12)"});

  // ======================================================= 2. names
  add({.name = "EmptyOfferName",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: \"\"")},
       .outcome = kError,
       .headline = "offers.yaml:13:12: error: 'offer' is empty"});
  add({.name = "EmptySegmentName",
       .edits = {Replace("segments.yaml", "segment: 年轻客户", "segment: \"\"")},
       .outcome = kError,
       .headline = "segments.yaml:37:18: error: 'segment' is empty"});
  add({.name = "EmptyDefaultSegment",
       .edits = {Replace("segments.yaml", "default: 老年客户", "default: \"\"")},
       .outcome = kError,
       .headline = "segments.yaml:41:14: error: 'default' is empty",
       .count = 1});
  add({.name = "BlankAction",
       .edits = {Replace("improvements.yaml", "action: 价格下调10元", "action: \"  \"")},
       .outcome = kError,
       .headline = "improvements.yaml:12:13: error: 'action' is empty"});
  add({.name = "EmptyTierName",
       .edits = {Replace("loyalty.yaml", "name: 金卡会员", "name: \"\"")},
       .outcome = kError,
       .headline = "loyalty.yaml:19:11: error: 'name' is empty"});
  add({.name = "SegmentNameWithEscapeViaYamlEscape",
       .edits = {Replace("segments.yaml", "segment: 年轻客户", "segment: \"年轻\\x1b[2J客户\"")},
       .outcome = kError,
       .headline =
           "segments.yaml:37:18: error: 'segment' holds the control character U+001B (escape)"});
  add({.name = "OfferNameWithNulViaYamlEscape",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: \"生日\\0礼物\"")},
       .outcome = kError,
       .headline = "offers.yaml:13:12: error: 'offer' holds the control character U+0000 (NUL)"});
  add({.name = "OfferNameWithNewlineViaYamlEscape",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: \"生日\\n礼物\"")},
       .outcome = kError,
       .headline = "offers.yaml:13:12: error: 'offer' must fit on one line"});
  add({.name = "TierNameWithC1ViaYamlEscape",
       .edits = {Replace("loyalty.yaml", "name: 金卡会员", "name: \"金卡\\x85会员\"")},
       .outcome = kError,
       .headline = "loyalty.yaml:19:11: error: 'name' holds the control character U+0085 (a "
                   "control character)"});
  add({.name = "RuleIdWithSpaces",
       .edits = {Replace("offers.yaml", "id: middle_aged_birthday_gift",
                         "id: middle aged birthday gift")},
       .outcome = kError,
       .headline = "offers.yaml:11:9: error: rule id 'middle aged birthday gift' has spaces"});
  add({.name = "EmptyRuleId",
       .edits = {Replace("offers.yaml", "id: middle_aged_birthday_gift", "id: \"\"")},
       .outcome = kError,
       .headline = "offers.yaml:11:9: error: 'id' is empty"});
  add({.name = "DuplicateIdInOneFile",
       .edits = {Replace("offers.yaml", "id: middle_aged_birthday_gift",
                         "id: young_low_income_discount")},
       .outcome = kError,
       .headline = "offers.yaml:11:9: error: rule id 'young_low_income_discount' is used twice"});
  add({.name = "DuplicateIdAcrossFilesAndKinds",
       .edits = {Replace("offers.yaml", "id: middle_aged_birthday_gift", "id: young_low_income")},
       .outcome = kError,
       .headline = "offers.yaml:11:9: error: rule id 'young_low_income' is used twice"});
  add({.name = "DuplicateDimensionId",
       .edits = {Replace("segments.yaml", "id: age_band", "id: life_stage")},
       .outcome = kError,
       .headline = "segments.yaml:32:9: error: dimension 'life_stage' is defined twice"});
  add({.name = "DuplicateTierName",
       .edits = {Replace("loyalty.yaml", "name: 金卡会员", "name: 银卡会员")},
       .outcome = kError,
       .headline = "loyalty.yaml:19:11: error: tier '银卡会员' is listed twice"});
  add({.name = "ChineseOfferSegmentTierAndActionNamesWork",
       .edits = {Replace("offers.yaml", "offer: 生日礼物", "offer: 中秋节月饼礼盒🎁"),
                 Replace("segments.yaml", "segment: 年轻客户", "segment: 青年客户（新）"),
                 Replace("loyalty.yaml", "name: 钻石会员", "name: 黑钻会员"),
                 Replace("improvements.yaml", "action: 价格下调10元", "action: 价格下调十元")},
       .outcome = kOk});
  add({.name = "ChineseDimensionId",
       .edits = {Replace("segments.yaml", "id: age_band", "id: 年龄段")},
       .outcome = kError,
       .headline =
           "segments.yaml:32:9: error: dimension id '年龄段' cannot be used in segment.<id>"});
  add({.name = "ChineseRuleId",
       .edits = {Replace("offers.yaml", "id: middle_aged_birthday_gift", "id: 中年生日礼物")},
       .outcome = kOk});
  add({.name = "MegabyteLongSegmentName",
       .edits = {Tests(
           "  - name: long\n    customer: {age: 70}\n    expect: {segments: {age_band: " +
           Repeat("长", 100000) + "}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:35: error: no rule gives the segment '长长长长",
       .headline_is_prefix = true,
       .via = Via::kRuleTests});
  add({.name = "SegmentNameThatIsANumber",
       .edits = {Replace("segments.yaml", "segment: 年轻客户", "segment: 30")},
       .outcome = kOk});
  add({.name = "SegmentNameThatIsAList",
       .edits = {Replace("segments.yaml", "segment: 年轻客户", "segment: [年轻, 客户]")},
       .outcome = kError,
       .headline =
           "segments.yaml:37:18: error: 'segment' must be a single value, not a list or mapping"});

  // ======================================================= 3. look-alikes
  add({.name = "FullWidthGreaterThan",
       .edits = {When("age ＞ 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:19: error: unexpected character '＞' (U+FF1E, full-width '>')"});
  add({.name = "FullWidthLessThan",
       .edits = {When("age ＜ 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:19: error: unexpected character '＜' (U+FF1C, full-width '<')"});
  add({.name = "FullWidthEquals",
       .edits = {When("consumption ＝＝ \"low\"")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:27: error: unexpected character '＝' (U+FF1D, full-width '=')"});
  add({.name = "FullWidthParentheses",
       .edits = {When("（age < 40）")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:15: error: unexpected character '（' (U+FF08, full-width '(')"});
  add({.name = "FullWidthComma",
       .edits = {When("min(age， 3) < 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:22: error: unexpected character '，' (U+FF0C, full-width ',')"});
  add({.name = "FullWidthExclamation",
       .edits = {When("consumption ！= \"low\"")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:27: error: unexpected character '！' (U+FF01, full-width '!')"});
  add({.name = "FullWidthDigits",
       .edits = {When("age < ４０")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:21: error: unexpected character '４' (U+FF14, full-width '4')"});
  add({.name = "TypographicDoubleQuotes",
       .edits = {When("consumption == “low”")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: unexpected character '“' (U+201C, left double "
                   "quotation mark)"});
  add({.name = "TypographicSingleQuotes",
       .edits = {When("consumption == ‘low’")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: unexpected character '‘' (U+2018, left single "
                   "quotation mark)"});
  add({.name = "GreaterOrEqualSign",
       .edits = {When("age ≥ 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: unexpected character '≥' (U+2265, "
                   "greater-than-or-equal sign)"});
  add({.name = "LessOrEqualSign",
       .edits = {When("age ≤ 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: unexpected character '≤' (U+2264, "
                   "less-than-or-equal sign)"});
  add({.name = "NotEqualSign",
       .edits = {When("age ≠ 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: unexpected character '≠' (U+2260, not-equal sign)"});
  add({.name = "CyrillicALetterInField",
       .edits = {When("\xD0\xB0ge < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: 'аge' contains 'а' (U+0430, Cyrillic 'а', which "
                   "looks like the Latin 'a')"});
  add({.name = "CyrillicELetterInField",
       .edits = {When("ag\xD0\xB5 < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:17: error: 'ag\xD0\xB5' contains '\xD0\xB5' (U+0435, Cyrillic "
                   "'\xD0\xB5', which looks like the Latin 'e')",
       .hint = "retype it with Latin letters: age"});
  add({.name = "CyrillicOLetterInKeyword",
       .edits = {When("age < 40 \xD0\xBEr age > 60")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: 'оr' contains 'о' (U+043E, Cyrillic 'о', which "
                   "looks like the Latin 'o')"});
  add({.name = "CyrillicCLetterInField",
       .edits = {When("\xD1\x81onsumption == \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: 'сonsumption' contains 'с' (U+0441, Cyrillic 'с', "
                   "which looks like the Latin 'c')"});
  add({.name = "CyrillicErLetterInField",
       .edits = {When("\xD1\x80urchase_frequency > 3")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: 'рurchase_frequency' contains 'р' (U+0440, Cyrillic "
                   "'р', which looks like the Latin 'p')"});
  add({.name = "GreekOmicronInField",
       .edits = {When("c\xCE\xBFnsumption == \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:16: error: 'c\xCE\xBFnsumption' contains '\xCE\xBF' (U+03BF, "
                   "Greek omicron, which looks like the Latin 'o')",
       .hint = "retype it with Latin letters: consumption"});
  add({.name = "ZeroWidthSpaceInField",
       .edits = {When("ag\xE2\x80\x8B"
                      "e < 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:17: error: an invisible character is here: U+200B (zero-width space)"});
  add({.name = "NoBreakSpaceBetweenTokens",
       .edits = {When("age\xC2\xA0< 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:18: error: unexpected character ' ' (U+00A0, no-break space)"});
  add({.name = "IdeographicSpaceBetweenTokens",
       .edits = {When("age\xE3\x80\x80< 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:18: error: unexpected character '　' (U+3000, full-width space)"});
  add({.name = "FatArrowForGreaterOrEqual",
       .edits = {When("age => 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: '=>' is not an operator"});
  add({.name = "EqualLessForLessOrEqual",
       .edits = {When("age =< 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: '=<' is not an operator"});
  add({.name = "AngleBracketsForNotEqual",
       .edits = {When("age <> 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:19: error: '<>' is not an operator"});
  add({.name = "DoubleAmpersand",
       .edits = {When("age < 40 && consumption == \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: '&&' is not an operator here"});
  add({.name = "DoublePipe",
       .edits = {When("age < 40 || consumption == \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: '||' is not an operator here"});
  add({.name = "ExclamationAsNot",
       .edits = {When("age < 40 and !(consumption == \"low\")")},
       .outcome = kError,
       .headline = "segments.yaml:9:28: error: '!' is not an operator here"});
  add({.name = "SingleEquals",
       .edits = {When("age < 40 and consumption = \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:40: error: '=' is not a comparison"});
  add({.name = "UnquotedChineseText",
       .edits = {When("age < 40 and consumption == 低")},
       .outcome = kError,
       .headline = "segments.yaml:9:43: error: text '低' must be in quotes",
       .hint = "write \"低\""});
  add({.name = "UnquotedChineseTextAfterLookAlikeDigits",
       .edits = {When("age < ４０ and consumption == 低")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:21: error: unexpected character '４' (U+FF14, full-width '4')"});

  add({.name = "SingleQuotedTextInCondition",
       .edits = {When("consumption == 'low'")},
       .outcome = kOk});
  add({.name = "ConstantDivisionByZero",
       .edits = {When("100 / 0 > age")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: this cannot be computed: division by zero"});
  add({.name = "CyrillicLetterInTheMiddleOfAField",
       .edits = {When("purchase_frequ\xD0\xB5ncy > 3")},
       .outcome = kError,
       .headline = "segments.yaml:9:29: error: 'purchase_frequ\xD0\xB5ncy' contains '\xD0\xB5' "
                   "(U+0435, Cyrillic '\xD0\xB5', which looks like the Latin 'e')",
       .hint = "retype it with Latin letters: purchase_frequency"});
  add({.name = "BidiOverrideInAQuotedSegmentName",
       .edits = {Replace("offers.yaml", "segment.life_stage == \"中年高收入群体\"",
                         "segment.life_stage == \"\xE2\x80\xAE中年高收入群体\"")},
       .outcome = kError,
       .headline = "offers.yaml:12:33: error: '",
       .headline_is_prefix = true});

  // ======================================================= 4. parameters
  add({.name = "QuotedNumberParameterComparedWithAge",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40", "young_age_limit: \"40\"")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: parameter 'young_age_limit' does not fit where "
                   "segments.yaml:9:15 uses it: cannot compare a whole number with a text",
       .hint = "remove the quotes: young_age_limit: 40",
       .count = 1});
  add({.name = "FullWidthDigitsParameter",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40", "young_age_limit: ４０")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: this value holds '４' (U+FF14, full-width '4')"});
  add({.name = "FullWidthSpaceAfterChineseInParameter",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 四十\u3000岁")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: this value holds '\u3000' (U+3000, full-width "
                   "space)",
       .hint = "write '四十 岁' instead, or put the value in quotes if it is text"});
  add({.name = "LetterOInsteadOfZeroParameter",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40", "young_age_limit: 4O")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: '4O' is not a decimal number: unexpected 'O'"});
  add({.name = "ThousandsSeparatorParameter",
       .edits = {Replace("parameters.yaml", "high_value_min_amount: 1000",
                         "high_value_min_amount: 1,000")},
       .outcome = kError,
       .headline =
           "parameters.yaml:11:26: error: '1,000' is not a decimal number: unexpected ','"});
  add({.name = "ListParameterMixingTextAndNumbers",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  words: [投诉, 40, 退货]")},
       .outcome = kError,
       .headline = "parameters.yaml:8:15: error: all items of a list parameter must be text, or "
                   "all numbers"});
  add({.name = "ParameterNamedLikeAField",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  consumption: 3")},
       .outcome = kError,
       .headline = "parameters.yaml:8:3: error: parameter 'consumption' has the name of a field, "
                   "function or keyword"});
  add({.name = "ParameterNamedLikeAKeyword",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  segment: 3")},
       .outcome = kError,
       .headline = "parameters.yaml:8:3: error: parameter 'segment' has the name of a field, "
                   "function or keyword"});
  add({.name = "ParameterDefinedTwiceInOneFile",
       .edits = {Replace("parameters.yaml", "young_band_limit: 30",
                         "young_band_limit: 30\n  young_age_limit: 41")},
       .outcome = kError,
       .headline =
           "parameters.yaml:16:3: error: 'young_age_limit' is given twice in 'parameters'"});
  add({.name = "ParameterDefinedTwiceAcrossFiles",
       .edits = {Write("more_parameters.yaml",
                       "kind: parameters\nparameters:\n  young_age_limit: 41\n")},
       .outcome = kError,
       .headline = "parameters.yaml:7:3: error: parameter 'young_age_limit' is defined twice"});
  add({.name = "UnknownParameterUsed",
       .edits = {When("age < young_age_limt")},
       .outcome = kError,
       .headline = "segments.yaml:9:21: error: unknown field 'young_age_limt'; did you mean "
                   "'young_age_limit'?"});
  add({.name = "UnknownParameterUsedWithParamsPrefix",
       .edits = {When("age < params.young_age_limt")},
       .outcome = kError,
       .headline = "segments.yaml:9:28: error: unknown parameter 'young_age_limt'; did you mean "
                   "'young_age_limit'?"});
  add({.name = "DeeplyNestedParameterValue",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  nested: [[[1]]]")},
       .outcome = kError,
       .headline = "parameters.yaml:8:13: error: a list parameter holds text or numbers"});
  add({.name = "ParameterWithMappingValueWithoutValueKey",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: {description: 年龄}")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: parameter 'young_age_limit' has no 'value'"});
  add({.name = "ParameterWithEmptyValue",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40", "young_age_limit:")},
       .outcome = kError,
       .headline = "parameters.yaml:7:3: error: parameter 'young_age_limit' has no value"});
  add({.name = "ParameterHugeNumber",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 99999999999999999999999999")},
       .outcome = kError,
       .headline = "parameters.yaml:7:20: error: '99999999999999999999999999' is not a decimal "
                   "number: it is too large"});
  add({.name = "ParameterNameWithHyphen",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  young-age: 40")},
       .outcome = kError,
       .headline = "parameters.yaml:8:3: error: 'young-age' is not a usable parameter name"});
  add({.name = "ParameterNameChinese",
       .edits = {Replace("parameters.yaml", "young_age_limit: 40",
                         "young_age_limit: 40\n  年龄: 40")},
       .outcome = kError,
       .headline = "parameters.yaml:8:3: error: '年龄' is not a usable parameter name"});
  add({.name = "ParametersFileWithoutParametersKey",
       .edits = {Write("parameters.yaml", "kind: parameters\n")},
       .outcome = kError,
       .headline = "parameters.yaml:1:1: error: a parameters file has no 'parameters'",
       .headline_anywhere = true});

  // ======================================================= 5. expressions
  add({.name = "UnknownFieldDidYouMean",
       .edits = {When("agee < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: unknown field 'agee'; did you mean 'age'?"});
  add({.name = "UnknownFieldCapitalised",
       .edits = {When("Age < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: unknown field 'Age'; did you mean 'age'?"});
  add({.name = "DimensionWithoutSegmentPrefix",
       .edits = {Replace("offers.yaml", "when: segment.life_stage == \"中年高收入群体\"",
                         "when: life_stage == \"中年高收入群体\"")},
       .outcome = kError,
       .headline = "offers.yaml:12:11: error: unknown field 'life_stage'; did you mean "
                   "'segment.life_stage'?"});
  add({.name = "CompareNumberWithText",
       .edits = {When("age < \"40\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: cannot compare a whole number with a text",
       .hint = "remove the quotes to write the number 40"});
  add({.name = "OrderingText",
       .edits = {When("occupation < \"m\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: a text can only be compared with == or !="});
  add({.name = "ConditionThatIsANumber",
       .edits = {When("satisfaction")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:15: error: 'when' must be a true/false; this is a decimal number"});
  add({.name = "DivisionByConstantZero",
       .edits = {When("age / 0 > 1")},
       .outcome = kError,
       .headline = "segments.yaml:9:21: error: this cannot be computed: division by zero",
       .headline_is_prefix = true});
  add({.name = "DivisionByConstantZeroExpression",
       .edits = {When("age / (3 - 3) > 1")},
       .outcome = kError,
       .headline = "segments.yaml:9:21: error: this cannot be computed: division by zero",
       .headline_is_prefix = true});
  add({.name = "HugeIntegerLiteral",
       .edits = {When("age < 99999999999999999999999999999")},
       .outcome = kError,
       .headline = "segments.yaml:9:21: error: '99999999999999999999999999999' is not a decimal "
                   "number: it is too large"});
  add({.name = "HugeDecimalLiteral",
       .edits = {When("satisfaction < 1.00000001")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: '1.00000001' is not a decimal number: it has more "
                   "than 4 digits after the decimal point"});
  add({.name = "TooLongExpression",
       .edits = {When(Repeat("age > 1 and ", 400) + "age < 40")},
       .outcome = kError,
       .headline =
           "segments.yaml:9:15: error: the expression is 4808 bytes long; the limit is 4096"});
  add({.name = "TooDeepParentheses",
       .edits = {When(Repeat("(", 100) + "age < 40" + Repeat(")", 100))},
       .outcome = kError,
       .headline = "segments.yaml:9:47: error: the expression nests deeper than 64 levels"});
  add({.name = "TooDeepNot",
       .edits = {When(Repeat("not ", 100) + "age < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:267: error: the expression nests deeper than 64 levels"});
  add({.name = "UnclosedParenthesis",
       .edits = {When("(age < 40 and consumption == \"low\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:49: error: the expression ends too early: ')' is missing"});
  add({.name = "UnknownFunction",
       .edits = {When("avg(satisfaction) > 4")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: unknown function 'avg'"});
  add({.name = "UnknownFunctionDidYouMean",
       .edits = {When("mni(age, 3) > 4")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: unknown function 'mni'; did you mean 'min'?"});
  add({.name = "TooFewArguments",
       .edits = {When("min(age) > 4")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: min() takes 2 or more arguments, not 1"});
  add({.name = "TooManyArguments",
       .edits = {When("abs(age, 3) > 4")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: abs() takes 1 argument, not 2"});
  add({.name = "UnknownDimension",
       .edits = {Replace("offers.yaml", "segment.life_stage == \"中年高收入群体\"",
                         "segment.lifestage == \"中年高收入群体\"")},
       .outcome = kError,
       .headline = "offers.yaml:12:19: error: unknown segmentation dimension 'lifestage'; did you "
                   "mean 'life_stage'?"});
  add({.name = "SegmentNameTheDimensionCannotGive",
       .edits = {Replace("offers.yaml", "segment.life_stage == \"中年高收入群体\"",
                         "segment.life_stage == \"中年高收入\"")},
       .outcome = kError,
       .headline = "offers.yaml:12:33: error: '中年高收入' is not a segment of dimension "
                   "'life_stage'; did you mean '中年高收入群体'?"});
  add({.name = "SegmentComparedWithNumber",
       .edits = {Replace("offers.yaml", "segment.life_stage == \"中年高收入群体\"",
                         "segment.life_stage == 3")},
       .outcome = kError,
       .headline = "offers.yaml:12:11: error: cannot compare a text with a whole number"});
  add({.name = "ConsumptionLevelThatDoesNotExist",
       .edits = {When("consumption == \"medium\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: 'medium' is not a consumption level (accepted: low, "
                   "mid, high, 低, 中, 高)"});
  add({.name = "ChainedComparison",
       .edits = {When("18 <= age < 40")},
       .outcome = kError,
       .headline = "segments.yaml:9:25: error: comparisons cannot be chained"});
  add({.name = "UppercaseAnd",
       .edits = {When("age < 40 AND age > 3")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: unexpected 'AND' after a complete expression"});
  add({.name = "EmptyCondition",
       .edits = {When("")},
       .outcome = kError,
       .headline = "segments.yaml:9:9: error: 'when' is empty"});
  add({.name = "ConditionOfOnlySpacesQuoted",
       .edits = {When("'   '")},
       .outcome = kError,
       .headline = "segments.yaml:9:16: error: the expression is empty"});
  add({.name = "PurchaseInSegmentation",
       .edits = {When("purchase.amount > 3")},
       .outcome = kError,
       .headline = "segments.yaml:9:15: error: there is no purchase here: purchase is only known "
                   "in loyalty earning rules"});
  add({.name = "InForTextSearch",
       .edits = {Replace("interactions.yaml", "when: interaction contains \"好评\"",
                         "when: '\"好评\" in interaction'")},
       .outcome = kError,
       .headline =
           "interactions.yaml:10:12: error: 'in' looks for an item in a list, and this is text"});
  add({.name = "DecimalPoints",
       .edits = {Replace("loyalty.yaml", "points: 100", "points: purchase.amount / 5")},
       .outcome = kError,
       .headline =
           "loyalty.yaml:7:15: error: 'points' must be a whole number; this is a decimal number"});
  add({.name = "UnterminatedStringInCondition",
       .edits = {When("consumption == \"low")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: this text has no closing quote"});
  add({.name = "StrayCharacterInCondition",
       .edits = {When("age < 40 $ 3")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: unexpected character '$'"});
  add({.name = "EmojiInCondition",
       .edits = {When("age < 40 🎉")},
       .outcome = kError,
       .headline = "segments.yaml:9:24: error: text '🎉' must be in quotes"});
  add({.name = "HashCommentCutsCondition",
       .edits = {When("consumption == \"VIP #1\"")},
       .outcome = kError,
       .headline = "segments.yaml:9:30: error: this text has no closing quote"});
  add({.name = "ConditionStartingWithQuote",
       .edits = {When("\"low\" == consumption")},
       .outcome = kError,
       .headline = "segments.yaml:9:21: error: this is not valid YAML: end of map not found"});

  // ======================================================= 6. structure
  add({.name = "UnknownKindDidYouMean",
       .edits = {Replace("segments.yaml", "kind: segmentation", "kind: segments")},
       .outcome = kError,
       .headline =
           "segments.yaml:1:7: error: unknown kind 'segments'; did you mean 'segmentation'?"});
  add({.name = "UnknownKindNoSuggestion",
       .edits = {Replace("offers.yaml", "kind: offers", "kind: banana")},
       .outcome = kError,
       .headline = "offers.yaml:1:7: error: unknown kind 'banana'"});
  add({.name = "MissingKind",
       .edits = {Replace("offers.yaml", "kind: offers\n", "")},
       .outcome = kError,
       .headline = "offers.yaml:1:1: error: the file does not say its 'kind'"});
  add({.name = "KindIsAList",
       .edits = {Replace("offers.yaml", "kind: offers", "kind: [offers]")},
       .outcome = kError,
       .headline = "offers.yaml:1:7: error: 'kind' must be a single value, not a list or mapping"});
  add({.name = "KindInCapitals",
       .edits = {Replace("offers.yaml", "kind: offers", "kind: Offers")},
       .outcome = kError,
       .headline = "offers.yaml:1:7: error: unknown kind 'Offers'; did you mean 'offers'?"});
  add({.name = "UnknownTopLevelKey",
       .edits = {Replace("offers.yaml", "offers:\n", "offerz: []\noffers:\n")},
       .outcome = kError,
       .headline = "offers.yaml:5:1: error: unknown key 'offerz' in this offers file; did you mean "
                   "'offers'?"});
  add({.name = "UnknownKeyInSegmentationRule",
       .edits = {Replace("segments.yaml", "segment: 高价值客户", "segmnet: 高价值客户")},
       .outcome = kError,
       .headline =
           "segments.yaml:22:9: error: a rule of dimension 'purchase_behavior' has no 'segment'"});
  add({.name = "UnknownKeyInOffer",
       .edits = {Replace("offers.yaml", "priority: 10", "priorty: 10")},
       .outcome = kError,
       .headline =
           "offers.yaml:14:5: error: unknown key 'priorty' in an offer; did you mean 'priority'?"});
  add({.name = "UnknownKeyInImprovement",
       .edits = {Replace("improvements.yaml", "action: 价格下调10元",
                         "action: 价格下调10元\n    owner: 张三")},
       .outcome = kError,
       .headline = "improvements.yaml:13:5: error: unknown key 'owner' in an improvement action"});
  add({.name = "UnknownKeyInInteractionRule",
       .edits = {Replace("interactions.yaml", "satisfaction_change: review_step",
                         "satisfaction_chnage: review_step")},
       .outcome = kError,
       .headline =
           "interactions.yaml:9:5: error: an interaction rule has no 'satisfaction_change'"});
  add({.name = "UnknownKeyInTier",
       .edits = {Replace("loyalty.yaml", "min_points: 500", "min_point: 500")},
       .outcome = kError,
       .headline = "loyalty.yaml:17:5: error: a tier has no 'min_points'"});
  add({.name = "UnknownKeyInEarningDefault",
       .edits = {Replace("loyalty.yaml", "points: 20", "points: 20\n    bonus: 5")},
       .outcome = kError,
       .headline = "loyalty.yaml:14:5: error: unknown key 'bonus' in the earning default"});
  add({.name = "UnknownHitPolicy",
       .edits = {Replace("segments.yaml", "hit_policy: first", "hit_policy: frist")},
       .outcome = kError,
       .headline = "segments.yaml:6:17: error: unknown hit_policy 'frist'; did you mean 'first'?"});
  add({.name = "UnknownStacking",
       .edits = {Replace("offers.yaml", "stacking: exclusive", "stacking: exclusiv")},
       .outcome = kError,
       .headline =
           "offers.yaml:10:15: error: unknown stacking 'exclusiv'; did you mean 'exclusive'?"});
  add({.name = "MissingDimensionDefault",
       .edits = {Replace("segments.yaml", "    default: 老年客户\n", "")},
       .outcome = kError,
       .headline = "segments.yaml:32:9: error: dimension 'age_band' has no default: customers that "
                   "match no rule would get no segment"});
  add({.name = "MissingEarningDefault",
       .edits = {Replace("loyalty.yaml", "  default:\n    id: small_purchase\n    points: 20\n",
                         "")},
       .outcome = kError,
       .headline = "loyalty.yaml:3:1: error: loyalty earning has no default: purchases that match "
                   "no rule would earn nothing, silently"});
  add({.name = "RuleShadowedByEarlierRule",
       .edits = {Replace("segments.yaml", "when: age < young_band_limit",
                         "when: age < middle_band_limit"),
                 Replace("segments.yaml",
                         "when: age < middle_band_limit\n        segment: 中年客户",
                         "when: age < young_band_limit\n        segment: 中年客户")},
       .outcome = kError,
       .headline =
           "segments.yaml:39:15: error: rule 'middle_aged' can never match: the earlier rule "
           "'young' (line 35) in dimension 'age_band' matches every customer it would"});
  add({.name = "ContradictoryCondition",
       .edits = {When("age > 40 and age < 30")},
       .outcome = kWarning,
       .headline = "segments.yaml:9:15: warning: rule 'young_low_income' can never match: its "
                   "condition is never true"});
  add({.name = "GapBetweenRanges",
       .edits = {Replace("segments.yaml", "when: age < middle_band_limit",
                         "when: age > young_band_limit and age < middle_band_limit")},
       .outcome = kWarning,
       .headline = "segments.yaml:39:15: warning: in dimension 'age_band', no rule covers age 30, "
                   "between rule 'young' (line 35) and rule 'middle_aged': those customers get the "
                   "default segment '老年客户'"});
  add({.name = "DimensionDefinedTwiceAcrossFiles",
       .edits = {Write("more_segments.yaml",
                       "kind: segmentation\ndimensions:\n  - id: age_band\n    rules:\n"
                       "      - id: other_young\n        when: age < 20\n        segment: 少年\n   "
                       " default: 成年\n")},
       .outcome = kError,
       .headline = "segments.yaml:32:9: error: dimension 'age_band' is defined twice"});
  add({.name = "CyclicSegmentReferences",
       .edits = {Write(
           "cycle.yaml",
           "kind: segmentation\ndimensions:\n"
           "  - id: a\n    rules:\n      - id: a_rule\n        when: segment.b == \"bx\"\n"
           "        segment: ax\n    default: ay\n"
           "  - id: b\n    rules:\n      - id: b_rule\n        when: segment.a == \"ax\"\n"
           "        segment: bx\n    default: by\n")},
       .outcome = kError,
       .headline = "cycle.yaml:12:15: error: segmentation dimensions depend on each other in a "
                   "cycle: a -> b -> a"});
  add({.name = "SelfReferentialDimension",
       .edits = {Replace("segments.yaml", "when: age < young_band_limit",
                         "when: segment.age_band == \"中年客户\"")},
       .outcome = kError,
       .headline = "segments.yaml:36:15: error: segmentation dimensions depend on each other in a "
                   "cycle: age_band -> age_band"});
  add({.name = "TwoInteractionsFiles",
       .edits = {Write("more_interactions.yaml", "kind: interactions\nrules: []\n")},
       .outcome = kError,
       .headline = "more_interactions.yaml:1:7: error: interaction rules are already defined in "
                   "interactions.yaml"});
  add({.name = "TwoLoyaltyFiles",
       .edits = {Write("more_loyalty.yaml",
                       "kind: loyalty\ntiers:\n  - {name: 普通, min_points: 0}\n")},
       .outcome = kError,
       .headline =
           "more_loyalty.yaml:1:7: error: loyalty rules are already defined in loyalty.yaml"});
  add({.name = "TiersOutOfOrder",
       .edits = {Replace("loyalty.yaml", "min_points: 2000", "min_points: 400")},
       .outcome = kError,
       .headline = "loyalty.yaml:20:17: error: tier '金卡会员' needs 400 points, not more than "
                   "tier '银卡会员' before it (500)"});
  add({.name = "NegativeTierPoints",
       .edits = {Replace("loyalty.yaml", "min_points: 0", "min_points: -1")},
       .outcome = kError,
       .headline = "loyalty.yaml:16:17: error: min_points cannot be negative"});
  add({.name = "ChangeWithTwoOperations",
       .edits = {Replace("improvements.yaml", "change: {field: 价格, add: -10}",
                         "change: {field: 价格, add: -10, set: 90}")},
       .outcome = kError,
       .headline = "improvements.yaml:13:13: error: a change needs exactly one of 'set', 'append' "
                   "or 'add'"});
  add({.name = "OfferDatesReversed",
       .edits = {Replace(
           "offers.yaml", "    priority: 10",
           "    priority: 10\n    valid_from: 2026-12-01\n    valid_until: 2026-11-30")},
       .outcome = kError,
       .headline = "offers.yaml:16:18: error: valid_until is before valid_from: the offer would "
                   "never be valid"});
  add({.name = "OfferDateThatDoesNotExist",
       .edits = {Replace("offers.yaml", "    priority: 10",
                         "    priority: 10\n    valid_until: 2026-02-30")},
       .outcome = kError,
       .headline = "offers.yaml:15:18: error: '2026-02-30' is not a date: there is no such day"});
  add({.name = "OffersIsAMappingNotAList",
       .edits = {Write("offers.yaml",
                       "kind: offers\noffers:\n  id: a\n  when: age > 3\n  offer: b\n")},
       .outcome = kError,
       .headline = "offers.yaml:3:3: error: 'offers' must be a list"});
  add({.name = "RuleIsAScalar",
       .edits = {Replace("offers.yaml", "offers:\n", "offers:\n  - just text\n")},
       .outcome = kError,
       .headline = "offers.yaml:6:5: error: an offer must be a mapping of keys"});
  add({.name = "OnlyATestsFileLoadsButItsTestsFail",
       .edits = {Remove("segments.yaml"), Remove("offers.yaml"), Remove("improvements.yaml"),
                 Remove("interactions.yaml"), Remove("loyalty.yaml"), Remove("parameters.yaml")},
       .outcome = kError,
       .headline = "tests.yaml:10:18: error: there is no dimension 'life_stage'",
       .via = Via::kRuleTests});
  add({.name = "RemovingParametersLeavesUnknownNames",
       .edits = {Remove("parameters.yaml"), Remove("tests.yaml")},
       .outcome = kError,
       .headline = "interactions.yaml:11:26: error: unknown field 'review_step'"});

  // ======================================================= 7. filesystem
  add({.name = "DanglingSymlinkNamedYaml",
       .edits = {Symlink("x.yaml", "does-not-exist.yaml")},
       .outcome = kWarning,
       .headline = "x.yaml: warning: this file is skipped: it is a symbolic link to "
                   "'does-not-exist.yaml', which does not exist",
       .via = Via::kDirectory});
  add({.name = "SymlinkLoop",
       .edits = {Symlink("loop.yaml", "loop.yaml")},
       .outcome = kWarning,
       .headline = "loop.yaml: warning: this file is skipped: it is a symbolic link to 'loop.yaml' "
                   "that leads round in a loop",
       .via = Via::kDirectory});
  add({.name = "SymlinkToARuleFileIsRead",
       .edits = {Symlink("zz_offers_link.yaml", "offers.yaml")},
       .outcome = kError,
       .headline =
           "zz_offers_link.yaml:6:9: error: rule id 'young_low_income_discount' is used twice",
       .via = Via::kDirectory});
  add({.name = "DirectoryNamedYaml",
       .edits = {Directory("sub.yaml")},
       .outcome = kWarning,
       .headline = "sub.yaml: warning: this file is skipped: it is a directory, not a file",
       .via = Via::kDirectory});
  add({.name = "NamedPipeNamedYamlDoesNotHang",
       .edits = {Fifo("pipe.yaml")},
       .outcome = kWarning,
       .headline = "pipe.yaml: warning: this file is skipped: it is not a regular file",
       .via = Via::kDirectory});
  add({.name = "HiddenAndNonYamlFilesIgnored",
       .edits = {Write(".hidden.yaml", "garbage: [\n"), Write("notes.txt", "garbage: [\n"),
                 Write("offers.yaml.bak", "garbage: [\n"), Write("README", "\x01\x02")},
       .outcome = kOk,
       .via = Via::kDirectory});
  add({.name = "YmlExtensionIsRead",
       .edits = {Write(
           "extra.yml",
           "kind: offers\noffers:\n  - id: extra\n    when: agee > 3\n    offer: 额外\n")},
       .outcome = kError,
       .headline = "extra.yml:4:11: error: unknown field 'agee'; did you mean 'age'?",
       .via = Via::kDirectory});
  add({.name = "UppercaseYamlExtension",
       .edits = {Write(
           "EXTRA.YAML",
           "kind: offers\noffers:\n  - id: extra\n    when: agee > 3\n    offer: 额外\n")},
       .outcome = kOk,
       .via = Via::kDirectory});
  add({.name = "EmptyDirectory",
       .edits = {Remove("segments.yaml"), Remove("offers.yaml"), Remove("improvements.yaml"),
                 Remove("interactions.yaml"), Remove("loyalty.yaml"), Remove("parameters.yaml"),
                 Remove("tests.yaml")},
       .outcome = kError,
       .headline = ".: error: there are no .yaml rule files here",
       .via = Via::kDirectory});
  add({.name = "FileOverTheSizeLimit",
       .edits = {Write("huge.yaml", "kind: parameters\nparameters:\n  x: 1\n# " +
                                        Repeat("x", (1 << 20) + 10) + "\n")},
       .outcome = kError,
       .headline = "huge.yaml:1:1: error: the file is 1048625 bytes; the limit is 1048576 bytes",
       .via = Via::kDirectory});
  add({.name = "FileOverTheSizeLimitInMemory",
       .edits = {Write("huge.yaml", "kind: parameters\nparameters:\n  x: 1\n# " +
                                        Repeat("x", (1 << 20) + 10) + "\n")},
       .outcome = kError,
       .headline = "huge.yaml:1:1: error: the file is 1048625 bytes; the limit is 1048576 bytes"});
  add({.name = "TooManyFiles",
       .edits =
           [] {
             std::vector<Edit> edits;
             for (int i = 0; i < 260; ++i) {
               const std::string n = std::to_string(1000 + i);
               edits.push_back(Write(
                   std::string("p").append(n).append(".yaml"),
                   std::string("kind: parameters\nparameters:\n  p").append(n).append(": 1\n")));
             }
             return edits;
           }(),
       .outcome = kError,
       .headline = "error: the ruleset has 267 files; the limit is 256",
       .via = Via::kDirectory});
  add({.name = "FileNameWithControlCharacter",
       .edits = {Write(
           "bad\x1b[31mname.yaml",
           "kind: offers\noffers:\n  - id: extra\n    when: agee > 3\n    offer: 额外\n")},
       .outcome = kError,
       .headline = "bad␛[31mname.yaml:4:11: error: unknown field 'agee'; did you mean 'age'?",
       .via = Via::kDirectory});
  add({.name = "FileNameWithInvalidUtf8",
       .edits = {Write(
           "bad\xff.yaml",
           "kind: offers\noffers:\n  - id: extra\n    when: agee > 3\n    offer: 额外\n")},
       .outcome = kError,
       .headline = "bad�.yaml:4:11: error: unknown field 'agee'; did you mean 'age'?",
       .via = Via::kDirectory});

  // ======================================================= 8. tests files
  add({.name = "FailingExpectationPlacedAtTheValue",
       .edits = {Tests("  - name: forty is young?\n    customer: {age: 45}\n    expect:\n      "
                       "segments: {age_band: 年轻客户}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:6:28: error: test 'forty is young?' failed: segments.age_band: "
                   "expected 年轻客户, got 中年客户 (rule middle_aged)",
       .via = Via::kRuleTests});
  add({.name = "FailingOffersExpectation",
       .edits = {Tests("  - name: no offer\n    customer: {age: 25, consumption: low}\n    "
                       "expect:\n      offers: []\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:6:15: error: test 'no offer' failed: offers: expected (none), "
                   "got 满100减20 (rules young_low_income_discount)",
       .via = Via::kRuleTests});
  add({.name = "FailingExampleRowPlacedAtTheRowsValue",
       .edits = {Tests("  - name: bands\n    examples:\n      - {customer.age: 25, "
                       "expect.segments.age_band: 年轻客户}\n"
                       "      - {customer.age: 75, expect.segments.age_band: 中年客户}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:6:54: error: test 'bands [example 2: customer.age=75, "
                   "expect.segments.age_band=中年客户]' failed: segments.age_band: expected "
                   "中年客户, got 老年客户 (the default)",
       .via = Via::kRuleTests});
  add({.name = "UnknownSegmentInExpectation",
       .edits = {Tests("  - name: typo\n    customer: {age: 45}\n    expect: {segments: {age_band: "
                       "中年客戶}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:35: error: no rule gives the segment '中年客戶' in dimension "
                   "'age_band'; did you mean '中年客户'?",
       .via = Via::kRuleTests});
  add({.name = "UnknownOfferInExpectation",
       .edits = {Tests(
           "  - name: typo\n    customer: {age: 45}\n    expect: {offers: [生日礼品]}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:23: error: no rule gives the offer '生日礼品'; did you mean "
                   "'生日礼物'?",
       .via = Via::kRuleTests});
  add({.name = "UnknownTierInExpectation",
       .edits = {Tests("  - name: typo\n    customer: {age: 45}\n    expect: {tier: 金卡会}\n")},
       .outcome = kError,
       .headline =
           "zz_tests.yaml:5:20: error: no rule gives the tier '金卡会'; did you mean '金卡会员'?",
       .via = Via::kRuleTests});
  add({.name = "UnknownActionInExpectation",
       .edits = {Tests("  - name: typo\n    feedback: {product: A, text: 价格更优惠}\n    expect: "
                       "{actions: [价格下调10圆]}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:24: error: no rule gives the action '价格下调10圆'; did you "
                   "mean '价格下调10元'?",
       .via = Via::kRuleTests});
  add({.name = "UnknownDimensionInExpectation",
       .edits = {Tests("  - name: typo\n    customer: {age: 45}\n    expect: {segments: {ageband: "
                       "中年客户}}\n")},
       .outcome = kError,
       .headline =
           "zz_tests.yaml:5:25: error: there is no dimension 'ageband'; did you mean 'age_band'?",
       .via = Via::kRuleTests});
  add({.name = "MalformedToday",
       .edits = {Tests("  - name: bad day\n    today: 2026-13-45\n    customer: {age: 45}\n    "
                       "expect: {segments: {age_band: 中年客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:12: error: today is a date YYYY-MM-DD",
       .via = Via::kRuleTests});
  add({.name = "TodayThatIsText",
       .edits = {Tests("  - name: bad day\n    today: tomorrow\n    customer: {age: 45}\n    "
                       "expect: {segments: {age_band: 中年客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:12: error: today is a date YYYY-MM-DD",
       .via = Via::kRuleTests});
  add({.name = "ParametersThatMakeTheRulesetFail",
       .edits = {Tests(
           "  - name: quoted\n    parameters: {young_band_limit: \"30\"}\n    customer: {age: 25}\n"
           "    expect: {segments: {age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:17: error: with these parameters the ruleset does not load: "
                   "parameter 'young_band_limit' does not fit where segments.yaml:36:15 uses it: "
                   "cannot compare a whole number with a text",
       .via = Via::kRuleTests});
  add({.name = "UnknownParameterInTest",
       .edits = {Tests(
           "  - name: typo\n    parameters: {young_band_limt: 35}\n    customer: {age: 25}\n"
           "    expect: {segments: {age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline =
           "zz_tests.yaml:4:17: error: with these parameters the ruleset does not load: there is "
           "no parameter 'young_band_limt' to set; did you mean 'young_band_limit'?",
       .via = Via::kRuleTests});
  add({.name = "UnknownCustomerFieldInTest",
       .edits = {Tests("  - name: typo\n    customer: {agee: 25}\n    expect: {segments: "
                       "{age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:16: error: unknown customer field 'agee'; did you mean 'age'?",
       .via = Via::kRuleTests});
  add({.name = "CustomerAgeThatIsText",
       .edits = {Tests("  - name: typo\n    customer: {age: 二十五}\n    expect: {segments: "
                       "{age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:16: error: age: '二十五' is not a whole number",
       .via = Via::kRuleTests});
  add({.name = "UnknownKeyInCase",
       .edits = {Tests("  - name: typo\n    customer: {age: 25}\n    expekt: {segments: {age_band: "
                       "年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:3:5: error: test case 'typo' expects nothing",
       .via = Via::kRuleTests});
  add({.name = "UnknownKeyInExpect",
       .edits = {Tests("  - name: typo\n    customer: {age: 25}\n    expect: {segmets: {age_band: "
                       "年轻客户}}\n")},
       .outcome = kError,
       .headline =
           "zz_tests.yaml:5:14: error: unknown key 'segmets' in expect; did you mean 'segments'?",
       .via = Via::kRuleTests});
  add({.name = "CaseWithoutName",
       .edits = {Tests("  - customer: {age: 25}\n    expect: {segments: {age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:3:5: error: a test case needs a name",
       .via = Via::kRuleTests});
  add({.name = "CaseWithoutExpect",
       .edits = {Tests("  - name: nothing expected\n    customer: {age: 25}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:3:5: error: test case 'nothing expected' expects nothing",
       .via = Via::kRuleTests});
  add({.name = "CasesIsNotAList",
       .edits = {Write("zz_tests.yaml", "kind: tests\ncases: {name: x}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:1:1: error: a tests file needs 'cases:', a list of test cases",
       .via = Via::kRuleTests});
  add({.name = "ExampleRowWithUnknownColumn",
       .edits = {Tests("  - name: bands\n    examples:\n      - {customer.agee: 25, "
                       "expect.segments.age_band: 年轻客户}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:9: error: unknown customer field 'agee'; did you mean 'age'?",
       .via = Via::kRuleTests});
  add({.name = "ExamplesIsNotAList",
       .edits = {Tests("  - name: bands\n    examples: {customer.age: 25}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:15: error: 'examples' is a list of rows, each a map such as "
                   "{customer.age: 25, expect.segments.age_band: 年轻客户}",
       .via = Via::kRuleTests});
  add({.name = "AliasBombInsideExpect",
       .edits = {Tests("  - name: bomb\n    customer: {age: 25}\n    expect:\n      offers: &x0 "
                       "[a, a, a, a, a, a, a, a, a, a]\n"
                       "      tier: " +
                       [] {
                         std::string s;
                         for (int i = 1; i <= 7; ++i) {
                           s += "&x" + std::to_string(i) + " [";
                           for (int j = 0; j < 10; ++j)
                             s += (j ? ", *x" : "*x") + std::to_string(i - 1);
                           s += "]";
                           if (i < 7) s += "\n      s" + std::to_string(i) + ": ";
                         }
                         return s;
                       }() +
                       "\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:10:51: error: the aliases (*name) in this file expand to more "
                   "than 100000 values",
       .via = Via::kRuleTests});
  add({.name = "ExpectedPointsThatIsText",
       .edits = {Tests("  - name: pts\n    purchase: {amount: 600}\n    expect: {points: 一百}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:22: error: points is a whole number",
       .via = Via::kRuleTests});
  add({.name = "FailingSatisfactionExpectation",
       .edits = {Tests("  - name: sat\n    customer: {satisfaction: 4.0}\n    interaction: 好评\n  "
                       "  expect: {satisfaction: 4.2}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:6:28: error: test 'sat' failed: satisfaction: expected 4.2, got "
                   "4.1 (rule positive_review)",
       .via = Via::kRuleTests});
  add({.name = "FailingRowInheritedExpectation",
       .edits = {Tests("  - name: rows\n    purchase: {amount: 300}\n    expect: {points: 100}\n"
                       "    examples:\n      - {customer.age: 45}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:22: error: test 'rows [example 1: customer.age=45]' failed: "
                   "points: expected 100, got 50 (rule medium_purchase)",
       .via = Via::kRuleTests});
  add({.name = "ControlCharacterInCaseName",
       .edits = {Tests("  - name: \"bad\\x1b[31mname\"\n    customer: {age: 45}\n    expect: "
                       "{segments: {age_band: 年轻客户}}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:5:35: error: test 'bad␛[31mname' failed: segments.age_band: "
                   "expected 年轻客户, got 中年客户 (rule middle_aged)",
       .via = Via::kRuleTests});
  add({.name = "TabIndentedTestsFile",
       .edits = {Tests("  - name: tab\n\tcustomer: {age: 45}\n")},
       .outcome = kError,
       .headline = "zz_tests.yaml:4:1: error: this is not valid YAML: illegal tab when looking for "
                   "indentation",
       .via = Via::kRuleTests});
  return cases;
}

// ------------------------------------------------------------------ running

using Files = std::map<std::string, std::string>;

const Files& DefaultRuleset() {
  static const Files* files = [] {
    auto* out = new Files;
    for (const auto& entry : fs::directory_iterator(CLIENTELE_SOURCE_DIR "/config/rules")) {
      if (entry.path().extension() != ".yaml") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      (*out)[entry.path().filename().string()] = content.str();
    }
    return out;
  }();
  return *files;
}

// The default ruleset with the case's in-memory edits applied; filesystem
// edits are left to WriteDirectory.
Files ApplyEdits(const Case& c) {
  Files files = DefaultRuleset();
  for (const Edit& edit : c.edits) {
    switch (edit.kind) {
      case Edit::Kind::kReplace: {
        auto it = files.find(edit.file);
        if (it == files.end()) {
          ADD_FAILURE() << "no file " << edit.file;
          break;
        }
        const size_t at = it->second.find(edit.from);
        if (at == std::string::npos) {
          ADD_FAILURE() << edit.file << " has no '" << edit.from << "'";
          break;
        }
        it->second.replace(at, edit.from.size(), edit.to);
        break;
      }
      case Edit::Kind::kWrite:
        files[edit.file] = edit.to;
        break;
      case Edit::Kind::kRemove:
        files.erase(edit.file);
        break;
      case Edit::Kind::kTransform:
        for (auto& [name, content] : files) {
          if (edit.file == "*" || edit.file == name) content = edit.transform(content);
        }
        break;
      case Edit::Kind::kSymlink:
      case Edit::Kind::kDirectory:
      case Edit::Kind::kFifo:
        break;
    }
  }
  return files;
}

// A fresh temporary directory, removed with its contents when destroyed.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (fs::temp_directory_path() / "hostile_rules_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteDirectory(const Case& c, const Files& files, const fs::path& dir) {
  for (const auto& [name, content] : files) {
    std::ofstream(dir / name, std::ios::binary) << content;
  }
  for (const Edit& edit : c.edits) {
    std::error_code error;
    switch (edit.kind) {
      case Edit::Kind::kSymlink:
        fs::create_symlink(edit.from, dir / edit.file, error);
        break;
      case Edit::Kind::kDirectory:
        fs::create_directory(dir / edit.file, error);
        break;
      case Edit::Kind::kFifo:
        if (mkfifo((dir / edit.file).c_str(), 0600) != 0) error = {errno, std::generic_category()};
        break;
      default:
        break;
    }
    ASSERT_FALSE(error) << edit.file << ": " << error.message();
  }
}

// Why `text` is not fit for a terminal: invalid UTF-8, a control character
// (C0 other than '\n', DEL, C1), a bidirectional override or isolate (which
// makes a terminal reorder the line), or a line over 700 bytes; empty when
// fine.
std::string PrintProblem(std::string_view text) {
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b == '\n') {
      if (i - line_start > 700) return "a line of " + std::to_string(i - line_start) + " bytes";
      line_start = ++i;
      continue;
    }
    if (b < 0x20 || b == 0x7f)
      return "control character " + std::to_string(b) + " at byte " + std::to_string(i);
    if (b < 0x80) {
      ++i;
      continue;
    }
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC2 ? 1 : -1;
    if (b > 0xF4 || extra < 0 || i + extra >= text.size()) {
      return "invalid UTF-8 at byte " + std::to_string(i);
    }
    uint32_t cp = b & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) return "invalid UTF-8 at byte " + std::to_string(i);
      cp = (cp << 6) | (cont & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return "invalid UTF-8 at byte " + std::to_string(i);
    }
    if (cp >= 0x80 && cp <= 0x9F) return "C1 control character at byte " + std::to_string(i);
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return "bidirectional control character at byte " + std::to_string(i);
    }
    i += extra + 1;
  }
  if (text.size() - line_start > 700)
    return "a last line of " + std::to_string(text.size() - line_start) + " bytes";
  return "";
}

std::string OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kWarning:
      return "ok with warnings";
    case Outcome::kError:
      return "error";
  }
  return "?";
}

class HostileRuleFilesTest : public ::testing::TestWithParam<Case> {};

TEST_P(HostileRuleFilesTest, OutcomePlaceAndPrintableOutput) {
  const Case& c = GetParam();
  if (!c.known_defect.empty() && std::getenv("HOSTILE_RUN_KNOWN_DEFECTS") == nullptr) {
    GTEST_SKIP() << "known defect: " << c.known_defect;
  }
  const Files files = ApplyEdits(c);

  LoadResult loaded;
  std::string dir_prefix;
  std::optional<TempDirectory> dir;
  if (c.via == Via::kDirectory) {
    dir.emplace();
    ASSERT_NO_FATAL_FAILURE(WriteDirectory(c, files, dir->path()));
    dir_prefix = dir->path().string() + "/";
    loaded = RuleSet::LoadDirectory(dir->path(), LoadOptions());
  } else {
    std::vector<RuleSource> sources;
    for (const auto& [name, content] : files) sources.push_back({name, content});
    loaded = RuleSet::LoadSources(std::move(sources), LoadOptions());
  }
  for (Diagnostic& d : loaded.diagnostics) {
    if (!dir_prefix.empty() && d.file.starts_with(dir_prefix)) d.file.erase(0, dir_prefix.size());
    if (!dir_prefix.empty() && d.file == dir->path().string()) d.file = ".";
  }
  std::vector<Diagnostic> diagnostics = loaded.diagnostics;
  std::string printed = FormatDiagnostics(loaded.diagnostics);
  bool ok = loaded.ok();
  if (c.via == Via::kRuleTests && loaded.ok()) {
    const RuleTestReport report = RunRuleTests(*loaded.ruleset, {*Date::Parse("2026-11-24")});
    const std::string text = FormatRuleTestReport(report, true);
    EXPECT_EQ(PrintProblem(text), "") << text.substr(0, 4000);
    diagnostics = RuleTestDiagnostics(report);
    ok = report.ok();
    printed += FormatDiagnostics(diagnostics);
  }
  if (std::getenv("HOSTILE_DUMP") != nullptr) {
    std::cout << "=== " << c.name << "\n" << printed.substr(0, 3000) << "\n";
  }
  EXPECT_EQ(PrintProblem(printed), "") << printed.substr(0, 4000);

  Outcome actual = Outcome::kOk;
  if (!ok) {
    actual = Outcome::kError;
  } else if (!diagnostics.empty()) {
    actual = Outcome::kWarning;
  }
  if (std::getenv("HOSTILE_DUMP") != nullptr) {
    std::cout << "@@ " << c.name << "\t" << OutcomeName(actual) << "\t"
              << (diagnostics.empty() ? "" : diagnostics.front().Headline().substr(0, 400)) << "\t"
              << (diagnostics.empty() ? "" : diagnostics.front().ShownHint().substr(0, 300))
              << "\n";
  }
  EXPECT_EQ(OutcomeName(actual), OutcomeName(c.outcome)) << printed.substr(0, 4000);
  if (c.outcome == Outcome::kOk) return;
  ASSERT_FALSE(diagnostics.empty());
  if (c.count >= 0) {
    EXPECT_EQ(diagnostics.size(), static_cast<size_t>(c.count)) << printed.substr(0, 4000);
  }
  auto matches = [&](const Diagnostic& d) {
    const std::string headline = d.Headline();
    return c.headline_is_prefix ? headline.starts_with(c.headline) : headline == c.headline;
  };
  auto found = c.headline_anywhere
                   ? std::find_if(diagnostics.begin(), diagnostics.end(), matches)
                   : (matches(diagnostics.front()) ? diagnostics.begin() : diagnostics.end());
  if (found == diagnostics.end()) {
    ADD_FAILURE() << "expected " << (c.headline_anywhere ? "a" : "the first") << " diagnostic "
                  << (c.headline_is_prefix ? "starting with" : "to be") << "\n  " << c.headline
                  << "\nfirst is\n  " << diagnostics.front().Headline().substr(0, 1000) << "\n"
                  << printed.substr(0, 4000);
    return;
  }
  if (!c.hint.empty()) {
    EXPECT_EQ(found->ShownHint(), c.hint);
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Corpus, HostileRuleFilesTest, ::testing::ValuesIn(Cases()), CaseName);

// The corpus is as large as issue 18 asks, and its names are unique.
TEST(HostileRuleFilesCorpusTest, HasAtLeast150DistinctCases) {
  const std::vector<Case> cases = Cases();
  EXPECT_GE(cases.size(), 150u);
  std::vector<std::string> names;
  for (const Case& c : cases) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace clientele::rules
