#include "server/open_store.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "common/strings.h"
#include "server/infra/metrics.h"
#include "server/store/postgres/postgres_store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele::server {
namespace {

void Observe(std::string_view operation, std::chrono::nanoseconds took) {
  Metrics::Global().RecordDatabase(operation, took);
}

// The first line of the file, without its line end.
absl::StatusOr<std::string> ReadPassword(const std::string& path) {
  std::ifstream in(path);
  std::string password;
  if (!in || !std::getline(in, password)) {
    return absl::FailedPreconditionError(StrCat("cannot read database_password_file '", path, "'"));
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return absl::FailedPreconditionError(
        StrCat("database_password_file '", path, "' is empty: its first line is the password"));
  }
  return password;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const ServerConfig& config) {
  if (PostgresStore::IsUrl(config.database)) {
    PostgresStoreOptions options;
    options.url = config.database;
    if (!config.database_password_file.empty()) {
      absl::StatusOr<std::string> password = ReadPassword(config.database_password_file);
      if (!password.ok()) return password.status();
      options.password = std::move(*password);
    }
    options.stats_window_months = config.stats_window_months;
    options.read_connections = config.database_read_connections;
    options.observe = Observe;
    return PostgresStore::Open(options);
  }
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(config.database).parent_path(),
                                      ignored);
  return SqliteStore::Open({.path = config.database,
                            .busy_timeout_ms = 5000,
                            .stats_window_months = config.stats_window_months,
                            .sync_every_commit = config.sync_every_commit,
                            .read_connections = config.database_read_connections,
                            .observe = Observe});
}

}  // namespace clientele::server
