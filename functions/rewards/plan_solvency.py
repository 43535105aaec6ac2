"""The plan check's money findings: commission over-allocation, release multiples, solvency.

The figures come from the engine itself (the dry run of :mod:`functions.rewards.simulation`),
so a finding is what the plan would really do on the tree, not a second model of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction

from .money import ONE, Cents, format_cents, format_rate
from .plan import Plan
from .plan_findings import CheckLimits, Finding, Severity, finding
from .simulation import PlatformState, repeat_recent, simulate
from .versions import next_day


def max_commission(plan: Plan) -> list[Fraction]:
    if plan.commission is None:
        return []
    return [max(rates.values(), default=Fraction(0)) for rates in plan.commission.rates]


def over_allocation(plan: Plan) -> Iterator[Finding]:
    reserve = plan.reserve_rate or Fraction(0)
    commission = sum(max_commission(plan), Fraction(0))
    total = reserve + commission
    if total > ONE:
        yield finding(
            "over_allocation",
            Severity.ERROR,
            f"the reserve ({format_rate(reserve)}) and commission ({format_rate(commission)}) "
            f"take {format_rate(total)} of each order's cash: the platform would keep "
            f"{format_rate(ONE - total)} of its sales",
            "commission.rates",
        )


def multiples(plan: Plan) -> list[tuple[str, Fraction]]:
    """Points granted per unit of cash, with the key that sets each."""
    grant = plan.grant
    if grant is None:
        return []
    if grant.ratio is not None:
        return [("grant.ratio", grant.ratio)]
    assert grant.tiers is not None
    return [(f"grant.tiers[{i}]", tier.multiplier) for i, tier in enumerate(grant.tiers)]


def release_multiple(
    plan: Plan, state: PlatformState | None, limits: CheckLimits
) -> Iterator[Finding]:
    for key, multiple in multiples(plan):
        if multiple > limits.max_multiple:
            yield finding(
                "release_multiple",
                Severity.WARNING,
                f"grants {format_rate(multiple)}x the cash in points; the seeds promise at most "
                f"{format_rate(limits.max_multiple)}x",
                key,
            )
    if state is not None and state.sales > 0:
        ratio = Fraction(state.issuance, state.sales)
        if ratio > limits.max_multiple:
            yield finding(
                "release_multiple",
                Severity.WARNING,
                f"{format_cents(state.issuance)} points were granted for "
                f"{format_cents(state.sales)} of cash so far: above "
                f"{format_rate(limits.max_multiple)}x",
            )


def fast_release(plan: Plan, limits: CheckLimits) -> Iterator[Finding]:
    rate = plan.release.daily_rate
    if plan.release.mode != "daily" or not rate:
        return
    for _key, multiple in multiples(plan):
        if not multiple:
            continue
        days = math.ceil(multiple / rate)
        if days < limits.min_release_days:
            yield finding(
                "fast_release",
                Severity.WARNING,
                f"a daily release of {format_rate(rate)} of the cash empties a "
                f"{format_rate(multiple)}x grant in {days} day(s), under "
                f"{limits.min_release_days}",
                "release.daily_rate",
            )


def solvency(plan: Plan, state: PlatformState | None, limits: CheckLimits) -> Iterator[Finding]:
    keep = ONE - plan.withdrawal.fee_rate
    if plan.valuation.mode == "reserve":
        message = (
            "reserve valuation: a point is worth reserve / circulating, so withdrawals can "
            "never take more than the reserve holds"
        )
        if state is not None and state.circulating:
            price = Fraction(state.reserve, state.circulating)
            withdrawable = math.floor(state.circulating * price * keep)
            whole = math.floor((state.circulating + state.locked) * price)
            message += (
                f"; today {format_cents(withdrawable)} could be withdrawn against a reserve "
                f"of {format_cents(state.reserve)} ({_coverage(state.reserve, withdrawable)}); "
                f"locked points would dilute the price: all points at today's price are "
                f"{format_cents(whole)} ({_coverage(state.reserve, whole)})"
            )
        yield finding("solvency_coverage", Severity.INFO, message, "valuation")
        return
    price = plan.valuation.fixed_price
    multiple = max((m for _, m in multiples(plan)), default=Fraction(0))
    if plan.merchant is not None:
        multiple = max(multiple, plan.merchant.max_rebate)
    owed = multiple * price * keep
    kept = ONE - sum(max_commission(plan), Fraction(0))
    if owed > kept:
        yield finding(
            "solvency",
            Severity.WARNING,
            f"fixed valuation at {format_rate(price)}: each yuan sold can become "
            f"{format_rate(owed)} of withdrawable cash, against {format_rate(kept)} the "
            "operator keeps",
            "valuation",
        )
    if state is None:
        return
    first = next_day(state.last_settled) if state.last_settled else "2000-01-01"
    run = simulate(plan, state, limits.days, repeat_recent(state, limits.days, first), start=first)
    last = run.days[-1] if run.days else None
    if last is None:
        return
    liability, cash = last.liability, last.operator_cash
    severity = Severity.WARNING if liability > cash else Severity.INFO
    yield finding(
        "solvency" if severity is Severity.WARNING else "solvency_coverage",
        severity,
        f"after {limits.days} days (the last 30 days' orders repeated) the points, available "
        f"and locked, would be worth {format_cents(liability)} at {format_rate(price)}, "
        f"against {format_cents(cash)} of operator cash ({_coverage(cash, liability)})",
        "valuation",
    )


def _coverage(cash: Cents, owed: Cents) -> str:
    if owed <= 0:
        return "nothing owed"
    return f"coverage {cash * 100 // owed}%"
