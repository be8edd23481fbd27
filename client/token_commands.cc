#include "client/token_commands.h"

#include <openssl/rand.h>

#include <set>

#include "nlohmann/json.hpp"
#include "common/sha256.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

bool IsTokenName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

// The entry of auth.tokens, indented as in config/server.yaml.
std::string ConfigEntry(const std::string& name, const std::string& role, const std::string& hash) {
  return StrCat("    - name: ", name, "\n      role: ", role, "\n      sha256: ", hash, "\n");
}

}  // namespace

int RunTokenNew(const TokenNewOptions& options, std::ostream& out, std::ostream& err) {
  if (!IsTokenName(options.name)) {
    err << "error: --name must be 1..64 letters, digits, '.', '_' or '-'\n";
    return kExitBadInput;
  }
  // The server's roles (server/api/roles.h), which the CLI does not link.
  if (!std::set<std::string>{"reader", "writer", "marketer", "approver", "admin"}.contains(
          options.role)) {
    err << "error: --role must be reader, writer, marketer, approver or admin\n";
    return kExitBadInput;
  }
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) {
    err << "error: the system's random generator failed; no token was made\n";
    return kExitServerError;
  }
  const std::string token =
      "clt_" + ToHex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  const std::string hash = Sha256Hex(token);
  if (options.json) {
    out << nlohmann::json{{"name", options.name},
                          {"role", options.role},
                          {"token", token},
                          {"sha256", hash}}
               .dump()
        << "\n";
    return kExitOk;
  }
  out << "token  " << token << "\n"
      << "       (shown only now: give it to " << options.name
      << " and keep it secret; the server keeps only its hash)\n\n"
      << "Add this to auth.tokens in the server's config and restart it:\n"
      << ConfigEntry(options.name, options.role, hash);
  return kExitOk;
}

int RunTokenHash(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string line;
  std::getline(in, line);
  const size_t begin = line.find_first_not_of(" \t\r");
  if (begin == std::string::npos) {
    err << "error: no token on standard input (echo -n TOKEN | clientele token hash)\n";
    return kExitBadInput;
  }
  const size_t end = line.find_last_not_of(" \t\r");
  out << Sha256Hex(std::string_view(line).substr(begin, end - begin + 1)) << "\n";
  return kExitOk;
}

}  // namespace clientele::client
