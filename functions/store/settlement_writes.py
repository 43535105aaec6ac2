"""A settled member-day in two plain writes: the member's ``UpdateItem``, then its journal
entry in a ``BatchWriteItem`` of the page's entries (docs/storage.md, "Settlement writes").

Why not one transaction per member: a transaction bills every item twice (2 + 2 write
units) and is one request per member. Here the member item is updated alone, under the
same conditions the transaction had (exists, ``version``, ``settled_seq < run_seq``, the
``locked`` guard) and it **reserves** the entry's slot: it sets ``journal_seq``/
``journal_head`` to the new entry and records how to rebuild it byte for byte
(``settled_entry``: its seq, ``settled_at``: its time, ``settled_key``: the chain key id).
The entries are then put unconditionally, 25 per request: no other writer can use the
slot, because every journal writer checks the member's version, which the update moved.

A crash (or a lost answer) between the update and the put leaves the member pointing at a
missing entry. Before a page's applied marker is written, every member of the page found
already settled by this run gets its entry rebuilt from the page's result and those three
attributes (:meth:`SettlementWrites.restore_settlement_entries`); the rebuilt MAC must
equal the chain's link to it (the member's head, or the next entry's ``prev_hash``), or
nothing is written. So a page is marked applied only when all its entries exist.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from .commit import Commit
from .errors import ConflictError, UnavailableError
from .items import journal_key, member_key
from .keyring import Keyring
from .records import JournalEntry, MemberRecord
from .table import ConditionFailed, Item, Put, Table, Unavailable, Update, Value
from .transaction import Built, build

SETTLED_ENTRY = "settled_entry"
SETTLED_AT = "settled_at"
SETTLED_KEY = "settled_key"


class EntryMismatchError(RuntimeError):
    """A rebuilt settlement entry does not hash to the chain's link: nothing is written."""


def _split(built: Built) -> tuple[JournalEntry, Put, Update] | None:
    """The entry, its journal ``Put`` and the member ``Update`` of a built settlement
    commit; None when it writes more than those two (a platform account: pool payouts, a
    repaid debt), which then stays one transaction."""
    entry, items, _token = built
    journal, member = items if len(items) == 2 else (None, None)
    if not isinstance(journal, Put) or not isinstance(member, Update):
        return None
    marks: dict[str, Value] = {
        SETTLED_ENTRY: entry.seq,
        SETTLED_AT: entry.at,
        SETTLED_KEY: entry.key_id,
    }
    return entry, journal, dataclasses.replace(member, set={**member.set, **marks})


class SettlementWrites:
    """The settlement part of the ledger store's writes (a mixin over ``self.table``;
    the store's constructor calls :meth:`_init_settlement_writes`)."""

    def _init_settlement_writes(self) -> None:
        self._pending_entries = threading.local()

    table: Table
    _pending_entries: threading.local

    @property
    def keyring(self) -> Keyring:
        raise NotImplementedError

    def settle_member(self, change: Commit, built: Built) -> JournalEntry | None:
        """Update the member (conditions as in the transaction) and queue its entry;
        None (nothing written) when the commit, as ``built``, also writes a platform
        account (the caller then sends ``built`` as one transaction).

        A failed condition is a :class:`ConflictError`: the caller re-reads the member,
        and finds it settled (its entry then restored) or tries again.
        """
        split = _split(built)
        if split is None:
            return None
        entry, journal, member = split
        try:
            self.table.write(member)
        except ConditionFailed as exc:
            raise ConflictError(f"member {change.chain.member} changed or is settled") from exc
        except Unavailable as exc:
            raise UnavailableError(str(exc)) from exc
        self._pending().append(journal.item)
        return entry

    def _pending(self) -> list[Item]:
        """This thread's queued entries: a page is applied by one thread from its first
        update to its marker, so two pages applied at once in one process never see, or
        discard, each other's entries."""
        queued: list[Item] | None = getattr(self._pending_entries, "items", None)
        if queued is None:
            queued = []
            self._pending_entries.items = queued
        return queued

    def discard_settlement_entries(self) -> None:
        """Forget entries queued by an earlier, failed page (their rebuild restores them)."""
        self._pending().clear()

    def flush_settlement_entries(self) -> int:
        """Put the queued entries (``BatchWriteItem``, 25 a request); how many were put."""
        pending = self._pending()
        items = list(pending)
        if items:
            try:
                self.table.batch_put(items)
            except Unavailable as exc:
                raise UnavailableError(f"settlement entries not written: {exc}") from exc
        pending.clear()
        return len(items)

    def restore_settlement_entries(self, changes: Sequence[Commit]) -> int:
        """Rebuild and put the missing entries of members this run already settled.

        ``changes`` are the settlement commits the run would make for them now (built on
        their current records); each entry is rebuilt at the seq, time and key the
        member's update recorded, and put only if its MAC equals the chain's link to it.
        Returns how many entries were missing (and are now written).
        """
        if not changes:
            return 0
        by_member = {change.chain.member: change for change in changes}
        stored = {str(item["member"]): item for item in self.table.batch_get(
            [member_key(member) for member in by_member]
        )}  # fmt: skip
        wanted: dict[str, int] = {}
        for member, item in stored.items():
            seq = item.get(SETTLED_ENTRY)
            if isinstance(seq, int):
                wanted[member] = seq
        present = {
            str(item["member"])
            for item in self.table.batch_get(
                [journal_key(member, seq) for member, seq in wanted.items()]
            )
        }
        missing = {member: seq for member, seq in wanted.items() if member not in present}
        if not missing:
            return 0
        neighbours = {
            (str(item["member"]), int(str(item["seq"]))): item
            for item in self.table.batch_get(
                [journal_key(member, seq - 1) for member, seq in missing.items()]
                + [
                    journal_key(member, seq + 1)
                    for member, seq in missing.items()
                    if _number(stored[member], "journal_seq") > seq
                ]
            )
        }
        rebuilt: list[Item] = []
        for member, seq in missing.items():
            item = stored[member]
            previous = neighbours.get((member, seq - 1))
            if previous is None:
                raise EntryMismatchError(f"{member}: entry {seq - 1} before the settlement is gone")
            if _number(item, "journal_seq") == seq:
                link = str(item["journal_head"])
            else:
                following = neighbours.get((member, seq + 1))
                if following is None:
                    raise EntryMismatchError(f"{member}: entry {seq + 1} after the gap is gone")
                link = str(following["prev_hash"])
            key_id = str(item[SETTLED_KEY])
            key = self.keyring.key(key_id)
            if key is None:
                raise EntryMismatchError(f"{member}: chain key {key_id} is not in the keyring")
            change = by_member[member]
            chain = change.chain
            assert isinstance(chain, MemberRecord), "settlement commits chain on a member"
            at_slot = dataclasses.replace(
                chain, journal_seq=seq - 1, journal_head=str(previous["hash"])
            )
            again = dataclasses.replace(change, chain=at_slot, at=_number(item, SETTLED_AT))
            split = _split(build(again, Keyring.of({key_id: key}, key_id)))
            if split is None or split[1].item["hash"] != link:
                raise EntryMismatchError(
                    f"{member}: the rebuilt settlement entry {seq} does not match its chain"
                )
            rebuilt.append(split[1].item)
        try:
            self.table.batch_put(rebuilt)
        except Unavailable as exc:
            raise UnavailableError(f"settlement entries not restored: {exc}") from exc
        return len(rebuilt)


def _number(item: Item, name: str) -> int:
    value = item.get(name)
    if not isinstance(value, int):
        raise EntryMismatchError(f"{name} is not a number on {item.get('pk')!r}")
    return value
