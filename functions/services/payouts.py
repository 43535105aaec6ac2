"""T+1 payouts: the day's batch of approved withdrawals, handed to a payout provider.

A withdrawal is decided at request time (points burned, net cash set aside on
approval); what remains is moving the cash. Each business day ``D`` has one
batch: requests **approved** and **requested before 00:00 of D** (local time),
i.e. requested on D-1 or earlier: T+1. A request belongs to exactly one batch:

1. **Claim**: the batch header ``PAYOUT#<D>`` / ``BATCH`` is opened ``claiming``;
   each eligible request is claimed by ONE transaction that moves it ``approved``
   → ``batched`` (``batch = D``), puts ``PAYOUT#<D>`` / ``CLAIM#…`` and checks the
   header is still ``claiming``. A request another run or day claimed first is
   skipped; a header sealed meanwhile stops the claiming.
2. **Seal**: ``claiming`` → ``sealed``. The claims can never change afterwards.
3. **Submit**: the provider gets the batch built from the claims alone (a
   strongly consistent Query of ``PAYOUT#<D>``), so a rerun hands over the same
   batch, byte for byte, and never widens it; a stored report that differs from
   the claims is an error (:class:`ReportMismatchError`), never overwritten.
4. **Confirm**: each claimed request still ``batched`` in D is marked paid through
   :meth:`Ledger.mark_paid` (``batch=D``); ones already ``paid`` are left alone.

A request left ``batched`` (a ``busy`` mark, a crash before confirming) is never
listed by another day: the next day's run finishes each earlier batch that still
has ``batched`` requests (seals it if a crash left it ``claiming``, checks or
rewrites its report from its claims, confirms the leftovers under its reference).

:class:`ManualPayoutProvider` is the provider for paying by hand: its batch is
a CSV report (S3 when deployed, a directory locally) that finance pays from.
docs/operations.md says how to plug in a real payment provider and what to do
when a batch is stuck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from functions.rewards.errors import Rejected
from functions.rewards.money import Cents, format_cents
from functions.store.payout_store import BatchClaim, BatchStatus
from functions.store.records import WithdrawalStatus

from .ledger import Ledger
from .payout_reports import (
    PayoutBatch,
    ReportExistsError,
    ReportStore,
    read_report,
    render_report,
    report_key,
)

MAX_BATCH = 10_000
"""Requests per day's batch; older ones come first, the rest wait for the next day."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What the provider accepted: its reference and exactly which requests."""

    reference: str
    request_ids: tuple[str, ...]
    net_total: Cents
    resubmitted: bool = False


@dataclass(frozen=True, slots=True)
class Confirmation:
    paid: tuple[str, ...] = ()
    already_paid: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = field(default=())
    """(request id, why): requests no longer payable (say, not found)."""


class PayoutProvider(Protocol):
    """Moves the cash of a batch; see the module docstring for the contract."""

    name: str

    def submitted(self, date: str) -> bool:
        """Whether anything was handed over for ``date`` already (a report, a provider batch)."""
        ...

    def submit(self, batch: PayoutBatch) -> Submission:
        """Hand the sealed batch over (idempotent per ``batch.date``; exactly ``batch``)."""
        ...

    def confirm(self, request_ids: Sequence[str], reference: str, *, batch: str) -> Confirmation:
        """Mark paid what the provider has paid under ``reference`` (idempotent per id)."""
        ...


class ReportMismatchError(Exception):
    """The stored report is not the one the batch's claims give: never overwritten.

    Finance may be paying from it; docs/operations.md says what to do.
    """


class UnclaimedReportError(Exception):
    """A report exists for a day that has no batch header (written before batch claims)."""


class ManualPayoutProvider:
    """Finance pays from a CSV report; confirming marks the reported requests paid."""

    name = "manual"

    def __init__(
        self, ledger: Ledger, reports: ReportStore, *, operator: str = "payouts:manual"
    ) -> None:
        self.ledger = ledger
        self.reports = reports
        self.operator = operator

    def submitted(self, date: str) -> bool:
        return self.reports.read(report_key(date)) is not None

    def submit(self, batch: PayoutBatch) -> Submission:
        key = report_key(batch.date)
        body = render_report(batch)
        existing = self.reports.read(key)
        if existing is None and not batch.lines:
            return Submission("", (), 0)  # nothing to pay: no empty report to confuse finance
        if existing is None:
            try:
                self.reports.write(key, body)
                return Submission(self.reports.location(key), batch.request_ids, batch.net_total)
            except ReportExistsError:
                existing = self.reports.read(key)
                assert existing is not None, f"{key} exists but cannot be read"
        if existing != body:
            stored_ids, stored_total = read_report(existing)
            raise ReportMismatchError(
                f"{self.reports.location(key)} lists {len(stored_ids)} requests "
                f"({format_cents(stored_total)}) but batch {batch.date} claimed "
                f"{len(batch.lines)} ({format_cents(batch.net_total)}); it was not replaced"
            )
        return Submission(
            self.reports.location(key), batch.request_ids, batch.net_total, resubmitted=True
        )

    def confirm(self, request_ids: Sequence[str], reference: str, *, batch: str) -> Confirmation:
        paid: list[str] = []
        already: list[str] = []
        skipped: list[tuple[str, str]] = []
        for request_id in request_ids:
            record = self.ledger.store.get_withdrawal(request_id)
            if record is not None and record.status == WithdrawalStatus.PAID:
                already.append(request_id)
                continue
            try:
                self.ledger.mark_paid(
                    request_id, operator=self.operator, reference=reference, batch=batch
                )
            except Rejected as exc:
                skipped.append((request_id, exc.code.value))
                continue
            paid.append(request_id)
        return Confirmation(tuple(paid), tuple(already), tuple(skipped))


@dataclass(frozen=True, slots=True)
class FinishedBatch:
    """An earlier day's batch whose requests still ``batched`` a later run confirmed."""

    date: str
    reference: str | None
    paid: int
    already_paid: int
    skipped: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PayoutRun:
    """What one run of the day's payouts did; ``net_total`` in cents, formatted by the caller."""

    date: str
    provider: str
    reference: str | None
    resubmitted: bool
    claimed: int
    not_claimed: tuple[tuple[str, str], ...]
    """(request id, why): eligible requests this run could not claim."""
    requests: int
    net_total: Cents
    paid: int
    already_paid: int
    skipped: tuple[tuple[str, str], ...]
    earlier: tuple[FinishedBatch, ...]


@dataclass(frozen=True, slots=True)
class Claiming:
    """What one run's claiming phase did (a rerun of a sealed day claims nothing)."""

    claimed: tuple[str, ...] = ()
    not_claimed: tuple[tuple[str, str], ...] = ()
    """(request id, why): eligible requests this run could not claim (say, busy)."""


def claim_batch(ledger: Ledger, provider: PayoutProvider, date: str, cutoff_us: int) -> Claiming:
    """Open day ``date``'s batch, claim its eligible requests unless sealed, then seal it.

    Eligible: ``approved`` and requested before the cut-off the header recorded when
    it was opened, oldest first, up to :data:`MAX_BATCH` claims in all.
    """
    store = ledger.store
    header = store.payout_batch(date)
    if header is None:
        if provider.submitted(date):
            raise UnclaimedReportError(
                f"a report for {date} exists but no payout batch does (written before "
                "batch claims?): nothing claimed; see docs/operations.md"
            )
        header = store.open_payout_batch(date, cutoff_us, ledger.clock())
    if header.status == BatchStatus.SEALED:
        return Claiming()
    claimed: list[str] = []
    not_claimed: list[tuple[str, str]] = []
    room = MAX_BATCH - len(store.payout_claims(date))
    eligible = (
        store.withdrawals_before(WithdrawalStatus.APPROVED, header.cutoff_us, limit=room)
        if room > 0
        else []
    )
    for record in eligible:
        try:
            outcome = ledger.claim_for_payout(date, record.request_id)
        except Rejected as exc:  # busy: it stays approved, for a later batch
            not_claimed.append((record.request_id, exc.code.value))
            continue
        if outcome is BatchClaim.SEALED:
            break
        if outcome is BatchClaim.CLAIMED:
            claimed.append(record.request_id)
    store.seal_payout_batch(date, ledger.clock())
    return Claiming(tuple(claimed), tuple(not_claimed))


def sealed_batch(ledger: Ledger, date: str) -> PayoutBatch:
    """Day ``date``'s batch exactly as claimed (call only once it is sealed)."""
    header = ledger.store.payout_batch(date)
    if header is None or header.status != BatchStatus.SEALED:
        raise RuntimeError(f"payout batch {date} is not sealed")
    return PayoutBatch(date, header.cutoff_us, tuple(ledger.store.payout_claims(date)))


def _pay(
    provider: PayoutProvider, batch: PayoutBatch, request_ids: Sequence[str] | None = None
) -> tuple[Submission, Confirmation]:
    """Submit ``batch`` (or check what was submitted) and confirm ``request_ids`` of it."""
    submission = provider.submit(batch)
    wanted = submission.request_ids
    if request_ids is not None:
        chosen = set(request_ids)
        wanted = tuple(request_id for request_id in wanted if request_id in chosen)
    confirmation = (
        provider.confirm(wanted, submission.reference, batch=batch.date)
        if wanted
        else Confirmation()
    )
    return submission, confirmation


def finish_earlier_batches(
    ledger: Ledger, provider: PayoutProvider, date: str
) -> list[FinishedBatch]:
    """Confirm requests still ``batched`` in days before ``date`` under their own batch.

    A ``busy`` mark or a crash leaves requests ``batched``; no other day may list
    them, so each later run finishes them here (sealing a batch a crash left
    ``claiming``; its report is checked, or written if the crash came first).
    """
    leftovers: dict[str, list[str]] = {}
    for record in ledger.store.iter_withdrawals(WithdrawalStatus.BATCHED):
        if record.batch is not None and record.batch < date:
            leftovers.setdefault(record.batch, []).append(record.request_id)
    finished: list[FinishedBatch] = []
    for earlier in sorted(leftovers):
        header = ledger.store.payout_batch(earlier)
        if header is None:
            raise RuntimeError(f"requests are batched in {earlier}, which has no batch header")
        if header.status != BatchStatus.SEALED:
            ledger.store.seal_payout_batch(earlier, ledger.clock())
        submission, confirmation = _pay(provider, sealed_batch(ledger, earlier), leftovers[earlier])
        finished.append(
            FinishedBatch(
                date=earlier,
                reference=submission.reference or None,
                paid=len(confirmation.paid),
                already_paid=len(confirmation.already_paid),
                skipped=confirmation.skipped,
            )
        )
    return finished


def run_payouts(ledger: Ledger, provider: PayoutProvider, date: str, cutoff_us: int) -> PayoutRun:
    """Claim and seal the day's batch, submit exactly its claims and confirm them;
    then finish earlier batches that still hold ``batched`` requests."""
    claiming = claim_batch(ledger, provider, date, cutoff_us)
    submission, confirmation = _pay(provider, sealed_batch(ledger, date))
    earlier = finish_earlier_batches(ledger, provider, date)
    return PayoutRun(
        date=date,
        provider=provider.name,
        reference=submission.reference or None,
        resubmitted=submission.resubmitted,
        claimed=len(claiming.claimed),
        not_claimed=claiming.not_claimed,
        requests=len(submission.request_ids),
        net_total=submission.net_total,
        paid=len(confirmation.paid),
        already_paid=len(confirmation.already_paid),
        skipped=confirmation.skipped,
        earlier=tuple(earlier),
    )
