// Opening the SQLite store: options, the writer and read connections, the
// migration.
#include "server/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <mutex>

#include "common/strings.h"
#include "server/store/sqlite/budget_usage.h"
#include "server/store/sqlite/connection.h"
#include "server/store/sqlite/sqlite_database.h"

namespace clientele::server {
namespace {

std::unique_ptr<sql::Database> OpenDatabase(const SqliteStoreOptions& options) {
  return std::make_unique<sqlite::SqliteDatabase>(options.path, options.busy_timeout_ms,
                                                  options.sync_every_commit);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> SqliteStore::Open(const SqliteStoreOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation,
  // and nothing here reads them. Only possible before SQLite's first use
  // in the process; later it fails harmlessly.
  static std::once_flag sqlite_configured;
  std::call_once(sqlite_configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (options.path.empty()) return absl::InvalidArgumentError("database path is empty");
  if (options.stats_window_months < 1 || options.stats_window_months > 120) {
    return absl::InvalidArgumentError("stats_window_months must be 1..120");
  }
  if (options.read_connections < 1 || options.read_connections > 64) {
    return absl::InvalidArgumentError("read_connections must be 1..64");
  }
  try {
    auto writer = std::make_unique<sqlite::Connection>(options, OpenDatabase(options));
    absl::StatusOr<int> version = writer->Migrate();
    if (!version.ok()) return version.status();
    // The writer's cache holds a whole group's pages: with SQLite's default
    // 2 MB it wrote pages to the WAL in the middle of a group, three times
    // the writes of a purchase. (Readers keep the default.)
    writer->db().Execute("PRAGMA cache_size=-32000");
    std::string page_token_key;
    {
      sql::Statement& key =
          writer->Prepared("SELECT value FROM server_secrets WHERE name = 'page_token_key'");
      sqlite::Connection::Done done{key};
      if (key.executeStep()) page_token_key = key.getColumn(0).getString();
    }
    const std::vector<OfferUsageRow> writer_everyones_usage = writer->ReadEveryonesOfferUsage();
    // Readers open after the migration, so that they see the final schema.
    std::vector<std::unique_ptr<sqlite::Connection>> readers;
    for (int i = 0; i < options.read_connections; ++i) {
      readers.push_back(std::make_unique<sqlite::Connection>(options, OpenDatabase(options)));
    }
    auto store = std::unique_ptr<SqliteStore>(
        new SqliteStore(options, std::move(writer), std::move(readers), *version));
    store->page_token_key_ = std::move(page_token_key);
    store->budget_usage_->Load(writer_everyones_usage);
    return store;
  } catch (const sql::Error& e) {
    return absl::UnavailableError(StrCat("cannot open database '", options.path, "': ", e.what()));
  }
}

void SqliteStore::Observe(std::string_view operation,
                          std::chrono::steady_clock::time_point began) const {
  if (observe_) observe_(operation, std::chrono::steady_clock::now() - began);
}

}  // namespace clientele::server
