"""The history screen's read model: the member's own journal merged with its inbox.

A member's own entries (``J#``, in ``seq`` order) are only part of what moved its
balances: a transfer received or a commission is chained on the sender's or buyer's
journal and reaches this member as an ``IN#`` reference (docs/storage.md). A page
takes the newest of both streams by time; its cursor is a position in each stream
(``before_seq``, ``before_at``), so every page is a prefix of what is left of each
and nothing is shown twice or skipped, whatever the clocks did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from functions.rewards.ledger import Bucket
from functions.rewards.money import Cents
from functions.store.journal import decode_postings
from functions.store.records import EntryKind, InboxRef, JournalEntry, MemberRecord

from .core import MembersCore

HISTORY_PAGE = 5

_KNOWN_KINDS = {kind.value: kind for kind in EntryKind}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    kind: EntryKind | str
    """The entry's kind; a kind this code does not know stays the stored text."""
    at_us: int
    available: Cents
    locked: Cents
    withdrawing: Cents
    details: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    """The member whose journal holds the entry when it is another's (a transfer received,
    a commission on an invitee's purchase); None for the member's own entries."""
    commission: Cents = 0
    # issue 13: the programs' member balances (spend-only points, staked points)
    spare: Cents = 0
    staked: Cents = 0

    @property
    def counterparty(self) -> str | None:
        """The other member of a transfer or commission (member id), if any."""
        if self.source is not None:
            return self.source
        if self.kind == EntryKind.TRANSFER:
            recipient = self.details.get("to")
            return recipient if isinstance(recipient, str) else None
        return None


@dataclass(frozen=True, slots=True)
class HistoryCursor:
    """Where the next older page starts: own entries below ``before_seq``, references
    older than ``before_at`` (None: no bound yet)."""

    before_seq: int
    before_at: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    older: HistoryCursor | None
    """The next older page (None: this is the oldest)."""
    first: bool
    """Whether this is the newest page."""
    names: dict[str, str | None] = field(default_factory=dict)
    """Display names of the counterparties on the page (None: the member has none)."""


class History(MembersCore):
    """The history read model of :class:`~functions.services.members.Members`."""

    def history(
        self,
        member: MemberRecord,
        *,
        cursor: HistoryCursor | None = None,
        limit: int = HISTORY_PAGE,
    ) -> HistoryPage:
        """One page, newest first, of the member's own entries and the references to others'."""
        newest = member.journal_seq
        before_seq = newest + 1 if cursor is None else max(1, min(cursor.before_seq, newest + 1))
        before_at = None if cursor is None else cursor.before_at
        own = self.store.journal_page(member.member, limit=limit, before_seq=before_seq)
        refs = self.store.inbox_page(member.member, limit=limit + 1, before_at=before_at)
        entries, taken_own, taken_refs = _merge(member.member, own, refs, limit)
        if taken_refs:
            entries = self._with_details(entries, taken_refs)
        next_seq = own[taken_own - 1].seq if taken_own else before_seq
        next_at = taken_refs[-1].at if taken_refs else before_at
        more = next_seq > 1 or len(refs) > len(taken_refs)
        names = self._names({entry.counterparty for entry in entries} - {None})
        return HistoryPage(
            entries=tuple(entries),
            older=HistoryCursor(next_seq, next_at) if more and entries else None,
            first=cursor is None,
            names=names,
        )

    def _with_details(
        self, entries: list[HistoryEntry], refs: list[InboxRef]
    ) -> list[HistoryEntry]:
        """Fill in the details of referenced entries (one BatchGetItem for the page)."""
        found = {
            (entry.member, entry.seq): entry
            for entry in self.store.journal_entries([(ref.source, ref.seq) for ref in refs])
        }
        filled = []
        for item in entries:
            stored = found.get((item.source, item.seq)) if item.source is not None else None
            if stored is not None:
                details = json.loads(stored.details)
                item = replace(item, details=details if isinstance(details, dict) else {})
            filled.append(item)
        return filled

    def _names(self, members: set[str | None]) -> dict[str, str | None]:
        wanted = sorted(name for name in members if name is not None)
        found = self.store.get_members(wanted) if wanted else {}
        return {name: found[name].display_name if name in found else None for name in wanted}


def _merge(
    member: str, own: list[JournalEntry], refs: list[InboxRef], limit: int
) -> tuple[list[HistoryEntry], int, list[InboxRef]]:
    """The newest ``limit`` of both streams by time (references sharing the last one's
    microsecond come along, so a cursor by time never splits them)."""
    entries: list[HistoryEntry] = []
    i = j = 0
    while len(entries) < limit and (i < len(own) or j < len(refs)):
        take_own = j >= len(refs) or (i < len(own) and own[i].at >= refs[j].at)
        if take_own:
            entries.append(_own_entry(member, own[i]))
            i += 1
        else:
            entries.append(_ref_entry(refs[j]))
            j += 1
    while 0 < j < len(refs) and refs[j].at == refs[j - 1].at:
        entries.append(_ref_entry(refs[j]))
        j += 1
    return entries, i, refs[:j]


def _own_entry(member: str, entry: JournalEntry) -> HistoryEntry:
    moved = {Bucket.AVAILABLE: 0, Bucket.LOCKED: 0, Bucket.WITHDRAWING: 0, Bucket.COMMISSION: 0}
    moved |= {Bucket.SPARE: 0, Bucket.STAKED: 0}  # issue 13
    for posting in decode_postings(entry.postings):
        if posting.owner == member and posting.bucket in moved:
            moved[posting.bucket] += posting.amount
    details = json.loads(entry.details)
    return HistoryEntry(
        seq=entry.seq,
        kind=_KNOWN_KINDS.get(entry.kind, entry.kind),
        at_us=entry.at,
        available=moved[Bucket.AVAILABLE],
        locked=moved[Bucket.LOCKED],
        withdrawing=moved[Bucket.WITHDRAWING],
        details=details if isinstance(details, dict) else {},
        commission=moved[Bucket.COMMISSION],
        spare=moved[Bucket.SPARE],
        staked=moved[Bucket.STAKED],
    )


def _ref_entry(ref: InboxRef) -> HistoryEntry:
    return HistoryEntry(
        seq=ref.seq,
        kind=_KNOWN_KINDS.get(ref.kind, ref.kind),
        at_us=ref.at,
        available=ref.available,
        locked=ref.locked,
        withdrawing=ref.withdrawing,
        source=ref.source,
        commission=ref.commission,
    )
