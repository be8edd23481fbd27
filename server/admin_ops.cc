// Administration: online backups of the store (Admin.Backup).
#include <chrono>
#include <filesystem>
#include <random>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/service.h"
#include "server/service_internal.h"

namespace clientele::server {

Operations::TakenBackup::~TakenBackup() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
  slot_->store(false);
}

absl::StatusOr<std::unique_ptr<Operations::TakenBackup>> Operations::TakeBackup() {
  if (backup_held_.exchange(true)) {
    return absl::ResourceExhaustedError("another backup is running; try again when it is done");
  }
  // Beside the database: the same file system, so room for the database
  // is likely room for its copy; a random name, so that a file left by a
  // crash never stands in the way.
  std::random_device random;
  const std::filesystem::path database(store_->path());
  const std::string path =
      (database.parent_path() /
       StrCat(database.filename().string(), ".backup-", random(), random(), ".tmp"))
          .string();
  std::shared_ptr<const ServedRuleset> served = rules_->Current();
  const absl::Time taken_at = absl::Now();
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
  manifest.set_taken_at(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", taken_at, absl::UTCTimeZone()));
  manifest.set_ruleset_version(served == nullptr ? "" : served->ruleset->version());
  manifest.set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  return std::make_unique<TakenBackup>(path, std::move(manifest), &backup_held_);
}

}  // namespace clientele::server
