"""Daily settlement on the store, steps 0 and 1: claim in date order, compute once.

0. **Claim.** Dates are settled strictly in order. One transaction creates the
   date's run record and moves the settlement sequence (``SETTLE#SEQ``) from the
   previous run, which must be ``done``, to this one (``open``) with the next
   sequence number. While a run is open no other date can be claimed (it is
   *blocked by* the open date) and reserve-valued withdrawals wait.
1. **Compute.** Read every member (join order) into a roll of columns
   (:mod:`functions.store.member_roll`), run the engine's linear settlement in memory,
   and write the per-member results as compressed pages (``SETTLE#<date>`` /
   ``PAGE#n``), then publish them on the run record. Members are not touched yet, so a
   crash here is harmless and a rerun recomputes.

Steps 2 and 3 (apply per member, finish) are in :mod:`functions.services.settlement`.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from functions.rewards.errors import RejectCode, Rejected
from functions.store.member_roll import UnlistedReferrer
from functions.store.records import SettlementRun
from functions.store.settlement_store import RunStatus

from .ledger import Ledger
from .settlement_results import MemberResult, SettlementError, compute, encode_page

PAGE_SIZE = 1000
"""Members per page: a page item stays far below DynamoDB's 400 KB item limit."""


class SettlementBlocked(SettlementError):
    """An earlier date's run is unfinished: dates are settled strictly in order."""

    def __init__(self, date: str, blocked_by: str) -> None:
        super().__init__(
            f"the settlement of {blocked_by} is unfinished; {date} waits until it is done"
        )
        self.date = date
        self.blocked_by = blocked_by


def _pages(results: Iterable[MemberResult]) -> Iterator[list[MemberResult]]:
    page: list[MemberResult] = []
    for result in results:
        page.append(result)
        if len(page) == PAGE_SIZE:
            yield page
            page = []
    if page:
        yield page


CLAIM_ATTEMPTS = 5
"""Claims lost to a concurrent claimer before giving up (each loss means progress elsewhere)."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """The run of a date, and whether this call created it (so its ``run_id`` is ours)."""

    run: SettlementRun
    fresh: bool


def claim_run(ledger: Ledger, date: str) -> Claimed | None:
    """The run of ``date``: claimed now as the next in the sequence, or the one already open.

    Returns None when ``date`` is already settled. Raises :class:`SettlementBlocked`
    while another date's run is unfinished, and ``Rejected(settlement_out_of_order)``
    for a date before the last claimed one that was never settled (docs/rules-decisions.md).
    """
    store = ledger.store
    for _ in range(CLAIM_ATTEMPTS):
        run = store.settlement_run(date)
        if run is not None and run.status == RunStatus.DONE:
            return None
        sequence = store.settlement_sequence()
        if sequence is not None and sequence.open:
            if sequence.date != date:
                raise SettlementBlocked(date, sequence.date)
            if run is None:
                raise SettlementError(f"the sequence names {date} but it has no run record")
            return Claimed(run, fresh=False)
        if sequence is not None and date <= sequence.date:
            raise Rejected(
                RejectCode.SETTLEMENT_OUT_OF_ORDER,
                f"{date} is not after {sequence.date}, the last date settled; "
                "settlement dates are applied in order",
            )
        if run is not None:
            raise SettlementError(f"{date} has a run record the sequence does not name")
        if store.open_run(date, _new_run_id(), ledger.clock(), sequence):
            claimed = store.settlement_run(date)
            assert claimed is not None, "a claimed run has a record"
            return Claimed(claimed, fresh=True)
    raise SettlementError(f"could not claim the settlement of {date}: too much contention")


def _new_run_id() -> str:
    return uuid.uuid4().hex[:16]


def prepare_run(ledger: Ledger, date: str) -> SettlementRun | None:
    """Step 1: claim the run, compute it and publish its pages (or return the published run).

    None when the date is already settled. The run record is created ``computing``
    with a fresh ``run_id`` when the run is claimed; pages are written under that id
    and published by a conditional switch to ``computed``. A run found ``computing``
    (its worker crashed, or is slower) is taken over with a new id, so pages of
    different computations never mix.
    """
    store = ledger.store
    claimed = claim_run(ledger, date)
    if claimed is None or claimed.run.status != RunStatus.COMPUTING:
        return None if claimed is None else claimed.run
    run_id = claimed.run.run_id
    if not claimed.fresh:
        run_id = _new_run_id()
        if not store.take_over_run(claimed.run, run_id):
            return _published(ledger, date)
    with paused_collector():
        try:
            roll = store.settlement_roll(ledger.load_processes)
        except UnlistedReferrer as exc:  # the listing (an index) lags behind a recent join
            raise SettlementError(str(exc)) from exc
        results, summary = compute(ledger, roll, date)
        payloads = [encode_page(page) for page in _pages(results)]
        del roll, results
    store.write_pages(date, run_id, payloads)
    if not store.mark_run_computed(date, run_id, len(payloads), json.dumps(summary)):
        return _published(ledger, date)
    published = store.settlement_run(date)
    assert published is not None
    return published


@contextmanager
def paused_collector() -> Iterator[None]:
    """No cyclic garbage collection while a run is computed: its tens of millions of
    objects hold no cycles, and every collection would walk all of them again (at a
    million members the compute step takes half as long without; bench/compute.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _published(ledger: Ledger, date: str) -> SettlementRun:
    run = ledger.store.settlement_run(date)
    if run is None or run.status == RunStatus.COMPUTING:
        raise SettlementError(f"another worker is computing the settlement of {date}")
    return run
