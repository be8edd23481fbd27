// AdminApi::TakeBackup: one backup at a time, a temporary file beside
// the database that goes with the backup object, and a manifest that says
// what is in it.
#include "server/api/admin.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/demo_data.h"
#include "server/store/sqlite/sqlite_store.h"
#include "server/store/store.h"
#include "tests/support/in_process_apis.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace clientele::server {
namespace {

using ::clientele::testing::IsOk;
using ::clientele::testing::StatusIs;

class BackupOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(in_process_.apis(), nullptr);
    ASSERT_THAT(LoadDemoData(in_process_.apis()), IsOk());
    // A backup is a copy of SQLite's file; PostgreSQL's own tools back up
    // a PostgreSQL database (OnPostgresqlTheBackupIsLeftToItsTools).
    if (testing::TestOnPostgres() &&
        ::testing::UnitTest::GetInstance()->current_test_info()->name() !=
            std::string("OnPostgresqlTheBackupIsLeftToItsTools")) {
      GTEST_SKIP() << "backups of a SQLite file";
    }
  }
  // Files beside the database other than its own.
  int StrayFiles() {
    int stray = 0;
    for (const auto& entry : std::filesystem::directory_iterator(directory_)) {
      if (entry.path().string().find(".backup-") != std::string::npos) ++stray;
    }
    return stray;
  }

  testing::InProcessApis in_process_;
  const std::filesystem::path& directory_ = in_process_.directory();
  Store* const store_ = in_process_.store();
  const RulesetHolder& holder_ = in_process_.holder();
  AdminApi* const admin_ = &in_process_.apis()->admin;
};

TEST_F(BackupOpsTest, OneAtATimeAndTheFileGoesWithIt) {
  absl::StatusOr<std::unique_ptr<AdminApi::TakenBackup>> first = admin_->TakeBackup();
  ASSERT_THAT(first, IsOk());
  const v1::BackupManifest& manifest = (*first)->manifest();
  EXPECT_EQ(manifest.customers(), kDemoCustomers);
  EXPECT_EQ(manifest.schema_version(), SqliteStore::LatestSchemaVersion());
  EXPECT_EQ(manifest.size_bytes(),
            static_cast<int64_t>(std::filesystem::file_size((*first)->path())));
  EXPECT_EQ(manifest.ruleset_version(), holder_.Current()->ruleset->version());
  EXPECT_THAT(manifest.taken_at(), ::testing::MatchesRegex(
                                       "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z"));
  EXPECT_EQ(std::filesystem::path((*first)->path()).parent_path(), directory_);

  EXPECT_THAT(admin_->TakeBackup().status(),
              StatusIs(absl::StatusCode::kResourceExhausted, "another backup is running"));
  first->reset();
  EXPECT_EQ(StrayFiles(), 0);

  absl::StatusOr<std::unique_ptr<AdminApi::TakenBackup>> second = admin_->TakeBackup();
  ASSERT_THAT(second, IsOk());
  EXPECT_NE((*second)->path(), "");
  second->reset();
  EXPECT_EQ(StrayFiles(), 0);
}

TEST_F(BackupOpsTest, OnPostgresqlTheBackupIsLeftToItsTools) {
  if (!testing::TestOnPostgres()) GTEST_SKIP() << "a PostgreSQL store's";
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_THAT(admin_->TakeBackup().status(),
                StatusIs(absl::StatusCode::kFailedPrecondition, "pg_dump"))
        << attempt;
  }
  EXPECT_EQ(*store_->CountCustomers(), kDemoCustomers);
}

// A backup that cannot be written says why and frees the slot.
TEST_F(BackupOpsTest, AFailedBackupLetsTheNextOneTry) {
  std::filesystem::remove_all(directory_);  // nowhere to write the copy
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_THAT(admin_->TakeBackup().status(),
                StatusIs(absl::StatusCode::kInternal, "writing the backup")) << attempt;
  }
}

TEST_F(BackupOpsTest, FilesOfAbandonedBackupsAreRemovedAndNothingElse) {
  for (const char* name : {"clientele.db.backup-123.tmp", "clientele.db.backup-9.tmp-journal",
                           "other.db.backup-1.tmp", "clientele.db.backups.txt"}) {
    std::ofstream(directory_ / name) << "x";
  }
  EXPECT_EQ(RemoveAbandonedBackups((directory_ / "clientele.db").string()), 2);
  EXPECT_FALSE(std::filesystem::exists(directory_ / "clientele.db.backup-123.tmp"));
  EXPECT_FALSE(std::filesystem::exists(directory_ / "clientele.db.backup-9.tmp-journal"));
  EXPECT_TRUE(std::filesystem::exists(directory_ / "other.db.backup-1.tmp"));
  EXPECT_TRUE(std::filesystem::exists(directory_ / "clientele.db.backups.txt"));
  EXPECT_TRUE(std::filesystem::exists(directory_ / "clientele.db"));
  EXPECT_EQ(*store_->CountCustomers(), kDemoCustomers);  // the store is untouched
}

}  // namespace
}  // namespace clientele::server
