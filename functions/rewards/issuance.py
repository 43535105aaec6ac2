"""Issuance control (seed 001, 积分发行总量控制) and the category bonus (seed 002).

The cap's accounting lives here, once, for every mechanism that issues points: purchase
grants (this issue), points paid by dividend pools, and the programs of issue 13 (stake
bonuses, star rewards), which call :func:`issuance_room` before they issue.

* **Outstanding points** are every point members hold: available + locked + withdrawing
  (points held for a pending withdrawal are still owed until they are burned). In the
  ledger that is exactly ``-(issuance + burned + clawback)`` of the platform's point
  accounts, so the live system reads it from the platform totals without a scan.
* **Cumulative cash sales** are the cash of every order, net of refunds
  (``-sales`` of the platform's cash account).
* **Room** is ``max(0, floor(ratio × sales) − outstanding)``: how many points may still be
  issued. No cap in the plan: no limit (``None``).

Docs: docs/rules-programs.md, "Issuance cap" and "Category bonus".
"""

from __future__ import annotations

from dataclasses import dataclass

from .money import Cents, mul_floor
from .plan import GrantPolicy, Plan


@dataclass(frozen=True, slots=True)
class IssuanceState:
    """The two platform figures the cap compares (both in hundredths, non-negative)."""

    sales: Cents
    """Cumulative cash sales, net of refunds."""
    outstanding: Cents
    """Points members hold: available + locked + withdrawing + staked + spare."""

    @classmethod
    def of_accounts(
        cls,
        *,
        sales: Cents,
        issuance: Cents,
        burned: Cents,
        clawback: Cents,
        lottery_pool: Cents = 0,
        rewards: Cents = 0,
        spare_issuance: Cents = 0,
    ) -> IssuanceState:
        """From the platform's signed account balances (``SystemTotals`` in the store).

        ``sales``, ``issuance``, ``rewards`` and ``spare_issuance`` are negative (cash
        taken in, points issued by grants, by the programs' rewards, as spend-only
        points); ``burned``, ``clawback`` and the ``lottery_pool`` (points the platform
        holds for a prize) positive. Points balance to zero, so members hold the rest:
        available, locked, withdrawing, staked and spare (issue 13's balances count: they
        are owed like the others).
        """
        held_by_platform = issuance + burned + clawback + lottery_pool + rewards + spare_issuance
        return cls(sales=-sales, outstanding=-held_by_platform)

    def after_sale(self, cash: Cents, spent: Cents = 0) -> IssuanceState:
        """The state a purchase's grant is capped against: its own cash already counted,
        and the points it spent (burned before the grant is issued) no longer outstanding."""
        return IssuanceState(self.sales + cash, self.outstanding - spent)


def issuance_room(plan: Plan, state: IssuanceState) -> Cents | None:
    """Points that may still be issued under ``plan``'s cap (None: the plan has no cap).

    Issue 13's stake bonuses and star rewards call this before they issue and cut what
    they pay to the room, exactly as a grant is cut (docs/rules-programs.md).
    """
    cap = plan.grant.issuance_cap if plan.grant is not None else None
    if cap is None:
        return None
    return max(0, mul_floor(state.sales, cap.ratio) - state.outstanding)


def category_bonus(grant: GrantPolicy | None, category: str | None, points: Cents) -> Cents:
    """Extra points for an order of a listed category: ``floor(points × bonus)``."""
    if grant is None or grant.category_bonus is None or category is None or not points:
        return 0
    rate = grant.category_bonus.get(category)
    return mul_floor(points, rate) if rate is not None else 0


def capped_grant(
    plan: Plan, state: IssuanceState | None, cash: Cents, points: Cents, spent: Cents = 0
) -> tuple[Cents, Cents]:
    """``(granted, capped)``: a grant of ``points`` cut to the room after this sale (which
    took ``cash`` and burned the ``spent`` points paying for it)."""
    if state is None or not points:
        return points, 0
    room = issuance_room(plan, state.after_sale(cash, spent))
    if room is None or points <= room:
        return points, 0
    return room, points - room
