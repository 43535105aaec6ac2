"""Payout batches on the table: a day's header, its claims, and the withdrawal queues.

Part of :class:`~functions.store.ledger_store.LedgerStore` (docs/storage.md,
"Payout batches"). A request moves ``approved`` → ``batched`` into exactly one
day's batch, in one transaction with the claim item, while the header is still
``claiming``; after the seal the claims never change, so a report rendered from them
is the same bytes on every rerun.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import StrEnum

from .errors import UnavailableError
from .items import (
    Kind,
    keyed,
    withdrawal_key,
    withdrawal_record,
)
from .records import PayoutBatchRecord, PayoutClaimRecord, WithdrawalRecord, WithdrawalStatus
from .run_items import payout_batch, payout_batch_key, payout_claim, payout_claim_key
from .table import (
    Absent,
    Check,
    ConditionFailed,
    Put,
    Table,
    TransactionCancelled,
    Unavailable,
    Update,
    all_of,
    eq,
)


class BatchStatus(StrEnum):
    """A payout batch header's status: claims are accepted only while ``claiming``."""

    CLAIMING = "claiming"
    SEALED = "sealed"


class BatchClaim(StrEnum):
    """What became of one attempt to claim a request for a payout batch."""

    CLAIMED = "claimed"
    TAKEN = "taken"
    """The request is no longer ``approved`` (another batch, or a run of this one, has it)."""
    SEALED = "sealed"
    """The batch was sealed meanwhile: it accepts no more claims."""


class PayoutBatches:
    """The payout part of the ledger store (a mixin over ``self.table``)."""

    table: Table

    def withdrawals(self, status: str, limit: int = 50) -> list[WithdrawalRecord]:
        """A review queue ``WQ#<status>``, oldest first (GSI)."""
        return [
            withdrawal_record(item) for item in self.table.query_index(f"WQ#{status}", limit=limit)
        ]

    def withdrawals_before(
        self, status: str, before_us: int, limit: int | None = None
    ) -> list[WithdrawalRecord]:
        """Requests in queue ``WQ#<status>`` made before ``before_us``, oldest first (GSI)."""
        items = self.table.query_index(f"WQ#{status}", below=f"{before_us:020d}", limit=limit)
        return [withdrawal_record(item) for item in items]

    def iter_withdrawals(self, status: str) -> Iterator[WithdrawalRecord]:
        """Every request in queue ``WQ#<status>``, oldest first (GSI, all pages)."""
        for item in self.table.query_index(f"WQ#{status}"):
            yield withdrawal_record(item)

    def payout_batch(self, date: str) -> PayoutBatchRecord | None:
        item = self.table.get(payout_batch_key(date))
        return payout_batch(item) if item is not None else None

    def open_payout_batch(self, date: str, cutoff_us: int, at: int) -> PayoutBatchRecord:
        """The day's batch header, created ``claiming`` if absent (a concurrent opener may win)."""
        header = keyed(
            payout_batch_key(date),
            Kind.PAYOUT_BATCH,
            date=date,
            status=BatchStatus.CLAIMING.value,
            cutoff=cutoff_us,
            opened_at=at,
        )
        with contextlib.suppress(ConditionFailed):  # a concurrent run opened it: its cut-off
            self.table.write(Put(header, Absent()))
        opened = self.payout_batch(date)
        if opened is None:
            raise UnavailableError(f"payout batch {date} vanished after it was opened")
        return opened

    def seal_payout_batch(self, date: str, at: int) -> None:
        """``claiming`` → ``sealed`` (idempotent): from now on the batch's claims are fixed."""
        try:
            self.table.write(
                Update(
                    payout_batch_key(date),
                    set={"status": BatchStatus.SEALED.value, "sealed_at": at},
                    condition=eq("status", BatchStatus.CLAIMING.value),
                )
            )
        except ConditionFailed:
            sealed = self.payout_batch(date)
            if sealed is None or sealed.status != BatchStatus.SEALED:
                raise

    def claim_for_payout(self, date: str, record: WithdrawalRecord, at: int) -> BatchClaim:
        """Move ``record`` ``approved`` → ``batched`` into day ``date``'s batch, atomically.

        One transaction: the header must still be ``claiming``, the claim item must be
        new, and the request must still be ``approved`` at the version read. So a
        request belongs to at most one batch, and no claim lands after a seal.
        """
        claim = keyed(
            payout_claim_key(date, record.requested_at, record.request_id),
            Kind.PAYOUT_CLAIM,
            request_id=record.request_id,
            member=record.member,
            net=record.net,
            gross=record.gross,
            fee=record.fee,
            points=record.points,
            cash_source=record.cash_source,
            requested_at=record.requested_at,
            approved_by=record.decided_by,
            claimed_at=at,
        )
        batched = WithdrawalStatus.BATCHED.value
        try:
            self.table.transact(
                [
                    Check(
                        payout_batch_key(date),
                        eq("status", BatchStatus.CLAIMING.value),
                        "header",
                    ),
                    Put(claim, Absent(), "claim"),
                    Update(
                        withdrawal_key(record.request_id),
                        set={"status": batched, "batch": date, "gsi1pk": f"WQ#{batched}"},
                        add={"version": 1},
                        condition=all_of(
                            eq("status", WithdrawalStatus.APPROVED.value),
                            eq("version", record.version),
                        ),
                        label="request",
                    ),
                ]
            )
        except Unavailable as exc:
            raise UnavailableError(f"payout claim not written: {exc}") from exc
        except TransactionCancelled as exc:
            failed = {
                reason.label for reason in exc.reasons if reason.code == "ConditionalCheckFailed"
            }
            if "header" in failed:
                return BatchClaim.SEALED
            if failed & {"claim", "request"}:
                return BatchClaim.TAKEN
            raise UnavailableError(f"payout claim cancelled: {exc}") from exc
        return BatchClaim.CLAIMED

    def payout_claims(self, date: str) -> list[PayoutClaimRecord]:
        """Day ``date``'s claims in report order (strongly consistent Query of its partition)."""
        items = self.table.query(payout_batch_key(date).pk, prefix="CLAIM#")
        return [payout_claim(date, item) for item in items]
