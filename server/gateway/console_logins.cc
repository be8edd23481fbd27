#include "server/gateway/console_logins.h"

#include <openssl/rand.h>

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

}  // namespace

ConsoleLogins::ConsoleLogins(Authenticate authenticate, ConsoleLoginOptions options)
    : authenticate_(std::move(authenticate)), options_(options) {}

absl::StatusOr<Login> ConsoleLogins::LogIn(std::string_view token, std::string_view address,
                                           Clock::time_point now) {
  const std::string from(address);
  {
    MutexLock lock(&mutex_);
    if (RecentFailures(from, now) >= static_cast<size_t>(options_.failures_per_minute)) {
      return absl::ResourceExhaustedError(
          "too many failed logins from this address: wait a minute before trying again");
    }
  }
  absl::StatusOr<LoginIdentity> identity = authenticate_(token);
  if (!identity.ok()) {
    MutexLock lock(&mutex_);
    // Many addresses that only ever fail must not grow the table for ever.
    if (failures_.size() >= options_.max_logins) DropExpired(now);
    failures_[from].push_back(now);
    return absl::UnauthenticatedError("that is not a token of this server");
  }
  Login login{.id = RandomHex(),
              .token = std::string(token),
              .identity = *std::move(identity),
              .csrf = RandomHex()};
  if (login.id.empty() || login.csrf.empty()) {
    return absl::InternalError("the system's random generator failed; no login was made");
  }
  MutexLock lock(&mutex_);
  failures_.erase(from);
  DropExpired(now);
  while (logins_.size() >= options_.max_logins) {
    auto oldest = logins_.begin();
    for (auto it = logins_.begin(); it != logins_.end(); ++it) {
      if (it->second.began < oldest->second.began) oldest = it;
    }
    logins_.erase(oldest);
  }
  logins_.emplace(login.id, Entry{login, now, now});
  return login;
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
