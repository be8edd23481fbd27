#include "server/api/auth.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "common/sha256.h"
#include "common/strings.h"

namespace clientele::server {
namespace {

constexpr std::string_view kBearer = "bearer ";

// The raw bytes of 64 hex digits (either case); nullopt for anything else.
std::optional<std::string> DecodeHash(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string raw;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = nibble(hex[i]);
    const int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    raw.push_back(static_cast<char>(high << 4 | low));
  }
  return raw;
}

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char p, char t) {
           return p == (t >= 'A' && t <= 'Z' ? static_cast<char>(t - 'A' + 'a') : t);
         });
}

}  // namespace

absl::StatusOr<Authenticator> Authenticator::Create(std::vector<TokenConfig> tokens) {
  Authenticator authenticator;
  absl::flat_hash_set<std::string> names;
  for (TokenConfig& token : tokens) {
    std::optional<std::string> raw = DecodeHash(token.sha256);
    if (!raw.has_value()) {
      return absl::InvalidArgumentError(
          StrCat("token '", token.name,
                 "': sha256 must be 64 hex digits (clientele token new "
                 "makes a token and its hash)"));
    }
    if (!names.insert(token.name).second) {
      return absl::InvalidArgumentError(StrCat("token name '", token.name, "' appears twice"));
    }
    const std::string name = token.name;
    if (!authenticator.by_hash_.emplace(std::move(*raw), std::move(token)).second) {
      return absl::InvalidArgumentError(
          StrCat("token '", name, "' has the same sha256 as another token"));
    }
  }
  return authenticator;
}

absl::StatusOr<Caller> Authenticator::Authenticate(
    std::optional<std::string_view> authorization) const {
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "no token: send the metadata 'authorization: Bearer TOKEN' (clientele: --token-file, "
        "--token or $CLIENTELE_TOKEN)");
  }
  if (!StartsWithIgnoringCase(*authorization, kBearer)) {
    return absl::UnauthenticatedError("the authorization metadata must be 'Bearer TOKEN'");
  }
  std::string_view token = authorization->substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  const auto found = by_hash_.find(Sha256Raw(token));
  if (token.empty() || found == by_hash_.end()) {
    return absl::UnauthenticatedError("the token is not one this server accepts");
  }
  return Caller{found->second.name, found->second.role};
}

absl::Status Authenticator::Authorize(const Caller& caller, std::string_view method) {
  const std::optional<Permission> required = RequiredPermission(method);
  if (!required.has_value()) {
    return absl::PermissionDeniedError(StrCat(method, " is not open to any role"));
  }
  if (Allows(caller.role, *required)) return absl::OkStatus();
  return absl::PermissionDeniedError(StrCat("'", caller.name, "' (role ", RoleName(caller.role),
                                            ") may not call ", method, ": it needs the role ",
                                            RolesWith(*required)));
}

bool IsTokenHash(std::string_view text) { return DecodeHash(text).has_value(); }

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

}  // namespace clientele::server
