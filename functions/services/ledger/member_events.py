"""Member events: join, purchase, transfer, and the operator's freeze and adjustment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from functions.rewards.decisions import (
    PurchaseOutcome,
    check_join,
    check_member,
    decide_purchase,
    decide_transfer,
)
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase, Transfer
from functions.rewards.ledger import SYSTEM, Bucket, Posting, move
from functions.rewards.money import format_cents
from functions.store.commit import Claim, Commit, NewMember
from functions.store.errors import AlreadyExistsError, ConflictError
from functions.store.records import EntryKind, GrantRecord

from ..programs.purchases import purchase_programs, purchase_roles
from ..results import (
    AdjustmentResult,
    Commission,
    FreezeResult,
    JoinResult,
    PurchaseResult,
    TransferResult,
    adjustment_details,
    freeze_details,
    join_details,
    purchase_details,
    transfer_details,
)
from .core import LedgerCore, read_once, stored_result
from .issuance import issuance_state
from .refunds import debt_details
from .regions import region_cash_sets


class MemberEvents(LedgerCore):
    """The member-event use cases of :class:`~functions.services.ledger.Ledger`."""

    def join(
        self,
        event: Join,
        key: str,
        *,
        profile: Mapping[str, object] | None = None,
        claims: tuple[Claim, ...] = (),
    ) -> JoinResult:
        """Create a member under an existing referrer (fixed forever)."""

        def decide() -> JoinResult:
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
                        kind=EntryKind.JOIN,
                        at=self.clock(),
                        chain=NewMember(
                            event.member,
                            event.referrer,
                            self.clock(),
                            {**(profile or {}), **_region(event)},  # economics (issue 12)
                        ),
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

        return self._keyed(key, JoinResult.from_record, decide)

    def purchase(
        self, event: Purchase, key: str, *, business_date: str | None = None
    ) -> PurchaseResult:
        """A paid order: deduction, grant, reserve and commissions in one transaction.

        The plan is the version in effect on ``business_date`` (a scenario's), else on
        the local date of now; the journal entry records which (``plan_version``).
        """

        def attempt() -> PurchaseResult:
            recorded = self.store.get_order(event.order)
            if recorded is not None and recorded[0] == key:
                return stored_result(recorded[1], PurchaseResult.from_record)
            at = read_once(self.clock)
            version = self.version_for(business_date, at)
            plan = version.plan
            generations = len(plan.commission.rates) if plan.commission else 0
            buyer = self.store.get_member(event.member)
            ancestors = self.store.ancestors(buyer, generations) if buyer and generations else ()
            # economics (issue 12): uplines' commission debt from refunds is repaid first
            debtors = {
                name: record
                for name, record in (self.store.get_members(ancestors) if ancestors else {}).items()
                if record.commission_debt
            }
            outcome = decide_purchase(
                plan,
                event,
                buyer=buyer.snapshot() if buyer else None,
                order_exists=recorded is not None,
                ancestors=ancestors,
                ancestor_roles=purchase_roles(self.store, plan, ancestors),  # issue 13
                issuance=issuance_state(self.store, plan),
                commission_debts={name: r.commission_debt for name, r in debtors.items()},
            )
            assert buyer is not None
            sets: dict[str, dict[str, object]] = {}
            statistics: dict[str, dict[str, int]] = {
                buyer.member: {
                    "personal_volume": outcome.cash,
                    "spent": outcome.points_spent - outcome.spare_spent,  # issue 13
                    "released": outcome.released,
                }
            }
            # issue 13: coins, spend-only use, the referrer's free draw, the month's activity
            extra_items = purchase_programs(
                plan, buyer, outcome, statistics, lambda: business_date or self.business_date(at())
            )
            grant = outcome.grant
            if grant is not None and grant.locked:
                seq = buyer.grant_seq + 1
                statistics[buyer.member]["grant_seq"] = 1
                sets[buyer.member] = {
                    "grants": (
                        *buyer.grants,
                        GrantRecord(
                            seq,
                            event.order,
                            grant.points,
                            grant.points,
                            grant.daily,
                            schedule=outcome.schedule,  # economics (issue 12): stages
                        ),
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
                coins=outcome.coins,  # issue 13
                spare_spent=outcome.spare_spent,
            )
            statistics = _with_repayments(statistics, outcome)  # economics (issue 12)
            counted = region_cash_sets(buyer, buyer.region, outcome.cash)  # issue 12: regions
            if counted:
                sets[buyer.member] = {**sets.get(buyer.member, {}), **counted}
                result = replace(result, region=buyer.region)
            try:
                self.store.commit(
                    Commit(
                        event_key=key,
                        kind=EntryKind.PURCHASE,
                        at=at(),
                        chain=buyer,
                        postings=outcome.postings,
                        details={
                            **purchase_details(result, event.category),
                            "plan_version": version.number,
                            **debt_details(statistics),
                            **({"capped": format_cents(outcome.capped)} if outcome.capped else {}),
                        },
                        statistics=statistics,
                        sets=sets,
                        versions={name: record.version for name, record in debtors.items()},
                        order=event.order,
                        result=result.to_record(),
                        extra_items=extra_items,
                    )
                )
            except AlreadyExistsError:
                raise ConflictError("order appeared concurrently") from None
            return result

        return self._retrying(attempt)

    def transfer(self, event: Transfer, key: str, *, note: str | None = None) -> TransferResult:
        """Available points from sender to recipient; ``note`` is journaled with it."""

        def decide() -> TransferResult:
            found = self.store.get_members([event.sender, event.recipient])
            sender, recipient = found.get(event.sender), found.get(event.recipient)
            outcome = decide_transfer(
                event,
                sender=sender.snapshot() if sender else None,
                recipient=recipient.snapshot() if recipient else None,
            )
            assert sender is not None
            assert recipient is not None
            result = TransferResult(event.sender, event.recipient, outcome.points)
            repaid = outcome.repaid  # economics (issue 12): the recipient's debt first
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.TRANSFER,
                    at=self.clock(),
                    chain=sender,
                    postings=outcome.postings,
                    details={
                        **transfer_details(result, note),
                        **({"debts": {event.recipient: [-repaid, 0]}} if repaid else {}),
                    },
                    statistics={
                        event.sender: {"transferred_out": outcome.points},
                        event.recipient: {
                            "transferred_in": outcome.points,
                            **({"clawed_back": repaid, "debt": -repaid} if repaid else {}),
                        },
                    },
                    versions={event.recipient: recipient.version} if repaid else {},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._keyed(key, TransferResult.from_record, decide)

    # -- operator actions ----------------------------------------------------
    def set_frozen(
        self, member_name: str, frozen: bool, key: str, *, operator: str
    ) -> FreezeResult:
        def decide() -> FreezeResult:
            record = self.store.get_member(member_name)
            check_member(record.snapshot() if record else None, member_name)
            assert record is not None
            result = FreezeResult(member_name, frozen)
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.FREEZE if frozen else EntryKind.UNFREEZE,
                    at=self.clock(),
                    chain=record,
                    details=freeze_details(result, operator),
                    sets={member_name: {"frozen": frozen}},
                    result=result.to_record(),
                    idempotency_key=key,
                )
            )
            return result

        return self._keyed(key, FreezeResult.from_record, decide)

    def adjust(
        self, member_name: str, delta: int, reason: str, key: str, *, operator: str
    ) -> AdjustmentResult:
        """Operator correction of available points; journaled with who and why."""
        if not reason.strip():
            raise Rejected(RejectCode.INVALID_EVENT, "an adjustment needs a reason")

        def decide() -> AdjustmentResult:
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
                    kind=EntryKind.ADJUSTMENT,
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

        return self._keyed(key, AdjustmentResult.from_record, decide)


def _with_repayments(
    statistics: dict[str, dict[str, int]], outcome: PurchaseOutcome
) -> dict[str, dict[str, int]]:
    """Economics (issue 12): an immediate grant repays the buyer's points debt and
    commission repays uplines' commission debt; the counters follow the postings."""
    if outcome.repaid:
        statistics[outcome.member]["clawed_back"] = outcome.repaid
        statistics[outcome.member]["debt"] = -outcome.repaid
    for owner, back in outcome.commission_repaid:
        statistics.setdefault(owner, {})["commission_debt"] = -back
    return statistics


def _region(event: Join) -> dict[str, object]:
    """Economics (issue 12): the region a member joins with (absent: none)."""
    return {"region": event.region} if event.region is not None else {}
