// Watches a rules directory for changes with Linux inotify and calls back
// once per burst of changes (debounced), from a thread of its own.
//
// What counts as a change of the directory D (as configured):
//  - a *.yaml / *.yml file in it written and closed, deleted, or renamed
//    into or out of it (editors that save in place, and those that write a
//    temporary file and rename it over the old one). A new file counts when
//    it is closed, not when it is created, so that a file still being
//    copied is not read half-written (a hard link, which is never closed
//    by a writer, is therefore not noticed: use SIGHUP);
//  - an entry whose name starts with ".." (Kubernetes ConfigMap volumes
//    swap their "..data" symlink), a subdirectory or a symlink changing;
//  - D itself replaced: when D is a symlink, swapped to another directory
//    (ln -sfn new D), or D removed and created again; the watcher then
//    watches the new directory;
//  - the target directory of a symlinked rule file changing.
// Hidden files (editor swap files) and other names are ignored.
//
// Debounce: the callback runs once `debounce` has passed without a further
// change, or `max_delay` after the first change of a burst, whichever comes
// first; several files saved together give one call, not one per file.
//
// Thread safety: construct and destroy from one thread; the callback runs
// on the watcher's thread, one call at a time, and the destructor waits
// for a call in progress.
#ifndef CLIENTELE_SERVER_RELOAD_DIRECTORY_WATCHER_H_
#define CLIENTELE_SERVER_RELOAD_DIRECTORY_WATCHER_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace clientele::server {

class DirectoryWatcher {
 public:
  struct Options {
    std::filesystem::path directory;
    std::chrono::milliseconds debounce{200};
    std::chrono::milliseconds max_delay{2000};
  };

  // Starts watching. UNAVAILABLE when inotify cannot be set up (e.g. the
  // limit of watches is reached). The directory need not exist yet: its
  // parent is watched for it to appear.
  static absl::StatusOr<std::unique_ptr<DirectoryWatcher>> Start(Options options,
                                                                 std::function<void()> on_change);
  ~DirectoryWatcher();  // stops the thread
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

 private:
  // What a watch descriptor watches, and so which names matter in it: a
  // bit set of the roles in directory_watcher.cc (parent of the directory,
  // the directory, directory of symlinked files' targets).
  using Roles = unsigned;

  DirectoryWatcher(Options options, std::function<void()> on_change, int inotify_fd, int wake_fd);
  void Run();
  // Watches what the directory is now: its parent, the directory it
  // resolves to, and the directories of symlinked rule files' targets.
  void SyncWatches();
  struct Watched {
    Roles roles = 0;
    std::filesystem::path path;  // the directory watched
  };
  void Watch(const std::filesystem::path& path, Roles role, std::map<int, Watched>* wanted);
  // Reads the pending events; true when one of them is a change.
  bool ReadEvents();
  // Whether the event `mask` on entry `name` of directory `in` is a change.
  bool Matters(Roles roles, uint32_t mask, std::string_view name,
               const std::filesystem::path& in) const;

  const Options options_;
  const std::function<void()> on_change_;
  const int inotify_fd_;
  const int wake_fd_;               // eventfd: written by the destructor to stop Run
  std::map<int, Watched> watches_;  // by watch descriptor; Run's thread only
  std::thread thread_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_RELOAD_DIRECTORY_WATCHER_H_
