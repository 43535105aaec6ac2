"""The issuance cap in the live system (economics, issue 12).

The engine's rule is ``functions/rewards/issuance.py``; the live system reads its two
figures from the platform totals (32 shards, one ``BatchGetItem``) and only when the
plan has a cap. Purchases committing at the same moment each see the room before the
others, so the cap can be exceeded by at most what they grant together (docs/storage.md).
"""

from __future__ import annotations

from functions.rewards.issuance import IssuanceState
from functions.rewards.plan import Plan
from functions.store.ports import LedgerPort


def issuance_state(store: LedgerPort, plan: Plan) -> IssuanceState | None:
    """The platform's figures for ``plan``'s issuance cap (None: the plan has no cap)."""
    if plan.grant is None or plan.grant.issuance_cap is None:
        return None
    totals = store.system_totals()
    return IssuanceState.of_accounts(
        sales=totals.sales,
        issuance=totals.issuance,
        burned=totals.burned,
        clawback=totals.clawback,
        lottery_pool=totals.lottery_pool,
        rewards=totals.rewards,
        spare_issuance=totals.spare_issuance,
    )
