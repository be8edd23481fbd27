// clienteled: the clientele gRPC server.
//
//   clienteled --config config/server.yaml
//
// Loads the config, opens and migrates the database, loads the ruleset
// (when it has errors, every diagnostic is printed and the server starts
// NOT_SERVING until the files are fixed), fills an empty database with
// demo data when so configured (and the rules are valid), and serves.
// The rules directory is watched and reloaded on change, on SIGHUP and on
// the ReloadRuleset RPC. On SIGTERM or SIGINT it stops accepting calls,
// lets in-flight ones finish (up to shutdown_grace_seconds) and closes the
// database. Prints "listening on HOST:PORT" once ready (port 0 in the
// config is replaced by the port chosen). The port speaks TLS (mutual when
// the config names a client CA) or, when the config says so, plain text;
// every clientele.v1 call needs a bearer token (server/api/auth.h; the roles:
// server/api/roles.h).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/strings.h"
#include "rules/rule_tests.h"
#include "server/api/apis.h"
#include "server/api/fleet_rulesets.h"
#include "server/api/grpc/services.h"
#include "server/api/grpc/transport.h"
#include "server/api/grpc/unparseable_request_interceptor.h"
#include "server/config.h"
#include "server/demo_data.h"
#include "server/gateway/json_gateway.h"
#include "server/infra/log.h"
#include "server/infra/metrics.h"
#include "server/infra/metrics_endpoint.h"
#include "server/key_retention.h"
#include "server/open_store.h"
#include "server/points_expiry.h"
#include "server/reload/directory_watcher.h"
#include "server/reload/reloader.h"
#include "server/segment_refresh.h"
#include "server/store/postgres/postgres_store.h"
#include "server/store/store.h"
#include "server/tier_review.h"

namespace clientele::server {
namespace {

// This replica's name among those sharing the database: the address it
// listens on, so that `clientele rules status` shows each replica where
// it can be reached, with the machine's host name (a Kubernetes pod's
// name) for a wildcard or loopback address, which replicas on several
// machines would share.
std::string ReplicaName(const std::string& listen_host, int port) {
  if (listen_host.empty() || listen_host == "0.0.0.0" || listen_host == "[::]" ||
      listen_host.starts_with("127.") || listen_host == "[::1]" || listen_host == "localhost") {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return StrCat(name, ":", port);
  }
  return StrCat(listen_host, ":", port);
}

int Fail(std::string_view event, std::string message) {
  Log(LogLevel::kError, event, {{"error", std::move(message)}});
  return 1;
}

// Keeps every version before it is served (RulesReloader::Archive).
absl::Status ArchiveRuleset(Store* store, const ServedRuleset& candidate) {
  return store->KeepRulesetVersion({candidate.ruleset->version(), candidate.directory, "",
                                    candidate.loaded_at, 0, candidate.ruleset->sources()});
}

// A line per attempt: rejected ones at error with every diagnostic.
void LogAttempt(const ReloadAttempt& attempt) {
  std::vector<std::pair<std::string_view, std::string>> fields = {
      {"trigger", attempt.trigger},
      {"outcome", std::string(ReloadOutcomeName(attempt.outcome))},
      {"version", attempt.version},
      {"serving", attempt.serving_version},
      {"us", StrCat(attempt.duration_micros)},
      {"message", attempt.message}};
  switch (attempt.outcome) {
    case ReloadOutcome::kAccepted:
      Log(LogLevel::kInfo, "rules_reloaded", fields);
      break;
    case ReloadOutcome::kUnchanged:
      Log(LogLevel::kDebug, "rules_unchanged", fields);
      return;
    case ReloadOutcome::kRejected:
      Log(LogLevel::kError, "rules_rejected", fields);
      break;
  }
  for (const rules::Diagnostic& d : attempt.diagnostics) {
    std::vector<std::pair<std::string_view, std::string>> diagnostic = {{"diagnostic", d.Headline()}};
    if (!d.hint.empty()) diagnostic.emplace_back("hint", d.hint);
    Log(d.severity == rules::Severity::kError ? LogLevel::kError : LogLevel::kWarning,
        "rules_diagnostic", diagnostic);
  }
}

int Serve(const std::string& config_path) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(config_path);
  if (!config.ok()) return Fail("config_invalid", std::string(config.status().message()));
  SetLogLevel(ParseLogLevel(config->log_level));

  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(*config);
  if (!store.ok()) return Fail("database_unavailable", std::string(store.status().message()));
  const bool postgres = PostgresStore::IsUrl(config->database);
  Log(LogLevel::kInfo, "database_open",
      {{"path", (*store)->path()},
       {"backend", postgres ? "postgresql" : "sqlite"},
       {"schema_version", StrCat((*store)->schema_version())}});
  if (const int removed = postgres ? 0 : RemoveAbandonedBackups(config->database); removed > 0) {
    Log(LogLevel::kWarning, "abandoned_backups_removed",
        {{"files", StrCat(removed)}, {"why", "a backup was in progress when the server stopped"}});
  }

  // The rules: served only once valid. Without a valid ruleset the server
  // still starts, reports NOT_SERVING on the health service and says why
  // (logs, GetRuleset), and serves as soon as the files are fixed.
  RulesetHolder holder;
  rules::LoadOptions load_options;
  load_options.max_evaluation_work = config->max_evaluation_work;
  RulesReloader reloader(
      {.directory = config->rules,
       .load = load_options,
       .archive = [s = store->get()](
                      const ServedRuleset& candidate) { return ArchiveRuleset(s, candidate); },
       // The ruleset's own tests (files of kind: tests)
       // must pass before it is served.
       .check =
           [](const rules::RuleSet& candidate) {
             return rules::RuleTestDiagnostics(rules::RunRuleTests(candidate));
           }},
      &holder);
  reloader.Subscribe(LogAttempt);
  reloader.Subscribe([&holder](const ReloadAttempt& attempt) {
    Metrics::Global().RecordReload(ReloadOutcomeName(attempt.outcome));
    std::shared_ptr<const ServedRuleset> served = holder.Current();
    Metrics::Global().SetServedVersion(served != nullptr ? served->ruleset->version() : "");
  });
  // Watch before the first load, so that an edit made while the server
  // starts is not missed (it reloads once the start is done with it).
  std::unique_ptr<DirectoryWatcher> watcher;
  if (config->rules_watch) {
    absl::StatusOr<std::unique_ptr<DirectoryWatcher>> started = DirectoryWatcher::Start(
        {config->rules, std::chrono::milliseconds(config->rules_debounce_ms),
         std::chrono::milliseconds(std::max(2000, 4 * config->rules_debounce_ms))},
        [&reloader] { reloader.Reload("watch"); });
    if (started.ok()) {
      watcher = std::move(*started);
    } else {
      Log(LogLevel::kWarning, "rules_not_watched",
          {{"error", std::string(started.status().message())},
           {"what_now", "reload with SIGHUP or clientele rules reload"}});
    }
  }

  const ReloadAttempt first = reloader.Reload("startup");
  if (first.outcome != ReloadOutcome::kAccepted) {
    std::fputs(rules::FormatDiagnostics(first.diagnostics).c_str(), stderr);
    Log(LogLevel::kError, "not_serving",
        {{"directory", config->rules},
         {"reason", first.message},
         {"what_now", "fix the rule files; the server reloads them and then serves"}});
  }

  // The background passes run on one replica at a time (always, with
  // SQLite's one process).
  Store* const shared_store = store->get();
  const std::function<bool()> leads = [shared_store] {
    return shared_store->LeadsBackgroundPasses();
  };
  // Before the operations that record into it, after the store it writes.
  DecisionLogOptions decision_log_options = config->decision_log;
  decision_log_options.leads = leads;
  DecisionLog decision_log(store->get(), decision_log_options);
  if (decision_log.enabled()) {
    Log(LogLevel::kInfo, "decision_log",
        {{"sample_rate", StrCat(config->decision_log.sample_rate)},
         {"max_entries", StrCat(config->decision_log.retention.max_entries)},
         {"max_age_days", StrCat(config->decision_log.retention.max_age_days())}});
  }
  // What the replicas sharing the database serve (reported once this
  // one listens, under its address).
  std::optional<FleetRulesets> fleet;
  if (postgres) fleet.emplace(store->get(), &reloader, &holder);
  KeyRetentionOptions key_expiry;
  key_expiry.max_age = std::chrono::days(config->idempotency_key_days);
  key_expiry.leads = leads;
  KeyRetention key_retention(store->get(), key_expiry);  // removes what expired at once
  Apis apis({.store = store->get(),
             .rules = &holder,
             .reloader = &reloader,
             .limits = config->limits,
             .decision_log = &decision_log,
             .fleet = fleet.has_value() ? &*fleet : nullptr});
  // Demo data for an empty database, by one replica only.
  if (config->demo_data && holder.Current() != nullptr && leads()) {
    absl::StatusOr<int64_t> count = (*store)->CountCustomers();
    if (!count.ok()) return Fail("database_unavailable", std::string(count.status().message()));
    if (*count == 0) {
      // Dated back from today, so that "the last 30 days" holds purchases.
      const rules::Date today = apis.loyalty.Today();  // the programme's day
      if (absl::Status s = LoadDemoData(&apis, today); !s.ok()) {
        return Fail("demo_data_failed", std::string(s.message()));
      }
      Log(LogLevel::kInfo, "demo_data_loaded",
          {{"customers", StrCat(kDemoCustomers)}, {"dated_back_from", today.ToString()}});
    }
  }

  PointsExpiryOptions points_expiry_options;
  points_expiry_options.interval = std::chrono::minutes(config->points_expiry_minutes);
  points_expiry_options.leads = leads;
  PointsExpiry points_expiry(&apis.loyalty, points_expiry_options);  // writes off at once
  TierReviewOptions tier_review_options;
  tier_review_options.interval = std::chrono::minutes(config->tier_review_minutes);
  tier_review_options.leads = leads;
  TierReview tier_review(&apis.loyalty, tier_review_options);  // reviews today at once
  // Refreshes the stored segments at once (the version served may be new).
  SegmentRefresh segment_refresh(&apis.segments, &reloader, &holder,
                                 std::chrono::minutes(config->segment_refresh_minutes), leads);

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config->transport());
  if (!credentials.ok()) return Fail("tls_invalid", std::string(credentials.status().message()));
  absl::StatusOr<Authenticator> authenticator = Authenticator::Create(config->tokens);
  if (!authenticator.ok()) {
    return Fail("auth_invalid", std::string(authenticator.status().message()));
  }

  // Health checking and reflection answer without a token: load balancers
  // probe health, and reflection shows only the API's (public) schema.
  // (Linking gRPC's reflection library registers it anyway; the call makes
  // that explicit.)
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config->listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(config->max_message_bytes);
  builder.SetMaxSendMessageSize(config->max_message_bytes);
  WorkerPool write_pool(config->write_threads);  // outlives the server: declared first
  // HTTP/2 streams (calls of any kind) one connection may have open at
  // once; more wait at the client until one ends.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config->max_streams_per_connection);
  OpenStreams streams;
  StreamSlots stream_slots(config->max_open_streams);
  std::vector<std::unique_ptr<grpc::Service>> services =
      MakeServices({.apis = &apis,
                    .write_pool = &write_pool,
                    .streams = &streams,
                    .stream_slots = &stream_slots,
                    .auth = &*authenticator,
                    .max_message_bytes = static_cast<size_t>(config->max_message_bytes)});
  for (const auto& service : services) builder.RegisterService(service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeUnparseableRequestInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("listen_failed", StrCat("cannot listen on ", config->listen));
  }
  // Health follows the rules: SERVING exactly while a valid ruleset is.
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  const int health_listener = reloader.Subscribe([health, &holder](const ReloadAttempt&) {
    health->SetServingStatus(holder.Current() != nullptr);
  });
  health->SetServingStatus(holder.Current() != nullptr);

  // Before "listening on", which tells whoever started the server that
  // everything is up.
  std::unique_ptr<MetricsEndpoint> metrics;
  if (!config->metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> started =
        MetricsEndpoint::Start(config->metrics_listen, [] { return Metrics::Global().Render(); });
    if (!started.ok()) return Fail("metrics_unavailable", std::string(started.status().message()));
    metrics = std::move(*started);
    Log(LogLevel::kInfo, "metrics", {{"address", metrics->address()}, {"path", "/metrics"}});
    std::printf("metrics on %s\n", metrics->address().c_str());
  }

  // The JSON gateway calls the server above through its in-process
  // channel, as any client would.
  std::unique_ptr<gateway::JsonGateway> json_gateway;
  if (!config->http_listen.empty()) {
    grpc::ChannelArguments channel_arguments;
    channel_arguments.SetMaxReceiveMessageSize(config->max_message_bytes);
    channel_arguments.SetMaxSendMessageSize(config->max_message_bytes);
    absl::StatusOr<std::unique_ptr<gateway::JsonGateway>> started = gateway::JsonGateway::Start(
        {.listen = config->http_listen,
         .transport = config->transport(),
         .channel = server->InProcessChannel(channel_arguments),
         // JSON spells a message out at length, bytes in base64 a third longer.
         .max_body_bytes = 2 * static_cast<size_t>(config->max_message_bytes),
         .threads = config->http_threads,
         // A console login is a token of the same table, checked the same way.
         .authenticate = [&auth = *authenticator](
                             std::string_view token) -> absl::StatusOr<gateway::LoginIdentity> {
           absl::StatusOr<Caller> caller = auth.Authenticate(StrCat("Bearer ", token));
           if (!caller.ok()) return caller.status();
           return gateway::LoginIdentity{std::string(caller->name),
                                         std::string(RoleName(caller->role))};
         },
         .logins = {}});
    if (!started.ok()) return Fail("http_unavailable", std::string(started.status().message()));
    json_gateway = std::move(*started);
    Log(LogLevel::kInfo, "http", {{"address", json_gateway->address()}});
    std::printf("http on %s\n", json_gateway->address().c_str());
  }

  const std::string host = config->listen.substr(0, config->listen.rfind(':'));
  const std::string address = StrCat(host, ":", port);
  Log(LogLevel::kInfo, "listening",
      {{"address", address},
       {"transport", TransportName(config->transport())},
       {"tokens", StrCat(config->tokens.size())}});
  if (fleet.has_value()) fleet->Start(ReplicaName(host, port));
  std::printf("listening on %s\n", address.c_str());
  std::fflush(stdout);

  // SIGHUP reloads; SIGTERM / SIGINT stop (blocked in every thread, see main).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) reloader.Reload("signal");
  Log(LogLevel::kInfo, "shutting_down",
      {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"grace_seconds", StrCat(config->shutdown_grace_seconds)}});
  watcher.reset();  // no reload from now on
  reloader.Unsubscribe(health_listener);
  // The JSON gateway takes no new requests, and its streams end with a
  // last line that says the server is stopping; its calls under way are
  // gRPC calls, bounded by the grace period like any other.
  if (json_gateway != nullptr) json_gateway->BeginStop();
  streams.EndAll();  // watch streams never end by themselves
  apis.segments.StopRefreshing();  // a refresh asked for ends at its next batch
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(config->shutdown_grace_seconds));
  server->Wait();
  if (json_gateway != nullptr) json_gateway->Stop();
  decision_log.Stop();  // writes the last decisions' entries, before the database closes
  if (fleet.has_value()) fleet->Stop();
  key_retention.Stop();
  points_expiry.Stop();
  tier_review.Stop();
  segment_refresh.Stop();
  apis.segments.StopFollowing();  // the store goes before the APIs
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
  // Block the shutdown and reload signals before gRPC starts its threads,
  // so that only Serve's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up is an error on its own connection, not the
  // end of the server: OpenSSL's writes on the HTTP port would otherwise
  // raise SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  return clientele::server::Serve(config_path);
}
