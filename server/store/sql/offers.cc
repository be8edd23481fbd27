// The SQLite store's offer redemptions (the offers part of the Transaction
// contract) and the usage that limits and budgets count: the rows of
// offer_usage_days and offer_usage_totals (migration 10), moved by every
// redemption and reversal in the same transaction.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "server/store/sql/connection.h"

namespace clientele::server::sql {

using rules::Date;
using rules::Decimal;

namespace {

// What Connection::RowToOfferRedemption reads, for a query to finish with WHERE.
constexpr const char* kUsageColumns =
    "SELECT customer_id, offer_id, channel, redemptions, value_units, ";

// The days of `query` as parameters 4 and 5: both NULL (no days) unless
// both are known.
void BindPeriod(sql::Statement& s, const OfferUsageQuery& query) {
  if (query.since.known() && query.until.known()) {
    s.bind(4, query.since.days());
    s.bind(5, query.until.days());
  } else {
    s.bind(4);
    s.bind(5);
  }
}

constexpr const char* kOfferRedemptionColumns =
    "SELECT id, customer_id, offer_id, offer, day, channel, unit, value_units, amount_units, "
    "purchase_id, reference, ruleset_version, recorded_at, coalesce(reversed_at, ''), "
    "reversal_reason FROM offer_redemptions ";

}  // namespace

OfferRedemptionRecord Connection::RowToOfferRedemption(sql::Statement& s) {
  OfferRedemptionRecord r;
  r.id = s.getColumn(0).getInt64();
  r.customer_id = s.getColumn(1).getString();
  r.offer_id = s.getColumn(2).getString();
  r.offer = s.getColumn(3).getString();
  r.day = ColumnDate(s.getColumn(4));
  r.channel = static_cast<rules::Channel>(s.getColumn(5).getInt());
  r.unit = static_cast<rules::OfferValueUnit>(s.getColumn(6).getInt());
  r.value = Decimal::FromUnits(s.getColumn(7).getInt64());
  if (!s.getColumn(8).isNull()) r.amount = Decimal::FromUnits(s.getColumn(8).getInt64());
  r.purchase_id = s.getColumn(9).getString();
  r.reference = s.getColumn(10).getString();
  r.ruleset_version = s.getColumn(11).getString();
  r.recorded_at = s.getColumn(12).getString();
  r.reversed_at = s.getColumn(13).getString();
  r.reversal_reason = s.getColumn(14).getString();
  return r;
}

void Connection::AddOfferUsage(const OfferRedemptionRecord& r, int64_t sign) {
  const int64_t value = sign * r.value.units();
  for (const std::string& customer : {r.customer_id, std::string()}) {
    sql::Statement& day = Prepared(
        "INSERT INTO offer_usage_days (customer_id, offer_id, day, channel, redemptions, "
        "value_units) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (customer_id, offer_id, day, channel) DO UPDATE SET "
        "redemptions = offer_usage_days.redemptions + ?5, "
        "value_units = offer_usage_days.value_units + ?6");
    Done day_done{day};
    day.bind(1, customer);
    day.bind(2, r.offer_id);
    day.bind(3, r.day.days());
    day.bind(4, static_cast<int>(r.channel));
    day.bind(5, sign);
    day.bind(6, value);
    day.exec();
    sql::Statement& total = Prepared(
        "INSERT INTO offer_usage_totals (customer_id, offer_id, channel, redemptions, "
        "value_units) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (customer_id, offer_id, channel) DO UPDATE SET "
        "redemptions = offer_usage_totals.redemptions + ?4, "
        "value_units = offer_usage_totals.value_units + ?5");
    Done total_done{total};
    total.bind(1, customer);
    total.bind(2, r.offer_id);
    total.bind(3, static_cast<int>(r.channel));
    total.bind(4, sign);
    total.bind(5, value);
    total.exec();
  }
  // Noted once the tables have it: a statement that threw noted nothing.
  budget_changes_.push_back({r.offer_id, r.channel, r.day, sign, value});
}

absl::StatusOr<OfferRedemptionRecord> Connection::UnsafeInsertOfferRedemption(
    const OfferRedemptionRecord& r) {
  if (!r.day.known()) return absl::InvalidArgumentError("an offer redemption needs its day");
  {
    sql::Statement& exists = Prepared("SELECT 1 FROM customers WHERE id = ?");
    Done done{exists};
    exists.bind(1, r.customer_id);
    if (!exists.executeStep()) {
      return absl::NotFoundError(StrCat("customer '", r.customer_id, "' not found"));
    }
  }
  sql::Statement& s = Prepared(
      "INSERT INTO offer_redemptions (customer_id, offer_id, offer, day, channel, unit, "
      "value_units, amount_units, purchase_id, reference, ruleset_version, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  Done done{s};
  s.bind(1, r.customer_id);
  s.bind(2, r.offer_id);
  s.bind(3, r.offer);
  s.bind(4, r.day.days());
  s.bind(5, static_cast<int>(r.channel));
  s.bind(6, static_cast<int>(r.unit));
  s.bind(7, r.value.units());
  if (r.amount.has_value()) {
    s.bind(8, r.amount->units());
  } else {
    s.bind(8);
  }
  s.bind(9, r.purchase_id);
  s.bind(10, r.reference);
  s.bind(11, r.ruleset_version);
  OfferRedemptionRecord stored = r;
  stored.recorded_at = NowText();
  stored.reversed_at.clear();
  stored.reversal_reason.clear();
  s.bind(12, stored.recorded_at);
  s.executeStep();
  stored.id = s.getColumn(0).getInt64();
  AddOfferUsage(stored, +1);
  return stored;
}

absl::StatusOr<std::optional<OfferRedemptionRecord>> Connection::UnsafeFindOfferRedemption(
    int64_t id) {
  static const std::string sql = StrCat(kOfferRedemptionColumns, "WHERE id = ?");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, id);
  if (!s.executeStep()) return std::optional<OfferRedemptionRecord>();
  return std::optional<OfferRedemptionRecord>(RowToOfferRedemption(s));
}

absl::StatusOr<std::vector<OfferRedemptionRecord>> Connection::UnsafeOfferRedemptionsOfPurchase(
    std::string_view purchase_id) {
  std::vector<OfferRedemptionRecord> found;
  if (purchase_id.empty()) return found;  // "" is no purchase, not a purchase id
  static const std::string sql =
      StrCat(kOfferRedemptionColumns, "WHERE purchase_id = ? ORDER BY id");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1, std::string(purchase_id));
  while (s.executeStep()) found.push_back(RowToOfferRedemption(s));
  return found;
}

absl::StatusOr<OfferRedemptionRecord> Connection::UnsafeReverseOfferRedemption(
    int64_t id, std::string_view reason) {
  absl::StatusOr<std::optional<OfferRedemptionRecord>> found = UnsafeFindOfferRedemption(id);
  if (!found.ok()) return found.status();
  if (!found->has_value() || !(*found)->reversed_at.empty()) {
    return absl::FailedPreconditionError(
        StrCat("offer redemption ", id, " is not recorded or was already reversed"));
  }
  OfferRedemptionRecord reversed = **std::move(found);
  reversed.reversed_at = NowText();
  reversed.reversal_reason = std::string(reason);
  sql::Statement& s =
      Prepared("UPDATE offer_redemptions SET reversed_at = ?, reversal_reason = ? WHERE id = ?");
  Done done{s};
  s.bind(1, reversed.reversed_at);
  s.bind(2, reversed.reversal_reason);
  s.bind(3, id);
  s.exec();
  AddOfferUsage(reversed, -1);
  return reversed;
}

// Reads the rows a statement of kUsageColumns selects.
void Connection::ReadUsageRows(sql::Statement& s, std::vector<OfferUsageRow>* rows) {
  while (s.executeStep()) {
    OfferUsageRow& row = rows->emplace_back();
    row.customer_id = s.getColumn(0).getString();
    row.offer_id = s.getColumn(1).getString();
    row.channel = static_cast<rules::Channel>(s.getColumn(2).getInt());
    row.redemptions = s.getColumn(3).getInt64();
    row.value_units = s.getColumn(4).getInt64();
    row.day = ColumnDate(s.getColumn(5));
  }
}

std::vector<OfferUsageRow> Connection::ReadOfferUsage(const OfferUsageQuery& query) {
  // One statement per offer (an IN list of offers would make SQLite build
  // a temporary index on every run): the primary keys' prefix finds its
  // few rows. Without offers named, every offer's rows.
  const bool by_offer = !query.offer_ids.empty();
  const auto usage_sql = [](std::string_view offer_filter) {
    return StrCat(kUsageColumns, "NULL FROM offer_usage_totals WHERE customer_id IN (?1, ?2)",
                  offer_filter, " UNION ALL ", kUsageColumns,
                  "day FROM offer_usage_days WHERE ?4 IS NOT NULL AND customer_id IN (?1, ?2)",
                  offer_filter, " AND day BETWEEN ?4 AND ?5");
  };
  static const std::string of_one_offer = usage_sql(" AND offer_id = ?3");
  static const std::string of_every_offer = usage_sql(" AND ?3 IS NULL");
  sql::Statement& s = Prepared(by_offer ? of_one_offer : of_every_offer);
  std::vector<OfferUsageRow> rows;
  const std::vector<std::string> every_offer = {std::string()};
  for (const std::string& offer_id : by_offer ? query.offer_ids : every_offer) {
    Done done{s};
    s.bind(1, std::string());
    s.bind(2, query.customer_id);
    if (by_offer) {
      s.bind(3, offer_id);
    } else {
      s.bind(3);
    }
    BindPeriod(s, query);
    ReadUsageRows(s, &rows);
  }
  return rows;
}

std::vector<OfferUsageRow> Connection::ReadCustomerOfferUsage(const OfferUsageQuery& query) {
  // All of the customer's rows in one statement (a customer redeems few
  // offers), those of other offers dropped here.
  static const std::string sql =
      StrCat(kUsageColumns, "NULL FROM offer_usage_totals WHERE customer_id = ?2 AND ?3 IS NULL",
             " UNION ALL ", kUsageColumns,
             "day FROM offer_usage_days WHERE ?4 IS NOT NULL AND customer_id = ?2 AND ?1 IS NULL",
             " AND day BETWEEN ?4 AND ?5");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  s.bind(1);
  s.bind(2, query.customer_id);
  s.bind(3);
  BindPeriod(s, query);
  std::vector<OfferUsageRow> rows;
  ReadUsageRows(s, &rows);
  if (!query.offer_ids.empty()) {
    std::erase_if(rows, [&](const OfferUsageRow& row) {
      return std::find(query.offer_ids.begin(), query.offer_ids.end(), row.offer_id) ==
             query.offer_ids.end();
    });
  }
  return rows;
}

std::vector<OfferUsageRow> Connection::ReadEveryonesOfferUsage() {
  static const std::string sql =
      StrCat(kUsageColumns, "NULL FROM offer_usage_totals WHERE customer_id = '' UNION ALL ",
             kUsageColumns, "day FROM offer_usage_days WHERE customer_id = ''");
  sql::Statement& s = Prepared(sql);
  Done done{s};
  std::vector<OfferUsageRow> rows;
  ReadUsageRows(s, &rows);
  return rows;
}

std::vector<BudgetUsageChange> Connection::TakeBudgetChanges() {
  return std::exchange(budget_changes_, {});
}

void Connection::DropBudgetChangesAfter(size_t mark) {
  if (mark < budget_changes_.size()) budget_changes_.resize(mark);
}

// ------------------------------------------- the Transaction's methods

absl::StatusOr<OfferRedemptionRecord> Connection::InsertOfferRedemption(
    const OfferRedemptionRecord& r) {
  return Guarded("recording an offer redemption", [&] { return UnsafeInsertOfferRedemption(r); });
}

absl::StatusOr<std::optional<OfferRedemptionRecord>> Connection::FindOfferRedemption(int64_t id) {
  return Guarded("reading an offer redemption", [&] { return UnsafeFindOfferRedemption(id); });
}

absl::StatusOr<std::vector<OfferRedemptionRecord>> Connection::OfferRedemptionsOfPurchase(
    std::string_view purchase_id) {
  return Guarded("reading a purchase's offer redemptions",
                 [&] { return UnsafeOfferRedemptionsOfPurchase(purchase_id); });
}

absl::StatusOr<OfferRedemptionRecord> Connection::ReverseOfferRedemption(int64_t id,
                                                                         std::string_view reason) {
  return Guarded("reversing an offer redemption",
                 [&] { return UnsafeReverseOfferRedemption(id, reason); });
}

absl::StatusOr<std::vector<OfferUsageRow>> Connection::OfferUsage(const OfferUsageQuery& query) {
  return Guarded("reading offer usage", [&]() -> absl::StatusOr<std::vector<OfferUsageRow>> {
    return ReadOfferUsage(query);
  });
}

// ------------------------------------------- reads of the store

std::vector<OfferRedemptionRecord> Connection::ReadOfferRedemptions(std::string_view customer_id,
                                                                    int limit) {
  sql::Statement& s =
      Prepared(StrCat(kOfferRedemptionColumns, "WHERE customer_id = ? ORDER BY id DESC LIMIT ?"));
  Done done{s};
  s.bind(1, std::string(customer_id));
  s.bind(2, limit);
  std::vector<OfferRedemptionRecord> found;
  while (s.executeStep()) found.push_back(RowToOfferRedemption(s));
  return found;
}

}  // namespace clientele::server::sql
