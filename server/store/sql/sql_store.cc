// Opening a relational store: options, the writer and read connections,
// the migration.
#include "server/store/sql/sql_store.h"

#include "common/strings.h"
#include "server/store/sql/budget_usage.h"
#include "server/store/sql/connection.h"

namespace clientele::server {

absl::StatusOr<std::unique_ptr<Store>> SqlStore::Open(std::unique_ptr<SqlBackend> backend,
                                                      const SqlStoreOptions& options) {
  if (options.stats_window_months < 1 || options.stats_window_months > 120) {
    return absl::InvalidArgumentError("stats_window_months must be 1..120");
  }
  if (options.read_connections < 1 || options.read_connections > 64) {
    return absl::InvalidArgumentError("read_connections must be 1..64");
  }
  try {
    auto writer = std::make_unique<sql::Connection>(options, backend->Connect());
    absl::StatusOr<int> version = backend->Migrate(writer->db());
    if (!version.ok()) return version.status();
    backend->PrepareWriter(writer->db());
    std::string page_token_key;
    {
      sql::Statement& key =
          writer->Prepared("SELECT value FROM server_secrets WHERE name = 'page_token_key'");
      sql::Connection::Done done{key};
      if (key.executeStep()) page_token_key = key.getColumn(0).getString();
    }
    if (page_token_key.empty()) {
      return absl::InternalError(
          StrCat("database '", backend->location(), "' has no page token key"));
    }
    const std::vector<OfferUsageRow> everyones_usage = writer->ReadEveryonesOfferUsage();
    // Readers connect after the migration, so that they see the final
    // schema.
    std::vector<std::unique_ptr<sql::Connection>> readers;
    for (int i = 0; i < options.read_connections; ++i) {
      readers.push_back(std::make_unique<sql::Connection>(options, backend->Connect()));
    }
    auto store = std::unique_ptr<SqlStore>(
        new SqlStore(std::move(backend), options, std::move(writer), std::move(readers), *version));
    store->page_token_key_ = std::move(page_token_key);
    store->budget_usage_->Load(everyones_usage);
    return store;
  } catch (const sql::Error& e) {
    return absl::UnavailableError(
        StrCat("cannot open database '", backend->location(), "': ", e.what()));
  }
}

void SqlStore::Observe(std::string_view operation,
                       std::chrono::steady_clock::time_point began) const {
  if (observe_) observe_(operation, std::chrono::steady_clock::now() - began);
}

}  // namespace clientele::server
