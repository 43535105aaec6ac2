"""The plan check's findings on the engagement programs (issue 13; plan_check.py's table).

=============================  ========  ==================================================
code                           severity  finding
=============================  ========  ==================================================
``program_over_allocation``    error     reserve + commission + the ladder's top rate + the
                                         team rate above 100 % of an order's cash
``staking_issuance``           warning   stake bonuses, star rewards and 伯乐奖 are new points
                                         no sale backs (the issuance cap bounds them)
``partner_team_depth``         warning   team performance pays every partner up the line:
                                         ``d`` partners above an order take ``d × team_rate``
=============================  ========  ==================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from .money import ONE, ZERO_RATE, format_rate
from .plan import Plan
from .plan_findings import Finding, Severity, finding
from .plan_solvency import max_commission


def program_findings(plan: Plan) -> Iterator[Finding]:
    """Every program finding for ``plan`` (none for a plan without programs)."""
    yield from _cash_allocation(plan)
    yield from _staking_issuance(plan)
    yield from _partner_depth(plan)


def _cash_allocation(plan: Plan) -> Iterator[Finding]:
    """The month's ladder and team pay come out of the platform's cash like commission."""
    roles = plan.roles
    if roles is None:
        return
    ladder = max((bracket.rate for bracket in roles.ladder), default=ZERO_RATE)
    reserve = plan.reserve_rate or Fraction(0)
    commission = sum(max_commission(plan), Fraction(0))
    total = reserve + commission + ladder + roles.team_rate
    if total > ONE:
        yield finding(
            "program_over_allocation",
            Severity.ERROR,
            f"the reserve ({format_rate(reserve)}), commission ({format_rate(commission)}), the "
            f"ladder ({format_rate(ladder)}) and the team rate ({format_rate(roles.team_rate)}) "
            f"take {format_rate(total)} of an order's cash",
            "roles.ladder",
        )


def _staking_issuance(plan: Plan) -> Iterator[Finding]:
    staking = plan.staking
    if staking is None:
        return
    bonus = max(staking.rates)
    stars = staking.stars
    star = stars.rates[-1] if stars is not None else ZERO_RATE
    bole = star if stars is not None and stars.bole_from else ZERO_RATE
    yield finding(
        "staking_issuance",
        Severity.WARNING,
        f"stakes issue new points: a bonus of up to {format_rate(bonus)} of each stake, star "
        f"rewards of up to {format_rate(star)} of the team's new stakes and a 伯乐奖 of up to "
        f"{format_rate(bole)} of those; no sale backs them (an issuance cap bounds them)",
        "staking.rates",
    )


def _partner_depth(plan: Plan) -> Iterator[Finding]:
    roles = plan.roles
    if roles is None or not roles.team_rate:
        return
    yield finding(
        "partner_team_depth",
        Severity.WARNING,
        f"team performance pays {format_rate(roles.team_rate)} of an order's cash to every "
        "partner above the buyer: with d partners up the line, d times that",
        "roles.team_rate",
    )
