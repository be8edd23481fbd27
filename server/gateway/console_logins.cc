#include "server/gateway/console_logins.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/sha256.h"
#include "common/strings.h"

namespace clientele::server::gateway {
namespace {

constexpr std::chrono::minutes kFailureWindow(1);

// 32 random bytes from the system's generator as hex; "" if it fails.
std::string RandomHex() {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) return "";
  return ToHex(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
}

// The key failures are counted under: the address, or an IPv6 address's
// /64 (one machine usually holds a whole /64, and could pick a new address
// in it for every guess).
std::string AddressKey(std::string_view address) {
  const std::string text(address);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1 || IN6_IS_ADDR_V4MAPPED(&v6)) return text;
  std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
  char prefix[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &v6, prefix, sizeof prefix);
  return StrCat(prefix, "/64");
}

}  // namespace

ConsoleLogins::ConsoleLogins(Authenticate authenticate, ConsoleLoginOptions options)
    : authenticate_(std::move(authenticate)), options_(options) {}

absl::StatusOr<Login> ConsoleLogins::LogIn(std::string_view token, std::string_view address,
                                           Clock::time_point now) {
  const std::string from = AddressKey(address);
  {
    MutexLock lock(&mutex_);
    // Many addresses must not grow the table for ever.
    if (failures_.size() >= 1000) DropExpired(now);
    if (RecentFailures(from, now) >= static_cast<size_t>(options_.failures_per_minute)) {
      return absl::ResourceExhaustedError(
          "too many failed logins from this address: wait a minute before trying again");
    }
    failures_[from].push_back(now);  // a failure until it succeeds
  }
  absl::StatusOr<LoginIdentity> identity = authenticate_(token);
  if (!identity.ok()) return absl::UnauthenticatedError("that is not a token of this server");
  Login login{.id = RandomHex(),
              .token = std::string(token),
              .identity = *std::move(identity),
              .csrf = RandomHex()};
  MutexLock lock(&mutex_);
  if (auto found = failures_.find(from); found != failures_.end()) {
    std::deque<Clock::time_point>& times = found->second;
    if (const auto mine = std::find(times.rbegin(), times.rend(), now); mine != times.rend()) {
      times.erase(std::next(mine).base());
    }
    if (times.empty()) failures_.erase(found);
  }
  if (login.id.empty() || login.csrf.empty()) {
    return absl::InternalError("the system's random generator failed; no login was made");
  }
  DropExpired(now);
  MakeRoom(login.identity.token_name);
  logins_.emplace(login.id, Entry{login, now, now});
  return login;
}

void ConsoleLogins::MakeRoom(const std::string& token_name) {
  // The oldest login of the token when it has its fill, else the oldest
  // of all when the table has.
  auto oldest_of_token = logins_.end(), oldest = logins_.end();
  size_t of_token = 0;
  for (auto it = logins_.begin(); it != logins_.end(); ++it) {
    if (oldest == logins_.end() || it->second.began < oldest->second.began) oldest = it;
    if (it->second.login.identity.token_name != token_name) continue;
    ++of_token;
    if (oldest_of_token == logins_.end() || it->second.began < oldest_of_token->second.began) {
      oldest_of_token = it;
    }
  }
  if (of_token >= options_.max_logins_per_token) {
    logins_.erase(oldest_of_token);
  } else if (logins_.size() >= options_.max_logins) {
    logins_.erase(oldest);
  }
}

std::optional<Login> ConsoleLogins::Find(std::string_view id, Clock::time_point now) {
  MutexLock lock(&mutex_);
  const auto found = logins_.find(id);
  if (found == logins_.end()) return std::nullopt;
  if (Expired(found->second, now)) {
    logins_.erase(found);
    return std::nullopt;
  }
  found->second.last_used = now;
  return found->second.login;
}

bool ConsoleLogins::IsLive(std::string_view id, Clock::time_point now) {
  MutexLock lock(&mutex_);
  const auto found = logins_.find(id);
  return found != logins_.end() && !Expired(found->second, now);
}

void ConsoleLogins::LogOut(std::string_view id) {
  MutexLock lock(&mutex_);
  if (const auto found = logins_.find(id); found != logins_.end()) logins_.erase(found);
}

bool ConsoleLogins::Expired(const Entry& entry, Clock::time_point now) const {
  return now - entry.last_used >= options_.idle || now - entry.began >= options_.absolute;
}

size_t ConsoleLogins::RecentFailures(const std::string& address, Clock::time_point now) {
  const auto found = failures_.find(address);
  if (found == failures_.end()) return 0;
  std::deque<Clock::time_point>& times = found->second;
  while (!times.empty() && now - times.front() >= kFailureWindow) times.pop_front();
  if (times.empty()) {
    failures_.erase(found);
    return 0;
  }
  return times.size();
}

void ConsoleLogins::DropExpired(Clock::time_point now) {
  for (auto it = logins_.begin(); it != logins_.end();) {
    it = Expired(it->second, now) ? logins_.erase(it) : std::next(it);
  }
  // Addresses whose failures are all older than the window.
  for (auto it = failures_.begin(); it != failures_.end();) {
    const bool stale = it->second.empty() || now - it->second.back() >= kFailureWindow;
    it = stale ? failures_.erase(it) : std::next(it);
  }
}

}  // namespace clientele::server::gateway
