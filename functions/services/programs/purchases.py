"""What a purchase adds for the engagement programs (issue 13; docs/rules-programs.md).

Kept beside the programs so the purchase use case gains two calls, not a block: the
roles that gate the commission, and the counters and items a purchase writes when
the plan runs programs (coins, spend-only use, the referrer's invite draw, the
buyer's month for the monthly ladder).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from functions.rewards.decisions import PurchaseOutcome
from functions.rewards.lottery import invite_draws
from functions.rewards.plan import Plan
from functions.rewards.roles import MEMBER, earns_commission, month_of
from functions.store.ports import LedgerPort
from functions.store.program_store import month_activity_items
from functions.store.records import MemberRecord
from functions.store.table import TransactItem

from .events import has_bought


def purchase_roles(store: LedgerPort, plan: Plan, ancestors: Sequence[str]) -> list[str] | None:
    """The uplines' roles when ``plan``'s roles gate the commission, else None (no read)."""
    if earns_commission(plan.roles, MEMBER) or not ancestors:
        return None
    found = store.get_members(list(ancestors))
    return [found[name].programs.role if name in found else MEMBER for name in ancestors]


def purchase_programs(
    plan: Plan,
    buyer: MemberRecord,
    outcome: PurchaseOutcome,
    statistics: dict[str, dict[str, int]],
    business_date: Callable[[], str],
) -> list[TransactItem]:
    """Add the programs' counters to ``statistics``; return the items the purchase writes.

    ``orders`` counts every purchase (staking unlocks with the first); the buyer's
    referrer gets its free draws on the buyer's first purchase; with roles, the cash
    joins the buyer's business month.
    """
    mine = statistics[buyer.member]
    mine["orders"] = 1
    mine["coins"] = outcome.coins
    mine["spare_spent"] = outcome.spare_spent
    free = invite_draws(plan.lottery, 1 if has_bought(buyer) else 0)
    if free and buyer.referrer is not None:
        referrer = statistics.setdefault(buyer.referrer, {})
        referrer["free_draws"] = referrer.get("free_draws", 0) + free
    if plan.roles is None:
        return []
    month = month_of(business_date())
    assert month is not None
    return month_activity_items(buyer.member, month, outcome.cash)
