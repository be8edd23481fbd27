#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "rules/strings.h"

namespace clientele::server {
namespace {

absl::Status Bad(const std::string& path, const YAML::Node& node, std::string_view problem) {
  const YAML::Mark mark = node.Mark();
  return absl::InvalidArgumentError(
      StrCat(path, ":", mark.line + 1, ":", mark.column + 1, ": ", problem));
}

// Reads an integer in [low, high] at `key`.
absl::Status ReadInt(const std::string& path, const YAML::Node& node, std::string_view key,
                     int64_t low, int64_t high, int64_t* out) {
  int64_t value;
  if (!node.IsScalar() || !ParseInteger(node.Scalar(), &value)) {
    return Bad(path, node, StrCat(key, " must be a whole number"));
  }
  if (value < low || value > high) {
    return Bad(path, node, StrCat(key, " must be ", low, "..", high, ", not ", value));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ReadText(const std::string& path, const YAML::Node& node, std::string_view key,
                      std::string* out) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    return Bad(path, node, StrCat(key, " must be a non-empty text"));
  }
  *out = node.Scalar();
  return absl::OkStatus();
}

absl::Status ReadBool(const std::string& path, const YAML::Node& value, const std::string& key,
                      bool* out) {
  if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
    return Bad(path, value, StrCat(key, " must be true or false"));
  }
  *out = value.Scalar() == "true";
  return absl::OkStatus();
}

std::string Resolve(const std::filesystem::path& base, const std::string& value) {
  std::filesystem::path p(value);
  return p.is_absolute() ? value : (base / p).lexically_normal().string();
}

absl::Status Apply(const std::string& path, const YAML::Node& root, ServerConfig* config) {
  if (!root.IsMap()) return Bad(path, root, "the file must be a map of settings");
  const std::set<std::string> known = {
      "listen", "database", "rules", "stats_window_months", "demo_data", "log_level",
      "max_message_bytes", "shutdown_grace_seconds", "max_text_bytes", "max_name_bytes",
      "write_threads", "max_import_customers", "sync_every_commit", "rules_watch",
      "rules_debounce_ms"};
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (!known.contains(key)) {
      return Bad(path, entry.first, StrCat("unknown setting '", key, "'"));
    }
    int64_t number = 0;
    absl::Status s;
    if (key == "listen") {
      s = ReadText(path, value, key, &config->listen);
    } else if (key == "database") {
      s = ReadText(path, value, key, &config->database);
    } else if (key == "rules") {
      s = ReadText(path, value, key, &config->rules);
    } else if (key == "log_level") {
      s = ReadText(path, value, key, &config->log_level);
      if (s.ok() && !std::set<std::string>{"debug", "info", "warning", "error"}.contains(
                        config->log_level)) {
        s = Bad(path, value, "log_level must be debug, info, warning or error");
      }
    } else if (key == "demo_data") {
      s = ReadBool(path, value, key, &config->demo_data);
    } else if (key == "rules_watch") {
      s = ReadBool(path, value, key, &config->rules_watch);
    } else if (key == "rules_debounce_ms") {
      s = ReadInt(path, value, key, 0, 10'000, &number);
      config->rules_debounce_ms = static_cast<int>(number);
    } else if (key == "sync_every_commit") {
      s = ReadBool(path, value, key, &config->sync_every_commit);
    } else if (key == "stats_window_months") {
      s = ReadInt(path, value, key, 1, 120, &number);
      config->stats_window_months = static_cast<int>(number);
    } else if (key == "max_message_bytes") {
      s = ReadInt(path, value, key, 1024, 64 << 20, &number);
      config->max_message_bytes = static_cast<int>(number);
    } else if (key == "shutdown_grace_seconds") {
      s = ReadInt(path, value, key, 0, 600, &number);
      config->shutdown_grace_seconds = static_cast<int>(number);
    } else if (key == "write_threads") {
      s = ReadInt(path, value, key, 1, 1024, &number);
      config->write_threads = static_cast<int>(number);
    } else if (key == "max_import_customers") {
      s = ReadInt(path, value, key, 1, 100'000'000, &number);
      config->limits.max_import_customers = static_cast<size_t>(number);
    } else if (key == "max_text_bytes") {
      s = ReadInt(path, value, key, 1, 1 << 20, &number);
      config->limits.max_text_bytes = static_cast<size_t>(number);
    } else if (key == "max_name_bytes") {
      s = ReadInt(path, value, key, 1, 4096, &number);
      config->limits.max_name_bytes = static_cast<size_t>(number);
    }
    if (!s.ok()) return s;
  }
  if (config->database.empty()) return Bad(path, root, "the setting 'database' is required");
  if (config->rules.empty()) return Bad(path, root, "the setting 'rules' is required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(StrCat("config file '", path, "' does not exist"));
  }
  ServerConfig config;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (absl::Status s = Apply(path, root, &config); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat(path, ":", e.mark.line + 1, ":", e.mark.column + 1,
                                             ": ", e.msg));
  }
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  config.database = Resolve(base, config.database);
  config.rules = Resolve(base, config.rules);
  return config;
}

}  // namespace clientele::server
