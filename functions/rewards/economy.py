"""The in-memory book's economics state and steps (issue 12; docs/rules-programs.md).

:class:`~functions.rewards.book.MemoryBook` holds one :class:`Economy` and calls its
hooks: after a purchase, at each settlement (the activity gate before the engine runs;
stage counters, debt repayment, dividend pools and the period marks after it), and for
the events this issue adds (refund, gift of locked points, region). Per-member figures
are kept sparsely (most members never owe, never hold a region), so a history that uses
none of this costs a few empty dicts.

The live system keeps the same figures on its items (functions/store/economics_store.py)
and runs the same engine functions; ``--backend dynamodb`` scenarios print the same
report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .decisions import PurchaseOutcome
from .events import Purchase
from .issuance import IssuanceState
from .ledger import SYSTEM, Bucket, Posting, move
from .money import Cents, format_cents, format_rate
from .plan import Plan
from .pools import PoolInput, PoolOutcome, distribute
from .refunds import OrderFacts, repayment
from .release_schedule import Schedule, gated, observe_activity, stage_step
from .tree import NO_PARENT
from .versions import PlanHistory

GrantMeta = tuple[str | None, int, Schedule | None]
"""Beside each grant ``(remaining, daily)``: its order, releases so far, stage schedule."""
PLAIN: GrantMeta = (None, 0, None)


@dataclass(frozen=True, slots=True)
class Features:
    """Which economics fields a report shows (absent mechanisms leave it byte-identical)."""

    refunds: bool = False
    cap: bool = False
    bonus: bool = False
    pools: bool = False

    @classmethod
    def of(cls, history: PlanHistory, refunds: int) -> Features:
        plans = [version.plan for version in history]
        return cls(
            refunds=refunds > 0,
            cap=any(p.grant is not None and p.grant.issuance_cap is not None for p in plans),
            bonus=any(p.grant is not None and p.grant.category_bonus is not None for p in plans),
            pools=any(p.pools is not None for p in plans),
        )


def settlement_extras(
    plan: Plan, throttle: Fraction | None, gated_members: int, pools: PoolOutcome | None
) -> dict[str, object]:
    """The settlement row's economics fields, for the controls ``plan`` switches on."""
    extras: dict[str, object] = {}
    if plan.release.throttle is not None:
        extras["throttle"] = format_rate(throttle if throttle is not None else Fraction(1))
    if plan.release.requires_activity is not None:
        extras["gated"] = gated_members
    if plan.pools is not None:
        extras["pools"] = [payout.as_json() for payout in pools.payouts] if pools else []
    return extras


@dataclass(slots=True)
class Economy:
    """Everything the book keeps for refunds, debt, stages, the gate, pools and regions."""

    grant_meta: list[list[GrantMeta]] = field(default_factory=list)
    """Parallel to the book's grants (padded at the front for grants loaded from a state)."""
    staged: set[int] = field(default_factory=set)
    """Members holding at least one staged grant (their counters move every run)."""
    orders: dict[str, OrderFacts] = field(default_factory=dict)
    holder: dict[str, int] = field(default_factory=dict)
    """Where a gifted grant is now, by order (absent: with its buyer)."""
    runs: int = 0
    """Settlement runs so far (the refund window and the gate count them)."""
    sales: Cents = 0
    """Cumulative cash of orders, net of refunds."""
    sales_mark: Cents = 0
    region_sales: dict[str, Cents] = field(default_factory=dict)
    region_mark: dict[str, Cents] = field(default_factory=dict)
    team_mark: list[Cents] = field(default_factory=list)
    pool_carry: dict[str, Cents] = field(default_factory=dict)
    debt: dict[int, Cents] = field(default_factory=dict)
    commission_debt: dict[int, Cents] = field(default_factory=dict)
    clawed_back: dict[int, Cents] = field(default_factory=dict)
    voided: dict[int, Cents] = field(default_factory=dict)
    pool_points: dict[int, Cents] = field(default_factory=dict)
    pool_cash: dict[int, Cents] = field(default_factory=dict)
    region: dict[int, str] = field(default_factory=dict)
    order_count: dict[int, int] = field(default_factory=dict)
    gate_marks: dict[int, tuple[int, int]] = field(default_factory=dict)
    active_run: dict[int, int] = field(default_factory=dict)
    refunds: int = 0
    refunded: Cents = 0
    capped: Cents = 0
    bonus: Cents = 0

    # -- grant metadata ---------------------------------------------------------------
    def meta(self, position: int, grants: Sequence[object]) -> list[GrantMeta]:
        """The metadata of a member's grants, aligned with ``grants``."""
        while len(self.grant_meta) <= position:
            self.grant_meta.append([])
        held = self.grant_meta[position]
        if len(held) < len(grants):
            held[:0] = [PLAIN] * (len(grants) - len(held))
        return held

    def drop_exhausted(self, position: int, remaining: Sequence[Cents]) -> None:
        """Settlement dropped the grants whose remaining reached 0: drop their metadata."""
        if position >= len(self.grant_meta) or not self.grant_meta[position]:
            return
        held = self.meta(position, remaining)
        self.grant_meta[position] = [m for m, left in zip(held, remaining, strict=True) if left]
        if position in self.staged and not any(m[2] for m in self.grant_meta[position]):
            self.staged.discard(position)

    def add_grant(self, position: int, grants: Sequence[object], meta: GrantMeta) -> None:
        """A grant was just appended to the member's list: record its metadata."""
        held = self.meta(position, grants[:-1])
        held.append(meta)
        if meta[2] is not None:
            self.staged.add(position)

    # -- platform figures ---------------------------------------------------------------
    def issuance_state(self, balances: Mapping[tuple[str, Bucket], Cents]) -> IssuanceState:
        return IssuanceState.of_accounts(
            sales=-self.sales,
            issuance=balances.get((SYSTEM, Bucket.ISSUANCE), 0),
            burned=balances.get((SYSTEM, Bucket.BURNED), 0),
            clawback=balances.get((SYSTEM, Bucket.CLAWBACK), 0),
            lottery_pool=balances.get((SYSTEM, Bucket.LOTTERY_POOL), 0),
            rewards=balances.get((SYSTEM, Bucket.REWARDS), 0),
            spare_issuance=balances.get((SYSTEM, Bucket.SPARE_ISSUANCE), 0),
        )

    def debts_of(self, positions: Iterable[tuple[str, int]]) -> dict[str, Cents]:
        """Commission debts of the named members (purchases repay them first)."""
        return {
            name: self.commission_debt[position]
            for name, position in positions
            if self.commission_debt.get(position)
        }

    # -- purchases -----------------------------------------------------------------------
    def after_purchase(
        self,
        plan: Plan,
        position: int,
        event: Purchase,
        outcome: PurchaseOutcome,
        grants: Sequence[object],
        positions: Mapping[str, int],
    ) -> None:
        self.order_count[position] = self.order_count.get(position, 0) + 1
        self.sales += outcome.cash
        region = self.region.get(position)
        if region is not None:
            self.region_sales[region] = self.region_sales.get(region, 0) + outcome.cash
        self.capped += outcome.capped
        self.bonus += outcome.bonus
        if outcome.repaid:
            self._repaid(position, outcome.repaid)
        for owner, back in outcome.commission_repaid:
            where = positions[owner]
            self.commission_debt[where] -= back
            if not self.commission_debt[where]:
                del self.commission_debt[where]
        grant = outcome.grant
        if grant is not None and grant.locked:
            self.add_grant(position, grants, (event.order, 0, outcome.schedule))
        window = plan.refund.window_settlements if plan.refund is not None else None
        self.orders[event.order] = OrderFacts(
            order=event.order,
            member=event.member,
            cash=outcome.cash,
            points_spent=outcome.points_spent,
            granted=grant.points if grant is not None else 0,
            locked=bool(grant and grant.locked),
            reserve_added=outcome.reserve_added,
            commissions=outcome.commissions,
            window=window,
            runs_at_purchase=self.runs,
            region=region,
        )

    def _repaid(self, position: int, amount: Cents) -> None:
        self.debt[position] -= amount
        if not self.debt[position]:
            del self.debt[position]
        self.clawed_back[position] = self.clawed_back.get(position, 0) + amount

    def repay(self, position: int, member: str, credit: Cents) -> list[Posting]:
        """A credit to a debtor's available repays its debt first."""
        owed = self.debt.get(position, 0)
        if not owed or not credit:
            return []
        amount = repayment(owed, credit)
        self._repaid(position, amount)
        return move(amount, member, Bucket.AVAILABLE, SYSTEM, Bucket.CLAWBACK)

    def repay_commission(self, position: int, member: str, credit: Cents) -> list[Posting]:
        owed = self.commission_debt.get(position, 0)
        if not owed or not credit:
            return []
        amount = repayment(owed, credit)
        self.commission_debt[position] = owed - amount
        if not self.commission_debt[position]:
            del self.commission_debt[position]
        return move(amount, member, Bucket.COMMISSION, SYSTEM, Bucket.PLATFORM)

    # -- settlement ------------------------------------------------------------------------
    def gate(self, plan: Plan, parents: Sequence[int]) -> list[bool] | None:
        """Step 0 of a gated run: notice activity since the previous gated run, then say
        whose static release waits (None: this run's plan has no gate)."""
        gate = plan.release.requires_activity
        if gate is None:
            return None
        run = self.runs + 1
        referrals = [0] * len(parents)
        for parent in parents:
            if parent != NO_PARENT:
                referrals[parent] += 1
        waits = [False] * len(parents)
        marks, active, orders = self.gate_marks, self.active_run, self.order_count
        for position, count in enumerate(referrals):
            now = (orders.get(position, 0), count)
            mark = marks.get(position, (0, 0))
            seen, active_run = observe_activity(mark, now, active.get(position), run)
            if seen != mark:
                marks[position] = seen
                assert active_run is not None
                active[position] = active_run
            waits[position] = gated(gate, active.get(position), run)
        return waits

    def count_releases(
        self, grants: list[list[tuple[Cents, Cents]]], waits: Sequence[bool] | None
    ) -> None:
        """Every staged grant of a member not gated this run counts one more release; its
        daily amount follows the stage that count falls in."""
        for position in sorted(self.staged):
            if waits is not None and waits[position]:
                continue
            held = grants[position]
            meta = self.meta(position, held)
            for index, (order, count, schedule) in enumerate(meta):
                if schedule is None:
                    continue
                releases, daily = stage_step(schedule, count)
                meta[index] = (order, releases, schedule)
                balance, _ = held[index]
                held[index] = (balance, daily)

    def period_cash(self) -> Cents:
        return self.sales - self.sales_mark

    def pools(
        self,
        plan: Plan,
        level: Sequence[int],
        team_volume: Sequence[Cents],
        room: Cents | None,
        members: int,
    ) -> PoolOutcome:
        """Step 6: every pool takes in and pays out (docs/rules-programs.md)."""
        mark = self.team_mark
        period_team = [
            volume - (mark[index] if index < len(mark) else 0)
            for index, volume in enumerate(team_volume)
        ]
        regions = (
            [self.region.get(index) for index in range(members)]
            if self.region
            else [None] * members
        )
        region_cash = {
            region: total - self.region_mark.get(region, 0)
            for region, total in self.region_sales.items()
        }
        return distribute(
            plan,
            PoolInput(
                level=level,
                region=regions,
                period_team=period_team,
                period_cash=self.period_cash(),
                region_cash=region_cash,
                carried=self.pool_carry,
                room=room,
            ),
        )

    def close_run(self, team_volume: list[Cents], pools: PoolOutcome | None) -> None:
        """The marks the next run measures its period from."""
        self.runs += 1
        self.sales_mark = self.sales
        self.region_mark = dict(self.region_sales)
        self.team_mark = team_volume
        if pools is not None:
            self.pool_carry = pools.carried

    # -- report ------------------------------------------------------------------------------
    def member_fields(self, position: int, features: Features) -> dict[str, object]:
        fields: dict[str, object] = {}
        if features.refunds:
            fields["debt"] = format_cents(self.debt.get(position, 0))
            fields["commission_debt"] = format_cents(self.commission_debt.get(position, 0))
        if features.pools:
            fields["region"] = self.region.get(position)
            fields["pool_points"] = format_cents(self.pool_points.get(position, 0))
            fields["pool_cash"] = format_cents(self.pool_cash.get(position, 0))
        return fields

    def total_fields(self, features: Features) -> dict[str, object]:
        return economics_totals(
            features,
            refunds=self.refunds,
            refunded=self.refunded,
            voided=sum(self.voided.values()),
            clawed_back=sum(self.clawed_back.values()),
            debt=sum(self.debt.values()),
            commission_debt=sum(self.commission_debt.values()),
            capped=self.capped,
            bonus=self.bonus,
            pool_points=sum(self.pool_points.values()),
            pool_cash=sum(self.pool_cash.values()),
            pool_balance=sum(self.pool_carry.values()),
        )


def economics_totals(
    features: Features,
    *,
    refunds: int,
    refunded: Cents,
    voided: Cents,
    clawed_back: Cents,
    debt: Cents,
    commission_debt: Cents,
    capped: Cents,
    bonus: Cents,
    pool_points: Cents,
    pool_cash: Cents,
    pool_balance: Cents,
) -> dict[str, object]:
    """The totals' economics fields (the book and the DynamoDB backend share the shape)."""
    fields: dict[str, object] = {}
    if features.refunds:
        fields.update(
            refunds=refunds,
            refunded=format_cents(refunded),
            voided=format_cents(voided),
            clawed_back=format_cents(clawed_back),
            debt=format_cents(debt),
            commission_debt=format_cents(commission_debt),
        )
    if features.cap:
        fields["capped"] = format_cents(capped)
    if features.bonus:
        fields["bonus"] = format_cents(bonus)
    if features.pools:
        fields.update(
            pool_points=format_cents(pool_points),
            pool_cash=format_cents(pool_cash),
            pool_balance=format_cents(pool_balance),
        )
    return fields
