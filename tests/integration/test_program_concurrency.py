"""The programs under concurrency on the embedded DynamoDB endpoint (issue 13).

Each thread drives its own :class:`Ledger` over its own store on the shared endpoint,
all released at once: redemptions of the last units of an item, and draws of many
members. The conditions on the program items (stock and count read, the draw counter
read) keep the stock from going below zero and give every draw its own number.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from functions.rewards.errors import Rejected
from functions.rewards.events import Join, Purchase
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger
from functions.services.verify import verify
from tests.support.books import assert_books_balance, ledger_state

from .ledger_state import Tables

PLAN = parse_plan(
    {
        "name": "programs",
        "grant": {"ratio": "1"},
        "lottery": {"cost": "10", "pool_rate": "0.10", "every": "3", "prize": "2"},
        "catalog": {},
    }
)
MEMBERS = [f"m{n}" for n in range(8)]
Outcome = tuple[str, Any]


def _table(tables: Tables) -> str:
    """Eight members with 100 points each; a cup listed with three in stock."""
    table = tables.create()
    ledger = Ledger(tables.store(table), PLAN)
    for name in MEMBERS:
        ledger.join(Join(name), f"join-{name}")
        ledger.purchase(Purchase(name, f"o-{name}", 10_000), f"o-{name}")
    ledger.list_item("cup", "Cup", 1_000, 3)
    return table


def _storm(tables: Tables, table: str, calls: list[Callable[[Ledger], Any]]) -> list[Outcome]:
    ledgers = [Ledger(tables.store(table), PLAN) for _ in calls]
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome] = [("unfinished", None)] * len(calls)

    def worker(position: int) -> None:
        barrier.wait()
        try:
            outcomes[position] = ("ok", calls[position](ledgers[position]))
        except Rejected as refused:
            outcomes[position] = (refused.code.value, None)
        except Exception as error:  # reported by the assertions
            outcomes[position] = ("error", repr(error))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _redeem(member: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.redeem(member, "cup", f"redeem-{member}")


def _draw(member: str) -> Callable[[Ledger], Any]:
    return lambda ledger: ledger.draw(member, f"draw-{member}")


def test_eight_redemptions_of_three_units_sell_three(tables: Tables) -> None:
    """Given a cup with three in stock and eight members able to pay for it
    When all eight redeem at once
    Then exactly three succeed, five are out_of_stock, the stock is 0 and the books balance."""
    table = _table(tables)

    outcomes = _storm(tables, table, [_redeem(name) for name in MEMBERS])

    assert Counter(code for code, _ in outcomes) == {"ok": 3, "out_of_stock": 5}
    store = tables.store(table)
    item = store.catalog_item("cup")
    assert item is not None
    assert (item.stock, item.redeemed) == (0, 3)
    numbers = sorted(result.number for code, result in outcomes if code == "ok")
    assert numbers == [1, 2, 3]
    assert_books_balance(ledger_state(store))
    assert verify(store).ok


def test_eight_draws_at_once_take_eight_numbers_and_pay_in_order(tables: Tables) -> None:
    """Given eight members and a lottery (every 3, prize 2, 1 of each 10 into the pool)
    When all eight draw at once
    Then the draws are numbered 1..8 and the entries the counter reached paid in order:
    the pool never went below zero and the books balance."""
    table = _table(tables)

    outcomes = _storm(tables, table, [_draw(name) for name in MEMBERS])

    assert [code for code, _ in outcomes] == ["ok"] * len(MEMBERS)
    entries = sorted(result.entry for _, result in outcomes)
    assert entries == list(range(1, len(MEMBERS) + 1))
    won = sorted(entry for _, result in outcomes for _, entry, _ in result.winners)
    assert won == list(range(1, len(won) + 1))
    store = tables.store(table)
    assert store.system_totals().lottery_pool == 8 * 100 - 200 * len(won)
    assert store.system_totals().lottery_pool >= 0
    assert_books_balance(ledger_state(store))
    assert verify(store).ok
