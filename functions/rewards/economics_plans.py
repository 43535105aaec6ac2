"""The economics controls' plan sections (issue 12): release stages, the activity gate,
the throttle, the issuance cap, refunds, dividend pools, and their checks.

Kept beside :mod:`functions.rewards.plan` as :mod:`functions.rewards.program_plans` is:
each section is optional and off when absent, and :class:`~functions.rewards.plan.Plan`
names them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from .money import format_rate
from .plan_fields import Rate, Share, _Section

if TYPE_CHECKING:
    from .plan import Plan, ReleasePolicy


# -- economics controls (issue 12; docs/rules-programs.md) ------------------------------
# Each section is optional and off when absent; a plan without them dumps to the same
# canonical text as before (every default is None, which the canonical dump leaves out).

CATEGORY_BONUS_MIN = Fraction(10, 100)
CATEGORY_BONUS_MAX = Fraction(30, 100)
"""Seed 002: a listed category earns 10%–30% more points."""


class ReleaseStage(_Section):
    """One stage of a staged release: ``daily_rate`` of the order's cash for ``days``
    releases (the last stage has no ``days``: it runs until the grant is exhausted)."""

    days: int | None = Field(default=None, ge=1)
    daily_rate: Share


class ActivityGate(_Section):
    """Static release only for members active within the last ``within_settlements`` runs."""

    within_settlements: int = Field(ge=1)


class Throttle(_Section):
    """Scale static release down when the period's cash does not cover its value."""

    target_coverage: Rate
    floor: Share

    @field_validator("target_coverage")
    @classmethod
    def _positive(cls, target: Fraction) -> Fraction:
        if target <= 0:
            raise ValueError("target_coverage must be greater than 0")
        return target


class IssuanceCap(_Section):
    """Outstanding points may not exceed ``ratio`` × cumulative cash sales."""

    ratio: Rate


class RefundPolicy(_Section):
    """Refunds of orders; ``window_settlements`` (absent: no limit) closes them after that
    many settlement runs since the purchase."""

    window_settlements: int | None = Field(default=None, ge=0)


class PoolEligibility(_Section):
    """Who shares a dividend pool: members at ``min_level`` or above (absent: everyone)."""

    min_level: str | None = Field(default=None, min_length=1)


class DividendPool(_Section):
    """A dividend pool fed by ``rate`` of each period's cash and shared at every settlement."""

    name: str = Field(min_length=1, max_length=60)
    rate: Share
    eligible: PoolEligibility | None = None
    mode: Literal["equal", "weighted"] = "equal"
    scope: Literal["global", "region"] = "global"
    pay_as: Literal["points", "cash"] = "points"

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if "@" in name:
            raise ValueError("a pool name must not contain '@'")
        return name


# -- economics controls (issue 12): validation helpers ----------------------------------


def check_category_bonus(bonus: dict[str, Fraction] | None) -> dict[str, Fraction] | None:
    if bonus is None:
        return None
    if not bonus:
        raise ValueError("list at least one category, or leave category_bonus out")
    for category, rate in bonus.items():
        if not category:
            raise ValueError("a category name must not be empty")
        if not CATEGORY_BONUS_MIN <= rate <= CATEGORY_BONUS_MAX:
            raise ValueError(
                f"{category}: {format_rate(rate)} is outside the seed's "
                f"{format_rate(CATEGORY_BONUS_MIN)}–{format_rate(CATEGORY_BONUS_MAX)}"
            )
    return bonus


def check_release_controls(release: ReleasePolicy) -> None:
    stages = release.stages
    if stages is not None:
        if release.mode != "daily":
            raise ValueError("stages only apply to mode: daily")
        if release.daily_rate is not None:
            raise ValueError("give either daily_rate or stages, not both")
        if not stages:
            raise ValueError("stages needs at least one stage")
        if any(stage.days is None for stage in stages[:-1]):
            raise ValueError("every stage but the last needs days")
        if stages[-1].days is not None:
            raise ValueError("the last stage has no days: it runs until the grant is exhausted")
    if release.mode != "daily" and (
        release.requires_activity is not None or release.throttle is not None
    ):
        raise ValueError("requires_activity and throttle only apply to mode: daily")


def check_pools(plan: Plan) -> None:
    if plan.pools is None:
        return
    if not plan.pools:
        raise ValueError("pools: list at least one pool, or leave pools out")
    names = [pool.name for pool in plan.pools]
    if len(set(names)) != len(names):
        raise ValueError("pools: every pool needs its own name")
    levels = {level.name for level in plan.levels}
    for pool in plan.pools:
        wanted = pool.eligible.min_level if pool.eligible is not None else None
        if wanted is not None and wanted not in levels:
            raise ValueError(f"pools: {pool.name}: min_level {wanted!r} is not a team level")


def level_position(plan: Plan, name: str) -> int:
    """Index of the team level called ``name`` (pool eligibility); -1 if there is none."""
    for position, level in enumerate(plan.levels):
        if level.name == name:
            return position
    return -1
