"""Daily aggregates: one small item per settled date, so dashboards never scan.

``AGG#DAILY`` / ``<date>``: written once when the date's run has applied every page
(:func:`functions.services.daily_aggregates.record_daily_aggregate`), put only if
absent, so a rerun or a retried finish never rewrites a published figure. Dashboards
read the newest N dates with one ``Query`` on the partition (dates sort as text). One
partition for every date is fine: one write a day, a few reads per page view.
"""

from __future__ import annotations

from collections.abc import Mapping

from .items import Kind, keyed, number, optional_number, optional_text, text
from .records import DailyAggregate
from .table import Absent, ConditionFailed, Item, Key, Put, Table, Value

AGGREGATE_PK = "AGG#DAILY"


def aggregate_key(date: str) -> Key:
    return Key(AGGREGATE_PK, date)


_COUNTS = (
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
)


def aggregate_item(aggregate: DailyAggregate) -> Item:
    counts: dict[str, Value] = {name: getattr(aggregate, name) for name in _COUNTS}
    return keyed(
        aggregate_key(aggregate.date),
        Kind.DAILY_AGGREGATE,
        date=aggregate.date,
        plan=aggregate.plan,
        valuation=aggregate.valuation,
        price_num=aggregate.price_num,
        price_den=aggregate.price_den,
        programs=aggregate.programs,
        **counts,
    )


def aggregate_record(item: Mapping[str, Value]) -> DailyAggregate:
    counts = {name: number(item, name) for name in _COUNTS}
    return DailyAggregate(
        date=text(item, "date"),
        plan=text(item, "plan"),
        valuation=text(item, "valuation"),
        price_num=optional_number(item, "price_num"),
        price_den=optional_number(item, "price_den"),
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
