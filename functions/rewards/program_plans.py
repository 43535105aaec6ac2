"""Plan sections of the engagement programs (issue 13; docs/rules-programs.md).

Each section is optional; an absent section switches its program off, and a plan
without any of them behaves (and prints) exactly as before. Rates are exact
fractions, amounts integers of hundredths, counts whole numbers.
"""

from __future__ import annotations

import bisect
import itertools
from fractions import Fraction
from functools import cached_property

from pydantic import field_validator, model_validator

from .money import ZERO_RATE, Cents, format_cents
from .plan_fields import Amount, Count, Share, _Section

MAX_STARS = 5
"""The seed's ladder ends at 五星达人."""


class LotteryPolicy(_Section):
    """Seed 002 积分抽奖: a queue of draws paid from a pool fed by points spent."""

    cost: Amount
    min_available: Amount = 0
    pool_rate: Share
    every: Count
    prize: Amount
    exit_refund_rate: Share = ZERO_RATE
    invite_draws: Count = 1
    """Free draws a member gets when someone who joined through their link first buys."""

    @model_validator(mode="after")
    def _positive(self) -> LotteryPolicy:
        for name in ("cost", "every", "prize"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be greater than zero")
        return self


class StarPolicy(_Section):
    """Star ranks (一星 … 五星达人) and their rates of the stakes opened in the team."""

    direct: Count = 3
    rates: tuple[Share, ...]
    """``rates[k-1]`` is the rate of a k★ member."""
    bole_from: Count = 3
    """伯乐奖: members at this star or above also earn their rate of their direct members'
    star rewards of the day (0: off)."""

    @field_validator("rates")
    @classmethod
    def _ascending(cls, rates: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
        if not 1 <= len(rates) <= MAX_STARS:
            raise ValueError(f"give 1 to {MAX_STARS} star rates")
        for lower, higher in itertools.pairwise(rates):
            if higher < lower:
                raise ValueError("a higher star must not have a lower rate")
        return rates

    @field_validator("direct")
    @classmethod
    def _some(cls, direct: int) -> int:
        if direct < 1:
            raise ValueError("a star needs at least one direct member")
        return direct

    def rate(self, stars: int) -> Fraction:
        return self.rates[stars - 1] if stars > 0 else ZERO_RATE


class StakingPolicy(_Section):
    """Seed 002 积分上链: points locked for a term; escalating bonuses; star ranks."""

    rates: tuple[Share, ...]
    """Bonus of a member's k-th stake: ``rates[(k-1) mod len]`` of its principal."""
    terms: tuple[Count, ...]
    """Allowed terms, in settlements."""
    min_points: Amount = 0
    early_exit_penalty: Share = ZERO_RATE
    """Share of the principal burned when a stake is ended before it matures."""
    stars: StarPolicy | None = None

    @field_validator("terms")
    @classmethod
    def _positive_terms(cls, terms: tuple[int, ...]) -> tuple[int, ...]:
        if not terms:
            raise ValueError("give at least one term")
        if any(term < 1 for term in terms):
            raise ValueError("a term is at least one settlement")
        return terms

    @field_validator("rates")
    @classmethod
    def _some_rates(cls, rates: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
        if not rates:
            raise ValueError("give at least one bonus rate")
        return rates

    def rate_for(self, number: int) -> Fraction:
        """Bonus rate of a member's ``number``-th counted stake (1-based)."""
        return self.rates[(number - 1) % len(self.rates)]


class Bracket(_Section):
    min: Amount
    rate: Share


class PromoteRule(_Section):
    """Automatic member → promoter at a month's close (seed 003's RFM invitation)."""

    purchases: Count
    average: Amount = 0

    @field_validator("purchases")
    @classmethod
    def _some(cls, purchases: int) -> int:
        if purchases < 1:
            raise ValueError("purchases must be at least 1")
        return purchases


class PartnerRule(_Section):
    """Promoter → partner after ``months`` consecutive months at or above ``threshold``."""

    months: Count
    threshold: Amount

    @field_validator("months")
    @classmethod
    def _some(cls, months: int) -> int:
        if months < 1:
            raise ValueError("months must be at least 1")
        return months


class RolesPolicy(_Section):
    """Seed 003 会员-推广员-合伙人, the monthly ladder and team performance."""

    gate_commission: bool = True
    """Only promoters and partners earn the purchase commission (``commission``)."""
    promote: PromoteRule | None = None
    partner: PartnerRule | None = None
    ladder: tuple[Bracket, ...] = ()
    team_rate: Share = ZERO_RATE
    min_withdrawal: Amount = 0
    """Smallest commission-wallet withdrawal (seed 003: 100 yuan; the live system's)."""

    @field_validator("ladder")
    @classmethod
    def _ordered(cls, ladder: tuple[Bracket, ...]) -> tuple[Bracket, ...]:
        for lower, higher in itertools.pairwise(ladder):
            if higher.min <= lower.min:
                raise ValueError(
                    "ladder must be in ascending order of min "
                    f"({format_cents(higher.min)} follows {format_cents(lower.min)})"
                )
        return ladder

    @cached_property
    def _mins(self) -> list[Cents]:
        return [bracket.min for bracket in self.ladder]

    def ladder_rate(self, total: Cents) -> Fraction:
        """The rate of the highest bracket with ``min <= total`` (0 below every bracket)."""
        position = bisect.bisect_right(self._mins, total)
        return self.ladder[position - 1].rate if position else ZERO_RATE


class CatalogPolicy(_Section):
    """Seed 002 权益兑换: members spend points on listed items (``catalog: {}``).

    The items themselves are data operators list (``list_item``), not plan.
    """
