"""Refunds in the live system (economics, issue 12) on the in-memory storage twin.

The same store code runs on DynamoDB (tests/integration); here each case checks the
stored balances and counters, the journal entry, that the books balance, that
``jifen verify`` stays clean, and that refused or replayed calls change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import GiftLocked, Join, Purchase, Transfer, Withdraw
from functions.rewards.plan import Plan, parse_plan
from functions.services.ledger import Ledger
from functions.services.settlement import run_settlement
from functions.services.verify import verify
from functions.store.records import MemberRecord
from functions.store.storage import Storage, memory_storage
from tests.support.books import (
    assert_books_balance,
    details_of,
    journal_tail,
    ledger_for,
    ledger_state,
    postings_of,
    storage_dump,
)

PLAN = parse_plan(
    {
        "name": "refunds",
        "grant": {"ratio": "0.30"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
        "deduction": {"max_ratio": "0.50"},
        "commission": {"rates": [{"default": "0.08"}, {"default": "0.02"}]},
    }
)
SYS = "@system"


class World:
    """A fresh table with A ← B ← C joined (C referred by B, B by A)."""

    def __init__(self, plan: Plan = PLAN) -> None:
        self.storage: Storage = memory_storage()
        self.ledger: Ledger = ledger_for(self.storage.ledger, plan)
        for event in (Join("A"), Join("B", "A"), Join("C", "B")):
            self.ledger.join(event, f"join-{event.member}")

    def member(self, name: str) -> MemberRecord:
        record = self.storage.ledger.get_member(name)
        assert record is not None
        return record

    def dump(self) -> dict[str, dict[str, Any]]:
        return storage_dump(self.storage.table)

    def refused(self, call: Any, *args: Any, **kwargs: Any) -> RejectCode:
        before = self.dump()
        with pytest.raises(Rejected) as refused:
            call(*args, **kwargs)
        assert self.dump() == before, "a refused call changed stored items"
        return refused.value.code

    def assert_clean(self) -> None:
        assert_books_balance(ledger_state(self.storage.ledger, ["A", "B", "C"]))
        report = verify(self.storage.ledger)
        assert report.ok, report


def test_refund_returns_points_takes_back_grant_commission_and_reserve() -> None:
    """Given C bought 1000.00 paying 100.00 in points (grant 270, reserve 81, commission
    B 72 and A 18) and kept every point,
    When the order is refunded,
    Then the 100 points come back, the 270 granted go to clawback, the cash goes back
    (reserve 81, B 72, A 18, platform the rest), C's volume is 0 and verify is clean."""
    world = World()
    world.ledger.adjust("C", 10_000, "seed", "seed-C", operator="op")
    world.ledger.purchase(Purchase("C", "o-1", 100_000, points=10_000), "buy-o-1")
    assert world.member("C").available == 27_000

    result = world.ledger.refund("o-1", "refund-o-1", by="merchant:m1")

    c = world.member("C")
    assert (c.available, c.debt, c.clawed_back, c.spent, c.personal_volume) == (
        10_000,
        0,
        27_000,
        0,
        0,
    )
    assert (world.member("B").commission, world.member("A").commission) == (0, 0)
    assert (result.reserve_back, result.clawed_back, result.debt) == (8_100, 27_000, 0)
    assert result.commissions == (("B", 7_200, 0), ("A", 1_800, 0))
    entry = journal_tail(world.storage.ledger, "C")
    assert entry.kind == "refund"
    assert details_of(entry)["by"] == "merchant:m1"
    assert (SYS, "clawback", 27_000) in postings_of(entry)
    totals = world.storage.ledger.system_totals()
    assert (totals.reserve, totals.sales, totals.platform, totals.clawback) == (0, 0, 0, 27_000)
    world.assert_clean()


def test_a_refund_is_idempotent_by_key_and_happens_once_per_order() -> None:
    """Given a refunded order,
    When the same refund is sent again with its key, and again under another key,
    Then the first returns the first result and writes nothing; the second is
    already_refunded; an unknown order is unknown_order; none changes anything."""
    world = World()
    world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")
    first = world.ledger.refund("o-1", "refund-o-1", by="operator:op")
    before = world.dump()
    assert world.ledger.refund("o-1", "refund-o-1", by="operator:op") == first
    assert world.dump() == before
    assert world.refused(world.ledger.refund, "o-1", "other-key", by="x") == (
        RejectCode.ALREADY_REFUNDED
    )
    assert world.refused(world.ledger.refund, "o-9", "k-9", by="x") == RejectCode.UNKNOWN_ORDER
    assert world.refused(world.ledger.refund, "", "k-0", by="x") == RejectCode.INVALID_EVENT


def test_what_cannot_be_taken_back_is_debt_that_blocks_and_later_credits_repay() -> None:
    """Given C bought 1000.00 (270 points at once) and gave 200 of them to A,
    When the order is refunded,
    Then 70 are taken back and C owes 200: C cannot withdraw, transfer or pay with
    points (in_debt); a 150 transfer to C repays 150 and a purchase's grant of 60 repays
    the last 50, leaving C 10 points; verify stays clean throughout."""
    world = World()
    world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")
    world.ledger.transfer(Transfer("C", "A", 20_000), "give-200")
    result = world.ledger.refund("o-1", "refund-o-1", by="operator:op")
    assert (result.clawed_back, result.debt) == (10_000, 20_000)
    assert (world.member("C").available, world.member("C").debt) == (0, 20_000)
    world.assert_clean()

    ledger = world.ledger
    assert world.refused(ledger.request_withdrawal, Withdraw("C", 100), "w-C") == (
        RejectCode.IN_DEBT
    )
    assert world.refused(ledger.transfer, Transfer("C", "A", 1), "t-C") == RejectCode.IN_DEBT
    assert world.refused(ledger.purchase, Purchase("C", "o-2", 1_000, points=1), "o-2") == (
        RejectCode.IN_DEBT
    )

    ledger.transfer(Transfer("A", "C", 15_000), "back-150")
    assert (world.member("C").available, world.member("C").debt) == (0, 5_000)
    world.assert_clean()
    ledger.purchase(Purchase("C", "o-3", 20_000), "buy-o-3")  # 60 points at once
    c = world.member("C")
    assert (c.available, c.debt, c.clawed_back) == (1_000, 0, 10_000 + 15_000 + 5_000)
    world.assert_clean()


def test_a_locked_grant_is_voided_and_the_window_closes_after_settlements() -> None:
    """Given refunds close after 1 settlement run and daily release of 10%,
    When C buys 1000.00 (300 points locked, 100 a day), one settlement runs (C releases
    100) and the order is refunded,
    Then the 200 still locked are voided with the grant record and the 100 released are
    taken back; and an order bought before two runs is refund_window_closed."""
    plan = parse_plan(
        {
            "name": "window",
            "grant": {"ratio": "0.30"},
            "release": {"mode": "daily", "daily_rate": "0.10"},
            "refund": {"window_settlements": 1},
        }
    )
    day = 86_400_000_000
    now = {"at": 0}

    def tick() -> int:
        now["at"] += 1
        return now["at"]

    world = World.__new__(World)
    world.storage = memory_storage()
    world.ledger = ledger_for(world.storage.ledger, plan, clock=tick)
    for event in (Join("A"), Join("B", "A"), Join("C", "B")):
        world.ledger.join(event, f"join-{event.member}")
    world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")
    world.ledger.purchase(Purchase("A", "o-old", 100_000), "buy-o-old")
    now["at"] = day  # the next day: settle the first
    run_settlement(world.ledger, world.ledger.business_date(1))
    assert (world.member("C").available, world.member("C").locked) == (10_000, 20_000)

    result = world.ledger.refund("o-1", "refund-o-1", by="op")
    c = world.member("C")
    assert (result.voided, result.clawed_back, result.debt) == (20_000, 10_000, 0)
    assert (c.available, c.locked, c.grants) == (0, 0, ())
    world.assert_clean()

    now["at"] = 2 * day
    run_settlement(world.ledger, world.ledger.business_date(day))
    assert world.refused(world.ledger.refund, "o-old", "refund-o-old", by="op") == (
        RejectCode.REFUND_WINDOW_CLOSED
    )


def test_live_purchases_apply_the_issuance_cap_and_category_bonus_like_the_engine() -> None:
    """Given ratio 4 at once, an issuance cap of 3 and a 20% bonus on green (the worked
    example of docs/rules-programs.md),
    When A buys 1000.00 and C buys 500.00 and 100.00 of green through the live ledger,
    Then the grants are cut to 3000, 1500 and 300 as in the engine, the journal says what
    was capped, and verify stays clean."""
    plan = parse_plan(
        {
            "name": "cap",
            "grant": {
                "ratio": "4",
                "issuance_cap": {"ratio": "3"},
                "category_bonus": {"green": "0.20"},
            },
        }
    )
    world = World(plan)
    granted = [
        world.ledger.purchase(Purchase("A", "o-1", 100_000), "o-1").granted,
        world.ledger.purchase(Purchase("C", "o-2", 50_000, category="green"), "o-2").granted,
        world.ledger.purchase(Purchase("C", "o-3", 10_000, category="green"), "o-3").granted,
    ]
    assert granted == [300_000, 150_000, 30_000]
    assert details_of(journal_tail(world.storage.ledger, "C"))["capped"] == "180.00"
    world.assert_clean()


def test_a_settlements_release_repays_debt_first_and_circulating_follows() -> None:
    """Given C holds two locked grants (o-1 and o-2, 100 a day each), one settlement
    released 200 and C gave it all to A,
    When o-1 is refunded (C owes the 100 it released) and the next settlement runs,
    Then o-2's release of 100 repays the debt (C's available stays 0, debt 0), circulating
    equals the members' available, and verify stays clean."""
    plan = parse_plan(
        {
            "name": "daily",
            "grant": {"ratio": "0.30"},
            "release": {"mode": "daily", "daily_rate": "0.10"},
        }
    )
    day = 86_400_000_000
    now = {"at": 0}

    def tick() -> int:
        now["at"] += 1
        return now["at"]

    world = World.__new__(World)
    world.storage = memory_storage()
    world.ledger = ledger_for(world.storage.ledger, plan, clock=tick)
    for event in (Join("A"), Join("B", "A"), Join("C", "B")):
        world.ledger.join(event, f"join-{event.member}")
    world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")
    world.ledger.purchase(Purchase("C", "o-2", 100_000), "buy-o-2")
    now["at"] = day
    run_settlement(world.ledger, world.ledger.business_date(1))
    world.ledger.transfer(Transfer("C", "A", 20_000), "give-all")
    refunded = world.ledger.refund("o-1", "refund-o-1", by="op")
    assert (refunded.voided, refunded.clawed_back, refunded.debt) == (20_000, 0, 10_000)

    now["at"] = 2 * day
    run_settlement(world.ledger, world.ledger.business_date(day))

    c = world.member("C")
    assert (c.available, c.locked, c.debt, c.clawed_back) == (0, 10_000, 0, 10_000)
    assert c.released == 30_000
    world.assert_clean()


def test_a_gift_of_locked_points_is_idempotent_and_a_refund_finds_its_holder() -> None:
    """Given C holds a locked grant of order o-1 (300 points, 100 a day),
    When C gives it to A (then the same request again), A gives it on to B, and o-1 is
    refunded,
    Then the resend changes nothing, a gift with nothing locked is insufficient_points and
    changes nothing, the refund voids the 300 at B (the last holder) and verify is clean."""
    plan = parse_plan(
        {
            "name": "daily",
            "grant": {"ratio": "0.30"},
            "release": {"mode": "daily", "daily_rate": "0.10"},
        }
    )
    world = World(plan)
    world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")
    first = world.ledger.gift_locked(GiftLocked("C", "A"), "gift-1")
    before = world.dump()
    assert world.ledger.gift_locked(GiftLocked("C", "A"), "gift-1") == first
    assert world.dump() == before
    assert world.refused(world.ledger.gift_locked, GiftLocked("C", "B"), "gift-x") == (
        RejectCode.INSUFFICIENT_POINTS
    )
    world.ledger.gift_locked(GiftLocked("A", "B", "o-1"), "gift-2")
    assert (world.member("A").locked, world.member("B").locked) == (0, 30_000)
    assert [g.order for g in world.member("B").grants] == ["o-1"]

    result = world.ledger.refund("o-1", "refund-o-1", by="op")
    assert (result.voided, result.clawed_back, result.debt) == (30_000, 0, 0)
    assert (world.member("B").locked, world.member("B").grants) == (0, ())
    world.assert_clean()
