#include "server/gateway/console_logins.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace clientele::server::gateway {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Clock = ConsoleLogins::Clock;

// Knows two tokens.
absl::StatusOr<LoginIdentity> TwoTokens(std::string_view token) {
  if (token == "good-admin") return LoginIdentity{"ops", "admin"};
  if (token == "good-reader") return LoginIdentity{"analyst", "reader"};
  return absl::UnauthenticatedError("unknown token");
}

bool IsHex64(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class ConsoleLoginsTest : public ::testing::Test {
 protected:
  const Clock::time_point start_ = Clock::now();
};

TEST_F(ConsoleLoginsTest, ATokenOfTheServerLogsInUnderARandomIdWithItsOwnCsrfToken) {
  ConsoleLogins logins(TwoTokens);
  absl::StatusOr<Login> login = logins.LogIn("good-admin", "10.0.0.1", start_);
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_TRUE(IsHex64(login->id));
  EXPECT_TRUE(IsHex64(login->csrf));
  EXPECT_NE(login->id, login->csrf);
  EXPECT_EQ(login->identity.token_name, "ops");
  EXPECT_EQ(login->identity.role, "admin");
  EXPECT_EQ(login->token, "good-admin");
  std::optional<Login> found = logins.Find(login->id, start_ + seconds(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->csrf, login->csrf);
  // A second login of the same token is another login.
  absl::StatusOr<Login> again = logins.LogIn("good-admin", "10.0.0.1", start_);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, login->id);
  EXPECT_NE(again->csrf, login->csrf);
  EXPECT_FALSE(logins.Find("not-an-id", start_).has_value());
}

TEST_F(ConsoleLoginsTest, AWrongTokenIsRefusedAndAnAddressThatKeepsFailingIsHeldOff) {
  ConsoleLogins logins(TwoTokens, {.failures_per_minute = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(logins.LogIn("guess", "10.0.0.9", start_ + seconds(i)).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  // Held off, even with a good token, until the minute is over...
  EXPECT_EQ(logins.LogIn("good-admin", "10.0.0.9", start_ + seconds(10)).status().code(),
            absl::StatusCode::kResourceExhausted);
  // ... but not another address.
  EXPECT_TRUE(logins.LogIn("good-admin", "10.0.0.10", start_ + seconds(10)).ok());
  EXPECT_TRUE(logins.LogIn("good-admin", "10.0.0.9", start_ + seconds(61)).ok());
  // A success in between forgives nothing: whoever holds one token cannot
  // guess at others for ever.
  for (int i = 0; i < 2; ++i) (void)logins.LogIn("guess", "10.0.0.9", start_ + seconds(62));
  EXPECT_TRUE(logins.LogIn("good-admin", "10.0.0.9", start_ + seconds(63)).ok());
  EXPECT_EQ(logins.LogIn("guess", "10.0.0.9", start_ + seconds(64)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(logins.LogIn("good-admin", "10.0.0.9", start_ + seconds(65)).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(ConsoleLoginsTest, AttemptsAtOnceCannotAllSlipPastTheLimit) {
  // Each check takes a while, as a slow one could: the attempts overlap.
  ConsoleLogins logins(
      [](std::string_view token) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return TwoTokens(token);
      },
      {.failures_per_minute = 3});
  std::atomic<int> refused{0}, held_off{0};
  std::vector<std::thread> guessers;
  for (int i = 0; i < 12; ++i) {
    guessers.emplace_back([&] {
      const absl::StatusCode code = logins.LogIn("guess", "10.0.0.7").status().code();
      (code == absl::StatusCode::kUnauthenticated ? refused : held_off)++;
    });
  }
  for (std::thread& guesser : guessers) guesser.join();
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(held_off, 9);
}

TEST_F(ConsoleLoginsTest, AnIpv6ClientIsCountedByItsSlash64) {
  ConsoleLogins logins(TwoTokens, {.failures_per_minute = 2});
  (void)logins.LogIn("guess", "2001:db8::1", start_);
  (void)logins.LogIn("guess", "2001:db8::ffff:2", start_);
  EXPECT_EQ(logins.LogIn("good-admin", "2001:db8::3", start_).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(logins.LogIn("good-admin", "2001:db8:0:1::1", start_).ok());  // another /64
  // IPv4, also as IPv6 maps it, counts by the whole address.
  (void)logins.LogIn("guess", "::ffff:10.0.0.1", start_);
  (void)logins.LogIn("guess", "::ffff:10.0.0.1", start_);
  EXPECT_TRUE(logins.LogIn("good-admin", "::ffff:10.0.0.2", start_).ok());
}

TEST_F(ConsoleLoginsTest, ALoginEndsWhenIdleTooLongOrTooOldOrLoggedOut) {
  ConsoleLogins logins(TwoTokens, {.idle = minutes(30), .absolute = minutes(120)});
  const std::string idle = logins.LogIn("good-reader", "a", start_)->id;
  EXPECT_TRUE(logins.Find(idle, start_ + minutes(29)).has_value());
  EXPECT_TRUE(logins.Find(idle, start_ + minutes(58)).has_value());  // 29 idle since last use
  EXPECT_FALSE(logins.Find(idle, start_ + minutes(89)).has_value());
  EXPECT_FALSE(logins.Find(idle, start_ + minutes(90)).has_value());  // gone for good

  const std::string busy = logins.LogIn("good-reader", "a", start_)->id;
  for (int m = 10; m < 120; m += 10) {
    EXPECT_TRUE(logins.Find(busy, start_ + minutes(m)).has_value()) << m;
  }
  EXPECT_FALSE(logins.Find(busy, start_ + minutes(120)).has_value());  // used, but too old

  const std::string left = logins.LogIn("good-reader", "a", start_)->id;
  logins.LogOut(left);
  EXPECT_FALSE(logins.Find(left, start_).has_value());
  logins.LogOut(left);  // twice is fine
}

TEST_F(ConsoleLoginsTest, AskingWhetherALoginIsLiveDoesNotKeepItAlive) {
  ConsoleLogins logins(TwoTokens, {.idle = minutes(30)});
  const std::string id = logins.LogIn("good-reader", "a", start_)->id;
  EXPECT_TRUE(logins.IsLive(id, start_ + minutes(20)));
  EXPECT_FALSE(logins.IsLive(id, start_ + minutes(31)));  // the ask at 20 was no use
  EXPECT_FALSE(logins.IsLive("nothing", start_));
}

TEST_F(ConsoleLoginsTest, OneTokensLoginsCannotPushAnothersOut) {
  ConsoleLogins logins(TwoTokens, {.max_logins = 100, .max_logins_per_token = 2});
  const std::string admin = logins.LogIn("good-admin", "a", start_)->id;
  std::vector<std::string> reader;
  for (int i = 1; i <= 5; ++i)
    reader.push_back(logins.LogIn("good-reader", "b", start_ + seconds(i))->id);
  EXPECT_TRUE(logins.Find(admin, start_ + seconds(9)).has_value());
  EXPECT_FALSE(logins.Find(reader[2], start_ + seconds(9)).has_value());
  EXPECT_TRUE(logins.Find(reader[3], start_ + seconds(9)).has_value());
  EXPECT_TRUE(logins.Find(reader[4], start_ + seconds(9)).has_value());
}

TEST_F(ConsoleLoginsTest, TheOldestLoginGoesWhenTooManyAreLive) {
  ConsoleLogins logins(TwoTokens, {.max_logins = 3});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(logins.LogIn("good-admin", "a", start_ + seconds(i))->id);
  EXPECT_FALSE(logins.Find(ids[0], start_ + seconds(5)).has_value());
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(logins.Find(ids[i], start_ + seconds(5)).has_value());
}

}  // namespace
}  // namespace clientele::server::gateway
