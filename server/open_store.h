// The store that the config's `database` names: a SQLite file (its
// directory made when missing) or a postgresql:// URL, with the password
// from database_password_file (libpq's PGPASSWORD otherwise). Database
// timings go to the global metrics.
#ifndef CLIENTELE_SERVER_OPEN_STORE_H_
#define CLIENTELE_SERVER_OPEN_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/config.h"
#include "server/store/store.h"

namespace clientele::server {

// Errors: those of SqliteStore::Open / PostgresStore::Open, and
// FAILED_PRECONDITION when the password file cannot be read or is empty
// (its contents are never in a message).
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const ServerConfig& config);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_OPEN_STORE_H_
