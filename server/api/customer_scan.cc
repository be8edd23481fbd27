#include "server/api/customer_scan.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace clientele::server::api_internal {
namespace {

constexpr int kMaxScanThreads = 4;

}  // namespace

absl::Status ScanCustomersInRanges(
    Store& store, const CustomerScan& scan, const std::function<void(size_t ranges)>& ranges,
    const std::function<void(size_t range, const rules::Customer& customer,
                             std::span<const rules::Purchase> purchases)>& visit) {
  const int threads = std::clamp(
      std::min(static_cast<int>(std::thread::hardware_concurrency()), store.read_connections() - 1),
      1, kMaxScanThreads);
  absl::StatusOr<std::vector<std::string>> splits = store.CustomerIdSplits(threads);
  if (!splits.ok()) return splits.status();
  const size_t count = splits->size() + 1;
  ranges(count);
  std::vector<absl::Status> statuses(count);
  auto scan_range = [&](size_t i) {
    CustomerScan range = scan;
    range.from_id = i == 0 ? "" : (*splits)[i - 1];
    range.to_id = i + 1 < count ? (*splits)[i] : "";
    statuses[i] = store.ScanCustomers(
        range, [&](const rules::Customer& c, std::span<const rules::Purchase> purchases) {
          visit(i, c, purchases);
        });
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < count; ++i) helpers.emplace_back(scan_range, i);
  scan_range(0);
  for (std::thread& t : helpers) t.join();
  for (const absl::Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace clientele::server::api_internal
