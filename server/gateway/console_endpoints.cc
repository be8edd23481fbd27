#include "server/gateway/console_endpoints.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "common/host_port.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "server/gateway/connect_error.h"
#include "server/gateway/console_files.h"
#include "server/gateway/console_session.h"
#include "server/gateway/json_messages.h"
#include "server/infra/log.h"

namespace clientele::server::gateway {
namespace {

// Scripts, styles, images and calls of this origin only: text from the
// data can never run as code, even if it got into the page as HTML.
constexpr char kPagePolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

void AnswerError(const absl::Status& status, httplib::Response& response) {
  const HttpError error = ConnectError(status);
  response.status = error.http_status;
  response.set_content(error.json, "application/json");
}

// What the page learns of a login: who, and the CSRF token for its calls.
std::string LoginJson(const Login& login) {
  return StrCat("{\"token_name\":", JsonQuoted(login.identity.token_name),
                ",\"role\":", JsonQuoted(login.identity.role), ",\"csrf\":", JsonQuoted(login.csrf),
                "}");
}

// The "token" of a login's JSON body; INVALID_ARGUMENT when there is none.
absl::StatusOr<std::string> TokenOf(const httplib::Request& request) {
  google::protobuf::Struct body;
  if (!google::protobuf::util::JsonStringToMessage(request.body, &body).ok()) {
    return absl::InvalidArgumentError(R"(a login is {"token": "..."} in JSON)");
  }
  const auto found = body.fields().find("token");
  if (found == body.fields().end() || !found->second.has_string_value() ||
      found->second.string_value().empty()) {
    return absl::InvalidArgumentError(R"(a login is {"token": "..."} in JSON)");
  }
  return found->second.string_value();
}

void ServeFile(const ConsoleFile& file, const httplib::Request& request,
               httplib::Response& response) {
  // Revalidated on every load, so that a new clienteled's console is
  // never mixed with an old one's cached modules.
  // Weak: the same file may go out compressed or not.
  const std::string tag = StrCat("W/\"", Sha256Hex(file.body).substr(0, 16), "\"");
  response.set_header("ETag", tag);
  response.set_header("Cache-Control", "no-cache");
  response.set_header("Content-Security-Policy", kPagePolicy);
  if (request.get_header_value("If-None-Match") == tag) {
    response.status = 304;
    return;
  }
  response.set_content(std::string(file.body), std::string(file.content_type));
}

void LogIn(ConsoleLogins* logins, bool tls, const httplib::Request& request,
           httplib::Response& response) {
  if (absl::Status same = CheckSameOrigin(request); !same.ok()) {
    return AnswerError(same, response);
  }
  // The login cookie is Secure: a browser keeps it from plain HTTP only on
  // loopback, so elsewhere a login would only seem to work.
  if (!tls && !IsLoopbackHost(HostOf(request.get_header_value("Host")))) {
    return AnswerError(absl::FailedPreconditionError(
                           "the console needs HTTPS on an address that is not loopback (its "
                           "login cookie is Secure): configure tls"),
                       response);
  }
  // JSON only: a form of another site cannot post it without the
  // browser asking this server first, and it never says yes.
  if (!IsJsonContentType(request.get_header_value("Content-Type"))) {
    response.status = 415;
    response.set_content(
        ConnectError(absl::InvalidArgumentError("a login is posted as application/json")).json,
        "application/json");
    return;
  }
  absl::StatusOr<std::string> token = TokenOf(request);
  if (!token.ok()) return AnswerError(token.status(), response);
  absl::StatusOr<Login> login = logins->LogIn(*token, request.remote_addr);
  if (!login.ok()) {
    Log(LogLevel::kWarning, "console_login_refused",
        {{"address", request.remote_addr}, {"error", std::string(View(login.status().message()))}});
    if (login.status().code() == absl::StatusCode::kResourceExhausted) {
      response.set_header("Retry-After", "60");
    }
    return AnswerError(login.status(), response);
  }
  Log(LogLevel::kInfo, "console_login",
      {{"caller", login->identity.token_name}, {"address", request.remote_addr}});
  response.set_header("Set-Cookie", LoginCookieHeader(*login));
  response.set_content(LoginJson(*login), "application/json");
}

}  // namespace

void AddConsoleEndpoints(httplib::Server* server, ConsoleLogins* logins, bool tls) {
  server->Get("/", [](const httplib::Request& request, httplib::Response& response) {
    ServeFile(*FindConsoleFile("index.html"), request, response);
  });
  server->Post("/console/login",
               [logins, tls](const httplib::Request& request, httplib::Response& response) {
                 LogIn(logins, tls, request, response);
               });
  server->Get(
      "/console/session", [logins](const httplib::Request& request, httplib::Response& response) {
        const std::optional<std::string> id = LoginCookieOf(request);
        const std::optional<Login> login = id.has_value() ? logins->Find(*id) : std::nullopt;
        if (!login.has_value()) {
          return AnswerError(absl::UnauthenticatedError("not logged in"), response);
        }
        if (absl::Status same = CheckSameOrigin(request); !same.ok()) {
          return AnswerError(same, response);
        }
        response.set_content(LoginJson(*login), "application/json");
      });
  server->Post(
      "/console/logout", [logins](const httplib::Request& request, httplib::Response& response) {
        const std::optional<std::string> id = LoginCookieOf(request);
        const std::optional<Login> login = id.has_value() ? logins->Find(*id) : std::nullopt;
        if (login.has_value()) {
          if (absl::Status csrf = CheckCsrf(request, *login); !csrf.ok()) {
            return AnswerError(csrf, response);
          }
          logins->LogOut(login->id);
        }
        response.set_header("Set-Cookie", LogoutCookieHeader());
        response.set_content("{}", "application/json");
      });
  // Last: its pattern would take /console/session as a file name.
  server->Get(R"(/console/([A-Za-z0-9_.-]+))", [](const httplib::Request& request,
                                                  httplib::Response& response) {
    const ConsoleFile* file = FindConsoleFile(request.matches[1].str());
    if (file == nullptr) {
      return AnswerError(
          absl::NotFoundError(StrCat("the console has no file '", request.matches[1].str(), "'")),
          response);
    }
    ServeFile(*file, request, response);
  });
}

}  // namespace clientele::server::gateway
