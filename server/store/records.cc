#include "server/store/records.h"

#include "absl/time/time.h"

namespace clientele::server {

std::string UtcMillisecondsText(std::chrono::system_clock::time_point at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(at), absl::UTCTimeZone());
}

}  // namespace clientele::server
