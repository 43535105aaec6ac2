"""The use cases on the in-memory storage twin: balances, journal and rejections.

Every case checks what the member sees (balances, counters), what the journal
recorded (entry kind, exact postings, details) and that the books still balance
(:func:`assert_books_balance`). A rejected call and a replayed call must leave
every stored item exactly as it was (:func:`storage_dump`). The twin runs the same
store code as DynamoDB and passes the same contract (``tests/contract``), so these run
in milliseconds; the wire (conditions, transactions, faults) is covered there and in
``tests/integration``.

The plan: 0.30 points per yuan at once, a 9% reserve that prices points, a 20%
withdrawal fee, points paying up to half an order, and 8%/3% (digital) + 2%
commission to two generations of uplines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.money import format_cents
from functions.rewards.plan import Plan, parse_plan
from functions.services.ledger import Ledger, request_id_for
from functions.services.results import PurchaseResult, WithdrawalResult
from functions.store.commit import Claim
from functions.store.ports import LedgerPort
from functions.store.records import MemberRecord
from functions.store.storage import Storage, memory_storage
from tests.support.books import (
    LedgerState,
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
        "name": "services",
        "grant": {"ratio": "0.30"},
        "valuation": {"mode": "reserve", "reserve_rate": "0.09"},
        "withdrawal": {"fee_rate": "0.20", "min_points": "1"},
        "deduction": {"max_ratio": "0.50"},
        "commission": {"rates": [{"default": "0.08", "digital": "0.03"}, {"default": "0.02"}]},
    }
)
NO_DEDUCTION = parse_plan({"name": "no-deduction", "grant": {"ratio": "0.30"}})
DAILY = parse_plan(
    {
        "name": "daily",
        "grant": {"tiers": [{"name": "junior", "min": "3000", "multiplier": "2.5"}]},
        "release": {"mode": "daily", "daily_rate": "0.012"},
    }
)
SYS = "@system"


@dataclass
class World:
    """One fresh table with A ← B ← C joined (C referred by B, B by A)."""

    storage: Storage
    ledger: Ledger

    @property
    def store(self) -> LedgerPort:
        return self.storage.ledger

    def dump(self) -> dict[str, dict[str, Any]]:
        return storage_dump(self.storage.table)

    def state(self) -> LedgerState:
        names = [key[2:].rsplit(" ", 1)[0] for key in self.dump() if key.endswith(" ACCOUNT")]
        return ledger_state(self.store, names)

    def member(self, name: str) -> MemberRecord:
        record = self.store.get_member(name)
        assert record is not None
        return record

    def with_plan(self, plan: Plan) -> Ledger:
        return ledger_for(self.store, plan)

    def rejected(self, call: Any, *args: Any, **kwargs: Any) -> RejectCode:
        """Run a call that must be refused; return its code and check nothing changed."""
        before = self.dump()
        with pytest.raises(Rejected) as refused:
            call(*args, **kwargs)
        assert self.dump() == before, "a rejected call changed stored items"
        return refused.value.code

    def replayed(self, first: object, call: Any, *args: Any, **kwargs: Any) -> None:
        """A call with an already-used key returns the first result and writes nothing."""
        before = self.dump()
        assert call(*args, **kwargs) == first
        assert self.dump() == before, "a replayed call changed stored items"


@pytest.fixture
def world() -> World:
    storage = memory_storage()
    ledger = ledger_for(storage.ledger, PLAN)
    ledger.join(Join("A"), "join-A")
    ledger.join(Join("B", "A"), "join-B")
    ledger.join(Join("C", "B"), "join-C")
    return World(storage, ledger)


def shown(result: Any) -> Any:
    """A typed result spelled as the API and the journal spell it: its record with every
    amount (its integers; flags are booleans) as a decimal string."""

    def show(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return format_cents(value)
        if isinstance(value, list):
            return [show(item) for item in value]
        return value

    return {name: show(value) for name, value in result.to_record().items()}


def _funded(world: World) -> PurchaseResult:
    """C buys 1000.00: 300 points, reserve 90, commission B 80 and A 20."""
    return world.ledger.purchase(Purchase("C", "o-1", 100_000), "buy-o-1")


# -- join -----------------------------------------------------------------------------


def test_join_records_member_edge_and_journal(world: World) -> None:
    """Given A ← B ← C joined through the service
    When we read them back
    Then each has its referrer, the edges list invitees in join order, and the
    journal opens with one posting-free join entry."""
    assert [record.member for record in world.store.iter_members()] == ["A", "B", "C"]
    assert world.member("C").referrer == "B"
    assert world.member("A").referrer is None
    assert world.store.children("A") == ["B"]
    assert world.store.children("B") == ["C"]
    [entry] = list(world.store.journal("C"))
    assert (entry.seq, entry.kind, entry.event_key, entry.prev_hash) == (1, "join", "join-C", "")
    assert postings_of(entry) == []
    assert details_of(entry) == {"referrer": "B"}
    assert_books_balance(world.state())


def test_join_rejects_duplicate_member_and_unknown_referrer(world: World) -> None:
    """Given A exists
    When A joins again (new key), or D joins under a referrer who does not exist
    Then duplicate_member and unknown_referrer; nothing is stored."""
    ledger = world.ledger
    assert world.rejected(ledger.join, Join("A"), "join-A-again") == "duplicate_member"
    assert world.rejected(ledger.join, Join("A", "nobody"), "join-A-3") == "duplicate_member"
    assert world.rejected(ledger.join, Join("D", "nobody"), "join-D") == "unknown_referrer"
    assert world.store.get_member("D") is None


def test_join_retry_with_the_same_key_returns_the_first_result(world: World) -> None:
    """Given D joined under C with key k
    When the same key is presented again (even with another member named)
    Then the first result comes back and no item changes."""
    first = world.ledger.join(Join("D", "C"), "join-D")
    assert shown(first) == {"member": "D", "referrer": "C"}
    world.replayed(first, world.ledger.join, Join("D", "C"), "join-D")
    world.replayed(first, world.ledger.join, Join("E"), "join-D")
    assert world.store.get_member("E") is None


def test_join_claims_are_unique(world: World) -> None:
    """Given D joined claiming a phone number and a Telegram id
    When E claims the same phone, or F the same Telegram id
    Then phone_taken and already_registered; the claims stay D's."""
    claims = (Claim("PHONE#+8613800000000", "D"), Claim("TG#42", "D"))
    world.ledger.join(Join("D", "A"), "join-D", claims=claims)
    phone = (Claim("PHONE#+8613800000000", "E"),)
    telegram = (Claim("TG#42", "F"),)
    assert world.rejected(world.ledger.join, Join("E"), "join-E", claims=phone) == "phone_taken"
    assert (
        world.rejected(world.ledger.join, Join("F"), "join-F", claims=telegram)
        == "already_registered"
    )
    assert world.store.claim_owner("PHONE#+8613800000000") == "D"
    assert world.store.claim_owner("TG#42") == "D"
    assert world.store.get_member("E") is None
    assert world.store.get_member("F") is None


# -- purchase -------------------------------------------------------------------------


def test_purchase_grants_reserves_and_pays_commission_to_two_generations(world: World) -> None:
    """Given A ← B ← C
    When C buys 1000.00 (no category)
    Then C gets 300 points at once, the reserve 90, B 8% = 80 and A 2% = 20 in cash
    commission, the platform keeps 810, and one purchase entry in C's journal carries
    exactly these postings."""
    result = _funded(world)
    assert shown(result) == {
        "order": "o-1",
        "member": "C",
        "amount": "1000.00",
        "points_spent": "0.00",
        "cash": "1000.00",
        "granted": "300.00",
        "daily": "0.00",
        "locked": False,
        "tier": None,
        "reserve_added": "90.00",
        "commissions": [["B", "80.00"], ["A", "20.00"]],
    }
    c, b, a = world.member("C"), world.member("B"), world.member("A")
    assert (c.available, c.released, c.personal_volume, c.locked) == (30_000, 30_000, 100_000, 0)
    assert (b.commission, a.commission, b.available, a.available) == (8_000, 2_000, 0, 0)
    totals = world.store.system_totals()
    assert (totals.issuance, totals.sales, totals.reserve, totals.platform) == (
        -30_000,
        -100_000,
        9_000,
        81_000,
    )
    assert totals.circulating == 30_000
    entry = journal_tail(world.store, "C")
    assert (entry.seq, entry.kind, entry.event_key) == (2, "purchase", "buy-o-1")
    assert sorted(postings_of(entry)) == sorted(
        [
            (SYS, "issuance", -30_000),
            ("C", "available", 30_000),
            (SYS, "sales", -100_000),
            (SYS, "reserve", 9_000),
            ("B", "commission", 8_000),
            ("A", "commission", 2_000),
            (SYS, "platform", 81_000),
        ]
    )
    assert details_of(entry)["category"] is None
    assert [len(list(world.store.journal(name))) for name in "AB"] == [1, 1]
    assert world.store.get_order("o-1") == (
        "buy-o-1",
        json.dumps(result.to_record(), sort_keys=True),
    )
    assert_books_balance(world.state())


def test_purchase_category_rate_applies_per_generation(world: World) -> None:
    """Given the first generation pays 3% on digital and the second lists only default
    When C buys 200.00 of digital goods
    Then B earns 6.00 (3%) and A 4.00 (2% default)."""
    result = world.ledger.purchase(Purchase("C", "o-d", 20_000, category="digital"), "buy-o-d")
    assert shown(result)["commissions"] == [["B", "6.00"], ["A", "4.00"]]
    assert (world.member("B").commission, world.member("A").commission) == (600, 400)
    assert details_of(journal_tail(world.store, "C"))["category"] == "digital"
    assert_books_balance(world.state())


def test_purchase_with_points_burns_them_and_grants_on_the_cash_part(world: World) -> None:
    """Given C holds 300 points
    When C pays 100 points towards a 200.00 order (the most half allows)
    Then the 100 points are burned, grant, reserve and commissions come from the
    100.00 cash, and C's spent and personal volume count it."""
    _funded(world)
    result = world.ledger.purchase(Purchase("C", "o-2", 20_000, points=10_000), "buy-o-2")
    assert (
        format_cents(result.cash),
        format_cents(result.points_spent),
        format_cents(result.granted),
    ) == (
        "100.00",
        "100.00",
        "30.00",
    )
    c = world.member("C")
    assert (c.available, c.spent, c.personal_volume) == (23_000, 10_000, 110_000)
    assert (world.member("B").commission, world.member("A").commission) == (8_800, 2_200)
    totals = world.store.system_totals()
    assert (totals.burned, totals.reserve, totals.circulating) == (10_000, 9_900, 23_000)
    assert sorted(postings_of(journal_tail(world.store, "C"))) == sorted(
        [
            ("C", "available", -10_000),
            (SYS, "burned", 10_000),
            (SYS, "issuance", -3_000),
            ("C", "available", 3_000),
            (SYS, "sales", -10_000),
            (SYS, "reserve", 900),
            ("B", "commission", 800),
            ("A", "commission", 200),
            (SYS, "platform", 8_100),
        ]
    )
    assert_books_balance(world.state())


def test_purchase_under_daily_release_locks_a_grant_record(world: World) -> None:
    """Given a plan granting 2.5x from 3000.00, released at 1.2% of the order per day
    When C buys 3000.00, then 2999.99
    Then the first order locks 7500.00 points in grant record #1 (daily 36.00, tier
    junior) with nothing available yet; the second is below every tier and grants
    nothing."""
    ledger = world.with_plan(DAILY)
    first = ledger.purchase(Purchase("C", "o-t", 300_000), "buy-o-t")
    assert (format_cents(first.granted), format_cents(first.daily), first.locked, first.tier) == (
        "7500.00",
        "36.00",
        True,
        "junior",
    )
    second = ledger.purchase(Purchase("C", "o-u", 299_999), "buy-o-u")
    assert (format_cents(second.granted), second.locked, second.tier) == ("0.00", False, None)
    c = world.member("C")
    assert (c.locked, c.available, c.released, c.grant_seq) == (750_000, 0, 0, 1)
    assert [(g.seq, g.order, g.points, g.remaining, g.daily) for g in c.grants] == [
        (1, "o-t", 750_000, 750_000, 3_600)
    ]
    first_entry, second_entry = list(world.store.journal("C"))[-2:]
    assert postings_of(first_entry) == [
        (SYS, "issuance", -750_000),
        ("C", "locked", 750_000),
        (SYS, "sales", -300_000),
        (SYS, "platform", 300_000),
    ]
    assert postings_of(second_entry) == [(SYS, "sales", -299_999), (SYS, "platform", 299_999)]
    assert world.store.system_totals().circulating == 0
    assert_books_balance(world.state())


def test_purchase_rejections_change_nothing(world: World) -> None:
    """Given C holds 300 points after order o-1, A holds none
    When purchases break each rule in turn
    Then each is refused with its code (first fault wins) and nothing is stored."""
    _funded(world)
    ledger = world.ledger
    cases = [
        (Purchase("Z", "o-z", 1_000), "unknown_member"),
        (Purchase("Z", "o-1", 1_000), "unknown_member"),
        (Purchase("C", "o-1", 1_000), "duplicate_order"),
        (Purchase("C", "o-1", 1_000, points=999_999), "duplicate_order"),
        (Purchase("C", "o-3", 10_000, points=5_001), "deduction_limit"),
        (Purchase("A", "o-4", 100_000, points=100), "insufficient_points"),
    ]
    for number, (event, code) in enumerate(cases):
        assert world.rejected(ledger.purchase, event, f"bad-{number}") == code, event
    plain = world.with_plan(NO_DEDUCTION)
    assert world.rejected(plain.purchase, Purchase("C", "o-5", 10_000, 100), "bad-x") == (
        "deduction_limit"
    )
    ledger.set_frozen("C", True, "freeze-C", operator="ops")
    assert world.rejected(ledger.purchase, Purchase("C", "o-6", 10_000, 100), "bad-y") == "frozen"
    assert (
        world.rejected(ledger.purchase, Purchase("C", "o-6", 10_000, 5_001), "bad-z")
        == "deduction_limit"
    )
    assert_books_balance(world.state())


def test_duplicate_order_with_the_same_key_returns_the_first_result(world: World) -> None:
    """Given order o-1 was recorded under key buy-o-1
    When the same order arrives again with the same key (a redelivery), even with
    different figures
    Then the first result comes back and not one stored item changes."""
    first = _funded(world)
    world.replayed(first, world.ledger.purchase, Purchase("C", "o-1", 100_000), "buy-o-1")
    world.replayed(first, world.ledger.purchase, Purchase("C", "o-1", 5), "buy-o-1")


def test_frozen_member_may_still_buy_with_cash(world: World) -> None:
    """Given C is frozen
    When C pays an order entirely in cash
    Then it goes through: freezing stops spending points, not buying."""
    world.ledger.set_frozen("C", True, "freeze-C", operator="ops")
    result = _funded(world)
    assert format_cents(result.granted) == "300.00"
    assert world.member("C").available == 30_000
    assert_books_balance(world.state())


# -- transfer -------------------------------------------------------------------------


def test_transfer_moves_available_points_without_fee(world: World) -> None:
    """Given C holds 300 points
    When C sends 120.50 to A
    Then C has 179.50, A 120.50, circulating is unchanged, both counters move and
    the entry sits in the sender's journal only."""
    _funded(world)
    result = world.ledger.transfer(Transfer("C", "A", 12_050), "send-1")
    assert shown(result) == {"from": "C", "to": "A", "points": "120.50"}
    c, a = world.member("C"), world.member("A")
    assert (c.available, c.transferred_out, a.available, a.transferred_in) == (
        17_950,
        12_050,
        12_050,
        12_050,
    )
    assert world.store.system_totals().circulating == 30_000
    entry = journal_tail(world.store, "C")
    assert (entry.kind, entry.event_key) == ("transfer", "send-1")
    assert postings_of(entry) == [("C", "available", -12_050), ("A", "available", 12_050)]
    assert journal_tail(world.store, "A").kind == "join"
    world.replayed(result, world.ledger.transfer, Transfer("C", "A", 12_050), "send-1")
    assert_books_balance(world.state())


def test_transfer_rejections_change_nothing(world: World) -> None:
    """Given C holds 300 points
    When transfers name unknown members, overdraw, or come from a frozen sender
    Then unknown_member, insufficient_points and frozen (frozen before insufficient);
    a frozen member may still receive; sending to oneself is an invalid event."""
    _funded(world)
    ledger = world.ledger
    assert world.rejected(ledger.transfer, Transfer("C", "C", 100), "t-0") == "invalid_event"
    assert world.rejected(ledger.transfer, Transfer("Z", "A", 100), "t-1") == "unknown_member"
    assert world.rejected(ledger.transfer, Transfer("C", "Z", 100), "t-2") == "unknown_member"
    assert (
        world.rejected(ledger.transfer, Transfer("C", "A", 30_001), "t-3") == "insufficient_points"
    )
    ledger.set_frozen("C", True, "freeze-C", operator="ops")
    assert world.rejected(ledger.transfer, Transfer("C", "A", 100), "t-4") == "frozen"
    assert world.rejected(ledger.transfer, Transfer("C", "A", 30_001), "t-5") == "frozen"
    ledger.set_frozen("C", False, "unfreeze-C", operator="ops")
    ledger.set_frozen("A", True, "freeze-A", operator="ops")
    ledger.transfer(Transfer("C", "A", 100), "t-6")
    assert world.member("A").available == 100
    assert_books_balance(world.state())


# -- withdrawals ----------------------------------------------------------------------


def _requested(world: World, points: int = 10_000, key: str = "w-1") -> WithdrawalResult:
    """C (300 points; reserve 90 → price 0.30) asks to withdraw ``points``."""
    _funded(world)
    return world.ledger.request_withdrawal(Withdraw("C", points), key)


def test_withdrawal_request_holds_points_and_sets_cash_aside(world: World) -> None:
    """Given C holds 300 points at price 0.30
    When C asks to withdraw 100
    Then gross 30.00, fee 20% = 6.00, net 24.00: the points move to withdrawing,
    the net leaves the reserve into C's payable account, and the request waits in
    the pending queue."""
    result = _requested(world)
    request_id = request_id_for("w-1")
    assert shown(result) == {
        "request_id": request_id,
        "member": "C",
        "points": "100.00",
        "gross": "30.00",
        "net": "24.00",
        "fee": "6.00",
        "status": "pending",
    }
    c = world.member("C")
    assert (c.available, c.withdrawing, c.payable) == (20_000, 10_000, 2_400)
    totals = world.store.system_totals()
    assert (totals.reserve, totals.circulating, totals.burned) == (6_600, 20_000, 0)
    entry = journal_tail(world.store, "C")
    assert (entry.kind, entry.event_key) == ("withdrawal_requested", "w-1")
    assert postings_of(entry) == [
        ("C", "available", -10_000),
        ("C", "withdrawing", 10_000),
        (SYS, "reserve", -2_400),
        ("C", "payable", 2_400),
    ]
    assert [record.request_id for record in world.store.withdrawals("pending")] == [request_id]
    world.replayed(result, world.ledger.request_withdrawal, Withdraw("C", 10_000), "w-1")
    assert_books_balance(world.state())


def test_rejecting_a_withdrawal_restores_everything_exactly(world: World) -> None:
    """Given C's pending request for 100 points
    When an operator rejects it
    Then balances and platform totals are exactly as before the request, the reject
    entry undoes the request's postings, and the decision records who and why."""
    _funded(world)
    before = world.state()
    world.ledger.request_withdrawal(Withdraw("C", 10_000), "w-1")
    request_id = request_id_for("w-1")
    result = world.ledger.decide_withdrawal(
        request_id, approve=False, operator="ops-1", reason="suspicious"
    )
    assert result.status == "rejected"
    after = world.state()
    balances = ("available", "withdrawing", "payable", "commission", "locked")
    assert {k: after.member("C")[k] for k in balances} == {
        k: before.member("C")[k] for k in balances
    }
    assert after.totals == before.totals
    request, reject = list(world.store.journal("C"))[-2:]
    assert postings_of(reject) == [
        ("C", "withdrawing", -10_000),
        ("C", "available", 10_000),
        ("C", "payable", -2_400),
        (SYS, "reserve", 2_400),
    ]
    assert sorted((o, b, -a) for o, b, a in postings_of(request)) == sorted(postings_of(reject))
    assert (reject.kind, details_of(reject)["operator"], details_of(reject)["reason"]) == (
        "withdrawal_rejected",
        "ops-1",
        "suspicious",
    )
    record = world.store.get_withdrawal(request_id)
    assert record is not None
    assert (record.status, record.decided_by, record.reason) == ("rejected", "ops-1", "suspicious")
    world.replayed(
        result, world.ledger.decide_withdrawal, request_id, approve=False, operator="ops-2"
    )
    assert_books_balance(after)


def test_approving_burns_the_points_and_paying_clears_the_cash(world: World) -> None:
    """Given C's pending request (100 points, net 24.00, fee 6.00)
    When an operator approves it, approves again, then marks it paid (twice)
    Then approval burns the held points and books the fee, the second approval
    changes nothing, and payment moves the 24.00 from payable to paid out once."""
    _requested(world)
    request_id = request_id_for("w-1")
    approved = world.ledger.decide_withdrawal(request_id, approve=True, operator="ops-1")
    assert approved.status == "approved"
    c = world.member("C")
    assert (c.available, c.withdrawing, c.payable) == (20_000, 0, 2_400)
    assert (c.withdrawn_points, c.withdrawn_cash) == (10_000, 2_400)
    totals = world.store.system_totals()
    assert (totals.burned, totals.fees, totals.reserve, totals.circulating) == (
        10_000,
        600,
        6_600,
        20_000,
    )
    entry = journal_tail(world.store, "C")
    assert (entry.kind, details_of(entry)["operator"]) == ("withdrawal_approved", "ops-1")
    assert postings_of(entry) == [("C", "withdrawing", -10_000), (SYS, "burned", 10_000)]
    world.replayed(
        approved, world.ledger.decide_withdrawal, request_id, approve=True, operator="ops-2"
    )

    paid = world.ledger.mark_paid(request_id, operator="ops-1", reference="bank-77")
    assert paid.status == "paid"
    c = world.member("C")
    assert c.payable == 0
    assert world.store.system_totals().paid_out == 2_400
    entry = journal_tail(world.store, "C")
    assert (entry.kind, details_of(entry)["reference"]) == ("withdrawal_paid", "bank-77")
    assert postings_of(entry) == [("C", "payable", -2_400), (SYS, "paid_out", 2_400)]
    world.replayed(paid, world.ledger.mark_paid, request_id, operator="ops-2", reference="x")
    assert_books_balance(world.state())


def test_decisions_out_of_order_are_refused(world: World) -> None:
    """Given one rejected and one approved request, and an unknown id
    When operators approve the rejected one, reject the approved one, pay the
    rejected or a pending one, or decide an id that does not exist
    Then not_pending and not_found, and nothing changes."""
    _funded(world)
    ledger = world.ledger
    ledger.request_withdrawal(Withdraw("C", 1_000), "w-1")
    ledger.request_withdrawal(Withdraw("C", 2_000), "w-2")
    ledger.request_withdrawal(Withdraw("C", 3_000), "w-3")
    first, second, third = (request_id_for(key) for key in ("w-1", "w-2", "w-3"))
    ledger.decide_withdrawal(first, approve=False, operator="ops")
    ledger.decide_withdrawal(second, approve=True, operator="ops")
    decide, pay = ledger.decide_withdrawal, ledger.mark_paid
    assert world.rejected(decide, first, approve=True, operator="ops") == "not_pending"
    assert world.rejected(decide, second, approve=False, operator="ops") == "not_pending"
    assert world.rejected(pay, first, operator="ops", reference="r") == "not_pending"
    assert world.rejected(pay, third, operator="ops", reference="r") == "not_pending"
    assert world.rejected(decide, "no-such-id", approve=True, operator="ops") == "not_found"
    assert world.rejected(pay, "no-such-id", operator="ops", reference="r") == "not_found"
    ledger.mark_paid(second, operator="ops", reference="r")
    assert world.rejected(decide, second, approve=False, operator="ops") == "not_pending"
    assert [r.request_id for r in world.store.withdrawals("pending")] == [third]
    assert_books_balance(world.state())


def test_withdrawal_rejections_in_rule_order(world: World) -> None:
    """Given C holds 300 points (minimum withdrawal 1.00)
    When withdrawals name an unknown member, ask too much, too little, or come from a
    frozen member
    Then unknown_member, insufficient_points, below_minimum, frozen (frozen first)."""
    _funded(world)
    ledger = world.ledger
    withdraw = ledger.request_withdrawal
    assert world.rejected(withdraw, Withdraw("Z", 1_000), "w-1") == "unknown_member"
    assert world.rejected(withdraw, Withdraw("C", 30_001), "w-2") == "insufficient_points"
    assert world.rejected(withdraw, Withdraw("A", 50), "w-3") == "insufficient_points"
    assert world.rejected(withdraw, Withdraw("C", 99), "w-4") == "below_minimum"
    ledger.set_frozen("C", True, "freeze-C", operator="ops")
    assert world.rejected(withdraw, Withdraw("C", 1_000), "w-5") == "frozen"
    assert world.rejected(withdraw, Withdraw("C", 99), "w-6") == "frozen"
    assert_books_balance(world.state())


# -- operator actions -------------------------------------------------------------------


def test_freeze_blocks_withdraw_transfer_and_spend_until_unfrozen(world: World) -> None:
    """Given C holds 300 points
    When an operator freezes C
    Then withdrawing, sending and paying with points are refused as frozen, the
    freeze is journaled with its operator; after unfreezing all three work again."""
    _funded(world)
    ledger = world.ledger
    assert shown(ledger.set_frozen("C", True, "freeze-C", operator="ops-9")) == {
        "member": "C",
        "frozen": True,
    }
    assert world.member("C").frozen is True
    entry = journal_tail(world.store, "C")
    assert (entry.kind, details_of(entry)["operator"], postings_of(entry)) == (
        "freeze",
        "ops-9",
        [],
    )
    assert world.rejected(ledger.request_withdrawal, Withdraw("C", 1_000), "w") == "frozen"
    assert world.rejected(ledger.transfer, Transfer("C", "A", 1_000), "t") == "frozen"
    assert world.rejected(ledger.purchase, Purchase("C", "o-2", 4_000, 1_000), "p") == "frozen"
    ledger.set_frozen("C", False, "unfreeze-C", operator="ops-9")
    assert journal_tail(world.store, "C").kind == "unfreeze"
    ledger.request_withdrawal(Withdraw("C", 1_000), "w")
    ledger.transfer(Transfer("C", "A", 1_000), "t")
    ledger.purchase(Purchase("C", "o-2", 4_000, 1_000), "p")
    c = world.member("C")
    assert (c.frozen, c.available, c.withdrawing, c.spent) == (False, 27_900, 1_000, 1_000)
    assert world.rejected(ledger.set_frozen, "Z", True, "freeze-Z", operator="ops") == (
        "unknown_member"
    )
    assert_books_balance(world.state())


def test_adjustment_needs_a_reason_and_is_journaled_with_its_operator(world: World) -> None:
    """Given A holds no points
    When an operator adjusts without a reason, then credits 50.00 and debits 20.00
    with reasons, and tries to debit more than A holds
    Then the reasonless and the overdrawing adjustments are refused; the others move
    available against issuance / burned, count in ``adjusted`` and name operator
    and reason in the journal."""
    ledger = world.ledger
    adjust = ledger.adjust
    assert world.rejected(adjust, "A", 5_000, "", "adj-0", operator="ops") == "invalid_event"
    assert world.rejected(adjust, "A", 5_000, "   ", "adj-0", operator="ops") == "invalid_event"
    assert world.rejected(adjust, "Z", 5_000, "why", "adj-z", operator="ops") == "unknown_member"
    credit = adjust("A", 5_000, "goodwill for ticket 12", "adj-1", operator="ops-3")
    assert shown(credit) == {"member": "A", "delta": "50.00"}
    entry = journal_tail(world.store, "A")
    assert (entry.kind, entry.event_key) == ("adjustment", "adj-1")
    assert details_of(entry) == {
        "member": "A",
        "delta": "50.00",
        "reason": "goodwill for ticket 12",
        "operator": "ops-3",
    }
    assert postings_of(entry) == [(SYS, "issuance", -5_000), ("A", "available", 5_000)]
    world.replayed(credit, adjust, "A", 5_000, "goodwill for ticket 12", "adj-1", operator="x")
    debit = adjust("A", -2_000, "double credit", "adj-2", operator="ops-4")
    assert format_cents(debit.delta) == "-20.00"
    assert postings_of(journal_tail(world.store, "A")) == [
        ("A", "available", -2_000),
        (SYS, "burned", 2_000),
    ]
    assert (
        world.rejected(adjust, "A", -3_001, "too much", "adj-3", operator="ops")
        == "insufficient_points"
    )
    a = world.member("A")
    assert (a.available, a.adjusted) == (3_000, 3_000)
    totals = world.store.system_totals()
    assert (totals.issuance, totals.burned, totals.circulating) == (-5_000, 2_000, 3_000)
    assert_books_balance(world.state())


# -- stored results -------------------------------------------------------------------------


def test_stored_results_hold_integer_cents_and_replay_as_typed_results(world: World) -> None:
    """Given C bought 1000.00 (order o-1) and sent 120.50 points to A (key send-1)
    When the order's and the key's stored results are read, and both calls are retried
    Then the records hold integer cents, and each retry returns a result equal to the first."""
    bought = _funded(world)
    sent = world.ledger.transfer(Transfer("C", "A", 12_050), "send-1")
    stored = world.store.stored_result("send-1")
    assert stored is not None
    assert json.loads(stored) == {"from": "C", "to": "A", "points": 12_050}
    order = world.store.get_order("o-1")
    assert order is not None
    assert json.loads(order[1])["granted"] == 30_000
    assert json.loads(order[1])["commissions"] == [["B", 8_000], ["A", 2_000]]
    world.replayed(sent, world.ledger.transfer, Transfer("C", "A", 12_050), "send-1")
    world.replayed(bought, world.ledger.purchase, Purchase("C", "o-1", 100_000), "buy-o-1")


def test_a_key_first_used_by_another_kind_of_request_is_refused(world: World) -> None:
    """Given C was frozen with key op-1
    When an adjustment, then a transfer, arrive with the same key op-1
    Then each is refused as invalid_event and nothing changes."""
    world.ledger.set_frozen("C", True, "op-1", operator="ops")
    assert (
        world.rejected(world.ledger.adjust, "C", 100, "bonus", "op-1", operator="ops")
        == "invalid_event"
    )
    assert world.rejected(world.ledger.transfer, Transfer("A", "C", 100), "op-1") == "invalid_event"


def test_every_member_chain_is_intact_after_a_mixed_history(world: World) -> None:
    """Given a history touching every use case
    When the whole ledger is read back
    Then each member's journal is a gap-free hash chain whose postings add up to the
    stored balances (the same check every other case ends with, over more entries)."""
    ledger = world.ledger
    _funded(world)
    ledger.purchase(Purchase("B", "o-b", 50_000, category="digital"), "buy-o-b")
    ledger.transfer(Transfer("C", "B", 5_000), "t-1")
    ledger.request_withdrawal(Withdraw("B", 4_000), "w-1")
    ledger.decide_withdrawal(request_id_for("w-1"), approve=True, operator="ops")
    ledger.request_withdrawal(Withdraw("C", 4_000), "w-2")
    ledger.decide_withdrawal(request_id_for("w-2"), approve=False, operator="ops")
    ledger.adjust("A", 700, "bonus", "adj-1", operator="ops")
    ledger.purchase(Purchase("A", "o-a", 10_000, points=700), "buy-o-a")
    state = world.state()
    assert state.journal_counts == {"A": 3, "B": 4, "C": 5}
    assert_books_balance(state)
