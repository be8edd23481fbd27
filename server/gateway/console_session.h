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
// sent, names this host (either scheme: behind a proxy that ends TLS the
// server sees http for the browser's https), and Sec-Fetch-Site, when
// sent, is same-origin or none. PERMISSION_DENIED otherwise.
absl::Status CheckSameOrigin(const httplib::Request& request);

// For a call with the login's cookie: same origin, and the login's CSRF
// token in kCsrfHeader, or for a GET (a browser's EventSource sends no
// headers) in the `csrf` query parameter, so that a plain link or <img> of
// another page cannot start anything. PERMISSION_DENIED otherwise.
absl::Status CheckCsrf(const httplib::Request& request, const Login& login);

// What a call of the API is authorized by.
struct CallAuthorization {
  std::string header;    // the "authorization" to forward: "Bearer TOKEN", or "" for none
  std::string login_id;  // the console login it came from, "" when it came with its own header
};

// The authorization a call carries: its Authorization header as it came,
// when it has one; else, with the console's login cookie, "Bearer TOKEN"
// of that login once CheckCsrf passes; else none. UNAUTHENTICATED when the
// cookie names a login that has ended; PERMISSION_DENIED when the checks
// fail.
absl::StatusOr<CallAuthorization> AuthorizationOf(const httplib::Request& request,
                                                  ConsoleLogins* logins);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONSOLE_SESSION_H_
