#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/numbers.h"
#include "common/host_port.h"
#include "common/strings.h"
#include "server/store/postgres/postgres_store.h"

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

// Checks that `node` is a map whose keys are all in `known`.
absl::Status CheckMap(const std::string& path, const YAML::Node& node, std::string_view what,
                      const std::set<std::string>& known) {
  if (!node.IsMap()) return Bad(path, node, StrCat(what, " must be a map"));
  for (const auto& entry : node) {
    if (!known.contains(entry.first.Scalar())) {
      return Bad(path, entry.first,
                 StrCat("unknown setting '", entry.first.Scalar(), "' in ", what,
                        " (known: ", StrJoin(known, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// tls: {cert, key, client_ca}; cert and key required.
absl::Status ReadTls(const std::string& path, const YAML::Node& node, TlsFiles* out) {
  if (absl::Status s = CheckMap(path, node, "tls", {"cert", "key", "client_ca"}); !s.ok()) {
    return s;
  }
  for (const auto& [key, field] : {std::pair{"cert", &out->cert}, std::pair{"key", &out->key},
                                   std::pair{"client_ca", &out->client_ca}}) {
    if (const YAML::Node value = node[key]; value) {
      if (absl::Status s = ReadText(path, value, StrCat("tls.", key), field); !s.ok()) return s;
    } else if (std::string_view(key) != "client_ca") {
      return Bad(path, node, StrCat("tls needs '", key, "' (a PEM file)"));
    }
  }
  return absl::OkStatus();
}

// decision_log: {sample_rate 0..1, max_entries, max_age_days}.
absl::Status ReadDecisionLog(const std::string& path, const YAML::Node& node,
                             DecisionLogOptions* out) {
  if (absl::Status s = CheckMap(path, node, "decision_log",
                                {"sample_rate", "max_entries", "max_age_days"});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node rate = node["sample_rate"]; rate) {
    double value = 0;
    if (!rate.IsScalar() || !absl::SimpleAtod(rate.Scalar(), &value) || !(value >= 0) ||
        value > 1) {
      return Bad(path, rate,
                 "decision_log.sample_rate must be a number from 0 (off) to 1 (every decision)");
    }
    out->sample_rate = value;
  }
  int64_t number = 0;
  if (const YAML::Node entries = node["max_entries"]; entries) {
    if (absl::Status s =
            ReadInt(path, entries, "decision_log.max_entries", 1, 1'000'000'000, &number);
        !s.ok()) {
      return s;
    }
    out->retention.max_entries = number;
  }
  if (const YAML::Node days = node["max_age_days"]; days) {
    if (absl::Status s = ReadInt(path, days, "decision_log.max_age_days", 0, 36'500, &number);
        !s.ok()) {
      return s;
    }
    out->retention.max_age = std::chrono::hours(24 * number);
  }
  return absl::OkStatus();
}

// auth: {tokens: [{name, role, sha256}, ...]}, at least one token.
absl::Status ReadAuth(const std::string& path, const YAML::Node& node,
                      std::vector<TokenConfig>* out) {
  if (absl::Status s = CheckMap(path, node, "auth", {"tokens"}); !s.ok()) return s;
  const YAML::Node tokens = node["tokens"];
  if (!tokens || !tokens.IsSequence() || tokens.size() == 0) {
    return Bad(path, tokens ? tokens : node,
               "auth.tokens must list at least one token: {name, role, sha256} "
               "(clientele token new makes one)");
  }
  std::set<std::string> names, hashes;
  for (const YAML::Node& entry : tokens) {
    if (absl::Status s = CheckMap(path, entry, "a token", {"name", "role", "sha256"}); !s.ok()) {
      return s;
    }
    TokenConfig token;
    std::string role;
    for (const auto& [key, field] : {std::pair{"name", &token.name}, std::pair{"role", &role},
                                     std::pair{"sha256", &token.sha256}}) {
      const YAML::Node value = entry[key];
      if (!value) return Bad(path, entry, StrCat("a token needs '", key, "'"));
      if (absl::Status s = ReadText(path, value, key, field); !s.ok()) return s;
    }
    const std::optional<Role> parsed = ParseRole(role);
    if (!parsed.has_value()) {
      return Bad(path, entry["role"], "role must be reader, writer, marketer, approver or admin");
    }
    token.role = *parsed;
    if (!IsTokenHash(token.sha256)) {
      return Bad(path, entry["sha256"],
                 "sha256 must be the 64 hex digits of the token's SHA-256, never the token "
                 "itself (clientele token new prints both)");
    }
    if (!names.insert(token.name).second) {
      return Bad(path, entry["name"], StrCat("token name '", token.name, "' appears twice"));
    }
    std::string lower = token.sha256;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!hashes.insert(lower).second) {
      return Bad(path, entry["sha256"], "the same token hash appears twice");
    }
    out->push_back(std::move(token));
  }
  return absl::OkStatus();
}

// Exactly one transport; plain text only on loopback unless forced; tokens.
absl::Status CheckSecurity(const std::string& path, const YAML::Node& root,
                           const ServerConfig& config) {
  if (config.tls.has_value() && config.plaintext) {
    return Bad(path, root["plaintext"], "plaintext: true and tls exclude each other; choose one");
  }
  if (!config.tls.has_value() && !config.plaintext) {
    return Bad(path, root,
               "no transport chosen: add tls: {cert, key} (and client_ca for mutual TLS), or "
               "plaintext: true to serve without encryption on a loopback address");
  }
  // The JSON gateway carries the same tokens and data as the gRPC port.
  for (const auto& [key, address] :
       {std::pair<std::string, std::string>{"listen", config.listen},
        std::pair<std::string, std::string>{"http_listen", config.http_listen}}) {
    const bool local = address.empty() || IsLoopbackHost(HostOf(address)) ||
                       (key == "listen" && address.starts_with("unix:"));
    if (config.plaintext && !config.allow_remote_plaintext && !local) {
      return Bad(path, root[key] ? root[key] : root,
                 StrCat("plaintext is allowed on loopback addresses only, and ", key, " ", address,
                        " is not one: configure tls, or set allow_remote_plaintext: true if the "
                        "network is protected otherwise"));
    }
  }
  if (config.tokens.empty()) {
    return Bad(path, root,
               "the setting 'auth' is required: auth: {tokens: [{name, role, sha256}]} "
               "(clientele token new makes a token)");
  }
  return absl::OkStatus();
}

absl::Status Apply(const std::string& path, const YAML::Node& root, ServerConfig* config) {
  if (!root.IsMap()) return Bad(path, root, "the file must be a map of settings");
  const std::set<std::string> known = {"listen",
                                       "database",
                                       "database_password_file",
                                       "database_read_connections",
                                       "rules",
                                       "stats_window_months",
                                       "demo_data",
                                       "log_level",
                                       "max_message_bytes",
                                       "shutdown_grace_seconds",
                                       "max_text_bytes",
                                       "max_name_bytes",
                                       "max_evaluation_work",
                                       "max_open_streams",
                                       "max_streams_per_connection",
                                       "write_threads",
                                       "max_import_customers",
                                       "sync_every_commit",
                                       "idempotency_key_days",
                                       "points_expiry_minutes",
                                       "tier_review_minutes",
                                       "segment_refresh_minutes",
                                       "rules_watch",
                                       "rules_debounce_ms",
                                       "tls",
                                       "plaintext",
                                       "allow_remote_plaintext",
                                       "auth",
                                       "metrics_listen",
                                       "http_listen",
                                       "http_threads",
                                       "decision_log"};
  std::set<std::string> seen;
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (!known.contains(key)) {
      return Bad(path, entry.first, StrCat("unknown setting '", key, "'"));
    }
    // yaml-cpp keeps both of a repeated key; which one would win is not
    // something a reader of the file should have to guess.
    if (!seen.insert(key).second) {
      return Bad(path, entry.first, StrCat("the setting '", key, "' appears twice"));
    }
    int64_t number = 0;
    absl::Status s;
    if (key == "listen") {
      s = ReadText(path, value, key, &config->listen);
    } else if (key == "database") {
      s = ReadText(path, value, key, &config->database);
      if (s.ok() && PostgresStore::IsUrl(config->database) &&
          PostgresStore::HoldsPassword(config->database)) {
        s = Bad(path, value,
                "the database URL must not hold the password: put it in the file that "
                "database_password_file names, or in PGPASSWORD");
      }
    } else if (key == "database_password_file") {
      s = ReadText(path, value, key, &config->database_password_file);
    } else if (key == "database_read_connections") {
      s = ReadInt(path, value, key, 1, 64, &number);
      config->database_read_connections = static_cast<int>(number);
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
    } else if (key == "tls") {
      s = ReadTls(path, value, &config->tls.emplace());
    } else if (key == "plaintext") {
      s = ReadBool(path, value, key, &config->plaintext);
    } else if (key == "allow_remote_plaintext") {
      s = ReadBool(path, value, key, &config->allow_remote_plaintext);
    } else if (key == "auth") {
      s = ReadAuth(path, value, &config->tokens);
    } else if (key == "decision_log") {
      s = ReadDecisionLog(path, value, &config->decision_log);
    } else if (key == "metrics_listen") {
      s = ReadText(path, value, key, &config->metrics_listen);
    } else if (key == "http_listen") {
      s = ReadText(path, value, key, &config->http_listen);
    } else if (key == "http_threads") {
      s = ReadInt(path, value, key, 2, 1024, &number);
      config->http_threads = static_cast<int>(number);
    } else if (key == "sync_every_commit") {
      s = ReadBool(path, value, key, &config->sync_every_commit);
    } else if (key == "idempotency_key_days") {
      s = ReadInt(path, value, key, 0, 3650, &number);
      config->idempotency_key_days = static_cast<int>(number);
    } else if (key == "points_expiry_minutes") {
      s = ReadInt(path, value, key, 0, 7 * 24 * 60, &number);
      config->points_expiry_minutes = static_cast<int>(number);
    } else if (key == "tier_review_minutes") {
      s = ReadInt(path, value, key, 0, 24 * 60, &number);
      config->tier_review_minutes = static_cast<int>(number);
    } else if (key == "segment_refresh_minutes") {
      s = ReadInt(path, value, key, 0, 24 * 60, &number);
      config->segment_refresh_minutes = static_cast<int>(number);
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
    } else if (key == "max_open_streams") {
      s = ReadInt(path, value, key, 1, 100'000, &number);
      config->max_open_streams = static_cast<int>(number);
    } else if (key == "max_streams_per_connection") {
      s = ReadInt(path, value, key, 1, 100'000, &number);
      config->max_streams_per_connection = static_cast<int>(number);
    } else if (key == "max_evaluation_work") {
      s = ReadInt(path, value, key, 1000, int64_t{1} << 40, &number);
      config->max_evaluation_work = static_cast<uint64_t>(number);
    } else if (key == "max_name_bytes") {
      s = ReadInt(path, value, key, 1, 4096, &number);
      config->limits.max_name_bytes = static_cast<size_t>(number);
    }
    if (!s.ok()) return s;
  }
  if (config->database.empty()) return Bad(path, root, "the setting 'database' is required");
  const bool postgres = PostgresStore::IsUrl(config->database);
  if (!postgres && seen.contains("database_password_file")) {
    return Bad(path, root["database_password_file"],
               "database_password_file is for a postgresql:// database; a SQLite file has none");
  }
  if (postgres && seen.contains("sync_every_commit")) {
    return Bad(path, root["sync_every_commit"],
               "sync_every_commit is SQLite's; with PostgreSQL a commit is as durable as the "
               "server's synchronous_commit makes it");
  }
  if (config->rules.empty()) return Bad(path, root, "the setting 'rules' is required");
  return CheckSecurity(path, root, *config);
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
  if (!PostgresStore::IsUrl(config.database)) config.database = Resolve(base, config.database);
  if (!config.database_password_file.empty()) {
    config.database_password_file = Resolve(base, config.database_password_file);
  }
  config.rules = Resolve(base, config.rules);
  if (config.tls.has_value()) {
    config.tls->cert = Resolve(base, config.tls->cert);
    config.tls->key = Resolve(base, config.tls->key);
    if (!config.tls->client_ca.empty())
      config.tls->client_ca = Resolve(base, config.tls->client_ca);
  }
  return config;
}

}  // namespace clientele::server
