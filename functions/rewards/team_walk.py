"""The team walk of RULES.md §4 step 2 as numbers: the one member step both passes use.

A downline release walking up carries the state ``(cur, peer_paid)``. At a member with
rate ``r``: ``r > cur`` earns ``(r − cur)`` and resets the state to ``(r, unpaid)``;
``r == cur > 0`` unpaid earns ``peer_rate`` once; otherwise the state passes through.
Mass is bucketed by state, encoded as ``rank(cur) * 2 + peer_paid`` with ranks over the
distinct level rates (rank 0: no rate yet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .money import Cents
from .plan import Plan


@dataclass(frozen=True, slots=True)
class TeamRates:
    """A plan's team policy in the integers the walk uses."""

    level_mins: list[Cents]
    rank_of_level: list[int]
    """Each level's rank among the distinct rates; the trailing entry (level -1) is 0."""
    rate_numerator: list[int]
    """Each rank's rate over ``denominator``."""
    denominator: int
    peer_numerator: int
    peer_denominator: int

    @property
    def states(self) -> int:
        """How many walk states there are (``rank * 2 + peer_paid``)."""
        return 2 * len(self.rate_numerator)


def team_rates(plan: Plan) -> TeamRates | None:
    """None when the plan has no team levels (no differential, no peer bonus)."""
    if plan.team is None or not plan.team.levels:
        return None
    levels = plan.team.levels
    distinct = sorted({Fraction(0), *(level.rate for level in levels)})
    denominator = math.lcm(*(rate.denominator for rate in distinct))
    peer_rate = plan.team.peer_rate
    return TeamRates(
        level_mins=[level.min for level in levels],
        rank_of_level=[*(distinct.index(level.rate) for level in levels), 0],
        rate_numerator=[rate.numerator * (denominator // rate.denominator) for rate in distinct],
        denominator=denominator,
        peer_numerator=peer_rate.numerator,
        peer_denominator=peer_rate.denominator,
    )


def pass_member(
    rank: int, rate_numerator: Sequence[int], buckets: dict[int, Cents]
) -> tuple[dict[int, Cents], int, Cents]:
    """Apply one member of rank ``rank`` (> 0) to the mass arriving from below.

    Returns the mass it passes up, its differential numerator (over the rates'
    denominator) and the mass its peer bonus is paid on.
    """
    passed: dict[int, Cents] = {}
    team_numerator = 0
    peer_mass = 0
    reset = rank << 1
    for state, mass in buckets.items():
        current = state >> 1
        if rank > current:
            team_numerator += (rate_numerator[rank] - rate_numerator[current]) * mass
            key = reset
        elif rank == current and not state & 1:
            peer_mass += mass
            key = state | 1
        else:
            key = state
        passed[key] = passed.get(key, 0) + mass
    return passed, team_numerator, peer_mass
