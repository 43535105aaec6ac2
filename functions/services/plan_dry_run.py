"""The dry run's inputs from the live table: the platform's state and its recent orders.

The simulation itself is the engine's (:mod:`functions.rewards.simulation`); this reads
what it starts from: every member with its referrer, balances, personal volume and open
grants (the settlement's own listing), the platform totals, the last date claimed for
settlement, and the orders of the last 30 days (for the ``repeat`` assumption; a full
read of the table).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from functions.rewards.simulation import (
    REPEAT_WINDOW_DAYS,
    PlatformState,
    RecentOrder,
    StateMember,
)
from functions.rewards.versions import local_date
from functions.store.ports import LedgerPort

US_PER_DAY = 86_400 * 1_000_000


class StateTooLarge(Exception):
    """More members than the caller allows (a web request stops reading at the limit)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} members")
        self.limit = limit


def state_from_store(
    store: LedgerPort,
    *,
    now_us: int,
    zone: ZoneInfo,
    with_orders: bool = True,
    max_members: int | None = None,
) -> PlatformState:
    """The state of the table behind ``store`` now (orders: the last 30 days, optional).

    With ``max_members``, :class:`StateTooLarge` as soon as one more member is read (the
    listing is read lazily, so a large table costs about that many members, not all).
    """
    found: list[StateMember] = []
    for record in store.iter_members():
        if max_members is not None and len(found) >= max_members:
            raise StateTooLarge(max_members)
        found.append(
            StateMember(
                name=record.member,
                referrer=record.referrer,
                available=record.available,
                personal_volume=record.personal_volume,
                grants=tuple((grant.remaining, grant.daily) for grant in record.grants),
                commission=record.commission,
                frozen=record.frozen,
            )
        )
    members = tuple(found)
    totals = store.system_totals()
    sequence = store.settlement_sequence()
    orders: tuple[RecentOrder, ...] = ()
    if with_orders:
        since = now_us - (REPEAT_WINDOW_DAYS + 1) * US_PER_DAY
        orders = tuple(
            RecentOrder(local_date(order.at, zone), order.member, order.amount, order.points)
            for order in sorted(store.orders_since(since), key=lambda order: order.at)
        )
    return PlatformState(
        members=members,
        last_settled=sequence.date if sequence is not None else None,
        reserve=totals.reserve,
        platform=totals.platform,
        sales=-totals.sales,
        issuance=-totals.issuance,
        orders=orders,
    )
