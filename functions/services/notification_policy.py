"""Which settlement statements become Telegram messages: a pure policy, no I/O (issue 16).

Telegram takes about 30 messages a second per bot (the sender runs 24/s, ~2.07M a day), so
10M daily statements cannot all be sent, and queueing them would grow the queue without
end. Each member result of a run is sorted into one :class:`Category`:

* *worth telling today* (tier 0, events): a level change, a grant fully released, points
  forfeited by the cap, a stake matured or paid, a dividend pool's payout;
* *worth telling today* (tier 1): a release of at least ``release_threshold_bp`` of the
  member's locked points (an operator setting, in basis points: no floats);
* *weekly digest* (tier 2): otherwise, on the member's digest day (``blake2b(member) mod 7``
  against the date's weekday), so each day carries a seventh of them;
* *Mini App only*: everything else (the history screen shows every statement).

A date's messages are bounded by a budget. Pages are applied in any order and hold
members in join order (old members' pages are full of events and releases, new members'
of digests), so a page may not spend the budget first-come. Before the first page
reserves, the day's demand per tier is estimated from an evenly spread sample of pages,
and :func:`cut` turns it into the share of each tier the day can send: events in full,
then releases, then digests, with whatever is left. Every page sends that share of each
tier (:func:`allot`, its largest releases first), and the date's counter is the hard cap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from functions.store.records import MemberRecord

from .settlement_results import MemberResult

BASIS_POINTS = 10_000
DIGEST_DAYS = 7


class Category(StrEnum):
    """What a member hears of a settlement (values are stored in page reservations)."""

    LEVEL = "level"
    COMPLETED = "completed"
    FORFEITED = "forfeited"
    PROGRAM = "program"
    RELEASE = "release"
    DIGEST = "digest"
    APP = "app"
    """Mini App only: nothing sent."""
    NO_CHAT = "no_chat"
    """No Telegram chat to send to: nothing sent, no budget used."""


TIER: Mapping[Category, int] = {
    Category.LEVEL: 0,
    Category.COMPLETED: 0,
    Category.FORFEITED: 0,
    Category.PROGRAM: 0,
    Category.RELEASE: 1,
    Category.DIGEST: 2,
}
"""Priority of the categories that are sent: 0 first; the highest tier is dropped first."""
TIERS = 3


@dataclass(frozen=True, slots=True)
class NotificationRules:
    """The operator's knobs (``JIFEN_NOTIFY_DAILY_BUDGET``, ``JIFEN_NOTIFY_RELEASE_THRESHOLD_BP``).

    The default budget is 20 msg/s for 20 h: under the sender's 24/s × 24 h (2.07M), with
    room left for withdrawals, refunds and operator alerts, so the queue drains every day.
    """

    daily_budget: int = 1_440_000
    release_threshold_bp: int = 5_000
    """A release of at least this share of the member's locked points is sent the same day."""


@dataclass(frozen=True, slots=True)
class MemberBefore:
    """What the policy needs of a member as it was before the run."""

    level: str | None
    locked: int
    grants: Mapping[int, int] = field(default_factory=dict)
    """Remaining points of each grant, by grant seq."""
    has_chat: bool = True


def before_of(record: MemberRecord) -> MemberBefore:
    """The member item read before the page is applied."""
    return MemberBefore(
        record.level,
        record.locked,
        {grant.seq: grant.remaining for grant in record.grants},
        record.telegram_id is not None,
    )


def reconstructed_before(record: MemberRecord, result: MemberResult) -> MemberBefore:
    """The member before the run, from the item read *after* it (a page applied without a
    reservation): released points go back to locked and to their grants (a grant gone from
    the item was fully released); the level before is not recoverable, so a level change
    is not told (the Mini App shows it)."""
    released = dict(result.releases)
    grants = {grant.seq: grant.remaining + released.pop(grant.seq, 0) for grant in record.grants}
    grants.update(released)  # grants the run emptied are no longer on the item
    return MemberBefore(
        result.level,
        record.locked + result.static + result.paid,
        grants,
        record.telegram_id is not None,
    )


def digest_weekday(member: str) -> int:
    """The member's digest day (0 Monday … 6 Sunday): a hash, so days carry equal shares."""
    digest = hashlib.blake2b(member.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % DIGEST_DAYS


def is_digest_day(member: str, date: str) -> bool:
    return dt.date.fromisoformat(date).weekday() == digest_weekday(member)


def classify(
    result: MemberResult, before: MemberBefore, date: str, rules: NotificationRules
) -> Category:
    """The one category of a member's settlement result (see the module doc)."""
    if not before.has_chat:
        return Category.NO_CHAT
    if result.level != before.level:
        return Category.LEVEL
    if result.forfeited:
        return Category.FORFEITED
    if any(amount and before.grants.get(seq) == amount for seq, amount in result.releases):
        return Category.COMPLETED
    stakes = result.stakes
    if (stakes is not None and (stakes.matured or stakes.credited)) or (
        result.pool_points or result.pool_cash
    ):
        return Category.PROGRAM
    released = result.static + result.paid
    if released and released * BASIS_POINTS >= rules.release_threshold_bp * before.locked:
        return Category.RELEASE
    if is_digest_day(result.member, date):
        return Category.DIGEST
    return Category.APP


@dataclass(frozen=True, slots=True)
class Candidate:
    """A member whose statement could be sent, and the points that make it rank."""

    member: str
    category: Category
    released: int = 0


def tier_counts(candidates: Sequence[Candidate]) -> tuple[int, ...]:
    counts = [0] * TIERS
    for candidate in candidates:
        tier = TIER.get(candidate.category)
        if tier is not None:
            counts[tier] += 1
    return tuple(counts)


SAMPLE_PAGES = 64
"""Pages read to estimate the day's demand per tier (64 × 1,000 members: ~640 reads)."""


def sample_pages(pages: int) -> list[int]:
    """The pages read for the estimate: the middles of equal slices of the run (pages hold
    members in join order, so an even spread sees old and new members alike)."""
    if pages <= SAMPLE_PAGES:
        return list(range(pages))
    return sorted({(2 * index + 1) * pages // (2 * SAMPLE_PAGES) for index in range(SAMPLE_PAGES)})


ESTIMATE_MARGIN_BP = 200
"""Budget kept back from the shares for the estimate's error (2 %), so the date's counter,
which cuts whatever page comes last, rarely has to cut an event or a release."""


def cut(demand: Sequence[int], rules: NotificationRules) -> tuple[int, ...]:
    """The share (basis points) of each tier the day can send, given the day's estimated
    ``demand`` per tier: the tiers in order, each with what the ones above it left of the
    budget less :data:`ESTIMATE_MARGIN_BP`."""
    left = rules.daily_budget - rules.daily_budget * ESTIMATE_MARGIN_BP // BASIS_POINTS
    shares: list[int] = []
    for wanted in demand:
        if wanted <= left:
            shares.append(BASIS_POINTS)
            left -= wanted
        else:
            shares.append(left * BASIS_POINTS // wanted)
            left = 0
    return tuple(shares)


def allot(
    counts: Sequence[int], used: int, shares: Sequence[int], rules: NotificationRules
) -> tuple[int, ...]:
    """How many of each tier a page may send: the day's share of each (rounded up, so a
    small page still sends its first), in tier order, never past what is left of the
    budget after the ``used`` messages already granted for the date."""
    left = max(0, rules.daily_budget - used)
    granted: list[int] = []
    for wanted, share in zip(counts, shares, strict=True):
        take = min(-(-wanted * share // BASIS_POINTS), left)
        granted.append(take)
        left -= take
    return tuple(granted)


def select(
    candidates: Sequence[Candidate], granted: Sequence[int]
) -> tuple[list[Candidate], list[Candidate]]:
    """The candidates sent (``granted[tier]`` per tier, larger releases first) and deferred."""
    ranked = sorted(
        (c for c in candidates if c.category in TIER),
        key=lambda c: (TIER[c.category], -c.released, c.member),
    )
    left = list(granted)
    sent: list[Candidate] = []
    deferred: list[Candidate] = []
    for candidate in ranked:
        tier = TIER[candidate.category]
        if left[tier] > 0:
            left[tier] -= 1
            sent.append(candidate)
        else:
            deferred.append(candidate)
    return sent, deferred
