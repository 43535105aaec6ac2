"""Read models for the member's screens: balance statement, team, journal history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from functions.rewards.decisions import point_price
from functions.rewards.money import Cents, mul_floor, parse_cents
from functions.store.records import EntryKind, MemberRecord

from .core import MembersCore

TEAM_NAMES_SHOWN = 10
SECOND_GENERATION_COUNTED = 30
"""Up to this many direct invitees, the team screen counts their invitees (one query each)."""
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
    """A direct invitee as the team screen shows them (no phone, no balances)."""

    member: str
    display_name: str | None
    joined_at: int = 0
    bought: Cents = 0
    """What they bought in cash (their personal volume): their own contribution to the
    team volume."""
    invited: int = 0
    """Their own direct invitees (the member's second generation through them)."""


@dataclass(frozen=True, slots=True)
class TeamView:
    member: MemberRecord
    direct: tuple[Invitee, ...]
    """The first invitees, in join order (at most :data:`TEAM_NAMES_SHOWN`)."""
    direct_count: int
    second_generation: int | None
    """Members the direct invitees invited (live); None when there are too many direct
    invitees to count on a screen (:data:`SECOND_GENERATION_COUNTED`)."""
    level: str | None
    next_level: str | None
    next_level_min: Cents | None
    to_next_level: Cents | None

    @property
    def progress_percent(self) -> int | None:
        if self.next_level_min is None or self.next_level_min <= 0:
            return None
        return min(100, self.member.team_volume * 100 // self.next_level_min)


class Screens(MembersCore):
    """The read models of :class:`~functions.services.members.Members`."""

    def statement(self, member: MemberRecord) -> Statement:
        return Statement(
            member, point_price(self.plan, self._pool()), self.last_settlement(member.member)
        )

    def price_cents(self) -> Cents | None:
        """Cash per point now, floored to a hundredth (None: no price yet)."""
        price = point_price(self.plan, self._pool())
        return None if price is None else mul_floor(100, price)

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
        """Direct invitees and their invitees live; team size, volume and level as of the
        last settlement (which computes them over the whole tree)."""
        children = self.store.children(member.member)
        shown = children[:TEAM_NAMES_SHOWN]
        found = self.store.get_members(shown) if shown else {}
        counted = children if len(children) <= SECOND_GENERATION_COUNTED else shown
        invited = {name: len(self.store.children(name)) for name in counted}
        direct = tuple(
            Invitee(
                name,
                found[name].display_name if name in found else None,
                found[name].joined_at if name in found else 0,
                found[name].personal_volume if name in found else 0,
                invited.get(name, 0),
            )
            for name in shown
        )
        levels = self.plan.levels
        index = self.plan.team.level_index(member.team_volume) if self.plan.team else -1
        following = levels[index + 1] if index + 1 < len(levels) else None
        return TeamView(
            member=member,
            direct=direct,
            direct_count=len(children),
            second_generation=sum(invited.values()) if counted is children else None,
            level=member.level or (levels[index].name if index >= 0 else None),
            next_level=following.name if following else None,
            next_level_min=following.min if following else None,
            to_next_level=following.min - member.team_volume if following else None,
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
