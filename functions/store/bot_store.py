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
  a repeated update or a second press does not tell the member twice;
* ``IDEM#tg-state:<key>``: short-lived conversation state (what the bot asked a
  user and is waiting for, the requests listed on an operator's queue page, a
  transfer preview's note), readable by any Lambda container, with a TTL;
* ``IDEM#tg-payout:<member>``: the member's payout account (method, holder's
  name, number), kept until changed, shown only masked;
* ``IDEM#tg-username:<lowercase username>``: which member last used a Telegram
  @username (a transfer names its recipient by it); the member item's
  ``username`` says whether it is still theirs.

All of them reuse the idempotency item's shape (a small text value, most with a
TTL) rather than adding an item kind, and keep the prefixes listed in
``items.NON_LEDGER_IDEMPOTENCY`` (``tg-update:``, ``tg-visitor:``,
``tg-notice:``, ``tg-state:``, ``tg-payout:``, ``tg-username:``): they name no
journal entry, and ``jifen verify`` leaves them alone. (The webhook no longer uses
the update claim: its lease is Powertools' idempotency record, see
``functions/handlers/telegram_webhook.py``.)
"""

from __future__ import annotations

import contextlib
import json
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .items import Kind, idempotency_key, keyed, member_key, optional_number, text
from .table import (
    Absent,
    ConditionFailed,
    Delete,
    Exists,
    Item,
    Key,
    Put,
    Table,
    Update,
    any_of,
    eq,
)
from .table import Compare as Cmp

UPDATE_TTL_S = 7 * 24 * 3600
"""Telegram stops redelivering an update after at most a day; a week is ample."""
VISITOR_TTL_S = 30 * 24 * 3600
"""A deep link clicked a month ago no longer decides who referred a newcomer."""
NOTICE_TTL_S = 30 * 24 * 3600
"""How long a sent notice is remembered: longer than any redelivery or stale button."""
NOTICE_SENDING = json.dumps({"state": "sending"})
NOTICE_SENT = json.dumps({"state": "sent"})


STATE_TTL_S = 24 * 3600
"""Default life of conversation state: a question unanswered for a day is forgotten."""
PAYOUT_METHODS = ("bank", "alipay", "wechat")


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    """Where a member's withdrawals are paid: a bank card, an Alipay or a WeChat account."""

    method: str
    """One of :data:`PAYOUT_METHODS`."""
    name: str
    """The account holder's name."""
    number: str

    @property
    def masked(self) -> str:
        """The number as members and operators see it: only its last four characters."""
        return "···· " + self.number[-4:]


@dataclass(frozen=True, slots=True)
class Visitor:
    """A Telegram user who talked to the bot but has not registered yet."""

    telegram_id: int
    invite_code: str | None = None
    language: str | None = None


NAME_PREFIX = "NAME#"
"""Name index partitions: ``NAME#<first character of the key>``."""


def name_key(name: str) -> str:
    """How a name is filed and searched: NFKC, case-folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())[:NAME_KEY_MAX]


NAME_KEY_MAX = 200


def _payout_account(item: Item) -> PayoutAccount | None:
    data = json.loads(text(item, "result"))
    fields = [data.get(name) for name in ("method", "name", "number")]
    if not all(isinstance(value, str) for value in fields):
        return None
    return PayoutAccount(*fields)


class BotStore:
    """Bot-side reads and writes on the ledger's table."""

    def __init__(self, table: Table, clock_s: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock_s = clock_s

    def _record(self, key: str, result: str, expires_at: int) -> Put:
        item = keyed(
            idempotency_key(key),
            Kind.IDEMPOTENCY,
            result=result,
            created_at=int(self.clock_s() * 1_000_000),
            expires_at=expires_at,
        )
        return Put(item)

    # -- update dedupe -------------------------------------------------------
    def claim_update(self, update_id: int) -> bool:
        """True the first time ``update_id`` is seen; False for a redelivery."""
        record = self._record(f"tg-update:{update_id}", "{}", self._in(UPDATE_TTL_S))
        try:
            self.table.write(Put(record.item, Absent()))
        except ConditionFailed:
            return False
        return True

    def release_update(self, update_id: int) -> None:
        """Forget a claim whose processing failed, so Telegram's retry is processed."""
        self.table.write(Delete(idempotency_key(f"tg-update:{update_id}")))

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
        record = self._record(f"tg-notice:{key}", NOTICE_SENDING, int(until_s))
        free = any_of(Absent(), Cmp("expires_at", "<=", int(self.clock_s())))
        try:
            self.table.write(Put(record.item, free))
        except ConditionFailed:
            return False
        return True

    def notice_sent(self, key: str) -> None:
        """Record that notice ``key`` reached Telegram (kept :data:`NOTICE_TTL_S`)."""
        self.table.write(self._record(f"tg-notice:{key}", NOTICE_SENT, self._in(NOTICE_TTL_S)))

    def release_notice(self, key: str) -> None:
        """Give up a claimed notice that could not be sent (never forgets a sent one)."""
        with contextlib.suppress(ConditionFailed):  # already sent, or gone: nothing to release
            self.table.write(
                Delete(idempotency_key(f"tg-notice:{key}"), eq("result", NOTICE_SENDING))
            )

    # -- visitors ------------------------------------------------------------
    def visitor(self, telegram_id: int) -> Visitor | None:
        item = self.table.get(idempotency_key(f"tg-visitor:{telegram_id}"))
        if item is None:
            return None
        expires_at = optional_number(item, "expires_at")
        if expires_at is not None and expires_at < self.clock_s():
            return None  # TTL deletion lags; an expired record does not count
        data = json.loads(text(item, "result"))
        code, language = data.get("invite_code"), data.get("language")
        return Visitor(
            telegram_id,
            code if isinstance(code, str) else None,
            language if isinstance(language, str) else None,
        )

    def save_visitor(self, visitor: Visitor) -> None:
        """Overwrite the visitor record (the latest deep link clicked wins)."""
        result = json.dumps({"invite_code": visitor.invite_code, "language": visitor.language})
        self.table.write(
            self._record(f"tg-visitor:{visitor.telegram_id}", result, self._in(VISITOR_TTL_S))
        )

    def forget_visitor(self, telegram_id: int) -> None:
        # Best effort: a leftover record only expires later, it is never read for members.
        self.table.write(Delete(idempotency_key(f"tg-visitor:{telegram_id}")))

    # -- conversation state --------------------------------------------------------
    def remember(self, key: str, data: Mapping[str, Any], ttl_s: int = STATE_TTL_S) -> None:
        """Keep ``data`` (JSON) under ``key`` for ``ttl_s`` seconds (overwriting)."""
        self.table.write(self._record(f"tg-state:{key}", json.dumps(dict(data)), self._in(ttl_s)))

    def recall(self, key: str) -> dict[str, Any] | None:
        """What :meth:`remember` kept under ``key``, unless it expired."""
        item = self.table.get(idempotency_key(f"tg-state:{key}"))
        if item is None:
            return None
        expires_at = optional_number(item, "expires_at")
        if expires_at is not None and expires_at < self.clock_s():
            return None  # TTL deletion lags
        data = json.loads(text(item, "result"))
        return data if isinstance(data, dict) else None

    def forget(self, key: str) -> bool:
        """Drop ``key``; whether there was unexpired state to drop."""
        known = self.recall(key) is not None
        self.table.write(Delete(idempotency_key(f"tg-state:{key}")))
        return known

    # -- payout accounts -----------------------------------------------------------
    def payout_account(self, member: str) -> PayoutAccount | None:
        item = self.table.get(idempotency_key(f"tg-payout:{member}"))
        return _payout_account(item) if item is not None else None

    def payout_accounts(self, members: Sequence[str]) -> dict[str, PayoutAccount]:
        """The accounts of ``members`` that have one, in one batch read (a queue page)."""
        if not members:
            return {}
        owners = {idempotency_key(f"tg-payout:{member}").pk: member for member in members}
        found: dict[str, PayoutAccount] = {}
        for item in self.table.batch_get(
            [idempotency_key(f"tg-payout:{m}") for m in owners.values()]
        ):
            account = _payout_account(item)
            owner = owners.get(str(item.get("pk")))
            if account is not None and owner is not None:
                found[owner] = account
        return found

    def save_payout_account(self, member: str, account: PayoutAccount) -> None:
        """Set (or change) the member's payout account; kept until changed (no TTL)."""
        result = json.dumps(
            {"method": account.method, "name": account.name, "number": account.number}
        )
        item = keyed(
            idempotency_key(f"tg-payout:{member}"),
            Kind.IDEMPOTENCY,
            result=result,
            created_at=int(self.clock_s() * 1_000_000),
        )
        self.table.write(Put(item))

    # -- usernames -----------------------------------------------------------------
    def set_username(self, member: str, username: str | None) -> None:
        """SET the member's Telegram @username in place (no version move) and point
        ``tg-username:<lowercase>`` at the member; None clears the member's."""
        with contextlib.suppress(ConditionFailed):
            self.table.write(
                Update(member_key(member), set={"username": username or ""}, condition=Exists())
            )
        if username:
            item = keyed(
                idempotency_key(f"tg-username:{username.lower()}"),
                Kind.IDEMPOTENCY,
                result=json.dumps({"member": member}),
                created_at=int(self.clock_s() * 1_000_000),
            )
            self.table.write(Put(item))

    # -- the console's search by name --------------------------------------------------
    def index_name(self, member: str, name: str) -> None:
        """File ``member`` under its display name (idempotent: the same item every time).

        Names are set once, at registration; the entry is not ledger state, so it is
        written after the join, and ``index_names`` rebuilds any that a crash lost.
        """
        key = name_key(name)
        if not key:
            return
        item = keyed(
            Key(f"{NAME_PREFIX}{key[0]}", f"{key}#{member}"),
            Kind.NAME_INDEX,
            member=member,
            name=name,
        )
        self.table.write(Put(item))

    def members_named(self, start: str, *, limit: int = 20) -> list[tuple[str, str]]:
        """``(member, name)`` of the members whose name starts with ``start`` (case, width
        and spacing ignored), in name order: one ``Query`` of one partition."""
        key = name_key(start)
        if not key:
            return []
        items = self.table.query(
            f"{NAME_PREFIX}{key[0]}", prefix=key, limit=limit, consistent=False
        )
        return [(text(item, "member"), text(item, "name")) for item in items]

    def member_for_username(self, username: str) -> str | None:
        """The member who last used ``username`` (check it is still theirs on the member)."""
        item = self.table.get(idempotency_key(f"tg-username:{username.lower()}"))
        if item is None:
            return None
        member = json.loads(text(item, "result")).get("member")
        return member if isinstance(member, str) else None

    # -- member profile ------------------------------------------------------
    def set_language(self, member: str, language: str) -> bool:
        """SET the member's language in place; False when the member does not exist.

        The version is left alone on purpose: a language switch is not ledger state
        and must never make a concurrent ledger write retry.
        """
        try:
            self.table.write(
                Update(member_key(member), set={"language": language}, condition=Exists())
            )
        except ConditionFailed:
            return False
        return True

    def _in(self, seconds: int) -> int:
        """Epoch seconds ``seconds`` from now (the TTL attribute's unit)."""
        return int(self.clock_s()) + seconds
