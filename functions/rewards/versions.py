"""Plan versions: which plan applies to a purchase, a settlement or a withdrawal.

A plan changes by publishing a new, numbered version with an ``effective_from``
business date; versions are never edited. The rules (docs/rules-decisions.md,
"Plan versions") are decided here once, for the scenario runner's book and the
live services alike:

* the version **in effect on date D** is the highest-numbered version whose
  ``effective_from`` is on or before D; version 1 is in effect from the start
  (its ``effective_from`` is ``None``), and a date before every other version's
  date (or no date at all) gets it;
* a purchase and a withdrawal use the version in effect on their **business date**;
  a settlement for D the version in effect on D; grants keep the terms (points,
  daily amount) they were created with, whatever version settles them later;
* a new version's ``effective_from`` must be after the last settled date (so no
  settled day ever changes its plan) — the live system also requires it to be after
  today, so one business day never mixes two plans.

Everything here is pure: dates are ``YYYY-MM-DD`` strings (they order as text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .errors import RejectCode, Rejected
from .plan import Plan


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One published plan: its number, the first business date it governs, the plan."""

    number: int
    effective_from: str | None
    plan: Plan


@dataclass(frozen=True, slots=True)
class PlanHistory:
    """Every version of the plan, numbered 1, 2, … in publication order."""

    versions: tuple[PlanVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a plan history starts with version 1")
        for position, version in enumerate(self.versions, start=1):
            if version.number != position:
                raise ValueError(f"version {version.number} found where {position} belongs")
            if (version.effective_from is None) != (position == 1):
                raise ValueError("only version 1 is in effect from the start (no effective_from)")

    @classmethod
    def of(cls, plan: Plan) -> PlanHistory:
        """A history of one version: ``plan`` from the start."""
        return cls((PlanVersion(1, None, plan),))

    def __len__(self) -> int:
        return len(self.versions)

    def __iter__(self) -> Iterator[PlanVersion]:
        return iter(self.versions)

    @property
    def first(self) -> PlanVersion:
        return self.versions[0]

    @property
    def latest(self) -> PlanVersion:
        return self.versions[-1]

    def at(self, date: str | None) -> PlanVersion:
        """The version in effect on ``date`` (None: before any date, i.e. version 1)."""
        if date is not None:
            for version in reversed(self.versions):
                if version.effective_from is None or version.effective_from <= date:
                    return version
        return self.versions[0]

    def plan_on(self, date: str | None) -> Plan:
        return self.at(date).plan

    def with_version(self, plan: Plan, effective_from: str) -> PlanHistory:
        """This history and one more version (its date is checked by the caller)."""
        number = len(self.versions) + 1
        return PlanHistory((*self.versions, PlanVersion(number, effective_from, plan)))


def next_day(date: str) -> str:
    """The calendar day after ``date``."""
    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


def business_date_after(last_settled: str | None) -> str | None:
    """A scenario's current business date: the day after the last settled one (None: none yet).

    Scenario events carry no clock; the day being traded is the one after the latest
    date settled, as in the live system, where yesterday is settled early in the morning.
    """
    return None if last_settled is None else next_day(last_settled)


def local_date(at_us: int, zone: ZoneInfo) -> str:
    """The business date of a timestamp (µs since the epoch) in the schedule's zone."""
    return dt.datetime.fromtimestamp(at_us / 1_000_000, zone).date().isoformat()


def check_effective_date(
    effective_from: str, *, last_settled: str | None, today: str | None = None
) -> None:
    """Refuse a new version's date unless it is after the last settled date (and ``today``).

    Raises ``Rejected(effective_date_passed)``. ``today`` is the live system's local
    business date when publishing (scenarios have no clock and pass None).
    """
    if last_settled is not None and effective_from <= last_settled:
        raise Rejected(
            RejectCode.EFFECTIVE_DATE_PASSED,
            f"effective_from {effective_from} must be after {last_settled}, "
            "the last settled date (a settled day never changes its plan)",
        )
    if today is not None and effective_from <= today:
        raise Rejected(
            RejectCode.EFFECTIVE_DATE_PASSED,
            f"effective_from {effective_from} must be after today ({today}): "
            "one business day never mixes two plans",
        )


def version_rows(history: PlanHistory) -> Sequence[dict[str, object]]:
    """The versions as report rows (``plan_versions`` in a scenario report)."""
    return [
        {
            "version": version.number,
            "name": version.plan.name,
            "effective_from": version.effective_from,
        }
        for version in history
    ]
