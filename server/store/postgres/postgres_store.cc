// The PostgreSQL backend of the relational store: connections, the
// migrations (the clientele_schema table counts them; an advisory lock
// lets one replica at a time apply them) and the backup it refuses.
#include "server/store/postgres/postgres_store.h"

#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/strings.h"
#include "server/store/postgres/change_signal.h"
#include "server/store/postgres/dialect.h"
#include "server/store/postgres/postgres_database.h"
#include "server/store/sql/schema.h"
#include "server/store/sql/sql_store.h"

namespace clientele::server {
namespace {

using postgres::ConnectionSettings;
using postgres::PostgresDatabase;

class PostgresBackend final : public SqlBackend {
 public:
  explicit PostgresBackend(const PostgresStoreOptions& options)
      : settings_{options.url, options.password}, location_(PostgresStore::Redacted(options.url)) {}

  const std::string& location() const override { return location_; }

  std::unique_ptr<sql::Database> Connect() override {
    return std::make_unique<PostgresDatabase>(settings_);
  }

  absl::StatusOr<int> Migrate(sql::Database& db) override {
    // Session-scoped: replicas starting together take turns, and the
    // later ones find the schema migrated.
    db.Execute(StrCat("SELECT pg_advisory_lock",
                      postgres::LockArguments(postgres::AdvisoryLock::kMigration)));
    struct Unlock {
      sql::Database& db;
      ~Unlock() {
        try {
          db.Execute(StrCat("SELECT pg_advisory_unlock",
                            postgres::LockArguments(postgres::AdvisoryLock::kMigration)));
        } catch (const sql::Error&) {
          // The lock goes with the session should the unlock fail.
        }
      }
    } unlock{db};
    db.Execute("CREATE TABLE IF NOT EXISTS clientele_schema (version BIGINT NOT NULL)");
    int version = SchemaVersion(db);
    const int latest = sql::LatestSchemaVersion();
    if (version > latest) {
      return absl::FailedPreconditionError(StrCat("database '", location_, "' has schema version ",
                                                  version, ", newer than this clientele's ", latest,
                                                  ": use a newer clientele"));
    }
    for (; version < latest; ++version) {
      absl::StatusOr<std::string> script =
          postgres::TranslateMigration(version + 1, sql::MigrationScript(version + 1));
      if (!script.ok()) return script.status();
      db.BeginWrite();
      try {
        if (version == 0) db.Execute(postgres::kFunctions);
        db.Execute(*script);
        db.Execute("DELETE FROM clientele_schema");
        db.Execute(StrCat("INSERT INTO clientele_schema (version) VALUES (", version + 1, ")"));
        db.Commit();
      } catch (const sql::Error&) {
        db.Rollback();
        throw;
      }
    }
    return version;
  }

  void PrepareWriter(sql::Database&) override {}

  // Replicas write to the same database.
  bool shared() const override { return true; }
  std::string SchemaVersionQuery() const override {
    return "SELECT coalesce(max(version), 0) FROM clientele_schema";
  }

  // The lead is a session-scoped advisory lock on a connection of its
  // own: it goes with the session when this replica dies or loses the
  // server, and another replica's next ask takes it.
  bool LeadsBackgroundPasses() override {
    MutexLock lock(&lead_mutex_);
    try {
      if (lead_ == nullptr) lead_ = std::make_unique<PostgresDatabase>(settings_);
      // A dropped session dropped the lock: reconnect and ask again.
      if (holds_lead_ && !StillConnected(*lead_)) holds_lead_ = false;
      if (!holds_lead_) {
        lead_->ReconnectIfLost();
        std::unique_ptr<sql::Statement> take = lead_->Prepare(StrCat(
            "SELECT pg_try_advisory_lock", postgres::LockArguments(postgres::AdvisoryLock::kLead)));
        holds_lead_ = take->executeStep() && take->getColumn(0).getInt64() == 1;
      }
    } catch (const sql::Error&) {
      holds_lead_ = false;  // unreachable: some other replica leads, or none till it returns
    }
    return holds_lead_;
  }

  std::unique_ptr<ChangeSignal> ListenForChanges() override {
    return std::make_unique<postgres::PostgresChangeSignal>(settings_);
  }
  void SignalChanges(sql::Database& writer) override {
    static const std::string notify = StrCat("NOTIFY ", postgres::kChangesChannel);
    writer.Execute(notify);
  }

  absl::StatusOr<BackupRecord> BackupTo(sql::Database&, const std::string&, int) override {
    return absl::FailedPreconditionError(
        "the PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, "
        "pg_basebackup, continuous archiving), not by clienteled: see docs/operations.md, "
        "\"Backups with PostgreSQL\"");
  }

 private:
  static int SchemaVersion(sql::Database& db) {
    std::unique_ptr<sql::Statement> s =
        db.Prepare("SELECT coalesce(max(version), 0) FROM clientele_schema");
    s->executeStep();
    return s->getColumn(0).getInt();
  }

  static bool StillConnected(PostgresDatabase& db) {
    try {
      db.Execute("SELECT 1");
      return true;
    } catch (const sql::Error&) {
      return false;
    }
  }

  const ConnectionSettings settings_;
  const std::string location_;
  Mutex lead_mutex_;
  std::unique_ptr<PostgresDatabase> lead_ ABSL_GUARDED_BY(lead_mutex_);
  bool holds_lead_ ABSL_GUARDED_BY(lead_mutex_) = false;
};

// Where passwords are in a connection string, as [begin, end) ranges in
// order: a URL's user info (user:PASSWORD@) and every "password=" value
// (in a URL's query, up to '&'; in the key=value form, up to a space).
std::vector<std::pair<size_t, size_t>> PasswordSpans(std::string_view url) {
  std::vector<std::pair<size_t, size_t>> spans;
  const size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    const size_t start = scheme + 3;
    const size_t at = url.find('@', start);
    const size_t end_of_authority = url.find_first_of("/?", start);
    const size_t colon = url.find(':', start);
    if (at != std::string_view::npos &&
        (end_of_authority == std::string_view::npos || at < end_of_authority) &&
        colon != std::string_view::npos && colon < at) {
      spans.emplace_back(colon + 1, at);
    }
  }
  const char end_of_value = scheme != std::string_view::npos ? '&' : ' ';
  for (size_t key = url.find("password="); key != std::string_view::npos;
       key = url.find("password=", key + 9)) {
    const size_t end = url.find(end_of_value, key + 9);
    spans.emplace_back(key + 9, end == std::string_view::npos ? url.size() : end);
  }
  return spans;
}

}  // namespace

bool PostgresStore::IsUrl(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

bool PostgresStore::HoldsPassword(std::string_view url) { return !PasswordSpans(url).empty(); }

std::string PostgresStore::Redacted(std::string_view url) {
  std::string redacted;
  size_t copied = 0;
  for (const auto& [begin, end] : PasswordSpans(url)) {
    if (begin < copied) continue;  // inside the one before
    StrAppend(&redacted, url.substr(copied, begin - copied), "***");
    copied = end;
  }
  StrAppend(&redacted, url.substr(copied));
  return redacted;
}

absl::StatusOr<std::unique_ptr<Store>> PostgresStore::Open(const PostgresStoreOptions& options) {
  if (options.url.empty()) return absl::InvalidArgumentError("database URL is empty");
  if (HoldsPassword(options.url)) {
    return absl::InvalidArgumentError(
        StrCat("database URL '", Redacted(options.url),
               "' holds a password: give it in database_password_file or PGPASSWORD, so that "
               "it is never in a config file or a log"));
  }
  SqlStoreOptions store_options;
  store_options.stats_window_months = options.stats_window_months;
  store_options.read_connections = options.read_connections;
  store_options.task_changes_kept = options.task_changes_kept;
  store_options.observe = options.observe;
  return SqlStore::Open(std::make_unique<PostgresBackend>(options), store_options);
}

}  // namespace clientele::server
