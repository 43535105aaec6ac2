"""Gifts of locked points in the live system (economics, issue 12).

The engine decides (``functions/rewards/gifts.py``); this commits one transaction on the
sender's chain (entry kind ``gift``): the grant record leaves the sender's item and joins
the recipient's as its newest (a new ``seq``; same order, points, remaining and daily),
``locked`` moves with postings, the recipient's ``version`` is checked, and the claim
``GIFT#<order>#<n>`` (the n-th gift of that order's grant) records who holds it now, so
a refund finds the holder: it reads ``GIFT#<order>#1``, ``#2``, … until one is absent.
A concurrent second gift of the same grant collides on the claim and retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.rewards.events import GiftLocked
from functions.rewards.gifts import decide_gift
from functions.rewards.money import Cents, format_cents
from functions.store.commit import Claim, Commit
from functions.store.ports import LedgerPort
from functions.store.records import EntryKind, GrantRecord

from ..results import Record, RecordError
from .core import LedgerCore

GIFT_CLAIM = "GIFT#"
"""Prefix of the claims that follow a grant from holder to holder: ``GIFT#<order>#<n>``."""


def gift_claim(order: str, number: int) -> str:
    return f"{GIFT_CLAIM}{order}#{number}"


def grant_holder(store: LedgerPort, order: str, buyer: str) -> tuple[str, int]:
    """Who holds the grant of ``order`` now, and how many gifts moved it (0: the buyer)."""
    holder, gifts = buyer, 0
    while True:
        owner = store.claim_owner(gift_claim(order, gifts + 1))
        if owner is None:
            return holder, gifts
        holder, gifts = owner, gifts + 1


@dataclass(frozen=True, slots=True)
class GiftResult:
    sender: str
    recipient: str
    order: str
    points: Cents

    def to_record(self) -> dict[str, object]:
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "order": self.order,
            "points": self.points,
        }

    @classmethod
    def from_record(cls, record: Record) -> GiftResult:
        sender, recipient, order = (
            record.get("sender"),
            record.get("recipient"),
            record.get("order"),
        )
        points = record.get("points")
        if not (
            isinstance(sender, str)
            and isinstance(recipient, str)
            and isinstance(order, str)
            and isinstance(points, int)
            and not isinstance(points, bool)
        ):
            raise RecordError("a gift record needs sender, recipient, order and points")
        return cls(sender, recipient, order, points)


class Gifts(LedgerCore):
    """The gift use case of :class:`~functions.services.ledger.Ledger`."""

    def gift_locked(self, event: GiftLocked, key: str) -> GiftResult:
        """Move one locked grant record (the sender's oldest, or ``event.order``'s).

        Rejections (the engine's, in order): ``invalid_event``, ``unknown_member``,
        ``frozen``, ``in_debt``, then ``unknown_order`` or ``insufficient_points``.
        """

        def decide() -> GiftResult:
            found = self.store.get_members([event.sender, event.recipient])
            sender, recipient = found.get(event.sender), found.get(event.recipient)
            outcome = decide_gift(
                sender_name=event.sender,
                recipient_name=event.recipient,
                order=event.order,
                sender=sender.snapshot() if sender else None,
                recipient=recipient.snapshot() if recipient else None,
                grants=[(grant.order, grant.remaining) for grant in sender.grants]
                if sender
                else [],
            )
            assert sender is not None
            assert recipient is not None
            moved = sender.grants[outcome.position]
            _, gifts = grant_holder(self.store, moved.order, sender.member)
            result = GiftResult(sender.member, recipient.member, moved.order, outcome.points)
            received = GrantRecord(
                recipient.grant_seq + 1,
                moved.order,
                moved.points,
                moved.remaining,
                moved.daily,
                moved.releases,  # economics (issue 12): the stage counter and schedule go along
                moved.schedule,
            )
            self._commit_keyed(
                Commit(
                    event_key=key,
                    kind=EntryKind.GIFT,
                    at=self.clock(),
                    chain=sender,
                    postings=outcome.postings,
                    details={**result.to_record(), "points": format_cents(outcome.points)},
                    statistics={recipient.member: {"grant_seq": 1}},
                    sets={
                        sender.member: {
                            "grants": tuple(g for g in sender.grants if g is not moved)
                        },
                        recipient.member: {"grants": (*recipient.grants, received)},
                    },
                    versions={recipient.member: recipient.version},
                    result=result.to_record(),
                    idempotency_key=key,
                    claims=(Claim(gift_claim(moved.order, gifts + 1), recipient.member),),
                )
            )
            return result

        return self._keyed(key, GiftResult.from_record, decide)
