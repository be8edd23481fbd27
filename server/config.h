// clienteled's configuration file (config/server.yaml). Relative paths in
// it are relative to the directory of the file itself, so that the server
// runs the same from any working directory. A ServerConfig is a plain
// value: read it from any thread.
#ifndef CLIENTELE_SERVER_CONFIG_H_
#define CLIENTELE_SERVER_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/api/auth.h"
#include "server/api/decision_log.h"
#include "server/api/request_limits.h"
#include "server/infra/transport_options.h"

namespace clientele::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";  // host:port; port 0 picks a free one
  // A SQLite file (created when missing) or a postgresql:// URL, which
  // must not hold the password: database_password_file or libpq's
  // PGPASSWORD give it.
  std::string database;
  std::string database_password_file;       // PostgreSQL: the password is its first line
  int database_read_connections = 4;        // reads at once: connections besides the writer's
  std::string rules;                        // ruleset directory
  bool rules_watch = true;                  // reload when the directory changes
  int rules_debounce_ms = 200;              // quiet time after a change before reloading
  int stats_window_months = 12;             // purchase stats window
  bool demo_data = true;                    // fill an empty database with demo data
  std::string log_level = "info";           // debug | info | warning | error
  int max_message_bytes = 4 << 20;          // per gRPC message
  int max_open_streams = 256;               // streaming calls open at once, server-wide
  int max_streams_per_connection = 100;     // calls open at once on one connection
  int shutdown_grace_seconds = 10;          // in-flight calls get this long on SIGTERM
  int write_threads = 64;                   // calls that write wait side by side on these
  bool sync_every_commit = true;            // see SqliteStoreOptions::sync_every_commit
  int idempotency_key_days = 30;            // keys expire after this long (0: never), KeyRetention
  int points_expiry_minutes = 60;           // how often expired points are written off (0: never)
  // How often to look whether today's tier review ran (once a day; 0: never).
  int tier_review_minutes = 60;
  // How often to look whether the stored segments need a refresh (another
  // ruleset version, a new day); a new version wakes it at once. 0: never.
  int segment_refresh_minutes = 60;
  RequestLimits limits;
  // The most work units one evaluation may take (rules::LoadOptions).
  uint64_t max_evaluation_work = 1'000'000;
  // Transport: TLS, or plain text when said explicitly (and then only on a
  // loopback address unless allow_remote_plaintext). Exactly one of the two.
  std::optional<TlsFiles> tls;
  bool plaintext = false;
  bool allow_remote_plaintext = false;
  // tls and plaintext, for transport.h.
  TransportOptions transport() const { return {tls, plaintext}; }
  std::vector<TokenConfig> tokens;  // auth.tokens: at least one
  std::string metrics_listen;       // host:port of the Prometheus endpoint; "" for none
  // host:port of the JSON gateway (server/gateway/json_gateway.h), secured
  // as `listen` is; "" for none.
  std::string http_listen;
  int http_threads = 16;  // HTTP requests served at once; at most half of them streams
  // decision_log: {sample_rate, max_entries, max_age_days}; off unless
  // sample_rate is above 0.
  DecisionLogOptions decision_log;
};

// Reads and checks the file. INVALID_ARGUMENT naming the file, line and
// key for unknown keys, wrong types, out-of-range values, a missing or
// ambiguous transport (tls / plaintext), plain text on a non-loopback
// address, and missing or malformed tokens; NOT_FOUND when the file does
// not exist. The TLS files are not read here (see transport.h).
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_CONFIG_H_
