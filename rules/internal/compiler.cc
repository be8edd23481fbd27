#include "rules/internal/compiler.h"

#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "rules/customer.h"
#include "rules/diagnostic.h"

namespace clientele::rules::compiler_internal {
namespace {

using ast_internal::AstKind;
using ast_internal::AstNode;
using ast_internal::Operator;
using program_internal::Domain;
using program_internal::Frame;
using program_internal::IsNumber;
using program_internal::Node;
using program_internal::Op;
using program_internal::TypeName;

struct EventField {
  std::string_view event;
  std::string_view field;  // "" for the bare event name
  Op op;
  ValueType type;
  Domain domain;
};

constexpr EventField kEventFields[] = {
    {"purchase", "", Op::kPurchaseAmount, ValueType::kDecimal, Domain::kNone},
    {"purchase", "amount", Op::kPurchaseAmount, ValueType::kDecimal, Domain::kNone},
    {"purchase", "product", Op::kPurchaseProduct, ValueType::kString, Domain::kNone},
    {"purchase", "channel", Op::kPurchaseChannel, ValueType::kString, Domain::kChannel},
    {"purchase", "category", Op::kPurchaseCategory, ValueType::kString, Domain::kNone},
    {"purchase", "date", Op::kPurchaseDate, ValueType::kDate, Domain::kNone},
    {"purchase", "quantity", Op::kPurchaseQuantity, ValueType::kInt, Domain::kNone},
    {"interaction", "", Op::kInteractionText, ValueType::kString, Domain::kNone},
    {"interaction", "text", Op::kInteractionText, ValueType::kString, Domain::kNone},
    {"feedback", "", Op::kFeedbackText, ValueType::kString, Domain::kNone},
    {"feedback", "text", Op::kFeedbackText, ValueType::kString, Domain::kNone},
    {"feedback", "product", Op::kFeedbackProduct, ValueType::kString, Domain::kNone},
    {"feedback", "source", Op::kFeedbackSource, ValueType::kString, Domain::kFeedbackSource},
};

ValueType CustomerFieldType(Op op) {
  switch (op) {
    case Op::kCustomerInt: return ValueType::kInt;
    case Op::kCustomerDecimal: return ValueType::kDecimal;
    case Op::kCustomerDate: return ValueType::kDate;
    default: return ValueType::kString;
  }
}

Domain CustomerFieldDomain(Op op) {
  if (op == Op::kCustomerConsumption) return Domain::kConsumption;
  if (op == Op::kCustomerChannel) return Domain::kChannel;
  return Domain::kNone;
}

std::vector<std::string> SplitName(const std::string& name) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    size_t dot = name.find('.', begin);
    parts.push_back(name.substr(begin, dot - begin));
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  return parts;
}

// Operations whose result depends only on their operands, so that constant
// operands can be folded. Loads, today() and fused comparisons (which load
// a field themselves) are not.
bool IsPure(Op op) {
  return (op >= Op::kAnd && op < Op::kCompareCustomerInt) || op == Op::kConst;
}

class Compiler {
 public:
  Compiler(std::string_view text, const Scope& scope, Program* program,
           std::vector<CompileError>* errors)
      : text_(text), scope_(scope), program_(program), errors_(errors) {}

  uint32_t Compile(const AstNode& ast) {
    switch (ast.kind) {
      case AstKind::kNumber: {
        Node node = Base(ast, ast.number_is_integer ? ValueType::kInt : ValueType::kDecimal);
        node.constant.n = ast.number.units();
        node.literal = true;
        return program_->Add(node);
      }
      case AstKind::kString: {
        Node node = Base(ast, ValueType::kString);
        node.constant.SetText(program_->Intern(ast.text));
        node.literal = true;
        return program_->Add(node);
      }
      case AstKind::kBool: {
        Node node = Base(ast, ValueType::kBool);
        node.constant.n = ast.boolean ? 1 : 0;
        node.literal = true;
        return program_->Add(node);
      }
      case AstKind::kList: return CompileList(ast);
      case AstKind::kName: return CompileName(ast);
      case AstKind::kUnary: return CompileUnary(ast);
      case AstKind::kBinary: return CompileBinary(ast);
      case AstKind::kCall: return CompileCall(ast);
    }
    return Invalid(ast);
  }

  const Node& node(uint32_t index) const { return program_->node(index); }

 private:
  // ---- helpers ----
  Node Base(const AstNode& ast, ValueType type) {
    Node node;
    node.type = type;
    node.text = text_.substr(ast.begin, ast.end - ast.begin);
    return node;
  }

  void Error(uint32_t begin, uint32_t end, std::string message, std::string hint = "") {
    errors_->push_back({begin, std::max(end, begin + 1), std::move(message), std::move(hint)});
  }
  void Error(const AstNode& ast, std::string message, std::string hint = "") {
    Error(ast.begin, ast.end, std::move(message), std::move(hint));
  }

  void Warn(const AstNode& ast, std::string message, std::string hint) {
    errors_->push_back({ast.begin, std::max(ast.end, ast.begin + 1), std::move(message),
                        std::move(hint), /*warning=*/true});
  }

  uint32_t Invalid(const AstNode& ast) { return program_->Add(Base(ast, ValueType::kInvalid)); }

  ValueType type(uint32_t index) const { return node(index).type; }
  bool invalid(uint32_t index) const { return type(index) == ValueType::kInvalid; }
  bool IsConst(uint32_t index) const { return node(index).op == Op::kConst; }

  // Adds `n` and folds it into a constant when all its inputs are constant.
  uint32_t Emit(Node n, const AstNode& ast) {
    uint32_t index = program_->Add(n);
    if (!IsPure(n.op) || n.op == Op::kConst) return index;
    std::vector<uint32_t> inputs;
    if (n.op == Op::kMin || n.op == Op::kMax) {
      for (uint32_t i = 0; i < n.args_count; ++i) inputs.push_back(program_->arg(n.args_begin + i));
    } else {
      inputs.push_back(n.a);
      if (HasSecondOperand(n.op)) inputs.push_back(n.b);
    }
    bool all_literal = true;
    for (uint32_t input : inputs) {
      if (!IsConst(input)) return index;
      all_literal = all_literal && node(input).literal;
    }
    Decision::Scratch scratch;
    Frame frame;
    frame.scratch = &scratch;
    Value value = program_internal::Evaluate(*program_, index, &frame);
    if (frame.error != nullptr) {
      Error(ast, StrCat("this cannot be computed: ", frame.error));
      return Invalid(ast);
    }
    Node& folded = program_->mutable_node(index);
    folded.op = Op::kConst;
    folded.literal = all_literal;
    // lower() results live in the scratch strings: keep a copy.
    if (folded.type == ValueType::kString) value.SetText(program_->Intern(std::string(value.s())));
    folded.constant = value;
    return index;
  }

  static bool HasSecondOperand(Op op) {
    return (op >= Op::kAnd && op <= Op::kOr) || (op >= Op::kEq && op <= Op::kContainsAll) ||
           (op >= Op::kAdd && op <= Op::kMod);
  }

  // ---- lists ----
  uint32_t CompileList(const AstNode& ast) {
    if (ast.children.empty()) {
      Error(ast, "the list is empty", "write at least one item, e.g. [\"low\", \"mid\"]");
      return Invalid(ast);
    }
    std::vector<Value> items;
    ValueType item_type = ValueType::kInvalid;
    bool literal = true;
    for (const auto& child : ast.children) {
      uint32_t index = Compile(*child);
      if (invalid(index)) return Invalid(ast);
      if (!IsConst(index)) {
        Error(*child, "list items must be fixed values, not fields",
              "compare the fields one by one, joined with 'or'");
        return Invalid(ast);
      }
      ValueType t = IsNumber(type(index)) ? ValueType::kDecimal : type(index);
      if (t != ValueType::kString && t != ValueType::kDecimal) {
        Error(*child, StrCat("a list can hold text or numbers, not a ", TypeName(t)));
        return Invalid(ast);
      }
      if (item_type != ValueType::kInvalid && t != item_type) {
        Error(*child, "all items of a list must be text, or all numbers",
              "put quotes around every item, or around none");
        return Invalid(ast);
      }
      item_type = t;
      literal = literal && node(index).literal;
      items.push_back(node(index).constant);
    }
    Node list = Base(ast, item_type == ValueType::kString ? ValueType::kStringList
                                                         : ValueType::kNumberList);
    list.constant.list = program_->AddList(std::move(items));
    list.literal = literal;
    return program_->Add(list);
  }

  // ---- names ----
  std::vector<std::string> KnownNames() const {
    std::vector<std::string> names;
    for (const std::string& name : CustomerFieldNames()) {
      if (name != "points_expiring") names.push_back(name);  // read as points.expiring_<N>d
    }
    for (const char* name : {"points.available", "points.pending", "points.lifetime",
                             "points.owed", "points.expiring_30d"}) {
      names.emplace_back(name);
    }
    for (const auto& [name, parameter] : *scope_.parameters) names.push_back(name);
    for (const EventField& f : kEventFields) {
      if (!EventAvailable(f.event)) continue;
      names.push_back(f.field.empty() ? std::string(f.event)
                                      : StrCat(f.event, ".", f.field));
    }
    if (scope_.event != nullptr) {
      for (const EventAttribute& a : scope_.event->attributes) names.push_back("event." + a.name);
    }
    for (const DimensionInfo& d : *scope_.dimensions) names.push_back("segment." + d.id);
    return names;
  }

  bool EventAvailable(std::string_view event) const {
    if (event == "purchase") return scope_.purchase;
    if (event == "interaction") return scope_.interaction;
    return scope_.feedback;
  }

  static std::string_view EventHome(std::string_view event) {
    if (event == "purchase") return "loyalty earning rules";
    if (event == "interaction") return "interaction rules";
    return "improvement rules";
  }

  uint32_t CompileName(const AstNode& ast) {
    std::vector<std::string> parts = SplitName(ast.text);
    const std::string& head = parts[0];
    if (parts.size() == 1) {
      if (auto field = CustomerField(ast, head)) return *field;
      if (auto parameter = ParameterRef(ast, head)) return *parameter;
    }
    if (parts.size() == 2 && head == "customer") {
      if (auto field = CustomerField(ast, parts[1])) return *field;
    }
    if (parts.size() == 2 && (head == "params" || head == "param")) {
      if (auto parameter = ParameterRef(ast, parts[1])) return *parameter;
      return UnknownName(ast, parts[1], ast.name_parts[1],
                         StrCat("unknown parameter '", parts[1], "'"), ParameterNames());
    }
    if (head == "segment" || head == "segments") return SegmentRef(ast, parts);
    if (head == "points") return PointsRef(ast, parts);
    if (head == "purchase" || head == "interaction" || head == "feedback") {
      return EventRef(ast, parts);
    }
    if (head == "event") return CustomEventRef(ast, parts);
    if (head == "rfm") return RfmRef(ast, parts);
    for (const DimensionInfo& d : *scope_.dimensions) {
      if (d.id == ast.text) {
        Error(ast, StrCat("unknown field '", ast.text, "'; did you mean 'segment.", d.id, "'?"),
              "segments are read as segment.<dimension>");
        return Invalid(ast);
      }
    }
    return UnknownName(ast, ast.text, {ast.begin, ast.end},
                       StrCat("unknown field '", ast.text, "'"), KnownNames());
  }

  uint32_t UnknownName(const AstNode& ast, std::string_view word,
                       std::pair<uint32_t, uint32_t> span, std::string message,
                       const std::vector<std::string>& candidates) {
    std::string match = ClosestMatch(word, candidates);
    std::string hint = "the names you can use are listed in docs/rules.md";
    if (!match.empty()) {
      StrAppend(&message, "; did you mean '", match, "'?");
      hint = "";
    }
    if (word.find_first_of("0123456789") == std::string_view::npos && match.empty() &&
        candidates.size() < 12) {
      hint = StrCat("known here: ", StrJoin(candidates, ", "));
    }
    Error(span.first, span.second, std::move(message), std::move(hint));
    return Invalid(ast);
  }

  std::vector<std::string> ParameterNames() const {
    std::vector<std::string> names;
    for (const auto& [name, parameter] : *scope_.parameters) names.push_back(name);
    return names;
  }

  std::optional<uint32_t> CustomerField(const AstNode& ast, std::string_view name) {
    for (const auto& field : program_internal::CustomerFields()) {
      if (field.name != name) continue;
      if ((name == "qualifying_points" || name == "qualifying_spent") &&
          scope_.tier_window != nullptr && !*scope_.tier_window) {
        Warn(ast,
             StrCat(name, " is always 0 in this ruleset: its tiers qualify on the balance, "
                          "not over a window of months"),
             StrCat(name, " counts over the months of the loyalty file's tier_policy, e.g. "
                          "qualify_on: points earned in 12 months; for the balance read points"));
      }
      Node n = Base(ast, CustomerFieldType(field.op));
      n.op = field.op;
      n.field = field.member;
      n.domain = name == "tier" || name == "previous_tier" ? Domain::kTier
                                                           : CustomerFieldDomain(field.op);
      return program_->Add(n);
    }
    return std::nullopt;
  }

  std::optional<uint32_t> ParameterRef(const AstNode& ast, std::string_view name) {
    auto it = scope_.parameters->find(name);
    if (it == scope_.parameters->end()) return std::nullopt;
    if (scope_.parameters_read != nullptr) scope_.parameters_read->emplace_back(name);
    Node n = Base(ast, it->second.type);
    n.constant = it->second.value;
    return program_->Add(n);
  }

  // points.available, .pending, .lifetime, .owed, .balance and
  // .expiring_<N>d (the points leaving within N days).
  // rfm.r, rfm.f, rfm.m: the customer's RFM scores, with an rfm file.
  uint32_t RfmRef(const AstNode& ast, const std::vector<std::string>& parts) {
    const std::string_view part = parts.size() == 2 ? std::string_view(parts[1]) : "";
    if (part != "r" && part != "f" && part != "m") {
      return UnknownName(ast, ast.text, {ast.begin, ast.end},
                         StrCat("unknown RFM score '", ast.text, "'"), {"rfm.r", "rfm.f", "rfm.m"});
    }
    if (!scope_.rfm) {
      Error(ast, StrCat(ast.text, " needs an rfm file"),
            "add a file with kind: rfm that says how recency, frequency and monetary are "
            "scored (docs/rules.md, RFM scores)");
      return Invalid(ast);
    }
    return *CustomerField(ast, StrCat("rfm.", part));
  }

  uint32_t PointsRef(const AstNode& ast, const std::vector<std::string>& parts) {
    static const std::vector<std::string> kNames = {"available", "pending", "lifetime", "owed",
                                                    "balance",   "expiring_30d"};
    const std::string_view part = parts.size() == 2 ? std::string_view(parts[1]) : "";
    if (part == "balance") return *CustomerField(ast, "points");
    if (part == "pending" || part == "lifetime" || part == "owed") {
      return *CustomerField(ast, StrCat("points_", part));
    }
    Node n = Base(ast, ValueType::kInt);
    if (part == "available") {
      n.op = Op::kPointsAvailable;
      return program_->Add(n);
    }
    if (part.starts_with("expiring_") && part.ends_with("d")) {
      const std::string_view digits = part.substr(9, part.size() - 10);
      int64_t days = 0;
      if (!ParseInteger(digits, &days) || days < 1 || days > 3660) {
        Error(ast.name_parts.back().first, ast.name_parts.back().second,
              StrCat("'", part, "' needs a whole number of days from 1 to 3660"),
              "e.g. points.expiring_30d: the points that leave within 30 days");
        return Invalid(ast);
      }
      n.op = Op::kPointsExpiring;
      n.field = static_cast<uint32_t>(days);
      return program_->Add(n);
    }
    if (parts.size() != 2) {
      Error(ast, StrCat("'", ast.text, "' is not a points balance"),
            "write points.<balance>, e.g. points.available");
      return Invalid(ast);
    }
    std::string match = ClosestMatch(part, kNames);
    if (match.empty() && part.starts_with("expiring")) match = "expiring_30d";
    Error(ast.name_parts.back().first, ast.name_parts.back().second,
          StrCat("unknown points balance '", part, "'",
                 match.empty() ? std::string() : StrCat("; did you mean '", match, "'?")),
          "the balances are points.available, .pending, .lifetime, .owed, .balance and "
          ".expiring_<N>d (N days, e.g. points.expiring_30d)");
    return Invalid(ast);
  }

  uint32_t SegmentRef(const AstNode& ast, const std::vector<std::string>& parts) {
    if (parts.size() != 2) {
      Error(ast, StrCat("'", ast.text, "' is not a segment reference"),
            "write segment.<dimension>, e.g. segment.life_stage");
      return Invalid(ast);
    }
    const auto& dimensions = *scope_.dimensions;
    for (uint32_t i = 0; i < dimensions.size(); ++i) {
      if (dimensions[i].id != parts[1]) continue;
      if (scope_.referenced_dimensions != nullptr) scope_.referenced_dimensions->push_back(i);
      Node n = Base(ast, dimensions[i].collect ? ValueType::kSegmentSet : ValueType::kString);
      n.op = Op::kSegment;
      n.field = i;
      n.domain = Domain::kSegment;
      return program_->Add(n);
    }
    std::vector<std::string> ids;
    for (const DimensionInfo& d : dimensions) ids.push_back(d.id);
    return UnknownName(ast, parts[1], ast.name_parts[1],
                       StrCat("unknown segmentation dimension '", parts[1], "'"), ids);
  }

  uint32_t EventRef(const AstNode& ast, const std::vector<std::string>& parts) {
    const std::string& event = parts[0];
    if (!EventAvailable(event)) {
      Error(ast, StrCat("there is no ", event, " here: ", event,
                              " is only known in ", EventHome(event)),
            "rules of other kinds look at the customer only");
      return Invalid(ast);
    }
    std::string_view field = parts.size() > 1 ? std::string_view(parts[1]) : "";
    for (const EventField& f : kEventFields) {
      if (f.event != event || f.field != field || parts.size() > 2) continue;
      Node n = Base(ast, f.type);
      n.op = f.op;
      n.domain = f.domain;
      return program_->Add(n);
    }
    std::vector<std::string> fields;
    for (const EventField& f : kEventFields) {
      if (f.event == event && !f.field.empty()) fields.emplace_back(f.field);
    }
    return UnknownName(ast, field, ast.name_parts.back(),
                       StrCat("unknown ", event, " field '", field, "'"), fields);
  }

  // event.<attribute> of the custom event an event earning rule earns on.
  uint32_t CustomEventRef(const AstNode& ast, const std::vector<std::string>& parts) {
    const EventType* type = scope_.event;
    if (type == nullptr) {
      Error(ast, "there is no event here: event.<attribute> is only known in event earning rules",
            "an events file's earning rules read the attributes of the event they are 'on'");
      return Invalid(ast);
    }
    const std::string_view attribute = parts.size() > 1 ? std::string_view(parts[1]) : "";
    const int index = parts.size() == 2 ? type->FindAttribute(attribute) : -1;
    if (index < 0) {
      std::vector<std::string> names;
      for (const EventAttribute& a : type->attributes) names.push_back(a.name);
      const std::string message =
          parts.size() == 1
              ? StrCat("'event' alone is not a value; name an attribute of ", type->name,
                       ", e.g. event.", names.empty() ? "<attribute>" : names[0])
              : StrCat("a ", type->name, " event has no attribute '", attribute, "'");
      if (names.empty()) {
        Error(ast, message, StrCat("the type ", type->name, " declares no attributes"));
        return Invalid(ast);
      }
      return UnknownName(ast, attribute, ast.name_parts.back(), message, names);
    }
    Node n;
    switch (type->attributes[index].type) {
      case AttributeType::kNumber:
        n = Base(ast, ValueType::kDecimal);
        n.op = Op::kEventNumber;
        break;
      case AttributeType::kDate:
        n = Base(ast, ValueType::kDate);
        n.op = Op::kEventDate;
        break;
      case AttributeType::kText:
      case AttributeType::kCustomer:
        n = Base(ast, ValueType::kString);
        n.op = Op::kEventText;
        break;
    }
    n.field = static_cast<uint32_t>(index);
    return program_->Add(n);
  }

  // ---- operators ----
  uint32_t CompileUnary(const AstNode& ast) {
    uint32_t operand = Compile(*ast.children[0]);
    if (invalid(operand)) return Invalid(ast);
    if (ast.op == Operator::kNot) {
      if (!ExpectType(operand, *ast.children[0], ValueType::kBool, "'not' needs a condition"))
        return Invalid(ast);
      Node n = Base(ast, ValueType::kBool);
      n.op = Op::kNot;
      n.a = operand;
      return Emit(n, ast);
    }
    if (!IsNumber(type(operand))) {
      Error(ast, StrCat("'", OperatorText(ast.op), "' needs a number, not ",
                              TypeName(type(operand))));
      return Invalid(ast);
    }
    if (ast.op == Operator::kPlus) return operand;
    Node n = Base(ast, type(operand));
    n.op = Op::kNeg;
    n.a = operand;
    return Emit(n, ast);
  }

  bool ExpectType(uint32_t index, const AstNode& ast, ValueType expected,
                  std::string_view what) {
    if (type(index) == expected) return true;
    Error(ast, StrCat(what, "; this is a ", TypeName(type(index))),
          expected == ValueType::kBool ? "compare it with something, e.g. age < 40" : "");
    return false;
  }

  uint32_t CompileBinary(const AstNode& ast) {
    const AstNode& lhs_ast = *ast.children[0];
    const AstNode& rhs_ast = *ast.children[1];
    uint32_t lhs = Compile(lhs_ast);
    uint32_t rhs = Compile(rhs_ast);
    if (invalid(lhs) || invalid(rhs)) return Invalid(ast);
    switch (ast.op) {
      case Operator::kAnd:
      case Operator::kOr: {
        bool ok = ExpectType(lhs, lhs_ast, ValueType::kBool,
                             StrCat("'", OperatorText(ast.op), "' joins conditions"));
        ok = ExpectType(rhs, rhs_ast, ValueType::kBool,
                        StrCat("'", OperatorText(ast.op), "' joins conditions")) && ok;
        if (!ok) return Invalid(ast);
        Node n = Base(ast, ValueType::kBool);
        n.op = ast.op == Operator::kAnd ? Op::kAnd : Op::kOr;
        n.a = lhs;
        n.b = rhs;
        return Emit(n, ast);
      }
      case Operator::kEq: case Operator::kNe: case Operator::kLt:
      case Operator::kLe: case Operator::kGt: case Operator::kGe:
        return CompileComparison(ast, lhs, rhs);
      case Operator::kIn:
      case Operator::kNotIn: return CompileIn(ast, lhs, rhs);
      case Operator::kContains:
      case Operator::kContainsAny:
      case Operator::kContainsAll: return CompileContains(ast, lhs, rhs);
      default: return CompileArithmetic(ast, lhs, rhs);
    }
  }

  // Turns a constant text operand into a date when the other side is a
  // date ("2000-01-01"). Returns false after reporting when it is no date.
  bool CoerceToDate(uint32_t* index, const AstNode& ast) {
    if (type(*index) != ValueType::kString || !IsConst(*index)) return false;
    absl::StatusOr<Date> date = Date::Parse(node(*index).constant.s());
    if (!date.ok()) {
      Error(ast, std::string(date.status().message()));
      *index = Invalid(ast);
      return false;
    }
    Node n = node(*index);
    n.type = ValueType::kDate;
    n.constant = Value::Number(date->days());
    *index = program_->Add(n);
    return true;
  }

  // Checks constant text compared with a field that has a known set of
  // values; rewrites Chinese spellings (低) to canonical ones (low).
  bool CheckDomain(uint32_t field, uint32_t* text_index, const AstNode& text_ast) {
    const Node& f = node(field);
    if (f.domain == Domain::kNone || !IsConst(*text_index) ||
        type(*text_index) != ValueType::kString) {
      return true;
    }
    std::string_view value = node(*text_index).constant.s();
    absl::StatusOr<std::string_view> canonical = Canonical(f, value);
    if (!canonical.ok()) {
      Error(text_ast, std::string(canonical.status().message()), DomainHint(f));
      return false;
    }
    if (*canonical != value) {
      Node n = node(*text_index);
      n.constant.SetText(*canonical);
      *text_index = program_->Add(n);
    }
    return true;
  }

  absl::StatusOr<std::string_view> Canonical(const Node& field, std::string_view value) {
    switch (field.domain) {
      case Domain::kConsumption: {
        auto parsed = ParseConsumption(value);
        if (!parsed.ok()) return parsed.status();
        return ConsumptionName(*parsed);
      }
      case Domain::kChannel: {
        auto parsed = ParseChannel(value);
        if (!parsed.ok()) return parsed.status();
        return ChannelName(*parsed);
      }
      case Domain::kFeedbackSource: {
        auto parsed = ParseFeedbackSource(value);
        if (!parsed.ok()) return parsed.status();
        return FeedbackSourceName(*parsed);
      }
      case Domain::kSegment: {
        const DimensionInfo& d = (*scope_.dimensions)[field.field];
        if (std::find(d.segments.begin(), d.segments.end(), value) != d.segments.end()) {
          return value;
        }
        return absl::InvalidArgumentError(
            StrCat("'", value, "' is not a segment of dimension '", d.id, "'",
                         DidYouMeanSuffix(value, d.segments)));
      }
      case Domain::kTier: {
        // "" is a customer without a tier.
        if (scope_.tiers == nullptr || value.empty() ||
            std::find(scope_.tiers->begin(), scope_.tiers->end(), value) != scope_.tiers->end()) {
          return value;
        }
        return absl::InvalidArgumentError(StrCat("'", value, "' is not a tier",
                                                 DidYouMeanSuffix(value, *scope_.tiers)));
      }
      case Domain::kNone: break;
    }
    return value;
  }

  std::string DomainHint(const Node& field) {
    if (field.domain == Domain::kSegment) {
      const DimensionInfo& d = (*scope_.dimensions)[field.field];
      return StrCat("segments of '", d.id, "': ", StrJoin(d.segments, ", "));
    }
    if (field.domain == Domain::kTier) {
      return StrCat("the tiers are: ", StrJoin(*scope_.tiers, ", "));
    }
    return "";
  }

  uint32_t CompileComparison(const AstNode& ast, uint32_t lhs, uint32_t rhs) {
    const AstNode& lhs_ast = *ast.children[0];
    const AstNode& rhs_ast = *ast.children[1];
    const bool equality = ast.op == Operator::kEq || ast.op == Operator::kNe;
    if (type(lhs) == ValueType::kDate) CoerceToDate(&rhs, rhs_ast);
    if (type(rhs) == ValueType::kDate) CoerceToDate(&lhs, lhs_ast);
    if (invalid(lhs) || invalid(rhs)) return Invalid(ast);
    ValueType lt = type(lhs), rt = type(rhs);
    if (lt == ValueType::kSegmentSet || rt == ValueType::kSegmentSet) {
      const AstNode& set_ast = lt == ValueType::kSegmentSet ? lhs_ast : rhs_ast;
      Error(ast, StrCat(set_ast.text, " can hold several segments"),
            StrCat("write \"<segment>\" in ", set_ast.text));
      return Invalid(ast);
    }
    bool numbers = IsNumber(lt) && IsNumber(rt);
    bool same = numbers || lt == rt;
    if (!same) {
      Error(ast, StrCat("cannot compare a ", TypeName(lt), " with a ", TypeName(rt)),
            MismatchHint(lhs, rhs));
      errors_->back().parameter = ParameterName(lhs, rhs);
      return Invalid(ast);
    }
    if (lt == ValueType::kStringList || lt == ValueType::kNumberList) {
      Error(ast, "lists cannot be compared with each other", "use 'in' to test membership");
      return Invalid(ast);
    }
    if (!equality && (lt == ValueType::kString || lt == ValueType::kBool)) {
      Error(ast, StrCat("a ", TypeName(lt), " can only be compared with == or !="));
      return Invalid(ast);
    }
    if (lt == ValueType::kString) {
      if (!CheckDomain(lhs, &rhs, rhs_ast) || !CheckDomain(rhs, &lhs, lhs_ast)) {
        return Invalid(ast);
      }
    }
    Node n = Base(ast, ValueType::kBool);
    n.a = lhs;
    n.b = rhs;
    if (lt == ValueType::kString) {
      n.op = ast.op == Operator::kEq ? Op::kStrEq : Op::kStrNe;
    } else {
      static constexpr std::pair<Operator, Op> kOps[] = {
          {Operator::kEq, Op::kEq}, {Operator::kNe, Op::kNe}, {Operator::kLt, Op::kLt},
          {Operator::kLe, Op::kLe}, {Operator::kGt, Op::kGt}, {Operator::kGe, Op::kGe}};
      for (const auto& [from, to] : kOps) {
        if (from == ast.op) n.op = to;
      }
    }
    Fuse(&n);
    return Emit(n, ast);
  }

  // Rewrites `field <op> constant` (either way round) into one fused node
  // that loads and compares without visiting its children.
  void Fuse(Node* n) {
    const Node* field = &node(n->a);
    const Node* constant = &node(n->b);
    Op compare = n->op;
    if (field->op == Op::kConst) {
      std::swap(field, constant);
      compare = program_internal::MirrorComparison(compare);
    }
    if (constant->op != Op::kConst || field->op == Op::kConst) return;
    Op fused;
    int64_t value = constant->constant.n;
    uint32_t member = field->field;
    switch (field->op) {
      case Op::kCustomerInt: fused = Op::kCompareCustomerInt; break;
      case Op::kCustomerDecimal: fused = Op::kCompareCustomerDecimal; break;
      case Op::kPurchaseAmount: fused = Op::kComparePurchaseAmount; break;
      case Op::kSegment: fused = Op::kCompareSegment; break;
      case Op::kCustomerConsumption:
      case Op::kCustomerChannel:
      case Op::kPurchaseChannel:
      case Op::kFeedbackSource: {
        fused = Op::kCompareEnum;
        member = field->op == Op::kCustomerConsumption ? 0
                 : field->op == Op::kCustomerChannel   ? 1
                 : field->op == Op::kPurchaseChannel   ? 2
                                                       : 3;
        value = EnumNumber(member, constant->constant.s());
        break;
      }
      default: return;
    }
    n->compare = compare;
    n->op = fused;
    n->field = member;
    n->constant = constant->constant;
    if (fused == Op::kCompareEnum) n->constant.n = value;
    if (fused == Op::kCompareSegment) {
      const std::vector<std::string>& names = (*scope_.dimensions)[member].segments;
      n->segment_index = static_cast<int32_t>(
          std::find(names.begin(), names.end(), constant->constant.s()) - names.begin());
    }
  }

  // The enum's numeric value for its canonical name (checked by CheckDomain).
  static int64_t EnumNumber(uint32_t which, std::string_view name) {
    if (which == 0) return static_cast<int64_t>(ParseConsumption(name).value_or(Consumption::kUnknown));
    if (which == 3) {
      return static_cast<int64_t>(ParseFeedbackSource(name).value_or(FeedbackSource::kUnknown));
    }
    return static_cast<int64_t>(ParseChannel(name).value_or(Channel::kUnknown));
  }

  // The parameter among the operands of a type error, if one of them is a
  // parameter's value (and the other is not).
  std::string ParameterName(uint32_t lhs, uint32_t rhs) const {
    auto name = [&](uint32_t side) -> std::string_view {
      const Node& n = node(side);
      if (n.op != Op::kConst) return "";
      std::string_view text = n.text;
      for (std::string_view prefix : {"params.", "param."}) {
        if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
      }
      return scope_.parameters->contains(text) ? text : "";
    };
    const std::string_view left = name(lhs), right = name(rhs);
    if (left.empty() == right.empty()) return "";
    return std::string(left.empty() ? right : left);
  }

  std::string MismatchHint(uint32_t lhs, uint32_t rhs) {
    for (uint32_t side : {lhs, rhs}) {
      const Node& n = node(side);
      if (n.op == Op::kConst && n.type == ValueType::kString &&
          Decimal::Parse(n.constant.s()).ok()) {
        return StrCat("remove the quotes to write the number ", n.constant.s());
      }
    }
    if (IsNumber(type(lhs)) || IsNumber(type(rhs))) {
      return "compare numbers with numbers; text values go in quotes and compare with text fields";
    }
    return "";
  }

  uint32_t CompileIn(const AstNode& ast, uint32_t lhs, uint32_t rhs) {
    const AstNode& lhs_ast = *ast.children[0];
    const AstNode& rhs_ast = *ast.children[1];
    const bool negate = ast.op == Operator::kNotIn;
    ValueType lt = type(lhs), rt = type(rhs);
    Node n = Base(ast, ValueType::kBool);
    n.a = lhs;
    n.b = rhs;
    n.field = negate ? 1 : 0;
    if (rt == ValueType::kSegmentSet && lt == ValueType::kString) {
      return SegmentHas(ast, lhs, lhs_ast, rhs, negate);
    }
    if (rt == ValueType::kStringList && lt == ValueType::kString) {
      if (node(lhs).domain != Domain::kNone) {
        std::vector<Value> items = *node(rhs).constant.list;
        for (Value& item : items) {
          absl::StatusOr<std::string_view> canonical = Canonical(node(lhs), item.s());
          if (!canonical.ok()) {
            Error(rhs_ast, std::string(canonical.status().message()), DomainHint(node(lhs)));
            return Invalid(ast);
          }
          item.SetText(*canonical);
        }
        Node list = node(rhs);
        list.constant.list = program_->AddList(std::move(items));
        n.b = program_->Add(list);
      }
      n.op = Op::kInStrList;
      return Emit(n, ast);
    }
    if (rt == ValueType::kNumberList && IsNumber(lt)) {
      n.op = Op::kInNumList;
      return Emit(n, ast);
    }
    if (rt == ValueType::kString && lt == ValueType::kString) {
      Error(ast, "'in' looks for an item in a list, and this is text",
            StrCat("to look for text inside text write: ",
                         text_.substr(rhs_ast.begin, rhs_ast.end - rhs_ast.begin), " contains ",
                         text_.substr(lhs_ast.begin, lhs_ast.end - lhs_ast.begin)));
      return Invalid(ast);
    }
    Error(ast, StrCat("cannot look for a ", TypeName(lt), " in a ", TypeName(rt)),
          "write value in [item, item, ...] with items of the same kind as the value");
    errors_->back().parameter = ParameterName(lhs, rhs);
    return Invalid(ast);
  }

  uint32_t SegmentHas(const AstNode& ast, uint32_t text, const AstNode& text_ast, uint32_t set,
                      bool negate) {
    if (!CheckDomain(set, &text, text_ast)) return Invalid(ast);
    Node has = Base(ast, ValueType::kBool);
    has.op = Op::kSegmentHas;
    has.field = node(set).field;
    has.a = text;
    has.compare = negate ? Op::kNe : Op::kEq;  // `not in` tests for absence
    return program_->Add(has);
  }

  uint32_t CompileContains(const AstNode& ast, uint32_t lhs, uint32_t rhs) {
    ValueType lt = type(lhs), rt = type(rhs);
    const char* op_text = OperatorText(ast.op);
    if (ast.op == Operator::kContains && lt == ValueType::kSegmentSet &&
        rt == ValueType::kString) {
      return SegmentHas(ast, rhs, *ast.children[1], lhs, false);
    }
    if (lt != ValueType::kString) {
      Error(*ast.children[0],
            StrCat("'", op_text, "' looks inside text; this is a ", TypeName(lt)),
            lt == ValueType::kStringList ? "to test list membership write: value in [..]" : "");
      return Invalid(ast);
    }
    ValueType wanted = ast.op == Operator::kContains ? ValueType::kString : ValueType::kStringList;
    if (rt != wanted) {
      Error(*ast.children[1],
            StrCat("'", op_text, "' needs ",
                         wanted == ValueType::kString ? "a text" : "a list of texts",
                         " here; this is a ", TypeName(rt)),
            wanted == ValueType::kString && rt == ValueType::kStringList
                ? "to look for any of several words write: contains any [..]"
                : "");
      return Invalid(ast);
    }
    Node n = Base(ast, ValueType::kBool);
    n.op = ast.op == Operator::kContains      ? Op::kContains
           : ast.op == Operator::kContainsAny ? Op::kContainsAny
                                              : Op::kContainsAll;
    n.a = lhs;
    n.b = rhs;
    if (n.op == Op::kContains) FuseContains(&n);
    return Emit(n, ast);
  }

  // `field contains "constant"` becomes one node that reads the field.
  void FuseContains(Node* n) {
    const Node& text = node(n->a);
    const Node& needle = node(n->b);
    if (needle.op != Op::kConst) return;
    using program_internal::TextSource;
    TextSource source;
    switch (text.op) {
      case Op::kInteractionText: source = TextSource::kInteraction; break;
      case Op::kFeedbackText: source = TextSource::kFeedback; break;
      case Op::kFeedbackProduct: source = TextSource::kFeedbackProduct; break;
      case Op::kPurchaseProduct: source = TextSource::kPurchaseProduct; break;
      case Op::kPurchaseCategory: source = TextSource::kPurchaseCategory; break;
      case Op::kCustomerString:
        source = static_cast<TextSource>(static_cast<uint32_t>(TextSource::kCustomerString0) +
                                         text.field);
        break;
      default: return;
    }
    n->op = Op::kContainsText;
    n->field = static_cast<uint32_t>(source);
    n->constant = needle.constant;
  }

  uint32_t CompileArithmetic(const AstNode& ast, uint32_t lhs, uint32_t rhs) {
    ValueType lt = type(lhs), rt = type(rhs);
    if (!IsNumber(lt) || !IsNumber(rt)) {
      const AstNode& bad = IsNumber(lt) ? *ast.children[1] : *ast.children[0];
      Error(bad, StrCat("'", OperatorText(ast.op), "' works on numbers; this is a ",
                              TypeName(IsNumber(lt) ? rt : lt)));
      return Invalid(ast);
    }
    Node n = Base(ast, (lt == ValueType::kInt && rt == ValueType::kInt && ast.op != Operator::kDiv)
                           ? ValueType::kInt
                           : ValueType::kDecimal);
    static constexpr std::pair<Operator, Op> kOps[] = {
        {Operator::kAdd, Op::kAdd}, {Operator::kSub, Op::kSub}, {Operator::kMul, Op::kMul},
        {Operator::kDiv, Op::kDiv}, {Operator::kMod, Op::kMod}};
    for (const auto& [from, to] : kOps) {
      if (from == ast.op) n.op = to;
    }
    // A divisor that is always 0 would fail every evaluation that reaches
    // it: refuse it now (a constant dividend is folded, and refused, in
    // Emit).
    if ((n.op == Op::kDiv || n.op == Op::kMod) && IsConst(rhs) && node(rhs).constant.n == 0 &&
        !IsConst(lhs)) {
      Error(*ast.children[1], "this cannot be computed: division by zero (the divisor is always 0)",
            "divide by a number other than 0");
      return Invalid(ast);
    }
    n.a = lhs;
    n.b = rhs;
    return Emit(n, ast);
  }

  // ---- functions ----
  uint32_t CompileCall(const AstNode& ast) {
    std::vector<uint32_t> args;
    bool ok = true;
    for (const auto& child : ast.children) {
      args.push_back(Compile(*child));
      ok = ok && !invalid(args.back());
    }
    if (!ok) return Invalid(ast);
    const std::string& name = ast.text;
    Node n = Base(ast, ValueType::kInvalid);
    auto arity = [&](size_t min, size_t max, std::string_view usage) {
      if (args.size() >= min && args.size() <= max) return true;
      Error(ast, StrCat(name, "() takes ", min == max ? std::to_string(min) : "",
                              min == max ? "" : StrCat(min, " or more"),
                              min == 1 && max == 1 ? " argument" : " arguments", ", not ",
                              args.size()),
            StrCat("write ", usage));
      return false;
    };
    auto numeric = [&](size_t i) {
      if (IsNumber(type(args[i]))) return true;
      Error(*ast.children[i], StrCat(name, "() needs a number here; this is a ",
                                           TypeName(type(args[i]))));
      return false;
    };
    auto date = [&](size_t i) {
      if (type(args[i]) == ValueType::kDate) return true;
      if (CoerceToDate(&args[i], *ast.children[i])) return true;
      if (!invalid(args[i])) {
        Error(*ast.children[i], StrCat(name, "() needs a date here; this is a ",
                                             TypeName(type(args[i]))),
              "dates are fields such as birthday, or text like \"2026-01-31\"");
      }
      return false;
    };
    if (name == "min" || name == "max") {
      if (!arity(2, 64, StrCat(name, "(a, b, ...)"))) return Invalid(ast);
      bool all_int = true;
      for (size_t i = 0; i < args.size(); ++i) {
        if (!numeric(i)) return Invalid(ast);
        all_int = all_int && type(args[i]) == ValueType::kInt;
      }
      n.op = name == "min" ? Op::kMin : Op::kMax;
      n.type = all_int ? ValueType::kInt : ValueType::kDecimal;
      n.args_begin = program_->AddArgs(args);
      n.args_count = static_cast<uint32_t>(args.size());
      return Emit(n, ast);
    }
    if (name == "abs" || name == "floor" || name == "ceil") {
      if (!arity(1, 1, StrCat(name, "(number)")) || !numeric(0)) return Invalid(ast);
      n.op = name == "abs" ? Op::kAbs : name == "floor" ? Op::kFloor : Op::kCeil;
      n.type = name == "abs" ? type(args[0]) : ValueType::kInt;
      n.a = args[0];
      return Emit(n, ast);
    }
    if (name == "round") {
      if (!arity(1, 2, "round(number) or round(number, digits)") || !numeric(0)) {
        return Invalid(ast);
      }
      n.op = Op::kRound;
      n.a = args[0];
      n.type = ValueType::kInt;
      if (args.size() == 2) {
        const Node& digits = node(args[1]);
        if (digits.op != Op::kConst || digits.type != ValueType::kInt ||
            digits.constant.n < 0 || digits.constant.n > 4 * Decimal::kScale) {
          Error(*ast.children[1], "the digits of round() must be a whole number from 0 to 4");
          return Invalid(ast);
        }
        n.field = static_cast<uint32_t>(digits.constant.n / Decimal::kScale);
        n.type = n.field == 0 ? ValueType::kInt : ValueType::kDecimal;
      }
      return Emit(n, ast);
    }
    if (name == "lower") {
      if (!arity(1, 1, "lower(text)")) return Invalid(ast);
      if (type(args[0]) != ValueType::kString) {
        Error(*ast.children[0], StrCat("lower() needs text; this is a ",
                                             TypeName(type(args[0]))));
        return Invalid(ast);
      }
      n.op = Op::kLower;
      n.type = ValueType::kString;
      n.a = args[0];
      return Emit(n, ast);
    }
    if (name == "len") {
      if (!arity(1, 1, "len(text)")) return Invalid(ast);
      n.type = ValueType::kInt;
      ValueType t = type(args[0]);
      if (t == ValueType::kSegmentSet) {
        n.op = Op::kSegmentCount;
        n.field = node(args[0]).field;
        return program_->Add(n);
      }
      if (t == ValueType::kStringList || t == ValueType::kNumberList) {
        n.op = Op::kConst;
        n.constant.n = static_cast<int64_t>(node(args[0]).constant.list->size()) * Decimal::kScale;
        return program_->Add(n);
      }
      if (t != ValueType::kString) {
        Error(*ast.children[0], StrCat("len() counts the characters of text or the items "
                                             "of a list; this is a ", TypeName(t)));
        return Invalid(ast);
      }
      n.op = Op::kLen;
      n.a = args[0];
      return Emit(n, ast);
    }
    if (name == "days_since" || name == "year" || name == "month" || name == "day") {
      if (!arity(1, 1, StrCat(name, "(date)")) || !date(0)) return Invalid(ast);
      n.op = name == "days_since" ? Op::kDaysSince
             : name == "year"     ? Op::kYear
             : name == "month"    ? Op::kMonth
                                  : Op::kDay;
      n.type = ValueType::kInt;
      n.a = args[0];
      if (n.op == Op::kDaysSince) return program_->Add(n);  // depends on today
      return Emit(n, ast);
    }
    if (name == "weekday" || name == "start_of_month" || name == "end_of_month" ||
        name == "days_until" || name == "days_until_birthday") {
      if (!arity(1, 1, StrCat(name, "(date)")) || !date(0)) return Invalid(ast);
      const bool to_date = name == "start_of_month" || name == "end_of_month";
      n.op = name == "weekday"          ? Op::kWeekday
             : name == "start_of_month" ? Op::kStartOfMonth
             : name == "end_of_month"   ? Op::kEndOfMonth
             : name == "days_until"     ? Op::kDaysUntil
                                        : Op::kDaysUntilBirthday;
      n.type = to_date ? ValueType::kDate : ValueType::kInt;
      n.a = args[0];
      // Those that count from today are not folded.
      if (n.op == Op::kDaysUntil || n.op == Op::kDaysUntilBirthday) return program_->Add(n);
      return Emit(n, ast);
    }
    if (name == "today") {
      if (!arity(0, 0, "today()")) return Invalid(ast);
      n.op = Op::kToday;
      n.type = ValueType::kDate;
      return program_->Add(n);
    }
    for (const FactFunction& fact : FactFunctions()) {
      if (fact.name == name) return CompileFact(ast, fact, args);
    }
    return UnknownName(ast, name, ast.name_parts[0],
                       StrCat("unknown function '", name, "'"), FunctionNames());
  }

  // purchases_in_last(30), interactions_in_last(30, "negative_review"),
  // satisfaction_days_ago(window): a windowed fact, whose window is fixed
  // when the rules load so that the store knows how far back to read.
  uint32_t CompileFact(const AstNode& ast, const FactFunction& fact,
                       const std::vector<uint32_t>& args) {
    if (fact.kind == FactKind::kDaysSinceLastEvent)
      return CompileDaysSinceLastEvent(ast, fact, args);
    const bool keyable = fact.kind == FactKind::kInteractions;
    const bool typed = fact.kind == FactKind::kEvents;
    const std::string usage =
        keyable      ? StrCat(fact.name, "(days) or ", fact.name, "(days, \"interaction rule\")")
        : typed      ? StrCat(fact.name, "(days, \"event type\")")
        : fact.words ? StrCat(fact.name, "(days, [\"phrase\", ...])")
                     : StrCat(fact.name, "(days)");
    const size_t least = fact.words || typed ? 2 : 1;
    const size_t most = keyable || typed || fact.words ? 2 : 1;
    if (args.size() < least || args.size() > most) {
      Error(ast,
            StrCat(fact.name, "() takes ",
                   least == most ? StrCat(least, least == 1 ? " argument" : " arguments")
                                 : StrCat(least, " or ", most, " arguments"),
                   ", not ", args.size()),
            StrCat("write ", usage));
      return Invalid(ast);
    }
    if (IsProductFact(fact.kind) && !scope_.feedback) {
      Error(ast,
            StrCat(fact.name,
                   "() is about the product of the feedback: it is only known in "
                   "improvement rules"),
            "rules of other kinds look at the customer's facts, e.g. purchases_in_last(30)");
      return Invalid(ast);
    }
    const Node& days = node(args[0]);
    if (days.op != Op::kConst || days.type != ValueType::kInt ||
        days.constant.n < Decimal::kScale ||
        days.constant.n > int64_t{kMaxFactDays} * Decimal::kScale) {
      Error(*ast.children[0],
            StrCat("the window of ", fact.name, "() must be a whole number of days from 1 to ",
                   kMaxFactDays, ", fixed when the rules load"),
            StrCat("write a number or a parameter, e.g. ", fact.name, "(30)"));
      return Invalid(ast);
    }
    FactRequest request;
    request.kind = fact.kind;
    request.days = static_cast<int32_t>(days.constant.n / Decimal::kScale);
    if (fact.words && !FactWords(*ast.children[1], args[1], &request)) return Invalid(ast);
    if (keyable && args.size() == 2 && !FactKey(*ast.children[1], args[1], &request)) {
      return Invalid(ast);
    }
    if (typed && !FactEventType(*ast.children[1], args[1], fact, &request)) return Invalid(ast);
    return AddFact(ast, fact, std::move(request));
  }

  // days_since_last_event("type"): no window; the store keeps each type's
  // latest day.
  uint32_t CompileDaysSinceLastEvent(const AstNode& ast, const FactFunction& fact,
                                     const std::vector<uint32_t>& args) {
    if (args.size() != 1) {
      Error(ast, StrCat(fact.name, "() takes 1 argument, not ", args.size()),
            StrCat("write ", fact.name, "(\"event type\"), e.g. ", fact.name, "(\"app_login\")"));
      return Invalid(ast);
    }
    FactRequest request;
    request.kind = fact.kind;
    if (!FactEventType(*ast.children[0], args[0], fact, &request)) return Invalid(ast);
    return AddFact(ast, fact, std::move(request));
  }

  // The event type a fact counts: fixed text naming a declared type.
  bool FactEventType(const AstNode& ast, uint32_t arg, const FactFunction& fact,
                     FactRequest* request) {
    const Node& type = node(arg);
    if (type.op != Op::kConst || type.type != ValueType::kString) {
      Error(ast, StrCat("the event type of ", fact.name, "() is fixed text"),
            StrCat("e.g. ", fact.name,
                   fact.kind == FactKind::kEvents ? "(30, \"review\")" : "(\"review\")"));
      return false;
    }
    request->keyed = true;
    request->key = std::string(type.constant.s());
    const std::vector<std::string>* types = scope_.event_types;
    if (types != nullptr && std::find(types->begin(), types->end(), request->key) == types->end()) {
      Error(ast,
            StrCat("'", request->key, "' is not an event type",
                   DidYouMeanSuffix(request->key, *types)),
            types->empty() ? "this ruleset declares no event types (an events file's 'types:')"
                           : StrCat("its event types are: ", StrJoin(*types, ", ")));
      return false;
    }
    return true;
  }

  // The fact's node, reading the ruleset's facts by index (the same fact
  // twice is read once).
  uint32_t AddFact(const AstNode& ast, const FactFunction& fact, FactRequest request) {
    if (scope_.facts == nullptr) {
      Error(ast, StrCat(fact.name, "() cannot be used here"),
            "facts over time are read in rule conditions and formulas");
      return Invalid(ast);
    }
    std::vector<FactRequest>& facts = *scope_.facts;
    auto found = std::find(facts.begin(), facts.end(), request);
    if (found == facts.end()) {
      if (facts.size() == kMaxFacts) {
        Error(ast,
              StrCat("a ruleset can read at most ", kMaxFacts,
                     " different facts over time; this would be one more"),
              "use the same windows in several rules: each distinct window counts once");
        return Invalid(ast);
      }
      found = facts.insert(facts.end(), request);
    }
    Node n = Base(ast, fact.decimal ? ValueType::kDecimal : ValueType::kInt);
    n.op = Op::kFact;
    n.field = static_cast<uint32_t>(found - facts.begin());
    return program_->Add(n);  // depends on the customer's history and today: never folded
  }

  // The phrases of product_feedback_share(days, words): fixed text, or a
  // list of it (a parameter's included).
  bool FactWords(const AstNode& ast, uint32_t arg, FactRequest* request) {
    const Node& words = node(arg);
    if (words.op == Op::kConst && words.type == ValueType::kString && words.constant.size > 0) {
      request->words.emplace_back(words.constant.s());
    } else if (words.op == Op::kConst && words.type == ValueType::kStringList) {
      for (const Value& word : *words.constant.list) {
        if (word.size > 0) request->words.emplace_back(word.s());
      }
    }
    for (const std::string& word : request->words) {
      if (word.find('\x1f') == std::string::npos) continue;
      Error(ast, "a phrase to look for cannot hold the control character U+001F",
            "write the phrase without it");
      return false;
    }
    if (request->words.empty()) {
      Error(ast, "the second argument is the phrases to look for, as fixed text",
            "e.g. [\"太贵\", \"价格高\"], or a parameter holding such a list");
      return false;
    }
    request->key = PhraseListKey(&request->words);
    return true;
  }

  // The interaction rule of interactions_in_last(days, "rule").
  bool FactKey(const AstNode& ast, uint32_t arg, FactRequest* request) {
    const Node& key = node(arg);
    if (key.op != Op::kConst || key.type != ValueType::kString) {
      Error(ast, "the second argument names an interaction rule, as fixed text",
            "e.g. interactions_in_last(30, \"negative_review\")");
      return false;
    }
    request->keyed = true;
    request->key = std::string(key.constant.s());
    const std::vector<std::string>* rules = scope_.interaction_rules;
    if (rules != nullptr && std::find(rules->begin(), rules->end(), request->key) == rules->end()) {
      Error(ast,
            StrCat("'", request->key, "' is not an interaction rule",
                   DidYouMeanSuffix(request->key, *rules)),
            rules->empty() ? "this ruleset has no interaction rules"
                           : StrCat("its interaction rules are: ", StrJoin(*rules, ", ")));
      return false;
    }
    return true;
  }

  std::string_view text_;
  const Scope& scope_;
  Program* program_;
  std::vector<CompileError>* errors_;
};

}  // namespace

const std::vector<std::string>& FunctionNames() {
  static const auto* const kNames = [] {
    auto* names = new std::vector<std::string>{"min",          "max",        "abs",
                                               "round",        "floor",      "ceil",
                                               "lower",        "len",        "days_since",
                                               "year",         "month",      "day",
                                               "today",        "weekday",    "start_of_month",
                                               "end_of_month", "days_until", "days_until_birthday"};
    for (const FactFunction& fact : FactFunctions()) names->emplace_back(fact.name);
    return names;
  }();
  return *kNames;
}

Compiled CompileExpression(std::string_view text, const Scope& scope,
                           const parser_internal::ParseLimits& limits, Program* program,
                           std::vector<CompileError>* errors) {
  Compiled compiled;
  compiled.text = program->Intern(std::string(text));
  parser_internal::ParseResult parsed = parser_internal::ParseExpression(compiled.text, limits);
  if (parsed.root == nullptr) {
    errors->push_back({parsed.error.begin, parsed.error.end, std::move(parsed.error.message),
                       std::move(parsed.error.hint)});
    return compiled;
  }
  size_t errors_before = errors->size();
  Compiler compiler(compiled.text, scope, program, errors);
  compiled.root = compiler.Compile(*parsed.root);
  compiled.type = errors->size() > errors_before ? ValueType::kInvalid
                                                 : compiler.node(compiled.root).type;
  return compiled;
}

}  // namespace clientele::rules::compiler_internal
