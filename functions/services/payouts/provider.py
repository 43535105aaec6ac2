"""Who moves the cash of a sealed batch: the provider contract, and paying by hand from a CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from functions.rewards.errors import Rejected
from functions.rewards.money import Cents, format_cents
from functions.store.records import WithdrawalStatus

from ..ledger import Ledger
from .reports import (
    PayoutBatch,
    ReportExistsError,
    ReportMismatchError,
    ReportStore,
    read_report,
    render_report,
    report_key,
)


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
    """Moves the cash of a batch; see :mod:`functions.services.payouts` for the contract."""

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
