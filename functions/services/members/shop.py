"""The shop: the plan's packages, the points a member may pay with, recording a payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from functions.rewards.decisions import decide_purchase
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Purchase
from functions.rewards.money import Cents, mul_floor
from functions.store.records import MemberRecord

from ..results import PurchaseResult
from .core import MembersCore


@dataclass(frozen=True, slots=True)
class Package:
    """A shop package: its price and the points its cash would grant."""

    amount: Cents
    points: Cents
    tier: str | None


@dataclass(frozen=True, slots=True)
class Quote:
    """What paying ``amount`` with ``points`` grants, decided by the engine before paying.

    Tiers apply to the cash part (RULES.md §3), so points paying part of a package can
    put its cash below the package's tier: ``drops_tier`` says so, and ``cash_granted``
    is what paying it all in cash would grant.
    """

    amount: Cents
    points: Cents
    cash: Cents
    granted: Cents
    daily: Cents
    locked: bool
    tier: str | None
    cash_granted: Cents
    cash_tier: str | None
    cash_tier_min: Cents | None
    """The minimum cash of the tier paying all in cash reaches (None: no tiers)."""

    @property
    def drops_tier(self) -> bool:
        return self.points > 0 and self.cash_tier is not None and self.tier != self.cash_tier


@dataclass(frozen=True, slots=True)
class Offer:
    """A package and the points split offered for it now (None: points cannot pay)."""

    package: Package
    split: Quote | None


@dataclass(frozen=True, slots=True)
class Payment:
    result: PurchaseResult
    points_refused: RejectCode | None = None
    """Set when points offered at checkout could no longer pay; the cash was recorded alone."""


class Shop(MembersCore):
    """The shop use cases of :class:`~functions.services.members.Members`."""

    def catalogue(self) -> tuple[Package, ...]:
        """The plan's tiers (each tier's minimum is a package), else the configured prices."""
        grant = self.plan.grant
        amounts: Sequence[Cents] = (
            [tier.min for tier in grant.tiers]
            if grant is not None and grant.tiers
            else self._flat_packages
        )
        packages = []
        for amount in amounts:
            if amount <= 0:
                continue
            points, tier = grant.points_for(amount) if grant is not None else (0, None)
            packages.append(Package(amount, points, tier))
        return tuple(packages)

    def package(self, amount: Cents) -> Package:
        for package in self.catalogue():
            if package.amount == amount:
                return package
        raise Rejected(RejectCode.INVALID_AMOUNT, "that package is not offered")

    def deduction_for(self, member: MemberRecord, amount: Cents) -> Cents:
        """The most points that may pay for ``amount`` now (0: no deduction offered).

        At least 0.01 is left to pay in cash, since an invoice cannot be free.
        """
        deduction = self.plan.deduction
        if deduction is None or member.frozen:
            return 0
        return max(0, min(member.available, mul_floor(amount, deduction.max_ratio), amount - 1))

    def quote(self, member: MemberRecord, amount: Cents, points: Cents) -> Quote:
        """The exact grant of paying ``amount`` with ``points`` now (the purchase's own checks:
        a refused split raises as the purchase would)."""
        outcome = decide_purchase(
            self.plan,
            Purchase(member.member, "quote", amount, points),
            buyer=member.snapshot(),
            order_exists=False,
            ancestors=(),
        )
        grant = outcome.grant
        policy = self.plan.grant
        cash_granted, cash_tier = policy.points_for(amount) if policy is not None else (0, None)
        tiers = policy.tiers if policy is not None and policy.tiers else ()
        tier_min = next((tier.min for tier in tiers if tier.name == cash_tier), None)
        return Quote(
            amount=amount,
            points=outcome.points_spent,
            cash=outcome.cash,
            granted=grant.points if grant else 0,
            daily=grant.daily if grant else 0,
            locked=bool(grant and grant.locked),
            tier=grant.tier if grant else None,
            cash_granted=cash_granted,
            cash_tier=cash_tier,
            cash_tier_min=tier_min,
        )

    def offers(self, member: MemberRecord) -> tuple[Offer, ...]:
        """Every package with the most points that may pay for it now, quoted.

        On a tier plan each package is a tier's minimum, so no split keeps the package's
        tier: the quote says what it grants instead (``drops_tier``) and the shop says so
        plainly before the member pays.
        """
        offers = []
        for package in self.catalogue():
            most = self.deduction_for(member, package.amount)
            split = self.quote(member, package.amount, most) if most > 0 else None
            offers.append(Offer(package, split))
        return tuple(offers)

    def check_order(
        self, member: MemberRecord | None, amount: Cents, points: Cents, cash: Cents
    ) -> None:
        """Pre-checkout: the package exists, the cash matches, the points may still pay."""
        if member is None:
            raise Rejected(RejectCode.UNKNOWN_MEMBER, "not a member")
        self.package(amount)
        if points < 0 or cash != amount - points or cash <= 0:
            raise Rejected(RejectCode.INVALID_AMOUNT, "the invoice does not match the package")
        decide_purchase(
            self.plan,
            Purchase(member.member, "checkout", amount, points),
            buyer=member.snapshot(),
            order_exists=False,
            ancestors=(),
        )

    def pay(self, member: MemberRecord, amount: Cents, points: Cents, charge_id: str) -> Payment:
        """Record a paid invoice once (the charge id is order id and idempotency key).

        The cash is already taken, so it is always recorded: if the points can no
        longer pay (spent or frozen since checkout), the order is the cash alone,
        which grants exactly what the cash grants either way.
        """
        try:
            result = self.ledger.purchase(
                Purchase(member.member, charge_id, amount, points), charge_id
            )
            return Payment(result)
        except Rejected as exc:
            refusable = {
                RejectCode.DEDUCTION_LIMIT,
                RejectCode.FROZEN,
                RejectCode.INSUFFICIENT_POINTS,
            }
            if points <= 0 or exc.code not in refusable:
                raise
            result = self.ledger.purchase(
                Purchase(member.member, charge_id, amount - points, 0), charge_id
            )
            return Payment(result, exc.code)
