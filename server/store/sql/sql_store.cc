// Opening a relational store: options, the writer and read connections,
// the migration.
#include "server/store/sql/sql_store.h"

#include <pthread.h>

#include <thread>

#include "common/strings.h"
#include "server/store/sql/budget_usage.h"
#include "server/store/sql/connection.h"

namespace clientele::server {
namespace {

// The highest sequence of `table`; 0 when empty. Throws sql::Error.
int64_t LastSequence(sql::Connection& connection, const char* table) {
  sql::Statement& s = connection.Prepared(StrCat("SELECT coalesce(max(sequence), 0) FROM ", table));
  sql::Connection::Done done{s};
  s.executeStep();
  return s.getColumn(0).getInt64();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> SqlStore::Open(std::unique_ptr<SqlBackend> backend,
                                                      const SqlStoreOptions& options) {
  if (options.stats_window_months < 1 || options.stats_window_months > 120) {
    return absl::InvalidArgumentError("stats_window_months must be 1..120");
  }
  if (options.read_connections < 1 || options.read_connections > 64) {
    return absl::InvalidArgumentError("read_connections must be 1..64");
  }
  if (options.task_changes_kept < 1) {
    return absl::InvalidArgumentError("task_changes_kept must be 1 or more");
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
    // Everyone's offer usage in memory: only when no other process spends
    // the budgets (shared: read from the database every time).
    const std::vector<OfferUsageRow> everyones_usage =
        backend->shared() ? std::vector<OfferUsageRow>() : writer->ReadEveryonesOfferUsage();
    // Readers connect after the migration, so that they see the final
    // schema.
    std::vector<std::unique_ptr<sql::Connection>> readers;
    for (int i = 0; i < options.read_connections; ++i) {
      readers.push_back(std::make_unique<sql::Connection>(options, backend->Connect()));
    }
    // Replicas of a shared database learn of each other's task and
    // segment changes from the feed, which starts after the last one.
    std::unique_ptr<sql::Connection> feed;
    std::unique_ptr<SqlBackend::ChangeSignal> signal;
    int64_t last_segment = 0, last_task = 0;
    if (backend->shared()) {
      writer->set_log_task_changes(true);
      feed = std::make_unique<sql::Connection>(options, backend->Connect());
      signal = backend->ListenForChanges();
      last_segment = LastSequence(*feed, "segment_changes");
      last_task = LastSequence(*feed, "task_changes");
    }
    auto store = std::unique_ptr<SqlStore>(
        new SqlStore(std::move(backend), options, std::move(writer), std::move(readers), *version));
    store->page_token_key_ = std::move(page_token_key);
    if (store->budget_usage_ != nullptr) store->budget_usage_->Load(everyones_usage);
    if (feed != nullptr) {
      store->feed_connection_ = std::move(feed);
      store->change_signal_ = std::move(signal);
      store->fed_segment_sequence_ = last_segment;
      store->fed_task_sequence_ = last_task;
      SqlStore* started = store.get();
      store->feed_ = std::thread([started] {
        pthread_setname_np(pthread_self(), "store-feed");
        started->FeedChanges();
      });
    }
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
