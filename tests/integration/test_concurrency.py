"""Many requests against one member at once: no overdraft, no double effect, books balance.

Each thread drives its own :class:`Ledger` over its own :class:`LedgerStore` on the
shared endpoint (the endpoint serves one request at a time, so requests interleave
at every read and write). The services read, decide and commit with a version
condition; a conflict reloads and decides again with real back-off.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from functions.rewards.errors import Rejected
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger, request_id_for
from functions.services.results import TransferResult
from functions.store.ledger_store import LedgerStore
from tests.support.books import assert_books_balance, ledger_state

from .ledger_state import Tables, table_dump

PLAN = parse_plan(
    {
        "name": "concurrency",
        "grant": {"ratio": "1"},
        "valuation": {"mode": "fixed", "price": "1"},
        "withdrawal": {"fee_rate": "0.10", "min_points": "0"},
    }
)
START = 10_000
"""A holds 100.00 points before the storm."""
REQUEST = 1_000
"""Every request moves 10.00 points: 24 of them ask for 240.00."""
RECIPIENTS = ("R0", "R1", "R2", "R3")
Outcome = tuple[str, Any]


def _funded_table(tables: Tables) -> str:
    """A holds START points; the recipients exist with nothing."""
    table = tables.create()
    ledger = Ledger(tables.store(table), PLAN)
    for name in ("A", *RECIPIENTS):
        ledger.join(Join(name), f"join-{name}")
    ledger.adjust("A", START, "opening balance", "adj-A", operator="ops")
    return table


def _storm(
    tables: Tables, table: str, calls: list[Callable[[Ledger], Any]], watch: list[int] | None = None
) -> list[Outcome]:
    """Run every call in its own thread (own store and ledger), all released at once.

    With ``watch``, one more thread samples A's stored available points meanwhile.
    """
    ledgers = [Ledger(tables.store(table), PLAN) for _ in calls]  # built before any thread
    watcher = tables.store(table)
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome] = [("unfinished", None)] * len(calls)
    done = threading.Event()

    def sample() -> None:
        while watch is not None and not done.wait(0.02):
            watch.append(_available(watcher, "A"))

    def worker(position: int) -> None:
        barrier.wait()
        try:
            outcomes[position] = ("ok", calls[position](ledgers[position]))
        except Rejected as refused:
            outcomes[position] = (refused.code.value, None)
        except Exception as error:  # reported by the assertions below
            outcomes[position] = ("error", repr(error))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(calls))]
    sampler = threading.Thread(target=sample)
    for thread in [sampler, *threads]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    sampler.join(timeout=10)
    assert not any(thread.is_alive() for thread in [sampler, *threads])
    return outcomes


def _available(store: LedgerStore, name: str) -> int:
    record = store.get_member(name)
    assert record is not None
    return record.available


def _withdraw(key: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.request_withdrawal(Withdraw("A", REQUEST), key)


def _transfer(key: str, recipient: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.transfer(Transfer("A", recipient, REQUEST), key)


def _buy(key: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.purchase(Purchase("R0", "o-1", 5_000), key)


def _join(key: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.join(Join("N", "R0"), key)


def test_parallel_withdrawals_and_transfers_never_overdraw(tables: Tables) -> None:
    """Given A holds 100.00 points
    When 12 withdrawals and 12 transfers of 10.00 each hit A at the same moment
    Then each succeeded, was refused for insufficient points, or gave up as busy;
    A's balance (sampled meanwhile) only fell and never went below zero, and A lost
    exactly what succeeded; every success is stored once (pending request or
    recipient credit); the journal balances; and replaying the successful keys
    afterwards changes nothing."""
    table = _funded_table(tables)
    keys = [f"w-{n}" for n in range(12)] + [f"t-{n}" for n in range(12)]
    calls = [_withdraw(key) for key in keys[:12]]
    calls += [_transfer(key, RECIPIENTS[n % 4]) for n, key in enumerate(keys[12:])]
    samples: list[int] = []
    outcomes = _storm(tables, table, calls, samples)

    codes = Counter(code for code, _ in outcomes)
    assert set(codes) <= {"ok", "insufficient_points", "busy"}, outcomes
    succeeded = [key for key, (code, _) in zip(keys, outcomes, strict=True) if code == "ok"]
    withdrawn = [key for key in succeeded if key.startswith("w-")]
    sent = [key for key in succeeded if key.startswith("t-")]
    assert 1 <= len(succeeded) <= START // REQUEST
    if codes["busy"] == 0:  # nobody gave up: every point was taken, no more
        assert len(succeeded) == START // REQUEST

    store = tables.store(table)
    a = store.get_member("A")
    assert a is not None
    assert len(samples) >= 3
    assert min(samples) >= 0
    assert samples == sorted(samples, reverse=True)  # A only ever lost points
    assert a.available == START - REQUEST * len(succeeded)
    assert (a.withdrawing, a.transferred_out) == (REQUEST * len(withdrawn), REQUEST * len(sent))
    pending = {record.request_id for record in store.withdrawals("pending", limit=100)}
    assert pending == {request_id_for(key) for key in withdrawn}
    received = dict.fromkeys(RECIPIENTS, 0)
    for key in sent:
        received[RECIPIENTS[int(key[2:]) % 4]] += REQUEST
    assert {name: _available(store, name) for name in RECIPIENTS} == received
    entries = [entry.event_key for entry in store.journal("A")]
    assert sorted(entries[2:]) == sorted(succeeded)
    state = ledger_state(store)
    assert_books_balance(state)

    before = table_dump(tables.client, table)
    replayer = Ledger(store, PLAN)
    by_key = dict(zip(keys, calls, strict=True))
    for key, (code, result) in zip(keys, outcomes, strict=True):
        if code == "ok":
            assert by_key[key](replayer) == result
    assert table_dump(tables.client, table) == before


def test_one_key_sent_from_many_threads_takes_effect_once(tables: Tables) -> None:
    """Given A holds 100.00 points
    When eight threads send the same transfer (same key) at once
    Then all eight get the same answer and 10.00 moved exactly once."""
    table = _funded_table(tables)
    outcomes = _storm(tables, table, [_transfer("t-same", "R0")] * 8)
    assert outcomes == [("ok", TransferResult("A", "R0", 10_00))] * 8
    store = tables.store(table)
    assert (_available(store, "A"), _available(store, "R0")) == (START - REQUEST, REQUEST)
    assert [entry.event_key for entry in store.journal("A")].count("t-same") == 1
    assert_books_balance(ledger_state(store))


def test_racing_orders_and_joins_are_recorded_once(tables: Tables) -> None:
    """Given R0 exists
    When six threads record order o-1 under six different keys, and six threads join
    the new member N under six different keys, all at once
    Then exactly one of each lands; the others are duplicate_order / duplicate_member."""
    table = _funded_table(tables)
    calls = [_buy(f"b-{n}") for n in range(6)] + [_join(f"j-{n}") for n in range(6)]
    outcomes = _storm(tables, table, calls)
    assert Counter(code for code, _ in outcomes[:6]) == {"ok": 1, "duplicate_order": 5}
    assert Counter(code for code, _ in outcomes[6:]) == {"ok": 1, "duplicate_member": 5}
    store = tables.store(table)
    r0 = store.get_member("R0")
    assert r0 is not None
    assert (r0.available, r0.personal_volume) == (5_000, 5_000)
    assert store.children("R0") == ["N"]
    assert_books_balance(ledger_state(store))
