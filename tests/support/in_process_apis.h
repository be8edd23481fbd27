// The API classes of server/api/ (apis.h) in process, without gRPC: a fresh SQLite
// store in a temporary directory of its own, serving the default ruleset
// (config/rules). For tests of the API classes that need no server process.
// Not thread-safe to construct or destroy; what the API classes allow
// after.
#ifndef CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_
#define CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "server/api/apis.h"
#include "server/reload/reloader.h"
#include "server/store/store.h"
#include "server/store/sqlite/sqlite_store.h"

namespace clientele::testing {

class InProcessApis {
 public:
  // Opens the store and loads the rules; a failure fails the test (and
  // apis() is then null).
  InProcessApis() {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() /
                 ("clientele-apis-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    absl::StatusOr<std::unique_ptr<server::Store>> store =
        server::SqliteStore::Open({(directory_ / "clientele.db").string(), 1000, 12, false});
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return;
    store_ = std::move(*store);
    EXPECT_EQ(reloader_.Reload("startup").outcome, server::ReloadOutcome::kAccepted);
    apis_ = std::make_unique<server::Apis>(server::ApiDependencies{
        .store = store_.get(), .rules = &holder_, .reloader = &reloader_, .limits = {}});
  }
  // Closes the store and removes the directory.
  ~InProcessApis() {
    apis_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  InProcessApis(const InProcessApis&) = delete;
  InProcessApis& operator=(const InProcessApis&) = delete;

  // The store's directory (its database is clientele.db there).
  const std::filesystem::path& directory() const { return directory_; }
  server::Store* store() { return store_.get(); }
  server::Apis* apis() { return apis_.get(); }
  const server::RulesetHolder& holder() const { return holder_; }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<server::Store> store_;
  server::RulesetHolder holder_;
  server::RulesReloader reloader_{{CLIENTELE_SOURCE_DIR "/config/rules", {}, nullptr, nullptr},
                                  &holder_};
  std::unique_ptr<server::Apis> apis_;
};

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_IN_PROCESS_APIS_H_
