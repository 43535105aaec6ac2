"""Lambda entry point of the Telegram webhook (API Gateway HTTP API v2 → PTB → services).

Per request: the ``X-Telegram-Bot-Api-Secret-Token`` header is compared in
constant time with the configured secret (wrong or missing: 403, nothing
read or written); the update goes through ``Application.process_update``
under a **lease** on its ``update_id`` (Powertools idempotency on the single
table): the lease is taken *in progress* until a little after this
invocation's own deadline and becomes *completed* only once the update was
fully processed. A redelivery of a completed update answers 200
``duplicate``; one that finds the lease still held answers 500
``in_progress`` (Telegram tries again later); one that finds it expired —
the invocation holding it was killed — runs the update again, and the
ledger's own keys (charge id, update id) keep that exactly-once. Anything
processed or deliberately ignored (malformed, duplicate) answers 200 so
Telegram stops retrying; an unexpected failure, or a handler asking for it
(a payment it could not record yet), answers 500 after the lease is released
(deleted) so Telegram's retry runs; if even the release fails, the lease's
expiry lets the retry run.

PTB is asyncio and its HTTP client belongs to the event loop that opened it,
so the container keeps **one** loop for its whole life: the Application is
built and initialized on it once (on the first authentic request) and every
warm invocation runs ``process_update`` on that same loop — never
``asyncio.run`` per call, which would close the loop under PTB's client.

Imports are deliberately light: PTB, the store and Powertools' idempotency
utility (boto3) load on the first authentic request, so a cold container
answers a forged request without loading them (and ``bench/webhook.py`` holds
the module's import to budget). :func:`handler` is the container's entry: it
takes the container's runtime (:func:`functions.runtime.container_runtime`)
and delegates to :func:`handle`, which tests and local tooling call with a
runtime of their own; what the webhook builds (the Application, the lease) is
kept per runtime and shut down by ``runtime.close()``.
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from pydantic_settings import BaseSettings

    from bot.application import JifenApplication
    from functions.runtime import Runtime
    from functions.store.bot_store import BotStore
    from functions.store.table import Table

SECRET_HEADER = "x-telegram-bot-api-secret-token"

LEASE_PK = "WEBHOOK#updates"
"""Partition of every update lease (Powertools needs one static ``pk`` on a pk/sk table)."""
LEASE_PREFIX = "tg-update"
"""Sort keys are ``tg-update#<md5 hex of the update_id in decimal>`` (Powertools' key)."""
LEASE_MARGIN_MS = 2_000
"""How long a lease outlives its invocation's deadline: clock skew between containers."""
DEFAULT_TIMEOUT_MS = 25_000
"""The template's timeout, for a context that cannot say how much time is left."""
UPDATE_LEASE_TTL_S = 7 * 24 * 3600
"""How long a completed update is remembered (Telegram gives up within a day)."""

LOGGER = Logger()
"""Structured logs with the invocation's request id (Powertools; cheap to import)."""
_loop: asyncio.AbstractEventLoop | None = None
"""The process's one event loop (PTB's HTTP client belongs to the loop that opened it)."""


AHEAD_OF_TIME_INITIALIZATION = frozenset({"provisioned-concurrency", "snap-start"})
HEAVY_MODULES = (
    "bot.application",
    "functions.runtime",
    "functions.services.ledger",
    "telegram",
    "aws_lambda_powertools.utilities.idempotency",
)


@dataclass(slots=True)
class Webhook:
    """What a runtime builds once for the webhook: the Application, the bot's store and
    the leased apply."""

    application: JifenApplication
    bot_store: BotStore
    lease_config: IdempotencyConfig
    apply: Callable[..., Any]
    """``apply(update=..., deadline_s=..., ran=[])``: process one update under its lease."""


class _Deadline:
    """What Powertools reads of the Lambda context: time left, plus :data:`LEASE_MARGIN_MS`.

    The in-progress lease is stamped ``now + remaining``, so it ends a little
    after the invocation's own deadline (Lambda has stopped it by then).
    """

    def __init__(self, context: object) -> None:
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        left_ms = remaining() if callable(remaining) else DEFAULT_TIMEOUT_MS
        self.deadline_s = time.time() + int(left_ms) / 1000

    def get_remaining_time_in_millis(self) -> int:
        left_s = self.deadline_s - time.time()
        return max(0, int(left_s * 1000)) + LEASE_MARGIN_MS


def __getattr__(name: str) -> Any:
    """``SETTINGS``: the settings classes this entry point reads (loaded on demand)."""
    if name == "SETTINGS":
        from functions.config import (
            BotSettings,
            ChainKeySettings,
            PlanSettings,
            ScheduleSettings,
            StoreSettings,
        )

        table: dict[str, tuple[type[BaseSettings], ...]] = {
            "handler": (
                StoreSettings,
                PlanSettings,
                BotSettings,
                ChainKeySettings,
                ScheduleSettings,
            )
        }
        return table
    raise AttributeError(name)


@LOGGER.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """The HTTP API's entry (see :func:`handle`)."""
    from functions.runtime import container_runtime

    return handle(container_runtime(), event, context)


def handle(runtime: Runtime, event: dict[str, Any], context: object) -> dict[str, Any]:
    """One webhook call: authenticate, lease, process; 200 unless something broke."""
    if not _authentic(runtime, event):
        return _response(403, "forbidden")
    update = _update_of(event)
    if update is None:
        return _response(200, "ignored")
    webhook = webhook_of(runtime)
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    update_id = int(update["update_id"])
    deadline = _Deadline(context)
    webhook.lease_config.register_lambda_context(deadline)  # type: ignore[arg-type]
    ran: list[int] = []
    try:
        webhook.apply(update=update, deadline_s=deadline.deadline_s, ran=ran)
    except IdempotencyAlreadyInProgressError:
        LOGGER.info("update %s is being processed elsewhere; Telegram will retry", update_id)
        return _response(500, "in_progress")
    except Exception:
        LOGGER.exception("update %s failed; lease released (or expiring) for a retry", update_id)
        return _response(500, "error")
    if not ran:
        LOGGER.info("update %s already processed; acknowledged again", update_id)
        return _response(200, "duplicate")
    return _response(200, "ok")


class RetryRequested(Exception):
    """A handler could not finish work that must not be lost; Telegram should redeliver."""


async def _process(application: JifenApplication, data: dict[str, Any], deadline_s: float) -> None:
    from telegram import Update

    from bot.context import DEADLINE_KEY, retry_requested

    update = Update.de_json(data, application.bot)
    application.bot_data[DEADLINE_KEY] = deadline_s
    try:
        await application.process_update(update)
    finally:
        application.bot_data.pop(DEADLINE_KEY, None)
    if retry_requested(application.bot_data, update.update_id):
        raise RetryRequested(f"update {update.update_id}")


def _leased_apply(
    application: JifenApplication, table: Table
) -> tuple[Callable[..., Any], IdempotencyConfig]:
    """The update processor wrapped in Powertools' idempotency, on the ledger's table.

    Keyed by ``update_id`` alone; the record is ``INPROGRESS`` until the
    deadline registered per invocation (plus the margin), ``COMPLETED`` for
    :data:`UPDATE_LEASE_TTL_S` after success, deleted when processing raised.
    """
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from functions.store.dynamodb_table import DynamoTable

    if not isinstance(table, DynamoTable):
        raise TypeError("the webhook's update leases need the DynamoDB table")
    persistence = DynamoDBPersistenceLayer(
        table_name=table.name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=LEASE_PK,
        expiry_attr="expires_at",
        boto3_client=table.client,
    )
    config = IdempotencyConfig(
        event_key_jmespath="update_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=UPDATE_LEASE_TTL_S,
    )

    def apply(*, update: dict[str, Any], deadline_s: float, ran: list[int]) -> dict[str, Any]:
        ran.append(update["update_id"])
        _event_loop().run_until_complete(_process(application, update, deadline_s))
        return {"update_id": update["update_id"]}

    leased: Callable[..., Any] = idempotent_function(
        apply,
        data_keyword_argument="update",
        persistence_store=persistence,
        config=config,
        key_prefix=LEASE_PREFIX,
    )
    return leased, config


def _response(status: int, outcome: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"outcome": outcome}),
    }


# -- authentication and parsing ---------------------------------------------------


def _authentic(runtime: Runtime, event: dict[str, Any]) -> bool:
    """Constant-time comparison of the secret header; no secret configured refuses all.

    The secret comes from SSM when ``JIFEN_WEBHOOK_SECRET_PARAM`` names it (cached
    for a few minutes, so a rotated secret arrives without a redeploy).
    """
    headers = event.get("headers") or {}
    sent = next(
        (value for key, value in headers.items() if key.lower() == SECRET_HEADER),
        None,
    )
    bot = runtime.settings.bot
    try:
        expected = runtime.secret_or(bot.webhook_secret, bot.webhook_secret_param)
    except ValueError:  # the parameter is empty: as good as no secret
        expected = None
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


# -- the process's one loop, and what a runtime builds once ---------------------------


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


def webhook_of(runtime: Runtime) -> Webhook:
    """What ``runtime`` built for the webhook, building it on the first authentic request."""
    return runtime.memo("telegram_webhook", lambda: _build(runtime))


def _build(runtime: Runtime) -> Webhook:
    from bot.application import build_application

    application = build_application(
        runtime.ledger, runtime.bot_settings(), bot_store=runtime.bot_store, proofs=runtime.proofs
    )
    apply, config = _leased_apply(application, runtime.stores.table)
    _event_loop().run_until_complete(application.initialize())
    runtime.on_close(lambda: _event_loop().run_until_complete(application.shutdown()))
    return Webhook(application, runtime.bot_store, config, apply)


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in AHEAD_OF_TIME_INITIALIZATION:
    for _module in HEAVY_MODULES:  # nobody is waiting yet: pay the imports now
        importlib.import_module(_module)
