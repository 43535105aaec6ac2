"""The reward plan: operators' tunable parameters, validated before anything runs.

A plan file is YAML (SCENARIOS.md). Every rate is an exact :class:`Fraction`,
every threshold an integer of hundredths. Unquoted YAML numbers are read from
their source text, never through a float, so ``multiplier: 2.5`` is exactly 5/2.
An invalid plan raises :class:`PlanError` naming the offending key; a key given
twice in one mapping (YAML would let the last one win silently) and explicit YAML
tags (``!!float``, ``!foo``) are load errors too. :func:`canonical_plan_text` is
the one text a validated plan is stored and compared as (plan versions).
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from .economics_plans import (
    ActivityGate,
    DividendPool,
    IssuanceCap,
    RefundPolicy,
    ReleaseStage,
    Throttle,
    check_category_bonus,
    check_pools,
    check_release_controls,
)
from .money import ONE, ZERO_RATE, Cents, format_cents, mul_floor
from .plan_fields import Amount, Rate, Share, _Section
from .plan_fields import PlanError as PlanError
from .plan_yaml import load_plan_data as load_plan_data
from .program_plans import CatalogPolicy, LotteryPolicy, RolesPolicy, StakingPolicy


class Tier(_Section):
    name: str = Field(min_length=1)
    min: Amount
    multiplier: Rate


class GrantPolicy(_Section):
    """How many points a purchase's cash amount grants: tiers or one flat ratio."""

    tiers: tuple[Tier, ...] | None = None
    ratio: Rate | None = None
    coins_ratio: Rate | None = None
    """Coins per yuan of cash (seed 000 金币, issue 13): spend-only, beside the points."""
    # economics (issue 12): both optional, absent = off
    issuance_cap: IssuanceCap | None = None
    category_bonus: dict[str, Share] | None = None

    @field_validator("category_bonus")
    @classmethod
    def _bonus_bounds(cls, bonus: dict[str, Fraction] | None) -> dict[str, Fraction] | None:
        return check_category_bonus(bonus)

    @model_validator(mode="after")
    def _one_rule(self) -> GrantPolicy:
        if self.tiers is not None and self.ratio is not None:
            raise ValueError("give either tiers or ratio, not both")
        if self.tiers is None and self.ratio is None:
            raise ValueError("give tiers or ratio")
        return self

    @field_validator("tiers")
    @classmethod
    def _tiers_ordered(cls, tiers: tuple[Tier, ...] | None) -> tuple[Tier, ...] | None:
        if tiers is not None:
            _strictly_ascending([tier.min for tier in tiers], "tiers")
        return tiers

    def points_for(self, cash: Cents) -> tuple[Cents, str | None]:
        """Points granted for ``cash``, and the tier name that applied (if tiered)."""
        if self.ratio is not None:
            return mul_floor(cash, self.ratio), None
        assert self.tiers is not None
        position = bisect.bisect_right([tier.min for tier in self.tiers], cash)
        if position == 0:
            return 0, None
        tier = self.tiers[position - 1]
        return mul_floor(cash, tier.multiplier), tier.name


class ReleasePolicy(_Section):
    mode: Literal["daily", "immediate"] = "immediate"
    daily_rate: Share | None = None
    # economics (issue 12): release schedules and controls, each optional
    stages: tuple[ReleaseStage, ...] | None = None
    requires_activity: ActivityGate | None = None
    throttle: Throttle | None = None

    @model_validator(mode="after")
    def _daily_needs_rate(self) -> ReleasePolicy:
        if self.mode == "daily" and self.daily_rate is None and self.stages is None:
            raise ValueError("daily release needs daily_rate")
        if self.mode == "immediate" and self.daily_rate is not None:
            raise ValueError("daily_rate only applies to mode: daily")
        check_release_controls(self)
        return self


class TeamLevel(_Section):
    name: str = Field(min_length=1)
    min: Amount
    rate: Share


class TeamPolicy(_Section):
    levels: tuple[TeamLevel, ...] = ()
    peer_rate: Share = ZERO_RATE

    @field_validator("levels")
    @classmethod
    def _ordered(cls, levels: tuple[TeamLevel, ...]) -> tuple[TeamLevel, ...]:
        _strictly_ascending([level.min for level in levels], "levels")
        return levels

    @cached_property
    def _mins(self) -> list[Cents]:
        return [level.min for level in self.levels]

    def level_index(self, team_volume: Cents) -> int:
        """Index of the highest level with ``min <= team_volume``, or -1."""
        return bisect.bisect_right(self._mins, team_volume) - 1


class Valuation(_Section):
    mode: Literal["fixed", "reserve"] = "fixed"
    price: Rate | None = None
    reserve_rate: Share | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> Valuation:
        if self.mode == "fixed" and self.reserve_rate is not None:
            raise ValueError("reserve_rate only applies to mode: reserve")
        if self.mode == "reserve":
            if self.price is not None:
                raise ValueError("price only applies to mode: fixed (reserve mode derives it)")
            if self.reserve_rate is None:
                raise ValueError("mode: reserve needs reserve_rate")
        return self

    @property
    def fixed_price(self) -> Fraction:
        return self.price if self.price is not None else ONE


class WithdrawalPolicy(_Section):
    fee_rate: Share = ZERO_RATE
    min_points: Amount = 0


class DeductionPolicy(_Section):
    max_ratio: Share


class MerchantPolicy(_Section):
    """Seed 000 merchant rebates: a merchant gives up a share of each order as points.

    A merchant order carries its merchant's ``rebate`` ratio, which must lie
    within ``[min_rebate, max_rebate]``; it replaces ``grant`` for that order
    (release, reserve and commission apply as usual).
    """

    min_rebate: Share = Fraction(3, 100)
    max_rebate: Share = Fraction(20, 100)

    @model_validator(mode="after")
    def _ordered(self) -> MerchantPolicy:
        if self.min_rebate > self.max_rebate:
            raise ValueError("min_rebate must not exceed max_rebate")
        return self

    def allows(self, rebate: Fraction) -> bool:
        return self.min_rebate <= rebate <= self.max_rebate


class CommissionPolicy(_Section):
    rates: tuple[dict[str, Share], ...]

    @model_validator(mode="after")
    def _categories_named(self) -> CommissionPolicy:
        for generation in self.rates:
            for category in generation:
                if not category:
                    raise ValueError("a category name must not be empty")
        return self

    def rate(self, generation: int, category: str | None) -> Fraction:
        """Rate for generation ``generation`` (1-based); unlisted categories use ``default``."""
        rates = self.rates[generation - 1]
        if category is not None and category in rates:
            return rates[category]
        return rates.get("default", ZERO_RATE)


class Plan(_Section):
    """A whole reward plan. Absent sections switch their mechanism off."""

    name: str = Field(min_length=1)
    grant: GrantPolicy | None = None
    release: ReleasePolicy = ReleasePolicy()
    share: tuple[Share, ...] = ()
    team: TeamPolicy | None = None
    valuation: Valuation = Valuation()
    withdrawal: WithdrawalPolicy = WithdrawalPolicy()
    deduction: DeductionPolicy | None = None
    commission: CommissionPolicy | None = None
    merchant: MerchantPolicy | None = None
    # -- engagement programs (issue 13; functions/rewards/program_plans.py)
    lottery: LotteryPolicy | None = None
    staking: StakingPolicy | None = None
    roles: RolesPolicy | None = None
    catalog: CatalogPolicy | None = None
    # economics (issue 12): refunds and dividend pools, absent = off
    refund: RefundPolicy | None = None
    pools: tuple[DividendPool, ...] | None = None

    @model_validator(mode="after")
    def _pools_name_levels(self) -> Plan:
        check_pools(self)
        return self

    @property
    def levels(self) -> Sequence[TeamLevel]:
        return self.team.levels if self.team is not None else ()

    @property
    def peer_rate(self) -> Fraction:
        return self.team.peer_rate if self.team is not None else ZERO_RATE

    def level_name(self, team_volume: Cents) -> str | None:
        if self.team is None:
            return None
        index = self.team.level_index(team_volume)
        return self.team.levels[index].name if index >= 0 else None

    @property
    def reserve_rate(self) -> Fraction | None:
        return self.valuation.reserve_rate if self.valuation.mode == "reserve" else None


def _strictly_ascending(values: Sequence[Cents], what: str) -> None:
    for earlier, later in itertools.pairwise(values):
        if later <= earlier:
            raise ValueError(
                f"{what} must be in ascending order of min "
                f"({format_cents(later)} follows {format_cents(earlier)})"
            )


def parse_plan(data: object) -> Plan:
    """Validate a plan mapping; raise :class:`PlanError` naming the first bad key."""
    if not isinstance(data, Mapping):
        raise PlanError("", "a plan must be a mapping with at least `name`")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _dotted(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        raise PlanError(key, message) from None


def load_plan_text(text: str) -> Plan:
    """Parse YAML plan text exactly (numbers kept as decimal text)."""
    return parse_plan(load_plan_data(text))


def canonical_plan_text(plan: Plan) -> str:
    """The plan as canonical JSON: every value as validated, sorted keys, no blanks.

    Two texts that load to the same plan have the same canonical text, and
    :func:`load_plan_text` reads it back to an equal plan (JSON is YAML), so it is
    what a plan version stores, hashes and compares.
    """
    data = plan.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _dotted(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item.startswith("function-") or item in {"tagged-union"}:
            continue
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)
