"""The points lottery (seed 002 积分抽奖; docs/rules-programs.md, "Lottery pool").

Deterministic: draws queue in the order they are made; no random choice anywhere,
so every result can be recomputed from the journal. State is the draw counter, the
queue of waiting entries (oldest first) and the pool (the platform's
``lottery_pool`` account). The lottery advances only on draws: after a draw, while
the oldest waiting entry has seen ``every`` further draws and the pool holds the
prize, that entry wins (at most :data:`MAX_WINNERS_PER_DRAW` per draw).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import RejectCode, Rejected
from .ledger import SYSTEM, Bucket, Posting
from .money import Cents, format_cents, mul_floor
from .program_plans import LotteryPolicy

MAX_WINNERS_PER_DRAW = 10
"""Winners one draw may pay (bounds one event's transaction); later draws pay the rest."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A waiting draw: its place in the draw sequence, who made it, what it cost."""

    seq: int
    member: str
    paid: Cents


@dataclass(frozen=True, slots=True)
class Drawer:
    """What the rules need to know about the member who draws."""

    member: str
    available: Cents
    frozen: bool
    free_draws: int


@dataclass(frozen=True, slots=True)
class DrawOutcome:
    entry: Entry
    free: bool
    pool_in: Cents
    burned: Cents
    winners: tuple[tuple[Entry, Cents], ...]
    """Entries that won with this draw, oldest first, and the prize each got."""
    pool_after: Cents
    postings: tuple[Posting, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExitOutcome:
    entry: Entry
    refund: Cents
    """Spare points (spend-only) given back: ``floor(paid × exit_refund_rate)``."""
    postings: tuple[Posting, ...] = field(repr=False)


def _off() -> Rejected:
    return Rejected(RejectCode.PROGRAM_OFF, "this plan has no lottery")


def decide_draw(
    policy: LotteryPolicy | None,
    drawer: Drawer | None,
    name: str,
    *,
    draws: int,
    waiting: Sequence[Entry],
    pool: Cents,
) -> DrawOutcome:
    """One draw: pay (or use a free draw), join the queue, pay the winners it makes.

    ``draws`` is the number of draws made so far, ``waiting`` the oldest waiting
    entries (at least :data:`MAX_WINNERS_PER_DRAW` of them when there are that many),
    ``pool`` the pool's balance before the draw.
    """
    if drawer is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if policy is None:
        raise _off()
    if drawer.frozen:
        raise Rejected(RejectCode.FROZEN, f"member {drawer.member!r} is frozen")
    if drawer.available < policy.min_available:
        raise Rejected(
            RejectCode.NOT_ELIGIBLE,
            f"draws need {format_cents(policy.min_available)} points available",
        )
    free = drawer.free_draws > 0
    paid = 0 if free else policy.cost
    if paid > drawer.available:
        raise Rejected(
            RejectCode.INSUFFICIENT_POINTS,
            f"{format_cents(drawer.available)} points available, a draw costs {format_cents(paid)}",
        )
    pool_in = mul_floor(paid, policy.pool_rate)
    burned = paid - pool_in
    postings: list[Posting] = []
    if paid:
        postings.append(Posting(drawer.member, Bucket.AVAILABLE, -paid))
        if pool_in:
            postings.append(Posting(SYSTEM, Bucket.LOTTERY_POOL, pool_in))
        if burned:
            postings.append(Posting(SYSTEM, Bucket.BURNED, burned))
    entry = Entry(draws + 1, drawer.member, paid)
    made = draws + 1
    balance = pool + pool_in
    winners: list[tuple[Entry, Cents]] = []
    for head in waiting:
        if len(winners) == MAX_WINNERS_PER_DRAW:
            break
        if made - head.seq < policy.every or balance < policy.prize:
            break
        balance -= policy.prize
        winners.append((head, policy.prize))
        postings.append(Posting(SYSTEM, Bucket.LOTTERY_POOL, -policy.prize))
        postings.append(Posting(head.member, Bucket.AVAILABLE, policy.prize))
    return DrawOutcome(entry, free, pool_in, burned, tuple(winners), balance, tuple(postings))


def decide_exit(
    policy: LotteryPolicy | None, member_known: bool, name: str, *, entry: Entry | None
) -> ExitOutcome:
    """Leave the queue: ``exit_refund_rate`` of the entry's cost back as spare points.

    ``entry`` is the member's waiting entry to leave (None: it has none, or not the one
    named). A frozen member may leave (nothing is spent).
    """
    if not member_known:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {name!r}")
    if policy is None:
        raise _off()
    if entry is None:
        raise Rejected(RejectCode.NO_ENTRY, f"member {name!r} has no such waiting draw")
    refund = mul_floor(entry.paid, policy.exit_refund_rate)
    postings: tuple[Posting, ...] = ()
    if refund:
        postings = (
            Posting(SYSTEM, Bucket.SPARE_ISSUANCE, -refund),
            Posting(entry.member, Bucket.SPARE, refund),
        )
    return ExitOutcome(entry, refund, postings)


def invite_draws(policy: LotteryPolicy | None, buyer_orders_before: int) -> int:
    """Free draws the buyer's referrer earns from this purchase: on the buyer's first one.

    The seed gives a draw per member who joins through your link; the platform pays no
    reward for a join alone (the plan check's ``pay_for_recruitment``), so the draw is
    earned when that member first buys.
    """
    if policy is None or buyer_orders_before > 0:
        return 0
    return policy.invite_draws


def choose_exit(entries: Sequence[Entry], seq: int | None) -> Entry | None:
    """The member's entry to leave: the one numbered ``seq``, else its newest."""
    if seq is None:
        return max(entries, key=lambda entry: entry.seq, default=None)
    return next((entry for entry in entries if entry.seq == seq), None)
