"""Lambda entry points of the daily settlement.

* :func:`handler` — the daily schedule (or ``{"date": ...}`` to rerun a day):
  compute and persist the run, then apply it here when it is small, else
  start the settlement state machine; a run that is blocked, refused or fails
  queues an alert for the operators' chats;
* :func:`apply_pages_handler` — one Distributed Map item: apply a range of
  pages and enqueue their members' notifications;
* :func:`finish_handler` — the state machine's last step: mark the run done.

Every step is idempotent per member (``settle:<date>:<member>``), so any of
them may be retried or rerun at any point. The work is in
:mod:`functions.services.settlement_fanout`. Each entry point takes the
container's runtime (:func:`functions.runtime.container_runtime`) and delegates
to a function taking a runtime explicitly (:func:`handle`, :func:`apply_pages`,
:func:`finish_run`), which tests, ``jifen dev`` and the demo call directly.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from functions.config import (
    ChainKeySettings,
    FanoutSettings,
    NotificationPolicySettings,
    NotifySettings,
    PlanSettings,
    ProofSettings,
    ScheduleSettings,
    StoreSettings,
)
from functions.observability import logger
from functions.runtime import Runtime
from functions.services.settlement_fanout import (
    apply_batch,
    finish,
    settle_or_fan_out,
    settle_scheduled,
)

from ._entry import entry
from ._events import FinishTask, ShardTask, scheduled_day, settlement_date

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (
        StoreSettings,
        PlanSettings,
        ScheduleSettings,
        NotifySettings,
        NotificationPolicySettings,
        FanoutSettings,
        ChainKeySettings,
        ProofSettings,
    ),
    "apply_pages_handler": (
        StoreSettings,
        PlanSettings,
        NotifySettings,
        NotificationPolicySettings,
        ChainKeySettings,
    ),
    "finish_handler": (StoreSettings, PlanSettings),
}
"""The settings each entry point reads (template.yaml must set their variables)."""


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Settle the local day before the scheduled time (catching up missed days first), or
    exactly the day the event names; dates are settled in order."""
    zone = runtime.zone
    date = settlement_date(event, zone)
    _, explicit = scheduled_day(event, zone)
    logger.append_keys(settlement_date=date)
    ledger = runtime.ledger
    options: dict[str, Any] = {
        "queue": runtime.queue,
        "starter": runtime.starter,
        "policy": runtime.fanout_policy,
        "after_finish": runtime.after_settlement,
    }
    try:
        if explicit:
            outcome = settle_or_fan_out(ledger, date, **options)
        else:
            outcome = settle_scheduled(
                ledger,
                date,
                **options,
                time_left_s=lambda: context.get_remaining_time_in_millis() / 1000,
                time_budget_s=CATCH_UP_RESERVE_S,
            )
    except Exception as failure:
        _alert_operators(runtime, "settlement_failed", date, type(failure).__name__)
        raise
    status = outcome["status"]
    if status == "blocked":
        _alert_operators(runtime, "settlement_blocked", date, str(outcome["blocked_by"]))
    elif status == "refused":
        _alert_operators(runtime, "settlement_blocked", date, str(outcome["code"]))
    count = runtime.metrics.add_metric
    if status == "already_settled":
        count("SettlementRunsAlreadyDone", MetricUnit.Count, 1)
    elif status in {"blocked", "refused", "behind"}:
        count("SettlementRunsBlocked", MetricUnit.Count, 1)
        logger.warning("settlement not run", extra={"outcome": outcome})
    elif outcome.get("mode") == "inline":
        count("SettlementRunsCompleted", MetricUnit.Count, 1)
        count("MembersSettled", MetricUnit.Count, outcome["members_applied"])
        # issue 16: statements the date's notification budget had no room for
        count("NotificationsDeferred", MetricUnit.Count, outcome["notifications_deferred"])
    elif outcome.get("mode") == "fan_out":
        count("SettlementFanOuts", MetricUnit.Count, 1)
    logger.info("settlement", extra={"outcome": outcome})
    return outcome


def _alert_operators(runtime: Runtime, event: str, date: str, detail: str) -> None:
    """Queue an alert for the operators' chats (the notification sender delivers it once per
    operator); a queue that fails too only logs: the run's own outcome matters more."""
    alert = {"kind": "operator", "event": event, "date": date, "detail": detail[:300]}
    try:
        runtime.queue.send([alert])
    except Exception:
        logger.exception("could not queue the operators' alert", extra={"alert": alert})


CATCH_UP_RESERVE_S = 450.0
"""A catch-up starts another day only while this much of the invocation is left."""


def apply_pages(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Apply one batch of pages (a Distributed Map item) and notify its members."""
    task = parse(event=event, model=ShardTask)
    logger.append_keys(settlement_date=task.date, first_page=task.first)
    outcome = apply_batch(
        runtime.ledger,
        task.date,
        task.first,
        task.count,
        runtime.queue,
        rules=runtime.notification_rules,
    )
    runtime.metrics.add_metric("PagesApplied", MetricUnit.Count, outcome.pages)
    runtime.metrics.add_metric("MembersSettled", MetricUnit.Count, outcome.members_applied)
    runtime.metrics.add_metric("NotificationsEnqueued", MetricUnit.Count, outcome.notifications)
    # issue 16: the budget's deferrals (counted once: a retry reuses its pages' reservations)
    runtime.metrics.add_metric("NotificationsDeferred", MetricUnit.Count, outcome.deferred)
    return outcome.as_json()


def finish_run(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Mark the run done (fails, and so does the execution, if a page is unapplied)."""
    task = parse(event=event, model=FinishTask)
    logger.append_keys(settlement_date=task.date)
    outcome = finish(runtime.ledger, task.date)
    runtime.metrics.add_metric("SettlementRunsCompleted", MetricUnit.Count, 1)
    logger.info("settlement finished", extra={"outcome": outcome})
    return outcome


handler = entry(handle, cold_start_metric=True)
"""The daily schedule's entry."""
apply_pages_handler = entry(apply_pages)
"""A Distributed Map item's entry."""
finish_handler = entry(finish_run)
"""The state machine's last step."""
