#include "server/store/sqlite/values.h"

#include <sqlite3.h>

#include "absl/time/clock.h"
#include "common/strings.h"
#include "rules/tiers.h"

namespace clientele::server::sqlite {

using rules::Date;

std::string SecondsText(absl::Time at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone());
}

std::string NowText() { return SecondsText(absl::Now()); }

int MonthIndex(Date day) { return rules::MonthNumber(day); }

absl::Status FromException(const SQLite::Exception& e, std::string_view doing) {
  const int code = e.getErrorCode() & 0xff;
  std::string message = StrCat("database error while ", doing, ": ", e.what());
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return absl::UnavailableError(message);
  if (code == SQLITE_FULL || code == SQLITE_IOERR) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

void BindDate(SQLite::Statement& s, int index, Date day) {
  if (day.known()) {
    s.bind(index, day.days());
  } else {
    s.bind(index);  // NULL
  }
}

Date ColumnDate(const SQLite::Column& column) {
  return column.isNull() ? Date() : Date::FromDays(column.getInt());
}

}  // namespace clientele::server::sqlite
