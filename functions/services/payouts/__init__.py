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

:mod:`.reports` renders and keeps the CSV reports, :mod:`.provider` is the provider
contract and the manual provider, :mod:`.batch` is the day's run.
"""

from __future__ import annotations

from .batch import (
    MAX_BATCH,
    Claiming,
    FinishedBatch,
    PayoutRun,
    UnclaimedReportError,
    claim_batch,
    finish_earlier_batches,
    run_payouts,
    sealed_batch,
)
from .provider import Confirmation, ManualPayoutProvider, PayoutProvider, Submission
from .reports import (
    CSV_COLUMNS,
    REPORT_PREFIX,
    DirectoryReportStore,
    PayoutBatch,
    ReportExistsError,
    ReportMismatchError,
    ReportStore,
    S3ReportStore,
    read_report,
    render_report,
    report_key,
)

__all__ = [
    "CSV_COLUMNS",
    "MAX_BATCH",
    "REPORT_PREFIX",
    "Claiming",
    "Confirmation",
    "DirectoryReportStore",
    "FinishedBatch",
    "ManualPayoutProvider",
    "PayoutBatch",
    "PayoutProvider",
    "PayoutRun",
    "ReportExistsError",
    "ReportMismatchError",
    "ReportStore",
    "S3ReportStore",
    "Submission",
    "UnclaimedReportError",
    "claim_batch",
    "finish_earlier_batches",
    "read_report",
    "render_report",
    "report_key",
    "run_payouts",
    "sealed_batch",
]
