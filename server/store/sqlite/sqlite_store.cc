// The SQLite backend of the relational store: the file's connections, the
// migrations (PRAGMA user_version counts them) and the backup.
#include "server/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>

#include "common/strings.h"
#include "server/store/sql/schema.h"
#include "server/store/sql/sql_store.h"
#include "server/store/sqlite/sqlite_database.h"

namespace clientele::server {
namespace {

class SqliteBackend final : public SqlBackend {
 public:
  explicit SqliteBackend(const SqliteStoreOptions& options) : options_(options) {}

  const std::string& location() const override { return options_.path; }

  std::unique_ptr<sql::Database> Connect() override {
    return std::make_unique<sqlite::SqliteDatabase>(options_.path, options_.busy_timeout_ms,
                                                    options_.sync_every_commit);
  }

  absl::StatusOr<int> Migrate(sql::Database& db) override {
    int version = UserVersion(db);
    const int latest = SqliteStore::LatestSchemaVersion();
    if (version > latest) {
      return absl::FailedPreconditionError(
          StrCat("database '", options_.path, "' has schema version ", version,
                 ", newer than this clientele's ", latest, ": use a newer clientele"));
    }
    for (; version < latest; ++version) {
      db.BeginWrite();
      try {
        db.Execute(SqliteStore::MigrationScript(version + 1));
        db.Execute(StrCat("PRAGMA user_version=", version + 1));
        db.Commit();
      } catch (const sql::Error&) {
        db.Rollback();
        throw;
      }
    }
    return version;
  }

  void PrepareWriter(sql::Database& db) override {
    // The writer's cache holds a whole group's pages: with SQLite's default
    // 2 MB it wrote pages to the WAL in the middle of a group, three times
    // the writes of a purchase. (Readers keep the default.)
    db.Execute("PRAGMA cache_size=-32000");
  }

  // One process owns the file: it may keep everyone's offer usage in
  // memory, and runs the background passes.
  bool shared() const override { return false; }
  std::string SchemaVersionQuery() const override { return ""; }
  bool LeadsBackgroundPasses() override { return true; }
  // Not shared: its own writes are all the changes there are.
  std::unique_ptr<ChangeSignal> ListenForChanges() override { return nullptr; }
  void SignalChanges(sql::Database&) override {}

  // VACUUM INTO on one read snapshot, then PRAGMA quick_check of the copy.
  absl::StatusOr<BackupRecord> BackupTo(sql::Database& reader, const std::string& path,
                                        int schema_version) override;

 private:
  static int UserVersion(sql::Database& db) {
    std::unique_ptr<sql::Statement> s = db.Prepare("PRAGMA user_version");
    s->executeStep();
    return s->getColumn(0).getInt();
  }

  const SqliteStoreOptions options_;
};

absl::StatusOr<BackupRecord> SqliteBackend::BackupTo(sql::Database& reader, const std::string& path,
                                                     int schema_version) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return absl::AlreadyExistsError(StrCat("backup file '", path, "' already exists"));
  }
  auto discard = [&](absl::Status status) {
    std::filesystem::remove(path, error);
    return status;
  };
  BackupRecord record;
  record.taken_at = UtcMillisecondsText(std::chrono::system_clock::now());
  try {
    std::unique_ptr<sql::Statement> vacuum = reader.Prepare("VACUUM INTO ?");
    vacuum->bind(1, path);
    vacuum->exec();
  } catch (const sql::Error& e) {
    return discard(sql::FromError(e, StrCat("writing the backup to '", path, "'")));
  }
  try {
    SQLite::Database copy(path, SQLite::OPEN_READONLY);
    const std::string check = copy.execAndGet("PRAGMA quick_check").getString();
    if (check != "ok") {
      return discard(absl::DataLossError(StrCat("the backup failed its check: ", check)));
    }
    record.schema_version = copy.execAndGet("PRAGMA user_version").getInt();
    if (record.schema_version != schema_version) {
      return discard(
          absl::InternalError(StrCat("the backup has schema version ", record.schema_version,
                                     ", the store ", schema_version)));
    }
    record.customers = copy.execAndGet("SELECT count(*) FROM customers").getInt64();
    record.size_bytes = static_cast<int64_t>(std::filesystem::file_size(path));
    return record;
  } catch (const SQLite::Exception& e) {
    return discard(absl::InternalError(StrCat("checking the backup '", path, "': ", e.what())));
  } catch (const std::filesystem::filesystem_error& e) {
    return discard(absl::InternalError(StrCat("checking the backup '", path, "': ", e.what())));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> SqliteStore::Open(const SqliteStoreOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation,
  // and nothing here reads them. Only possible before SQLite's first use
  // in the process; later it fails harmlessly.
  static std::once_flag sqlite_configured;
  std::call_once(sqlite_configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (options.path.empty()) return absl::InvalidArgumentError("database path is empty");
  SqlStoreOptions store_options;
  store_options.stats_window_months = options.stats_window_months;
  store_options.read_connections = options.read_connections;
  store_options.observe = options.observe;
  return SqlStore::Open(std::make_unique<SqliteBackend>(options), store_options);
}

int SqliteStore::LatestSchemaVersion() { return sql::LatestSchemaVersion(); }

std::string_view SqliteStore::MigrationScript(int version) { return sql::MigrationScript(version); }

}  // namespace clientele::server
