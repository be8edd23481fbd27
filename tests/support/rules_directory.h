// A temporary rules directory for hot-reload tests, edited the ways real
// editors and deployments do: in place, by writing a temporary file and
// renaming it over the old one, adding and removing files, swapping a
// symlinked directory, and a Kubernetes ConfigMap-style "..data" swap.
// Not thread-safe; one object per test.
#ifndef CLIENTELE_TESTS_SUPPORT_RULES_DIRECTORY_H_
#define CLIENTELE_TESTS_SUPPORT_RULES_DIRECTORY_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rules/ruleset.h"

namespace clientele::testing {

// A segmentation file whose rule id and segments carry `label`, so that a
// decision shows which version made it.
inline std::string LabelledSegments(const std::string& label) {
  return "kind: segmentation\n"
         "dimensions:\n"
         "  - id: label\n"
         "    rules:\n"
         "      - id: young_" + label + "\n"
         "        when: age < 40\n"
         "        segment: " + label + "-young\n"
         "    default: " + label + "-other\n";
}

// The same file with a mistake (an unknown field, line 6 column 15),
// still labelled.
inline std::string BrokenSegments(const std::string& label) {
  std::string text = LabelledSegments(label);
  text.replace(text.find("when: age <"), 11, "when: agee <");
  return text;
}

inline const char* kConstantOffers =
    "kind: offers\n"
    "offers:\n"
    "  - id: young_gift\n"
    "    when: age < 40\n"
    "    offer: gift\n"
    "    priority: 10\n"
    "    stacking: exclusive\n";

// The version a directory holding exactly these files (name, content) has.
inline std::string VersionOf(const std::vector<rules::RuleSource>& files) {
  rules::LoadResult loaded = rules::RuleSet::LoadSources(files);
  return loaded.ok() ? loaded.ruleset->version() : "";
}

class RulesDirectory {
 public:
  RulesDirectory() {
    std::random_device random;
    root_ = std::filesystem::temp_directory_path() /
            ("clientele-rules-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(root_ / "rules");
  }
  ~RulesDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  RulesDirectory(const RulesDirectory&) = delete;
  RulesDirectory& operator=(const RulesDirectory&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // The path to configure: a plain directory, or the symlink / ConfigMap
  // directory after UseSymlinkedDirectory / UseConfigMap.
  std::filesystem::path path() const { return root_ / "rules"; }

  // Rewrites the file where it is (truncate, write, close).
  void WriteInPlace(const std::string& name, const std::string& content) const {
    std::ofstream(path() / name, std::ios::binary | std::ios::trunc) << content;
  }
  // Writes a hidden temporary file beside it and renames it over the file.
  void WriteByRename(const std::string& name, const std::string& content) const {
    const std::filesystem::path temporary = path() / ("." + name + ".tmp");
    std::ofstream(temporary, std::ios::binary | std::ios::trunc) << content;
    std::filesystem::rename(temporary, path() / name);
  }
  void Remove(const std::string& name) const { std::filesystem::remove(path() / name); }

  // Turns `rules` into a symlink to a directory holding `files`.
  void UseSymlinkedDirectory(const std::vector<rules::RuleSource>& files) {
    std::filesystem::remove_all(path());
    SwapSymlinkedDirectory(files);
  }
  // Fills a new directory with `files` and points the `rules` symlink at
  // it atomically (ln -sfn new rules.tmp && mv -T rules.tmp rules).
  void SwapSymlinkedDirectory(const std::vector<rules::RuleSource>& files) {
    const std::filesystem::path target = root_ / ("release-" + std::to_string(++generation_));
    std::filesystem::create_directories(target);
    for (const rules::RuleSource& f : files) {
      std::ofstream(target / f.path, std::ios::binary) << f.content;
    }
    const std::filesystem::path link = root_ / "rules.tmp";
    std::filesystem::create_directory_symlink(target.filename(), link);
    std::filesystem::rename(link, path());
  }

  // Lays `rules` out as Kubernetes mounts a ConfigMap: the files are
  // symlinks to "..data/<name>", and "..data" links to a timestamped
  // directory holding them.
  void UseConfigMap(const std::vector<rules::RuleSource>& files) {
    std::filesystem::remove_all(path());
    std::filesystem::create_directories(path());
    const std::string first = WriteConfigMapGeneration(files);
    std::filesystem::create_directory_symlink(first, path() / "..data");
    for (const rules::RuleSource& f : files) {
      std::filesystem::create_symlink(std::filesystem::path("..data") / f.path, path() / f.path);
    }
    current_generation_ = first;
  }
  // What the kubelet does on an update: a new timestamped directory, a
  // "..data_tmp" symlink to it renamed over "..data", the old one removed.
  // The file names must stay the same.
  void UpdateConfigMap(const std::vector<rules::RuleSource>& files) {
    const std::string next = WriteConfigMapGeneration(files);
    std::filesystem::create_directory_symlink(next, path() / "..data_tmp");
    std::filesystem::rename(path() / "..data_tmp", path() / "..data");
    std::filesystem::remove_all(path() / current_generation_);
    current_generation_ = next;
  }

 private:
  std::string WriteConfigMapGeneration(const std::vector<rules::RuleSource>& files) {
    const std::string name = "..2026_12_01_00_00_0" + std::to_string(++generation_);
    std::filesystem::create_directories(path() / name);
    for (const rules::RuleSource& f : files) {
      std::ofstream(path() / name / f.path, std::ios::binary) << f.content;
    }
    return name;
  }

  std::filesystem::path root_;
  int generation_ = 0;
  std::string current_generation_;
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_RULES_DIRECTORY_H_
