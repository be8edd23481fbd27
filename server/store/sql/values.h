// Values between the database and the store's records: dates as days
// since 1970-01-01 (NULL: unknown), times as RFC 3339 text, months as
// indexes. Pure functions, thread-safe.
#ifndef CLIENTELE_SERVER_STORE_SQL_VALUES_H_
#define CLIENTELE_SERVER_STORE_SQL_VALUES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "rules/customer.h"
#include "server/store/sql/statement.h"

namespace clientele::server::sql {

// RFC 3339 UTC to the second: recorded_at of most tables, idempotency keys
// included (their expiry compares these texts).
std::string SecondsText(absl::Time at);
std::string NowText();

// The month of `day` as one number (year * 12 + month - 1), as the
// purchase_months table keys it.
int MonthIndex(rules::Date day);

// A day as a column value: its day number, or NULL when unknown.
void BindDate(sql::Statement& s, int index, rules::Date day);
rules::Date ColumnDate(const sql::Column& column);

// A column's bytes as they are (a blob, or text), NULs included.
std::string ColumnBytes(const sql::Column& column);

using sql::FromError;

}  // namespace clientele::server::sql

#endif  // CLIENTELE_SERVER_STORE_SQL_VALUES_H_
