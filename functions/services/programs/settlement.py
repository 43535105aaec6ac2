"""The staking step of a live settlement run (issue 13; docs/rules-programs.md).

The run's compute phase (:func:`functions.services.settlement_results.compute`) calls
:func:`stake_step` once over the whole membership, beside the engine's own
settlement: the engine's :func:`~functions.rewards.staking.settle_stakes`, one
bottom-up pass. Each member holding a stake gets a :class:`StakeStep` in its page row;
the apply phase adds its postings to the member's one settlement transaction and
ages the stakes the run saw (stakes opened after the compute are left for the next run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.rewards.ledger import SYSTEM, Bucket, Posting
from functions.rewards.money import Cents, format_cents
from functions.rewards.plan import Plan
from functions.rewards.program_issuance import IssuanceFacts, program_issuance_room
from functions.rewards.staking import Stake, age_stakes, settle_stakes


@dataclass(frozen=True, slots=True)
class StakeStep:
    """One member's staking figures of a run, as kept in the run's page."""

    principal: Cents
    bonus: Cents
    star_reward: Cents
    bole_reward: Cents
    capped: Cents
    seen: tuple[int, ...]
    """The stakes (by number) the run aged: those open when it computed."""
    matured: tuple[int, ...]

    @property
    def issued(self) -> Cents:
        return self.bonus + self.star_reward + self.bole_reward

    @property
    def credited(self) -> Cents:
        return self.principal + self.issued

    def to_list(self) -> list[Any]:
        return [
            self.principal,
            self.bonus,
            self.star_reward,
            self.bole_reward,
            self.capped,
            list(self.seen),
            list(self.matured),
        ]

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> StakeStep:
        principal, bonus, star, bole, capped, seen, matured = row
        return cls(principal, bonus, star, bole, capped, tuple(seen), tuple(matured))

    def stakes_after(self, stakes: Sequence[Stake]) -> tuple[Stake, ...]:
        """The member's stakes after the run: the ones it saw aged (matured ones gone),
        any opened since the compute untouched."""
        seen = set(self.seen)
        aged = age_stakes([s for s in stakes if s.seq in seen], self.matured)
        return (*aged, *(s for s in stakes if s.seq not in seen))

    def postings(self, member: str) -> list[Posting]:
        postings: list[Posting] = []
        if self.principal:
            postings += [
                Posting(member, Bucket.STAKED, -self.principal),
                Posting(member, Bucket.AVAILABLE, self.principal),
            ]
        if self.issued:
            postings += [
                Posting(SYSTEM, Bucket.REWARDS, -self.issued),
                Posting(member, Bucket.AVAILABLE, self.issued),
            ]
        return postings

    def statistics(self) -> dict[str, int]:
        return {
            "stake_bonus": self.bonus,
            "star_reward": self.star_reward,
            "bole_reward": self.bole_reward,
            "capped": self.capped,
        }

    def statement(self) -> dict[str, Any]:
        return {
            "matured": format_cents(self.principal),
            "stake_bonus": format_cents(self.bonus),
            "star_reward": format_cents(self.star_reward),
            "bole_reward": format_cents(self.bole_reward),
        }


def stake_step(
    plan: Plan,
    holders: Mapping[int, Sequence[Stake]],
    outstanding: Cents,
    parents: Sequence[int],
    order: Sequence[int],
    sales: Callable[[], Cents],
) -> tuple[dict[int, StakeStep], dict[str, int], set[int]]:
    """Every holder's :class:`StakeStep`, the step's totals, and the members it pays.

    ``holders`` are the holders' stakes by position, ``outstanding`` the points outstanding
    over every member (the issuance cap's measure). Empty when nobody holds a stake.
    ``sales`` reads the platform's cumulative cash sales (the cap's base), only when some
    member holds a stake.
    """
    if not any(holders.values()):
        return {}, {}, set()
    held: list[Sequence[Stake]] = [holders.get(position, ()) for position in range(len(parents))]
    # the issuance cap (issue 12): the room it leaves for stake bonuses, star and bole
    # rewards (None: the plan has no cap)
    room = program_issuance_room(plan, IssuanceFacts(outstanding=outstanding, sales=sales()))
    outcome = settle_stakes(plan.staking, parents, order, held, room)
    steps: dict[int, StakeStep] = {}
    paid: set[int] = set()
    for position, stakes in enumerate(held):
        credited = outcome.credited(position)
        if credited or outcome.matured[position]:
            paid.add(position)
        if not stakes and not credited:
            continue
        steps[position] = StakeStep(
            principal=outcome.principal[position],
            bonus=outcome.bonus[position],
            star_reward=outcome.star_reward[position],
            bole_reward=outcome.bole[position],
            capped=outcome.capped_by[position] if outcome.capped_by else 0,
            seen=tuple(stake.seq for stake in stakes),
            matured=outcome.matured[position],
        )
    return steps, outcome.totals(), paid
