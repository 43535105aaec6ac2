"""Refunds in the live system (economics, issue 12): one idempotent transaction per refund.

The engine decides (``functions/rewards/refunds.py``, the scenario runner's own rules); this
module reads what it needs from the store and commits the outcome in one transaction:

- the buyer's journal entry (kind ``refund``) with every posting: points spent come back,
  the void grant's locked remainder and what the buyer must give back go to the platform's
  ``clawback`` account, the reserve, commission wallets and platform return the cash;
- the buyer's item: the grant record removed, ``personal_volume``/``spent`` reduced,
  ``clawed_back`` and ``debt`` added; each upline's ``commission_debt``; version checks on
  every member read (the buyer by its chain, uplines by ``versions``);
- the unique claim ``REFUND#<order>``: a second refund of the order, under any key, is
  ``already_refunded``; the caller's key makes a resend replay the first result.

Refunds wait while a settlement run is open (``busy``): a run computes from the grants it
read, and a refund must not pull a grant from under it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents, format_cents
from functions.rewards.refunds import Debtor, OrderFacts, check_refund, decide_refund
from functions.store.commit import Claim, Commit
from functions.store.errors import AlreadyExistsError, SettlementRunningError
from functions.store.records import EntryKind

from ..results import PurchaseResult, Record, RecordError
from .core import SETTLEMENT_RUNNING, LedgerCore, stored_result
from .gifts import grant_holder
from .regions import region_cash_sets

REFUND_CLAIM = "REFUND#"
"""Prefix of the claim item that marks an order refunded (``REFUND#<order>``)."""


@dataclass(frozen=True, slots=True)
class RefundResult:
    """What a refund did, as stored for replays and shown to the merchant and member."""

    order: str
    member: str
    cash: Cents
    points_returned: Cents
    voided: Cents
    clawed_back: Cents
    debt: Cents
    reserve_back: Cents
    commissions: tuple[tuple[str, Cents, Cents], ...]
    """Per upline: commission taken back, and its commission debt after."""

    def to_record(self) -> dict[str, object]:
        return {
            "order": self.order,
            "member": self.member,
            "cash": self.cash,
            "points_returned": self.points_returned,
            "voided": self.voided,
            "clawed_back": self.clawed_back,
            "debt": self.debt,
            "reserve_back": self.reserve_back,
            "commissions": [list(row) for row in self.commissions],
        }

    @classmethod
    def from_record(cls, record: Record) -> RefundResult:
        def cents(name: str) -> Cents:
            value = record.get(name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise RecordError(f"{name!r} must be an integer of cents")
            return value

        rows = record.get("commissions")
        if not isinstance(rows, list) or not all(
            isinstance(row, list)
            and len(row) == 3
            and isinstance(row[0], str)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in row[1:])
            for row in rows
        ):
            raise RecordError("'commissions' must be a list of [member, taken, debt]")
        order, member = record.get("order"), record.get("member")
        if not isinstance(order, str) or not isinstance(member, str):
            raise RecordError("'order' and 'member' must be strings")
        return cls(
            order=order,
            member=member,
            cash=cents("cash"),
            points_returned=cents("points_returned"),
            voided=cents("voided"),
            clawed_back=cents("clawed_back"),
            debt=cents("debt"),
            reserve_back=cents("reserve_back"),
            commissions=tuple((str(r[0]), int(r[1]), int(r[2])) for r in rows),
        )


def refund_fields(result: RefundResult) -> dict[str, object]:
    """The result with amounts as decimal strings (the merchant API's and the journal's)."""
    return {
        "order": result.order,
        "member": result.member,
        "cash": format_cents(result.cash),
        "points_returned": format_cents(result.points_returned),
        "voided": format_cents(result.voided),
        "clawed_back": format_cents(result.clawed_back),
        "debt": format_cents(result.debt),
        "reserve_back": format_cents(result.reserve_back),
        "commissions": [
            {"member": who, "taken": format_cents(taken), "debt": format_cents(owed)}
            for who, taken, owed in result.commissions
        ],
    }


def debt_details(statistics: Mapping[str, Mapping[str, int]]) -> dict[str, object]:
    """``{"debts": {member: [debt change, commission debt change]}}`` for the journal entry
    (empty when no debt moves), so an audit replays the debt counters from the journal."""
    debts = {
        name: [stats.get("debt", 0), stats.get("commission_debt", 0)]
        for name, stats in sorted(statistics.items())
        if stats.get("debt", 0) or stats.get("commission_debt", 0)
    }
    return {"debts": debts} if debts else {}


def _previous_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


class Refunds(LedgerCore):
    """The refund use case of :class:`~functions.services.ledger.Ledger`."""

    def refund(self, order: str, key: str, *, by: str) -> RefundResult:
        """Refund a whole recorded order once (``by`` names who asked: merchant, operator).

        Rejections in order: ``invalid_event`` (empty order id), ``unknown_order``,
        ``already_refunded``, ``refund_window_closed``; ``busy`` while a settlement runs.
        """
        if not order:
            raise Rejected(RejectCode.INVALID_EVENT, "a refund names the order")

        def decide() -> RefundResult:
            facts = self._order_facts(order)
            check_refund(facts, order, runs_now=self._runs_since(facts) if facts else 0)
            assert facts is not None
            buyer = self.member(facts.member)
            # the grant's locked remainder is wherever gifts took it (gifts.py)
            holder_name = grant_holder(self.store, order, buyer.member)[0] if facts.locked else ""
            holder = self.member(holder_name) if holder_name not in ("", buyer.member) else buyer
            grant = next((g for g in holder.grants if facts.locked and g.order == order), None)
            names = [name for name, _ in facts.commissions]
            found = self.store.get_members(names) if names else {}
            uplines = {
                name: Debtor(name, 0, 0, record.commission, record.commission_debt)
                for name, record in found.items()
            }
            outcome = decide_refund(
                facts,
                buyer=Debtor(buyer.member, buyer.available, buyer.debt),
                remaining=grant.remaining if grant is not None else 0,
                holder=holder.member if grant is not None else None,
                reserve=self.store.system_totals().reserve,
                uplines=uplines,
            )
            result = RefundResult(
                order=order,
                member=buyer.member,
                cash=outcome.cash,
                points_returned=outcome.points_returned,
                voided=outcome.voided,
                clawed_back=outcome.clawed_back,
                debt=outcome.debt,
                reserve_back=outcome.reserve_back,
                commissions=outcome.commissions,
            )
            statistics: dict[str, dict[str, int]] = {
                buyer.member: {
                    "personal_volume": -outcome.cash,
                    "spent": -outcome.points_returned,
                    "clawed_back": outcome.clawed_back,
                    "debt": outcome.debt - buyer.debt,
                }
            }
            for name, _taken, owed in outcome.commissions:
                before = found[name].commission_debt if name in found else 0
                row = statistics.setdefault(name, {})
                row["commission_debt"] = row.get("commission_debt", 0) + owed - before
            sets: dict[str, dict[str, object]] = {}
            if grant is not None:
                sets[holder.member] = {"grants": tuple(g for g in holder.grants if g is not grant)}
            counted = region_cash_sets(buyer, facts.region, -outcome.cash)  # issue 12
            if counted:
                sets[buyer.member] = {**sets.get(buyer.member, {}), **counted}
            versions = {name: record.version for name, record in found.items()}
            if holder is not buyer:
                versions[holder.member] = holder.version
            commit = Commit(
                event_key=key,
                kind=EntryKind.REFUND,
                at=self.clock(),
                chain=buyer,
                postings=outcome.postings,
                details={**refund_fields(result), "by": by, **debt_details(statistics)},
                statistics=statistics,
                sets=sets,
                versions=versions,
                result=result.to_record(),
                idempotency_key=key,
                claims=(Claim(REFUND_CLAIM + order, buyer.member),),
                no_settlement_open=True,
            )
            try:
                self.store.commit(commit)
            except SettlementRunningError:
                raise Rejected(RejectCode.BUSY, SETTLEMENT_RUNNING) from None
            except AlreadyExistsError as exc:
                if exc.what == "claim":  # refunded under another key meanwhile
                    raise Rejected(
                        RejectCode.ALREADY_REFUNDED, f"order {order!r} was already refunded"
                    ) from None
                raise
            return result

        return self._keyed(key, RefundResult.from_record, decide)

    def _order_facts(self, order: str) -> OrderFacts | None:
        """The recorded purchase as the engine's refund needs it (None: no such order)."""
        recorded = self.store.get_order(order)
        at = self.store.order_recorded_at(order)
        if recorded is None or at is None:
            return None
        purchase = stored_result(recorded[1], PurchaseResult.from_record)
        plan = self.plan_on(self.business_date(at))
        window = plan.refund.window_settlements if plan.refund is not None else None
        return OrderFacts(
            order=order,
            member=purchase.member,
            cash=purchase.cash,
            points_spent=purchase.points_spent,
            granted=purchase.granted,
            locked=purchase.locked,
            reserve_added=purchase.reserve_added,
            commissions=tuple((paid.member, paid.amount) for paid in purchase.commissions),
            window=window,
            runs_at_purchase=0,
            refunded=self.store.claim_owner(REFUND_CLAIM + order) is not None,
            region=purchase.region,  # economics (issue 12): the order's region
        )

    def _runs_since(self, facts: OrderFacts) -> int:
        """Settlement runs started after the order was recorded, counted only as far as the
        window needs. Runs go in date order, so walking back from the newest date stops at
        the first run started before the order, or once every run ever claimed was seen."""
        if facts.window is None:
            return 0
        at = self.store.order_recorded_at(facts.order) or 0
        sequence = self.store.settlement_sequence()
        if sequence is None:
            return 0
        day, runs = sequence.date, 0
        while runs < sequence.seq and runs <= facts.window:
            run = self.store.settlement_run(day)
            if run is not None:
                if run.created_at <= at:
                    break
                runs += 1
            day = _previous_day(day)
        return runs
