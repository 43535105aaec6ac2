"""Members as the Telegram bot sees them: registration, statements, team, history, shop.

The ledger's use cases (:class:`~functions.services.ledger.Ledger`) know
members by id only; this module adds what a chat front end needs around them:
a member id derived from the Telegram user id, an unguessable invite code,
the unique claims (one phone one account, one Telegram account one member),
read models for the balance/team/history screens, the shop's catalogue and
checks that mirror the rules before money moves, and operator look-ups.
Nothing here knows about Telegram's types; handlers pass plain values.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from functions.rewards.decisions import (
    Pool,
    WithdrawalQuote,
    decide_purchase,
    decide_withdraw,
    point_price,
)
from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.events import Join, Purchase, Transfer, Withdraw
from functions.rewards.ledger import Bucket
from functions.rewards.money import Cents, mul_floor, parse_cents
from functions.store.bot_store import Visitor
from functions.store.commit import Claim
from functions.store.journal import decode_postings
from functions.store.ports import BotPort
from functions.store.records import JournalEntry, MemberRecord, WithdrawalRecord

from .ledger import Ledger
from .results import (
    AdjustmentResult,
    FreezeResult,
    PurchaseResult,
    TransferResult,
    WithdrawalResult,
)

MEMBER_PREFIX = "tg"
"""Member ids of bot registrations are ``tg<telegram user id>``: stable and collision-free."""
INVITE_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram allows in a ``/start`` deep-link payload, and so what an invite code may be."""
INVITE_CODE_BYTES = 9
"""72 random bits → 12 URL-safe characters: unguessable, short enough to type."""
DISPLAY_NAME_MAX = 64
HISTORY_PAGE = 5
TEAM_NAMES_SHOWN = 10
SETTLEMENT_SEARCH_ENTRIES = 200
"""How far back in the journal the balance screen looks for the last settlement."""
_PHONE_JUNK = re.compile(r"[\s().-]")


def member_id_for(telegram_id: int) -> str:
    return f"{MEMBER_PREFIX}{telegram_id}"


def new_invite_code() -> str:
    """A fresh random invite code (``secrets``: nobody can enumerate or predict them)."""
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


def valid_invite_code(text: str) -> bool:
    return INVITE_CODE_RE.fullmatch(text) is not None


def normalize_phone(raw: str) -> str | None:
    """E.164 (``+`` and 8–15 digits) from what Telegram sends (often without the ``+``)."""
    text = _PHONE_JUNK.sub("", unicodedata.normalize("NFKC", raw))
    if text.startswith("00"):
        text = text[2:]
    text = text.removeprefix("+")
    if not (text.isascii() and text.isdigit() and 8 <= len(text) <= 15) or text[0] == "0":
        return None
    return "+" + text


def parse_points(text: str) -> Cents:
    """Points typed by a member: full-width digits and a leading ``+`` are fine, ``0`` is not."""
    cleaned = unicodedata.normalize("NFKC", text).strip().removeprefix("+").replace(",", "")
    try:
        cents = parse_cents(cleaned)
    except ValueError:
        raise Rejected(RejectCode.INVALID_AMOUNT, "not an amount") from None
    if cents <= 0:
        raise Rejected(RejectCode.INVALID_AMOUNT, "the amount must be greater than zero")
    return cents


# -- read models -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Registration:
    member: MemberRecord
    referrer: MemberRecord | None


@dataclass(frozen=True, slots=True)
class SettlementBreakdown:
    """Why the last settlement paid what it paid (RULES.md §4), in hundredths."""

    date: str
    static: Cents
    share: tuple[Cents, ...]
    team: Cents
    peer: Cents
    paid: Cents
    forfeited: Cents

    @property
    def released(self) -> Cents:
        return self.static + self.paid


@dataclass(frozen=True, slots=True)
class Statement:
    member: MemberRecord
    price: Fraction | None
    """Cash per point now (None: no price yet, reserve valuation with nothing circulating)."""
    last_settlement: SettlementBreakdown | None

    @property
    def price_cents(self) -> Cents | None:
        """The price shown, floored to 0.01 like the reports (withdrawals use the exact one)."""
        return None if self.price is None else mul_floor(100, self.price)

    @property
    def value(self) -> Cents | None:
        """What the available points are worth now, floored."""
        return None if self.price is None else mul_floor(self.member.available, self.price)


@dataclass(frozen=True, slots=True)
class Invitee:
    member: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class TeamView:
    member: MemberRecord
    direct: tuple[Invitee, ...]
    """The first invitees, in join order (at most :data:`TEAM_NAMES_SHOWN`)."""
    direct_count: int
    level: str | None
    next_level: str | None
    next_level_min: Cents | None
    to_next_level: Cents | None

    @property
    def progress_percent(self) -> int | None:
        if self.next_level_min is None or self.next_level_min <= 0:
            return None
        return min(100, self.member.team_volume * 100 // self.next_level_min)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    kind: str
    at_us: int
    available: Cents
    locked: Cents
    withdrawing: Cents
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    newer: int | None
    """``before_seq`` of the next newer page, None on the newest."""
    older: int | None
    """``before_seq`` of the next older page, None on the oldest."""


@dataclass(frozen=True, slots=True)
class Package:
    """A shop package: its price and the points its cash would grant."""

    amount: Cents
    points: Cents
    tier: str | None


@dataclass(frozen=True, slots=True)
class Payment:
    result: PurchaseResult
    points_refused: RejectCode | None = None
    """Set when points offered at checkout could no longer pay; the cash was recorded alone."""


# -- the use cases -------------------------------------------------------------


class Members:
    """Bot-facing use cases over one :class:`Ledger` and the bot's own records."""

    def __init__(
        self, ledger: Ledger, bot_store: BotPort, flat_packages: Sequence[str] = ()
    ) -> None:
        self.ledger = ledger
        self.store = ledger.store
        self.bot_store = bot_store
        self.plan = ledger.plan
        self._flat_packages = tuple(parse_cents(text) for text in flat_packages)

    # -- look-ups ----------------------------------------------------------
    def by_telegram(self, telegram_id: int) -> MemberRecord | None:
        return self.store.get_member(member_id_for(telegram_id))

    def by_invite_code(self, code: str) -> MemberRecord | None:
        """The member owning ``code``; malformed codes are ``invalid_event``."""
        if not valid_invite_code(code):
            raise Rejected(RejectCode.INVALID_EVENT, "not an invite code")
        owner = self.store.claim_owner(f"INVITE#{code}")
        return None if owner is None else self.store.get_member(owner)

    def find(self, target: str) -> MemberRecord | None:
        """Operator look-up by member id, invite code, phone (``+…``) or Telegram id."""
        text = unicodedata.normalize("NFKC", target).strip()
        if not text or len(text) > 128:
            return None
        if text.startswith("+"):
            phone = normalize_phone(text)
            owner = self.store.claim_owner(f"PHONE#{phone}") if phone else None
        elif text.isascii() and text.isdigit():
            owner = self.store.claim_owner(f"TG#{text}") or member_id_for(int(text))
        else:
            record = self.store.get_member(text)
            if record is not None:
                return record
            owner = self.store.claim_owner(f"INVITE#{text}") if valid_invite_code(text) else None
        return None if owner is None else self.store.get_member(owner)

    # -- visitors and registration ---------------------------------------------
    def visitor(self, telegram_id: int) -> Visitor | None:
        return self.bot_store.visitor(telegram_id)

    def remember_visitor(
        self, telegram_id: int, *, invite_code: str | None = None, language: str | None = None
    ) -> None:
        """Keep a deep link's code or a chosen language until the visitor registers."""
        known = self.bot_store.visitor(telegram_id) or Visitor(telegram_id)
        self.bot_store.save_visitor(
            Visitor(telegram_id, invite_code or known.invite_code, language or known.language)
        )

    def register(
        self,
        *,
        telegram_id: int,
        phone: str,
        language: str,
        display_name: str,
        key: str,
    ) -> Registration:
        """Join the platform under the visitor's referrer (fixed forever) with unique claims."""
        e164 = normalize_phone(phone)
        if e164 is None:
            raise Rejected(RejectCode.INVALID_EVENT, "not a phone number")
        member = member_id_for(telegram_id)
        visitor = self.bot_store.visitor(telegram_id)
        referrer: MemberRecord | None = None
        if visitor is not None and visitor.invite_code is not None:
            referrer = self.by_invite_code(visitor.invite_code)
            if referrer is None:  # forget it, so sharing the contact again registers
                self.bot_store.save_visitor(Visitor(telegram_id, None, visitor.language))
                raise Rejected(RejectCode.UNKNOWN_REFERRER, "the invite code is unknown")
            if referrer.member == member:  # cannot happen (not a member yet); never allow it
                referrer = None
        name = display_name.strip()[:DISPLAY_NAME_MAX] or None
        for _ in range(3):
            code = new_invite_code()
            try:
                self.ledger.join(
                    Join(member, referrer.member if referrer else None),
                    key,
                    profile={
                        "telegram_id": telegram_id,
                        "phone": e164,
                        "invite_code": code,
                        "language": language,
                        "display_name": name,
                    },
                    claims=(
                        Claim(f"PHONE#{e164}", member),
                        Claim(f"TG#{telegram_id}", member),
                        Claim(f"INVITE#{code}", member),
                    ),
                )
            except Rejected as exc:
                if exc.code is RejectCode.DUPLICATE_MEMBER:
                    raise Rejected(RejectCode.ALREADY_REGISTERED, "already a member") from None
                if exc.code is RejectCode.ALREADY_REGISTERED and self._code_collided(
                    telegram_id, code
                ):
                    continue  # only the fresh invite code was taken (72 random bits): redraw
                raise
            break
        record = self.store.get_member(member)
        if record is None:
            raise Rejected(RejectCode.BUSY, "registration did not complete; try again")
        self.bot_store.forget_visitor(telegram_id)
        return Registration(record, referrer)

    def _code_collided(self, telegram_id: int, code: str) -> bool:
        """Whether a refused join failed on the invite code alone (not the account or phone)."""
        if self.store.claim_owner(f"TG#{telegram_id}") is not None:
            return False
        return self.store.claim_owner(f"INVITE#{code}") is not None

    def set_language(self, member: MemberRecord, language: str) -> None:
        self.bot_store.set_language(member.member, language)

    # -- screens ---------------------------------------------------------------
    def statement(self, member: MemberRecord) -> Statement:
        return Statement(
            member, point_price(self.plan, self._pool()), self.last_settlement(member.member)
        )

    def _pool(self) -> Pool:
        """The platform totals, read only where the price depends on them (reserve mode)."""
        return self.ledger.pool() if self.plan.valuation.mode == "reserve" else Pool(0, 0)

    def last_settlement(self, member: str) -> SettlementBreakdown | None:
        """The newest ``settlement`` journal entry's breakdown.

        Settlement is daily, so it is nearly always among the newest entries: read a
        few first, then wider pages, and give up after :data:`SETTLEMENT_SEARCH_ENTRIES`.
        """
        before: int | None = None
        limit, searched = 4, 0
        while searched < SETTLEMENT_SEARCH_ENTRIES:
            page = self.store.journal_page(member, limit=limit, before_seq=before)
            for entry in page:
                if entry.kind == "settlement":
                    return _breakdown(json.loads(entry.details))
            if len(page) < limit or page[-1].seq <= 1:
                return None
            searched += len(page)
            before, limit = page[-1].seq, min(limit * 4, 64)
        return None

    def team(self, member: MemberRecord) -> TeamView:
        children = self.store.children(member.member)
        shown = children[:TEAM_NAMES_SHOWN]
        found = self.store.get_members(shown) if shown else {}
        direct = tuple(
            Invitee(name, found[name].display_name if name in found else None) for name in shown
        )
        levels = self.plan.levels
        index = self.plan.team.level_index(member.team_volume) if self.plan.team else -1
        following = levels[index + 1] if index + 1 < len(levels) else None
        return TeamView(
            member=member,
            direct=direct,
            direct_count=len(children),
            level=member.level or (levels[index].name if index >= 0 else None),
            next_level=following.name if following else None,
            next_level_min=following.min if following else None,
            to_next_level=following.min - member.team_volume if following else None,
        )

    def history(
        self, member: MemberRecord, *, before_seq: int | None = None, limit: int = HISTORY_PAGE
    ) -> HistoryPage:
        """One page of the member's journal, newest first (seqs are contiguous from 1)."""
        newest = member.journal_seq
        start = newest + 1 if before_seq is None else max(1, min(before_seq, newest + 1))
        page = self.store.journal_page(member.member, limit=limit, before_seq=start)
        entries = tuple(_history_entry(member.member, entry) for entry in page)
        oldest_shown = entries[-1].seq if entries else start
        return HistoryPage(
            entries=entries,
            newer=min(start + limit, newest + 1) if start <= newest else None,
            older=oldest_shown if oldest_shown > 1 else None,
        )

    # -- withdrawals and transfers -------------------------------------------------
    def quote_withdrawal(self, member: MemberRecord, points: Cents) -> WithdrawalQuote:
        """The fee and net cash a withdrawal would get now (the same checks, nothing held)."""
        return decide_withdraw(
            self.plan,
            Withdraw(member.member, points),
            member=member.snapshot(),
            pool=self._pool(),
        )

    def withdraw(self, member: MemberRecord, points: Cents, key: str) -> WithdrawalResult:
        return self.ledger.request_withdrawal(Withdraw(member.member, points), key)

    def transfer(
        self, sender: MemberRecord, recipient: str, points: Cents, key: str
    ) -> TransferResult:
        if recipient == sender.member:
            raise Rejected(RejectCode.INVALID_EVENT, "a member cannot send points to themself")
        return self.ledger.transfer(Transfer(sender.member, recipient, points), key)

    # -- shop ------------------------------------------------------------------------
    def catalogue(self) -> tuple[Package, ...]:
        """The plan's tiers (each tier's minimum is a package), else the configured prices."""
        grant = self.plan.grant
        amounts: Sequence[Cents] = (
            [tier.min for tier in grant.tiers]
            if grant is not None and grant.tiers
            else self._flat_packages
        )
        packages = []
        for amount in amounts:
            if amount <= 0:
                continue
            points, tier = grant.points_for(amount) if grant is not None else (0, None)
            packages.append(Package(amount, points, tier))
        return tuple(packages)

    def package(self, amount: Cents) -> Package:
        for package in self.catalogue():
            if package.amount == amount:
                return package
        raise Rejected(RejectCode.INVALID_AMOUNT, "that package is not offered")

    def deduction_for(self, member: MemberRecord, amount: Cents) -> Cents:
        """The most points that may pay for ``amount`` now (0: no deduction offered).

        At least 0.01 is left to pay in cash, since an invoice cannot be free.
        """
        deduction = self.plan.deduction
        if deduction is None or member.frozen:
            return 0
        return max(0, min(member.available, mul_floor(amount, deduction.max_ratio), amount - 1))

    def check_order(
        self, member: MemberRecord | None, amount: Cents, points: Cents, cash: Cents
    ) -> None:
        """Pre-checkout: the package exists, the cash matches, the points may still pay."""
        if member is None:
            raise Rejected(RejectCode.UNKNOWN_MEMBER, "not a member")
        self.package(amount)
        if points < 0 or cash != amount - points or cash <= 0:
            raise Rejected(RejectCode.INVALID_AMOUNT, "the invoice does not match the package")
        decide_purchase(
            self.plan,
            Purchase(member.member, "checkout", amount, points),
            buyer=member.snapshot(),
            order_exists=False,
            ancestors=(),
        )

    def pay(self, member: MemberRecord, amount: Cents, points: Cents, charge_id: str) -> Payment:
        """Record a paid invoice once (the charge id is order id and idempotency key).

        The cash is already taken, so it is always recorded: if the points can no
        longer pay (spent or frozen since checkout), the order is the cash alone,
        which grants exactly what the cash grants either way.
        """
        try:
            result = self.ledger.purchase(
                Purchase(member.member, charge_id, amount, points), charge_id
            )
            return Payment(result)
        except Rejected as exc:
            refusable = {
                RejectCode.DEDUCTION_LIMIT,
                RejectCode.FROZEN,
                RejectCode.INSUFFICIENT_POINTS,
            }
            if points <= 0 or exc.code not in refusable:
                raise
            result = self.ledger.purchase(
                Purchase(member.member, charge_id, amount - points, 0), charge_id
            )
            return Payment(result, exc.code)

    # -- operators ------------------------------------------------------------------
    def pending_withdrawals(self, limit: int = 10) -> list[WithdrawalRecord]:
        return self.store.withdrawals("pending", limit=limit)

    def decide_withdrawal(
        self, request_id: str, *, approve: bool, operator: str
    ) -> tuple[WithdrawalResult, MemberRecord | None]:
        """Approve or reject; returns the result and the member to notify."""
        result = self.ledger.decide_withdrawal(request_id, approve=approve, operator=operator)
        return result, self.store.get_member(result.member)

    def set_frozen(
        self, member: MemberRecord, frozen: bool, key: str, operator: str
    ) -> FreezeResult:
        return self.ledger.set_frozen(member.member, frozen, key, operator=operator)

    def adjust(
        self, member: MemberRecord, delta: Cents, reason: str, key: str, operator: str
    ) -> AdjustmentResult:
        return self.ledger.adjust(member.member, delta, reason.strip(), key, operator=operator)


def _breakdown(details: dict[str, Any]) -> SettlementBreakdown:
    def cents(name: str) -> Cents:
        value = details.get(name, "0")
        return parse_cents(value) if isinstance(value, str) else 0

    share = details.get("share", [])
    return SettlementBreakdown(
        date=str(details.get("date", "")),
        static=cents("static"),
        share=tuple(parse_cents(part) for part in share if isinstance(part, str)),
        team=cents("team"),
        peer=cents("peer"),
        paid=cents("paid"),
        forfeited=cents("forfeited"),
    )


def _history_entry(member: str, entry: JournalEntry) -> HistoryEntry:
    moved = {Bucket.AVAILABLE: 0, Bucket.LOCKED: 0, Bucket.WITHDRAWING: 0}
    for posting in decode_postings(entry.postings):
        if posting.owner == member and posting.bucket in moved:
            moved[posting.bucket] += posting.amount
    details = json.loads(entry.details)
    return HistoryEntry(
        seq=entry.seq,
        kind=entry.kind,
        at_us=entry.at,
        available=moved[Bucket.AVAILABLE],
        locked=moved[Bucket.LOCKED],
        withdrawing=moved[Bucket.WITHDRAWING],
        details=details if isinstance(details, dict) else {},
    )
