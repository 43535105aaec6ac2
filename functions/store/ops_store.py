"""Operational records beside the ledger: the notification delivery log.

A notification is *claimed* before it is sent: an idempotency item
``IDEM#notify:...`` is put only if absent, in state ``sending`` with the
claimant's token. After Telegram answers, the claimant moves it to ``sent``,
``undeliverable`` or ``unknown`` — or deletes it (a *release*) when the send
certainly did not happen, so a redelivery may try again. Every change is
conditioned on the item still holding the claimant's exact text, so a late
writer can never overwrite or delete someone else's claim.

The items expire after ``IDEMPOTENCY_TTL_S`` (30 days, far beyond SQS's 14-day
retention, so no message can outlive its record). Their ``notify:`` prefix is listed
in ``models.NON_LEDGER_IDEMPOTENCY``: unlike the ledger's records (which never
expire), they name no journal entry, and ``jifen verify`` leaves them alone.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pynamodb.exceptions import DeleteError, UpdateError

from . import models as m
from .ledger_store import IDEMPOTENCY_TTL_S, LedgerStore

_CONDITION_FAILED = "ConditionalCheckFailedException"


class DeliveryState(StrEnum):
    SENDING = "sending"
    """Claimed; the send may or may not have happened (a crash leaves it so)."""
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"
    """Telegram refused for good (blocked the bot, chat gone): never retried."""
    UNKNOWN = "unknown"
    """The request reached Telegram but no answer came back: not retried (at most once)."""


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    key: str
    state: DeliveryState
    token: str
    at_s: int
    detail: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return json.dumps(
            {"state": self.state.value, "token": self.token, "at": self.at_s, **self.detail},
            sort_keys=True,
            ensure_ascii=False,
        )

    @classmethod
    def from_text(cls, key: str, text: str) -> DeliveryRecord:
        data = json.loads(text)
        state = DeliveryState(data.pop("state"))
        return cls(key, state, str(data.pop("token")), int(data.pop("at")), data)


def _pk(key: str) -> str:
    return f"IDEM#{key}"


class NotificationLog:
    """Claims and outcomes of notification deliveries, one item per delivery key."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def get(self, key: str) -> DeliveryRecord | None:
        try:
            item = m.IdempotencyItem.get(_pk(key), "IDEM", consistent_read=True)
        except m.IdempotencyItem.DoesNotExist:
            return None
        return DeliveryRecord.from_text(key, str(item.result))

    def claim(self, key: str, *, token: str, at_s: int) -> DeliveryRecord | None:
        """Take ``key`` for sending; None when someone already holds or finished it."""
        record = DeliveryRecord(key, DeliveryState.SENDING, token, at_s)
        item = m.IdempotencyItem(
            _pk(key),
            "IDEM",
            result=record.text(),
            created_at=at_s,
            expires_at=datetime.timedelta(seconds=IDEMPOTENCY_TTL_S),
        )
        return record if self.store.put_unique(item) else None

    def finish(
        self, claim: DeliveryRecord, state: DeliveryState, **detail: Any
    ) -> DeliveryRecord | None:
        """Record the outcome of our claim; None if the claim is no longer ours."""
        done = DeliveryRecord(claim.key, state, claim.token, claim.at_s, detail)
        item = m.IdempotencyItem(_pk(claim.key), "IDEM")
        try:
            item.update(
                actions=[m.IdempotencyItem.result.set(done.text())],
                condition=m.IdempotencyItem.result == claim.text(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return done

    def release(self, claim: DeliveryRecord) -> bool:
        """Give the key back (the send certainly did not happen); False if not ours."""
        item = m.IdempotencyItem(_pk(claim.key), "IDEM")
        try:
            item.delete(condition=m.IdempotencyItem.result == claim.text())
        except DeleteError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True


__all__ = ["DeliveryRecord", "DeliveryState", "NotificationLog"]
