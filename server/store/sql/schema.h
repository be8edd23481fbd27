// The relational store's schema: its migrations, in order (schema.cc).
// Never edit one that has shipped: add another. Pure functions,
// thread-safe.
#ifndef CLIENTELE_SERVER_STORE_SQL_SCHEMA_H_
#define CLIENTELE_SERVER_STORE_SQL_SCHEMA_H_

#include <string_view>

namespace clientele::server::sql {

int LatestSchemaVersion();
// The SQL of migration `version` (1 ... LatestSchemaVersion()) as SQLite
// takes it; empty for another version.
std::string_view MigrationScript(int version);

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_SCHEMA_H_
