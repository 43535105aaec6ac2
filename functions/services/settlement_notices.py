"""Settlement notifications (issue 16): the messages, the queues that take them, and each
page's reservation in the date's budget.

:mod:`functions.services.settlement_fanout` calls :func:`reserve` before applying a page
and sends the reserved members' messages after; the policy itself (who hears what) is
pure, in :mod:`functions.services.notification_policy`; the budget's items are in
:mod:`functions.store.notify_store`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from functions.store.ledger_store import LedgerStore
from functions.store.notify_store import NotificationBudget, PageReservation
from functions.store.records import MemberRecord, SettlementPage, SettlementRun

from .ledger import Ledger
from .notification_policy import (
    TIERS,
    Candidate,
    NotificationRules,
    allot,
    before_of,
    classify,
    cut,
    reconstructed_before,
    sample_pages,
    select,
    tier_counts,
)
from .settlement_results import MemberResult, SettlementError, decode_page

NOTIFICATION_KIND = "settlement"
DIGEST_KIND = "digest"
SQS_BATCH_MAX = 10
"""SendMessageBatch takes at most ten entries."""


class NotificationError(RuntimeError):
    """Messages the queue kept refusing: the batch fails and is retried as a whole."""


# -- notifications -----------------------------------------------------------


def notification_id(date: str, member: str) -> str:
    """The sender's deduplication key: one settlement message per member per date."""
    return f"notify:{date}:{member}"


def notification(date: str, result: MemberResult) -> dict[str, Any]:
    """The message body for one member's settlement (amounts as decimal strings)."""
    return {
        "id": notification_id(date, result.member),
        "kind": NOTIFICATION_KIND,
        "date": date,
        "member": result.member,
        "statement": result.statement(),
    }


def digest_notification(date: str, member: str, queued_at_s: int) -> dict[str, Any]:
    """The weekly digest's message: the sender sums the week from the member's journal."""
    return {
        "id": f"digest:{date}:{member}",
        "kind": DIGEST_KIND,
        "date": date,
        "member": member,
        "queued_at": queued_at_s,
    }


class NotificationQueue(Protocol):
    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Enqueue every message (or raise); return how many were sent."""
        ...


class DiscardingQueue:
    """No queue configured (local runs, the CLI): messages are counted, not sent."""

    def __init__(self) -> None:
        self.discarded = 0

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        self.discarded += len(messages)
        return len(messages)


class SqsNotificationQueue:
    """SQS ``SendMessageBatch`` in tens; entries the service refuses are retried alone."""

    def __init__(
        self,
        queue_url: str,
        client: Any,
        *,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.queue_url = queue_url
        self.client = client
        self.max_attempts = max_attempts
        self.sleep = sleep

    def send(self, messages: Sequence[Mapping[str, Any]]) -> int:
        for start in range(0, len(messages), SQS_BATCH_MAX):
            chunk = messages[start : start + SQS_BATCH_MAX]
            self._send_chunk(
                [
                    {
                        "Id": str(index),
                        "MessageBody": json.dumps(body, ensure_ascii=False, sort_keys=True),
                    }
                    for index, body in enumerate(chunk)
                ]
            )
        return len(messages)

    def _send_chunk(self, entries: list[dict[str, str]]) -> None:
        pending = entries
        for attempt in range(self.max_attempts):
            response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=pending)
            failed = response.get("Failed") or []
            if any(item.get("SenderFault") for item in failed):
                # our fault (size, encoding): resending the same bytes cannot succeed
                raise NotificationError(f"SQS refused messages: {failed}")
            failed_ids = {item["Id"] for item in failed}
            pending = [entry for entry in pending if entry["Id"] in failed_ids]
            if not pending:
                return
            self.sleep(min(2.0, 0.1 * 2**attempt))
        raise NotificationError(f"{len(pending)} messages not accepted after retries")


def budget_of(ledger: Ledger) -> NotificationBudget:
    store = ledger.store
    if not isinstance(store, LedgerStore):
        raise TypeError("the notification budget needs the ledger's table")
    return NotificationBudget(store.table)


def classified(
    ledger: Ledger,
    run: SettlementRun,
    movers: list[MemberResult],
    applied: bool,
    rules: NotificationRules,
    into: dict[str, MemberRecord] | None = None,
) -> list[Candidate]:
    """The page's members, classified from how they were before the run (one batch read,
    kept in ``into`` when given: the page's application then reads only the others)."""
    # eventually consistent: a stale member only misfiles a message (the reservation is
    # kept for retries) or costs the page's update a retry, never a wrong write
    records = ledger.store.get_members([result.member for result in movers], consistent=False)
    if into is not None:
        into.update(records)
    candidates: list[Candidate] = []
    for result in movers:
        record = records.get(result.member)
        if record is None:
            continue
        # a member this run already settled (a page applied without a reservation, or
        # half applied before a crash): how it was before is rebuilt from the item after
        settled = applied or record.settled_seq >= int(run.run_seq)
        before = reconstructed_before(record, result) if settled else before_of(record)
        category = classify(result, before, run.date, rules)
        candidates.append(Candidate(result.member, category, result.static + result.paid))
    return candidates


def day_shares(
    ledger: Ledger,
    budget: NotificationBudget,
    run: SettlementRun,
    rules: NotificationRules,
    known: dict[int, list[Candidate]],
) -> tuple[int, ...]:
    """The tiers' shares of the day: set once, from the demand of an evenly spread sample
    of the run's pages (all of them in a small run), scaled to the run."""
    held = budget.shares(run.date)
    if held is not None:
        return held
    pages = int(run.pages)
    sample = sample_pages(pages)
    applied = ledger.store.applied_pages(run.date, run.run_id)
    demand = [0] * TIERS
    for number in sample:
        if number not in known:
            page = ledger.store.get_page(run.date, run.run_id, number)
            if page is None:
                raise SettlementError(f"page {number} of {run.date} is missing")
            movers = [result for result in decode_page(page.payload) if result.moves_points]
            known[number] = classified(ledger, run, movers, number in applied, rules)
        for tier, count in enumerate(tier_counts(known[number])):
            demand[tier] += count
    scaled = [-(-count * pages // len(sample)) for count in demand]
    return budget.set_shares(run.date, cut(scaled, rules))


def reserve(
    ledger: Ledger,
    budget: NotificationBudget,
    run: SettlementRun,
    page: SettlementPage,
    movers: list[MemberResult],
    applied: bool,
    rules: NotificationRules,
    known: dict[int, list[Candidate]],
    records: dict[str, MemberRecord] | None = None,
) -> PageReservation:
    """The page's reservation (found, or made from its members as they were before it)."""
    if not movers:  # team figures only: nothing to tell, nothing to write
        return PageReservation((), 0)
    found = budget.reservation(run.date, run.run_id, page.page)
    if found is not None:
        return found
    if page.page not in known:
        known[page.page] = classified(ledger, run, movers, applied, rules, records)
    candidates = known[page.page]
    counts = tier_counts(candidates)
    if not any(counts):  # nobody to message (no chats, Mini App only): nothing to reserve
        return PageReservation((), 0)
    shares = day_shares(ledger, budget, run, rules, known)

    def decide(used: int) -> tuple[list[tuple[str, str]], int]:
        sent, deferred = select(candidates, allot(counts, used, shares, rules))
        return [(c.member, c.category.value) for c in sent], len(deferred)

    return budget.reserve(run.date, run.run_id, page.page, decide)
