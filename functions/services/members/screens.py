"""Read models for the member's screens: balance statement, team, journal history."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from functions.rewards.decisions import point_price
from functions.rewards.ledger import Bucket
from functions.rewards.money import Cents, mul_floor, parse_cents
from functions.store.journal import decode_postings
from functions.store.records import EntryKind, JournalEntry, MemberRecord

from .core import MembersCore

HISTORY_PAGE = 5
TEAM_NAMES_SHOWN = 10
SETTLEMENT_SEARCH_ENTRIES = 200
"""How far back in the journal the balance screen looks for the last settlement."""


@dataclass(frozen=True, slots=True)
class SettlementBreakdown:
    """Why the last settlement paid what it paid (RULES.md §4), in hundredths."""

    date: str
    static: Cents
    share: tuple[Cents, ...]
    team: Cents
    peer: Cents
    paid: Cents
    forfeited: Cents

    @property
    def released(self) -> Cents:
        return self.static + self.paid


@dataclass(frozen=True, slots=True)
class Statement:
    member: MemberRecord
    price: Fraction | None
    """Cash per point now (None: no price yet, reserve valuation with nothing circulating)."""
    last_settlement: SettlementBreakdown | None

    @property
    def price_cents(self) -> Cents | None:
        """The price shown, floored to 0.01 like the reports (withdrawals use the exact one)."""
        return None if self.price is None else mul_floor(100, self.price)

    @property
    def value(self) -> Cents | None:
        """What the available points are worth now, floored."""
        return None if self.price is None else mul_floor(self.member.available, self.price)


@dataclass(frozen=True, slots=True)
class Invitee:
    member: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class TeamView:
    member: MemberRecord
    direct: tuple[Invitee, ...]
    """The first invitees, in join order (at most :data:`TEAM_NAMES_SHOWN`)."""
    direct_count: int
    level: str | None
    next_level: str | None
    next_level_min: Cents | None
    to_next_level: Cents | None

    @property
    def progress_percent(self) -> int | None:
        if self.next_level_min is None or self.next_level_min <= 0:
            return None
        return min(100, self.member.team_volume * 100 // self.next_level_min)


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


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    newer: int | None
    """``before_seq`` of the next newer page, None on the newest."""
    older: int | None
    """``before_seq`` of the next older page, None on the oldest."""


class Screens(MembersCore):
    """The read models of :class:`~functions.services.members.Members`."""

    def statement(self, member: MemberRecord) -> Statement:
        return Statement(
            member, point_price(self.plan, self._pool()), self.last_settlement(member.member)
        )

    def last_settlement(self, member: str) -> SettlementBreakdown | None:
        """The newest ``settlement`` journal entry's breakdown.

        Settlement is daily, so it is nearly always among the newest entries: read a
        few first, then wider pages, and give up after :data:`SETTLEMENT_SEARCH_ENTRIES`.
        """
        before: int | None = None
        limit, searched = 4, 0
        while searched < SETTLEMENT_SEARCH_ENTRIES:
            page = self.store.journal_page(member, limit=limit, before_seq=before)
            for entry in page:
                if entry.kind == EntryKind.SETTLEMENT:
                    return _breakdown(json.loads(entry.details))
            if len(page) < limit or page[-1].seq <= 1:
                return None
            searched += len(page)
            before, limit = page[-1].seq, min(limit * 4, 64)
        return None

    def team(self, member: MemberRecord) -> TeamView:
        children = self.store.children(member.member)
        shown = children[:TEAM_NAMES_SHOWN]
        found = self.store.get_members(shown) if shown else {}
        direct = tuple(
            Invitee(name, found[name].display_name if name in found else None) for name in shown
        )
        levels = self.plan.levels
        index = self.plan.team.level_index(member.team_volume) if self.plan.team else -1
        following = levels[index + 1] if index + 1 < len(levels) else None
        return TeamView(
            member=member,
            direct=direct,
            direct_count=len(children),
            level=member.level or (levels[index].name if index >= 0 else None),
            next_level=following.name if following else None,
            next_level_min=following.min if following else None,
            to_next_level=following.min - member.team_volume if following else None,
        )

    def history(
        self, member: MemberRecord, *, before_seq: int | None = None, limit: int = HISTORY_PAGE
    ) -> HistoryPage:
        """One page of the member's journal, newest first (seqs are contiguous from 1)."""
        newest = member.journal_seq
        start = newest + 1 if before_seq is None else max(1, min(before_seq, newest + 1))
        page = self.store.journal_page(member.member, limit=limit, before_seq=start)
        entries = tuple(_history_entry(member.member, entry) for entry in page)
        oldest_shown = entries[-1].seq if entries else start
        return HistoryPage(
            entries=entries,
            newer=min(start + limit, newest + 1) if start <= newest else None,
            older=oldest_shown if oldest_shown > 1 else None,
        )


def _breakdown(details: dict[str, Any]) -> SettlementBreakdown:
    def cents(name: str) -> Cents:
        value = details.get(name, "0")
        return parse_cents(value) if isinstance(value, str) else 0

    share = details.get("share", [])
    return SettlementBreakdown(
        date=str(details.get("date", "")),
        static=cents("static"),
        share=tuple(parse_cents(part) for part in share if isinstance(part, str)),
        team=cents("team"),
        peer=cents("peer"),
        paid=cents("paid"),
        forfeited=cents("forfeited"),
    )


_KNOWN_KINDS = {kind.value: kind for kind in EntryKind}


def _history_entry(member: str, entry: JournalEntry) -> HistoryEntry:
    moved = {Bucket.AVAILABLE: 0, Bucket.LOCKED: 0, Bucket.WITHDRAWING: 0}
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
    )
