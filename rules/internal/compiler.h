// Type checking and compilation of one expression into a Program.
//
// The compiler resolves names (customer fields, parameters, events,
// segments), checks types, validates text against known value sets
// (consumption levels, segment names ...), folds constant sub-expressions,
// and reports every problem it finds with byte offsets into the expression.
// Not thread-safe; used only while a ruleset is being loaded.
#ifndef CLIENTELE_RULES_INTERNAL_COMPILER_H_
#define CLIENTELE_RULES_INTERNAL_COMPILER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/events.h"
#include "rules/history.h"
#include "rules/internal/ast.h"
#include "rules/internal/parser.h"
#include "rules/internal/program.h"

namespace clientele::rules::compiler_internal {

using program_internal::Program;
using program_internal::Value;
using program_internal::ValueType;

struct Parameter {
  ValueType type = ValueType::kInvalid;
  Value value;
};

struct DimensionInfo {
  std::string id;
  bool collect = false;
  std::vector<std::string> segments;  // every segment it can assign, default included
};

// What an expression may refer to.
struct Scope {
  bool purchase = false;     // purchase.* (loyalty earning)
  bool interaction = false;  // interaction.* (interaction rules)
  bool feedback = false;     // feedback.* (improvement rules)
  const std::map<std::string, Parameter, std::less<>>* parameters = nullptr;
  const std::vector<DimensionInfo>* dimensions = nullptr;
  // The loyalty tiers' names, which `tier` is compared with; null: not
  // checked (a ruleset without tiers).
  const std::vector<std::string>* tiers = nullptr;
  // Whether the loyalty file's tier policy has a window of months, which
  // qualifying_points and qualifying_spent count over; null: not known
  // (its qualify_on is wrong, and reported there). Without one they are
  // always 0, which a read of them is warned of.
  const bool* tier_window = nullptr;
  // Out: indices of the dimensions the expression reads.
  std::vector<uint32_t>* referenced_dimensions = nullptr;
  // Out: the names of the parameters the expression reads, as often as
  // it reads them.
  std::vector<std::string>* parameters_read = nullptr;
  // In and out: the windowed facts (rules/history.h) the ruleset's
  // expressions read, shared by all of them; a fact node's `field` is its
  // index here. Null: facts cannot be read here.
  std::vector<FactRequest>* facts = nullptr;
  // The ids of the interaction rules, which interactions_in_last() may
  // name; null: not checked.
  const std::vector<std::string>* interaction_rules = nullptr;
  // The declared event types, which events_in_last() and
  // days_since_last_event() name; null: not checked.
  const std::vector<std::string>* event_types = nullptr;
  // In an event earning rule: the type it earns on, whose attributes
  // event.<attribute> reads; null elsewhere.
  const EventType* event = nullptr;
  // Whether the ruleset has an rfm file, whose scores rfm.r, rfm.f and
  // rfm.m read.
  bool rfm = false;
};

// A problem at byte offsets [begin, end) of the expression text.
struct CompileError {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string message;
  std::string hint;
  bool warning = false;
  // The parameter whose value does not fit, for type errors that one
  // causes; empty otherwise.
  std::string parameter = {};
};

struct Compiled {
  uint32_t root = 0;
  ValueType type = ValueType::kInvalid;
  std::string_view text;  // the interned expression text
};

// Parses, checks and compiles `text` into `program`. On errors (appended
// to `errors`) the result's type is kInvalid.
Compiled CompileExpression(std::string_view text, const Scope& scope,
                           const parser_internal::ParseLimits& limits, Program* program,
                           std::vector<CompileError>* errors);

// The names of the built-in functions.
const std::vector<std::string>& FunctionNames();

}  // namespace clientele::rules::compiler_internal

#endif  // CLIENTELE_RULES_INTERNAL_COMPILER_H_
