"""T+1 payouts: the day's batch of approved withdrawals, handed to a payout provider.

A withdrawal is decided at request time (points burned, net cash set aside on
approval); what remains is moving the cash. Each business day ``D`` the batch
is every request **approved** and **requested before 00:00 of D** (local
time), i.e. requested on D-1 or earlier: T+1. The provider

1. ``submit``\\ s the batch and answers with a reference. The same day's batch
   always gets the same reference, and a resubmission returns what was first
   submitted, so a rerun never widens or changes a batch already handed over;
2. ``confirm``\\ s request ids under that reference: each still ``approved``
   one is marked paid through :meth:`Ledger.mark_paid` (its own idempotency key
   is the request id), ones already ``paid`` are left alone. A request is
   therefore never paid twice, however often a day is rerun.

:class:`ManualPayoutProvider` is the provider for paying by hand: its batch is
a CSV report (S3 when deployed, a directory locally) that finance pays from.
docs/operations.md says how to plug in a real payment provider.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from functions.rewards.errors import Rejected
from functions.rewards.money import Cents, format_cents, parse_cents
from functions.store.records import WithdrawalRecord

from .ledger import Ledger

MAX_BATCH = 10_000
"""Requests per day's batch; older ones come first, the rest wait for the next day."""
REPORT_PREFIX = "payouts"
CSV_COLUMNS = (
    "request_id",
    "member",
    "net_cash",
    "gross_cash",
    "fee_cash",
    "points",
    "cash_source",
    "requested_at",
    "approved_by",
    "batch_date",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """One request to pay: amounts in cents, ``requested_at`` in epoch microseconds."""

    request_id: str
    member: str
    net: Cents
    gross: Cents
    fee: Cents
    points: Cents
    cash_source: str
    requested_at: int
    approved_by: str | None

    @classmethod
    def of(cls, record: WithdrawalRecord) -> PayoutLine:
        return cls(
            record.request_id,
            record.member,
            record.net,
            record.gross,
            record.fee,
            record.points,
            record.cash_source,
            record.requested_at,
            record.decided_by,
        )


@dataclass(frozen=True, slots=True)
class PayoutBatch:
    """A business day's approved requests, oldest first."""

    date: str
    cutoff_us: int
    lines: tuple[PayoutLine, ...]

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(line.request_id for line in self.lines)

    @property
    def net_total(self) -> Cents:
        return sum(line.net for line in self.lines)


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

    def submit(self, batch: PayoutBatch) -> Submission:
        """Hand the batch over (idempotent per ``batch.date``)."""
        ...

    def confirm(self, request_ids: Sequence[str], reference: str) -> Confirmation:
        """Mark paid what the provider has paid under ``reference`` (idempotent per id)."""
        ...


class ReportExistsError(Exception):
    """Another run wrote the report first; read theirs instead."""


class ReportStore(Protocol):
    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, body: bytes) -> None:
        """Create ``key``; raise :class:`ReportExistsError` if it already exists."""
        ...

    def location(self, key: str) -> str: ...


class S3ReportStore:
    """Reports as objects in the (versioned, encrypted) payout bucket."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def write(self, key: str, body: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="text/csv; charset=utf-8",
                # never overwrite a report finance may already be paying from
                IfNoneMatch="*",
            )
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"PreconditionFailed", "412"}:
                raise ReportExistsError(key) from exc
            raise

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


class DirectoryReportStore:
    """Reports as files under a local directory (``jifen`` runs without AWS)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.exists() else None

    def write(self, key: str, body: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as out:  # exclusive: an existing report is never replaced
                out.write(body)
        except FileExistsError as exc:
            raise ReportExistsError(key) from exc

    def location(self, key: str) -> str:
        return str(self.root / key)


def report_key(date: str) -> str:
    return f"{REPORT_PREFIX}/{date}.csv"


def _iso_us(epoch_us: int) -> str:
    return (_EPOCH + dt.timedelta(microseconds=epoch_us)).isoformat().replace("+00:00", "Z")


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_report(batch: PayoutBatch) -> bytes:
    """The batch as CSV; fixed column and row order, so one batch always gives the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in batch.lines:
        writer.writerow(
            (
                line.request_id,
                _cell(line.member),
                format_cents(line.net),
                format_cents(line.gross),
                format_cents(line.fee),
                format_cents(line.points),
                line.cash_source,
                _iso_us(line.requested_at),
                _cell(line.approved_by or ""),
                batch.date,
            )
        )
    return out.getvalue().encode("utf-8")


def read_report(body: bytes) -> tuple[tuple[str, ...], Cents]:
    """Request ids and net total of a stored report."""
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    total = sum(parse_cents(row["net_cash"]) for row in rows)
    return tuple(row["request_id"] for row in rows), total


class ManualPayoutProvider:
    """Finance pays from a CSV report; confirming marks the reported requests paid."""

    name = "manual"

    def __init__(
        self, ledger: Ledger, reports: ReportStore, *, operator: str = "payouts:manual"
    ) -> None:
        self.ledger = ledger
        self.reports = reports
        self.operator = operator

    def submit(self, batch: PayoutBatch) -> Submission:
        key = report_key(batch.date)
        existing = self.reports.read(key)
        if existing is None and not batch.lines:
            return Submission("", (), 0)  # nothing to pay: no empty report to confuse finance
        if existing is None:
            try:
                self.reports.write(key, render_report(batch))
                return Submission(self.reports.location(key), batch.request_ids, batch.net_total)
            except ReportExistsError:
                existing = self.reports.read(key)
                assert existing is not None, f"{key} exists but cannot be read"
        request_ids, total = read_report(existing)
        return Submission(self.reports.location(key), request_ids, total, resubmitted=True)

    def confirm(self, request_ids: Sequence[str], reference: str) -> Confirmation:
        paid: list[str] = []
        already: list[str] = []
        skipped: list[tuple[str, str]] = []
        for request_id in request_ids:
            record = self.ledger.store.get_withdrawal(request_id)
            if record is not None and record.status == "paid":
                already.append(request_id)
                continue
            try:
                self.ledger.mark_paid(request_id, operator=self.operator, reference=reference)
            except Rejected as exc:
                skipped.append((request_id, exc.code.value))
                continue
            paid.append(request_id)
        return Confirmation(tuple(paid), tuple(already), tuple(skipped))


def select_batch(ledger: Ledger, date: str, cutoff_us: int) -> PayoutBatch:
    """Approved requests made before ``cutoff_us``, oldest first (at most :data:`MAX_BATCH`)."""
    records = ledger.store.withdrawals("approved", limit=MAX_BATCH)
    lines = sorted(
        (PayoutLine.of(record) for record in records if record.requested_at < cutoff_us),
        key=lambda line: (line.requested_at, line.request_id),
    )
    return PayoutBatch(date, cutoff_us, tuple(lines))


def run_payouts(
    ledger: Ledger, provider: PayoutProvider, date: str, cutoff_us: int
) -> dict[str, Any]:
    """Submit the day's batch (or the one already submitted) and confirm it."""
    batch = select_batch(ledger, date, cutoff_us)
    submission = provider.submit(batch)
    confirmation = (
        provider.confirm(submission.request_ids, submission.reference)
        if submission.request_ids
        else Confirmation()
    )
    return {
        "date": date,
        "provider": provider.name,
        "reference": submission.reference or None,
        "resubmitted": submission.resubmitted,
        "requests": len(submission.request_ids),
        "net_total": format_cents(submission.net_total),
        "paid": len(confirmation.paid),
        "already_paid": len(confirmation.already_paid),
        "skipped": [list(pair) for pair in confirmation.skipped],
    }
