// clienteled's configuration file (config/server.yaml). Relative paths in
// it are relative to the directory of the file itself, so that the server
// runs the same from any working directory.
#ifndef CLIENTELE_SERVER_CONFIG_H_
#define CLIENTELE_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/service.h"

namespace clientele::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";  // host:port; port 0 picks a free one
  std::string database;                     // SQLite file, created when missing
  std::string rules;                        // ruleset directory
  bool rules_watch = true;                  // reload when the directory changes
  int rules_debounce_ms = 200;              // quiet time after a change before reloading
  int stats_window_months = 12;             // purchase stats window
  bool demo_data = true;                    // fill an empty database with demo data
  std::string log_level = "info";           // debug | info | warning | error
  int max_message_bytes = 4 << 20;          // per gRPC message
  int shutdown_grace_seconds = 10;          // in-flight calls get this long on SIGTERM
  int write_threads = 64;                   // calls that write wait side by side on these
  bool sync_every_commit = true;            // see StoreOptions::sync_every_commit
  RequestLimits limits;
};

// Reads and checks the file. INVALID_ARGUMENT naming the file, line and
// key for unknown keys, wrong types and out-of-range values; NOT_FOUND when
// the file does not exist.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_CONFIG_H_
