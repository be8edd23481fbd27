#include "server/reload/directory_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "common/strings.h"

namespace clientele::server {
namespace {

// The roles of one watch (a directory may have several).
constexpr unsigned kParentRole = 1;
constexpr unsigned kDirectoryRole = 2;
constexpr unsigned kTargetsRole = 4;

constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_DELETE_SELF | IN_MOVE_SELF;

bool IsRuleFileName(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  return name.ends_with(".yaml") || name.ends_with(".yml");
}

std::filesystem::path Normalized(const std::filesystem::path& directory) {
  std::filesystem::path p = directory.lexically_normal();
  if (p.filename().empty() && p.has_parent_path()) p = p.parent_path();  // "rules/" -> "rules"
  return p;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryWatcher>> DirectoryWatcher::Start(
    Options options, std::function<void()> on_change) {
  const int inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return absl::UnavailableError(
        StrCat("cannot watch the rules directory: inotify_init1: ", std::strerror(errno)));
  }
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    ::close(inotify_fd);
    return absl::UnavailableError(
        StrCat("cannot watch the rules directory: eventfd: ", std::strerror(errno)));
  }
  options.directory = Normalized(options.directory);
  std::unique_ptr<DirectoryWatcher> watcher(
      new DirectoryWatcher(std::move(options), std::move(on_change), inotify_fd, wake_fd));
  // Watch before returning, so that no change made after Start is missed.
  watcher->SyncWatches();
  if (watcher->watches_.empty()) {
    return absl::UnavailableError(StrCat("cannot watch the rules directory ",
                                         watcher->options_.directory.string(),
                                         " or its parent: ", std::strerror(errno)));
  }
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

DirectoryWatcher::DirectoryWatcher(Options options, std::function<void()> on_change, int inotify_fd,
                                   int wake_fd)
    : options_(std::move(options)),
      on_change_(std::move(on_change)),
      inotify_fd_(inotify_fd),
      wake_fd_(wake_fd) {}

DirectoryWatcher::~DirectoryWatcher() {
  const uint64_t one = 1;
  if (thread_.joinable()) {
    [[maybe_unused]] ssize_t written = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  ::close(inotify_fd_);
  ::close(wake_fd_);
}

void DirectoryWatcher::Run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> first_change;
  Clock::time_point last_change;
  while (true) {
    int timeout_ms = -1;
    if (first_change) {
      const Clock::time_point due =
          std::min(last_change + options_.debounce, *first_change + options_.max_delay);
      timeout_ms = static_cast<int>(std::max<int64_t>(
          0, std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now()).count()));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;  // stopping
    if (fds[0].revents & POLLIN) {
      if (ReadEvents()) {
        last_change = Clock::now();
        if (!first_change) first_change = last_change;
        SyncWatches();  // the directory may have been swapped: follow it now
      }
    }
    if (first_change) {
      const Clock::time_point now = Clock::now();
      if (now >= last_change + options_.debounce || now >= *first_change + options_.max_delay) {
        first_change.reset();
        on_change_();
      }
    }
  }
}

bool DirectoryWatcher::ReadEvents() {
  alignas(inotify_event) char buffer[64 * 1024];
  bool changed = false;
  while (true) {
    const ssize_t length = ::read(inotify_fd_, buffer, sizeof buffer);
    if (length <= 0) break;  // EAGAIN: all read
    for (ssize_t at = 0; at < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {  // events were lost: assume a change
        changed = true;
        continue;
      }
      auto found = watches_.find(event->wd);
      if (found == watches_.end()) continue;  // a watch removed meanwhile
      const std::string_view name = event->len > 0 ? std::string_view(event->name) : "";
      if (Matters(found->second.roles, event->mask, name, found->second.path)) changed = true;
    }
  }
  return changed;
}

bool DirectoryWatcher::Matters(Roles roles, uint32_t mask, std::string_view name,
                               const std::filesystem::path& in) const {
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) return true;  // a watched directory went away
  // A regular file that was just created is still being written (scp,
  // cat > file): its IN_CLOSE_WRITE is the change. Created symlinks and
  // directories are complete at once.
  if ((mask & IN_CREATE) && !(mask & IN_ISDIR)) {
    std::error_code error;
    if (!std::filesystem::is_symlink(in / std::string(name), error)) return false;
  }
  if ((roles & kParentRole) && name == options_.directory.filename().string()) return true;
  if ((roles & kDirectoryRole) &&
      (IsRuleFileName(name) || name.starts_with("..") || (mask & IN_ISDIR))) {
    return true;
  }
  return (roles & kTargetsRole) && IsRuleFileName(name);
}

void DirectoryWatcher::Watch(const std::filesystem::path& path, Roles roles,
                             std::map<int, Watched>* wanted) {
  const int wd = ::inotify_add_watch(inotify_fd_, path.c_str(), kMask);
  if (wd < 0) return;  // gone or unreadable: the parent's events bring it back
  Watched& watched = (*wanted)[wd];
  watched.roles |= roles;
  watched.path = path;
}

void DirectoryWatcher::SyncWatches() {
  std::map<int, Watched> wanted;
  const std::filesystem::path& directory = options_.directory;
  const std::filesystem::path parent =
      directory.has_parent_path() ? directory.parent_path() : std::filesystem::path(".");
  Watch(parent, kParentRole, &wanted);
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::canonical(directory, error);
  if (!error && std::filesystem::is_directory(resolved, error)) {
    Watch(resolved, kDirectoryRole, &wanted);
    for (const auto& entry : std::filesystem::directory_iterator(resolved, error)) {
      const std::string name = entry.path().filename().string();
      if (!IsRuleFileName(name) || !entry.is_symlink(error)) continue;
      const std::filesystem::path target = std::filesystem::canonical(entry.path(), error);
      if (!error) Watch(target.parent_path(), kTargetsRole, &wanted);
    }
  }
  for (const auto& [wd, watched] : watches_) {
    if (!wanted.contains(wd)) ::inotify_rm_watch(inotify_fd_, wd);
  }
  watches_ = std::move(wanted);
}

}  // namespace clientele::server
