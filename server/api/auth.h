// Who is calling. Every RPC of clientele.v1 needs a bearer token
// ("authorization: Bearer TOKEN" metadata) whose role has the permission
// the method requires (RequiredPermission, roles.h). Tokens are configured by the
// SHA-256 of their text, never the text itself, so a leaked config file
// gives no one access. No gRPC here: the gRPC layer hands over the
// metadata (server/api/grpc/calls.h).
//
// Authenticator is immutable after Create: thread-safe. Move-only, so that
// the Callers it hands out (which view its token names) stay valid as long
// as the one object does.
#ifndef CLIENTELE_SERVER_API_AUTH_H_
#define CLIENTELE_SERVER_API_AUTH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/api/roles.h"

namespace clientele::server {

// One configured token.
struct TokenConfig {
  std::string name;  // who holds it, for logs and audits (not secret)
  Role role = Role::kReader;
  std::string sha256;  // 64 hex digits: SHA-256 of the token's text
};

// The caller a token stands for.
struct Caller {
  std::string_view name;  // TokenConfig::name; lives as long as the Authenticator
  Role role;
};

class Authenticator {
 public:
  // INVALID_ARGUMENT when a hash is not 64 hex digits, or a name or hash
  // appears twice; tokens may be empty (then nobody gets in).
  static absl::StatusOr<Authenticator> Create(std::vector<TokenConfig> tokens);

  // The caller of a request whose authorization metadata is
  // `authorization` (nullopt when the request has none). UNAUTHENTICATED,
  // saying what is wrong but never echoing the token, when it is missing,
  // not "Bearer TOKEN", or no configured token.
  absl::StatusOr<Caller> Authenticate(std::optional<std::string_view> authorization) const;

  // OK when `caller` may call `method`; else PERMISSION_DENIED naming the
  // caller, the method and the roles that may.
  static absl::Status Authorize(const Caller& caller, std::string_view method);

  Authenticator(Authenticator&&) = default;
  Authenticator& operator=(Authenticator&&) = default;
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

 private:
  Authenticator() = default;
  // By the raw 32-byte SHA-256 of the token. A lookup by hash leaks
  // nothing useful through timing: an attacker cannot choose hashes. Node
  // based, so that the names Callers view never move.
  absl::node_hash_map<std::string, TokenConfig> by_hash_;
};

// SHA-256 of `token`, 64 lower-case hex digits: what TokenConfig::sha256
// holds.
std::string TokenHash(std::string_view token);

// True for 64 hex digits (either case).
bool IsTokenHash(std::string_view text);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_AUTH_H_
