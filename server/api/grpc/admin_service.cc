// Admin: the callback service, and the Backup reactor.
#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>

#include "clientele/v1/admin.grpc.pb.h"
#include "common/mutex.h"
#include "common/sha256.h"
#include "server/api/admin.h"
#include "server/api/grpc/callback_services.h"
#include "server/api/grpc/calls.h"

namespace clientele::server {

using namespace grpc_internal;  // NOLINT: the helpers of every service

namespace {

// Streams a backup: takes it on the write pool (seconds for a large store,
// off gRPC's threads), then sends the file a chunk at a time, one write
// outstanding, hashing as it goes. The backup (and so its temporary file)
// lives until the stream ends, however it ends: it is removed before the
// final status goes out (or with the reactor, if none does).
//
// Every reaction works under mutex_ and only decides the final status
// there; Finish is called after the lock is released, as the last use of
// `this` (gRPC may run OnDone, which deletes the reactor, at once on
// another thread).
class BackupReactor final : public grpc::ServerWriteReactor<v1::BackupChunk> {
 public:
  BackupReactor(AdminApi* api, WorkerPool* pool, size_t chunk_bytes, std::string_view caller,
                StreamSlots::Slot slot)
      : chunk_bytes_(chunk_bytes), slot_(std::move(slot)) {
    pool->Run([this, api, caller, began = std::chrono::steady_clock::now()] {
      absl::StatusOr<std::unique_ptr<AdminApi::TakenBackup>> taken = api->TakeBackup();
      LogCall("Backup", taken.status(), began, caller);
      React([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        if (!taken.ok()) return FinishWith(ToGrpc(taken.status()));
        if (cancelled_) return FinishWith(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        backup_ = std::move(*taken);
        file_.open(backup_->path(), std::ios::binary);
        if (!file_ || !hash_.ok()) {
          return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the backup"));
        }
        *chunk_.mutable_manifest() = backup_->manifest();
        SendNextLocked();
      });
    });
  }

  void OnWriteDone(bool ok) override {
    React([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      if (!ok) return FinishWith(grpc::Status(grpc::StatusCode::CANCELLED, "the client left"));
      if (last_sent_) return FinishWith(grpc::Status::OK);
      chunk_.Clear();
      SendNextLocked();
    });
  }
  // A cancel while the copy is being taken ends the stream once it is
  // (VACUUM INTO is not interrupted); during the stream the outstanding
  // write fails and OnWriteDone ends it.
  void OnCancel() override {
    React([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { cancelled_ = true; });
  }
  void OnDone() override { delete this; }

 private:
  // Runs `reaction` (which requires mutex_) under the lock, then finishes
  // if it decided to.
  template <typename Reaction>
  void React(Reaction reaction) ABSL_LOCKS_EXCLUDED(mutex_) {
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(&mutex_);
      reaction();
      if (finish_with_.has_value() && !finished_) {
        finished_ = true;
        finish = std::move(finish_with_);
        // The temporary copy goes before the client hears the end: once a
        // backup has returned, nothing of it is left beside the database.
        file_.close();
        backup_.reset();
      }
    }
    if (finish.has_value()) Finish(std::move(*finish));  // the last use of `this`
  }
  void FinishWith(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (!finish_with_.has_value()) finish_with_ = std::move(status);
  }
  // Reads the next chunk into chunk_ (the last one gets the SHA-256) and
  // writes it.
  void SendNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    std::string* data = chunk_.mutable_data();
    data->resize(chunk_bytes_);
    file_.read(data->data(), static_cast<std::streamsize>(chunk_bytes_));
    data->resize(static_cast<size_t>(file_.gcount()));
    if (file_.bad() || !hash_.Add(*data)) {
      return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the backup"));
    }
    sent_bytes_ += static_cast<int64_t>(data->size());
    if (sent_bytes_ >= backup_->manifest().size_bytes() || file_.eof()) {
      if (sent_bytes_ != backup_->manifest().size_bytes()) {
        return FinishWith(
            grpc::Status(grpc::StatusCode::INTERNAL, "the backup changed while it was sent"));
      }
      const std::string hex = hash_.Hex();
      if (!hash_.ok()) {
        return FinishWith(grpc::Status(grpc::StatusCode::INTERNAL, "cannot hash the backup"));
      }
      chunk_.set_sha256(hex);
      last_sent_ = true;
    }
    StartWrite(&chunk_);
  }

  const size_t chunk_bytes_;
  const StreamSlots::Slot slot_;
  Mutex mutex_;
  std::unique_ptr<AdminApi::TakenBackup> backup_ ABSL_GUARDED_BY(mutex_);
  std::ifstream file_ ABSL_GUARDED_BY(mutex_);
  Sha256 hash_ ABSL_GUARDED_BY(mutex_);            // of the data sent
  v1::BackupChunk chunk_ ABSL_GUARDED_BY(mutex_);  // the write outstanding
  int64_t sent_bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  bool last_sent_ ABSL_GUARDED_BY(mutex_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  std::optional<grpc::Status> finish_with_ ABSL_GUARDED_BY(mutex_);
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
};

class AdminService final : public v1::Admin::CallbackService {
 public:
  explicit AdminService(const ServiceContext& c)
      // A chunk and its framing fit in a message, up to 1 MiB.
      : api_(&c.apis->admin),
        pool_(c.write_pool),
        slots_(c.stream_slots),
        auth_(c.auth),
        chunk_bytes_(std::clamp<size_t>(c.max_message_bytes - 512, 256, 1 << 20)) {}
  grpc::ServerWriteReactor<v1::BackupChunk>* Backup(grpc::CallbackServerContext* context,
                                                    const v1::BackupRequest* /*request*/) override {
    absl::StatusOr<Caller> caller = Admit(*auth_, context, "Backup");
    if (!caller.ok()) return new RefusedStream<v1::BackupChunk>("Backup", caller.status());
    absl::StatusOr<StreamSlots::Slot> slot = slots_->Acquire();
    if (!slot.ok()) return new RefusedStream<v1::BackupChunk>("Backup", slot.status());
    return new BackupReactor(api_, pool_, chunk_bytes_, caller->name, std::move(*slot));
  }

 private:
  AdminApi* api_;
  WorkerPool* pool_;
  StreamSlots* slots_;
  const Authenticator* auth_;
  const size_t chunk_bytes_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeAdminService(const ServiceContext& context) {
  return std::make_unique<AdminService>(context);
}

}  // namespace clientele::server
