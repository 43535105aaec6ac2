"""Gifting locked points (seed 000: 积分支持转赠并同步释放数据).

A gift moves one whole grant record — the sender's oldest, or the one of a chosen order
— to the recipient with its remaining points and its daily schedule (stage and release
count included), so it goes on releasing for the recipient exactly as it would have for
the sender. The recipient holds it as its newest grant (acceleration is paid from a
holder's oldest grants first). The order stays the buyer's: a later refund removes the
remainder from the recipient and takes what was released back from the buyer.

Rejections, in order: ``invalid_event`` (shape; ``from`` equal to ``to``),
``unknown_member`` (sender, then recipient), ``frozen`` and ``in_debt`` (sender), then
``unknown_order`` (a chosen order whose grant the sender does not hold) or
``insufficient_points`` (no open grant at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .decisions import MemberSnapshot
from .errors import RejectCode, Rejected
from .ledger import Bucket, Posting, move
from .refunds import debt_message


@dataclass(frozen=True, slots=True)
class GiftOutcome:
    sender: str
    recipient: str
    position: int
    """Which of the sender's open grants (oldest first) moves."""
    points: int
    order: str | None
    postings: tuple[Posting, ...] = field(repr=False)


def decide_gift(
    *,
    sender_name: str,
    recipient_name: str,
    order: str | None,
    sender: MemberSnapshot | None,
    recipient: MemberSnapshot | None,
    grants: Sequence[tuple[str | None, int]],
) -> GiftOutcome:
    """``grants`` are the sender's open grants, oldest first, as ``(order, remaining)``."""
    if sender_name == recipient_name:
        raise Rejected(RejectCode.INVALID_EVENT, "`from` and `to` must be different members")
    if sender is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {sender_name!r}")
    if recipient is None:
        raise Rejected(RejectCode.UNKNOWN_MEMBER, f"no member {recipient_name!r}")
    if sender.frozen:
        raise Rejected(RejectCode.FROZEN, f"member {sender_name!r} is frozen")
    if sender.debt:
        raise debt_message(sender_name, sender.debt)
    open_grants = [(position, g) for position, g in enumerate(grants) if g[1] > 0]
    if order is not None:
        chosen = [(position, g) for position, g in open_grants if g[0] == order]
        if not chosen:
            raise Rejected(
                RejectCode.UNKNOWN_ORDER,
                f"{sender_name!r} holds no locked grant of order {order!r}",
            )
    else:
        chosen = open_grants[:1]
        if not chosen:
            raise Rejected(
                RejectCode.INSUFFICIENT_POINTS, f"{sender_name!r} has no locked points to gift"
            )
    position, (grant_order, points) = chosen[0]
    postings = move(points, sender_name, Bucket.LOCKED, recipient_name, Bucket.LOCKED)
    return GiftOutcome(sender_name, recipient_name, position, points, grant_order, tuple(postings))
