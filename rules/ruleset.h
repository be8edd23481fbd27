// A compiled, checked ruleset: the directory of YAML rule files that
// marketing edits (docs/rules.md), loaded once and evaluated many times.
//
// Loading parses every file, checks the whole set (YAML, keys, names,
// types, duplicate ids, unreachable rules, missing defaults, cycles) and
// reports every problem as a Diagnostic. Only a set without errors is
// compiled into a RuleSet; warnings do not stop it.
//
// A RuleSet is immutable and safe to share between threads: evaluate it
// from as many threads as you like, each with its own Decision. Hold it by
// shared_ptr so that a newer version can replace it while evaluations of the
// old one finish.
#ifndef CLIENTELE_RULES_RULESET_H_
#define CLIENTELE_RULES_RULESET_H_

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rules/customer.h"
#include "rules/decision.h"
#include "rules/diagnostic.h"
#include "rules/events.h"
#include "rules/history.h"
#include "rules/offers.h"
#include "rules/points.h"
#include "rules/rfm.h"
#include "rules/tiers.h"

namespace clientele::rules {

struct LoadOptions {
  size_t max_file_bytes = 1 << 20;     // per rule file
  size_t max_files = 256;
  size_t max_expression_bytes = 4096;  // per condition or formula
  int max_expression_depth = 64;       // nesting of (), operators and calls
  // The most work units one evaluation may take (RuleSet::WorkBound); 0:
  // no limit. A ruleset whose rules alone, with every text empty, would
  // take more does not load; an evaluation whose texts would take it over
  // is refused.
  uint64_t max_evaluation_work = 0;
  // Values that replace those of the parameters files (name -> the value
  // as YAML text, e.g. "35" or "[a, b]"); rule tests use them. Naming a
  // parameter that does not exist is an error.
  std::map<std::string, std::string> parameter_overrides = {};
};

// One rule file: its name as shown in diagnostics, and its text.
struct RuleSource {
  std::string path;
  std::string content;
};

// What one evaluation looks at. Pointers are borrowed for the call only;
// events are optional (null: no such event). `today` makes evaluation
// deterministic: days_since(), validity windows and today() use it.
struct EvalInput {
  const Customer* customer = nullptr;   // REQUIRED
  const Purchase* purchase = nullptr;
  const Interaction* interaction = nullptr;
  const Feedback* feedback = nullptr;
  Date today;                           // REQUIRED to be known
  // The time of day in the ruleset's time zone, in minutes after midnight
  // (RuleSet::LocalTimeAt); -1: unknown, and offers limited to hours are
  // then not given.
  int32_t minute = -1;
  // The amount offers' values are computed for when there is no purchase
  // (a basket); without either, values are nominal (OfferGrant::value).
  std::optional<Decimal> basket_amount = std::nullopt;
  // The channel offers' budgets are counted in when there is no purchase
  // (a purchase's own channel counts otherwise).
  Channel channel = Channel::kUnknown;
  // How much of each offer's limits and budgets is used (rules/offers.h);
  // empty: nothing.
  OfferUsage offer_usage = {};
  // A custom event (MakeEvent with a type of EventTypes()); its earning
  // rules run, and use `event_usage` of their limits.
  // Not with a purchase: they are evaluated separately.
  const CustomEvent* event = nullptr;
  EventUsage event_usage = {};
};

class RuleSet;
struct RuleSetData;

struct LoadResult {
  std::shared_ptr<const RuleSet> ruleset;  // null iff diagnostics hold an error
  std::vector<Diagnostic> diagnostics;     // errors and warnings, by file and line
  bool ok() const { return ruleset != nullptr; }
};

class RuleSet {
 public:
  // Loads every *.yaml / *.yml file directly inside `directory` (hidden
  // files skipped), in name order.
  static LoadResult LoadDirectory(const std::filesystem::path& directory,
                                  const LoadOptions& options = {});
  // The files LoadDirectory reads: every *.yaml / *.yml file directly
  // inside `directory` (hidden files skipped, symlinks followed), in name
  // order. INVALID_ARGUMENT: not a directory; NOT_FOUND: no rule files;
  // UNAVAILABLE: it cannot be listed.
  static absl::StatusOr<std::vector<std::filesystem::path>> RuleFilePaths(
      const std::filesystem::path& directory);
  // A warning for every entry of `directory` named like a rule file that
  // RuleFilePaths leaves out because it cannot be read as one: a dangling
  // symbolic link, a link loop, a directory, a device. LoadDirectory
  // includes them, so that no file vanishes without a word.
  static std::vector<Diagnostic> SkippedRuleFiles(const std::filesystem::path& directory);
  // Loads rule files given in memory; `path` names them in diagnostics.
  static LoadResult LoadSources(std::vector<RuleSource> sources,
                                const LoadOptions& options = {});

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Content hash of the rule files (their names and bytes): 12 hex digits of
  // their SHA-256. The same files give the same version wherever they are.
  const std::string& version() const;
  const std::vector<RuleSource>& sources() const;

  // Evaluates every rule kind that applies to `input` into `*decision`
  // (cleared first). With `explanation`, also records every rule
  // considered and the values its condition saw (slower; allocates).
  // Returns INVALID_ARGUMENT for a missing customer or unknown date,
  // RESOURCE_EXHAUSTED (before any rule runs, *decision unchanged) when
  // WorkBound(input) is over work_limit(), and OUT_OF_RANGE when a rule's
  // arithmetic fails (overflow, division by zero), naming the rule;
  // *decision is then incomplete.
  absl::Status Evaluate(const EvalInput& input, Decision* decision,
                        Explanation* explanation = nullptr) const;

  // The most work evaluating `input` can take, in work units: one per
  // expression node, condition test, rule or list item, plus one per 16
  // bytes of every text searched, compared or copied (docs/rules.md, "Work
  // limit"). Computed from the ruleset and the lengths of the input's texts
  // without evaluating anything; an evaluation never does more, though an
  // explanation adds the cost of writing its records. Only the rule kinds
  // the input's events call for count.
  uint64_t WorkBound(const EvalInput& input) const;
  // LoadOptions::max_evaluation_work it was loaded with (0: none).
  uint64_t work_limit() const;

  // Whether an earning rule, bonus or multiplier reads purchase.category
  // (a server then looks the product's category up for each purchase).
  bool ReadsPurchaseCategory() const;

  // The windowed facts the rules read (rules/history.h), and the days of
  // history they need: a customer's history (Customer::history) must hold
  // its figures for today and the HistoryDays() - 1 days before it; 0
  // when no rule reads one.
  const std::vector<FactRequest>& Facts() const;
  int32_t HistoryDays() const;
  // The same for the product facts of improvement rules: a feedback's
  // Feedback::product_history must hold its product's figures for today
  // and the ProductHistoryDays() - 1 days before it.
  int32_t ProductHistoryDays() const;

  // The custom event types of the events file, in declaration order, and
  // the one named so (null: none).
  const std::vector<EventType>& EventTypes() const;
  const EventType* FindEventType(std::string_view name) const;
  // The events file's earning rules, in rule order: the numbering
  // EvalInput::event_usage follows.
  const std::vector<EventEarningTerms>& EventEarningRules() const;
  // Whether a rule reads days_since_last_event(): the customer's history
  // must then hold a kLastEvent row for each event type it has had.
  bool ReadsLastEvents() const;
  // Whether a tasks file gives task rules (Decision::tasks).
  bool HasTaskRules() const;
  // The rfm file's model (rules/rfm.h); null without one. Customers are
  // scored by it (ScoreRfm) before an evaluation reads rfm.r, rfm.f, rfm.m.
  const RfmModel* Rfm() const;

  // The points lifecycle of the loyalty file (`points:`); without one, the
  // seed's: points can be spent at once and never expire.
  const PointsPolicy& points_policy() const;
  // The money a point is worth to the programme (`points: point_value:`,
  // e.g. 0.01), for pricing a change of the rules; nullopt when unset.
  std::optional<Decimal> point_value() const;
  // The loyalty file's tier policy (the seed's when it has none): the
  // figure tiers qualify on, and how they are lost.
  const TierPolicy& tier_policy() const;
  // Whether a customer's tier can change with no event of its own: its
  // qualifying window moves on, its points expire, or a scheduled
  // downgrade comes due. The server then reviews tiers daily.
  bool TiersChangeOverTime() const;

  // The campaign terms of each offer, in offer order, for tools (the
  // campaign calendar, rules/offer_calendar.h).
  struct OfferTerms {
    std::string id;
    std::string offer;
    Date valid_from;  // unknown: none
    Date valid_until;
    Weekdays days;
    std::vector<HoursOfDay> hours;
    bool exclusive = true;
    std::string group;        // "" none
    bool group_best_value = false;
    std::vector<std::string> excludes;  // ids, both ways
    std::vector<OfferCap> caps;
    OfferValueUnit unit = OfferValueUnit::kNone;  // what its value is measured in
  };
  std::vector<OfferTerms> OfferTermsList() const;

  // Every limit and budget of every offer, in offer order: the numbering
  // EvalInput::offer_usage follows.
  const std::vector<NumberedCap>& OfferCaps() const;

  // The programme's time zone (the parameters file's `time_zone`, an IANA
  // name such as "Asia/Shanghai"; "UTC" when unset), and the day and time
  // of day an instant falls on in it: what EvalInput::today and ::minute
  // should be for an evaluation at that instant.
  const std::string& time_zone_name() const;
  struct LocalTime {
    Date day;
    int32_t minute = 0;  // after midnight
  };
  LocalTime LocalTimeAt(absl::Time instant) const;

  // Introspection for tools (validate summaries, docs).
  struct Summary {
    size_t files = 0;
    size_t dimensions = 0;
    size_t segment_rules = 0;
    size_t offers = 0;
    size_t improvements = 0;
    size_t interaction_rules = 0;
    size_t earning_rules = 0;
    size_t event_types = 0;
    size_t event_rules = 0;
    size_t task_rules = 0;
    size_t tiers = 0;
    size_t parameters = 0;
    // WorkBound of an evaluation with every event and empty texts: what
    // the rules cost before the texts they search.
    uint64_t work_without_text = 0;
  };
  Summary Summarize() const;
  // Dimension ids in evaluation order.
  std::vector<std::string> DimensionIds() const;
  // The segments `dimension` can assign (its rules' and its default), in
  // declaration order without repeats; empty for an unknown dimension.
  std::vector<std::string> SegmentNames(std::string_view dimension) const;

  // The names a decision can hold, for checking what rule tests expect
  // (and suggesting the closest when a test names another).
  struct Names {
    std::map<std::string, std::vector<std::string>> segments;  // dimension -> segments, default included
    std::vector<std::string> offers;
    std::vector<std::string> tiers;
    std::vector<std::string> actions;  // action texts and rule ids (tests may name either)
    std::vector<std::string> tasks;    // task names and rule ids (the same)
  };
  Names DecisionNames() const;

  // Every rule that a decision can name, for coverage reports: segment
  // rules, offers, improvement actions, interaction rules, earning rules
  // (the default included), event earning rules, task rules and tiers.
  struct RuleInfo {
    std::string section;  // "segmentation life_stage", "offers", "loyalty tiers", ...
    std::string id;       // as a Decision names it (a tier: its name)
    std::string file;     // "" and 0 when not known (tiers)
    int line = 0;
  };
  std::vector<RuleInfo> Rules() const;

  // The rules that read each parameter, by name: the section and id of
  // each (as in RuleInfo: "offers young_low_income_discount"), in the
  // order of Rules(), each once. A parameter no rule reads is absent; a
  // read outside any rule is named by its file and line.
  std::map<std::string, std::vector<std::string>, std::less<>> ParameterReaders() const;

  // The rules whose outcome can depend on the day of evaluation: a
  // condition that calls today() or days_since(), or an offer with a
  // validity window. As (section, id), the section and id of RuleInfo.
  std::set<std::pair<std::string, std::string>> DateDependentRules() const;

  // For the loader only.
  explicit RuleSet(std::unique_ptr<RuleSetData> data);

 private:
  std::unique_ptr<RuleSetData> data_;
};

}  // namespace clientele::rules

#endif  // CLIENTELE_RULES_RULESET_H_
