// A customer's points inside one write transaction: the ledger, the
// balance, the lots (what each credit earned and what is left of it; the
// credits without dates, all alike, share one lot per customer),
// lifetime points and what the customer owes, moved together so that
// these hold after every write (docs/rules.md, "Points lifecycle"):
//  - the balance is the ledger's sum;
//  - the lots' remaining points add up to the balance, or to 0 while the
//    balance is below 0;
//  - a customer who owes points has none remaining.
// Expired lots leave by entries of their own ("expiry"), written by the
// expiry pass or, for one customer, by the first debit that finds them.
//
// Not thread-safe: one per transaction, used by the thread that runs it.
#ifndef CLIENTELE_SERVER_API_POINTS_ACCOUNT_H_
#define CLIENTELE_SERVER_API_POINTS_ACCOUNT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/customer.h"
#include "rules/points.h"
#include "server/store/transaction.h"

namespace clientele::server {

class PointsAccount {
 public:
  // `policy` and `ruleset_version` are those of the served ruleset;
  // `today` is the day of the write.
  PointsAccount(Transaction& tx, const rules::PointsPolicy& policy,
                std::string_view ruleset_version, rules::Date today);

  // After a purchase's ledger entry `entry_id` (`entry`, earned on
  // `earned_on`) moved the balance of `before` (the customer as read
  // before it): a credit becomes a lot (pending and expiring by the
  // policy) and settles what the customer owes (its lifetime points were
  // raised by Transaction::InsertPurchase); a debit (an earning rule's
  // penalty) takes from the lots.
  struct Earning {
    int64_t debt_settled = 0;   // of the credit, what paid a debt
    int64_t pending_added = 0;  // of the credit, what is pending today
    int64_t expired = 0;        // of the credit, what had expired already (a purchase long ago)
  };
  absl::StatusOr<Earning> RecordEarning(const rules::Customer& before, int64_t entry_id,
                                        const LedgerEntry& entry, rules::Date earned_on);

  // Spends `points` (> 0) of what `customer` has available, the points
  // expiring first; FAILED_PRECONDITION saying how many are available when
  // that is fewer. Records the redemption; returns its ledger entry's id.
  absl::StatusOr<int64_t> Redeem(const rules::Customer& customer, int64_t points,
                                 std::string_view reason, std::string_view reference);

  struct Reversal {
    int64_t entry_id = 0;
    int64_t points = 0;
    int64_t debt_settled = 0;
  };
  // Gives a redemption's points back to the lots they came from, with
  // their original expiry, except points of a returned purchase that its
  // return forgave; FAILED_PRECONDITION when it was reversed before.
  absl::StatusOr<Reversal> ReverseRedemption(const rules::Customer& customer,
                                             const RedemptionRecord& redemption,
                                             std::string_view reason);

  struct TakeBack {
    int64_t reversed = 0;  // taken off the balance (a penalty given back: < 0)
    int64_t owed = 0;      // added to what the customer owes
    int64_t forgiven = 0;  // not taken back, by the policy
  };
  // Takes back the points of `purchase`, returned or cancelled (`kind`):
  // what is left of its lot, then the customer's other points, the rest
  // by the policy's returns_after_spending. Lifetime points lose what the
  // purchase earned. The ledger entry is written here.
  absl::StatusOr<TakeBack> TakeBackPurchase(const rules::Customer& customer,
                                            const PurchaseRecord& purchase, std::string_view kind);

  // Writes the expiry of `lots` (lots whose points expired by today):
  // one ledger entry each. Returns the points that left.
  absl::StatusOr<int64_t> Expire(std::span<const PointLotRecord> lots);

 private:
  // The customer's lots with points remaining that have not expired,
  // those expiring first; the expired ones are written off first.
  absl::StatusOr<std::vector<PointLotRecord>> UsableLots(std::string_view customer_id);
  // Takes up to `points` from `lots` in order (only those available when
  // `available_only`), updating them; returns the draws.
  absl::StatusOr<std::vector<LotDraw>> Draw(std::vector<PointLotRecord>& lots, int64_t points,
                                            bool available_only);
  // A credit of `points` into lots that are already stored (`lots`,
  // remaining already raised): fills a negative balance first, then pays
  // what is owed, drawing from them. Returns the points that paid a debt.
  absl::StatusOr<int64_t> CoverShortfalls(const rules::Customer& before, int64_t points,
                                          std::vector<PointLotRecord>& lots,
                                          const LedgerEntry& credit);
  // The lot of credit `credit` (ledger entry `entry_id`) earned on
  // `earned_on`, dated by the policy: pending too when `pending` (points
  // given back by a return are not).
  PointLotRecord LotOf(int64_t entry_id, const LedgerEntry& credit, rules::Date earned_on,
                       bool pending) const;
  // Stores the lot of a credit (LotOf): a lot of its own when it has a
  // date; without one, joined to the customer's newest lot without dates
  // when there is one and none of its points were forgiven (writing one
  // row again costs a purchase far less than a new row and index entry,
  // and such points are all alike). Returns the lot as stored.
  absl::StatusOr<PointLotRecord> StoreCredit(int64_t entry_id, const LedgerEntry& credit,
                                             rules::Date earned_on, bool pending);
  // The id of the lot that holds what is left of `purchase`'s points: its
  // own, or the customer's lot without dates that they joined; 0 when none.
  absl::StatusOr<int64_t> PurchaseLotId(const rules::Customer& customer,
                                        const PurchaseRecord& purchase);
  absl::StatusOr<int64_t> AppendDebit(LedgerEntry entry, std::span<const LotDraw> draws);
  LedgerEntry Entry(std::string_view customer_id, int64_t delta, std::string_view reason,
                    std::string_view source) const;

  Transaction& tx_;
  const rules::PointsPolicy& policy_;
  const std::string ruleset_version_;
  const rules::Date today_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_POINTS_ACCOUNT_H_
