"""Member notifications over the Telegram Bot API: rate-limited, sent at most once.

Messages (queued by settlement and withdrawal decisions) are
``{"kind": "settlement", "date", "member", "statement": {...}}`` and
``{"kind": "withdrawal", "member", "request_id", "status", "points", "net", ...}`` and
``{"kind": "refund", "member", "order", "cash", "debt"}`` (a merchant's refund) and
``{"kind": "digest", "date", "member"}`` (issue 16: the week's statements, summed here from
the member's journal);
the settlement function also queues operator alerts,
``{"kind": "operator", "event": "settlement_blocked" | "settlement_failed", "date", ...}``,
sent to every operator (``JIFEN_NOTIFY_OPERATOR_IDS``) under a key per operator chat.

Delivery guarantee — **at most once**, with retries wherever non-delivery is certain:

1. the member is looked up (no such member, or no ``telegram_id``: skipped, not
   a failure); an existing delivery record means "already handled";
2. the rate limiter grants a slot (or says the wait would outlast the
   invocation: the item fails and SQS redelivers it later);
3. the delivery key (``notify:settlement:<date>:<member>``,
   ``notify:withdrawal:<request_id>:<status>``) is *claimed* — an item put
   only if absent, state ``sending`` — **before** the request goes out;
4. Telegram's answer moves the claim to ``sent``; a refusal for good (blocked,
   chat gone) to ``undeliverable``. When the send certainly did not happen
   (connection refused, 5xx, 429 beyond the time left) the claim is *released*
   (deleted) and the item fails, so SQS redelivers and it is sent then.
   When the request may have reached Telegram but no answer came back, the
   claim becomes ``unknown`` and is never retried.

Settlement statements and digests carry ``queued_at`` (epoch seconds): one older than
``max_age_s`` (24 h) is dropped as stale (the Mini App shows every statement), so a queue
that fell behind sends today's news, not yesterday's.

So a member never gets the same notice twice. The price: a crash between the
claim and Telegram's answer (or an unanswered request) loses that one message —
a settlement notice is informational (the bot shows the balance), a duplicate
"you earned 36 points" reads like being paid twice. A claim still ``sending``
and younger than :data:`CLAIM_LEASE_S` may belong to a live sender, so its
item is retried later rather than dropped; an older one is a crashed sender's
and counts as handled (logged).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from functions.rewards.errors import Rejected
from functions.rewards.events import valid_date
from functions.rewards.money import AmountError, parse_cents
from functions.store.ops_store import DeliveryRecord, DeliveryState
from functions.store.ports import DeliveryLogPort, JournalReads, MemberReads
from functions.store.records import EntryKind, JournalEntry

from .telegram_api import (
    SEND_TIMEOUT_S,
    DeliveryUnknown,
    MessageSender,
    NotSent,
    RetryAfter,
    Undeliverable,
)

NS_PER_S = 1_000_000_000
CLAIM_LEASE_S = 120
"""A ``sending`` claim this old belongs to a crashed sender (the function timeout is lower)."""
MAX_RETRY_AFTER_ATTEMPTS = 3
STALE_AFTER_S = 24 * 3600
"""A settlement statement or digest queued longer ago than this is dropped (issue 16)."""
DIGEST_DAYS = 7
DIGEST_SCAN_ENTRIES = 64
"""The digest reads one page of the member's journal, newest first: a week of daily
settlements and the member's other entries between them (a busier week is summed as far
as the page reaches, and says how many settlements it counted)."""


# -- messages ------------------------------------------------------------------------


def _amount(value: str) -> str:
    try:
        parse_cents(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None
    return value


def _date(value: str) -> str:
    try:
        return valid_date(value)
    except Rejected as exc:
        raise ValueError(exc.message) from None


AmountText = Annotated[str, AfterValidator(_amount)]
DateText = Annotated[str, AfterValidator(_date)]
Name = Annotated[str, Field(min_length=1, max_length=128)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Statement(_Message):
    """A member's settlement figures (``MemberResult.statement()``)."""

    static: AmountText
    share: tuple[AmountText, ...] = ()
    team: AmountText = "0.00"
    peer: AmountText = "0.00"
    paid: AmountText = "0.00"
    forfeited: AmountText = "0.00"

    @property
    def empty(self) -> bool:
        figures = (self.static, self.paid, self.forfeited)
        return not any(parse_cents(figure) for figure in figures)


class SettlementNotice(_Message):
    kind: Literal["settlement"]
    date: DateText
    member: Name
    statement: Statement
    queued_at: int | None = None
    """When the settlement queued it (epoch s; issue 16): stale after a day."""

    @property
    def key(self) -> str:
        return f"notify:settlement:{self.date}:{self.member}"

    @property
    def empty(self) -> bool:
        """Nothing credited or forfeited: no message (members are not told about zeros)."""
        return self.statement.empty


class WithdrawalNotice(_Message):
    kind: Literal["withdrawal"]
    member: Name
    request_id: Name
    status: Literal["approved", "rejected", "paid"]
    points: AmountText
    net: AmountText
    fee: AmountText = "0.00"
    reason: str | None = Field(default=None, max_length=500)

    @property
    def key(self) -> str:
        return f"notify:withdrawal:{self.request_id}:{self.status}"

    @property
    def empty(self) -> bool:
        return False


class OperatorNotice(_Message):
    """A settlement run that needs an operator: blocked by an unfinished earlier run, refused,
    or failed with an error (sent to every operator's chat, not a member's)."""

    kind: Literal["operator"]
    event: Literal["settlement_blocked", "settlement_failed"]
    date: DateText
    detail: str = Field(default="", max_length=300)
    """What happened, as the settlement function said it (a date, a code, an error's name)."""

    def key_for(self, chat: int) -> str:
        return f"notify:operator:{self.event}:{self.date}:{chat}"

    @property
    def key(self) -> str:
        return f"notify:operator:{self.event}:{self.date}"

    @property
    def empty(self) -> bool:
        return False


class RefundNotice(_Message):
    """An order refunded outside the chat (the merchant API, issue 12): its buyer is told
    once, with the debt the refund left, as the bot's /refund tells them."""

    kind: Literal["refund"]
    member: Name
    order: Name
    cash: AmountText
    debt: AmountText = "0.00"

    @property
    def key(self) -> str:
        return f"notify:refund:{self.order}"

    @property
    def empty(self) -> bool:
        return False


class DigestWeek(_Message):
    """The week's settlements of a member summed (cents), filled in by the sender."""

    first: DateText
    days: int = 0
    static: int = 0
    paid: int = 0
    pools: int = 0
    forfeited: int = 0

    @property
    def credited(self) -> int:
        return self.static + self.paid + self.pools

    @property
    def empty(self) -> bool:
        return not (self.credited or self.forfeited)


class DigestNotice(_Message):
    """Issue 16: the weekly digest of a member whose statements were not worth a message
    the day they happened; the sender sums the week from the member's journal."""

    kind: Literal["digest"]
    date: DateText
    member: Name
    queued_at: int | None = None
    week: DigestWeek | None = None

    @property
    def key(self) -> str:
        return f"notify:digest:{self.date}:{self.member}"

    @property
    def empty(self) -> bool:
        return self.week is not None and self.week.empty


def digest_week(entries: Iterable[JournalEntry], date: str) -> DigestWeek:
    """The settlements dated within the 7 days ending on ``date``, summed in cents.

    ``entries`` come newest first; reading stops at the first settlement before the week.
    """
    last = dt.date.fromisoformat(date)
    first = (last - dt.timedelta(days=DIGEST_DAYS - 1)).isoformat()
    days = static = paid = pools = forfeited = 0
    for entry in entries:
        if entry.kind != EntryKind.SETTLEMENT:
            continue
        details = json.loads(entry.details)
        day = str(details.get("date", ""))
        if day > date:
            continue
        if day < first:
            break
        days += 1
        static += parse_cents(str(details.get("static", "0.00")))
        paid += parse_cents(str(details.get("paid", "0.00")))
        forfeited += parse_cents(str(details.get("forfeited", "0.00")))
        pooled = details.get("pools")
        if isinstance(pooled, dict):
            pools += int(pooled.get("points", 0))
    return DigestWeek(
        first=first, days=days, static=static, paid=paid, pools=pools, forfeited=forfeited
    )


MemberNotice = SettlementNotice | WithdrawalNotice | OperatorNotice | RefundNotice | DigestNotice
Notice = Annotated[MemberNotice, Field(discriminator="kind")]


# -- rate limiting ---------------------------------------------------------------------


class _Gcra:
    """A token bucket as GCRA: one theoretical arrival time, exact in integer nanoseconds."""

    __slots__ = ("interval_ns", "tat_ns", "tolerance_ns")

    def __init__(self, per_s: int, burst: int = 1) -> None:
        if per_s < 1 or burst < 1:
            raise ValueError("rates and bursts are at least 1")
        self.interval_ns = NS_PER_S // per_s
        self.tolerance_ns = (burst - 1) * self.interval_ns
        self.tat_ns: int | None = None

    def delay_ns(self, now_ns: int) -> int:
        if self.tat_ns is None:
            return 0
        return max(0, self.tat_ns - self.tolerance_ns - now_ns)

    def take(self, now_ns: int) -> None:
        start = now_ns if self.tat_ns is None else max(self.tat_ns, now_ns)
        self.tat_ns = start + self.interval_ns

    def idle(self, now_ns: int) -> bool:
        return self.tat_ns is None or self.tat_ns <= now_ns


class RateLimiter:
    """At most ``messages_per_s`` overall and ``chat_messages_per_s`` per chat.

    Both limits are token buckets with a burst of one, so in any second there
    are at most that many sends. ``pause`` stops everything for a while (a 429
    answer). The clock and sleep are injectable; state survives warm
    invocations, so back-to-back batches stay within the limits too.
    """

    MAX_IDLE_CHATS = 10_000

    def __init__(
        self,
        messages_per_s: int = 25,
        chat_messages_per_s: int = 1,
        *,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock_ns = clock_ns
        self.sleep = sleep
        self._chat_per_s = chat_messages_per_s
        self._overall = _Gcra(messages_per_s)
        self._chats: dict[int, _Gcra] = {}
        self._paused_until_ns = 0
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        return self.clock_ns()

    def _wait_ns(self, chat_id: int, now_ns: int) -> int:
        chat = self._chats.get(chat_id)
        return max(
            self._overall.delay_ns(now_ns),
            chat.delay_ns(now_ns) if chat is not None else 0,
            self._paused_until_ns - now_ns,
        )

    def try_acquire(self, chat_id: int) -> int:
        """Take a slot now and return 0, or return the nanoseconds to wait (nothing taken)."""
        with self._lock:
            now = self.clock_ns()
            wait = self._wait_ns(chat_id, now)
            if wait > 0:
                return wait
            self._overall.take(now)
            chat = self._chats.get(chat_id)
            if chat is None:
                if len(self._chats) >= self.MAX_IDLE_CHATS:
                    self._chats = {key: g for key, g in self._chats.items() if not g.idle(now)}
                chat = self._chats[chat_id] = _Gcra(self._chat_per_s)
            chat.take(now)
            return 0

    def acquire(self, chat_id: int, *, deadline_ns: int | None = None) -> bool:
        """Wait for a slot; False (nothing taken) if it would come after ``deadline_ns``."""
        while True:
            wait = self.try_acquire(chat_id)
            if wait == 0:
                return True
            if deadline_ns is not None and self.clock_ns() + wait > deadline_ns:
                return False
            self.sleep(wait / NS_PER_S)

    def pause(self, seconds: int) -> None:
        """No sends at all for ``seconds`` (Telegram said ``retry_after``)."""
        with self._lock:
            until = self.clock_ns() + seconds * NS_PER_S
            self._paused_until_ns = max(self._paused_until_ns, until)


# -- delivery --------------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    NO_CHAT = "no_chat"
    UNKNOWN_MEMBER = "unknown_member"
    EMPTY = "empty"
    UNDELIVERABLE = "undeliverable"
    UNCONFIRMED = "unconfirmed"
    ABANDONED = "abandoned"
    """A crashed sender's claim: maybe sent, maybe not; never resent (at most once)."""
    STALE = "stale"
    """A settlement statement or digest queued over a day ago: dropped (issue 16)."""


class RetryLater(Exception):
    """Not delivered now, nothing claimed: report the item failed so SQS redelivers it."""


def wall_clock_s() -> int:
    return int(time.time())


def new_token() -> str:
    return uuid.uuid4().hex


NoticeRenderer = Callable[[MemberNotice, str | None], str]
"""A notice as text in a member's stored language (None: the configured default);
the bot's catalogs provide it (:func:`bot.texts.notices.renderer`)."""


@dataclass
class Notifier:
    """Delivers one notice at a time under the rate limits (see the module doc)."""

    store: MemberReads
    log: DeliveryLogPort
    telegram: MessageSender
    render: NoticeRenderer
    limiter: RateLimiter = field(default_factory=RateLimiter)
    send_budget_ns: int = int(SEND_TIMEOUT_S * NS_PER_S) + NS_PER_S
    clock_s: Callable[[], int] = wall_clock_s
    token: Callable[[], str] = new_token
    operators: frozenset[int] = frozenset()
    """Operators' chats: where :class:`OperatorNotice` alerts go."""
    journal: JournalReads | None = None
    """Where digests read the week's settlements (issue 16; None: digests are not sent)."""
    max_age_s: int = STALE_AFTER_S

    def stale(self, notice: MemberNotice) -> bool:
        """A settlement statement or digest queued more than ``max_age_s`` ago."""
        if not isinstance(notice, SettlementNotice | DigestNotice) or notice.queued_at is None:
            return False
        return self.clock_s() - notice.queued_at > self.max_age_s

    def deliver(self, notice: MemberNotice, deadline_ns: int) -> Outcome:
        """Send ``notice`` once or raise :class:`RetryLater` (``deadline_ns``: limiter's clock)."""
        if isinstance(notice, OperatorNotice):
            return self._alert(notice, deadline_ns)
        if self.stale(notice):
            return Outcome.STALE
        if notice.empty:
            return Outcome.EMPTY
        member = self.store.get_member(notice.member)
        if member is None:
            return Outcome.UNKNOWN_MEMBER
        if member.telegram_id is None:
            return Outcome.NO_CHAT
        existing = self.log.get(notice.key)
        if existing is not None:
            return self._handled(existing)
        if isinstance(notice, DigestNotice):
            if self.journal is None:
                return Outcome.EMPTY
            entries = self.journal.journal_page(notice.member, limit=DIGEST_SCAN_ENTRIES)
            notice = notice.model_copy(update={"week": digest_week(entries, notice.date)})
            if notice.empty:
                return Outcome.EMPTY
        return self._send_once(
            int(member.telegram_id), notice.key, self.render(notice, member.language), deadline_ns
        )

    def _alert(self, notice: OperatorNotice, deadline_ns: int) -> Outcome:
        """Every operator once (a key per chat: a redelivery resends only to those not sent)."""
        if not self.operators:
            return Outcome.NO_CHAT
        text = self.render(notice, None)
        outcomes = []
        for chat in sorted(self.operators):
            existing = self.log.get(notice.key_for(chat))
            if existing is not None:
                outcomes.append(self._handled(existing))
                continue
            outcomes.append(self._send_once(chat, notice.key_for(chat), text, deadline_ns))
        return Outcome.SENT if Outcome.SENT in outcomes else outcomes[0]

    def _send_once(self, chat: int, key: str, text: str, deadline_ns: int) -> Outcome:
        """Claim ``key``, send ``text`` to ``chat`` and record how it went (module doc)."""
        claim: DeliveryRecord | None = None
        for _attempt in range(MAX_RETRY_AFTER_ATTEMPTS):
            if not self.limiter.acquire(chat, deadline_ns=deadline_ns - self.send_budget_ns):
                self._release(claim)
                raise RetryLater("the rate limit leaves no time to send in this invocation")
            if claim is None:
                claim = self.log.claim(key, token=self.token(), at_s=self.clock_s())
                if claim is None:  # someone claimed it since we looked
                    found = self.log.get(key)
                    return self._handled(found) if found is not None else Outcome.DUPLICATE
            try:
                message_id = self.telegram.send_message(chat, text)
            except RetryAfter as flood:
                self.limiter.pause(flood.seconds)
                continue
            except Undeliverable as refused:
                self.log.finish(claim, DeliveryState.UNDELIVERABLE, reason=str(refused))
                return Outcome.UNDELIVERABLE
            except NotSent as failure:
                self._release(claim)
                raise RetryLater(f"not sent: {failure}") from None
            except DeliveryUnknown as unknown:
                self.log.finish(claim, DeliveryState.UNKNOWN, reason=str(unknown))
                return Outcome.UNCONFIRMED
            self.log.finish(claim, DeliveryState.SENT, message_id=message_id)
            return Outcome.SENT
        self._release(claim)
        raise RetryLater("Telegram kept asking to slow down")

    def _release(self, claim: DeliveryRecord | None) -> None:
        if claim is not None:
            self.log.release(claim)

    def _handled(self, record: DeliveryRecord) -> Outcome:
        if record.state is not DeliveryState.SENDING:
            return Outcome.DUPLICATE
        if self.clock_s() - record.at_s < CLAIM_LEASE_S:
            raise RetryLater("another sender holds this notice; look again later")
        return Outcome.ABANDONED
