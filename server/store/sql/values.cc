#include "server/store/sql/values.h"

#include "absl/time/clock.h"
#include "common/strings.h"
#include "rules/tiers.h"

namespace clientele::server::sql {

using rules::Date;

std::string SecondsText(absl::Time at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone());
}

std::string NowText() { return SecondsText(absl::Now()); }

int MonthIndex(Date day) { return rules::MonthNumber(day); }

void BindDate(sql::Statement& s, int index, Date day) {
  if (day.known()) {
    s.bind(index, day.days());
  } else {
    s.bind(index);  // NULL
  }
}

Date ColumnDate(const sql::Column& column) {
  return column.isNull() ? Date() : Date::FromDays(column.getInt());
}

std::string ColumnBytes(const sql::Column& column) {
  return std::string(static_cast<const char*>(column.getBlob()), column.getBytes());
}

}  // namespace clientele::server::sql
