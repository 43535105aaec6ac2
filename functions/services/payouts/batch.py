"""One day's payout run: claim and seal the batch, submit exactly its claims, confirm them,
then finish earlier batches that still hold ``batched`` requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from functions.rewards.errors import Rejected
from functions.rewards.money import Cents
from functions.store.payout_store import BatchClaim, BatchStatus
from functions.store.records import WithdrawalStatus

from ..ledger import Ledger
from .provider import Confirmation, PayoutProvider, Submission
from .reports import PayoutBatch

MAX_BATCH = 10_000
"""Requests per day's batch; older ones come first, the rest wait for the next day."""


class UnclaimedReportError(Exception):
    """A report exists for a day that has no batch header (written before batch claims)."""


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
