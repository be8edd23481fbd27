// Fuzzes request validation and everything behind it: the input is a
// request type's name on the first line and the request in protobuf text
// format after it (readable seeds; libFuzzer mutates both). The request
// goes to the server's API classes (server/api/) over a real store (a temporary database,
// the default ruleset, the demo data), as the gRPC services would pass it.
// Bad requests must be refused with a status; nothing may crash, hang or
// leak, and every balance must stay the sum of its ledger.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

#include "google/protobuf/text_format.h"
#include "server/api/apis.h"
#include "server/demo_data.h"
#include "server/reload/reloader.h"
#include "server/reload/ruleset_holder.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele::server {
namespace {

// The server the requests go to, made once per process.
struct Server {
  Server() {
    directory = std::filesystem::temp_directory_path() /
                ("clientele-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    SqliteStoreOptions options;
    options.path = (directory / "fuzz.db").string();
    options.sync_every_commit = false;  // speed; durability is not what is fuzzed
    store = std::move(*SqliteStore::Open(options));
    reloader = std::make_unique<RulesReloader>(
        RulesReloader::Options{CLIENTELE_SOURCE_DIR "/config/rules", {}, nullptr, nullptr},
        &holder);
    if (reloader->Reload("startup").outcome != ReloadOutcome::kAccepted) std::abort();
    // Every decision logged, so that masking and the log's entries are
    // fuzzed too (and read back by ListLoggedDecisions).
    DecisionLogOptions log_options;
    log_options.sample_rate = 1;
    log_options.retention.max_entries = 1000;
    decision_log = std::make_unique<DecisionLog>(store.get(), log_options);
    apis = std::make_unique<Apis>(ApiDependencies{.store = store.get(),
                                                  .rules = &holder,
                                                  .reloader = reloader.get(),
                                                  .limits = RequestLimits{},
                                                  .decision_log = decision_log.get()});
    if (!LoadDemoData(apis.get()).ok()) std::abort();
    std::atexit([] { std::filesystem::remove_all(Get().directory); });
  }
  static Server& Get() {
    static Server* server = new Server;  // never destroyed: atexit removes the files
    return *server;
  }

  std::filesystem::path directory;
  std::unique_ptr<Store> store;
  RulesetHolder holder;
  std::unique_ptr<RulesReloader> reloader;
  std::unique_ptr<DecisionLog> decision_log;
  std::unique_ptr<Apis> apis;
};

// With CLIENTELE_FUZZ_STRICT set (the corpus regression test), an input
// that is not a request aborts: a seed that no longer parses (a field
// renamed in the protos) would otherwise test nothing, silently.
bool Strict() {
  static const bool strict = std::getenv("CLIENTELE_FUZZ_STRICT") != nullptr;
  return strict;
}

template <typename Request>
bool Parse(const std::string& text, Request* request) {
  if (google::protobuf::TextFormat::ParseFromString(text, request)) return true;
  if (Strict()) std::abort();
  return false;
}

// Parses `text` as a Request and passes it to `method` of the API `api`.
template <typename Api, typename Request, typename Response>
std::function<void(Apis&, const std::string&)> Unary(
    Api Apis::*api, absl::Status (Api::*method)(const Request&, Response*)) {
  return [api, method](Apis& apis, const std::string& text) {
    Request request;
    if (!Parse(text, &request)) return;
    Response response;
    (void)((apis.*api).*method)(request, &response);
  };
}

void Evaluate(Apis& apis, const std::string& text) {
  v1::EvaluateRequest request;
  if (!Parse(text, &request)) return;
  v1::EvaluateResponse response;
  (void)apis.decisions.Evaluate(request, &response, "fuzz");
}

// Reads the log after writing what is queued, so that what the
// evaluations before put in it is parsed back.
void ListLoggedDecisions(Apis& apis, const std::string& text) {
  v1::ListLoggedDecisionsRequest request;
  if (!Parse(text, &request)) return;
  Server::Get().decision_log->Flush();
  v1::ListLoggedDecisionsResponse response;
  const absl::Status status = apis.decisions.ListLoggedDecisions(request, &response);
  // Entries are written by the server itself: they always parse back.
  if (status.code() == absl::StatusCode::kDataLoss) std::abort();
}

void EvaluateMany(Apis& apis, const std::string& text) {
  v1::EvaluateManyRequest request;
  if (!Parse(text, &request)) return;
  absl::StatusOr<std::unique_ptr<DecisionStream>> stream = apis.decisions.EvaluateMany(request);
  if (!stream.ok()) return;
  v1::EvaluateResponse response;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<bool> more = (*stream)->Next(&response);
    if (!more.ok() || !*more) return;
  }
}

void Import(Apis& apis, const std::string& text) {
  v1::ImportCustomersRequest request;
  if (!Parse(text, &request)) return;
  absl::StatusOr<std::unique_ptr<CustomerImport>> import = apis.customers.StartImport();
  if (!import.ok() || !(*import)->Add(request).ok()) return;
  v1::ImportCustomersResponse response;
  (void)(*import)->Finish(&response);
}

const std::map<std::string, std::function<void(Apis&, const std::string&)>>& Calls() {
  static const auto* calls =
      new std::map<std::string, std::function<void(Apis&, const std::string&)>>{
          {"UpsertCustomer", Unary(&Apis::customers, &CustomersApi::UpsertCustomer)},
          {"GetCustomer", Unary(&Apis::customers, &CustomersApi::GetCustomer)},
          {"DeleteCustomer", Unary(&Apis::customers, &CustomersApi::DeleteCustomer)},
          {"ListCustomers", Unary(&Apis::customers, &CustomersApi::ListCustomers)},
          {"RecordPurchase",
           Unary<EventsApi, v1::RecordPurchaseRequest, v1::RecordPurchaseResponse>(
               &Apis::events, &EventsApi::RecordPurchase)},
          {"RecordInteraction", Unary(&Apis::events, &EventsApi::RecordInteraction)},
          {"ReturnPurchase", Unary(&Apis::events, &EventsApi::ReturnPurchase)},
          {"SubmitFeedback", Unary(&Apis::events, &EventsApi::SubmitFeedback)},
          {"Evaluate", Evaluate},
          {"ListLoggedDecisions", ListLoggedDecisions},
          {"EvaluateMany", EvaluateMany},
          {"ImportCustomers", Import},
          {"UpsertProduct", Unary(&Apis::improvements, &ImprovementsApi::UpsertProduct)},
          {"GetProduct", Unary(&Apis::improvements, &ImprovementsApi::GetProduct)},
          {"ListImprovementActions", Unary(&Apis::improvements, &ImprovementsApi::ListImprovementActions)},
          {"ApplyImprovementAction", Unary(&Apis::improvements, &ImprovementsApi::ApplyImprovementAction)},
          {"DismissImprovementAction", Unary(&Apis::improvements, &ImprovementsApi::DismissImprovementAction)},
          {"SegmentSizes", Unary(&Apis::reports, &ReportsApi::SegmentSizes)},
          {"FeedbackReport", Unary(&Apis::reports, &ReportsApi::FeedbackReport)},
          {"GetLedger", Unary(&Apis::reports, &ReportsApi::GetLedger)},
          {"ListRulesetVersions", Unary(&Apis::rulesets, &RulesetsApi::ListRulesetVersions)},
          {"GetRulesetVersion", Unary(&Apis::rulesets, &RulesetsApi::GetRulesetVersion)},
      };
  return *calls;
}

// The store's invariant, checked after every request on a connection of
// its own: a balance is the sum of its ledger.
void CheckBalances(const Server& server) {
  static SQLite::Database* db =
      new SQLite::Database((server.directory / "fuzz.db").string(), SQLite::OPEN_READONLY);
  const int wrong = db->execAndGet(
                          "SELECT count(*) FROM customers c WHERE c.points != coalesce((SELECT "
                          "sum(delta) FROM ledger l WHERE l.customer_id = c.id), 0)")
                        .getInt();
  if (wrong != 0) std::abort();
}

}  // namespace
}  // namespace clientele::server

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clientele::server::Server;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string::npos) {
    if (clientele::server::Strict()) std::abort();
    return 0;
  }
  const auto call = clientele::server::Calls().find(input.substr(0, newline));
  if (call == clientele::server::Calls().end()) {
    if (clientele::server::Strict()) std::abort();
    return 0;
  }
  Server& server = Server::Get();
  call->second(*server.apis, input.substr(newline + 1));
  clientele::server::CheckBalances(server);
  return 0;
}
