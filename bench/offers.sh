#!/usr/bin/env bash
# Offers with limits and budgets over gRPC, as ratios to ping in the same
# run: Evaluate of a stored customer when the ruleset's offers have
# budgets and limits (read from the store on every call) against the same
# ruleset without them, and Offers.RedeemOffer. The rulesets are the
# default one (config/rules, without its rule tests, which list the offers
# exactly) plus one offer, with and without caps; each run starts
# clienteled on a fresh database with the demo data (bench/load.sh). The
# two are alternated ROUNDS times (default 2).
#   BUILD_DIR=build-lto bash bench/offers.sh [clientele_load options]
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make_rules() {  # DIR CAPS
  mkdir -p "$1"
  cp config/rules/*.yaml "$1/"
  rm "$1/tests.yaml"
  # The seed's offers are exclusive: stackable, so that the bench offer is
  # given beside them (the evaluation's work is the same).
  sed -i 's/stacking: exclusive/stacking: stackable/' "$1/offers.yaml"
  cat >> "$1/offers.yaml" <<YAML
  - id: bench_budget
    when: true
    offer: bench budget
    stacking: stackable
    value: {amount_off: 5}
$2
YAML
}
make_rules "$work/capped" "    per_customer: {week: 1000000000}
    budget: {redemptions: 1000000000, value_per_day: 1000000000}"
make_rules "$work/uncapped" ""
for round in $(seq "${ROUNDS:-2}"); do
  echo "== round $round: the offer without limits or budget"
  LOAD_RULES=$work/uncapped bash bench/load.sh --rpc ping,evaluate "$@"
  echo "== round $round: with a weekly limit per customer and two budgets"
  LOAD_RULES=$work/capped bash bench/load.sh --rpc ping,evaluate,redeem_offer "$@"
done
