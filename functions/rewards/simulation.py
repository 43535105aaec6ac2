"""The dry run: the next N days of the current state, under one plan or two, with the engine.

A :class:`PlatformState` is what the platform holds now (members and their tree,
balances, open grants, the reserve, the last settled date, recent orders). It comes
from the table (:mod:`functions.services.plan_dry_run`), from a snapshot file, or
from replaying a history through the :class:`~functions.rewards.book.MemoryBook`.
:func:`simulate` loads it into a fresh book and runs the days exactly as a scenario
would (purchases, then the day's settlement, each under the plan given), so the figures
are the engine's own, never a second model's. :mod:`functions.rewards.comparison` runs
it twice — the current plan and a candidate — and reports the difference per day and per
member.

New purchases follow a stated assumption (:class:`Purchases`): none; the pattern of the
recorded days before the start repeated day by day; or a scripted list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .book import MemberState, MemoryBook
from .decisions import point_price
from .errors import Rejected
from .events import Purchase, Settle
from .ledger import SYSTEM, Bucket
from .money import Cents, format_cents, mul_floor
from .plan import Plan
from .tree import NO_PARENT
from .versions import next_day

REPEAT_WINDOW_DAYS = 30
"""How many recorded days the ``repeat`` assumption repeats."""


@dataclass(frozen=True, slots=True)
class StateMember:
    """One member as the dry run needs it (join order: a referrer comes before its invitees)."""

    name: str
    referrer: str | None
    available: Cents = 0
    personal_volume: Cents = 0
    grants: tuple[tuple[Cents, Cents], ...] = ()
    """Open grants as ``(remaining, daily)``, oldest first."""
    commission: Cents = 0
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """A recorded order, for the ``repeat`` assumption."""

    date: str
    member: str
    amount: Cents
    points: Cents = 0
    category: str | None = None


@dataclass(frozen=True, slots=True)
class PlatformState:
    """The platform as it stands after ``last_settled`` was settled."""

    members: tuple[StateMember, ...]
    last_settled: str | None
    reserve: Cents = 0
    platform: Cents = 0
    """The operator's cash (what fixed-price withdrawals are paid from)."""
    sales: Cents = 0
    """All cash members ever paid."""
    issuance: Cents = 0
    """All points ever granted."""
    orders: tuple[RecentOrder, ...] = ()

    @property
    def circulating(self) -> Cents:
        return sum(member.available for member in self.members)

    @property
    def locked(self) -> Cents:
        return sum(left for member in self.members for left, _ in member.grants)

    def parents(self) -> list[int]:
        index = {member.name: position for position, member in enumerate(self.members)}
        return [
            index.get(member.referrer, NO_PARENT) if member.referrer else NO_PARENT
            for member in self.members
        ]


def state_of_book(book: MemoryBook) -> PlatformState:
    """The state a book holds (a replayed history), without recent orders."""
    balances = book.balances
    members = tuple(
        StateMember(
            name=member.name,
            referrer=book.members[member.parent].name if member.parent != NO_PARENT else None,
            available=balances.get((member.name, Bucket.AVAILABLE), 0),
            personal_volume=book.personal_volume[position],
            grants=tuple(book.grants[position]),
            commission=balances.get((member.name, Bucket.COMMISSION), 0),
            frozen=member.frozen,
        )
        for position, member in enumerate(book.members)
    )
    return PlatformState(
        members=members,
        last_settled=book.last_settled,
        reserve=balances.get((SYSTEM, Bucket.RESERVE), 0),
        platform=balances.get((SYSTEM, Bucket.PLATFORM), 0),
        sales=-balances.get((SYSTEM, Bucket.SALES), 0),
        issuance=-balances.get((SYSTEM, Bucket.ISSUANCE), 0),
    )


def book_from_state(plan: Plan, state: PlatformState) -> MemoryBook:
    """A fresh book under ``plan`` holding ``state`` (statistics start at zero)."""
    book = MemoryBook(plan)
    balances = book.balances
    for member, parent in zip(state.members, state.parents(), strict=True):
        name = member.name
        book.index[name] = len(book.members)
        book.members.append(MemberState(name, parent, frozen=member.frozen))
        book.parents.append(parent)
        book.personal_volume.append(member.personal_volume)
        book.grants.append(list(member.grants))
        if member.available:
            balances[(name, Bucket.AVAILABLE)] = member.available
        locked = sum(left for left, _ in member.grants)
        if locked:
            balances[(name, Bucket.LOCKED)] = locked
        if member.commission:
            balances[(name, Bucket.COMMISSION)] = member.commission
        book.circulating += member.available
    balances[(SYSTEM, Bucket.RESERVE)] = state.reserve
    balances[(SYSTEM, Bucket.PLATFORM)] = state.platform
    book.start_after(state.last_settled)
    return book


# -- what new purchases to assume --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Purchases:
    """New purchases per simulated day (index 0 is the first day); absent days have none."""

    by_day: Mapping[int, tuple[Purchase, ...]] = field(default_factory=dict)
    assumption: str = "none"

    def on(self, day: int) -> tuple[Purchase, ...]:
        return self.by_day.get(day, ())


NO_PURCHASES = Purchases()


def _days_between(first: str, second: str) -> int:
    import datetime as dt

    return (dt.date.fromisoformat(second) - dt.date.fromisoformat(first)).days


def repeat_recent(state: PlatformState, days: int, start: str) -> Purchases:
    """Day k repeats the orders of day ``k mod 30`` of the 30 recorded days before ``start``."""
    window: dict[int, list[RecentOrder]] = {}
    for order in state.orders:
        offset = _days_between(order.date, start)  # 1 = the day before the start
        if 1 <= offset <= REPEAT_WINDOW_DAYS:
            window.setdefault(REPEAT_WINDOW_DAYS - offset, []).append(order)
    by_day: dict[int, tuple[Purchase, ...]] = {}
    for day in range(days):
        orders = window.get(day % REPEAT_WINDOW_DAYS, [])
        by_day[day] = tuple(
            Purchase(order.member, f"sim-{day}-{n}", order.amount, order.points, order.category)
            for n, order in enumerate(orders)
        )
    return Purchases(by_day, "repeat")


def scripted(orders: Iterable[RecentOrder], days: int, start: str) -> Purchases:
    """Purchases on given dates (those outside the simulated days are ignored)."""
    by_day: dict[int, list[Purchase]] = {}
    for n, order in enumerate(orders):
        day = _days_between(start, order.date)
        if 0 <= day < days:
            purchase = Purchase(
                order.member, f"sim-s{n}", order.amount, order.points, order.category
            )
            by_day.setdefault(day, []).append(purchase)
    return Purchases({day: tuple(found) for day, found in by_day.items()}, "script")


# -- simulating ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One simulated day after its settlement."""

    date: str
    purchases: int
    cash: Cents
    released: Cents
    forfeited: Cents
    circulating: Cents
    locked: Cents
    reserve: Cents
    price: Fraction | None
    commission: Cents
    """Cash commission paid on the day's purchases."""
    operator_cash: Cents = 0
    """The operator's cash account (``platform``) after the day."""

    @property
    def liability(self) -> Cents:
        """What every point (available and locked) is worth at the day's price."""
        if self.price is None:
            return 0
        return mul_floor(self.circulating + self.locked, self.price)

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "purchases": self.purchases,
            "cash": format_cents(self.cash),
            "released": format_cents(self.released),
            "forfeited": format_cents(self.forfeited),
            "circulating": format_cents(self.circulating),
            "locked": format_cents(self.locked),
            "reserve": format_cents(self.reserve),
            "price": None if self.price is None else format_cents(mul_floor(100, self.price)),
            "commission": format_cents(self.commission),
            "liability": format_cents(self.liability),
            "operator_cash": ("-" if self.operator_cash < 0 else "")
            + format_cents(abs(self.operator_cash)),
        }


@dataclass(slots=True)
class Simulation:
    """The days of one plan, and what each member received over them."""

    plan: Plan
    days: list[DayFigures]
    released: list[Cents]
    """Per member (state order): points released to them over the simulated days."""
    commission: list[Cents]
    """Per member: commission cash earned over the simulated days."""
    refused: int = 0
    """Assumed purchases the rules refused (e.g. points no longer available)."""

    @property
    def price(self) -> Fraction | None:
        return self.days[-1].price if self.days else None

    def value(self, position: int) -> Cents:
        """What member ``position`` gained, in cash: released points at the final price,
        plus commission."""
        price = self.price
        points = mul_floor(self.released[position], price) if price is not None else 0
        return points + self.commission[position]


def simulate(
    plan: Plan,
    state: PlatformState,
    days: int,
    purchases: Purchases = NO_PURCHASES,
    *,
    start: str | None = None,
) -> Simulation:
    """Run ``days`` days of ``plan`` from ``state`` (from the day after its last settled date).

    ``start`` is the first day when the state has never been settled.
    """
    first = start or (next_day(state.last_settled) if state.last_settled else None)
    if first is None:
        raise ValueError("the state was never settled: name the first simulated day")
    book = book_from_state(plan, state)
    commission_start = [member.commission for member in state.members]
    figures: list[DayFigures] = []
    refused = 0
    locked = state.locked
    date = first
    for day in range(days):
        cash = commission = bought = 0
        for purchase in purchases.on(day):
            try:
                outcome = book.purchase(purchase)
            except Rejected:
                refused += 1
                continue
            bought += 1
            cash += outcome.cash
            commission += sum(amount for _, amount in outcome.commissions)
            if outcome.grant is not None and outcome.grant.locked:
                locked += outcome.grant.points
        row = book.settle(Settle(date))
        locked -= row.static + row.paid
        figures.append(
            DayFigures(
                date=date,
                purchases=bought,
                cash=cash,
                released=row.static + row.paid,
                forfeited=row.forfeited,
                circulating=book.circulating,
                locked=locked,
                reserve=book.balances.get((SYSTEM, Bucket.RESERVE), 0),
                price=point_price(plan, book.pool()),
                commission=commission,
                operator_cash=book.balances.get((SYSTEM, Bucket.PLATFORM), 0),
            )
        )
        date = next_day(date)
    balances = book.balances
    return Simulation(
        plan=plan,
        days=figures,
        released=[member.released for member in book.members[: len(state.members)]],
        commission=[
            balances.get((member.name, Bucket.COMMISSION), 0) - commission_start[position]
            for position, member in enumerate(state.members)
        ],
        refused=refused,
    )
