// Limits on the contents of requests, from the server config (limits: in
// server.yaml). A plain value: copy it freely.
#ifndef CLIENTELE_SERVER_API_REQUEST_LIMITS_H_
#define CLIENTELE_SERVER_API_REQUEST_LIMITS_H_

#include <cstddef>

namespace clientele::server {

// Limits on request contents, from the server config.
struct RequestLimits {
  size_t max_text_bytes = 2000;  // interaction text, feedback
  size_t max_name_bytes = 200;   // names, products
  size_t max_import_customers = 1'000'000;  // per ImportCustomers stream
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_REQUEST_LIMITS_H_
