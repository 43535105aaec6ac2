"""Telegram's signed sign-in data made locally: Mini App ``initData`` and Login Widget answers.

Only ``jifen dev`` and the tests use these (``local/`` never ships): they sign with the
bot token the local stack runs with, which is exactly what Telegram does with the real
one. A deployed stack cannot be signed into this way without the real token (kept in
SSM), and serves no ``/dev`` routes (``tests/unit/test_web_security.py``).
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from web.auth import init_data_secret, login_secret, sign_fields


def mint_init_data(
    bot_token: str,
    telegram_id: int,
    *,
    auth_date: int,
    first_name: str = "Dev",
    language_code: str | None = None,
    username: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """``Telegram.WebApp.initData`` for ``telegram_id``, signed as Telegram signs it."""
    user: dict[str, Any] = {"id": telegram_id, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    if username:
        user["username"] = username
    fields = {
        "auth_date": str(auth_date),
        # unique per launch, as Telegram's: two launches in one second are two sign-ins
        # (the web side spends each initData once)
        "query_id": f"dev-{telegram_id}-{auth_date}-{secrets.token_hex(6)}",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **(extra or {}),
    }
    fields["hash"] = sign_fields(fields, init_data_secret(bot_token))
    return urlencode(fields)


def mint_login(
    bot_token: str, telegram_id: int, *, auth_date: int, first_name: str = "Operator"
) -> dict[str, str]:
    """The Login Widget's answer for ``telegram_id`` (the callback's query parameters)."""
    fields = {"id": str(telegram_id), "first_name": first_name, "auth_date": str(auth_date)}
    fields["hash"] = sign_fields(fields, login_secret(bot_token))
    return fields
