"""Use cases: load what the rules need, let the engine decide, commit one transaction.

Every method takes the business event's idempotency key. Retrying with the
same key returns the first result and changes nothing; a version conflict
(someone else wrote in between) reloads and decides again. Rejections are the
engine's :class:`Rejected` with its stable code.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from functions.rewards.decisions import Pool as PricePool
from functions.rewards.decisions import (
    WithdrawalQuote,
    check_join,
    check_member,
    decide_purchase,
    decide_transfer,
    decide_withdraw,
    point_price,
)
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.ledger import SYSTEM, Bucket, Posting, move
from functions.rewards.money import Cents, format_cents
from functions.rewards.plan import Plan
from functions.store.commit import Claim, Commit, NewMember, WithdrawalChange
from functions.store.errors import (
    AlreadyExistsError,
    ConflictError,
    GuardError,
    SettlementRunningError,
    UnavailableError,
)
from functions.store.payout_store import BatchClaim
from functions.store.ports import LedgerPort
from functions.store.records import GrantRecord, MemberRecord, WithdrawalRecord, WithdrawalStatus

from .results import (
    AdjustmentResult,
    Commission,
    FreezeResult,
    JoinResult,
    PurchaseResult,
    Record,
    RecordError,
    TransferResult,
    WithdrawalResult,
    adjustment_details,
    freeze_details,
    join_details,
    purchase_details,
    transfer_details,
    withdrawal_decided_details,
    withdrawal_paid_details,
    withdrawal_requested_details,
)

T = TypeVar("T")
R = TypeVar("R")


def wall_clock_us() -> int:
    """Microseconds since the epoch: journal timestamps and join order."""
    return time.time_ns() // 1000


def request_id_for(key: str) -> str:
    """A withdrawal's id, derived from its idempotency key so retries find it."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass
class Ledger:
    """The platform's use cases over one store and one plan."""

    store: LedgerPort
    plan: Plan
    clock: Callable[[], int] = wall_clock_us
    max_attempts: int = 12
    sleep: Callable[[float], None] = time.sleep
    _rng: random.Random = field(default_factory=random.Random)

    # -- plumbing --------------------------------------------------------
    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it commits; conflicts and throttling back off and retry."""
        for round_ in range(self.max_attempts):
            try:
                return attempt()
            except (ConflictError, GuardError, UnavailableError):
                if round_ == self.max_attempts - 1:
                    raise Rejected(RejectCode.BUSY, "too much contention; try again") from None
                self.sleep(min(0.2, 0.002 * 2**round_) * self._rng.random())
        raise AssertionError("unreachable")

    def _replay(self, key: str, read: Callable[[Record], R]) -> R | None:
        stored = self.store.stored_result(key)
        return None if stored is None else _stored(stored, read)

    def pool(self) -> PricePool:
        totals = self.store.system_totals()
        return PricePool(totals.reserve, totals.circulating)

    def member(self, name: str) -> MemberRecord:
        record = self.store.get_member(name)
        if record is None:
            raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
        return record

    # -- join ------------------------------------------------------------
    def join(
        self,
        event: Join,
        key: str,
        *,
        profile: Mapping[str, object] | None = None,
        claims: tuple[Claim, ...] = (),
    ) -> JoinResult:
        """Create a member under an existing referrer (fixed forever)."""

        def attempt() -> JoinResult:
            replay = self._replay(key, JoinResult.from_record)
            if replay is not None:
                return replay
            existing = self.store.get_member(event.member)
            referrer = self.store.get_member(event.referrer) if event.referrer is not None else None
            check_join(
                event, member_exists=existing is not None, referrer_exists=referrer is not None
            )
            result = JoinResult(event.member, event.referrer)
            try:
                self.store.commit(
                    Commit(
                        event_key=key,
                        kind="join",
                        at=self.clock(),
                        chain=NewMember(event.member, event.referrer, self.clock(), profile or {}),
                        details=join_details(result),
                        result=result.to_record(),
                        idempotency_key=key,
                        claims=claims,
                    )
                )
            except AlreadyExistsError as exc:
                if exc.what == "claim":
                    raise Rejected(
                        RejectCode.PHONE_TAKEN
                        if exc.key.startswith("PHONE#")
                        else RejectCode.ALREADY_REGISTERED,
                        "that phone number or account is already registered",
                    ) from None
                raise ConflictError(str(exc)) from None
            return result

        return self._retrying(attempt)

    # -- purchase ----------------------------------------------------------
    def purchase(self, event: Purchase, key: str) -> PurchaseResult:
        """A paid order: deduction, grant, reserve and commissions in one transaction."""
        generations = len(self.plan.commission.rates) if self.plan.commission else 0

        def attempt() -> PurchaseResult:
            recorded = self.store.get_order(event.order)
            if recorded is not None and recorded[0] == key:
                return _stored(recorded[1], PurchaseResult.from_record)
            buyer = self.store.get_member(event.member)
            outcome = decide_purchase(
                self.plan,
                event,
                buyer=buyer.snapshot() if buyer else None,
                order_exists=recorded is not None,
                ancestors=self.store.ancestors(buyer, generations) if buyer and generations else (),
            )
            assert buyer is not None
            sets: dict[str, dict[str, object]] = {}
            statistics: dict[str, dict[str, int]] = {
                buyer.member: {
                    "personal_volume": outcome.cash,
                    "spent": outcome.points_spent,
                    "released": outcome.released,
                }
            }
            grant = outcome.grant
            if grant is not None and grant.locked:
                seq = buyer.grant_seq + 1
                statistics[buyer.member]["grant_seq"] = 1
                sets[buyer.member] = {
                    "grants": (
                        *buyer.grants,
                        GrantRecord(seq, event.order, grant.points, grant.points, grant.daily),
                    )
                }
            result = PurchaseResult(
                order=event.order,
                member=event.member,
                amount=outcome.amount,
                points_spent=outcome.points_spent,
                cash=outcome.cash,
                granted=grant.points if grant else 0,
                daily=grant.daily if grant else 0,
                locked=bool(grant and grant.locked),
                tier=grant.tier if grant else None,
                reserve_added=outcome.reserve_added,
                commissions=tuple(Commission(who, amount) for who, amount in outcome.commissions),
            )
            try:
                self.store.commit(
                    Commit(
                        event_key=key,
                        kind="purchase",
                        at=self.clock(),
                        chain=buyer,
                        postings=outcome.postings,
                        details=purchase_details(result, event.category),
                        statistics=statistics,
                        sets=sets,
                        order=event.order,
                        result=result.to_record(),
                    )
                )
            except AlreadyExistsError:
                raise ConflictError("order appeared concurrently") from None
            return result

        return self._retrying(attempt)

    # -- transfer ----------------------------------------------------------
    def transfer(self, event: Transfer, key: str) -> TransferResult:
        def attempt() -> TransferResult:
            replay = self._replay(key, TransferResult.from_record)
            if replay is not None:
                return replay
            found = self.store.get_members([event.sender, event.recipient])
            sender, recipient = found.get(event.sender), found.get(event.recipient)
            outcome = decide_transfer(
                event,
                sender=sender.snapshot() if sender else None,
                recipient=recipient.snapshot() if recipient else None,
            )
            assert sender is not None
            result = TransferResult(event.sender, event.recipient, outcome.points)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind="transfer",
                    at=self.clock(),
                    chain=sender,
                    postings=outcome.postings,
                    details=transfer_details(result),
                    statistics={
                        event.sender: {"transferred_out": outcome.points},
                        event.recipient: {"transferred_in": outcome.points},
                    },
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._retrying(attempt)

    def _commit_keyed(self, commit: Commit) -> None:
        try:
            self.store.commit(commit)
        except SettlementRunningError:
            raise Rejected(
                RejectCode.BUSY, "the daily settlement is running; try again in a few minutes"
            ) from None
        except AlreadyExistsError as exc:
            # the same key committed concurrently: the replay at the next attempt returns it
            raise ConflictError(str(exc)) from None

    # -- withdrawals -------------------------------------------------------
    def request_withdrawal(self, event: Withdraw, key: str) -> WithdrawalResult:
        """Hold the points and set the net cash aside; an operator decides later."""

        def attempt() -> WithdrawalResult:
            replay = self._replay(key, WithdrawalResult.from_record)
            if replay is not None:
                return replay
            member = self.store.get_member(event.member)
            if (
                self.plan.valuation.mode == "reserve"
                and member is not None
                and self.store.open_settlement() is not None
            ):
                raise Rejected(
                    RejectCode.BUSY, "the daily settlement is running; try again in a few minutes"
                )
            quote = decide_withdraw(
                self.plan, event, member=member.snapshot() if member else None, pool=self.pool()
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
                status="pending",
                requested_at=self.clock(),
                version=0,
            )
            result = WithdrawalResult.of(record)
            self._commit_keyed(
                Commit(
                    no_settlement_open=self.plan.valuation.mode == "reserve",
                    event_key=key,
                    kind="withdrawal_requested",
                    at=record.requested_at,
                    chain=member,
                    postings=quote.request_postings(),
                    details=withdrawal_requested_details(result),
                    result=result.to_record(),
                    idempotency_key=key,
                    withdrawal=WithdrawalChange(record, "pending"),
                )
            )
            return result

        return self._retrying(attempt)

    def decide_withdrawal(
        self, request_id: str, *, approve: bool, operator: str, reason: str | None = None
    ) -> WithdrawalResult:
        """Approve (burn the held points; cash payable T+1) or reject (undo exactly)."""
        target = "approved" if approve else "rejected"

        def attempt() -> WithdrawalResult:
            record = self.store.get_withdrawal(request_id)
            if record is None:
                raise Rejected(RejectCode.NOT_FOUND, f"no withdrawal request {request_id!r}")
            if record.status == target:
                return WithdrawalResult.of(record)
            if record.status != "pending":
                raise Rejected(RejectCode.NOT_PENDING, f"the request is already {record.status}")
            member = self.member(record.member)
            quote = _quote(record)
            postings = quote.approve_postings() if approve else quote.reject_postings()
            statistics = (
                {record.member: {"withdrawn_points": record.points, "withdrawn_cash": record.net}}
                if approve
                else {}
            )
            decided = WithdrawalRecord(**{**_fields(record), "status": target})
            result = WithdrawalResult.of(decided)
            self.store.commit(
                Commit(
                    event_key=f"withdrawal:{request_id}:{target}",
                    kind=f"withdrawal_{target}",
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
            record = self.store.get_withdrawal(request_id)
            if record is None:
                raise Rejected(RejectCode.NOT_FOUND, f"no withdrawal request {request_id!r}")
            if record.status == WithdrawalStatus.PAID:
                return WithdrawalResult.of(record)
            payable = WithdrawalStatus.APPROVED if batch is None else WithdrawalStatus.BATCHED
            if record.status != payable or record.batch != batch:
                where = f" in the payout batch of {record.batch}" if record.batch else ""
                raise Rejected(RejectCode.NOT_PENDING, f"the request is {record.status}{where}")
            member = self.member(record.member)
            paid = WithdrawalRecord(**{**_fields(record), "status": WithdrawalStatus.PAID.value})
            result = WithdrawalResult.of(paid)
            self.store.commit(
                Commit(
                    event_key=f"withdrawal:{request_id}:paid",
                    kind="withdrawal_paid",
                    at=self.clock(),
                    chain=member,
                    postings=_quote(record).payout_postings(),
                    details=withdrawal_paid_details(result, operator, reference, batch),
                    withdrawal=WithdrawalChange(record, "paid", operator, reference),
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

    # -- operator actions ----------------------------------------------------
    def set_frozen(
        self, member_name: str, frozen: bool, key: str, *, operator: str
    ) -> FreezeResult:
        def attempt() -> FreezeResult:
            replay = self._replay(key, FreezeResult.from_record)
            if replay is not None:
                return replay
            record = self.store.get_member(member_name)
            check_member(record.snapshot() if record else None, member_name)
            assert record is not None
            result = FreezeResult(member_name, frozen)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind="freeze" if frozen else "unfreeze",
                    at=self.clock(),
                    chain=record,
                    details=freeze_details(result, operator),
                    sets={member_name: {"frozen": frozen}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._retrying(attempt)

    def adjust(
        self, member_name: str, delta: int, reason: str, key: str, *, operator: str
    ) -> AdjustmentResult:
        """Operator correction of available points; journaled with who and why."""
        if not reason.strip():
            raise Rejected(RejectCode.INVALID_EVENT, "an adjustment needs a reason")

        def attempt() -> AdjustmentResult:
            replay = self._replay(key, AdjustmentResult.from_record)
            if replay is not None:
                return replay
            record = self.member(member_name)
            if delta < 0 and -delta > record.available:
                raise Rejected(
                    RejectCode.INSUFFICIENT_POINTS,
                    f"only {format_cents(record.available)} points available to remove",
                )
            postings: list[Posting] = (
                move(delta, SYSTEM, Bucket.ISSUANCE, member_name, Bucket.AVAILABLE)
                if delta > 0
                else move(-delta, member_name, Bucket.AVAILABLE, SYSTEM, Bucket.BURNED)
            )
            result = AdjustmentResult(member_name, delta)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind="adjustment",
                    at=self.clock(),
                    chain=record,
                    postings=postings,
                    details=adjustment_details(result, reason, operator),
                    statistics={member_name: {"adjusted": delta}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._retrying(attempt)

    def price(self) -> Cents | None:
        """Cash per point now, floored to a hundredth (None: no price yet)."""
        value = point_price(self.plan, self.pool())
        return None if value is None else value.numerator * 100 // value.denominator


def _fields(record: WithdrawalRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def _quote(record: WithdrawalRecord) -> WithdrawalQuote:
    return WithdrawalQuote(
        record.member,
        record.points,
        record.gross,
        record.net,
        record.fee,
        Bucket(record.cash_source),
    )


def _stored(text: str, read: Callable[[Record], R]) -> R:
    """A keyed event's stored result as its typed value.

    A record that does not read as this use case's result means the key was
    first used by another kind of request: refused, and nothing is written.
    """
    try:
        record = json.loads(text)
        if not isinstance(record, dict):
            raise RecordError("the stored result is not a JSON object")
        return read(record)
    except ValueError:  # not JSON, or a RecordError
        raise Rejected(
            RejectCode.INVALID_EVENT,
            "that idempotency key was already used for a different kind of request",
        ) from None
