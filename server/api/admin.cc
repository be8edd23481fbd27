// The Admin service: online backups of the store (Admin.Backup).
#include "server/api/admin.h"

#include <chrono>
#include <filesystem>
#include <random>

#include "common/strings.h"

namespace clientele::server {

AdminApi::TakenBackup::~TakenBackup() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
  slot_->store(false);
}

absl::StatusOr<std::unique_ptr<AdminApi::TakenBackup>> AdminApi::TakeBackup() {
  if (backup_held_.exchange(true)) {
    return absl::ResourceExhaustedError("another backup is running; try again when it is done");
  }
  // Beside the database: the same file system, so room for the database
  // is likely room for its copy; a random name, so that a file left by a
  // crash never stands in the way.
  std::random_device random;
  const std::filesystem::path database(store_->path());
  // The prefix RemoveAbandonedBackups looks for.
  const std::string path =
      (database.parent_path() /
       StrCat(database.filename().string(), ".backup-", random(), random(), ".tmp"))
          .string();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  const auto began = std::chrono::steady_clock::now();
  absl::StatusOr<BackupRecord> record = store_->BackupTo(path);
  if (!record.ok()) {
    backup_held_.store(false);
    return record.status();
  }
  v1::BackupManifest manifest;
  manifest.set_size_bytes(record->size_bytes);
  manifest.set_schema_version(record->schema_version);
  manifest.set_customers(record->customers);
  manifest.set_taken_at(record->taken_at);
  manifest.set_ruleset_version(served == nullptr ? "" : served->ruleset->version());
  manifest.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  return std::make_unique<TakenBackup>(path, std::move(manifest), &backup_held_);
}

int RemoveAbandonedBackups(const std::string& database_path) {
  const std::filesystem::path database(database_path);
  const std::string prefix = database.filename().string() + ".backup-";
  std::error_code error;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           database.parent_path().empty() ? "." : database.parent_path(), error)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0 &&
        std::filesystem::remove(entry.path(), error)) {
      ++removed;
    }
  }
  return removed;
}

}  // namespace clientele::server
