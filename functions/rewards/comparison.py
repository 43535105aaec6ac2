"""Two plans on the same state: the dry run twice, the difference per day and per member."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .money import Cents, format_cents
from .plan import Plan
from .simulation import NO_PURCHASES, PlatformState, Purchases, Simulation, simulate


@dataclass(frozen=True, slots=True)
class MemberChange:
    member: str
    before: Cents
    after: Cents

    @property
    def change(self) -> Cents:
        return self.after - self.before

    def as_json(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "current": format_cents(self.before),
            "candidate": format_cents(self.after),
            "change": ("-" if self.change < 0 else "+") + format_cents(abs(self.change)),
        }


@dataclass(slots=True)
class Comparison:
    """The dry run of two plans on one state."""

    current: Simulation
    candidate: Simulation
    assumption: str
    members: int
    gain: int
    lose: int
    top_absolute: list[MemberChange]
    top_relative: list[MemberChange]

    def as_json(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption,
            "days": [
                {"current": a.as_json(), "candidate": b.as_json()}
                for a, b in zip(self.current.days, self.candidate.days, strict=True)
            ],
            "members": self.members,
            "gain": self.gain,
            "lose": self.lose,
            "unchanged": self.members - self.gain - self.lose,
            "refused_purchases": {
                "current": self.current.refused,
                "candidate": self.candidate.refused,
            },
            "most_affected": [change.as_json() for change in self.top_absolute],
            "most_affected_relative": [change.as_json() for change in self.top_relative],
        }


def compare(
    current: Plan,
    candidate: Plan,
    state: PlatformState,
    days: int,
    purchases: Purchases = NO_PURCHASES,
    *,
    start: str | None = None,
    top: int = 10,
) -> Comparison:
    """Simulate both plans on the same state and assumption; rank the members' changes.

    A member's figure is what the days gave it in cash (:meth:`Simulation.value`);
    the relative ranking only counts members who gained something under the current plan.
    """
    before = simulate(current, state, days, purchases, start=start)
    after = simulate(candidate, state, days, purchases, start=start)
    names = [member.name for member in state.members]
    changes = [
        MemberChange(name, before.value(position), after.value(position))
        for position, name in enumerate(names)
    ]
    gain = sum(1 for change in changes if change.change > 0)
    lose = sum(1 for change in changes if change.change < 0)
    moved = [change for change in changes if change.change]
    top_absolute = heapq.nlargest(top, moved, key=lambda c: (abs(c.change), c.member))
    relative = [change for change in moved if change.before > 0]
    top_relative = heapq.nlargest(
        top, relative, key=lambda c: (Fraction(abs(c.change), c.before), c.member)
    )
    return Comparison(
        current=before,
        candidate=after,
        assumption=purchases.assumption,
        members=len(names),
        gain=gain,
        lose=lose,
        top_absolute=top_absolute,
        top_relative=top_relative,
    )
