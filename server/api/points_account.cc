#include "server/api/points_account.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/status_details.h"
#include "common/strings.h"

namespace clientele::server {

using rules::Customer;
using rules::Date;

PointsAccount::PointsAccount(Transaction& tx, const rules::PointsPolicy& policy,
                             std::string_view ruleset_version, Date today)
    : tx_(tx), policy_(policy), ruleset_version_(ruleset_version), today_(today) {}

LedgerEntry PointsAccount::Entry(std::string_view customer_id, int64_t delta,
                                 std::string_view reason, std::string_view source) const {
  LedgerEntry entry;
  entry.customer_id = std::string(customer_id);
  entry.delta = delta;
  entry.reason = std::string(reason);
  entry.ruleset_version = ruleset_version_;
  entry.source = std::string(source);
  return entry;
}

PointLotRecord PointsAccount::LotOf(int64_t entry_id, const LedgerEntry& credit, Date earned_on,
                                    bool pending) const {
  PointLotRecord lot;
  lot.id = entry_id;
  lot.customer_id = credit.customer_id;
  lot.points = lot.remaining = credit.delta;
  lot.earned_on = earned_on;
  if (pending && policy_.pending_days > 0) lot.available_on = policy_.AvailableOn(earned_on);
  lot.expires_on = policy_.expiry.ExpiresOn(earned_on);
  lot.rule_id = credit.rule_id;
  lot.ruleset_version = credit.ruleset_version;
  lot.source = credit.source;
  return lot;
}

absl::StatusOr<PointLotRecord> PointsAccount::StoreCredit(int64_t entry_id,
                                                          const LedgerEntry& credit,
                                                          Date earned_on, bool pending) {
  PointLotRecord lot = LotOf(entry_id, credit, earned_on, pending);
  if (!lot.available_on.known() && !lot.expires_on.known()) {
    absl::StatusOr<std::optional<PointLotRecord>> undated =
        tx_.FindUndatedLot(lot.customer_id, INT64_MAX);
    if (!undated.ok()) return undated.status();
    // A lot with forgiven points is closed to new credits: its forgiven
    // points are withheld from the reversal of a redemption made before
    // the forgiving return, never from one of points earned after it.
    if (undated->has_value() && (*undated)->forgiven == 0) {
      PointLotRecord joined = **std::move(undated);
      joined.points += lot.points;
      joined.remaining += lot.remaining;
      if (absl::Status s = tx_.UpdateLot(joined); !s.ok()) return s;
      return joined;
    }
  }
  if (absl::Status s = tx_.InsertLot(lot); !s.ok()) return s;
  return lot;
}

absl::StatusOr<int64_t> PointsAccount::PurchaseLotId(const Customer& customer,
                                                     const PurchaseRecord& purchase) {
  if (purchase.ledger_id == 0) return 0;  // recorded before lots
  absl::StatusOr<std::optional<PointLotRecord>> own = tx_.FindLot(purchase.ledger_id);
  if (!own.ok()) return own.status();
  if (own->has_value()) return purchase.ledger_id;
  // The lot it joined: the newest undated one then (lot ids are the ids of
  // their first credit's ledger entry, which grow).
  absl::StatusOr<std::optional<PointLotRecord>> undated =
      tx_.FindUndatedLot(customer.id, purchase.ledger_id);
  if (!undated.ok()) return undated.status();
  return undated->has_value() ? (*undated)->id : 0;
}

absl::StatusOr<int64_t> PointsAccount::AppendDebit(LedgerEntry entry,
                                                   std::span<const LotDraw> draws) {
  absl::StatusOr<int64_t> id = tx_.AppendLedger(entry);
  if (!id.ok()) return id.status();
  if (absl::Status s = tx_.InsertDraws(*id, draws); !s.ok()) return s;
  return *id;
}

absl::StatusOr<int64_t> PointsAccount::Expire(std::span<const PointLotRecord> lots) {
  int64_t expired = 0;
  for (const PointLotRecord& lot : lots) {
    if (lot.remaining <= 0) continue;
    LedgerEntry entry = Entry(lot.customer_id, -lot.remaining, "expiry", lot.source);
    // The credit's rule and version: the ones that gave the points their date.
    entry.rule_id = lot.rule_id;
    entry.ruleset_version = lot.ruleset_version;
    const LotDraw draw{lot.id, lot.remaining};
    if (absl::StatusOr<int64_t> id = AppendDebit(std::move(entry), {&draw, 1}); !id.ok()) {
      return id.status();
    }
    PointLotRecord written_off = lot;
    written_off.expired += lot.remaining;
    written_off.remaining = 0;
    if (absl::Status s = tx_.UpdateLot(written_off); !s.ok()) return s;
    expired += lot.remaining;
  }
  return expired;
}

absl::StatusOr<std::vector<PointLotRecord>> PointsAccount::UsableLots(
    std::string_view customer_id) {
  absl::StatusOr<std::vector<PointLotRecord>> lots = tx_.LiveLots(customer_id);
  if (!lots.ok()) return lots.status();
  std::vector<PointLotRecord> usable, expired;
  for (PointLotRecord& lot : *lots) {
    (rules::Expired(lot.lot(), today_) ? expired : usable).push_back(std::move(lot));
  }
  if (absl::StatusOr<int64_t> written = Expire(expired); !written.ok()) return written.status();
  return usable;
}

absl::StatusOr<std::vector<LotDraw>> PointsAccount::Draw(std::vector<PointLotRecord>& lots,
                                                        int64_t points, bool available_only) {
  std::vector<LotDraw> draws;
  for (PointLotRecord& lot : lots) {
    if (points <= 0) break;
    if (lot.remaining <= 0 || (available_only && rules::Pending(lot.lot(), today_))) continue;
    const int64_t take = std::min(lot.remaining, points);
    lot.remaining -= take;
    points -= take;
    if (absl::Status s = tx_.UpdateLot(lot); !s.ok()) return s;
    draws.push_back({lot.id, take});
  }
  return draws;
}

absl::StatusOr<int64_t> PointsAccount::CoverShortfalls(const Customer& before, int64_t points,
                                                       std::vector<PointLotRecord>& lots,
                                                       const LedgerEntry& credit) {
  // A negative balance is filled first: the ledger entry of the credit
  // already raised the balance, so the lots keep only what is above 0.
  const int64_t hole = std::min(std::max<int64_t>(0, -before.points), points);
  if (absl::StatusOr<std::vector<LotDraw>> filled = Draw(lots, hole, false); !filled.ok()) {
    return filled.status();
  }
  const int64_t settle = std::min(before.points_owed, points - hole);
  if (settle <= 0) return 0;
  absl::StatusOr<std::vector<LotDraw>> draws = Draw(lots, settle, false);
  if (!draws.ok()) return draws.status();
  LedgerEntry entry = Entry(before.id, -settle, "debt_settlement", credit.source);
  entry.rule_id = credit.rule_id;
  entry.note = StrCat(settle, " points owed by an earlier return");
  if (absl::StatusOr<int64_t> id = AppendDebit(std::move(entry), *draws); !id.ok()) {
    return id.status();
  }
  return settle;
}

absl::StatusOr<PointsAccount::Earning> PointsAccount::RecordEarning(const Customer& before,
                                                                   int64_t entry_id,
                                                                   const LedgerEntry& entry,
                                                                   Date earned_on) {
  if (entry.delta < 0) {
    // A penalty takes from the lots as a debit would.
    absl::StatusOr<std::vector<PointLotRecord>> lots = UsableLots(before.id);
    if (!lots.ok()) return lots.status();
    absl::StatusOr<std::vector<LotDraw>> draws = Draw(*lots, -entry.delta, false);
    if (!draws.ok()) return draws.status();
    if (absl::Status s = tx_.InsertDraws(entry_id, *draws); !s.ok()) return s;
    return Earning();
  }
  if (entry.delta == 0) return Earning();
  absl::StatusOr<PointLotRecord> stored = StoreCredit(entry_id, entry, earned_on, /*pending=*/true);
  if (!stored.ok()) return stored.status();
  const PointLotRecord& lot = *stored;
  if (rules::Expired(lot.lot(), today_)) {
    // A purchase dated so long ago that its points have expired: they
    // leave at once, and neither pay a debt nor fill a negative balance.
    if (absl::StatusOr<int64_t> gone = Expire({&lot, 1}); !gone.ok()) return gone.status();
    return Earning{0, 0, entry.delta};
  }
  std::vector<PointLotRecord> lots = {lot};
  absl::StatusOr<int64_t> settled = CoverShortfalls(before, entry.delta, lots, entry);
  if (!settled.ok()) return settled.status();
  // The lifetime points rose with the purchase (Transaction::InsertPurchase).
  if (*settled > 0) {
    if (absl::Status s = tx_.UpdatePointsTotals(before.id, 0, before.points_owed - *settled);
        !s.ok()) {
      return s;
    }
  }
  // A lot with a date is the credit's own: what is pending of it is new.
  return Earning{*settled, rules::Pending(lots[0].lot(), today_) ? lots[0].remaining : 0, 0};
}

absl::StatusOr<int64_t> PointsAccount::Redeem(const Customer& customer, int64_t points,
                                              std::string_view reason,
                                              std::string_view reference) {
  absl::StatusOr<std::vector<PointLotRecord>> lots = UsableLots(customer.id);
  if (!lots.ok()) return lots.status();
  int64_t available = 0, pending = 0;
  for (const PointLotRecord& lot : *lots) {
    (rules::Pending(lot.lot(), today_) ? pending : available) += lot.remaining;
  }
  if (available < points) {
    return WithReason(
        absl::FailedPreconditionError(StrCat(
            "customer '", customer.id, "' has ", available, " points available, not ", points,
            pending > 0 ? StrCat(" (", pending, " more are pending)") : std::string())),
        kReasonNotEnoughPoints);
  }
  absl::StatusOr<std::vector<LotDraw>> draws = Draw(*lots, points, true);
  if (!draws.ok()) return draws.status();
  LedgerEntry entry = Entry(customer.id, -points, "redemption",
                            reference.empty() ? "redemption" : StrCat("redemption:", reference));
  entry.note = std::string(reason);
  absl::StatusOr<int64_t> id = AppendDebit(std::move(entry), *draws);
  if (!id.ok()) return id.status();
  RedemptionRecord record;
  record.id = *id;
  record.customer_id = customer.id;
  record.points = points;
  record.reason = std::string(reason);
  record.reference = std::string(reference);
  if (absl::Status s = tx_.InsertRedemption(record); !s.ok()) return s;
  return *id;
}

absl::StatusOr<PointsAccount::Reversal> PointsAccount::ReverseRedemption(
    const Customer& customer, const RedemptionRecord& redemption, std::string_view reason) {
  if (redemption.reversed_by != 0) {
    return WithReason(absl::FailedPreconditionError(
                          StrCat("redemption ", redemption.id, " was already reversed (ledger entry ",
                                 redemption.reversed_by, ")")),
                      kReasonRedemptionAlreadyReversed);
  }
  LedgerEntry entry = Entry(customer.id, redemption.points, "redemption_reversal",
                            StrCat("redemption:", redemption.id));
  entry.note = std::string(reason);
  absl::StatusOr<std::vector<LotDraw>> draws = tx_.DrawsOf(redemption.id);
  if (!draws.ok()) return draws.status();
  std::vector<PointLotRecord> restored;
  int64_t given_back = 0;
  for (const LotDraw& draw : *draws) {
    absl::StatusOr<std::optional<PointLotRecord>> lot = tx_.FindLot(draw.lot_id);
    if (!lot.ok()) return lot.status();
    if (!lot->has_value()) return absl::InternalError(StrCat("points lot ", draw.lot_id, " is gone"));
    PointLotRecord& back = restored.emplace_back(**std::move(lot));
    // Points of a returned purchase that its return forgave (they had been
    // spent here) are not given back: the spending is undone, so there is
    // nothing left to forgive.
    const int64_t unforgiven = std::min(back.forgiven, draw.points);
    back.forgiven -= unforgiven;
    back.remaining += draw.points - unforgiven;
    given_back += draw.points - unforgiven;
    if (absl::Status s = tx_.UpdateLot(back); !s.ok()) return s;
  }
  if (given_back != redemption.points) {
    entry.delta = given_back;
    entry.note = StrCat(entry.note, entry.note.empty() ? "" : "; ",
                        redemption.points - given_back,
                        " points of a returned purchase, forgiven at its return, not given back");
  }
  // Points whose expiry passed meanwhile are back as they were: expired,
  // and written off by the next pass or debit.
  absl::StatusOr<int64_t> id = tx_.AppendLedger(entry);
  if (!id.ok()) return id.status();
  if (absl::Status s = tx_.MarkRedemptionReversed(redemption.id, *id); !s.ok()) return s;
  std::sort(restored.begin(), restored.end(), [](const PointLotRecord& a, const PointLotRecord& b) {
    return std::pair(!a.expires_on.known(), a.expires_on) <
           std::pair(!b.expires_on.known(), b.expires_on);
  });
  absl::StatusOr<int64_t> settled = CoverShortfalls(customer, given_back, restored, entry);
  if (!settled.ok()) return settled.status();
  if (*settled > 0) {
    if (absl::Status s = tx_.UpdatePointsTotals(customer.id, 0, customer.points_owed - *settled);
        !s.ok()) {
      return s;
    }
  }
  return Reversal{*id, given_back, *settled};
}

absl::StatusOr<PointsAccount::TakeBack> PointsAccount::TakeBackPurchase(
    const Customer& customer, const PurchaseRecord& purchase, std::string_view kind) {
  const int64_t earned = purchase.points_earned;
  const std::string source = StrCat(kind, ":", purchase.purchase_id);
  TakeBack result;
  if (earned == 0) return result;
  if (earned < 0) {
    // A penalty is given back whole, as a credit dated like the purchase.
    LedgerEntry entry = Entry(customer.id, -earned, kind, source);
    entry.rule_id = purchase.rule_id;
    entry.ruleset_version = purchase.ruleset_version;
    absl::StatusOr<int64_t> id = tx_.AppendLedger(entry);
    if (!id.ok()) return id.status();
    absl::StatusOr<PointLotRecord> lot = StoreCredit(*id, entry, purchase.day, /*pending=*/false);
    if (!lot.ok()) return lot.status();
    std::vector<PointLotRecord> lots = {*std::move(lot)};
    absl::StatusOr<int64_t> settled = CoverShortfalls(customer, -earned, lots, entry);
    if (!settled.ok()) return settled.status();
    if (*settled > 0) {
      if (absl::Status s = tx_.UpdatePointsTotals(customer.id, 0, customer.points_owed - *settled);
          !s.ok()) {
        return s;
      }
    }
    result.reversed = earned;
    return result;
  }
  absl::StatusOr<std::vector<PointLotRecord>> lots = UsableLots(customer.id);
  if (!lots.ok()) return lots.status();
  // What is left of the purchase's own points goes first, whether they
  // are pending or not (a return within the pending days cancels them
  // all); points of it that expired are gone already and not owed.
  std::vector<LotDraw> draws;
  int64_t own_expired = 0;
  absl::StatusOr<int64_t> own_id = PurchaseLotId(customer, purchase);
  if (!own_id.ok()) return own_id.status();
  auto own = std::find_if(lots->begin(), lots->end(),
                          [&](const PointLotRecord& lot) { return lot.id == *own_id; });
  if (own != lots->end()) {
    own_expired = own->expired;
    const int64_t take = std::min(own->remaining, earned - own_expired);
    own->remaining -= take;
    draws.push_back({own->id, take});
    result.reversed += take;
  }
  // The purchase's own lot as it now is (also when nothing of it is left),
  // to write what was taken from it and what is forgiven.
  std::optional<PointLotRecord> own_lot;
  if (own != lots->end()) {
    own_lot = *own;
  } else if (*own_id != 0) {
    absl::StatusOr<std::optional<PointLotRecord>> lot = tx_.FindLot(*own_id);
    if (!lot.ok()) return lot.status();
    own_lot = **std::move(lot);
    if (own_lot) own_expired = own_lot->expired;
  }
  // The rest was spent: taken from the customer's other points.
  const int64_t spent = earned - own_expired - result.reversed;
  absl::StatusOr<std::vector<LotDraw>> others = Draw(*lots, spent, false);
  if (!others.ok()) return others.status();
  for (const LotDraw& draw : *others) {
    draws.push_back(draw);
    result.reversed += draw.points;
  }
  const int64_t shortfall = earned - own_expired - result.reversed;
  std::string note;
  if (shortfall > 0) {
    switch (policy_.returns_after_spending) {
      case rules::ReturnAfterSpending::kDebt:
        result.owed = shortfall;
        note = StrCat(shortfall, " points already spent are owed");
        break;
      case rules::ReturnAfterSpending::kNegativeBalance:
        result.reversed += shortfall;
        note = StrCat(shortfall, " points already spent are taken below zero");
        break;
      case rules::ReturnAfterSpending::kForgive:
        result.forgiven = shortfall;
        note = StrCat(shortfall, " points already spent are forgiven");
        if (own_lot) own_lot->forgiven += shortfall;
        break;
    }
  }
  if (own_lot) {
    if (absl::Status s = tx_.UpdateLot(*own_lot); !s.ok()) return s;
  }
  if (result.reversed != 0 || shortfall > 0) {  // a debt or forgiveness is on record too
    LedgerEntry entry = Entry(customer.id, -result.reversed, kind, source);
    entry.rule_id = purchase.rule_id;
    entry.ruleset_version = purchase.ruleset_version;
    entry.note = note;
    if (absl::StatusOr<int64_t> id = AppendDebit(std::move(entry), draws); !id.ok()) {
      return id.status();
    }
  }
  if (absl::Status s =
          tx_.UpdatePointsTotals(customer.id, -earned, customer.points_owed + result.owed);
      !s.ok()) {
    return s;
  }
  return result;
}

}  // namespace clientele::server
