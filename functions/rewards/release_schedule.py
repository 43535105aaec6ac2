"""Release schedules and controls (seeds 000): stages, the activity gate, the throttle.

* **Stages** (新人补贴积分可设为多阶段释放): a grant made under ``release.stages`` keeps its
  own schedule ``((days, daily), …)`` fixed at purchase (``daily = floor(cash ×
  daily_rate)`` per stage; the last stage has ``days = 0``: until exhausted) and counts
  the settlements that released from it; its daily amount is the one of the stage that
  count falls in.
* **Activity gate** (积分释放须由持续消费或拉新裂变触发): a member's static release happens only
  if it was active (a purchase, or a direct referral joined) within the last N runs.
* **Throttle** (根据积分池每期增长情况自动调节释放比例): static release is scaled when the cash
  taken in since the previous run does not cover the value of what is planned.

Everything is pure; :func:`functions.rewards.settlement.settle` applies the gate and the
throttle, the callers (the book, the live settlement) keep schedules and counters.
Docs: docs/rules-programs.md, "Release schedules" and "Pool-health throttle".
"""

from __future__ import annotations

from fractions import Fraction

from .economics_plans import ActivityGate, Throttle
from .money import ONE, Cents, mul_floor
from .plan import ReleasePolicy

Schedule = tuple[tuple[int, Cents], ...]
"""A staged grant's terms: ``(days, daily)`` per stage, the last with ``days == 0``."""

THROTTLE_STEP = 10_000
"""The throttle factor is floored to 1/10,000 (four decimals), so it is shown exactly."""


def grant_terms(release: ReleasePolicy, cash: Cents) -> tuple[Cents, Schedule | None]:
    """The daily amount a new grant starts with, and its schedule when staged."""
    if release.stages is None:
        rate = release.daily_rate
        return (mul_floor(cash, rate) if rate else 0), None
    schedule = tuple(
        (stage.days or 0, mul_floor(cash, stage.daily_rate)) for stage in release.stages
    )
    return schedule[0][1], schedule


def stage_daily(schedule: Schedule, releases: int) -> Cents:
    """The daily amount of a staged grant that has already been released ``releases`` times."""
    for days, daily in schedule:
        if days == 0 or releases < days:
            return daily
        releases -= days
    return schedule[-1][1]


def gated(gate: ActivityGate, active_run: int | None, run: int) -> bool:
    """Whether a member's static release waits in run number ``run`` (1-based).

    ``active_run`` is the number of the run that first saw the member's latest activity
    (None: never active). The member is active if that run is one of the last
    ``within_settlements`` runs, this one included.
    """
    return active_run is None or active_run <= run - gate.within_settlements


def observe_activity(
    mark: tuple[int, int], now: tuple[int, int], active_run: int | None, run: int
) -> tuple[tuple[int, int], int | None]:
    """A gated run notices a member's activity: ``now`` is its (orders, direct referrals);
    if it differs from ``mark`` (what the previous gated run saw) the member was active,
    first seen by ``run``. Returns the new mark and active run (the book and the live
    settlement keep them)."""
    if now != mark:
        return now, run
    return mark, active_run


def stage_step(schedule: Schedule, releases: int) -> tuple[int, Cents]:
    """A staged grant of a member not gated this run: its new counter and daily amount."""
    return releases + 1, stage_daily(schedule, releases + 1)


def throttle_factor(
    throttle: Throttle, period_cash: Cents, planned: Cents, price: Fraction | None
) -> Fraction:
    """The factor every grant's static release is multiplied by this run (1: no throttle).

    ``coverage = period_cash ÷ (planned × price)``; at or above ``target_coverage`` the
    factor is 1, below it ``max(floor, coverage ÷ target)`` with the quotient floored to
    four decimals. Nothing planned, or no price (reserve valuation with nothing
    circulating, or a price of 0): nothing to cover, factor 1.
    """
    if planned <= 0 or price is None or price <= 0:
        return ONE
    coverage = Fraction(max(0, period_cash)) / (planned * price)
    if coverage >= throttle.target_coverage:
        return ONE
    ratio = coverage / throttle.target_coverage
    stepped = Fraction(ratio.numerator * THROTTLE_STEP // ratio.denominator, THROTTLE_STEP)
    return min(ONE, max(throttle.floor, stepped))
