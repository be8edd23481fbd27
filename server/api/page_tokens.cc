#include "server/api/page_tokens.h"

#include <charconv>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "common/strings.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/api/requests.h"

namespace clientele::server::api_internal {

namespace {

constexpr size_t kPageTokenMacBytes = 16;
constexpr size_t kMaxPageTokenBytes = 512;

// The MAC of a position in the listing `method` of `request`'s query.
std::string PageTokenMac(std::string_view key, std::string_view method,
                         const google::protobuf::Message& request, std::string_view position) {
  std::unique_ptr<google::protobuf::Message> query(request.New());
  query->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = query->GetDescriptor();
  for (const char* paging : {"page_token", "page_size"}) {
    if (const google::protobuf::FieldDescriptor* f = descriptor->FindFieldByName(paging)) {
      query->GetReflection()->ClearField(query.get(), f);
    }
  }
  std::string query_bytes;
  {
    google::protobuf::io::StringOutputStream stream(&query_bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    query->SerializeToCodedStream(&coded);
  }
  // Lengths first, so that no two (method, query, position) share bytes.
  const std::string signed_bytes = StrCat("page-token-v1:", method.size(), ":", method, ":",
                                          query_bytes.size(), ":", query_bytes, position);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(signed_bytes.data()), signed_bytes.size(), mac,
           &mac_size) == nullptr ||
      mac_size < kPageTokenMacBytes) {
    return "";  // no token verifies against an empty MAC (see ReadPageToken)
  }
  return std::string(reinterpret_cast<const char*>(mac), kPageTokenMacBytes);
}

}  // namespace

std::string IssuePageToken(std::string_view key, std::string_view method,
                           const google::protobuf::Message& request, std::string_view position) {
  const std::string raw = StrCat(position, PageTokenMac(key, method, request, position));
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(raw.data(), raw.size()), &token);
  return token;
}

absl::StatusOr<std::string> ReadPageToken(std::string_view key, std::string_view method,
                                          const google::protobuf::Message& request,
                                          std::string_view token) {
  if (token.empty()) return std::string();
  auto refused = [&] {
    return WithReason(
        Invalid("page_token", StrCat("is not a token that ", method,
                                     " issued for this request (a token holds to the request's "
                                     "other fields: send them unchanged; page_size may change)")),
        kReasonInvalidPageToken);
  };
  std::string raw;
  if (token.size() > kMaxPageTokenBytes ||
      !absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw) ||
      raw.size() <= kPageTokenMacBytes) {
    return refused();
  }
  const std::string_view position(raw.data(), raw.size() - kPageTokenMacBytes);
  const std::string expected = PageTokenMac(key, method, request, position);
  if (expected.size() != kPageTokenMacBytes ||
      CRYPTO_memcmp(expected.data(), raw.data() + position.size(), kPageTokenMacBytes) != 0) {
    return refused();
  }
  return std::string(position);
}

absl::StatusOr<int64_t> ReadIdPageToken(std::string_view key, std::string_view method,
                                        const google::protobuf::Message& request,
                                        std::string_view token) {
  absl::StatusOr<std::string> position = ReadPageToken(key, method, request, token);
  if (!position.ok()) return position.status();
  if (position->empty()) return 0;
  int64_t id = 0;
  if (!ParseInteger(std::string_view(*position), &id) || id <= 0) {
    return absl::InternalError(StrCat("a page token of ", method, " holds a bad position"));
  }
  return id;
}

}  // namespace clientele::server::api_internal
