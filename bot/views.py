"""Small presentation helpers shared by several screens: dates, short numbers, names.

Stored values never change for display: a withdrawal keeps its 20-hex request id in the
table and the callback data; members and operators read the short number
(:func:`short_request`), which is its first eight characters.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.texts import known, t
from functions.store.bot_store import PayoutAccount
from functions.store.records import MemberRecord

SHORT_REQUEST_CHARS = 8
"""32 bits of the request id: unambiguous among one member's requests, short to read out."""


def short_request(request_id: str) -> str:
    """``W-1A2B3C4D``: how a withdrawal request is named on screens."""
    return "W-" + request_id[:SHORT_REQUEST_CHARS].upper()


def when(at_us: int, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(at_us / 1_000_000, zone).strftime("%Y-%m-%d %H:%M")


def day(at_us: int, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(at_us / 1_000_000, zone).strftime("%Y-%m-%d")


def name_of(language: str, member: MemberRecord | None, fallback: str | None = None) -> str:
    """A member as other members see them: display name, never a phone or an id."""
    if member is not None and member.display_name:
        return member.display_name
    return fallback or t(language, "someone")


def masked_phone(phone: str | None) -> str:
    """``+86 138****0001``: enough for an operator to match a caller, not to dial."""
    if not phone:
        return "-"
    if len(phone) <= 7:
        return phone[:2] + "****"
    return phone[:-8] + "****" + phone[-4:]


def account_text(language: str, account: PayoutAccount | None) -> str:
    """``Bank card ···· 7890 (Zhang San)``, or "none yet"."""
    if account is None:
        return t(language, "payout.none")
    method = t(language, f"payout.method.{account.method}")
    return t(language, "payout.account", method=method, number=account.masked, name=account.name)


def level_name(language: str, level: str | None) -> str:
    """A team level as the catalogs translate it (a plan's own names fall back to themselves)."""
    if level is None:
        return t(language, "team.no_level")
    return known(language, f"level.{level}") or level
