"""Payout batches as data and as CSV reports: the lines, the report, where reports are kept.

Split from :mod:`functions.services.payouts` (which claims, seals, submits and confirms
batches): a batch renders to the same bytes every time, so a rerun can compare the
report it would write with the one already stored; stores never overwrite a report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from functions.rewards.money import Cents, format_cents, parse_cents
from functions.store.records import PayoutClaimRecord

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
class PayoutBatch:
    """The requests a business day's batch claimed, oldest first: one line per claim
    (amounts in cents, ``requested_at`` in epoch microseconds)."""

    date: str
    cutoff_us: int
    lines: tuple[PayoutClaimRecord, ...]

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(line.request_id for line in self.lines)

    @property
    def net_total(self) -> Cents:
        return sum(line.net for line in self.lines)


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
