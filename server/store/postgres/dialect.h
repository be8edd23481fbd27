// The relational store's SQL, written as SQLite takes it, in the form
// PostgreSQL takes it. The store's statements stay within what both
// share; these are the few places they differ, each rewritten here
// (statements) or in the schema (TranslateMigration), so that both
// backends run the same queries and the same migrations.
//
// Pure functions, thread-safe.
#ifndef CLIENTELE_SERVER_STORE_POSTGRES_DIALECT_H_
#define CLIENTELE_SERVER_STORE_POSTGRES_DIALECT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace clientele::server::postgres {

struct TranslatedStatement {
  std::string sql;
  int parameters = 0;  // the highest $N
};

// A statement of the store, as PostgreSQL takes it:
//  - parameters `?N` become `$N`, and a bare `?` the next number (as
//    SQLite numbers them); text in quotes is left alone;
//  - `INSERT OR IGNORE INTO` becomes `INSERT INTO ... ON CONFLICT DO
//    NOTHING` (before a RETURNING clause);
//  - `INDEXED BY <index>` (a hint SQLite needs) is dropped;
//  - `group_concat(` becomes `string_agg(` and `char(31)` `chr(31)`.
// Two-argument max and min, which SQLite has and PostgreSQL calls GREATEST
// and LEAST, are functions of the schema (kFunctions), so they stay.
TranslatedStatement TranslateStatement(std::string_view sqlite_sql);

// Migration `version`'s script (SQLite's, server/store/sqlite/schema.cc)
// as PostgreSQL takes it: INTEGER is BIGINT, an INTEGER PRIMARY KEY an
// identity column, BLOB is BYTEA, TEXT sorts bytewise (COLLATE "C", as
// SQLite's BINARY, which the store's id order relies on), a table with
// a rowid gets a `rowid` identity column (the order rows were added), and
// the few expressions of SQLite's own (randomblob, strftime, julianday) are
// rewritten. INTERNAL when a rewrite that the version needs does not
// find its text (the script changed under it).
absl::StatusOr<std::string> TranslateMigration(int version, std::string_view sqlite_script);

// Functions the store's statements use that PostgreSQL lacks, created
// before the first migration: two-argument max and min.
extern const char kFunctions[];

}  // namespace clientele::server::postgres

#endif  // CLIENTELE_SERVER_STORE_POSTGRES_DIALECT_H_
