"""What the Telegram bot keeps besides the ledger: update dedupe, visitors, profile fields.

None of it is ledger state, so none of it is journaled or version-checked:

* ``IDEM#tg-update:<update_id>``: put only if absent, so a redelivered update
  is recognised (Telegram retries a webhook until it gets a 200);
* ``IDEM#tg-visitor:<telegram id>``: a not-yet-registered user's invite code
  (from the ``/start`` deep link) and chosen language, carried from ``/start``
  to the contact message — possibly handled by another Lambda container;
* the member's ``language``, set in place without touching the item's
  version, so a language switch never makes a concurrent ledger write retry;
* ``IDEM#tg-notice:<key>``: a member notice ("payment received", "your
  withdrawal was approved") that was sent, or is being sent under a lease, so
  a repeated update or a second press does not tell the member twice.

All of them reuse :class:`~functions.store.models.IdempotencyItem`'s shape
(a small text value with a TTL) rather than adding an item kind, and keep the
prefixes listed in ``models.NON_LEDGER_IDEMPOTENCY`` (``tg-update:``,
``tg-visitor:``, ``tg-notice:``): they name no journal entry, and ``jifen
verify`` leaves them alone. (The webhook no longer uses the update claim: its
lease is Powertools' idempotency record, see
``functions/handlers/telegram_webhook.py``.)
"""

from __future__ import annotations

import contextlib
import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from . import models as m
from .ledger_store import LedgerStore, error_code, member_pk

UPDATE_TTL_S = 7 * 24 * 3600
"""Telegram stops redelivering an update after at most a day; a week is ample."""
VISITOR_TTL_S = 30 * 24 * 3600
"""A deep link clicked a month ago no longer decides who referred a newcomer."""
NOTICE_TTL_S = 30 * 24 * 3600
"""How long a sent notice is remembered: longer than any redelivery or stale button."""
NOTICE_SENDING = json.dumps({"state": "sending"})
NOTICE_SENT = json.dumps({"state": "sent"})


@dataclass(frozen=True, slots=True)
class Visitor:
    """A Telegram user who talked to the bot but has not registered yet."""

    telegram_id: int
    invite_code: str | None = None
    language: str | None = None


class BotStore:
    """Bot-side reads and writes on the ledger's table (same endpoint and binding)."""

    def __init__(self, store: LedgerStore, clock_s: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock_s = clock_s

    # -- update dedupe -------------------------------------------------------
    def claim_update(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen; False for a redelivery."""
        item = m.IdempotencyItem(
            f"IDEM#tg-update:{update_id}",
            "IDEM",
            result="{}",
            created_at=int(self.clock_s() * 1_000_000),
            expires_at=datetime.timedelta(seconds=UPDATE_TTL_S),
        )
        return self.store.put_unique(item)

    def release_update(self, update_id: int) -> None:
        """Forget a claim whose processing failed, so Telegram's retry is processed."""
        m.IdempotencyItem(f"IDEM#tg-update:{update_id}", "IDEM").delete()

    # -- member notices --------------------------------------------------------
    def claim_notice(self, key: str, until_s: float) -> bool:
        """Take the right to send notice ``key`` until ``until_s`` (epoch seconds).

        False when the notice was sent, or another sender holds an unexpired
        lease on it. ``expires_at`` is the lease's end while sending and the
        TTL once sent, so one condition covers both: free if absent or ended
        (``expires_at <= now``, in whole seconds, the TTL attribute's unit). The
        end is rounded down, so the lease never outlives ``until_s``: a webhook
        redelivery that found the update's lease expired finds this one expired too.
        """
        now = datetime.datetime.fromtimestamp(self.clock_s(), datetime.UTC)
        item = m.IdempotencyItem(
            _notice_pk(key),
            "IDEM",
            result=NOTICE_SENDING,
            created_at=int(self.clock_s() * 1_000_000),
            expires_at=datetime.datetime.fromtimestamp(int(until_s), datetime.UTC),
        )
        try:
            item.save(
                condition=m.JifenItem.pk.does_not_exist() | (m.IdempotencyItem.expires_at <= now)
            )
        except PutError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def notice_sent(self, key: str) -> None:
        """Record that notice ``key`` reached Telegram (kept :data:`NOTICE_TTL_S`)."""
        m.IdempotencyItem(
            _notice_pk(key),
            "IDEM",
            result=NOTICE_SENT,
            created_at=int(self.clock_s() * 1_000_000),
            expires_at=datetime.timedelta(seconds=NOTICE_TTL_S),
        ).save()

    def release_notice(self, key: str) -> None:
        """Give up a claimed notice that could not be sent (never forgets a sent one)."""
        with contextlib.suppress(DeleteError):  # already sent, or gone: nothing to release
            m.IdempotencyItem(_notice_pk(key), "IDEM").delete(
                condition=m.IdempotencyItem.result == NOTICE_SENDING
            )

    # -- visitors ------------------------------------------------------------
    def visitor(self, telegram_id: int) -> Visitor | None:
        try:
            item = m.IdempotencyItem.get(
                f"IDEM#tg-visitor:{telegram_id}", "IDEM", consistent_read=True
            )
        except m.IdempotencyItem.DoesNotExist:
            return None
        expires_at = item.expires_at
        if expires_at is not None and expires_at.timestamp() < self.clock_s():
            return None  # TTL deletion lags; an expired record does not count
        data = json.loads(item.result)
        code, language = data.get("invite_code"), data.get("language")
        return Visitor(
            telegram_id,
            code if isinstance(code, str) else None,
            language if isinstance(language, str) else None,
        )

    def save_visitor(self, visitor: Visitor) -> None:
        """Overwrite the visitor record (the latest deep link clicked wins)."""
        m.IdempotencyItem(
            f"IDEM#tg-visitor:{visitor.telegram_id}",
            "IDEM",
            result=json.dumps({"invite_code": visitor.invite_code, "language": visitor.language}),
            created_at=int(self.clock_s() * 1_000_000),
            expires_at=datetime.timedelta(seconds=VISITOR_TTL_S),
        ).save()

    def forget_visitor(self, telegram_id: int) -> None:
        # Best effort: a leftover record only expires later, it is never read for members.
        with contextlib.suppress(DeleteError):
            m.IdempotencyItem(f"IDEM#tg-visitor:{telegram_id}", "IDEM").delete()

    # -- member profile ------------------------------------------------------
    def set_language(self, member: str, language: str) -> bool:
        """SET the member's language in place; False when the member does not exist.

        A table-connection update on purpose: a model ``update`` would also bump
        (or, on an unloaded item, reset to 1) the version the ledger's optimistic
        concurrency relies on.
        """
        try:
            m.MemberItem._get_connection().update_item(
                member_pk(member),
                "ACCOUNT",
                actions=[m.MemberItem.language.set(language)],
                condition=m.JifenItem.pk.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _notice_pk(key: str) -> str:
    return f"IDEM#tg-notice:{key}"
