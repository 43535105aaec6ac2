"""A crashed run that pays dividend pools (economics, issue 12).

Each member's pool payouts go into its own settlement write (guarded by ``settled_seq``)
and the pools' carried balances onto the settlement sequence when the run finishes; so a
crash at any write followed by a rerun must converge on the clean run's every item: no
member paid twice, no carried balance lost or counted twice.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.rewards.events import Join, Purchase
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.services.verify import verify
from functions.store.ledger_store import LedgerStore
from tests.support.books import constant_clock, ledger_for

from .ledger_state import Tables, table_dump
from .test_settlement_order import assert_every_crash_then_rerun_converges

pytestmark = pytest.mark.usefixtures("small_settlement_pages")
DAY_0, DAY_1, DAY_2 = "2026-05-01", "2026-05-02", "2026-05-03"
PLAN = parse_plan(
    {
        "name": "pools",
        "grant": {"ratio": "2"},
        "release": {"mode": "daily", "daily_rate": "0.01"},
        "share": ["0.50"],
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
        "pools": [
            {"name": "all", "rate": "0.013"},
            {"name": "teams", "rate": "0.007", "mode": "weighted", "pay_as": "cash"},
            {"name": "local", "rate": "0.019", "scope": "region"},
        ],
    }
)
MEMBERS = (("A", None), ("B", "A"), ("C", "B"), ("D", "B"), ("E", "C"))
REGIONS = {"A": "north", "B": "north", "C": "south", "E": "south"}
Dump = dict[str, dict[str, Any]]


def ledger_on(store: LedgerStore) -> Ledger:
    """Constant clock: two runs of one history store byte-identical items and hashes."""
    return ledger_for(store, PLAN, clock=constant_clock)


@pytest.fixture(scope="module")
def day_0_settled(module_tables: Tables) -> str:
    """Five members (four in two regions) buy, DAY_0 settled (pools pay, a floored
    remainder is carried), then C and E buy again (DAY_1's intake, and team volume for B,
    A and C to weigh) and an operator moves D into a region, where D then buys."""
    table = module_tables.create()
    ledger = ledger_on(module_tables.store(table))
    for name, referrer in MEMBERS:
        ledger.join(Join(name, referrer, REGIONS.get(name)), f"join-{name}")
    for number, (name, _) in enumerate(MEMBERS):
        ledger.purchase(Purchase(name, f"o-{number}", 100_001 * (number + 1)), f"buy-{number}")
    assert run_settlement(ledger, DAY_0).status == "settled"
    ledger.purchase(Purchase("C", "o-c2", 5_003), "buy-c2")
    ledger.purchase(Purchase("E", "o-e2", 7_001), "buy-e2")
    ledger.set_region("D", "north", "region-D", operator="test")
    ledger.purchase(Purchase("D", "o-d2", 3_001), "buy-d2")  # counted in the north now
    return table


@pytest.fixture(scope="module")
def clean_days(module_tables: Tables, day_0_settled: str) -> Dump:
    """DAY_1 and DAY_2 settled without faults: every stored item."""
    table = module_tables.clone(day_0_settled)
    store = module_tables.store(table)
    before = store.settlement_sequence()
    assert before is not None
    assert json.loads(before.pool_carry)
    ledger = ledger_on(store)
    day_1 = run_settlement(ledger, DAY_1).as_json()
    # the clean run pays both pools from the period's cash plus what DAY_0 carried
    pools = day_1["pools"]
    assert isinstance(pools, list)
    paid = {pool["name"]: pool for pool in pools}
    assert paid["all"]["paid"] != "0.00"
    assert paid["all"]["members"] == 5
    assert paid["teams"]["paid"] != "0.00"
    assert paid["teams"]["members"] == 3
    local = {pool["region"]: pool for pool in pools if pool["name"] == "local"}
    assert local["south"]["members"] == 2  # C and E
    assert local["north"]["members"] == 3  # A, B and D (moved in by the operator)
    assert run_settlement(ledger, DAY_2).status == "settled"
    report = verify(ledger.store)
    assert report.ok, report.render()
    return table_dump(module_tables.client, table)


def test_a_crash_at_any_write_of_a_pool_run_then_the_rerun_equals_the_clean_days(
    module_tables: Tables, day_0_settled: str, clean_days: Dump
) -> None:
    """Given DAY_1's run (two pools paying points and cash) crashes before or after each
    of its writes in turn
    When DAY_1 is rerun and DAY_2 settled
    Then every stored item equals the clean DAY_1, DAY_2 run: no payout twice, and the
    carried balances DAY_2 continues from are the clean run's."""
    assert_every_crash_then_rerun_converges(
        module_tables, day_0_settled, ledger_on, DAY_1, DAY_2, clean_days
    )
