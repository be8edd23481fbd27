// Page tokens of the List calls (AIP-158), shared by the API classes of
// server/api/. Internal to server/api/; stateless and thread-safe.
#ifndef CLIENTELE_SERVER_API_PAGE_TOKENS_H_
#define CLIENTELE_SERVER_API_PAGE_TOKENS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace clientele::server::api_internal {

// Page tokens (AIP-158) are opaque: a position in the listing (e.g. the
// last id of the page) and an HMAC-SHA256 under `key` (the store's
// page_token_key) of the position, the method and the request's other
// fields (page_token and page_size aside). So a token never issued,
// altered, or sent with another filter or to another method is refused.
// The token that continues `request` of `method` after `position`.
std::string IssuePageToken(std::string_view key, std::string_view method,
                           const google::protobuf::Message& request, std::string_view position);
// The position of `token` sent with `request` ("" for an empty token), or
// INVALID_ARGUMENT about page_token (INVALID_PAGE_TOKEN).
absl::StatusOr<std::string> ReadPageToken(std::string_view key, std::string_view method,
                                          const google::protobuf::Message& request,
                                          std::string_view token);
// ReadPageToken for a position that is a row id: 0 for the first page.
absl::StatusOr<int64_t> ReadIdPageToken(std::string_view key, std::string_view method,
                                        const google::protobuf::Message& request,
                                        std::string_view token);

}  // namespace clientele::server::api_internal

#endif  // CLIENTELE_SERVER_API_PAGE_TOKENS_H_
