// Fuzzes the expression language: the input is the text of one `when:`.
// It is parsed, then compiled into a ruleset (the default ruleset's
// parameters beside it, so that names resolve) and, when it compiles,
// evaluated for a few customers: parser, type checker, compiler and
// evaluator. Anything may be refused; nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "rules/internal/parser.h"
#include "common/utf8.h"
#include "rules/ruleset.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

// The expression as a YAML double-quoted scalar.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const std::string& Parameters() {
  static const std::string* text = [] {
    std::ifstream in(CLIENTELE_SOURCE_DIR "/config/rules/parameters.yaml");
    std::stringstream content;
    content << in.rdbuf();
    return new std::string(content.str());
  }();
  return *text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (clientele::utf8::FindInvalidUtf8(text) != std::string_view::npos) return 0;
  (void)clientele::rules::parser_internal::ParseExpression(text, {});
  const std::string segments =
      "kind: segmentation\n"
      "dimensions:\n"
      "  - id: fuzz\n"
      "    rules:\n"
      "      - id: fuzzed\n"
      "        when: " + Quoted(text) + "\n"
      "        segment: matched\n"
      "    default: other\n";
  clientele::rules::LoadResult loaded = clientele::rules::RuleSet::LoadSources(
      {{"parameters.yaml", Parameters()}, {"segments.yaml", segments}});
  if (loaded.ok()) clientele::fuzzing::EvaluateEverything(*loaded.ruleset);
  return 0;
}
