"""Where the ledger's plans come from: a fixed history, or the versions in the table.

* :class:`StaticPlans` is a fixed history (tests, benchmarks, a ledger built with one plan).
* :class:`StoredPlans` reads the versions from the table, cached per container. The first
  read of a table without versions publishes version 1 from the plan file the stack ships
  (``PlanName`` / ``JIFEN_PLAN_PATH``: the bootstrap); from then on the table is the truth.
  A cached history is reused while it is younger than ``max_age_s`` **and** the business
  date asked about is not after the one it was read for (a day on or before the day it was
  read): every version published later has an ``effective_from`` after its publication
  day (:func:`check_effective_date`), so it cannot change the plan of any date up to the
  day the cache was read — the cache is exact, and the first event of a new day reads again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from functions.rewards.plan import Plan, canonical_plan_text, load_plan_text
from functions.rewards.versions import (
    PlanHistory,
    PlanVersion,
)
from functions.store.plan_store import PlanConflictError
from functions.store.ports import PlanStorage
from functions.store.records import (
    NewPlanVersion,
    PlanVersionRecord,
)

DEFAULT_MAX_AGE_S = 60.0
"""How long a container trusts the versions it read (``JIFEN_PLAN_CACHE_S``)."""
REASON_MAX = 500
BOOTSTRAP_OPERATOR = "bootstrap"


class PlanSource(Protocol):
    """Where a ledger's plan history comes from."""

    def history(self, date: str | None = None) -> PlanHistory:
        """Every version, exact for decisions on ``date`` (None: no particular date)."""
        ...

    def invalidate(self) -> None:
        """Forget anything cached (a version was just published here)."""
        ...

    def only(self) -> PlanVersion | None:
        """The one version, when no date can ever change it (None: ask by date)."""
        ...


@dataclass(frozen=True, slots=True)
class StaticPlans:
    """A fixed history: one plan from the start, unless more versions are given."""

    fixed: PlanHistory

    def history(self, date: str | None = None) -> PlanHistory:
        del date
        return self.fixed

    def invalidate(self) -> None:
        """Nothing is cached."""

    def only(self) -> PlanVersion | None:
        return self.fixed.first if len(self.fixed) == 1 else None


def history_of(records: Sequence[PlanVersionRecord], parsed: dict[str, Plan]) -> PlanHistory:
    """The stored versions as the engine's history (texts parsed once per digest)."""
    versions = []
    for record in records:
        plan = parsed.get(record.digest)
        if plan is None:
            plan = parsed[record.digest] = load_plan_text(record.text)
        versions.append(PlanVersion(record.version, record.effective_from, plan))
    return PlanHistory(tuple(versions))


@dataclass(slots=True)
class _Snapshot:
    history: PlanHistory
    records: tuple[PlanVersionRecord, ...]
    read_date: str
    """The business date asked about when it was read ("" for none): exact up to it."""
    read_at: float


class StoredPlans:
    """The table's versions, bootstrapped from ``bootstrap`` and cached (see the module)."""

    def __init__(
        self,
        store: PlanStorage,
        bootstrap: Plan,
        *,
        clock: Callable[[], int],
        max_age_s: float | None = DEFAULT_MAX_AGE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.clock = clock
        """Only read to stamp a bootstrapped version 1."""
        self.max_age_s = max_age_s
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._parsed: dict[str, Plan] = {}
        self.reads = 0

    def _fresh(self, snapshot: _Snapshot, date: str | None) -> bool:
        if self.max_age_s is not None and self.monotonic() - snapshot.read_at >= self.max_age_s:
            return False
        return date is None or date <= snapshot.read_date

    def _read(self, date: str | None) -> _Snapshot:
        """Read every version. Callers ask about business dates up to today, so the
        date asked is a day on or before the day of this read: exact up to it."""
        read_at = self.monotonic()
        records = self.store.plan_versions()
        self.reads += 1
        if not records:
            text = canonical_plan_text(self.bootstrap)
            # another container may bootstrap first: its version 1 is the one
            with contextlib.suppress(PlanConflictError):
                self.store.publish_plan(
                    NewPlanVersion(
                        version=1,
                        effective_from=None,
                        operator=BOOTSTRAP_OPERATOR,
                        reason="the plan file the stack ships (PlanName)",
                        name=self.bootstrap.name,
                        text=text,
                        published_at=self.clock(),
                        previous=None,
                    )
                )
            records = self.store.plan_versions()
        history = history_of(records, self._parsed)
        return _Snapshot(history, tuple(records), date or "", read_at)

    def snapshot(
        self, date: str | None = None
    ) -> tuple[PlanHistory, tuple[PlanVersionRecord, ...]]:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or not self._fresh(snapshot, date):
                snapshot = self._snapshot = self._read(date)
            return snapshot.history, snapshot.records

    def history(self, date: str | None = None) -> PlanHistory:
        return self.snapshot(date)[0]

    def records(self) -> tuple[PlanVersionRecord, ...]:
        """The stored versions, as read now (never from the cache)."""
        self.invalidate()
        return self.snapshot()[1]

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None

    def only(self) -> PlanVersion | None:
        return None  # another container may publish at any time: always ask by date
