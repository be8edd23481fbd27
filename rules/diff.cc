#include "rules/diff.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "rules/internal/yaml_document.h"
#include "rules/internal/yaml_text.h"
#include "common/strings.h"

namespace clientele::rules {
namespace {

constexpr std::string_view kSeparator = " › ";

// One rule (or other identified item) of a version: its settings as text.
struct Item {
  std::string file;
  std::map<std::string, std::string> settings;  // setting -> value as YAML text
  size_t order = 0;                             // discovery order, for output
};

// The items of one version, and for every identified list the ids in order
// (first-match lists decide by order).
struct Flattened {
  std::map<std::string, Item> items;                        // by path
  std::map<std::string, std::vector<std::string>> lists;    // list path -> item paths
  size_t next_order = 0;
};

// Values as text; quoted scalars stay quoted ("30" and 30 differ).
std::string Text(const YAML::Node& node) {
  if (node.IsScalar() && node.Tag() != "!") return node.Scalar();
  return yaml_internal::YamlText(node);
}

// "rules" -> "rule": the name of one element of a list.
std::string Singular(const std::string& key) {
  if (key.size() > 1 && key.back() == 's') return key.substr(0, key.size() - 1);
  return key;
}

// The id of a list element: `id`, else `name` (tiers); "" when it has none.
std::string IdentityOf(const YAML::Node& element) {
  if (!element.IsMap()) return "";
  for (const char* key : {"id", "name"}) {
    const YAML::Node value = element[key];
    if (value && value.IsScalar() && !value.Scalar().empty()) return value.Scalar();
  }
  return "";
}

// Which key IdentityOf used: "id", else "name".
std::string IdentityKey(const YAML::Node& element) {
  const YAML::Node id = element["id"];
  return id && id.IsScalar() && !id.Scalar().empty() ? "id" : "name";
}

bool IsIdentifiedList(const YAML::Node& node) {
  if (!node.IsSequence() || node.size() == 0) return false;
  for (const YAML::Node& element : node) {
    if (IdentityOf(element).empty()) return false;
  }
  return true;
}

void Flatten(const YAML::Node& map, const std::string& path, const std::string& file,
             bool always_listed, Flattened* out, int depth = 0) {
  if (depth > 16) return;  // a self-referencing alias; rule files nest 4 deep
  Item item;
  item.file = file;
  item.order = out->next_order++;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (IsIdentifiedList(value)) {
      std::vector<std::string>& list = out->lists[StrCat(path, kSeparator, key)];
      for (const YAML::Node& element : value) {
        const std::string child = StrCat(path, kSeparator, Singular(key), " ", IdentityOf(element));
        list.push_back(child);
        Flatten(element, child, file, true, out, depth + 1);
      }
    } else if (key == "parameters" && value.IsMap()) {
      for (const auto& parameter : value) {
        Item& p = out->items[StrCat(path, kSeparator, parameter.first.Scalar())];
        p.file = file;
        p.order = out->next_order++;
        p.settings["value"] = Text(parameter.second);
      }
    } else if (value.IsMap()) {
      Flatten(value, StrCat(path, kSeparator, key), file, false, out, depth + 1);
    } else if (key != "kind" && !(always_listed && key == IdentityKey(map))) {
      item.settings[key] = Text(value);  // (a listed item's id is in its path already)
    }
  }
  if (always_listed || !item.settings.empty()) {
    Item& slot = out->items[path];
    const size_t order = slot.settings.empty() ? item.order : slot.order;
    for (auto& [key, value] : item.settings) slot.settings[key] = std::move(value);
    slot.file = file;
    slot.order = order;
  }
}

Flattened FlattenSources(const std::vector<RuleSource>& sources, std::vector<Diagnostic>* problems) {
  Flattened out;
  for (const RuleSource& source : sources) {
    const std::string file = std::filesystem::path(source.path).filename().string();
    yaml_internal::ParsedYaml parsed = yaml_internal::ParseYamlDocument(source.content);
    if (parsed.problem) {
      const yaml_internal::YamlProblem& problem = *parsed.problem;
      problems->push_back({Severity::kError, source.path, problem.line + 1, problem.column + 1, 1,
                           problem.kind == yaml_internal::YamlProblem::Kind::kSyntax
                               ? StrCat("this is not valid YAML: ", problem.message)
                               : problem.message,
                           "clientele rules validate shows every problem", ""});
      continue;
    }
    const YAML::Node& root = parsed.root;
    if (!root.IsMap()) continue;  // empty or not a rule file: nothing to compare
    const YAML::Node kind = root["kind"];
    const std::string base = kind && kind.IsScalar() ? kind.Scalar() : file;
    Flatten(root, base, file, false, &out);
  }
  return out;
}

// Position of every path of `list` among the paths that both versions have.
std::map<std::string, size_t> CommonPositions(const std::vector<std::string>& list,
                                              const std::map<std::string, Item>& other) {
  std::map<std::string, size_t> positions;
  for (const std::string& path : list) {
    if (other.contains(path)) positions.emplace(path, positions.size() + 1);
  }
  return positions;
}

std::string Ordinal(size_t n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                     ? "st"
                       : n % 10 == 2                     ? "nd"
                       : n % 10 == 3                     ? "rd"
                                                         : "th";
  return StrCat(n, suffix);
}

std::vector<std::string> SettingLines(const Item& item) {
  std::vector<std::string> lines;
  for (const auto& [key, value] : item.settings) lines.push_back(StrCat(key, ": ", value));
  return lines;
}

}  // namespace

RuleSetDiff DiffRuleSources(const std::vector<RuleSource>& before,
                            const std::vector<RuleSource>& after) {
  RuleSetDiff diff;
  const Flattened old_items = FlattenSources(before, &diff.problems);
  const Flattened new_items = FlattenSources(after, &diff.problems);

  // Moves within first-match lists: compare the order of the rules that
  // both versions have.
  std::map<std::string, std::string> moved;  // path -> detail
  for (const auto& [list_path, new_list] : new_items.lists) {
    auto old_list = old_items.lists.find(list_path);
    if (old_list == old_items.lists.end()) continue;
    const auto now = CommonPositions(new_list, old_items.items);
    const auto was = CommonPositions(old_list->second, new_items.items);
    for (const auto& [path, position] : now) {
      auto previous = was.find(path);
      if (previous != was.end() && previous->second != position) {
        moved[path] = StrCat("order: now ", Ordinal(position), " of the list (was ",
                             Ordinal(previous->second), "); in a first-match list this changes "
                             "which rule wins");
      }
    }
  }

  std::vector<std::pair<size_t, RuleChange>> ordered;
  for (const auto& [path, item] : new_items.items) {
    auto old_item = old_items.items.find(path);
    RuleChange change;
    change.rule = path;
    change.file = item.file;
    if (old_item == old_items.items.end()) {
      change.kind = RuleChange::Kind::kAdded;
      change.details = SettingLines(item);
    } else {
      std::set<std::string> keys;
      for (const auto& [key, value] : item.settings) keys.insert(key);
      for (const auto& [key, value] : old_item->second.settings) keys.insert(key);
      for (const std::string& key : keys) {
        auto was = old_item->second.settings.find(key);
        auto now = item.settings.find(key);
        if (was == old_item->second.settings.end()) {
          change.details.push_back(StrCat(key, ": (not set) → ", now->second));
        } else if (now == item.settings.end()) {
          change.details.push_back(StrCat(key, ": ", was->second, " → (not set)"));
        } else if (was->second != now->second) {
          change.details.push_back(StrCat(key, ": ", was->second, " → ", now->second));
        }
      }
      if (auto m = moved.find(path); m != moved.end()) change.details.push_back(m->second);
      if (old_item->second.file != item.file) {
        change.details.push_back(StrCat("moved from ", old_item->second.file, " (not a change of what it does)"));
        if (change.details.size() == 1) continue;  // only moved between files
      }
      if (change.details.empty()) continue;
    }
    ordered.emplace_back(item.order, std::move(change));
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, change] : ordered) diff.changes.push_back(std::move(change));

  std::vector<std::pair<size_t, RuleChange>> removed;
  for (const auto& [path, item] : old_items.items) {
    if (new_items.items.contains(path)) continue;
    RuleChange change;
    change.kind = RuleChange::Kind::kRemoved;
    change.rule = path;
    change.file = item.file;
    change.details = SettingLines(item);
    removed.emplace_back(item.order, std::move(change));
  }
  std::sort(removed.begin(), removed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, change] : removed) diff.changes.push_back(std::move(change));
  return diff;
}

std::string FormatRuleSetDiff(const RuleSetDiff& diff) {
  std::string out;
  int added = 0, removed = 0, changed = 0;
  for (const Diagnostic& problem : diff.problems) StrAppend(&out, FormatDiagnostic(problem));
  for (const RuleChange& change : diff.changes) {
    const char* mark = "~";
    switch (change.kind) {
      case RuleChange::Kind::kAdded:
        mark = "+";
        ++added;
        break;
      case RuleChange::Kind::kRemoved:
        mark = "-";
        ++removed;
        break;
      case RuleChange::Kind::kChanged:
        ++changed;
        break;
    }
    StrAppend(&out, mark, " ", change.rule, "  (", change.file, ")\n");
    for (const std::string& detail : change.details) StrAppend(&out, "    ", detail, "\n");
  }
  const int total = added + removed + changed;
  if (total == 0) {
    StrAppend(&out, "no rule changed\n");
  } else {
    StrAppend(&out, total, total == 1 ? " change: " : " changes: ", added, " added, ", removed,
              " removed, ", changed, " changed\n");
  }
  return out;
}

}  // namespace clientele::rules
