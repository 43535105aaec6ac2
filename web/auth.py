"""Who is asking: Telegram's signed sign-in data, our signed sessions, CSRF tokens.

Pure functions and small classes over bytes and clocks; nothing here reads a store.

* **Mini App** (`initData`): Telegram signs the launch data with a key derived from
  the bot token (``HMAC_SHA256(key="WebAppData", msg=token)``); we recompute the hash
  over the sorted ``key=value`` lines and refuse anything older than the freshness
  window. The caller spends the hash once (:class:`~functions.store.web_store.WebStore`),
  so a captured payload opens no second session.
* **Login Widget** (browser console): the same family, keyed by ``SHA256(token)``.
* **Sessions**: ``<payload>.<mac>``, both base64url, the MAC an HMAC-SHA256 under the
  session key. A session names a Telegram user, an audience (``member`` or
  ``operator``) and its expiry; a forged or stale one reads as no session at all.
* **CSRF**: every state change carries ``HMAC(key, "csrf" | session id)``, which a
  cross-site page cannot know; it is checked in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

MAX_INIT_DATA = 4096
"""Telegram's initData is a few hundred bytes; anything far larger is refused unread."""
FUTURE_SKEW_S = 60
"""A signed time this far ahead of our clock is still accepted (clocks drift)."""


class AuthError(Exception):
    """Sign-in refused; ``code`` is stable (``malformed``, ``bad_signature``, ``expired``...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Audience(StrEnum):
    MEMBER = "member"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """A Telegram user whose signed data checked out."""

    telegram_id: int
    first_name: str
    username: str | None
    language_code: str | None
    auth_date: int
    digest: str
    """SHA-256 of the signed hash: the key under which the payload is spent once."""


def _digest(hash_hex: str) -> str:
    return hashlib.sha256(hash_hex.encode("ascii", "replace")).hexdigest()


def data_check_string(fields: Mapping[str, str]) -> str:
    """Every field but ``hash``, sorted by name, as ``name=value`` lines."""
    return "\n".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "hash")


def init_data_secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def login_secret(bot_token: str) -> bytes:
    return hashlib.sha256(bot_token.encode()).digest()


def sign_fields(fields: Mapping[str, str], secret: bytes) -> str:
    """The hash Telegram puts beside ``fields`` (hex HMAC-SHA256 of the check string)."""
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def _fresh(auth_date: str | None, now_s: int, max_age_s: int) -> int:
    if auth_date is None or not auth_date.isdigit() or len(auth_date) > 12:
        raise AuthError("malformed", "auth_date is missing or not a number")
    stamp = int(auth_date)
    if stamp > now_s + FUTURE_SKEW_S:
        raise AuthError("expired", "auth_date is in the future")
    if now_s - stamp > max_age_s:
        raise AuthError("expired", "the sign-in data is too old; open the app again")
    return stamp


def _checked(fields: Mapping[str, str], secret: bytes) -> str:
    given = fields.get("hash", "")
    if len(given) != 64:
        raise AuthError("malformed", "no hash")
    if not hmac.compare_digest(sign_fields(fields, secret), given.lower()):
        raise AuthError("bad_signature", "the signature does not match")
    return given.lower()


def check_init_data(raw: str, bot_token: str, *, now_s: int, max_age_s: int) -> TelegramIdentity:
    """The Mini App user, if ``raw`` (``Telegram.WebApp.initData``) is Telegram's and fresh."""
    if not raw or len(raw) > MAX_INIT_DATA:
        raise AuthError("malformed", "no initData")
    pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise AuthError("malformed", "a field appears twice")
    signed = _checked(fields, init_data_secret(bot_token))
    stamp = _fresh(fields.get("auth_date"), now_s, max_age_s)
    try:
        user: Any = json.loads(fields.get("user", ""))
    except ValueError:
        raise AuthError("malformed", "user is not JSON") from None
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise AuthError("malformed", "no user in initData")
    return TelegramIdentity(
        telegram_id=int(user["id"]),
        first_name=str(user.get("first_name") or ""),
        username=user.get("username") if isinstance(user.get("username"), str) else None,
        language_code=(
            user.get("language_code") if isinstance(user.get("language_code"), str) else None
        ),
        auth_date=stamp,
        digest=_digest(signed),
    )


LOGIN_FIELDS = frozenset({"id", "first_name", "last_name", "username", "photo_url", "auth_date"})


def check_login(
    given: Mapping[str, str], bot_token: str, *, now_s: int, max_age_s: int
) -> TelegramIdentity:
    """The Login Widget's user, if its answer (query parameters) is Telegram's and fresh."""
    fields = {name: value for name, value in given.items() if name in LOGIN_FIELDS | {"hash"}}
    signed = _checked(fields, login_secret(bot_token))
    stamp = _fresh(fields.get("auth_date"), now_s, max_age_s)
    raw_id = fields.get("id", "")
    if not raw_id.isdigit() or len(raw_id) > 20:
        raise AuthError("malformed", "no user id")
    return TelegramIdentity(
        telegram_id=int(raw_id),
        first_name=fields.get("first_name", ""),
        username=fields.get("username"),
        language_code=None,
        auth_date=stamp,
        digest=_digest(signed),
    )


# -- sessions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    telegram_id: int
    audience: Audience
    issued_at: int
    expires_at: int
    sid: str
    language: str | None = None
    in_telegram: bool = False
    """Opened from Telegram (Mini App): the cookie must work inside Telegram's web frame."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Signs and reads session tokens and their CSRF tokens under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the session key must be at least 32 bytes")
        self._key = key

    def _mac(self, purpose: str, text: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}|{text}".encode(), hashlib.sha256).digest())

    def issue(
        self,
        telegram_id: int,
        audience: Audience,
        *,
        now_s: int,
        ttl_s: int,
        language: str | None = None,
        in_telegram: bool = False,
    ) -> tuple[str, Session]:
        session = Session(
            telegram_id,
            audience,
            now_s,
            now_s + ttl_s,
            secrets.token_urlsafe(12),
            language,
            in_telegram,
        )
        payload = _b64(
            json.dumps(
                {
                    "t": session.telegram_id,
                    "a": session.audience.value,
                    "i": session.issued_at,
                    "e": session.expires_at,
                    "s": session.sid,
                    "l": session.language,
                    "g": session.in_telegram,
                },
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{self._mac('session', payload)}", session

    def read(self, token: str | None, *, now_s: int) -> Session | None:
        """The session ``token`` holds, or None (absent, forged, malformed or expired)."""
        if not token or len(token) > 1024 or token.count(".") != 1:
            return None
        payload, mac = token.split(".")
        if not hmac.compare_digest(self._mac("session", payload), mac):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(
                int(data["t"]),
                Audience(data["a"]),
                int(data["i"]),
                int(data["e"]),
                str(data["s"]),
                data.get("l") if isinstance(data.get("l"), str) else None,
                data.get("g") is True,
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return session if session.expires_at > now_s else None

    def csrf_token(self, session: Session) -> str:
        return self._mac("csrf", session.sid)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session), str(token))
