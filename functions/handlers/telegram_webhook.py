"""Lambda entry point of the Telegram webhook (API Gateway HTTP API v2 → PTB → services).

Per request: the ``X-Telegram-Bot-Api-Secret-Token`` header is compared in
constant time with the configured secret (wrong or missing: 403, nothing
read or written); the body's ``update_id`` is claimed once in the table
(a redelivery: 200, not applied again); the update goes through
``Application.process_update``. Anything processed or deliberately ignored
(malformed, duplicate) answers 200 so Telegram stops retrying; only an
unexpected failure, or a handler asking for it (a payment it could not record
yet), answers 500, after releasing the claim so Telegram's retry runs.

PTB is asyncio and its HTTP client belongs to the event loop that opened it,
so the container keeps **one** loop for its whole life: the Application is
built and initialized on it once (on the first authentic request) and every
warm invocation runs ``process_update`` on that same loop — never
``asyncio.run`` per call, which would close the loop under PTB's client.

Imports are deliberately light: PTB, pydantic and the store load on the first
authentic request, so a cold container answers a forged request without
loading them (and ``bench/webhook.py`` holds the module's import to budget).
Where the init phase runs ahead of any request (provisioned concurrency,
SnapStart), the heavy modules are imported during init instead, since then
nobody waits for them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import importlib
import json
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from bot.application import JifenApplication
    from functions.config import BotSettings
    from functions.store.bot_store import BotStore

SECRET_HEADER = "x-telegram-bot-api-secret-token"
SECRET_MAX_AGE_S = 300
"""How long a secret read from SSM is trusted before it is read again (rotation)."""

LOGGER = Logger()
"""Structured logs with the invocation's request id (Powertools; cheap to import)."""
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_runtime: _Runtime | None = None
_settings: BotSettings | None = None


AHEAD_OF_TIME_INITIALIZATION = frozenset({"provisioned-concurrency", "snap-start"})
HEAVY_MODULES = ("bot.application", "functions.services.runtime", "telegram")


@dataclass(slots=True)
class _Runtime:
    """What a container builds once: the initialized Application and the dedupe store."""

    application: JifenApplication
    bot_store: BotStore


def __getattr__(name: str) -> Any:
    """``SETTINGS``: the settings classes this entry point reads (loaded on demand)."""
    if name == "SETTINGS":
        from functions.config import BotSettings, ChainKeySettings, PlanSettings, StoreSettings

        table: dict[str, tuple[type[BaseSettings], ...]] = {
            "handler": (StoreSettings, PlanSettings, BotSettings, ChainKeySettings)
        }
        return table
    raise AttributeError(name)


@LOGGER.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """One webhook call: authenticate, dedupe, process; 200 unless something broke."""
    if not _authentic(event):
        return _response(403, "forbidden")
    update = _update_of(event)
    if update is None:
        return _response(200, "ignored")
    runtime = _runtime_once()
    update_id = int(update["update_id"])
    if not runtime.bot_store.claim_update(update_id):
        LOGGER.info("update %s already processed; acknowledged again", update_id)
        return _response(200, "duplicate")
    try:
        _event_loop().run_until_complete(_process(runtime.application, update))
    except Exception:
        LOGGER.exception("update %s failed; released for Telegram's retry", update_id)
        runtime.bot_store.release_update(update_id)
        return _response(500, "error")
    return _response(200, "ok")


class RetryRequested(Exception):
    """A handler could not finish work that must not be lost; Telegram should redeliver."""


async def _process(application: JifenApplication, data: dict[str, Any]) -> None:
    from telegram import Update

    from bot.context import retry_requested

    update = Update.de_json(data, application.bot)
    await application.process_update(update)
    if retry_requested(application.bot_data, update.update_id):
        raise RetryRequested(f"update {update.update_id}")


def _response(status: int, outcome: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"outcome": outcome}),
    }


# -- authentication and parsing ---------------------------------------------------


def _authentic(event: dict[str, Any]) -> bool:
    """Constant-time comparison of the secret header; no secret configured refuses all."""
    headers = event.get("headers") or {}
    sent = next(
        (value for key, value in headers.items() if key.lower() == SECRET_HEADER),
        None,
    )
    expected = _webhook_secret()
    if not expected:
        LOGGER.error("no webhook secret configured; refusing every request")
        return False
    if not isinstance(sent, str):
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def _update_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The update object in the body, or None for anything that is not one (logged)."""
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        data = json.loads(body)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        LOGGER.warning("webhook body is not JSON; ignored")
        return None
    if not isinstance(data, dict):
        LOGGER.warning("webhook body is not an object; ignored")
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        LOGGER.warning("webhook body has no update_id; ignored")
        return None
    return data


# -- settings and secrets ----------------------------------------------------------


def _bot_settings() -> BotSettings:
    global _settings
    if _settings is None:
        from functions.config import BotSettings

        _settings = BotSettings()
    return _settings


def _secret(direct: Any, parameter: str | None) -> str | None:
    """An SSM SecureString (cached by Powertools) when named, else the direct value."""
    if parameter:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_parameter(parameter, decrypt=True, max_age=SECRET_MAX_AGE_S)
        return value if isinstance(value, str) and value else None
    return str(direct.get_secret_value()) if direct is not None else None


def _webhook_secret() -> str | None:
    settings = _bot_settings()
    return _secret(settings.webhook_secret, settings.webhook_secret_param)


def resolved_settings(settings: BotSettings) -> BotSettings:
    """``settings`` with the bot and payment tokens read (from SSM where named)."""
    from pydantic import SecretStr

    token = _secret(settings.bot_token, settings.bot_token_param)
    provider = _secret(settings.payment_provider_token, settings.payment_provider_token_param)
    return settings.model_copy(
        update={
            "bot_token": SecretStr(token) if token else None,
            "payment_provider_token": SecretStr(provider) if provider else None,
        }
    )


# -- the container's one loop and one Application -------------------------------------


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


def _runtime_once() -> _Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = _build()
        return _runtime


def _build() -> _Runtime:
    from bot.application import build_application
    from functions.config import REPO_ROOT, PlanSettings, StoreSettings
    from functions.services.runtime import load_configured_plan, open_ledger, open_store
    from functions.store.bot_store import BotStore

    plan_settings = PlanSettings()
    if not plan_settings.plan_path.is_absolute():  # relative: inside the deployed package
        plan_settings = PlanSettings(plan_path=REPO_ROOT / plan_settings.plan_path)
    ledger = open_ledger(
        plan=load_configured_plan(plan_settings), store=open_store(StoreSettings())
    )
    bot_store = BotStore(ledger.store)
    application = build_application(ledger, resolved_settings(_bot_settings()), bot_store=bot_store)
    _event_loop().run_until_complete(application.initialize())
    return _Runtime(application, bot_store)


def reset() -> None:
    """Shut the Application down and forget settings (tests switch servers and tables)."""
    global _runtime, _settings
    with _lock:
        runtime, _runtime, _settings = _runtime, None, None
    if runtime is not None:
        _event_loop().run_until_complete(runtime.application.shutdown())


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in AHEAD_OF_TIME_INITIALIZATION:
    for _module in HEAVY_MODULES:  # nobody is waiting yet: pay the imports now
        importlib.import_module(_module)
