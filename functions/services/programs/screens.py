"""What the programs' screens show a member (issue 13): typed reads, no decisions.

The bot (``bot/handlers/lottery.py``, ``staking.py``, ``catalog.py``) renders these;
the amounts stay cents up to the texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from functions.rewards.catalog import CatalogItem
from functions.rewards.lottery import Entry
from functions.rewards.money import Cents, format_rate, mul_floor
from functions.rewards.program_plans import CatalogPolicy, LotteryPolicy, StakingPolicy
from functions.rewards.staking import Stake
from functions.store.records import MemberRecord

from ..ledger import Ledger

CATALOG_SHOWN = 10
"""Items one catalog screen lists (one button each)."""


def percent(rate: Fraction) -> str:
    """A rate as people read it: ``1/10`` → ``10%``, ``1/8`` → ``12.5%`` (exact)."""
    return f"{format_rate(rate * 100)}%"


@dataclass(frozen=True, slots=True)
class LotteryView:
    policy: LotteryPolicy
    pool: Cents
    draws: int
    waiting: tuple[Entry, ...]
    """The member's waiting draws, oldest first."""
    free_draws: int
    available: Cents

    def refund(self, entry: Entry) -> Cents:
        """Spare points a member gets back for leaving the queue with ``entry``."""
        return mul_floor(entry.paid, self.policy.exit_refund_rate)


@dataclass(frozen=True, slots=True)
class StakingView:
    policy: StakingPolicy
    staked: Cents
    stakes: tuple[Stake, ...]
    next_rate: Fraction


@dataclass(frozen=True, slots=True)
class CatalogView:
    policy: CatalogPolicy
    items: tuple[CatalogItem, ...]
    spare: Cents
    available: Cents


def lottery_view(ledger: Ledger, member: MemberRecord) -> LotteryView | None:
    """The lottery as the member sees it; None when today's plan runs none."""
    policy = ledger.current_plan().lottery
    if policy is None:
        return None
    store = ledger.store
    return LotteryView(
        policy=policy,
        pool=store.system_totals().lottery_pool,
        draws=store.lottery_draws(),
        waiting=tuple(store.member_entries(member.member)),
        free_draws=member.programs.free_draws,
        available=member.available,
    )


def staking_view(ledger: Ledger, member: MemberRecord) -> StakingView | None:
    """The member's open stakes and its next stake's rate; None when today's plan has no
    staking. (Stars are ranked by each settlement over the whole tree, not here.)"""
    policy = ledger.current_plan().staking
    if policy is None:
        return None
    programs = member.programs
    return StakingView(
        policy=policy,
        staked=programs.staked,
        stakes=programs.stakes,
        next_rate=policy.rate_for(programs.stake_count + 1),
    )


def catalog_view(ledger: Ledger, member: MemberRecord) -> CatalogView | None:
    """Items in stock (by id, at most :data:`CATALOG_SHOWN`) and what the member can spend."""
    policy = ledger.current_plan().catalog
    if policy is None:
        return None
    items = [item for item in ledger.store.catalog_items() if item.stock > 0]
    return CatalogView(
        policy=policy,
        items=tuple(items[:CATALOG_SHOWN]),
        spare=member.programs.spare,
        available=member.available,
    )
