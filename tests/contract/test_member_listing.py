"""The member listing (issue 16): roster items in the index, member items out of it.

A member item is written by every settlement; while it carried the index keys, each of
those writes was written again to the index (one more write unit per member-day). The
listing is now a roster item per member, written at join and never updated; members
indexed by their own item (tables written before) are still listed, once, until
``migrate_roster`` moves them.
"""

from __future__ import annotations

import itertools

import pytest

from functions.rewards.events import Join
from functions.rewards.plan import load_plan_text
from functions.rewards.tree import NO_PARENT
from functions.services.ledger import Ledger
from functions.services.verify import verify
from functions.store import member_listing
from functions.store.items import member_key, roster_key
from functions.store.storage import Storage
from functions.store.table import Delete, Update

ONE = load_plan_text("name: one\ngrant: {ratio: '1'}")


def _joined(storage: Storage, names: list[tuple[str, str | None]]) -> Ledger:
    ledger = Ledger(storage.ledger, ONE, clock=itertools.count(1).__next__)
    for name, referrer in names:
        ledger.join(Join(name, referrer), f"join:{name}")
    return ledger


FAMILY = [("a", None), ("b", "a"), ("c", "a"), ("d", "c"), ("e", None)]


def test_a_joined_member_is_listed_by_its_roster_item_not_its_member_item(
    storage: Storage,
) -> None:
    """Given five members who joined through the service
    When the members are listed (whole, and for the settlement's projection)
    Then both listings give them once each in join order, every member item is out of
    the index (no gsi1 keys) and every roster item is in it."""
    _joined(storage, FAMILY)
    table = storage.ledger.table
    assert [m.member for m in storage.ledger.iter_members()] == list("abcde")
    roll = storage.ledger.settlement_roll()
    assert roll.names == list("abcde")
    assert list(roll.parents) == [NO_PARENT, 0, 0, 2, NO_PARENT]
    for name, _ in FAMILY:
        member = table.get(member_key(name))
        roster = table.get(roster_key(name))
        assert member is not None
        assert "gsi1pk" not in member
        assert roster is not None
        assert str(roster["gsi1pk"]).startswith("MEMBERS#")


def test_worker_processes_read_the_same_roll_as_this_process(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given 60 members in a tree, spread over the roster shards
    When the compute step's roll is read by this process, then by three worker processes
    (on DynamoDB each with its own client; the in-memory twin has no other process to
    read it, so it reads it here)
    Then both rolls are the same, column by column, in join order."""
    family = [(f"m{i:02d}", f"m{(i * 2) // 3:02d}" if i else None) for i in range(60)]
    _joined(storage, family)
    monkeypatch.setattr(member_listing, "PARALLEL_FROM", 0)  # fork even for 60 members
    alone = storage.ledger.settlement_roll(1)
    assert alone.names == [name for name, _ in family]
    assert storage.ledger.settlement_roll(3) == alone


def test_members_indexed_by_their_own_item_are_listed_once_and_migrated(
    storage: Storage,
) -> None:
    """Given members of which two are laid out as before issue 16 (the member item in the
    index, no roster item)
    When the members are listed, then migrated twice, then listed again
    Then every listing gives each member once in join order, the first migration moves
    exactly the two (the second none), and afterwards no member item is in the index."""
    _joined(storage, FAMILY)
    table = storage.ledger.table
    for name in ("b", "d"):  # the old layout: the member item carries the index keys
        roster = table.get(roster_key(name))
        assert roster is not None
        table.write(
            Update(member_key(name), set={"gsi1pk": roster["gsi1pk"], "gsi1sk": roster["gsi1sk"]})
        )
        table.write(Delete(roster_key(name)))
    assert [m.member for m in storage.ledger.iter_members()] == list("abcde")
    assert storage.ledger.settlement_roll().names == list("abcde")
    assert storage.ledger.migrate_roster() == 2
    assert storage.ledger.migrate_roster() == 0
    assert [m.member for m in storage.ledger.iter_members()] == list("abcde")
    for name, _ in FAMILY:
        member = table.get(member_key(name))
        assert member is not None
        assert "gsi1pk" not in member
        assert table.get(roster_key(name)) is not None


def test_a_member_dropped_from_the_listing_is_reported_by_verify(storage: Storage) -> None:
    """Given members who joined, one of whose roster item is then deleted (so no listing,
    and no settlement, would find them)
    When the ledger is verified
    Then the audit is not clean and names that member (its journal has no listed item)."""
    _joined(storage, FAMILY)
    assert verify(storage.ledger).ok
    storage.ledger.table.write(Delete(roster_key("c")))
    report = verify(storage.ledger)
    assert not report.ok
    assert any(mismatch.subject == "c" for mismatch in report.mismatches)
