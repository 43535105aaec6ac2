"""How much new issuance the programs may make now: the issuance cap's room (issue 13).

Stake bonuses, star and bole rewards are new points. Issue 12 adds the issuance cap
(``grant.issuance_cap``); when a plan has one, these rewards must fit in the room it
leaves. Until that is merged no plan has a cap, so the room is unlimited (None).

MERGE WITH ISSUE 12: make :func:`program_issuance_room` return the cap's room for
``plan`` given ``facts`` (12's function), or None when the plan has no cap. The
settlement (book and live compute) already scales the rewards down to fit it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .money import Cents
from .plan import Plan


@dataclass(frozen=True, slots=True)
class IssuanceFacts:
    """The platform's figures the cap is measured on, at the start of a settlement."""

    outstanding: Cents
    """Points members hold: available + locked + staked."""
    sales: Cents
    """Cumulative cash sales."""


def program_issuance_room(plan: Plan, facts: IssuanceFacts) -> Cents | None:
    """Points programs may still issue under ``plan``'s cap; None: no cap."""
    del plan, facts
    return None
