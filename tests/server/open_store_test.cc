// The store the config's database: names: a SQLite file (its directory
// made), or a PostgreSQL URL whose password file must be readable and not
// empty; a password never shows in a message.
#include "server/open_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class OpenStoreTest : public ::testing::Test {
 protected:
  OpenStoreTest() {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("clientele-open-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
  }
  ~OpenStoreTest() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path directory_;
};

TEST_F(OpenStoreTest, ASqliteFileGetsItsDirectory) {
  ServerConfig config;
  config.database = (directory_ / "a/b/clientele.db").string();
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(config);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->path(), config.database);
  EXPECT_TRUE(std::filesystem::exists(config.database));
}

TEST_F(OpenStoreTest, APasswordFileMustBeReadableAndNotEmpty) {
  ServerConfig config;
  config.database = "postgresql://clientele@127.0.0.1:1/clientele";
  config.database_password_file = (directory_ / "missing").string();
  EXPECT_THAT(OpenStore(config), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          "cannot read database_password_file"));
  config.database_password_file = (directory_ / "empty").string();
  std::ofstream(config.database_password_file) << "\n";
  EXPECT_THAT(OpenStore(config), StatusIs(absl::StatusCode::kFailedPrecondition, "is empty"));
  // Read, and not shown when the server cannot be reached.
  config.database_password_file = (directory_ / "password").string();
  std::ofstream(config.database_password_file) << "pa55word\r\n";
  absl::StatusOr<std::unique_ptr<Store>> unreachable = OpenStore(config);
  EXPECT_THAT(unreachable, StatusIs(absl::StatusCode::kUnavailable, "127.0.0.1"));
  EXPECT_THAT(unreachable.status().message(), Not(HasSubstr("pa55word")));
}

}  // namespace
}  // namespace clientele::server
