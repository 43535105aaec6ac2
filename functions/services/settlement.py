"""Daily settlement on the store, steps 2 and 3: apply per member, then finish.

Steps 0 and 1 (claim the date in order, compute the run once and publish its pages) are
in :mod:`functions.services.settlement_compute`; the drivers that run all of them are
:func:`run_settlement` here and :mod:`functions.services.settlement_fanout`.

2. **Apply.** Each page's members get one conditional update each (balances, grants,
   counters, the chain head) conditioned on the member's ``settled_seq`` being
   older than the run's sequence number, then their journal entries in batches
   (missing ones rebuilt for members an earlier attempt settled:
   :mod:`functions.store.settlement_writes`; a member whose settlement also pays from
   a platform account keeps one transaction); then the page is marked applied
   together with its circulating total. Pages are independent, so they can fan
   out (Step Functions Distributed Map) and a crash at any write followed by a
   rerun converges on one clean run's state: the results were fixed before
   anything was applied.
3. **Finish.** The run is marked done and the sequence closed in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.ledger import SYSTEM, Bucket, Posting, move
from functions.rewards.money import Cents
from functions.rewards.refunds import commission_repay_postings, repay_postings, repayment
from functions.rewards.report import SettlementRow
from functions.store.commit import Commit
from functions.store.errors import ConflictError, GuardError, UnavailableError
from functions.store.records import (
    EntryKind,
    GrantRecord,
    MemberRecord,
    SettlementPage,
    SettlementRun,
)

from .ledger import Ledger
from .settlement_compute import SettlementBlocked
from .settlement_results import MemberResult


def settlement_commit(
    run: SettlementRun, result: MemberResult, record: MemberRecord, at: int
) -> Commit:
    """The settlement event of one member's result of ``run``, on its current record.

    Pure, so a member's entry can be rebuilt byte for byte when the member's update
    was written and its entry was not (:mod:`functions.store.settlement_writes`).
    """
    date, run_seq = run.date, int(run.run_seq)
    released = result.static + result.paid
    stakes = result.stakes  # issue 13: the staking step
    by_seq = dict(result.releases)
    moved = {seq: (releases, daily) for seq, releases, daily in result.stages}  # issue 12
    grants = tuple(
        GrantRecord(g.seq, g.order, g.points, g.remaining - by_seq.get(g.seq, 0), g.daily)
        if g.schedule is None
        else _staged(g, g.remaining - by_seq.get(g.seq, 0), moved.get(g.seq))
        for g in record.grants
    )
    assert sum(by_seq.values()) == released, "releases must add up to static + paid"
    postings = (
        (
            Posting(result.member, Bucket.LOCKED, -released),
            Posting(result.member, Bucket.AVAILABLE, released),
        )
        if released
        else ()
    )
    programs: dict[str, object] = {}
    statistics = {result.member: {"released": released, "forfeited": result.forfeited}}
    if stakes is not None:  # issue 13
        postings = (*postings, *stakes.postings(result.member))
        programs = {"stakes": stakes.stakes_after(record.programs.stakes)}
        statistics[result.member].update(stakes.statistics())
    # economics (issue 12): dividend pools pay into available and commission
    pool_postings, repaid_commission = _pool_payments(result, record)
    credit = released + result.pool_points
    if result.pool_points:
        statistics[result.member]["released"] += result.pool_points
    # economics (issue 12): the release repays a debtor's refund debt first
    repaid = repayment(record.debt, credit) if record.debt else 0
    repaid_stats = {"debt": -repaid, "clawed_back": repaid} if repaid else {}
    debt_postings = tuple(repay_postings(result.member, repaid)) if repaid else ()
    statistics[result.member].update(repaid_stats)
    if repaid_commission:
        statistics[result.member]["commission_debt"] = -repaid_commission
    debts = [-repaid, -repaid_commission]
    return Commit(
        event_key=f"settle:{date}:{result.member}",
        kind=EntryKind.SETTLEMENT,
        at=at,
        chain=record,
        postings=(*postings, *pool_postings, *debt_postings),
        details={
            "date": date,
            **result.statement(),
            **({"stakes": stakes.statement()} if stakes is not None else {}),
            **({"debts": {result.member: debts}} if any(debts) else {}),
            **_pool_details(result),
        },
        statistics=statistics,
        sets={
            result.member: {
                "grants": tuple(g for g in grants if g.remaining > 0),
                **_gate_sets(result),  # economics (issue 12)
                "last_settled": date,
                "team_volume": result.team_volume,
                "team_size": result.team_size,
                "level": result.level,
                **programs,
            }
        },
        settlement_seq=run_seq,
        defer_circulating=True,
        circulating=-repaid,
    )


def apply_member(
    ledger: Ledger,
    run: SettlementRun,
    result: MemberResult,
    record: MemberRecord | None,
    settled: list[Commit] | None = None,
) -> bool:
    """Apply one member's result of ``run`` once; False if it was already applied.

    The guard is the run's sequence number, not its date: the member item records
    the last run applied to it (``settled_seq``) and its write requires it to be
    older, so no retry, rerun or overlapping worker can settle a member twice. A member
    found settled by this very run is added to ``settled`` (its entry may still be
    missing: :func:`apply_page` restores it before marking the page).
    """
    store = ledger.store
    date, run_seq = run.date, int(run.run_seq)
    if not result.moves_points and not result.stages:  # not a ledger event
        figures: dict[str, str | int | None] = {
            "team_volume": result.team_volume,
            "team_size": result.team_size,
            "level": result.level,
            **_gate_sets(result),  # economics (issue 12): the gate's marks
        }
        store.set_run_figures(result.member, run_seq, figures)
        return True
    for attempt in range(ledger.max_attempts):
        if record is None or attempt:
            record = store.get_member(result.member)
        assert record is not None, f"settled member {result.member!r} vanished"
        if record.settled_seq >= run_seq:
            if record.settled_seq == run_seq and settled is not None:
                settled.append(settlement_commit(run, result, record, ledger.clock()))
            return False
        try:
            store.commit(settlement_commit(run, result, record, ledger.clock()))
            return True
        except (ConflictError, GuardError, UnavailableError):
            ledger.sleep(min(0.2, 0.002 * 2**attempt))
    raise UnavailableError(f"could not settle {result.member!r} on {date}")


def _pool_payments(result: MemberResult, record: MemberRecord) -> tuple[tuple[Posting, ...], Cents]:
    """Economics (issue 12): a member's dividend-pool payouts (points issued into available,
    cash from the platform into commission, which repays commission debt first), and the
    commission debt that repaid."""
    postings = [
        *move(result.pool_points, SYSTEM, Bucket.ISSUANCE, result.member, Bucket.AVAILABLE),
        *move(result.pool_cash, SYSTEM, Bucket.PLATFORM, result.member, Bucket.COMMISSION),
    ]
    owed = record.commission_debt
    repaid = repayment(owed, result.pool_cash) if owed and result.pool_cash else 0
    postings += commission_repay_postings(result.member, repaid) if repaid else []
    return tuple(postings), repaid


def _pool_details(result: MemberResult) -> dict[str, object]:
    """Economics (issue 12): the pools' payouts in the member's settlement statement."""
    if not (result.pool_points or result.pool_cash):
        return {}
    return {"pools": {"points": result.pool_points, "cash": result.pool_cash}}


def _staged(grant: GrantRecord, remaining: Cents, moved: tuple[int, Cents] | None) -> GrantRecord:
    """Economics (issue 12): a staged grant after the run, its counter moved unless gated."""
    if moved is None:
        return replace(grant, remaining=remaining)
    releases, daily = moved
    return replace(grant, remaining=remaining, releases=releases, daily=daily)


def _gate_sets(result: MemberResult) -> dict[str, int | None]:
    """Economics (issue 12): the gate's marks, set in the member's settlement write."""
    if result.gate is None:
        return {}
    orders, referrals, active_run = result.gate
    return {"gate_orders": orders, "gate_referrals": referrals, "active_run": active_run}


def apply_page(
    ledger: Ledger,
    run: SettlementRun,
    page: SettlementPage,
    results: Sequence[MemberResult],
    read: Mapping[str, MemberRecord] | None = None,
) -> int:
    """Step 2 for one page (``results``: its payload, decoded once by the caller): every
    member, their entries, then the page's total, once.

    Members' entries are put in batches after their updates; the entries of members an
    earlier attempt settled are rebuilt if missing, so a page is marked applied only
    once every entry of it exists. With ``ledger.apply_threads`` > 1 the page's members
    are applied in that many contiguous slices at once, each slice by one thread from
    its first update to its entries' put (members are independent writes; the wait is
    DynamoDB's, not the CPU's). Members in ``read`` (read just before, e.g. by the
    notification policy) are not read again.
    """
    store = ledger.store
    loaded = dict(read or {})
    unread = [result.member for result in results if result.member not in loaded]
    if unread:  # a stale read costs a retry, never a wrong write: the update checks the version
        loaded.update(store.get_members(unread, consistent=False))
    settled: list[Commit] = []

    def apply_slice(chunk: Sequence[MemberResult]) -> int:
        store.discard_settlement_entries()
        applied = sum(
            apply_member(ledger, run, result, loaded.get(result.member), settled)
            for result in chunk
        )
        _retried(ledger, store.flush_settlement_entries, f"the entries of page {page.page}")
        return applied

    slices = _slices(results, ledger.apply_threads)
    if len(slices) == 1:
        applied = apply_slice(slices[0])
    else:
        with ThreadPoolExecutor(max_workers=len(slices)) as pool:
            applied = sum(pool.map(apply_slice, slices))
    _retried(
        ledger,
        lambda: store.restore_settlement_entries(settled),
        f"the missing entries of page {page.page}",
    )
    released = sum(result.static + result.paid for result in results)
    released += sum(r.stakes.credited for r in results if r.stakes)  # issue 13: into available
    released += sum(r.pool_points for r in results)  # issue 12: dividend pools' points
    _retried(
        ledger,
        lambda: store.apply_page_totals(page, released, ledger.clock()),
        f"page {page.page} of {page.date}",
    )
    return applied


def _slices(results: Sequence[MemberResult], threads: int) -> list[Sequence[MemberResult]]:
    """``results`` cut into at most ``threads`` contiguous slices of near-equal size."""
    count = max(1, min(threads, len(results)))
    size = -(-len(results) // count) if results else 0
    return [results[start : start + size] for start in range(0, len(results), size)] or [[]]


def _retried(ledger: Ledger, write: Callable[[], object], what: str) -> None:
    """``write`` until it is not :class:`UnavailableError` (backing off), or give up."""
    for attempt in range(ledger.max_attempts):
        try:
            write()
            return
        except UnavailableError:
            ledger.sleep(min(0.2, 0.002 * 2**attempt))
    raise UnavailableError(f"could not write {what}")


def run_settlement(ledger: Ledger, date: str) -> SettlementRow:
    """Settle ``date`` end to end, every page applied here; a finished date is a no-op.

    The driver is :func:`~functions.services.settlement_fanout.settle_or_fan_out`, the
    one every settlement goes through (no state machine, no notifications here); its
    answers come back as exceptions: :class:`SettlementBlocked` (nothing touched) while
    an earlier date's run is unfinished, ``Rejected(settlement_out_of_order)`` for a date
    before the last one settled. While the run is open, reserve-valued withdrawals wait.
    """
    from .settlement_fanout import settle_or_fan_out
    from .settlement_notices import DiscardingQueue  # builds on this module

    outcome = settle_or_fan_out(ledger, date, queue=DiscardingQueue(), starter=None)
    status = outcome["status"]
    if status == "blocked":
        raise SettlementBlocked(date, outcome["blocked_by"])
    if status == "refused":
        raise Rejected(RejectCode(outcome["code"]), outcome["message"])
    if status == "already_settled":
        return SettlementRow(date, "already_settled")
    assert status == "settled", f"an inline settlement answered {outcome}"
    run = ledger.store.settlement_run(date)
    assert run is not None, "a settled date has a run record"
    return row_of(date, run)


def row_of(date: str, run: SettlementRun) -> SettlementRow:
    totals = json.loads(run.totals)
    return SettlementRow(
        date,
        "settled",
        static=totals["static"],
        share=totals["share"],
        team=totals["team"],
        peer=totals["peer"],
        paid=totals["paid"],
        forfeited=totals["forfeited"],
        members=totals["members"],
        economics=totals.get("economics"),  # issue 12: throttle, gated
    )
