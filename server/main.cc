// clienteled: the clientele gRPC server.
//
//   clienteled --config config/server.yaml
//
// Loads the config and the ruleset (refusing to start, with every
// diagnostic printed, when the rules have errors), opens and migrates the
// database, fills it with demo data when empty and so configured, and
// serves until SIGTERM or SIGINT; then it stops accepting calls, lets
// in-flight ones finish (up to shutdown_grace_seconds) and closes the
// database. Prints "listening on HOST:PORT" once ready (port 0 in the
// config is replaced by the port chosen).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rules/strings.h"
#include "server/config.h"
#include "server/demo_data.h"
#include "server/log.h"
#include "server/service.h"
#include "server/store.h"

namespace clientele::server {
namespace {

int Fail(std::string_view event, std::string message) {
  Log(LogLevel::kError, event, {{"error", std::move(message)}});
  return 1;
}

int Serve(const std::string& config_path) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(config_path);
  if (!config.ok()) return Fail("config_invalid", std::string(config.status().message()));
  SetLogLevel(ParseLogLevel(config->log_level));

  rules::LoadResult loaded = rules::RuleSet::LoadDirectory(config->rules);
  if (!loaded.ok()) {
    std::fputs(rules::FormatDiagnostics(loaded.diagnostics).c_str(), stderr);
    return Fail("rules_invalid", StrCat("the ruleset in ", config->rules, " has errors"));
  }
  auto served = std::make_shared<ServedRuleset>();
  served->ruleset = loaded.ruleset;
  served->directory = config->rules;
  served->loaded_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  RulesetHolder holder(served);
  Log(LogLevel::kInfo, "rules_loaded",
      {{"directory", config->rules}, {"version", loaded.ruleset->version()}});

  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(config->database).parent_path(),
                                      ignored);
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open({config->database, 5000, config->stats_window_months, config->sync_every_commit});
  if (!store.ok()) return Fail("database_unavailable", std::string(store.status().message()));
  Log(LogLevel::kInfo, "database_open",
      {{"path", config->database}, {"schema_version", StrCat((*store)->schema_version())}});

  Operations operations(store->get(), &holder, config->limits);
  if (config->demo_data) {
    absl::StatusOr<int64_t> count = (*store)->CountCustomers();
    if (!count.ok()) return Fail("database_unavailable", std::string(count.status().message()));
    if (*count == 0) {
      if (absl::Status s = LoadDemoData(&operations); !s.ok()) {
        return Fail("demo_data_failed", std::string(s.message()));
      }
      Log(LogLevel::kInfo, "demo_data_loaded", {{"customers", StrCat(kDemoCustomers)}});
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config->listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(config->max_message_bytes);
  builder.SetMaxSendMessageSize(config->max_message_bytes);
  WorkerPool write_pool(config->write_threads);  // outlives the server: declared first
  std::vector<std::unique_ptr<grpc::Service>> services = MakeServices(&operations, &write_pool);
  for (const auto& service : services) builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("listen_failed", StrCat("cannot listen on ", config->listen));
  }
  const std::string host = config->listen.substr(0, config->listen.rfind(':'));
  const std::string address = StrCat(host, ":", port);
  Log(LogLevel::kInfo, "listening", {{"address", address}});
  std::printf("listening on %s\n", address.c_str());
  std::fflush(stdout);

  // Wait for SIGTERM / SIGINT (blocked in every thread, see main).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int received = 0;
  sigwait(&signals, &received);
  Log(LogLevel::kInfo, "shutting_down",
      {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"grace_seconds", StrCat(config->shutdown_grace_seconds)}});
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(config->shutdown_grace_seconds));
  server->Wait();
  store->reset();  // closes the database after the last call
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace clientele::server

int main(int argc, char** argv) {
  CLI::App app{"clienteled: the clientele gRPC server"};
  std::string config_path = "config/server.yaml";
  app.add_option("--config", config_path, "server config file (YAML)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // Abseil's deadlock detection is a debugging aid that costs on every
  // lock of a busy server; the sanitizer builds check locking instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the shutdown signals before gRPC starts its threads, so that
  // only Serve's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return clientele::server::Serve(config_path);
}
