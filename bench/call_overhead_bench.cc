// What every RPC pays besides its work: admitting the caller (the bearer
// token hashed and looked up, the role checked) and counting the call in
// the metrics. Run: build/bench/call_overhead_bench; with --benchmark_
// threads... see Google Benchmark's flags. ThreadRange(1, 2) shows the
// cost when both cores record at once (the shared counters' cache lines).
#include <benchmark/benchmark.h>

#include <chrono>

#include "common/sha256.h"
#include "server/api/auth.h"
#include "server/infra/metrics.h"

namespace clientele::server {
namespace {

const Authenticator& Tokens() {
  static const Authenticator* auth = [] {
    std::vector<TokenConfig> tokens;
    for (int i = 0; i < 20; ++i) {
      tokens.push_back({"token-" + std::to_string(i), Role::kWriter,
                        Sha256Hex("token-text-" + std::to_string(i))});
    }
    return new Authenticator(*Authenticator::Create(std::move(tokens)));
  }();
  return *auth;
}

void BM_AuthenticateAndAuthorize(benchmark::State& state) {
  const std::string header = "Bearer token-text-7";
  for (auto _ : state) {
    absl::StatusOr<Caller> caller = Tokens().Authenticate(header);
    benchmark::DoNotOptimize(Authenticator::Authorize(*caller, "Evaluate").ok());
  }
}
BENCHMARK(BM_AuthenticateAndAuthorize)->ThreadRange(1, 2);

void BM_RecordCall(benchmark::State& state) {
  for (auto _ : state) {
    Metrics::Global().RecordCall("Evaluate", absl::StatusCode::kOk, std::chrono::microseconds(40));
  }
}
BENCHMARK(BM_RecordCall)->ThreadRange(1, 2);

void BM_RecordMatches(benchmark::State& state) {
  // A decision of the default ruleset's size: four segments and an offer.
  rules::Decision decision;
  decision.segments = {{"life_stage", "年轻低收入群体", "young_low_income"},
                       {"purchase_behavior", "潜力客户", "potential"},
                       {"age_band", "青年", "young"},
                       {"satisfaction", "满意", "satisfied"}};
  decision.offers = {{"满100减20", "coupon_young"}};
  for (auto _ : state) Metrics::Global().RecordMatches(decision);
}
BENCHMARK(BM_RecordMatches)->ThreadRange(1, 2);

}  // namespace
}  // namespace clientele::server

BENCHMARK_MAIN();
