"""Withdrawal use cases: request, decide (approve or reject), mark paid, claim for a payout.

A request holds the points and sets the net cash aside; an operator's decision
burns them (cash payable T+1) or undoes the request exactly; the payout marks it
paid. Each moves the request's status one step (:class:`WithdrawalStatus`).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from functions.rewards.decisions import WithdrawalQuote, decide_withdraw
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Withdraw
from functions.rewards.ledger import Bucket
from functions.store.commit import Commit, WithdrawalChange
from functions.store.errors import ConflictError
from functions.store.payout_store import BatchClaim
from functions.store.records import EntryKind, WithdrawalRecord, WithdrawalStatus

from ..results import (
    WithdrawalResult,
    withdrawal_decided_details,
    withdrawal_paid_details,
    withdrawal_requested_details,
)
from .core import SETTLEMENT_RUNNING, LedgerCore, read_once


def request_id_for(key: str) -> str:
    """A withdrawal's id, derived from its idempotency key so retries find it."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


class Withdrawals(LedgerCore):
    """The withdrawal use cases of :class:`~functions.services.ledger.Ledger`."""

    def request_withdrawal(
        self, event: Withdraw, key: str, *, business_date: str | None = None
    ) -> WithdrawalResult:
        """Hold the points and set the net cash aside; an operator decides later.

        Priced by the plan version in effect when it is requested (``business_date``, a
        scenario's, else today); approving, rejecting and paying it use the stored figures.
        """

        def decide() -> WithdrawalResult:
            at = read_once(self.clock)
            plan = self.version_for(business_date, at).plan
            member = self.store.get_member(event.member)
            if (
                plan.valuation.mode == "reserve"
                and member is not None
                and self.store.open_settlement() is not None
            ):
                raise Rejected(RejectCode.BUSY, SETTLEMENT_RUNNING)
            quote = decide_withdraw(
                plan, event, member=member.snapshot() if member else None, pool=self.pool()
            )
            assert member is not None
            record = WithdrawalRecord(
                request_id=request_id_for(key),
                member=member.member,
                points=quote.points,
                gross=quote.gross,
                net=quote.net,
                fee=quote.fee,
                cash_source=quote.cash_source.value,
                status=WithdrawalStatus.PENDING,
                requested_at=at(),
                version=0,
            )
            result = WithdrawalResult.of(record)
            self._commit_keyed(
                Commit(
                    no_settlement_open=plan.valuation.mode == "reserve",
                    event_key=key,
                    kind=EntryKind.WITHDRAWAL_REQUESTED,
                    at=record.requested_at,
                    chain=member,
                    postings=quote.request_postings(),
                    details=withdrawal_requested_details(result),
                    result=result.to_record(),
                    idempotency_key=key,
                    withdrawal=WithdrawalChange(record, WithdrawalStatus.PENDING),
                )
            )
            return result

        return self._keyed(key, WithdrawalResult.from_record, decide)

    def decide_withdrawal(
        self, request_id: str, *, approve: bool, operator: str, reason: str | None = None
    ) -> WithdrawalResult:
        """Approve (burn the held points; cash payable T+1) or reject (undo exactly)."""
        target = WithdrawalStatus.APPROVED if approve else WithdrawalStatus.REJECTED
        kind = EntryKind.WITHDRAWAL_APPROVED if approve else EntryKind.WITHDRAWAL_REJECTED

        def attempt() -> WithdrawalResult:
            record = self._withdrawal(request_id)
            if record.status == target:
                return WithdrawalResult.of(record)
            if record.status != WithdrawalStatus.PENDING:
                raise Rejected(RejectCode.NOT_PENDING, f"the request is already {record.status}")
            member = self.member(record.member)
            quote = _quote(record)
            postings = quote.approve_postings() if approve else quote.reject_postings()
            statistics = (
                {record.member: {"withdrawn_points": record.points, "withdrawn_cash": record.net}}
                if approve
                else {}
            )
            decided = replace(record, status=target)
            result = WithdrawalResult.of(decided)
            self.store.commit(
                Commit(
                    event_key=f"withdrawal:{request_id}:{target}",
                    kind=kind,
                    at=self.clock(),
                    chain=member,
                    postings=postings,
                    details=withdrawal_decided_details(result, operator, reason),
                    statistics=statistics,
                    fees=record.fee if approve else 0,
                    withdrawal=WithdrawalChange(record, target, operator, reason),
                )
            )
            return result

        return self._retrying(attempt)

    def mark_paid(
        self, request_id: str, *, operator: str, reference: str, batch: str | None = None
    ) -> WithdrawalResult:
        """The operator paid the net cash: it leaves the member's payable account.

        ``batch`` is the business date of the payout batch that paid it: the request
        must then be ``batched`` in exactly that batch. Without it (paid by hand) the
        request must be ``approved``: a batched request is listed in its batch's
        report, so only that batch may mark it paid (else finance could pay it twice).
        """

        def attempt() -> WithdrawalResult:
            record = self._withdrawal(request_id)
            if record.status == WithdrawalStatus.PAID:
                return WithdrawalResult.of(record)
            payable = WithdrawalStatus.APPROVED if batch is None else WithdrawalStatus.BATCHED
            if record.status != payable or record.batch != batch:
                where = f" in the payout batch of {record.batch}" if record.batch else ""
                raise Rejected(RejectCode.NOT_PENDING, f"the request is {record.status}{where}")
            member = self.member(record.member)
            paid = replace(record, status=WithdrawalStatus.PAID)
            result = WithdrawalResult.of(paid)
            self.store.commit(
                Commit(
                    event_key=f"withdrawal:{request_id}:{WithdrawalStatus.PAID}",
                    kind=EntryKind.WITHDRAWAL_PAID,
                    at=self.clock(),
                    chain=member,
                    postings=_quote(record).payout_postings(),
                    details=withdrawal_paid_details(result, operator, reference, batch),
                    withdrawal=WithdrawalChange(record, WithdrawalStatus.PAID, operator, reference),
                )
            )
            return result

        return self._retrying(attempt)

    def claim_for_payout(self, batch: str, request_id: str) -> BatchClaim:
        """Claim an ``approved`` request for day ``batch``'s payout batch (one transaction).

        Reads the request strongly first, so the claim is conditioned on its current
        version; anything but ``approved`` is :attr:`BatchClaim.TAKEN`.
        """

        def attempt() -> BatchClaim:
            record = self.store.get_withdrawal(request_id)
            if record is None or record.status != WithdrawalStatus.APPROVED:
                return BatchClaim.TAKEN
            outcome = self.store.claim_for_payout(batch, record, self.clock())
            if outcome is BatchClaim.TAKEN:
                # moved between our read and the write: read again (it may still be approved)
                raise ConflictError(f"withdrawal {request_id} changed since it was read")
            return outcome

        return self._retrying(attempt)

    def _withdrawal(self, request_id: str) -> WithdrawalRecord:
        record = self.store.get_withdrawal(request_id)
        if record is None:
            raise Rejected(RejectCode.NOT_FOUND, f"no withdrawal request {request_id!r}")
        return record


def _quote(record: WithdrawalRecord) -> WithdrawalQuote:
    return WithdrawalQuote(
        record.member,
        record.points,
        record.gross,
        record.net,
        record.fee,
        Bucket(record.cash_source),
    )
