// The SQLite store's points lots, draws and redemptions (the points part
// of the Transaction contract), and the balances that reads derive from
// the lots.
#include "rules/points.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

using rules::Date;

PointLotRecord Connection::RowToLot(sql::Statement& s) {
  PointLotRecord lot;
  lot.id = s.getColumn(0).getInt64();
  lot.customer_id = s.getColumn(1).getString();
  lot.points = s.getColumn(2).getInt64();
  lot.remaining = s.getColumn(3).getInt64();
  lot.expired = s.getColumn(4).getInt64();
  lot.forgiven = s.getColumn(5).getInt64();
  lot.earned_on = ColumnDate(s.getColumn(6));
  lot.available_on = ColumnDate(s.getColumn(7));
  lot.expires_on = ColumnDate(s.getColumn(8));
  lot.rule_id = s.getColumn(9).getString();
  lot.ruleset_version = s.getColumn(10).getString();
  lot.source = s.getColumn(11).getString();
  return lot;
}

RedemptionRecord Connection::RowToRedemption(sql::Statement& s) {
  RedemptionRecord r;
  r.id = s.getColumn(0).getInt64();
  r.customer_id = s.getColumn(1).getString();
  r.points = s.getColumn(2).getInt64();
  r.reason = s.getColumn(3).getString();
  r.reference = s.getColumn(4).getString();
  r.recorded_at = s.getColumn(5).getString();
  r.reversed_by = s.getColumn(6).getInt64();
  return r;
}

void Connection::ApplyLots(Date today, Customer* c) {
  // Lots without dates are never pending, expired or expiring: only the
  // dated ones (point_lots_dated) change the balances.
  sql::Statement& s = Prepared(
      "SELECT remaining, available_on, expires_on FROM point_lots INDEXED BY point_lots_dated "
      "WHERE customer_id = ? AND remaining > 0 AND (available_on IS NOT NULL OR expires_on IS NOT "
      "NULL)");
  Done done{s};
  s.bind(1, c->id);
  std::vector<rules::PointsLot> lots;
  while (s.executeStep()) {
    lots.push_back(
        {s.getColumn(0).getInt64(), ColumnDate(s.getColumn(1)), ColumnDate(s.getColumn(2))});
  }
  rules::ApplyPointsLots(lots, today, c);
}

absl::Status Connection::UnsafeInsertLot(const PointLotRecord& lot) {
  {
    sql::Statement& s = Prepared(
        "INSERT INTO point_lots (id, customer_id, points, remaining, expired, forgiven, "
        "earned_on, available_on, expires_on, rule_id, ruleset_version, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Done done{s};
    s.bind(1, lot.id);
    s.bind(2, lot.customer_id);
    s.bind(3, lot.points);
    s.bind(4, lot.remaining);
    s.bind(5, lot.expired);
    s.bind(6, lot.forgiven);
    BindDate(s, 7, lot.earned_on);
    BindDate(s, 8, lot.available_on);
    BindDate(s, 9, lot.expires_on);
    s.bind(10, lot.rule_id);
    s.bind(11, lot.ruleset_version);
    s.bind(12, lot.source);
    s.exec();
  }
  if (lot.available_on.known() || lot.expires_on.known()) {
    sql::Statement& s =
        Prepared("UPDATE customers SET points_dated = 1 WHERE id = ? AND points_dated = 0");
    Done done{s};
    s.bind(1, lot.customer_id);
    s.exec();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<PointLotRecord>> Connection::UnsafeFindLot(int64_t id) {
  static const std::string sql = StrCat(kLotColumns, "WHERE id = ?");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, id);
  if (!s.executeStep()) return std::optional<PointLotRecord>();
  return std::optional<PointLotRecord>(RowToLot(s));
}

absl::StatusOr<std::vector<PointLotRecord>> Connection::UnsafeLiveLots(
    std::string_view customer_id) {
  // Two partial indexes hold them: the dated lots with points left
  // (point_lots_dated) and the lots without dates (point_lots_undated).
  std::vector<PointLotRecord> lots;
  static const std::string dated_and_undated[] = {
      StrCat(kLotColumns,
             "INDEXED BY point_lots_dated WHERE customer_id = ? AND remaining > 0 AND "
             "(available_on IS NOT NULL OR expires_on IS NOT NULL)"),
      StrCat(kLotColumns,
             "INDEXED BY point_lots_undated WHERE customer_id = ? AND available_on IS NULL AND "
             "expires_on IS NULL AND remaining > 0")};
  for (const std::string& sql : dated_and_undated) {
    sql::Statement& s = Prepared(sql);
    Done done{s};
    s.bind(1, std::string(customer_id));
    while (s.executeStep()) lots.push_back(RowToLot(s));
  }
  // Expiring first (never last), then the oldest first.
  std::sort(lots.begin(), lots.end(), [](const PointLotRecord& a, const PointLotRecord& b) {
    return std::tuple(!a.expires_on.known(), a.expires_on, a.id) <
           std::tuple(!b.expires_on.known(), b.expires_on, b.id);
  });
  return lots;
}

absl::Status Connection::UnsafeUpdateLot(const PointLotRecord& lot) {
  sql::Statement& s = Prepared(
      "UPDATE point_lots SET points = ?, remaining = ?, expired = ?, forgiven = ? WHERE id = ?");
  Done done{s};
  s.bind(1, lot.points);
  s.bind(2, lot.remaining);
  s.bind(3, lot.expired);
  s.bind(4, lot.forgiven);
  s.bind(5, lot.id);
  return s.ChangeLater(1, StrCat("points lot ", lot.id, " not found"));
}

absl::StatusOr<std::optional<PointLotRecord>> Connection::UnsafeFindUndatedLot(
    std::string_view customer_id, int64_t up_to_id) {
  static const std::string sql = StrCat(kLotColumns,
                                        "INDEXED BY point_lots_undated WHERE customer_id = ? AND "
                                        "available_on IS NULL AND expires_on IS NULL AND id <= ? "
                                        "ORDER BY id DESC LIMIT 1");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, up_to_id);
  if (!s.executeStep()) return std::optional<PointLotRecord>();
  return std::optional<PointLotRecord>(RowToLot(s));
}

absl::StatusOr<std::vector<PointLotRecord>> Connection::UnsafeExpiredLots(
    Date today, std::string_view from_customer_id, int64_t limit) {
  // Walks point_lots_dated (customer_id, expires_on; dated with points
  // left) from the customer on.
  static const std::string sql =
      StrCat(kLotColumns,
             "INDEXED BY point_lots_dated "
             "WHERE remaining > 0 AND (available_on IS NOT NULL OR expires_on IS NOT NULL) AND "
             "customer_id >= ? AND expires_on IS NOT NULL AND expires_on <= ? "
             "ORDER BY customer_id, expires_on, id LIMIT ?");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(from_customer_id));
  s.bind(2, today.days());
  s.bind(3, limit);
  std::vector<PointLotRecord> lots;
  while (s.executeStep()) lots.push_back(RowToLot(s));
  return lots;
}

absl::Status Connection::UnsafeInsertDraws(int64_t entry_id, std::span<const LotDraw> draws) {
  sql::Statement& s =
      Prepared("INSERT INTO point_draws (entry_id, lot_id, points) VALUES (?, ?, ?)");
  for (const LotDraw& draw : draws) {
    Done done{s};
    s.bind(1, entry_id);
    s.bind(2, draw.lot_id);
    s.bind(3, draw.points);
    s.exec();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LotDraw>> Connection::UnsafeDrawsOf(int64_t entry_id) {
  sql::Statement& s =
      Prepared("SELECT lot_id, points FROM point_draws WHERE entry_id = ? ORDER BY lot_id");
  Done done{s};
  s.bind(1, entry_id);
  std::vector<LotDraw> draws;
  while (s.executeStep()) draws.push_back({s.getColumn(0).getInt64(), s.getColumn(1).getInt64()});
  return draws;
}

absl::Status Connection::UnsafeUpdatePointsTotals(std::string_view customer_id,
                                                  int64_t lifetime_delta, int64_t owed) {
  sql::Statement& s = Prepared(
      "UPDATE customers SET points_lifetime = points_lifetime + ?, points_owed = ? WHERE id = ?");
  Done done{s};
  s.bind(1, lifetime_delta);
  s.bind(2, owed);
  s.bind(3, std::string(customer_id));
  if (s.exec() != 1) {
    return absl::NotFoundError(StrCat("customer '", customer_id, "' not found"));
  }
  return absl::OkStatus();
}

absl::Status Connection::UnsafeInsertRedemption(const RedemptionRecord& r) {
  sql::Statement& s = Prepared(
      "INSERT INTO point_redemptions (id, customer_id, points, reason, reference, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  Done done{s};
  s.bind(1, r.id);
  s.bind(2, r.customer_id);
  s.bind(3, r.points);
  s.bind(4, r.reason);
  s.bind(5, r.reference);
  s.bind(6, NowText());
  s.exec();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RedemptionRecord>> Connection::UnsafeFindRedemption(int64_t id) {
  static const std::string sql = StrCat(kRedemptionColumns, "WHERE id = ?");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, id);
  if (!s.executeStep()) return std::optional<RedemptionRecord>();
  return std::optional<RedemptionRecord>(RowToRedemption(s));
}

absl::Status Connection::UnsafeMarkRedemptionReversed(int64_t id, int64_t reversed_by) {
  sql::Statement& s =
      Prepared("UPDATE point_redemptions SET reversed_by = ? WHERE id = ? AND reversed_by IS NULL");
  Done done{s};
  s.bind(1, reversed_by);
  s.bind(2, id);
  if (s.exec() != 1) {
    return absl::FailedPreconditionError(
        StrCat("redemption ", id, " is not recorded or was already reversed"));
  }
  return absl::OkStatus();
}

// ------------------------------------------- the Transaction's methods

absl::Status Connection::InsertLot(const PointLotRecord& lot) {
  NoteCustomerChanged(lot.customer_id);
  return Guarded("storing points", [&] { return UnsafeInsertLot(lot); });
}

absl::StatusOr<std::optional<PointLotRecord>> Connection::FindLot(int64_t id) {
  return Guarded("reading points", [&] { return UnsafeFindLot(id); });
}

absl::StatusOr<std::vector<PointLotRecord>> Connection::LiveLots(std::string_view customer_id) {
  return Guarded("reading points", [&] { return UnsafeLiveLots(customer_id); });
}

absl::Status Connection::UpdateLot(const PointLotRecord& lot) {
  NoteCustomerChanged(lot.customer_id);
  return Guarded("updating points", [&] { return UnsafeUpdateLot(lot); });
}

absl::StatusOr<std::optional<PointLotRecord>> Connection::FindUndatedLot(
    std::string_view customer_id, int64_t up_to_id) {
  return Guarded("reading points", [&] { return UnsafeFindUndatedLot(customer_id, up_to_id); });
}

absl::StatusOr<std::vector<PointLotRecord>> Connection::ExpiredLots(
    Date today, std::string_view from_customer_id, int64_t limit) {
  return Guarded("reading expired points",
                 [&] { return UnsafeExpiredLots(today, from_customer_id, limit); });
}

absl::Status Connection::InsertDraws(int64_t entry_id, std::span<const LotDraw> draws) {
  return Guarded("recording spent points", [&] { return UnsafeInsertDraws(entry_id, draws); });
}

absl::StatusOr<std::vector<LotDraw>> Connection::DrawsOf(int64_t entry_id) {
  return Guarded("reading spent points", [&] { return UnsafeDrawsOf(entry_id); });
}

absl::Status Connection::UpdatePointsTotals(std::string_view customer_id, int64_t lifetime_delta,
                                            int64_t owed) {
  NoteCustomerChanged(customer_id);
  return Guarded("updating points totals",
                 [&] { return UnsafeUpdatePointsTotals(customer_id, lifetime_delta, owed); });
}

absl::Status Connection::InsertRedemption(const RedemptionRecord& redemption) {
  return Guarded("recording a redemption", [&] { return UnsafeInsertRedemption(redemption); });
}

absl::StatusOr<std::optional<RedemptionRecord>> Connection::FindRedemption(int64_t id) {
  return Guarded("reading a redemption", [&] { return UnsafeFindRedemption(id); });
}

absl::Status Connection::MarkRedemptionReversed(int64_t id, int64_t reversed_by) {
  return Guarded("reversing a redemption",
                 [&] { return UnsafeMarkRedemptionReversed(id, reversed_by); });
}

}  // namespace clientele::server::sql
