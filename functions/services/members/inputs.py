"""What members type and what identifies them: member ids, invite codes, phones, points.

Pure functions over plain text (no store): the bot checks input with them before
any service call, and the services again before anything is written.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from functions.rewards.errors import RejectCode, Rejected
from functions.rewards.money import Cents, parse_cents

MEMBER_PREFIX = "tg"
"""Member ids of bot registrations are ``tg<telegram user id>``: stable and collision-free."""
INVITE_CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram allows in a ``/start`` deep-link payload, and so what an invite code may be."""
INVITE_CODE_BYTES = 9
"""72 random bits → 12 URL-safe characters: unguessable, short enough to type."""
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
