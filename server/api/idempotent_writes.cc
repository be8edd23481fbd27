#include "server/api/idempotent_writes.h"

#include <optional>

#include "common/mutex.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace clientele::server::api_internal {

absl::StatusOr<rules::Customer> RequireCustomer(Transaction& tx, std::string_view id,
                                                const CustomerAsOf& as_of) {
  absl::StatusOr<std::optional<rules::Customer>> found = tx.FindCustomer(id, as_of);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("customer '", id, "' not found"));
  return std::move(**found);
}

absl::StatusOr<rules::Customer> RequireCustomer(Store& store, std::string_view id,
                                                const CustomerAsOf& as_of) {
  absl::StatusOr<std::optional<rules::Customer>> found = store.FindCustomer(id, as_of);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat("customer '", id, "' not found"));
  return std::move(**found);
}

// SHA-256 of the request's bytes, hex: what idempotency compares. The
// serialization is deterministic: a map field (RecordEvent's attributes)
// would otherwise come out in any order, and a retry look like another
// request.
std::string Fingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

void AddMessageToHash(const google::protobuf::Message& message, Sha256* hash) {
  const std::string bytes = message.SerializeAsString();
  hash->Add(StrCat(bytes.size(), ":"));
  hash->Add(bytes);
}

absl::Status WaitFor(absl::FunctionRef<void(Done)> start) {
  Mutex mutex;
  CondVar finished;
  std::optional<absl::Status> outcome;  // guarded by mutex
  start([&](absl::Status status) {
    MutexLock lock(&mutex);
    outcome = std::move(status);
    finished.NotifyOne();  // under the lock: the waiter owns `finished`
  });
  MutexLock lock(&mutex);
  while (!outcome.has_value()) finished.Wait(&mutex);
  return *std::move(outcome);
}

}  // namespace clientele::server::api_internal
