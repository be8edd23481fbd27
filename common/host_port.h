// The host of an address as clientele's settings, --server and HTTP's
// Host header write it: "host:port", "[v6]:port", or either without its
// port. Stateless.
#ifndef CLIENTELE_COMMON_HOST_PORT_H_
#define CLIENTELE_COMMON_HOST_PORT_H_

#include <string_view>

namespace clientele {

// "127.0.0.1" of "127.0.0.1:50051", "::1" of "[::1]:50051" or "[::1]",
// "example.com" of "example.com:8080" or "example.com".
inline std::string_view HostOf(std::string_view address) {
  if (address.starts_with('[')) {
    const size_t close = address.find(']');
    if (close != std::string_view::npos) return address.substr(1, close - 1);
  }
  return address.substr(0, address.rfind(':'));
}

}  // namespace clientele

#endif  // CLIENTELE_COMMON_HOST_PORT_H_
