// clientele_load — a bounded load test of a running clienteled on this
// machine (127.0.0.1 only): RPCs per second and p50 / p99 latency of
// Evaluate (a stored customer), RecordPurchase, Loyalty.RedeemPoints (one
// point of a stored customer), Offers.RedeemOffer (the offer --offer-id,
// for a basket of 100) and Diagnostics.Ping (the no-op that measures the
// gRPC ceiling), each at the concurrencies asked.
//
//   clientele_load --server 127.0.0.1:50051
//                  [--rpc ping,evaluate,purchase,redeem,redeem_offer] [--offer-id ID]
//                  [--concurrency 1,16,64] [--requests 20000] [--seconds 10]
//                  [--rounds 1]
//
// Each run keeps `concurrency` calls in flight with the callback client
// API over one channel, and stops after `requests` calls or `seconds`,
// whichever comes first (plus a short warm-up that is not counted). With
// --rounds K, each concurrency's runs are cut into K rounds that take the
// RPCs in turn (ping, evaluate, purchase, ping, ...), each round with a
// K-th of the calls and time, so that every RPC sees the same phases of a
// machine whose speed drifts; "vs ping" is then the median of the rounds'
// ratios, each between two runs a moment apart.
// Purchases use fresh ids and idempotency keys, against the customers
// the server holds (its demo data is enough), so they do write; so do
// redemptions (fresh keys, one point each: put purchase before redeem in
// --rpc, so that the customers earn more than they spend). Exits 1
// when a counted call failed (its first error is printed), 2 on bad
// options.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "bench/bench_support.h"
#include "clientele/v1/customers.grpc.pb.h"
#include "clientele/v1/decisions.grpc.pb.h"
#include "clientele/v1/diagnostics.grpc.pb.h"
#include "clientele/v1/events.grpc.pb.h"
#include "clientele/v1/loyalty.grpc.pb.h"
#include "clientele/v1/offers.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = clientele::v1;
using clientele::bench::IsLoopback;
using clientele::bench::OpenOwnChannel;
using clientele::bench::Percentile;
using clientele::bench::TokenOrEnvironment;

struct Options {
  std::string server = "127.0.0.1:50051";
  std::string token;  // bearer token; default $CLIENTELE_TOKEN
  std::vector<std::string> rpcs = {"ping", "evaluate", "purchase"};
  std::vector<int> concurrency = {1, 16, 64};
  int64_t requests = 20'000;
  double seconds = 10;
  int64_t warmup = 200;
  int rounds = 1;
  std::string offer_id = "bench_budget";  // what redeem_offer redeems
};

struct Stubs {
  std::unique_ptr<v1::Diagnostics::Stub> diagnostics;
  std::unique_ptr<v1::Decisions::Stub> decisions;
  std::unique_ptr<v1::Events::Stub> events;
  std::unique_ptr<v1::Loyalty::Stub> loyalty;
  std::unique_ptr<v1::Offers::Stub> offers;
};

struct Result {
  int64_t ok = 0;
  int64_t failed = 0;
  std::string first_error;
  double seconds = 0;
  std::vector<double> latencies_us;
};

// One RPC at one concurrency, over all its rounds.
struct Measured {
  Result total;
  std::vector<double> round_rates;  // calls per second of each round

  void Add(Result round) {
    round_rates.push_back(round.ok / round.seconds);
    total.ok += round.ok;
    if (total.failed == 0) total.first_error = round.first_error;
    total.failed += round.failed;
    total.seconds += round.seconds;
    total.latencies_us.insert(total.latencies_us.end(), round.latencies_us.begin(),
                              round.latencies_us.end());
  }
};

// The median over rounds of `rpc`'s rate divided by ping's in the same
// round (rounds in which no ping succeeded left out; 0 when none is left).
double MedianRatio(const Measured& rpc, const Measured& ping) {
  std::vector<double> ratios;
  for (size_t i = 0; i < rpc.round_rates.size() && i < ping.round_rates.size(); ++i) {
    if (ping.round_rates[i] > 0) ratios.push_back(rpc.round_rates[i] / ping.round_rates[i]);
  }
  if (ratios.empty()) return 0;
  std::sort(ratios.begin(), ratios.end());
  const size_t middle = ratios.size() / 2;
  return ratios.size() % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
}

// One call of `rpc` number `n`, with `done(status)` when it completes. The
// objects a call needs live in a Call that deletes itself.
class Caller {
 public:
  Caller(Stubs* stubs, std::vector<std::string> customers, std::string run_id,
         std::string offer_id)
      : stubs_(stubs),
        customers_(std::move(customers)),
        run_id_(std::move(run_id)),
        offer_id_(std::move(offer_id)) {}

  void Start(const std::string& rpc, int64_t n, std::function<void(const grpc::Status&)> done) {
    if (rpc == "ping") {
      auto* call = new Call<v1::PingRequest, v1::PingResponse>(std::move(done));
      stubs_->diagnostics->async()->Ping(&call->context, &call->request, &call->response,
                                         [call](grpc::Status s) { call->Finish(s); });
    } else if (rpc == "evaluate") {
      auto* call = new Call<v1::EvaluateRequest, v1::EvaluateResponse>(std::move(done));
      call->request.set_customer_id(customers_[n % customers_.size()]);
      stubs_->decisions->async()->Evaluate(&call->context, &call->request, &call->response,
                                           [call](grpc::Status s) { call->Finish(s); });
    } else if (rpc == "redeem_offer") {
      auto* call = new Call<v1::RedeemOfferRequest, v1::RedeemOfferResponse>(std::move(done));
      const std::string id = run_id_ + "-" + std::to_string(n);
      call->request.set_idempotency_key("load-offer-" + id);
      call->request.set_customer_id(customers_[n % customers_.size()]);
      call->request.set_offer_id(offer_id_);
      call->request.set_amount("100");
      stubs_->offers->async()->RedeemOffer(&call->context, &call->request, &call->response,
                                           [call](grpc::Status s) { call->Finish(s); });
    } else if (rpc == "redeem") {
      auto* call = new Call<v1::RedeemPointsRequest, v1::RedeemPointsResponse>(std::move(done));
      const std::string id = run_id_ + "-" + std::to_string(n);
      call->request.set_idempotency_key("load-redeem-" + id);
      call->request.set_customer_id(customers_[n % customers_.size()]);
      call->request.set_points(1);
      call->request.set_reason("load test");
      call->request.set_reference("load-" + id);
      stubs_->loyalty->async()->RedeemPoints(&call->context, &call->request, &call->response,
                                             [call](grpc::Status s) { call->Finish(s); });
    } else {
      auto* call = new Call<v1::RecordPurchaseRequest, v1::RecordPurchaseResponse>(std::move(done));
      const std::string id = run_id_ + "-" + std::to_string(n);
      call->request.set_idempotency_key("load-" + id);
      call->request.set_purchase_id("load-" + id);
      call->request.set_customer_id(customers_[n % customers_.size()]);
      static const char* kAmounts[] = {"120", "350", "680"};
      call->request.set_amount(kAmounts[n % 3]);
      call->request.set_product("产品A");
      stubs_->events->async()->RecordPurchase(&call->context, &call->request, &call->response,
                                              [call](grpc::Status s) { call->Finish(s); });
    }
  }

 private:
  template <typename Request, typename Response>
  struct Call {
    explicit Call(std::function<void(const grpc::Status&)> done) : done(std::move(done)) {
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    }
    void Finish(const grpc::Status& status) {
      done(status);
      delete this;
    }
    grpc::ClientContext context;
    Request request;
    Response response;
    std::function<void(const grpc::Status&)> done;
  };

  Stubs* stubs_;
  std::vector<std::string> customers_;
  std::string run_id_;
  std::string offer_id_;
};

// Keeps `concurrency` calls in flight until `total` have been started or
// the time is up; returns when every started call has completed.
Result RunLoad(Caller& caller, const std::string& rpc, int concurrency, int64_t first_n,
               int64_t total, double seconds) {
  std::mutex mutex;
  std::condition_variable all_done;
  Result result;
  result.latencies_us.reserve(total);
  int64_t started = 0;
  int in_flight = 0;
  const Clock::time_point begin = Clock::now();
  const Clock::time_point stop_at =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

  // A finished call hands its slot to the next one (in_flight stays) or
  // gives it up; calls start outside the lock, since a callback may run
  // inline.
  std::function<void(int64_t)> launch = [&](int64_t n) {
    const Clock::time_point sent = Clock::now();
    caller.Start(rpc, n, [&, sent](const grpc::Status& status) {
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - sent).count();
      int64_t next = -1;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (status.ok()) {
          ++result.ok;
          result.latencies_us.push_back(us);
        } else if (result.failed++ == 0) {
          result.first_error = std::to_string(status.error_code()) + " " + status.error_message();
        }
        if (started < total && Clock::now() < stop_at) {
          next = first_n + started++;
        } else if (--in_flight == 0) {
          all_done.notify_all();
        }
      }
      if (next >= 0) launch(next);
    });
  };
  std::vector<int64_t> first_calls;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (int i = 0; i < concurrency && started < total; ++i) {
      first_calls.push_back(first_n + started++);
      ++in_flight;
    }
  }
  for (int64_t n : first_calls) launch(n);
  {
    std::unique_lock<std::mutex> lock(mutex);
    all_done.wait(lock, [&] { return in_flight == 0; });
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return result;
}

std::vector<std::string> StoredCustomers(grpc::Channel* channel) {
  auto customers = v1::Customers::NewStub(std::shared_ptr<grpc::Channel>(channel, [](auto*) {}));
  v1::ListCustomersRequest request;
  request.set_page_size(1000);
  v1::ListCustomersResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = customers->ListCustomers(&context, request, &response);
  std::vector<std::string> ids;
  if (!status.ok()) {
    std::fprintf(stderr, "ListCustomers failed: %s\n", status.error_message().c_str());
    return ids;
  }
  for (const v1::Customer& c : response.customers()) ids.push_back(c.id());
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"clientele_load: bounded load test of a local clienteled"};
  app.add_option("--server", options.server,
                 "host:port of clienteled (127.0.0.1 only), or several separated by commas "
                 "(replicas, called in turn)")
      ->capture_default_str();
  app.add_option("--token", options.token, "bearer token (default: $CLIENTELE_TOKEN)");
  app.add_option("--rpc", options.rpcs, "ping, evaluate, purchase, redeem")->delimiter(',');
  app.add_option("--concurrency", options.concurrency, "calls in flight, e.g. 1,16,64")
      ->delimiter(',');
  app.add_option("--requests", options.requests, "counted calls per run, at most")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
  app.add_option("--seconds", options.seconds, "time per run, at most")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--offer-id", options.offer_id, "the offer redeem_offer redeems")
      ->capture_default_str();
  app.add_option("--rounds", options.rounds,
                 "cut each concurrency's runs into this many rounds that take the RPCs in turn")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  if (!IsLoopback(options.server)) {
    std::fprintf(stderr, "refusing %s: load tests go to 127.0.0.1 only\n", options.server.c_str());
    return 2;
  }
  for (const std::string& rpc : options.rpcs) {
    if (rpc != "ping" && rpc != "evaluate" && rpc != "purchase" && rpc != "redeem" &&
        rpc != "redeem_offer") {
      std::fprintf(stderr, "unknown --rpc %s (ping, evaluate, purchase, redeem, redeem_offer)\n",
                   rpc.c_str());
      return 2;
    }
  }
  std::shared_ptr<grpc::Channel> channel =
      OpenOwnChannel(options.server, TokenOrEnvironment(options.token));
  if (channel == nullptr) return 2;
  std::vector<std::string> customers = StoredCustomers(channel.get());
  if (customers.empty()) {
    std::fprintf(stderr, "the server holds no customers to evaluate (start it with demo_data)\n");
    return 1;
  }
  Stubs stubs{v1::Diagnostics::NewStub(channel), v1::Decisions::NewStub(channel),
              v1::Events::NewStub(channel), v1::Loyalty::NewStub(channel),
              v1::Offers::NewStub(channel)};
  const std::string run_id =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  Caller caller(&stubs, customers, run_id, options.offer_id);

  std::printf("%-12s %11s %9s %12s %10s %10s %7s %8s\n", "rpc", "concurrency", "calls", "rpc/s",
              "p50 us", "p99 us", "failed", "vs ping");
  const int64_t round_requests = (options.requests + options.rounds - 1) / options.rounds;
  const double round_seconds = options.seconds / options.rounds;
  int64_t next_n = 0;
  bool any_failed = false;
  for (int concurrency : options.concurrency) {
    std::vector<Measured> measured(options.rpcs.size());
    for (int round = 0; round < options.rounds; ++round) {
      for (size_t i = 0; i < options.rpcs.size(); ++i) {
        // The first round warms the server and the channel up; later ones
        // only fill the pipeline again.
        const int64_t warmup =
            round == 0 ? options.warmup : std::min<int64_t>(options.warmup, 2 * concurrency);
        RunLoad(caller, options.rpcs[i], concurrency, next_n, warmup, round_seconds);
        next_n += warmup;
        measured[i].Add(
            RunLoad(caller, options.rpcs[i], concurrency, next_n, round_requests, round_seconds));
        next_n += round_requests;
      }
    }
    const auto ping = std::find(options.rpcs.begin(), options.rpcs.end(), "ping");
    for (size_t i = 0; i < options.rpcs.size(); ++i) {
      Result& r = measured[i].total;
      char vs_ping[16] = "";
      if (ping != options.rpcs.end() && options.rpcs[i] != "ping") {
        std::snprintf(vs_ping, sizeof vs_ping, "%.0f %%",
                      100 * MedianRatio(measured[i], measured[ping - options.rpcs.begin()]));
      }
      std::printf("%-12s %11d %9lld %12.0f %10.0f %10.0f %7lld %8s\n", options.rpcs[i].c_str(),
                  concurrency, static_cast<long long>(r.ok), r.ok / r.seconds,
                  Percentile(r.latencies_us, 0.50), Percentile(r.latencies_us, 0.99),
                  static_cast<long long>(r.failed), vs_ping);
      if (r.failed > 0) std::printf("  first error: %s\n", r.first_error.c_str());
      any_failed = any_failed || r.failed > 0;
    }
    std::fflush(stdout);
  }
  return any_failed ? 1 : 0;
}
