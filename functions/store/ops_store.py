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
in ``items.NON_LEDGER_IDEMPOTENCY``: unlike the ledger's records (which never
expire), they name no journal entry, and ``jifen verify`` leaves them alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .items import Kind, idempotency_key, keyed, text
from .table import Absent, ConditionFailed, Delete, Put, Table, Update, eq

IDEMPOTENCY_TTL_S = 30 * 24 * 3600
"""A delivery record outlives SQS's 14-day retention: no message outlives its record."""


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


class NotificationLog:
    """Claims and outcomes of notification deliveries, one item per delivery key."""

    def __init__(self, table: Table, clock_s: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock_s = clock_s

    def get(self, key: str) -> DeliveryRecord | None:
        item = self.table.get(idempotency_key(key))
        return DeliveryRecord.from_text(key, text(item, "result")) if item is not None else None

    def claim(self, key: str, *, token: str, at_s: int) -> DeliveryRecord | None:
        """Take ``key`` for sending; None when someone already holds or finished it."""
        record = DeliveryRecord(key, DeliveryState.SENDING, token, at_s)
        item = keyed(
            idempotency_key(key),
            Kind.IDEMPOTENCY,
            result=record.text(),
            created_at=at_s,
            expires_at=int(self.clock_s()) + IDEMPOTENCY_TTL_S,
        )
        try:
            self.table.write(Put(item, Absent()))
        except ConditionFailed:
            return None
        return record

    def finish(
        self, claim: DeliveryRecord, state: DeliveryState, **detail: Any
    ) -> DeliveryRecord | None:
        """Record the outcome of our claim; None if the claim is no longer ours."""
        done = DeliveryRecord(claim.key, state, claim.token, claim.at_s, detail)
        try:
            self.table.write(
                Update(
                    idempotency_key(claim.key),
                    set={"result": done.text()},
                    condition=eq("result", claim.text()),
                )
            )
        except ConditionFailed:
            return None
        return done

    def release(self, claim: DeliveryRecord) -> bool:
        """Give the key back (the send certainly did not happen); False if not ours."""
        try:
            self.table.write(Delete(idempotency_key(claim.key), eq("result", claim.text())))
        except ConditionFailed:
            return False
        return True


__all__ = ["DeliveryRecord", "DeliveryState", "NotificationLog"]
