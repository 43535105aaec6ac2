"""How much new issuance the programs may make now: the issuance cap's room (issue 13).

Stake bonuses, star and bole rewards are new points. When the plan caps issuance
(``grant.issuance_cap``, issue 12), they must fit in the room the cap leaves: the same
:func:`~functions.rewards.issuance.issuance_room` that cuts a purchase's grant. The
settlement (the book and the live compute step) scales the rewards down to fit it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .issuance import IssuanceState, issuance_room
from .money import Cents
from .plan import Plan


@dataclass(frozen=True, slots=True)
class IssuanceFacts:
    """The platform's figures the cap is measured on, at the start of a settlement."""

    outstanding: Cents
    """Points members hold: available + locked + withdrawing + staked + spare."""
    sales: Cents
    """Cumulative cash sales, net of refunds."""


def program_issuance_room(plan: Plan, facts: IssuanceFacts) -> Cents | None:
    """Points programs may still issue under ``plan``'s cap; None: no cap."""
    return issuance_room(plan, IssuanceState(sales=facts.sales, outstanding=facts.outstanding))
