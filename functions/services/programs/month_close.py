"""The monthly close of roles and commissions on the store (issue 13; seed 003).

Like the daily settlement (:mod:`functions.services.settlement`), in steps that a crash
at any point followed by a rerun finishes cleanly:

0. **Claim.** One transaction creates the month's run record and moves the close
   sequence (``CLOSE#SEQ``) to it from the previous month's, which must be ``done``.
1. **Compute.** Every member (join order), the month's activity (``MONTH#<month>``
   items the purchases wrote) and each member's role as it stood: the engine's linear
   :func:`~functions.rewards.roles.close_month`; the members it changes are written as
   compressed pages, then published on the run record with the totals. A run found
   ``computing`` (its worker died) is taken over under a new id.
2. **Apply.** Each changed member gets one transaction: the ladder and team pay from
   the platform's cash into its commission wallet and its new role, conditioned on the
   member's ``closed_month`` being older than this month (never paid twice).
3. **Finish.** The run is marked done and the sequence closed together.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.ledger import SYSTEM, Bucket, Posting
from functions.rewards.money import Cents, format_cents
from functions.rewards.program_report import month_row
from functions.rewards.roles import RoleStatus, check_close, close_month, month_end, valid_month
from functions.rewards.tree import NO_PARENT, bottom_up_order
from functions.store.commit import Commit
from functions.store.errors import ConflictError, GuardError, UnavailableError
from functions.store.program_items import CloseRun
from functions.store.records import EntryKind
from functions.store.settlement_store import RunStatus

from ..ledger import Ledger

PAGE_SIZE = 1000
"""Members per page (a page item stays far below DynamoDB's 400 KB limit)."""


@dataclass(frozen=True, slots=True)
class CloseResult:
    """One member's close, as kept in a page."""

    member: str
    ladder: Cents
    team_bonus: Cents
    role: str
    streak: int
    below: int

    def to_list(self) -> list[Any]:
        return [self.member, self.ladder, self.team_bonus, self.role, self.streak, self.below]

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> CloseResult:
        member, ladder, team_bonus, role, streak, below = row
        return cls(member, ladder, team_bonus, role, streak, below)


def encode_close_page(results: Sequence[CloseResult]) -> bytes:
    return zlib.compress(json.dumps([row.to_list() for row in results]).encode(), 6)


def decode_close_page(payload: bytes) -> list[CloseResult]:
    return [CloseResult.from_list(row) for row in json.loads(zlib.decompress(payload))]


class MonthCloseBlocked(RuntimeError):
    """Another month's close is unfinished: it must finish first (rerun it)."""

    def __init__(self, month: str, blocked_by: str) -> None:
        super().__init__(f"closing {month} waits for the close of {blocked_by}")
        self.month = month
        self.blocked_by = blocked_by


def run_month_close(ledger: Ledger, month: str) -> dict[str, object]:
    """Close ``month`` end to end (or finish its unfinished close); its report row.

    A month already closed gives an ``already_closed`` row and changes nothing.
    """
    if valid_month(month) is None:
        raise Rejected(RejectCode.INVALID_EVENT, "month must be written YYYY-MM")
    store = ledger.store
    run = store.close_run(month)
    if run is not None and run.status == RunStatus.DONE:
        return month_row(month, "already_closed", {})
    sequence = store.close_sequence()
    plan = ledger.plan_on(month_end(month))
    if run is None:
        check_close(plan.roles, month, sequence.month if sequence is not None else None)
        if sequence is not None and sequence.open:
            raise MonthCloseBlocked(month, sequence.month)
        run_id = _new_run_id()
        if not store.open_close(month, run_id, ledger.clock(), sequence):
            return run_month_close(ledger, month)  # lost the claim: look again
        run = store.close_run(month)
        assert run is not None
    if run.status == RunStatus.COMPUTING:
        run = _compute(ledger, run)
    applied = store.applied_close_pages(month, run.run_id)
    for page in range(run.pages):
        if page in applied:
            continue
        payload = store.close_page(month, run.run_id, page)
        if payload is None:
            raise UnavailableError(f"page {page} of the close of {month} is missing")
        for result in decode_close_page(payload):
            _apply_member(ledger, month, result)
        store.mark_close_page_applied(month, run.run_id, page, ledger.clock())
    store.finish_close(run)
    return month_row(month, "closed", json.loads(run.totals))


def _new_run_id() -> str:
    return uuid.uuid4().hex[:16]


def _compute(ledger: Ledger, claimed: CloseRun) -> CloseRun:
    """Step 1: the engine over the membership; pages written and published once."""
    store = ledger.store
    month = claimed.month
    run_id = _new_run_id()
    if not store.take_over_close(claimed, run_id):
        return _published(ledger, month)
    plan = ledger.plan_on(month_end(month))
    assert plan.roles is not None, "a claimed close has a roles section"
    members = list(store.iter_members())
    index = {record.member: position for position, record in enumerate(members)}
    parents = [index.get(r.referrer, NO_PARENT) if r.referrer else NO_PARENT for r in members]
    cash = [0] * len(members)
    orders = [0] * len(members)
    for activity in store.month_activity(month):
        position = index.get(activity.member)
        if position is not None:
            cash[position], orders[position] = activity.cash, activity.orders
    status = [
        RoleStatus(r.programs.role, r.programs.role_streak, r.programs.role_below) for r in members
    ]
    closing = close_month(plan.roles, parents, bottom_up_order(parents), cash, orders, status)
    results = [
        CloseResult(
            members[p].member,
            closing.ladder[p],
            closing.team_bonus[p],
            closing.status[p].role,
            closing.status[p].streak,
            closing.status[p].below,
        )
        for p in closing.changed
    ]
    payloads = [encode_close_page(page) for page in _pages(results)]
    store.write_close_pages(month, run_id, payloads)
    if not store.mark_close_computed(month, run_id, len(payloads), json.dumps(closing.totals())):
        return _published(ledger, month)
    published = store.close_run(month)
    assert published is not None
    return published


def _pages(results: Sequence[CloseResult]) -> Iterator[Sequence[CloseResult]]:
    for start in range(0, len(results), PAGE_SIZE):
        yield results[start : start + PAGE_SIZE]


def _published(ledger: Ledger, month: str) -> CloseRun:
    run = ledger.store.close_run(month)
    if run is None or run.status == RunStatus.COMPUTING:
        raise UnavailableError(f"another worker is computing the close of {month}")
    return run


def _apply_member(ledger: Ledger, month: str, result: CloseResult) -> None:
    """Step 2 for one member: once, guarded by ``closed_month`` on its item."""
    store = ledger.store
    paid = result.ladder + result.team_bonus
    postings = (
        (Posting(SYSTEM, Bucket.PLATFORM, -paid), Posting(result.member, Bucket.COMMISSION, paid))
        if paid
        else ()
    )
    for attempt in range(ledger.max_attempts):
        record = store.get_member(result.member)
        assert record is not None, f"closed member {result.member!r} vanished"
        closed = record.programs.closed_month
        if closed is not None and closed >= month:
            return
        try:
            store.commit(
                Commit(
                    event_key=f"close:{month}:{result.member}",
                    kind=EntryKind.MONTH_CLOSE,
                    at=ledger.clock(),
                    chain=record,
                    postings=postings,
                    details={
                        "month": month,
                        "ladder": format_cents(result.ladder),
                        "team_bonus": format_cents(result.team_bonus),
                        "role": result.role,
                    },
                    statistics={
                        result.member: {"ladder": result.ladder, "team_bonus": result.team_bonus}
                    },
                    sets={
                        result.member: {
                            "role": result.role,
                            "role_streak": result.streak,
                            "role_below": result.below,
                        }
                    },
                    closed_month=month,
                )
            )
            return
        except (ConflictError, GuardError, UnavailableError):
            ledger.sleep(min(0.2, 0.002 * 2**attempt))
    raise UnavailableError(f"could not close {month} for {result.member!r}")
