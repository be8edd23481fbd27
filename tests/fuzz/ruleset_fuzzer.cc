// Fuzzes the ruleset loader: the input is one or more rule files, split at
// lines "#---" (so that seeds can be whole rulesets), loaded as a ruleset.
// When it loads, it is evaluated for a few customers and its own test
// cases are run. Every mistake must come back as diagnostics; nothing may
// crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/rule_tests.h"
#include "rules/ruleset.h"
#include "tests/fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<clientele::rules::RuleSource> files;
  size_t start = 0;
  while (start <= text.size() && files.size() < 16) {
    const size_t split = text.find("\n#---\n", start);
    const size_t end = split == std::string_view::npos ? text.size() : split;
    files.push_back({"f" + std::to_string(files.size()) + ".yaml",
                     std::string(text.substr(start, end - start))});
    if (split == std::string_view::npos) break;
    start = split + 6;
  }
  clientele::rules::LoadResult loaded = clientele::rules::RuleSet::LoadSources(std::move(files));
  (void)clientele::rules::FormatDiagnostics(loaded.diagnostics);
  if (!loaded.ok()) return 0;
  clientele::fuzzing::EvaluateEverything(*loaded.ruleset);
  (void)clientele::rules::RunRuleTests(*loaded.ruleset);
  return 0;
}
