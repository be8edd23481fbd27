#include "server/store/postgres/change_signal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace clientele::server::postgres {

PostgresChangeSignal::PostgresChangeSignal(const ConnectionSettings& settings)
    : db_(settings), wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_ < 0) {
    throw sql::Error(sql::ErrorKind::kOther, StrCat("eventfd: ", std::strerror(errno)));
  }
  Listen();
}

PostgresChangeSignal::~PostgresChangeSignal() { close(wake_); }

void PostgresChangeSignal::Listen() { db_.Execute(StrCat("LISTEN ", kChangesChannel)); }

void PostgresChangeSignal::Wait(std::chrono::milliseconds timeout) {
  PGconn* connection = db_.connection();
  if (PQstatus(connection) != CONNECTION_OK) {
    db_.ReconnectIfLost();  // throws while the server cannot be reached
    Listen();
  }
  pollfd ready[2] = {{PQsocket(connection), POLLIN, 0}, {wake_, POLLIN, 0}};
  poll(ready, 2, static_cast<int>(timeout.count()));
  if ((ready[1].revents & POLLIN) != 0) {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t ignored = read(wake_, &count, sizeof count);
  }
  // Reads what arrived; fails when the connection was lost (the next
  // Wait reconnects).
  if (PQconsumeInput(connection) == 0) throw PostgresError(connection, nullptr);
  while (PGnotify* notification = PQnotifies(connection)) PQfreemem(notification);
}

void PostgresChangeSignal::Interrupt() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = write(wake_, &one, sizeof one);
}

}  // namespace clientele::server::postgres
