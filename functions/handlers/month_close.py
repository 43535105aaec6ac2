"""Lambda entry point of the monthly close of roles and commissions (issue 13, seed 003).

Scheduled on the 1st of each month (local time, the settlement's zone): closes the month
before the scheduled day; ``{"month": "YYYY-MM"}`` closes (or finishes) that month by
hand. A plan without a ``roles`` section closes nothing. Every step is idempotent per
member (``close:<month>:<member>``), so a failed run is simply run again: the schedule's
retries, or the same event by hand (:mod:`functions.services.programs.month_close`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from functions.config import ChainKeySettings, PlanSettings, ScheduleSettings, StoreSettings
from functions.observability import logger
from functions.rewards.errors import Rejected
from functions.rewards.roles import month_end, valid_month
from functions.runtime import Runtime
from functions.services.programs.month_close import MonthCloseBlocked, run_month_close

from ._entry import entry
from ._events import scheduled_day

SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {
    "handler": (StoreSettings, PlanSettings, ScheduleSettings, ChainKeySettings),
}
"""The settings each entry point reads (template.yaml must set their variables)."""


def month_to_close(event: dict[str, Any], runtime: Runtime) -> str:
    """An explicit ``month``, else the month before the scheduled day's (local)."""
    if "month" in event and "detail-type" not in event:
        month = valid_month(event["month"])
        if month is None:
            raise ValueError("month must be written YYYY-MM")
        return month
    day, _ = scheduled_day(event, runtime.zone)
    return (day.replace(day=1) - dt.timedelta(days=1)).isoformat()[:7]


def handle(runtime: Runtime, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Close the month; ``off`` without roles in that month's plan, ``blocked`` while an
    earlier close is unfinished (an error: rerun that month first)."""
    month = month_to_close(event, runtime)
    logger.append_keys(close_month=month)
    ledger = runtime.ledger
    if ledger.plan_on(month_end(month)).roles is None:
        logger.info("the plan has no roles: nothing to close")
        return {"month": month, "status": "off"}
    try:
        row = run_month_close(ledger, month)
    except MonthCloseBlocked as blocked:
        logger.error("month close blocked", extra={"blocked_by": blocked.blocked_by})
        raise
    except Rejected as refused:
        logger.error("month close refused", extra={"code": refused.code.value})
        return {"month": month, "status": "refused", "code": refused.code.value}
    logger.info("month closed", extra={"row": row})
    return {**row, "month": month}


handler = entry(handle)
"""The monthly schedule's target."""
