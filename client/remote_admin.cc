// The remote commands of the Admin service: `clientele admin backup`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/admin.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "common/sha256.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// The backup file being received: written to FILE.partial, synced, then
// renamed to FILE, so that FILE is either a whole checked backup or not
// there at all. The partial file is removed unless Keep() succeeded.
class IncomingFile {
 public:
  explicit IncomingFile(std::string path) : path_(std::move(path)), partial_(path_ + ".partial") {}
  ~IncomingFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (created_ && !kept_) std::remove(partial_.c_str());
  }
  // An error message, or "" when the partial file is open. Readable by its
  // owner only: a backup holds customers' personal data. Never opens a
  // partial file that exists: it belongs to another backup to the same
  // FILE, running or cut short.
  std::string Open() {
    const int fd =
        ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      return StrCat("'", partial_,
                    "' exists: another backup to this file is running, or one was cut short "
                    "(then remove it and try again)");
    }
    if (fd >= 0) {
      created_ = true;
      file_ = ::fdopen(fd, "wb");
    }
    if (file_ == nullptr) {
      const std::string problem = StrCat("cannot write '", partial_, "': ", std::strerror(errno));
      if (fd >= 0) ::close(fd);
      return problem;
    }
    return "";
  }
  bool Append(const std::string& data) {
    return std::fwrite(data.data(), 1, data.size(), file_) == data.size();
  }
  // Syncs and closes the partial file, renames it to the path and syncs
  // the directory, so that after a crash FILE is the whole backup or the
  // old FILE.
  std::string Keep() {
    const bool written = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!written || !closed) return StrCat("cannot write '", partial_, "': ", std::strerror(errno));
    std::error_code error;
    std::filesystem::rename(partial_, path_, error);
    if (error) return StrCat("cannot rename '", partial_, "' to '", path_, "': ", error.message());
    kept_ = true;
    std::filesystem::path directory = std::filesystem::path(path_).parent_path();
    if (directory.empty()) directory = ".";
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = dir >= 0 && ::fsync(dir) == 0;
    if (dir >= 0) ::close(dir);
    if (!synced) return StrCat("cannot sync the directory of '", path_, "': ", std::strerror(errno));
    return "";
  }

 private:
  const std::string path_;
  const std::string partial_;
  std::FILE* file_ = nullptr;
  bool created_ = false;
  bool kept_ = false;
};

std::string Megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

int RunBackup(const BackupOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code error;
  if (options.file.empty()) {
    err << "error: FILE is required\n";
    return kExitBadInput;
  }
  if (std::filesystem::exists(options.file, error) && !options.force) {
    err << "error: '" << options.file << "' exists; give --force to replace it\n";
    return kExitBadInput;
  }
  IncomingFile incoming(options.file);
  if (std::string problem = incoming.Open(); !problem.empty()) {
    err << "error: " << problem << "\n";
    return kExitBadInput;
  }
  v1::Admin::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  SetDeadline(options.remote, kStreamTimeoutSeconds, &context);
  const auto began = std::chrono::steady_clock::now();
  std::unique_ptr<grpc::ClientReader<v1::BackupChunk>> reader =
      stub.Backup(&context, v1::BackupRequest());
  v1::BackupChunk chunk;
  v1::BackupManifest manifest;
  Sha256 hash;
  int64_t received = 0;
  std::string sent_hash;
  std::string problem;
  while (reader->Read(&chunk)) {
    if (chunk.has_manifest()) manifest = chunk.manifest();
    if (!incoming.Append(chunk.data())) {
      problem = StrCat("cannot write '", options.file, ".partial': ", std::strerror(errno));
      context.TryCancel();
      break;
    }
    hash.Add(chunk.data());
    received += static_cast<int64_t>(chunk.data().size());
    if (!chunk.sha256().empty()) sent_hash = chunk.sha256();
  }
  const grpc::Status status = reader->Finish();
  if (!problem.empty()) {
    err << "error: " << problem << "\n";
    return kExitBadInput;
  }
  if (!status.ok()) return ReportError(status, options.remote, err);
  if (received != manifest.size_bytes() || sent_hash.empty() || hash.Hex() != sent_hash) {
    err << "error: the backup arrived damaged (" << received << " of " << manifest.size_bytes()
        << " bytes, checksum " << (hash.Hex() == sent_hash ? "matches" : "differs")
        << "); nothing was written to '" << options.file << "'\n";
    return kExitServerError;
  }
  if (std::string kept = incoming.Keep(); !kept.empty()) {
    err << "error: " << kept << "\n";
    return kExitBadInput;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (options.remote.json) {
    out << nlohmann::json{{"file", options.file},
                          {"size_bytes", manifest.size_bytes()},
                          {"sha256", sent_hash},
                          {"schema_version", manifest.schema_version()},
                          {"customers", manifest.customers()},
                          {"taken_at", manifest.taken_at()},
                          {"ruleset_version", manifest.ruleset_version()},
                          {"server_seconds", manifest.seconds()},
                          {"seconds", seconds}}
               .dump()
        << "\n";
    return kExitOk;
  }
  out << "backup written to " << options.file << "\n"
      << RenderFields({{"customers", StrCat(manifest.customers())},
                       {"size", Megabytes(manifest.size_bytes())},
                       {"taken at", manifest.taken_at()},
                       {"schema version", StrCat(manifest.schema_version())},
                       {"ruleset served", manifest.ruleset_version().empty()
                                              ? "(none)"
                                              : manifest.ruleset_version()},
                       {"sha256", sent_hash}},
                      "  ");
  return kExitOk;
}

}  // namespace clientele::client
