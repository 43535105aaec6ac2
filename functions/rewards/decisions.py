"""The rules for single events, as pure decisions over a small snapshot.

Each ``decide_*`` takes the plan, the event and just the facts the rules need
(the member's balance and frozen flag, whether the order exists, the first
ancestors, the pool), checks the rejections in RULES.md §6 order, and returns
an outcome carrying balanced postings. Callers load the snapshot, call this,
then commit the postings atomically — the in-memory book and the DynamoDB
services alike. Nothing here performs I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .catalog import spend_postings, split_spend
from .errors import RejectCode, Rejected
from .events import Join, Purchase, Transfer, Withdraw
from .issuance import IssuanceState, capped_grant, category_bonus
from .ledger import SYSTEM, Bucket, Posting, move
from .money import ONE, Cents, format_cents, format_rate, mul_floor
from .plan import Plan
from .refunds import debt_message, repay_postings, repayment
from .release_schedule import grant_terms
from .roles import earns_commission


@dataclass(frozen=True, slots=True)
class MemberSnapshot:
    """What the rules need to know about one member for one event."""

    member: str
    available: Cents
    frozen: bool
    spare: Cents = 0
    """Spend-only points (issue 13): paid first when points pay for an order."""
    debt: Cents = 0
    """Points owed after a refund (issue 12): later credits repay it first."""
    commission_debt: Cents = 0
    """Commission owed after a refund (issue 12): later commission repays it first."""


@dataclass(frozen=True, slots=True)
class Pool:
    """Platform totals that set the point price in reserve valuation."""

    reserve: Cents
    circulating: Cents


@dataclass(frozen=True, slots=True)
class IssuedGrant:
    points: Cents
    daily: Cents
    locked: bool
    tier: str | None


@dataclass(frozen=True, slots=True)
class PurchaseOutcome:
    member: str
    order: str
    amount: Cents
    points_spent: Cents
    cash: Cents
    grant: IssuedGrant | None
    reserve_added: Cents
    commissions: tuple[tuple[str, Cents], ...]
    postings: tuple[Posting, ...] = field(repr=False)
    # -- engagement programs (issue 13)
    spare_spent: Cents = 0
    """Of ``points_spent``, what the spend-only balance paid."""
    pool_added: Cents = 0
    """Of ``points_spent``, what went into the lottery pool instead of being burned."""
    coins: Cents = 0
    """Coins granted (spend-only points, ``grant.coins_ratio``)."""
    # economics (issue 12)
    bonus: Cents = 0
    """Category bonus points included in the grant."""
    capped: Cents = 0
    """Points the issuance cap cut from the grant."""
    repaid: Cents = 0
    """Points of an immediate grant that repaid the buyer's debt."""
    commission_repaid: tuple[tuple[str, Cents], ...] = ()
    """Commission that repaid uplines' commission debt."""
    schedule: tuple[tuple[int, Cents], ...] | None = None
    """A staged grant's schedule (``release.stages``)."""

    @property
    def released(self) -> Cents:
        """Points that became available at once (immediate release)."""
        return self.grant.points if self.grant is not None and not self.grant.locked else 0


@dataclass(frozen=True, slots=True)
class WithdrawalQuote:
    """The maths of a withdrawal, fixed at request time (RULES.md §5)."""

    member: str
    points: Cents
    gross: Cents
    net: Cents
    fee: Cents
    cash_source: Bucket

    def request_postings(self) -> tuple[Posting, ...]:
        """Hold the points and set the net cash aside for this member."""
        return (
            *move(self.points, self.member, Bucket.AVAILABLE, self.member, Bucket.WITHDRAWING),
            *move(self.net, SYSTEM, self.cash_source, self.member, Bucket.PAYABLE),
        )

    def approve_postings(self) -> tuple[Posting, ...]:
        """Burn the held points; the net cash stays payable until paid out."""
        return tuple(move(self.points, self.member, Bucket.WITHDRAWING, SYSTEM, Bucket.BURNED))

    def reject_postings(self) -> tuple[Posting, ...]:
        """Exactly undo the request: points back to available, cash back to its source."""
        return (
            *move(self.points, self.member, Bucket.WITHDRAWING, self.member, Bucket.AVAILABLE),
            *move(self.net, self.member, Bucket.PAYABLE, SYSTEM, self.cash_source),
        )

    def payout_postings(self) -> tuple[Posting, ...]:
        """The operator sent the cash: it leaves the member's payable account."""
        return tuple(move(self.net, self.member, Bucket.PAYABLE, SYSTEM, Bucket.PAID_OUT))


@dataclass(frozen=True, slots=True)
class TransferOutcome:
    sender: str
    recipient: str
    points: Cents
    postings: tuple[Posting, ...] = field(repr=False)
    repaid: Cents = 0
    """Points received that repaid the recipient's debt (issue 12)."""


def _reject(code: RejectCode, message: str) -> Rejected:
    return Rejected(code, message)


def _known(member: MemberSnapshot | None, name: str) -> MemberSnapshot:
    if member is None:
        raise _reject(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    return member


def check_join(event: Join, *, member_exists: bool, referrer_exists: bool) -> None:
    """A name joins once; a referrer must already exist (so the tree has no cycles)."""
    if member_exists:
        raise _reject(RejectCode.DUPLICATE_MEMBER, f"member {event.member!r} already joined")
    if event.referrer is not None and not referrer_exists:
        raise _reject(RejectCode.UNKNOWN_REFERRER, f"no member {event.referrer!r} to refer")


def check_member(member: MemberSnapshot | None, name: str) -> MemberSnapshot:
    """The member must exist (freeze, unfreeze and look-ups)."""
    return _known(member, name)


def decide_purchase(
    plan: Plan,
    event: Purchase,
    *,
    buyer: MemberSnapshot | None,
    order_exists: bool,
    ancestors: Sequence[str],
    ancestor_roles: Sequence[str] | None = None,
    issuance: IssuanceState | None = None,
    commission_debts: Mapping[str, Cents] | None = None,
) -> PurchaseOutcome:
    """Deduction, grant, reserve and commissions for one paid order (RULES.md §3).

    ``ancestors`` are the buyer's referrer, its referrer, … at least as many
    generations as the plan pays commission to (more are ignored); ``ancestor_roles``
    their roles, when the plan's roles gate the commission (issue 13).
    generations as the plan pays commission to (more are ignored). Economics (issue
    12): ``issuance`` is the platform before this order (needed when the plan caps
    issuance), ``commission_debts`` what uplines owe from refunds.
    """
    if event.rebate is not None and (
        plan.merchant is None or not plan.merchant.allows(event.rebate)
    ):
        raise _reject(
            RejectCode.INVALID_AMOUNT,
            "this plan does not take merchant rebates"
            if plan.merchant is None
            else f"rebate must be between {format_rate(plan.merchant.min_rebate)} "
            f"and {format_rate(plan.merchant.max_rebate)}",
        )
    buyer = _known(buyer, event.member)
    if order_exists:
        raise _reject(RejectCode.DUPLICATE_ORDER, f"order {event.order!r} was already recorded")
    points = event.points
    if points > 0:
        if plan.deduction is None:
            raise _reject(RejectCode.DEDUCTION_LIMIT, "this plan does not let points pay")
        limit = mul_floor(event.amount, plan.deduction.max_ratio)
        if points > limit:
            raise _reject(
                RejectCode.DEDUCTION_LIMIT,
                f"at most {format_cents(limit)} points can pay for this order",
            )
        if buyer.frozen:
            raise _reject(RejectCode.FROZEN, f"member {buyer.member!r} is frozen")
        if buyer.debt:  # economics (issue 12)
            raise debt_message(buyer.member, buyer.debt)
        if points > buyer.available + buyer.spare:
            raise _reject(
                RejectCode.INSUFFICIENT_POINTS,
                f"{format_cents(buyer.available + buyer.spare)} points available, "
                f"{format_cents(points)} offered",
            )
    cash = event.amount - points
    # issue 13: spend-only points pay first; with a lottery, part of the spend feeds its pool
    from_spare, from_available = split_spend(points, buyer.spare)
    pool_added = mul_floor(points, plan.lottery.pool_rate) if plan.lottery is not None else 0
    postings: list[Posting] = spend_postings(buyer.member, from_spare, from_available, pool_added)

    grant: IssuedGrant | None = None
    if event.rebate is not None:
        granted, tier = mul_floor(cash, event.rebate), None
    else:
        granted, tier = plan.grant.points_for(cash) if plan.grant is not None else (0, None)
    # economics (issue 12): category bonus on top, then the issuance cap
    bonus = category_bonus(plan.grant, event.category, granted)
    granted, capped = capped_grant(plan, issuance, cash, granted + bonus, points)
    schedule = None
    repaid = 0
    if granted > 0:
        locked = plan.release.mode == "daily"
        daily, schedule = grant_terms(plan.release, cash)
        grant = IssuedGrant(granted, daily if locked else 0, locked, tier)
        target = Bucket.LOCKED if locked else Bucket.AVAILABLE
        postings += move(granted, SYSTEM, Bucket.ISSUANCE, buyer.member, target)
        if not locked and buyer.debt:
            repaid = repayment(buyer.debt, granted)
            postings += repay_postings(buyer.member, repaid)
        if not locked:
            schedule = None
    coins_ratio = plan.grant.coins_ratio if plan.grant is not None else None
    coins = mul_floor(cash, coins_ratio) if coins_ratio else 0  # issue 13: spend-only coins
    postings += move(coins, SYSTEM, Bucket.SPARE_ISSUANCE, buyer.member, Bucket.SPARE)

    reserve_rate = plan.reserve_rate
    reserve_added = mul_floor(cash, reserve_rate) if reserve_rate is not None else 0
    commissions: list[tuple[str, Cents]] = []
    if plan.commission is not None:
        generations = min(len(plan.commission.rates), len(ancestors))
        for generation in range(1, generations + 1):
            if ancestor_roles is not None and not earns_commission(
                plan.roles, ancestor_roles[generation - 1]
            ):
                continue  # issue 13: the plan's roles gate the commission
            earned = mul_floor(cash, plan.commission.rate(generation, event.category))
            if earned > 0:
                commissions.append((ancestors[generation - 1], earned))
    platform_share = cash - reserve_added - sum(amount for _, amount in commissions)
    commission_repaid: list[tuple[str, Cents]] = []
    for owner, amount in commissions:  # economics (issue 12): commission debt first
        owed = (commission_debts or {}).get(owner, 0)
        if owed:
            back = repayment(owed, amount)
            commission_repaid.append((owner, back))
            platform_share += back
    repaid_to = dict(commission_repaid)
    postings += [Posting(SYSTEM, Bucket.SALES, -cash)] if cash else []
    postings += [Posting(SYSTEM, Bucket.RESERVE, reserve_added)] if reserve_added else []
    postings += [
        Posting(owner, Bucket.COMMISSION, amount - repaid_to.get(owner, 0))
        for owner, amount in commissions
        if amount - repaid_to.get(owner, 0)
    ]
    postings += [Posting(SYSTEM, Bucket.PLATFORM, platform_share)] if platform_share else []
    return PurchaseOutcome(
        member=buyer.member,
        order=event.order,
        amount=event.amount,
        points_spent=points,
        cash=cash,
        grant=grant,
        reserve_added=reserve_added,
        commissions=tuple(commissions),
        postings=tuple(postings),
        spare_spent=from_spare,
        pool_added=pool_added,
        coins=coins,
        bonus=bonus,
        capped=capped,
        repaid=repaid,
        commission_repaid=tuple(commission_repaid),
        schedule=schedule,
    )


def point_price(plan: Plan, pool: Pool) -> Fraction | None:
    """Cash per point: the plan's fixed price, or reserve / circulating (None if 0 circulate)."""
    if plan.valuation.mode == "fixed":
        return plan.valuation.fixed_price
    if pool.circulating <= 0:
        return None
    return Fraction(pool.reserve, pool.circulating)


def decide_withdraw(
    plan: Plan, event: Withdraw, *, member: MemberSnapshot | None, pool: Pool
) -> WithdrawalQuote:
    """Checks in RULES.md §6 order, then gross/net/fee at the exact current price."""
    member = _known(member, event.member)
    if member.frozen:
        raise _reject(RejectCode.FROZEN, f"member {member.member!r} is frozen")
    if member.debt:  # economics (issue 12)
        raise debt_message(member.member, member.debt)
    if event.points > member.available:
        raise _reject(
            RejectCode.INSUFFICIENT_POINTS,
            f"{format_cents(member.available)} points available, "
            f"{format_cents(event.points)} requested",
        )
    minimum = plan.withdrawal.min_points
    if event.points < minimum:
        raise _reject(
            RejectCode.BELOW_MINIMUM, f"the minimum withdrawal is {format_cents(minimum)} points"
        )
    price = point_price(plan, pool)
    if price is None:
        raise _reject(RejectCode.NO_PRICE, "no points circulate, so points have no price yet")
    gross = mul_floor(event.points, price)
    net = mul_floor(gross, ONE - plan.withdrawal.fee_rate)
    source = Bucket.RESERVE if plan.valuation.mode == "reserve" else Bucket.PLATFORM
    return WithdrawalQuote(member.member, event.points, gross, net, gross - net, source)


def decide_transfer(
    event: Transfer, *, sender: MemberSnapshot | None, recipient: MemberSnapshot | None
) -> TransferOutcome:
    """Available points from one member to another, no fee (seed 000 转赠)."""
    if event.sender == event.recipient:
        raise _reject(RejectCode.INVALID_EVENT, "`from` and `to` must be different members")
    sender = _known(sender, event.sender)
    recipient = _known(recipient, event.recipient)
    if sender.frozen:
        raise _reject(RejectCode.FROZEN, f"member {sender.member!r} is frozen")
    if sender.debt:  # economics (issue 12)
        raise debt_message(sender.member, sender.debt)
    if event.points > sender.available:
        raise _reject(
            RejectCode.INSUFFICIENT_POINTS,
            f"{format_cents(sender.available)} points available, "
            f"{format_cents(event.points)} to send",
        )
    postings = move(event.points, event.sender, Bucket.AVAILABLE, event.recipient, Bucket.AVAILABLE)
    repaid = repayment(recipient.debt, event.points)  # economics (issue 12)
    postings += repay_postings(event.recipient, repaid)
    return TransferOutcome(event.sender, event.recipient, event.points, tuple(postings), repaid)
