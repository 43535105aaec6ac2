"""The settlement notifications' daily budget: one counter per date, one reservation per page.

Items (docs/storage.md, "Notification budget"):

* ``NOTIFY#<date>`` / ``BUDGET`` — ``used``: messages granted for the date so far;
  ``shares``: the share of each tier the day sends (basis points, ``"10000,6000,0"``), set
  once before the first page reserves (put only if absent: racing workers agree);
* ``NOTIFY#<date>`` / ``PAGE#<run_id>#<n:06d>`` — the page's reservation: the members to
  message and how (``send``, ``[[member, category], …]`` as JSON) and how many were
  deferred; written once.

A reservation is one transaction: the page's item put only if absent, and ``ADD used n``
conditioned on ``used`` not having moved since it was read (so the grant computed from it
still fits the budget). A retried page finds its reservation and reuses it: the counter is
never added to twice for a page, and the page's members hear the same thing. Both expire
after ``BUDGET_TTL_S`` (SQS keeps messages 4 days; a reservation is only read while its
run is applied).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import UnavailableError
from .items import Kind, keyed, number, optional_text, text
from .table import (
    Absent,
    Compare,
    ConditionFailed,
    Key,
    LacksAttr,
    Put,
    Table,
    TransactionCancelled,
    Unavailable,
    Update,
    any_of,
)

BUDGET_TTL_S = 30 * 24 * 3600
MAX_ATTEMPTS = 25
"""Reservations racing for the same counter: each retry re-reads it (pages are minutes apart
per worker, so a few dozen workers rarely collide twice)."""


@dataclass(frozen=True, slots=True)
class PageReservation:
    """What one page may send: ``send`` as ``(member, category)`` pairs, and the deferred."""

    send: tuple[tuple[str, str], ...]
    deferred: int
    at_s: int = 0
    """When it was made (epoch s): its messages' ``queued_at``, the same on every retry."""
    fresh: bool = False
    """Made by this call (False: found, made by an earlier attempt)."""


Decide = Callable[[int], tuple[Sequence[tuple[str, str]], int]]
"""Given the messages already granted for the date: the page's sends and deferred count."""


def budget_key(date: str) -> Key:
    return Key(f"NOTIFY#{date}", "BUDGET")


def reservation_key(date: str, run_id: str, page: int) -> Key:
    return Key(f"NOTIFY#{date}", f"PAGE#{run_id}#{page:06d}")


class NotificationBudget:
    """The per-date budget counter and the pages' reservations (module doc)."""

    def __init__(self, table: Table, clock_s: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock_s = clock_s

    def used(self, date: str) -> int:
        item = self.table.get(budget_key(date))
        return number(item, "used") if item is not None else 0

    def shares(self, date: str) -> tuple[int, ...] | None:
        """The tiers' shares of the day, once set."""
        item = self.table.get(budget_key(date))
        found = optional_text(item, "shares") if item is not None else None
        return tuple(int(part) for part in found.split(",")) if found else None

    def set_shares(self, date: str, shares: Sequence[int]) -> tuple[int, ...]:
        """Set the day's shares unless a racing worker did first; the ones that hold."""
        with contextlib.suppress(ConditionFailed):  # a racing worker set them first
            self.table.write(
                Update(
                    budget_key(date),
                    set={
                        "kind": Kind.NOTIFY_BUDGET.value,
                        "shares": ",".join(str(share) for share in shares),
                        "expires_at": int(self.clock_s()) + BUDGET_TTL_S,
                    },
                    condition=LacksAttr("shares"),
                )
            )
        held = self.shares(date)
        assert held is not None, "the shares were just set"
        return held

    def reservation(self, date: str, run_id: str, page: int) -> PageReservation | None:
        item = self.table.get(reservation_key(date, run_id, page))
        if item is None:
            return None
        pairs = json.loads(text(item, "send"))
        return PageReservation(
            tuple((str(member), str(category)) for member, category in pairs),
            number(item, "deferred"),
            number(item, "created_at"),
        )

    def reserve(self, date: str, run_id: str, page: int, decide: Decide) -> PageReservation:
        """The page's reservation: made here (``fresh``) or the one an earlier attempt made."""
        key = reservation_key(date, run_id, page)
        now = int(self.clock_s())
        expires = now + BUDGET_TTL_S
        for _attempt in range(MAX_ATTEMPTS):
            seen = self.used(date)
            send, deferred = decide(seen)
            pairs = tuple((member, category) for member, category in send)
            item = keyed(
                key,
                Kind.NOTIFY_PAGE,
                send=json.dumps([list(pair) for pair in pairs], separators=(",", ":")),
                deferred=deferred,
                created_at=now,
                expires_at=expires,
            )
            unmoved = any_of(LacksAttr("used"), Compare("used", "<=", seen))
            try:
                self.table.transact(
                    [
                        Put(item, Absent(), label="page"),
                        Update(
                            budget_key(date),
                            set={"kind": Kind.NOTIFY_BUDGET.value, "expires_at": expires},
                            add={"used": len(pairs)},
                            condition=unmoved,
                            label="budget",
                        ),
                    ]
                )
            except Unavailable as exc:
                raise UnavailableError(f"notification budget not reserved: {exc}") from exc
            except TransactionCancelled as exc:
                failed = {r.label for r in exc.reasons if r.code == "ConditionalCheckFailed"}
                if "page" in failed:
                    found = self.reservation(date, run_id, page)
                    if found is not None:
                        return found
                continue  # the counter moved (or a conflict): read it again
            return PageReservation(pairs, deferred, now, fresh=True)
        raise UnavailableError(f"notification budget of {date}: too many racing reservations")


__all__ = ["NotificationBudget", "PageReservation", "budget_key", "reservation_key"]
