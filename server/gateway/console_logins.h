// The console's logins. A person pastes a token once; the server checks it
// and keeps it in memory under a random login id, which the browser holds
// in an HttpOnly cookie and sends back with each call, so the token never
// reaches a page, a URL or a log. A login ends when it has been idle too
// long, at an absolute limit, on logout, or when the server restarts.
// Login attempts are counted per client address (an IPv6 address by its
// /64, which one machine usually has whole) until they succeed: past a few
// failures a minute, the address is refused until the minute is over.
// Tokens are long random strings; this makes guessing slower still, and
// visible. (Clients behind one proxy or NAT share an address, and so share
// the limit.)
//
// Thread-safe: every method may be called from any thread.
#ifndef CLIENTELE_SERVER_GATEWAY_CONSOLE_LOGINS_H_
#define CLIENTELE_SERVER_GATEWAY_CONSOLE_LOGINS_H_

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/mutex.h"

namespace clientele::server::gateway {

// Who a token stands for, as the server's token table says.
struct LoginIdentity {
  std::string token_name;  // not secret: shown in the console and in audits
  std::string role;        // "reader", "writer", "admin"
};

struct Login {
  std::string id;     // 64 hex digits: the cookie's value
  std::string token;  // the pasted token, forwarded on each call; memory only
  LoginIdentity identity;
  // 64 hex digits the page must send back in X-Clientele-CSRF with every
  // POST: a page of another site can make the browser send the cookie,
  // but cannot read this.
  std::string csrf;
};

struct ConsoleLoginOptions {
  std::chrono::seconds idle{30 * 60};          // unused this long: gone
  std::chrono::seconds absolute{8 * 60 * 60};  // gone this long after it began, used or not
  int failures_per_minute = 5;                 // from one address; more are refused
  size_t max_logins = 10'000;                  // the oldest goes when a new one would pass this
  size_t max_logins_per_token = 32;  // the same per token: one holder cannot push others out
};

class ConsoleLogins {
 public:
  using Clock = std::chrono::steady_clock;
  // The identity of `token`, or UNAUTHENTICATED (the server's own check).
  using Authenticate = std::function<absl::StatusOr<LoginIdentity>(std::string_view token)>;

  ConsoleLogins(Authenticate authenticate, ConsoleLoginOptions options = {});

  // A new login for `token`, from the client at `address`.
  // UNAUTHENTICATED when the token is not one of the server's (counted as
  // a failure of `address`); RESOURCE_EXHAUSTED, before the token is even
  // looked at, when `address` failed failures_per_minute times within the
  // last minute. An attempt counts as a failure from its start until it
  // succeeds, so that attempts at once cannot all slip past the limit; a
  // success does not forgive the failures before it.
  absl::StatusOr<Login> LogIn(std::string_view token, std::string_view address,
                              Clock::time_point now = Clock::now());

  // The live login `id` names, marked as used now; nullopt when there is
  // none (never was, logged out, timed out).
  std::optional<Login> Find(std::string_view id, Clock::time_point now = Clock::now());

  // Whether login `id` is live, without counting this as a use (a stream
  // that follows for a login asks this, and must not keep it alive).
  bool IsLive(std::string_view id, Clock::time_point now = Clock::now());

  // Ends login `id`, if it is live.
  void LogOut(std::string_view id);

 private:
  struct Entry {
    Login login;
    Clock::time_point began;
    Clock::time_point last_used;
  };
  bool Expired(const Entry& entry, Clock::time_point now) const;
  // Failures of `address` within the last minute, the older ones dropped.
  size_t RecentFailures(const std::string& address, Clock::time_point now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void DropExpired(Clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Makes room for one more login of `token_name`.
  void MakeRoom(const std::string& token_name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const Authenticate authenticate_;
  const ConsoleLoginOptions options_;
  Mutex mutex_;
  std::map<std::string, Entry, std::less<>> logins_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::deque<Clock::time_point>> failures_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONSOLE_LOGINS_H_
