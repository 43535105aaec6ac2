"""The Bot API calls the web side makes: ``createInvoiceLink`` for the Mini App's shop.

The invoice is the bot's own (same payload ``buy:<amount>:<points>`` in hundredths,
same currency, same texts), so the bot's pre-checkout and successful-payment handlers
check and record it exactly as they do an invoice sent in chat: one purchase per
Telegram charge id, whichever surface opened it.
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.texts import t as bot_t

TIMEOUT_S = 8.0
CURRENCY = "CNY"
"""The bot's Payments currency (``bot.context.CURRENCY``; a test keeps them equal without
importing python-telegram-bot into the web function)."""


class BotApiError(RuntimeError):
    """Telegram refused or did not answer; nothing was created."""


def invoice_payload(amount: int, points: int) -> str:
    """What the bot's payment handlers parse back (``bot/handlers/shop.py: PAYLOAD``)."""
    return f"buy:{amount}:{points}"


def invoice_request(
    language: str, amount: int, points: int, granted: int, provider_token: str
) -> dict[str, Any]:
    """``createInvoiceLink``'s parameters, worded by the bot's catalogs."""
    cash = amount - points
    description_key = "shop.invoice_points" if points else "shop.invoice_cash"
    return {
        "title": bot_t(language, "shop.invoice_title", amount=amount)[:32],
        "description": bot_t(
            language, description_key, amount=amount, points=points, cash=cash, granted=granted
        )[:255],
        "payload": invoice_payload(amount, points),
        "provider_token": provider_token,
        "currency": CURRENCY,
        "prices": [{"label": bot_t(language, "shop.price_label"), "amount": cash}],
    }


def create_invoice_link(
    token: str, api_url: str, request: dict[str, Any], *, client: httpx.Client | None = None
) -> str:
    """The ``t.me/$…`` link the Mini App opens with ``Telegram.WebApp.openInvoice``."""
    url = f"{api_url.rstrip('/')}/bot{token}/createInvoiceLink"
    owned = client is None
    http = client or httpx.Client(timeout=TIMEOUT_S)
    try:
        response = http.post(url, json=request)
    except httpx.HTTPError as exc:
        raise BotApiError(type(exc).__name__) from None
    finally:
        if owned:
            http.close()
    try:
        body = response.json()
    except ValueError:
        body = {}
    result = body.get("result") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(result, str):
        description = body.get("description") if isinstance(body, dict) else None
        raise BotApiError(f"{response.status_code}: {str(description or '')[:200]}")
    return result
