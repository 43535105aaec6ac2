"""Settlement beyond one function: page batches, the Step Functions hand-off, notifications
(their messages, queues and budget reservations: :mod:`functions.services.settlement_notices`).

:mod:`functions.services.settlement` computes a date's results once and
persists them as pages; this module applies those pages in **batches** that
may run anywhere and in any order:

* the scheduled function applies a small run itself (``settle_or_fan_out``),
  and hands a large one to a Step Functions Distributed Map whose items are
  page ranges (``{"first": 0, "count": 10}``); each item applies its pages
  with :func:`apply_batch`, which is safe to retry at any point because every
  member's transaction is conditioned on ``last_settled != date`` and a page's
  circulating total is added together with its ``applied`` flag;
* before a page is applied, the notification policy (issue 16,
  :mod:`functions.services.notification_policy`) sorts its members into what they
  hear, and the page *reserves* its messages in the date's budget (one transaction,
  :mod:`functions.store.notify_store`); after it is applied, the reserved members get
  ONE message each (a statement, id ``notify:<date>:<member>``, or the weekly digest),
  the rest are deferred to the Mini App and counted. A retried batch finds its pages'
  reservations (the budget is never counted twice) and sends their messages again; the
  sender drops ids it has already delivered, so members hear once;
* while the run is open (claimed, not yet done) reserve-priced withdrawals
  wait: circulating catches up page by page; :func:`finish` marks the run done,
  and closes the settlement sequence for the next date, only when every page is
  applied;
* dates are settled in order: the scheduled entry (:func:`settle_scheduled`)
  settles the next date due, catching up days that were never settled, and
  answers ``blocked`` (with the unfinished date) while another date's run is open.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.rewards.errors import Rejected
from functions.store.notify_store import NotificationBudget
from functions.store.records import MemberRecord, SettlementRun
from functions.store.settlement_store import RunStatus

from .daily_aggregates import record_daily_aggregate
from .ledger import Ledger
from .notification_policy import (
    Candidate,
    Category,
    NotificationRules,
)
from .settlement import apply_page, row_of
from .settlement_compute import SettlementBlocked, prepare_run
from .settlement_notices import (
    NotificationQueue,
    budget_of,
    day_shares,
    digest_notification,
    notification,
    reserve,
)
from .settlement_results import SettlementError, decode_page

MAX_PAGES_PER_BATCH = 1000
"""Far above what one function applies within its timeout; guards malformed input."""


# -- page batches --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one batch did (a retry reports 0 members for pages already applied)."""

    date: str
    first: int
    pages: int
    members_applied: int
    notifications: int
    deferred: int = 0
    """Messages the date's budget had no room for (reserved by this batch, not a retry's)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "first": self.first,
            "pages": self.pages,
            "members_applied": self.members_applied,
            "notifications": self.notifications,
            "deferred": self.deferred,
        }


def page_batches(pages: int, pages_per_batch: int) -> list[dict[str, int]]:
    """The Distributed Map's items: consecutive page ranges covering ``range(pages)``."""
    if pages_per_batch < 1:
        raise ValueError("pages_per_batch must be positive")
    return [
        {"first": first, "count": min(pages_per_batch, pages - first)}
        for first in range(0, pages, pages_per_batch)
    ]


def unapplied_pages(ledger: Ledger, run: SettlementRun) -> list[int]:
    """Numbers of the run's pages without an applied marker (markers are tiny items)."""
    applied = ledger.store.applied_pages(run.date, run.run_id)
    return [number for number in range(int(run.pages)) if number not in applied]


def _published_run(ledger: Ledger, date: str) -> SettlementRun:
    run = ledger.store.settlement_run(date)
    if run is None:
        raise SettlementError(f"no settlement run for {date}: prepare it first")
    if run.status == RunStatus.COMPUTING:
        raise SettlementError(f"the settlement of {date} is still being computed")
    return run


def apply_batch(
    ledger: Ledger,
    date: str,
    first: int,
    count: int,
    queue: NotificationQueue,
    *,
    rules: NotificationRules | None = None,
    budget: NotificationBudget | None = None,
) -> BatchOutcome:
    """Apply pages ``first … first+count-1`` of the date's run, then notify their members.

    Each page's messages are reserved in the date's budget before it is applied (the
    policy reads its members as they were). Pages with an applied marker are not applied
    again, but their reserved messages are sent again: a crash may have come between the
    marker and the queue. Messages carry their reservation's time (``queued_at``: the
    sender drops stale ones), so a retry's bodies are the first attempt's.
    """
    if first < 0 or not 1 <= count <= MAX_PAGES_PER_BATCH:
        raise SettlementError(f"bad page range first={first} count={count}")
    store = ledger.store
    run = _published_run(ledger, date)
    if first + count > int(run.pages):
        raise SettlementError(f"pages {first}..{first + count - 1} beyond the run's {run.pages}")
    if run.status == RunStatus.DONE:  # a late retry: every page was applied and announced
        return BatchOutcome(date, first, count, 0, 0)
    rules = rules or NotificationRules()
    budget = budget or budget_of(ledger)
    applied_before = store.applied_pages(date, run.run_id)
    applied = notified = deferred = 0
    known: dict[int, list[Candidate]] = {}  # pages classified in this batch (the sample too)
    for number in range(first, first + count):
        page = store.get_page(date, run.run_id, number)
        if page is None:
            raise SettlementError(f"page {number} of {date} (run {run.run_id}) is missing")
        results = decode_page(page.payload)
        movers = [result for result in results if result.moves_points]
        done = number in applied_before
        records: dict[str, MemberRecord] = {}  # read once: for the policy, then the page
        reservation = reserve(ledger, budget, run, page, movers, done, rules, known, records)
        if not done:
            applied += apply_page(ledger, run, page, results, records)
        if reservation.fresh:
            deferred += reservation.deferred
        by_member = {result.member: result for result in movers}
        queued_at = reservation.at_s
        messages = [
            digest_notification(date, member, queued_at)
            if category == Category.DIGEST.value
            else {**notification(date, by_member[member]), "queued_at": queued_at}
            for member, category in reservation.send
            if member in by_member
        ]
        notified += queue.send(messages)
    return BatchOutcome(date, first, count, applied, notified, deferred)


def finish(ledger: Ledger, date: str) -> dict[str, Any]:
    """Mark the run done once every page is applied (closing it for the next date)."""
    run = _published_run(ledger, date)
    if run.status != RunStatus.DONE:
        missing = unapplied_pages(ledger, run)
        if missing:
            raise SettlementError(f"{date}: {len(missing)} pages not applied, e.g. {missing[:10]}")
        # The dashboards' figures of the date: written once (put if absent), before the
        # run is marked done so a crash here converges like the rest of the run.
        record_daily_aggregate(ledger, run)
        ledger.store.finish_run(run)
    return {**row_of(date, run).as_json(), "pages": int(run.pages)}


# -- the scheduled entry -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Execution:
    arn: str
    already_running: bool


class ExecutionStarter(Protocol):
    def start(self, date: str, payload: Mapping[str, Any]) -> Execution:
        """Start the fan-out for ``date`` unless one is already running."""
        ...


class StepFunctionsStarter:
    """Starts the settlement state machine; a running execution for the date is reused."""

    def __init__(
        self, state_machine_arn: str, client: Any, clock: Callable[[], float] = time.time
    ) -> None:
        self.state_machine_arn = state_machine_arn
        self.client = client
        self.clock = clock

    def _running(self) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_executions")
        for page in paginator.paginate(
            stateMachineArn=self.state_machine_arn, statusFilter="RUNNING"
        ):
            yield from page.get("executions", [])

    def start(self, date: str, payload: Mapping[str, Any]) -> Execution:
        prefix = f"settle-{date}"
        for execution in self._running():
            if str(execution["name"]).startswith(prefix):
                return Execution(str(execution["executionArn"]), already_running=True)
        # A fresh name per attempt: a failed execution's name stays taken for 90 days.
        response = self.client.start_execution(
            stateMachineArn=self.state_machine_arn,
            name=f"{prefix}-{int(self.clock())}",
            input=json.dumps(payload, sort_keys=True),
        )
        return Execution(str(response["executionArn"]), already_running=False)


@dataclass(frozen=True, slots=True)
class FanoutPolicy:
    """When to apply inline and how to cut the work when not."""

    inline_pages: int = 20
    pages_per_batch: int = 10
    max_concurrency: int = 16
    notifications: NotificationRules = field(default_factory=NotificationRules)
    """Which statements are sent and the date's budget (issue 16)."""


AfterFinish = Callable[[dict[str, Any]], dict[str, Any]]
"""A step run once a date's run is done inline (the proof of liabilities); its answer is
reported under ``after_finish``. It runs before any later date can be claimed here."""


def settle_or_fan_out(
    ledger: Ledger,
    date: str,
    *,
    queue: NotificationQueue,
    starter: ExecutionStarter | None,
    policy: FanoutPolicy | None = None,
    after_finish: AfterFinish | None = None,
) -> dict[str, Any]:
    """Compute and persist ``date``'s run; apply it here if small, else start the fan-out.

    The one settlement driver: the scheduled function, ``jifen settlement run``,
    ``jifen dev`` and :func:`~functions.services.settlement.run_settlement` all settle
    through it, so a run is claimed, applied and closed (:func:`finish`: only once
    every page is applied) by the same rules wherever it runs. Answers ``blocked``
    (nothing done) while another date's run is unfinished, and ``refused`` with a
    stable code for a date before the last one settled. ``after_finish`` runs after a run
    finished here (a fanned-out run has the state machine's own step after it).
    """
    policy = policy or FanoutPolicy()
    existing = ledger.store.settlement_run(date)
    if existing is not None and existing.status == RunStatus.DONE:
        return {"date": date, "status": "already_settled", "pages": int(existing.pages)}
    try:
        run = prepare_run(ledger, date)
    except SettlementBlocked as blocked:
        return {"date": date, "status": "blocked", "blocked_by": blocked.blocked_by}
    except Rejected as refused:
        return {
            "date": date,
            "status": "refused",
            "code": refused.code.value,
            "message": refused.message,
        }
    if run is None or run.status == RunStatus.DONE:  # another worker finished it meanwhile
        done = ledger.store.settlement_run(date)
        return {"date": date, "status": "already_settled", "pages": int(done.pages if done else 0)}
    pages = int(run.pages)
    if starter is None or pages <= policy.inline_pages:
        members = notified = deferred = 0
        for batch in page_batches(pages, MAX_PAGES_PER_BATCH):
            outcome = apply_batch(
                ledger,
                date,
                batch["first"],
                batch["count"],
                queue,
                rules=policy.notifications,
            )
            members += outcome.members_applied
            notified += outcome.notifications
            deferred += outcome.deferred
        settled = {
            **finish(ledger, date),
            "mode": "inline",
            "members_applied": members,
            "notifications": notified,
            "notifications_deferred": deferred,
        }
        if after_finish is not None:
            settled["after_finish"] = after_finish(settled)
        return settled
    # The day's notification shares, estimated here once: otherwise every map item that
    # starts at once would sample the run for them (the first to write wins; same result).
    day_shares(ledger, budget_of(ledger), run, policy.notifications, {})
    batches = page_batches(pages, policy.pages_per_batch)
    execution = starter.start(
        date, {"date": date, "batches": batches, "max_concurrency": policy.max_concurrency}
    )
    return {
        "date": date,
        "status": "running" if execution.already_running else "started",
        "mode": "fan_out",
        "pages": pages,
        "batches": len(batches),
        "execution": execution.arn,
    }


def next_day(date: str) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


def settle_scheduled(
    ledger: Ledger,
    target: str,
    *,
    queue: NotificationQueue,
    starter: ExecutionStarter | None,
    policy: FanoutPolicy | None = None,
    time_left_s: Callable[[], float] | None = None,
    time_budget_s: float = 0.0,
    after_finish: AfterFinish | None = None,
) -> dict[str, Any]:
    """The schedule's run: settle every date due up to ``target``, oldest first.

    Normally that is ``target`` alone. When days were never settled (the schedule
    was off, or an unfinished run held them back until an operator finished it)
    they are caught up first, one run each, in order; a new day is started only
    while ``time_left_s()`` exceeds ``time_budget_s``, and the next tick goes on.
    A run of another date left unfinished answers ``blocked`` with that date.
    The answer is the last date's outcome; after a catch-up it also lists the dates
    settled first (``caught_up``) and the ``target``, and is ``behind`` (naming the
    ``next`` date) when time ran out before the target.
    """
    sequence = ledger.store.settlement_sequence()
    date = target
    if sequence is not None and not sequence.open and sequence.date < target:
        date = next_day(sequence.date)
    caught_up: list[str] = []
    while True:
        outcome = settle_or_fan_out(
            ledger, date, queue=queue, starter=starter, policy=policy, after_finish=after_finish
        )
        if date >= target or outcome["status"] != "settled":
            break
        caught_up.append(date)
        date = next_day(date)
        if time_left_s is not None and time_left_s() <= time_budget_s:
            outcome = {"date": target, "status": "behind", "next": date}
            break
    if caught_up:
        outcome = {**outcome, "target": target, "caught_up": caught_up}
    return outcome
