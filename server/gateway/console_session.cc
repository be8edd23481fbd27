#include "server/gateway/console_session.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include "common/strings.h"

namespace clientele::server::gateway {

std::optional<std::string> LoginCookieOf(const httplib::Request& request) {
  const std::string header = request.get_header_value("Cookie");
  const std::string wanted = StrCat(kLoginCookie, "=");
  size_t at = 0;
  while (at < header.size()) {
    size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string_view pair = std::string_view(header).substr(at, end - at);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(wanted)) return std::string(pair.substr(wanted.size()));
    at = end + 1;
  }
  return std::nullopt;
}

std::string LoginCookieHeader(const Login& login) {
  return StrCat(kLoginCookie, "=", login.id, "; Path=/; Secure; HttpOnly; SameSite=Strict");
}

std::string LogoutCookieHeader() {
  return StrCat(kLoginCookie, "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
}

absl::Status CheckSameOrigin(const httplib::Request& request) {
  if (request.has_header("Origin")) {
    const std::string origin = request.get_header_value("Origin");
    const size_t scheme_end = origin.find("://");
    const std::string host = request.get_header_value("Host");
    if (scheme_end == std::string::npos || host.empty() || origin.substr(scheme_end + 3) != host) {
      return absl::PermissionDeniedError(
          StrCat("a page of another origin (", origin, ") may not use the console's login"));
    }
  }
  if (request.has_header("Sec-Fetch-Site")) {
    const std::string site = request.get_header_value("Sec-Fetch-Site");
    if (site != "same-origin" && site != "none") {
      return absl::PermissionDeniedError(StrCat("a request from another site (Sec-Fetch-Site: ",
                                                site, ") may not use the console's login"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCsrf(const httplib::Request& request, const Login& login) {
  if (absl::Status same = CheckSameOrigin(request); !same.ok()) return same;
  const std::string sent = request.method == "GET" ? request.get_param_value("csrf")
                                                   : request.get_header_value(kCsrfHeader);
  // In constant time: the comparison must not tell how much of a guess was right.
  if (sent.size() != login.csrf.size() ||
      CRYPTO_memcmp(sent.data(), login.csrf.data(), sent.size()) != 0) {
    return absl::PermissionDeniedError(
        StrCat("a call with the console's login needs the CSRF token that the login answered "
               "with (the header ",
               kCsrfHeader,
               ", or for a GET the parameter csrf); reload the "
               "console"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CallAuthorization> AuthorizationOf(const httplib::Request& request,
                                                  ConsoleLogins* logins) {
  if (request.has_header("Authorization")) {
    return CallAuthorization{.header = request.get_header_value("Authorization")};
  }
  const std::optional<std::string> id = LoginCookieOf(request);
  if (!id.has_value()) return CallAuthorization{};
  const std::optional<Login> login = logins->Find(*id);
  if (!login.has_value()) {
    return absl::UnauthenticatedError(
        "the console's login has ended (unused for too long, too old, logged out, or the server "
        "restarted): log in again");
  }
  if (absl::Status checked = CheckCsrf(request, *login); !checked.ok()) return checked;
  return CallAuthorization{.header = StrCat("Bearer ", login->token), .login_id = login->id};
}

}  // namespace clientele::server::gateway
