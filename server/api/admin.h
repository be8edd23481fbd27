// The Admin service (proto/clientele/v1/admin.proto): online backups of
// the store. Statuses and thread safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_ADMIN_H_
#define CLIENTELE_SERVER_API_ADMIN_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "clientele/v1/admin.pb.h"
#include "server/api/dependencies.h"

namespace clientele::server {

class AdminApi {
 public:
  // What `dependencies` points to must outlive the AdminApi.
  explicit AdminApi(const ApiDependencies& dependencies)
      : store_(dependencies.store), rules_(dependencies.rules) {}

  // A checked copy of the database in a temporary file beside it, for the
  // Backup stream to send; destroying it removes the file and lets the
  // next backup start. Takes seconds for a large store: call it off
  // gRPC's threads. RESOURCE_EXHAUSTED while another backup is held.
  class TakenBackup {
   public:
    TakenBackup(std::string path, v1::BackupManifest manifest, std::atomic<bool>* slot)
        : path_(std::move(path)), manifest_(std::move(manifest)), slot_(slot) {}
    ~TakenBackup();
    TakenBackup(const TakenBackup&) = delete;
    TakenBackup& operator=(const TakenBackup&) = delete;
    const std::string& path() const { return path_; }
    const v1::BackupManifest& manifest() const { return manifest_; }

   private:
    const std::string path_;
    const v1::BackupManifest manifest_;
    std::atomic<bool>* const slot_;
  };
  absl::StatusOr<std::unique_ptr<TakenBackup>> TakeBackup();

 private:
  Store* const store_;
  RulesetHolder* const rules_;
  std::atomic<bool> backup_held_{false};  // a TakenBackup exists
};

// Removes what backups in progress when the server last died left beside
// the database (DATABASE.backup-*: TakenBackup removes its file, but not
// after a kill -9 or a power loss); returns how many files. For the start,
// before any backup can run.
int RemoveAbandonedBackups(const std::string& database_path);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_ADMIN_H_
