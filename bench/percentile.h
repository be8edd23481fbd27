// The percentile the bench tools report. Header-only; no dependencies, so
// that in-process benches need not pull in gRPC with bench_support.h.
#ifndef CLIENTELE_BENCH_PERCENTILE_H_
#define CLIENTELE_BENCH_PERCENTILE_H_

#include <algorithm>
#include <vector>

namespace clientele::bench {

// The p-quantile (0..1) of `values` (reordered); 0 when empty.
inline double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

}  // namespace clientele::bench

#endif  // CLIENTELE_BENCH_PERCENTILE_H_
