// How an HTTP request of the console proves who sends it: the login
// cookie (console_logins.h), and for anything that changes something, the
// login's CSRF header from a page of this very origin. Stateless helpers;
// thread-safe.
#ifndef CLIENTELE_SERVER_GATEWAY_CONSOLE_SESSION_H_
#define CLIENTELE_SERVER_GATEWAY_CONSOLE_SESSION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/gateway/console_logins.h"

namespace httplib {
struct Request;
}

namespace clientele::server::gateway {

// __Host-: only set by this origin over a secure context (browsers count
// http://127.0.0.1 and localhost as one), path /, no Domain.
inline constexpr char kLoginCookie[] = "__Host-clientele";
inline constexpr char kCsrfHeader[] = "X-Clientele-CSRF";

// The login id the request's cookie carries, if any.
std::optional<std::string> LoginCookieOf(const httplib::Request& request);

// The Set-Cookie value that starts `login` in the browser, and the one
// that ends it.
std::string LoginCookieHeader(const Login& login);
std::string LogoutCookieHeader();

// OK when the request comes from a page of this server: its Origin, when
// sent, is this host (http or https as `tls` says), and Sec-Fetch-Site,
// when sent, is same-origin or none. PERMISSION_DENIED otherwise.
absl::Status CheckSameOrigin(const httplib::Request& request, bool tls);

// For a request that changes something, made with the login's cookie:
// same origin, and the login's CSRF token in kCsrfHeader.
// PERMISSION_DENIED otherwise.
absl::Status CheckCsrf(const httplib::Request& request, const Login& login, bool tls);

// The authorization a call of the API carries: its Authorization header
// as it came, when it has one; else, with the console's login cookie,
// "Bearer TOKEN" of that login, once CheckCsrf (a POST) or
// CheckSameOrigin (a GET stream, which cannot send headers from a
// browser's EventSource) passes; else "". UNAUTHENTICATED when the cookie
// names a login that has ended; PERMISSION_DENIED when the checks fail.
absl::StatusOr<std::string> AuthorizationOf(const httplib::Request& request, ConsoleLogins* logins,
                                            bool tls);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONSOLE_SESSION_H_
