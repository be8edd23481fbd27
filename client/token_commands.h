// The offline `clientele token ...` commands: make bearer tokens for
// clienteled's config (server/api/auth.h) without a server. Each returns the
// process exit code and writes to the given streams.
#ifndef CLIENTELE_CLIENT_TOKEN_COMMANDS_H_
#define CLIENTELE_CLIENT_TOKEN_COMMANDS_H_

#include <istream>
#include <ostream>
#include <string>

#include "client/exit_codes.h"

namespace clientele::client {

struct TokenNewOptions {
  std::string name;  // who will hold it: letters, digits, '.', '_', '-'; 1..64
  std::string role;  // reader, writer or admin
  bool json = false;
};

// `clientele token new --name N --role R`: a new random token (32 bytes
// from OpenSSL's generator, "clt_" and 64 hex digits) and the entry to
// add to auth.tokens, which holds only its SHA-256. The token is printed
// this once and kept nowhere. Exit 2 for a bad name or role.
int RunTokenNew(const TokenNewOptions& options, std::ostream& out, std::ostream& err);

// `clientele token hash`: the SHA-256 of the token on the first line of
// `in`, for a token made elsewhere. Exit 2 when there is none.
int RunTokenHash(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace clientele::client

#endif  // CLIENTELE_CLIENT_TOKEN_COMMANDS_H_
