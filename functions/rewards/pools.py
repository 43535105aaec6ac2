"""Dividend pools (seed 000: 区域合伙人分红; 按等级进入不同分红池，分红模式可选平均或加权).

At every settlement each pool of the plan takes in ``floor(cash × rate)``, where cash is
what members paid since the previous settlement, net of refunds (per region for a pool
scoped by region: the cash of orders by members of that region), adds it to what it
carried from the previous run, and shares the lot among its eligible members:

* ``equal``: ``floor(balance ÷ n)`` each;
* ``weighted``: ``floor(balance × w ÷ W)`` each, ``w`` the team volume the member gained
  in the period (the cash of its descendants' orders since the previous run, net of
  refunds; never below 0), ``W`` their sum (0: nobody is paid).

What the flooring leaves stays in the pool for the next run. A pool paying points issues
new points, so it never pays more than the issuance room (the cap), shared by the
points pools in plan order. The intake is an earmark of the platform's cash, not a
posting: a cash pool pays its shares from the platform's account into members'
commission wallets, a points pool issues its shares into members' available points.

Linear in members: one pass to group the eligible, one per pool to pay.
Docs: docs/rules-programs.md, "Dividend pools".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .economics_plans import DividendPool, level_position
from .money import Cents, mul_floor
from .plan import Plan


def pool_key(name: str, region: str | None) -> str:
    """Where a pool's carried balance is kept: its name, or ``name@region`` when scoped."""
    return name if region is None else f"{name}@{region}"


@dataclass(frozen=True, slots=True)
class PoolInput:
    """What the pools need from the run and the platform."""

    level: Sequence[int]
    """Each member's team level index at the start of the run (-1: none)."""
    region: Sequence[str | None]
    period_team: Sequence[Cents]
    """Team volume each member gained since the previous run (may be negative)."""
    period_cash: Cents
    """Cash of all orders since the previous run, net of refunds (may be negative)."""
    region_cash: Mapping[str, Cents]
    """The same per region of the buyer (at the time of the order)."""
    carried: Mapping[str, Cents]
    """Each pool's balance left by the previous run, by :func:`pool_key`."""
    room: Cents | None
    """Points the issuance cap still allows (None: no cap)."""


@dataclass(frozen=True, slots=True)
class PoolPayout:
    """One pool (one region of it) in one run: what came in, who was paid, what is left."""

    name: str
    region: str | None
    pay_as: str
    intake: Cents
    paid: Cents
    balance: Cents
    members: Sequence[int] = field(repr=False)
    """Member numbers paid; each gets ``share``, or ``amounts[i]`` when weighted."""
    share: Cents = 0
    amounts: Sequence[Cents] | None = field(default=None, repr=False)

    def payments(self) -> list[tuple[int, Cents]]:
        if self.amounts is None:
            return [(member, self.share) for member in self.members] if self.share else []
        return [(m, a) for m, a in zip(self.members, self.amounts, strict=True) if a]

    def as_json(self) -> dict[str, object]:
        from .money import format_cents

        row: dict[str, object] = {"name": self.name}
        if self.region is not None:
            row["region"] = self.region
        row.update(
            intake=format_cents(self.intake),
            paid=format_cents(self.paid),
            balance=format_cents(self.balance),
            members=sum(1 for _ in self.payments()),
        )
        return row


@dataclass(slots=True)
class PoolOutcome:
    payouts: list[PoolPayout]
    carried: dict[str, Cents]
    """Every pool's balance after this run (including pools that took nothing in)."""

    def credits(self, pay_as: str) -> dict[int, Cents]:
        """Total paid to each member in points or in cash this run."""
        total: dict[int, Cents] = {}
        for payout in self.payouts:
            if payout.pay_as != pay_as:
                continue
            for member, amount in payout.payments():
                total[member] = total.get(member, 0) + amount
        return total


def _eligible(pool: DividendPool, plan: Plan, level: Sequence[int]) -> Sequence[int]:
    wanted = pool.eligible.min_level if pool.eligible is not None else None
    if wanted is None:
        return range(len(level))
    lowest = level_position(plan, wanted)
    return [index for index, position in enumerate(level) if position >= lowest]


def distribute(plan: Plan, state: PoolInput) -> PoolOutcome:
    """Run every pool of ``plan`` once (steps in docs/rules-programs.md)."""
    pools = plan.pools or ()
    carried = dict(state.carried)
    payouts: list[PoolPayout] = []
    room = state.room
    for pool in pools:
        eligible = _eligible(pool, plan, state.level)
        if pool.scope == "global":
            groups: dict[str | None, Sequence[int]] = {None: eligible}
            cash: dict[str | None, Cents] = {None: state.period_cash}
        else:
            grouped: dict[str | None, list[int]] = {}
            for index in eligible:
                region = state.region[index]
                if region is not None:
                    grouped.setdefault(region, []).append(index)
            groups = dict(grouped)
            cash = dict(state.region_cash.items())
            for key in carried:  # regions that carry a balance but took nothing in
                name, _, region = key.partition("@")
                if name == pool.name and region:
                    cash.setdefault(region, 0)
            for region in groups:
                cash.setdefault(region, 0)
        for region in sorted(cash, key=lambda r: "" if r is None else r):
            key = pool_key(pool.name, region)
            intake = mul_floor(max(0, cash[region]), pool.rate)
            balance = carried.get(key, 0) + intake
            usable = balance
            if pool.pay_as == "points" and room is not None:
                usable = min(balance, room)
            members = groups.get(region, ())
            payout = _share_out(pool, region, intake, balance, usable, members, state)
            if pool.pay_as == "points" and room is not None:
                room -= payout.paid
            carried[key] = payout.balance
            if intake or payout.paid or payout.balance:
                payouts.append(payout)
    return PoolOutcome(payouts, {key: value for key, value in carried.items() if value})


def _share_out(
    pool: DividendPool,
    region: str | None,
    intake: Cents,
    balance: Cents,
    usable: Cents,
    members: Sequence[int],
    state: PoolInput,
) -> PoolPayout:
    if not usable or not members:
        return PoolPayout(pool.name, region, pool.pay_as, intake, 0, balance, ())
    if pool.mode == "equal":
        share = usable // len(members)
        paid = share * len(members)
        return PoolPayout(
            pool.name, region, pool.pay_as, intake, paid, balance - paid, members, share
        )
    period_team = state.period_team
    weights = [max(0, period_team[index]) for index in members]
    total = sum(weights)
    if not total:
        return PoolPayout(pool.name, region, pool.pay_as, intake, 0, balance, ())
    amounts = [usable * weight // total for weight in weights]
    paid = sum(amounts)
    return PoolPayout(
        pool.name, region, pool.pay_as, intake, paid, balance - paid, members, 0, amounts
    )
