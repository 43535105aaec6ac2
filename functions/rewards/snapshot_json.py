"""A :class:`~functions.rewards.simulation.PlatformState` as JSON (``jifen plan snapshot``),
strings for every amount, read back with every field checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .simulation import PlatformState, RecentOrder, StateMember


def state_as_json(state: PlatformState) -> dict[str, Any]:
    """A snapshot file's content (amounts in cents: it is data, not a report)."""
    return {
        "last_settled": state.last_settled,
        "reserve": state.reserve,
        "platform": state.platform,
        "sales": state.sales,
        "issuance": state.issuance,
        "members": [
            {
                "name": m.name,
                "referrer": m.referrer,
                "available": m.available,
                "personal_volume": m.personal_volume,
                "grants": [list(grant) for grant in m.grants],
                "commission": m.commission,
                "frozen": m.frozen,
            }
            for m in state.members
        ],
        "orders": [
            {
                "date": o.date,
                "member": o.member,
                "amount": o.amount,
                "points": o.points,
                "category": o.category,
            }
            for o in state.orders
        ],
    }


def state_from_json(data: Mapping[str, Any]) -> PlatformState:
    """Read a snapshot written by :func:`state_as_json`; ValueError when it is not one."""
    try:
        members = tuple(
            StateMember(
                name=str(m["name"]),
                referrer=m.get("referrer"),
                available=_int(m.get("available", 0)),
                personal_volume=_int(m.get("personal_volume", 0)),
                grants=tuple((_int(left), _int(daily)) for left, daily in m.get("grants", ())),
                commission=_int(m.get("commission", 0)),
                frozen=m.get("frozen") is True,
            )
            for m in data["members"]
        )
        orders = tuple(
            RecentOrder(
                str(o["date"]),
                str(o["member"]),
                _int(o["amount"]),
                _int(o.get("points", 0)),
                o.get("category"),
            )
            for o in data.get("orders", ())
        )
        return PlatformState(
            members=members,
            last_settled=data.get("last_settled"),
            reserve=_int(data.get("reserve", 0)),
            platform=_int(data.get("platform", 0), signed=True),
            sales=_int(data.get("sales", 0)),
            issuance=_int(data.get("issuance", 0)),
            orders=orders,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a state snapshot: {exc}") from None


def _int(value: object, *, signed: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and not signed):
        raise ValueError(f"amounts in a snapshot are integers of cents: {value!r}")
    return value
