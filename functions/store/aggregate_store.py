"""Daily aggregates: one small item per settled date, so dashboards never scan.

``AGG#DAILY`` / ``<date>``: written once when the date's run has applied every page
(:func:`functions.services.daily_aggregates.record_daily_aggregate`), put only if
absent, so a rerun or a retried finish never rewrites a published figure. Dashboards
read the newest N dates with one ``Query`` on the partition (dates sort as text). One
partition for every date is fine: one write a day, a few reads per page view.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .items import Kind, keyed, optional_text, text
from .records import DailyAggregate
from .table import Absent, ConditionFailed, Item, Key, Put, Table, Value

AGGREGATE_PK = "AGG#DAILY"


def aggregate_key(date: str) -> Key:
    return Key(AGGREGATE_PK, date)


_FIGURES = (
    "run_seq",
    "written_at",
    "members",
    "active",
    "static",
    "accelerated",
    "forfeited",
    "issuance",
    "burned",
    "sales",
    "reserve",
    "platform",
    "paid_out",
    "circulating",
    "fees",
    "reserve_set_aside",
    "price_num",
    "price_den",
)
"""Integers kept together in one JSON attribute, ``figures`` (as a run keeps its ``totals``):
the item is read whole, never by attribute, and one attribute is far cheaper to carry."""


def aggregate_item(aggregate: DailyAggregate) -> Item:
    figures = {name: getattr(aggregate, name) for name in _FIGURES}
    return keyed(
        aggregate_key(aggregate.date),
        Kind.DAILY_AGGREGATE,
        date=aggregate.date,
        plan=aggregate.plan,
        valuation=aggregate.valuation,
        figures=json.dumps(figures, sort_keys=True, separators=(",", ":")),
        programs=aggregate.programs,
    )


def _integer(figures: Mapping[str, object], name: str, where: str) -> int | None:
    value = figures.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{where}: {name} is not an integer: {value!r}")
    return value


def aggregate_record(item: Mapping[str, Value]) -> DailyAggregate:
    where = f"{item.get('pk')!r} {item.get('sk')!r}"
    figures = json.loads(text(item, "figures"))
    if not isinstance(figures, dict):
        raise ValueError(f"{where}: figures is not a JSON object")
    counts = {
        name: _integer(figures, name, where) or 0
        for name in _FIGURES
        if name not in {"price_num", "price_den"}
    }
    return DailyAggregate(
        date=text(item, "date"),
        plan=text(item, "plan"),
        valuation=text(item, "valuation"),
        price_num=_integer(figures, "price_num", where),
        price_den=_integer(figures, "price_den", where),
        programs=optional_text(item, "programs") or "{}",
        **counts,
    )


class DailyAggregates:
    """The aggregate requests of :class:`~functions.store.ledger_store.LedgerStore`."""

    table: Table

    def put_daily_aggregate(self, aggregate: DailyAggregate) -> bool:
        """Store the date's aggregate unless one exists; False if it already did."""
        try:
            self.table.write(Put(aggregate_item(aggregate), Absent()))
        except ConditionFailed:
            return False
        return True

    def daily_aggregate(self, date: str) -> DailyAggregate | None:
        item = self.table.get(aggregate_key(date))
        return aggregate_record(item) if item is not None else None

    def daily_aggregates(self, *, limit: int, before: str | None = None) -> list[DailyAggregate]:
        """The newest ``limit`` aggregates (dates before ``before`` when given), newest first."""
        items = self.table.query(AGGREGATE_PK, below=before, newest_first=True, limit=limit)
        return [aggregate_record(item) for item in items]
