"""A settled date's figures for the dashboards, recorded once as its run finishes.

The operators' dashboard and the public board read one small item per date
(:mod:`functions.store.aggregate_store`) instead of scanning members or journals.
:func:`record_daily_aggregate` is the settlement's one hook: the fan-out's ``finish``
calls it when every page of the run is applied, just before the run is marked done,
so a crash anywhere around it converges like the rest of the run (a rerun of an open
run finishes it and records the aggregate; a done run has one). It is put only if
absent: a retried finish never rewrites a published figure. A transient store failure
here is logged and swallowed, so the dashboards can never hold a settlement open; that
date then shows as a gap until :func:`record_daily_aggregate` is called for it again
(the console's settlement page offers it).
"""

from __future__ import annotations

import json
import logging

from functions.rewards.decisions import Pool, point_price
from functions.store.errors import StoreError
from functions.store.records import DailyAggregate, SettlementRun, WithdrawalStatus
from functions.store.table import TableError

from .ledger import Ledger

LOGGER = logging.getLogger(__name__)

OUTSTANDING = (WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED, WithdrawalStatus.BATCHED)
"""Requests whose net cash has left its source account but not yet reached the member."""


def daily_aggregate_of(ledger: Ledger, run: SettlementRun) -> DailyAggregate:
    """The figures of ``run``'s date now: its totals and the platform accounts as they stand.

    Reads the run record's totals, the 32 platform shards (one ``BatchGetItem``) and the
    three outstanding withdrawal queues by index: nothing proportional to the membership.
    """
    store = ledger.store
    totals = json.loads(run.totals)
    system = store.system_totals()
    set_aside = sum(
        request.net
        for status in OUTSTANDING
        for request in store.iter_withdrawals(status)
        if request.cash_source == "reserve"
    )
    price = point_price(ledger.plan, Pool(system.reserve, system.circulating))
    return DailyAggregate(
        date=run.date,
        run_seq=int(run.run_seq),
        plan=ledger.plan.name,
        valuation=ledger.plan.valuation.mode,
        written_at=ledger.clock(),
        members=int(totals.get("population", totals.get("members", 0))),
        active=int(totals.get("members", 0)),
        static=int(totals.get("static", 0)),
        accelerated=int(totals.get("paid", 0)),
        forfeited=int(totals.get("forfeited", 0)),
        issuance=system.issuance,
        burned=system.burned,
        sales=system.sales,
        reserve=system.reserve,
        platform=system.platform,
        paid_out=system.paid_out,
        circulating=system.circulating,
        fees=system.fees,
        reserve_set_aside=set_aside,
        price_num=None if price is None else price.numerator,
        price_den=None if price is None else price.denominator,
    )


def record_daily_aggregate(ledger: Ledger, run: SettlementRun) -> DailyAggregate | None:
    """Store ``run``'s date aggregate unless it exists; the stored one, or None on failure."""
    store = ledger.store
    try:
        existing = store.daily_aggregate(run.date)
        if existing is not None:
            return existing
        aggregate = daily_aggregate_of(ledger, run)
        if store.put_daily_aggregate(aggregate):
            return aggregate
        return store.daily_aggregate(run.date)
    except (StoreError, TableError):
        LOGGER.exception("the daily aggregate of %s was not recorded", run.date)
        return None
