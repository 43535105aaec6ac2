"""Lambda entry point of the notification sender (SQS, ReportBatchItemFailures).

Each record's body is one notice (``{"kind": "settlement", ...}``,
``{"kind": "withdrawal", ...}`` or an operator alert ``{"kind": "operator", ...}``,
:mod:`functions.services.notifications`).
Records are sent one after another under Telegram's limits; the answer lists
only the records to redeliver:

* sent, already sent, or nothing to send (no such member, no Telegram chat,
  an empty statement, a chat that blocked the bot, a statement or digest queued over
  24 hours ago: stale, the Mini App has it) — done;
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
from functions.runtime import Runtime, container_runtime
from functions.services.notifications import (
    NS_PER_S,
    DigestNotice,
    Notice,
    Notifier,
    Outcome,
    RateLimiter,
    RetryLater,
    SettlementNotice,
)
from functions.services.telegram_api import TelegramBotApi

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
    Outcome.STALE: "NotificationsStale",
    "deferred": "NotificationsRedelivered",
}


class NotificationRecord(SqsRecordModel):
    body: Json[Notice]


def notifier(runtime: Runtime) -> Notifier:
    """The runtime's notifier; rebuilt (same limiter) when the bot token rotates.

    The limiter lives as long as the runtime, so a container's invocations share it.
    """
    from bot.texts.notices import renderer

    config = runtime.settings.notification
    token = runtime.secret_or(config.bot_token, config.bot_token_param)
    if token is None:
        raise ValueError("no bot token: set JIFEN_BOT_TOKEN_PARAM (or JIFEN_BOT_TOKEN)")
    limiter = runtime.memo(
        "notifications:limiter",
        lambda: RateLimiter(config.notify_messages_per_s, config.notify_chat_messages_per_s),
    )

    def build() -> Notifier:
        telegram = TelegramBotApi(token, config.telegram_api_url)
        runtime.on_close(telegram.close)
        return Notifier(
            store=runtime.stores.ledger,
            log=runtime.notification_log,
            telegram=telegram,
            render=renderer(config.notify_default_language, config.web_app_url),
            limiter=limiter,
            operators=config.notify_operator_ids,
            journal=runtime.stores.ledger,
        )

    return runtime.per_version("notifications:notifier", token, build)


def stamped(record: NotificationRecord) -> Notice:
    """The record's notice; a statement or digest queued without ``queued_at`` (before
    issue 16) is stamped with the queue's own send time, so it can go stale too."""
    notice = record.body
    if isinstance(notice, SettlementNotice | DigestNotice) and notice.queued_at is None:
        sent_s = int(record.attributes.SentTimestamp.timestamp())
        return notice.model_copy(update={"queued_at": sent_s})
    return notice


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """The queue's entry (see :func:`handle`)."""
    return handle(container_runtime(), event, context)


def handle(
    runtime: Runtime, event: dict[str, Any], context: LambdaContext
) -> PartialItemFailureResponse:
    """Send a batch of notices; report the records SQS should redeliver."""
    sender = notifier(runtime)
    remaining_ns = context.get_remaining_time_in_millis() * 1_000_000
    deadline_ns = sender.limiter.now_ns() + remaining_ns - SAFETY_MARGIN_NS
    counts: dict[str, int] = {}

    def record_handler(record: NotificationRecord) -> str:
        notice = stamped(record)
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
        name = METRIC_NAMES.get(outcome, "NotificationsOther")
        runtime.metrics.add_metric(name, MetricUnit.Count, count)
    runtime.metrics.add_metric("NotificationsFailed", MetricUnit.Count, failed)
    logger.info("notification batch", extra={"outcomes": counts, "failed": failed})
    return response
