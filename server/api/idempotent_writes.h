// Idempotent writes, shared by the API classes of server/api/ that write:
// a write runs through the store's idempotency (Store::Write, or
// Store::Submit without waiting) under the request's key and fingerprint,
// so that a retry gets the response the first attempt stored; and
// RequireCustomer, the customer a write is about. Internal to server/api/;
// stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_IDEMPOTENT_WRITES_H_
#define CLIENTELE_SERVER_API_IDEMPOTENT_WRITES_H_

#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "google/protobuf/message.h"
#include "server/api/dependencies.h"
#include "server/api/requests.h"
#include "server/store/store.h"

namespace clientele::server::api_internal {

// SHA-256 of the request's bytes, hex: what idempotency compares.
std::string Fingerprint(const google::protobuf::Message& request);

// Adds the message's bytes prefixed by their length to `hash`, so that
// the same bytes split into other messages hash differently.
void AddMessageToHash(const google::protobuf::Message& message, Sha256* hash);

// The stored customer, or NOT_FOUND "customer 'id' not found": in a
// write, and in a read of the store.
absl::StatusOr<rules::Customer> RequireCustomer(Transaction& tx, std::string_view id,
                                                const CustomerAsOf& as_of);
absl::StatusOr<rules::Customer> RequireCustomer(Store& store, std::string_view id,
                                                const CustomerAsOf& as_of);

// Runs a write through the store's idempotency and parses its response.
// `fingerprint` identifies the request (Fingerprint(request) for unary
// calls).
template <typename Response, typename Write>
absl::Status IdempotentWriteWithFingerprint(Store* store, std::string_view method,
                                            std::string_view fingerprint, std::string_view key,
                                            Response* response, Write write) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  absl::StatusOr<std::string> bytes =
      store->Write({key, method, fingerprint}, [&](Transaction& tx) -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = write(tx, &fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      });
  if (!bytes.ok()) return bytes.status();
  if (!response->ParseFromString(*bytes)) {
    return absl::InternalError(StrCat("stored response of ", method, " is unreadable"));
  }
  return absl::OkStatus();
}

template <typename Response, typename Write>
absl::Status IdempotentWrite(Store* store, std::string_view method,
                             const google::protobuf::Message& request, std::string_view key,
                             Response* response, Write write) {
  return IdempotentWriteWithFingerprint(store, method, Fingerprint(request), key, response,
                                        std::move(write));
}

// IdempotentWrite without waiting for the commit (Store::Submit): `done`
// gets the outcome once, on this thread before returning when the key is
// bad, else on the store's writer or completion thread. `write` is moved into the queue
// and must own what it uses, except `request` and `response`, which must
// live until `done` runs.
template <typename Response, typename Write>
void SubmitIdempotentWrite(Store* store, std::string_view method,
                           const google::protobuf::Message& request, std::string_view key,
                           Store::Deadline deadline, Response* response, Write write,
                           Done done) {
  if (absl::Status s = CheckKey(key); !s.ok()) return done(std::move(s));
  store->Submit(
      {key, method, Fingerprint(request)}, deadline,
      [write = std::move(write)](Transaction& tx) mutable -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = write(tx, &fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      },
      [method, response, done = std::move(done)](absl::StatusOr<std::string> bytes) mutable {
        if (!bytes.ok()) return done(bytes.status());
        if (!response->ParseFromString(*bytes)) {
          return done(absl::InternalError(StrCat("stored response of ", method, " is unreadable")));
        }
        done(absl::OkStatus());
      });
}

// Runs an asynchronous operation and waits for its outcome: `start` gets
// the Done to call.
absl::Status WaitFor(absl::FunctionRef<void(Done)> start);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_IDEMPOTENT_WRITES_H_
