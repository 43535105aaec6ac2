"""Lambda entry point of the notification sender (SQS, ReportBatchItemFailures).

Each record's body is one notice (``{"kind": "settlement", ...}`` or
``{"kind": "withdrawal", ...}``, :mod:`functions.services.notifications`).
Records are sent one after another under Telegram's limits; the answer lists
only the records to redeliver:

* sent, already sent, or nothing to send (no such member, no Telegram chat,
  an empty statement, a chat that blocked the bot) — done;
* not sent for now (Telegram failed or asked to wait longer than this
  invocation has left, or the rate limit leaves no time) — reported failed,
  SQS redelivers it after the visibility timeout;
* a body that is not a notice — reported failed, so it ends in the
  dead-letter queue for an operator instead of vanishing.

The rate limiter lives for the container, so consecutive invocations share
it. It limits one container: the overall limit holds across the fleet when
``JIFEN_NOTIFY_MESSAGES_PER_S`` × the queue's maximum concurrency stays under
Telegram's ~30/s (the template runs two senders at 12/s each). The function's
timeout must stay below ``CLAIM_LEASE_S`` (120 s), and the queue's visibility
timeout well above the function's.
"""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json
from pydantic_settings import BaseSettings

from functions.config import NotificationSettings, StoreSettings
from functions.observability import logger, metrics, tracer
from functions.services.notifications import (
    NS_PER_S,
    Notice,
    Notifier,
    Outcome,
    RateLimiter,
    RetryLater,
    TelegramBotApi,
)

from . import _runtime

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (StoreSettings, NotificationSettings),
}
"""The settings each entry point reads (template.yaml must set their variables)."""

SAFETY_MARGIN_NS = 2 * NS_PER_S
"""Time kept back at the end of an invocation to record outcomes and answer."""


METRIC_NAMES: dict[str, str] = {
    Outcome.SENT: "NotificationsSent",
    Outcome.DUPLICATE: "NotificationsDuplicate",
    Outcome.NO_CHAT: "NotificationsNoChat",
    Outcome.UNKNOWN_MEMBER: "NotificationsUnknownMember",
    Outcome.EMPTY: "NotificationsEmpty",
    Outcome.UNDELIVERABLE: "NotificationsUndeliverable",
    Outcome.UNCONFIRMED: "NotificationsUnconfirmed",
    Outcome.ABANDONED: "NotificationsAbandoned",
    "deferred": "NotificationsDeferred",
}


class NotificationRecord(SqsRecordModel):
    body: Json[Notice]


_lock = threading.Lock()
_notifier: tuple[str, Notifier] | None = None
_limiter: RateLimiter | None = None


def _bot_token(config: NotificationSettings) -> str:
    if config.bot_token_param:
        return _runtime.secret(config.bot_token_param)
    if config.bot_token is not None:
        return config.bot_token.get_secret_value()
    raise ValueError("no bot token: set JIFEN_BOT_TOKEN_PARAM (or JIFEN_BOT_TOKEN)")


def notifier() -> Notifier:
    """The container's notifier; rebuilt (same limiter) when the bot token rotates."""
    global _notifier, _limiter
    config = _runtime.settings(NotificationSettings)
    token = _bot_token(config)
    with _lock:
        if _notifier is not None and _notifier[0] == token:
            return _notifier[1]
        if _limiter is None:
            _limiter = RateLimiter(config.notify_messages_per_s, config.notify_chat_messages_per_s)
        storage = _runtime.storage()
        built = Notifier(
            store=storage.ledger,
            log=storage.deliveries,
            telegram=TelegramBotApi(token, config.telegram_api_url),
            limiter=_limiter,
            default_language=config.notify_default_language,
        )
        _notifier = (token, built)
        return built


def reset() -> None:
    """Forget the cached notifier and limiter (tests)."""
    global _notifier, _limiter
    with _lock:
        _notifier = None
        _limiter = None


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Send a batch of notices; report the records SQS should redeliver."""
    sender = notifier()
    remaining_ns = context.get_remaining_time_in_millis() * 1_000_000
    deadline_ns = sender.limiter.now_ns() + remaining_ns - SAFETY_MARGIN_NS
    counts: dict[str, int] = {}

    def record_handler(record: NotificationRecord) -> str:
        notice = record.body
        try:
            outcome = sender.deliver(notice, deadline_ns)
        except RetryLater as later:
            counts["deferred"] = counts.get("deferred", 0) + 1
            logger.warning("notification deferred", extra={"key": notice.key, "why": str(later)})
            raise
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome in (Outcome.UNCONFIRMED, Outcome.ABANDONED):
            logger.error(
                "delivery not confirmed; never resent (at most once)",
                extra={"key": notice.key, "outcome": outcome.value},
            )
        return outcome.value

    processor = BatchProcessor(
        event_type=EventType.SQS,
        model=NotificationRecord,
        raise_on_entire_batch_failure=False,
    )
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failed = len(response.get("batchItemFailures", []))
    for outcome, count in counts.items():
        metrics.add_metric(METRIC_NAMES.get(outcome, "NotificationsOther"), MetricUnit.Count, count)
    metrics.add_metric("NotificationsFailed", MetricUnit.Count, failed)
    logger.info("notification batch", extra={"outcomes": counts, "failed": failed})
    return response
