// The console's own HTTP endpoints, beside the API's methods on the JSON
// gateway's port:
//
//   GET  /                   the console (console/index.html)
//   GET  /console/NAME       its other files
//   POST /console/login      {"token": "..."}: {"token_name", "role", "csrf"}
//                            and the login cookie (console_session.h)
//   GET  /console/session    the same for this browser's login, or 401
//   POST /console/logout     ends it
//
// Pages get a strict Content-Security-Policy (scripts, styles and calls of
// this origin only; no inline code, no framing). Thread-safe once added:
// the handlers share only `logins`, which is.
#ifndef CLIENTELE_SERVER_GATEWAY_CONSOLE_ENDPOINTS_H_
#define CLIENTELE_SERVER_GATEWAY_CONSOLE_ENDPOINTS_H_

#include "server/gateway/console_logins.h"

namespace httplib {
class Server;
}

namespace clientele::server::gateway {

// Adds the endpoints above to `server`; `tls` says whether it speaks
// HTTPS (for the Origin check). `logins` must outlive the server.
void AddConsoleEndpoints(httplib::Server* server, ConsoleLogins* logins, bool tls);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONSOLE_ENDPOINTS_H_
