"""Records of the engagement programs (issue 13) as the store hands them to services.

A member's program state lives on its member item (balances ``spare`` and ``staked``,
the open ``stakes``, counters, ``role``); :class:`MemberPrograms` is that state read
back. The lottery, the catalog and month closes have items of their own
(``functions/store/program_store.py``; docs/storage.md, "Engagement programs").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from functions.rewards.money import Cents, format_rate, parse_rate
from functions.rewards.roles import MEMBER
from functions.rewards.staking import Stake

from .table import Value


@dataclass(frozen=True, slots=True)
class MemberPrograms:
    """One member's program state (all zero for a member the programs never touched)."""

    spare: Cents = 0
    staked: Cents = 0
    orders: int = 0
    free_draws: int = 0
    won: Cents = 0
    drawn: Cents = 0
    stakes: tuple[Stake, ...] = ()
    stake_seq: int = 0
    stake_count: int = 0
    stake_bonus: Cents = 0
    star_reward: Cents = 0
    bole_reward: Cents = 0
    penalties: Cents = 0
    stars: int = 0
    role: str = MEMBER
    role_streak: int = 0
    role_below: int = 0
    closed_month: str | None = None
    ladder: Cents = 0
    team_bonus: Cents = 0
    redeemed: Cents = 0
    spare_spent: Cents = 0
    coins: Cents = 0
    exit_refunds: Cents = 0
    capped: Cents = 0


def stake_maps(stakes: Sequence[Stake]) -> list[Value]:
    """Stakes as stored on the member item (rates as their exact decimal text)."""
    return [
        {
            "seq": stake.seq,
            "points": stake.points,
            "term": stake.term,
            "left": stake.left,
            "rate": format_rate(stake.rate),
            "penalty": format_rate(stake.penalty),
            "fresh": stake.fresh,
        }
        for stake in stakes
    ]


def _int(entry: Mapping[str, object], name: str) -> int:
    value = entry.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"stake {name} is not a number: {value!r}")
    return value


def stakes_of(raw: object) -> tuple[Stake, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError("stakes is not a list")
    stakes: list[Stake] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValueError("a stake is not a map")
        stakes.append(
            Stake(
                seq=_int(entry, "seq"),
                points=_int(entry, "points"),
                term=_int(entry, "term"),
                left=_int(entry, "left"),
                rate=parse_rate(entry.get("rate", "0")),
                penalty=parse_rate(entry.get("penalty", "0")),
                fresh=entry.get("fresh") is True,
            )
        )
    return tuple(stakes)


PROGRAM_COUNTERS = (
    "spare",
    "staked",
    "orders",
    "free_draws",
    "won",
    "drawn",
    "stake_seq",
    "stake_count",
    "stake_bonus",
    "star_reward",
    "bole_reward",
    "penalties",
    "stars",
    "role_streak",
    "role_below",
    "ladder",
    "team_bonus",
    "redeemed",
    "spare_spent",
    "coins",
    "exit_refunds",
    "capped",
)


def member_programs(item: Mapping[str, object]) -> MemberPrograms:
    """The program state of a member item (missing counters are 0)."""
    counts: dict[str, int] = {}
    for name in PROGRAM_COUNTERS:
        value = item.get(name, 0)
        if value is None:
            value = 0
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"member {item.get('member')!r}: {name} is not a number")
        counts[name] = value
    role = item.get("role")
    closed = item.get("closed_month")
    return MemberPrograms(
        stakes=stakes_of(item.get("stakes")),
        role=role if isinstance(role, str) else MEMBER,
        closed_month=closed if isinstance(closed, str) else None,
        **counts,
    )
