"""Inbox references on the in-memory twin: an entry on one chain shows in every member it moved.

A transfer is chained on the sender's journal and a purchase on the buyer's, but the
recipient and the commission uplines must see them too (issue 10, bug 1). The store
puts one unchained ``IN#`` reference per other member the postings touch, in the
entry's own transaction; these cases pin what it holds and how it pages.
"""

from __future__ import annotations

import pytest

from functions.rewards.events import Join, Purchase, Transfer
from functions.rewards.plan import parse_plan
from functions.services.ledger import Ledger
from functions.services.verify import verify
from functions.store.records import InboxRef
from functions.store.storage import Storage, memory_storage
from tests.support.books import ledger_for

PLAN = parse_plan(
    {
        "name": "inbox",
        "grant": {"ratio": "0.30"},
        "commission": {"rates": [{"default": "0.08"}, {"default": "0.02"}]},
    }
)


@pytest.fixture
def world() -> tuple[Storage, Ledger]:
    """A ← B ← C (C referred by B, B by A) on a plan paying two generations of commission."""
    storage = memory_storage()
    ledger = ledger_for(storage.ledger, PLAN)
    for member, referrer in (("A", None), ("B", "A"), ("C", "B")):
        ledger.join(Join(member, referrer), f"join-{member}")
    return storage, ledger


def test_a_purchase_references_each_commission_upline(world: tuple[Storage, Ledger]) -> None:
    """Given A ← B ← C, when C buys 1000.00, then B and A each hold one reference to C's
    purchase entry with their own commission, and C (the chain) holds none."""
    storage, ledger = world
    ledger.purchase(Purchase("C", "o-1", 100_000), "buy-1")
    entry = next(storage.ledger.journal("C", newest_first=True))

    [b_ref] = storage.ledger.inbox_page("B", limit=5)
    [a_ref] = storage.ledger.inbox_page("A", limit=5)

    assert b_ref == InboxRef("B", entry.at, "C", entry.seq, "purchase", commission=8_000)
    assert a_ref == InboxRef("A", entry.at, "C", entry.seq, "purchase", commission=2_000)
    assert storage.ledger.inbox_page("C", limit=5) == []
    assert verify(storage.ledger).ok


def test_a_transfer_references_the_recipient(world: tuple[Storage, Ledger]) -> None:
    """Given C holds points, when C sends 12.50 to A, then A's reference names C's entry and
    the 12.50 A received; the entry it names is readable by position."""
    storage, ledger = world
    ledger.purchase(Purchase("C", "o-1", 100_000), "buy-1")
    ledger.transfer(Transfer("C", "A", 1_250), "send-1")

    newest = storage.ledger.inbox_page("A", limit=1)[0]

    assert (newest.source, newest.kind, newest.available) == ("C", "transfer", 1_250)
    [entry] = storage.ledger.journal_entries([(newest.source, newest.seq)])
    assert (entry.kind, entry.event_key) == ("transfer", "send-1")
    assert verify(storage.ledger).ok


def test_references_page_newest_first_by_time(world: tuple[Storage, Ledger]) -> None:
    """Given three purchases by C, when B's references are read two at a time, then the pages
    are newest first, do not overlap and end."""
    storage, ledger = world
    for number in range(3):
        ledger.purchase(Purchase("C", f"o-{number}", 10_000), f"buy-{number}")

    first = storage.ledger.inbox_page("B", limit=2)
    rest = storage.ledger.inbox_page("B", limit=2, before_at=first[-1].at)

    assert [ref.at for ref in first] == sorted((ref.at for ref in first), reverse=True)
    assert len(first) == 2
    assert len(rest) == 1
    assert rest[0].at < first[-1].at
