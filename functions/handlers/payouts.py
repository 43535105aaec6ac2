"""Lambda entry point of the daily T+1 payout batch.

Scheduled once a day (or invoked with ``{"date": "YYYY-MM-DD"}``): the batch
of business day D claims every approved withdrawal requested before 00:00 of D
in the configured time zone that no other batch claimed. The provider writes
the report of exactly those claims and confirms it; reruns rebuild the same
report and mark nothing twice, and each run finishes earlier batches' requests
still unconfirmed (:mod:`functions.services.payouts`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from functions.config import (
    ChainKeySettings,
    PayoutSettings,
    PlanSettings,
    ScheduleSettings,
    StoreSettings,
)
from functions.observability import logger
from functions.rewards.money import format_cents
from functions.runtime import Runtime
from functions.services.payouts import PayoutRun, run_payouts

from ._entry import entry
from ._events import local_midnight_us, scheduled_day

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (StoreSettings, PlanSettings, ScheduleSettings, PayoutSettings, ChainKeySettings),
}
"""The settings each entry point reads (template.yaml must set their variables)."""


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Pay the day's batch: approved requests from before today's local midnight."""
    zone = runtime.zone
    day, _ = scheduled_day(event, zone)
    logger.append_keys(payout_date=day.isoformat())
    run = run_payouts(
        runtime.ledger, runtime.payout_provider, day.isoformat(), local_midnight_us(day, zone)
    )
    paid = run.paid + sum(batch.paid for batch in run.earlier)
    skipped = len(run.skipped) + sum(len(batch.skipped) for batch in run.earlier)
    runtime.metrics.add_metric("PayoutRequestsPaid", MetricUnit.Count, paid)
    runtime.metrics.add_metric("PayoutRequestsSkipped", MetricUnit.Count, skipped)
    outcome = _outcome(run)
    logger.info("payout batch", extra={"outcome": outcome})
    return outcome


handler = entry(handle, cold_start_metric=True)
"""The daily schedule's entry."""


def _outcome(run: PayoutRun) -> dict[str, Any]:
    """The invocation's answer: JSON, the net total as a decimal string."""
    return {
        "date": run.date,
        "provider": run.provider,
        "reference": run.reference,
        "resubmitted": run.resubmitted,
        "claimed": run.claimed,
        "not_claimed": [list(pair) for pair in run.not_claimed],
        "requests": run.requests,
        "net_total": format_cents(run.net_total),
        "paid": run.paid,
        "already_paid": run.already_paid,
        "skipped": [list(pair) for pair in run.skipped],
        "earlier": [
            {
                "date": batch.date,
                "reference": batch.reference,
                "paid": batch.paid,
                "already_paid": batch.already_paid,
                "skipped": [list(pair) for pair in batch.skipped],
            }
            for batch in run.earlier
        ],
    }
