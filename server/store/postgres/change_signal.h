// SqlBackend::ChangeSignal on PostgreSQL: LISTEN on a connection of its
// own for the NOTIFY that a write group of any replica sends inside its
// transaction (PostgreSQL delivers it at the commit, and not at all when
// the group rolls back). An eventfd wakes a Wait early (Interrupt).
//
// Thread safety: Wait from one thread at a time; Interrupt from any.
#ifndef CLIENTELE_SERVER_STORE_POSTGRES_CHANGE_SIGNAL_H_
#define CLIENTELE_SERVER_STORE_POSTGRES_CHANGE_SIGNAL_H_

#include <chrono>

#include "server/store/postgres/postgres_database.h"
#include "server/store/sql/sql_store.h"

namespace clientele::server::postgres {

// The channel of the notifications.
inline constexpr char kChangesChannel[] = "clientele_changes";

class PostgresChangeSignal final : public SqlBackend::ChangeSignal {
 public:
  // Connects and listens. Throws sql::Error.
  explicit PostgresChangeSignal(const ConnectionSettings& settings);
  ~PostgresChangeSignal() override;
  PostgresChangeSignal(const PostgresChangeSignal&) = delete;
  PostgresChangeSignal& operator=(const PostgresChangeSignal&) = delete;

  void Wait(std::chrono::milliseconds timeout) override;
  void Interrupt() override;

 private:
  void Listen();

  PostgresDatabase db_;
  const int wake_;  // eventfd
};

}  // namespace clientele::server::postgres

#endif  // CLIENTELE_SERVER_STORE_POSTGRES_CHANGE_SIGNAL_H_
