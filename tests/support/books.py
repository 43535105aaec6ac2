"""Checks on the books that hold for any storage adapter: state, balances, dumps.

* :func:`ledger_state` is the logical state (members, summed system totals, every
  journal); :func:`assert_books_balance` checks the double-entry invariants on it.
* :func:`normalized_dump` is every stored item, for "nothing changed" and "equals the
  clean run" checks; :func:`storage_dump` takes it from any table adapter.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from functions.rewards.ledger import SYSTEM, imbalance
from functions.rewards.plan import Plan
from functions.services.ledger import Ledger
from functions.store.commit import MEMBER_BUCKETS, SYSTEM_BUCKETS
from functions.store.journal import chain_breaks, decode_postings
from functions.store.keyring import Keyring
from functions.store.ports import LedgerPort
from functions.store.records import JournalEntry, SystemTotals
from functions.store.table import Item

VOLATILE = frozenset({"expires_at"})
"""Attributes derived from the wall clock (idempotency TTL): left out of dumps."""
RUN_ITEMS = ("PAGE#", "APPLIED#")
"""Settlement items keyed by their computation's random ``run_id``: ``<prefix><run_id>#<n>``."""


def no_sleep(_seconds: float) -> None:
    """Back-off that does not wait (fault-injection runs retry at once)."""


def constant_clock() -> int:
    """Every timestamp the same, so two runs of one history store identical items and hashes."""
    return 1_000


def ledger_for(store: LedgerPort, plan: Plan, *, clock: Callable[[], int] | None = None) -> Ledger:
    """A ledger on ``store``: sequence clock unless given, no back-off sleeps."""
    return Ledger(
        store, plan, clock=clock or itertools.count(1).__next__, sleep=no_sleep, max_attempts=12
    )


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {key: _replaced(inner, old, new) for key, inner in value.items()}
    if isinstance(value, list):
        return [_replaced(inner, old, new) for inner in value]
    if isinstance(value, str):
        return value.replace(old, new)
    return value


def normalized_dump(stored: Iterable[Item]) -> dict[str, Item]:
    """Every stored item by ``"<pk> <sk>"``, without wall-clock attributes.

    A settlement run's ``run_id`` is random, so it is written ``<run>`` wherever it
    appears; pages and markers of computations the run record no longer names (a
    crashed worker's, taken over with a new id) are inert by design and left out.
    The system-total shards are summed into one ``SYS TOTALS`` entry: which shard an
    amount lands on follows from keys that may hold a ``run_id``, and only the sums
    are the platform's accounts.
    """
    items = [
        {name: value for name, value in item.items() if name not in VOLATILE} for item in stored
    ]
    current = {
        str(item["pk"]): str(item["run_id"])
        for item in items
        if item["sk"] == "RUN" and "run_id" in item
    }
    dump: dict[str, Item] = {}
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        pk, sk = str(item["pk"]), str(item["sk"])
        if pk.startswith("SYS#") and sk == "TOTALS":
            for name, value in item.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[name] += value
            continue
        run_id = current.get(pk)
        if sk.startswith(RUN_ITEMS) and (run_id is None or sk.split("#")[1] != run_id):
            continue
        if run_id is not None:
            item = _replaced(item, run_id, "<run>")
            sk = str(item["sk"])
        dump[f"{pk} {sk}"] = item
    dump["SYS TOTALS"] = {name: total for name, total in totals.items() if total}
    return dict(sorted(dump.items()))


def storage_dump(table: Any) -> dict[str, Item]:
    """:func:`normalized_dump` of any table adapter (the in-memory twin or DynamoDB)."""
    return normalized_dump(table.dump_items())


@dataclass(frozen=True)
class LedgerState:
    """The ledger as the services see it."""

    members: tuple[dict[str, Any], ...]
    totals: SystemTotals
    journals: dict[str, tuple[JournalEntry, ...]]
    keyring: Keyring

    def member(self, name: str) -> dict[str, Any]:
        for record in self.members:
            if record["member"] == name:
                return record
        raise KeyError(name)

    @property
    def journal_counts(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in self.journals.items()}


def ledger_state(store: LedgerPort, names: Sequence[str] | None = None) -> LedgerState:
    """Members, summed system totals and every member's journal.

    Without ``names`` every member is listed in join order (the full GSI listing);
    with them, just those members are read (one batch read: cheaper for small cases).
    """
    if names is None:
        records = list(store.iter_members())
    else:
        found = store.get_members(names)
        records = [found[name] for name in names if name in found]
    # issue 13: the programs' balances (spare, staked) read like the other accounts
    members = tuple(
        {**asdict(record), "spare": record.spare, "staked": record.staked} for record in records
    )
    journals = {record["member"]: tuple(store.journal(record["member"])) for record in members}
    return LedgerState(members, store.system_totals(), journals, store.keyring)


def posted_balances(state: LedgerState) -> dict[tuple[str, str], int]:
    """Every account's balance as the sum of all journaled postings."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for entries in state.journals.values():
        for entry in entries:
            for posting in decode_postings(entry.postings):
                sums[(posting.owner, posting.bucket.value)] += posting.amount
    return sums


def assert_books_balance(state: LedgerState) -> None:
    """Double entry holds: every entry balances per asset, chains are intact, and every
    stored balance (member buckets, platform totals, circulating) is what the postings say."""
    for name, entries in state.journals.items():
        assert chain_breaks([asdict(entry) for entry in entries], state.keyring) == [], name
        for entry in entries:
            assert entry.member == name
            assert imbalance(decode_postings(entry.postings)) == {}, entry
    posted = posted_balances(state)
    for record in state.members:
        for bucket, attribute in MEMBER_BUCKETS.items():
            stored = record[attribute]
            assert stored >= 0, (record["member"], attribute, stored)
            assert stored == posted.get((record["member"], bucket.value), 0), (
                record["member"],
                attribute,
            )
        assert record["locked"] == sum(grant["remaining"] for grant in record["grants"])
    for bucket, attribute in SYSTEM_BUCKETS.items():
        assert getattr(state.totals, attribute) == posted.get((SYSTEM, bucket.value), 0), attribute
    assert state.totals.circulating == sum(record["available"] for record in state.members)
    member_names = {record["member"] for record in state.members}
    assert {owner for owner, _ in posted} <= member_names | {SYSTEM}


def journal_tail(store: LedgerPort, member: str) -> JournalEntry:
    """The newest journal entry of ``member``."""
    return next(store.journal(member, newest_first=True))


def postings_of(entry: JournalEntry) -> list[tuple[str, str, int]]:
    return [(p.owner, p.bucket.value, p.amount) for p in decode_postings(entry.postings)]


def details_of(entry: JournalEntry) -> dict[str, Any]:
    details: dict[str, Any] = json.loads(entry.details)
    return details
