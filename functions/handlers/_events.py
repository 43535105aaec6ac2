"""Event models of the scheduled entry points, and which business day an event means.

The daily schedules (EventBridge Scheduler) send an EventBridge-shaped event
whose ``time`` is the scheduled instant in UTC; the business day is the local
date of that instant in the configured time zone. Operators rerun a day by
invoking with ``{"date": "YYYY-MM-DD"}`` instead. Step Functions tasks carry
plain JSON described by the task models here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from functions.services.settlement_fanout import MAX_PAGES_PER_BATCH

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _calendar_date(text: str) -> str:
    dt.date.fromisoformat(text)  # raises ValueError on 2024-02-30 and the like
    return text


IsoDate = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_calendar_date)
]
"""``YYYY-MM-DD`` in ASCII digits, and a real calendar date."""


class ExplicitDate(BaseModel):
    """A manual run for one business day: ``{"date": "2024-05-01"}``."""

    model_config = ConfigDict(extra="forbid")

    date: IsoDate


class ShardTask(BaseModel):
    """One Distributed Map item: a range of the date's pages."""

    model_config = ConfigDict(extra="ignore")

    date: IsoDate
    first: int = Field(ge=0)
    count: int = Field(ge=1, le=MAX_PAGES_PER_BATCH)


class FinishTask(BaseModel):
    """The state machine's last step: close the date's run."""

    model_config = ConfigDict(extra="ignore")

    date: IsoDate


def scheduled_day(event: Mapping[str, Any], zone: ZoneInfo) -> tuple[dt.date, bool]:
    """The business day an event names, and whether it was named explicitly.

    An explicit ``{"date": ...}`` is taken as is; a scheduled event gives the
    local date of its ``time`` in ``zone``.
    """
    if "date" in event and "detail-type" not in event:
        return dt.date.fromisoformat(parse(event=dict(event), model=ExplicitDate).date), True
    scheduled = parse(event=dict(event), model=EventBridgeModel).time
    if scheduled.tzinfo is None:
        scheduled = scheduled.replace(tzinfo=dt.UTC)
    return scheduled.astimezone(zone).date(), False


def settlement_date(event: Mapping[str, Any], zone: ZoneInfo) -> str:
    """The date to settle: explicit, or the local day before the scheduled time ("yesterday")."""
    day, explicit = scheduled_day(event, zone)
    return (day if explicit else day - dt.timedelta(days=1)).isoformat()


def local_midnight_us(day: dt.date, zone: ZoneInfo) -> int:
    """Microseconds since the epoch at 00:00 of ``day`` in ``zone`` (integer arithmetic only)."""
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return (midnight - EPOCH) // dt.timedelta(microseconds=1)
