"""Settlement's tree passes as array operations, one depth layer at a time (numpy).

The scalar passes of ``settlement.py`` visit members one by one in bottom-up order; at
ten million members that is most of a run. Here the members of one depth layer move
together: every member of a layer has all its descendants in deeper layers, so a layer
can be finished in a handful of array operations once the layer below it has been.
The rules are not restated: a narrow layer's members take the scalar pass's own step
(``team_walk.pass_member``), a wide layer takes the same transition written over all its
rows, and the tests hold these passes to the scalar ones on random trees and plans.
Every sum here fits a signed 64-bit integer: ``fits`` is checked first, and a run that
could leave that range takes the scalar passes.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from .money import Cents
from .team_walk import TeamRates, pass_member
from .tree import INT64_LIMIT, NO_PARENT, TreeError, bottom_up_order

Int64s = NDArray[np.int64]

NARROW_LAYER = 8
"""Layers with at most this many members are stepped member by member: one array
operation costs about as much as stepping eight members, and a 100,000-deep line is
100,000 layers of one."""


STEP_BLOCK = 1 << 16
"""Ranked rows stepped together: bounds the temporaries (rows × states) of a wide layer."""


def int64s(values: Sequence[int]) -> Int64s:
    """``values`` as a 64-bit array; an ``array('q')`` (the roll's columns) is not copied.

    Raises ``OverflowError`` for a value past 64 bits."""
    if isinstance(values, array) and values.typecode == "q":
        return np.frombuffer(values, dtype=np.int64)
    return np.fromiter(values, dtype=np.int64, count=len(values))


def fits(total: int, *factors: int) -> bool:
    """Whether ``total`` times the largest factor stays a 64-bit integer: then so does
    every partial sum of ``total``'s non-negative parts times any factor."""
    return max(total, 1) * max((1, *factors)) < INT64_LIMIT


def nonnegative_total(values: Int64s) -> int | None:
    """The exact sum of ``values``, or None if one is negative (no bound on partial sums)."""
    if not len(values):
        return 0
    if int(values.min()) < 0:
        return None
    if int(values.max()) * len(values) < INT64_LIMIT:
        return int(values.sum())
    exact: list[int] = values.tolist()
    return sum(exact)


@dataclass(frozen=True, slots=True)
class Layers:
    """Members grouped by depth: layer ``d`` is ``members[starts[d]:starts[d + 1]]``."""

    members: Int64s
    """Roots first; within a layer, in member order."""
    starts: list[int]
    slot: Int64s
    """Each referrer's place among its layer's referrers (members with an invitee), in
    member order; -1 for a member nobody joined under (nothing ever arrives at it)."""
    referrer_counts: list[int]
    """How many referrers each layer has."""

    @property
    def depth(self) -> int:
        return len(self.starts) - 1

    def width(self, depth: int) -> int:
        return self.starts[depth + 1] - self.starts[depth]


def layers_of(parents: Int64s) -> Layers:
    """Group the forest's members by depth; a cycle or an unknown parent is a ``TreeError``.

    Depth is found by pointer doubling (about log2 of the deepest line rounds of array
    gathers), never by walking a member's ancestors one by one.
    """
    n = len(parents)
    if not n:
        return Layers(members=parents[:0], starts=[0], slot=parents[:0], referrer_counts=[])
    numbered = np.arange(n, dtype=np.int64)
    if not bool(np.all((parents >= NO_PARENT) & (parents < numbered))):
        bottom_up_order(parents.tolist())  # not in join order: validates, or raises TreeError
    jump = np.where(parents == NO_PARENT, n, parents)
    jump = np.append(jump, n)  # member n: a virtual root above every root
    depth = np.append(parents != NO_PARENT, False).astype(np.int64)
    for _ in range(64):
        if not bool((jump[:n] != n).any()):
            break
        depth += depth[jump]
        jump = jump[jump]
    else:  # pragma: no cover - bottom_up_order has rejected cycles
        raise TreeError("the referral tree has a cycle")
    del jump
    depth = depth[:n]
    members = np.argsort(depth, kind="stable").astype(np.int64)
    counts = np.bincount(depth)
    del depth
    starts = [0, *np.cumsum(counts).tolist()]
    is_referrer = np.zeros(n, dtype=bool)
    is_referrer[parents[parents != NO_PARENT]] = True
    referrer_in_order = is_referrer[members]
    before = np.cumsum(referrer_in_order) - referrer_in_order  # referrers ahead, all layers
    layer_base = np.append(before, before[-1:] + referrer_in_order[-1:])[starts]
    slot = np.full(n, -1, dtype=np.int64)
    referrer_members = members[referrer_in_order]
    slot[referrer_members] = (before - np.repeat(layer_base[:-1], counts))[referrer_in_order]
    return Layers(
        members=members,
        starts=starts,
        slot=slot,
        referrer_counts=np.diff(layer_base).tolist(),
    )


def generation_masses(parents: Int64s, released: Int64s) -> Iterator[Int64s]:
    """``Σ`` release over each member's generation-1 descendants, then generation 2, and
    so on for as long as asked: one scatter per generation, no walk up the tree."""
    has_parent = parents != NO_PARENT
    referrers = parents[has_parent]
    mass = released
    while True:
        arriving = mass[has_parent]
        mass = np.zeros(len(parents), dtype=np.int64)
        np.add.at(mass, referrers, arriving)
        yield mass


def share_columns(
    parents: Int64s, released: Int64s, rates: Sequence[Fraction]
) -> tuple[list[Cents], list[list[Cents]]]:
    """Share per member and per generation (``floor(rate_k × mass_k)``), as lists."""
    share = np.zeros(len(parents), dtype=np.int64)
    by_generation: list[list[Cents]] = []
    for rate, mass in zip(rates, generation_masses(parents, released), strict=False):
        part = mass * rate.numerator // rate.denominator
        share += part
        by_generation.append(part.tolist())
    return share.tolist(), by_generation


@dataclass(frozen=True, slots=True)
class TeamPasses:
    team_volume: Int64s
    level: Int64s
    team: Int64s
    peer: Int64s


def team_passes(
    layers: Layers,
    parents: Int64s,
    personal: Int64s,
    released: Int64s,
    rates: TeamRates | None,
) -> TeamPasses:
    """Team volume, level, differential and peer bonus, deepest layer first.

    What arrives at a layer's referrers from below is a row per referrer of mass by walk
    state; a referrer applies its rank to its row, adds its own release at state 0 and
    hands the row to its own referrer's row in the layer above. A member nobody joined
    under hands up only its release, at state 0. A run of narrow layers (a long line of
    single invitations) is walked member by member instead.
    """
    walk = _TeamWalk(layers, parents, personal, released, rates)
    depth = layers.depth - 1
    arriving = np.zeros((0, walk.states), dtype=np.int64)  # the deepest layer: no referrers
    while depth >= 0:
        if layers.width(depth) > NARROW_LAYER:
            arriving = walk.layer(depth, arriving)
            depth -= 1
            continue
        top = depth
        while top > 0 and layers.width(top - 1) <= NARROW_LAYER:
            top -= 1
        arriving = walk.narrow_run(top, depth, arriving)
        depth = top - 1
    return TeamPasses(
        team_volume=walk.team_volume, level=walk.level, team=walk.team, peer=walk.peer
    )


class _TeamWalk:
    """The passes' arrays and the two ways of moving a layer up."""

    def __init__(
        self,
        layers: Layers,
        parents: Int64s,
        personal: Int64s,
        released: Int64s,
        rates: TeamRates | None,
    ) -> None:
        n = len(parents)
        self.layers = layers
        self.parents = parents
        self.personal = personal
        self.released = released
        self.rates = rates
        self.states = rates.states if rates is not None else 1
        self.team_volume = np.zeros(n, dtype=np.int64)
        self.level = np.full(n, -1, dtype=np.int64)
        self.team = np.zeros(n, dtype=np.int64)
        self.peer = np.zeros(n, dtype=np.int64)
        self.mins = np.asarray(rates.level_mins if rates is not None else [], dtype=np.int64)
        self.rank_of_level = np.asarray(
            rates.rank_of_level if rates is not None else [0], dtype=np.int64
        )

    def members(self, top: int, bottom: int) -> Int64s:
        """Layers ``top..bottom`` (top shallowest), shallowest first."""
        return self.layers.members[self.layers.starts[top] : self.layers.starts[bottom + 1]]

    def layer(self, depth: int, rows: Int64s) -> Int64s:
        """One wide layer in array operations; ``rows`` is what arrived at its referrers.

        Returns what arrives at the referrers of the layer above.
        """
        members = self.members(depth, depth)
        inner = self.layers.slot[members] >= 0
        referrers = members[inner]  # in slot order: rows[k] is referrers[k]'s
        volumes = self.team_volume[members]
        rates = self.rates
        if rates is not None:
            levels = np.searchsorted(self.mins, volumes, side="right") - 1
            self.level[members] = levels
            ranks = self.rank_of_level[levels[inner]]
            _step_layer(referrers, ranks, rows, rates, self.team, self.peer)
        rows[:, 0] += self.released[referrers]
        if depth == 0:
            return rows[:0]
        above = self.parents[members]  # below the roots' layer every member has a referrer
        np.add.at(self.team_volume, above, volumes + self.personal[members])
        upper = np.zeros((self.layers.referrer_counts[depth - 1], self.states), dtype=np.int64)
        into = self.layers.slot[above]
        leaves = ~inner
        np.add.at(upper[:, 0], into[leaves], self.released[members[leaves]])
        into = into[inner]
        for state in np.flatnonzero(rows.any(axis=0)).tolist():
            np.add.at(upper[:, state], into, rows[:, state])
        return upper

    def narrow_run(self, top: int, bottom: int, rows: Int64s) -> Int64s:
        """Layers ``bottom`` up to ``top``, each narrow, member by member in Python.

        ``rows`` is what arrived at layer ``bottom``; returns what arrives at ``top - 1``.
        """
        members = self.members(top, bottom)
        walked = members[::-1].tolist()  # deepest first
        parents = self.parents[members].tolist()[::-1]
        personal = self.personal[members].tolist()[::-1]
        released = self.released[members].tolist()[::-1]
        volumes = self.team_volume[members].tolist()[::-1]
        bottom_members = self.members(bottom, bottom)
        bottom_referrers = bottom_members[self.layers.slot[bottom_members] >= 0].tolist()
        arriving: dict[int, dict[int, Cents]] = {
            member: {state: mass for state, mass in enumerate(row) if mass}
            for member, row in zip(bottom_referrers, rows.tolist(), strict=True)
        }
        arriving_volume: dict[int, Cents] = {}
        rates = self.rates
        levels: list[int] = []
        team: list[Cents] = []
        peer: list[Cents] = []
        for index, member in enumerate(walked):
            volume = volumes[index] + arriving_volume.pop(member, 0)
            volumes[index] = volume
            buckets = arriving.pop(member, None) or {}
            level, by_team, by_peer = -1, 0, 0
            if rates is not None:
                level = bisect.bisect_right(rates.level_mins, volume) - 1
                rank = rates.rank_of_level[level]
                if rank > 0 and buckets:
                    buckets, team_numerator, peer_mass = pass_member(
                        rank, rates.rate_numerator, buckets
                    )
                    by_team = team_numerator // rates.denominator
                    by_peer = peer_mass * rates.peer_numerator // rates.peer_denominator
            levels.append(level)
            team.append(by_team)
            peer.append(by_peer)
            if released[index]:
                buckets[0] = buckets.get(0, 0) + released[index]
            parent = parents[index]
            if parent == NO_PARENT:
                continue
            arriving_volume[parent] = arriving_volume.get(parent, 0) + volume + personal[index]
            into = arriving.setdefault(parent, {})
            for state, mass in buckets.items():
                into[state] = into.get(state, 0) + mass
        order = members[::-1]
        self.team_volume[order] = volumes
        self.level[order] = levels
        self.team[order] = team
        self.peer[order] = peer
        if top == 0:
            return rows[:0]
        upper = np.zeros((self.layers.referrer_counts[top - 1], self.states), dtype=np.int64)
        for parent, volume in arriving_volume.items():  # all at layer top - 1 by now
            self.team_volume[parent] += volume
        for parent, buckets in arriving.items():
            slot = int(self.layers.slot[parent])
            for state, mass in buckets.items():
                upper[slot, state] += mass
        return upper


def _step_layer(
    members: Int64s, ranks: Int64s, rows: Int64s, rates: TeamRates, team: Int64s, peer: Int64s
) -> None:
    """A layer's referrers at once: ``pass_member``'s transition on every row.

    Ranked rows go through in blocks of ``STEP_BLOCK``, so the temporaries stay small
    however wide the layer."""
    ranked = np.flatnonzero(ranks > 0)  # rank 0 passes every state through
    numerators = np.asarray(rates.rate_numerator, dtype=np.int64)
    state_rank = np.arange(rates.states, dtype=np.int64) >> 1
    for begin in range(0, len(ranked), STEP_BLOCK):
        block = ranked[begin : begin + STEP_BLOCK]
        rank = ranks[block]
        sub = rows[block]
        below = state_rank[None, :] < rank[:, None]  # states whose rate is under the member's
        lift = (numerators[rank][:, None] - numerators[state_rank][None, :]) * below
        team[members[block]] = (sub * lift).sum(axis=1) // rates.denominator
        reset = (sub * below).sum(axis=1)
        line = np.arange(len(block))
        unpaid = sub[line, rank << 1]  # same rate, peer bonus not yet paid: paid now
        peer[members[block]] = unpaid * rates.peer_numerator // rates.peer_denominator
        sub[below] = 0
        sub[line, (rank << 1) | 1] += unpaid
        sub[line, rank << 1] = reset
        rows[block] = sub
