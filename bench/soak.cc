// clientele_soak — a bounded soak test of a running clienteled on this
// machine (127.0.0.1 only). Several clients, each on a connection of its
// own, make a steady mix of reads and writes (evaluations, lookups,
// listings, ledgers, EvaluateMany, the decision log; purchases, returns,
// interactions, feedback, upserts) for --seconds, while a rule file in
// --rules-dir is rewritten every --reload-every seconds (the server reloads
// it by its directory watch). Every --sample-every seconds it prints the
// server's resident memory (from /proc/--server-pid) and the calls so far.
//
// At the end it checks, and exits 1 unless all hold:
//  - no call failed;
//  - every customer's balance equals the sum of its ledger;
//  - the points of all customers moved by exactly what the acknowledged
//    purchases earned minus what the returns took back;
//  - the server reloaded at least once for every two edits (edits closer
//    together than the watch's debounce may be taken together);
//  - the decision log (which the server should have on) dropped nothing
//    and holds entries;
//  - the server's memory stayed flat: the last sample is at most
//    --max-rss-growth above the first sample of the run's second half.
//    The first half is the warm-up: SQLite's page caches (2 MiB for each
//    of the store's connections) and the allocator's arenas fill as the
//    database grows, which took about four minutes at 400 calls/s.
//
//   clientele_soak --server 127.0.0.1:PORT --server-pid PID --rules-dir DIR
//                  [--clients 8] [--rate 400] [--seconds 600]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/bench_support.h"
#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/reports.grpc.pb.h"
#include "clientele/v1/rulesets.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = clientele::v1;

struct Options {
  std::string server;
  std::string token;
  int server_pid = 0;
  std::string rules_dir;
  std::string rule_file = "parameters.yaml";
  int clients = 8;
  double rate = 400;  // calls per second, all clients together
  double seconds = 600;
  double reload_every = 3;
  double sample_every = 30;
  double max_rss_growth = 0.10;
  int customers_per_client = 10;
};

// What one client did; merged at the end.
struct Tally {
  std::map<std::string, int64_t> calls;  // by method
  std::map<std::string, int64_t> failed;
  std::vector<std::string> errors;  // the first few
  std::vector<double> latencies_us;
  int64_t points_earned = 0;
  int64_t points_reversed = 0;
};

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : customers(v1::Customers::NewStub(channel)),
        events(v1::Events::NewStub(channel)),
        decisions(v1::Decisions::NewStub(channel)),
        reports(v1::Reports::NewStub(channel)),
        rulesets(v1::Rulesets::NewStub(channel)) {}
  std::unique_ptr<v1::Customers::Stub> customers;
  std::unique_ptr<v1::Events::Stub> events;
  std::unique_ptr<v1::Decisions::Stub> decisions;
  std::unique_ptr<v1::Reports::Stub> reports;
  std::unique_ptr<v1::Rulesets::Stub> rulesets;
};

void SetDeadline(grpc::ClientContext* context, int seconds = 10) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// One soak client: its customers, its purchases not yet returned, and
// what it counted.
class Client {
 public:
  Client(int number, const Options& options, std::shared_ptr<grpc::Channel> channel)
      : number_(number), options_(options), stubs_(channel), random_(1234 + number) {
    for (int k = 0; k < options.customers_per_client; ++k) {
      customers_.push_back("soak-" + std::to_string(number) + "-" + std::to_string(k));
    }
  }

  // Creates the client's customers (before the clock starts).
  bool Prepare() {
    for (const std::string& id : customers_) Upsert(id);
    return tally_.failed.empty();
  }

  // Calls at rate/clients per second until `until`.
  void Run(Clock::time_point until) {
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.clients / options_.rate));
    Clock::time_point next = Clock::now();
    while (Clock::now() < until) {
      CallOne();
      next += interval;
      std::this_thread::sleep_until(next);
    }
  }

  Tally& tally() { return tally_; }
  int64_t calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  // A weighted pick of what to call next: mostly evaluations and lookups,
  // two fifths writes.
  void CallOne() {
    const int pick = std::uniform_int_distribution<int>(0, 99)(random_);
    if (pick < 28) return Evaluate();
    if (pick < 40) return GetCustomer();
    if (pick < 60) return Purchase();
    if (pick < 64) return Return();
    if (pick < 72) return Interaction();
    if (pick < 76) return Upsert(AnyCustomer());
    if (pick < 80) return Feedback();
    if (pick < 85) return ListCustomers();
    if (pick < 90) return Ledger();
    if (pick < 95) return EvaluateMany();
    return DecisionLog();
  }

  const std::string& AnyCustomer() {
    return customers_[std::uniform_int_distribution<size_t>(0, customers_.size() - 1)(random_)];
  }
  std::string NextKey(const std::string& what) {
    return "soak-" + std::to_string(number_) + "-" + what + "-" + std::to_string(++sequence_) +
           "-" + run_;
  }

  // Counts a finished call of `method`.
  void Count(const std::string& method, const grpc::Status& status, Clock::time_point began) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    ++tally_.calls[method];
    tally_.latencies_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - began).count());
    if (!status.ok()) {
      ++tally_.failed[method];
      if (tally_.errors.size() < 5) {
        tally_.errors.push_back(method + ": " + std::to_string(status.error_code()) + " " +
                                status.error_message());
      }
    }
  }

  template <typename Stub, typename Request, typename Response>
  bool Unary(const std::string& method, Stub* stub,
             grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&, Response*),
             const Request& request, Response* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    const auto began = Clock::now();
    const grpc::Status status = (stub->*call)(&context, request, response);
    Count(method, status, began);
    return status.ok();
  }

  void Evaluate() {
    v1::EvaluateRequest request;
    request.set_customer_id(AnyCustomer());
    v1::EvaluateResponse response;
    Unary("Evaluate", stubs_.decisions.get(), &v1::Decisions::Stub::Evaluate, request, &response);
  }
  void GetCustomer() {
    v1::GetCustomerRequest request;
    request.set_customer_id(AnyCustomer());
    v1::GetCustomerResponse response;
    Unary("GetCustomer", stubs_.customers.get(), &v1::Customers::Stub::GetCustomer, request,
          &response);
  }
  void Purchase() {
    v1::RecordPurchaseRequest request;
    request.set_idempotency_key(NextKey("purchase"));
    request.set_customer_id(AnyCustomer());
    request.set_purchase_id(request.idempotency_key());
    request.set_amount(std::to_string(std::uniform_int_distribution<int>(1, 2000)(random_)) +
                       ".50");
    request.set_product("产品A");
    v1::RecordPurchaseResponse response;
    if (Unary("RecordPurchase", stubs_.events.get(), &v1::Events::Stub::RecordPurchase, request,
              &response)) {
      tally_.points_earned += response.points_earned();
      unreturned_.push_back(request.purchase_id());
    }
  }
  void Return() {
    if (unreturned_.empty()) return Purchase();
    const size_t at = std::uniform_int_distribution<size_t>(0, unreturned_.size() - 1)(random_);
    v1::ReturnPurchaseRequest request;
    request.set_idempotency_key(NextKey("return"));
    request.set_purchase_id(unreturned_[at]);
    request.set_kind(at % 2 == 0 ? "return" : "cancellation");
    unreturned_.erase(unreturned_.begin() + static_cast<std::ptrdiff_t>(at));
    v1::ReturnPurchaseResponse response;
    if (Unary("ReturnPurchase", stubs_.events.get(), &v1::Events::Stub::ReturnPurchase, request,
              &response)) {
      tally_.points_reversed += response.points_reversed();
    }
  }
  void Interaction() {
    static const char* kTexts[] = {"好评，服务很好", "差评：发货太慢", "一般般", "非常满意！"};
    v1::RecordInteractionRequest request;
    request.set_idempotency_key(NextKey("interaction"));
    request.set_customer_id(AnyCustomer());
    request.set_text(kTexts[sequence_ % 4]);
    v1::RecordInteractionResponse response;
    Unary("RecordInteraction", stubs_.events.get(), &v1::Events::Stub::RecordInteraction, request,
          &response);
  }
  void Upsert(const std::string& id) {
    v1::UpsertCustomerRequest request;
    request.set_idempotency_key(NextKey("upsert"));
    v1::Customer* c = request.mutable_customer();
    c->set_id(id);
    c->set_name("压测客户" + id);
    c->set_age(std::uniform_int_distribution<int>(18, 80)(random_));
    static const char* kLevels[] = {"低", "中", "高"};
    c->set_consumption(kLevels[sequence_ % 3]);
    c->set_channel(sequence_ % 2 == 0 ? "线上" : "线下");
    c->set_birthday("1990-0" + std::to_string(1 + sequence_ % 9) + "-15");
    v1::UpsertCustomerResponse response;
    Unary("UpsertCustomer", stubs_.customers.get(), &v1::Customers::Stub::UpsertCustomer, request,
          &response);
  }
  void Feedback() {
    v1::SubmitFeedbackRequest request;
    request.set_idempotency_key(NextKey("feedback"));
    request.set_customer_id(AnyCustomer());
    request.set_product("产品A");
    request.set_text(sequence_ % 2 == 0 ? "价格太高了，希望便宜一点" : "售后服务响应慢");
    request.set_source("online");
    request.set_satisfaction(std::to_string(1 + sequence_ % 5));
    v1::SubmitFeedbackResponse response;
    Unary("SubmitFeedback", stubs_.events.get(), &v1::Events::Stub::SubmitFeedback, request,
          &response);
  }
  void ListCustomers() {
    v1::ListCustomersRequest request;
    request.set_page_size(50);
    v1::ListCustomersResponse response;
    Unary("ListCustomers", stubs_.customers.get(), &v1::Customers::Stub::ListCustomers, request,
          &response);
  }
  void Ledger() {
    v1::GetLedgerRequest request;
    request.set_customer_id(AnyCustomer());
    request.set_page_size(100);
    v1::GetLedgerResponse response;
    Unary("GetLedger", stubs_.reports.get(), &v1::Reports::Stub::GetLedger, request, &response);
  }
  void EvaluateMany() {
    v1::EvaluateManyRequest request;
    request.set_limit(20);
    grpc::ClientContext context;
    SetDeadline(&context);
    const auto began = Clock::now();
    std::unique_ptr<grpc::ClientReader<v1::EvaluateResponse>> stream =
        stubs_.decisions->EvaluateMany(&context, request);
    v1::EvaluateResponse message;
    while (stream->Read(&message)) {
    }
    Count("EvaluateMany", stream->Finish(), began);
  }
  void DecisionLog() {
    v1::ListLoggedDecisionsRequest request;
    request.set_customer_id(AnyCustomer());
    request.set_page_size(20);
    v1::ListLoggedDecisionsResponse response;
    Unary("ListLoggedDecisions", stubs_.decisions.get(),
          &v1::Decisions::Stub::ListLoggedDecisions, request, &response);
  }

  const int number_;
  const Options& options_;
  Stubs stubs_;
  std::mt19937 random_;
  const std::string run_ = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<std::string> customers_;
  std::vector<std::string> unreturned_;
  int64_t sequence_ = 0;
  std::atomic<int64_t> calls_{0};
  Tally tally_;
};

// The server's resident memory in MiB (VmRSS), or -1 when unreadable.
double ResidentMiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

// Rewrites the rule file with a comment that changes its bytes (and so
// the ruleset version), by a rename as an editor or a deployment would.
bool EditRules(const Options& options, const std::string& original, int edit) {
  const std::filesystem::path file = std::filesystem::path(options.rules_dir) / options.rule_file;
  const std::filesystem::path temporary =
      std::filesystem::path(options.rules_dir) / ("." + options.rule_file + ".soak");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << original << "\n# soak edit " << edit << "\n";
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  return !error;
}

bool Status(Stubs& stubs, v1::RulesetStatus* status) {
  grpc::ClientContext context;
  SetDeadline(&context);
  return stubs.rulesets->GetRulesetStatus(&context, v1::GetRulesetStatusRequest(), status).ok();
}

// Every stored customer's id and balance (all pages).
bool Balances(Stubs& stubs, std::map<std::string, int64_t>* balances) {
  v1::ListCustomersRequest request;
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    SetDeadline(&context, 60);
    v1::ListCustomersResponse response;
    if (!stubs.customers->ListCustomers(&context, request, &response).ok()) return false;
    for (const v1::Customer& c : response.customers()) (*balances)[c.id()] = c.points();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return true;
}

// The sum of the customer's ledger (all pages); nullopt on a failed call.
std::optional<int64_t> LedgerSum(Stubs& stubs, const std::string& customer_id) {
  v1::GetLedgerRequest request;
  request.set_customer_id(customer_id);
  request.set_page_size(1000);
  int64_t sum = 0;
  do {
    grpc::ClientContext context;
    SetDeadline(&context, 60);
    v1::GetLedgerResponse response;
    if (!stubs.reports->GetLedger(&context, request, &response).ok()) return std::nullopt;
    for (const v1::LedgerEntry& e : response.entries()) sum += e.delta();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return sum;
}

int64_t Total(const std::map<std::string, int64_t>& balances) {
  int64_t total = 0;
  for (const auto& [id, points] : balances) total += points;
  return total;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Samples memory and progress until `until`, editing the rules on the way.
struct Progress {
  std::vector<std::pair<double, double>> rss;  // (seconds, MiB)
  int edits = 0;
  bool edit_failed = false;
};
Progress Watch(const Options& options, const std::vector<std::unique_ptr<Client>>& clients,
               Clock::time_point start, Clock::time_point until) {
  Progress progress;
  const std::string original =
      ReadFile(std::filesystem::path(options.rules_dir) / options.rule_file);
  auto next_edit = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.reload_every));
  auto next_sample = start;
  while (Clock::now() < until) {
    const auto now = Clock::now();
    if (!options.rules_dir.empty() && now >= next_edit) {
      if (!EditRules(options, original, ++progress.edits)) progress.edit_failed = true;
      next_edit += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options.reload_every));
    }
    if (now >= next_sample) {
      const double at = std::chrono::duration<double>(now - start).count();
      const double mib = ResidentMiB(options.server_pid);
      progress.rss.emplace_back(at, mib);
      int64_t calls = 0;
      for (const auto& c : clients) calls += c->calls();
      std::printf("t=%4.0fs  server rss %7.1f MiB  calls %9lld  edits %4d\n", at, mib,
                  static_cast<long long>(calls), progress.edits);
      std::fflush(stdout);
      next_sample += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options.sample_every));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double at = std::chrono::duration<double>(Clock::now() - start).count();
  progress.rss.emplace_back(at, ResidentMiB(options.server_pid));
  return progress;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"clientele_soak: bounded soak test of a local clienteled"};
  app.add_option("--server", options.server, "host:port of clienteled (127.0.0.1 only)")
      ->required();
  app.add_option("--token", options.token, "admin bearer token (default: $CLIENTELE_TOKEN)");
  app.add_option("--server-pid", options.server_pid, "the server's pid, to sample its memory")
      ->required();
  app.add_option("--rules-dir", options.rules_dir, "the server's rules directory, edited")
      ->required();
  app.add_option("--clients", options.clients, "clients, each on its own connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--rate", options.rate, "calls per second, all clients together")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 20000.0));
  app.add_option("--seconds", options.seconds, "how long")
      ->capture_default_str()
      ->check(CLI::Range(5.0, 3600.0));
  app.add_option("--reload-every", options.reload_every, "seconds between rule edits")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 600.0));
  app.add_option("--sample-every", options.sample_every, "seconds between memory samples")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 600.0));
  app.add_option("--max-rss-growth", options.max_rss_growth,
                 "allowed growth of the server's memory over the second half (0.10: 10 %)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!clientele::bench::IsLoopback(options.server)) {
    std::fprintf(stderr, "refusing %s: soak tests go to 127.0.0.1 only\n", options.server.c_str());
    return 2;
  }
  const std::string token = clientele::bench::TokenOrEnvironment(options.token);
  std::shared_ptr<grpc::Channel> control = clientele::bench::OpenOwnChannel(options.server, token);
  if (control == nullptr) return 2;
  Stubs stubs(control);

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.clients; ++i) {
    std::shared_ptr<grpc::Channel> channel = clientele::bench::OpenOwnChannel(options.server, token);
    if (channel == nullptr) return 2;
    clients.push_back(std::make_unique<Client>(i, options, channel));
    if (!clients.back()->Prepare()) {
      std::fprintf(stderr, "could not create the soak customers: %s\n",
                   clients.back()->tally().errors.front().c_str());
      return 1;
    }
  }
  std::map<std::string, int64_t> before;
  v1::RulesetStatus status_before;
  if (!Balances(stubs, &before) || !Status(stubs, &status_before)) {
    std::fprintf(stderr, "cannot read the server's customers or ruleset status\n");
    return 1;
  }

  std::printf("soak: %d clients, %.0f calls/s, %.0f s, a rule edit every %.1f s\n",
              options.clients, options.rate, options.seconds, options.reload_every);
  const Clock::time_point start = Clock::now();
  const Clock::time_point until =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> threads;
  for (auto& client : clients) threads.emplace_back([&client, until] { client->Run(until); });
  const Progress progress = Watch(options, clients, start, until);
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  // Everything the clients counted, together.
  Tally all;
  for (auto& client : clients) {
    Tally& t = client->tally();
    for (const auto& [method, n] : t.calls) all.calls[method] += n;
    for (const auto& [method, n] : t.failed) all.failed[method] += n;
    for (const std::string& e : t.errors) {
      if (all.errors.size() < 10) all.errors.push_back(e);
    }
    all.latencies_us.insert(all.latencies_us.end(), t.latencies_us.begin(), t.latencies_us.end());
    all.points_earned += t.points_earned;
    all.points_reversed += t.points_reversed;
  }
  int64_t calls = 0, failed = 0;
  std::printf("\n%-20s %9s %7s\n", "method", "calls", "failed");
  for (const auto& [method, n] : all.calls) {
    const int64_t f = all.failed.contains(method) ? all.failed.at(method) : 0;
    std::printf("%-20s %9lld %7lld\n", method.c_str(), static_cast<long long>(n),
                static_cast<long long>(f));
    calls += n;
    failed += f;
  }
  const double p50 = clientele::bench::Percentile(all.latencies_us, 0.50);
  const double p99 = clientele::bench::Percentile(all.latencies_us, 0.99);
  std::printf("%-20s %9lld %7lld   (%.0f calls/s; p50 %.0f us, p99 %.0f us)\n", "all",
              static_cast<long long>(calls), static_cast<long long>(failed), calls / elapsed, p50,
              p99);
  for (const std::string& e : all.errors) std::printf("  error: %s\n", e.c_str());

  bool ok = failed == 0 && !progress.edit_failed;
  // The ledger: each balance, and the total against what the writes said.
  std::map<std::string, int64_t> after;
  v1::RulesetStatus status_after;
  if (!Balances(stubs, &after) || !Status(stubs, &status_after)) {
    std::printf("FAIL: cannot read the customers or the ruleset status at the end\n");
    return 1;
  }
  int64_t mismatched = 0;
  for (const auto& [id, points] : after) {
    const std::optional<int64_t> sum = LedgerSum(stubs, id);
    if (!sum.has_value() || *sum != points) {
      if (++mismatched <= 5) {
        std::printf("FAIL: %s has %lld points, its ledger sums to %s\n", id.c_str(),
                    static_cast<long long>(points),
                    sum.has_value() ? std::to_string(*sum).c_str() : "(unreadable)");
      }
    }
  }
  const int64_t moved = Total(after) - Total(before);
  const int64_t expected = all.points_earned - all.points_reversed;
  std::printf("ledger: %zu customers, %lld with a balance that is not their ledger's sum; "
              "points moved %lld, the acknowledged writes said %lld\n",
              after.size(), static_cast<long long>(mismatched), static_cast<long long>(moved),
              static_cast<long long>(expected));
  ok = ok && mismatched == 0 && moved == expected;

  const int64_t reloads = status_after.reloads_accepted() - status_before.reloads_accepted();
  std::printf("rules: %d edits, %lld reloads accepted, %lld rejected; serving %s\n",
              progress.edits, static_cast<long long>(reloads),
              static_cast<long long>(status_after.reloads_rejected() -
                                     status_before.reloads_rejected()),
              status_after.version().c_str());
  ok = ok && reloads * 2 >= progress.edits && status_after.serving();

  // The decision log kept up: nothing dropped, entries there.
  v1::ListLoggedDecisionsRequest log_request;
  log_request.set_page_size(1);
  v1::ListLoggedDecisionsResponse log;
  grpc::ClientContext log_context;
  SetDeadline(&log_context);
  if (!stubs.decisions->ListLoggedDecisions(&log_context, log_request, &log).ok()) {
    std::printf("FAIL: cannot read the decision log at the end\n");
    return 1;
  }
  std::printf("decision log: sample rate %g, newest entry %s, %lld dropped\n",
              log.settings().sample_rate(),
              log.decisions().empty() ? "(none)" : std::to_string(log.decisions(0).id()).c_str(),
              static_cast<long long>(log.settings().dropped()));
  ok = ok && log.settings().dropped() == 0 && !log.decisions().empty();

  // Memory: the first sample of the second half against the last.
  double warm = -1;
  double peak = 0;
  for (const auto& [at, mib] : progress.rss) {
    if (warm < 0 && at >= options.seconds / 2) warm = mib;
    peak = std::max(peak, mib);
  }
  const double last = progress.rss.back().second;
  if (warm < 0) warm = last;
  const double growth = warm > 0 ? (last - warm) / warm : 0;
  std::printf("memory: %.1f MiB at the start, %.1f MiB half-way, %.1f MiB at the end (%+.1f %% "
              "over the second half), peak %.1f MiB\n",
              progress.rss.front().second, warm, last, growth * 100, peak);
  ok = ok && last > 0 && growth <= options.max_rss_growth;

  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
