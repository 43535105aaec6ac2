"""The Telegram Bot API's ``sendMessage`` over httpx, and what its answers mean for a sender.

Split from :mod:`functions.services.notifications` (which decides what to send and
when): the outcomes here say whether a message certainly went out, certainly did
not, was refused for good, or may have gone out unanswered.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

SEND_TIMEOUT_S = 10.0
"""The longest one Telegram request may take; no send starts with less time left."""


class TelegramError(Exception):
    """Base of the send outcomes other than success."""


class RetryAfter(TelegramError):
    """429: wait ``seconds`` before sending again (nothing was delivered)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"flood control: retry after {seconds}s")
        self.seconds = seconds


class Undeliverable(TelegramError):
    """Telegram refused for good (403 blocked, 400 chat not found): never retry."""


class NotSent(TelegramError):
    """Certainly not delivered (connection refused, 5xx, token refused): retry later."""


class DeliveryUnknown(TelegramError):
    """The request may have reached Telegram but no answer came back."""


class MessageSender(Protocol):
    def send_message(self, chat_id: int, text: str) -> int | None:
        """Send plain text to ``chat_id``; the new message's id, or raise a TelegramError."""
        ...


_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_PARTIAL_WRITE_ERRORS = (httpx.WriteError, httpx.WriteTimeout)
"""A request whose body was not fully written is not processed by the server."""


class TelegramBotApi:
    """``sendMessage`` over HTTP (httpx); the token never appears in errors or logs."""

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.telegram.org",
        *,
        client: httpx.Client | None = None,
        timeout_s: float = SEND_TIMEOUT_S,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(3.0, timeout_s))
        )

    def close(self) -> None:
        self._client.close()

    def send_message(self, chat_id: int, text: str) -> int | None:
        payload = {
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": {"is_disabled": True},
        }
        try:
            response = self._client.post(self._url, json=payload)
        except (*_NOT_SENT_ERRORS, *_PARTIAL_WRITE_ERRORS) as exc:
            raise NotSent(type(exc).__name__) from None
        except httpx.TransportError as exc:
            raise DeliveryUnknown(type(exc).__name__) from None
        body = _json_object(response)
        if response.status_code == 200:
            result = body.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return message_id if isinstance(message_id, int) else None
        description = str(body.get("description") or response.reason_phrase)[:200]
        parameters = body.get("parameters")
        if response.status_code == 429:
            retry = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise RetryAfter(retry if isinstance(retry, int) and retry > 0 else 1)
        if response.status_code in (400, 403):
            raise Undeliverable(f"{response.status_code}: {description}")
        raise NotSent(f"{response.status_code}: {description}")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
