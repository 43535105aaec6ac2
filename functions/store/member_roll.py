"""The compute step's input as columns (issue 16): what ten million members cost to hold.

A :class:`MemberRecord` with its grants, strings and integers holds about 1,350 bytes in
CPython; ten million of them (12.6 GiB) do not fit the 10 GB of one Lambda beside the
engine's ~5.6 GB. The compute step reads only a dozen fields (``SETTLEMENT_ATTRIBUTES``),
most of them integers every member has, a few (stakes, staged grants, the gate's marks,
regional cash) held by few members. :class:`MemberRoll` keeps the common ones as packed
``array("q")`` columns and the rare ones in dictionaries by position: about 170 bytes a
member (``bench/load.py`` measures it).

A roll is built per roster shard (:class:`RollPart`, in the shard's join order, referrers
still by name) so shards can be read in separate processes; :func:`merge_parts` merges
them in join order and resolves referrers to positions.
"""

from __future__ import annotations

import heapq
import itertools
import sys
from array import array
from collections.abc import Iterable, Iterator, Mapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from functions.rewards.staking import Stake
from functions.rewards.tree import NO_PARENT

from .items import grant_records, number, optional_number, optional_text, text
from .program_records import stakes_of
from .records import GrantRecord
from .table import Value

Column = MutableSequence[int]
GateMarks = tuple[int, int, int | None]
"""``(gate_orders, gate_referrals, active_run)`` as the last gated run left them."""
GrantSlot = tuple[int, int, int]
"""``(seq, remaining, daily)`` of one grant."""


def _column(wide: bool) -> Column:
    """A packed column of 64-bit integers, or a list when some value does not fit."""
    return [] if wide else array("q")


class UnlistedReferrer(LookupError):
    """A listed member's referrer is not listed (the index lags behind a recent join)."""

    def __init__(self, members: Sequence[str]) -> None:
        super().__init__(f"referrers of {list(members)} are not listed yet; retry the run")
        self.members = tuple(members)


@dataclass(slots=True)
class RollPart:
    """One roster shard's members in join order; referrers still by name."""

    sort_keys: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    referrers: list[str | None] = field(default_factory=list)
    wide: bool = False
    personal_volume: Column = field(default_factory=lambda: _column(False))
    team_volume: Column = field(default_factory=lambda: _column(False))
    team_size: Column = field(default_factory=lambda: _column(False))
    orders: Column = field(default_factory=lambda: _column(False))
    grant_count: Column = field(default_factory=lambda: _column(False))
    grant_seq: Column = field(default_factory=lambda: _column(False))
    grant_remaining: Column = field(default_factory=lambda: _column(False))
    grant_daily: Column = field(default_factory=lambda: _column(False))
    levels: list[str | None] = field(default_factory=list)
    regions: list[str | None] = field(default_factory=list)
    staged: dict[int, tuple[GrantRecord, ...]] = field(default_factory=dict)
    gate: dict[int, GateMarks] = field(default_factory=dict)
    region_cash: dict[int, str] = field(default_factory=dict)
    stakes: dict[int, tuple[Stake, ...]] = field(default_factory=dict)
    outstanding: int = 0

    def __len__(self) -> int:
        return len(self.names)

    def add(self, sort_key: str, item: Mapping[str, Value]) -> None:
        """Append one member item (projected to ``SETTLEMENT_ATTRIBUTES`` or whole); a
        malformed item is refused (``ValueError``) before anything is appended."""
        name = text(item, "member")
        referrer = optional_text(item, "referrer")
        grants = grant_records(item)
        stakes = stakes_of(item.get("stakes"))
        row = (
            number(item, "personal_volume"),
            number(item, "team_volume"),
            number(item, "team_size"),
            number(item, "orders"),
            len(grants),
        )
        gate = (
            number(item, "gate_orders"),
            number(item, "gate_referrals"),
            optional_number(item, "active_run"),
        )
        outstanding = sum(number(item, balance) for balance in _OUTSTANDING)
        slots = [(grant.seq, grant.remaining, grant.daily) for grant in grants]
        try:
            self._append_numbers(row, slots)
        except OverflowError:  # an amount beyond 64 bits: this part keeps plain lists
            self._widen()
            self._append_numbers(row, slots)
        position = len(self.names)
        self.sort_keys.append(sort_key)
        self.names.append(name)
        self.referrers.append(referrer)
        self.levels.append(_shared(optional_text(item, "level")))
        self.regions.append(_shared(optional_text(item, "region")))
        if any(grant.schedule is not None for grant in grants):
            self.staged[position] = grants
        if gate != (0, 0, None):
            self.gate[position] = gate
        cash = optional_text(item, "region_cash")
        if cash:
            self.region_cash[position] = cash
        if stakes:
            self.stakes[position] = stakes
        self.outstanding += outstanding

    def _append_numbers(self, row: tuple[int, ...], slots: list[GrantSlot]) -> None:
        """Append the row's numbers, all or none (an overflow leaves the columns even)."""
        grant_at = len(self.grant_seq)
        columns = (
            self.personal_volume,
            self.team_volume,
            self.team_size,
            self.orders,
            self.grant_count,
        )
        try:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
            for seq, remaining, daily in slots:
                self.grant_seq.append(seq)
                self.grant_remaining.append(remaining)
                self.grant_daily.append(daily)
        except OverflowError:
            for column in columns:
                del column[len(self.names) :]
            for column in (self.grant_seq, self.grant_remaining, self.grant_daily):
                del column[grant_at:]
            raise

    def _widen(self) -> None:
        self.wide = True
        for name in _NUMBER_COLUMNS:
            setattr(self, name, list(getattr(self, name)))


_OUTSTANDING = ("available", "locked", "withdrawing", "staked", "spare")
"""The balances whose sum the issuance cap counts as outstanding points."""
_NUMBER_COLUMNS = (
    "personal_volume",
    "team_volume",
    "team_size",
    "orders",
    "grant_count",
    "grant_seq",
    "grant_remaining",
    "grant_daily",
)


def _shared(value: str | None) -> str | None:
    """One string object per level or region name, however many members carry it."""
    return None if value is None else sys.intern(value)


@dataclass(slots=True)
class MemberRoll:
    """Every listed member in join order, as the compute step reads them."""

    names: list[str]
    parents: Column
    """Position of each member's referrer (``NO_PARENT``: none)."""
    personal_volume: Column
    team_volume: Column
    team_size: Column
    orders: Column
    grant_start: Column
    """Member i's grants are ``grant_start[i]:grant_start[i + 1]`` of the grant columns."""
    grant_seq: Column
    grant_remaining: Column
    grant_daily: Column
    levels: list[str | None]
    regions: list[str | None]
    staged: dict[int, tuple[GrantRecord, ...]]
    """Whole grant records of members holding a staged grant (their stage counters)."""
    gate: dict[int, GateMarks]
    """Members whose gate marks are not all zero."""
    region_cash: dict[int, str]
    """``region_cash`` of members who have one (a JSON object of cash per region)."""
    stakes: dict[int, tuple[Stake, ...]]
    outstanding: int
    """Points outstanding over the roll: available + locked + withdrawing + staked + spare."""

    def __len__(self) -> int:
        return len(self.names)

    def grants(self, position: int) -> Iterator[GrantSlot]:
        """``(seq, remaining, daily)`` of the member's grants, in their stored order."""
        start, end = self.grant_start[position], self.grant_start[position + 1]
        return zip(
            self.grant_seq[start:end],
            self.grant_remaining[start:end],
            self.grant_daily[start:end],
            strict=True,
        )


class GrantBalances(Sequence[list[tuple[int, int]]]):
    """Each member's ``(remaining, daily)`` per grant, made as the engine reads them: the
    engine's input without a list of ten million lists beside the roll (~1.5 GB)."""

    def __init__(self, roll: MemberRoll) -> None:
        self._start = roll.grant_start
        self._remaining = roll.grant_remaining
        self._daily = roll.grant_daily

    def __len__(self) -> int:
        return len(self._start) - 1

    @overload
    def __getitem__(self, position: int) -> list[tuple[int, int]]: ...
    @overload
    def __getitem__(self, position: slice) -> list[list[tuple[int, int]]]: ...
    def __getitem__(
        self, position: int | slice
    ) -> list[tuple[int, int]] | list[list[tuple[int, int]]]:
        if isinstance(position, slice):
            return [self[index] for index in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        start, end = self._start[position], self._start[position + 1]
        return list(zip(self._remaining[start:end], self._daily[start:end], strict=True))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        remaining, daily = self._remaining, self._daily
        start = 0
        for end in itertools.islice(self._start, 1, None):
            if end == start:
                yield []
            elif end == start + 1:
                yield [(remaining[start], daily[start])]
            else:
                yield list(zip(remaining[start:end], daily[start:end], strict=True))
            start = end


def merge_parts(parts: Sequence[RollPart]) -> MemberRoll:
    """The shards' parts as one roll in join order (each part is in join order already).

    Raises :class:`UnlistedReferrer` when a member's referrer is not in any part.
    """
    order = list(
        heapq.merge(
            *(
                zip(part.sort_keys, itertools.repeat(index), range(len(part)), strict=False)
                for index, part in enumerate(parts)
            )
        )
    )
    wide = any(part.wide for part in parts)
    names = [parts[index].names[at] for _, index, at in order]
    position_of = {name: position for position, name in enumerate(names)}
    parents = _column(wide)
    unlisted: list[str] = []
    for _, index, at in order:
        referrer = parts[index].referrers[at]
        if referrer is None:
            parents.append(NO_PARENT)
        else:
            parent = position_of.get(referrer)
            if parent is None:
                unlisted.append(parts[index].names[at])
                parent = NO_PARENT
            parents.append(parent)
    del position_of
    if unlisted:
        raise UnlistedReferrer(unlisted[:5])

    def gathered(name: str) -> Column:
        column = _column(wide)
        columns: list[Sequence[int]] = [getattr(part, name) for part in parts]
        column.extend(columns[index][at] for _, index, at in order)
        return column

    starts = [_starts(part.grant_count) for part in parts]
    grant_start = _column(wide)
    grant_start.append(0)
    grant_columns = {
        name: _column(wide) for name in ("grant_seq", "grant_remaining", "grant_daily")
    }
    for _, index, at in order:
        start, end = starts[index][at], starts[index][at + 1]
        for name, column in grant_columns.items():
            column.extend(getattr(parts[index], name)[start:end])
        grant_start.append(len(grant_columns["grant_seq"]))
    position = {(index, at): merged for merged, (_, index, at) in _sparse_positions(order, parts)}
    return MemberRoll(
        names=names,
        parents=parents,
        personal_volume=gathered("personal_volume"),
        team_volume=gathered("team_volume"),
        team_size=gathered("team_size"),
        orders=gathered("orders"),
        grant_start=grant_start,
        grant_seq=grant_columns["grant_seq"],
        grant_remaining=grant_columns["grant_remaining"],
        grant_daily=grant_columns["grant_daily"],
        levels=[parts[index].levels[at] for _, index, at in order],
        regions=[parts[index].regions[at] for _, index, at in order],
        staged=_sparse(parts, position, "staged"),
        gate=_sparse(parts, position, "gate"),
        region_cash=_sparse(parts, position, "region_cash"),
        stakes=_sparse(parts, position, "stakes"),
        outstanding=sum(part.outstanding for part in parts),
    )


def _starts(counts: Sequence[int]) -> list[int]:
    starts = [0]
    for count in counts:
        starts.append(starts[-1] + count)
    return starts


def _sparse_positions(
    order: Sequence[tuple[str, int, int]], parts: Sequence[RollPart]
) -> Iterable[tuple[int, tuple[str, int, int]]]:
    """Merged positions of the members some part keeps in a sparse dictionary."""
    wanted = {
        (index, at)
        for index, part in enumerate(parts)
        for sparse in (part.staged, part.gate, part.region_cash, part.stakes)
        for at in sparse
    }
    if not wanted:
        return ()
    return ((merged, row) for merged, row in enumerate(order) if (row[1], row[2]) in wanted)


def _sparse(
    parts: Sequence[RollPart], position: Mapping[tuple[int, int], int], name: str
) -> dict[int, Any]:
    merged: dict[int, Any] = {}
    for index, part in enumerate(parts):
        for at, value in getattr(part, name).items():
            merged[position[(index, at)]] = value
    return dict(sorted(merged.items()))


def roll_of(items: Iterable[Mapping[str, Value]]) -> MemberRoll:
    """A roll of member items already in join order (tests, tools, small tables)."""
    part = RollPart()
    for position, item in enumerate(items):
        part.add(f"{position:020d}", item)
    return merge_parts([part])
