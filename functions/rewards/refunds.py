"""Refunds with clawback, and debt (docs/rules-programs.md, "Refunds").

A refund reverses one whole order (no partial refunds: a merchant refunds the order and
records a new one for what the customer kept). In one step:

1. the points the buyer spent as deduction come back (un-burned) to its available;
2. the order's grant is void: its locked remainder is removed from whoever holds it (a
   gift moves it), and everything already released from it — static and accelerated
   alike — is taken back from the buyer's available. What the buyer does not have
   becomes **debt**, which later credits to its available repay first; a member with
   debt cannot withdraw, transfer, gift or spend points;
3. the buyer's and every ancestor's volume loses the order's cash;
4. the cash goes back: the reserve returns what the order put in (as far as it holds it),
   each upline's commission wallet returns its commission (what it lacks becomes
   **commission debt**, repaid first from later commission), the platform the rest.

Acceleration other members earned from this buyer's releases stays theirs (it was paid
from their own grants), and so do pool shares already paid.

Everything taken back goes to the platform's ``clawback`` points account; debt is a
counter on the member, not a balance (balances never go negative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import RejectCode, Rejected
from .ledger import SYSTEM, Bucket, Posting, move
from .money import Cents, format_cents


def repayment(debt: Cents, credit: Cents) -> Cents:
    """How much of a credit repays debt first (the rest stays with the member)."""
    return debt if debt < credit else credit


def repay_postings(member: str, amount: Cents) -> list[Posting]:
    """Points a debtor's credit repays: from its available to the clawback account."""
    return move(amount, member, Bucket.AVAILABLE, SYSTEM, Bucket.CLAWBACK)


def commission_repay_postings(member: str, amount: Cents) -> list[Posting]:
    """Commission repaying commission debt: back to the platform, which fronted it."""
    return move(amount, member, Bucket.COMMISSION, SYSTEM, Bucket.PLATFORM)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """A recorded order as a refund needs it (the purchase's figures, kept with the order)."""

    order: str
    member: str
    cash: Cents
    points_spent: Cents
    granted: Cents
    locked: bool
    """The grant was a locked grant record (daily release); else it was released at once."""
    reserve_added: Cents
    commissions: tuple[tuple[str, Cents], ...]
    window: int | None
    """Settlements after which refunds close (the order's plan version); None: never."""
    runs_at_purchase: int
    """Settlement runs that had started before the purchase."""
    region: str | None = None
    refunded: bool = False


@dataclass(frozen=True, slots=True)
class Debtor:
    """What a refund needs to know about one member's balances and debts."""

    member: str
    available: Cents
    debt: Cents
    commission: Cents = 0
    commission_debt: Cents = 0


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    order: str
    member: str
    cash: Cents
    points_returned: Cents
    holder: str | None
    """Who held the grant's locked remainder (None: nothing locked was left)."""
    voided: Cents
    owed: Cents
    """Released points of the grant the buyer had to give back."""
    clawed_back: Cents
    """Points taken from the buyer's available now (for this refund and older debt)."""
    debt: Cents
    """The buyer's debt after the refund."""
    reserve_back: Cents
    commissions: tuple[tuple[str, Cents, Cents], ...]
    """Per upline: commission taken back now, and its commission debt after."""
    platform_back: Cents
    postings: tuple[Posting, ...] = field(repr=False)


def check_refund(order: OrderFacts | None, name: str, *, runs_now: int) -> OrderFacts:
    """Rejections in order: ``unknown_order``, ``already_refunded``, ``refund_window_closed``."""
    if order is None:
        raise Rejected(RejectCode.UNKNOWN_ORDER, f"no order {name!r} was recorded")
    if order.refunded:
        raise Rejected(RejectCode.ALREADY_REFUNDED, f"order {name!r} was already refunded")
    since = runs_now - order.runs_at_purchase
    if order.window is not None and since > order.window:
        raise Rejected(
            RejectCode.REFUND_WINDOW_CLOSED,
            f"{since} settlements ran since order {name!r}; refunds close after {order.window}",
        )
    return order


def decide_refund(
    order: OrderFacts,
    *,
    buyer: Debtor,
    remaining: Cents,
    holder: str | None,
    reserve: Cents,
    uplines: Mapping[str, Debtor],
) -> RefundOutcome:
    """The postings of refunding ``order`` (already checked by :func:`check_refund`).

    ``remaining`` is the grant's locked remainder now (0 when exhausted or released at
    once), held by ``holder``; ``reserve`` the platform's reserve balance; ``uplines`` the
    commission earners' wallets and commission debts.
    """
    postings: list[Posting] = []
    returned = order.points_spent
    postings += move(returned, SYSTEM, Bucket.BURNED, order.member, Bucket.AVAILABLE)
    voided = remaining if holder is not None else 0
    if voided:
        postings += move(voided, holder or order.member, Bucket.LOCKED, SYSTEM, Bucket.CLAWBACK)
    owed = order.granted - voided
    total_owed = buyer.debt + owed
    taken = min(buyer.available + returned, total_owed)
    postings += move(taken, order.member, Bucket.AVAILABLE, SYSTEM, Bucket.CLAWBACK)

    cash = order.cash
    reserve_back = min(order.reserve_added, max(0, reserve))
    commissions: list[tuple[str, Cents, Cents]] = []
    commission_back = 0
    for upline, amount in order.commissions:
        wallet = uplines[upline] if upline in uplines else Debtor(upline, 0, 0)
        owed_cash = wallet.commission_debt + amount
        take = min(wallet.commission, owed_cash)
        commissions.append((upline, take, owed_cash - take))
        commission_back += take
        if take:
            postings.append(Posting(upline, Bucket.COMMISSION, -take))
    platform_back = cash - reserve_back - commission_back
    if cash:
        postings.append(Posting(SYSTEM, Bucket.SALES, cash))
    if reserve_back:
        postings.append(Posting(SYSTEM, Bucket.RESERVE, -reserve_back))
    if platform_back:
        postings.append(Posting(SYSTEM, Bucket.PLATFORM, -platform_back))
    return RefundOutcome(
        order=order.order,
        member=order.member,
        cash=cash,
        points_returned=returned,
        holder=holder if voided else None,
        voided=voided,
        owed=owed,
        clawed_back=taken,
        debt=total_owed - taken,
        reserve_back=reserve_back,
        commissions=tuple(commissions),
        platform_back=platform_back,
        postings=tuple(postings),
    )


def debt_message(member: str, debt: Cents) -> Rejected:
    return Rejected(
        RejectCode.IN_DEBT,
        f"member {member!r} owes {format_cents(debt)} points from a refund; "
        "new credits repay it first",
    )
