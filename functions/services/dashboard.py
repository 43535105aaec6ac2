"""Read models of the public board and the operators' dashboard, from stored aggregates.

Everything here reads by key: the platform shards (one ``BatchGetItem``), the
settlement sequence (one ``GetItem``) and the daily aggregates (one ``Query``),
never the membership. Amounts stay integers of hundredths; the price stays an exact
fraction until the edge formats it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from fractions import Fraction

from functions.rewards.decisions import Pool, point_price
from functions.rewards.money import Cents, mul_floor
from functions.rewards.plan import Plan
from functions.store.ports import LedgerPort
from functions.store.records import DailyAggregate, SettlementSequence

HISTORY_DAYS = 60
"""Dates a board or dashboard chart shows."""


@dataclass(frozen=True, slots=True)
class PriceSteps:
    """How the point price is computed now, step by step (RULES.md: valuation)."""

    mode: str
    reserve: Cents
    circulating: Cents
    price: Fraction | None
    """Exact cash per point (None: reserve valuation with nothing circulating)."""

    @property
    def price_cents(self) -> Cents | None:
        """The price shown, floored to 0.01 (withdrawals use the exact one)."""
        return None if self.price is None else mul_floor(100, self.price)


@dataclass(frozen=True, slots=True)
class DayRow:
    """One date of the dashboard: the aggregate and the flows since the one before it."""

    aggregate: DailyAggregate
    new_members: int | None
    sales: Cents | None
    """Cash taken since the previous aggregate (None for the first one shown)."""
    withdrawn: Cents | None
    """Cash paid out to members since the previous aggregate."""

    @property
    def price(self) -> Fraction | None:
        return price_of(self.aggregate)

    @property
    def programs(self) -> dict[str, object]:
        data = json.loads(self.aggregate.programs)
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class Board:
    """The public board: no member appears here, only platform figures."""

    plan: str
    steps: PriceSteps
    sequence: SettlementSequence | None
    history: tuple[DailyAggregate, ...]
    """Oldest first, at most :data:`HISTORY_DAYS`."""
    months: tuple[str, ...]
    """Months (``YYYY-MM``) with a pool report, newest first."""

    @property
    def last_settled(self) -> str | None:
        if self.sequence is None:
            return None
        if self.sequence.open:  # the open run's date is not settled yet
            return self.history[-1].date if self.history else None
        return self.sequence.date

    @property
    def programs(self) -> dict[str, object]:
        """Program figures (lottery pool, ...) of the newest aggregate; empty until they exist."""
        if not self.history:
            return {}
        data = json.loads(self.history[-1].programs)
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class PoolReport:
    """The reserve pool over one month: ``closing = opening + inflows - withdrawals``."""

    month: str
    valuation: str
    first_date: str
    last_date: str
    days: int
    opening: Cents
    inflows: Cents
    withdrawals: Cents
    """Cash the pool set aside for members' withdrawal requests (rejections give it back)."""
    paid_out: Cents
    """Cash actually paid to members in the month (from the pool or the platform)."""
    fees_kept: Cents
    closing: Cents


def price_of(aggregate: DailyAggregate) -> Fraction | None:
    if aggregate.price_num is None or not aggregate.price_den:
        return None
    return Fraction(aggregate.price_num, aggregate.price_den)


def price_steps(store: LedgerPort, plan: Plan) -> PriceSteps:
    totals = store.system_totals()
    price = point_price(plan, Pool(totals.reserve, totals.circulating))
    return PriceSteps(plan.valuation.mode, totals.reserve, totals.circulating, price)


def board(store: LedgerPort, plan: Plan, *, days: int = HISTORY_DAYS) -> Board:
    history = tuple(reversed(store.daily_aggregates(limit=days)))
    months = tuple(sorted({aggregate.date[:7] for aggregate in history}, reverse=True))
    return Board(plan.name, price_steps(store, plan), store.settlement_sequence(), history, months)


def day_rows(store: LedgerPort, *, days: int = 30) -> list[DayRow]:
    """The newest ``days`` dates, newest first, each with its flows since the date before."""
    found = store.daily_aggregates(limit=days + 1)
    rows: list[DayRow] = []
    for position, aggregate in enumerate(found[:days]):
        before = found[position + 1] if position + 1 < len(found) else None
        rows.append(
            DayRow(
                aggregate,
                None if before is None else aggregate.members - before.members,
                None if before is None else before.sales - aggregate.sales,
                None if before is None else aggregate.paid_out - before.paid_out,
            )
        )
    return rows


def _cash_out(aggregate: DailyAggregate | None) -> Cents:
    """Cash that has left the pool for withdrawals up to ``aggregate`` (cumulative)."""
    if aggregate is None or aggregate.valuation != "reserve":
        return 0
    return aggregate.paid_out + aggregate.reserve_set_aside


def valid_month(text: str) -> str | None:
    """``YYYY-MM`` if ``text`` is one (a real month), else None."""
    try:
        parsed = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        return None
    return text if len(text) == 7 and parsed.isoformat()[:7] == text else None


def pool_report(store: LedgerPort, month: str) -> PoolReport | None:
    """The month's pool report from its aggregates (None: no date of it was settled).

    Two queries: the month's dates (at most 31) and the last date before it (the opening
    balance; 0 before the first settlement).
    """
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    inside = [
        aggregate
        for aggregate in store.daily_aggregates(limit=31, before=following.isoformat())
        if aggregate.date.startswith(month)
    ]
    if not inside:
        return None
    previous = store.daily_aggregates(limit=1, before=first.isoformat())
    opening_row = previous[0] if previous else None
    last, earliest = inside[0], inside[-1]
    opening = opening_row.reserve if opening_row is not None else 0
    out = _cash_out(last) - _cash_out(opening_row)
    paid_before = opening_row.paid_out if opening_row is not None else 0
    fees_before = opening_row.fees if opening_row is not None else 0
    return PoolReport(
        month=month,
        valuation=last.valuation,
        first_date=earliest.date,
        last_date=last.date,
        days=len(inside),
        opening=opening,
        inflows=last.reserve - opening + out,
        withdrawals=out,
        paid_out=last.paid_out - paid_before,
        fees_kept=last.fees - fees_before,
        closing=last.reserve,
    )
